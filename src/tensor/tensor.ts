/**
 * The Tensor: an immutable n-dimensional value on one backend, with optional autograd state.
 * Parameters are the only tensors that change in place (`assign`, used by optimizers).
 */
import type { Backend, KTensor } from '../backends/interface.js';
import type { GradNode, Storage } from '../engine.js';
import * as engine from '../engine.js';
import type { DType, TypedArray } from './dtype.js';
import { isFloat } from './dtype.js';
import { fmt, shapesEqual, sizeOf, type Shape } from './shape.js';
import { formatTensor } from './format.js';
import * as ops from '../ops/index.js';
import { backward } from '../autograd/backward.js';
import { fail } from '../validate.js';

/** Nested arrays of numbers/booleans, as returned by `array()`. */
export type NestedArray = number | boolean | NestedArray[];

interface Held {
  storage: Storage | null;
  /** The tensor's id, for the leak watch (engine.escapedDisposed). */
  id: number;
}

const finalizer = new FinalizationRegistry<Held>((held) => {
  // Safety net: a tensor that was never disposed releases its buffer when collected.
  if (held.storage) {
    held.storage.release();
    held.storage = null;
    engine.tensorDisposed();
    engine.escapedDisposed(held.id);
  }
});

let nextId = 0;

/** Internal (nb.jit): the id the next tensor will get; ids grow by one per tensor. */
export function peekNextTensorId(): number {
  return nextId;
}

// `Symbol.dispose` (explicit resource management, `using`) is in TypeScript's `esnext.disposable`
// lib and in @types/node, but not in a browser project's ES2022 + DOM libs: declaring the symbol
// here (as @types/node does; identical declarations merge) keeps nabla's declarations checking there.
declare global {
  interface SymbolConstructor {
    readonly dispose: unique symbol;
  }
}

/** Node's `util.inspect.custom` (a registered symbol: no `node:util` import, so browsers load this file). */
const INSPECT: unique symbol = Symbol.for('nodejs.util.inspect.custom');

export class Tensor {
  readonly id = nextId++;
  readonly shape: Shape;
  readonly size: number;
  readonly dtype: DType;
  readonly backend: Backend;
  /** Whether gradients flow to (and, for leaves, accumulate in) this tensor. */
  requiresGrad = false;
  /** Accumulated gradient of a leaf after `backward()`. */
  grad: Tensor | null = null;
  /** How this tensor was computed (null for leaves and for tensors made without grad). */
  gradFn: GradNode | null = null;
  /** Bumped by `assign`: lets backward detect a value changed after the graph recorded it. */
  version = 0;
  /** An optional name, shown in errors and summaries. */
  name: string | undefined;
  private held: Held;
  /** Registered with the finalizer (tensors inside a tidy scope are not until they leave it). */
  private finalized = false;
  private kept = false;
  /** Tensors that live exactly as long as this one (temporaries its autograd record still reads). */
  private owned: Tensor[] | null = null;
  private view: KTensor | null = null;

  private constructor(storage: Storage, shape: Shape) {
    this.held = { storage, id: this.id };
    this.shape = shape;
    this.size = storage.size;
    this.dtype = storage.dtype;
    this.backend = storage.backend;
    engine.tensorCreated();
    // Inside a tidy scope the scope disposes the tensor, so the (costly) finalizer registration
    // waits until the tensor leaves the scope alive (returned, kept) — see escapeScope.
    if (!engine.trackTensor(this)) this.escapeScope();
  }

  /** Internal: the tensor outlives every scope; the finalizer becomes its safety net. */
  escapeScope(): void {
    if (this.finalized || this.held.storage === null) return;
    this.finalized = true;
    finalizer.register(this, this.held, this);
    engine.tensorEscaped(this.id);
  }

  /** Internal (see `nb.keep`): never disposed by a tidy scope. */
  markKept(): void {
    this.kept = true;
    this.escapeScope();
  }
  get isKept(): boolean {
    return this.kept;
  }

  /** Internal: `t` is disposed together with this tensor. */
  own(t: Tensor): void {
    (this.owned ??= []).push(t);
  }

