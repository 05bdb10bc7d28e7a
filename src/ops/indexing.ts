/** Indexing: gather/indexSelect, scatterAdd (its adjoint) and oneHot. Indices are int32. */
import { apply, scoped } from '../engine.js';
import { defineOp } from '../registry.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkSize, fmt, normAxis, shapesEqual, sizeOf } from '../tensor/shape.js';
import { arange } from '../tensor/creation.js';
import { checkStorable } from '../tensor/dtype.js';
import { checkOneOf, checkOptions, describe, optNumber } from '../validate.js';
import { assertSameBackend, assertTensor, operand } from './util.js';
import { add, ge, logicalAnd, lt, mul, where } from './elementwise.js';
import { broadcastTo, reshape } from './shape.js';

const F = 'indexing';

function checkIndices(op: string, indices: Tensor): Tensor {
  assertTensor(indices, op, 'indices');
  if (indices.dtype === 'int32') return indices;
  throw new Error(`${op}: indices must be int32, got ${indices.dtype} ${fmt(indices.shape)}; convert with nb.cast(indices, 'int32')`);
}

const Gather = defineOp({ name: 'gather', kernels: ['gather'], grad: 'rule', family: F });
/**
 * Takes slices of `x` along `axis` at `indices` (int32, any shape): the output shape is
 * x.shape[:axis] + indices.shape + x.shape[axis+1:]. Out-of-range indices throw.
 */
export function gather(x: Tensor, indices: Tensor, axis = 0): Tensor {
  assertTensor(x, 'gather', 'x');
  const idx = checkIndices('gather', indices);
  const a = normAxis(axis, x.rank, 'gather');
  const outShape = [...x.shape.slice(0, a), ...idx.shape, ...x.shape.slice(a + 1)];
  const inShape = x.shape;
  return apply(Gather, [x, idx], outShape, x.dtype, (be, [kx, ki]) => be.gather(kx!, ki!, a, outShape), (dy, [, ii]) => [
    scatterAddRaw(dy, ii!, a, inShape),
    null,
  ]);
}

/** Rows (or slices along `axis`) of `x` picked by a 1-D index vector (PyTorch's index_select). */
export function indexSelect(x: Tensor, axis: number, indices: Tensor): Tensor {
  assertTensor(x, 'indexSelect', 'x');
  normAxis(axis, x.rank, 'indexSelect');
  checkIndices('indexSelect', indices);
  if (indices.rank !== 1) throw new Error(`indexSelect: indices must be 1-D, got ${fmt(indices.shape)}`);
  try {
    return gather(x, indices, axis);
  } catch (e) {
    // an out-of-range index, found by the kernel: name this op
    if (e instanceof Error && e.message.startsWith('gather: ')) throw new Error(`indexSelect: ${e.message.slice(8)}`);
    throw e;
  }
}
defineOp({ name: 'indexSelect', kernels: [], grad: 'composite', family: F });

const ScatterAdd = defineOp({ name: 'scatterAdd', kernels: ['scatterAdd'], grad: 'rule', family: F });
function scatterAddRaw(updates: Tensor, indices: Tensor, axis: number, outShape: readonly number[]): Tensor {
  const shape = outShape.slice();
  return apply(ScatterAdd, [updates, indices], shape, updates.dtype, (be, [ku, ki]) => be.scatterAdd(ku!, ki!, axis, shape), (dy, [, ii]) => [
    gather(dy, ii!, axis),
    null,
  ]);
}

/**
 * Adds `updates` into a copy of `target` at `indices` along `axis` (repeated indices accumulate):
 * the adjoint of gather. `updates` must have shape target.shape[:axis] + indices.shape + target.shape[axis+1:].
 */
export function scatterAdd(target: Tensor, indices: Tensor, updates: Tensor, axis = 0): Tensor {
  assertTensor(target, 'scatterAdd', 'target');
  assertTensor(updates, 'scatterAdd', 'updates');
  const idx = checkIndices('scatterAdd', indices);
  const a = normAxis(axis, target.rank, 'scatterAdd');
  const expected = [...target.shape.slice(0, a), ...idx.shape, ...target.shape.slice(a + 1)];
  if (!shapesEqual(updates.shape, expected)) {
    throw new Error(`scatterAdd: updates has shape ${fmt(updates.shape)}, expected ${fmt(expected)} for target ${fmt(target.shape)}, indices ${fmt(idx.shape)}, axis ${a}`);
  }
  if (updates.dtype !== target.dtype) throw new Error(`scatterAdd: updates is ${updates.dtype}, target is ${target.dtype}`);
  assertSameBackend('scatterAdd', target, updates);
  // Adding is arithmetic: bool targets count as int32.
  return scoped(() => add(target, scatterAddRaw(operand('scatterAdd', updates, 'arith'), idx, a, target.shape)));
}

