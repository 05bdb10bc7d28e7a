/**
 * Callbacks: code `fit` runs at the start and end of training, of each epoch and after each
 * batch. Built in: `earlyStopping`, `lrScheduler`, `reduceLROnPlateau`, `modelCheckpoint`. Stopping on a NaN loss is
 * built into `fit` itself (`stopOnNaN`).
 */
import type { Tensor } from '../tensor/tensor.js';
import { keep, noGrad, tidy } from '../engine.js';
import type { BatchLogs, EpochLogs, History, Model, NaNStop, OptimizerLike } from './types.js';
import type { LRSchedule } from '../optim/schedules.js';
import type { Optimizer } from '../optim/optimizer.js';
import type { JsonValue, Module } from '../nn/module.js';
import { save } from '../io/file.js';
import { checkNumber, checkOneOf, checkOptions, fail, optBoolean, optInt, optNumber } from '../validate.js';

/** What callbacks can see and do during `fit`. */
export interface TrainContext {
  readonly model: Model;
  readonly optimizer: OptimizerLike;
  /** The number of epochs asked for. */
  readonly epochs: number;
  /** The history so far. */
  readonly history: History;
  /**
   * Set from the batch whose loss became NaN or infinite (with `stopOnNaN`, the default): that
   * epoch ends there, without validation, and its `onEpochEnd` is the last. The built-in callbacks
   * then neither save nor compare (the epoch's loss is NaN and it has no `val_` metrics).
   */
  readonly nanStop?: NaNStop;
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
  /** A stateful callback's state as JSON, kept in training checkpoints (`fit`'s `checkpoint` option). */
  stateDict?(): JsonValue;
  /** Restores what `stateDict` returned when `fit` resumes from a checkpoint (after `onTrainBegin`). */
  loadStateDict?(state: JsonValue): void;
}

const HOOKS = ['onTrainBegin', 'onEpochBegin', 'onBatchBegin', 'onBatchEnd', 'onEpochEnd', 'onTrainEnd'] as const;
const MODES = ['min', 'max', 'auto'] as const;

/**
 * A callback: an object (a literal or a class instance) whose hooks, where present, are
 * functions; an own key that looks like a hook but is none (`onEpochStart`) is refused.
 */
export function checkCallback(op: string, arg: string, v: unknown): Callback {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) fail(op, arg, 'a callback (an object with hook functions)', v);
  const c = v as Record<string, unknown>;
  for (const k of Object.keys(c)) {
    if (/^on[A-Z]/.test(k) && !(HOOKS as readonly string[]).includes(k)) throw new Error(`${op}: unknown hook '${k}' in ${arg}; known hooks: ${HOOKS.join(', ')}`);
  }
  for (const h of [...HOOKS, 'stateDict', 'loadStateDict']) if (c[h] !== undefined && typeof c[h] !== 'function') fail(op, `${arg}.${h}`, 'a function', c[h]);
  return v as Callback;
}

/** An `nb.optim` schedule: `lrAt(t)` and `per` 'epoch' or 'step'. */
export function checkSchedule(op: string, arg: string, v: unknown, what = "an nb.optim schedule (with lrAt(t) and per 'epoch' or 'step')"): LRSchedule {
  const s = v as Partial<LRSchedule> | null;
  if (s === null || typeof s !== 'object' || typeof s.lrAt !== 'function' || (s.per !== 'epoch' && s.per !== 'step')) fail(op, arg, what, v);
  return s as LRSchedule;
}

function optMonitor(op: string, v: unknown): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v === '') fail(op, 'monitor', 'a non-empty string', v);
  return v;
}

function optMode(op: string, v: unknown): 'min' | 'max' | 'auto' {
  return v === undefined ? 'auto' : checkOneOf(op, 'mode', v, MODES);
}

function monitored(logs: EpochLogs, monitor: string, who: string): number | undefined {
  const v = logs[monitor];
  if (v === undefined) {
    const known = Object.keys(logs).filter((k) => typeof logs[k] === 'number');
    throw new Error(`${who}: metric '${monitor}' is not in the epoch logs (available: ${known.join(', ')}); pass validation data for val_ metrics`);
  }
  return v;
}

