import { describe, it, expect } from 'vitest';
import * as nb from '../../src/index.js';

// A hand-built decoder over tokens {0: <eos>, 1: A, 2: B}, start token 3. The next-token
// distribution depends on the prefix, which the decoder keeps in its state (a [n, 1] tensor
// holding the prefix as a base-4 number, to which each step appends its token): a state whose
// rows did not follow their hypotheses would give wrong probabilities, which the comparison with
// every sequence enumerated exhaustively would catch.
const EOS = 0;
const BOS = 3;
const TABLE: Record<string, number[]> = {
  '': [0, 0.6, 0.4], // greedy takes A …
  A: [0.4, 0.3, 0.3], // … then ends: [A] has probability 0.24
  B: [0.9, 0.05, 0.05], // [B] has 0.36: the best sequence
};
const dist = (prefix: string): number[] => TABLE[prefix] ?? (prefix.length >= 3 ? [1, 0, 0] : [0.5, 0.25, 0.25]);
const decode = (code: number): string => {
  let s = '';
  for (let c = code; c > 0; c = Math.floor(c / 4)) s = 'xAB'[c % 4] + s;
  return s;
};
/** The decoder's step: appends each row's token to its prefix and gives the next-token log-probabilities. */
function toyStep(tokens: Int32Array, state: nb.Tensor): [number[][], nb.Tensor] {
  const prev = Array.from(state.dataSync());
  const codes = prev.map((p, i) => (tokens[i] === BOS ? 0 : p * 4 + tokens[i]!));
  const rows = codes.map((c) => dist(decode(c)).map(Math.log));
  return [rows, nb.tensor(codes.map((c) => [c]))];
}

/** Every sequence of at most maxLength tokens (end token included) with its log-probability. */
function allSequences(maxLength: number): { tokens: number[]; logProb: number }[] {
  const out: { tokens: number[]; logProb: number }[] = [];
  const go = (prefix: number[], lp: number): void => {
    if (prefix.length + 1 > maxLength) return;
    const d = dist(prefix.map((t) => 'xAB'[t]).join(''));
    if (d[EOS]! > 0) out.push({ tokens: prefix, logProb: lp + Math.log(d[EOS]!) });
    for (const t of [1, 2]) if (d[t]! > 0) go([...prefix, t], lp + Math.log(d[t]!));
  };
  go([], 0);
  return out.sort((a, b) => b.logProb - a.logProb);
}

