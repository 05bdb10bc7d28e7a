/**
 * The training loop: `fit` (epochs of shuffled mini-batches, validation, metrics, callbacks,
 * progress, history), `evaluate` and `predict` (batched, without gradients).
 *
 * Every training step runs inside `tidy`, so the number of live tensors stays flat from epoch to
 * epoch: only parameters, optimizer state and the data itself survive a step.
 */
import { noGrad, tidy } from '../engine.js';
import { Random, globalRandom } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';
import { fmt } from '../tensor/shape.js';
import { isFloat } from '../tensor/dtype.js';
import { add } from '../ops/elementwise.js';
import { sum } from '../ops/reduce.js';
import { square } from '../ops/elementwise.js';
import { concat, slice } from '../ops/shape.js';
import { crossEntropy, firstBadLabel, labelError, softmaxCrossEntropy } from '../nn/losses.js';
import { adam } from '../optim/index.js';
import { batchIndices, numSamples, takeRows } from '../data/batch.js';
import { isIterable, type AnyIterable } from '../data/stream.js';
import { checkVerbosity, createProgress, type Verbosity } from './progress.js';
import { checkCallback, checkSchedule, lrScheduler, type Callback } from './callbacks.js';
import { discardDeferredChecks } from '../nn/deferred.js';
import { arrayEpoch, epochLine, inStep, scalarOf, setTraining, settleStep, streamEpoch, TrainRun, type EpochData } from './run.js';
import type { LRSchedule } from '../optim/schedules.js';
import type { BatchLogs, Data, EpochLogs, History, LossFn, Model, OptimizerLike } from './types.js';
import { checkArrayOf, checkFunction, checkInt, checkNumber, checkOptions, fail, optBoolean, optInt, optNumber } from '../validate.js';
import { tensorArg } from '../nn/checks.js';
import { accuracy as accuracyMetric, type Metric, type MetricSpec } from './metrics.js';
import { resolveMetrics } from './metric-spec.js';
import { decodeCheckpoint, encodeCheckpoint, type CheckpointModel, type TrainingPosition } from './checkpoint.js';
import type { Optimizer } from '../optim/optimizer.js';
import { sourceBytes, writeFileAtomic } from '../io/file.js';

export { correctCount } from './metrics.js';

export interface FitOptions {
  /** Passes over the training data (default 1). */
  epochs?: number;
  /** Samples per step (default 32). 1 gives online (stochastic) training, N full-batch. */
  batchSize?: number;
  /** Default: `nb.optim.adam(1e-3)`. */
  optimizer?: OptimizerLike;
  /** A learning-rate schedule (`nb.optim.stepDecay(...)`, …), applied per epoch or per step as it says; a metric-driven one (`nb.optim.reduceOnPlateau`) is fed its monitored metric after every epoch. */
  schedule?: LRSchedule;
  /** Default: `nb.nn.softmaxCrossEntropy` (logits and int32 labels or one-hot rows). */
  loss?: LossFn;
  /**
   * Metrics besides the loss, each streamed over the epoch's batches: names ('accuracy',
   * 'precision', 'recall', 'f1', 'topKAccuracy', 'mae', 'mse', 'r2'), `{ topK: k }`, objects from
   * `nb.train.metrics` or functions `(pred, target) => number`. Default: ['accuracy'] with the
   * default loss, [] with any other.
   */
  metrics?: readonly MetricSpec[];
  /** Data evaluated after every epoch (metrics prefixed `val_`). */
  validation?: Data;
  /** Hold out this fraction (in (0, 1)) of the samples, the last ones before shuffling, as `validation` (Keras's validation_split). */
  validationSplit?: number;
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
  /** Decision threshold of `accuracy`, `precision`, `recall` and `f1` (given by name) for single-output models (default 0.5). */
  threshold?: number;
  /**
   * Write a training checkpoint (Node; the file is replaced atomically): a path, written after
   * every epoch, or `{ path, everyBatches }` to also write it every that many batches. It holds
   * the weights, the optimizer's state, the learning-rate schedule's position, the random
   * generators' state and the position in the data, so `resumeFrom` continues the run exactly.
   */
  checkpoint?: string | { path: string; everyBatches?: number };
  /**
   * Continue the run saved in this checkpoint (a path in Node, or its bytes): the weights come
   * out bit-identical to a run that was never interrupted, given the same model, data, options
   * and callbacks. Training resumes at the saved epoch and batch; `epochs` counts from the start.
   */
  resumeFrom?: string | Uint8Array;
}

