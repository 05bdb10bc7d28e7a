/**
 * `loop`: a training loop whose step the user writes — for what `fit` does not do (a GAN's two
 * optimizers over two models, greedy layer-wise pre-training, any custom update). The step gets a
 * batch and returns its losses; `loop` gives what `fit` gives around it, from the same machinery
 * (src/train/run.ts): epochs of seeded, shuffled batches (or an iterable of batches), a progress
 * bar with every returned loss, the history, callbacks, a NaN stop, and each step inside `tidy`
 * with a check that live tensors do not grow from step to step.
 */
import { tidy } from '../engine.js';
import { Random, globalRandom } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';
import { fmt } from '../tensor/shape.js';
import { numSamples } from '../data/batch.js';
import { isIterable, type AnyIterable } from '../data/stream.js';
import { tensorArg } from '../nn/checks.js';
import { checkArrayOf, checkFunction, checkInt, checkOptions, fail, optBoolean, optInt } from '../validate.js';
import { checkVerbosity, createProgress, type Verbosity } from './progress.js';
import { checkCallback, checkSchedule, lrScheduler, type Callback } from './callbacks.js';
import type { LRSchedule } from '../optim/schedules.js';
import { discardDeferredChecks } from '../nn/deferred.js';
import { arrayEpoch, epochLine, inStep, liveTensors, scalarOf, setTraining, settleStep, streamEpoch, TrainRun, type Batch, type EpochData } from './run.js';
import type { BatchLogs, EpochLogs, History, Model, OptimizerLike } from './types.js';

export type { Batch } from './run.js';

/** Where a step is: 0-based epoch, batch within the epoch, and step over all epochs. */
export interface StepInfo {
  epoch: number;
  batch: number;
  step: number;
}

/**
 * One training step: runs inside `tidy` (every tensor it makes is freed after it, except
 * parameters and optimizer state), updates the parameters itself (`loss.backward()`,
 * `opt.step()`, `opt.zeroGrad()`) and returns its loss — a scalar tensor — or several by name
 * (`{ d: dLoss, g: gLoss }`), as scalar tensors or numbers. It must be synchronous.
 */
export type StepFn = (batch: Batch, info: StepInfo) => Tensor | Readonly<Record<string, Tensor | number>>;

export interface LoopOptions {
  /** Passes over the data (default 1). */
  epochs?: number;
  /** Samples per step when the data are tensors (default 32). */
  batchSize?: number;
  /** Shuffle the samples every epoch (default true; tensors only). */
  shuffle?: boolean;
  /** Seed of the shuffling (default: drawn from the global generator, which `nb.seed` sets). */
  seed?: number;
  /**
   * The model trained: put in training mode during the epochs (and back after), and what
   * callbacks see as `ctx.model` (`modelCheckpoint` saves it, `earlyStopping` restores its
   * weights). With several modules (a GAN), give the one to checkpoint, or a container of all.
   */
  model?: Model;
  /** The optimizer that `schedule` and learning-rate callbacks act on (`ctx.optimizer`); its lr is logged (NaN without one). */
  optimizer?: OptimizerLike;
  /** A learning-rate schedule for `optimizer`, as in `fit`. */
  schedule?: LRSchedule;
  callbacks?: readonly Callback[];
  /** 0 silent, 1 a progress bar on a terminal (plain lines otherwise), 2 one line per epoch (default 1). */
  verbose?: Verbosity;
  /** Where plain progress lines go (default console.log). */
  log?: (line: string) => void;
  /** Stop when any returned loss becomes NaN or infinite (default true). */
  stopOnNaN?: boolean;
  /**
   * When the number of live tensors grows from step to step within an epoch (tensors kept out of
   * the step's `tidy` and never freed): 'warn' once on the console (default), 'throw', or false.
   */
  leakCheck?: 'warn' | 'throw' | false;
}

const LOOP_OPTIONS = ['epochs', 'batchSize', 'shuffle', 'seed', 'model', 'optimizer', 'schedule', 'callbacks', 'verbose', 'log', 'stopOnNaN', 'leakCheck'] as const;

/** A batch: a Tensor (samples on axis 0) or `{ x, y? }` with as many samples in y as in x. */
function checkBatch(op: string, v: unknown, name: string): Batch {
  if (v instanceof Tensor) return { x: samples(op, name, v) };
  if (v === null || typeof v !== 'object' || Array.isArray(v)) fail(op, name, 'a Tensor or an object { x, y? } of Tensors', v);
  const { x: xv, y: yv } = v as { x?: unknown; y?: unknown };
  const x = samples(op, `${name}.x`, xv);
  if (yv === undefined) return { x };
  const y = samples(op, `${name}.y`, yv);
  if (numSamples(x) !== numSamples(y)) throw new Error(`${op}: ${name}.x ${fmt(x.shape)} has ${numSamples(x)} samples but ${name}.y ${fmt(y.shape)} has ${numSamples(y)}`);
  return { x, y };
}

