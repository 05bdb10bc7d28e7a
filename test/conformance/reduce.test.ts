import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { forEachBackend } from './backends.js';
import { check, expectTensor, rnd, vals, item } from './helpers.js';

/** Naive reduction of a [A,B,C] tensor over one axis, by explicit loops. */
function naive3(v: number[], [A, B, C]: [number, number, number], axis: number, f: (xs: number[]) => number): number[] {
  const out: number[] = [];
  const at = (i: number, j: number, k: number): number => v[(i * B + j) * C + k]!;
  if (axis === 0) for (let j = 0; j < B; j++) for (let k = 0; k < C; k++) out.push(f([...Array(A).keys()].map((i) => at(i, j, k))));
  if (axis === 1) for (let i = 0; i < A; i++) for (let k = 0; k < C; k++) out.push(f([...Array(B).keys()].map((j) => at(i, j, k))));
  if (axis === 2) for (let i = 0; i < A; i++) for (let j = 0; j < B; j++) out.push(f([...Array(C).keys()].map((k) => at(i, j, k))));
  return out;
}

const sumF = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
const prodF = (xs: number[]): number => xs.reduce((a, b) => a * b, 1);
const meanF = (xs: number[]): number => sumF(xs) / xs.length;
const varF = (xs: number[]): number => meanF(xs.map((x) => (x - meanF(xs)) ** 2));

