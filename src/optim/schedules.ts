/**
 * Learning-rate schedules (SCOPE §5) as small objects the fit loop calls: `lrAt(t)` gives the
 * rate for epoch (or step) t, counted from 0, and `apply(optimizer, t)` sets `optimizer.lr` (and,
 * for `oneCycle`, its momentum). `per` says whether t counts epochs or optimizer steps.
 *
 * Values match PyTorch's schedulers at every step: a PyTorch loop that reads the lr before each
 * `optimizer.step()` and calls `scheduler.step()` after it sees `lrAt(0), lrAt(1), …`.
 * `reduceOnPlateau` is driven by a metric instead: `observe(value)` after each epoch (what `fit`
 * does) plays PyTorch's `scheduler.step(value)`.
 */
import type { Optimizer } from './optimizer.js';
import { checkArray, checkFunction, checkInt, checkNumber, checkOneOf, checkOptions, describe, fail, optBoolean, optInt, optNumber } from '../validate.js';
import { checkPositiveInt } from '../nn/checks.js';

/** A schedule's JSON description. */
export interface ScheduleConfig {
  type: string;
  [k: string]: number | string | boolean | number[] | ScheduleConfig;
}

export interface LRSchedule {
  /** Whether `t` counts epochs (the default) or steps. */
  readonly per: 'epoch' | 'step';
  /** The learning rate at epoch/step t (t = 0 is the first). */
  lrAt(t: number): number;
  /** Sets `opt.lr = lrAt(t)` (and the momentum, for `oneCycle`) and returns the rate. */
  apply(opt: Optimizer, t: number): number;
  /** A JSON description (function schedules report only their kind). */
  config(): ScheduleConfig;
  /**
   * Metric-driven schedules only (`reduceOnPlateau`, or `warmup` over one): takes the monitored
   * value of epoch `t` when it ends; `fit` calls it after every epoch.
   */
  observe?(value: number, t: number): void;
  /** The metric `fit` feeds to `observe` (default 'val_loss', or 'loss' without validation data). */
  readonly monitor?: string;
  /** Stateful schedules only: back to the state at creation. */
  reset?(): void;
  /** Stateful schedules only: the state as JSON (±Infinity and NaN as strings), for checkpoints. */
  state?(): { [key: string]: number | string };
  /** Stateful schedules only: restores what `state()` returned. */
  setState?(state: { [key: string]: number | string }): void;
}

export interface ScheduleOptions {
  per?: 'epoch' | 'step';
}

const PER = ['epoch', 'step'] as const;

/** Checks a schedule's options (`known` keys, `per` among them) and returns `per`. */
function perOf(name: string, opts: object | undefined, known: readonly string[] = ['per'], fallback: 'epoch' | 'step' = 'epoch'): 'epoch' | 'step' {
  const o = checkOptions(name, opts as ScheduleOptions | undefined, known);
  return o.per === undefined ? fallback : checkOneOf(name, 'per', o.per, PER);
}

function checkOptimizer(op: string, opt: unknown): Optimizer {
  if (opt === null || typeof opt !== 'object' || typeof (opt as Partial<Optimizer>).lr !== 'number') {
    fail(op, 'optimizer', 'an optimizer (an object with a numeric lr)', opt);
  }
  return opt as Optimizer;
}

/** `name` (the factory's) prefixes errors of lrAt and apply; `extra` adds to what apply sets. */
function make(name: string, per: 'epoch' | 'step', lrAt: (t: number) => number, config: () => ScheduleConfig, extra?: (opt: Optimizer, t: number) => void): LRSchedule {
  return {
    per,
    lrAt(t: number): number {
      return lrAt(checkInt(`${name}.lrAt`, 't', t, { min: 0 }));
    },
    apply(opt: Optimizer, t: number): number {
      checkOptimizer(`${name}.apply`, opt);
      const lr = lrAt(checkInt(`${name}.apply`, 't', t, { min: 0 }));
      extra?.(opt, t);
      opt.lr = lr;
      return lr;
    },
    config,
  };
}

