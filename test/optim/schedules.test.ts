import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { onBackend } from '../nn/helpers.js';

describe('learning-rate schedules', () => {
  it('step decay: η_k = α·η_{k−1} every n epochs', () => {
    const s = nb.optim.stepDecay(0.1, { factor: 0.5, every: 2 });
    expect([0, 1, 2, 3, 4, 5].map((t) => s.lrAt(t))).toEqual([0.1, 0.1, 0.05, 0.05, 0.025, 0.025]);
    expect(s.per).toBe('epoch');
    expect(s.config()).toEqual({ type: 'stepDecay', initialLr: 0.1, factor: 0.5, every: 2, per: 'epoch' });
  });
  it('exponential decay: η₀·e^(−kt)', () => {
    const s = nb.optim.exponentialDecay(0.2, 0.5, { per: 'step' });
    expect(s.lrAt(0)).toBe(0.2);
    expect(s.lrAt(2)).toBeCloseTo(0.2 * Math.exp(-1), 15);
    expect(s.per).toBe('step');
  });
  it('any function of the step, validated', () => {
    const s = nb.optim.lambdaSchedule((t) => 1 / (1 + t));
    expect(s.lrAt(3)).toBe(0.25);
    expect(() => nb.optim.lambdaSchedule(() => Number.NaN).lrAt(0)).toThrow(/the function gave NaN at t = 0/);
    expect(() => s.lrAt(-1)).toThrow(/lrAt: t must be an integer ≥ 0, got -1/);
  });
  it('apply() sets the optimizer learning rate that the next step uses', () => onBackend('cpu', () => {
    // float64 weight checked to 12 digits: on the reference backend.
    const opt = nb.optim.sgd(1);
    const s = nb.optim.stepDecay(1, { factor: 0.1, every: 1 });
    expect(s.apply(opt, 2)).toBeCloseTo(0.01, 15);
    expect(opt.lr).toBeCloseTo(0.01, 15);
    const w = nb.tensor([1], { dtype: 'float64', requiresGrad: true });
    w.grad = nb.tensor([1], { dtype: 'float64' });
    opt.step([w]);
    expect(w.item()).toBeCloseTo(0.99, 12);
    expect(nb.optim.constantSchedule(0.3).lrAt(10)).toBe(0.3);
  }));
  it('rejects bad arguments', () => {
    expect(() => nb.optim.stepDecay(0.1, { factor: 0, every: 1 })).toThrow('stepDecay: factor must be a finite number > 0, got 0');
    expect(() => nb.optim.stepDecay(0.1, { factor: 0.5, every: 0 })).toThrow('stepDecay: every must be a positive integer, got 0');
    expect(() => nb.optim.exponentialDecay(0.1, -1)).toThrow('exponentialDecay: k must be a finite number ≥ 0, got -1');
  });
});
