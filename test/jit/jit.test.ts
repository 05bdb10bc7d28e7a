import { describe, it, expect } from 'vitest';
import * as nb from '../../src/index.js';
import { forEachSyncBackend } from '../conformance/backends.js';
import { trainer } from './trainer.js';

type Opt = ReturnType<typeof nb.optim.adam> | ReturnType<typeof nb.optim.sgd>;

/** A small MLP, its optimizer and a training step (forward, loss, backward, update), as eager code writes it. */
function setup(kind: 'adam' | 'sgd' | 'sgdm', seed = 1) {
  nb.seed(seed);
  const model = nb.nn.sequential(nb.nn.linear(12, 16), nb.nn.relu(), nb.nn.linear(16, 5));
  const opt: Opt = kind === 'adam' ? nb.optim.adam(0.01) : kind === 'sgd' ? nb.optim.sgd(0.1) : nb.optim.sgd(0.05, { momentum: 0.9 });
  return trainer(model, 12, opt);
}

function batches(n: number, rows = 8) {
  nb.seed(99);
  const out: [nb.Tensor, nb.Tensor][] = [];
  for (let i = 0; i < n; i++) out.push([nb.keep(nb.randn([rows, 12])), nb.keep(nb.randint(0, 5, [rows]))]);
  return out;
}

const bits = (t: nb.Tensor) => Array.from(t.dataSync() as Float32Array);

forEachSyncBackend('nb.jit: a whole training step', () => {
  for (const kind of ['adam', 'sgd', 'sgdm'] as const) {
    it(`${kind}: replayed steps give the eager losses and parameters bit for bit (no fusion)`, () => {
      const data = batches(6);
      const e = setup(kind);
      const j = setup(kind);
      const step = nb.jit(j.step, { fuse: false });
      for (const [x, y] of data) {
        const le = nb.tidy(() => e.step(x, y).item());
        const lj = nb.tidy(() => step(x, y).item());
        expect(lj).toBe(le);
      }
      e.params.forEach((p, i) => expect(bits(j.params[i] as nb.Tensor)).toEqual(bits(p)));
      e.params.forEach((p, i) => expect(bits((j.params[i] as nb.Tensor).grad as nb.Tensor)).toEqual(bits(p.grad as nb.Tensor)));
      expect(j.opt.stepsOf(j.params[0] as nb.Tensor)).toBe(6);
      const s = step.stats();
      expect(s).toHaveLength(1);
      expect(s[0]!.kernels).toBeGreaterThan(5);
      for (const p of [...e.params, ...j.params]) p.dispose();
    });
  }

  it('with fusion: within float32 tolerance of eager', () => {
    const data = batches(5);
    const e = setup('adam');
    const j = setup('adam');
    const step = nb.jit(j.step);
    for (const [x, y] of data) {
      const le = nb.tidy(() => e.step(x, y).item());
      const lj = nb.tidy(() => step(x, y).item());
      expect(Math.abs(lj - le)).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(le)));
    }
    e.params.forEach((p, i) => {
      const a = bits(p), b = bits(j.params[i] as nb.Tensor);
      a.forEach((v, k) => expect(Math.abs((b[k] as number) - v)).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(v))));
    });
  });

  it('traces again for a new signature, and keeps memory flat across replays', () => {
    const j = setup('adam');
    const step = nb.jit(j.step);
    const a = batches(1, 8)[0]!;
    const b = batches(1, 4)[0]!;
    for (let i = 0; i < 3; i++) nb.tidy(() => { step(a[0], a[1]); });
    const m0 = nb.memory();
    for (let i = 0; i < 5; i++) nb.tidy(() => { step(a[0], a[1]); });
    const m1 = nb.memory();
    expect(m1.numTensors).toBe(m0.numTensors);
    expect(m1.numBytes).toBe(m0.numBytes);
    for (let i = 0; i < 3; i++) nb.tidy(() => { step(b[0], b[1]); });
    expect(step.stats().map((s) => s.signature.includes('[4,12]'))).toEqual([false, true]);
  });

  it('a changed learning rate retraces (the rate is baked into the plan)', () => {
    const data = batches(6);
    const e = setup('sgd');
    const j = setup('sgd');
    const step = nb.jit(j.step, { fuse: false });
    data.forEach(([x, y], i) => {
      if (i === 3) { e.opt.lr = 0.02; j.opt.lr = 0.02; }
      const le = nb.tidy(() => e.step(x, y).item());
      const lj = nb.tidy(() => step(x, y).item());
      expect(lj).toBe(le);
    });
    e.params.forEach((p, i) => expect(bits(j.params[i] as nb.Tensor)).toEqual(bits(p)));
    expect(step.stats()[0]!.traces).toBe(2);
  });
});