/** Step decay: η_k = η₀·α^⌊k/n⌋ — the rate is multiplied by `factor` (α) every `every` (n) epochs. */
export function stepDecay(initialLr: number, opts: { factor: number; every: number } & ScheduleOptions): LRSchedule {
  checkNumber('stepDecay', 'initialLr', initialLr, { min: 0 });
  const per = perOf('stepDecay', opts, ['factor', 'every', 'per']);
  const o = (opts ?? {}) as Partial<typeof opts>;
  const factor = checkNumber('stepDecay', 'factor', o.factor, { above: 0 });
  const every = checkPositiveInt('stepDecay', 'every', o.every);
  return make('stepDecay', per, (t) => initialLr * factor ** Math.floor(t / every), () => ({ type: 'stepDecay', initialLr, factor, every, per }));
}

/** Exponential decay: η_t = η₀·e^(−k·t). */
export function exponentialDecay(initialLr: number, k: number, opts: ScheduleOptions = {}): LRSchedule {
  checkNumber('exponentialDecay', 'initialLr', initialLr, { min: 0 });
  checkNumber('exponentialDecay', 'k', k, { min: 0 });
  const per = perOf('exponentialDecay', opts);
  return make('exponentialDecay', per, (t) => initialLr * Math.exp(-k * t), () => ({ type: 'exponentialDecay', initialLr, k, per }));
}

/** Any function of the epoch/step: `lambdaSchedule((t) => 0.1 / (1 + t))`. */
export function lambdaSchedule(fn: (t: number) => number, opts: ScheduleOptions = {}): LRSchedule {
  checkFunction('lambdaSchedule', 'fn', fn);
  const per = perOf('lambdaSchedule', opts);
  return make(
    'lambdaSchedule',
    per,
    (t) => {
      const lr = fn(t);
      if (!(typeof lr === 'number' && Number.isFinite(lr) && lr >= 0)) {
        throw new Error(`lambdaSchedule: the function gave ${describe(lr)} at t = ${t}; learning rates must be finite numbers ≥ 0`);
      }
      return lr;
    },
    (): ScheduleConfig => ({ type: 'lambda', per }),
  );
}

/** A constant rate (useful as a default). */
export function constantSchedule(lr: number, opts: ScheduleOptions = {}): LRSchedule {
  checkNumber('constantSchedule', 'lr', lr, { min: 0 });
  const per = perOf('constantSchedule', opts);
  return make('constantSchedule', per, () => lr, () => ({ type: 'constant', lr, per }));
}

/** The initial rate of a schedule factory. */
function initialLrOf(name: string, v: unknown, arg = 'initialLr'): number {
  return checkNumber(name, arg, v, { min: 0 });
}

/**
 * Multi-step decay (PyTorch's MultiStepLR): η_t = η₀·γ^(number of milestones ≤ t) — the rate is
 * multiplied by `gamma` (default 0.1) at each milestone epoch (or step). A milestone given twice
 * counts twice.
 */
export function multiStep(initialLr: number, opts: { milestones: readonly number[]; gamma?: number } & ScheduleOptions): LRSchedule {
  const op = 'multiStep';
  initialLrOf(op, initialLr);
  const per = perOf(op, opts, ['milestones', 'gamma', 'per']);
  const o = (opts ?? {}) as Partial<typeof opts>;
  const list = checkArray(op, 'milestones', o.milestones);
  const milestones = list.map((m, i) => checkInt(op, `milestones[${i}]`, m, { min: 0 }));
  milestones.forEach((m, i) => {
    if (i > 0 && m < milestones[i - 1]!) throw new Error(`${op}: milestones must be in increasing order, got [${milestones.join(', ')}]`);
  });
  const gamma = optNumber(op, 'gamma', o.gamma, 0.1, { above: 0 });
  return make(op, per, (t) => {
    let k = 0;
    while (k < milestones.length && milestones[k]! <= t) k++;
    return initialLr * gamma ** k;
  }, () => ({ type: op, initialLr, milestones: milestones.slice(), gamma, per }));
}

/**
 * Cosine annealing with warm restarts (SGDR; PyTorch's CosineAnnealingWarmRestarts):
 * η_t = η_min + (η₀ − η_min)·(1 + cos(π·T_cur/T_i))/2, where T_cur counts the epochs (or steps)
 * since the last restart and the i-th period lasts T_i = T0·Tmult^i.
 */
