/**
 * What a character model learns about letters: trains the character LSTM language model on first
 * names (as `nabla train char-lstm` does: embedding 32 → LSTM 128 → next character, 8 epochs) and
 * draws its letter embeddings projected onto their first two principal components
 * (`nb.viz.embeddingPlot`, PCA by `nb.viz.pca`): the input embeddings (the rows of `embed.weight`,
 * 32 numbers per letter) and the output embeddings (the columns of the last layer's weight, 128
 * numbers per letter: what the LSTM state must point at for that letter to come next). Nobody told
 * the model which letters are vowels, yet predicting the next letter of a name needs it, so the
 * vowels end up together. For both it prints the mean cosine similarity within the vowels
 * (a e i o u), within the consonants and across, and each vowel's nearest letters.
 *
 * Run:  npx tsx examples/letter-embeddings.ts [out.svg]                (8 epochs on 7 964 names; a few minutes)
 *       NABLA_SHORT=1 npx tsx examples/letter-embeddings.ts [out.svg]  (a few seconds: a smoke test)
 * The SVGs go to out.svg and out-output.svg (default: letter-embeddings.svg and
 * letter-embeddings-output.svg in the temp folder).
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as nb from 'nabla';
import { charLstm, trainLanguageModel, sequenceBits } from 'nabla/models';

const short = process.env.NABLA_SHORT === '1';
const file = process.argv[2] ?? join(tmpdir(), 'letter-embeddings.svg');
const t0 = performance.now();
nb.seed(0);
const names = await nb.data.text.names();
const { train, validation } = nb.data.text.split(names, { validation: 0.1, seed: 0 });
const vocab = nb.data.text.vocabulary(train.map((n) => n.name), { level: 'char', lowercase: true });
const encode = (list: readonly nb.data.text.NameEntry[]): Int32Array[] => list.map((n) => vocab.encode(n.name, { bos: true, eos: true }));
const trainSeqs = encode(short ? train.slice(0, 400) : train);
const model = charLstm(vocab.size);
const epochs = short ? 1 : 8;
console.log(`char-lstm on ${trainSeqs.length} names · ${epochs} epochs`);
trainLanguageModel(model, trainSeqs, {
  epochs, batchSize: 32, lr: 3e-3, seed: 0,
  onEpoch: (e, bits, s) => console.log(`  epoch ${e + 1}: training ${bits.toFixed(3)} bits/char · ${s.toFixed(1)} s`),
});
console.log(`validation ${sequenceBits(model, encode(validation)).toFixed(3)} bits/char`);

// The 26 letters' rows of the input embedding table [vocab, 32] and of the output layer's weight, transposed [vocab, 128].
const letters = [...'abcdefghijklmnopqrstuvwxyz'].filter((c) => vocab.has(c));
const rows = letters.map((c) => vocab.indexOf(c));
const VOWELS = new Set('aeiou');
const cos = (a: readonly number[], b: readonly number[]): number => {
  let ab = 0, aa = 0, bb = 0;
  for (let i = 0; i < a.length; i++) { ab += a[i]! * b[i]!; aa += a[i]! * a[i]!; bb += b[i]! * b[i]!; }
  return ab / Math.sqrt(aa * bb);
};
const pairs = letters.flatMap((a, i) => letters.slice(i + 1).map((b) => [a, b] as [string, string]));
const outFile = file.replace(/(\.svg)?$/, '-output.svg');
const tables = {
  input: { table: model.embed.weight.arraySync() as number[][], file, title: 'input embeddings of the names language model (PCA)' },
  output: { table: nb.transpose(model.out.weight, [1, 0]).arraySync() as number[][], file: outFile, title: 'output embeddings of the names language model (PCA)' },
};
const similarity: Record<string, { vv: number; vc: number }> = {};
for (const [name, { table, file: f, title }] of Object.entries(tables)) {
  writeFileSync(f, nb.viz.embeddingPlot(table, [...vocab.tokens], { rows, title }));
  const c = (a: string, b: string): number => cos(table[vocab.indexOf(a)]!, table[vocab.indexOf(b)]!);
  const mean = (ps: [string, string][]): number => ps.reduce((s, [a, b]) => s + c(a, b), 0) / ps.length;
  const vv = mean(pairs.filter(([a, b]) => VOWELS.has(a) && VOWELS.has(b)));
  const cc = mean(pairs.filter(([a, b]) => !VOWELS.has(a) && !VOWELS.has(b)));
  const vc = mean(pairs.filter(([a, b]) => VOWELS.has(a) !== VOWELS.has(b)));
  similarity[name] = { vv, vc };
  console.log(`${name} embeddings (${f}): mean cosine similarity vowel–vowel ${vv.toFixed(3)} · consonant–consonant ${cc.toFixed(3)} · vowel–consonant ${vc.toFixed(3)}`);
  for (const v of VOWELS) {
    const near = letters.filter((x) => x !== v).sort((a, b) => c(b, v) - c(a, v)).slice(0, 4);
    console.log(`  nearest to ${v}: ${near.join(' ')}`);
  }
}
console.log(`${((performance.now() - t0) / 1000).toFixed(1)} s in all`);
for (const [name, { vv, vc }] of Object.entries(similarity)) {
  if (!short && !(vv > vc)) throw new Error(`${name} embeddings: the vowels are not closer to each other (${vv.toFixed(3)}) than to the consonants (${vc.toFixed(3)})`);
}
model.dispose();
