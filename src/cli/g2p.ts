/**
 * Grapheme to phoneme (`nabla train g2p`, `nabla g2p`, examples/g2p.ts): an encoder–decoder LSTM
 * that reads a word's letters and writes its ARPAbet phonemes (CMUdict, stress removed), with or
 * without Luong attention over the encoder's outputs; its data (the seeded 5% held-out split and
 * the two vocabularies), its training loop (teacher forcing, bucketed batches: `trainBucketed`),
 * greedy and beam-search decoding, the attention matrix of a prediction, and the phoneme and word
 * error rates.
 *
 * Importing this module registers the layer type `G2P`, so that `nb.io.load` can rebuild it.
 */
import * as nb from '../index.js';
import type { Tensor } from '../tensor/tensor.js';
import { cfgBool, cfgNumber, type LayerConfig } from '../nn/module.js';
import { checkPositiveInt } from '../nn/checks.js';
import { trainBucketed, type SequenceTrainOptions } from './sequence.js';

/** The most phonemes of a pronunciation that training reads, and so the most a prediction writes. */
export const MAX_PHONEMES = 24;

/** What the decoder carries from step to step: its LSTM state and the encoder's outputs and word lengths. */
export interface G2PState {
  h: Tensor;
  c: Tensor;
  enc: Tensor;
  lengths: number[];
}

/**
 * Encoder: letter embedding (`paddingIdx: 0`) → bidirectional LSTM of hidden/2 per direction, given
 * the word lengths; its final [h, c] (both directions concatenated) start the decoder. Decoder:
 * phoneme embedding → LSTM(embed, hidden) → (with attention) Luong `general` attention over the
 * encoder outputs, masked by the lengths, and tanh(linear([context; output])) → linear → phoneme
 * scores. `call(letters [B, S], lengths, phonemesIn [B, T])` → [logits [B, T, V], weights [B, T, S] or null].
 */
export class G2P extends nb.nn.Module<[letters: Tensor, lengths: number[], phonemesIn: Tensor], [Tensor, Tensor | null]> {
  static override readonly layerType: string = 'G2P';
  readonly letters: number;
  readonly phonemes: number;
  readonly embedDim: number;
  readonly hidden: number;
  readonly attention: boolean;
  readonly charEmbed: nb.nn.Embedding;
  readonly encoder: nb.nn.LSTM;
  readonly phonEmbed: nb.nn.Embedding;
  readonly decoder: nb.nn.LSTM;
  readonly att: nb.nn.Attention | null;
  readonly combine: nb.nn.Linear | null;
  readonly out: nb.nn.Linear;

  constructor(letters: number, phonemes: number, embedDim = 32, hidden = 128, attention = true) {
    super();
    const op = 'G2P';
    this.letters = checkPositiveInt(op, 'letters', letters);
    this.phonemes = checkPositiveInt(op, 'phonemes', phonemes);
    this.embedDim = checkPositiveInt(op, 'embedDim', embedDim);
    this.hidden = checkPositiveInt(op, 'hidden', hidden);
    if (hidden % 2 !== 0) throw new Error(`G2P: hidden must be even (the encoder's two directions have hidden/2 each), got ${hidden}`);
    if (typeof attention !== 'boolean') throw new Error(`G2P: attention must be a boolean, got ${typeof attention}`);
    this.attention = attention;
    this.charEmbed = this.registerModule('charEmbed', nb.nn.embedding(letters, embedDim, { paddingIdx: 0 }));
    this.encoder = this.registerModule('encoder', nb.nn.lstm(embedDim, hidden / 2, { bidirectional: true }));
    this.phonEmbed = this.registerModule('phonEmbed', nb.nn.embedding(phonemes, embedDim, { paddingIdx: 0 }));
    this.decoder = this.registerModule('decoder', nb.nn.lstm(embedDim, hidden));
    this.att = attention ? this.registerModule('att', nb.nn.attention({ kind: 'general', queryDim: hidden })) : null;
    this.combine = attention ? this.registerModule('combine', nb.nn.linear(2 * hidden, hidden)) : null;
    this.out = this.registerModule('out', nb.nn.linear(hidden, phonemes));
  }

  /** Encodes a padded batch of words [B, S]: the encoder outputs [B, S, hidden] and the decoder's first state. */
  encode(x: Tensor, lengths: number[]): G2PState {
    const [enc, [h, c]] = this.encoder.call(this.charEmbed.call(x), null, lengths) as [Tensor, [Tensor, Tensor]];
    const B = x.shape[0]!;
    const join2 = (t: Tensor): Tensor => nb.reshape(nb.transpose(t, [1, 0, 2]), [1, B, this.hidden]); // [forward; reverse] per word
    return { h: join2(h), c: join2(c), enc, lengths };
  }