export function cosineWarmRestarts(initialLr: number, opts: { T0: number; Tmult?: number; etaMin?: number } & ScheduleOptions): LRSchedule {
  const op = 'cosineWarmRestarts';
  initialLrOf(op, initialLr);
  const per = perOf(op, opts, ['T0', 'Tmult', 'etaMin', 'per']);
  const o = (opts ?? {}) as Partial<typeof opts>;
  const T0 = checkPositiveInt(op, 'T0', o.T0);
  const Tmult = optInt(op, 'Tmult', o.Tmult, 1, { min: 1 });
  const etaMin = optNumber(op, 'etaMin', o.etaMin, 0, { min: 0 });
  return make(op, per, (t) => {
    let Ti = T0;
    let Tcur = t;
    if (Tmult === 1) Tcur = t % T0;
    else {
      while (Tcur >= Ti) {
        Tcur -= Ti;
        Ti *= Tmult;
      }
    }
    return etaMin + ((initialLr - etaMin) * (1 + Math.cos((Math.PI * Tcur) / Ti))) / 2;
  }, () => ({ type: op, initialLr, T0, Tmult, etaMin, per }));
}

export interface OneCycleOptions extends ScheduleOptions {
  /** The number of steps of the cycle (or give `epochs` and `stepsPerEpoch`). */
  totalSteps?: number;
  epochs?: number;
  stepsPerEpoch?: number;
  /** The fraction of the cycle spent raising the rate (default 0.3). */
  pctStart?: number;
  /** 'cos' (default) or 'linear'. */
  annealStrategy?: 'cos' | 'linear';
  /** The starting rate is maxLr/divFactor (default 25). */
  divFactor?: number;
  /** The final rate is the starting rate/finalDivFactor (default 1e4). */
  finalDivFactor?: number;
  /** Three phases (up, back down to the start, then to the final rate) instead of two (default false). */
  threePhase?: boolean;
  /** Cycle the optimizer's momentum (β₁ for Adam/AdamW) inversely to the rate (default true). */
  cycleMomentum?: boolean;
  /** The momentum at the peak rate (default 0.85). */
  baseMomentum?: number;
  /** The momentum at the start and the end (default 0.95). */
  maxMomentum?: number;
}

/** A one-cycle schedule: also gives the momentum of each step. */
export interface OneCycleSchedule extends LRSchedule {
  /** The momentum (or β₁) at step t, or undefined when `cycleMomentum` is false. */
  momentumAt(t: number): number | undefined;
}

/** Sets the momentum of `opt` (β₁ of Adam/AdamW, `momentum` of SGD and RMSprop). */
function setMomentum(op: string, opt: Optimizer, m: number): void {
  const o = opt as Optimizer & { beta1?: unknown; momentum?: unknown; config?: () => { type?: unknown } };
  const type = typeof o.config === 'function' ? String(o.config().type) : 'this optimizer';
  const hint = 'pass cycleMomentum: false to cycle the rate only';
  if (typeof o.beta1 === 'number') o.beta1 = m;
  else if (typeof o.momentum === 'number') {
    if (o.momentum === 0) throw new Error(`${op}: cycleMomentum needs an optimizer with momentum, and ${type} has momentum 0: create it with a momentum > 0 (e.g. { momentum: 0.9 }), or ${hint}`);
    o.momentum = m;
  } else throw new Error(`${op}: cycleMomentum needs an optimizer with a momentum or beta1 (sgd or rmsprop with momentum > 0, adam, adamw), got ${type}; ${hint}`);
}

/**
 * The one-cycle policy (PyTorch's OneCycleLR), stepped per optimizer step by default: the rate
 * rises from maxLr/divFactor to `maxLr` over the first `pctStart` of the `totalSteps` steps, then
 * anneals to maxLr/(divFactor·finalDivFactor) (cosine or linear); with `cycleMomentum` the
 * momentum goes the other way, from `maxMomentum` to `baseMomentum` and back. t may reach
 * totalSteps (as in PyTorch), not more.
 */
