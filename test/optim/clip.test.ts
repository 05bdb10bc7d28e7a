import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { pinBackend } from '../nn/helpers.js';

// float64 gradients checked to 12 digits: on the reference backend whatever the default is.
pinBackend('cpu');

const vals = (t: nb.Tensor): number[] => Array.from(t.dataSync() as ArrayLike<number>, Number);
function params(): [nb.Tensor, nb.Tensor] {
  const a = nb.tensor([1, 2], { dtype: 'float64', requiresGrad: true });
  const b = nb.tensor([3], { dtype: 'float64', requiresGrad: true });
  a.grad = nb.tensor([3, 0], { dtype: 'float64' });
  b.grad = nb.tensor([-4], { dtype: 'float64' });
  return [a, b];
}

describe('gradient clipping', () => {
  it('clipGradNorm scales all gradients together to the max norm and returns the old norm', () => {
    const [a, b] = params();
    const before = nb.memory().numTensors;
    expect(nb.optim.clipGradNorm([a, b], 1)).toBeCloseTo(5, 12);
    expect(vals(a.grad!).map((v) => +v.toFixed(12))).toEqual([0.6, 0]);
    expect(vals(b.grad!).map((v) => +v.toFixed(12))).toEqual([-0.8]);
    expect(nb.memory().numTensors).toBe(before);
    // below the limit: unchanged
    expect(nb.optim.clipGradNorm([a, b], 10)).toBeCloseTo(1, 12);
    expect(vals(b.grad!)[0]).toBeCloseTo(-0.8, 12);
  });
  it('clipGradValue clamps elements', () => {
    const [a, b] = params();
    nb.optim.clipGradValue([a, b], 2);
    expect(vals(a.grad!)).toEqual([2, 0]);
    expect(vals(b.grad!)).toEqual([-2]);
    expect(() => nb.optim.clipGradValue([a], 0)).toThrow('clipGradValue: maxValue must be a finite number > 0, got 0');
  });
  it('gradNorms reports each named parameter', () => {
    const [a, b] = params();
    const c = nb.tensor([1], { requiresGrad: true });
    expect(nb.optim.gradNorms([['a', a], ['b', b], ['c', c]])).toEqual({ a: 3, b: 4, c: 0 });
  });
});
