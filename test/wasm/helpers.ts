/** Shared helpers of the wasm backend tests: paired uploads to cpu and wasm, comparisons. */
import { expect } from 'vitest';
import type { Backend, KTensor } from '../../src/backends/interface.js';
import type { DType, TypedArray } from '../../src/tensor/dtype.js';
import { Random } from '../../src/tensor/random.js';

export interface Pair {
  c: KTensor;
  w: KTensor;
}

export function kt(be: Backend, values: TypedArray, shape: readonly number[], dtype: DType): KTensor {
  return { data: be.upload(values.slice(), dtype), shape, dtype, size: values.length };
}

export function pair(cpu: Backend, wasm: Backend, values: TypedArray, shape: readonly number[], dtype: DType = 'float32'): Pair {
  return { c: kt(cpu, values, shape, dtype), w: kt(wasm, values, shape, dtype) };
}

export function randF32(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const r = new Random(seed);
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = lo + (hi - lo) * r.uniform();
  return a;
}

export function randI32(n: number, seed: number, lo: number, hi: number): Int32Array {
  const r = new Random(seed);
  const a = new Int32Array(n);
  for (let i = 0; i < n; i++) a[i] = lo + Math.floor((hi - lo) * r.uniform());
  return a;
}

export function read(be: Backend, h: unknown, dtype: DType, size: number): number[] {
  return Array.from(be.downloadSync!({ data: h, shape: [size], dtype, size }) as ArrayLike<number>);
}

/** Expects equal lengths and |a-b| <= tol·max(1, |b|) elementwise (NaN matches NaN). */
export function expectClose(got: readonly number[], want: readonly number[], tol: number, what: string): void {
  expect(got.length, `${what}: length`).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const g = got[i]!;
    const w = want[i]!;
    if (Number.isNaN(w)) expect(Number.isNaN(g), `${what}[${i}]: expected NaN, got ${g}`).toBe(true);
    else if (!Number.isFinite(w)) expect(g, `${what}[${i}]`).toBe(w);
    else expect(Math.abs(g - w) <= tol * Math.max(1, Math.abs(w)), `${what}[${i}]: got ${g}, want ${w}`).toBe(true);
  }
}
