/**
 * The machinery every training loop shares (`fit` and `loop`): the batches of an epoch, whatever
 * the data (tensors in memory or an iterable of batches); the run's history; the callbacks and
 * their context; stopping on a NaN loss; the progress output; and errors that name the batch.
 */
import type { Tensor } from '../tensor/tensor.js';
import { memory } from '../engine.js';
import { settleDeferredChecks } from '../nn/deferred.js';
import { batchIndices, takeRows, numSamples, type BatchOptions } from '../data/batch.js';
import type { AnyIterable } from '../data/stream.js';
import type { Callback, TrainContext } from './callbacks.js';
import type { ProgressReporter, BatchProgress } from './progress.js';
import { fmtMetric } from './progress.js';
import type { BatchLogs, EpochLogs, History, Model, NaNStop, OptimizerLike } from './types.js';

/** One batch: samples along the first axis of `x` (and of `y` when there are targets). */
export interface Batch {
  x: Tensor;
  y?: Tensor;
}

/**
 * One epoch's batches, whatever the data: `take()` is called inside the step's `tidy`.
 * `next(b)` gives batch b (0-based) or null at the end; `batches` is the count when known ahead;
 * `complete(seen)` says whether the whole epoch ran; `close()` releases what is left.
 */
export interface EpochData {
  readonly batches: number | undefined;
  next(b: number): Promise<{ take(): Batch; size: number } | null>;
  complete(seen: number): boolean;
  close(): Promise<void>;
}

/** Tensors `{ x, y? }` in memory: (shuffled) index batches, their rows taken inside the step. */
export function arrayEpoch(data: Batch, n: number, opts: BatchOptions): EpochData {
  const plan = batchIndices(n, opts);
  return {
    batches: plan.length,
    next: (b) => {
      const idx = plan[b];
      if (!idx) return Promise.resolve(null);
      const take = (): Batch => (data.y ? { x: takeRows(data.x, idx), y: takeRows(data.y, idx) } : { x: takeRows(data.x, idx) });
      return Promise.resolve({ take, size: idx.length });
    },
    complete: (seen) => seen === n,
    close: () => Promise.resolve(),
  };
}

/**
 * An iterable (sync or async) of batches, iterated afresh every epoch; `check(value, name)` checks
 * each one. Each batch belongs to the loop, which disposes it when the next one is asked for (or
 * at the end) — except when the iterable is an Array: a list of batches in memory is the caller's,
 * reused every epoch.
 */
export function streamEpoch(op: string, source: AnyIterable<unknown>, epoch: number, check: (value: unknown, name: string) => Batch): EpochData {
  const asyncIt = (source as AsyncIterable<unknown>)[Symbol.asyncIterator];
  const it: AsyncIterator<unknown> | Iterator<unknown> = typeof asyncIt === 'function' ? asyncIt.call(source) : (source as Iterable<unknown>)[Symbol.iterator]();
  const owns = !Array.isArray(source);
  let current: Batch | null = null;
  let exhausted = false;
  const release = (): void => {
    if (current && owns) {
      current.x.dispose();
      current.y?.dispose();
    }
    current = null;
  };
  return {
    batches: Array.isArray(source) ? source.length : undefined,
    async next(b) {
      release();
      const r = await it.next();
      if (r.done) {
        exhausted = true;
        if (b === 0) {
          throw new Error(epoch === 0
            ? `${op}: data gave no batches`
            : `${op}: data gave no batches in epoch ${epoch + 1}: a generator runs once; pass an iterable that starts over when iterated again (an object with [Symbol.asyncIterator]() or [Symbol.iterator]() making a new generator, as nb.data.shuffleBuffer and nb.data.prefetch return)`);
        }
        return null;
      }
      current = check(r.value, `data[${b}]`);
      const cur = current;
      return { take: () => cur, size: numSamples(cur.x) };
    },
    complete: () => exhausted,
    async close() {
      release();
      if (!exhausted) {
        exhausted = true;
        await it.return?.();
      }
    },
  };
}

/**
 * Runs one step of a loop; an Error from inside it (the model, the loss, a shape mismatch) gets
 * `<op>: <where>: ` in front of its message, so it names the function called and the batch.
 */
export function inStep<T>(op: string, where: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof Error && !e.message.startsWith(`${op}:`)) e.message = `${op}: ${where}: ${e.message}`;
    throw e;
  }
}

/**
 * Runs the value checks that layers deferred during a step on a backend that reads only
 * asynchronously (webgpu: nn.embedding's id range); a failure gets `<op>: <where>: ` in front of
 * its message, as in `inStep`. Nothing is queued on cpu and wasm, which check at once.
 */
export async function settleStep(op: string, where: string): Promise<void> {
  try {
    await settleDeferredChecks();
  } catch (e) {
    if (e instanceof Error && !e.message.startsWith(`${op}:`)) e.message = `${op}: ${where}: ${e.message}`;
    throw e;
  }
}

/** The value of a one-element tensor, which is then disposed. */
export async function scalarOf(t: Tensor): Promise<number> {
  const v = (await t.data())[0] as number;
  t.dispose();
  return v;
}

export function setTraining(model: Model | undefined, mode: boolean): void {
  model?.train?.(mode);
}

