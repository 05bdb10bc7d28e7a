/**
 * The cpu backend's loss kernels: softmax cross-entropy forward (per-row loss and log-sum-exp)
 * and backward (see ../interface.ts), plain loops in float64 arithmetic.
 */
import type { KTensor } from '../interface.js';
import { arr, type Alloc, type Arr } from './device.js';

/** Row i's target weight of class j: a label (t [N]) or a row entry (t [N, C]). */
function targetOf(t: Arr, labels: boolean, C: number): (i: number, j: number) => number {
  return labels ? (i, j) => (t[i] === j ? 1 : 0) : (i, j) => t[i * C + j] as number;
}

export function softmaxCrossEntropy(out: Alloc, z: KTensor, t: KTensor, reduce: boolean, scale: number): [Arr, Arr] {
  const [N, C] = [z.shape[0]!, z.shape[1]!];
  const labels = t.shape.length === 1;
  const za = arr(z);
  const ta = arr(t);
  const loss = out(z.dtype, reduce ? 1 : N);
  const lse = out(z.dtype, N);
  let total = 0;
  for (let i = 0; i < N; i++) {
    const base = i * C;
    let m = -Infinity;
    for (let j = 0; j < C; j++) if ((za[base + j] as number) > m) m = za[base + j] as number;
    let s = 0;
    for (let j = 0; j < C; j++) s += Math.exp((za[base + j] as number) - m);
    const ls = Math.log(s);
    lse[i] = m + ls;
    let l: number;
    if (labels) {
      const y = ta[i] as number;
      l = Number.isInteger(y) && y >= 0 && y < C ? -((za[base + y] as number) - m - ls) : NaN;
    } else {
      l = 0;
      for (let j = 0; j < C; j++) {
        const tj = ta[base + j] as number;
        if (tj !== 0) l -= tj * ((za[base + j] as number) - m - ls);
      }
    }
    if (reduce) total += l;
    else loss[i] = l;
  }
  if (reduce) loss[0] = total * scale;
  return [loss, lse];
}

export function softmaxCrossEntropyBackward(out: Alloc, dy: KTensor, z: KTensor, t: KTensor, lse: KTensor, reduce: boolean, scale: number): Arr {
  const [N, C] = [z.shape[0]!, z.shape[1]!];
  const [da, za, la] = [arr(dy), arr(z), arr(lse)];
  const target = targetOf(arr(t), t.shape.length === 1, C);
  const dz = out(z.dtype, N * C);
  const g0 = reduce ? (da[0] as number) * scale : 0;
  for (let i = 0; i < N; i++) {
    const g = reduce ? g0 : (da[i] as number);
    const l = la[i] as number;
    for (let j = 0; j < C; j++) dz[i * C + j] = (Math.exp((za[i * C + j] as number) - l) - target(i, j)) * g;
  }
  return dz;
}