export interface EvaluateOptions {
  /** Samples per batch (default 256). */
  batchSize?: number;
  /** Default: softmaxCrossEntropy. */
  loss?: LossFn;
  /** As in `fit`. Default: ['accuracy'] with the default loss, [] with any other. */
  metrics?: readonly MetricSpec[];
  /** Decision threshold of `accuracy`, `precision`, `recall` and `f1` (given by name) for single-output models (default 0.5). */
  threshold?: number;
}

export interface Evaluation {
  loss: number;
  accuracy?: number;
  /** Samples evaluated. */
  samples: number;
  /** Every other metric, by name. */
  [metric: string]: number | undefined;
}

const FIT_OPTIONS = [
  'epochs', 'batchSize', 'optimizer', 'schedule', 'loss', 'metrics', 'validation', 'shuffle', 'seed', 'callbacks',
  'verbose', 'log', 'recordGradNorms', 'stopOnNaN', 'validationBatchSize', 'threshold', 'validationSplit', 'checkpoint', 'resumeFrom',
] as const;
const EVALUATE_OPTIONS = ['batchSize', 'loss', 'metrics', 'threshold'] as const;


/** A tensor with a sample axis (rank ≥ 1). */
function samplesArg(op: string, arg: string, v: unknown): Tensor {
  const t = tensorArg(op, arg, v);
  if (t.rank === 0) throw new Error(`${op}: ${arg} must have a sample axis (rank ≥ 1), got a scalar`);
  return t;
}

function checkModel(op: string, v: unknown): Model {
  const m = v as Partial<Model> | null;
  if (m === null || (typeof m !== 'object' && typeof m !== 'function') || typeof m.call !== 'function' || typeof m.parameters !== 'function') {
    fail(op, 'model', 'an nb.nn.Module or an object with call(x) and parameters()', v);
  }
  return m as Model;
}

/** The model's parameters: an array of Tensors. */
function parametersOf(op: string, model: Model): Tensor[] {
  const ps: unknown = model.parameters();
  if (!Array.isArray(ps)) fail(op, 'model.parameters()', 'an array of Tensors', ps);
  ps.forEach((p, i) => tensorArg(op, `model.parameters()[${i}]`, p));
  return ps as Tensor[];
}

/** model.call(x), which must give a Tensor. */
function callModel(op: string, model: Model, x: Tensor): Tensor {
  const y: unknown = model.call(x);
  if (!(y instanceof Tensor)) fail(op, 'model.call(x)', 'a Tensor', y);
  return y;
}

/** The loss of a batch: a one-element Tensor. */
function lossOf(op: string, lossFn: LossFn, pred: Tensor, y: Tensor): Tensor {
  const l: unknown = lossFn(pred, y);
  if (!(l instanceof Tensor)) fail(op, 'loss(prediction, target)', 'a scalar Tensor', l);
  if (l.size !== 1) throw new Error(`${op}: the loss must be a scalar, got ${fmt(l.shape)}; use a 'mean' or 'sum' reduction`);
  return l;
}