/** A number as JSON can hold it (NaN and ±Infinity as strings), and back: for callbacks' checkpoint state. */
export const jsonNum = (v: number): number | string => (Number.isFinite(v) ? v : String(v));
export const numOf = (v: unknown): number => (typeof v === 'string' ? Number(v) : typeof v === 'number' ? v : NaN);
type CallbackState = { [key: string]: number | string | null };
const stateOf = (op: string, v: unknown): CallbackState => {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) fail(op, 'state', 'an object saved by stateDict()', v);
  return v as CallbackState;
};

/** What restoreBestWeights copies and puts back: the parameters and the buffers (batch-norm statistics). */
function weightsOf(model: Model): Tensor[] {
  return [...model.parameters(), ...(model.buffers?.() ?? [])];
}

function better(mode: 'min' | 'max' | 'auto', monitor: string): (a: number, best: number, minDelta: number) => boolean {
  const m = mode === 'auto' ? (/acc/.test(monitor) ? 'max' : 'min') : mode;
  return m === 'min' ? (a, b, d) => a < b - d : (a, b, d) => a > b + d;
}

export interface EarlyStoppingOptions {
  /** The metric to watch (default 'val_loss'; 'loss' when there is no validation data). */
  monitor?: string;
  /**
   * The number of epochs with no improvement after which training stops (default 0: at the first
   * such epoch), as in Keras: with `patience: 5` the 5th epoch in a row without improvement is the last.
   */
  patience?: number;
  /** The least change that counts as an improvement (default 0). */
  minDelta?: number;
  /** Whether lower ('min') or higher ('max') is better; 'auto' (default) is 'max' for accuracies. */
  mode?: 'min' | 'max' | 'auto';
  /**
   * A value the metric must reach (Keras's `baseline`): the count of epochs without improvement
   * restarts only on an epoch that improves on the best and beats the baseline (by `minDelta`).
   */
  baseline?: number;
  /**
   * Keep a copy of the weights of the best monitored epoch and put it back when training ends:
   * when this callback stops it, when a NaN loss stops it, and when the epochs run out with a
   * later epoch worse than the best (default false). `history.restoredEpoch` says which epoch.
   */
  restoreBestWeights?: boolean;
}

/**
 * Stops training when the monitored metric has not improved for `patience` epochs (Keras's
 * `EarlyStopping`): every epoch counts one, an improvement (beating the baseline, if any)
 * restarts the count, and a non-improving epoch that brings it to `patience` stops training.
 * A NaN value is an epoch without improvement.
 */
