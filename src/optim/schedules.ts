/**
 * Learning-rate schedules (SCOPE §5) as small objects the fit loop calls: `lrAt(t)` gives the
 * rate for epoch (or step) t, counted from 0, and `apply(optimizer, t)` sets `optimizer.lr`.
 * `per` says whether t counts epochs or optimizer steps.
 */
import type { Optimizer } from './optimizer.js';
import { checkFunction, checkInt, checkNumber, checkOneOf, checkOptions, describe, fail } from '../validate.js';
import { checkPositiveInt } from '../nn/checks.js';

export interface LRSchedule {
  /** Whether `t` counts epochs (the default) or steps. */
  readonly per: 'epoch' | 'step';
  /** The learning rate at epoch/step t (t = 0 is the first). */
  lrAt(t: number): number;
  /** Sets `opt.lr = lrAt(t)` and returns it. */
  apply(opt: Optimizer, t: number): number;
  /** A JSON description (function schedules report only their kind). */
  config(): { type: string; [k: string]: number | string };
}

export interface ScheduleOptions {
  per?: 'epoch' | 'step';
}

const PER = ['epoch', 'step'] as const;

/** Checks a schedule's options (`known` keys, `per` among them) and returns `per`. */
function perOf(name: string, opts: object | undefined, known: readonly string[] = ['per']): 'epoch' | 'step' {
  const o = checkOptions(name, opts as ScheduleOptions | undefined, known);
  return o.per === undefined ? 'epoch' : checkOneOf(name, 'per', o.per, PER);
}

/** `name` (the factory's) prefixes errors of lrAt and apply. */
function make(name: string, per: 'epoch' | 'step', lrAt: (t: number) => number, config: () => { type: string; [k: string]: number | string }): LRSchedule {
  return {
    per,
    lrAt(t: number): number {
      return lrAt(checkInt(`${name}.lrAt`, 't', t, { min: 0 }));
    },
    apply(opt: Optimizer, t: number): number {
      if (opt === null || typeof opt !== 'object' || typeof (opt as Partial<Optimizer>).lr !== 'number') {
        fail(`${name}.apply`, 'optimizer', 'an optimizer (an object with a numeric lr)', opt);
      }
      const lr = lrAt(checkInt(`${name}.apply`, 't', t, { min: 0 }));
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
    () => ({ type: 'lambda', per }),
  );
}

/** A constant rate (useful as a default). */
export function constantSchedule(lr: number, opts: ScheduleOptions = {}): LRSchedule {
  checkNumber('constantSchedule', 'lr', lr, { min: 0 });
  const per = perOf('constantSchedule', opts);
  return make('constantSchedule', per, () => lr, () => ({ type: 'constant', lr, per }));
}