export function oneCycle(maxLr: number, opts: OneCycleOptions): OneCycleSchedule {
  const op = 'oneCycle';
  checkNumber(op, 'maxLr', maxLr, { min: 0 });
  const known = ['totalSteps', 'epochs', 'stepsPerEpoch', 'pctStart', 'annealStrategy', 'divFactor', 'finalDivFactor', 'threePhase', 'cycleMomentum', 'baseMomentum', 'maxMomentum', 'per'];
  if (opts === undefined) fail(op, 'options', 'an object with totalSteps (or epochs and stepsPerEpoch)', opts);
  const per = perOf(op, opts, known, 'step');
  const o = opts as Partial<OneCycleOptions>;
  let total: number;
  if (o.totalSteps !== undefined) {
    if (o.epochs !== undefined || o.stepsPerEpoch !== undefined) throw new Error(`${op}: give totalSteps, or epochs and stepsPerEpoch, not both`);
    total = checkPositiveInt(op, 'totalSteps', o.totalSteps);
  } else if (o.epochs !== undefined && o.stepsPerEpoch !== undefined) {
    total = checkPositiveInt(op, 'epochs', o.epochs) * checkPositiveInt(op, 'stepsPerEpoch', o.stepsPerEpoch);
  } else {
    throw new Error(`${op}: give totalSteps, or epochs and stepsPerEpoch (the steps of the whole cycle)`);
  }
  const pctStart = optNumber(op, 'pctStart', o.pctStart, 0.3, { min: 0, max: 1 });
  const anneal = o.annealStrategy === undefined ? 'cos' : checkOneOf(op, 'annealStrategy', o.annealStrategy, ['cos', 'linear'] as const);
  const divFactor = optNumber(op, 'divFactor', o.divFactor, 25, { above: 0 });
  const finalDivFactor = optNumber(op, 'finalDivFactor', o.finalDivFactor, 1e4, { above: 0 });
  const threePhase = optBoolean(op, 'threePhase', o.threePhase, false);
  const cycleMomentum = optBoolean(op, 'cycleMomentum', o.cycleMomentum, true);
  const baseMomentum = optNumber(op, 'baseMomentum', o.baseMomentum, 0.85, { min: 0, below: 1 });
  const maxMomentum = optNumber(op, 'maxMomentum', o.maxMomentum, 0.95, { min: 0, below: 1 });
  const initial = maxLr / divFactor;
  const min = initial / finalDivFactor;
  // [end step, start lr, end lr, start momentum, end momentum], as PyTorch lays the phases out
  type Phase = [number, number, number, number, number];
  const phases: Phase[] = threePhase
    ? [
        [pctStart * total - 1, initial, maxLr, maxMomentum, baseMomentum],
        [2 * pctStart * total - 2, maxLr, initial, baseMomentum, maxMomentum],
        [total - 1, initial, min, maxMomentum, maxMomentum],
      ]
    : [
        [pctStart * total - 1, initial, maxLr, maxMomentum, baseMomentum],
        [total - 1, maxLr, min, baseMomentum, maxMomentum],
      ];
  let start = 0;
  for (const [end] of phases) {
    if (end === start) throw new Error(`${op}: pctStart ${pctStart} with ${total} steps gives a phase of no length (at step ${end}); change pctStart or totalSteps`);
    start = end;
  }
  const annealFn = anneal === 'cos'
    ? (a: number, b: number, pct: number): number => b + ((a - b) / 2) * (Math.cos(Math.PI * pct) + 1)
    : (a: number, b: number, pct: number): number => (b - a) * pct + a;
  const at = (where: string, t: number): [number, number] => {
    checkInt(where, 't', t, { min: 0 });
    if (t > total) throw new Error(`${where}: t = ${t} is past the end of the cycle (totalSteps ${total}); make the cycle as long as the training`);
    let s = 0;
    for (let i = 0; i < phases.length; i++) {
      const [end, l0, l1, m0, m1] = phases[i]!;
      if (t <= end || i === phases.length - 1) {
        const pct = (t - s) / (end - s);
        return [annealFn(l0, l1, pct), annealFn(m0, m1, pct)];
      }
      s = end;
    }
    /* c8 ignore next */
    throw new Error(`${where}: no phase for t = ${t}`);
  };
  const config = (): ScheduleConfig => ({
    type: op, maxLr, totalSteps: total, pctStart, annealStrategy: anneal, divFactor, finalDivFactor, threePhase, cycleMomentum, baseMomentum, maxMomentum, per,
  });
  return {
    per,
    lrAt: (t: number): number => at(`${op}.lrAt`, t)[0],
    momentumAt: (t: number): number | undefined => {
      const m = at(`${op}.momentumAt`, t)[1];
      return cycleMomentum ? m : undefined;
    },
    apply(opt: Optimizer, t: number): number {
      checkOptimizer(`${op}.apply`, opt);
      const [lr, m] = at(`${op}.apply`, t);
      if (cycleMomentum) setMomentum(`${op}.apply`, opt, m);
      opt.lr = lr;
      return lr;
    },
    config,
  };
}