/** `{ x, y }` with as many samples in x as in y, not empty; `name` is 'data' or 'validation'. */
function checkData(op: string, d: unknown, name: string): number {
  if (d === null || typeof d !== 'object' || Array.isArray(d) || d instanceof Tensor) fail(op, name, 'an object { x, y } of Tensors', d);
  const { x: xv, y: yv } = d as { x?: unknown; y?: unknown };
  const x = samplesArg(op, `${name}.x`, xv);
  const y = samplesArg(op, `${name}.y`, yv);
  const n = numSamples(x);
  const ny = numSamples(y);
  const pre = name === 'data' ? '' : `${name}.`;
  if (n !== ny) throw new Error(`${op}: ${pre}x ${fmt(x.shape)} has ${n} samples but ${pre}y ${fmt(y.shape)} has ${ny}`);
  if (n === 0) throw new Error(`${op}: ${name === 'data' ? 'the data set' : name} is empty`);
  return n;
}

function checkOptimizer(op: string, v: unknown): OptimizerLike {
  const o = v as Partial<OptimizerLike> | null;
  if (o === null || typeof o !== 'object' || typeof o.step !== 'function' || typeof o.lr !== 'number') {
    fail(op, 'optimizer', 'an optimizer (an object with lr and step(params))', v);
  }
  return o as OptimizerLike;
}

/** The metrics option, or the default: accuracy with the default loss. */
function metricsOf(op: string, v: unknown, customLoss: boolean, threshold: number): Metric[] {
  return resolveMetrics(op, v, threshold) ?? (customLoss ? [] : [accuracyMetric({ threshold })]);
}

/** The built-in accuracy among the metrics (its running counts give the batch accuracy), if any. */
function accuracyOf(metrics: readonly Metric[]): (Metric & { correct: number }) | undefined {
  const m = metrics.find((x) => x.name === 'accuracy') as (Metric & { correct?: unknown }) | undefined;
  return m && typeof m.correct === 'number' ? (m as Metric & { correct: number }) : undefined;
}

/** Whether a metric compares classes, so that rank-1 targets must be class labels. */
function classMetric(m: Metric): boolean {
  return ['accuracy', 'precision', 'recall', 'f1'].includes(m.name) || /^top\d+Accuracy$/.test(m.name);
}

/** Adds a batch to every metric; an Error gets `<op>: <where>: ` in front, as inStep does. */
async function updateMetrics(op: string, where: string, metrics: readonly Metric[], pred: Tensor, y: Tensor): Promise<void> {
  try {
    for (const m of metrics) await m.update(pred, y);
  } catch (e) {
    if (e instanceof Error && !e.message.startsWith(`${op}:`)) e.message = `${op}: ${where}: ${e.message}`;
    throw e;
  } finally {
    pred.dispose();
    y.dispose();
  }
}

/**
 * Labels of a data set to check once, before the first step: read once (asynchronously, so on
 * every backend) when `y` holds class labels [N] for a class-label loss or the accuracy metric.
 */
interface LabelSet {
  name: string;
  values: ArrayLike<number>;
  dtype: string;
}

async function labelSet(y: Tensor, name: string, wanted: boolean): Promise<LabelSet | null> {
  if (!wanted || y.rank !== 1 || !(isFloat(y.dtype) || y.dtype === 'int32')) return null;
  return { name, values: (await y.data()) as ArrayLike<number>, dtype: y.dtype };
}

/** Checks the label sets against the model's first output (class labels only for outputs [N, C > 1]). */
function checkLabelSets(op: string, sets: readonly (LabelSet | null)[], pred: Tensor): void {
  if (pred.rank !== 2 || (pred.shape[1] as number) < 2) return;
  const c = pred.shape[1] as number;
  for (const s of sets) {
    if (!s) continue;
    const i = firstBadLabel(s.values, c);
    if (i >= 0) throw labelError(op, `${s.name}[${i}]`, s.values[i] as number, c, "the model's outputs", s.dtype);
  }
}

