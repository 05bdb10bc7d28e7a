/**
 * `nabla train` for the models of text: spam-lstm (SpamAssassin), names-gru (name → gender) and
 * char-lstm (a character language model on first names). The vocabulary is built from the
 * training split and saved in the model file's metadata (`vocabulary`, the JSON of
 * `nb.data.text.Vocabulary`), so that `nabla sample` and code can encode and decode as training did.
 */
import * as nb from '../index.js';
import type { JsonValue } from '../nn/module.js';
import { optimizerByName, type CharLSTM, type DataKind, type ModelSpec } from './models.js';
import { accuracyOf, bigramBits, predictClasses, sequenceBits, trainClassifier, trainLanguageModel, type SequenceTrainOptions } from './sequence.js';
import { pct, summary, writeOutputs, type Output, type TrainArgs, type TrainResult } from './commands.js';

export type TextKind = 'spam' | 'names' | 'char';

export const isTextKind = (k: DataKind): k is TextKind => k === 'spam' || k === 'names' || k === 'char';

/** How many words of an e-mail the spam model reads. */
export const SPAM_WORDS = 64;

interface TextData {
  name: string;
  vocab: nb.data.text.Vocabulary;
  train: { seqs: Int32Array[]; labels: number[] };
  test: { seqs: Int32Array[]; labels: number[] };
}

const take = <T>(list: readonly T[], n: number | undefined): readonly T[] => (n === undefined ? list : list.slice(0, n));

async function loadText(kind: TextKind, args: TrainArgs): Promise<TextData> {
  if (kind === 'spam') {
    const d = await nb.data.text.spamAssassin({ seed: 0 });
    const train = take(d.train, args.limit);
    const test = take(d.test, args.testLimit);
    const text = (m: nb.data.text.SpamMessage): string => `${m.subject}\n${m.text}`;
    const vocab = nb.data.text.vocabulary(train.map(text), { level: 'word', minFreq: 5, maxSize: 20000 });
    const enc = (m: nb.data.text.SpamMessage): Int32Array => {
      const ids = vocab.encode(text(m)).subarray(0, SPAM_WORDS);
      return ids.length ? ids : Int32Array.of(vocab.unk);
    };
    const part = (l: readonly nb.data.text.SpamMessage[]) => ({ seqs: l.map(enc), labels: l.map((m) => m.target as number) });
    return { name: 'SpamAssassin e-mails', vocab, train: part(train), test: part(test) };
  }
  const names = await nb.data.text.names();
  if (kind === 'names') {
    const s = nb.data.text.split(names, { test: 0.1, seed: 0, stratify: (n) => n.gender });
    const train = take(s.train, args.limit);
    const test = take(s.test, args.testLimit);
    const vocab = nb.data.text.vocabulary(train.map((n) => n.name), { level: 'char', lowercase: true });
    const part = (l: readonly nb.data.text.NameEntry[]) => ({ seqs: l.map((n) => vocab.encode(n.name)), labels: l.map((n) => (n.gender === 'male' ? 1 : 0)) });
    return { name: 'first names', vocab, train: part(train), test: part(test) };
  }
  const s = nb.data.text.split(names, { validation: 0.1, seed: 0 });
  const train = take(s.train, args.limit);
  const validation = take(s.validation, args.testLimit);
  const vocab = nb.data.text.vocabulary(train.map((n) => n.name), { level: 'char', lowercase: true });
  const part = (l: readonly nb.data.text.NameEntry[]) => ({ seqs: l.map((n) => vocab.encode(n.name, { bos: true, eos: true })), labels: [] });
  return { name: 'first names (validation: 10%)', vocab, train: part(train), test: part(validation) };
}

type Resolved = TrainArgs & { seed: number; epochs: number; batchSize: number; lr: number; lrDecay: number; optimizer: string };

