/** Reductions over any axes (negative axes count from the end), with `keepDims`. */
import { apply, scoped } from '../engine.js';
import { defineOp, type OpDef } from '../registry.js';
import type { ReduceOp } from '../backends/interface.js';
import type { Tensor } from '../tensor/tensor.js';
import { isFloat } from '../tensor/dtype.js';
import { fmt, normAxes, normAxis, reducedShape, sizeOf } from '../tensor/shape.js';
import { assertTensor, operand } from './util.js';
import { checkInt, fail } from '../validate.js';
import { add, cast, div, eq, gt, log, mul, sqrt, square, sub, where, exp } from './elementwise.js';
import { broadcastTo, reshape } from './shape.js';

const F = 'reduce';
export type Axes = number | readonly number[] | undefined | null;

/** Brings a reduced gradient back to the input's shape. */
function expandBack(dy: Tensor, x: Tensor, axes: readonly number[]): Tensor {
  return broadcastTo(reshape(dy, reducedShape(x.shape, axes, true)), x.shape);
}

function reduceOp(def: OpDef, kop: ReduceOp, x: Tensor, axes: Axes, keepDims: boolean, grad: ((dy: Tensor, x: Tensor, out: Tensor, ax: number[]) => Tensor) | null): Tensor {
  assertTensor(x, def.name, 'x');
  if (typeof keepDims !== 'boolean') fail(def.name, 'keepDims', 'true or false', keepDims);
  const ax = normAxes(axes, x.rank, def.name);
  const outShape = reducedShape(x.shape, ax, false);
  if ((kop === 'max' || kop === 'min') && x.size === 0 && sizeOf(outShape) > 0) {
    throw new Error(`${def.name}: cannot reduce empty axes [${ax.join(',')}] of ${fmt(x.shape)} (no identity for ${kop})`);
  }
  const run = (): Tensor => {
    // sum and prod are arithmetic (bool counts as int32); max and min of bools stay bool.
    const input = kop === 'sum' || kop === 'prod' ? operand(def.name, x, 'arith') : x;
    const out = apply(def, [input], outShape, input.dtype, (be, [k]) => be.reduce(kop, k!, ax), grad ? (dy, [xi], o) => [grad(dy, xi!, o, ax)] : undefined);
    return keepDims ? reshape(out, reducedShape(x.shape, ax, true)) : out;
  };
  return keepDims || x.dtype === 'bool' ? scoped(run) : run();
}

const Sum = defineOp({ name: 'sum', kernels: ['reduce'], grad: 'rule', family: F });
/** Σ over `axes` (all when omitted). */
export function sum(x: Tensor, axes?: Axes, keepDims = false): Tensor {
  return reduceOp(Sum, 'sum', x, axes, keepDims, (dy, xi, _, ax) => expandBack(dy, xi, ax));
}

const Prod = defineOp({ name: 'prod', kernels: ['reduce'], grad: 'rule', family: F });
/** Π over `axes`. The gradient is exact also where inputs are zero. */
export function prod(x: Tensor, axes?: Axes, keepDims = false): Tensor {
  return reduceOp(Prod, 'prod', x, axes, keepDims, (dy, xi, _, ax) => {
    const isZero = eq(xi, 0);
    const nz = where(isZero, 1, xi);
    const pnz = expandBack(prod(nz, ax), xi, ax);
    const zeros = expandBack(sum(cast(isZero, xi.dtype), ax), xi, ax);
    const g = where(eq(zeros, 0), div(pnz, nz), where(isZero, where(eq(zeros, 1), pnz, 0), 0));
    return mul(expandBack(dy, xi, ax), g);
  });
}

function extremum(name: 'max' | 'min'): OpDef {
  return defineOp({ name, kernels: ['reduce'], grad: 'rule', family: F });
}
const Max = extremum('max');
const Min = extremum('min');
/** The gradient of max/min is shared evenly among tied extreme elements. */
function extremumGrad(dy: Tensor, xi: Tensor, out: Tensor, ax: number[]): Tensor {
  const mask = cast(eq(xi, expandBack(out, xi, ax)), xi.dtype);
  const count = expandBack(sum(mask, ax), xi, ax);
  return div(mul(mask, expandBack(dy, xi, ax)), count);
}
/** Largest value over `axes`. */
export function max(x: Tensor, axes?: Axes, keepDims = false): Tensor {
  return reduceOp(Max, 'max', x, axes, keepDims, extremumGrad);
}
/** Smallest value over `axes`. */
export function min(x: Tensor, axes?: Axes, keepDims = false): Tensor {
  return reduceOp(Min, 'min', x, axes, keepDims, extremumGrad);
}

