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

describe('multiStep, cosineWarmRestarts, oneCycle, warmup (values against PyTorch in torch.test.ts)', () => {
  it('multiStep: ×gamma at each milestone; config is JSON', () => {
    const s = nb.optim.multiStep(1, { milestones: [2, 4], gamma: 0.5 });
    expect([0, 1, 2, 3, 4, 5].map((t) => s.lrAt(t))).toEqual([1, 1, 0.5, 0.5, 0.25, 0.25]);
    expect(s.config()).toEqual({ type: 'multiStep', initialLr: 1, milestones: [2, 4], gamma: 0.5, per: 'epoch' });
    expect(nb.optim.multiStep(1, { milestones: [] }).lrAt(100)).toBe(1);
  });
  it('cosineWarmRestarts: a cosine from initialLr to etaMin, restarting after T0, T0·Tmult, …', () => {
    const s = nb.optim.cosineWarmRestarts(1, { T0: 2, Tmult: 2, per: 'step' });
    // periods of 2, 4, 8 steps: restarts at t = 2 and t = 6
    expect([0, 2, 6].map((t) => s.lrAt(t))).toEqual([1, 1, 1]);
    expect(s.lrAt(1)).toBeCloseTo(0.5, 15);
    expect(s.lrAt(4)).toBeCloseTo(0.5, 15);
    expect(s.per).toBe('step');
    expect(nb.optim.cosineWarmRestarts(1, { T0: 4, etaMin: 0.5 }).lrAt(2)).toBeCloseTo(0.75, 15);
  });
  it('oneCycle counts optimizer steps by default, may be given epochs × stepsPerEpoch, ends at t = totalSteps', () => {
    const s = nb.optim.oneCycle(1, { epochs: 2, stepsPerEpoch: 5 });
    expect(s.per).toBe('step');
    expect(s.config()).toMatchObject({ type: 'oneCycle', maxLr: 1, totalSteps: 10, pctStart: 0.3, annealStrategy: 'cos' });
    expect(s.lrAt(0)).toBeCloseTo(1 / 25, 15);
    expect(s.lrAt(9)).toBeCloseTo(1 / 25 / 1e4, 15);
    expect(s.momentumAt(0)).toBe(0.95);
    expect(() => s.lrAt(10)).not.toThrow(); // PyTorch computes one rate past the last step too
    expect(() => s.lrAt(11)).toThrow('oneCycle.lrAt: t = 11 is past the end of the cycle (totalSteps 10)');
    expect(nb.optim.oneCycle(1, { totalSteps: 10, cycleMomentum: false }).momentumAt(3)).toBeUndefined();
  });
  it('oneCycle cycles β₁ of Adam and the momentum of SGD and RMSprop; cycleMomentum: false leaves it', () => {
    const s = nb.optim.oneCycle(1, { totalSteps: 10, pctStart: 0.5 });
    const adam = nb.optim.adam();
    s.apply(adam, 4);
    expect(adam.beta1).toBeCloseTo(0.85, 15);
    expect(adam.lr).toBeCloseTo(1, 15);
    const sgd = nb.optim.sgd(0.1, { momentum: 0.9 });
    s.apply(sgd, 0);
    expect(sgd.momentum).toBe(0.95);
    const rms = nb.optim.rmsprop(0.1, { momentum: 0.5 });
    s.apply(rms, 4);
    expect(rms.momentum).toBeCloseTo(0.85, 15);
    const plain = nb.optim.sgd(0.1);
    nb.optim.oneCycle(1, { totalSteps: 10, cycleMomentum: false }).apply(plain, 0);
    expect(plain.lr).toBeCloseTo(0.04, 15);
    expect(plain.momentum).toBe(0);
  });
  it('warmup: linear from startFactor·then.lrAt(0), then the schedule from its own t = 0', () => {
    const s = nb.optim.warmup(4, nb.optim.stepDecay(1, { factor: 0.5, every: 2, per: 'step' }), { startFactor: 0 });
    expect(s.per).toBe('step');
    expect([0, 1, 2, 3, 4, 5, 6].map((t) => s.lrAt(t))).toEqual([0, 0.25, 0.5, 0.75, 1, 1, 0.5]);
    expect(s.config()).toEqual({ type: 'warmup', steps: 4, startFactor: 0, then: { type: 'stepDecay', initialLr: 1, factor: 0.5, every: 2, per: 'step' } });
    expect(s.observe).toBeUndefined();
    expect(nb.optim.warmup(3, nb.optim.constantSchedule(0.3)).lrAt(0)).toBeCloseTo(0.1, 15); // startFactor 1/3
    // over oneCycle, apply sets the momentum once the cycle starts
    const w = nb.optim.warmup(2, nb.optim.oneCycle(1, { totalSteps: 10 }));
    const opt = nb.optim.sgd(0.1, { momentum: 0.5 });
    w.apply(opt, 1);
    expect(opt.momentum).toBe(0.5);
    w.apply(opt, 2);
    expect(opt.momentum).toBe(0.95);
  });
});

