/**
 * The training loop: `fit` (epochs of shuffled mini-batches, validation, metrics, callbacks,
 * progress, history), `evaluate` and `predict` (batched, without gradients).
 *
 * Every training step runs inside `tidy`, so the number of live tensors stays flat from epoch to
 * epoch: only parameters, optimizer state and the data itself survive a step.
 */
import { noGrad, tidy } from '../engine.js';
import { Random, globalRandom } from '../tensor/random.js';
import type { Tensor } from '../tensor/tensor.js';
import { fmt } from '../tensor/shape.js';
import { add, cast, eq, gt } from '../ops/elementwise.js';
import { argmax, sum } from '../ops/reduce.js';
import { square } from '../ops/elementwise.js';
import { concat, flatten } from '../ops/shape.js';
import { softmaxCrossEntropy } from '../nn/losses.js';
import { adam } from '../optim/index.js';
import { batchIndices, numSamples, takeRows } from '../data/batch.js';
import { createProgress, fmtMetric, type Verbosity } from './progress.js';
import { lrScheduler, type Callback, type TrainContext } from './callbacks.js';
import type { LRSchedule } from '../optim/schedules.js';
import type { BatchLogs, Data, EpochLogs, History, LossFn, Model, OptimizerLike } from './types.js';

export type Metric = 'accuracy';

export interface FitOptions {
  /** Passes over the training data (default 1). */
  epochs?: number;
  /** Samples per step (default 32). 1 gives online (stochastic) training, N full-batch. */
  batchSize?: number;
  /** Default: `nb.optim.adam(1e-3)`. */
  optimizer?: OptimizerLike;
  /** A learning-rate schedule (`nb.optim.stepDecay(...)`, …), applied per epoch or per step as it says. */
  schedule?: LRSchedule;
  /** Default: `nb.nn.softmaxCrossEntropy` (logits and int32 labels or one-hot rows). */
  loss?: LossFn;
  /** Metrics besides the loss. Default: ['accuracy'] with the default loss, [] with any other. */
  metrics?: readonly Metric[];
  /** Data evaluated after every epoch (metrics prefixed `val_`). */
  validation?: Data;
  /** Shuffle the training samples every epoch (default true). */
  shuffle?: boolean;
  /** Seed of the shuffling (default: drawn from the global generator, which `nb.seed` sets). */
  seed?: number;
  callbacks?: readonly Callback[];
  /** 0 silent, 1 a progress bar on a terminal (plain lines otherwise), 2 one line per epoch (default 1). */
  verbose?: Verbosity;
  /** Where plain progress lines go (default console.log). */
  log?: (line: string) => void;
  /** Record each layer's gradient L2 norm at every step into `history.gradNorms` (default false). */
  recordGradNorms?: boolean;
  /** Stop when the loss becomes NaN or infinite (default true). */
  stopOnNaN?: boolean;
  /** Batch size for validation (default: max(batchSize, 256)). */
  validationBatchSize?: number;
  /** Decision threshold of `accuracy` for single-output models (default 0.5). */
  threshold?: number;
}

export interface EvaluateOptions {
  /** Samples per batch (default 256). */
  batchSize?: number;
  /** Default: softmaxCrossEntropy. */
  loss?: LossFn;
  /** Default: ['accuracy'] with the default loss, [] with any other. */
  metrics?: readonly Metric[];
  /** Decision threshold of `accuracy` for single-output models (default 0.5). */
  threshold?: number;
}

export interface Evaluation {
  loss: number;
  accuracy?: number;
  /** Samples evaluated. */
  samples: number;
}

function checkData(d: Data, what: string): number {
  if (!d || typeof d !== 'object' || !d.x || !d.y) throw new Error(`${what}: expected { x, y } tensors`);
  const n = numSamples(d.x);
  const ny = numSamples(d.y);
  if (n !== ny) throw new Error(`${what}: x ${fmt(d.x.shape)} has ${n} samples but y ${fmt(d.y.shape)} has ${ny}`);
  if (n === 0) throw new Error(`${what}: the data set is empty`);
  return n;
}

