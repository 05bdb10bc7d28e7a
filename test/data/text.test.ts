/**
 * nb.data.text: tokenizers, vocabularies (round trips, JSON, unknown tokens), padding and
 * truncation, bucketing by length (determinism by seed), seeded splits, next-token windows and
 * the truncated-BPTT stream layout, and the errors for bad input.
 */
import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';

const T = nb.data.text;
const ids = (t: nb.Tensor): number[][] => t.arraySync() as number[][];

describe('tokenizers', () => {
  it('splits words on everything but letters and apostrophes, lowercased, edge apostrophes trimmed', () => {
    expect(T.words("Don't stop—it's 3 o’clock, 'Mr. O'Brien'! Café naïve x2y")).toEqual(
      ["don't", 'stop', "it's", "o'clock", 'mr', "o'brien", 'café', 'naïve', 'x', 'y']);
    expect(T.words('Hello WORLD', { lowercase: false })).toEqual(['Hello', 'WORLD']);
    expect(T.words(" ' -- 42 ")).toEqual([]);
  });

  it('splits characters by code point', () => {
    expect(T.chars('Ab😀')).toEqual(['A', 'b', '😀']);
    expect(T.chars('Ab', { lowercase: true })).toEqual(['a', 'b']);
  });
});

describe('vocabulary', () => {
  it('puts the special tokens at 0..3, then tokens by frequency (ties in code-unit order)', () => {
    const v = T.vocabulary(['abba', 'cab'], { level: 'char' });
    expect(v.tokens).toEqual(['<pad>', '<unk>', '<bos>', '<eos>', 'a', 'b', 'c']);
    expect([v.pad, v.unk, v.bos, v.eos]).toEqual([0, 1, 2, 3]);
    expect([T.PAD, T.UNK, T.BOS, T.EOS]).toEqual([0, 1, 2, 3]);
    expect(v.size).toBe(7);
    expect(v.level).toBe('char');
    expect(v.lowercase).toBe(false);
  });

  it('round-trips characters, with <bos>/<eos> and unknown characters', () => {
    const v = T.vocabulary(['hello world'], { level: 'char' });
    const e = v.encode('hello', { bos: true, eos: true });
    expect(e).toBeInstanceOf(Int32Array);
    expect(e[0]).toBe(T.BOS);
    expect(e[e.length - 1]).toBe(T.EOS);
    expect(v.decode(e)).toBe('hello');
    expect(v.decode(e, { specials: true })).toBe('<bos>hello<eos>');
    expect(v.decode(v.encode('hex!'))).toBe('he<unk><unk>');
    expect(v.decode(nb.tensor([...v.encode('low')], { dtype: 'int32' }))).toBe('low');
    expect(v.decodeTokens([0, 4, 0])).toEqual([v.tokens[4]]);
  });

  it('handles characters outside the BMP as one token', () => {
    const v = T.vocabulary(['a😀b😀'], { level: 'char', unk: false });
    expect(v.tokens.slice(4)).toEqual(['😀', 'a', 'b']);
    expect(v.encode('😀ab')).toEqual(Int32Array.from([4, 5, 6]));
    expect(v.decode(v.encode('b😀a'))).toBe('b😀a');
    expect(() => v.encode('a😀🙂')).toThrow('Vocabulary.encode: token "🙂" (token 2) is not in the vocabulary');
    // lowercasing may lengthen a text: 'İ' becomes 'i' + a combining dot
    const l = T.vocabulary(['İİ'], { level: 'char', lowercase: true });
    expect(l.tokens.slice(4)).toEqual(['i', '\u0307']);
    expect(l.encode('İİ', { eos: true })).toEqual(Int32Array.from([4, 5, 4, 5, T.EOS]));
  });

  it('round-trips words; minFreq and maxSize keep the most frequent', () => {
    const texts = ['The cat sat on the mat.', 'The dog sat.', "The cat's hat"];
    const v = T.vocabulary(texts, { level: 'word' });
    expect(v.lowercase).toBe(true);
    // the: 4, sat: 2, then the words seen once in code-unit order (cat < cat's < dog < …)
    expect(v.tokens.slice(4)).toEqual(['the', 'sat', 'cat', "cat's", 'dog', 'hat', 'mat', 'on']);
    expect(v.decode(v.encode('The cat sat on the mat'))).toBe('the cat sat on the mat');
    expect(v.encode('The zebra')).toEqual(Int32Array.from([v.indexOf('the'), T.UNK]));
    const f = T.vocabulary(texts, { level: 'word', minFreq: 2 });
    expect(f.tokens.slice(4)).toEqual(['the', 'sat']);
    const m = T.vocabulary(texts, { level: 'word', maxSize: 6 });
    expect(m.size).toBe(6);
    expect(m.tokens.slice(4)).toEqual(['the', 'sat']);
    expect(v.encodeTokens(['cat', 'CAT'])).toEqual(Int32Array.from([v.indexOf('cat'), T.UNK]));
    expect(v.tokenize("The Cat's")).toEqual(['the', "cat's"]);
    expect(v.has('dog') && !v.has('Dog')).toBe(true);
  });

  it('saves to JSON and back, giving the same ids', () => {
    const v = T.vocabulary(['Anna', 'Bob', 'Zoë'], { level: 'char', lowercase: true, unk: false });
    const json = JSON.parse(JSON.stringify(v)) as nb.data.text.VocabularyJSON;
    expect(json.format).toBe('nabla.vocabulary');
    expect(json.tokens.slice(0, 4)).toEqual(['<pad>', '<unk>', '<bos>', '<eos>']);
    const w = T.Vocabulary.fromJSON(json);
    expect(w.tokens).toEqual(v.tokens);
    expect(w.lowercase).toBe(true);
    expect(w.hasUnk).toBe(false);
    expect(w.encode('ZoëBob')).toEqual(v.encode('zoëbob'));
    expect(w.decode(w.encode('ZoëBob'))).toBe('zoëbob');
  });

  it('refuses an unknown token when built without unk', () => {
    const v = T.vocabulary(['abc'], { level: 'char', unk: false });
    expect(() => v.encode('abz')).toThrow('Vocabulary.encode: token "z" (token 2) is not in the vocabulary, which has no <unk> (built with unk: false)');
    expect(() => v.encodeTokens(['a', 7 as unknown as string])).toThrow('Vocabulary.encodeTokens: tokens[1] must be a string, got 7');
  });

  it('refuses bad options, texts, ids and JSON with messages naming the function', () => {
    expect(() => T.vocabulary(['a'], { level: 'byte' as 'char' })).toThrow("nb.data.text.vocabulary: options.level must be one of 'char', 'word', got string \"byte\"");
    expect(() => T.vocabulary(['a'], undefined as unknown as nb.data.text.VocabularyOptions)).toThrow('nb.data.text.vocabulary: options must be given');
    expect(() => T.vocabulary(['a'], { level: 'char', minFreq: 0 })).toThrow('nb.data.text.vocabulary: options.minFreq must be an integer ≥ 1, got 0');
    expect(() => T.vocabulary(['a'], { level: 'char', maxSize: 4 })).toThrow('nb.data.text.vocabulary: options.maxSize must be an integer ≥ 5, got 4');
    expect(() => T.vocabulary(['a', 3 as unknown as string], { level: 'char' })).toThrow('nb.data.text.vocabulary: texts[1] must be a string, got 3');
    expect(() => T.vocabulary(['a'], { level: 'char', bogus: 1 } as nb.data.text.VocabularyOptions)).toThrow("nb.data.text.vocabulary: unknown option 'bogus'");
    const v = T.vocabulary(['ab'], { level: 'char' });
    expect(() => v.decode([4, 9])).toThrow('Vocabulary.decode: ids[1] must be an integer id ≥ 0 and ≤ 5, got 9');
    expect(() => v.decode([1.5])).toThrow('Vocabulary.decode: ids[0] must be an integer id');
    expect(() => v.decode(nb.tensor([1, 2]))).toThrow('Vocabulary.decode: ids must be a 1-D int32 tensor, got a Tensor [2] float32');
    expect(() => v.decode('ab' as unknown as number[])).toThrow('Vocabulary.decode: ids must be an array of ids');
    const json = v.toJSON();
    expect(() => T.Vocabulary.fromJSON({ ...json, tokens: ['<pad>', '<bos>'] })).toThrow("Vocabulary.fromJSON: json.tokens[1] must be '<unk>', got string \"<bos>\"");
    expect(() => T.Vocabulary.fromJSON({ ...json, tokens: [...json.tokens, 'a'] })).toThrow('Vocabulary.fromJSON: Vocabulary: token "a" appears twice');
    expect(() => T.Vocabulary.fromJSON({ ...json, tokens: [...json.tokens, 'xy'] })).toThrow('one character for a character vocabulary');
    expect(() => T.Vocabulary.fromJSON({ ...json, format: 'x' } as unknown as nb.data.text.VocabularyJSON)).toThrow("Vocabulary.fromJSON: json.format must be 'nabla.vocabulary'");
  });
});

