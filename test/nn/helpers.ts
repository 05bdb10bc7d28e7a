/**
 * Test helpers for nn: value comparison, gradient checks of a module's input and parameters, and
 * pinning the float64 reference backend ('cpu') where a test checks exact math: the default
 * backend may be 'wasm', which stores only float32/int32/bool.
 */
import { afterAll, beforeAll, expect } from 'vitest';
import * as nb from '../../src/index.js';

/** Flat values of a tensor as numbers. */
export function values(t: nb.Tensor): number[] {
  return Array.from(t.dataSync() as ArrayLike<number>, Number);
}

/** Expects `t` to hold `expected` (flattened) within `tol`, and to have `shape` when given. */
export function expectClose(t: nb.Tensor, expected: number[] | number, tol = 1e-6, shape?: number[]): void {
  const exp = typeof expected === 'number' ? [expected] : expected;
  if (shape) expect(t.shape).toEqual(shape);
  const got = values(t);
  expect(got.length).toBe(exp.length);
  got.forEach((v, i) => {
    // Written so that NaN fails (NaN > tol is false): equal values (±Infinity too) pass, else |v - e| ≤ tol.
    const e = exp[i] as number;
    if (!(v === e || Math.abs(v - e) <= tol)) throw new Error(`element ${i}: got ${v}, expected ${exp[i]} (tol ${tol}); all: [${got.join(', ')}]`);
  });
}

/**
 * Checks a module's gradients against central differences in float64: the input gradient with
 * nb.testing.gradcheck, and every trainable parameter by perturbing it in place with assign().
 * The module must have float64 parameters.
 */
export function checkModuleGrads(m: nb.nn.Module, x: nb.Tensor, opts: { eps?: number; atol?: number; rtol?: number; input?: boolean } = {}): void {
  const eps = opts.eps ?? 1e-6;
  const atol = opts.atol ?? 1e-6;
  const rtol = opts.rtol ?? 1e-5;
  for (const [n, p] of m.namedParameters()) expect(p.dtype, `parameter ${n}`).toBe('float64');
  const x64 = x.dtype === 'float64' ? x : x.cast('float64');
  if (opts.input ?? true) nb.testing.gradcheck((xx) => m.call(xx), [x64], { eps, atol, rtol });
  const probe = nb.noGrad(() => m.call(x64));
  const r = new nb.Random(7);
  const w = nb.fromArray(Float64Array.from({ length: probe.size }, () => r.uniform() * 2 - 1), probe.shape);
  const objective = (): nb.Tensor => nb.sum(nb.mul(m.call(x64), w));
  const trainable = m.parameters().filter((p) => p.requiresGrad);
  const checked = checkParamGrads(m, objective, { eps, atol, rtol });
  probe.dispose();
  w.dispose();
  expect(checked).toBe(trainable.reduce((n, p) => n + p.size, 0));
}

/**
 * Makes backend `name` (by default the float64 reference 'cpu') current for the enclosing
 * describe block (or file, at top level) and restores the previous backend after it.
 */
export function pinBackend(name = 'cpu'): void {
  let prev = '';
  beforeAll(() => {
    prev = nb.getBackend().name;
    nb.setBackend(name);
  });
  afterAll(() => nb.setBackend(prev));
}

/** Runs `fn` with backend `name` current, then restores the previous backend. */
export function onBackend<T>(name: string, fn: () => T): T {
  const prev = nb.getBackend().name;
  nb.setBackend(name);
  try {
    return fn();
  } finally {
    nb.setBackend(prev);
  }
}

/** float64 tensor from nested values, on 'cpu' (the backend that stores float64). */
export function f64(v: nb.NestedArray | number[] | number[][]): nb.Tensor {
  return nb.tensor(v as nb.NestedArray, { dtype: 'float64', backend: 'cpu' });
}

/** A float64 random normal tensor from a fixed generator, on 'cpu'. */
export function randn64(shape: number[], seed = 1): nb.Tensor {
  return nb.randn(shape, { dtype: 'float64', random: new nb.Random(seed), backend: 'cpu' });
}

/** A table row for argument-check tests: a name, a call that must throw, the message (or a pattern). */
export type ErrorCase = [string, () => unknown, string | RegExp];

/**
 * Expects `fn` to throw a plain Error (not a TypeError/RangeError or other subclass) whose
 * message contains `expected` (or matches it).
 */
export function expectPlainError(fn: () => unknown, expected: string | RegExp): void {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err, 'expected an error').toBeInstanceOf(Error);
  const e = err as Error;
  expect(e.constructor, `a plain Error, got ${e.constructor.name}: ${e.message}`).toBe(Error);
  if (typeof expected === 'string') expect(e.message).toContain(expected);
  else expect(e.message).toMatch(expected);
}

/**
 * Every trainable parameter's backward gradient of `objective` (a scalar) against central
 * differences, perturbing each element in place with assign(); returns how many elements it
 * checked. Float64 parameters give tight tolerances.
 */
export function checkParamGrads(m: { namedParameters(): [string, nb.Tensor][]; zeroGrad(): void }, objective: () => nb.Tensor, opts: { eps?: number; atol?: number; rtol?: number } = {}): number {
  const eps = opts.eps ?? 1e-6;
  const atol = opts.atol ?? 1e-6;
  const rtol = opts.rtol ?? 1e-5;
  m.zeroGrad();
  if (m.namedParameters().some(([, p]) => p.requiresGrad)) nb.tidy(() => objective().backward());
  let checked = 0;
  for (const [name, p] of m.namedParameters()) {
    if (!p.requiresGrad) continue;
    expect(p.grad, `gradient of ${name}`).not.toBeNull();
    const analytic = values(p.grad!);
    const base = Float64Array.from(values(p));
    for (let j = 0; j < base.length; j++) {
      const at = (v: number): number => {
        const arr = base.slice();
        arr[j] = v;
        const t = nb.fromArray(arr, p.shape);
        p.assign(t);
        t.dispose();
        return nb.noGrad(() => nb.tidy(() => objective().item()));
      };
      const numeric = (at((base[j] as number) + eps) - at((base[j] as number) - eps)) / (2 * eps);
      const restore = nb.fromArray(base.slice(), p.shape);
      p.assign(restore);
      restore.dispose();
      const a = analytic[j] as number;
      if (!(Math.abs(a - numeric) <= atol + rtol * Math.abs(numeric))) {
        throw new Error(`parameter ${name} element ${j}: analytic ${a} vs numeric ${numeric}`);
      }
      checked++;
    }
  }
  m.zeroGrad();
  return checked;
}