/** Whether labels of rank 1 are class indices: for the class-label losses and the accuracy metric. */
function classLabels(lossFn: LossFn, wantAcc: boolean): boolean {
  return wantAcc || lossFn === softmaxCrossEntropy || lossFn === crossEntropy;
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
  if (typeof paramName !== 'string') fail('layerOf', 'paramName', 'a string', paramName);
  const i = paramName.lastIndexOf('.');
  return i < 0 ? '(root)' : paramName.slice(0, i);
}

/**
 * Trains `model` on `data` and returns the history of every epoch's metrics. See `FitOptions`
 * for the defaults (1 epoch, batches of 32, Adam 1e-3, softmax cross-entropy, shuffled).
 */
export async function fit(model: Model, data: Data | AnyIterable<Data>, opts: FitOptions = {}): Promise<History> {
  if (opts?.validationSplit !== undefined) return fitWithSplit(model, data, opts);
  const op = 'fit';
  checkModel(op, model);
  const stream = isIterable(data) && !(data instanceof Tensor) ? data : null;
  const arrays = stream ? null : (data as Data);
  const n = stream ? 0 : checkData(op, data, 'data');
  const o = checkOptions(op, opts, FIT_OPTIONS);
  const epochs = optInt(op, 'epochs', o.epochs, 1, { min: 0 });
  const batchSize = optInt(op, 'batchSize', o.batchSize, 32, { min: 1 });
  const optimizer = o.optimizer === undefined ? adam(1e-3) : checkOptimizer(op, o.optimizer);
  const schedule = o.schedule === undefined ? undefined : checkSchedule(op, 'schedule', o.schedule);
  const lossFn = o.loss === undefined ? softmaxCrossEntropy : checkFunction<LossFn>(op, 'loss', o.loss);
  const threshold = optNumber(op, 'threshold', o.threshold, 0.5);
  const metrics = metricsOf(op, o.metrics, o.loss !== undefined, threshold);
  if (o.validation !== undefined) checkData(op, o.validation, 'validation');
  const shuffle = optBoolean(op, 'shuffle', o.shuffle, true);
  const seed = o.seed === undefined ? globalRandom.nextUint32() : checkInt(op, 'seed', o.seed);
  const userCallbacks = o.callbacks === undefined ? [] : checkArrayOf(op, 'callbacks', o.callbacks, (name, c) => checkCallback(op, name, c));
  const verbose = o.verbose === undefined ? 1 : checkVerbosity(op, o.verbose);
  const log = o.log === undefined ? undefined : checkFunction<(line: string) => void>(op, 'log', o.log);
  const recordGradNorms = optBoolean(op, 'recordGradNorms', o.recordGradNorms, false);
  const stopOnNaN = optBoolean(op, 'stopOnNaN', o.stopOnNaN, true);
  const validationBatchSize = optInt(op, 'validationBatchSize', o.validationBatchSize, Math.max(batchSize, 256), { min: 1 });
  const ckpt = checkpointOption(op, o.checkpoint);
  const resumeFrom = o.resumeFrom === undefined ? undefined : resumeOption(op, o.resumeFrom);
  if ((ckpt || resumeFrom) && !checkpointable(model)) fail(op, 'model', 'an nb.nn.Module (with namedParameters(), stateDict() and loadStateDict()) to checkpoint or resume', model);
  if ((ckpt || resumeFrom) && !statefulOptimizer(optimizer)) fail(op, 'optimizer', 'an nb.optim optimizer (with stateDict(), loadStateDict() and config()) to checkpoint or resume', optimizer);
  if (recordGradNorms && resumeFrom) throw new Error(`${op}: recordGradNorms cannot be resumed: the gradient norms are not kept in checkpoints`);
  const acc = accuracyOf(metrics);
  const params = parametersOf(op, model);
  const named = recordGradNorms ? (model.namedParameters?.() ?? params.map((p, i): [string, Tensor] => [p.name ?? `param${i}`, p])) : [];
  // class labels of both data sets, read once and checked against the first batch's outputs
  const wantLabels = classLabels(lossFn, metrics.some(classMetric));
  let labelSets: (LabelSet | null)[] | null = [arrays ? await labelSet(arrays.y, 'y', wantLabels) : null, o.validation ? await labelSet(o.validation.y, 'validation.y', wantLabels) : null];
  const rng = new Random(seed);
  const progress = await createProgress(verbose, log);
  const callbacks = [...(schedule ? [lrScheduler(schedule)] : []), ...userCallbacks];
  const wasTraining = model.training;

  const run = new TrainRun(op, { model: () => model, optimizer: () => optimizer, epochs, callbacks, progress, stopOnNaN });
  const history = run.history;
  if (recordGradNorms) {
    history.gradNorms = { layers: {}, parameters: {} };
    for (const [name] of named) {
      history.gradNorms.parameters[name] = [];
      history.gradNorms.layers[layerOf(name)] = [];
    }
  }
  let epochData: EpochData | undefined;
  let lastBatches = 0;
  for (const p of params) p.zeroGrad();
  // a resumed run starts where its checkpoint stopped
  let start = { epoch: 0, batch: 0, lossSum: 0, seen: 0, lr: NaN };
  const save = async (position: TrainingPosition): Promise<void> => {
    if (!ckpt || run.nan) return;
    const bytes = await encodeCheckpoint(op, model as CheckpointModel, optimizer as Optimizer, position, history, callbacks);
    await writeFileAtomic(ckpt.path, bytes);
  };
  // value checks queued before (by predict, or a step of the caller's) are not this run's
  discardDeferredChecks();
  try {
    await run.begin();
    if (resumeFrom) {
      const file = typeof resumeFrom === 'string' ? resumeFrom : 'checkpoint';
      const bytes = typeof resumeFrom === 'string' ? await sourceBytes(`${op}: resumeFrom`, resumeFrom) : resumeFrom;
      const r = decodeCheckpoint(op, bytes, file, model as CheckpointModel, optimizer as Optimizer, callbacks);
      const p = r.position;
      if (p.batch > 0 && (p.batchSize !== batchSize || (!stream && p.samples !== n))) {
        throw new Error(`${op}: resumeFrom: the checkpoint stopped in the middle of epoch ${p.epoch + 1} of a run with ${p.samples} samples in batches of ${p.batchSize}; this run has ${stream ? 'streamed data' : `${n} samples`} in batches of ${batchSize}: resume with the same data and batchSize`);
      }
      rng.setState(p.shuffle);
      history.epochs.push(...r.epochs);
      for (const l of r.epochs) for (const [k, v] of Object.entries(l)) if (k !== 'epoch' && v !== undefined) (history.metrics[k] ??= []).push(v);
      history.stepLoss.push(...r.stepLoss);
      if (r.checkpoints?.length) (history.checkpoints ??= []).push(...r.checkpoints);
      start = { epoch: p.epoch, batch: p.batch, lossSum: p.lossSum, seen: p.seen, lr: p.epochLr };
    }
    for (let epoch = start.epoch; epoch < epochs && !run.stopped; epoch++) {
      const resumed = epoch === start.epoch && start.batch > 0;
      await run.epochBegin(epoch);
      const lr = resumed ? start.lr : optimizer.lr;
      const tEpoch = performance.now();
      await epochData?.close();
      const shuffleState = rng.getState();
      epochData = stream ? streamEpoch(op, stream, epoch, (d, name) => (checkData(op, d, name), d as Data)) : arrayEpoch(arrays as Data, n, { batchSize, shuffle, random: rng });
      const planned = epochData.batches ?? lastBatches;
      run.barBegin(epoch, planned);
      setTraining(model, true);
      let lossSum = resumed ? start.lossSum : 0;
      let seen = resumed ? start.seen : 0;
      for (const m of metrics) m.reset();
      let b = 0;
      if (resumed) {
        // the batches the checkpoint had already run (a stream is read past them)
        if (stream) for (; b < start.batch; b++) if (!(await epochData.next(b))) break;
        b = start.batch;
      }
      const position = (nextBatch: number): TrainingPosition => ({ epoch, batch: nextBatch, samples: n, batchSize, shuffle: shuffleState, global: globalRandom.getState(), epochLr: lr, lossSum, seen });
      for (; !run.stopped; b++) {
        const batch = await epochData.next(b);
        if (!batch) break;
        await run.batchBegin(b);
        const step = inStep(op, `epoch ${epoch + 1}, batch ${b + 1}`, () => tidy(() => {
          const taken = batch.take();
          const xb = onModelBackend(taken.x, model);
          const yb = onModelBackend(taken.y as Tensor, model);
          const pred = callModel(op, model, xb);
          if (labelSets) {
            // before the first step changes anything
            checkLabelSets(op, labelSets, pred);
            labelSets = null;
          }
          const loss = lossOf(op, lossFn, pred, yb);
          const reg = model.regularization?.() ?? null;
          if (!loss.requiresGrad && !reg?.requiresGrad) {
            throw new Error(`${op}: the loss does not depend on any parameter that requires a gradient (model.parameters() gave ${params.length}); nothing to train`);
          }
          (reg ? add(loss, reg) : loss).backward();
          const norms = named.map(([, p]) => (p.grad ? sum(square(p.grad)) : null));
          optimizer.step(params);
          for (const p of params) p.zeroGrad();
          const forMetrics = metrics.length > 0 ? { pred: pred.detach(), y: yb.detach() } : null;
          return { loss: loss.detach(), forMetrics, norms };
        }));
        const [lossValue] = await Promise.all([scalarOf(step.loss), settleStep(op, `epoch ${epoch + 1}, batch ${b + 1}`)]);
        const correctBefore = acc?.correct ?? 0;
        if (step.forMetrics) await updateMetrics(op, `epoch ${epoch + 1}, batch ${b + 1}`, metrics, step.forMetrics.pred, step.forMetrics.y);
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
        const size = batch.size;
        lossSum += lossValue * size;
        seen += size;
        const logs: BatchLogs = { batch: b, size, loss: lossValue };
        if (acc) logs.accuracy = (acc.correct - correctBefore) / size;
        await run.batchEnd(epoch, logs, { batch: b, batches: planned, loss: lossSum / seen, accuracy: acc?.result(), metrics: () => runningMetrics(metrics) });
        if (ckpt?.everyBatches && (b + 1) % ckpt.everyBatches === 0 && !run.stopped && (epochData.batches === undefined || b + 1 < epochData.batches)) await save(position(b + 1));
      }
      const trainSeconds = (performance.now() - tEpoch) / 1000;
      const logs: EpochLogs = { epoch, loss: lossSum / Math.max(seen, 1), lr, seconds: 0, samplesPerSecond: seen / Math.max(trainSeconds, 1e-9), samples: seen };
      if (seen > 0) for (const m of metrics) logs[m.name] = m.result();
      // no validation of a model that has just produced a NaN loss: its weights are not worth it
      if (o.validation && epochData.complete(seen) && run.nan === undefined) {
        const v = await evaluateWith(op, model, o.validation, { batchSize: validationBatchSize, lossFn, metrics, labels: null, where: `epoch ${epoch + 1}, validation ` });
        logs.val_loss = v.loss;
        for (const m of metrics) logs[`val_${m.name}`] = v[m.name];
      }
      logs.seconds = (performance.now() - tEpoch) / 1000;
      lastBatches = epochData.batches ?? b;
      await run.epochEnd(logs, epochLine(logs, epochs, lastBatches, metrics.map((m) => m.name)));
      if (ckpt && !run.stopped) await save({ epoch: epoch + 1, batch: 0, samples: n, batchSize, shuffle: rng.getState(), global: globalRandom.getState(), epochLr: optimizer.lr, lossSum: 0, seen: 0 });
    }
  } finally {
    await epochData?.close();
    setTraining(model, wasTraining ?? true);
    run.close();
  }
  return run.end();
}

