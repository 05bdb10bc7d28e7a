import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { forEachBackend } from './backends.js';
import { check, expectTensor } from './helpers.js';

forEachBackend('clip', () => {
  const x = (): nb.Tensor => nb.tensor([[-2, -1, 0, 0.5], [1, 2, 3, 4]]);
  describe('forward', () => {
    it('two bounds, one bound (undefined or null for none), infinite bounds', () => {
      expectTensor(nb.clip(x(), -1, 3), [[-1, -1, 0, 0.5], [1, 2, 3, 3]]);
      expectTensor(nb.clip(x(), undefined, 0.5), [[-2, -1, 0, 0.5], [0.5, 0.5, 0.5, 0.5]]);
      expectTensor(nb.clip(x(), 1), [[1, 1, 1, 1], [1, 2, 3, 4]]);
      expectTensor(nb.clip(x(), null, 0), [[-2, -1, 0, 0], [0, 0, 0, 0]]);
      expectTensor(nb.clip(x(), -Infinity, Infinity), x().arraySync() as number[][]);
      expectTensor(x().clip(undefined, 1), [[-2, -1, 0, 0.5], [1, 1, 1, 1]]);
    });
    it('tensor bounds broadcast; a min above the max gives the max (like PyTorch)', () => {
      const lo = nb.tensor([-1.5, 0, 0, 1]);
      const hi = nb.tensor([[0], [2.5]]);
      expectTensor(nb.clip(x(), lo, hi), [[-1.5, 0, 0, 0], [1, 2, 2.5, 2.5]]);
      expectTensor(nb.clip(x(), lo), [[-1.5, 0, 0, 1], [1, 2, 3, 4]]);
      expectTensor(nb.clip(nb.zeros([3]), nb.tensor([2, 2, 2]), 1), [1, 1, 1]);
      expect(nb.clip(nb.zeros([2, 1]), nb.zeros([3])).shape).toEqual([2, 3]);
    });
    it('dtypes: int32 stays int32 with integer bounds, becomes float32 with a fractional one', () => {
      const i = nb.tensor([-3, 0, 5], { dtype: 'int32' });
      const c = nb.clip(i, -1, 2);
      expect(c.dtype).toBe('int32');
      expect(Array.from(c.dataSync())).toEqual([-1, 0, 2]);
      const f = nb.clip(i, 0.5);
      expect(f.dtype).toBe('float32');
      expectTensor(f, [0.5, 0.5, 5]);
    });
  });

  describe('gradients', () => {
    it('gradcheck with number and tensor bounds (away from the kinks)', () => {
      const t = nb.tensor([[-0.9, -0.3, 0.2, 0.7], [1.3, -1.6, 0.05, 1.1]]);
      check((a) => nb.clip(a, -0.5, 0.9), [t]);
      check((a) => nb.clip(a, undefined, 0.1), [t]);
      check((a, lo, hi) => nb.clip(a, lo, hi), [t, nb.tensor([-0.5, 0, -1, 0.5]), nb.tensor([[0.6], [1.2]])]);
    });
    it('passes the gradient to x where min ≤ x ≤ max, bounds included (PyTorch clamp)', () => {
      const a = nb.tensor([-2, -1, 0, 3, 4]).requireGrad();
      nb.sum(nb.clip(a, -1, 3)).backward();
      expectTensor(a.grad!, [0, 1, 1, 1, 0]);
      const b = nb.tensor([-2, 1, 5]).requireGrad();
      const lo = nb.tensor([0, 1, 0]).requireGrad();
      nb.sum(nb.clip(b, lo)).backward();
      expectTensor(b.grad!, [0, 1, 1]);
      expectTensor(lo.grad!, [1, 0, 0]);
    });
  });

  it('leaves no tensors behind', () => {
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
