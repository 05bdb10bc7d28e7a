/**
 * `nb.jit(fn)`: traces fn — a whole training step if you like — once per input signature into a
 * plan of kernel calls and replays the plan on later calls (see docs/graph.md, "Compiling").
 */
import type { Backend } from '../backends/interface.js';
import { getBackend, isShapeInference, tidy } from '../engine.js';
import { Tensor } from '../tensor/tensor.js';
import { describe, fail } from '../validate.js';
import { jitTracing, setJitTracing } from './hooks.js';
import { RETRACE, compile, type JitStats, type OutSpec, type Plan } from './plan.js';
import { JitTraceError, record } from './trace.js';

export type { JitStats } from './plan.js';

export interface JitOptions {
  /**
   * Calls of a new signature that run eagerly before it is traced (default 1: optimizers create
   * their state in their first step, and the plan should record a step like the ones that follow).
   * 0 traces the first call.
   */
  warmup?: number;
  /** Merge chains of elementwise kernels into fused ones where the backend has them (default true). */
  fuse?: boolean;
  /**
   * When a signature cannot be compiled (the function reads values, draws random numbers, keeps
   * tensors it created, …), run it eagerly from then on instead of throwing (default false).
   */
  fallback?: boolean;
  /**
   * Place the intermediates of a replay in one slab planned ahead (wasm; default true): the first
   * replay records its allocations, later ones take them from the slab (see docs/graph.md).
   */
  memoryPlan?: boolean;
}

/** A function compiled by `nb.jit`: call it as fn. */
export interface Jitted<A extends unknown[], R> {
  (...args: A): R;
  /** What each compiled signature's plan holds (kernels per replay, folded, CSE'd, pruned, fused). */
  stats(): JitStats[];
  /** Drops the plans (and their constants); the next call traces again. */
  clear(): void;
}

interface Entry {
  calls: number;
  eager: boolean;
  plan: Plan | null;
  traces: number;
}

const MAX_DEPTH = 8;

/** Collects the argument tensors and a signature of everything else. */
function flatten(v: unknown, tensors: Tensor[], parts: string[], ids: WeakMap<object, number>, depth = 0): void {
  if (v instanceof Tensor) {
    v.assertAlive('nb.jit: argument');
    tensors.push(v);
    parts.push(`T${v.dtype}[${v.shape.join(',')}]`);
    return;
  }
  if (v === null || typeof v !== 'object' || depth > MAX_DEPTH) {
    parts.push(typeof v === 'function' ? 'fn' : typeof v === 'bigint' ? `${v}n` : JSON.stringify(v) ?? String(v));
    return;
  }
  if (Array.isArray(v)) {
    parts.push('[');
    for (const x of v) flatten(x, tensors, parts, ids, depth + 1);
    parts.push(']');
    return;
  }
  const proto = Object.getPrototypeOf(v) as unknown;
  if (proto !== Object.prototype && proto !== null) {
    // a class instance (a model, an optimizer) is part of the signature by identity
    let id = ids.get(v);
    if (id === undefined) ids.set(v, (id = nextObjectId++));
    parts.push(`@${id}`);
    return;
  }
  parts.push('{');
  for (const [k, x] of Object.entries(v)) {
    parts.push(JSON.stringify(k));
    flatten(x, tensors, parts, ids, depth + 1);
  }
  parts.push('}');
}
let nextObjectId = 0;
const objectIds = new WeakMap<object, number>();

/** The result's structure with tensors detached; throws on anything that is not a tensor. */
function checkResult(v: unknown, path: string, depth = 0): void {
  if (v instanceof Tensor || v === null || v === undefined) return;
  if (depth <= MAX_DEPTH && Array.isArray(v)) {
    v.forEach((x, i) => checkResult(x, `${path}[${i}]`, depth + 1));
    return;
  }
  if (depth <= MAX_DEPTH && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    for (const [k, x] of Object.entries(v)) checkResult(x, `${path}.${k}`, depth + 1);
    return;
  }
  if (v instanceof Promise) throw new JitTraceError('nb.jit: the function returned a Promise; only synchronous functions can be compiled');
  throw new JitTraceError(`nb.jit: the function must return tensors (a Tensor, an array or object of them) or nothing; ${path} is ${describe(v)}. ` +
    'Return numbers as tensors (nb.scalar(x)) and read them after the call');
}

