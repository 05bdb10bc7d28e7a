/**
 * What the cpu backend's kernel families share: storage handles are the typed arrays themselves,
 * outputs come from an allocator the backend counts (`Alloc`), and broadcasts are walked by index.
 */
import type { KTensor } from '../interface.js';
import type { DType, TypedArray } from '../../tensor/dtype.js';
import { sizeOf, stridesOf, type Shape } from '../../tensor/shape.js';

export type Arr = TypedArray;
export const arr = (t: KTensor): Arr => t.data as Arr;

/** A new output array of `size` elements, counted by the backend as a live buffer. */
export type Alloc = (dtype: DType, size: number) => Arr;

/** For each output index of `outShape`, the flat index into an input of `inShape` under broadcasting. */
export function broadcastIndex(inShape: Shape, outShape: Shape): Int32Array {
  const n = sizeOf(outShape);
  const idx = new Int32Array(n);
  const rank = outShape.length;
  const inStr = stridesOf(inShape);
  const off = rank - inShape.length;
  const eff = new Array<number>(rank).fill(0);
  for (let i = 0; i < inShape.length; i++) eff[i + off] = inShape[i] === 1 ? 0 : (inStr[i] as number);
  const coord = new Array<number>(rank).fill(0);
  let cur = 0;
  for (let o = 0; o < n; o++) {
    idx[o] = cur;
    // increment the coordinate odometer
    for (let d = rank - 1; d >= 0; d--) {
      coord[d]!++;
      cur += eff[d] as number;
      if ((coord[d] as number) < (outShape[d] as number)) break;
      cur -= (eff[d] as number) * (coord[d] as number);
      coord[d] = 0;
    }
  }
  return idx;
}

export function sameShape(a: Shape, b: Shape): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Whether `s` (ignoring leading 1s) equals the last axes of `out`, so it repeats contiguously. */
export function isTrailing(s: Shape, out: Shape): boolean {
  let k = 0;
  while (k < s.length && s[k] === 1) k++;
  const len = s.length - k;
  if (len === 0 || len > out.length) return false;
  for (let i = 0; i < len; i++) if (s[k + i] !== out[out.length - len + i]) return false;
  return true;
}
