import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { forEachBackend } from './backends.js';
import { check, expectTensor, rnd, vals } from './helpers.js';

/** Naive batched product of [B,M,K] and [B,K,N] (B may be 1 on either side: broadcast). */
function naiveBmm(a: number[], [Ba, M, K]: number[], b: number[], [Bb, , N]: number[]): number[] {
  const B = Math.max(Ba!, Bb!);
  const out: number[] = [];
  for (let q = 0; q < B; q++) {
    const qa = Ba === 1 ? 0 : q;
    const qb = Bb === 1 ? 0 : q;
    for (let i = 0; i < M!; i++)
      for (let j = 0; j < N!; j++) {
        let s = 0;
        for (let k = 0; k < K!; k++) s += a[(qa * M! + i) * K! + k]! * b[(qb * K! + k) * N! + j]!;
        out.push(s);
      }
  }
  return out;
}

forEachBackend('matmul', () => {
  describe('forward', () => {
    it('2-D by hand', async () => {
      const a = nb.tensor([[1, 2], [3, 4], [5, 6]]);
      const b = nb.tensor([[7, 8, 9, 10], [11, 12, 13, 14]]);
      await expectTensor(nb.matmul(a, b), [[29, 32, 35, 38], [65, 72, 79, 86], [101, 112, 123, 134]], [3, 4]);
    });
    it('1-D operands (vector-matrix, matrix-vector, dot)', async () => {
      const m = nb.tensor([[1, 2], [3, 4]]);
      const v = nb.tensor([1, -1]);
      await expectTensor(nb.matmul(v, m), [-2, -2], [2]);
      await expectTensor(nb.matmul(m, v), [-1, -1], [2]);
      await expectTensor(nb.matmul(v, v), [2], []);
      await expectTensor(nb.dot(nb.tensor([1, 2, 3]), nb.tensor([4, 5, 6])), [32], []);
      await expectTensor(nb.outer(nb.tensor([1, 2]), nb.tensor([3, 4, 5])), [[3, 4, 5], [6, 8, 10]], [2, 3]);
    });
    it('batched with broadcast batch dims matches a naive loop', async () => {
      const a = rnd([3, 2, 4], 50);
      const b = rnd([1, 4, 5], 51);
      const out = nb.matmul(a, b);
      expect(out.shape).toEqual([3, 2, 5]);
      await expectTensor(out, naiveBmm(await vals(a), [3, 2, 4], await vals(b), [1, 4, 5]));
      const c = rnd([4, 5], 52);
      await expectTensor(nb.matmul(a, c), naiveBmm(await vals(a), [3, 2, 4], await vals(c), [1, 4, 5]), [3, 2, 5]);
      expect(nb.matmul(rnd([2, 1, 3, 4], 53), rnd([5, 4, 2], 54)).shape).toEqual([2, 5, 3, 2]);
      expect(nb.matmul(rnd([2, 3, 4], 55), rnd([4], 56)).shape).toEqual([2, 3]);
    });
    it('K = 0 gives zeros; M = 0 gives an empty result', async () => {
      await expectTensor(nb.matmul(nb.zeros([2, 0]), nb.zeros([0, 3])), [[0, 0, 0], [0, 0, 0]], [2, 3]);
      expect(nb.matmul(nb.zeros([0, 2]), nb.ones([2, 3])).shape).toEqual([0, 3]);
    });
    it('int32 operands compute in float32', async () => {
      const i = nb.tensor([[1, 2]], { dtype: 'int32' });
      const j = nb.tensor([[3], [4]], { dtype: 'int32' });
      const o = nb.matmul(i, j);
      expect(o.dtype).toBe('float32');
      await expectTensor(o, [[11]]);
    });
    it('matmulT transposes either operand without a copy', async () => {
      const a = rnd([3, 2], 57);
      const b = rnd([4, 2], 58);
      await expectTensor(nb.matmulT(a, b, false, true), await vals(nb.matmul(a, nb.transpose(b))), [3, 4]);
      const c = rnd([4, 3], 59);
      await expectTensor(nb.matmulT(b, c, true, false), await vals(nb.matmul(nb.transpose(b), c)), [2, 3]);
      const d = rnd([5, 4], 49);
      await expectTensor(nb.matmulT(c, d, true, true), await vals(nb.matmul(nb.transpose(c), nb.transpose(d))), [3, 5]);
    });
  });

  describe('gradients (gradcheck)', () => {
    it('2-D, batched, broadcast batch, 1-D', async () => {
      await check(nb.matmul, [rnd([3, 4], 60), rnd([4, 2], 61)]);
      await check(nb.matmul, [rnd([2, 3, 4], 62), rnd([4, 2], 63)]);
      await check(nb.matmul, [rnd([2, 1, 2, 3], 64), rnd([3, 3, 2], 65)]);
      await check(nb.matmul, [rnd([3], 66), rnd([3, 2], 67)]);
      await check(nb.matmul, [rnd([2, 3], 68), rnd([3], 69)]);
      await check(nb.matmul, [rnd([3], 70), rnd([3], 71)]);
      await check(nb.dot, [rnd([4], 72), rnd([4], 73)]);
      await check(nb.outer, [rnd([2], 74), rnd([3], 75)]);
    });
    it('all four transposition variants of matmulT', async () => {
      for (const [ta, tb] of [[false, false], [false, true], [true, false], [true, true]] as const) {
        const a = rnd(ta ? [2, 4, 3] : [2, 3, 4], 76);
        const b = rnd(tb ? [5, 4] : [4, 5], 77);
        await check((x, y) => nb.matmulT(x!, y!, ta, tb), [a, b]);
      }
    });
  });
});