  /** Decoder steps: phoneme ids [B, T] → logits [B, T, V], attention weights [B, T, S] (or null), the new state. */
  decode(ids: Tensor, s: G2PState): [Tensor, Tensor | null, G2PState] {
    const [y, [h, c]] = this.decoder.call(this.phonEmbed.call(ids), [s.h, s.c]) as [Tensor, [Tensor, Tensor]];
    let feat = y;
    let weights: Tensor | null = null;
    if (this.att && this.combine) {
      const [ctx, w] = this.att.call(y, s.enc, null, { lengths: s.lengths });
      feat = nb.tanh(this.combine.call(nb.concat([ctx, y], -1)));
      weights = w;
    }
    return [this.out.call(feat), weights, { ...s, h, c }];
  }

  forward(letters: Tensor, lengths: number[], phonemesIn: Tensor): [Tensor, Tensor | null] {
    const [logits, w] = this.decode(phonemesIn, this.encode(letters, lengths));
    return [logits, w];
  }

  override config(): LayerConfig {
    return { type: 'G2P', letters: this.letters, phonemes: this.phonemes, embedDim: this.embedDim, hidden: this.hidden, attention: this.attention };
  }
}
nb.nn.registerLayer('G2P', (c) => new G2P(cfgNumber(c, 'letters'), cfgNumber(c, 'phonemes'), cfgNumber(c, 'embedDim', 32), cfgNumber(c, 'hidden', 128), cfgBool(c, 'attention', true)));

/** Word → phoneme pairs as ids: letters (no `<bos>`/`<eos>`) and phonemes (at most MAX_PHONEMES). */
export interface G2PPairs {
  letters: Int32Array[];
  phonemes: Int32Array[];
}

/** The CMUdict split and vocabularies of a g2p run. */
export interface G2PData {
  /** Letters (character level, lowercased) of the training words. */
  letters: nb.data.text.Vocabulary;
  /** The 39 phonemes without stress, after the four special tokens (`<bos>` starts the decoder, `<eos>` ends a word). */
  phonemes: nb.data.text.Vocabulary;
  train: readonly nb.data.text.CmudictEntry[];
  test: readonly nb.data.text.CmudictEntry[];
}

/**
 * CMUdict's alphabetic words (lowercased, main pronunciations, no stress), split by
 * `split(entries, { test: 0.05, seed })`; `limit`/`testLimit` keep the first words of each part.
 */
export async function g2pData(opts: { limit?: number; testLimit?: number; seed?: number } = {}): Promise<G2PData> {
  const { entries, phonemes } = await nb.data.text.cmudict({ alphabetic: true, lowercase: true, stress: false });
  const split = nb.data.text.split(entries, { test: 0.05, seed: opts.seed ?? 0 });
  const train = opts.limit === undefined ? split.train : split.train.slice(0, opts.limit);
  const test = opts.testLimit === undefined ? split.test : split.test.slice(0, opts.testLimit);
  const letters = nb.data.text.vocabulary(train.map((e) => e.word), { level: 'char', lowercase: true });
  return { letters, phonemes: phonemeVocabulary(phonemes), train, test };
}

/** A vocabulary of phoneme symbols (word level, case kept, no `<unk>`). */
export function phonemeVocabulary(symbols: readonly string[]): nb.data.text.Vocabulary {
  return new nb.data.text.Vocabulary('word', [...symbols], { lowercase: false, unk: false });
}

/** The ids of dictionary entries. */
export function g2pPairs(data: Pick<G2PData, 'letters' | 'phonemes'>, entries: readonly nb.data.text.CmudictEntry[]): G2PPairs {
  return {
    letters: entries.map((e) => data.letters.encode(e.word)),
    phonemes: entries.map((e) => data.phonemes.encodeTokens(e.phonemes.slice(0, MAX_PHONEMES))),
  };
}

