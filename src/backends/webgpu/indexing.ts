/**
 * Data movement and indexing: transpose, broadcastTo, slice (one strided-copy kernel on raw
 * 32-bit words, so every dtype shares it), pad, concat, gather, scatterAdd and oneHot.
 * Out-of-range indices cannot be reported from a GPU kernel: gather reads 0 for them and
 * scatterAdd skips them (the cpu backend throws).
 */
import type { KTensor } from '../interface.js';
import type { DType } from '../../tensor/dtype.js';
import { sizeOf, stridesOf, type Shape } from '../../tensor/shape.js';
import { Gpu, Params, WG, wgslType, type Buf } from './device.js';
import { bcastStrides } from './elementwise.js';

const buf = (t: KTensor): Buf => t.data as Buf;

const MAIN = `@compute @workgroup_size(${WG}) fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gidx(gid, nwg);
  if (i >= P[0]) { return; }`;

/** out[i] = x[base + Σ coordᵈ(i)·strideᵈ] over the output's shape. */
function stridedCopy(gpu: Gpu, x: KTensor, outShape: Shape, strides: readonly number[], base: number): Buf {
  wgslType(x.dtype);
  const n = sizeOf(outShape);
  const out = gpu.alloc(n);
  if (n === 0) return out;
  const r = outShape.length;
  const code = (): string => `
@group(0) @binding(1) var<storage, read> X: array<u32>;
@group(0) @binding(2) var<storage, read_write> O: array<u32>;
${MAIN}
  let rank = P[1];
  var rem = i;
  var off = P[2u + 2u * rank];
  for (var k = 0u; k < rank; k++) {
    let d = rank - 1u - k;
    let s = P[2u + d];
    off += (rem % s) * P[2u + rank + d];
    rem = rem / s;
  }
  O[i] = X[off];
}`;
  gpu.run('stridedCopy', code, [buf(x), out], new Params().u32(n, r, ...outShape, ...strides, base), Gpu.grid(n));
  return out;
}

export function transpose(gpu: Gpu, x: KTensor, perm: readonly number[]): Buf {
  const st = stridesOf(x.shape);
  return stridedCopy(gpu, x, perm.map((p) => x.shape[p] as number), perm.map((p) => st[p] as number), 0);
}

export function broadcastTo(gpu: Gpu, x: KTensor, shape: Shape): Buf {
  return stridedCopy(gpu, x, shape, bcastStrides(x.shape, shape), 0);
}

export function slice(gpu: Gpu, x: KTensor, begin: readonly number[], size: readonly number[]): Buf {
  const st = stridesOf(x.shape);
  const base = begin.reduce((acc, b, d) => acc + b * (st[d] as number), 0);
  return stridedCopy(gpu, x, size, st, base);
}

export function pad(gpu: Gpu, x: KTensor, pads: readonly (readonly [number, number])[], value: number): Buf {
  wgslType(x.dtype);
  const outShape = x.shape.map((d, i) => d + pads[i]![0] + pads[i]![1]);
  const n = sizeOf(outShape);
  const out = gpu.alloc(n);
  if (n === 0) return out;
  const r = outShape.length;
  // P: n, rank, outShape, inShape, before, inStrides, value
  const p = new Params().u32(n, r, ...outShape, ...x.shape, ...pads.map((q) => q[0]), ...stridesOf(x.shape)).value(value, x.dtype);
  const code = (): string => `
@group(0) @binding(1) var<storage, read> X: array<u32>;
@group(0) @binding(2) var<storage, read_write> O: array<u32>;
${MAIN}
  let rank = P[1];
  var rem = i;
  var off = 0u;
  var inside = true;
  for (var k = 0u; k < rank; k++) {
    let d = rank - 1u - k;
    let s = P[2u + d];
    let c = i32(rem % s) - i32(P[2u + 2u * rank + d]);
    rem = rem / s;
    if (c < 0 || c >= i32(P[2u + rank + d])) { inside = false; }
    else { off += u32(c) * P[2u + 3u * rank + d]; }
  }
  if (inside) { O[i] = X[off]; } else { O[i] = P[2u + 4u * rank]; }
}`;
  gpu.run('pad', code, [buf(x), out], p, Gpu.grid(n));
  return out;
}