function positiveInt(v: number, what: string): number {
  if (!Number.isInteger(v) || v < 1) throw new Error(`${what} must be a positive integer, got ${v}`);
  return v;
}

/**
 * Number of correct predictions in a batch, as a scalar tensor: arg-max against labels (int32
 * [N]) or one-hot rows [N, C]; a single output per sample is thresholded.
 */
export function correctCount(pred: Tensor, y: Tensor, threshold = 0.5): Tensor {
  if (pred.rank === 2 && pred.shape[1]! > 1) {
    const p = argmax(pred, -1);
    const labels = y.rank === 2 ? argmax(y, -1) : y.dtype === 'int32' ? y : cast(y, 'int32');
    if (labels.rank !== 1) throw new Error(`accuracy: targets ${fmt(y.shape)} do not match predictions ${fmt(pred.shape)}`);
    return sum(cast(eq(p, labels), 'float32'));
  }
  const p = gt(flatten(pred), threshold);
  const t = gt(flatten(y), 0.5);
  if (p.size !== t.size) throw new Error(`accuracy: ${t.size} targets for ${p.size} predictions`);
  return sum(cast(eq(p, t), 'float32'));
}

async function scalarOf(t: Tensor): Promise<number> {
  const v = (await t.data())[0] as number;
  t.dispose();
  return v;
}

function setTraining(model: Model, mode: boolean): void {
  model.train?.(mode);
}

/**
 * A batch on the model's backend: data loaded before `nb.setBackend` (or on purpose elsewhere)
 * is copied batch by batch to the backend the parameters live on.
 */
function onModelBackend(t: Tensor, model: Model): Tensor {
  const target = model.parameters()[0]?.backend;
  return target && t.backend !== target ? t.to(target.name) : t;
}

/** The layer a parameter belongs to: its dotted name without the last part ("0.weight" → "0"). */
export function layerOf(paramName: string): string {
  const i = paramName.lastIndexOf('.');
  return i < 0 ? '(root)' : paramName.slice(0, i);
}

/**
 * Trains `model` on `data` and returns the history of every epoch's metrics. See `FitOptions`
 * for the defaults (1 epoch, batches of 32, Adam 1e-3, softmax cross-entropy, shuffled).
 */
