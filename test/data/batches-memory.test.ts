import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';

describe('batches: memory', () => {
  it('a shuffled epoch leaves no tensor behind once its batches are disposed', () => {
    const x = nb.arange(40).reshape([20, 2]);
    const y = nb.arange(20);
    const before = nb.memory().numTensors;
    let count = 0;
    for (const b of nb.data.batches({ x, y }, { batchSize: 2, shuffle: true, seed: 1 })) {
      b.x.dispose();
      b.y.dispose();
      count++;
    }
    expect(count).toBe(10);
    expect(nb.memory().numTensors).toBe(before);
  });

  it('takeRows with a gather leaves only its result', () => {
    const x = nb.arange(12).reshape([6, 2]);
    const before = nb.memory().numTensors;
    const r = nb.data.takeRows(x, [5, 0, 3]);
    expect(nb.memory().numTensors).toBe(before + 1);
    expect(r.arraySync()).toEqual([[10, 11], [0, 1], [6, 7]]);
    r.dispose();
    expect(nb.memory().numTensors).toBe(before);
  });

  it('takeRows of a tensor that requires a gradient still differentiates, and frees its indices with the result', () => {
    const x = nb.tensor([[0, 1], [2, 3], [4, 5]], { requiresGrad: true });
    const before = nb.memory().numTensors;
    const r = nb.data.takeRows(x, [2, 0]);
    const l = r.sum();
    l.backward();
    expect(x.grad!.arraySync()).toEqual([[1, 1], [0, 0], [1, 1]]);
    l.dispose();
    r.dispose();
    x.zeroGrad();
    expect(nb.memory().numTensors).toBe(before);
  });
});
