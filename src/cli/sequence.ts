/**
 * Training and evaluation loops of the sequence models (`nabla train spam-lstm | names-gru |
 * char-lstm`, and the examples): many-to-one classification of padded, length-bucketed batches;
 * a character language model with the loss at every step, on separate sequences (names) or on one
 * long text with truncated back-propagation through time; the bigram baseline it is compared
 * with; and sampling text from it.
 *
 * Token ids are int32, 0 the padding (nb.data.text's `<pad>`), batches batch-first [batch, time].
 */
import * as nb from '../index.js';
import type { Tensor } from '../tensor/tensor.js';
import type { CharLSTM } from './models.js';

/** A Tensor→Tensor classifier of token ids [batch, time] (SequenceClassifier). */
type Classifier = nb.nn.Module;

export interface SequenceTrainOptions {
  epochs: number;
  batchSize: number;
  lr: number;
  /** Shuffling seed (batch order; epoch e uses seed + e). */
  seed?: number;
  /** Gradients are clipped to this global norm (default 5). */
  clip?: number;
  /** The optimizer (default: Adam with `lr`); its learning rate is set each epoch. */
  optimizer?: nb.optim.Optimizer;
  /** Exponential decay per epoch: epoch e trains with lr·e^(−k·e) (default 0: constant). */
  lrDecay?: number;
  /** Called after each epoch with its mean training loss, seconds and number of samples (sequences or characters). */
  onEpoch?: (epoch: number, loss: number, seconds: number, samples: number) => void;
  /** Called before each epoch with the number of its batches (bucketed training only). */
  onEpochBegin?: (epoch: number, batches: number) => void;
  /** Called after each batch with its index and the epoch's mean training loss so far (bucketed training only). */
  onBatch?: (batch: number, batches: number, meanLoss: number) => void;
}

/** The optimizer of a run, and a function that sets its learning rate for epoch e. */
function optimizerOf(opts: SequenceTrainOptions): { opt: nb.optim.Optimizer; epoch(e: number): void } {
  const opt = opts.optimizer ?? nb.optim.adam(opts.lr);
  return { opt, epoch: (e) => void (opt.lr = opts.lr * Math.exp(-(opts.lrDecay ?? 0) * e)) };
}

const LN2 = Math.log(2);

/** `seqs` padded into int32 [batch, time] (0 after each sequence). */
function padBatch(seqs: readonly Int32Array[], index: ArrayLike<number>): Tensor {
  const picked: Int32Array[] = [];
  for (let i = 0; i < index.length; i++) picked.push(seqs[index[i]!]!);
  const { x, lengths } = nb.data.text.pad(picked);
  lengths.dispose();
  return x;
}

/** One optimizer step on `loss()`; returns the loss value. */
function step(params: readonly Tensor[], opt: nb.optim.Optimizer, clip: number, loss: () => Tensor): number {
  return nb.tidy(() => {
    const l = loss();
    l.backward();
    nb.optim.clipGradNorm(params, clip);
    opt.step(params);
    opt.zeroGrad(params);
    return l.item();
  });
}

/**
 * Trains a many-to-one classifier on token sequences (each at least one id long) and their class
 * labels, with Adam and batches of similar lengths (`bucketBatches`, a new order each epoch).
 * Returns each epoch's mean training loss.
 */
export function trainClassifier(model: Classifier, seqs: readonly Int32Array[], labels: readonly number[], opts: SequenceTrainOptions): number[] {
  return trainBucketed(model, seqs, opts, (batch) => ({
    weight: batch.length,
    loss: () => {
      const y = nb.tensor(Array.from(batch, (i) => labels[i]!), { dtype: 'int32' });
      return nb.nn.softmaxCrossEntropy(model.call(padBatch(seqs, batch)), y);
    },
  }));
}

/**
 * The epochs of the sequence trainers: Adam (with the options' schedule and clipping) over batches
 * of similar lengths (`bucketBatches`, a new order each epoch); `batchLoss` gives a batch's mean
 * loss and its weight (samples or tokens). Returns each epoch's weighted mean loss.
 */
export function trainBucketed(
  model: { parameters(): Tensor[]; train(mode?: boolean): unknown },
  seqs: readonly Int32Array[],
  opts: SequenceTrainOptions,
  batchLoss: (batch: Int32Array) => { weight: number; loss: () => Tensor },
): number[] {
  const params = model.parameters();
  const { opt, epoch } = optimizerOf(opts);
  const lengths = seqs.map((s) => s.length);
  const means: number[] = [];
  model.train();
  for (let e = 0; e < opts.epochs; e++) {
    const t0 = performance.now();
    epoch(e);
    let sum = 0;
    let n = 0;
    const batches = nb.data.text.bucketBatches(lengths, { batchSize: opts.batchSize, seed: (opts.seed ?? 0) + e });
    opts.onEpochBegin?.(e, batches.length);
    batches.forEach((batch, b) => {
      const { weight, loss } = batchLoss(batch);
      sum += step(params, opt, opts.clip ?? 5, loss) * weight;
      n += weight;
      opts.onBatch?.(b, batches.length, sum / n);
    });
    means.push(sum / n);
    opts.onEpoch?.(e, sum / n, (performance.now() - t0) / 1000, n);
  }
  return means;
}