function mapTensors(v: unknown, f: (t: Tensor) => unknown): unknown {
  if (v instanceof Tensor) return f(v);
  if (Array.isArray(v)) return v.map((x) => mapTensors(x, f));
  if (v !== null && typeof v === 'object') {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) o[k] = mapTensors(x, f);
    return o;
  }
  return v;
}

/**
 * Compiles `fn`: each call with a new input signature (the shapes and dtypes of its tensor
 * arguments, the values of its other arguments) runs fn eagerly (`warmup` calls), then traces it
 * once — recording the backend kernels it calls — and compiles the recording into a plan
 * (constant folding, common-subexpression elimination, dead-call pruning, elementwise fusion,
 * free points planned ahead, and on wasm a static memory plan: intermediates in one slab). Later calls with that signature replay the plan: no JavaScript of
 * fn runs, no op validation, no autograd, no tensor objects between kernels. Tensors fn reads
 * from outside (parameters, optimizer state) are read at each replay; those it updates with
 * `assign`, and parameters' `.grad`, are updated as eager code would. Results are detached.
 *
 * fn must be a function of its arguments and of captured tensors: it may not read tensor values
 * (`item()`: return the tensor and read it after the call) nor draw random numbers (pass them in).
 */
export function jit<A extends unknown[], R>(fn: (...args: A) => R, opts: JitOptions = {}): Jitted<A, R> {
  if (typeof fn !== 'function') fail('jit', 'fn', 'a function', fn);
  if (opts === null || typeof opts !== 'object') fail('jit', 'opts', 'an object', opts);
  const warmup = opts.warmup ?? 1;
  if (!Number.isInteger(warmup) || warmup < 0) fail('jit', 'opts.warmup', 'an integer ≥ 0', warmup);
  const fuse = opts.fuse ?? true;
  if (typeof fuse !== 'boolean') fail('jit', 'opts.fuse', 'a boolean', fuse);
  const fallback = opts.fallback ?? false;
  if (typeof fallback !== 'boolean') fail('jit', 'opts.fallback', 'a boolean', fallback);
  const memoryPlan = opts.memoryPlan ?? true;
  if (typeof memoryPlan !== 'boolean') fail('jit', 'opts.memoryPlan', 'a boolean', memoryPlan);
  const cache = new Map<string, Entry>();

  const call = (...args: A): R => {
    // inside another trace, or while nb.graph infers shapes: fn is simply inlined
    if (jitTracing() || isShapeInference()) return fn(...args);
    const tensors: Tensor[] = [];
    const parts: string[] = [];
    flatten(args, tensors, parts, objectIds);
    const be: Backend = tensors[0]?.backend ?? getBackend();
    for (const t of tensors) {
      if (t.backend !== be) throw new Error(`nb.jit: the arguments live on different backends ('${be.name}' and '${t.backend.name}'); move one with x.to(name)`);
    }
    const signature = `${be.name}|${parts.join(' ')}`;
    let e = cache.get(signature);
    if (!e) cache.set(signature, (e = { calls: 0, eager: false, plan: null, traces: 0 }));
    if (e.plan) {
      const r = e.plan.run(tensors);
      if (r !== RETRACE) return r as R;
      e.plan.dispose();
      e.plan = null;
    }
    e.calls++;
    if (e.eager || e.calls <= warmup) return fn(...args);
    let traced;
    try {
      traced = trace(fn, args, tensors, be, signature, fuse, memoryPlan);
    } catch (err) {
      // fn has already run once (the trace is an eager run): it never runs again for this call
      if (!(err instanceof JitTraceError) || !err.ran) throw err;
      if (!fallback) {
        mapTensors(err.ran.result, (t) => t.dispose());
        throw err;
      }
      e.eager = true;
      return err.ran.result as R;
    }
    const { result, plan } = traced;
    e.plan = plan;
    e.traces++;
    plan.stats.traces = e.traces;
    return result as R;
  };
  const jitted = call as Jitted<A, R>;
  jitted.stats = () => [...cache.values()].filter((e) => e.plan).map((e) => ({ ...(e.plan as Plan).stats }));
  jitted.clear = () => {
    for (const e of cache.values()) e.plan?.dispose();
    cache.clear();
  };
  return jitted;
}

