/**
 * Many-to-one on characters: a first name → female or male, read letter by letter by a GRU
 * (character embeddings 16 → GRU 64 → its state after the last letter → 2 classes). Padded,
 * length-bucketed batches; the model reads each name's length from its ids, so padding changes
 * nothing. 421 names are on both lists, so no classifier can be perfect; the majority class
 * (female) is the baseline printed beside the test accuracy.
 *
 * Run:  npx tsx examples/names-gru.ts                 (10 epochs on 90% of the 8 849 names)
 *       NABLA_SHORT=1 npx tsx examples/names-gru.ts   (a few seconds: a smoke test)
 * Same model from the command line: nabla train names-gru
 */
import * as nb from 'nabla';
import { namesGru, trainClassifier, predictClasses, accuracyOf } from 'nabla/models';

const short = process.env.NABLA_SHORT === '1';
const t0 = performance.now();
nb.seed(0);
const names = await nb.data.text.names();
const split = nb.data.text.split(names, { test: 0.1, seed: 0, stratify: (n) => n.gender });
const train = short ? split.train.slice(0, 600) : split.train;
const test = short ? split.test.slice(0, 200) : split.test;
const vocab = nb.data.text.vocabulary(train.map((n) => n.name), { level: 'char', lowercase: true });
const encode = (list: readonly nb.data.text.NameEntry[]): { seqs: Int32Array[]; labels: number[] } =>
  ({ seqs: list.map((n) => vocab.encode(n.name)), labels: list.map((n) => (n.gender === 'male' ? 1 : 0)) });
const tr = encode(train);
const te = encode(test);

const model = namesGru(vocab.size);
const epochs = short ? 1 : 10;
console.log(`names-gru: ${train.length} training and ${test.length} test names · ${vocab.size} tokens · ${model.numParameters().toLocaleString('en-US')} parameters · ${epochs} epochs`);
trainClassifier(model, tr.seqs, tr.labels, {
  epochs, batchSize: 32, lr: 3e-3, seed: 0,
  onEpoch: (e, loss, s) => console.log(`  epoch ${e + 1}: loss ${loss.toFixed(4)} · ${s.toFixed(1)} s`),
});
const acc = accuracyOf(predictClasses(model, te.seqs), te.labels);
const female = te.labels.filter((l) => l === 0).length / te.labels.length;
console.log(`test accuracy ${(100 * acc).toFixed(2)}% · majority class (female) ${(100 * female).toFixed(2)}%`);
for (const name of ['Alexander', 'Alexandra', 'Jody', 'Kim', 'Noah', 'Zoe']) {
  const p = nb.tidy(() => nb.noGrad(() => model.call(nb.tensor([Array.from(vocab.encode(name))], { dtype: 'int32' })).softmax(-1).dataSync()[1]!));
  console.log(`  P(male | ${name}) = ${p.toFixed(2)}`);
}
if (!short && !(acc > female + 0.1)) throw new Error(`test accuracy ${acc} is not clearly above the majority class (${female})`);
model.dispose();
console.log(`${((performance.now() - t0) / 1000).toFixed(1)} s in all`);
