/**
 * Learning-rate schedules (SCOPE §5) as small objects the fit loop calls: `lrAt(t)` gives the
 * rate for epoch (or step) t, counted from 0, and `apply(optimizer, t)` sets `optimizer.lr`.
 * `per` says whether t counts epochs or optimizer steps.
 */
import type { Optimizer } from './optimizer.js';

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

function make(per: 'epoch' | 'step', lrAt: (t: number) => number, config: () => { type: string; [k: string]: number | string }): LRSchedule {
  return {
    per,
    lrAt(t: number): number {
      if (!(Number.isInteger(t) && t >= 0)) throw new Error(`schedule: t must be a non-negative integer, got ${t}`);
      return lrAt(t);
    },
    apply(opt: Optimizer, t: number): number {
      const lr = this.lrAt(t);
      opt.lr = lr;
      return lr;
    },
    config,
  };
}

/** Step decay: η_k = η₀·α^⌊k/n⌋ — the rate is multiplied by `factor` (α) every `every` (n) epochs. */
export function stepDecay(initialLr: number, opts: { factor: number; every: number } & ScheduleOptions): LRSchedule {
  const { factor, every } = opts;
  if (!(factor > 0)) throw new Error(`stepDecay: factor must be positive, got ${factor}`);
  if (!(Number.isInteger(every) && every >= 1)) throw new Error(`stepDecay: every must be a positive integer, got ${every}`);
  const per = opts.per ?? 'epoch';
  return make(per, (t) => initialLr * factor ** Math.floor(t / every), () => ({ type: 'stepDecay', initialLr, factor, every, per }));
}

/** Exponential decay: η_t = η₀·e^(−k·t). */
export function exponentialDecay(initialLr: number, k: number, opts: ScheduleOptions = {}): LRSchedule {
  if (!(k >= 0)) throw new Error(`exponentialDecay: k must be non-negative, got ${k}`);
  const per = opts.per ?? 'epoch';
  return make(per, (t) => initialLr * Math.exp(-k * t), () => ({ type: 'exponentialDecay', initialLr, k, per }));
}

/** Any function of the epoch/step: `lambdaSchedule((t) => 0.1 / (1 + t))`. */
export function lambdaSchedule(fn: (t: number) => number, opts: ScheduleOptions = {}): LRSchedule {
  const per = opts.per ?? 'epoch';
  return make(
    per,
    (t) => {
      const lr = fn(t);
      if (!(Number.isFinite(lr) && lr >= 0)) throw new Error(`lambdaSchedule: the function gave ${lr} at t = ${t}; learning rates must be non-negative numbers`);
      return lr;
    },
    () => ({ type: 'lambda', per }),
  );
}

/** A constant rate (useful as a default). */
export function constantSchedule(lr: number, opts: ScheduleOptions = {}): LRSchedule {
  const per = opts.per ?? 'epoch';
  return make(per, () => lr, () => ({ type: 'constant', lr, per }));
}
