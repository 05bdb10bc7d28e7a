/** Sorting along one axis: argsort (an `argsort` kernel, stable), sort and topk (values gathered through the indices). */
import { apply, scoped } from '../engine.js';
import { defineOp } from '../registry.js';
import type { Tensor } from '../tensor/tensor.js';
import { fmt, normAxis } from '../tensor/shape.js';
import { checkInt, checkOptions, optBoolean, optInt } from '../validate.js';
import { assertTensor } from './util.js';
import { slice } from './shape.js';
import { takeAlongAxis } from './indexing.js';

const F = 'sort';

export interface SortOptions {
  /** The axis to sort along (negative counts from the end). Default −1. */
  axis?: number;
  /** Largest first. Default false. */
  descending?: boolean;
}

export interface TopkOptions {
  /** The axis to pick along (negative counts from the end). Default −1. */
  axis?: number;
  /** The k largest (true, default) or the k smallest (false). */
  largest?: boolean;
  /** Return them in order (largest first when `largest`). They always are; the flag is accepted for PyTorch's signature. */
  sorted?: boolean;
}

function sortArgs(op: string, x: Tensor, opts: SortOptions | undefined): { a: number; descending: boolean } {
  assertTensor(x, op, 'x');
  const o = checkOptions(op, opts, ['axis', 'descending']);
  const axis = optInt(op, 'options.axis', o.axis, -1);
  if (x.rank === 0) throw new Error(`${op}: x must have at least one axis, got a scalar []`);
  return { a: normAxis(axis, x.rank, op, 'options.axis'), descending: optBoolean(op, 'options.descending', o.descending, false) };
}

const Argsort = defineOp({ name: 'argsort', kernels: ['argsort'], grad: 'none', family: F });
function argsortRaw(x: Tensor, a: number, descending: boolean): Tensor {
  return apply(Argsort, [x], x.shape, 'int32', (be, [k]) => be.argsort(k!, a, descending));
}

/**
 * The int32 indices that sort x along `options.axis` (default −1), stably: equal values keep
 * their order. NaN counts as the largest value (last ascending, first descending), like PyTorch.
 */
export function argsort(x: Tensor, opts?: SortOptions): Tensor {
  const { a, descending } = sortArgs('argsort', x, opts);
  return argsortRaw(x, a, descending);
}

defineOp({ name: 'sort', kernels: [], grad: 'composite', family: F });
/**
 * x sorted along `options.axis` (default −1), ascending unless `descending`, stably; NaN counts
 * as the largest value. Returns the values and the int32 indices they came from; the values'
 * gradient flows back through the indices.
 */
export function sort(x: Tensor, opts?: SortOptions): { values: Tensor; indices: Tensor } {
  const { a, descending } = sortArgs('sort', x, opts);
  const [values, indices] = scoped(() => {
    const idx = argsortRaw(x, a, descending);
    return [takeAlongAxis(x, idx, a), idx];
  });
  return { values: values!, indices: indices! };
}

defineOp({ name: 'topk', kernels: [], grad: 'composite', family: F });
/**
 * The k largest (or, with `largest: false`, smallest) entries along `options.axis` (default −1),
 * in order, with their int32 indices; NaN counts as the largest value. Ties keep the lower index
 * first. The values' gradient flows back through the indices.
 */
export function topk(x: Tensor, k: number, opts?: TopkOptions): { values: Tensor; indices: Tensor } {
  const op = 'topk';
  assertTensor(x, op, 'x');
  const o = checkOptions(op, opts, ['axis', 'largest', 'sorted']);
  const axis = optInt(op, 'options.axis', o.axis, -1);
  const largest = optBoolean(op, 'options.largest', o.largest, true);
  optBoolean(op, 'options.sorted', o.sorted, true);
  if (x.rank === 0) throw new Error(`${op}: x must have at least one axis, got a scalar []`);
  const a = normAxis(axis, x.rank, op, 'options.axis');
  const dim = x.shape[a] as number;
  checkInt(op, 'k', k, { min: 0 });
  if (k > dim) throw new Error(`${op}: k (${k}) is larger than axis ${a} of x ${fmt(x.shape)} (size ${dim})`);
  const [values, indices] = scoped(() => {
    const order = argsortRaw(x, a, largest);
    const idx = slice(order, x.shape.map(() => 0), x.shape.map((d, i) => (i === a ? k : d)));
    return [takeAlongAxis(x, idx, a), idx];
  });
  return { values: values!, indices: indices! };
}