describe('pad', () => {
  it('pads at the end to the longest sequence, with int32 lengths', () => {
    const { x, lengths } = T.pad([[5, 6, 7], [8], Int32Array.from([9, 10])]);
    expect(x.dtype).toBe('int32');
    expect(x.shape).toEqual([3, 3]);
    expect(ids(x)).toEqual([[5, 6, 7], [8, 0, 0], [9, 10, 0]]);
    expect(lengths.dtype).toBe('int32');
    expect(lengths.arraySync()).toEqual([3, 1, 2]);
  });

  it('truncates to maxLen, keeping the start (post) or the end (pre), with a chosen pad value', () => {
    const seqs = [[1, 2, 3, 4, 5], [6, 7]];
    const post = T.pad(seqs, { maxLen: 3, value: -1 });
    expect(ids(post.x)).toEqual([[1, 2, 3], [6, 7, -1]]);
    expect(post.lengths.arraySync()).toEqual([3, 2]);
    const pre = T.pad(seqs, { maxLen: 3, truncate: 'pre' });
    expect(ids(pre.x)).toEqual([[3, 4, 5], [6, 7, 0]]);
    const short = T.pad([[1], [2, 3]], { maxLen: 10 });
    expect(short.x.shape).toEqual([2, 2]);
    const t = T.pad([nb.tensor([4, 5], { dtype: 'int32' })]);
    expect(ids(t.x)).toEqual([[4, 5]]);
  });

  it('refuses bad sequences and options', () => {
    expect(() => T.pad([])).toThrow('nb.data.text.pad: seqs must be a non-empty array of sequences, got an array [] of length 0');
    expect(() => T.pad([[1, 2.5]])).toThrow('nb.data.text.pad: seqs[0][1] must be an int32 integer, got 2.5');
    expect(() => T.pad([[1], 'ab' as unknown as number[]])).toThrow('nb.data.text.pad: seqs[1] must be an array of ids');
    expect(() => T.pad([[1]], { maxLen: 0 })).toThrow('nb.data.text.pad: options.maxLen must be an integer ≥ 1, got 0');
    expect(() => T.pad([[1]], { truncate: 'middle' as 'pre' })).toThrow("nb.data.text.pad: options.truncate must be one of 'pre', 'post'");
  });
});