  /** Internal: wraps a storage (whose reference the new tensor takes over). */
  static fromStorage(storage: Storage, shape: Shape): Tensor {
    // Shapes are immutable: a frozen one (another tensor's) is shared rather than copied.
    return new Tensor(storage, Object.isFrozen(shape) ? shape : Object.freeze(shape.slice()));
  }

  /** Internal: a new tensor sharing this one's storage under another shape (no copy). */
  shareAs(shape: Shape, op = 'reshape'): Tensor {
    const s = this.storage(op);
    s.retain();
    return Tensor.fromStorage(s, shape);
  }

  get rank(): number {
    return this.shape.length;
  }
  get isDisposed(): boolean {
    return this.held.storage === null;
  }
  /** True for tensors not produced by a recorded op (inputs and parameters). */
  get isLeaf(): boolean {
    return this.gradFn === null;
  }

  private storage(op: string): Storage {
    const s = this.held.storage;
    if (!s) throw new Error(`${op}: tensor${this.name ? ` '${this.name}'` : ''} ${fmt(this.shape)} was disposed`);
    return s;
  }

  assertAlive(op: string): void {
    this.storage(op);
  }

  /** Internal: the view a kernel receives. */
  kernelView(): KTensor {
    const data = this.storage('kernel').data;
    const v = this.view;
    if (v !== null && v.data === data) return v; // reused across ops (assign swaps the storage)
    return (this.view = { data, shape: this.shape, dtype: this.dtype, size: this.size });
  }

  /** Releases the tensor's buffer (shared buffers are freed when their last tensor goes) and its `.grad`. Idempotent. */
  dispose(): void {
    const s = this.held.storage;
    if (!s) return;
    this.held.storage = null;
    if (this.finalized) {
      finalizer.unregister(this);
      engine.escapedDisposed(this.id);
    }
    s.release();
    engine.tensorDisposed();
    this.gradFn = null;
    this.view = null;
    if (this.grad) {
      this.grad.dispose();
      this.grad = null;
    }
    const owned = this.owned;
    if (owned) {
      this.owned = null;
      for (const t of owned) t.dispose();
    }
  }

  /** `using t = nb.zeros([2])` disposes `t` at the end of the block (explicit resource management). */
  [Symbol.dispose](): void {
    this.dispose();
  }

  /**
   * Parameters only: replaces this tensor's value in place with `value`'s (same shape and dtype).
   * Used by optimizers. The tensor stays a leaf; `value` may be disposed afterwards.
   */
  assign(value: Tensor): this {
    if (!(value instanceof Tensor)) fail('assign', 'value', 'a Tensor', value);
    const s = this.storage('assign');
    const v = value.storage('assign');
    if (!shapesEqual(this.shape, value.shape)) {
      throw new Error(`assign: shapes differ: target is ${fmt(this.shape)}, value is ${fmt(value.shape)}`);
    }
    if (s.dtype !== v.dtype) throw new Error(`assign: dtypes differ: target is ${s.dtype}, value is ${v.dtype}`);
    if (v.backend !== s.backend) throw new Error(`assign: value lives on '${v.backend.name}', target on '${s.backend.name}'`);
    v.retain();
    s.release();
    this.held.storage = v;
    this.version++;
    return this;
  }

  /** Reads the values back (asynchronously: GPU backends need it). */
  async data(): Promise<TypedArray> {
    this.storage('data');
    return this.backend.download(this.kernelView());
  }

  /** Synchronous read; only on CPU backends. */
  dataSync(): TypedArray {
    const be = this.backend;
    if (!be.downloadSync) throw new Error(`dataSync: backend '${be.name}' reads asynchronously; use await t.data()`);
    this.storage('dataSync');
    return be.downloadSync(this.kernelView());
  }

  /** The values as nested arrays (booleans for bool tensors). */
  async array(): Promise<NestedArray> {
    this.storage('array');
    return nest(await this.data(), this.shape, this.dtype === 'bool');
  }
  arraySync(): NestedArray {
    this.storage('arraySync');
    return nest(this.dataSync(), this.shape, this.dtype === 'bool');
  }

