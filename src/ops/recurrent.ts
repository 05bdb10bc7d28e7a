/**
 * Fused recurrences: one LSTM or GRU direction over a whole sequence as one op, its gates computed
 * by the backends' cell kernels (lstmCell, gruCell) and h·W_hhᵀ for all gates of a step by one
 * GEMM. The composite formula (`cellStep` in src/nn/layers/recurrent.ts) is the reference they
 * are tested against (test/nn/recurrent-fused.test.ts).
 *
 * The op's one output Y is time-major and holds what the backward pass reads: for the LSTM
 * [T, 6·B·H] = per step the blocks (h, c, gate activations), for the GRU [T, B, 5H] = (h, r, z,
 * n, gh_n). The LSTM runs as the backend's whole-sequence kernels (lstmSequence and its backward,
 * one op each; src/backends/recurrent-steps.ts composes them from step kernels for a backend
 * without them); the GRU's gradient rule is written with ops (slices, matmuls, stack) around the
 * cell-backward op gruCellGrad. The backward ops' own gradients are not implemented: second
 * derivatives through a fused layer throw (set `layer.fused = false` for them).
 *
 * Internal: the recurrent layers call these after validating their arguments.
 */
import { apply } from '../engine.js';
import { defineOp } from '../registry.js';
import type { Backend, KTensor } from '../backends/interface.js';
import { Tensor } from '../tensor/tensor.js';
import { lstmSequenceBackwardSteps, lstmSequenceSteps } from '../backends/recurrent-steps.js';
import { add } from './elementwise.js';
import { sum } from './reduce.js';
import { matmul, matmulT } from './matmul.js';
import { concat, reshape, slice, stack, transpose } from './shape.js';

const F = 'recurrent';
const LstmSequence = defineOp({ name: 'lstmSequence', kernels: ['lstmSequence'], grad: 'rule', family: F });
const GruSequence = defineOp({ name: 'gruSequence', kernels: ['slice', 'matmul', 'gruCell', 'concat'], grad: 'rule', family: F });
const LstmSequenceGrad = defineOp({ name: 'lstmSequenceGrad', kernels: ['lstmSequenceBackward'], grad: 'rule', family: F });
const GruCellGrad = defineOp({ name: 'gruCellGrad', kernels: ['gruCellBackward'], grad: 'rule', family: F });

function noSecondDerivative(op: string): never {
  throw new Error(`${op}: second derivatives through a fused recurrent layer are not supported; set layer.fused = false to differentiate the composite formula twice`);
}

function wrap(_be: Backend, data: unknown, shape: number[], dtype: KTensor['dtype']): KTensor {
  return { data, shape, dtype, size: shape.reduce((a, b) => a * b, 1) };
}

/**
 * One LSTM direction: xp [T, B, 4H] = x·W_ihᵀ + b_ih + b_hh (time-major), h0 and c0 [B, H], whh
 * [4H, H] (PyTorch's weight_hh) → Y [T, 6·B·H]: per step the blocks h [B, H], c [B, H] and the
 * activations (σ(i), σ(f), tanh(g), σ(o)) [B, 4H]. `reverse` runs from the last step to the first.
 * The backend's lstmSequence / lstmSequenceBackward run the whole recurrence when it has them.
 */
export function lstmSequence(xp: Tensor, h0: Tensor, c0: Tensor, whh: Tensor, reverse: boolean): Tensor {
  const [T, B, G] = xp.shape as [number, number, number];
  const H = G / 4;
  const BH = B * H;
  return apply(LstmSequence, [xp, h0, c0, whh], [T, 6 * BH], xp.dtype, (be, [kx, kh, kc, kw]) =>
    be.lstmSequence ? be.lstmSequence(kx!, kh!, kc!, kw!, reverse) : lstmSequenceSteps(be, kx!, kh!, kc!, kw!, reverse),
  (dy, [, h0i, c0i, w], y, needs) => {
    const state = needs[1] || needs[2];
    const g = lstmSequenceGrad(y, dy, c0i!, w!, reverse, state);
    const dZ = state ? reshape(slice(g, [0], [T * B * G]), [T, B, G]) : g;
    let dW: Tensor | null = null;
    if (needs[3]) {
      // the state each step read: h0 then h_0..h_{T−2} forward; h_1..h_{T−1} then h0 reverse
      const h0r = reshape(h0i!, [1, BH]);
      const hPrev = T === 1 ? h0r : reverse ? concat([slice(y, [1, 0], [T - 1, BH]), h0r], 0) : concat([h0r, slice(y, [0, 0], [T - 1, BH])], 0);
      dW = matmulT(reshape(dZ, [T * B, G]), reshape(hPrev, [T * B, H]), true, false);
    }
    return [
      dZ,
      needs[1] ? reshape(slice(g, [T * B * G], [BH]), [B, H]) : null,
      needs[2] ? reshape(slice(g, [T * B * G + BH], [BH]), [B, H]) : null,
      dW,
    ];
  });
}

/** lstmSequence's backward as an op: → dz [T, B, 4H], or flat with dh0, dc0 after it when `state`. First derivatives only. */
function lstmSequenceGrad(y: Tensor, dy: Tensor, c0: Tensor, whh: Tensor, reverse: boolean, state: boolean): Tensor {
  const T = y.shape[0] as number;
  const [B, H] = c0.shape as [number, number];
  const shape = state ? [T * B * 4 * H + 2 * B * H] : [T, B, 4 * H];
  return apply(LstmSequenceGrad, [y, dy, c0, whh], shape, y.dtype, (be, [ky, kdy, kc, kw]) =>
    be.lstmSequenceBackward ? be.lstmSequenceBackward(ky!, kdy!, kc!, kw!, reverse, state) : lstmSequenceBackwardSteps(be, ky!, kdy!, kc!, kw!, reverse, state),
  () => noSecondDerivative('lstmSequenceGrad'));
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
