/** The wasm backend's (batched) matrix product: the packed, threaded GEMM of asm/matmul.ts. */
import type { KTensor } from '../interface.js';
import { sizeOf, stridesOf, type Shape } from '../../tensor/shape.js';
import { MIN_PARALLEL_GEMM, type WasmDevice } from './device.js';

export function matmul(d: WasmDevice, a: KTensor, b: KTensor, transA: boolean, transB: boolean, outShape: Shape): number {
  if (a.dtype !== 'float32') return d.viaReference(a.dtype, (cpu, v) => cpu.matmul(v(a), v(b), transA, transB, outShape));
  const r = outShape.length;
  const M = outShape[r - 2]!;
  const N = outShape[r - 1]!;
  const K = a.shape[a.shape.length - (transA ? 2 : 1)]!;
  const batchShape = outShape.slice(0, -2);
  const batch = sizeOf(batchShape);
  const p = d.alloc('float32', batch * M * N);
  const ia = batchIndex(a.shape.slice(0, -2), batchShape);
  const ib = batchIndex(b.shape.slice(0, -2), batchShape);
  const rsA = transA ? 1 : K;
  const csA = transA ? M : 1;
  const rsB = transB ? 1 : N;
  const csB = transB ? K : 1;
  for (let bi = 0; bi < batch; bi++) {
    const ap = (a.data as number) + ia[bi]! * M * K * 4;
    const bp = (b.data as number) + ib[bi]! * K * N * 4;
    const cp = p + bi * M * N * 4;
    d.run('gemm', [M, N, K, ap, rsA, csA, bp, rsB, csB, cp, N, 0, d.gemmScratch], d.partsFor(M >= N ? Math.ceil(M / 6) : Math.ceil(N / 8)), M * N * K, MIN_PARALLEL_GEMM);
  }
  return p;
}

/** C [M,N] (ldc) = or += A·B, A and B given by element strides (B prepacked by packPanels: csB = 0); threaded when big enough. */
export function gemmInto(d: WasmDevice, M: number, N: number, K: number, a: number, rsA: number, csA: number, b: number, rsB: number, csB: number, c: number, ldc: number, accumulate: boolean): void {
  d.run('gemm', [M, N, K, a, rsA, csA, b, rsB, csB, c, ldc, accumulate ? 1 : 0, d.gemmScratch], d.partsFor(M >= N ? Math.ceil(M / 6) : Math.ceil(N / 8)), M * N * K, MIN_PARALLEL_GEMM);
}

/** For each broadcast batch index, the flat batch index into an operand with batch shape `inShape`. */
function batchIndex(inShape: Shape, outShape: Shape): number[] {
  const n = sizeOf(outShape);
  const res: number[] = [];
  const off = outShape.length - inShape.length;
  const inStr = stridesOf(inShape);
  const outStr = stridesOf(outShape);
  for (let o = 0; o < n; o++) {
    let rem = o;
    let idx = 0;
    for (let d = 0; d < outShape.length; d++) {
      const c = Math.floor(rem / outStr[d]!);
      rem -= c * outStr[d]!;
      if (d >= off && inShape[d - off] !== 1) idx += c * inStr[d - off]!;
    }
    res.push(idx);
  }
  return res;
}
