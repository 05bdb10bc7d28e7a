/**
 * The compiled plan of a traced function: the recorded kernel calls after constant folding,
 * common-subexpression elimination and dead-node pruning, with the point after which each
 * intermediate buffer is freed fixed ahead (liveness), replayed as a flat loop of backend calls.
 */
import type { Backend } from '../backends/interface.js';
import { Storage, keep } from '../engine.js';
import { bytesPerElement, type DType } from '../tensor/dtype.js';
import type { Shape } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { JitTraceError, type Buf, type Recording, type Slot, type Step } from './trace.js';
import { fuseElementwise } from './fuse.js';
import { canPlanMemory, type MemoryPlanStats, type ReplayMemory } from './memplan.js';

/** The structure of the function's result, with tensors replaced by buffer ids. */
export type OutSpec = null | undefined | { buf: number; shape: Shape } | OutSpec[] | { [k: string]: OutSpec };

export interface PlanStep {
  method: string;
  fn: (...a: unknown[]) => unknown;
  args: unknown[];
  slots: Slot[];
  ins: number[];
  outs: number[];
  tuple: boolean;
  values?: import('../tensor/dtype.js').TypedArray;
  /** Buffers freed after this step (their last use). */
  frees: number[];
}

/** What compiling did, for inspection (`jitted.stats()`). */
export interface JitStats {
  /** The input signature (shapes and dtypes of the tensor arguments, the other arguments). */
  signature: string;
  /** Kernel calls recorded while tracing (uploads included). */
  traced: number;
  /** Calls computed once at compile time (all inputs constant). */
  folded: number;
  /** Calls that repeated an earlier one (same kernel, inputs and parameters). */
  cse: number;
  /** Calls whose results nothing needed. */
  pruned: number;
  /** Elementwise kernels merged into fused ones. */
  fused: number;
  /** Kernel calls per replay. */
  kernels: number;
  /** Peak bytes of intermediate buffers during a replay under the plan's free points. */
  peakBytes: number;
  /**
   * The static memory plan (wasm): 'recording' until the first replay has recorded its
   * allocations, then 'planned' (replays take their intermediates from one slab), 'dropped' when
   * a replay departed from the recording (it allocates as eager code does from then on), 'none'
   * on backends without one or with `{ memoryPlan: false }`.
   */
  memoryPlan: MemoryPlanStats['memoryPlan'];
  /** The slab's bytes: the intermediates (kernels' temporaries included) placed in it, sharing bytes where their lifetimes do not overlap. */
  slabBytes: number;
  /** The sum of the sizes of the buffers placed in the slab (what they would take without sharing). */
  plannedBytes: number;
  /** How many allocations of a replay the slab serves. */
  plannedBuffers: number;
  /** How many times this signature was traced (a failed guard, e.g. a changed learning rate, traces again). */
  traces: number;
}

export const RETRACE = Symbol('retrace');

export class Plan {
  private readonly jitStats: JitStats;
  private readonly h: unknown[];
  private readonly mem: ReplayMemory | null;
  constructor(
    private readonly be: Backend,
    private readonly steps: PlanStep[],
    private readonly bufs: Buf[],
    private readonly consts: number[],
    private readonly inputs: [number, number][],
    private readonly externals: [number, Tensor][],
    private readonly out: OutSpec,
    private readonly state: [Tensor, number][],
    private readonly grads: [Tensor, number][],
    private readonly hooks: (() => void)[],
    private readonly guards: [() => unknown, unknown][],
    stats: JitStats,
    memoryPlan: boolean,
  ) {
    this.jitStats = stats;
    this.mem = memoryPlan && canPlanMemory(be) ? be._memoryPlan() : null;
    this.h = new Array<unknown>(bufs.length).fill(null);
    for (const id of consts) this.h[id] = (bufs[id] as Buf).handle;
  }

