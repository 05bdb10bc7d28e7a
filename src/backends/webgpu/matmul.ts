/**
 * Batched matmul: register-blocked tiles, each thread computing a 4×4 block of C with vec4
 * arithmetic (8×8 threads → a 32×32 tile per workgroup), vec4 loads wherever the layout
 * allows (rows of B when N % 4 = 0, columns of a transposed A when M % 4 = 0, and four k-steps
 * of A at once when K % 4 = 0). Batch axes broadcast like NumPy; the grid's z is the batch.
 */
import type { KTensor } from '../interface.js';
import { sizeOf, type Shape } from '../../tensor/shape.js';
import { Gpu, Params, wgslType, type Buf } from './device.js';
import { bcastStrides } from './elementwise.js';

const buf = (t: KTensor): Buf => t.data as Buf;

export function matmul(gpu: Gpu, a: KTensor, b: KTensor, transA: boolean, transB: boolean, outShape: Shape): Buf {
  const t = wgslType(a.dtype);
  const r = outShape.length;
  const M = outShape[r - 2] as number;
  const N = outShape[r - 1] as number;
  const K = a.shape[a.shape.length - (transA ? 2 : 1)] as number;
  const batchShape = outShape.slice(0, -2);
  const batch = sizeOf(batchShape);
  const out = gpu.alloc(batch * M * N);
  if (batch * M * N === 0) return out;
  const br = batchShape.length;
  const sa = bcastStrides(a.shape.slice(0, -2), batchShape);
  const sb = bcastStrides(b.shape.slice(0, -2), batchShape);
  const p = new Params().u32(M, N, K, br, ...batchShape, ...sa, ...sb);
  // vec4 access patterns
  const bVec = !transB && N % 4 === 0; // B[k, j..j+3]
  const aColVec = transA && M % 4 === 0; // Aᵀ stored [K, M]: A[i..i+3, k] contiguous
  const k4 = !transA && K % 4 === 0 && bVec; // A[i, k..k+3] and four rows of B
  const aVec = aColVec || k4;
  const T = t;
  const V = `vec4<${T}>`;
  const loadB4 = bVec
    ? `B[(bOff + k * N + col0) / 4u]`
    : transB
      ? `${V}(B[bOff + min(col0, N - 1u) * K + k], B[bOff + min(col0 + 1u, N - 1u) * K + k], B[bOff + min(col0 + 2u, N - 1u) * K + k], B[bOff + min(col0 + 3u, N - 1u) * K + k])`
      : `${V}(B[bOff + k * N + min(col0, N - 1u)], B[bOff + k * N + min(col0 + 1u, N - 1u)], B[bOff + k * N + min(col0 + 2u, N - 1u)], B[bOff + k * N + min(col0 + 3u, N - 1u)])`;
  const loadA4 = aColVec
    ? `A[(aOff + k * M + row0) / 4u]`
    : transA
      ? `${V}(A[aOff + k * M + min(row0, M - 1u)], A[aOff + k * M + min(row0 + 1u, M - 1u)], A[aOff + k * M + min(row0 + 2u, M - 1u)], A[aOff + k * M + min(row0 + 3u, M - 1u)])`
      : `${V}(A[aOff + min(row0, M - 1u) * K + k], A[aOff + min(row0 + 1u, M - 1u) * K + k], A[aOff + min(row0 + 2u, M - 1u) * K + k], A[aOff + min(row0 + 3u, M - 1u) * K + k])`;
  const inner = k4
    ? `
  for (var k = 0u; k < K; k += 4u) {
    let b0 = B[(bOff + k * N + col0) / 4u];
    let b1 = B[(bOff + (k + 1u) * N + col0) / 4u];
    let b2 = B[(bOff + (k + 2u) * N + col0) / 4u];
    let b3 = B[(bOff + (k + 3u) * N + col0) / 4u];
    for (var rr = 0u; rr < 4u; rr++) {
      let av = A[(aOff + min(row0 + rr, M - 1u) * K + k) / 4u];
      acc[rr] += av.x * b0 + av.y * b1 + av.z * b2 + av.w * b3;
    }
  }`
    : `
  for (var k = 0u; k < K; k++) {
    let bv = ${loadB4};
    let av = ${loadA4};
    acc[0] += av.x * bv;
    acc[1] += av.y * bv;
    acc[2] += av.z * bv;
    acc[3] += av.w * bv;
  }`;
  const code = (): string => `
@group(0) @binding(1) var<storage, read> A: array<${aVec ? V : T}>;
@group(0) @binding(2) var<storage, read> B: array<${bVec ? V : T}>;
@group(0) @binding(3) var<storage, read_write> C: array<${T}>;
@compute @workgroup_size(8, 8) fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let M = P[0];
  let N = P[1];
  let K = P[2];
  let br = P[3];
  let col0 = gid.x * 4u;
  let row0 = gid.y * 4u;
  if (row0 >= M || col0 >= N) { return; }
  let z = gid.z;
  var rem = z;
  var ia = 0u;
  var ib = 0u;
  for (var q = 0u; q < br; q++) {
    let d = br - 1u - q;
    let c = rem % P[4u + d];
    rem = rem / P[4u + d];
    ia += c * P[4u + br + d];
    ib += c * P[4u + 2u * br + d];
  }
  let aOff = ia * M * K;
  let bOff = ib * K * N;
  var acc: array<${V}, 4>;
  ${inner}
  let cOff = z * M * N;
  for (var rr = 0u; rr < 4u; rr++) {
    let row = row0 + rr;
    if (row < M) {
      let v = acc[rr];
      let o = cOff + row * N + col0;
      C[o] = v.x;
      if (col0 + 1u < N) { C[o + 1u] = v.y; }
      if (col0 + 2u < N) { C[o + 2u] = v.z; }
      if (col0 + 3u < N) { C[o + 3u] = v.w; }
    }
  }
}`;
  const key = `matmul:${t}:${transA}:${transB}:${bVec}:${aColVec}:${k4}`;
  gpu.run(key, code, [buf(a), buf(b), out], p, [Math.ceil(N / 32), Math.ceil(M / 32), batch]);
  return out;
}
