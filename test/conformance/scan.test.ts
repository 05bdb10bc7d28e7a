import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { forEachBackend } from './backends.js';
import { check, expectTensor, rnd, vals, read } from './helpers.js';

/** Naive running sum/product of a [A,B,C] array along `axis`, by explicit loops. */
function naiveScan(v: number[], shape: [number, number, number], axis: number, prod: boolean, exclusive: boolean, reverse: boolean): number[] {
  const out = new Array<number>(v.length).fill(0);
  const strides = [shape[1] * shape[2], shape[2], 1];
  const n = shape[axis]!;
  const others = [0, 1, 2].filter((d) => d !== axis);
  for (let i = 0; i < shape[others[0]!]!; i++) {
    for (let j = 0; j < shape[others[1]!]!; j++) {
      const base = i * strides[others[0]!]! + j * strides[others[1]!]!;
      let acc = prod ? 1 : 0;
      for (let r = 0; r < n; r++) {
        const at = base + (reverse ? n - 1 - r : r) * strides[axis]!;
        if (exclusive) out[at] = acc;
        acc = prod ? acc * v[at]! : acc + v[at]!;
        if (!exclusive) out[at] = acc;
      }
    }
  }
  return out;
}

const FLAGS = [
  { exclusive: false, reverse: false }, { exclusive: true, reverse: false },
  { exclusive: false, reverse: true }, { exclusive: true, reverse: true },
];

forEachBackend('scan', () => {
  describe('forward', () => {
    it('cumsum and cumprod along every axis, exclusive and reverse, match naive loops', async () => {
      const x = rnd([3, 4, 5], 900, 0.5, 1.5);
      for (const axis of [0, 1, 2]) {
        for (const f of FLAGS) {
          await expectTensor(nb.cumsum(x, axis, f), naiveScan(await vals(x), [3, 4, 5], axis, false, f.exclusive, f.reverse), [3, 4, 5]);
          await expectTensor(nb.cumprod(x, axis - 3, f), naiveScan(await vals(x), [3, 4, 5], axis, true, f.exclusive, f.reverse), [3, 4, 5], 1e-5);
        }
      }
    });
    it('hand-computed values; the axis defaults to 0', async () => {
      const x = nb.tensor([[1, 2, 3], [4, 5, 6]]);
      await expectTensor(nb.cumsum(x), [[1, 2, 3], [5, 7, 9]]);
      await expectTensor(nb.cumsum(x, 1, { exclusive: true }), [[0, 1, 3], [0, 4, 9]]);
      await expectTensor(nb.cumprod(x, -1, { reverse: true }), [[6, 6, 3], [120, 30, 6]]);
      await expectTensor(nb.cumprod(x, 1, { exclusive: true, reverse: true }), [[6, 3, 1], [30, 6, 1]]);
    });
    it('int32 stays int32 (wrapping on overflow like Int32Array), bool counts as int32', async () => {
      const i = nb.tensor([65536, 65536, 3, -7], { dtype: 'int32' });
      const s = nb.cumprod(i);
      expect(s.dtype).toBe('int32');
      expect(Array.from((await read(s)))).toEqual([65536, 0, 0, 0]);
      expect(Array.from((await read(nb.cumsum(nb.tensor([2147483647, 1], { dtype: 'int32' })))))).toEqual([2147483647, -2147483648]);
      const b = nb.cumsum(nb.tensor([true, false, true, true]));
      expect(b.dtype).toBe('int32');
      expect(Array.from((await read(b)))).toEqual([1, 1, 2, 3]);
    });
    it('NaN and infinities propagate', async () => {
      await expectTensor(nb.cumsum(nb.tensor([1, NaN, 2])), [1, NaN, NaN]);
      await expectTensor(nb.cumprod(nb.tensor([2, Infinity, -1])), [2, Infinity, -Infinity]);
    });
    it('empty and size-1 axes', async () => {
      expect(nb.cumsum(nb.zeros([0, 3])).shape).toEqual([0, 3]);
      expect(nb.cumprod(nb.zeros([2, 0]), 1).shape).toEqual([2, 0]);
      await expectTensor(nb.cumprod(nb.tensor([[3], [4]]), 1, { exclusive: true }), [[1], [1]]);
    });
  });

  describe('gradients (gradcheck)', () => {
    it('cumsum, every flag, negative axes, size-1 axes', async () => {
      for (const f of FLAGS) {
        await check((x) => nb.cumsum(x, 1, f), [rnd([2, 4, 3], 901)]);
        await check((x) => nb.cumsum(x, -1, f), [rnd([3, 1], 902)]);
      }
    });
    it('cumprod, every flag, with no zero, one zero and several zeros on the axis', async () => {
      const rows = nb.tensor([
        [0.7, -1.2, 0.9, 1.1, -0.8],
        [0.6, 0, 1.3, -0.9, 1.2],
        [0, 0.8, 0, 1.4, 0.5],
        [1.1, 0.9, -1.2, 0.8, 0],
        [0, 0, 0, 0.5, 0.7],
      ]);
      for (const f of FLAGS) {
        await check((x) => nb.cumprod(x, 1, f), [rows]);
        await check((x) => nb.cumprod(x, 0, f), [rows]);
      }
      await check((x) => nb.cumprod(x, 0), [rnd([4, 1, 2], 903)]);
    });
    it('cumprod with zeros gives finite gradients like PyTorch (no NaN from dividing by 0)', async () => {
      const x = nb.tensor([2, 0, 3, 0, 5]).requireGrad();
      nb.sum(nb.cumprod(x)).backward();
      // d/dx_j Σ_i Π_{k≤i} x_k: only products through index 1 (the first zero) survive
      await expectTensor(x.grad!, [1, 2 + 2 * 3, 0, 0, 0]);
    });
    it('second derivatives through the gradient rules', async () => {
      await check((x) => nb.grad((y: nb.Tensor) => nb.sum(nb.mul(nb.cumprod(y, 1), y)))(x) as nb.Tensor, [rnd([2, 4], 904, 0.5, 1.5)]);
    });
  });

  it('leaves no tensors behind', async () => {
    const x = rnd([3, 4], 905);
    const leaf = nb.tensor([1, 0, 2]).requireGrad();
    const before = nb.memory().numTensors;
    const y = nb.cumprod(leaf, 0, { exclusive: true });
    const s = nb.sum(y);
    s.backward();
    nb.dispose([s, y, leaf.grad]);
    nb.cumsum(x, 1, { exclusive: true }).dispose();
    expect(nb.memory().numTensors).toBe(before);
  });
});