  /** What compiling did, and the memory plan's state now. */
  get stats(): JitStats {
    const m = this.mem?.stats();
    const s = this.jitStats;
    s.memoryPlan = m?.memoryPlan ?? 'none';
    s.slabBytes = m?.slabBytes ?? 0;
    s.plannedBytes = m?.plannedBytes ?? 0;
    s.plannedBuffers = m?.plannedBuffers ?? 0;
    return s;
  }

  /** Replays the plan on `args` (the argument tensors); RETRACE when a guard no longer holds. */
  run(args: readonly Tensor[]): unknown {
    for (const [read, expected] of this.guards) if (!Object.is(read(), expected)) return RETRACE;
    for (const f of this.hooks) f();
    const H = this.h;
    for (const [id, i] of this.inputs) H[id] = (args[i] as Tensor).kernelView().data;
    for (const [id, t] of this.externals) {
      if (t.isDisposed) {
        throw new Error(`nb.jit: a tensor the function reads from outside (${t.name ? `'${t.name}' ` : ''}[${t.shape.join(',')}]) was disposed since it was traced; ` +
          'keep captured tensors alive, or call jitted.clear() to trace again');
      }
      H[id] = t.kernelView().data;
    }
    const be = this.be;
    // kernels are looked up on the backend at each call (a wrapper installed meanwhile, e.g. a profiler, sees them)
    const B = be as unknown as Record<string, unknown>;
    const steps = this.steps;
    let i = 0;
    const mem = this.mem;
    // the memory plan serves the kernels' allocations (the first replay records them)
    mem?.begin();
    try {
      for (; i < steps.length; i++) {
        const s = steps[i] as PlanStep;
        const sl = s.slots;
        const ins = s.ins;
        for (let j = 0; j < sl.length; j++) (sl[j] as Slot).data = H[ins[j] as number];
        if (s.values) H[s.outs[0] as number] = be.upload(s.values.slice(), (this.bufs[s.outs[0] as number] as Buf).dtype as DType);
        else if (s.tuple) {
          const r = (B[s.method] as (...a: unknown[]) => unknown[]).apply(be, s.args);
          for (let j = 0; j < s.outs.length; j++) H[s.outs[j] as number] = r[j];
        } else H[s.outs[0] as number] = (B[s.method] as (...a: unknown[]) => unknown).apply(be, s.args);
        const fr = s.frees;
        for (let j = 0; j < fr.length; j++) {
          const b = this.bufs[fr[j] as number] as Buf;
          be.free(H[b.id], b.dtype as DType, b.size);
          H[b.id] = null;
        }
      }
    } catch (e) {
      this.release(i);
      mem?.end(false);
      const s = steps[i];
      throw new Error(`nb.jit: kernel ${i} of the plan (${s?.method ?? '?'}) failed: ${(e as Error).message}`, { cause: e });
    }
    mem?.end(true);
    // hand the results over to tensors: one Storage per buffer, shared by its users
    const made = new Map<number, Storage>();
    const storage = (id: number): Storage => {
      let s = made.get(id);
      if (s) s.retain();
      else {
        const b = this.bufs[id] as Buf;
        s = new Storage(be, H[id], b.dtype as DType, b.size);
        made.set(id, s);
      }
      return s;
    };
    const result = build(this.out, (id, shape) => Tensor.fromStorage(storage(id), shape));
    for (const [t, id] of this.state) {
      const tmp = Tensor.fromStorage(storage(id), t.shape);
      t.assign(tmp);
      tmp.dispose();
    }
    for (const [t, id] of this.grads) {
      const old = t.grad;
      t.grad = keep(Tensor.fromStorage(storage(id), t.shape));
      if (old) old.dispose();
    }
    for (const id of made.keys()) H[id] = null;
    for (const [id] of this.inputs) H[id] = null;
    for (const [id] of this.externals) H[id] = null;
    return result;
  }

