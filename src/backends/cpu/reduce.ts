/** The cpu backend's reductions, arg-reductions, scans and sorting. */
import type { ArgReduceOp, CumulativeOp, KTensor, ReduceOp } from '../interface.js';
import { sizeOf, stridesOf, type Shape } from '../../tensor/shape.js';
import { arr, type Alloc, type Arr } from './device.js';

/** Splits `shape` around sorted `axes` into (outer-kept, reduced) iteration: returns for each output element the list of input offsets. */
function reduceIter(shape: Shape, axes: readonly number[]): { outSize: number; redSize: number; base: Int32Array; red: Int32Array } {
  const strides = stridesOf(shape);
  const kept = shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const keptShape = kept.map((i) => shape[i] as number);
  const redShape = axes.map((i) => shape[i] as number);
  const outSize = sizeOf(keptShape);
  const redSize = sizeOf(redShape);
  const offsets = (dims: number[], dimShape: number[], n: number): Int32Array => {
    const o = new Int32Array(n);
    const ds = stridesOf(dimShape);
    for (let i = 0; i < n; i++) {
      let off = 0;
      let rem = i;
      for (let d = 0; d < dims.length; d++) {
        const c = Math.floor(rem / (ds[d] as number));
        rem -= c * (ds[d] as number);
        off += c * (strides[dims[d] as number] as number);
      }
      o[i] = off;
    }
    return o;
  };
  return { outSize, redSize, base: offsets(kept, keptShape, outSize), red: offsets(axes.slice(), redShape, redSize) };
}

export function reduce(out: Alloc, op: ReduceOp, x: KTensor, axes: readonly number[]): Arr {
  const { outSize, redSize, base, red } = reduceIter(x.shape, axes);
  const o = out(x.dtype, outSize);
  const a = arr(x);
  for (let i = 0; i < outSize; i++) {
    const b = base[i] as number;
    let acc = op === 'sum' ? 0 : op === 'prod' ? 1 : op === 'max' ? -Infinity : Infinity;
    for (let j = 0; j < redSize; j++) {
      const v = a[b + (red[j] as number)] as number;
      if (op === 'sum') acc += v;
      else if (op === 'prod') acc *= v;
      else if (op === 'max') acc = v > acc || v !== v ? v : acc;
      else acc = v < acc || v !== v ? v : acc;
      if (acc !== acc && (op === 'max' || op === 'min')) break; // NaN propagates
    }
    o[i] = acc;
  }
  return o;
}

export function argReduce(out: Alloc, op: ArgReduceOp, x: KTensor, axis: number): Arr {
  const { outSize, redSize, base, red } = reduceIter(x.shape, [axis]);
  const o = out('int32', outSize);
  const a = arr(x);
  for (let i = 0; i < outSize; i++) {
    let best = 0;
    let bv = a[base[i] as number] as number;
    for (let j = 1; j < redSize; j++) {
      const v = a[(base[i] as number) + (red[j] as number)] as number;
      if (bv !== bv) break;
      if (op === 'argmax' ? v > bv || v !== v : v < bv || v !== v) {
        bv = v;
        best = j;
      }
    }
    o[i] = best;
  }
  return o;
}

export function cumulative(out: Alloc, op: CumulativeOp, x: KTensor, axis: number, exclusive: boolean, reverse: boolean): Arr {
  const outer = sizeOf(x.shape.slice(0, axis));
  const dim = x.shape[axis] as number;
  const inner = sizeOf(x.shape.slice(axis + 1));
  const a = arr(x);
  const o = out(x.dtype, x.size);
  const int = x.dtype === 'int32';
  const prod = op === 'prod';
  for (let i = 0; i < outer; i++) {
    for (let k = 0; k < inner; k++) {
      let acc = prod ? 1 : 0;
      for (let r = 0; r < dim; r++) {
        const at = (i * dim + (reverse ? dim - 1 - r : r)) * inner + k;
        const v = a[at] as number;
        if (exclusive) o[at] = acc;
        // int32 wraps like the stored Int32Array would at every step; floats accumulate in float64
        acc = prod ? (int ? Math.imul(acc, v) : acc * v) : int ? (acc + v) | 0 : acc + v;
        if (!exclusive) o[at] = acc;
      }
    }
  }
  return o;
}

export function argsort(out: Alloc, x: KTensor, axis: number, descending: boolean): Arr {
  const outer = sizeOf(x.shape.slice(0, axis));
  const dim = x.shape[axis] as number;
  const inner = sizeOf(x.shape.slice(axis + 1));
  const a = arr(x);
  const o = out('int32', x.size);
  const row = new Float64Array(dim);
  const order = new Array<number>(dim);
  // NaN is the largest value; Array.prototype.sort is stable
  const asc = (p: number, q: number): number => {
    const u = row[p] as number;
    const v = row[q] as number;
    return u < v ? -1 : u > v ? 1 : u !== u ? (v !== v ? 0 : 1) : v !== v ? -1 : 0;
  };
  const cmp = descending ? (p: number, q: number): number => asc(q, p) : asc;
  for (let i = 0; i < outer; i++) {
    for (let k = 0; k < inner; k++) {
      for (let r = 0; r < dim; r++) {
        row[r] = a[(i * dim + r) * inner + k] as number;
        order[r] = r;
      }
      order.sort(cmp);
      for (let r = 0; r < dim; r++) o[(i * dim + r) * inner + k] = order[r] as number;
    }
  }
  return o;
}
