import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { forEachBackend } from './backends.js';
import { check, expectTensor, rnd, vals } from './helpers.js';

// GPU kernels cannot raise: out-of-range indices are checked only where values read synchronously
const checksIndices = (backend: string): boolean => backend !== 'webgpu';

forEachBackend('indexing', (backend) => {
  const idx = (v: number[] | number[][]): nb.Tensor => nb.tensor(v, { dtype: 'int32' });

  describe('forward', () => {
    it('gather along axis 0 and 1, with index tensors of any shape', async () => {
      const x = nb.tensor([[1, 2, 3], [4, 5, 6], [7, 8, 9]]);
      await expectTensor(nb.gather(x, idx([2, 0, 2])), [[7, 8, 9], [1, 2, 3], [7, 8, 9]], [3, 3]);
      await expectTensor(nb.gather(x, idx([1]), 1), [[2], [5], [8]], [3, 1]);
      await expectTensor(nb.gather(x, idx([[0, 1], [2, 2]]), -1), [[[1, 2], [3, 3]], [[4, 5], [6, 6]], [[7, 8], [9, 9]]], [3, 2, 2]);
      expect(nb.gather(x, idx([])).shape).toEqual([0, 3]);
    });
    it('indexSelect matches a naive loop', async () => {
      const x = rnd([4, 3, 2], 100);
      const out = nb.indexSelect(x, 1, idx([2, 2, 0]));
      expect(out.shape).toEqual([4, 3, 2]);
      const v = await vals(x);
      const want: number[] = [];
      for (let i = 0; i < 4; i++) for (const j of [2, 2, 0]) for (let k = 0; k < 2; k++) want.push(v[(i * 3 + j) * 2 + k]!);
      await expectTensor(out, want);
    });
    it('scatterAdd accumulates repeated indices', async () => {
      const t = nb.zeros([3, 2]);
      const u = nb.tensor([[1, 1], [2, 2], [3, 3]]);
      await expectTensor(nb.scatterAdd(t, idx([0, 2, 0]), u), [[4, 4], [0, 0], [2, 2]], [3, 2]);
      await expectTensor(nb.scatterAdd(nb.ones([2, 3]), idx([1, 1]), nb.tensor([[5, 6], [7, 8]]), 1), [[1, 12, 1], [1, 16, 1]]);
    });
    it.skipIf(!checksIndices(backend))('out-of-range indices throw (every CPU backend checks them)', async () => {
      expect(() => nb.gather(nb.zeros([3]), idx([3]))).toThrow(/gather: index 3 is out of range for axis 0 of size 3/);
      expect(() => nb.gather(nb.zeros([2, 3]), idx([-1]), 1)).toThrow(/gather: index -1 is out of range/);
      expect(() => nb.scatterAdd(nb.zeros([2]), idx([2]), nb.ones([1]))).toThrow(/scatterAdd: index 2 is out of range/);
    });
    it('oneHot with depth, on/off values and out-of-range rows', async () => {
      await expectTensor(nb.oneHot(idx([0, 2, 1]), 3), [[1, 0, 0], [0, 0, 1], [0, 1, 0]], [3, 3]);
      await expectTensor(nb.oneHot(idx([[1], [5]]), 2, { onValue: 2, offValue: -1 }), [[[-1, 2]], [[-1, -1]]], [2, 1, 2]);
      expect(nb.oneHot(idx([1]), 2, { dtype: 'int32' }).dtype).toBe('int32');
    });
  });

  describe('gradients (gradcheck)', () => {
    it('gather / indexSelect (repeated indices accumulate)', async () => {
      await check((x) => nb.gather(x, idx([0, 2, 0, 1])), [rnd([3, 2], 101)]);
      await check((x) => nb.gather(x, idx([[1, 0]]), -1), [rnd([2, 3], 102)]);
      await check((x) => nb.indexSelect(x, 0, idx([1, 1])), [rnd([2, 2], 103)]);
      const x = nb.tensor([1, 2, 3]).requireGrad();
      nb.sum(nb.gather(x, idx([2, 2, 0]))).backward();
      await expectTensor(x.grad!, [1, 0, 2]);
    });
    it('scatterAdd in target and updates', async () => {
      await check((t, u) => nb.scatterAdd(t!, idx([1, 0, 1]), u!), [rnd([2, 3], 104), rnd([3, 3], 105)]);
    });
    it('oneHot output is constant (no gradient needed)', async () => {
      expect(nb.listOps().find((o) => o.name === 'oneHot')!.grad).toBe('none');
    });
  });
});