export async function fit(model: Model, data: Data, opts: FitOptions = {}): Promise<History> {
  const n = checkData(data, 'fit');
  const epochs = opts.epochs ?? 1;
  if (!Number.isInteger(epochs) || epochs < 0) throw new Error(`fit: epochs must be a non-negative integer, got ${epochs}`);
  const batchSize = positiveInt(opts.batchSize ?? 32, 'fit: batchSize');
  if (opts.validation) checkData(opts.validation, 'fit: validation');
  const lossFn = opts.loss ?? softmaxCrossEntropy;
  const metrics = opts.metrics ?? (opts.loss ? [] : ['accuracy']);
  const wantAcc = metrics.includes('accuracy');
  const threshold = opts.threshold ?? 0.5;
  const optimizer = opts.optimizer ?? adam(1e-3);
  const params = model.parameters();
  const named = opts.recordGradNorms ? (model.namedParameters?.() ?? params.map((p, i): [string, Tensor] => [p.name ?? `param${i}`, p])) : [];
  const rng = new Random(opts.seed ?? globalRandom.nextUint32());
  const progress = await createProgress(opts.verbose ?? 1, opts.log);
  const callbacks = [...(opts.schedule ? [lrScheduler(opts.schedule)] : []), ...(opts.callbacks ?? [])];
  const wasTraining = model.training;

  const history: History = { epochs: [], metrics: {}, stepLoss: [], seconds: 0 };
  if (opts.recordGradNorms) {
    history.gradNorms = { layers: {}, parameters: {} };
    for (const [name] of named) {
      history.gradNorms.parameters[name] = [];
      history.gradNorms.layers[layerOf(name)] = [];
    }
  }
  let stopReason: string | undefined;
  const ctx: TrainContext = {
    model,
    optimizer,
    epochs,
    history,
    stop(reason: string) {
      stopReason ??= reason;
    },
    log(message: string) {
      progress.message(message);
    },
  };
  const t0 = performance.now();
  for (const p of params) p.zeroGrad();
  try {
    for (const cb of callbacks) await cb.onTrainBegin?.(ctx);
    for (let epoch = 0; epoch < epochs && stopReason === undefined; epoch++) {
      for (const cb of callbacks) await cb.onEpochBegin?.(epoch, ctx);
      const lr = optimizer.lr;
      const tEpoch = performance.now();
      const plan = batchIndices(n, { batchSize, shuffle: opts.shuffle ?? true, random: rng });
      progress.epochBegin(epoch, epochs, plan.length);
      setTraining(model, true);
      let lossSum = 0;
      let correct = 0;
      let seen = 0;
      for (let b = 0; b < plan.length && stopReason === undefined; b++) {
        const idx = plan[b]!;
        for (const cb of callbacks) await cb.onBatchBegin?.(b, history.stepLoss.length, ctx);
        const step = tidy(() => {
          const xb = onModelBackend(takeRows(data.x, idx), model);
          const yb = onModelBackend(takeRows(data.y, idx), model);
          const pred = model.call(xb);
          const loss = lossFn(pred, yb);
          if (loss.size !== 1) throw new Error(`fit: the loss must be a scalar, got ${fmt(loss.shape)}; use a 'mean' or 'sum' reduction`);
          const reg = model.regularization?.() ?? null;
          (reg ? add(loss, reg) : loss).backward();
          const norms = named.map(([, p]) => (p.grad ? sum(square(p.grad)) : null));
          optimizer.step(params);
          for (const p of params) p.zeroGrad();
          const right = wantAcc ? noGrad(() => correctCount(pred, yb, threshold)) : null;
          return { loss: loss.detach(), right, norms };
        });
        const lossValue = await scalarOf(step.loss);
        const rightValue = step.right ? await scalarOf(step.right) : undefined;
        if (history.gradNorms) {
          const layerSq = new Map<string, number>();
          for (let i = 0; i < named.length; i++) {
            const t = step.norms[i];
            const sq = t ? await scalarOf(t) : 0;
            const name = named[i]![0];
            history.gradNorms.parameters[name]!.push(Math.sqrt(sq));
            layerSq.set(layerOf(name), (layerSq.get(layerOf(name)) ?? 0) + sq);
          }
          for (const [layer, sq] of layerSq) history.gradNorms.layers[layer]!.push(Math.sqrt(sq));
        }
        const size = idx.length;
        history.stepLoss.push(lossValue);
        lossSum += lossValue * size;
        seen += size;
        if (rightValue !== undefined) correct += rightValue;
        const logs: BatchLogs = { batch: b, size, loss: lossValue };
        if (rightValue !== undefined) logs.accuracy = rightValue / size;
        progress.batchEnd({ batch: b, batches: plan.length, loss: lossSum / seen, accuracy: wantAcc ? correct / seen : undefined });
        if ((opts.stopOnNaN ?? true) && !Number.isFinite(lossValue)) {
          ctx.stop(`stopped: the loss became ${Number.isNaN(lossValue) ? 'NaN' : lossValue} at epoch ${epoch + 1}, batch ${b + 1}; try a smaller learning rate`);
        }
        for (const cb of callbacks) await cb.onBatchEnd?.(logs, ctx);
      }
      const trainSeconds = (performance.now() - tEpoch) / 1000;
      const logs: EpochLogs = { epoch, loss: lossSum / Math.max(seen, 1), lr, seconds: 0, samplesPerSecond: seen / Math.max(trainSeconds, 1e-9), samples: seen };
      if (wantAcc) logs.accuracy = correct / Math.max(seen, 1);
      if (opts.validation && seen === n) {
        const v = await evaluate(model, opts.validation, { batchSize: opts.validationBatchSize ?? Math.max(batchSize, 256), loss: lossFn, metrics, threshold });
        logs.val_loss = v.loss;
        if (v.accuracy !== undefined) logs.val_accuracy = v.accuracy;
      }
      logs.seconds = (performance.now() - tEpoch) / 1000;
      history.epochs.push(logs);
      for (const [k, v] of Object.entries(logs)) if (k !== 'epoch' && v !== undefined) (history.metrics[k] ??= []).push(v);
      progress.epochEnd(epochLine(logs, epochs, plan.length));
      for (const cb of callbacks) await cb.onEpochEnd?.(logs, ctx);
    }
  } finally {
    setTraining(model, wasTraining ?? true);
    progress.close();
  }
  history.seconds = (performance.now() - t0) / 1000;
  if (stopReason !== undefined) {
    history.stopReason = stopReason;
    progress.message(stopReason);
  }
  for (const cb of callbacks) await cb.onTrainEnd?.(history, ctx);
  return history;
}

