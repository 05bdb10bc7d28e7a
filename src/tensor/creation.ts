/** Creating tensors: from values, constants, ranges and random draws. */
import * as engine from '../engine.js';
import {
  allocArray, checkStorable, dtypeOfArray, INT32_MAX, INT32_MIN, isFloat, normalizeBool, storedValue, toTypedArray, type DType, type TypedArray,
} from './dtype.js';
import { assertShape, checkSize, fmt, sizeOf, type Shape } from './shape.js';
import { checkInt, checkNumber, checkOptions, checkString, describe, fail, optBoolean, optDType, optNumber } from '../validate.js';
import { Tensor, type NestedArray } from './tensor.js';
import { drawInt, globalRandom, Random } from './random.js';
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

const CREATE_KEYS = ['dtype', 'requiresGrad', 'backend'] as const;

/** Checked creation options: the dtype (or the default), the backend and whether to require grad. */
interface Resolved {
  dtype: DType;
  be: Backend;
  requiresGrad: boolean;
}

/**
 * Checks a creation options object: a plain object with known keys only, a dtype the backend
 * stores, a registered backend name, a boolean requiresGrad (floating dtypes only).
 */
function resolve(op: string, opts: CreateOptions | undefined, dflt: DType, extra: readonly string[] = []): Resolved {
  const o = checkOptions(op, opts, extra.length ? [...CREATE_KEYS, ...extra] : CREATE_KEYS);
  const dtype = optDType(op, 'options.dtype', o.dtype) ?? dflt;
  const be = o.backend === undefined ? engine.getBackend() : engine.findBackend(checkString(op, 'options.backend', o.backend), op);
  const requiresGrad = optBoolean(op, 'options.requiresGrad', o.requiresGrad, false);
  if (dtype === 'float64' && !be.supportsFloat64) throw new Error(`${op}: backend '${be.name}' has no float64`);
  if (requiresGrad && !isFloat(dtype)) throw new Error(`${op}: only floating tensors can require gradients, got dtype ${dtype}`);
  return { dtype, be, requiresGrad };
}

/** Uploads `arr` (already of `r.dtype`, values checked) as a tensor of `shape`. */
function make(arr: TypedArray, shape: readonly number[], r: Resolved): Tensor {
  const storage = new engine.Storage(r.be, r.be.upload(arr, r.dtype), r.dtype, arr.length);
  const t = Tensor.fromStorage(storage, shape);
  if (r.requiresGrad) t.requireGrad(true);
  return t;
}

/** A typed array of `dtype` and `n` elements, refusing sizes no tensor can hold. */
function alloc(op: string, dtype: DType, n: number): TypedArray {
  checkSize(op, [n]);
  return allocArray(dtype, n);
}

/**
 * Wraps an array (taking ownership: do not modify it afterwards) as a tensor. With a `dtype`
 * other than the array's, the values are converted (int32 refuses values outside its range).
 */
export function fromArray(values: TypedArray, shape?: readonly number[], opts: CreateOptions = {}): Tensor {
  const own = dtypeOfArray(values, 'fromArray');
  const r = resolve('fromArray', opts, own);
  const s = shape === undefined ? [values.length] : shape;
  assertShape(s, 'fromArray');
  if (sizeOf(s) !== values.length) {
    throw new Error(`fromArray: ${values.length} values cannot have shape ${fmt(s)} (${sizeOf(s)} elements)`);
  }
  let arr = values;
  if (r.dtype !== own) arr = toTypedArray(values as ArrayLike<number>, r.dtype, 'fromArray');
  else if (own === 'bool') normalizeBool(arr as Uint8Array); // a Uint8Array may hold bytes other than 0/1
  return make(arr, s, r);
}

export interface FromUint8Options extends CreateOptions {
  /** Each byte becomes byte·scale (default 1; 1/255 maps pixels to [0, 1]). */
  scale?: number;
}

/**
 * A float tensor (float32 unless `dtype: 'float64'`) from uint8 values such as image pixels:
 * element i is values[i]·scale, rounded to the dtype — the same values as
 * `fromArray(Float32Array.from(values, (v) => v * scale), shape)`. The backend converts as it
 * stores (the wasm backend straight into its memory, webgpu in small chunks), so no full-size
 * float array is made in JavaScript: loading 60 000 MNIST images holds their 47 MB of bytes,
 * not another 188 MB of float32. `values` is only read (a Uint8Array, a Node Buffer or a
 * Uint8ClampedArray such as canvas ImageData pixels); the tensor does not share it.
 */