  /** The single value of a one-element tensor (synchronous; CPU backends). */
  item(): number {
    if (this.size !== 1) throw new Error(`item: tensor has ${this.size} elements ${fmt(this.shape)}, expected 1`);
    this.storage('item');
    if (!this.backend.downloadSync) throw new Error(`item: backend '${this.backend.name}' reads asynchronously; use (await t.data())[0]`);
    return this.dataSync()[0] as number;
  }

  /** Formats like NumPy: `tensor([[1, 2], [3, 4]], dtype=int32)`. Synchronous: CPU backends. */
  toString(): string {
    if (this.isDisposed) return `tensor(<disposed> ${fmt(this.shape)})`;
    if (!this.backend.downloadSync) return `tensor(shape=${fmt(this.shape)}, dtype=${this.dtype}, backend=${this.backend.name})`;
    return formatTensor(this.dataSync(), this.shape, this.dtype, this.requiresGrad);
  }

  /** Writes `toString()` to the console (like PyTorch's `print(t)` and TF.js's `t.print()`); returns this tensor. */
  print(): this {
    console.log(this.toString());
    return this;
  }

  /**
   * What `console.log(t)` and `util.inspect(t)` show in Node: `toString()`, not the tensor's
   * internals. The key is the registry symbol Node looks up, so browsers load this unchanged.
   */
  [INSPECT](): string {
    return this.toString();
  }

  /** Marks this tensor as requiring gradients (in place) and returns it. */
  requireGrad(flag = true): this {
    if (typeof flag !== 'boolean') fail('requireGrad', 'flag', 'true or false', flag);
    if (flag && !isFloat(this.dtype)) throw new Error(`requireGrad: only floating tensors can require gradients, got ${this.dtype}`);
    this.requiresGrad = flag;
    return this;
  }

  /** Back-propagates from this tensor: a scalar, or any shape with an explicit `gradient`. */
  backward(gradient?: Tensor, opts: { createGraph?: boolean } = {}): void {
    backward(this, gradient, opts);
  }

  /** Clears `.grad` (disposing it). */
  zeroGrad(): void {
    this.grad?.dispose();
    this.grad = null;
  }

  /** A tensor sharing this value but cut from the autograd graph. */
  detach(): Tensor {
    return this.shareAs(this.shape, 'detach');
  }

  /** This tensor on backend `name` (a copy; differentiable). See `nb.to`. */
  to(name: string): Tensor {
    return ops.to(this, name);
  }

  /** A copy with its own buffer. */
  clone(): Tensor {
    return ops.clone(this);
  }

