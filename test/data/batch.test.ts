import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';

const { batchIndices, batches, takeRows, numBatches } = nb.data;

describe('batching', () => {
  it('cuts 0..n-1 into batches, the last one smaller unless dropLast', () => {
    const b = batchIndices(10, { batchSize: 4 });
    expect(b.map((x) => Array.from(x))).toEqual([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]);
    expect(batchIndices(10, { batchSize: 4, dropLast: true }).length).toBe(2);
    expect(numBatches(10, 4)).toBe(3);
    expect(numBatches(10, 4, true)).toBe(2);
  });

  it('shuffles with a seed: a permutation, repeatable, different per seed', () => {
    const a = batchIndices(50, { batchSize: 7, shuffle: true, seed: 1 }).flatMap((x) => Array.from(x));
    const b = batchIndices(50, { batchSize: 7, shuffle: true, seed: 1 }).flatMap((x) => Array.from(x));
    const c = batchIndices(50, { batchSize: 7, shuffle: true, seed: 2 }).flatMap((x) => Array.from(x));
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect([...a].sort((p, q) => p - q)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('takes rows by slice or gather, pairing x with y', () => {
    const x = nb.arange(12).reshape([6, 2]);
    const y = nb.arange(6);
    expect(takeRows(x, Int32Array.from([2, 3])).arraySync()).toEqual([[4, 5], [6, 7]]);
    expect(takeRows(x, Int32Array.from([5, 0])).arraySync()).toEqual([[10, 11], [0, 1]]);
    for (const batch of batches({ x, y }, { batchSize: 4, shuffle: true, seed: 3 })) {
      const xs = batch.x.arraySync() as number[][];
      const ys = batch.y.arraySync() as number[];
      xs.forEach((row, i) => expect(row).toEqual([2 * ys[i]!, 2 * ys[i]! + 1]));
      nb.dispose(batch);
    }
  });

  it('rejects a bad batch size and mismatched x/y', () => {
    expect(() => batchIndices(5, { batchSize: 0 })).toThrow(/batchSize must be a positive integer/);
    expect(() => [...batches({ x: nb.zeros([3, 2]), y: nb.zeros([4]) }, { batchSize: 2 })]).toThrow(/x has 3 samples but y has 4/);
  });
});
