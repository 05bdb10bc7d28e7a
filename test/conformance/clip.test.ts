import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { forEachBackend } from './backends.js';
import { check, expectTensor, read, arr } from './helpers.js';

forEachBackend('clip', () => {
  const x = (): nb.Tensor => nb.tensor([[-2, -1, 0, 0.5], [1, 2, 3, 4]]);
  describe('forward', () => {
    it('two bounds, one bound (undefined or null for none), infinite bounds', async () => {
      await expectTensor(nb.clip(x(), -1, 3), [[-1, -1, 0, 0.5], [1, 2, 3, 3]]);
      await expectTensor(nb.clip(x(), undefined, 0.5), [[-2, -1, 0, 0.5], [0.5, 0.5, 0.5, 0.5]]);
      await expectTensor(nb.clip(x(), 1), [[1, 1, 1, 1], [1, 2, 3, 4]]);
      await expectTensor(nb.clip(x(), null, 0), [[-2, -1, 0, 0], [0, 0, 0, 0]]);
      await expectTensor(nb.clip(x(), -Infinity, Infinity), (await arr(x())) as number[][]);
      await expectTensor(x().clip(undefined, 1), [[-2, -1, 0, 0.5], [1, 1, 1, 1]]);
    });
    it('tensor bounds broadcast; a min above the max gives the max (like PyTorch)', async () => {
      const lo = nb.tensor([-1.5, 0, 0, 1]);
      const hi = nb.tensor([[0], [2.5]]);
      await expectTensor(nb.clip(x(), lo, hi), [[-1.5, 0, 0, 0], [1, 2, 2.5, 2.5]]);
      await expectTensor(nb.clip(x(), lo), [[-1.5, 0, 0, 1], [1, 2, 3, 4]]);
      await expectTensor(nb.clip(nb.zeros([3]), nb.tensor([2, 2, 2]), 1), [1, 1, 1]);
      expect(nb.clip(nb.zeros([2, 1]), nb.zeros([3])).shape).toEqual([2, 3]);
    });
    it('dtypes: int32 stays int32 with integer bounds, becomes float32 with a fractional one', async () => {
      const i = nb.tensor([-3, 0, 5], { dtype: 'int32' });
      const c = nb.clip(i, -1, 2);
      expect(c.dtype).toBe('int32');
      expect(Array.from((await read(c)))).toEqual([-1, 0, 2]);
      const f = nb.clip(i, 0.5);
      expect(f.dtype).toBe('float32');
      await expectTensor(f, [0.5, 0.5, 5]);
    });
  });

  describe('gradients', () => {
    it('gradcheck with number and tensor bounds (away from the kinks)', async () => {
      const t = nb.tensor([[-0.9, -0.3, 0.2, 0.7], [1.3, -1.6, 0.05, 1.1]]);
      await check((a) => nb.clip(a, -0.5, 0.9), [t]);
      await check((a) => nb.clip(a, undefined, 0.1), [t]);
      await check((a, lo, hi) => nb.clip(a, lo, hi), [t, nb.tensor([-0.5, 0, -1, 0.5]), nb.tensor([[0.6], [1.2]])]);
    });
    it('passes the gradient to x where min ≤ x ≤ max, bounds included (PyTorch clamp)', async () => {
      const a = nb.tensor([-2, -1, 0, 3, 4]).requireGrad();
      nb.sum(nb.clip(a, -1, 3)).backward();
      await expectTensor(a.grad!, [0, 1, 1, 1, 0]);
      const b = nb.tensor([-2, 1, 5]).requireGrad();
      const lo = nb.tensor([0, 1, 0]).requireGrad();
      nb.sum(nb.clip(b, lo)).backward();
      await expectTensor(b.grad!, [0, 1, 1]);
      await expectTensor(lo.grad!, [1, 0, 0]);
    });
  });

  it('leaves no tensors behind', async () => {
    const lo = nb.tensor([0, 1]);
    const a = nb.tensor([3, -3]);
    const i = nb.tensor([1, 2], { dtype: 'int32' });
    const z = nb.zeros([3]);
    const before = nb.memory().numTensors;
    nb.clip(a, lo, 2).dispose();
    nb.clip(i, 0.5, lo).dispose(); // casts i to float32 on the way
    expect(() => nb.clip(a, 2, 1)).toThrow(/clip/);
    expect(() => nb.clip(i, z)).toThrow(/^clip: /);
    expect(nb.memory().numTensors).toBe(before);
  });
});