/** Trains spam-lstm, names-gru or char-lstm; prints progress and the result; writes --out files. */
export async function trainText(spec: ModelSpec, args: Resolved, io: Output, backend: string): Promise<TrainResult> {
  const kind = spec.data as TextKind;
  const data = await loadText(kind, args);
  nb.seed(args.seed);
  const model = spec.build(data.vocab.size);
  const nTrain = data.train.seqs.length;
  const nTest = data.test.seqs.length;
  io.say(`nabla · ${spec.name}: ${spec.description}`);
  io.say(`  ${nTrain} training and ${nTest} ${kind === 'char' ? 'validation' : 'test'} samples from ${data.name} · ${data.vocab.size} tokens · backend ${backend} · ${args.optimizer} lr ${args.lr}${args.lrDecay ? `·e^(-${args.lrDecay}·epoch)` : ''} · batch ${args.batchSize} · ${args.epochs} epoch${args.epochs > 1 ? 's' : ''} · seed ${args.seed} · ${model.numParameters().toLocaleString('en-US')} parameters`);
  const epochs: nb.train.EpochLogs[] = [];
  const unit = kind === 'char' ? 'bits/char' : 'loss';
  const opts: SequenceTrainOptions = {
    epochs: args.epochs,
    batchSize: args.batchSize,
    lr: args.lr,
    lrDecay: args.lrDecay,
    seed: args.seed,
    optimizer: optimizerByName(args.optimizer, args.lr),
    onEpoch: (e, loss, seconds, samples) => {
      const lr = args.lr * Math.exp(-args.lrDecay * e);
      epochs.push({ epoch: e, loss, lr, seconds, samplesPerSecond: samples / seconds, samples });
      if (!args.quiet) io.progress(`epoch ${e + 1}/${args.epochs} · ${seconds.toFixed(1)}s · ${Math.round(samples / seconds)} ${kind === 'char' ? 'characters' : 'samples'}/s · ${unit} ${loss.toFixed(4)}`);
    },
  };
  try {
    const t0 = performance.now();
    let test: { loss: number; accuracy: number | null };
    const extra: Partial<TrainResult> = {};
    if (kind === 'char') {
      const lm = model as CharLSTM;
      trainLanguageModel(lm, data.train.seqs, opts);
      const bits = sequenceBits(lm, data.test.seqs);
      extra.bitsPerChar = bits;
      extra.bigramBitsPerChar = bigramBits(data.train.seqs, data.test.seqs, data.vocab.size);
      test = { loss: bits, accuracy: null };
    } else {
      const clf = model as nb.nn.Module;
      trainClassifier(clf, data.train.seqs, data.train.labels, opts);
      const accuracy = accuracyOf(predictClasses(clf, data.test.seqs), data.test.labels);
      const loss = testLoss(clf, data.test.seqs, data.test.labels);
      const ones = data.test.labels.filter((l) => l === 1).length / nTest;
      extra.majorityAccuracy = Math.max(ones, 1 - ones);
      test = { loss, accuracy };
    }
    const seconds = (performance.now() - t0) / 1000;
    const history: nb.train.History = { epochs, metrics: { loss: epochs.map((e) => e.loss) }, stepLoss: [], seconds };
    const result: TrainResult = {
      ...summary(spec, { backend, optName: args.optimizer, lr: args.lr, lrDecay: args.lrDecay, batchSize: args.batchSize, seed: args.seed, nTrain, nTest, history, test: { loss: test.loss, accuracy: NaN } }),
      testAccuracy: test.accuracy,
      trainAccuracy: null,
      ...extra,
    };
    if (kind === 'char') {
      io.say(`validation ${result.bitsPerChar!.toFixed(3)} bits/char · bigram baseline ${result.bigramBitsPerChar!.toFixed(3)} bits/char · ${result.epochs} epoch${result.epochs > 1 ? 's' : ''} in ${result.seconds.toFixed(1)} s`);
    } else {
      io.say(`test accuracy ${pct(result.testAccuracy!)} (majority class ${pct(result.majorityAccuracy!)}) · test loss ${result.testLoss.toFixed(4)} · ${result.epochs} epoch${result.epochs > 1 ? 's' : ''} in ${result.seconds.toFixed(1)} s`);
    }
    if (args.out) {
      result.out = args.out;
      await writeOutputs(args.out, spec, model, history, result, { vocabulary: data.vocab.toJSON() as unknown as JsonValue });
      io.say(`saved ${args.out}/model.nabla (with its vocabulary), metrics.json and curves.svg`);
    }
    if (args.json) process.stdout.write(`${JSON.stringify(result)}\n`);
    return result;
  } finally {
    model.dispose();
  }
}

/** Mean softmax cross-entropy of a classifier on sequences (nats). */
function testLoss(model: nb.nn.Module, seqs: readonly Int32Array[], labels: readonly number[]): number {
  model.eval();
  let sum = 0;
  for (const batch of nb.data.text.bucketBatches(seqs.map((s) => s.length), { batchSize: 128, shuffle: false })) {
    sum += nb.tidy(() =>
      nb.noGrad(() => {
        const { x, lengths } = nb.data.text.pad(Array.from(batch, (i) => seqs[i]!));
        const y = nb.tensor(Array.from(batch, (i) => labels[i]!), { dtype: 'int32' });
        const l = nb.nn.softmaxCrossEntropy(model.call(x), y, { reduction: 'sum' }).item();
        lengths.dispose();
        return l;
      }),
    );
  }
  model.train();
  return sum / seqs.length;
}