function trace<A extends unknown[]>(fn: (...args: A) => unknown, args: A, tensors: Tensor[], be: Backend, signature: string, fuse: boolean, memoryPlan: boolean): { result: unknown; plan: Plan } {
  const hooks: (() => void)[] = [];
  const guards: [() => unknown, unknown][] = [];
  setJitTracing({ onReplay: (f) => { hooks.push(f); }, guard: (read, expected) => { guards.push([read, expected]); } });
  let recorded;
  let unfit: JitTraceError | null = null;
  try {
    recorded = record(be, tensors, () =>
      tidy(() => {
        const r = fn(...args);
        try {
          checkResult(r, 'result');
        } catch (e) {
          // fn has run: its result goes back to the caller as it is, with the reason it cannot be compiled
          if (!(e instanceof JitTraceError)) throw e;
          unfit = e;
          return r;
        }
        // results leave without their autograd record (which would keep the forward pass alive)
        return mapTensors(r, (t) => t.detach());
      }));
  } finally {
    setJitTracing(null);
  }
  if (unfit !== null) {
    (unfit as JitTraceError).ran = { result: recorded.result };
    throw unfit;
  }
  const { result, rec } = recorded;
  let ok = false;
  try {
    const idOf = (t: Tensor): number => {
      const id = rec.byHandle.get(t.kernelView().data);
      if (id === undefined) {
        throw new JitTraceError('nb.jit: the function returns or assigns a tensor it did not compute (an argument or a captured tensor, unchanged); ' +
          'return or assign a computed tensor (x.clone())');
      }
      const b = rec.bufs[id];
      if (b && b.dtype === null) {
        b.dtype = t.dtype;
        b.size = t.size;
      }
      return id;
    };
    const out = mapTensors(result, (t) => ({ buf: idOf(t), shape: t.shape })) as OutSpec;
    const state: [Tensor, number][] = [];
    const grads: [Tensor, number][] = [];
    const held = new Set<number>();
    for (const t of rec.assigned) {
      if (t.isDisposed || t.id >= rec.firstId) continue;
      const id = idOf(t);
      state.push([t, id]);
      held.add(id);
    }
    const before = new Set<Tensor>([...tensors, ...rec.assigned]);
    for (const b of rec.bufs) if (b.tensor) before.add(b.tensor);
    for (const t of before) {
      const g = t.grad;
      if (t.id < rec.firstId && g && !g.isDisposed && g.id >= rec.firstId) {
        const id = idOf(g);
        grads.push([t, id]);
        held.add(id);
      }
    }
    const outIds = new Set<number>();
    mapTensors(result, (t) => outIds.add(idOf(t)));
    const stray = rec.created.filter((t) => !t.isDisposed && !outIds.has(rec.byHandle.get(t.kernelView().data) ?? -1) && !held.has(rec.byHandle.get(t.kernelView().data) ?? -1));
    if (stray.length > 0) {
      const t = stray[0] as Tensor;
      throw new JitTraceError(`nb.jit: the function keeps ${stray.length} tensor(s) it created alive besides its results (the first ${t.dtype} [${t.shape.join(',')}]): ` +
        'state kept from one call to the next must live in tensors created outside the function and be updated with assign()');
    }
    for (const b of rec.bufs) {
      if (b.kind === 'external' && b.tensor && b.tensor.isDisposed) {
        throw new JitTraceError(`nb.jit: the function read a tensor created outside it ([${b.tensor.shape.join(',')}]) and then disposed it: ` +
          'a replay would read it again. Update state with assign() instead of replacing tensors');
      }
    }
    const plan = compile({ be, rec, out, state, grads, hooks, guards, signature, fuse, memoryPlan });
    ok = true;
    return { result, plan };
  } catch (err) {
    if (err instanceof JitTraceError) err.ran = { result };
    throw err;
  } finally {
    if (!ok) {
      // free the constants the trace handed over to the plan
      for (const b of rec.bufs) if (b.kind === 'const' && b.ownedByPlan) be.free(b.handle, b.dtype ?? 'float32', b.size);
    }
  }
}