export function fromUint8(values: Uint8Array | Uint8ClampedArray, shape?: readonly number[], opts: FromUint8Options = {}): Tensor {
  const op = 'fromUint8';
  if (!(values instanceof Uint8Array || values instanceof Uint8ClampedArray)) fail(op, 'values', 'a Uint8Array or Uint8ClampedArray (uint8 values; fromArray and tensor take other arrays)', values);
  const r = resolve(op, opts, 'float32', ['scale']);
  if (!isFloat(r.dtype)) throw new Error(`${op}: options.dtype must be a floating dtype (float32 or float64), got ${r.dtype}`);
  const scale = optNumber(op, 'options.scale', opts.scale, 1);
  const s = shape === undefined ? [values.length] : shape;
  assertShape(s, op);
  if (sizeOf(s) !== values.length) {
    throw new Error(`${op}: values has ${values.length} elements, shape ${fmt(s)} needs ${sizeOf(s)}`);
  }
  const be = r.be;
  let data: unknown;
  if (be.uploadUint8) data = be.uploadUint8(values, scale, r.dtype);
  else {
    const arr = allocArray(r.dtype, values.length);
    for (let i = 0; i < values.length; i++) arr[i] = values[i]! * scale;
    data = be.upload(arr, r.dtype);
  }
  const t = Tensor.fromStorage(new engine.Storage(be, data, r.dtype, values.length), s.slice());
  if (r.requiresGrad) t.requireGrad(true);
  return t;
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
    if (typeof v !== 'number' && typeof v !== 'boolean') throw new Error(`${op}: values must be numbers or booleans, got ${describe(v)}`);
    out.push(v);
    return;
  }
  if (!Array.isArray(v) || v.length !== shape[dim]) {
    throw new Error(`${op}: ragged nested array: expected length ${shape[dim]} at depth ${dim}, got ${Array.isArray(v) ? v.length : describe(v)}`);
  }
  for (const x of v) flattenInto(x, shape, dim + 1, out, op);
}

/**
 * Makes a tensor from a number, boolean, nested array or typed array. The dtype is inferred
 * (float32 for numbers, bool for booleans, the array's type for typed arrays) unless given.
 * Conversions follow NumPy: to bool, nonzero is true; to int32, fractions truncate toward zero,
 * and values int32 cannot hold (NaN, ±Infinity, beyond ±2³¹) are refused, naming their index.
 */
export function tensor(values: TensorData, opts: CreateOptions & { shape?: readonly number[] } = {}): Tensor {
  return fromValues('tensor', values, opts);
}

function fromValues(op: string, values: unknown, opts: (CreateOptions & { shape?: readonly number[] }) | undefined): Tensor {
  const o = checkOptions(op, opts, [...CREATE_KEYS, 'shape']);
  if (o.shape !== undefined) assertShape(o.shape, op, 'options.shape');
  if (ArrayBuffer.isView(values)) {
    if (values instanceof DataView) throw new Error(`${op}: a DataView is not an array of values; pass a typed array`);
    // Float32/Float64/Int32 arrays keep their dtype; other integer arrays (Uint8Array pixels,
    // Int16Array, …) become int32 unless a dtype is given. The values are copied.
    const native = values instanceof Float32Array || values instanceof Float64Array || values instanceof Int32Array;
    if (!native && (values instanceof BigInt64Array || values instanceof BigUint64Array)) {
      throw new Error(`${op}: 64-bit integer arrays are not supported; convert to Int32Array or Float64Array`);
    }
    const src = values as unknown as ArrayLike<number>;
    const r = resolve(op, { dtype: o.dtype, backend: o.backend, requiresGrad: o.requiresGrad }, native ? dtypeOfArray(values as TypedArray, op) : 'int32');
    const copy = native && r.dtype === dtypeOfArray(values as TypedArray, op) ? (values as TypedArray).slice() : toTypedArray(src, r.dtype, op);
    const shape = o.shape ?? [copy.length];
    if (sizeOf(shape) !== copy.length) throw new Error(`${op}: ${copy.length} values cannot have shape ${fmt(shape)}`);
    return make(copy, shape, r);
  }
  const shape = inferShape(values);
  checkSize(op, shape);
  const flat: (number | boolean)[] = [];
  flattenInto(values, shape, 0, flat, op);
  const r = resolve(op, { dtype: o.dtype, backend: o.backend, requiresGrad: o.requiresGrad }, typeof flat[0] === 'boolean' ? 'bool' : 'float32');
  const target = o.shape ?? shape;
  if (o.shape && sizeOf(o.shape) !== flat.length) {
    throw new Error(`${op}: ${flat.length} values cannot have shape ${fmt(o.shape)}`);
  }
  return make(toTypedArray(flat, r.dtype, op), target, r);
}

