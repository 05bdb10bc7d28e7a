/**
 * Fused recurrences: one LSTM or GRU direction over a whole sequence as one op, its gates computed
 * by the backends' cell kernels (lstmCell, gruCell) and h·W_hhᵀ for all gates of a step by one
 * GEMM. The composite formula (`cellStep` in src/nn/layers/recurrent.ts) is the reference they
 * are tested against (test/nn/recurrent-fused.test.ts).
 *
 * The op's one output Y is time-major and holds what the backward pass reads: for the LSTM
 * [T, B, 6H] = (h, c, gate activations), for the GRU [T, B, 5H] = (h, r, z, n, gh_n). The
 * gradient rule is written with ops (slices, matmuls, stack) around the cell-backward ops
 * lstmCellGrad / gruCellGrad, whose own gradients are not implemented: second derivatives
 * through a fused layer throw (set `layer.fused = false` for them).
 *
 * Internal: the recurrent layers call these after validating their arguments.
 */
import { apply } from '../engine.js';
import { defineOp } from '../registry.js';
import type { Backend, KTensor } from '../backends/interface.js';
import { Tensor } from '../tensor/tensor.js';
import { add } from './elementwise.js';
import { sum } from './reduce.js';
import { matmul, matmulT } from './matmul.js';
import { concat, reshape, slice, stack, transpose } from './shape.js';

const F = 'recurrent';
const LstmSequence = defineOp({ name: 'lstmSequence', kernels: ['slice', 'matmul', 'lstmCell', 'concat'], grad: 'rule', family: F });
const GruSequence = defineOp({ name: 'gruSequence', kernels: ['slice', 'matmul', 'gruCell', 'concat'], grad: 'rule', family: F });
const LstmCellGrad = defineOp({ name: 'lstmCellGrad', kernels: ['lstmCellBackward'], grad: 'rule', family: F });
const GruCellGrad = defineOp({ name: 'gruCellGrad', kernels: ['gruCellBackward'], grad: 'rule', family: F });

function noSecondDerivative(op: string): never {
  throw new Error(`${op}: second derivatives through a fused recurrent layer are not supported; set layer.fused = false to differentiate the composite formula twice`);
}

function wrap(_be: Backend, data: unknown, shape: number[], dtype: KTensor['dtype']): KTensor {
  return { data, shape, dtype, size: shape.reduce((a, b) => a * b, 1) };
}

/**
 * One LSTM direction: xp [B, T, 4H] = x·W_ihᵀ + b_ih + b_hh, h0 and c0 [B, H], whh [4H, H]
 * (PyTorch's weight_hh) → Y [T, B, 6H]: per step (h, c, σ(i), σ(f), tanh(g), σ(o)). `reverse`
 * runs from the last step to the first.
 */
export function lstmSequence(xp: Tensor, h0: Tensor, c0: Tensor, whh: Tensor, reverse: boolean): Tensor {
  const [B, T, G] = xp.shape as [number, number, number];
  const H = G / 4;
  const dtype = xp.dtype;
  return apply(LstmSequence, [xp, h0, c0, whh], [T, B, 6 * H], dtype, (be, [kx, kh, kc, kw]) => {
    const parts: KTensor[] = new Array<KTensor>(T);
    const temps: KTensor[] = [];
    try {
      let h = kh!;
      let c = kc!;
      for (let s = 0; s < T; s++) {
        const t = reverse ? T - 1 - s : s;
        const gi = wrap(be, be.slice(kx!, [0, t, 0], [B, 1, G]), [B, G], dtype);
        temps.push(gi);
        const gh = wrap(be, be.matmul(h, kw!, false, true, [B, G]), [B, G], dtype);
        temps.push(gh);
        const [h2, c2, acts] = be.lstmCell(gi, gh, c);
        const kh2 = wrap(be, h2, [B, H], dtype);
        const kc2 = wrap(be, c2, [B, H], dtype);
        const ka = wrap(be, acts, [B, 4 * H], dtype);
        temps.push(kh2, kc2, ka);
        parts[t] = wrap(be, be.concat([kh2, kc2, ka], 1, [B, 6 * H]), [1, B, 6 * H], dtype);
        temps.push(parts[t]);
        h = kh2;
        c = kc2;
      }
      return be.concat(parts, 0, [T, B, 6 * H]);
    } finally {
      for (const k of temps) be.free(k.data, k.dtype, k.size);
    }
  }, (dy, [, h0i, c0i, w], y, needs) => {
    const dH = slice(dy, [0, 0, 0], [T, B, H]);
    const dC = slice(dy, [0, 0, H], [T, B, H]);
    let dh: Tensor | null = null;
    let dc: Tensor | null = null;
    const dz: Tensor[] = new Array<Tensor>(T);
    for (let s = T - 1; s >= 0; s--) {
      const t = reverse ? T - 1 - s : s;
      const prev = reverse ? t + 1 : t - 1;
      const acts = reshape(slice(y, [t, 0, 2 * H], [1, B, 4 * H]), [B, 4 * H]);
      const c = reshape(slice(y, [t, 0, H], [1, B, H]), [B, H]);
      const cPrev = s === 0 ? c0i! : reshape(slice(y, [prev, 0, H], [1, B, H]), [B, H]);
      let dht = reshape(slice(dH, [t, 0, 0], [1, B, H]), [B, H]);
      let dct = reshape(slice(dC, [t, 0, 0], [1, B, H]), [B, H]);
      if (dh) dht = add(dht, dh);
      if (dc) dct = add(dct, dc);
      const g = lstmCellGrad(acts, cPrev, c, dht, dct);
      dz[t] = slice(g, [0, 0], [B, 4 * H]);
      dc = slice(g, [0, 4 * H], [B, H]);
      dh = matmul(dz[t]!, w!);
    }
    const dZ = stack(dz, 0); // [T, B, 4H]
    let dW: Tensor | null = null;
    if (needs[3]) {
      const hs = slice(y, [0, 0, 0], [T, B, H]);
      // the state each step read: h0 then h_0..h_{T−2} forward; h_1..h_{T−1} then h0 reverse
      const h0r = reshape(h0i!, [1, B, H]);
      const hPrev = T === 1 ? h0r : reverse ? concat([slice(hs, [1, 0, 0], [T - 1, B, H]), h0r], 0) : concat([h0r, slice(hs, [0, 0, 0], [T - 1, B, H])], 0);
      dW = matmulT(reshape(dZ, [T * B, 4 * H]), reshape(hPrev, [T * B, H]), true, false);
    }
    return [transpose(dZ, [1, 0, 2]), dh, dc, dW];
  });
}

