/** One case per argument check of cumsum/cumprod, sort/argsort/topk, takeAlongAxis, norm, einsum and clip: each error names the op, the argument and the shapes. */
import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';

const i32 = (v: number[] | number[][]): nb.Tensor => nb.tensor(v, { dtype: 'int32' });
const bad = <T>(v: unknown): T => v as T;

describe('errors', () => {
  const x = nb.zeros([2, 3]);

  it('cumsum / cumprod', () => {
    expect(() => nb.cumsum(bad(null))).toThrow(/^cumsum: x must be a Tensor, got null/);
    expect(() => nb.cumsum(x, 2)).toThrow(/^cumsum: axis 2 is out of range for a tensor of rank 2/);
    expect(() => nb.cumprod(x, bad(0.5))).toThrow(/^cumprod: axis must be an integer, got 0.5/);
    expect(() => nb.cumsum(nb.scalar(1))).toThrow(/^cumsum: x must have at least one axis, got a scalar/);
    expect(() => nb.cumsum(x, 0, bad({ exclusive: 'yes' }))).toThrow(/^cumsum: options.exclusive must be true or false, got string "yes"/);
    expect(() => nb.cumprod(x, 0, bad({ revers: true }))).toThrow(/^cumprod: unknown option 'revers'/);
    expect(() => nb.cumsum(x, 0, bad(3))).toThrow(/^cumsum: options must be an object, got 3/);
  });

  it('sort / argsort / topk', () => {
    expect(() => nb.sort(bad('x'))).toThrow(/^sort: x must be a Tensor, got string/);
    expect(() => nb.argsort(x, { axis: 5 })).toThrow(/^argsort: options.axis 5 is out of range for a tensor of rank 2/);
    expect(() => nb.sort(x, bad({ descending: 1 }))).toThrow(/^sort: options.descending must be true or false, got 1/);
    expect(() => nb.sort(nb.scalar(2))).toThrow(/^sort: x must have at least one axis/);
    expect(() => nb.argsort(x, bad({ dim: 0 }))).toThrow(/^argsort: unknown option 'dim' in options; known options: axis, descending/);
    expect(() => nb.topk(x, 4)).toThrow(/^topk: k \(4\) is larger than axis 1 of x \[2,3\] \(size 3\)/);
    expect(() => nb.topk(x, -1)).toThrow(/^topk: k must be an integer ≥ 0, got -1/);
    expect(() => nb.topk(x, bad(undefined))).toThrow(/^topk: k must be an integer/);
    expect(() => nb.topk(x, 1, bad({ largest: 'no' }))).toThrow(/^topk: options.largest must be true or false/);
    expect(() => nb.topk(x, 1, { axis: -3 })).toThrow(/^topk: options.axis -3 is out of range/);
  });

  it('takeAlongAxis', () => {
    expect(() => nb.takeAlongAxis(x, nb.zeros([2, 1]), 1)).toThrow(/^takeAlongAxis: indices must be int32, got float32 \[2,1\]/);
    expect(() => nb.takeAlongAxis(x, i32([0, 1]), 1)).toThrow(/^takeAlongAxis: indices must have the rank of x: x is \[2,3\], indices are \[2\]/);
    expect(() => nb.takeAlongAxis(x, i32([[0], [1], [0]]), 1)).toThrow(/^takeAlongAxis: x \[2,3\] and indices \[3,1\] do not broadcast at axis 0/);
    expect(() => nb.takeAlongAxis(x, i32([[0]]), 2)).toThrow(/^takeAlongAxis: axis 2 is out of range/);
    expect(() => nb.takeAlongAxis(x, i32([[3]]), 1)).toThrow(/^takeAlongAxis: index 3 is out of range for axis 1 of size 3 \(x \[2,3\], indices \[1,1\]\)/);
    expect(() => nb.takeAlongAxis(bad(null), i32([[0]]), 0)).toThrow(/^takeAlongAxis: x must be a Tensor/);
  });

  it('norm', () => {
    expect(() => nb.norm(bad([1, 2]))).toThrow(/^norm: x must be a Tensor, got object/);
    expect(() => nb.norm(x, bad({ p: 'nuc' }))).toThrow(/^norm: options.p must be a number, got string "nuc"/);
    expect(() => nb.norm(x, { p: NaN })).toThrow(/^norm: options.p must be a number, got NaN/);
    expect(() => nb.norm(x, { axis: 2 })).toThrow(/^norm: axis 2 is out of range/);
    expect(() => nb.norm(x, bad({ keepDims: 'yes' }))).toThrow(/^norm: options.keepDims must be true or false/);
    expect(() => nb.norm(x, bad({ ord: 2 }))).toThrow(/^norm: unknown option 'ord'/);
    expect(() => nb.norm(nb.zeros([2, 0]), { p: Infinity, axis: 1 })).toThrow(/^norm: the Infinity-norm of empty axes \[1\] of \[2,0\] is undefined/);
  });

  it('einsum', () => {
    const a = nb.zeros([2, 3]);
    const b = nb.zeros([4, 5]);
    expect(() => nb.einsum(bad(3), a)).toThrow(/^einsum: equation must be a string, got 3/);
    expect(() => nb.einsum('ij')).toThrow(/^einsum: needs at least one operand/);
    expect(() => nb.einsum('ij,jk->ik', a)).toThrow(/^einsum: equation "ij,jk->ik" names 2 operands, got 1/);
    expect(() => nb.einsum('ij,jk->ik', a, b)).toThrow(/^einsum: subscript 'j' has size 3 in operands\[0\] \[2,3\] but 4 in operands\[1\] \[4,5\]/);
    expect(() => nb.einsum('ijk', a)).toThrow(/^einsum: subscripts "ijk" name 3 axes, but operands\[0\] is \[2,3\] \(rank 2\)/);
    expect(() => nb.einsum('i1', a)).toThrow(/^einsum: operand 0's subscripts "i1" of "i1" holds "1"/);
    expect(() => nb.einsum('ij->k', a)).toThrow(/^einsum: the output subscript 'k' of "ij->k" appears in no operand/);
    expect(() => nb.einsum('ij->ii', a)).toThrow(/^einsum: the output "ii" of "ij->ii" repeats 'i'/);
    expect(() => nb.einsum('ij->i->j', a)).toThrow(/^einsum: equation "ij->i->j" has more than one '->'/);
    expect(() => nb.einsum('i..j', a)).toThrow(/^einsum: .* has a '.' outside one '...'/);
    expect(() => nb.einsum('ii', a)).toThrow(/^einsum: subscript 'i' repeats in operands\[0\] \[2,3\] over axes of sizes 2 and 3/);
    expect(() => nb.einsum('...i,...i', nb.zeros([2, 3]), nb.zeros([4, 3]))).toThrow(/^einsum: the '...' axis -1 has size 2 in operands\[0\] \[2,3\] but 4 in operands\[1\] \[4,3\]/);
    expect(() => nb.einsum('ij,ij', a, nb.zeros([2, 3], { dtype: 'int32' }))).toThrow(/^einsum: operands\[1\] is int32, operands\[0\] is float32/);
    expect(() => nb.einsum('ij', bad(null))).toThrow(/^einsum: operands\[0\] must be a Tensor, got null/);
  });

  it('clip', () => {
    expect(() => nb.clip(x)).toThrow(/^clip: at least one of min and max must be given, got neither/);
    expect(() => nb.clip(x, 2, 1)).toThrow(/^clip: min \(2\) must not exceed max \(1\)/);
    expect(() => nb.clip(x, NaN)).toThrow(/^clip: min must be a number, got NaN/);
    expect(() => nb.clip(x, bad('1'))).toThrow(/^clip: min must be a number, got string "1"/);
    expect(() => nb.clip(x, undefined, nb.zeros([4]))).toThrow(/^clip: .*\[2,3\].*\[4\]/);
    expect(() => nb.clip(bad(null), 0, 1)).toThrow(/^clip: x must be a Tensor or a number, got null/);
  });
});