export function earlyStopping(opts: EarlyStoppingOptions = {}): Callback {
  const op = 'earlyStopping';
  const o = checkOptions(op, opts, ['monitor', 'patience', 'minDelta', 'mode', 'baseline', 'restoreBestWeights']);
  const patience = optInt(op, 'patience', o.patience, 0, { min: 0 });
  const minDelta = optNumber(op, 'minDelta', o.minDelta, 0, { min: 0 });
  const mode = optMode(op, o.mode);
  const baseline = o.baseline === undefined ? undefined : checkNumber(op, 'baseline', o.baseline);
  const restoreBest = optBoolean(op, 'restoreBestWeights', o.restoreBestWeights, false);
  let monitor = optMonitor(op, o.monitor);
  let best = NaN;
  let bestEpoch = -1;
  let wait = 0;
  let snapshot: Tensor[] | null = null;
  let restored = false;
  const dropSnapshot = (): void => {
    snapshot?.forEach((t) => t.dispose());
    snapshot = null;
  };
  /** Puts the best epoch's weights back (once); returns whether it did. */
  const restore = (ctx: TrainContext): boolean => {
    if (!restoreBest || !snapshot || restored) return false;
    const snap = snapshot;
    noGrad(() => tidy(() => weightsOf(ctx.model).forEach((p, i) => p.assign(snap[i]!))));
    restored = true;
    ctx.history.restoredEpoch = bestEpoch;
    return true;
  };
  const restoredLine = (): string => `earlyStopping: restored the weights of epoch ${bestEpoch + 1} (${monitor} ${best.toPrecision(4)})`;
  return {
    onTrainBegin(): void {
      best = NaN;
      bestEpoch = -1;
      wait = 0;
      restored = false;
      dropSnapshot();
    },
    onEpochEnd(logs, ctx): void {
      if (ctx.nanStop) {
        // the epoch ended on a NaN loss: nothing to compare; the best weights go back now
        if (restore(ctx)) ctx.log(restoredLine());
        return;
      }
      monitor ??= logs.val_loss !== undefined ? 'val_loss' : 'loss';
      const v = monitored(logs, monitor, op);
      if (v === undefined) return;
      const improves = better(mode, monitor);
      wait++;
      if (!Number.isNaN(v) && (bestEpoch < 0 || improves(v, best, minDelta))) {
        best = v;
        bestEpoch = logs.epoch;
        if (baseline === undefined || improves(v, baseline, minDelta)) wait = 0;
        if (restoreBest) {
          dropSnapshot();
          snapshot = noGrad(() => weightsOf(ctx.model).map((p) => keep(p.clone())));
        }
        return;
      }
      if (wait >= patience) {
        const since = bestEpoch < 0 ? '' : ` (best ${best.toPrecision(4)} at epoch ${bestEpoch + 1}${baseline === undefined ? '' : `, baseline ${baseline}`})`;
        let msg = `early stopping: ${monitor} has not improved for ${wait} epoch${wait > 1 ? 's' : ''}${since}`;
        if (restore(ctx)) msg += '; restored its weights';
        ctx.stop(msg);
      }
    },
    onTrainEnd(history, ctx): void {
      // the epochs ran out (or another callback stopped training) after the best epoch
      if (bestEpoch >= 0 && history.epochs.at(-1)?.epoch !== bestEpoch && restore(ctx)) ctx.log(restoredLine());
      dropSnapshot();
    },
    // a resumed run continues the count; the in-memory copy of the best weights is not carried
    stateDict: (): CallbackState => ({ best: jsonNum(best), bestEpoch, wait, monitor: monitor ?? null }),
    loadStateDict(state: JsonValue): void {
      const st = stateOf(`${op}.loadStateDict`, state);
      best = numOf(st.best);
      bestEpoch = numOf(st.bestEpoch);
      wait = numOf(st.wait);
      if (typeof st.monitor === 'string') monitor = st.monitor;
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
    if (!(typeof lr === 'number' && Number.isFinite(lr) && lr >= 0)) throw new Error(`lrScheduler: the schedule gave ${String(lr)} at ${at}; a learning rate must be a finite number ≥ 0`);
    ctx.optimizer.lr = lr;
  };
  if (typeof schedule === 'function') {
    return { onEpochBegin: (epoch, ctx) => set(schedule(epoch, ctx.optimizer.lr), `epoch ${epoch}`, ctx) };
  }
  const s = checkSchedule('lrScheduler', 'schedule', schedule, "a function (epoch, lr) => lr or an nb.optim schedule (with lrAt(t) and per 'epoch' or 'step')");
  // apply (when the schedule has it) also sets what else it schedules, e.g. oneCycle's momentum
  const at = (t: number, where: string, ctx: TrainContext): void =>
    set(typeof s.apply === 'function' ? s.apply(ctx.optimizer as Optimizer, t) : s.lrAt(t), where, ctx);
  const cb: Callback = s.per === 'step'
    ? { onBatchBegin: (_b, step, ctx) => at(step, `step ${step}`, ctx) }
    : { onEpochBegin: (epoch, ctx) => at(epoch, `epoch ${epoch}`, ctx) };
  if (typeof s.observe === 'function') {
    // a metric-driven schedule (reduceOnPlateau) is fed the monitored metric after every epoch
    cb.onEpochEnd = (logs, ctx): void => {
      if (ctx.nanStop) return; // a NaN epoch is no plateau
      const monitor = s.monitor ?? (logs.val_loss !== undefined ? 'val_loss' : 'loss');
      const v = monitored(logs, monitor, 'lrScheduler');
      if (v === undefined || Number.isNaN(v)) return;
      s.observe!(v, logs.epoch);
    };
  }
  if (typeof s.state === 'function' && typeof s.setState === 'function') {
    // a stateful schedule's position goes into training checkpoints
    cb.stateDict = () => s.state!();
    cb.loadStateDict = (st) => s.setState!(stateOf('lrScheduler.loadStateDict', st) as { [key: string]: number | string });
  }
  return cb;
}

/** Options of `reduceLROnPlateau`. */
export interface ReduceLROnPlateauOptions {
  /** The metric to watch (default 'val_loss'; 'loss' when there is no validation data). */
  monitor?: string;
  /** The factor in (0, 1) the learning rate is multiplied by (default 0.1). */
  factor?: number;
  /** Epochs without improvement before reducing (default 2). */
  patience?: number;
  /** The least learning rate (default 0). */
  minLr?: number;
  /** The least change that counts as an improvement (default 0). */
  minDelta?: number;
  mode?: 'min' | 'max' | 'auto';
}

/** Multiplies the learning rate by `factor` when the monitored metric has not improved for `patience` epochs. */
export function reduceLROnPlateau(opts: ReduceLROnPlateauOptions = {}): Callback {
  const op = 'reduceLROnPlateau';
  const o = checkOptions(op, opts, ['monitor', 'factor', 'patience', 'minLr', 'minDelta', 'mode']);
  const factor = optNumber(op, 'factor', o.factor, 0.1, { above: 0, below: 1 });
  const patience = optInt(op, 'patience', o.patience, 2, { min: 0 });
  const minLr = optNumber(op, 'minLr', o.minLr, 0, { min: 0 });
  const minDelta = optNumber(op, 'minDelta', o.minDelta, 0, { min: 0 });
  const mode = optMode(op, o.mode);
  let monitor = optMonitor(op, o.monitor);
  let best = NaN;
  let wait = 0;
  return {
    onTrainBegin(): void {
      best = NaN;
      wait = 0;
    },
    onEpochEnd(logs, ctx): void {
      if (ctx.nanStop) return; // a NaN epoch is no plateau
      monitor ??= logs.val_loss !== undefined ? 'val_loss' : 'loss';
      const v = monitored(logs, monitor, op);
      if (v === undefined || Number.isNaN(v)) return;
      if (Number.isNaN(best) || better(mode, monitor)(v, best, minDelta)) {
        best = v;
        wait = 0;
        return;
      }
      if (++wait > patience) {
        const lr = Math.max(minLr, ctx.optimizer.lr * factor);
        if (lr < ctx.optimizer.lr) ctx.log(`reduceLROnPlateau: ${monitor} stalled; learning rate ${ctx.optimizer.lr} → ${lr}`);
        ctx.optimizer.lr = lr;
        wait = 0;
      }
    },
    stateDict: (): CallbackState => ({ best: jsonNum(best), wait, monitor: monitor ?? null }),
    loadStateDict(state: JsonValue): void {
      const st = stateOf(`${op}.loadStateDict`, state);
      best = numOf(st.best);
      wait = numOf(st.wait);
      if (typeof st.monitor === 'string') monitor = st.monitor;
    },
  };
}

/** Options of `modelCheckpoint`. */
export interface ModelCheckpointOptions {
  /** The metric `saveBestOnly` watches (default 'val_loss'; 'loss' when there is no validation data). */
  monitor?: string;
  /** Save only when the monitored metric improved (default false: after every epoch). */
  saveBestOnly?: boolean;
  mode?: 'min' | 'max' | 'auto';
}

/** The name of the first state tensor holding NaN or ±Infinity, or null. */
async function firstNonFinite(state: Record<string, Tensor>): Promise<string | null> {
  for (const [name, t] of Object.entries(state)) {
    if (t.dtype !== 'float32' && t.dtype !== 'float64') continue;
    const v = (await t.data()) as ArrayLike<number>;
    for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i])) return name;
  }
  return null;
}