/** lstmCell's backward as an op: → [B, 5H], each row (dz [4H], dc [H]). First derivatives only. */
function lstmCellGrad(acts: Tensor, c: Tensor, c2: Tensor, dh: Tensor, dc: Tensor): Tensor {
  const [B, H] = c.shape as [number, number];
  return apply(LstmCellGrad, [acts, c, c2, dh, dc], [B, 5 * H], c.dtype, (be, [a, cp, cn, d1, d2]) => be.lstmCellBackward(a!, cp!, cn!, d1!, d2!),
    () => noSecondDerivative('lstmCellGrad'));
}

/**
 * One GRU direction: xp [B, T, 3H] = x·W_ihᵀ + b_ih, h0 [B, H], whh [3H, H], bhh [3H] (zeros
 * without bias) → Y [T, B, 5H]: per step (h, r, z, n, gh_n + b_hn).
 */
export function gruSequence(xp: Tensor, h0: Tensor, whh: Tensor, bhh: Tensor, reverse: boolean): Tensor {
  const [B, T, G] = xp.shape as [number, number, number];
  const H = G / 3;
  const dtype = xp.dtype;
  return apply(GruSequence, [xp, h0, whh, bhh], [T, B, 5 * H], dtype, (be, [kx, kh, kw, kb]) => {
    const parts: KTensor[] = new Array<KTensor>(T);
    const temps: KTensor[] = [];
    try {
      let h = kh!;
      for (let s = 0; s < T; s++) {
        const t = reverse ? T - 1 - s : s;
        const gi = wrap(be, be.slice(kx!, [0, t, 0], [B, 1, G]), [B, G], dtype);
        temps.push(gi);
        const gh = wrap(be, be.matmul(h, kw!, false, true, [B, G]), [B, G], dtype);
        temps.push(gh);
        const [h2, acts] = be.gruCell(gi, gh, kb!, h);
        const kh2 = wrap(be, h2, [B, H], dtype);
        const ka = wrap(be, acts, [B, 4 * H], dtype);
        temps.push(kh2, ka);
        parts[t] = wrap(be, be.concat([kh2, ka], 1, [B, 5 * H]), [1, B, 5 * H], dtype);
        temps.push(parts[t]);
        h = kh2;
      }
      return be.concat(parts, 0, [T, B, 5 * H]);
    } finally {
      for (const k of temps) be.free(k.data, k.dtype, k.size);
    }
  }, (dy, [, h0i, w], y, needs) => {
    const dH = slice(dy, [0, 0, 0], [T, B, H]);
    let dh: Tensor | null = null;
    const dgi: Tensor[] = new Array<Tensor>(T);
    const dgh: Tensor[] = new Array<Tensor>(T);
    for (let s = T - 1; s >= 0; s--) {
      const t = reverse ? T - 1 - s : s;
      const prev = reverse ? t + 1 : t - 1;
      const acts = reshape(slice(y, [t, 0, H], [1, B, 4 * H]), [B, 4 * H]);
      const hPrev = s === 0 ? h0i! : reshape(slice(y, [prev, 0, 0], [1, B, H]), [B, H]);
      let dht = reshape(slice(dH, [t, 0, 0], [1, B, H]), [B, H]);
      if (dh) dht = add(dht, dh);
      const g = gruCellGrad(acts, hPrev, dht);
      dgi[t] = slice(g, [0, 0], [B, 3 * H]);
      dgh[t] = slice(g, [0, 3 * H], [B, 3 * H]);
      dh = add(slice(g, [0, 6 * H], [B, H]), matmul(dgh[t]!, w!));
    }
    const dGH = stack(dgh, 0); // [T, B, 3H]
    let dW: Tensor | null = null;
    if (needs[2]) {
      const hs = slice(y, [0, 0, 0], [T, B, H]);
      const h0r = reshape(h0i!, [1, B, H]);
      const hPrev = T === 1 ? h0r : reverse ? concat([slice(hs, [1, 0, 0], [T - 1, B, H]), h0r], 0) : concat([h0r, slice(hs, [0, 0, 0], [T - 1, B, H])], 0);
      dW = matmulT(reshape(dGH, [T * B, 3 * H]), reshape(hPrev, [T * B, H]), true, false);
    }
    return [transpose(stack(dgi, 0), [1, 0, 2]), dh, dW, needs[3] ? sum(dGH, [0, 1]) : null];
  });
}

/** gruCell's backward as an op: → [B, 7H], each row (dgi [3H], dgh [3H], z·dh′ [H]). First derivatives only. */
function gruCellGrad(acts: Tensor, h: Tensor, dh: Tensor): Tensor {
  const [B, H] = h.shape as [number, number];
  return apply(GruCellGrad, [acts, h, dh], [B, 7 * H], h.dtype, (be, [a, hp, d]) => be.gruCellBackward(a!, hp!, d!),
    () => noSecondDerivative('gruCellGrad'));
}
