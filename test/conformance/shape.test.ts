import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { forEachBackend } from './backends.js';
import { check, expectTensor, rnd, vals, arr } from './helpers.js';

forEachBackend('shape ops', () => {
  const a23 = (): nb.Tensor => nb.tensor([[1, 2, 3], [4, 5, 6]]);

  describe('forward', () => {
    it('reshape (with -1), flatten, squeeze, unsqueeze', async () => {
      await expectTensor(nb.reshape(a23(), [3, 2]), [[1, 2], [3, 4], [5, 6]], [3, 2]);
      expect(nb.reshape(a23(), [-1]).shape).toEqual([6]);
      expect(nb.reshape(a23(), [1, -1, 2]).shape).toEqual([1, 3, 2]);
      expect(nb.reshape(nb.zeros([0, 3]), [3, 0]).shape).toEqual([3, 0]);
      expect(nb.flatten(nb.zeros([2, 3, 4]), 1).shape).toEqual([2, 12]);
      expect(nb.flatten(nb.zeros([2, 3, 4]), 0, -2).shape).toEqual([6, 4]);
      expect(nb.squeeze(nb.zeros([1, 3, 1, 2])).shape).toEqual([3, 2]);
      expect(nb.squeeze(nb.zeros([1, 3, 1, 2]), -2).shape).toEqual([1, 3, 2]);
      expect(nb.unsqueeze(nb.zeros([3, 2]), 0).shape).toEqual([1, 3, 2]);
      expect(nb.unsqueeze(nb.zeros([3, 2]), -1).shape).toEqual([3, 2, 1]);
      expect(nb.scalar(3).reshape([1, 1]).shape).toEqual([1, 1]);
    });
    it('transpose / permute match a naive loop', async () => {
      await expectTensor(nb.transpose(a23()), [[1, 4], [2, 5], [3, 6]], [3, 2]);
      const x = rnd([2, 3, 4], 80);
      const p = nb.permute(x, [2, 0, 1]);
      expect(p.shape).toEqual([4, 2, 3]);
      const v = await vals(x);
      const want: number[] = [];
      for (let k = 0; k < 4; k++) for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) want.push(v[(i * 3 + j) * 4 + k]!);
      await expectTensor(p, want);
      expect(nb.transpose(x, [-1, 0, 1]).shape).toEqual([4, 2, 3]);
      expect(x.T.shape).toEqual([2, 4, 3]);
      expect(nb.matrixTranspose(x).shape).toEqual([2, 4, 3]);
      expect(nb.transpose(x).shape).toEqual([4, 3, 2]);
    });
    it('broadcastTo', async () => {
      await expectTensor(nb.broadcastTo(nb.tensor([1, 2]), [2, 2]), [[1, 2], [1, 2]], [2, 2]);
      await expectTensor(nb.broadcastTo(nb.tensor([[1], [2]]), [2, 3]), [[1, 1, 1], [2, 2, 2]]);
    });
    it('slice (negative begin, size -1, missing axes, empty)', async () => {
      const x = nb.reshape(nb.arange(12, undefined, 1, { dtype: 'float32' }), [3, 4]);
      await expectTensor(nb.slice(x, [1, 1], [2, 2]), [[5, 6], [9, 10]], [2, 2]);
      await expectTensor(nb.slice(x, [-1]), [[8, 9, 10, 11]], [1, 4]);
      await expectTensor(nb.slice(x, [0, 2], [-1, 1]), [[2], [6], [10]], [3, 1]);
      expect(nb.slice(x, [3]).shape).toEqual([0, 4]);
    });
    it('pad with a constant', async () => {
      await expectTensor(nb.pad(nb.tensor([[1, 2]]), [[1, 0], [0, 2]], 9), [[9, 9, 9, 9], [1, 2, 9, 9]], [2, 4]);
      await expectTensor(nb.pad(nb.tensor([1]), [[2, 1]]), [0, 0, 1, 0]);
    });
    it('concat, stack, split', async () => {
      const a = nb.tensor([[1, 2]]);
      const b = nb.tensor([[3, 4], [5, 6]]);
      await expectTensor(nb.concat([a, b]), [[1, 2], [3, 4], [5, 6]], [3, 2]);
      await expectTensor(nb.concat([nb.tensor([[1], [2]]), nb.tensor([[3, 4], [5, 6]])], -1), [[1, 3, 4], [2, 5, 6]], [2, 3]);
      await expectTensor(nb.concat([nb.zeros([0, 2]), a]), [[1, 2]], [1, 2]);
      await expectTensor(nb.stack([nb.tensor([1, 2]), nb.tensor([3, 4])]), [[1, 2], [3, 4]], [2, 2]);
      await expectTensor(nb.stack([nb.tensor([1, 2]), nb.tensor([3, 4])], -1), [[1, 3], [2, 4]], [2, 2]);
      const parts = nb.split(nb.tensor([[1, 2, 3, 4], [5, 6, 7, 8]]), [1, 3], 1);
      await expectTensor(parts[0]!, [[1], [5]], [2, 1]);
      await expectTensor(parts[1]!, [[2, 3, 4], [6, 7, 8]], [2, 3]);
      const halves = nb.split(nb.arange(6), 3);
      expect(await Promise.all(halves.map((h) => arr(h)))).toEqual([[0, 1], [2, 3], [4, 5]]);
      expect(nb.split(nb.tensor([1, 2]), [0, 2])[0]!.shape).toEqual([0]);
    });
    it('tile and repeat', async () => {
      await expectTensor(nb.tile(nb.tensor([[1, 2]]), [2, 2]), [[1, 2, 1, 2], [1, 2, 1, 2]], [2, 4]);
      await expectTensor(nb.tile(nb.tensor([1, 2]), [2, 1, 2]), [[[1, 2, 1, 2]], [[1, 2, 1, 2]]], [2, 1, 4]);
      await expectTensor(nb.repeat(nb.tensor([[1, 2], [3, 4]]), 2, 1), [[1, 1, 2, 2], [3, 3, 4, 4]], [2, 4]);
      await expectTensor(nb.repeat(nb.tensor([1, 2]), 3), [1, 1, 1, 2, 2, 2]);
      expect(nb.repeat(nb.tensor([1, 2]), 0).shape).toEqual([0]);
    });
    it('bool and int32 shape ops keep their dtype', async () => {
      const b = nb.tensor([[true, false]]);
      expect((await arr(nb.transpose(b)))).toEqual([[true], [false]]);
      expect(nb.concat([b, b]).dtype).toBe('bool');
      expect(nb.tile(nb.arange(2), [2]).dtype).toBe('int32');
    });
  });

  describe('gradients (gradcheck)', () => {
    it('reshape, flatten, squeeze, unsqueeze', async () => {
      await check((x) => nb.reshape(x, [3, -1]), [rnd([2, 3], 81)]);
      await check((x) => nb.flatten(x, 1), [rnd([2, 2, 2], 82)]);
      await check((x) => nb.squeeze(x, 0), [rnd([1, 3], 83)]);
      await check((x) => nb.unsqueeze(x, -1), [rnd([3], 84)]);
    });
    it('transpose, permute, broadcastTo', async () => {
      await check((x) => nb.transpose(x), [rnd([2, 3], 85)]);
      await check((x) => nb.permute(x, [1, 2, 0]), [rnd([2, 3, 2], 86)]);
      await check((x) => nb.broadcastTo(x, [2, 3, 4]), [rnd([3, 1], 87)]);
    });
    it('slice and pad', async () => {
      await check((x) => nb.slice(x, [1, -2], [1, 2]), [rnd([3, 4], 88)]);
      await check((x) => nb.pad(x, [[1, 2], [0, 1]], 3), [rnd([2, 2], 89)]);
    });
    it('concat, stack, split', async () => {
      await check((a, b) => nb.concat([a!, b!], 1), [rnd([2, 1], 90), rnd([2, 3], 91)]);
      await check((a, b) => nb.stack([a!, b!], 1), [rnd([2, 3], 92), rnd([2, 3], 93)]);
      await check((x) => {
        const [p, q] = nb.split(x, [1, 2], -1);
        return nb.add(nb.mul(p!, 2), nb.sum(q!, -1, true));
      }, [rnd([2, 3], 94)]);
    });
    it('tile and repeat', async () => {
      await check((x) => nb.tile(x, [2, 3]), [rnd([2, 2], 95)]);
      await check((x) => nb.repeat(x, 2, -1), [rnd([2, 3], 96)]);
    });
  });
});
