/**
 * Gradient checking: compares autograd's gradients with central finite differences,
 * (f(x + h) − f(x − h)) / 2h, accumulated in float64 (inputs are promoted to float64 on backends
 * that store it, such as `cpu`).
 */
import * as engine from '../engine.js';
import { Tensor } from '../tensor/tensor.js';
import { checkFunction, checkOptions, fail, optBoolean, optNumber } from '../validate.js';
import { fromArray } from '../tensor/creation.js';
import { cast } from '../ops/elementwise.js';
import { sum, } from '../ops/reduce.js';
import { stack } from '../ops/shape.js';
import { mul } from '../ops/elementwise.js';
import { Random } from '../tensor/random.js';
import { fmt } from '../tensor/shape.js';
import { gradients } from './backward.js';
import { isFloat } from '../tensor/dtype.js';

export interface GradcheckOptions {
  /** Finite-difference step (default 1e-6 in float64, 1e-2 in float32). */
  eps?: number;
  /** Absolute tolerance (default 1e-5 in float64, 1e-2 in float32). */
  atol?: number;
  /** Relative tolerance (default 1e-4 in float64, 1e-2 in float32). */
  rtol?: number;
  /** Compute in float64 where the backend allows (default true). */
  float64?: boolean;
  /** Which inputs to check (default: all floating inputs). */
  check?: readonly boolean[];
  /** Throw an error describing the worst mismatch (default true); otherwise return the report. */
  raiseOnFailure?: boolean;
}

export interface GradcheckReport {
  ok: boolean;
  dtype: 'float32' | 'float64';
  /** Per input: the largest |analytic − numeric| and where. */
  inputs: { maxAbsError: number; index: number; analytic: number; numeric: number }[];
}

/**
 * Checks the gradients of `f` at `inputs`. `f` may return any shape: it is reduced to a scalar
 * with fixed random weights, so every output element is tested.
 */
export function gradcheck(f: (...xs: Tensor[]) => Tensor, inputs: readonly Tensor[], opts: GradcheckOptions = {}): GradcheckReport {
  const s = setup('gradcheck', f, inputs, opts);
  return engine.tidy(() => {
    const { xs, check, analytic } = start(s, f, inputs);
    const reads = analytic.map((a) => a.dataSync());
    const base = xs.map((x, i) => (check[i] ? (x.dataSync() as Float64Array | Float32Array) : null));
    const evalAt = (i: number, values: Float64Array | Float32Array): number =>
      engine.noGrad(() => Number(s.objectiveAt(xs, i, values).dataSync()[0]));
    return compare(s, xs, check, reads, base, (i, j, v) => evalAt(i, v(j)));
  });
}

/**
 * `gradcheck` for backends that read back asynchronously (`webgpu`): the same check, with the
 * finite differences of each input evaluated together and read back in one transfer.
 */
export function gradcheckAsync(f: (...xs: Tensor[]) => Tensor, inputs: readonly Tensor[], opts: GradcheckOptions = {}): Promise<GradcheckReport> {
  const s = setup('gradcheckAsync', f, inputs, opts);
  return engine.tidy(async () => {
    const { xs, check, analytic } = start(s, f, inputs);
    const reads: ArrayLike<number>[] = [];
    for (const a of analytic) reads.push(await a.data());
    const base: (Float64Array | Float32Array | null)[] = [];
    const numeric: (Float64Array | null)[] = [];
    for (let i = 0; i < xs.length; i++) {
      const x = xs[i] as Tensor;
      if (!check[i]) {
        base.push(null);
        numeric.push(null);
        continue;
      }
      const b = (await x.data()) as Float64Array | Float32Array;
      base.push(b);
      const outs = engine.noGrad(() => {
        const list: Tensor[] = [];
        for (let j = 0; j < b.length; j++) {
          const v = b.slice();
          v[j] = (b[j] as number) + s.eps;
          list.push(engine.tidy(() => s.objectiveAt(xs, i, v.slice())));
          v[j] = (b[j] as number) - s.eps;
          list.push(engine.tidy(() => s.objectiveAt(xs, i, v)));
        }
        return list.length ? stack(list) : null;
      });
      numeric.push(outs ? Float64Array.from(await outs.data()) : new Float64Array(0));
    }
    return compare(s, xs, check, reads, base, (i, j) => (numeric[i] as Float64Array)[2 * j] as number, (i, j) => (numeric[i] as Float64Array)[2 * j + 1] as number);
  });
}

interface Setup {
  opts: GradcheckOptions;
  be: Tensor['backend'];
  use64: boolean;
  dtype: 'float32' | 'float64';
  eps: number;
  atol: number;
  rtol: number;
  objective: (...a: Tensor[]) => Tensor;
  objectiveAt: (xs: Tensor[], i: number, values: Float64Array | Float32Array) => Tensor;
  weightsFor: (probe: Tensor) => Tensor;
}

