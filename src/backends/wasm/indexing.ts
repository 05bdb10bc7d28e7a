/** The wasm backend's data movement and indexing (transpose, broadcast, slice, pad, concat, gather, scatterAdd, oneHot): asm/indexing.ts. */
import type { KTensor } from '../interface.js';
import type { DType } from '../../tensor/dtype.js';
import { sizeOf, stridesOf, type Shape } from '../../tensor/shape.js';
import { DT_CODE, esize, noF64, type WasmDevice } from './device.js';

export function transpose(d: WasmDevice, x: KTensor, perm: readonly number[]): number {
  const outShape = perm.map((q) => x.shape[q]!);
  const p = d.alloc(x.dtype, x.size);
  const es = esize(x.dtype);
  if (es === 4 && perm.length === 2 && perm[0] === 1) {
    d.k.transpose2d(x.data as number, p, x.shape[0]!, x.shape[1]!);
    return p;
  }
  const inStr = stridesOf(x.shape);
  strided(d, p, x.data as number, es, outShape, stridesOf(outShape), perm.map((q) => inStr[q]!));
  return p;
}

/** copyStrided over `shape`, writing dst at `dstStr` and reading src at `srcStr` (element strides). */
function strided(d: WasmDevice, dst: number, src: number, es: number, shape: readonly number[], dstStr: readonly number[], srcStr: readonly number[]): void {
  const r = shape.length;
  if (r * 4 > 1000) throw new Error(`wasm backend: rank ${r} is too large`);
  const base = d.params >>> 2;
  for (let i = 0; i < r; i++) {
    d.i32[base + i] = shape[i]!;
    d.i32[base + r + i] = dstStr[i]!;
    d.i32[base + 2 * r + i] = srcStr[i]!;
  }
  d.k.copyStrided(dst, src, es, r, d.params, d.params + 4 * r, d.params + 8 * r);
}

export function broadcastTo(d: WasmDevice, x: KTensor, shape: Shape): number {
  const n = sizeOf(shape);
  const p = d.alloc(x.dtype, n);
  const off = shape.length - x.shape.length;
  const inStr = stridesOf(x.shape);
  const src = shape.map((_, i) => (i < off || x.shape[i - off] === 1 ? 0 : inStr[i - off]!));
  strided(d, p, x.data as number, esize(x.dtype), shape, stridesOf(shape), src);
  return p;
}

export function slice(d: WasmDevice, x: KTensor, begin: readonly number[], size: readonly number[]): number {
  const n = sizeOf(size);
  const p = d.alloc(x.dtype, n);
  const es = esize(x.dtype);
  const inStr = stridesOf(x.shape);
  let start = 0;
  for (let i = 0; i < begin.length; i++) start += begin[i]! * inStr[i]!;
  if (n > 0) strided(d, p, (x.data as number) + start * es, es, size, stridesOf(size), inStr);
  return p;
}

export function pad(d: WasmDevice, x: KTensor, pads: readonly (readonly [number, number])[], value: number): number {
  const outShape = x.shape.map((d, i) => d + pads[i]![0] + pads[i]![1]);
  const p = d.allocFilled(x.dtype, sizeOf(outShape), value);
  const es = esize(x.dtype);
  const outStr = stridesOf(outShape);
  let start = 0;
  for (let i = 0; i < pads.length; i++) start += pads[i]![0] * outStr[i]!;
  if (x.size > 0) strided(d, p + start * es, x.data as number, es, x.shape, outStr, stridesOf(x.shape));
  return p;
}

export function concat(d: WasmDevice, xs: readonly KTensor[], axis: number, outShape: Shape): number {
  const dtype = xs[0]!.dtype;
  const es = esize(dtype);
  const p = d.alloc(dtype, sizeOf(outShape));
  const outer = sizeOf(outShape.slice(0, axis));
  const innerOut = sizeOf(outShape.slice(axis));
  let off = 0;
  for (const t of xs) {
    const inner = sizeOf(t.shape.slice(axis));
    if (inner > 0 && outer > 0) strided(d, p + off * es, t.data as number, es, [outer, inner], [innerOut, 1], [inner, 1]);
    off += inner;
  }
  return p;
}

function checkIndices(d: WasmDevice, op: string, indices: KTensor, axis: number, dim: number): void {
  const idx = d.view(indices.data as number, 'int32', indices.size) as Int32Array;
  for (let i = 0; i < idx.length; i++) {
    const v = idx[i]!;
    if (v < 0 || v >= dim) throw new Error(`${op}: index ${v} is out of range for axis ${axis} of size ${dim}`);
  }
}

export function gather(d: WasmDevice, x: KTensor, indices: KTensor, axis: number, outShape: Shape): number {
  const outer = sizeOf(x.shape.slice(0, axis));
  const dim = x.shape[axis]!;
  const inner = sizeOf(x.shape.slice(axis + 1));
  checkIndices(d, 'gather', indices, axis, dim);
  const p = d.alloc(x.dtype, sizeOf(outShape));
  d.k.gather(x.data as number, indices.data as number, p, outer, dim, indices.size, inner * esize(x.dtype));
  return p;
}

export function scatterAdd(d: WasmDevice, updates: KTensor, indices: KTensor, axis: number, outShape: Shape): number {
  const dim = outShape[axis]!;
  checkIndices(d, 'scatterAdd', indices, axis, dim);
  if (updates.dtype === 'bool') return d.viaReference('bool', (cpu, v) => cpu.scatterAdd(v(updates), v(indices), axis, outShape));
  const n = sizeOf(outShape);
  const p = d.alloc(updates.dtype, n);
  d.k.fill32(p, n, 0);
  const outer = sizeOf(outShape.slice(0, axis));
  const inner = sizeOf(outShape.slice(axis + 1));
  d.k.scatterAdd(updates.data as number, indices.data as number, p, DT_CODE[updates.dtype], outer, dim, indices.size, inner);
  return p;
}

export function oneHot(d: WasmDevice, indices: KTensor, depth: number, onValue: number, offValue: number, dtype: DType): number {
  if (dtype === 'float64') throw noF64();
  const p = d.allocFilled(dtype, indices.size * depth, offValue);
  d.k.oneHot(indices.data as number, p, DT_CODE[dtype], indices.size, depth, onValue);
  return p;
}