/** A padded batch: letters [B, S] and their lengths, decoder input `<bos> p…` and target `p… <eos>` [B, T]. */
function batchOf(pairs: G2PPairs, index: ArrayLike<number>): { x: Tensor; lengths: number[]; yIn: Tensor; yOut: Tensor } {
  const src: Int32Array[] = [];
  const yi: number[][] = [];
  const yo: number[][] = [];
  for (let k = 0; k < index.length; k++) {
    const i = index[k]!;
    src.push(pairs.letters[i]!);
    const p = Array.from(pairs.phonemes[i]!);
    yi.push([nb.data.text.BOS, ...p]);
    yo.push([...p, nb.data.text.EOS]);
  }
  const { x, lengths } = nb.data.text.pad(src);
  const yIn = nb.data.text.pad(yi);
  const yOut = nb.data.text.pad(yo);
  const lens = Array.from(lengths.dataSync());
  nb.dispose([lengths, yIn.lengths, yOut.lengths]);
  return { x, lengths: lens, yIn: yIn.x, yOut: yOut.x };
}

/** Teacher-forced cross-entropy of a batch over its phonemes and end tokens (padding ignored). */
function batchLoss(model: G2P, pairs: G2PPairs, index: ArrayLike<number>, reduction: 'mean' | 'sum'): Tensor {
  const b = batchOf(pairs, index);
  const [logits] = model.call(b.x, b.lengths, b.yIn);
  return nb.nn.softmaxCrossEntropy(nb.reshape(logits, [-1, model.phonemes]), nb.reshape(b.yOut, [-1]), { ignoreIndex: 0, reduction });
}

/**
 * Trains a G2P model with teacher forcing: the decoder reads `<bos> p₁ … pₙ` and learns to write
 * `p₁ … pₙ <eos>`, all steps at once; batches of words of similar length (`bucketBatches`, a new
 * order each epoch), Adam (or `opts.optimizer`), gradients clipped to norm 5. Returns each epoch's
 * mean training loss (nats per phoneme).
 */
export function trainG2P(model: G2P, pairs: G2PPairs, opts: SequenceTrainOptions): number[] {
  return trainBucketed(model, pairs.letters, opts, (batch) => ({
    weight: batch.reduce((k, i) => k + pairs.phonemes[i]!.length + 1, 0),
    loss: () => batchLoss(model, pairs, batch, 'mean'),
  }));
}

/** Teacher-forced cross-entropy on held-out pairs, in nats per predicted phoneme (end tokens included). */
export function g2pLoss(model: G2P, pairs: G2PPairs, batchSize = 256): number {
  model.eval();
  let sum = 0;
  let n = 0;
  for (const batch of nb.data.text.bucketBatches(pairs.letters, { batchSize, shuffle: false })) {
    sum += nb.tidy(() => nb.noGrad(() => batchLoss(model, pairs, batch, 'sum').item()));
    for (const i of batch) n += pairs.phonemes[i]!.length + 1;
  }
  model.train();
  return sum / n;
}

/** One decoder step for nb.nn.greedyDecode / beamSearch; `record` collects each step's attention rows. */
function stepOf(model: G2P, record?: number[][]): nb.nn.DecodeStep<G2PState> {
  return (tokens, s) => {
    const [logits, w, next] = model.decode(nb.tensor(Array.from(tokens, (t) => [t]), { dtype: 'int32' }), s);
    if (record && w) record.push(Array.from(w.dataSync()));
    return [nb.logSoftmax(nb.reshape(logits, [tokens.length, model.phonemes]), -1), next];
  };
}

/** The rows `rows` of a state (beam search): the LSTM state has its rows on axis 1, the encoder outputs on axis 0. */
function reorder(s: G2PState, rows: Int32Array): G2PState {
  const r = nb.tensor(rows, { dtype: 'int32', shape: [rows.length] });
  return { h: nb.gather(s.h, r, 1), c: nb.gather(s.c, r, 1), enc: nb.gather(s.enc, r, 0), lengths: Array.from(rows, (i) => s.lengths[i]!) };
}

/** Phoneme ids of a hypothesis, special tokens left out. */
const phonemeIds = (tokens: readonly number[]): number[] => tokens.filter((t) => t >= nb.data.text.SPECIAL_TOKENS.length);

export interface TranscribeOptions {
  /** Beam width: 1 (default) decodes greedily, in batches; K > 1 runs beam search word by word. */
  beamWidth?: number;
  /** Words decoded together by greedy decoding (default 256). */
  batchSize?: number;
}

