/** Element types. `float64` is offered by backends that can (the reference `cpu` backend) and is used by gradient checking. */
export type DType = 'float32' | 'float64' | 'int32' | 'bool';
export type FloatDType = 'float32' | 'float64';

export type TypedArray = Float32Array | Float64Array | Int32Array | Uint8Array;

export const DTYPES: readonly DType[] = ['float32', 'float64', 'int32', 'bool'];

export function isFloat(dtype: DType): dtype is FloatDType {
  return dtype === 'float32' || dtype === 'float64';
}

export function bytesPerElement(dtype: DType): number {
  switch (dtype) {
    case 'float64': return 8;
    case 'float32': case 'int32': return 4;
    case 'bool': return 1;
  }
}

export function allocArray(dtype: DType, size: number): TypedArray {
  switch (dtype) {
    case 'float32': return new Float32Array(size);
    case 'float64': return new Float64Array(size);
    case 'int32': return new Int32Array(size);
    case 'bool': return new Uint8Array(size);
  }
}

/** The dtype a storage array holds: Float32Array, Float64Array, Int32Array, or Uint8Array (bool). */
export function dtypeOfArray(a: TypedArray, op = 'fromArray'): DType {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Float64Array) return 'float64';
  if (a instanceof Int32Array) return 'int32';
  if (a instanceof Uint8Array && !(a instanceof Uint8ClampedArray)) return 'bool';
  const name = (a as { constructor?: { name?: string } } | null)?.constructor?.name ?? typeof a;
  throw new Error(`${op}: values must be a Float32Array, Float64Array, Int32Array or Uint8Array (bool), got ${name}; nb.tensor() converts other arrays`);
}

const RANK: Record<DType, number> = { bool: 0, int32: 1, float32: 2, float64: 3 };

/** The dtype two operands are promoted to (bool < int32 < float32 < float64). */
export function promote(a: DType, b: DType): DType {
  return RANK[a] >= RANK[b] ? a : b;
}

export const INT32_MIN = -2147483648;
export const INT32_MAX = 2147483647;

/**
 * Throws unless the number `v` can be stored as `dtype`: int32 takes finite values whose integer
 * part fits in 32 bits (a fraction is truncated toward zero); NaN, ±Infinity or 3e9 would silently
 * become 0 or wrap around. Floats and bools take every number (bool: nonzero is true, like NumPy).
 */
export function checkStorable(op: string, v: number, dtype: DType, label = 'value', at = ''): void {
  if (dtype !== 'int32') return;
  const t = Math.trunc(v);
  if (!(t >= INT32_MIN && t <= INT32_MAX)) {
    throw new Error(`${op}: ${label} ${Number.isNaN(v) ? 'NaN' : v}${at} does not fit in int32 (finite values from ${INT32_MIN} to ${INT32_MAX})`);
  }
}

/** A number or boolean as stored in `dtype`: bools become 0/1 (nonzero, NaN included, is true, like NumPy). */
export function storedValue(v: number | boolean, dtype: DType): number {
  if (dtype === 'bool') return v === true || (typeof v === 'number' && v !== 0) ? 1 : 0;
  return Number(v);
}

/**
 * Converts an array of numbers to a typed array of `dtype` (bools become 0/1 — nonzero is true;
 * int32 truncates toward zero and refuses values outside its range, naming `op` and the index).
 */
export function toTypedArray(values: ArrayLike<number | boolean>, dtype: DType, op = 'tensor'): TypedArray {
  const out = allocArray(dtype, values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number | boolean;
    if (dtype === 'int32' && typeof v === 'number') checkStorable(op, v, dtype, 'value', ` at index ${i}`);
    out[i] = storedValue(v, dtype);
  }
  return out;
}

/** Makes a bool storage array hold only 0 and 1 (nonzero bytes become 1), in place. */
export function normalizeBool(a: Uint8Array): void {
  for (let i = 0; i < a.length; i++) if ((a[i] as number) > 1) a[i] = 1;
}
