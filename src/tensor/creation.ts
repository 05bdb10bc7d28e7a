/** Creating tensors: from values, constants, ranges and random draws. */
import * as engine from '../engine.js';
import { allocArray, dtypeOfArray, isFloat, toTypedArray, type DType, type TypedArray } from './dtype.js';
import { assertShape, fmt, sizeOf, type Shape } from './shape.js';
import { Tensor, type NestedArray } from './tensor.js';
import { globalRandom, type Random } from './random.js';
import type { Backend } from '../backends/interface.js';

export interface CreateOptions {
  dtype?: DType;
  requiresGrad?: boolean;
  /** Backend name; defaults to the current backend. */
  backend?: string;
}

export interface RandomOptions extends CreateOptions {
  /** A generator to draw from instead of the global (seeded by `nb.seed`). */
  random?: Random;
}

/** Other integer arrays `tensor()` accepts (converted to int32 unless a dtype is given). */
export type IntegerArray = Int8Array | Uint8ClampedArray | Int16Array | Uint16Array | Uint32Array;
export type TensorData = NestedArray | TypedArray | IntegerArray | readonly NestedArray[];

function backendOf(opts: CreateOptions | undefined): Backend {
  return opts?.backend ? engine.findBackend(opts.backend, 'backend option') : engine.getBackend();
}

function finish(t: Tensor, opts: CreateOptions | undefined): Tensor {
  if (opts?.requiresGrad) t.requireGrad(true);
  return t;
}

/** Wraps an array (taking ownership: do not modify it afterwards) as a tensor. */
export function fromArray(values: TypedArray, shape: readonly number[] = [values.length], opts: CreateOptions = {}): Tensor {
  assertShape(shape, 'fromArray');
  if (sizeOf(shape) !== values.length) {
    throw new Error(`fromArray: ${values.length} values cannot have shape ${fmt(shape)} (${sizeOf(shape)} elements)`);
  }
  let arr = values;
  const dtype = opts.dtype ?? dtypeOfArray(values);
  if (dtype !== dtypeOfArray(values)) arr = toTypedArray(values as ArrayLike<number>, dtype);
  const be = backendOf(opts);
  if (dtype === 'float64' && !be.supportsFloat64) throw new Error(`fromArray: backend '${be.name}' has no float64`);
  const storage = new engine.Storage(be, be.upload(arr, dtype), dtype, arr.length);
  return finish(Tensor.fromStorage(storage, shape), opts);
}

function inferShape(v: unknown): number[] {
  const shape: number[] = [];
  let cur = v;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    cur = cur[0];
  }
  return shape;
}

function flattenInto(v: unknown, shape: readonly number[], dim: number, out: (number | boolean)[], op: string): void {
  if (dim === shape.length) {
    if (typeof v !== 'number' && typeof v !== 'boolean') throw new Error(`${op}: values must be numbers or booleans, got ${typeof v}`);
    out.push(v);
    return;
  }
  if (!Array.isArray(v) || v.length !== shape[dim]) {
    throw new Error(`${op}: ragged nested array: expected length ${shape[dim]} at depth ${dim}, got ${Array.isArray(v) ? v.length : typeof v}`);
  }
  for (const x of v) flattenInto(x, shape, dim + 1, out, op);
}

/**
 * Makes a tensor from a number, boolean, nested array or typed array. The dtype is inferred
 * (float32 for numbers, bool for booleans, the array's type for typed arrays) unless given.
 */
export function tensor(values: TensorData, opts: CreateOptions & { shape?: readonly number[] } = {}): Tensor {
  if (ArrayBuffer.isView(values)) {
    if (values instanceof DataView) throw new Error('tensor: a DataView is not an array of values; pass a typed array');
    // Float32/Float64/Int32 arrays keep their dtype; other integer arrays (Uint8Array pixels,
    // Int16Array, …) become int32 unless a dtype is given. The values are copied.
    const native = values instanceof Float32Array || values instanceof Float64Array || values instanceof Int32Array;
    if (!native && (values instanceof BigInt64Array || values instanceof BigUint64Array)) {
      throw new Error(`tensor: 64-bit integer arrays are not supported; convert to Int32Array or Float64Array`);
    }
    const copy = native ? ((values as TypedArray).slice() as TypedArray) : toTypedArray(values as unknown as ArrayLike<number>, opts.dtype ?? 'int32');
    return fromArray(copy, opts.shape ?? [copy.length], opts);
  }
  const shape = inferShape(values);
  const flat: (number | boolean)[] = [];
  flattenInto(values, shape, 0, flat, 'tensor');
  const dtype = opts.dtype ?? (typeof flat[0] === 'boolean' ? 'bool' : 'float32');
  const target = opts.shape ?? shape;
  if (opts.shape && sizeOf(opts.shape) !== flat.length) {
    throw new Error(`tensor: ${flat.length} values cannot have shape ${fmt(opts.shape)}`);
  }
  return fromArray(toTypedArray(flat, dtype), target, { ...opts, dtype });
}

export function scalar(value: number | boolean, opts: CreateOptions = {}): Tensor {
  return tensor(value, opts);
}