function setup(op: string, f: (...xs: Tensor[]) => Tensor, inputs: readonly Tensor[], opts: GradcheckOptions): Setup {
  checkFunction(op, 'f', f);
  if (!Array.isArray(inputs) || inputs.length === 0) fail(op, 'inputs', 'a non-empty array of Tensors', inputs);
  inputs.forEach((x, i) => {
    if (!(x instanceof Tensor)) fail(op, `inputs[${i}]`, 'a Tensor', x);
    x.assertAlive(`${op}: inputs[${i}]`);
  });
  opts = checkOptions(op, opts, ['eps', 'atol', 'rtol', 'float64', 'check', 'raiseOnFailure']);
  optNumber(op, 'options.eps', opts.eps, 1, { above: 0 });
  optNumber(op, 'options.atol', opts.atol, 0, { min: 0 });
  optNumber(op, 'options.rtol', opts.rtol, 0, { min: 0 });
  optBoolean(op, 'options.float64', opts.float64, true);
  optBoolean(op, 'options.raiseOnFailure', opts.raiseOnFailure, true);
  if (opts.check !== undefined && (!Array.isArray(opts.check) || opts.check.length !== inputs.length)) {
    fail(op, 'options.check', `an array of ${inputs.length} booleans (one per input)`, opts.check);
  }
  const be = (inputs[0] as Tensor).backend;
  const use64 = (opts.float64 ?? true) && be.supportsFloat64;
  const dtype = use64 ? 'float64' : 'float32';
  const eps = opts.eps ?? (use64 ? 1e-6 : 1e-2);
  const atol = opts.atol ?? (use64 ? 1e-5 : 1e-2);
  const rtol = opts.rtol ?? (use64 ? 1e-4 : 1e-2);
  let weights: Tensor | null = null;
  const objective = (...a: Tensor[]): Tensor => {
    const y = f(...a);
    if (!isFloat(y.dtype)) throw new Error(`gradcheck: f returned ${y.dtype}; it must return a floating tensor`);
    return sum(mul(y.dtype === dtype ? y : cast(y, dtype), weights as Tensor));
  };
  return {
    opts, be, use64, dtype, eps, atol, rtol,
    objective,
    objectiveAt: (xs, i, values) => {
      const args = xs.map((x, j) => (j === i ? fromArray(values.slice(), x.shape, { dtype, backend: be.name }) : x));
      return objective(...args);
    },
    weightsFor: (probe) => {
      const rnd = new Random(0x6a09e667); // fixed weights: deterministic, and the global stream is left alone
      const wArr = use64 ? new Float64Array(probe.size) : new Float32Array(probe.size);
      for (let i = 0; i < wArr.length; i++) wArr[i] = rnd.uniform() * 2 - 1;
      weights = fromArray(wArr, probe.shape, { backend: be.name });
      return weights;
    },
  };
}

/** Casts the inputs, draws the weights and computes the analytic gradients (inside a tidy). */
function start(s: Setup, f: (...xs: Tensor[]) => Tensor, inputs: readonly Tensor[]): { xs: Tensor[]; check: boolean[]; analytic: Tensor[] } {
  const xs = inputs.map((x) => (isFloat(x.dtype) ? cast(x, s.dtype) : x.clone()));
  const check = xs.map((x, i) => (s.opts.check ? !!s.opts.check[i] : isFloat(x.dtype)));
  const probe = engine.noGrad(() => f(...xs));
  s.weightsFor(probe);
  const leaves = xs.map((x, i) => (check[i] ? x.detach().requireGrad(true) : x));
  const out = engine.withGrad(true, () => s.objective(...leaves));
  const analytic = gradients(out, leaves.filter((_, i) => check[i]), undefined, false) as Tensor[];
  return { xs, check, analytic };
}

/** Compares analytic with central differences; `fPlus(i, j, values)` / `fMinus` give f at x ± eps·eⱼ. */
function compare(
  s: Setup, xs: Tensor[], check: boolean[], analytic: ArrayLike<number>[], bases: (Float64Array | Float32Array | null)[],
  fPlus: (i: number, j: number, at: (j: number) => Float64Array | Float32Array) => number,
  fMinus?: (i: number, j: number, at: (j: number) => Float64Array | Float32Array) => number,
): GradcheckReport {
  const { eps, atol, rtol, dtype } = s;
  const report: GradcheckReport = { ok: true, dtype, inputs: [] };
  let k = 0;
  let failure = '';
  xs.forEach((x, i) => {
    if (!check[i]) return;
    const a = analytic[k++] as ArrayLike<number>;
    const base = bases[i] as Float64Array | Float32Array;
    const worst = { maxAbsError: 0, index: -1, analytic: 0, numeric: 0 };
    for (let j = 0; j < base.length; j++) {
      const shifted = (sign: number) => (jj: number): Float64Array | Float32Array => {
        const v = base.slice();
        v[jj] = (base[jj] as number) + sign * eps;
        return v;
      };
      const fp = fPlus(i, j, shifted(1));
      const fm = fMinus ? fMinus(i, j, shifted(-1)) : fPlus(i, j, shifted(-1));
      const numeric = (fp - fm) / (2 * eps);
      const an = a[j] as number;
      const err = Math.abs(an - numeric);
      if (!(err <= worst.maxAbsError) || worst.index < 0) Object.assign(worst, { maxAbsError: err, index: j, analytic: an, numeric });
      if (!(err <= atol + rtol * Math.abs(numeric)) && report.ok) {
        report.ok = false;
        failure = `gradcheck: input ${i} ${fmt(x.shape)} element ${j}: analytic ${an} vs numeric ${numeric} (|diff| ${err} > atol ${atol} + rtol ${rtol}·|numeric|)`;
      }
    }
    report.inputs.push(worst);
  });
  if (!report.ok && (s.opts.raiseOnFailure ?? true)) throw new Error(failure);
  return report;
}
