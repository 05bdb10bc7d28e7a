/** The wasm backend's reductions, arg-reductions, scans and sorting: asm/reduce.ts. */
import type { ArgReduceOp, CumulativeOp, KTensor, ReduceOp } from '../interface.js';
import { sizeOf } from '../../tensor/shape.js';
import { DT_CODE, esize, type WasmDevice } from './device.js';
import { transpose } from './indexing.js';

const REDUCE_OPS: readonly ReduceOp[] = ['sum', 'max', 'min', 'prod'];

export function reduce(d: WasmDevice, op: ReduceOp, x: KTensor, axes: readonly number[]): number {
  const shape = x.shape;
  let src = x.data as number;
  let tmp = -1;
  let outer: number;
  let red: number;
  let inner: number;
  const contiguous = axes.every((a, i) => i === 0 || a === axes[i - 1]! + 1);
  if (axes.length === 0) {
    outer = x.size;
    red = 1;
    inner = 1;
  } else if (contiguous) {
    outer = sizeOf(shape.slice(0, axes[0]));
    red = sizeOf(shape.slice(axes[0], axes[axes.length - 1]! + 1));
    inner = sizeOf(shape.slice(axes[axes.length - 1]! + 1));
  } else if (x.dtype === 'float32') {
    // reduce the last contiguous run of axes, then the rest (no transpose)
    let first = axes.length - 1;
    while (first > 0 && axes[first - 1] === axes[first]! - 1) first--;
    const lastRun = axes.slice(first);
    const partShape = shape.filter((_, i) => !lastRun.includes(i));
    const part = reduce(d, op, x, lastRun) as number;
    const partT: KTensor = { data: part, shape: partShape, dtype: x.dtype, size: sizeOf(partShape) };
    const res = reduce(d, op, partT, axes.slice(0, first));
    d.freeTemp(part, partT.size * 4);
    return res;
  } else {
    const kept = shape.map((_, i) => i).filter((i) => !axes.includes(i));
    tmp = transpose(d, x, [...kept, ...axes]) as number;
    src = tmp;
    outer = sizeOf(kept.map((i) => shape[i]!));
    red = sizeOf(axes.map((i) => shape[i]!));
    inner = 1;
  }
  const p = d.alloc(x.dtype, outer * inner);
  const acc = d.scratch(inner * 8);
  d.k.reduce(REDUCE_OPS.indexOf(op), src, DT_CODE[x.dtype], p, outer, red, inner, acc);
  d.release(acc, inner * 8);
  if (tmp >= 0) d.freeTemp(tmp, x.size * esize(x.dtype));
  return p;
}

export function argReduce(d: WasmDevice, op: ArgReduceOp, x: KTensor, axis: number): number {
  const outer = sizeOf(x.shape.slice(0, axis));
  const red = x.shape[axis]!;
  const inner = sizeOf(x.shape.slice(axis + 1));
  const p = d.alloc('int32', outer * inner);
  d.k.argReduce(op === 'argmax' ? 1 : 0, x.data as number, DT_CODE[x.dtype], p, outer, red, inner);
  return p;
}

export function cumulative(d: WasmDevice, op: CumulativeOp, x: KTensor, axis: number, exclusive: boolean, reverse: boolean): number {
  if (x.dtype === 'bool') return d.viaReference('bool', (cpu, v) => cpu.cumulative(op, v(x), axis, exclusive, reverse));
  const p = d.alloc(x.dtype, x.size);
  const outer = sizeOf(x.shape.slice(0, axis));
  const inner = sizeOf(x.shape.slice(axis + 1));
  d.k.cumulative(op === 'prod' ? 1 : 0, x.data as number, DT_CODE[x.dtype], p, outer, x.shape[axis]!, inner, exclusive ? 1 : 0, reverse ? 1 : 0);
  return p;
}

export function argsort(d: WasmDevice, x: KTensor, axis: number, descending: boolean): number {
  const p = d.alloc('int32', x.size);
  const dim = x.shape[axis]!;
  const bytes = dim * 16; // dim f64 values and two dim-long i32 index runs
  const tmp = d.scratch(bytes);
  d.k.argsort(x.data as number, DT_CODE[x.dtype], p, sizeOf(x.shape.slice(0, axis)), dim, sizeOf(x.shape.slice(axis + 1)), descending ? 1 : 0, tmp);
  d.release(tmp, bytes);
  return p;
}
