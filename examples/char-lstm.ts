/**
 * A character LSTM language model — many-to-many (the next-character loss at every step) and
 * one-to-many (it samples new text one character at a time):
 *
 * 1. on first names (each `<bos> name <eos>`): it learns to write new names, sampled with a
 *    temperature and top-k from a seeded generator;
 * 2. on State of the Union prose, one long stream read with truncated back-propagation through
 *    time (32 rows, windows of 64 characters, the LSTM state carried across windows and detached).
 *
 * Both report the validation cross-entropy in bits per character beside a bigram baseline
 * (character-pair counts, add-0.1 smoothing) computed in the same run; the model must beat it.
 *
 * Run:  npx tsx examples/char-lstm.ts                 (names 8 epochs; SOTU 2010–2019 for 1 epoch)
 *       NABLA_SHORT=1 npx tsx examples/char-lstm.ts   (a few seconds: a smoke test)
 * Same model from the command line: nabla train char-lstm --out runs/names; nabla sample runs/names/model.nabla
 */
import * as nb from 'nabla';
import { charLstm, trainLanguageModel, sequenceBits, bigramBits, sampleText, trainStream, streamBits } from 'nabla/models';

const short = process.env.NABLA_SHORT === '1';
const t0 = performance.now();
nb.seed(0);

// ---- 1. names ------------------------------------------------------------------------------
const names = await nb.data.text.names();
const { train, validation } = nb.data.text.split(names, { validation: 0.1, seed: 0 });
const vocab = nb.data.text.vocabulary(train.map((n) => n.name), { level: 'char', lowercase: true });
const encode = (list: readonly nb.data.text.NameEntry[]): Int32Array[] => list.map((n) => vocab.encode(n.name, { bos: true, eos: true }));
const trainSeqs = encode(short ? train.slice(0, 400) : train);
const valSeqs = encode(short ? validation.slice(0, 200) : validation);

const model = charLstm(vocab.size);
const epochs = short ? 1 : 8;
console.log(`names: ${trainSeqs.length} training, ${valSeqs.length} validation names · ${vocab.size} tokens · ${model.numParameters().toLocaleString('en-US')} parameters · ${epochs} epochs`);
trainLanguageModel(model, trainSeqs, {
  epochs, batchSize: 32, lr: 3e-3, seed: 0,
  onEpoch: (e, bits, s) => console.log(`  epoch ${e + 1}: training ${bits.toFixed(3)} bits/char · ${s.toFixed(1)} s`),
});
const lstmBits = sequenceBits(model, valSeqs);
const bigram = bigramBits(trainSeqs, valSeqs, vocab.size);
console.log(`names validation: LSTM ${lstmBits.toFixed(3)} bits/char · bigram ${bigram.toFixed(3)} bits/char`);

const rng = new nb.Random(42);
for (const temperature of [0.5, 1]) {
  const samples = Array.from({ length: 8 }, () => sampleText(model, vocab, { temperature, topK: 10, length: 20, rng }));
  console.log(`  sampled names (temperature ${temperature}, top-10): ${samples.join(', ')}`);
}
const known = new Set(names.map((n) => n.name.toLowerCase()));
const fresh = Array.from({ length: 100 }, () => sampleText(model, vocab, { temperature: 0.8, length: 20, rng })).filter((s) => s.length > 0 && !known.has(s));
console.log(`  ${fresh.length} of 100 names sampled at temperature 0.8 are not in the data set`);
if (!short && !(lstmBits < bigram)) throw new Error(`the LSTM (${lstmBits.toFixed(3)} bits/char) did not beat the bigram baseline (${bigram.toFixed(3)})`);
model.dispose();

// ---- 2. State of the Union prose, truncated BPTT ------------------------------------------
const addresses = await nb.data.text.sotu();
// train on the addresses of 2010–2019, validate on 2020 and 2021 (short: one address, part of 2021's)
const trainText = addresses.filter((a) => (short ? a.year === 2019 : a.year >= 2010 && a.year <= 2019)).map((a) => a.text).join('\n');
const valText = addresses.filter((a) => a.year >= (short ? 2021 : 2020)).map((a) => a.text).join('\n');
const chars = nb.data.text.vocabulary(trainText, { level: 'char' });
const trainIds = chars.encode(trainText);
const valIds = chars.encode(valText.slice(0, short ? 2000 : undefined));
const prose = charLstm(chars.size);
const bptt = short ? { batchSize: 8, length: 32 } : { batchSize: 32, length: 64 };
console.log(`\nState of the Union: ${trainIds.length.toLocaleString('en-US')} training, ${valIds.length.toLocaleString('en-US')} validation characters · ${chars.size} tokens`);
trainStream(prose, trainIds, {
  ...bptt, epochs: 1, lr: 3e-3, maxBatches: short ? 3 : undefined,
  onEpoch: (e, bits, s) => console.log(`  epoch ${e + 1}: training ${bits.toFixed(3)} bits/char · ${s.toFixed(1)} s`),
});
const proseBits = streamBits(prose, valIds, bptt);
const proseBigram = bigramBits([trainIds], [valIds], chars.size);
console.log(`State of the Union validation: LSTM ${proseBits.toFixed(3)} bits/char · bigram ${proseBigram.toFixed(3)} bits/char`);
console.log(`  sampled (temperature 0.7, prime "The "): ${JSON.stringify(sampleText(prose, chars, { prime: 'The ', temperature: 0.7, length: short ? 40 : 300, rng, stopAtEos: false }))}`);
if (!short && !(proseBits < proseBigram)) throw new Error(`the LSTM (${proseBits.toFixed(3)} bits/char) did not beat the bigram baseline (${proseBigram.toFixed(3)})`);
prose.dispose();
console.log(`\n${((performance.now() - t0) / 1000).toFixed(1)} s in all`);