export function concat(gpu: Gpu, xs: readonly KTensor[], axis: number, outShape: Shape): Buf {
  wgslType(xs[0]!.dtype);
  const out = gpu.alloc(sizeOf(outShape));
  const innerOut = sizeOf(outShape.slice(axis));
  let off = 0;
  const code = (): string => `
@group(0) @binding(1) var<storage, read> X: array<u32>;
@group(0) @binding(2) var<storage, read_write> O: array<u32>;
${MAIN}
  let inner = P[1];
  O[(i / inner) * P[2] + P[3] + i % inner] = X[i];
}`;
  for (const t of xs) {
    const inner = sizeOf(t.shape.slice(axis));
    if (t.size > 0) gpu.run('concat', code, [buf(t), out], new Params().u32(t.size, inner, innerOut, off), Gpu.grid(t.size));
    off += inner;
  }
  return out;
}

export function gather(gpu: Gpu, x: KTensor, indices: KTensor, axis: number, outShape: Shape): Buf {
  wgslType(x.dtype);
  const n = sizeOf(outShape);
  const out = gpu.alloc(n);
  if (n === 0) return out;
  const dim = x.shape[axis] as number;
  const inner = sizeOf(x.shape.slice(axis + 1));
  const code = (): string => `
@group(0) @binding(1) var<storage, read> X: array<u32>;
@group(0) @binding(2) var<storage, read> I: array<i32>;
@group(0) @binding(3) var<storage, read_write> O: array<u32>;
${MAIN}
  let inner = P[1];
  let nIdx = P[2];
  let dim = P[3];
  let k = i % inner;
  let rest = i / inner;
  let j = rest % nIdx;
  let o = rest / nIdx;
  let v = I[j];
  if (v < 0 || u32(v) >= dim) { O[i] = 0u; return; }
  O[i] = X[(o * dim + u32(v)) * inner + k];
}`;
  gpu.run('gather', code, [buf(x), buf(indices), out], new Params().u32(n, inner, indices.size, dim), Gpu.grid(n));
  return out;
}

export function scatterAdd(gpu: Gpu, updates: KTensor, indices: KTensor, axis: number, outShape: Shape): Buf {
  const t = wgslType(updates.dtype);
  const n = sizeOf(outShape);
  const out = gpu.alloc(n);
  if (n === 0) return out;
  const dim = outShape[axis] as number;
  const inner = sizeOf(outShape.slice(axis + 1));
  // One thread per output element sums the updates whose index hits it, in index order (no atomics).
  const code = (): string => `
@group(0) @binding(1) var<storage, read> U: array<${t}>;
@group(0) @binding(2) var<storage, read> I: array<i32>;
@group(0) @binding(3) var<storage, read_write> O: array<${t}>;
${MAIN}
  let inner = P[1];
  let nIdx = P[2];
  let dim = P[3];
  let k = i % inner;
  let rest = i / inner;
  let d = i32(rest % dim);
  let o = rest / dim;
  var acc = ${t}(0);
  for (var j = 0u; j < nIdx; j++) {
    if (I[j] == d) { acc += U[(o * nIdx + j) * inner + k]; }
  }
  O[i] = acc;
}`;
  gpu.run(`scatterAdd:${t}`, code, [buf(updates), buf(indices), out], new Params().u32(n, inner, indices.size, dim), Gpu.grid(n));
  return out;
}

export function oneHot(gpu: Gpu, indices: KTensor, depth: number, onValue: number, offValue: number, dtype: DType): Buf {
  wgslType(dtype);
  const n = indices.size * depth;
  const out = gpu.alloc(n);
  if (n === 0) return out;
  const code = (): string => `
@group(0) @binding(1) var<storage, read> I: array<i32>;
@group(0) @binding(2) var<storage, read_write> O: array<u32>;
${MAIN}
  let depth = P[1];
  let v = I[i / depth];
  O[i] = select(P[3], P[2], v >= 0 && u32(v) == i % depth);
}`;
  gpu.run('oneHot', code, [buf(indices), out], new Params().u32(n, depth).value(onValue, dtype).value(offValue, dtype), Gpu.grid(n));
  return out;
}