export function full(shape: readonly number[], value: number, opts: CreateOptions = {}): Tensor {
  assertShape(shape, 'full');
  const dtype = opts.dtype ?? 'float32';
  const be = backendOf(opts);
  if (typeof value !== 'number' && typeof value !== 'boolean') throw new Error(`full: value must be a number, got ${typeof value}`);
  const s = shape.slice();
  const storage = new engine.Storage(be, be.fill(s, value, dtype), dtype, sizeOf(s));
  return finish(Tensor.fromStorage(storage, s), opts);
}

export function zeros(shape: readonly number[], opts: CreateOptions = {}): Tensor {
  return full(shape, 0, opts);
}
export function ones(shape: readonly number[], opts: CreateOptions = {}): Tensor {
  return full(shape, 1, opts);
}
export function zerosLike(t: Tensor, opts: CreateOptions = {}): Tensor {
  return full(t.shape, 0, { dtype: t.dtype, backend: t.backend.name, ...opts });
}
export function onesLike(t: Tensor, opts: CreateOptions = {}): Tensor {
  return full(t.shape, 1, { dtype: t.dtype, backend: t.backend.name, ...opts });
}
export function fullLike(t: Tensor, value: number, opts: CreateOptions = {}): Tensor {
  return full(t.shape, value, { dtype: t.dtype, backend: t.backend.name, ...opts });
}

/** Values from `start` to `stop` (exclusive) by `step`; `arange(n)` is 0..n-1. int32 when all arguments are integers. */
export function arange(start: number, stop?: number, step = 1, opts: CreateOptions = {}): Tensor {
  if (stop === undefined) {
    stop = start;
    start = 0;
  }
  if (step === 0 || !Number.isFinite(step)) throw new Error(`arange: step must be a non-zero finite number, got ${step}`);
  if (!Number.isFinite(start) || !Number.isFinite(stop)) throw new Error(`arange: start and stop must be finite numbers, got ${start} and ${stop}`);
  const n = Math.max(0, Math.ceil((stop - start) / step));
  const dtype = opts.dtype ?? (Number.isInteger(start) && Number.isInteger(stop) && Number.isInteger(step) ? 'int32' : 'float32');
  const arr = allocArray(dtype, n);
  for (let i = 0; i < n; i++) arr[i] = start + i * step;
  return fromArray(arr, [n], { ...opts, dtype });
}

/** `num` evenly spaced values from `start` to `stop` inclusive. */
export function linspace(start: number, stop: number, num: number, opts: CreateOptions = {}): Tensor {
  if (!Number.isInteger(num) || num < 0) throw new Error(`linspace: num must be a non-negative integer, got ${num}`);
  const dtype = opts.dtype ?? 'float32';
  const arr = allocArray(dtype, num);
  const step = num > 1 ? (stop - start) / (num - 1) : 0;
  for (let i = 0; i < num; i++) arr[i] = i === num - 1 && num > 1 ? stop : start + i * step;
  return fromArray(arr, [num], { ...opts, dtype });
}

/** An n×m identity matrix (m defaults to n). */
export function eye(n: number, m: number = n, opts: CreateOptions = {}): Tensor {
  assertShape([n, m], 'eye');
  const dtype = opts.dtype ?? 'float32';
  const arr = allocArray(dtype, n * m);
  for (let i = 0; i < Math.min(n, m); i++) arr[i * m + i] = 1;
  return fromArray(arr, [n, m], { ...opts, dtype });
}

function randomArray(op: string, shape: readonly number[], opts: RandomOptions, draw: (r: Random) => number): Tensor {
  assertShape(shape, op);
  const dtype = opts.dtype ?? 'float32';
  if (!isFloat(dtype)) throw new Error(`${op}: dtype must be float32 or float64, got ${dtype}`);
  const r = opts.random ?? globalRandom;
  const arr = allocArray(dtype, sizeOf(shape));
  for (let i = 0; i < arr.length; i++) arr[i] = draw(r);
  return fromArray(arr, shape, { ...opts, dtype });
}

/** Uniform values in [low, high) (default [0, 1)). */
export function rand(shape: readonly number[], opts: RandomOptions & { low?: number; high?: number } = {}): Tensor {
  const low = opts.low ?? 0;
  const high = opts.high ?? 1;
  if (!(high > low)) throw new Error(`rand: high (${high}) must be greater than low (${low})`);
  return randomArray('rand', shape, opts, (r) => low + (high - low) * r.uniform());
}

/** Normal values with `mean` (0) and `std` (1). */
export function randn(shape: readonly number[], opts: RandomOptions & { mean?: number; std?: number } = {}): Tensor {
  const mean = opts.mean ?? 0;
  const std = opts.std ?? 1;
  if (!(std >= 0)) throw new Error(`randn: std must be non-negative, got ${std}`);
  return randomArray('randn', shape, opts, (r) => mean + std * r.normal());
}

/** Uniform integers in [low, high), int32. */
export function randint(low: number, high: number, shape: readonly number[], opts: RandomOptions = {}): Tensor {
  assertShape(shape, 'randint');
  if (!Number.isInteger(low) || !Number.isInteger(high) || high <= low) {
    throw new Error(`randint: need integers low < high, got low=${low}, high=${high}`);
  }
  const r = opts.random ?? globalRandom;
  const arr = new Int32Array(sizeOf(shape));
  for (let i = 0; i < arr.length; i++) arr[i] = r.int(low, high);
  return fromArray(arr, shape, { ...opts, dtype: 'int32' });
}

export type { Shape };