defineOp({ name: 'mean', kernels: [], grad: 'composite', family: F });
/** Arithmetic mean over `axes`. */
export function mean(x: Tensor, axes?: Axes, keepDims = false): Tensor {
  assertTensor(x, 'mean', 'x');
  if (typeof keepDims !== 'boolean') fail('mean', 'keepDims', 'true or false', keepDims);
  const ax = normAxes(axes, x.rank, 'mean');
  const n = sizeOf(ax.map((a) => x.shape[a] as number));
  return scoped(() => div(sum(isFloat(x.dtype) ? x : cast(x, 'float32'), ax, keepDims), n));
}

defineOp({ name: 'variance', kernels: [], grad: 'composite', family: F });
/** Variance over `axes`; `correction` 0 (default, like NumPy) or 1 (unbiased, like PyTorch). */
export function variance(x: Tensor, axes?: Axes, keepDims = false, correction = 0): Tensor {
  const { ax, n } = varianceArgs('variance', x, axes, keepDims, correction);
  return scoped(() => varianceOf(x, ax, keepDims, n - correction));
}

/** Checks variance's and std's arguments (each op names itself); returns the axes and their element count. */
function varianceArgs(op: string, x: Tensor, axes: Axes, keepDims: unknown, correction: unknown): { ax: number[]; n: number } {
  assertTensor(x, op, 'x');
  if (typeof keepDims !== 'boolean') fail(op, 'keepDims', 'true or false', keepDims);
  checkInt(op, 'correction', correction, { min: 0 });
  const ax = normAxes(axes, x.rank, op);
  const n = sizeOf(ax.map((a) => x.shape[a] as number));
  if (n - (correction as number) <= 0) throw new Error(`${op}: ${n} elements over axes [${ax.join(',')}] of ${fmt(x.shape)} leave no degrees of freedom with correction ${correction as number}`);
  return { ax, n };
}

function varianceOf(x: Tensor, ax: number[], keepDims: boolean, dof: number): Tensor {
  return div(sum(square(sub(x, mean(x, ax, true))), ax, keepDims), dof);
}

defineOp({ name: 'std', kernels: [], grad: 'composite', family: F });
/** Standard deviation: √variance. Its gradient is 0 where the variance is 0 (constant input), like PyTorch. */
export function std(x: Tensor, axes?: Axes, keepDims = false, correction = 0): Tensor {
  const { ax, n } = varianceArgs('std', x, axes, keepDims, correction);
  return scoped(() => {
    const v = varianceOf(x, ax, keepDims, n - correction);
    // √v has an infinite slope at v = 0, and ∞·0 = NaN would reach x; route v = 0 around the sqrt
    // (the value is the same: √0 = 0; NaN stays NaN).
    const zero = eq(v, 0);
    return where(zero, 0, sqrt(where(zero, 1, v)));
  });
}

defineOp({ name: 'logsumexp', kernels: [], grad: 'composite', family: F });
/** log Σ eˣ over `axes`, computed stably (the max is subtracted first). */
export function logsumexp(x: Tensor, axes?: Axes, keepDims = false): Tensor {
  assertTensor(x, 'logsumexp', 'x');
  if (typeof keepDims !== 'boolean') fail('logsumexp', 'keepDims', 'true or false', keepDims);
  const ax = normAxes(axes, x.rank, 'logsumexp');
  if (ax.some((a) => x.shape[a] === 0)) return scoped(() => log(sum(exp(x), ax, keepDims))); // log 0 = −∞, like NumPy
  return scoped(() => {
    const m = max(x, ax, true).detach();
    const finiteM = where(gt(m, -Infinity), m, 0); // rows of -inf stay -inf instead of NaN
    const s = log(sum(exp(sub(x, finiteM)), ax, true));
    const out = add(s, finiteM);
    return keepDims ? out : reshape(out, reducedShape(x.shape, ax, false));
  });
}

function argOp(name: 'argmax' | 'argmin'): (x: Tensor, axis?: number, keepDims?: boolean) => Tensor {
  const def = defineOp({ name, kernels: ['argReduce'], grad: 'none', family: F });
  return (x, axis = -1, keepDims = false) => {
    assertTensor(x, name, 'x');
    if (typeof keepDims !== 'boolean') fail(name, 'keepDims', 'true or false', keepDims);
    const a = normAxis(axis, x.rank, name);
    if (x.shape[a] === 0) throw new Error(`${name}: axis ${axis} of ${fmt(x.shape)} is empty`);
    const outShape = reducedShape(x.shape, [a], false);
    const out = apply(def, [x], outShape, 'int32', (be, [k]) => be.argReduce(name, k!, a));
    if (!keepDims) return out;
    const r = reshape(out, reducedShape(x.shape, [a], true));
    out.dispose(); // r shares the buffer
    return r;
  };
}
/** Index of the largest value along `axis` (first on ties), int32. */
export const argmax = argOp('argmax');
/** Index of the smallest value along `axis` (first on ties), int32. */
export const argmin = argOp('argmin');