/** A rank-0 tensor holding one number or boolean. */
export function scalar(value: number | boolean, opts: CreateOptions = {}): Tensor {
  if (typeof value !== 'number' && typeof value !== 'boolean') fail('scalar', 'value', 'a number or a boolean', value);
  return fromValues('scalar', value, opts);
}

/** Checks a fill value and returns it as `dtype` stores it. */
function fillValue(op: string, value: unknown, dtype: DType): number {
  if (typeof value !== 'number' && typeof value !== 'boolean') fail(op, 'value', 'a number or a boolean', value);
  if (typeof value === 'number') checkStorable(op, value, dtype);
  return storedValue(value, dtype);
}

function filled(op: string, shape: readonly number[], value: unknown, opts: CreateOptions | undefined, dflt: DType = 'float32'): Tensor {
  assertShape(shape, op);
  const r = resolve(op, opts, dflt);
  const v = fillValue(op, value, r.dtype);
  const s = shape.slice();
  const storage = new engine.Storage(r.be, r.be.fill(s, v, r.dtype), r.dtype, sizeOf(s));
  const t = Tensor.fromStorage(storage, s);
  if (r.requiresGrad) t.requireGrad(true);
  return t;
}

/** A tensor of `shape` filled with `value` (float32 unless a dtype is given). */
export function full(shape: readonly number[], value: number, opts: CreateOptions = {}): Tensor {
  return filled('full', shape, value, opts);
}

export function zeros(shape: readonly number[], opts: CreateOptions = {}): Tensor {
  return filled('zeros', shape, 0, opts);
}
export function ones(shape: readonly number[], opts: CreateOptions = {}): Tensor {
  return filled('ones', shape, 1, opts);
}

function filledLike(op: string, t: Tensor, value: unknown, opts: CreateOptions | undefined): Tensor {
  if (!(t instanceof Tensor)) fail(op, 't', 'a Tensor', t);
  t.assertAlive(`${op}: t`);
  const o = checkOptions(op, opts, CREATE_KEYS);
  return filled(op, t.shape, value, { backend: t.backend.name, ...o }, t.dtype);
}
export function zerosLike(t: Tensor, opts: CreateOptions = {}): Tensor {
  return filledLike('zerosLike', t, 0, opts);
}
export function onesLike(t: Tensor, opts: CreateOptions = {}): Tensor {
  return filledLike('onesLike', t, 1, opts);
}
export function fullLike(t: Tensor, value: number, opts: CreateOptions = {}): Tensor {
  return filledLike('fullLike', t, value, opts);
}

/** Values from `start` to `stop` (exclusive) by `step`; `arange(n)` is 0..n-1. int32 when all arguments are integers. */
export function arange(start: number, stop?: number, step = 1, opts: CreateOptions = {}): Tensor {
  const op = 'arange';
  if (stop === undefined) {
    stop = start;
    start = 0;
  }
  if (typeof start !== 'number' || typeof stop !== 'number') fail(op, typeof start !== 'number' ? 'start' : 'stop', 'a finite number', typeof start !== 'number' ? start : stop);
  if (typeof step !== 'number' || step === 0 || !Number.isFinite(step)) throw new Error(`arange: step must be a non-zero finite number, got ${describe(step)}`);
  if (!Number.isFinite(start) || !Number.isFinite(stop)) throw new Error(`arange: start and stop must be finite numbers, got ${describe(start)} and ${describe(stop)}`);
  const n = Math.max(0, Math.ceil((stop - start) / step));
  const r = resolve(op, opts, Number.isInteger(start) && Number.isInteger(stop) && Number.isInteger(step) ? 'int32' : 'float32');
  const arr = alloc(op, r.dtype, n);
  if (n > 0) {
    checkStorable(op, start, r.dtype, 'start');
    checkStorable(op, start + (n - 1) * step, r.dtype, 'value', ` at index ${n - 1}`);
  }
  for (let i = 0; i < n; i++) arr[i] = start + i * step;
  if (r.dtype === 'bool') normalizeBool(arr as Uint8Array);
  return make(arr, [n], r);
}

