/**
 * Callbacks: code `fit` runs at the start and end of training, of each epoch and after each
 * batch. Built in: `earlyStopping`, `lrScheduler`, `reduceLROnPlateau`, `modelCheckpoint`. Stopping on a NaN loss is
 * built into `fit` itself (`stopOnNaN`).
 */
import type { Tensor } from '../tensor/tensor.js';
import { keep, noGrad, tidy } from '../engine.js';
import type { BatchLogs, EpochLogs, History, Model, OptimizerLike } from './types.js';
import type { LRSchedule } from '../optim/schedules.js';
import type { Module } from '../nn/module.js';
import { save } from '../io/file.js';

/** What callbacks can see and do during `fit`. */
export interface TrainContext {
  readonly model: Model;
  readonly optimizer: OptimizerLike;
  /** The number of epochs asked for. */
  readonly epochs: number;
  /** The history so far. */
  readonly history: History;
  /** Ends training after the current batch (or epoch); `reason` goes to `history.stopReason`. */
  stop(reason: string): void;
  /** Prints a message through fit's progress output (nothing when `verbose: 0`). */
  log(message: string): void;
}

type Hook<A extends unknown[]> = (...args: A) => void | Promise<void>;

export interface Callback {
  onTrainBegin?: Hook<[ctx: TrainContext]>;
  onEpochBegin?: Hook<[epoch: number, ctx: TrainContext]>;
  /** Before each training step; `step` counts steps over all epochs from 0. */
  onBatchBegin?: Hook<[batch: number, step: number, ctx: TrainContext]>;
  onBatchEnd?: Hook<[logs: BatchLogs, ctx: TrainContext]>;
  onEpochEnd?: Hook<[logs: EpochLogs, ctx: TrainContext]>;
  onTrainEnd?: Hook<[history: History, ctx: TrainContext]>;
}

function monitored(logs: EpochLogs, monitor: string, who: string): number | undefined {
  const v = logs[monitor];
  if (v === undefined) {
    const known = Object.keys(logs).filter((k) => typeof logs[k] === 'number');
    throw new Error(`${who}: metric '${monitor}' is not in the epoch logs (available: ${known.join(', ')}); pass validation data for val_ metrics`);
  }
  return v;
}

function better(mode: 'min' | 'max' | 'auto', monitor: string): (a: number, best: number, minDelta: number) => boolean {
  const m = mode === 'auto' ? (/acc/.test(monitor) ? 'max' : 'min') : mode;
  return m === 'min' ? (a, b, d) => a < b - d : (a, b, d) => a > b + d;
}

export interface EarlyStoppingOptions {
  /** The metric to watch (default 'val_loss'; 'loss' when there is no validation data). */
  monitor?: string;
  /** Epochs without improvement before stopping (default 0). */
  patience?: number;
  /** The least change that counts as an improvement (default 0). */
  minDelta?: number;
  /** Whether lower ('min') or higher ('max') is better; 'auto' (default) is 'max' for accuracies. */
  mode?: 'min' | 'max' | 'auto';
  /** Put back the parameters of the best epoch when stopping (default false). */
  restoreBestWeights?: boolean;
}

/** Stops training when the monitored metric stops improving for `patience` epochs. */
export function earlyStopping(opts: EarlyStoppingOptions = {}): Callback {
  const patience = opts.patience ?? 0;
  const minDelta = Math.abs(opts.minDelta ?? 0);
  let monitor = opts.monitor;
  let best = NaN;
  let bestEpoch = -1;
  let wait = 0;
  let snapshot: Tensor[] | null = null;
  const dropSnapshot = (): void => {
    snapshot?.forEach((t) => t.dispose());
    snapshot = null;
  };
  return {
    onTrainBegin(): void {
      best = NaN;
      bestEpoch = -1;
      wait = 0;
      dropSnapshot();
    },
    onEpochEnd(logs, ctx): void {
      monitor ??= logs.val_loss !== undefined ? 'val_loss' : 'loss';
      const v = monitored(logs, monitor, 'earlyStopping');
      if (v === undefined || Number.isNaN(v)) return;
      if (bestEpoch < 0 || better(opts.mode ?? 'auto', monitor)(v, best, minDelta)) {
        best = v;
        bestEpoch = logs.epoch;
        wait = 0;
        if (opts.restoreBestWeights) {
          dropSnapshot();
          snapshot = noGrad(() => ctx.model.parameters().map((p) => keep(p.clone())));
        }
        return;
      }
      wait++;
      if (wait > patience) {
        let msg = `early stopping: ${monitor} has not improved for ${wait} epoch${wait > 1 ? 's' : ''} (best ${best.toPrecision(4)} at epoch ${bestEpoch + 1})`;
        if (opts.restoreBestWeights && snapshot) {
          const snap = snapshot;
          noGrad(() => tidy(() => ctx.model.parameters().forEach((p, i) => p.assign(snap[i]!))));
          msg += '; restored its weights';
        }
        ctx.stop(msg);
      }
    },
    onTrainEnd(): void {
      dropSnapshot();
    },
  };
}

