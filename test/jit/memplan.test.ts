/**
 * nb.jit's static memory plan: the placement of buffers in one slab (src/jit/memplan.ts), and
 * on wasm (src/backends/wasm/planned-alloc.ts) replays that take their intermediates from the
 * slab — bit for bit what eager code and unplanned replays compute, with flat memory, and a safe
 * fallback when a replay departs from the recorded one.
 */
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { overlaps, placeBuffers, type Lifetime } from '../../src/jit/memplan.js';
import { createWasmBackend } from '../../src/backends/wasm/index.js';
import { trainer } from './trainer.js';
import { PlannedReplay, SlabAllocs, type SlabDevice } from '../../src/backends/wasm/planned-alloc.js';
import { Random } from '../../src/tensor/random.js';

describe('memory plan: placement', () => {
  it('buffers whose lifetimes overlap never share bytes; offsets are 64-byte aligned', () => {
    const r = new Random(7);
    for (let trial = 0; trial < 20; trial++) {
      const bufs: Lifetime[] = [];
      for (let i = 0; i < 120; i++) {
        const alloc = Math.floor(r.uniform() * 400);
        bufs.push({ bytes: 1 + Math.floor(r.uniform() * 5000), alloc, free: alloc + 1 + Math.floor(r.uniform() * 60) });
      }
      const { offsets, slabBytes, plannedBytes } = placeBuffers(bufs);
      expect(plannedBytes).toBe(bufs.reduce((s, b) => s + b.bytes, 0));
      for (let i = 0; i < bufs.length; i++) {
        const oi = offsets[i] as number;
        const bi = bufs[i] as Lifetime;
        expect(oi % 64).toBe(0);
        expect(oi + bi.bytes).toBeLessThanOrEqual(slabBytes);
        for (let j = i + 1; j < bufs.length; j++) {
          const bj = bufs[j] as Lifetime;
          if (!overlaps(bi, bj)) continue;
          const oj = offsets[j] as number;
          const disjoint = oi + bi.bytes <= oj || oj + bj.bytes <= oi;
          expect(disjoint, `buffers ${i} and ${j} overlap in time and in bytes`).toBe(true);
        }
      }
    }
  });

  it('buffers live at different times share bytes: a chain needs two buffers of room', () => {
    // a → b → c → d: each buffer is read by the next kernel and freed after it
    const chain: Lifetime[] = [0, 1, 2, 3, 4, 5].map((k) => ({ bytes: 1000, alloc: 2 * k, free: 2 * k + 3 }));
    const p = placeBuffers(chain);
    expect(p.plannedBytes).toBe(6000);
    expect(p.slabBytes).toBe(2 * 1024);
    expect(placeBuffers([{ bytes: 100, alloc: 0, free: 1 }, { bytes: 100, alloc: 2, free: 3 }]).offsets).toEqual([0, 0]);
    expect(placeBuffers([]).slabBytes).toBe(0);
  });
});

/** A pretend device: a bump arena that remembers what is taken. */
function fakeDevice(): SlabDevice & { live: Map<number, number>; top: number; releaseToArena(p: number, bytes?: number): void } {
  const d = {
    live: new Map<number, number>(),
    top: 1 << 16,
    takeFromArena(bytes: number): number {
      const p = d.top;
      d.top += Math.ceil(bytes / 64) * 64 + 64;
      d.live.set(p, bytes);
      return p;
    },
    releaseToArena(p: number): void {
      expect(d.live.delete(p), `release of ${p}, not taken`).toBe(true);
    },
  };
  return d;
}

