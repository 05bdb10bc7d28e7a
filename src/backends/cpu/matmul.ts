/** The cpu backend's (batched) matrix product: plain loops, each output row accumulated in float64. */
import type { KTensor } from '../interface.js';
import { sizeOf, type Shape } from '../../tensor/shape.js';
import { arr, broadcastIndex, type Alloc, type Arr } from './device.js';

export function matmul(out: Alloc, a: KTensor, b: KTensor, transA: boolean, transB: boolean, outShape: Shape): Arr {
  const r = outShape.length;
  const M = outShape[r - 2] as number;
  const N = outShape[r - 1] as number;
  const K = a.shape[a.shape.length - (transA ? 2 : 1)] as number;
  const batchShape = outShape.slice(0, -2);
  const batch = sizeOf(batchShape);
  const ia = broadcastIndex(a.shape.slice(0, -2), batchShape);
  const ib = broadcastIndex(b.shape.slice(0, -2), batchShape);
  const x = arr(a);
  const y = arr(b);
  const o = out(a.dtype, batch * M * N);
  const row = new Float64Array(N); // accumulate one output row in float64
  for (let bi = 0; bi < batch; bi++) {
    const ao = (ia[bi] as number) * M * K;
    const bo = (ib[bi] as number) * K * N;
    const oo = bi * M * N;
    for (let i = 0; i < M; i++) {
      row.fill(0);
      for (let k = 0; k < K; k++) {
        const av = x[ao + (transA ? k * M + i : i * K + k)] as number;
        if (transB) for (let j = 0; j < N; j++) row[j] += av * (y[bo + j * K + k] as number);
        else {
          const off = bo + k * N;
          for (let j = 0; j < N; j++) row[j] += av * (y[off + j] as number);
        }
      }
      for (let j = 0; j < N; j++) o[oo + i * N + j] = row[j] as number;
    }
  }
  return o;
}