/**
 * Sets the optimizer's learning rate from a schedule: an `nb.optim` schedule (`stepDecay`,
 * `exponentialDecay`, `lambdaSchedule`; applied per epoch or per step as it says), or a function
 * `(epoch, lr) => newLr` called at the start of every epoch (epoch 0-based, `lr` the current
 * rate), e.g. `(e, lr) => (e > 0 && e % 5 === 0 ? lr * 0.5 : lr)`.
 */
export function lrScheduler(schedule: LRSchedule | ((epoch: number, lr: number) => number)): Callback {
  const set = (lr: number, at: string, ctx: TrainContext): void => {
    if (!(Number.isFinite(lr) && lr >= 0)) throw new Error(`lrScheduler: the schedule gave ${lr} at ${at}; a learning rate must be a finite number ≥ 0`);
    ctx.optimizer.lr = lr;
  };
  if (typeof schedule === 'function') {
    return { onEpochBegin: (epoch, ctx) => set(schedule(epoch, ctx.optimizer.lr), `epoch ${epoch}`, ctx) };
  }
  if (schedule.per === 'step') return { onBatchBegin: (_b, step, ctx) => set(schedule.lrAt(step), `step ${step}`, ctx) };
  return { onEpochBegin: (epoch, ctx) => set(schedule.lrAt(epoch), `epoch ${epoch}`, ctx) };
}

/** Multiplies the learning rate by `factor` when the monitored metric has not improved for `patience` epochs. */
export function reduceLROnPlateau(opts: { monitor?: string; factor?: number; patience?: number; minLr?: number; minDelta?: number; mode?: 'min' | 'max' | 'auto' } = {}): Callback {
  const factor = opts.factor ?? 0.1;
  if (!(factor > 0 && factor < 1)) throw new Error(`reduceLROnPlateau: factor must be in (0, 1), got ${factor}`);
  const patience = opts.patience ?? 2;
  let monitor = opts.monitor;
  let best = NaN;
  let wait = 0;
  return {
    onTrainBegin(): void {
      best = NaN;
      wait = 0;
    },
    onEpochEnd(logs, ctx): void {
      monitor ??= logs.val_loss !== undefined ? 'val_loss' : 'loss';
      const v = monitored(logs, monitor, 'reduceLROnPlateau');
      if (v === undefined || Number.isNaN(v)) return;
      if (Number.isNaN(best) || better(opts.mode ?? 'auto', monitor)(v, best, Math.abs(opts.minDelta ?? 0))) {
        best = v;
        wait = 0;
        return;
      }
      if (++wait > patience) {
        const lr = Math.max(opts.minLr ?? 0, ctx.optimizer.lr * factor);
        if (lr < ctx.optimizer.lr) ctx.log(`reduceLROnPlateau: ${monitor} stalled; learning rate ${ctx.optimizer.lr} → ${lr}`);
        ctx.optimizer.lr = lr;
        wait = 0;
      }
    },
  };
}

/**
 * Saves the model (`nb.io.save`, Node only) after every epoch, or with `saveBestOnly` only when
 * the monitored metric improved. `path` may be a function of the epoch (0-based) and its logs,
 * e.g. `(e) => \`ckpt-\${e + 1}.nabla\``. The epoch's logs are stored as the file's metadata.
 */
export function modelCheckpoint(
  path: string | ((epoch: number, logs: EpochLogs) => string),
  opts: { monitor?: string; saveBestOnly?: boolean; mode?: 'min' | 'max' | 'auto' } = {},
): Callback {
  let monitor = opts.monitor;
  let best = NaN;
  return {
    onTrainBegin(): void {
      best = NaN;
    },
    async onEpochEnd(logs, ctx): Promise<void> {
      const model = ctx.model as Partial<Module>;
      if (typeof model.config !== 'function' || typeof model.stateDict !== 'function') {
        throw new Error('modelCheckpoint: the model must be an nb.nn.Module (with config() and stateDict()) to be saved');
      }
      if (opts.saveBestOnly) {
        monitor ??= logs.val_loss !== undefined ? 'val_loss' : 'loss';
        const v = monitored(logs, monitor, 'modelCheckpoint');
        if (v === undefined || Number.isNaN(v)) return;
        if (!Number.isNaN(best) && !better(opts.mode ?? 'auto', monitor)(v, best, 0)) return;
        best = v;
      }
      const file = typeof path === 'function' ? path(logs.epoch, logs) : path;
      const metadata: { [k: string]: number } = {};
      for (const [k, v] of Object.entries(logs)) if (typeof v === 'number' && Number.isFinite(v)) metadata[k] = v;
      await save(model as Module, file, { metadata });
    },
  };
}

/** A callback from plain functions (sugar for an object literal). */
export function callback(hooks: Callback): Callback {
  return hooks;
}

/** Re-export for hooks' argument types. */
export type { BatchLogs, EpochLogs };