/**
 * `fit` with `validationSplit`: the last fraction of the samples (before any shuffling) becomes
 * the validation set, as in Keras (the first ⌊n·(1 − split)⌋ samples train).
 */
async function fitWithSplit(model: Model, data: Data | AnyIterable<Data>, opts: FitOptions): Promise<History> {
  const op = 'fit';
  checkModel(op, model);
  if (isIterable(data)) throw new Error(`${op}: validationSplit needs the data as tensors { x, y }; with an iterable of batches, give validation instead`);
  const n = checkData(op, data, 'data');
  const { validationSplit, ...rest } = checkOptions(op, opts, FIT_OPTIONS);
  const split = checkNumber(op, 'validationSplit', validationSplit, { above: 0, below: 1 });
  if (rest.validation !== undefined) throw new Error(`${op}: give validationSplit or validation, not both (validationSplit holds out the last samples of data as the validation set)`);
  const nTrain = Math.floor(n * (1 - split));
  if (nTrain === n) throw new Error(`${op}: validationSplit ${split} of ${n} samples leaves no validation sample`);
  if (nTrain === 0) throw new Error(`${op}: validationSplit ${split} of ${n} samples leaves no training sample`);
  const parts = noGrad(() => ({
    train: { x: slice(data.x, [0], [nTrain]), y: slice(data.y, [0], [nTrain]) },
    validation: { x: slice(data.x, [nTrain], [n - nTrain]), y: slice(data.y, [nTrain], [n - nTrain]) },
  }));
  try {
    return await fit(model, parts.train, { ...rest, validation: parts.validation });
  } finally {
    for (const t of [parts.train.x, parts.train.y, parts.validation.x, parts.validation.y]) if (t !== data.x && t !== data.y) t.dispose();
  }
}


