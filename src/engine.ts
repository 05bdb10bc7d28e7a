/**
 * The engine: backend registry, storage reference counts, memory scopes (`tidy`), the no-grad
 * switch, and `apply` — the single path every primitive op takes from its definition to a
 * backend kernel and, when gradients are wanted, onto the autograd graph.
 */
import type { Backend, KTensor } from './backends/interface.js';
import type { DType } from './tensor/dtype.js';
import { bytesPerElement } from './tensor/dtype.js';
import type { Shape } from './tensor/shape.js';
import { Tensor } from './tensor/tensor.js';
import { checkBoolean, checkFunction, checkOptions, checkString, fail, optBoolean } from './validate.js';

import type { OpDef } from './registry.js';
export { defineOp, listOps, type OpDef } from './registry.js';

// ---------------------------------------------------------------------------------------------
// Storage with reference counts (several tensors may share one buffer: reshape, detach).

export class Storage {
  refs = 1;
  constructor(
    readonly backend: Backend,
    public data: unknown,
    readonly dtype: DType,
    readonly size: number,
  ) {
    liveBytes += size * bytesPerElement(dtype);
    liveBuffers++;
  }
  retain(): void {
    this.refs++;
  }
  release(): void {
    if (--this.refs === 0) {
      this.backend.free(this.data, this.dtype, this.size);
      liveBytes -= this.size * bytesPerElement(this.dtype);
      liveBuffers--;
      this.data = null;
    }
  }
}

let liveBytes = 0;
let liveBuffers = 0;
let liveTensors = 0;

export function tensorCreated(): void {
  liveTensors++;
}
export function tensorDisposed(): void {
  liveTensors--;
}

export interface MemoryInfo {
  /** Tensors created and not yet disposed (nor collected). */
  numTensors: number;
  /** Distinct storage buffers alive (tensors may share one). */
  numBuffers: number;
  /** Bytes held by those buffers. */
  numBytes: number;
  /** The current backend's own accounting (pools included). */
  backend: { name: string; numBuffers: number; numBytes: number };
}

export function memory(): MemoryInfo {
  const b = getBackend();
  return { numTensors: liveTensors, numBuffers: liveBuffers, numBytes: liveBytes, backend: { name: b.name, ...b.memory() } };
}

// ---------------------------------------------------------------------------------------------
// The leak watch. Tensors that outlive every tidy scope (made outside any, returned from a
// top-level tidy, kept) are counted; a count that keeps growing from one optimizer step to the
// next is the mark of a hand-written training loop without `tidy`, which is warned about once.

let outsideLive = 0;
/** Optimizer steps compared: the warning needs growth over this many consecutive steps. */
const LEAK_WINDOW = 12;
const leakWindows = new WeakMap<object, number[]>();
let leakWarned = false;
let leakTracking = readLeakEnv();
/** Where each tracked tensor was created (debug mode only), by tensor id. */
const leakSites = new Map<number, string>();

function readLeakEnv(): boolean {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  const v = env?.NABLA_DEBUG_LEAKS;
  return v !== undefined && v !== '' && v !== '0' && v !== 'false';
}