function epochLine(l: EpochLogs, epochs: number, batches: number): string {
  const w = String(epochs).length;
  const parts = [
    `epoch ${String(l.epoch + 1).padStart(w)}/${epochs}`,
    `${batches} batches`,
    `${l.seconds.toFixed(1)}s`,
    `${Math.round(l.samplesPerSecond)} samples/s`,
    `loss ${fmtMetric(l.loss)}`,
  ];
  if (l.accuracy !== undefined) parts.push(`accuracy ${fmtMetric(l.accuracy)}`);
  if (l.val_loss !== undefined) parts.push(`val_loss ${fmtMetric(l.val_loss)}`);
  if (l.val_accuracy !== undefined) parts.push(`val_accuracy ${fmtMetric(l.val_accuracy)}`);
  return parts.join(' · ');
}

/** The mean loss (and accuracy) of `model` on `data`, in batches, without gradients, in eval mode. */
export async function evaluate(model: Model, data: Data, opts: EvaluateOptions = {}): Promise<Evaluation> {
  const n = checkData(data, 'evaluate');
  const batchSize = positiveInt(opts.batchSize ?? 256, 'evaluate: batchSize');
  const lossFn = opts.loss ?? softmaxCrossEntropy;
  const metrics = opts.metrics ?? (opts.loss ? [] : ['accuracy']);
  const wantAcc = metrics.includes('accuracy');
  const wasTraining = model.training;
  setTraining(model, false);
  let lossSum = 0;
  let correct = 0;
  try {
    for (const idx of batchIndices(n, { batchSize })) {
      const r = noGrad(() =>
        tidy(() => {
          const xb = onModelBackend(takeRows(data.x, idx), model);
          const yb = onModelBackend(takeRows(data.y, idx), model);
          const pred = model.call(xb);
          const loss = lossFn(pred, yb);
          if (loss.size !== 1) throw new Error(`evaluate: the loss must be a scalar, got ${fmt(loss.shape)}`);
          return { loss, right: wantAcc ? correctCount(pred, yb, opts.threshold ?? 0.5) : null };
        }),
      );
      lossSum += (await scalarOf(r.loss)) * idx.length;
      if (r.right) correct += await scalarOf(r.right);
    }
  } finally {
    if (wasTraining !== undefined) setTraining(model, wasTraining);
  }
  const out: Evaluation = { loss: lossSum / n, samples: n };
  if (wantAcc) out.accuracy = correct / n;
  return out;
}

/** The model's outputs for every sample of `x`, computed in batches without gradients, in eval mode. */
export function predict(model: Model, x: Tensor, opts: { batchSize?: number } = {}): Tensor {
  const n = numSamples(x);
  const batchSize = positiveInt(opts.batchSize ?? 256, 'predict: batchSize');
  const wasTraining = model.training;
  setTraining(model, false);
  try {
    return noGrad(() =>
      tidy(() => {
        // each batch's intermediates go at once; the outputs live until they are concatenated
        const outs = batchIndices(n, { batchSize }).map((idx) => tidy(() => model.call(onModelBackend(takeRows(x, idx), model))));
        return outs.length === 1 ? outs[0]! : concat(outs, 0);
      }),
    );
  } finally {
    if (wasTraining !== undefined) setTraining(model, wasTraining);
  }
}