/** The predicted class of each sequence (batches of similar lengths, in evaluation mode). */
export function predictClasses(model: Classifier, seqs: readonly Int32Array[], batchSize = 128): Int32Array {
  model.eval();
  const out = new Int32Array(seqs.length);
  for (const batch of nb.data.text.bucketBatches(seqs.map((s) => s.length), { batchSize, shuffle: false })) {
    const pred = nb.tidy(() => nb.noGrad(() => nb.argmax(model.call(padBatch(seqs, batch)), -1)).dataSync());
    batch.forEach((i, k) => (out[i] = Number(pred[k])));
  }
  model.train();
  return out;
}

/** The fraction of `labels` that `predictions` get right. */
export function accuracyOf(predictions: ArrayLike<number>, labels: ArrayLike<number>): number {
  let right = 0;
  for (let i = 0; i < labels.length; i++) if (predictions[i] === labels[i]) right++;
  return labels.length ? right / labels.length : NaN;
}

/** Next-token cross-entropy at every step of `x` [batch, time] (targets = x shifted by one; padding ignored). */
function lmLoss(model: CharLSTM, x: Tensor, reduction: 'mean' | 'sum'): Tensor {
  const t = x.shape[1]!;
  const inputs = x.slice([0, 0], [x.shape[0]!, t - 1]);
  const targets = x.slice([0, 1], [x.shape[0]!, t - 1]);
  const [logits] = model.call(inputs);
  return nb.nn.softmaxCrossEntropy(logits.reshape([-1, model.vocabSize]), targets.reshape([-1]), { ignoreIndex: 0, reduction });
}

/**
 * Trains a character language model on separate sequences (`<bos> … <eos>`, at least 2 ids each):
 * the loss at every step, padding ignored. Returns each epoch's mean loss in bits per token.
 */
export function trainLanguageModel(model: CharLSTM, seqs: readonly Int32Array[], opts: SequenceTrainOptions): number[] {
  const toBits = (v: number): number => v / LN2;
  const onEpoch = opts.onEpoch;
  const nats = trainBucketed(model, seqs, { ...opts, onEpoch: onEpoch && ((e, loss, s, n) => onEpoch(e, toBits(loss), s, n)) }, (batch) => ({
    weight: batch.reduce((k, i) => k + seqs[i]!.length - 1, 0),
    loss: () => lmLoss(model, padBatch(seqs, batch), 'mean'),
  }));
  return nats.map(toBits);
}

/** A language model's cross-entropy on separate sequences, in bits per predicted token. */
export function sequenceBits(model: CharLSTM, seqs: readonly Int32Array[], batchSize = 256): number {
  model.eval();
  let sum = 0;
  let n = 0;
  for (const batch of nb.data.text.bucketBatches(seqs.map((s) => s.length), { batchSize, shuffle: false })) {
    sum += nb.tidy(() => nb.noGrad(() => lmLoss(model, padBatch(seqs, batch), 'sum')).item());
    for (const i of batch) n += seqs[i]!.length - 1;
  }
  model.train();
  return sum / n / LN2;
}

export interface StreamTrainOptions extends SequenceTrainOptions {
  /** Steps per truncated-BPTT window. */
  length: number;
  /** Stop each epoch after this many batches (default: all). */
  maxBatches?: number;
}

/**
 * Trains a character language model on one long stream with truncated back-propagation through
 * time: `bpttBatches` rows, the LSTM state carried from one batch to the next and detached, so the
 * gradient goes back `length` steps while the state has read the whole row. Returns each epoch's
 * mean loss in bits per character.
 */
export function trainStream(model: CharLSTM, ids: Int32Array, opts: StreamTrainOptions): number[] {
  const params = model.parameters();
  const { opt, epoch } = optimizerOf(opts);
  const bits: number[] = [];
  model.train();
  for (let e = 0; e < opts.epochs; e++) {
    const t0 = performance.now();
    epoch(e);
    let state: nb.nn.LSTMState | null = null;
    let sum = 0;
    let n = 0;
    for (const { inputs, targets, index } of nb.data.text.bpttBatches(ids, { batchSize: opts.batchSize, length: opts.length })) {
      if (opts.maxBatches !== undefined && index >= opts.maxBatches) {
        nb.dispose([inputs, targets]);
        continue;
      }
      const prev: nb.nn.LSTMState | null = state;
      const { loss, next } = nb.tidy(() => {
        const [logits, s] = model.call(inputs, prev);
        const l = nb.nn.softmaxCrossEntropy(logits.reshape([-1, model.vocabSize]), targets.reshape([-1]));
        l.backward();
        nb.optim.clipGradNorm(params, opts.clip ?? 5);
        opt.step(params);
        opt.zeroGrad(params);
        // the state goes on to the next batch without its history: truncated BPTT
        return { loss: l.item(), next: [s[0].detach(), s[1].detach()] as nb.nn.LSTMState };
      });
      if (prev) nb.dispose(prev);
      state = next;
      const count = inputs.size;
      nb.dispose([inputs, targets]);
      sum += loss * count;
      n += count;
    }
    if (state) nb.dispose(state);
    bits.push(sum / n / LN2);
    opts.onEpoch?.(e, sum / n / LN2, (performance.now() - t0) / 1000, n);
  }
  return bits;
}