/** One piece of a checkpoint path template: literal text, or a field `{key}` / `{key:spec}`. */
type Piece = string | { key: string; spec: string; zero: boolean; width: number; precision?: number; type: '' | 'd' | 'f' | 'e' };

const SPEC = /^(0?)(\d*)(?:\.(\d+))?([dfe]?)$/;
const SUPPORTED = '{key}, {key:0Nd}, {key:Nd}, {key:.Nf}, {key:0W.Nf}, {key:.Ne}';

/**
 * Parses a Keras-style path template (Python's `str.format` fields, as Keras fills them): `{epoch}`,
 * `{epoch:02d}`, `{val_loss:.4f}`, `{loss:.2e}`; `{{` and `}}` are literal braces.
 */
function parseTemplate(op: string, path: string): Piece[] {
  const pieces: Piece[] = [];
  let text = '';
  for (let i = 0; i < path.length; i++) {
    const ch = path[i]!;
    if ((ch === '{' || ch === '}') && path[i + 1] === ch) {
      text += ch;
      i++;
      continue;
    }
    if (ch === '}') throw new Error(`${op}: path '${path}' has a '}' without its '{' (write '}}' for a literal brace)`);
    if (ch !== '{') {
      text += ch;
      continue;
    }
    const end = path.indexOf('}', i);
    const inner = end < 0 ? '' : path.slice(i + 1, end);
    if (end < 0 || inner.includes('{')) throw new Error(`${op}: path '${path}' has a '{' without its '}' (write '{{' for a literal brace)`);
    const colon = inner.indexOf(':');
    const key = colon < 0 ? inner : inner.slice(0, colon);
    const spec = colon < 0 ? '' : inner.slice(colon + 1);
    if (key === '') throw new Error(`${op}: path '${path}' has an empty field '{${inner}}'; name an epoch log key, e.g. {epoch} or {val_loss:.4f}`);
    const m = SPEC.exec(spec);
    if (!m || (m[4] === 'd' && m[3] !== undefined)) throw new Error(`${op}: unsupported format '${spec}' for '${key}' in path '${path}'; supported: ${SUPPORTED}`);
    if (text) pieces.push(text);
    text = '';
    pieces.push({ key, spec, zero: m[1] === '0', width: m[2] ? Number(m[2]) : 0, precision: m[3] === undefined ? undefined : Number(m[3]), type: m[4] as '' | 'd' | 'f' | 'e' });
    i = end;
  }
  if (text) pieces.push(text);
  return pieces;
}