/** The mean loss (and accuracy) of `model` on `data`, in batches, without gradients, in eval mode. */
export async function evaluate(model: Model, data: Data, opts: EvaluateOptions = {}): Promise<Evaluation> {
  const op = 'evaluate';
  checkModel(op, model);
  checkData(op, data, 'data');
  const o = checkOptions(op, opts, EVALUATE_OPTIONS);
  const batchSize = optInt(op, 'batchSize', o.batchSize, 256, { min: 1 });
  const lossFn = o.loss === undefined ? softmaxCrossEntropy : checkFunction<LossFn>(op, 'loss', o.loss);
  const threshold = optNumber(op, 'threshold', o.threshold, 0.5);
  const metrics = metricsOf(op, o.metrics, o.loss !== undefined, threshold);
  parametersOf(op, model);
  const labels = await labelSet(data.y, 'y', classLabels(lossFn, metrics.some(classMetric)));
  return evaluateWith(op, model, data, { batchSize, lossFn, metrics, labels, where: '' });
}

/** evaluate's loop, with checked arguments; `labels` (when given) are checked against the first batch's outputs. */
async function evaluateWith(
  op: string,
  model: Model,
  data: Data,
  o: { batchSize: number; lossFn: LossFn; metrics: readonly Metric[]; labels: LabelSet | null; where: string },
): Promise<Evaluation> {
  const n = numSamples(data.x);
  const wasTraining = model.training;
  setTraining(model, false);
  let lossSum = 0;
  let labels = o.labels;
  for (const m of o.metrics) m.reset();
  discardDeferredChecks();
  try {
    let k = 0;
    for (const idx of batchIndices(n, { batchSize: o.batchSize })) {
      const r = inStep(op, `${o.where}batch ${++k}`, () => noGrad(() =>
        tidy(() => {
          const xb = onModelBackend(takeRows(data.x, idx), model);
          const yb = onModelBackend(takeRows(data.y, idx), model);
          const pred = callModel(op, model, xb);
          if (labels) {
            checkLabelSets(op, [labels], pred);
            labels = null;
          }
          const loss = lossOf(op, o.lossFn, pred, yb);
          return { loss, forMetrics: o.metrics.length > 0 ? { pred: pred.detach(), y: yb.detach() } : null };
        }),
      ));
      const [lossValue] = await Promise.all([scalarOf(r.loss), settleStep(op, `${o.where}batch ${k}`)]);
      lossSum += lossValue * idx.length;
      if (r.forMetrics) await updateMetrics(op, `${o.where}batch ${k}`, o.metrics, r.forMetrics.pred, r.forMetrics.y);
    }
  } finally {
    if (wasTraining !== undefined) setTraining(model, wasTraining);
  }
  const out: Evaluation = { loss: lossSum / n, samples: n };
  for (const m of o.metrics) out[m.name] = m.result();
  return out;
}