/**
 * A language model's cross-entropy on one stream, in bits per character, reading it as
 * `batchSize` rows in windows of `length` with the state carried across windows.
 */
export function streamBits(model: CharLSTM, ids: Int32Array, opts: { batchSize: number; length: number }): number {
  model.eval();
  let state: nb.nn.LSTMState | null = null;
  let sum = 0;
  let n = 0;
  for (const { inputs, targets } of nb.data.text.bpttBatches(ids, opts)) {
    const prev: nb.nn.LSTMState | null = state;
    const { loss, next } = nb.tidy(() =>
      nb.noGrad(() => {
        const [logits, s] = model.call(inputs, prev);
        return { loss: nb.nn.softmaxCrossEntropy(logits.reshape([-1, model.vocabSize]), targets.reshape([-1]), { reduction: 'sum' }).item(), next: s };
      }),
    );
    if (prev) nb.dispose(prev);
    state = next;
    sum += loss;
    n += inputs.size;
    nb.dispose([inputs, targets]);
  }
  if (state) nb.dispose(state);
  model.train();
  return sum / n / LN2;
}

/**
 * The bigram baseline: P(next | previous) counted on `train` with add-α smoothing over `vocabSize`
 * tokens, evaluated on `test`: bits per predicted token (every id after the first of each sequence).
 */
export function bigramBits(train: readonly Int32Array[], test: readonly Int32Array[], vocabSize: number, alpha = 0.1): number {
  const counts = new Float64Array(vocabSize * vocabSize);
  const rows = new Float64Array(vocabSize);
  for (const s of train) {
    for (let t = 1; t < s.length; t++) {
      counts[s[t - 1]! * vocabSize + s[t]!]! += 1;
      rows[s[t - 1]!]! += 1;
    }
  }
  let sum = 0;
  let n = 0;
  for (const s of test) {
    for (let t = 1; t < s.length; t++) {
      const p = (counts[s[t - 1]! * vocabSize + s[t]!]! + alpha) / (rows[s[t - 1]!]! + alpha * vocabSize);
      sum -= Math.log2(p);
      n++;
    }
  }
  return sum / n;
}

export interface SampleTextOptions {
  /** Text to start from (default: nothing; `<bos>` is always fed first). */
  prime?: string;
  /** The most tokens to generate (default 100). */
  length?: number;
  temperature?: number;
  topK?: number;
  rng?: nb.Random;
  /** Stop at `<eos>` (default true). */
  stopAtEos?: boolean;
}

/**
 * Generates text with a character language model: feeds `<bos>` and the prime, then draws one
 * token at a time with `nb.nn.sampleCategorical` and feeds it back, carrying the LSTM state.
 * Returns the prime followed by the generated text (special tokens left out); `<pad>`, `<unk>` and
 * `<bos>` are never drawn.
 */
export function sampleText(model: CharLSTM, vocab: nb.data.text.Vocabulary, opts: SampleTextOptions = {}): string {
  const length = opts.length ?? 100;
  const prime = opts.prime ?? '';
  const stopAtEos = opts.stopAtEos ?? true;
  const start = [vocab.bos, ...vocab.encode(prime)];
  model.eval();
  const out: number[] = [];
  let state: nb.nn.LSTMState | null = null;
  let feed = start;
  try {
    for (let i = 0; i < length; i++) {
      const prev: nb.nn.LSTMState | null = state;
      const { id, next } = nb.tidy(() =>
        nb.noGrad(() => {
          const [logits, s] = model.call(nb.tensor([feed], { dtype: 'int32' }), prev);
          const last = logits.slice([0, feed.length - 1, 0], [1, 1, model.vocabSize]).reshape([model.vocabSize]);
          // never draw padding, unknown or beginning-of-sequence
          const mask = nb.tensor(Array.from({ length: model.vocabSize }, (_, k) => (k === vocab.pad || k === vocab.unk || k === vocab.bos ? -Infinity : 0)));
          return { id: nb.nn.sampleCategorical(last.add(mask), { temperature: opts.temperature, topK: opts.topK, rng: opts.rng }).item(), next: s };
        }),
      );
      if (prev) nb.dispose(prev);
      state = next;
      if (id === vocab.eos && stopAtEos) break;
      out.push(id);
      feed = [id];
    }
  } finally {
    if (state) nb.dispose(state);
    model.train();
  }
  return prime + vocab.decode(out);
}