/** Fills a parsed template from an epoch's logs, `epoch` 1-based as in Keras. */
function fillTemplate(op: string, pieces: readonly Piece[], logs: EpochLogs): string {
  const values: Record<string, number> = {};
  for (const [k, v] of Object.entries(logs)) if (typeof v === 'number') values[k] = v;
  values.epoch = logs.epoch + 1;
  return pieces.map((p) => {
    if (typeof p === 'string') return p;
    const v = values[p.key];
    if (v === undefined) throw new Error(`${op}: path names '{${p.key}}', which is not in the epoch logs (available: ${Object.keys(values).join(', ')}); pass validation data for val_ metrics`);
    const field = `{${p.key}${p.spec ? `:${p.spec}` : ''}}`;
    let body: string;
    if (p.type === 'd') {
      if (!Number.isInteger(v)) throw new Error(`${op}: '${field}' needs an integer, ${p.key} is ${v}`);
      body = String(Math.abs(v));
    } else if (p.type === 'f' || (p.type === '' && p.precision !== undefined)) {
      body = Number.isFinite(v) ? Math.abs(v).toFixed(p.precision ?? 6) : String(Math.abs(v));
    } else if (p.type === 'e') {
      body = Number.isFinite(v) ? Math.abs(v).toExponential(p.precision ?? 6).replace(/e([+-])(\d)$/, 'e$10$2') : String(Math.abs(v));
    } else {
      body = String(Math.abs(v));
    }
    if (body === 'Infinity') body = 'inf';
    else if (body === 'NaN') body = 'nan';
    const sign = v < 0 || Object.is(v, -0) ? '-' : '';
    const pad = Math.max(0, p.width - sign.length - body.length);
    return p.zero ? sign + '0'.repeat(pad) + body : ' '.repeat(pad) + sign + body;
  }).join('');
}