/** An `nb.optim` schedule (an object with lrAt(t) and per 'epoch' or 'step'). */
function checkScheduleArg(op: string, arg: string, v: unknown): LRSchedule {
  const s = v as Partial<LRSchedule> | null;
  if (s === null || typeof s !== 'object' || typeof s.lrAt !== 'function' || (s.per !== 'epoch' && s.per !== 'step')) {
    fail(op, arg, "an nb.optim schedule (with lrAt(t) and per 'epoch' or 'step')", v);
  }
  return s as LRSchedule;
}

/**
 * Linear warm-up, then `then`: for t < steps the rate rises linearly from
 * startFactor·then.lrAt(0) towards then.lrAt(0); from t = steps on it is then.lrAt(t − steps).
 * `steps` counts what `then` counts (its `per`). This is PyTorch's
 * SequentialLR([LinearLR(start_factor, total_iters = steps), then], milestones = [steps]);
 * startFactor defaults to LinearLR's 1/3 and may be 0.
 */
export function warmup(steps: number, then: LRSchedule, opts: { startFactor?: number } = {}): LRSchedule {
  const op = 'warmup';
  const n = checkPositiveInt(op, 'steps', steps);
  const next = checkScheduleArg(op, 'then', then);
  const o = checkOptions(op, opts, ['startFactor']);
  const startFactor = optNumber(op, 'startFactor', o.startFactor, 1 / 3, { min: 0, max: 1 });
  const lrAt = (t: number): number => (t < n ? next.lrAt(0) * (startFactor + ((1 - startFactor) * t) / n) : next.lrAt(t - n));
  const config = (): ScheduleConfig => ({ type: op, steps: n, startFactor, then: typeof next.config === 'function' ? next.config() : { type: 'custom' } });
  const s: LRSchedule = {
    per: next.per,
    lrAt: (t: number): number => lrAt(checkInt(`${op}.lrAt`, 't', t, { min: 0 })),
    apply(opt: Optimizer, t: number): number {
      checkOptimizer(`${op}.apply`, opt);
      checkInt(`${op}.apply`, 't', t, { min: 0 });
      if (t >= n && typeof next.apply === 'function') return next.apply(opt, t - n);
      const lr = lrAt(t);
      opt.lr = lr;
      return lr;
    },
    config,
  };
  if (typeof next.observe !== 'function') return s;
  return {
    ...s,
    monitor: next.monitor,
    observe(value: number, t: number): void {
      checkNumberLike(`${op}.observe`, 'value', value);
      checkInt(`${op}.observe`, 't', t, { min: 0 });
      // the metrics of the warm-up epochs are not the schedule's
      if (t >= n) next.observe!(value, t - n);
    },
    reset(): void {
      next.reset?.();
    },
    ...(typeof next.state === 'function' && typeof next.setState === 'function'
      ? { state: (): { [key: string]: number | string } => next.state!(), setState: (st: { [key: string]: number | string }): void => next.setState!(st) }
      : {}),
  };
}

/** A metric value: any number (NaN and ±Infinity count as no improvement). */
function checkNumberLike(op: string, arg: string, v: unknown): number {
  if (typeof v !== 'number') fail(op, arg, 'a number', v);
  return v;
}

export interface ReduceOnPlateauOptions {
  /** 'min' (default): lower is better; 'max': higher is better. */
  mode?: 'min' | 'max';
  /** The rate is multiplied by this, in [0, 1) (default 0.1). */
  factor?: number;
  /** Epochs without improvement tolerated before a reduction (default 10). */
  patience?: number;
  /** What counts as an improvement (default 1e-4): see thresholdMode. */
  threshold?: number;
  /** 'rel' (default): better than best·(1 ∓ threshold); 'abs': better than best ∓ threshold. */
  thresholdMode?: 'rel' | 'abs';
  /** Epochs to wait after a reduction before counting again (default 0). */
  cooldown?: number;
  /** The least rate (default 0). */
  minLr?: number;
  /** A reduction smaller than this is skipped (default 1e-8). */
  eps?: number;
  /** The metric `fit` feeds (default 'val_loss', or 'loss' without validation data). */
  monitor?: string;
}

/** A reduce-on-plateau schedule: its rate changes only through `observe`. */
export interface PlateauSchedule extends LRSchedule {
  observe(value: number, t?: number): void;
  reset(): void;
  /** The current rate. */
  readonly lr: number;
  /** The best value seen so far (±Infinity before the first). */
  readonly best: number;
}