/** The model's outputs for every sample of `x`, computed in batches without gradients, in eval mode. */
export function predict(model: Model, x: Tensor, opts: { batchSize?: number } = {}): Tensor {
  const op = 'predict';
  checkModel(op, model);
  samplesArg(op, 'x', x);
  const o = checkOptions(op, opts, ['batchSize']);
  const batchSize = optInt(op, 'batchSize', o.batchSize, 256, { min: 1 });
  const n = numSamples(x);
  parametersOf(op, model);
  const wasTraining = model.training;
  setTraining(model, false);
  try {
    return noGrad(() =>
      tidy(() => {
        // each batch's intermediates go at once; the outputs live until they are concatenated
        if (n === 0) return callModel(op, model, onModelBackend(x, model));
        const outs = batchIndices(n, { batchSize }).map((idx, k) => inStep(op, `batch ${k + 1}`, () => tidy(() => callModel(op, model, onModelBackend(takeRows(x, idx), model)))));
        return outs.length === 1 ? outs[0]! : concat(outs, 0);
      }),
    );
  } finally {
    if (wasTraining !== undefined) setTraining(model, wasTraining);
  }
}

/** Every metric's value over the batches seen so far (for the progress bar). */
function runningMetrics(metrics: readonly Metric[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of metrics) out[m.name] = m.result();
  return out;
}