/**
 * Saves the model (`nb.io.save`, Node only) after every epoch, or with `saveBestOnly` only when
 * the monitored metric improved. A string `path` is a template filled as Keras fills its
 * `filepath`: `{epoch}` (1-based), `{epoch:02d}` (zero-padded), any epoch log by its name with an
 * optional format (`{val_loss:.4f}`, `{loss:.2e}`), `{{`/`}}` for literal braces; a malformed
 * template throws at once, a key missing from the logs at the first save (naming the available
 * ones). `path` may also be a function of the epoch (0-based) and its logs,
 * e.g. `(e) => \`ckpt-\${e + 1}.nabla\``. The epoch's logs are stored as the file's metadata.
 *
 * It never writes non-finite weights: an epoch ended by a NaN loss is not saved, nor one whose
 * weights hold NaN or ±Infinity (it says so through `ctx.log`), so the last file written stays
 * the last good model. Every file written is listed in `history.checkpoints`; on a NaN stop
 * `fit` names the last one in its message and in `history.lastGoodCheckpoint`.
 */
export function modelCheckpoint(path: string | ((epoch: number, logs: EpochLogs) => string), opts: ModelCheckpointOptions = {}): Callback {
  const op = 'modelCheckpoint';
  if (!((typeof path === 'string' && path !== '') || typeof path === 'function')) fail(op, 'path', 'a non-empty string or a function (epoch, logs) => path', path);
  const o = checkOptions(op, opts, ['monitor', 'saveBestOnly', 'mode']);
  const template = typeof path === 'string' ? parseTemplate(op, path) : null;
  const saveBestOnly = optBoolean(op, 'saveBestOnly', o.saveBestOnly, false);
  const mode = optMode(op, o.mode);
  let monitor = optMonitor(op, o.monitor);
  let best = NaN;
  return {
    onTrainBegin(ctx): void {
      best = NaN;
      ctx.history.checkpoints ??= [];
    },
    async onEpochEnd(logs, ctx): Promise<void> {
      const model = ctx.model as Partial<Module>;
      if (typeof model.config !== 'function' || typeof model.stateDict !== 'function') {
        throw new Error('modelCheckpoint: the model must be an nb.nn.Module (with config() and stateDict()) to be saved');
      }
      if (ctx.nanStop) return; // never overwrite a good checkpoint with a NaN model
      if (saveBestOnly) {
        monitor ??= logs.val_loss !== undefined ? 'val_loss' : 'loss';
        const v = monitored(logs, monitor, op);
        if (v === undefined || Number.isNaN(v)) return;
        if (!Number.isNaN(best) && !better(mode, monitor)(v, best, 0)) return;
      }
      const bad = await firstNonFinite(model.stateDict());
      if (bad !== null) {
        ctx.log(`modelCheckpoint: not saving epoch ${logs.epoch + 1}: the weights are not finite (${bad} holds NaN or ±Infinity)`);
        return;
      }
      if (saveBestOnly) best = logs[monitor!]!;
      const file: unknown = template ? fillTemplate(op, template, logs) : (path as (epoch: number, logs: EpochLogs) => string)(logs.epoch, logs);
      if (typeof file !== 'string' || file === '') fail(op, 'path(epoch, logs)', 'a non-empty string', file);
      const metadata: { [k: string]: number } = {};
      for (const [k, v] of Object.entries(logs)) if (typeof v === 'number' && Number.isFinite(v)) metadata[k] = v;
      await save(model as Module, file, { metadata });
      (ctx.history.checkpoints ??= []).push({ path: file, epoch: logs.epoch });
    },
    stateDict: (): CallbackState => ({ best: jsonNum(best), monitor: monitor ?? null }),
    loadStateDict(state: JsonValue): void {
      const st = stateOf(`${op}.loadStateDict`, state);
      best = numOf(st.best);
      if (typeof st.monitor === 'string') monitor = st.monitor;
    },
  };
}

/** A callback from plain functions (sugar for an object literal); the hooks are checked. */
export function callback(hooks: Callback): Callback {
  const op = 'callback';
  checkOptions(op, hooks, HOOKS, 'hooks');
  return checkCallback(op, 'hooks', hooks);
}

/** Re-export for hooks' argument types. */
export type { BatchLogs, EpochLogs };