describe('bucketBatches', () => {
  const lengths = Array.from({ length: 200 }, (_, i) => (i * 37) % 50 + 1);

  it('covers every index once, batches of similar lengths, the same for the same seed', () => {
    const a = T.bucketBatches(lengths, { batchSize: 8, seed: 3, poolSize: 5 });
    const b = T.bucketBatches(lengths, { batchSize: 8, seed: 3, poolSize: 5 });
    const c = T.bucketBatches(lengths, { batchSize: 8, seed: 4, poolSize: 5 });
    expect(a.map((x) => [...x])).toEqual(b.map((x) => [...x]));
    expect(a.map((x) => [...x])).not.toEqual(c.map((x) => [...x]));
    expect([...a.flatMap((x) => [...x])].sort((p, q) => p - q)).toEqual(Array.from({ length: 200 }, (_, i) => i));
    expect(a).toHaveLength(25);
    // lengths within a batch are close: the spread is far below that of a random batch (~45)
    const spread = a.map((batch) => { const l = [...batch].map((i) => lengths[i]!); return Math.max(...l) - Math.min(...l); });
    expect(spread.reduce((s, x) => s + x, 0) / spread.length).toBeLessThan(10);
  });

  it('without shuffle sorts by length (ties by index); takes sequences too; dropLast', () => {
    const seqs = [[1, 2, 3], [1], [1, 2], [4], [5, 6, 7, 8]];
    expect(T.bucketBatches(seqs, { batchSize: 2, shuffle: false }).map((x) => [...x])).toEqual([[1, 3], [2, 0], [4]]);
    expect(T.bucketBatches(seqs, { batchSize: 2, shuffle: false, dropLast: true }).map((x) => [...x])).toEqual([[1, 3], [2, 0]]);
  });

  it('refuses bad options', () => {
    expect(() => T.bucketBatches([1, 2], { batchSize: 0 })).toThrow('nb.data.text.bucketBatches: options.batchSize must be an integer ≥ 1, got 0');
    expect(() => T.bucketBatches([1, -2], { batchSize: 1 })).toThrow('nb.data.text.bucketBatches: items[1] must be an integer ≥ 0, got -2');
    expect(() => T.bucketBatches([1], undefined as unknown as nb.data.text.BucketOptions)).toThrow('nb.data.text.bucketBatches: options must be given');
  });
});