function samples(op: string, arg: string, v: unknown): Tensor {
  const t = tensorArg(op, arg, v);
  if (t.rank === 0) throw new Error(`${op}: ${arg} must have a sample axis (rank ≥ 1), got a scalar`);
  return t;
}

function checkModelish(op: string, v: unknown): Model {
  const m = v as Partial<Model> | null;
  if (m === null || typeof m !== 'object' || typeof m.parameters !== 'function') fail(op, 'model', 'an nb.nn.Module (or an object with parameters())', v);
  return m as Model;
}

function checkOptimizerish(op: string, v: unknown): OptimizerLike {
  const o = v as Partial<OptimizerLike> | null;
  if (o === null || typeof o !== 'object' || typeof o.lr !== 'number') fail(op, 'optimizer', 'an optimizer (an object with lr)', v);
  return o as OptimizerLike;
}

/** The step's losses as tensors by name (numbers stay numbers); checks their shapes. */
function lossesOf(op: string, out: unknown): Record<string, Tensor | number> {
  if (out instanceof Promise) throw new Error(`${op}: step must be synchronous and return its losses, got a Promise; prepare data before the step (an async iterable of batches works)`);
  const rec: Record<string, unknown> = out instanceof Tensor ? { loss: out } : (out as Record<string, unknown>);
  if (rec === null || typeof rec !== 'object' || Array.isArray(rec) || Object.keys(rec).length === 0) {
    fail(op, 'step(batch)', 'a scalar loss Tensor or an object of named losses ({ d: dLoss, g: gLoss })', out);
  }
  for (const [k, v] of Object.entries(rec)) {
    if (typeof v === 'number') continue;
    if (!(v instanceof Tensor)) fail(op, `step(batch).${k}`, 'a scalar Tensor or a number', v);
    if (v.size !== 1) throw new Error(`${op}: step(batch).${k} must be a scalar, got ${fmt(v.shape)}; reduce it with mean() or sum()`);
  }
  return rec as Record<string, Tensor | number>;
}

/**
 * Trains with a step you write: `step(batch, info)` for every batch of every epoch, inside `tidy`,
 * returning its losses. `data`: a Tensor of samples, `{ x, y? }` tensors (batched and shuffled
 * here), or an iterable (sync or async) of such batches. Returns the history as `fit` does: per
 * epoch the mean of every returned loss (weighted by batch size); `loss` is the one named `loss`,
 * else the first returned.
 */