/** `num` evenly spaced values from `start` to `stop` inclusive. */
export function linspace(start: number, stop: number, num: number, opts: CreateOptions = {}): Tensor {
  const op = 'linspace';
  checkNumber(op, 'start', start);
  checkNumber(op, 'stop', stop);
  if (!Number.isInteger(num) || num < 0) throw new Error(`linspace: num must be a non-negative integer, got ${describe(num)}`);
  const r = resolve(op, opts, 'float32');
  const arr = alloc(op, r.dtype, num);
  if (num > 0) checkStorable(op, start, r.dtype, 'start');
  if (num > 1) checkStorable(op, stop, r.dtype, 'stop');
  const step = num > 1 ? (stop - start) / (num - 1) : 0;
  for (let i = 0; i < num; i++) arr[i] = i === num - 1 && num > 1 ? stop : start + i * step;
  if (r.dtype === 'bool') normalizeBool(arr as Uint8Array);
  return make(arr, [num], r);
}

/** An n×m identity matrix (m defaults to n). */
export function eye(n: number, m?: number, opts: CreateOptions = {}): Tensor {
  checkInt('eye', 'n', n, { min: 0 });
  const cols = m === undefined ? n : checkInt('eye', 'm', m, { min: 0 });
  checkSize('eye', [n, cols]);
  const r = resolve('eye', opts, 'float32');
  const arr = allocArray(r.dtype, n * cols);
  for (let i = 0; i < Math.min(n, cols); i++) arr[i * cols + i] = 1;
  return make(arr, [n, cols], r);
}

const RANDOM_KEYS = ['random'];

function generator(op: string, r: unknown): Random {
  if (r === undefined) return globalRandom;
  if (!(r instanceof Random)) fail(op, 'options.random', 'an nb.Random', r);
  return r;
}

function randomArray(op: string, shape: readonly number[], opts: RandomOptions, extra: readonly string[], draw: (r: Random) => number): Tensor {
  const r = resolve(op, opts, 'float32', extra);
  if (!isFloat(r.dtype)) throw new Error(`${op}: dtype must be float32 or float64, got ${r.dtype}`);
  const rng = generator(op, opts.random);
  // nb.graph infers shapes on a backend that stores nothing: no values to draw (nor randomness to consume)
  if (engine.isShapeInference()) return Tensor.fromStorage(new engine.Storage(r.be, r.be.upload(allocArray(r.dtype, 0), r.dtype), r.dtype, sizeOf(shape)), [...shape]);
  const arr = allocArray(r.dtype, sizeOf(shape));
  for (let i = 0; i < arr.length; i++) arr[i] = draw(rng);
  return make(arr, shape, r);
}

/** Uniform values in [low, high) (default [0, 1)). */
export function rand(shape: readonly number[], opts: RandomOptions & { low?: number; high?: number } = {}): Tensor {
  assertShape(shape, 'rand');
  const o = checkOptions('rand', opts);
  const low = optNumber('rand', 'options.low', o.low, 0);
  const high = optNumber('rand', 'options.high', o.high, 1);
  if (!(high > low)) throw new Error(`rand: high (${high}) must be greater than low (${low})`);
  return randomArray('rand', shape, o, [...RANDOM_KEYS, 'low', 'high'], (r) => low + (high - low) * r.uniform());
}

/** Normal values with `mean` (0) and `std` (1). */
export function randn(shape: readonly number[], opts: RandomOptions & { mean?: number; std?: number } = {}): Tensor {
  assertShape(shape, 'randn');
  const o = checkOptions('randn', opts);
  const mean = optNumber('randn', 'options.mean', o.mean, 0);
  const std = optNumber('randn', 'options.std', o.std, 1, { infinite: true });
  if (!(std >= 0) || !Number.isFinite(std)) throw new Error(`randn: std must be non-negative, got ${std}`);
  return randomArray('randn', shape, o, [...RANDOM_KEYS, 'mean', 'std'], (r) => mean + std * r.normal());
}

/** Uniform integers in [low, high), int32; both bounds must lie in int32's range (high may be 2³¹). */
export function randint(low: number, high: number, shape: readonly number[], opts: RandomOptions = {}): Tensor {
  const op = 'randint';
  if (!Number.isInteger(low) || !Number.isInteger(high) || high <= low) {
    throw new Error(`randint: need integers low < high, got low=${describe(low)}, high=${describe(high)}`);
  }
  if (low < INT32_MIN || high > INT32_MAX + 1) {
    throw new Error(`randint: low and high must lie in int32's range [${INT32_MIN}, ${INT32_MAX + 1}], got low=${low}, high=${high}`);
  }
  assertShape(shape, op);
  const r = resolve(op, opts, 'int32', RANDOM_KEYS);
  if (r.dtype !== 'int32') throw new Error(`randint: dtype must be int32, got ${r.dtype}`);
  const rng = generator(op, opts.random);
  const arr = new Int32Array(sizeOf(shape));
  for (let i = 0; i < arr.length; i++) arr[i] = drawInt(rng, low, high);
  return make(arr, shape, r);
}

export type { Shape };