  // ---- chainable ops (see src/ops for documentation) ----
  add(b: Tensor | number): Tensor { return ops.add(this, b); }
  sub(b: Tensor | number): Tensor { return ops.sub(this, b); }
  mul(b: Tensor | number): Tensor { return ops.mul(this, b); }
  div(b: Tensor | number): Tensor { return ops.div(this, b); }
  pow(b: Tensor | number): Tensor { return ops.pow(this, b); }
  maximum(b: Tensor | number): Tensor { return ops.maximum(this, b); }
  minimum(b: Tensor | number): Tensor { return ops.minimum(this, b); }
  neg(): Tensor { return ops.neg(this); }
  exp(): Tensor { return ops.exp(this); }
  log(): Tensor { return ops.log(this); }
  sqrt(): Tensor { return ops.sqrt(this); }
  abs(): Tensor { return ops.abs(this); }
  sign(): Tensor { return ops.sign(this); }
  square(): Tensor { return ops.square(this); }
  reciprocal(): Tensor { return ops.reciprocal(this); }
  clip(min?: ops.ClipBound, max?: ops.ClipBound): Tensor { return ops.clip(this, min, max); }
  eq(b: Tensor | number): Tensor { return ops.eq(this, b); }
  ne(b: Tensor | number): Tensor { return ops.ne(this, b); }
  lt(b: Tensor | number): Tensor { return ops.lt(this, b); }
  le(b: Tensor | number): Tensor { return ops.le(this, b); }
  gt(b: Tensor | number): Tensor { return ops.gt(this, b); }
  ge(b: Tensor | number): Tensor { return ops.ge(this, b); }
  sigmoid(): Tensor { return ops.sigmoid(this); }
  tanh(): Tensor { return ops.tanh(this); }
  relu(): Tensor { return ops.relu(this); }
  softmax(axis = -1): Tensor { return ops.softmax(this, axis); }
  gelu(approximate: 'none' | 'tanh' = 'none'): Tensor { return ops.gelu(this, approximate); }
  logSigmoid(): Tensor { return ops.logSigmoid(this); }
  logSoftmax(axis = -1): Tensor { return ops.logSoftmax(this, axis); }
  sum(axes?: number | readonly number[], keepDims = false): Tensor { return ops.sum(this, axes, keepDims); }
  mean(axes?: number | readonly number[], keepDims = false): Tensor { return ops.mean(this, axes, keepDims); }
  max(axes?: number | readonly number[], keepDims = false): Tensor { return ops.max(this, axes, keepDims); }
  min(axes?: number | readonly number[], keepDims = false): Tensor { return ops.min(this, axes, keepDims); }
  prod(axes?: number | readonly number[], keepDims = false): Tensor { return ops.prod(this, axes, keepDims); }
  argmax(axis = -1, keepDims = false): Tensor { return ops.argmax(this, axis, keepDims); }
  argmin(axis = -1, keepDims = false): Tensor { return ops.argmin(this, axis, keepDims); }
  matmul(b: Tensor): Tensor { return ops.matmul(this, b); }
  reshape(shape: readonly number[]): Tensor { return ops.reshape(this, shape); }
  flatten(startAxis = 0, endAxis = -1): Tensor { return ops.flatten(this, startAxis, endAxis); }
  transpose(perm?: readonly number[]): Tensor { return ops.transpose(this, perm); }
  /** Swaps the last two axes. */
  get T(): Tensor { return this.rank < 2 ? ops.reshape(this, this.shape) : ops.matrixTranspose(this); }
  squeeze(axes?: number | readonly number[]): Tensor { return ops.squeeze(this, axes); }
  unsqueeze(axis: number): Tensor { return ops.unsqueeze(this, axis); }
  broadcastTo(shape: readonly number[]): Tensor { return ops.broadcastTo(this, shape); }
  cast(dtype: DType): Tensor { return ops.cast(this, dtype); }
  slice(begin: readonly number[], size?: readonly number[]): Tensor { return ops.slice(this, begin, size); }
  pad(pads: readonly (readonly [number, number])[], value: number | ops.PadOptions = 0): Tensor { return ops.pad(this, pads, value); }
  split(sections: number | readonly number[], axis = 0): Tensor[] { return ops.split(this, sections, axis); }
  tile(reps: readonly number[]): Tensor { return ops.tile(this, reps); }
  repeat(repeats: number, axis = 0): Tensor { return ops.repeat(this, repeats, axis); }
  gather(indices: Tensor, axis = 0): Tensor { return ops.gather(this, indices, axis); }
  permute(perm: readonly number[]): Tensor { return ops.permute(this, perm); }
  variance(axes?: number | readonly number[], keepDims = false, correction = 0): Tensor { return ops.variance(this, axes, keepDims, correction); }
  std(axes?: number | readonly number[], keepDims = false, correction = 0): Tensor { return ops.std(this, axes, keepDims, correction); }
  logsumexp(axes?: number | readonly number[], keepDims = false): Tensor { return ops.logsumexp(this, axes, keepDims); }
  softplus(): Tensor { return ops.softplus(this); }
  logicalNot(): Tensor { return ops.logicalNot(this); }
  where(cond: Tensor, other: Tensor | number): Tensor { return ops.where(cond, this, other); }
}

function nest(values: TypedArray, shape: Shape, asBool: boolean): NestedArray {
  const conv = (v: number): number | boolean => (asBool ? v !== 0 : v);
  if (shape.length === 0) return conv(values[0] as number);
  const rec = (dim: number, offset: number): NestedArray[] => {
    const n = shape[dim] as number;
    const stride = sizeOf(shape.slice(dim + 1));
    const out: NestedArray[] = [];
    for (let i = 0; i < n; i++) {
      out.push(dim === shape.length - 1 ? conv(values[offset + i] as number) : rec(dim + 1, offset + i * stride));
    }
    return out;
  };
  return rec(0, 0);
}

/** Anything ops accept where a tensor is expected. */
export type TensorLike = Tensor | number;