export async function loop(data: Tensor | Batch | AnyIterable<Tensor | Batch>, step: StepFn, opts: LoopOptions = {}): Promise<History> {
  const op = 'loop';
  const stream = isIterable(data) && !(data instanceof Tensor) ? (data as AnyIterable<unknown>) : null;
  const arrays = stream ? null : checkBatch(op, data, 'data');
  const n = arrays ? numSamples(arrays.x) : 0;
  if (arrays && n === 0) throw new Error(`${op}: the data set is empty`);
  checkFunction(op, 'step', step);
  const o = checkOptions(op, opts, LOOP_OPTIONS);
  const epochs = optInt(op, 'epochs', o.epochs, 1, { min: 0 });
  const batchSize = optInt(op, 'batchSize', o.batchSize, 32, { min: 1 });
  const shuffle = optBoolean(op, 'shuffle', o.shuffle, true);
  const seed = o.seed === undefined ? globalRandom.nextUint32() : checkInt(op, 'seed', o.seed);
  const model = o.model === undefined ? undefined : checkModelish(op, o.model);
  const optimizer = o.optimizer === undefined ? undefined : checkOptimizerish(op, o.optimizer);
  const schedule = o.schedule === undefined ? undefined : checkSchedule(op, 'schedule', o.schedule);
  if (schedule && !optimizer) throw new Error(`${op}: a schedule needs the optimizer it sets: pass optimizer`);
  const userCallbacks = o.callbacks === undefined ? [] : checkArrayOf(op, 'callbacks', o.callbacks, (name, c) => checkCallback(op, name, c));
  const verbose = o.verbose === undefined ? 1 : checkVerbosity(op, o.verbose);
  const log = o.log === undefined ? undefined : checkFunction<(line: string) => void>(op, 'log', o.log);
  const stopOnNaN = optBoolean(op, 'stopOnNaN', o.stopOnNaN, true);
  const leakCheck = o.leakCheck === undefined ? 'warn' : o.leakCheck;
  if (leakCheck !== 'warn' && leakCheck !== 'throw' && leakCheck !== false) fail(op, 'leakCheck', "'warn', 'throw' or false", leakCheck);

  const rng = new Random(seed);
  const progress = await createProgress(verbose, log);
  const callbacks = [...(schedule ? [lrScheduler(schedule)] : []), ...userCallbacks];
  const missing = (what: string, opt: string) => (): never => {
    throw new Error(`${op}: a callback uses ctx.${what}; pass the ${opt} option`);
  };
  const run = new TrainRun(op, {
    model: model ? () => model : missing('model', 'model'),
    optimizer: optimizer ? () => optimizer : missing('optimizer', 'optimizer'),
    epochs,
    callbacks,
    progress,
    stopOnNaN,
  });
  const wasTraining = model?.training;
  const names: string[] = [];
  let primary = 'loss';
  let warned = false;
  let epochData: EpochData | undefined;
  let lastBatches = 0;
  discardDeferredChecks();
  try {
    await run.begin();
    for (let epoch = 0; epoch < epochs && !run.stopped; epoch++) {
      await run.epochBegin(epoch);
      const lr = optimizer?.lr;
      const tEpoch = performance.now();
      await epochData?.close();
      epochData = stream ? streamEpoch(op, stream, epoch, (d, name) => checkBatch(op, d, name)) : arrayEpoch(arrays!, n, { batchSize, shuffle, random: rng });
      const planned = epochData.batches ?? lastBatches;
      run.barBegin(epoch, planned);
      setTraining(model, true);
      const sums: Record<string, number> = {};
      let seen = 0;
      let baseline = -1;
      let b = 0;
      for (; !run.stopped; b++) {
        const batch = await epochData.next(b);
        if (!batch) break;
        await run.batchBegin(b);
        const where = `epoch ${epoch + 1}, batch ${b + 1}`;
        const info: StepInfo = { epoch, batch: b, step: run.history.stepLoss.length };
        const out = inStep(op, where, () => tidy(() => lossesOf(op, step(batch.take(), info))));
        const values: Record<string, number> = {};
        for (const [k, v] of Object.entries(out)) values[k] = typeof v === 'number' ? v : await scalarOf(v);
        await settleStep(op, where);
        if (names.length === 0) primary = 'loss' in values ? 'loss' : Object.keys(values)[0]!;
        for (const k of Object.keys(values)) if (!names.includes(k)) names.push(k);
        const size = batch.size;
        seen += size;
        for (const [k, v] of Object.entries(values)) sums[k] = (sums[k] ?? 0) + v * size;
        // live tensors after the second step of the epoch: what every later step must end with
        const live = liveTensors();
        if (b === 1) baseline = live;
        else if (baseline >= 0 && live > baseline && leakCheck && !warned) {
          const msg = `${op}: ${where}: ${live - baseline} tensors outlived the steps since batch 2 (live tensors grew from ${baseline} to ${live}); a step must not keep() tensors it makes or store them outside, and must return only its scalar losses`;
          if (leakCheck === 'throw') throw new Error(msg);
          warned = true;
          console.warn(msg);
        }
        const logs: BatchLogs = { ...values, batch: b, size, loss: values[primary]! };
        const running = (): Record<string, number> => Object.fromEntries(names.filter((k) => k !== primary).map((k) => [k, (sums[k] ?? 0) / seen]));
        await run.batchEnd(epoch, logs, { batch: b, batches: planned, loss: (sums[primary] ?? 0) / seen, metrics: running }, values);
      }
      const seconds = (performance.now() - tEpoch) / 1000;
      const logs: EpochLogs = { epoch, loss: (sums[primary] ?? NaN) / Math.max(seen, 1), lr: lr ?? NaN, seconds, samplesPerSecond: seen / Math.max(seconds, 1e-9), samples: seen };
      for (const k of names) if (k !== primary) logs[k] = (sums[k] ?? NaN) / Math.max(seen, 1);
      lastBatches = epochData.batches ?? b;
      await run.epochEnd(logs, epochLine(logs, epochs, lastBatches, names.filter((k) => k !== primary)));
    }
  } finally {
    await epochData?.close();
    if (wasTraining !== undefined) setTraining(model, wasTraining);
    run.close();
  }
  return run.end();
}
