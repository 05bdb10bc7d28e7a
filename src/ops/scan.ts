/** Running reductions along one axis: cumsum and cumprod (one O(n) `cumulative` kernel). */
import { apply, scoped } from '../engine.js';
import { defineOp, type OpDef } from '../registry.js';
import type { CumulativeOp } from '../backends/interface.js';
import type { Tensor } from '../tensor/tensor.js';
import { normAxis } from '../tensor/shape.js';
import { checkOptions, optBoolean } from '../validate.js';
import { assertTensor, operand, withTemps } from './util.js';
import { cast, div, eq, logicalAnd, mul, where } from './elementwise.js';
import { pad, slice } from './shape.js';

const F = 'scan';

export interface CumulativeOptions {
  /** Element i holds the sum (product) of the elements before i, so the first is 0 (1). Default false. */
  exclusive?: boolean;
  /** Accumulate from the end of the axis towards its start. Default false. */
  reverse?: boolean;
}

const CumSum = defineOp({ name: 'cumsum', kernels: ['cumulative'], grad: 'rule', family: F });
const CumProd = defineOp({ name: 'cumprod', kernels: ['cumulative'], grad: 'rule', family: F });

function scanArgs(op: string, x: Tensor, axis: number, opts: CumulativeOptions | undefined): { a: number; exclusive: boolean; reverse: boolean } {
  assertTensor(x, op, 'x');
  if (x.rank === 0) throw new Error(`${op}: x must have at least one axis, got a scalar []`);
  const a = normAxis(axis, x.rank, op);
  const o = checkOptions(op, opts, ['exclusive', 'reverse']);
  return { a, exclusive: optBoolean(op, 'options.exclusive', o.exclusive, false), reverse: optBoolean(op, 'options.reverse', o.reverse, false) };
}

/** The raw scan (inputs already in their compute dtype). */
function scan(def: OpDef, kop: CumulativeOp, x: Tensor, a: number, exclusive: boolean, reverse: boolean): Tensor {
  return apply(def, [x], x.shape, x.dtype, (be, [k]) => be.cumulative(kop, k!, a, exclusive, reverse), (dy, [xi], y) => [
    kop === 'sum' ? scan(CumSum, 'sum', dy, a, exclusive, !reverse) : cumprodGrad(dy, xi!, y, a, exclusive, reverse),
  ]);
}

/**
 * Running sum along `axis` (like NumPy's cumsum; int32 and bool give int32, wrapping on overflow).
 * d/dx is the running sum of dy in the opposite direction.
 */
export function cumsum(x: Tensor, axis = 0, opts?: CumulativeOptions): Tensor {
  const { a, exclusive, reverse } = scanArgs('cumsum', x, axis, opts);
  const t = operand('cumsum', x, 'arith');
  return withTemps([t], [x], () => scan(CumSum, 'sum', t, a, exclusive, reverse));
}

/**
 * Running product along `axis`. The gradient is exact with zeros in x (like PyTorch's): before
 * the first zero it is Σ_{i≥j} dy_i·y_i / x_j, at the first zero the products that skip it, after
 * it 0.
 */
export function cumprod(x: Tensor, axis = 0, opts?: CumulativeOptions): Tensor {
  const { a, exclusive, reverse } = scanArgs('cumprod', x, axis, opts);
  const t = operand('cumprod', x, 'arith');
  return withTemps([t], [x], () => scan(CumProd, 'prod', t, a, exclusive, reverse));
}

/** dy moved one step against the scan's direction (what an exclusive scan's gradient needs), zero-filled. */
function shiftBack(dy: Tensor, a: number, reverse: boolean): Tensor {
  const n = dy.shape[a] as number;
  const begin = dy.shape.map((_, i) => (i === a && !reverse ? 1 : 0));
  const size = dy.shape.map((d, i) => (i === a ? n - 1 : d));
  const pads = dy.shape.map((_, i): [number, number] => (i === a ? (reverse ? [1, 0] : [0, 1]) : [0, 0]));
  return pad(slice(dy, begin, size), pads);
}

function cumprodGrad(dy: Tensor, x: Tensor, y: Tensor, a: number, exclusive: boolean, reverse: boolean): Tensor {
  if (x.size === 0) return mul(dy, 0);
  return scoped(() => {
    // An exclusive product at i is the inclusive one at i − 1: shift dy and use the inclusive rule.
    const g = exclusive ? shiftBack(dy, a, reverse) : dy;
    const yIn = exclusive ? cumprod(x, a, { reverse }) : y;
    const back = (t: Tensor): Tensor => cumsum(t, a, { reverse: !reverse });
    const isZero = eq(x, 0);
    const z = cast(isZero, 'int32');
    const zerosUpTo = cumsum(z, a, { reverse }); // zeros at or before i
    const zerosBefore = cumsum(z, a, { reverse, exclusive: true });
    const beforeZero = eq(zerosUpTo, 0); // no zero so far: y_i / x_j is exact
    const firstZero = logicalAnd(isZero, eq(zerosBefore, 0));
    const safeX = where(beforeZero, x, 1);
    const gBefore = div(back(mul(g, yIn)), safeX);
    // at the first zero: Σ_{i≥j} g_i · Π_{k≤i, k≠j} x_k, the products with that zero taken as 1
    const skip = cumprod(where(firstZero, 1, x), a, { reverse });
    const gAt = back(mul(g, skip));
    return where(beforeZero, gBefore, where(firstZero, gAt, 0));
  });
}
