import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';

const logits = (rows: number[][]): nb.Tensor => nb.tensor(rows);

/** Frequencies of each class over n draws from one row. */
function frequencies(row: number[], n: number, opts: nb.nn.SampleOptions): number[] {
  const x = nb.tensor(Array.from({ length: n }, () => row));
  const ids = nb.nn.sampleCategorical(x, opts).dataSync();
  const f = new Array<number>(row.length).fill(0);
  for (const i of ids) f[i]! += 1 / n;
  return f;
}

describe('nn.sampleCategorical', () => {
  it('draws classes in proportion to softmax(logits / temperature)', () => {
    const row = [Math.log(0.5), Math.log(0.3), Math.log(0.2)];
    const f = frequencies(row, 20000, { rng: new nb.Random(1) });
    expect(f[0]).toBeCloseTo(0.5, 1);
    expect(f[1]).toBeCloseTo(0.3, 1);
    expect(f[2]).toBeCloseTo(0.2, 1);
    // temperature 0.5 squares the probabilities: 0.25 : 0.09 : 0.04 over 0.38
    const g = frequencies(row, 20000, { temperature: 0.5, rng: new nb.Random(2) });
    expect(g[0]).toBeCloseTo(0.25 / 0.38, 1);
    expect(g[2]).toBeCloseTo(0.04 / 0.38, 1);
  });

  it('temperature 0 is the argmax (first on ties) and draws no random number', () => {
    const rng = new nb.Random(3);
    const before = rng.getState();
    const ids = nb.nn.sampleCategorical(logits([[1, 5, 5, 2], [-Infinity, 0, -1, -2]]), { temperature: 0, rng });
    expect(Array.from(ids.dataSync())).toEqual([1, 1]);
    expect(rng.getState()).toEqual(before);
  });

  it('topK keeps only the k largest logits', () => {
    const row = [0, 3, 1, 2.9, -1];
    const f = frequencies(row, 4000, { topK: 2, temperature: 5, rng: new nb.Random(4) });
    expect(f[0]! + f[2]! + f[4]!).toBe(0);
    expect(f[1]).toBeGreaterThan(0.4);
    expect(f[3]).toBeGreaterThan(0.4);
    // topK 1 is greedy; topK above the number of classes keeps them all
    expect(nb.nn.sampleCategorical(nb.tensor(row), { topK: 1, rng: new nb.Random(0) }).item()).toBe(1);
    const all = frequencies(row, 4000, { topK: 99, temperature: 100, rng: new nb.Random(5) });
    expect(all.every((v) => v > 0.1)).toBe(true);
  });

  it('is reproducible with a seeded generator and follows nb.seed by default', () => {
    const x = nb.randn([8, 10]);
    const a = nb.nn.sampleCategorical(x, { rng: new nb.Random(42) }).dataSync();
    const b = nb.nn.sampleCategorical(x, { rng: new nb.Random(42) }).dataSync();
    expect(Array.from(a)).toEqual(Array.from(b));
    nb.seed(9);
    const c = nb.nn.sampleCategorical(x).dataSync();
    nb.seed(9);
    const d = nb.nn.sampleCategorical(x).dataSync();
    expect(Array.from(c)).toEqual(Array.from(d));
  });

  it('returns int32 of the leading shape; −∞ logits are never drawn', () => {
    const x = nb.tensor([[[0, -Infinity, 0], [-Infinity, -Infinity, 1]]]);
    const ids = nb.nn.sampleCategorical(x, { rng: new nb.Random(0) });
    expect(ids.dtype).toBe('int32');
    expect(ids.shape).toEqual([1, 2]);
    expect(ids.dataSync()[1]).toBe(2);
    expect(nb.nn.sampleCategorical(nb.tensor([0.1, 0.2]), { rng: new nb.Random(0) }).shape).toEqual([]);
    for (let s = 0; s < 50; s++) expect(nb.nn.sampleCategorical(x, { rng: new nb.Random(s) }).dataSync()[0]).not.toBe(1);
  });

  it('rejects bad input with a message naming the function and the argument', () => {
    const x = nb.tensor([[1, 2]]);
    expect(() => nb.nn.sampleCategorical(x, { temperature: -1 })).toThrow(/^sampleCategorical: options\.temperature must be a finite number ≥ 0, got/);
    expect(() => nb.nn.sampleCategorical(x, { topK: 0 })).toThrow(/^sampleCategorical: options\.topK must be an integer ≥ 1/);
    expect(() => nb.nn.sampleCategorical(x, { topK: 1.5 })).toThrow(/options\.topK/);
    expect(() => nb.nn.sampleCategorical(x, { rng: Math.random as unknown as nb.Random })).toThrow(/^sampleCategorical: options\.rng must be an nb\.Random/);
    expect(() => nb.nn.sampleCategorical(x, { temprature: 1 } as nb.nn.SampleOptions)).toThrow(/sampleCategorical/);
    expect(() => nb.nn.sampleCategorical(nb.tensor([1, 2], { dtype: 'int32' }))).toThrow(/^sampleCategorical: logits must be a float tensor/);
    expect(() => nb.nn.sampleCategorical(nb.scalar(1))).toThrow(/^sampleCategorical: logits must have at least 1 dimension/);
    expect(() => nb.nn.sampleCategorical(nb.tensor([[1, NaN]]))).toThrow(/^sampleCategorical: logits must be finite or −∞, got NaN at row 0, class 1/);
    expect(() => nb.nn.sampleCategorical(nb.tensor([[0, 1], [-Infinity, -Infinity]]))).toThrow(/^sampleCategorical: row 1 of logits \[2,2\] is all −∞/);
    expect(() => nb.nn.sampleCategorical([1, 2] as unknown as nb.Tensor)).toThrow(/^sampleCategorical: logits must be a Tensor/);
  });
});
