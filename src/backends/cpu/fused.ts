/**
 * The cpu backend's fused kernels: the Adam step, and the recurrent cells (see the end of
 * ../interface.ts): plain loops, the gate order of PyTorch.
 */
import type { AdamHyper, KTensor } from '../interface.js';
import { allocArray } from '../../tensor/dtype.js';
import { arr, type Alloc, type Arr } from './device.js';

export function adamStep(out: Alloc, p: KTensor, g: KTensor, m: KTensor, v: KTensor, h: AdamHyper): [Arr, Arr, Arr] {
  // r rounds every intermediate to the dtype, as separate float32 ops would.
  const r = p.dtype === 'float32' ? Math.fround : (x: number): number => x;
  const [b1, c1, b2, c2, lrT, epsT, l2, decay] = [h.beta1, 1 - h.beta1, h.beta2, 1 - h.beta2, h.lrT, h.epsT, h.l2, h.decay].map(r) as number[] as [number, number, number, number, number, number, number, number];
  const pa = arr(p);
  const ga = arr(g);
  const ma = arr(m);
  const va = arr(v);
  const po = out(p.dtype, p.size);
  const mo = out(p.dtype, p.size);
  const vo = out(p.dtype, p.size);
  for (let i = 0; i < pa.length; i++) {
    const w = pa[i] as number;
    const gi = h.l2 ? r(ga[i]! + r(w * l2)) : (ga[i] as number);
    const mi = r(r(ma[i]! * b1) + r(gi * c1));
    const vi = r(r(va[i]! * b2) + r(r(gi * gi) * c2));
    const base = h.decay !== 1 ? r(w * decay) : w;
    po[i] = r(base - r(r(mi / r(r(Math.sqrt(vi)) + epsT)) * lrT));
    mo[i] = mi;
    vo[i] = vi;
  }
  return [po, mo, vo];
}

export function lstmCell(out: Alloc, gi: KTensor, gh: KTensor, c: KTensor): [Arr, Arr, Arr] {
  const [B, H] = [c.shape[0]!, c.shape[1]!];
  const [a, b, cp] = [arr(gi), arr(gh), arr(c)];
  const h2 = out(c.dtype, B * H);
  const c2 = out(c.dtype, B * H);
  const acts = out(c.dtype, B * 4 * H);
  for (let n = 0; n < B; n++) {
    for (let j = 0; j < H; j++) {
      const r = n * 4 * H + j;
      const i = sigmoid(a[r]! + b[r]!);
      const f = sigmoid(a[r + H]! + b[r + H]!);
      const g = Math.tanh(a[r + 2 * H]! + b[r + 2 * H]!);
      const o = sigmoid(a[r + 3 * H]! + b[r + 3 * H]!);
      acts[r] = i;
      acts[r + H] = f;
      acts[r + 2 * H] = g;
      acts[r + 3 * H] = o;
      // read back what was stored, so float32 rounds each step like the composite ops
      c2[n * H + j] = acts[r + H]! * cp[n * H + j]! + acts[r]! * acts[r + 2 * H]!;
      h2[n * H + j] = acts[r + 3 * H]! * Math.tanh(c2[n * H + j]!);
    }
  }
  return [h2, c2, acts];
}

export function lstmCellBackward(out: Alloc, acts: KTensor, c: KTensor, c2: KTensor, dh: KTensor, dc: KTensor): Arr {
  const [B, H] = [c.shape[0]!, c.shape[1]!];
  const [a, cp, cn, dhv, dcv] = [arr(acts), arr(c), arr(c2), arr(dh), arr(dc)];
  const o5 = out(c.dtype, B * 5 * H);
  for (let n = 0; n < B; n++) {
    for (let j = 0; j < H; j++) {
      const r = n * 4 * H + j;
      const q = n * 5 * H + j;
      const s = n * H + j;
      const [i, f, g, o] = [a[r]!, a[r + H]!, a[r + 2 * H]!, a[r + 3 * H]!];
      const tc = Math.tanh(cn[s]!);
      const dct = dcv[s]! + dhv[s]! * o * (1 - tc * tc);
      o5[q] = dct * g * (i * (1 - i));
      o5[q + H] = dct * cp[s]! * (f * (1 - f));
      o5[q + 2 * H] = dct * i * (1 - g * g);
      o5[q + 3 * H] = dhv[s]! * tc * (o * (1 - o));
      o5[q + 4 * H] = dct * f;
    }
  }
  return o5;
}

export function gruCell(out: Alloc, gi: KTensor, gh: KTensor, bh: KTensor, h: KTensor): [Arr, Arr] {
  const [B, H] = [h.shape[0]!, h.shape[1]!];
  const [a, b, bb, hp] = [arr(gi), arr(gh), arr(bh), arr(h)];
  const h2 = out(h.dtype, B * H);
  const acts = out(h.dtype, B * 4 * H);
  const t = allocArray(h.dtype, 3); // rounds like the composite's stored intermediates
  for (let n = 0; n < B; n++) {
    for (let j = 0; j < H; j++) {
      const r3 = n * 3 * H + j;
      const r4 = n * 4 * H + j;
      t[0] = b[r3]! + bb[j]!;
      t[1] = b[r3 + H]! + bb[H + j]!;
      t[2] = b[r3 + 2 * H]! + bb[2 * H + j]!;
      acts[r4] = sigmoid(a[r3]! + t[0]!);
      acts[r4 + H] = sigmoid(a[r3 + H]! + t[1]!);
      acts[r4 + 3 * H] = t[2]!;
      t[0] = acts[r4]! * t[2]!;
      acts[r4 + 2 * H] = Math.tanh(a[r3 + 2 * H]! + t[0]!);
      const z = acts[r4 + H]!;
      const nn = acts[r4 + 2 * H]!;
      t[0] = 1 - z;
      t[1] = t[0]! * nn;
      t[2] = z * hp[n * H + j]!;
      h2[n * H + j] = t[1]! + t[2]!;
    }
  }
  return [h2, acts];
}

export function gruCellBackward(out: Alloc, acts: KTensor, h: KTensor, dh: KTensor): Arr {
  const [B, H] = [h.shape[0]!, h.shape[1]!];
  const [a, hp, d] = [arr(acts), arr(h), arr(dh)];
  const o7 = out(h.dtype, B * 7 * H);
  for (let n = 0; n < B; n++) {
    for (let j = 0; j < H; j++) {
      const r4 = n * 4 * H + j;
      const q = n * 7 * H + j;
      const s = n * H + j;
      const [r, z, nn, hn] = [a[r4]!, a[r4 + H]!, a[r4 + 2 * H]!, a[r4 + 3 * H]!];
      const dnp = d[s]! * (1 - z) * (1 - nn * nn);
      const dzp = d[s]! * (hp[s]! - nn) * (z * (1 - z));
      const drp = dnp * hn * (r * (1 - r));
      o7[q] = drp;
      o7[q + H] = dzp;
      o7[q + 2 * H] = dnp;
      o7[q + 3 * H] = drp;
      o7[q + 4 * H] = dzp;
      o7[q + 5 * H] = dnp * r;
      o7[q + 6 * H] = d[s]! * z;
    }
  }
  return o7;
}

/** The logistic function, as the `sigmoid` unary kernel computes it. */
function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}
