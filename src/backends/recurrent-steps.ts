/**
 * Whole-sequence LSTM kernels written with a backend's own step kernels (slice, matmul, binary,
 * lstmCell, lstmCellBackward, concat): the cpu backend's lstmSequence / lstmSequenceBackward, and
 * what src/ops/recurrent.ts runs on a backend without them. Layouts: see Backend.lstmSequence.
 */
import type { Backend, KTensor } from './interface.js';

function kt(data: unknown, shape: number[], dtype: KTensor['dtype']): KTensor {
  return { data, shape, dtype, size: shape.reduce((a, b) => a * b, 1) };
}

/** xp [T,B,4H], h0, c0 [B,H], whh [4H,H] → Y [T, 6BH]: per step (h′, c′, acts). */
export function lstmSequenceSteps(be: Backend, xp: KTensor, h0: KTensor, c0: KTensor, whh: KTensor, reverse: boolean): unknown {
  const [T, B, G] = xp.shape as [number, number, number];
  const H = G / 4;
  const dtype = xp.dtype;
  const parts: KTensor[] = new Array<KTensor>(T);
  const temps: KTensor[] = [];
  try {
    let h = h0;
    let c = c0;
    for (let s = 0; s < T; s++) {
      const t = reverse ? T - 1 - s : s;
      const gi = kt(be.slice(xp, [t, 0, 0], [1, B, G]), [B, G], dtype);
      temps.push(gi);
      const gh = kt(be.matmul(h, whh, false, true, [B, G]), [B, G], dtype);
      temps.push(gh);
      const [h2, c2, acts] = be.lstmCell(gi, gh, c);
      const kh = kt(h2, [B, H], dtype);
      const kc = kt(c2, [B, H], dtype);
      const ka = kt(acts, [B, 4 * H], dtype);
      temps.push(kh, kc, ka);
      parts[t] = kt(be.concat([kt(h2, [B * H], dtype), kt(c2, [B * H], dtype), kt(acts, [4 * B * H], dtype)], 0, [6 * B * H]), [1, 6 * B * H], dtype);
      temps.push(parts[t]);
      h = kh;
      c = kc;
    }
    return be.concat(parts, 0, [T, 6 * B * H]);
  } finally {
    for (const k of temps) be.free(k.data, k.dtype, k.size);
  }
}

/** y, dy [T, 6BH], c0 [B,H], whh [4H,H] → dz [T,B,4H] (then dh0, dc0 [B,H] when `state`), flat. */
export function lstmSequenceBackwardSteps(be: Backend, y: KTensor, dy: KTensor, c0: KTensor, whh: KTensor, reverse: boolean, state: boolean): unknown {
  const T = y.shape[0]!;
  const [B, H] = c0.shape as [number, number];
  const BH = B * H;
  const dtype = y.dtype;
  const dz: KTensor[] = new Array<KTensor>(T);
  const temps: KTensor[] = [];
  const block = (src: KTensor, t: number, off: number, shape: number[]): KTensor => {
    const k = kt(be.slice(src, [t, off], [1, shape.reduce((a, b) => a * b, 1)]), shape, dtype);
    temps.push(k);
    return k;
  };
  try {
    let dh: KTensor | null = null;
    let dc: KTensor | null = null;
    for (let s = T - 1; s >= 0; s--) {
      const t = reverse ? T - 1 - s : s;
      const prev = reverse ? t + 1 : t - 1;
      const acts = block(y, t, 2 * BH, [B, 4 * H]);
      const c = block(y, t, BH, [B, H]);
      const cPrev = s === 0 ? c0 : block(y, prev, BH, [B, H]);
      let dht = block(dy, t, 0, [B, H]);
      let dct = block(dy, t, BH, [B, H]);
      if (dh) {
        dht = kt(be.binary('add', dht, dh, [B, H], dtype), [B, H], dtype);
        temps.push(dht);
      }
      if (dc) {
        dct = kt(be.binary('add', dct, dc, [B, H], dtype), [B, H], dtype);
        temps.push(dct);
      }
      const g = kt(be.lstmCellBackward(acts, cPrev, c, dht, dct), [B, 5 * H], dtype);
      temps.push(g);
      dz[t] = kt(be.slice(g, [0, 0], [B, 4 * H]), [1, B, 4 * H], dtype);
      temps.push(dz[t]);
      dc = kt(be.slice(g, [0, 4 * H], [B, H]), [B, H], dtype);
      temps.push(dc);
      dh = kt(be.matmul(kt(dz[t].data, [B, 4 * H], dtype), whh, false, false, [B, H]), [B, H], dtype);
      temps.push(dh);
    }
    if (!state) return be.concat(dz, 0, [T, B, 4 * H]);
    const flat = dz.map((k) => kt(k.data, [k.size], dtype));
    return be.concat([...flat, kt(dh!.data, [BH], dtype), kt(dc!.data, [BH], dtype)], 0, [T * 4 * BH + 2 * BH]);
  } finally {
    for (const k of temps) be.free(k.data, k.dtype, k.size);
  }
}