  /** After a failure at step `upTo`: frees the intermediates made so far. */
  private release(upTo: number): void {
    const live = new Set<number>();
    for (let i = 0; i < upTo; i++) {
      const s = this.steps[i] as PlanStep;
      for (const o of s.outs) live.add(o);
      for (const f of s.frees) live.delete(f);
    }
    for (const id of live) {
      const b = this.bufs[id] as Buf;
      if (this.h[id] !== null) this.be.free(this.h[id], b.dtype as DType, b.size);
      this.h[id] = null;
    }
  }

  /** Frees the folded constants and the memory plan's slab. */
  dispose(): void {
    this.mem?.dispose();
    for (const id of this.consts) {
      const b = this.bufs[id] as Buf;
      this.be.free(b.handle, b.dtype as DType, b.size);
    }
    this.consts.length = 0;
  }
}

function build(spec: OutSpec, make: (id: number, shape: Shape) => Tensor): unknown {
  if (spec === null || spec === undefined) return spec;
  if (Array.isArray(spec)) return spec.map((s) => build(s, make));
  if ('buf' in spec && typeof spec.buf === 'number') return make(spec.buf, (spec as { shape: Shape }).shape);
  const o: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(spec)) o[k] = build(v as OutSpec, make);
  return o;
}

function outBufs(spec: OutSpec, acc: number[]): number[] {
  if (spec === null || spec === undefined) return acc;
  if (Array.isArray(spec)) for (const s of spec) outBufs(s, acc);
  else if ('buf' in spec && typeof spec.buf === 'number') acc.push(spec.buf);
  else for (const v of Object.values(spec)) outBufs(v as OutSpec, acc);
  return acc;
}

function argsKey(s: Step): string {
  return JSON.stringify(s.args, (_k, v: unknown) => (s.slots.includes(v as Slot) ? '#' : ArrayBuffer.isView(v) ? Array.from(v as unknown as ArrayLike<number>) : v));
}

export interface CompileInput {
  be: Backend;
  rec: Recording;
  out: OutSpec;
  state: [Tensor, number][];
  grads: [Tensor, number][];
  hooks: (() => void)[];
  guards: [() => unknown, unknown][];
  signature: string;
  fuse: boolean;
  memoryPlan: boolean;
}

