/** The cpu backend's data movement and indexing: transpose, broadcast, slice, pad, concat, gather, scatterAdd, oneHot. */
import type { KTensor } from '../interface.js';
import type { DType } from '../../tensor/dtype.js';
import { sizeOf, stridesOf, type Shape } from '../../tensor/shape.js';
import { arr, broadcastIndex, type Alloc, type Arr } from './device.js';

export function transpose(out: Alloc, x: KTensor, perm: readonly number[]): Arr {
  const outShape = perm.map((p) => x.shape[p] as number);
  const inStr = stridesOf(x.shape);
  const permStr = perm.map((p) => inStr[p] as number);
  const o = out(x.dtype, x.size);
  const a = arr(x);
  const rank = outShape.length;
  const coord = new Array<number>(rank).fill(0);
  let src = 0;
  for (let i = 0; i < x.size; i++) {
    o[i] = a[src] as number;
    for (let d = rank - 1; d >= 0; d--) {
      coord[d]!++;
      src += permStr[d] as number;
      if ((coord[d] as number) < (outShape[d] as number)) break;
      src -= (permStr[d] as number) * (coord[d] as number);
      coord[d] = 0;
    }
  }
  return o;
}

export function broadcastTo(out: Alloc, x: KTensor, shape: Shape): Arr {
  const idx = broadcastIndex(x.shape, shape);
  const o = out(x.dtype, idx.length);
  const a = arr(x);
  for (let i = 0; i < idx.length; i++) o[i] = a[idx[i] as number] as number;
  return o;
}

export function slice(out: Alloc, x: KTensor, begin: readonly number[], size: readonly number[]): Arr {
  const n = sizeOf(size);
  const o = out(x.dtype, n);
  const inStr = stridesOf(x.shape);
  const outStr = stridesOf(size);
  const a = arr(x);
  for (let i = 0; i < n; i++) {
    let rem = i;
    let src = 0;
    for (let d = 0; d < size.length; d++) {
      const c = Math.floor(rem / (outStr[d] as number));
      rem -= c * (outStr[d] as number);
      src += (c + (begin[d] as number)) * (inStr[d] as number);
    }
    o[i] = a[src] as number;
  }
  return o;
}

export function pad(out: Alloc, x: KTensor, pads: readonly (readonly [number, number])[], value: number): Arr {
  const outShape = x.shape.map((d, i) => d + pads[i]![0] + pads[i]![1]);
  const o = out(x.dtype, sizeOf(outShape));
  o.fill(value);
  const outStr = stridesOf(outShape);
  const inStr = stridesOf(x.shape);
  const a = arr(x);
  for (let i = 0; i < x.size; i++) {
    let rem = i;
    let dst = 0;
    for (let d = 0; d < x.shape.length; d++) {
      const c = Math.floor(rem / (inStr[d] as number));
      rem -= c * (inStr[d] as number);
      dst += (c + pads[d]![0]) * (outStr[d] as number);
    }
    o[dst] = a[i] as number;
  }
  return o;
}

export function concat(out: Alloc, xs: readonly KTensor[], axis: number, outShape: Shape): Arr {
  const o = out(xs[0]!.dtype, sizeOf(outShape));
  const outer = sizeOf(outShape.slice(0, axis));
  const innerOut = sizeOf(outShape.slice(axis));
  let off = 0;
  for (const t of xs) {
    const inner = sizeOf(t.shape.slice(axis));
    const a = arr(t);
    for (let i = 0; i < outer; i++) o.set(a.subarray(i * inner, (i + 1) * inner), i * innerOut + off);
    off += inner;
  }
  return o;
}

export function gather(out: Alloc, x: KTensor, indices: KTensor, axis: number, outShape: Shape): Arr {
  const outer = sizeOf(x.shape.slice(0, axis));
  const dim = x.shape[axis] as number;
  const inner = sizeOf(x.shape.slice(axis + 1));
  const idx = arr(indices);
  const o = out(x.dtype, sizeOf(outShape));
  const a = arr(x);
  for (const v of idx) {
    if (v < 0 || v >= dim) throw new Error(`gather: index ${v} is out of range for axis ${axis} of size ${dim}`);
  }
  for (let i = 0; i < outer; i++) {
    for (let j = 0; j < idx.length; j++) {
      const src = (i * dim + (idx[j] as number)) * inner;
      o.set(a.subarray(src, src + inner), (i * idx.length + j) * inner);
    }
  }
  return o;
}

export function scatterAdd(out: Alloc, updates: KTensor, indices: KTensor, axis: number, outShape: Shape): Arr {
  const outer = sizeOf(outShape.slice(0, axis));
  const dim = outShape[axis] as number;
  const inner = sizeOf(outShape.slice(axis + 1));
  const idx = arr(indices);
  const o = out(updates.dtype, sizeOf(outShape));
  const u = arr(updates);
  for (const v of idx) {
    if (v < 0 || v >= dim) throw new Error(`scatterAdd: index ${v} is out of range for axis ${axis} of size ${dim}`);
  }
  for (let i = 0; i < outer; i++) {
    for (let j = 0; j < idx.length; j++) {
      const dst = (i * dim + (idx[j] as number)) * inner;
      const src = (i * idx.length + j) * inner;
      for (let k = 0; k < inner; k++) o[dst + k] = (o[dst + k] as number) + (u[src + k] as number);
    }
  }
  return o;
}

export function oneHot(out: Alloc, indices: KTensor, depth: number, onValue: number, offValue: number, dtype: DType): Arr {
  const idx = arr(indices);
  const o = out(dtype, idx.length * depth);
  o.fill(offValue);
  for (let i = 0; i < idx.length; i++) {
    const v = idx[i] as number;
    if (v >= 0 && v < depth) o[i * depth + v] = onValue;
  }
  return o;
}
