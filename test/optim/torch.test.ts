/**
 * Optimizers and learning-rate schedules replayed against PyTorch: test/fixtures/torch/optim.json
 * (written by scripts/torch/optim.py) holds PyTorch's parameter trajectories over a few steps of a
 * small fixed problem and the rates (and momenta) of its schedulers, step by step.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { pinBackend } from '../nn/helpers.js';

interface ScheduleDesc { type: string; [k: string]: unknown }
type Kind = 'sgd' | 'adagrad' | 'rmsprop' | 'adadelta' | 'adam' | 'adamw';
interface OptimizerCase {
  name: string;
  optimizer: Kind;
  lr: number;
  options?: Record<string, unknown>;
  dtype?: 'float32';
  steps: number;
  schedule?: ScheduleDesc;
  /** w after each step. */
  w: number[][];
  /** With a schedule: the lr and momentum (β₁) each step used. */
  lrs?: number[];
  momenta?: (number | null)[];
}
interface ScheduleCase {
  name: string;
  optimizer?: Kind;
  lr: number;
  options?: Record<string, unknown>;
  steps: number;
  /** Fed to reduce-on-plateau after each epoch. */
  metrics?: number[];
  schedule: ScheduleDesc;
  lrs: number[];
  momenta?: number[];
}
const fixture = JSON.parse(readFileSync(new URL('../fixtures/torch/optim.json', import.meta.url), 'utf8')) as {
  problem: { w0: number[]; a: number[]; c: number[] };
  optimizers: OptimizerCase[];
  schedules: ScheduleCase[];
};
const { w0, a, c } = fixture.problem;

/** The nabla schedule a fixture describes (nabla's option names); `lr` is the base rate. */
function scheduleOf(s: ScheduleDesc, lr: number): nb.optim.LRSchedule {
  const { type, ...o } = s;
  switch (type) {
    case 'multiStep': return nb.optim.multiStep(lr, o as { milestones: number[]; gamma: number });
    case 'cosineWarmRestarts': return nb.optim.cosineWarmRestarts(lr, o as { T0: number });
    case 'oneCycle': {
      const { maxLr, ...rest } = o as unknown as { maxLr: number } & nb.optim.OneCycleOptions;
      return nb.optim.oneCycle(maxLr, rest);
    }
    case 'warmup': return nb.optim.warmup(o.steps as number, scheduleOf(o.then as ScheduleDesc, lr), { startFactor: o.startFactor as number });
    case 'reduceOnPlateau': return nb.optim.reduceOnPlateau(lr, o as nb.optim.ReduceOnPlateauOptions);
    default: throw new Error(`unknown schedule ${type}`);
  }
}

function optimizerOf(kind: string, lr: number, options: Record<string, unknown> = {}): nb.optim.Optimizer {
  return (nb.optim[kind as 'sgd'] as (lr: number, o: object) => nb.optim.Optimizer)(lr, options);
}

const momentumOf = (opt: nb.optim.Optimizer): number | null => {
  const o = opt as unknown as { beta1?: number; momentum?: number };
  return o.beta1 ?? o.momentum ?? null;
};

function expectClose(got: number[], want: number[], rtol: number, atol: number, what: string): void {
  expect(got.length, what).toBe(want.length);
  got.forEach((g, i) => {
    const w = want[i]!;
    if (!(Math.abs(g - w) <= atol + rtol * Math.abs(w))) throw new Error(`${what}, element ${i}: got ${g}, PyTorch ${w} (all: ${got.join(', ')} vs ${want.join(', ')})`);
  });
}

describe('optimizers match PyTorch step by step', () => {
  pinBackend('cpu');
  for (const k of fixture.optimizers) {
    it(k.name, () => {
      const dtype = k.dtype ?? 'float64';
      const tol = dtype === 'float64' ? 1e-12 : 2e-6;
      const opt = optimizerOf(k.optimizer, k.lr, k.options);
      const sched = k.schedule ? scheduleOf(k.schedule, k.lr) : null;
      const w = nb.tensor(w0, { dtype, requiresGrad: true });
      for (let t = 0; t < k.steps; t++) {
        if (sched) {
          sched.apply(opt, t);
          expectClose([opt.lr], [k.lrs![t]!], 1e-13, 1e-17, `${k.name}: lr of step ${t}`);
          const m = k.momenta?.[t];
          if (m !== null && m !== undefined) expectClose([momentumOf(opt)!], [m], 1e-13, 0, `${k.name}: momentum of step ${t}`);
        }
        const x = Array.from(w.dataSync() as ArrayLike<number>, Number);
        w.grad = nb.tensor(x.map((v, i) => a[i]! * (v - c[i]!) + 0.2 * v ** 3), { dtype });
        opt.step([w]);
        expectClose(Array.from(w.dataSync() as ArrayLike<number>, Number), k.w[t]!, tol, tol, `${k.name}: w after step ${t + 1}`);
      }
    });
  }
});

describe('optimizers match PyTorch in float32 on every backend', () => {
  for (const backend of nb.backendNames()) {
    for (const k of fixture.optimizers.filter((x) => x.dtype === 'float32')) {
      it(`${k.name} [${backend}]`, () => {
        const prev = nb.getBackend().name;
        nb.setBackend(backend);
        try {
          const opt = optimizerOf(k.optimizer, k.lr, k.options);
          const w = nb.tensor(w0, { requiresGrad: true });
          for (let t = 0; t < k.steps; t++) {
            const x = Array.from(w.dataSync() as ArrayLike<number>, Number);
            w.grad = nb.tensor(x.map((v, i) => a[i]! * (v - c[i]!) + 0.2 * v ** 3));
            opt.step([w]);
            expectClose(Array.from(w.dataSync() as ArrayLike<number>, Number), k.w[t]!, 2e-6, 2e-6, `${k.name}: w after step ${t + 1}`);
          }
        } finally {
          nb.setBackend(prev);
        }
      });
    }
  }
});

describe('schedules match PyTorch step by step', () => {
  for (const k of fixture.schedules) {
    it(k.name, () => {
      const sched = scheduleOf(k.schedule, k.lr);
      const opt = optimizerOf(k.optimizer ?? 'sgd', k.lr, k.options);
      for (let t = 0; t < k.steps; t++) {
        const want = k.lrs[t]!;
        expectClose([sched.lrAt(t)], [want], 1e-13, 1e-17, `${k.name}: lrAt(${t})`);
        expect(sched.apply(opt, t)).toBe(sched.lrAt(t));
        expectClose([opt.lr], [want], 1e-13, 1e-17, `${k.name}: lr set by apply(opt, ${t})`);
        if (k.momenta) {
          expectClose([momentumOf(opt)!], [k.momenta[t]!], 1e-13, 0, `${k.name}: momentum at step ${t}`);
          const m = (sched as nb.optim.OneCycleSchedule).momentumAt(t);
          if (k.schedule.cycleMomentum !== false) expectClose([m!], [k.momenta[t]!], 1e-13, 0, `${k.name}: momentumAt(${t})`);
        }
        if (k.metrics) sched.observe!(k.metrics[t]!, t);
      }
    });
  }
});