/** Turns a recording into a plan: folding (done while recording), CSE, pruning, fusion, free points. */
export function compile(c: CompileInput): Plan {
  const { rec, be } = c;
  const bufs = rec.bufs;
  const escaping = new Set<number>([...outBufs(c.out, []), ...c.state.map((s) => s[1]), ...c.grads.map((g) => g[1])]);
  for (const id of escaping) {
    const b = bufs[id] as Buf;
    if (b.kind === 'input' || b.kind === 'external') {
      throw new JitTraceError('nb.jit: the function returns or assigns a tensor it did not compute (an argument or a captured tensor, unchanged); ' +
        'return or assign a computed tensor (x.clone())');
    }
  }
  // A constant that the trace's code did not free is held by a tensor: the plan cannot own it, so
  // its producing call runs at every replay.
  for (const b of bufs) if (b.kind === 'const' && !b.ownedByPlan) b.kind = 'value';
  for (let i = 0; i < rec.steps.length; i++) {
    const s = rec.steps[i] as Step;
    if (s.outs.some((o) => (bufs[o] as Buf).kind === 'value') && s.ins.some((id) => (bufs[id] as Buf).kind === 'value')) {
      for (const o of s.outs) (bufs[o] as Buf).kind = 'value';
    }
  }
  const traced = rec.steps.length;
  let folded = 0;
  // common subexpressions: same kernel, same (renamed) inputs, same parameters → one call
  const alias = new Map<number, number>();
  const seen = new Map<string, Step>();
  const kept: Step[] = [];
  let cse = 0;
  for (const s of rec.steps) {
    if (!s.outs.some((o) => (bufs[o] as Buf).kind === 'value')) {
      folded++;
      continue;
    }
    s.ins = s.ins.map((id) => alias.get(id) ?? id);
    if (s.method !== 'upload' && !s.outs.some((o) => escaping.has(o))) {
      const key = `${s.method}|${s.ins.join(',')}|${argsKey(s)}`;
      const prev = seen.get(key);
      if (prev && prev.outs.length === s.outs.length) {
        s.outs.forEach((o, j) => alias.set(o, prev.outs[j] as number));
        cse++;
        continue;
      }
      seen.set(key, s);
    }
    kept.push(s);
  }
  // dead calls: nothing needed their results
  const needed = new Set<number>(escaping);
  const live: Step[] = [];
  for (let i = kept.length - 1; i >= 0; i--) {
    const s = kept[i] as Step;
    if (!s.outs.some((o) => needed.has(o))) continue;
    for (const id of s.ins) needed.add(id);
    live.push(s);
  }
  live.reverse();
  const pruned = kept.length - live.length;
  let steps = live;
  let fused = 0;
  if (c.fuse) {
    const f = fuseElementwise(be, steps, bufs, escaping);
    steps = f.steps;
    fused = f.fused;
  }
  // free points: each intermediate after its last use; unused outputs right away
  const last = new Map<number, number>();
  steps.forEach((s, i) => {
    for (const o of s.outs) last.set(o, i);
    for (const id of s.ins) if ((bufs[id] as Buf).kind === 'value') last.set(id, i);
  });
  const frees: number[][] = steps.map(() => []);
  for (const [id, i] of last) if (!escaping.has(id)) (frees[i] as number[]).push(id);
  let liveBytes = 0;
  let peakBytes = 0;
  const target = be as unknown as Record<string, (...a: unknown[]) => unknown>;
  const planSteps: PlanStep[] = steps.map((s, i) => {
    for (const o of s.outs) {
      const b = bufs[o] as Buf;
      liveBytes += b.size * (b.dtype ? bytesPerElement(b.dtype) : 0);
    }
    peakBytes = Math.max(peakBytes, liveBytes);
    for (const id of frees[i] as number[]) {
      const b = bufs[id] as Buf;
      liveBytes -= b.size * (b.dtype ? bytesPerElement(b.dtype) : 0);
    }
    const fn = s.method === 'upload' ? target.upload : target[s.method];
    if (typeof fn !== 'function') throw new JitTraceError(`nb.jit: internal: backend '${be.name}' has no kernel '${s.method}'`);
    const ps: PlanStep = { method: s.method, fn, args: s.args, slots: s.slots, ins: s.ins, outs: s.outs, tuple: s.tuple, frees: frees[i] as number[] };
    if (s.values) ps.values = s.values;
    return ps;
  });
  for (const o of [...escaping]) {
    const b = bufs[o] as Buf;
    if (b.dtype === null) throw new JitTraceError('nb.jit: internal: a result buffer of unknown dtype');
  }
  // the constants the plan reads (the rest are freed now)
  const readConsts = new Set<number>();
  for (const s of steps) for (const id of s.ins) if ((bufs[id] as Buf).kind === 'const') readConsts.add(id);
  const consts: number[] = [];
  for (const b of bufs) {
    if (b.kind !== 'const' || !b.ownedByPlan) continue;
    if (readConsts.has(b.id)) consts.push(b.id);
    else be.free(b.handle, b.dtype as DType, b.size);
  }
  const inputs: [number, number][] = [];
  const externals: [number, Tensor][] = [];
  for (const id of needed) {
    const b = bufs[id] as Buf;
    if (b.kind === 'input') inputs.push([id, b.input as number]);
    else if (b.kind === 'external') externals.push([id, b.tensor as Tensor]);
  }
  const stats: JitStats = { signature: c.signature, traced, folded, cse, pruned, fused, kernels: planSteps.length, peakBytes, traces: 1,
    memoryPlan: 'none', slabBytes: 0, plannedBytes: 0, plannedBuffers: 0 };
  return new Plan(be, planSteps, bufs, consts, inputs, externals, c.out, c.state, c.grads, c.hooks, c.guards, stats, c.memoryPlan);
}