describe('nb.jit: graph passes', () => {
  it('folds constants, merges common subexpressions and prunes dead calls', () => {
    nb.setBackend('cpu');
    const W = nb.keep(nb.randn([4, 3]));
    const f = (x: nb.Tensor) => {
      const c = nb.mul(nb.ones([3]), 2); // constant: folded
      const a = nb.matmul(x, W);
      const b = nb.matmul(x, W); // the same call: merged
      nb.exp(a); // unused: pruned
      return nb.add(nb.mul(a, c), b);
    };
    const g = nb.jit(f, { warmup: 0, fuse: false });
    const x = nb.randn([2, 4]);
    const want = Array.from(f(x).dataSync());
    expect(Array.from(g(x).dataSync())).toEqual(want);
    expect(Array.from(g(x).dataSync())).toEqual(want);
    const s = g.stats()[0]!;
    expect(s.folded).toBeGreaterThanOrEqual(2);
    expect(s.cse).toBeGreaterThanOrEqual(1);
    expect(s.pruned).toBeGreaterThanOrEqual(1);
    expect(s.kernels).toBe(3);
    // a captured tensor is read at each replay
    W.assign(nb.zeros([4, 3]));
    expect(Array.from(g(x).dataSync())).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('returns the same structure (arrays, objects) and detached tensors', () => {
    nb.setBackend('cpu');
    const g = nb.jit((x: nb.Tensor) => ({ s: nb.sum(x), both: [nb.neg(x), nb.square(x)] }), { warmup: 0 });
    const x = nb.tensor([1, 2, 3]);
    g(x);
    const r = g(x);
    expect(r.s.item()).toBe(6);
    expect(r.both[1]!.arraySync()).toEqual([1, 4, 9]);
    expect(r.both[0]!.requiresGrad).toBe(false);
  });
});

describe('nb.jit: errors', () => {
  it('names what a traced function may not do, and what to do instead', () => {
    nb.setBackend('cpu');
    const x = nb.tensor([1, 2]);
    expect(() => nb.jit((t: nb.Tensor) => nb.sum(t).item() as unknown as nb.Tensor, { warmup: 0 })(x)).toThrow(/read tensor values while being traced.*Return the tensor/);
    expect(() => nb.jit((t: nb.Tensor) => (nb.sum(t).item() > 0 ? t : nb.neg(t)), { warmup: 0 })(x)).toThrow(/cannot follow a branch/);
    expect(() => nb.jit((t: nb.Tensor) => nb.add(t, nb.randn([2])), { warmup: 0 })(x)).toThrow(/draws random numbers.*pass them in as arguments/);
    expect(() => nb.jit((_t: nb.Tensor) => 3 as unknown as nb.Tensor, { warmup: 0 })(x)).toThrow(/must return tensors.*result is 3/);
    expect(() => nb.jit(async (t: nb.Tensor) => t, { warmup: 0 })(x)).toThrow(/returned a Promise/);
    expect(() => nb.jit((t: nb.Tensor) => t, { warmup: 0 })(x)).toThrow(/did not compute/);
    const kept: nb.Tensor[] = [];
    expect(() => nb.jit((t: nb.Tensor) => { kept.push(nb.keep(nb.neg(t))); return nb.exp(t); }, { warmup: 0 })(x)).toThrow(/keeps 1 tensor\(s\) it created alive.*assign\(\)/);
    expect(() => nb.jit(3 as unknown as () => nb.Tensor)).toThrow(/^jit: fn must be a function, got 3/);
    expect(nb.memory().numTensors).toBeGreaterThan(0);
  });
});

describe('nb.jit: a function that cannot be compiled runs exactly once per call', () => {
  it('keeps its side effects single when it reads values or draws random numbers mid-way', () => {
    nb.setBackend('cpu');
    const w = nb.keep(nb.tensor([0, 0]));
    const x = nb.tensor([1, 2]);
    const step = (t: nb.Tensor): nb.Tensor => {
      w.assign(nb.add(w, t));
      const s = nb.sum(w).item(); // a read after the update: tracing cannot go on
      return nb.mul(w, s);
    };
    // without fallback: the error, and the update happened once (the trace was the eager run)
    expect(() => nb.jit(step, { warmup: 0 })(x)).toThrow(/read tensor values while being traced/);
    expect(w.arraySync()).toEqual([1, 2]);
    // with fallback: the traced run's result is returned, and later calls run eagerly, once each
    const f = nb.jit(step, { warmup: 0, fallback: true });
    expect(f(x).arraySync()).toEqual([2 * 6, 4 * 6]);
    expect(w.arraySync()).toEqual([2, 4]);
    expect(f(x).arraySync()).toEqual([3 * 9, 6 * 9]);
    expect(w.arraySync()).toEqual([3, 6]);
    const r = nb.jit((t: nb.Tensor) => { w.assign(nb.add(w, t)); return nb.add(w, nb.mul(nb.randn([2]), 0)); }, { warmup: 0, fallback: true })(x);
    expect(r.arraySync()).toEqual([4, 8]);
    expect(w.arraySync()).toEqual([4, 8]);
    const n = nb.jit((t: nb.Tensor) => { w.assign(nb.add(w, t)); return 7 as unknown as nb.Tensor; }, { warmup: 0, fallback: true })(x);
    expect(n).toBe(7);
    expect(w.arraySync()).toEqual([5, 10]);
  });
});