describe('reduceOnPlateau as a schedule', () => {
  it('reduces after more than `patience` epochs without improvement, then cools down; reset starts over', () => {
    const s = nb.optim.reduceOnPlateau(1, { patience: 1, factor: 0.5, cooldown: 1 });
    expect(s.per).toBe('epoch');
    const lrs: number[] = [];
    for (const [t, v] of [1, 1, 1, 1, 1, 1, 1].entries()) {
      s.observe(v, t);
      lrs.push(s.lrAt(t + 1));
    }
    // best 1 at t = 0; bad at 1, 2 → reduce after t = 2; cooldown swallows t = 3; bad at 4, 5 → reduce
    expect(lrs).toEqual([1, 1, 0.5, 0.5, 0.5, 0.25, 0.25]);
    expect(s.best).toBe(1);
    s.reset();
    expect(s.lr).toBe(1);
    expect(s.best).toBe(Infinity);
    expect(s.config()).toEqual({ type: 'reduceOnPlateau', initialLr: 1, mode: 'min', factor: 0.5, patience: 1, threshold: 1e-4, thresholdMode: 'rel', cooldown: 1, minLr: 0, eps: 1e-8, per: 'epoch' });
  });
  it('NaN never improves (as PyTorch); minLr bounds the rate', () => {
    const s = nb.optim.reduceOnPlateau(1, { patience: 0, minLr: 0.3, factor: 0.5 });
    s.observe(NaN);
    expect(s.lr).toBe(0.5);
    s.observe(NaN);
    expect(s.lr).toBe(0.3);
    s.observe(NaN);
    expect(s.lr).toBe(0.3);
  });
  it('fit feeds it the monitored metric after every epoch', async () => {
    nb.seed(7);
    const data = nb.data.toyTensors(nb.data.circle({ n: 40, seed: 1 }));
    const model = nb.nn.sequential(nb.nn.linear(2, 8), nb.nn.tanh(), nb.nn.linear(8, 2));
    // the training loss falls, so in mode 'max' no epoch improves on the first: with patience 0
    // every epoch after the first halves the rate
    const sched = nb.optim.reduceOnPlateau(0.05, { mode: 'max', patience: 0, factor: 0.5, monitor: 'loss' });
    const h = await nb.train.fit(model, data, { epochs: 4, batchSize: 40, optimizer: nb.optim.sgd(1), schedule: sched, verbose: 0 });
    expect(h.epochs.map((e) => e.lr)).toEqual([0.05, 0.05, 0.025, 0.0125]);
    expect(sched.lr).toBe(0.00625);
    // an unknown metric names it
    const bad = nb.optim.reduceOnPlateau(0.05, { monitor: 'val_accuracy' });
    await expect(nb.train.fit(model, data, { epochs: 1, optimizer: nb.optim.sgd(1), schedule: bad, verbose: 0 })).rejects.toThrow("lrScheduler: metric 'val_accuracy' is not in the epoch logs");
    // warmup over it: the warm-up epochs' metrics are not fed
    const w = nb.optim.warmup(2, nb.optim.reduceOnPlateau(0.04, { mode: 'max', patience: 0, factor: 0.5, monitor: 'loss' }), { startFactor: 0.5 });
    const h2 = await nb.train.fit(model, data, { epochs: 6, batchSize: 40, optimizer: nb.optim.sgd(1), schedule: w, verbose: 0 });
    expect(h2.epochs.map((e) => e.lr)).toEqual([0.02, 0.03, 0.04, 0.04, 0.02, 0.01]);
    nb.dispose(data);
    model.dispose();
  });
  it('fit applies oneCycle per step, momentum included', async () => {
    nb.seed(8);
    const data = nb.data.toyTensors(nb.data.circle({ n: 40, seed: 2 }));
    const model = nb.nn.sequential(nb.nn.linear(2, 4), nb.nn.tanh(), nb.nn.linear(4, 2));
    const opt = nb.optim.sgd(0.1, { momentum: 0.9 });
    const sched = nb.optim.oneCycle(0.2, { epochs: 2, stepsPerEpoch: 4 });
    const seen: [number, number][] = [];
    await nb.train.fit(model, data, {
      epochs: 2, batchSize: 10, optimizer: opt, schedule: sched, verbose: 0,
      callbacks: [{ onBatchEnd: (_l, ctx) => void seen.push([ctx.optimizer.lr, (ctx.optimizer as nb.optim.SGD).momentum]) }],
    });
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6, 7].map((t) => [sched.lrAt(t), sched.momentumAt(t)]));
    nb.dispose(data);
    model.dispose();
  });
});