/** The predicted phoneme ids of each word (letter ids), greedily or by beam search. */
export function transcribe(model: G2P, words: readonly Int32Array[], opts: TranscribeOptions = {}): number[][] {
  const beamWidth = opts.beamWidth ?? 1;
  const batchSize = opts.batchSize ?? 256;
  const decode = { bos: nb.data.text.BOS, eos: nb.data.text.EOS, maxLength: MAX_PHONEMES + 1, reorder };
  const all = { letters: [...words], phonemes: words.map(() => new Int32Array(0)) };
  const out: number[][] = [];
  model.eval();
  try {
    if (beamWidth === 1) {
      for (let i = 0; i < words.length; i += batchSize) {
        const index = Array.from({ length: Math.min(batchSize, words.length - i) }, (_, k) => i + k);
        const hyps = nb.tidy(() => {
          const b = batchOf(all, index);
          return nb.nn.greedyDecode(stepOf(model), model.encode(b.x, b.lengths), { ...decode, batchSize: index.length });
        });
        out.push(...hyps.map((h) => phonemeIds(h.tokens)));
      }
    } else {
      for (let i = 0; i < words.length; i++) {
        const [best] = nb.tidy(() => {
          const b = batchOf(all, [i]);
          return nb.nn.beamSearch(stepOf(model), model.encode(b.x, b.lengths), { ...decode, beamWidth });
        });
        out.push(phonemeIds(best!.tokens));
      }
    }
  } finally {
    model.train();
  }
  return out;
}

/**
 * The attention weights with which the model writes `phonemes` (ids, e.g. a prediction) for one
 * word: rows are the phonemes and the end token (T + 1), columns the letters. Null for a model
 * without attention.
 */
export function attentionMatrix(model: G2P, word: Int32Array, phonemes: readonly number[]): number[][] | null {
  if (!model.attention) return null;
  model.eval();
  try {
    return nb.tidy(() =>
      nb.noGrad(() => {
        const pairs = { letters: [word], phonemes: [Int32Array.from(phonemes)] };
        const b = batchOf(pairs, [0]);
        const [, w] = model.call(b.x, b.lengths, b.yIn);
        const [, T, S] = w!.shape as [number, number, number];
        const v = w!.dataSync();
        return Array.from({ length: T }, (_, t) => Array.from(v.subarray(t * S, (t + 1) * S)));
      }),
    );
  } finally {
    model.train();
  }
}

/** A heat-map SVG of an attention matrix: rows the predicted phonemes and `<eos>`, columns the letters. */
export function attentionSvg(word: string, phonemes: readonly string[], weights: readonly (readonly number[])[]): string {
  return nb.viz.heatmap(weights.map((r) => [...r]), {
    rowLabels: [...phonemes, '<eos>'],
    colLabels: Array.from(word),
    title: `attention: ${word} → ${phonemes.join(' ')}`,
    xLabel: 'letters',
    yLabel: 'predicted phonemes',
    min: 0,
    max: 1,
  });
}

/** Phoneme and word error rates of one way of decoding. */
export interface G2PScore {
  /** Σ edit distances / Σ reference lengths. */
  per: number;
  /** The share of words whose predicted pronunciation is not exactly the reference. */
  wer: number;
  words: number;
  seconds: number;
}

/** Decodes `pairs` (greedily, or by beam search with beamWidth > 1) and scores the predictions against their phonemes. */
export function scoreG2P(model: G2P, pairs: G2PPairs, opts: TranscribeOptions = {}): G2PScore {
  const t0 = performance.now();
  const hyps = transcribe(model, pairs.letters, opts);
  const refs = pairs.phonemes.map((p) => Array.from(p));
  return {
    per: nb.data.text.phonemeErrorRate(refs, hyps),
    wer: nb.data.text.wordErrorRate(refs, hyps),
    words: refs.length,
    seconds: (performance.now() - t0) / 1000,
  };
}

/** The letters of `word` as ids (lowercased if the vocabulary lowercases); an error names any character the model does not know. */
export function encodeWord(letters: nb.data.text.Vocabulary, word: string, op = 'g2p'): Int32Array {
  if (typeof word !== 'string' || word.trim() === '') throw new Error(`${op}: a word must be a non-empty string, got ${JSON.stringify(word)}`);
  const chars = Array.from(letters.lowercase ? word.toLowerCase() : word);
  const unknown = [...new Set(chars.filter((ch) => !letters.has(ch)))];
  if (unknown.length) {
    const known = letters.tokens.slice(nb.data.text.SPECIAL_TOKENS.length).slice().sort().join('');
    throw new Error(`${op}: the word ${JSON.stringify(word)} has ${unknown.length > 1 ? 'characters' : 'a character'} the model does not know: ${unknown.map((c) => JSON.stringify(c)).join(', ')} (it knows: ${known})`);
  }
  return letters.encode(word);
}