describe('memory plan: the wasm replay allocator', () => {
  /** Records one replay: a (100) and b (200) taken, a freed, c (100) taken and freed; b escapes. */
  function recorded() {
    const dev = fakeDevice();
    const host = new SlabAllocs(dev);
    const plan = new PlannedReplay(host);
    plan.begin();
    const a = host.take(100);
    const b = host.take(200);
    expect(host.release(a)).toBe(false);
    dev.releaseToArena(a);
    const c = host.take(100);
    expect(host.release(c)).toBe(false);
    dev.releaseToArena(c);
    plan.end(true);
    dev.releaseToArena(b); // the escaping block, freed later by its tensor
    expect(plan.stats()).toEqual({ memoryPlan: 'planned', slabBytes: 64 * 2, plannedBytes: 200, plannedBuffers: 2 });
    expect(dev.live.size).toBe(1); // the slab
    return { dev, host, plan };
  }

  it('serves the recorded allocations from the slab and the escaping ones from the arena', () => {
    const { dev, host, plan } = recorded();
    const slab = [...dev.live.keys()][0] as number;
    for (let rep = 0; rep < 3; rep++) {
      plan.begin();
      const a = host.take(100);
      const b = host.take(200);
      expect(a).toBe(slab);
      expect(host.inSlab(a)).toBe(true);
      expect(host.inSlab(b)).toBe(false);
      expect(host.release(a)).toBe(true);
      const c = host.take(100);
      expect(c).toBe(slab); // a is dead: c reuses its bytes
      expect(host.release(c)).toBe(true);
      plan.end(true);
      expect(plan.stats().memoryPlan).toBe('planned');
      dev.releaseToArena(b);
    }
    plan.dispose();
    expect(dev.live.size).toBe(0);
  });

  it('a replay that asks for another size drops the plan; the slab goes once its blocks in use are released', () => {
    const { dev, host, plan } = recorded();
    plan.begin();
    const a = host.take(100); // from the slab, as recorded
    const b = host.take(300); // recorded: 200 → the plan is dropped, the rest comes from the arena
    expect(host.inSlab(b)).toBe(false);
    const c = host.take(100);
    expect(host.inSlab(c)).toBe(false);
    expect(host.release(c)).toBe(false);
    dev.releaseToArena(c);
    plan.end(true);
    expect(plan.stats().memoryPlan).toBe('dropped');
    // a escaped the replay (it was freed in the recording): the slab stays until a is released
    expect(dev.live.size).toBe(2); // the slab and b
    expect(host.release(a)).toBe(true);
    expect(dev.live.size).toBe(1);
    dev.releaseToArena(b);
    // later replays allocate from the arena
    plan.begin();
    const d = host.take(100);
    expect(host.release(d)).toBe(false);
    dev.releaseToArena(d);
    plan.end(true);
    plan.dispose();
    expect(dev.live.size).toBe(0);
  });

  it('frees in another order, a short replay and a failed replay drop the plan', () => {
    for (const how of ['order', 'short', 'failed'] as const) {
      const { dev, host, plan } = recorded();
      plan.begin();
      const a = host.take(100);
      const b = host.take(200);
      if (how === 'order') {
        expect(host.release(b)).toBe(false); // b was not freed within the recorded replay
        dev.releaseToArena(b);
        host.release(a);
      }
      plan.end(how !== 'failed');
      expect(plan.stats().memoryPlan, how).toBe('dropped');
      if (how !== 'order') {
        host.release(a);
        dev.releaseToArena(b);
      }
      expect(dev.live.size, how).toBe(0);
    }
  });
});

// ---- on the wasm backend ----

const be = createWasmBackend({ name: 'wasm-memplan', threads: 2 });
nb.registerBackend('wasm-memplan', () => be);
afterAll(() => be.dispose());

type Opt = ReturnType<typeof nb.optim.adam> | ReturnType<typeof nb.optim.sgd>;

/** M2-like (an MLP with ReLUs and Adam) or M1-like (softmax regression and SGD), and its step. */
function setup(kind: 'M1' | 'M2') {
  nb.seed(3);
  const nn = nb.nn;
  const model = kind === 'M1' ? nn.sequential(nn.linear(48, 10)) : nn.sequential(nn.linear(48, 64), nn.relu(), nn.linear(64, 32), nn.relu(), nn.linear(32, 10));
  const opt: Opt = kind === 'M1' ? nb.optim.sgd(0.1) : nb.optim.adam(1e-2);
  return trainer(model, 48, opt);
}

function batches(n: number, rows = 16): [nb.Tensor, nb.Tensor][] {
  nb.seed(11);
  const out: [nb.Tensor, nb.Tensor][] = [];
  for (let i = 0; i < n; i++) out.push([nb.keep(nb.randn([rows, 48])), nb.keep(nb.oneHot(nb.randint(0, 10, [rows]), 10))]);
  return out;
}

const bits = (t: nb.Tensor): number[] => Array.from(t.dataSync() as Float32Array);