describe('split', () => {
  const items = Array.from({ length: 100 }, (_, i) => ({ i, label: i < 80 ? 'a' : 'b', word: `w${Math.floor(i / 3)}` }));

  it('splits by the fractions, seeded, every item once', () => {
    const s = T.split(items, { validation: 0.1, test: 0.2, seed: 1 });
    expect([s.train.length, s.validation.length, s.test.length]).toEqual([70, 10, 20]);
    expect([...s.train, ...s.validation, ...s.test].map((x) => x.i).sort((a, b) => a - b)).toEqual(items.map((x) => x.i));
    expect(T.split(items, { validation: 0.1, test: 0.2, seed: 1 })).toEqual(s);
    expect(T.split(items, { validation: 0.1, test: 0.2, seed: 2 }).test).not.toEqual(s.test);
    expect(T.split(items).train).toHaveLength(100);
  });

  it('keeps class proportions with stratify and groups together with group', () => {
    const s = T.split(items, { test: 0.25, seed: 0, stratify: (x) => x.label });
    expect(s.test.filter((x) => x.label === 'a')).toHaveLength(20);
    expect(s.test.filter((x) => x.label === 'b')).toHaveLength(5);
    const g = T.split(items, { test: 0.3, seed: 0, group: (x) => x.word });
    const testWords = new Set(g.test.map((x) => x.word));
    expect(g.train.some((x) => testWords.has(x.word))).toBe(false);
    expect(testWords.size).toBe(Math.round(34 * 0.3));
  });

  it('refuses bad fractions', () => {
    expect(() => T.split(items, { test: 0.7, validation: 0.5 })).toThrow('nb.data.text.split: options.validation + options.test must be ≤ 1, got 0.5 + 0.7');
    expect(() => T.split(items, { test: -0.1 })).toThrow('nb.data.text.split: options.test must be a finite number ≥ 0 and ≤ 1, got -0.1');
    expect(() => T.split(items, { stratify: 'label' as unknown as () => string })).toThrow('nb.data.text.split: options.stratify must be a function');
    expect(() => T.split(items, { stratify: () => null as unknown as string })).toThrow('nb.data.text.split: options.stratify(items[');
  });
});

describe('language-model windows', () => {
  it('lmWindows: targets are the inputs shifted by one', () => {
    const s = Int32Array.from({ length: 11 }, (_, i) => i);
    const w = T.lmWindows(s, { length: 4 });
    expect(ids(w.inputs)).toEqual([[0, 1, 2, 3], [4, 5, 6, 7]]);
    expect(ids(w.targets)).toEqual([[1, 2, 3, 4], [5, 6, 7, 8]]);
    const o = T.lmWindows([...s], { length: 4, stride: 3 });
    expect(ids(o.inputs)).toEqual([[0, 1, 2, 3], [3, 4, 5, 6], [6, 7, 8, 9]]);
    expect(ids(o.targets)).toEqual([[1, 2, 3, 4], [4, 5, 6, 7], [7, 8, 9, 10]]);
    expect(() => T.lmWindows([1, 2, 3], { length: 3 })).toThrow('nb.data.text.lmWindows: a stream of 3 ids is too short for one window of length 3 (it needs 4)');
    expect(() => T.lmWindows([1, 2, 3], { length: 0 })).toThrow('nb.data.text.lmWindows: options.length must be an integer ≥ 1, got 0');
  });

  it('bpttBatches: rows are contiguous streams, each batch continues the previous one', () => {
    // 26 ids, 3 rows of 8 (2 dropped): row b = 8b .. 8b+7
    const s = Int32Array.from({ length: 26 }, (_, i) => i);
    const stream = T.bpttBatches(s, { batchSize: 3, length: 3 });
    expect([stream.numBatches, stream.rowLength]).toEqual([3, 8]);
    const got = [...stream].map((b) => ({ i: ids(b.inputs), t: ids(b.targets), k: b.index }));
    expect(got[0]).toEqual({ i: [[0, 1, 2], [8, 9, 10], [16, 17, 18]], t: [[1, 2, 3], [9, 10, 11], [17, 18, 19]], k: 0 });
    expect(got[1]).toEqual({ i: [[3, 4, 5], [11, 12, 13], [19, 20, 21]], t: [[4, 5, 6], [12, 13, 14], [20, 21, 22]], k: 1 });
    expect(got[2]).toEqual({ i: [[6], [14], [22]], t: [[7], [15], [23]], k: 2 });
    // a second pass gives the same batches
    expect([...stream].map((b) => ids(b.inputs))).toEqual(got.map((g) => g.i));
    expect([...T.bpttBatches(s, { batchSize: 3, length: 3, dropLast: true })]).toHaveLength(2);
    // every target is the id after its input in the original stream
    for (const b of T.bpttBatches(s, { batchSize: 2, length: 5 })) {
      const i = b.inputs.dataSync();
      const t = b.targets.dataSync();
      for (let k = 0; k < i.length; k++) expect(t[k]).toBe(i[k]! + 1);
    }
    expect(() => T.bpttBatches([1, 2, 3], { batchSize: 2, length: 2 })).toThrow('nb.data.text.bpttBatches: a stream of 3 ids is too short for 2 rows of at least 2 ids');
    expect(() => T.bpttBatches([1, 2, 3], { batchSize: 1, length: 5, dropLast: true })).toThrow('nb.data.text.bpttBatches: rows of 3 ids hold no whole batch of length 5 (dropLast)');
  });
});