/** The checkpoint option: a path, or `{ path, everyBatches }`. */
function checkpointOption(op: string, v: unknown): { path: string; everyBatches: number } | null {
  if (v === undefined) return null;
  if (typeof v === 'string') {
    if (v === '') fail(op, 'checkpoint', 'a non-empty path or { path, everyBatches }', v);
    return { path: v, everyBatches: 0 };
  }
  const c = checkOptions<{ path?: unknown; everyBatches?: unknown }>(op, v as { path?: unknown; everyBatches?: unknown }, ['path', 'everyBatches'], 'checkpoint');
  if (typeof c.path !== 'string' || c.path === '') fail(op, 'checkpoint.path', 'a non-empty path', c.path);
  return { path: c.path as string, everyBatches: optInt(op, 'checkpoint.everyBatches', c.everyBatches, 0, { min: 1 }) };
}

function resumeOption(op: string, v: unknown): string | Uint8Array {
  if ((typeof v === 'string' && v !== '') || v instanceof Uint8Array) return v;
  return fail(op, 'resumeFrom', "a checkpoint's path or bytes (a Uint8Array)", v);
}

function checkpointable(m: Model): m is CheckpointModel {
  const c = m as Partial<CheckpointModel>;
  return typeof c.namedParameters === 'function' && typeof c.stateDict === 'function' && typeof c.loadStateDict === 'function';
}

function statefulOptimizer(o: OptimizerLike): boolean {
  const c = o as Partial<Optimizer>;
  return typeof c.stateDict === 'function' && typeof c.loadStateDict === 'function' && typeof c.config === 'function';
}