const OneHot = defineOp({ name: 'oneHot', kernels: ['oneHot'], grad: 'none', family: F });
/** One-hot rows: indices [...] → [..., depth], float32 by default. Indices outside [0, depth) give all-off rows. */
export function oneHot(indices: Tensor, depth: number, opts: { onValue?: number; offValue?: number; dtype?: 'float32' | 'float64' | 'int32' } = {}): Tensor {
  const idx = checkIndices('oneHot', indices);
  if (!Number.isInteger(depth) || depth < 1) throw new Error(`oneHot: depth must be a positive integer, got ${describe(depth)}`);
  const o = checkOptions('oneHot', opts, ['onValue', 'offValue', 'dtype']);
  const dtype = o.dtype === undefined ? 'float32' : checkOneOf('oneHot', 'options.dtype', o.dtype, ['float32', 'float64', 'int32'] as const);
  if (dtype === 'float64' && !idx.backend.supportsFloat64) throw new Error(`oneHot: backend '${idx.backend.name}' has no float64`);
  const on = optNumber('oneHot', 'options.onValue', o.onValue, 1, { infinite: true });
  const off = optNumber('oneHot', 'options.offValue', o.offValue, 0, { infinite: true });
  checkStorable('oneHot', on, dtype, 'options.onValue');
  checkStorable('oneHot', off, dtype, 'options.offValue');
  const outShape = [...idx.shape, depth];
  checkSize('oneHot', outShape);
  return apply(OneHot, [idx], outShape, dtype, (be, [k]) => be.oneHot(k!, depth, on, off, dtype));
}

defineOp({ name: 'takeAlongAxis', kernels: [], grad: 'composite', family: F });
/**
 * Picks one element of `x` along `axis` per entry of `indices` (NumPy's take_along_axis,
 * PyTorch's gather): out[..., j, ...] = x[..., indices[..., j, ...], ...]. `indices` is int32 of
 * the same rank as x; the other axes broadcast. Indices outside [0, x.shape[axis]) throw. The
 * gradient scatter-adds dy back into x's shape (repeated indices accumulate).
 */
export function takeAlongAxis(x: Tensor, indices: Tensor, axis: number): Tensor {
  const op = 'takeAlongAxis';
  assertTensor(x, op, 'x');
  const idx = checkIndices(op, indices);
  if (idx.rank !== x.rank) throw new Error(`${op}: indices must have the rank of x: x is ${fmt(x.shape)}, indices are ${fmt(idx.shape)}`);
  if (x.rank === 0) throw new Error(`${op}: x must have at least one axis, got a scalar []`);
  const a = normAxis(axis, x.rank, op);
  assertSameBackend(op, x, idx);
  const xShape: number[] = [];
  const outShape: number[] = [];
  for (let i = 0; i < x.rank; i++) {
    const dx = x.shape[i] as number;
    const di = idx.shape[i] as number;
    if (i === a) {
      xShape.push(dx);
      outShape.push(di);
    } else if (dx === di || dx === 1 || di === 1) {
      const d = dx === 1 ? di : dx;
      xShape.push(d);
      outShape.push(d);
    } else {
      throw new Error(`${op}: x ${fmt(x.shape)} and indices ${fmt(idx.shape)} do not broadcast at axis ${i} (axis ${a} excepted)`);
    }
  }
  checkSize(op, outShape);
  checkSize(op, xShape);
  const dim = x.shape[a] as number;
  const outer = sizeOf(outShape.slice(0, a));
  const inner = sizeOf(outShape.slice(a + 1));
  const m = outShape[a] as number;
  try {
    return scoped(() => {
      const xb = shapesEqual(x.shape, xShape) ? x : broadcastTo(x, xShape);
      const ib = shapesEqual(idx.shape, outShape) ? idx : broadcastTo(idx, outShape);
      // flat position in xb of out[o, j, k]: (o·dim + idx)·inner + k; invalid indices become −1 (the gather refuses them)
      const i3 = reshape(ib, [outer, m, inner]);
      const be = x.backend.name;
      const ramp = (n: number, step: number, shape: number[]): Tensor => {
        const r = reshape(arange(0, n, 1, { dtype: 'int32', backend: be }), shape);
        return step === 1 ? r : mul(r, step);
      };
      let pos = inner === 1 ? i3 : add(mul(i3, inner), ramp(inner, 1, [1, 1, inner]));
      if (outer > 1) pos = add(pos, ramp(outer, dim * inner, [outer, 1, 1]));
      const flat = where(logicalAnd(ge(i3, 0), lt(i3, dim)), pos, -1);
      const picked = gather(reshape(xb, [xb.size]), reshape(flat, [flat.size]), 0);
      return reshape(picked, outShape);
    });
  } catch (e) {
    if (e instanceof Error && e.message.startsWith('gather: ')) {
      const bad = idx.backend.downloadSync ? Array.from(idx.dataSync() as Int32Array).find((v) => v < 0 || v >= dim) : undefined;
      throw new Error(`${op}: index ${bad ?? '(one)'} is out of range for axis ${a} of size ${dim} (x ${fmt(x.shape)}, indices ${fmt(idx.shape)})`);
    }
    throw e;
  }
}