/** A plain epoch line: `epoch 2/5 · 32 batches · 1.2s · 800 samples/s · loss 0.1234 · …`. */
export function epochLine(l: EpochLogs, epochs: number, batches: number, metrics: readonly string[]): string {
  const w = String(epochs).length;
  const parts = [
    `epoch ${String(l.epoch + 1).padStart(w)}/${epochs}`,
    `${batches} batches`,
    `${l.seconds.toFixed(1)}s`,
    `${Math.round(l.samplesPerSecond)} samples/s`,
    `loss ${fmtMetric(l.loss)}`,
  ];
  for (const k of ['', 'val_']) {
    if (k && l.val_loss !== undefined) parts.push(`val_loss ${fmtMetric(l.val_loss)}`);
    for (const m of metrics) {
      const v = l[k + m];
      if (v !== undefined) parts.push(`${k}${m} ${fmtMetric(v)}`);
    }
  }
  return parts.join(' · ');
}

/**
 * The NaN stop message: where it happened, and — when a modelCheckpoint runs — the last
 * checkpoint written before it (every one written holds finite weights), also kept in
 * `history.lastGoodCheckpoint`.
 */
function nanMessage(s: NaNStop, history: History, name: string): string {
  const what = Number.isNaN(s.loss) ? 'NaN' : String(s.loss);
  let msg = `stopped: the ${name} became ${what} at epoch ${s.epoch + 1}, batch ${s.batch + 1}; try a smaller learning rate`;
  if (history.checkpoints) {
    const last = history.checkpoints.at(-1);
    if (last) {
      history.lastGoodCheckpoint = { ...last };
      msg += `; the last good checkpoint is ${last.path} (epoch ${last.epoch + 1})`;
    } else {
      msg += '; no checkpoint was saved before it';
    }
  }
  return msg;
}

/**
 * One training run's bookkeeping: its history, the callbacks and their context, the NaN stop and
 * the progress output. A loop calls `begin`, then per epoch `epochBegin`, per batch `batchBegin` /
 * `batchEnd`, then `epochEnd`, and finally `end` (which returns the history).
 */
export class TrainRun {
  readonly history: History = { epochs: [], metrics: {}, stepLoss: [], seconds: 0 };
  readonly ctx: TrainContext;
  private stopReason: string | undefined;
  private nanStop: NaNStop | undefined;
  private readonly t0 = performance.now();

  constructor(
    readonly op: string,
    private readonly o: {
      model: () => Model;
      optimizer: () => OptimizerLike;
      epochs: number;
      callbacks: readonly Callback[];
      progress: ProgressReporter;
      stopOnNaN: boolean;
    },
  ) {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const run = this;
    this.ctx = {
      get model() {
        return o.model();
      },
      get optimizer() {
        return o.optimizer();
      },
      epochs: o.epochs,
      history: this.history,
      get nanStop() {
        return run.nanStop;
      },
      stop(reason: string) {
        run.stopReason ??= reason;
      },
      log(message: string) {
        o.progress.message(message);
      },
    };
  }

  /** Whether a callback, early stopping or a NaN loss ended training. */
  get stopped(): boolean {
    return this.stopReason !== undefined;
  }

  get nan(): NaNStop | undefined {
    return this.nanStop;
  }

  async begin(): Promise<void> {
    for (const cb of this.o.callbacks) await cb.onTrainBegin?.(this.ctx);
  }

  async epochBegin(epoch: number): Promise<void> {
    for (const cb of this.o.callbacks) await cb.onEpochBegin?.(epoch, this.ctx);
  }

  /** Starts the epoch's progress bar (`batches`: the planned count, 0 when unknown). */
  barBegin(epoch: number, batches: number): void {
    this.o.progress.epochBegin(epoch, this.o.epochs, batches);
  }

  async batchBegin(b: number): Promise<void> {
    for (const cb of this.o.callbacks) await cb.onBatchBegin?.(b, this.history.stepLoss.length, this.ctx);
  }

  /**
   * After a step: records its loss, shows progress, stops on a NaN or infinite value of any of
   * `watched` (name → value; the loss first), and runs the callbacks' `onBatchEnd`.
   */
  async batchEnd(epoch: number, logs: BatchLogs, progress: BatchProgress, watched: Readonly<Record<string, number>> = { loss: logs.loss }): Promise<void> {
    this.history.stepLoss.push(logs.loss);
    this.o.progress.batchEnd(progress);
    if (this.o.stopOnNaN && this.nanStop === undefined) {
      const bad = Object.entries(watched).find(([, v]) => !Number.isFinite(v));
      if (bad) {
        this.nanStop = { epoch, batch: logs.batch, step: this.history.stepLoss.length - 1, loss: bad[1] };
        this.history.nanStop = this.nanStop;
        this.ctx.stop(nanMessage(this.nanStop, this.history, bad[0]));
      }
    }
    for (const cb of this.o.callbacks) await cb.onBatchEnd?.(logs, this.ctx);
  }

  /** Records the epoch's logs in the history, prints `line` and runs the callbacks' `onEpochEnd`. */
  async epochEnd(logs: EpochLogs, line: string): Promise<void> {
    this.history.epochs.push(logs);
    for (const [k, v] of Object.entries(logs)) if (k !== 'epoch' && v !== undefined) (this.history.metrics[k] ??= []).push(v);
    this.o.progress.epochEnd(line);
    for (const cb of this.o.callbacks) await cb.onEpochEnd?.(logs, this.ctx);
  }

  /** Closes the progress output (call in `finally`). */
  close(): void {
    this.o.progress.close();
  }

  /** Total time, the stop reason, the callbacks' `onTrainEnd`; returns the history. */
  async end(): Promise<History> {
    this.history.seconds = (performance.now() - this.t0) / 1000;
    if (this.stopReason !== undefined) {
      this.history.stopReason = this.stopReason;
      this.o.progress.message(this.stopReason);
    }
    for (const cb of this.o.callbacks) await cb.onTrainEnd?.(this.history, this.ctx);
    return this.history;
  }
}

/** The number of live tensors now (for leak checks). */
export function liveTensors(): number {
  return memory().numTensors;
}
