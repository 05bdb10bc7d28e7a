// nabla wasm kernels: what every kernel family shares (element loads and stores by element code,
// the multiply-add of the SIMD build, work splitting between threads, geometry blocks) and the heap's base.

export const F32: i32 = 0;
export const I32: i32 = 1;
export const U8: i32 = 2;

export function heapBase(): usize {
  return __heap_base;
}

@inline export function ld(p: usize, i: i32, dt: i32): f64 {
  if (dt == F32) return <f64>load<f32>(p + (<usize>i << 2));
  if (dt == I32) return <f64>load<i32>(p + (<usize>i << 2));
  return <f64>load<u8>(p + <usize>i);
}

/** JavaScript's ToInt32 (what storing into an Int32Array does). */
export function toI32(v: f64): i32 {
  if (!isFinite(v)) return 0;
  const t = Math.trunc(v);
  if (t >= -2147483648.0 && t <= 2147483647.0) return <i32>t;
  const m = t - 4294967296.0 * Math.floor(t / 4294967296.0);
  return <i32>(<i64>m);
}

@inline export function st(p: usize, i: i32, dt: i32, v: f64): void {
  if (dt == F32) store<f32>(p + (<usize>i << 2), <f32>v);
  else if (dt == I32) store<i32>(p + (<usize>i << 2), toI32(v));
  else store<u8>(p + <usize>i, <u8>toI32(v));
}

@inline export function madd(acc: v128, a: v128, b: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, acc);
  return f32x4.add(acc, f32x4.mul(a, b));
}

@inline export function imin(a: i32, b: i32): i32 {
  return a < b ? a : b;
}

/** The [lo, hi) range of part `tid` of `nth` parts of `n` items, in units of `unit`. */
@inline export function shareLo(n: i32, unit: i32, tid: i32, nth: i32): i32 {
  const units = (n + unit - 1) / unit;
  const per = (units + nth - 1) / nth;
  return imin(n, tid * per * unit);
}
@inline export function shareHi(n: i32, unit: i32, tid: i32, nth: i32): i32 {
  const units = (n + unit - 1) / unit;
  const per = (units + nth - 1) / nth;
  return imin(n, (tid + 1) * per * unit);
}

/** Element `i` of an i32 geometry block (the kernels of conv.ts and pool.ts read their shapes from one). */
@inline export function gi(g: usize, i: i32): i32 {
  return load<i32>(g + (<usize>i << 2));
}
