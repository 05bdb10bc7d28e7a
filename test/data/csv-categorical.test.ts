/**
 * nb.data.csv with string-valued feature columns: one-hot and ordinal encodings, the vocabulary
 * learned from the training rows and reused for the test rows, unknown categories (an error
 * naming the line, or 'ignore'), encoded columns left out of normalization, and the option checks.
 */
import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { pinBackend } from '../nn/helpers.js';

pinBackend('cpu');

const TRAIN = [
  'size,color,grade,price',
  '1,red,b,10',
  '2,blue,a,20',
  '3,"green, light",c,30',
  '4,red,a,40',
].join('\n');
const TEST = 'size,color,grade,price\n5,blue,c,50\n6,red,b,60\n';

function rows(t: nb.Tensor): number[][] {
  const [n, f] = t.shape as [number, number];
  const d = Array.from(t.dataSync());
  return Array.from({ length: n }, (_, i) => d.slice(i * f, (i + 1) * f));
}

async function message(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    expect((e as Error).constructor).toBe(Error);
    return (e as Error).message;
  }
  throw new Error('expected a rejection');
}

describe('nb.data.csv: categorical feature columns', () => {
  it('one-hot expands a column in place (sorted categories), ordinal gives the index', async () => {
    const d = await nb.data.csv(TRAIN, { label: 'price', categorical: { color: 'onehot', grade: 'ordinal' } });
    expect(d.columns).toEqual(['size', 'color=blue', 'color=green, light', 'color=red', 'grade']);
    expect(d.vocabulary).toEqual({ color: ['blue', 'green, light', 'red'], grade: ['a', 'b', 'c'] });
    expect(rows(d.x)).toEqual([[1, 0, 0, 1, 1], [2, 1, 0, 0, 0], [3, 0, 1, 0, 2], [4, 0, 0, 1, 0]]);
    expect(Array.from(d.y!.dataSync())).toEqual([10, 20, 30, 40]);
  });

  it('the training vocabulary and statistics reused on the test rows; encoded columns are not normalized', async () => {
    const train = await nb.data.csv(TRAIN, { label: 'price', categorical: { color: 'onehot', grade: 'ordinal' }, normalize: 'standard' });
    expect(train.stats).toEqual({ mean: [2.5, 0, 0, 0, 0], std: [Math.sqrt(1.25), 1, 1, 1, 1] });
    expect(rows(train.x)[1]!.slice(1)).toEqual([1, 0, 0, 0]);
    const test = await nb.data.csv(TEST, { label: 'price', categorical: { color: 'onehot', grade: 'ordinal' }, vocabulary: train.vocabulary, normalize: train.stats });
    expect(test.columns).toEqual(train.columns);
    expect(rows(test.x)).toEqual([[(5 - 2.5) / Math.sqrt(1.25), 1, 0, 0, 2], [(6 - 2.5) / Math.sqrt(1.25), 0, 0, 1, 1]].map((r) => r.map(Math.fround)));
    const mm = await nb.data.csv(TRAIN, { label: 'price', categorical: { grade: 'ordinal', color: 'ordinal' }, normalize: 'minmax' });
    expect(mm.stats).toEqual({ min: [1, 0, 0], max: [4, 1, 1] });
    expect(rows(mm.x)[2]).toEqual([Math.fround(2 / 3), 1, 2]);
  });

  it('an unknown category: an error naming the line and column, or all zeros / -1 with unknown: ignore', async () => {
    const vocabulary = { color: ['blue', 'red'] };
    expect(await message(nb.data.csv(TRAIN, { label: 'price', columns: ['color'], categorical: { color: 'onehot' }, vocabulary }))).toBe(
      'nb.data.csv: line 4, column "color": "green, light" is not one of the categories "blue", "red" (add it to vocabulary, or give unknown: \'ignore\')');
    const d = await nb.data.csv(TRAIN, { label: 'price', columns: ['color'], categorical: { color: 'onehot' }, vocabulary, unknown: 'ignore' });
    expect(rows(d.x)).toEqual([[0, 1], [1, 0], [0, 0], [0, 1]]);
    const o = await nb.data.csv(TRAIN, { label: 'price', columns: ['color'], categorical: { color: 'ordinal' }, vocabulary, unknown: 'ignore' });
    expect(rows(o.x)).toEqual([[1], [0], [-1], [1]]);
  });

  it('without a header, columns are named by index', async () => {
    const d = await nb.data.csv('x,1\ny,2\n', { header: false, categorical: { 0: 'onehot' } });
    expect(d.columns).toEqual(['0=x', '0=y', '1']);
    expect(rows(d.x)).toEqual([[1, 0, 1], [0, 1, 2]]);
  });

  it('checks the options', async () => {
    expect(await message(nb.data.csv(TRAIN, { categorical: { color: 'hash' as 'onehot' } }))).toBe(
      'nb.data.csv: options.categorical["color"] must be one of \'onehot\', \'ordinal\', got string "hash"');
    expect(await message(nb.data.csv(TRAIN, { categorical: { colour: 'onehot' } }))).toBe(
      'nb.data.csv: options.categorical["colour"]: no column "colour"; the columns are "size", "color", "grade", "price"');
    expect(await message(nb.data.csv(TRAIN, { label: 'price', categorical: { price: 'onehot' } }))).toBe(
      'nb.data.csv: options.categorical: column "price" is the label (use categories for string labels)');
    expect(await message(nb.data.csv(TRAIN, { columns: ['size'], categorical: { color: 'onehot' } }))).toBe(
      'nb.data.csv: options.categorical: column "color" is not among the feature columns');
    expect(await message(nb.data.csv(TRAIN, { categorical: { color: 'onehot' }, vocabulary: { grade: ['a'] } }))).toBe(
      'nb.data.csv: options.vocabulary["grade"]: column "grade" is not in options.categorical');
    expect(await message(nb.data.csv(TRAIN, { categorical: { color: 'onehot' }, vocabulary: { color: ['a', 'a'] } }))).toBe(
      'nb.data.csv: options.vocabulary["color"]: category "a" is listed twice');
    expect(await message(nb.data.csv(TRAIN, { categorical: { color: 'onehot' }, unknown: 'skip' as 'ignore' }))).toBe(
      'nb.data.csv: options.unknown must be one of \'error\', \'ignore\', got string "skip"');
    expect(await message(nb.data.csv(TRAIN, { categorical: ['color'] as never }))).toBe(
      'nb.data.csv: options.categorical must be an object keyed by column name, got an array ["color"] of length 1');
    // a string column not listed in categorical is still refused as a number
    expect(await message(nb.data.csv(TRAIN, { label: 'price', categorical: { color: 'onehot' } }))).toBe(
      'nb.data.csv: line 2, column "grade": "b" is not a number');
  });

  it('trains with fit on the encoded features', async () => {
    const lines = ['shape,size,label'];
    const rng = new nb.Random(3);
    for (let i = 0; i < 80; i++) {
      const shape = ['circle', 'square', 'star'][rng.int(0, 3)]!;
      lines.push(`${shape},${rng.uniform().toFixed(3)},${shape === 'star' ? 1 : 0}`);
    }
    const d = await nb.data.csv(`${lines.join('\n')}\n`, { label: 'label', labelDType: 'int32', categorical: { shape: 'onehot' } });
    nb.seed(0);
    const model = nb.nn.sequential(nb.nn.linear(4, 2));
    const h = await nb.train.fit(model, { x: d.x, y: d.y! }, { epochs: 30, batchSize: 16, optimizer: nb.optim.adam(0.1), loss: nb.nn.softmaxCrossEntropy, metrics: ['accuracy'], verbose: 0 });
    expect(h.epochs.at(-1)!.accuracy).toBe(1);
  });
});
