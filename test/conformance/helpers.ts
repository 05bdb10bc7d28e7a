/**
 * Shared helpers for the conformance suite: value comparison and backend-aware gradient checks.
 *
 * Tolerances: on backends with float64 (`cpu`), gradcheck runs in float64 with eps 1e-6,
 * atol 1e-5, rtol 1e-4. On float32-only backends it runs in float32 with eps 1e-2 and
 * atol = rtol = 3e-2 (central differences in float32 lose about half the digits).
 */
import { expect } from 'vitest';
import * as nb from '../../src/index.js';

export type Nested = number | boolean | Nested[];

/** Flattens nested arrays of numbers/booleans. */
export function flat(v: Nested): number[] {
  if (Array.isArray(v)) return v.flatMap(flat);
  return [typeof v === 'boolean' ? (v ? 1 : 0) : v];
}

/** A tensor's values: synchronously where the backend can, else by an asynchronous read (GPU backends). */
export async function read(t: nb.Tensor): Promise<number[]> {
  return Array.from((t.backend.downloadSync ? t.dataSync() : await t.data()) as ArrayLike<number>);
}

/** Asserts shape and values (within `tol`, relative for large values) of a tensor. */
export async function expectTensor(t: nb.Tensor, expected: Nested, shape?: readonly number[], tol = 1e-5): Promise<void> {
  if (shape) expect(t.shape).toEqual(shape);
  const got = await read(t);
  const want = flat(expected);
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const w = want[i] as number;
    const g = got[i] as number;
    if (Number.isNaN(w)) {
      expect(Number.isNaN(g), `element ${i}: expected NaN, got ${g}`).toBe(true);
    } else if (!Number.isFinite(w)) {
      expect(g, `element ${i}`).toBe(w);
    } else {
      const err = Math.abs(g - w);
      expect(err <= tol * Math.max(1, Math.abs(w)), `element ${i}: got ${g}, expected ${w} (tol ${tol})`).toBe(true);
    }
  }
}

/** Asserts two tensors hold the same shape and values. */
export async function expectClose(a: nb.Tensor, b: nb.Tensor, tol = 1e-5): Promise<void> {
  expect(a.shape).toEqual(b.shape);
  await expectTensor(a, await read(b), undefined, tol);
}

/** Float32-only backends check gradients in float32 with these looser tolerances. */
export const F32_GRADCHECK = { eps: 1e-2, atol: 3e-2, rtol: 3e-2 } as const;

/**
 * Gradient check of `f` at `inputs` on the current backend: float64 where the backend has it,
 * else float32 with F32_GRADCHECK tolerances. Throws (failing the test) on a mismatch.
 */
export async function check(f: (...xs: nb.Tensor[]) => nb.Tensor, inputs: readonly nb.Tensor[], opts: nb.testing.GradcheckOptions = {}): Promise<void> {
  const be = nb.getBackend();
  const o = be.supportsFloat64 ? opts : { ...F32_GRADCHECK, ...opts };
  // CPU backends check synchronously, as before; GPU backends read back asynchronously
  const report = be.downloadSync ? nb.tidy(() => nb.testing.gradcheck(f, inputs, o)) : await nb.testing.gradcheckAsync(f, inputs, o);
  expect(report.ok).toBe(true);
  expect(report.dtype).toBe(be.supportsFloat64 ? 'float64' : 'float32');
}

/** Random float tensor of `shape` (values in [lo, hi)), from a generator seeded per call site. */
export function rnd(shape: readonly number[], seed: number, lo = -1, hi = 1): nb.Tensor {
  return nb.rand(shape, { random: new nb.Random(seed), low: lo, high: hi });
}

/** Random values kept away from 0 by at least `gap` (for ops with a kink or pole at 0). */
export function rndAway(shape: readonly number[], seed: number, gap = 0.2): nb.Tensor {
  const r = new nb.Random(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const m = gap + r.uniform() * (1 - gap);
    v[i] = r.uniform() < 0.5 ? -m : m;
  }
  return nb.fromArray(v, shape);
}

/** Positive values in [lo, hi). */
export function rndPos(shape: readonly number[], seed: number, lo = 0.5, hi = 2): nb.Tensor {
  return rnd(shape, seed, lo, hi);
}

/** A plain nested-array view (numbers) of a tensor, for naive reference loops. */
export function vals(t: nb.Tensor): Promise<number[]> {
  return read(t);
}

/** A tensor's nested values (booleans for bool), synchronously where the backend can. */
export async function arr(t: nb.Tensor): Promise<nb.NestedArray> {
  return t.backend.downloadSync ? t.arraySync() : t.array();
}

/** A tensor's first value (a number), synchronously where the backend can. */
export async function item(t: nb.Tensor): Promise<number> {
  return (await read(t))[0] as number;
}

/** `check` for code that runs only on CPU backends (synchronous reads): throws on a mismatch. */
export function checkSync(f: (...xs: nb.Tensor[]) => nb.Tensor, inputs: readonly nb.Tensor[], opts: nb.testing.GradcheckOptions = {}): void {
  const be = nb.getBackend();
  const o = be.supportsFloat64 ? opts : { ...F32_GRADCHECK, ...opts };
  nb.tidy(() => {
    const report = nb.testing.gradcheck(f, inputs, o);
    expect(report.ok).toBe(true);
    expect(report.dtype).toBe(be.supportsFloat64 ? 'float64' : 'float32');
  });
}