describe('memory plan on wasm', () => {
  let previous = '';
  beforeEach(() => {
    previous = nb.getBackend().name;
    nb.setBackend('wasm-memplan');
  });
  afterEach(() => nb.setBackend(previous));

  for (const kind of ['M1', 'M2'] as const) {
    it(`${kind}: planned replays give eager's and unplanned replays' losses, parameters and gradients bit for bit`, () => {
      const data = batches(8);
      const runs = {
        eager: setup(kind),
        unplannedUnfused: setup(kind),
        plannedUnfused: setup(kind),
        unplanned: setup(kind),
        planned: setup(kind),
      };
      const steps = {
        eager: runs.eager.step,
        unplannedUnfused: nb.jit(runs.unplannedUnfused.step, { fuse: false, memoryPlan: false }),
        plannedUnfused: nb.jit(runs.plannedUnfused.step, { fuse: false }),
        unplanned: nb.jit(runs.unplanned.step, { memoryPlan: false }),
        planned: nb.jit(runs.planned.step),
      };
      for (let rep = 0; rep < 2; rep++) {
        for (const [x, y] of data) {
          const l = Object.fromEntries(Object.entries(steps).map(([k, f]) => [k, nb.tidy(() => f(x, y).item())]));
          expect(l.plannedUnfused).toBe(l.eager);
          expect(l.unplannedUnfused).toBe(l.eager);
          expect(l.planned).toBe(l.unplanned);
        }
      }
      const same = (a: nb.Tensor[], b: nb.Tensor[]): void => a.forEach((p, i) => {
        expect(bits(p)).toEqual(bits(b[i] as nb.Tensor));
        expect(bits(p.grad as nb.Tensor)).toEqual(bits((b[i] as nb.Tensor).grad as nb.Tensor));
      });
      same(runs.plannedUnfused.params, runs.eager.params);
      same(runs.planned.params, runs.unplanned.params);
      for (const k of ['planned', 'plannedUnfused'] as const) {
        const s = steps[k].stats()[0]!;
        expect(s.memoryPlan).toBe('planned');
        expect(s.plannedBuffers).toBeGreaterThan(3);
        expect(s.slabBytes).toBeGreaterThan(0);
        // buffers share bytes: the slab is smaller than the buffers it holds
        expect(s.slabBytes).toBeLessThan(s.plannedBytes + 64 * s.plannedBuffers);
        if (kind === 'M2') expect(s.slabBytes).toBeLessThan(s.plannedBytes);
      }
      expect(steps.unplanned.stats()[0]!.memoryPlan).toBe('none');
      expect(steps.unplanned.stats()[0]!.slabBytes).toBe(0);
      for (const r of Object.values(runs)) r.model.dispose();
      for (const s of Object.values(steps)) if ('clear' in s) s.clear();
      for (const [x, y] of data) { x.dispose(); y.dispose(); }
    });
  }

  it('the wasm memory does not grow across 100 replays, and clear() returns the slab', () => {
    const r = setup('M2');
    const data = batches(4);
    const step = nb.jit(r.step);
    for (let i = 0; i < 4; i++) nb.tidy(() => { step(...(data[i] as [nb.Tensor, nb.Tensor])); });
    expect(step.stats()[0]!.memoryPlan).toBe('planned');
    const a0 = be.arenaStats();
    const m1 = be.memory();
    const n0 = nb.memory().numTensors;
    for (let i = 0; i < 100; i++) nb.tidy(() => { step(...(data[i % 4] as [nb.Tensor, nb.Tensor])); });
    const a1 = be.arenaStats();
    expect(a1.peakBytes).toBe(a0.peakBytes);
    expect(a1.heapBytes).toBe(a0.heapBytes);
    expect(be.memory()).toEqual(m1);
    expect(nb.memory().numTensors).toBe(n0);
    // clear() gives the slab back to the arena (a free block, or a lower top)
    const slab = step.stats()[0]!.slabBytes;
    step.clear();
    const a2 = be.arenaStats();
    expect(a2.pooledBytes - a1.pooledBytes + (a1.heapBytes - a2.heapBytes)).toBeGreaterThanOrEqual(slab);
    expect(be.memory().numBuffers).toBeLessThanOrEqual(m1.numBuffers);
    r.model.dispose();
    for (const [x, y] of data) { x.dispose(); y.dispose(); }
  });

  it('a replay whose kernel asks for another size falls back: the plan is dropped and results stay right', () => {
    const data = batches(8);
    const ref = setup('M2');
    const refStep = nb.jit(ref.step, { memoryPlan: false });
    const r = setup('M2');
    const step = nb.jit(r.step);
    // a kernel that takes a scratch block of `extra` bytes (as a kernel whose internal needs changed would)
    let extra = 256;
    const target = be as unknown as Record<string, (...a: unknown[]) => unknown>;
    const matmul = target.matmul!;
    target.matmul = function (this: unknown, ...a: unknown[]): unknown {
      const h = be.upload(new Float32Array(extra / 4), 'float32');
      const out = matmul.apply(this, a);
      be.free(h, 'float32', extra / 4);
      return out;
    };
    try {
      data.forEach(([x, y], i) => {
        if (i === 4) {
          expect(step.stats()[0]!.memoryPlan).toBe('planned');
          extra = 512;
        }
        const lr = nb.tidy(() => refStep(x, y).item());
        const l = nb.tidy(() => step(x, y).item());
        expect(l, `step ${i}`).toBe(lr);
        if (i >= 4) expect(step.stats()[0]!.memoryPlan).toBe('dropped');
      });
    } finally {
      target.matmul = matmul; // the backend's own (transaction) wrapper
    }
    const m = be.memory();
    for (let i = 0; i < 3; i++) {
      const [x, y] = data[i] as [nb.Tensor, nb.Tensor];
      expect(nb.tidy(() => step(x, y).item())).toBe(nb.tidy(() => refStep(x, y).item()));
    }
    expect(be.memory()).toEqual(m);
    r.params.forEach((p, i) => expect(bits(p)).toEqual(bits(ref.params[i] as nb.Tensor)));
    expect(step.stats()[0]!.slabBytes).toBe(0);
    step.clear();
    refStep.clear();
    r.model.dispose();
    ref.model.dispose();
    for (const [x, y] of data) { x.dispose(); y.dispose(); }
  });

  it('checks its option', () => {
    expect(() => nb.jit((x: nb.Tensor) => x, { memoryPlan: 1 as unknown as boolean })).toThrow(/jit: opts.memoryPlan must be a boolean/);
  });
});