/**
 * Reduce on plateau (PyTorch's ReduceLROnPlateau) as a schedule: starts at `initialLr` and
 * multiplies the rate by `factor` (not below `minLr`) when the metric fed to `observe` has not
 * improved for more than `patience` epochs, then waits `cooldown` epochs. `lrAt(t)` is the current
 * rate whatever t. Given to `fit` as `schedule`, it is fed the monitored metric after every epoch.
 */
export function reduceOnPlateau(initialLr: number, opts: ReduceOnPlateauOptions = {}): PlateauSchedule {
  const op = 'reduceOnPlateau';
  initialLrOf(op, initialLr);
  const o = checkOptions(op, opts, ['mode', 'factor', 'patience', 'threshold', 'thresholdMode', 'cooldown', 'minLr', 'eps', 'monitor']);
  const mode = o.mode === undefined ? 'min' : checkOneOf(op, 'mode', o.mode, ['min', 'max'] as const);
  const factor = optNumber(op, 'factor', o.factor, 0.1, { min: 0, below: 1 });
  const patience = optInt(op, 'patience', o.patience, 10, { min: 0 });
  const threshold = optNumber(op, 'threshold', o.threshold, 1e-4, { min: 0 });
  const thresholdMode = o.thresholdMode === undefined ? 'rel' : checkOneOf(op, 'thresholdMode', o.thresholdMode, ['rel', 'abs'] as const);
  const cooldown = optInt(op, 'cooldown', o.cooldown, 0, { min: 0 });
  const minLr = optNumber(op, 'minLr', o.minLr, 0, { min: 0 });
  const eps = optNumber(op, 'eps', o.eps, 1e-8, { min: 0 });
  if (o.monitor !== undefined && (typeof o.monitor !== 'string' || o.monitor === '')) fail(op, 'monitor', 'a non-empty string', o.monitor);
  const monitor = o.monitor;
  const worse = mode === 'min' ? Infinity : -Infinity;
  const better = (a: number, best: number): boolean => {
    if (mode === 'min') return thresholdMode === 'rel' ? a < best * (1 - threshold) : a < best - threshold;
    return thresholdMode === 'rel' ? a > best * (threshold + 1) : a > best + threshold;
  };
  let lr = initialLr;
  let best = worse;
  let bad = 0;
  let cooling = 0;
  const s: PlateauSchedule = {
    per: 'epoch',
    monitor,
    get lr() {
      return lr;
    },
    get best() {
      return best;
    },
    lrAt(t: number): number {
      checkInt(`${op}.lrAt`, 't', t, { min: 0 });
      return lr;
    },
    apply(opt: Optimizer, t: number): number {
      checkOptimizer(`${op}.apply`, opt);
      checkInt(`${op}.apply`, 't', t, { min: 0 });
      opt.lr = lr;
      return lr;
    },
    observe(value: number, t?: number): void {
      checkNumberLike(`${op}.observe`, 'value', value);
      if (t !== undefined) checkInt(`${op}.observe`, 't', t, { min: 0 });
      if (better(value, best)) {
        best = value;
        bad = 0;
      } else bad++;
      if (cooling > 0) {
        cooling--;
        bad = 0;
      }
      if (bad > patience) {
        const next = Math.max(lr * factor, minLr);
        if (lr - next > eps) lr = next;
        cooling = cooldown;
        bad = 0;
      }
    },
    reset(): void {
      lr = initialLr;
      best = worse;
      bad = 0;
      cooling = 0;
    },
    state: () => ({ lr, best: Number.isFinite(best) ? best : String(best), bad, cooling }),
    setState(st: { [key: string]: number | string }): void {
      const o = checkOptions(`${op}.setState`, st, ['lr', 'best', 'bad', 'cooling'], 'state');
      lr = checkNumber(`${op}.setState`, 'state.lr', o.lr, { min: 0 });
      best = typeof o.best === 'string' ? Number(o.best) : checkNumber(`${op}.setState`, 'state.best', o.best);
      bad = checkInt(`${op}.setState`, 'state.bad', o.bad, { min: 0 });
      cooling = checkInt(`${op}.setState`, 'state.cooling', o.cooling, { min: 0 });
    },
    config: (): ScheduleConfig => {
      const c: ScheduleConfig = { type: op, initialLr, mode, factor, patience, threshold, thresholdMode, cooldown, minLr, eps, per: 'epoch' };
      if (monitor !== undefined) c.monitor = monitor;
      return c;
    },
  };
  return s;
}
