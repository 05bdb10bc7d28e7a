/** The wasm backend's fused kernels: the Adam step and the recurrent cells (asm/fused.ts). */
import type { AdamHyper, KTensor } from '../interface.js';
import type { DType } from '../../tensor/dtype.js';
import type { WasmDevice } from './device.js';
import { gemmInto } from './matmul.js';

export function adamStep(d: WasmDevice, p: KTensor, g: KTensor, m: KTensor, v: KTensor, h: AdamHyper): [number, number, number] {
  if (p.dtype !== 'float32') throw new Error(`adamStep: the wasm backend updates float32 parameters, got ${p.dtype}`);
  const [po, mo, vo] = [d.alloc('float32', p.size), d.alloc('float32', p.size), d.alloc('float32', p.size)];
  const f = Math.fround;
  d.k.adamStep(p.data as number, g.data as number, m.data as number, v.data as number, po, mo, vo, p.size,
    f(h.beta1), f(1 - h.beta1), f(h.beta2), f(1 - h.beta2), f(h.lrT), f(h.epsT), f(h.l2), f(h.decay));
  return [po, mo, vo];
}

// Recurrent cells (see the end of ../interface.ts; asm/fused.ts, "Recurrent cells"): float32,
// SIMD over the hidden units. Like every allocating kernel they run as transactions
// (ALLOCATING_KERNELS): a failure releases the outputs allocated so far.

/** float32 output buffers of the given sizes. */
function allocCell(d: WasmDevice, op: string, dtype: DType, sizes: readonly number[]): number[] {
  if (dtype !== 'float32') throw new Error(`${op}: the wasm backend runs recurrent cells in float32, got ${dtype}`);
  return sizes.map((n) => d.alloc('float32', n));
}

export function lstmCell(d: WasmDevice, gi: KTensor, gh: KTensor, c: KTensor): [number, number, number] {
  const [B, H] = [c.shape[0]!, c.shape[1]!];
  const [h2, c2, acts] = allocCell(d, 'lstmCell', c.dtype, [B * H, B * H, 4 * B * H]) as [number, number, number];
  d.k.lstmCell(gi.data as number, gh.data as number, c.data as number, h2, c2, acts, B, H);
  return [h2, c2, acts];
}

export function lstmCellBackward(d: WasmDevice, acts: KTensor, c: KTensor, c2: KTensor, dh: KTensor, dc: KTensor): number {
  const [B, H] = [c.shape[0]!, c.shape[1]!];
  const [out] = allocCell(d, 'lstmCellBackward', c.dtype, [5 * B * H]) as [number];
  d.k.lstmCellBackward(acts.data as number, c.data as number, c2.data as number, dh.data as number, dc.data as number, out, B, H);
  return out;
}

// The whole-sequence LSTM: per step one GEMM h·W_hhᵀ into a reused buffer and the cell kernel
// writing h′, c′ and the activations straight into the step's blocks of Y; the backward pass
// writes each step's dz into its rows of the result and the next step's dh by a GEMM, with no
// per-step allocation, slice or concatenation.

export function lstmSequence(d: WasmDevice, xp: KTensor, h0: KTensor, c0: KTensor, whh: KTensor, reverse: boolean): number {
  const [T, B, G] = [xp.shape[0]!, xp.shape[1]!, xp.shape[2]!];
  const H = G / 4;
  const BH = B * H;
  const [y] = allocCell(d, 'lstmSequence', xp.dtype, [T * 6 * BH]) as [number];
  const gh = d.scratch(B * G * 4);
  // W_hhᵀ packed once for all steps' GEMMs (instead of by every one)
  const packedBytes = H * roundUp8(G) * 4;
  const whhT = d.scratch(packedBytes);
  d.k.packPanels(H, G, whh.data as number, 1, H, whhT);
  let h = h0.data as number;
  let c = c0.data as number;
  for (let s = 0; s < T; s++) {
    const t = reverse ? T - 1 - s : s;
    const base = y + t * 24 * BH;
    gemmInto(d, B, G, H, h, H, 1, whhT, 0, 0, gh, G, false);
    d.k.lstmCell((xp.data as number) + t * B * G * 4, gh, c, base, base + 4 * BH, base + 8 * BH, B, H);
    h = base;
    c = base + 4 * BH;
  }
  d.release(whhT, packedBytes);
  d.release(gh, B * G * 4);
  return y;
}

export function lstmSequenceBackward(d: WasmDevice, y: KTensor, dy: KTensor, c0: KTensor, whh: KTensor, reverse: boolean, state: boolean): number {
  const T = y.shape[0]!;
  const [B, H] = [c0.shape[0]!, c0.shape[1]!];
  const BH = B * H;
  const G = 4 * H;
  const [dz] = allocCell(d, 'lstmSequenceBackward', y.dtype, [T * B * G + (state ? 2 * BH : 0)]) as [number];
  // dh (the GEMM's output), dc, and zeros for the last step's missing terms
  const work = d.scratch(3 * BH * 4);
  const packedBytes = G * roundUp8(H) * 4;
  const whhP = d.scratch(packedBytes); // W_hh [4H, H] packed once for the dh GEMMs
  d.k.packPanels(G, H, whh.data as number, H, 1, whhP);
  const dh = work;
  const dc = work + 4 * BH;
  const zero = work + 8 * BH;
  d.k.fill32(work, 3 * BH, 0);
  const yp = y.data as number;
  const dyp = dy.data as number;
  for (let s = T - 1; s >= 0; s--) {
    const t = reverse ? T - 1 - s : s;
    const prev = reverse ? t + 1 : t - 1;
    const base = yp + t * 24 * BH;
    const cPrev = s === 0 ? (c0.data as number) : yp + prev * 24 * BH + 4 * BH;
    const dzt = dz + t * B * G * 4;
    const last = s === T - 1;
    d.k.lstmCellBackwardSeq(base + 8 * BH, cPrev, base + 4 * BH, dyp + t * 24 * BH, last ? zero : dh, dyp + t * 24 * BH + 4 * BH, last ? zero : dc, dzt, dc, B, H);
    // dh for the step before: dz·W_hh
    if (s > 0 || state) gemmInto(d, B, H, G, dzt, G, 1, whhP, 0, 0, dh, H, false);
  }
  if (state) {
    const tail = dz + T * B * G * 4;
    d.u8.copyWithin(tail, dh, dh + 4 * BH);
    d.u8.copyWithin(tail + 4 * BH, dc, dc + 4 * BH);
  }
  d.release(whhP, packedBytes);
  d.release(work, 3 * BH * 4);
  return dz;
}

export function gruCell(d: WasmDevice, gi: KTensor, gh: KTensor, bh: KTensor, h: KTensor): [number, number] {
  const [B, H] = [h.shape[0]!, h.shape[1]!];
  const [h2, acts] = allocCell(d, 'gruCell', h.dtype, [B * H, 4 * B * H]) as [number, number];
  d.k.gruCell(gi.data as number, gh.data as number, bh.data as number, h.data as number, h2, acts, B, H);
  return [h2, acts];
}

export function gruCellBackward(d: WasmDevice, acts: KTensor, h: KTensor, dh: KTensor): number {
  const [B, H] = [h.shape[0]!, h.shape[1]!];
  const [out] = allocCell(d, 'gruCellBackward', h.dtype, [7 * B * H]) as [number];
  d.k.gruCellBackward(acts.data as number, h.data as number, dh.data as number, out, B, H);
  return out;
}

const roundUp8 = (n: number): number => Math.ceil(n / 8) * 8;