forEachBackend('reduce', () => {
  const m = (): nb.Tensor => nb.tensor([[1, 2, 3], [4, 5, 6]]);

  describe('forward against hand-computed values', () => {
    it('sum over all, one axis, negative axis, several axes, keepDims', async () => {
      await expectTensor(nb.sum(m()), [21], []);
      await expectTensor(nb.sum(m(), 0), [5, 7, 9], [3]);
      await expectTensor(nb.sum(m(), -1), [6, 15], [2]);
      await expectTensor(nb.sum(m(), 1, true), [[6], [15]], [2, 1]);
      await expectTensor(nb.sum(m(), [0, 1], true), [[21]], [1, 1]);
      await expectTensor(m().sum([-2, -1]), [21], []);
    });
    it('mean, max, min, prod', async () => {
      await expectTensor(nb.mean(m(), 0), [2.5, 3.5, 4.5]);
      await expectTensor(nb.max(m(), 1), [3, 6]);
      await expectTensor(nb.min(m(), 0), [1, 2, 3]);
      await expectTensor(nb.prod(m(), 1), [6, 120]);
      await expectTensor(nb.max(m()), [6], []);
      await expectTensor(nb.min(m(), -1, true), [[1], [4]], [2, 1]);
    });
    it('variance and std (population default, correction 1 unbiased)', async () => {
      const x = nb.tensor([2, 4, 4, 4, 5, 5, 7, 9]);
      await expectTensor(nb.variance(x), [4], []);
      await expectTensor(nb.std(x), [2], []);
      await expectTensor(nb.variance(x, 0, false, 1), [32 / 7]);
      await expectTensor(nb.variance(m(), 1, true), [[2 / 3], [2 / 3]], [2, 1]);
    });
    it('argmax / argmin give int32, first index on ties, negative axis', async () => {
      const x = nb.tensor([[1, 9, 9], [7, 0, 0]]);
      const am = nb.argmax(x, 1);
      expect(am.dtype).toBe('int32');
      await expectTensor(am, [1, 0]);
      await expectTensor(nb.argmin(x, -1), [0, 1]);
      await expectTensor(nb.argmax(x, 0), [1, 0, 0]);
      await expectTensor(nb.argmax(x, 1, true), [[1], [0]], [2, 1]);
      await expectTensor(x.argmin(), [0, 1]);
    });
    it('empty dims: sum gives 0, prod gives 1; reducing a non-empty axis of an empty tensor', async () => {
      await expectTensor(nb.sum(nb.zeros([0, 3]), 0), [0, 0, 0], [3]);
      await expectTensor(nb.prod(nb.zeros([2, 0]), 1), [1, 1], [2]);
      expect(nb.max(nb.zeros([0, 3]), 1).shape).toEqual([0]);
      expect((await item(nb.sum(nb.zeros([0, 3]))))).toBe(0);
    });
    it('bool sum counts, int32 sum stays int32', async () => {
      const s = nb.sum(nb.tensor([true, false, true]));
      expect(s.dtype).toBe('int32');
      expect((await item(s))).toBe(2);
      expect(nb.sum(nb.tensor([1, 2], { dtype: 'int32' })).dtype).toBe('int32');
      expect((await item(nb.mean(nb.tensor([1, 2], { dtype: 'int32' }))))).toBe(1.5);
    });
    it('logsumexp is stable for large values and handles -inf rows', async () => {
      await expectTensor(nb.logsumexp(nb.tensor([1000, 1000])), [1000 + Math.log(2)], [], 1e-6);
      await expectTensor(nb.logsumexp(nb.tensor([[0, Math.log(3)]]), 1), [Math.log(4)], [1]);
      await expectTensor(nb.logsumexp(nb.tensor([[-Infinity, -Infinity]]), 1), [-Infinity]);
      await expectTensor(nb.logsumexp(nb.zeros([2, 0]), 1), [-Infinity, -Infinity], [2]);
      await expectTensor(nb.logsumexp(nb.tensor([[1, 2], [3, 4]]), 0, true), [[Math.log(Math.exp(1) + Math.exp(3)), Math.log(Math.exp(2) + Math.exp(4))]], [1, 2]);
    });
    it('match naive loops on a random [3,4,5] tensor along every axis', async () => {
      const shape: [number, number, number] = [3, 4, 5];
      const x = rnd(shape, 40);
      const v = await vals(x);
      for (let ax = 0; ax < 3; ax++) {
        await expectTensor(nb.sum(x, ax), naive3(v, shape, ax, sumF), undefined, 1e-5);
        await expectTensor(nb.prod(x, ax), naive3(v, shape, ax, prodF), undefined, 1e-5);
        await expectTensor(nb.max(x, ax), naive3(v, shape, ax, (xs) => Math.max(...xs)));
        await expectTensor(nb.min(x, ax), naive3(v, shape, ax, (xs) => Math.min(...xs)));
        await expectTensor(nb.mean(x, ax - 3), naive3(v, shape, ax, meanF), undefined, 1e-5);
        await expectTensor(nb.variance(x, ax), naive3(v, shape, ax, varF), undefined, 1e-5);
        await expectTensor(nb.argmax(x, ax), naive3(v, shape, ax, (xs) => xs.indexOf(Math.max(...xs))));
        await expectTensor(nb.argmin(x, ax), naive3(v, shape, ax, (xs) => xs.indexOf(Math.min(...xs))));
        await expectTensor(nb.logsumexp(x, ax), naive3(v, shape, ax, (xs) => Math.log(sumF(xs.map(Math.exp)))), undefined, 1e-5);
      }
    });
  });

  describe('gradients (gradcheck)', () => {
    const x = (): nb.Tensor => rnd([2, 3, 4], 41);
    it('sum and mean over axes, negative axes, keepDims', async () => {
      await check((t) => nb.sum(t), [x()]);
      await check((t) => nb.sum(t, [0, 2]), [x()]);
      await check((t) => nb.sum(t, -1, true), [x()]);
      await check((t) => nb.mean(t, 1), [x()]);
      await check((t) => nb.mean(t, [-3, -1], true), [x()]);
      await check((t) => nb.sum(t, 0), [rnd([1, 3], 42)]);
    });
    it('max and min (distinct values) with ties sharing the gradient', async () => {
      await check((t) => nb.max(t, 1), [x()]);
      await check((t) => nb.min(t, [0, 2], true), [x()]);
      await check((t) => nb.max(t), [x()]);
      const tie = nb.tensor([1, 3, 3]).requireGrad();
      nb.max(tie).backward();
      await expectTensor(tie.grad!, [0, 0.5, 0.5]);
    });
    it('prod, including exact gradients at zeros', async () => {
      await check((t) => nb.prod(t, 1), [x()]);
      await check((t) => nb.prod(t), [rnd([5], 43, 0.5, 1.5)]);
      const z = nb.tensor([[2, 0, 3], [0, 0, 4]]).requireGrad();
      nb.sum(nb.prod(z, 1)).backward();
      await expectTensor(z.grad!, [[0, 6, 0], [0, 0, 0]]);
      await check((t) => nb.prod(t, 1), [nb.tensor([[2, 0, 3], [1, 0.5, 4]])]);
    });
    it('variance, std, logsumexp', async () => {
      await check((t) => nb.variance(t, 1), [x()]);
      await check((t) => nb.std(t, [0, 2], true, 1), [x()]);
      await check((t) => nb.logsumexp(t, -1), [x()]);
      await check((t) => nb.logsumexp(t), [x()]);
    });
    it('empty reductions give empty gradients', async () => {
      const e = nb.zeros([0, 2]).requireGrad();
      nb.sum(e).backward();
      expect(e.grad!.shape).toEqual([0, 2]);
    });
  });
});

forEachBackend('reduce gradients at constant input', () => {
  it('std of constant rows has gradient 0 (like PyTorch), not NaN; values unchanged', async () => {
    const x = nb.tensor([[2, 2, 2], [1, 2, 3]]);
    const g = nb.grad((t: nb.Tensor) => nb.sum(nb.std(t, -1)))(x);
    const row1 = 1 / (3 * Math.sqrt(2 / 3)); // d std/dx = (x − mean) / (n·std)
    await expectTensor(g, [[0, 0, 0], [-row1, 0, row1]], [2, 3], 1e-4);
    await expectTensor(nb.std(x, -1), [0, Math.sqrt(2 / 3)], [2], 1e-5);
    const g1 = nb.grad((t: nb.Tensor) => nb.sum(nb.std(t, 1, true, 1)))(nb.tensor([[5, 5]]));
    await expectTensor(g1, [[0, 0]], [1, 2]);
    await expectTensor(nb.std(nb.tensor([NaN, 1])), [NaN], []);
  });
});