describe('greedyDecode and beamSearch', () => {
  const opts = { bos: BOS, eos: EOS, maxLength: 6 };

  it('greedy decoding takes the locally best token and misses the best sequence', () => {
    const [g] = nb.nn.greedyDecode(toyStep, nb.tensor([[0]]), opts);
    expect(g!.tokens).toEqual([1]);
    expect(g!.finished).toBe(true);
    expect(g!.logProb).toBeCloseTo(Math.log(0.24), 10);
  });

  it('beam search finds the best sequence, and its K best are the K most probable sequences', () => {
    const best = allSequences(6);
    expect(best[0]!.tokens).toEqual([2]);
    const hyps = nb.nn.beamSearch(toyStep, nb.tensor([[0]]), { ...opts, beamWidth: 3 });
    expect(hyps[0]!.tokens).toEqual([2]);
    expect(hyps[0]!.logProb).toBeCloseTo(Math.log(0.36), 10);
    expect(hyps.map((h) => h.tokens)).toEqual(best.slice(0, 3).map((s) => s.tokens));
    for (let i = 0; i < 3; i++) expect(hyps[i]!.logProb).toBeCloseTo(best[i]!.logProb, 10);
    expect(hyps.every((h) => h.finished)).toBe(true);
  });

  it('beam width 1 is greedy decoding', () => {
    const [b] = nb.nn.beamSearch(toyStep, nb.tensor([[0]]), { ...opts, beamWidth: 1 });
    expect(b!.tokens).toEqual([1]);
  });

  it('a length penalty ranks by logProb / length^α', () => {
    const hyps = nb.nn.beamSearch(toyStep, nb.tensor([[0]]), { ...opts, beamWidth: 3, lengthPenalty: 1 });
    for (const h of hyps) expect(h.score).toBeCloseTo(h.logProb / (h.tokens.length + 1), 10);
    for (let i = 1; i < hyps.length; i++) expect(hyps[i - 1]!.score).toBeGreaterThanOrEqual(hyps[i]!.score);
  });

  it('cuts hypotheses at maxLength and marks them unfinished', () => {
    // 1 step: only the end token can finish; A and B stay unfinished.
    const hyps = nb.nn.beamSearch(toyStep, nb.tensor([[0]]), { ...opts, maxLength: 1, beamWidth: 2 });
    expect(hyps.map((h) => [h.tokens, h.finished])).toEqual([[[1], false], [[2], false]]);
    const [g] = nb.nn.greedyDecode(toyStep, nb.tensor([[0]]), { ...opts, maxLength: 1 });
    expect(g).toMatchObject({ tokens: [1], finished: false });
  });

  it('decodes a real LSTM decoder: a batch greedily, one row by beam search (state [layers, n, hidden], batchAxis 1)', () => {
    nb.seed(3);
    const V = 6;
    const embed = nb.nn.embedding(V, 4);
    const lstm = nb.nn.lstm(4, 8, { numLayers: 2 });
    const out = nb.nn.linear(8, V);
    type S = [nb.Tensor, nb.Tensor];
    const step = (tokens: Int32Array, s: S): [nb.Tensor, S] => {
      const x = embed.call(nb.tensor(Array.from(tokens, (t) => [t]), { dtype: 'int32' }));
      const [y, st] = lstm.call(x, s);
      return [nb.logSoftmax(out.call(nb.reshape(y, [tokens.length, 8])), -1), st as S];
    };
    const h0 = nb.randn([2, 3, 8]);
    const c0 = nb.randn([2, 3, 8]);
    const greedy = nb.nn.greedyDecode(step, [h0, c0] as S, { bos: 2, eos: 3, maxLength: 5, batchSize: 3 });
    expect(greedy).toHaveLength(3);
    for (let i = 0; i < 3; i++) {
      const row = (t: nb.Tensor): nb.Tensor => nb.slice(t, [0, i, 0], [2, 1, 8]);
      const s1: S = [row(h0), row(c0)];
      const [b1] = nb.nn.beamSearch(step, s1, { bos: 2, eos: 3, maxLength: 5, beamWidth: 1, batchAxis: 1 });
      expect(b1!.tokens).toEqual(greedy[i]!.tokens);
      expect(b1!.logProb).toBeCloseTo(greedy[i]!.logProb, 4);
      const beams = nb.nn.beamSearch(step, s1, { bos: 2, eos: 3, maxLength: 5, beamWidth: 4, batchAxis: 1 });
      expect(beams[0]!.score).toBeGreaterThanOrEqual(b1!.score - 1e-5);
    }
    expect(h0.isDisposed).toBe(false);
  });

  it('explains bad arguments', () => {
    expect(() => nb.nn.beamSearch(toyStep, nb.tensor([[0]]), { bos: 3, eos: 0 } as never)).toThrow(/beamSearch: maxLength must be an integer/);
    expect(() => nb.nn.beamSearch(toyStep, nb.tensor([[0]]), { ...opts, beamWidth: 0 })).toThrow(/beamSearch: beamWidth must be an integer/);
    expect(() => nb.nn.greedyDecode((t) => t as never, null, opts)).toThrow(/greedyDecode: step must be a function returning \[logProbs, state\]/);
    expect(() => nb.nn.beamSearch(() => [nb.zeros([2, 3]), null], null, opts)).toThrow(/beamSearch: step must return logProbs of shape \[1, vocab\]/);
    expect(() => nb.nn.beamSearch(() => [[[0.5, 0.1]], null] as never, null, opts)).toThrow(/beamSearch: .*positive/);
    expect(() => nb.nn.beamSearch(() => [[[-1, -1]], new Map()] as never, new Map(), opts)).toThrow(/beamSearch: cannot reorder/);
  });
});

describe('error rates', () => {
  const T = nb.data.text;
  it('editDistance counts insertions, deletions and substitutions', () => {
    expect(T.editDistance('kitten', 'sitting')).toBe(3);
    expect(T.editDistance([], ['A'])).toBe(1);
    expect(T.editDistance(['HH', 'AH', 'L', 'OW'], ['HH', 'EH', 'L', 'OW'])).toBe(1);
    expect(T.editDistance(new Int32Array([1, 2, 3]), [1, 3])).toBe(1);
    expect(T.editDistance('abc', 'abc')).toBe(0);
  });
  it('phonemeErrorRate is summed edits over summed reference lengths; wordErrorRate the share of wrong words', () => {
    const refs = [['HH', 'AH', 'L', 'OW'], ['K', 'AE', 'T']];
    const preds = [['HH', 'EH', 'L', 'OW'], ['K', 'AE', 'T']];
    expect(T.phonemeErrorRate(refs, preds)).toBeCloseTo(1 / 7, 12);
    expect(T.wordErrorRate(refs, preds)).toBe(0.5);
    expect(T.wordErrorRate(refs, refs)).toBe(0);
    expect(T.phonemeErrorRate([['A']], [['B', 'C', 'D']])).toBe(3);
  });
  it('explains bad arguments', () => {
    expect(() => T.phonemeErrorRate([['A']], [])).toThrow(/phonemeErrorRate: references and predictions must have the same length, got 1 and 0/);
    expect(() => T.wordErrorRate([], [])).toThrow(/wordErrorRate: references must be a non-empty array/);
    expect(() => T.editDistance(3 as never, 'a')).toThrow(/editDistance: a must be a sequence/);
    expect(() => T.phonemeErrorRate([[]], [['A']])).toThrow(/phonemeErrorRate: the references are all empty/);
  });
});