/** The folder of nabla's own modules (src/ or dist/), to skip its frames in creation stacks. */
const ownDir = ((): string | null => {
  const m = /\(?((?:file:\/\/)?[^\s()]*?)engine\.[cm]?[jt]s:\d+/.exec(new Error().stack ?? '');
  return m?.[1] || null;
})();

/** The first stack frame outside nabla: the user's line that created a tensor. */
function userFrame(stack: string | undefined): string {
  const lines = (stack ?? '').split('\n').slice(1).map((l) => l.trim().replace(/^at /, ''));
  const own = (l: string): boolean => (ownDir !== null && l.includes(ownDir)) || /^node:|\(node:/.test(l) || l.includes('node_modules/nabla/');
  return lines.find((l) => !own(l)) ?? lines[0] ?? '(unknown)';
}

/** Internal: a tensor now lives outside every scope (tensor.ts calls this once per tensor). */
export function tensorEscaped(id: number): void {
  outsideLive++;
  if (leakTracking) {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 40;
    const stack = new Error().stack;
    Error.stackTraceLimit = limit;
    leakSites.set(id, userFrame(stack));
  }
}

/** Internal: a tensor counted by `tensorEscaped` was disposed or collected. */
export function escapedDisposed(id: number): void {
  outsideLive--;
  if (leakSites.size) leakSites.delete(id);
}

/**
 * Debug mode of the leak watch (also `NABLA_DEBUG_LEAKS=1`): records the line that created each
 * tensor living outside every tidy scope, so the leak warning names the lines. Costs a stack
 * trace per such tensor; off by default. Returns the previous setting.
 */
export function trackLeaks(on: boolean): boolean {
  const o = checkBoolean('debug.trackLeaks', 'on', on);
  const was = leakTracking;
  leakTracking = o;
  if (!o) leakSites.clear();
  return was;
}

/** The live tensors outside every tidy scope, and (in debug mode) how many each source line created, most first. */
export function leakReport(): { outsideScopes: number; sites: { site: string; count: number }[] } {
  const counts = new Map<string, number>();
  for (const site of leakSites.values()) counts.set(site, (counts.get(site) ?? 0) + 1);
  const sites = [...counts].map(([site, count]) => ({ site, count })).sort((a, b) => b.count - a.count);
  return { outsideScopes: outsideLive, sites };
}

/** Internal, for tests: the warning may be given again. */
export function resetLeakWatch(): void {
  leakWarned = false;
}

/**
 * Internal: called by every optimizer step. When the tensors outside every tidy scope grew over
 * the last LEAK_WINDOW steps of `owner` (nearly every step, by at least one a step), warns once.
 */
export function noteOptimizerStep(owner: object): void {
  if (leakWarned) return;
  let w = leakWindows.get(owner);
  if (!w) leakWindows.set(owner, (w = []));
  w.push(outsideLive);
  if (w.length > LEAK_WINDOW + 1) w.shift();
  if (w.length <= LEAK_WINDOW) return;
  let grew = 0;
  for (let i = 1; i < w.length; i++) if (w[i]! > w[i - 1]!) grew++;
  const growth = w[LEAK_WINDOW]! - w[0]!;
  // a garbage collection may free some leaked tensors now and then: most steps growing is enough
  if (grew < LEAK_WINDOW - 2 || growth < LEAK_WINDOW) return;
  leakWarned = true;
  const perStep = Math.round(growth / LEAK_WINDOW);
  let msg = `nabla: ${outsideLive} tensors live outside any nb.tidy scope, ${growth} more than ${LEAK_WINDOW} optimizer steps ago (about ${perStep} a step): `
    + 'a training step that runs outside nb.tidy leaks every tensor it creates. Wrap each step in nb.tidy and return numbers: '
    + 'const loss = nb.tidy(() => { const l = lossFn(model.call(x), y); l.backward(); opt.step(); opt.zeroGrad(); return l.item(); });';
  const { sites } = leakReport();
  if (sites.length) msg += `\nLines that created the tensors still alive (count × line):\n${sites.slice(0, 5).map((s) => `  ${s.count} × ${s.site}`).join('\n')}`;
  else msg += ' (nb.debug.trackLeaks(true) or NABLA_DEBUG_LEAKS=1 names the lines that create them.)';
  console.warn(msg);
}

// ---------------------------------------------------------------------------------------------
// Backends.

type BackendFactory = () => Backend;
const factories = new Map<string, BackendFactory>();
const instances = new Map<string, Backend>();
let current: Backend | null = null;
let defaultName = 'cpu';

/** Registers a backend factory under `name`; `priority` picks the default (highest available wins). */
export function registerBackend(name: string, factory: BackendFactory, opts: { isDefault?: boolean } = {}): void {
  checkString('registerBackend', 'name', name);
  checkFunction('registerBackend', 'factory', factory);
  const o = checkOptions('registerBackend', opts, ['isDefault']);
  const isDefault = optBoolean('registerBackend', 'options.isDefault', o.isDefault, false);
  factories.set(name, factory);
  if (isDefault) defaultName = name;
}

export function backendNames(): string[] {
  return [...factories.keys()];
}

export function findBackend(name: string, op = 'setBackend'): Backend {
  if (typeof name !== 'string') fail(op, 'name', `a backend name (one of ${backendNames().map((n) => `'${n}'`).join(', ')})`, name);
  if (override !== null && name === override.name) return override;
  let b = instances.get(name);
  if (b) return b;
  const f = factories.get(name);
  if (!f && asyncFactories.has(name)) {
    throw new Error(`${op}: the '${name}' backend starts asynchronously; call await nb.setBackendAsync('${name}') once first`);
  }
  if (!f) throw new Error(`${op}: unknown backend '${name}'; registered: ${backendNames().join(', ')}`);
  b = f();
  instances.set(name, b);
  return b;
}

// Backends that need an asynchronous start (a GPU device): created once by setBackendAsync,
// then listed and selectable like the others.
type AsyncBackendFactory = () => Promise<Backend>;
const asyncFactories = new Map<string, AsyncBackendFactory>();
const asyncStarts = new Map<string, Promise<Backend>>();

/** Registers a backend whose creation is asynchronous (`webgpu`); `setBackendAsync(name)` starts it. */
export function registerAsyncBackend(name: string, factory: AsyncBackendFactory): void {
  checkString('registerAsyncBackend', 'name', name);
  checkFunction('registerAsyncBackend', 'factory', factory);
  asyncFactories.set(name, factory);
}

/** The backends that start asynchronously, started or not (`webgpu`). */
export function asyncBackendNames(): string[] {
  return [...asyncFactories.keys()];
}

/**
 * Selects a backend, starting it first when it needs an asynchronous start (`webgpu`: the
 * adapter and device are requested once, whoever asks first). Resolves to the name of the
 * backend selected. When the backend cannot start (no WebGPU adapter), it warns and selects the
 * default backend instead, or with `{ fallback: false }` rejects with the reason.
 */
export function setBackendAsync(name: string, opts: { fallback?: boolean } = {}): Promise<string> {
  checkString('setBackendAsync', 'name', name);
  const o = checkOptions('setBackendAsync', opts, ['fallback']);
  const fallback = optBoolean('setBackendAsync', 'options.fallback', o.fallback, true);
  pendingDefault = null;
  const factory = asyncFactories.get(name);
  if (!factory || instances.has(name)) {
    current = findBackend(name, 'setBackendAsync');
    return Promise.resolve(name);
  }
  let start = asyncStarts.get(name);
  if (!start) asyncStarts.set(name, (start = factory()));
  return start.then(
    (b) => {
      instances.set(name, b);
      factories.set(name, () => b);
      current = b;
      return name;
    },
    (e: unknown) => {
      const why = e instanceof Error ? e.message : String(e);
      if (!fallback) throw new Error(`setBackendAsync: the '${name}' backend is unavailable: ${why}`);
      const b = findBackend(defaultName, 'setBackendAsync');
      console.warn(`nabla: the '${name}' backend is unavailable (${why}); using '${b.name}'`);
      current = b;
      return b.name;
    },
  );
}

/** Selects the backend new tensors are created on. */
export function setBackend(name: string): void {
  current = findBackend(name);
  pendingDefault = null;
}

export function getBackend(): Backend {
  if (override) return override;
  if (!current) {
    if (pendingDefault !== null) {
      throw new Error(`nabla: the environment variable NABLA_BACKEND=${pendingDefault} names a backend that starts asynchronously; call await nb.ready() once before creating tensors (it starts '${pendingDefault}', or warns and uses '${defaultName}' where it cannot start)`);
    }
    current = findBackend(defaultName);
  }
  return current;
}

// The default named by NABLA_BACKEND when that backend starts asynchronously (webgpu): started
// by ready(); until then (or an explicit setBackend), getBackend() says to await ready().
let pendingDefault: string | null = null;

/** Internal (src/index.ts): the default backend is `name`, which starts asynchronously. */
export function setAsyncDefault(name: string): void {
  if (!asyncFactories.has(name)) throw new Error(`setAsyncDefault: '${name}' is not a backend that starts asynchronously`);
  pendingDefault = name;
}

/**
 * Starts the default backend when it starts asynchronously (`NABLA_BACKEND=webgpu`): selects it,
 * or, where it cannot start (no WebGPU adapter), warns with the reason and selects the backend
 * that is the default otherwise. Resolves to the name of the backend selected; with any other
 * default (or a backend already selected) it resolves at once to the current backend's name.
 */
export function ready(): Promise<string> {
  if (pendingDefault === null) return Promise.resolve(getBackend().name);
  return setBackendAsync(pendingDefault);
}

let override: Backend | null = null;

/** Internal: whether ops are running on nb.graph's shape-inference backend (creation skips drawing values). */
export function isShapeInference(): boolean {
  return override !== null;
}

/**
 * Internal hook for nb.graph: runs `fn` (synchronously) with `backend` standing in for the
 * current one, so that tensors an op creates inside (constants, masks) land there too. The graph
 * builder uses it to run an op's own validation and shape inference on a backend that computes
 * nothing (src/graph/abstract.ts).
 */
export function withBackendOverride<T>(backend: Backend, fn: () => T): T {
  const prev = override;
  override = backend;
  try {
    return fn();
  } finally {
    override = prev;
  }
}

// ---------------------------------------------------------------------------------------------
// Gradient mode.

// Like scopes, the mode follows async code: `await noGrad(async () => …)` records nothing in
// fn's own async chain, and other async work running meanwhile is unaffected.
const gradMode = makeContext<boolean>();

export function isGradEnabled(): boolean {
  return gradMode.get() ?? true;
}

/** Runs `fn` (sync or async) without recording operations for autograd (like `torch.no_grad()`). */
export function noGrad<T>(fn: () => T): T {
  checkFunction('noGrad', 'fn', fn);
  return gradMode.run(false, fn);
}

/** Runs `fn` (sync or async) with gradient recording switched on or off. */
export function withGrad<T>(enabled: boolean, fn: () => T): T {
  if (typeof enabled !== 'boolean') fail('withGrad', 'enabled', 'true or false', enabled);
  if (typeof fn !== 'function') fail('withGrad', 'fn', 'a function', fn);
  return gradMode.run(enabled, fn);
}

// ---------------------------------------------------------------------------------------------
// Memory scopes.

class Scope {
  /** Tensors created while this scope was innermost (an array: pushing is the hot path). */
  tensors: Tensor[] = [];
  private compactAt = 4096;
  constructor(readonly parent: Scope | null) {}
  add(t: Tensor): void {
    const list = this.tensors;
    list.push(t);
    // A long-lived scope (an async tidy around a training loop) drops the tensors already
    // disposed now and then, so that it does not hold on to them until it closes.
    if (list.length >= this.compactAt) {
      this.tensors = list.filter((x) => !x.isDisposed && !x.isKept);
      this.compactAt = Math.max(4096, 2 * this.tensors.length);
    }
  }
}

interface Context<V> {
  get(): V | undefined;
  run<T>(value: V, fn: () => T): T;
}

/**
 * A value that follows the current call chain: where AsyncLocalStorage exists (Node) it follows
 * async code exactly; elsewhere it is a stack, which covers synchronous code.
 */
function makeContext<V>(): Context<V> {
  type ALS = { getStore(): V | undefined; run<T>(v: V, fn: () => T): T };
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const mod = proc?.getBuiltinModule?.('node:async_hooks') as { AsyncLocalStorage: new () => ALS } | undefined;
  if (mod) {
    const als = new mod.AsyncLocalStorage();
    return { get: () => als.getStore(), run: (v, fn) => als.run(v, fn) };
  }
  let top: V | undefined;
  return {
    get: () => top,
    run<T>(v: V, fn: () => T): T {
      const prev = top;
      top = v;
      try {
        return fn();
      } finally {
        top = prev;
      }
    },
  };
}

const scopes = makeContext<Scope>();

/**
 * Called for every new tensor: the innermost scope will dispose it unless it is kept or returned.
 * Returns false when no scope is open (the tensor then relies on `dispose` or the finalizer).
 */
export function trackTensor(t: Tensor): boolean {
  const s = scopes.get();
  if (s === undefined) return false;
  s.add(t);
  return true;
}

/** Exempts `t` from disposal by every enclosing `tidy` (it must then be disposed by hand). Returns `t`. */
export function keep<T extends Tensor>(t: T): T {
  if (!(t instanceof Tensor)) fail('keep', 't', 'a Tensor', t);
  t.assertAlive('keep: t');
  t.markKept();
  return t;
}

function collect(v: unknown, out: Set<Tensor>, depth = 0): void {
  if (depth > 8 || v === null || typeof v !== 'object') return;
  if (v instanceof Tensor) {
    out.add(v);
    return;
  }
  if (Array.isArray(v)) for (const x of v) collect(x, out, depth + 1);
  else if (Object.getPrototypeOf(v) === Object.prototype || v instanceof Map) {
    const vals = v instanceof Map ? [...v.values()] : Object.values(v);
    for (const x of vals) collect(x, out, depth + 1);
  }
}

/** A tensor leaving its scope alive goes to the parent scope, or (at top level) to the finalizer's care. */
function handOver(t: Tensor, parent: Scope | null): void {
  if (parent) parent.add(t);
  else t.escapeScope();
}

function closeScope(scope: Scope, result: unknown, keepAll = false): void {
  const parent = scope.parent;
  const list = scope.tensors;
  scope.tensors = [];
  let kept: Set<Tensor> | null = null;
  if (!keepAll && result !== undefined && result !== null && typeof result === 'object') {
    kept = new Set<Tensor>();
    collect(result, kept);
  }
  // Returned tensors that carry an autograd record keep alive what their backward pass reads
  // (so `tidy(() => f(x)).backward()` works); at top level the result owns those tensors.
  const needed = kept ? graphOf(kept, list) : null;
  for (const t of list) {
    if (t.isDisposed || t.isKept) continue; // kept tensors were handed to the finalizer by keep()
    if (keepAll || (kept !== null && kept.has(t))) handOver(t, parent);
    else {
      const owner = needed?.get(t);
      if (owner) {
        if (parent) parent.add(t);
        else {
          owner.own(t); // disposed with its owner…
          t.escapeScope(); // …or collected with it if the owner is dropped without dispose
        }
      } else t.dispose();
    }
  }
}

/** Every tensor reachable through autograd records from `roots`, mapped to the root that reaches it first. */
function graphOf(roots: Set<Tensor>, scopeTensors: readonly Tensor[]): Map<Tensor, Tensor> | null {
  let out: Map<Tensor, Tensor> | null = null;
  let members: Set<Tensor> | null = null; // the walk stays inside this scope: O(scope), not O(graph)
  for (const r of roots) {
    if (!r.gradFn) continue;
    out ??= new Map();
    members ??= new Set(scopeTensors);
    const stack: Tensor[] = [...r.gradFn.inputs];
    while (stack.length) {
      const t = stack.pop() as Tensor;
      if (out.has(t) || roots.has(t) || !members.has(t)) continue;
      out.set(t, r);
      if (t.gradFn) for (const x of t.gradFn.inputs) stack.push(x);
    }
  }
  return out;
}

/**
 * Internal: runs a composite op's body in its own scope, so that its temporaries are disposed
 * at once (also outside any `tidy`) while the result and what its backward pass reads survive.
 */
export function scoped<T extends Tensor | Tensor[]>(fn: () => T): T {
  return tidyUnless(fn, () => false);
}

/**
 * Internal (synchronous): like `tidy`, but when `keepAll(result)` is true every tensor `fn`
 * created survives (handed to the enclosing scope), e.g. because a recorded graph still needs them.
 */
export function tidyUnless<T>(fn: () => T, keepAll: (result: T) => boolean): T {
  const scope = new Scope(scopes.get() ?? null);
  let result: T;
  try {
    result = scopes.run(scope, fn);
  } catch (e) {
    closeScope(scope, undefined);
    throw e;
  }
  closeScope(scope, result, keepAll(result));
  return result;
}

/**
 * Runs `fn` and disposes every tensor it created except those it returns (found in arrays, plain
 * objects and Maps), those passed to `keep`, and what a returned tensor's backward pass still
 * reads (so a returned loss can be differentiated). `fn` may be async: the scope then lasts until
 * the promise settles, and in Node (AsyncLocalStorage) tracks exactly the tensors created by
 * `fn`'s own async chain, even while other async work interleaves.
 */
export function tidy<T>(fn: () => Promise<T>): Promise<T>;
export function tidy<T>(fn: () => T): T;
export function tidy<T>(fn: () => T | Promise<T>): T | Promise<T> {
  checkFunction('tidy', 'fn', fn);
  const scope = new Scope(scopes.get() ?? null);
  let result: T | Promise<T>;
  try {
    result = scopes.run(scope, fn);
  } catch (e) {
    closeScope(scope, undefined);
    throw e;
  }
  if (result instanceof Promise) {
    return result.then(
      (v) => {
        closeScope(scope, v);
        return v;
      },
      (e: unknown) => {
        closeScope(scope, undefined);
        throw e;
      },
    );
  }
  closeScope(scope, result);
  return result;
}

/** Disposes every tensor found in `v` (a tensor, or arrays/objects of them). */
export function dispose(v: unknown): void {
  const s = new Set<Tensor>();
  collect(v, s);
  for (const t of s) t.dispose();
}

// ---------------------------------------------------------------------------------------------
// Running ops.

/**
 * A gradient rule: given the output gradient, the op's inputs, its output and which inputs need a
 * gradient (`needs[i]`: rules may skip — return null for — inputs that need none, e.g. the data
 * batch of a first layer), returns one gradient per input (null = none).
 */
export type GradFn = (dy: Tensor, inputs: readonly Tensor[], out: Tensor, needs: readonly boolean[]) => readonly (Tensor | null)[];

/** A kernel call: receives the backend and the inputs as kernel tensors, returns the output handle. */
export type KernelCall = (backend: Backend, inputs: readonly KTensor[]) => unknown;

/** The autograd record of how a tensor was computed. */
export interface GradNode {
  readonly op: OpDef;
  readonly inputs: readonly Tensor[];
  readonly grad: GradFn;
  /** Σ of the inputs' versions when recorded: `assign` bumps a version, so backward can tell that an input changed since. */
  readonly versions: number;
}

function versionSum(inputs: readonly Tensor[]): number {
  let v = 0;
  for (let i = 0; i < inputs.length; i++) v += (inputs[i] as Tensor).version;
  return v;
}

export function kt(t: Tensor): KTensor {
  return t.kernelView();
}

/**
 * Runs a primitive op: all inputs must live on one backend; the kernel's output becomes a new
 * tensor; when any input requires a gradient (and grad mode is on), the output records `grad`.
 */
export function apply(op: OpDef, inputs: readonly Tensor[], outShape: Shape, outDtype: DType, kernel: KernelCall, grad?: GradFn): Tensor {
  let backend: Backend | null = null;
  let needsGrad = false;
  for (const t of inputs) {
    t.assertAlive(op.name);
    if (backend === null) backend = t.backend;
    else if (t.backend !== backend) {
      throw new Error(`${op.name}: inputs live on different backends ('${backend.name}' and '${t.backend.name}'); move one with x.to(name)`);
    }
    if (t.requiresGrad) needsGrad = true;
  }
  const be = backend ?? getBackend();
  const kins = inputs.map(kt);
  const data = kernel(be, kins);
  const out = Tensor.fromStorage(new Storage(be, data, outDtype, sizeOfShape(outShape)), outShape);
  if (needsGrad && grad && isGradEnabled()) {
    out.requiresGrad = true;
    out.gradFn = { op, inputs, grad, versions: versionSum(inputs) };
  }
  return out;
}

/** Records `grad` on `out` (made without a kernel, e.g. a reshape sharing storage) when any input requires a gradient. */
export function record(op: OpDef, inputs: readonly Tensor[], out: Tensor, grad: GradFn): Tensor {
  if (isGradEnabled()) {
    for (const t of inputs) {
      if (t.requiresGrad) {
        out.requiresGrad = true;
        out.gradFn = { op, inputs, grad, versions: versionSum(inputs) };
        break;
      }
    }
  }
  return out;
}

/** Throws when an input of `node` was changed in place (`assign`) after the node was recorded. */
export function checkVersions(node: GradNode): void {
  if (versionSum(node.inputs) === node.versions) return;
  const changed = [...new Set(node.inputs.filter((t) => t.version > 0))].map((t) => (t.name ? `'${t.name}' ` : '') + `[${t.shape.join(',')}]`);
  throw new Error(`backward: an input of ${node.op.name} (${changed.join(', ')}) was modified by assign() after it was used; ` +
    'its gradient would be computed from the new value. Run backward before updating parameters, or recompute the forward pass');
}

function sizeOfShape(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}
