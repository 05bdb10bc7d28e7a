/**
 * Fused kernels: the Adam step (one pass over p, g, m, v) and the pointwise gate math of LSTM
 * and GRU cells, forward and backward (see src/backends/interface.ts for the formulas).
 */
import type { AdamHyper, KTensor } from '../interface.js';
import { Gpu, Params, WG, wgslType, type Buf } from './device.js';
import { MATH } from './elementwise.js';

const buf = (t: KTensor): Buf => t.data as Buf;

const MAIN = `@compute @workgroup_size(${WG}) fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gidx(gid, nwg);
  if (i >= P[0]) { return; }`;

function checkF32(t: KTensor): void {
  if (wgslType(t.dtype) !== 'f32') throw new Error(`webgpu backend: fused kernels take float32, got ${t.dtype}`);
}

export function adamStep(gpu: Gpu, p: KTensor, g: KTensor, m: KTensor, v: KTensor, h: AdamHyper): [Buf, Buf, Buf] {
  return adamKernel(gpu, p, g, m, v, h, h.lrT);
}

/**
 * The Adam step, its step size either a number baked into the parameters or (fused-apply.ts) a
 * one-element float32 tensor the kernel reads when it runs.
 */
export function adamKernel(gpu: Gpu, p: KTensor, g: KTensor, m: KTensor, v: KTensor, h: Omit<AdamHyper, 'lrT'>, lr: number | KTensor): [Buf, Buf, Buf] {
  checkF32(p);
  const fed = typeof lr !== 'number';
  if (fed) checkF32(lr);
  const n = p.size;
  const [po, mo, vo] = [gpu.alloc(n), gpu.alloc(n), gpu.alloc(n)];
  if (n === 0) return [po, mo, vo];
  const prm = new Params().u32(n, h.l2 ? 1 : 0, h.decay !== 1 ? 1 : 0).f32(h.beta1, 1 - h.beta1, h.beta2, 1 - h.beta2, fed ? 0 : lr, h.epsT, h.l2, h.decay);
  const out = fed ? 6 : 5; // the first output's binding
  const code = (): string => `
@group(0) @binding(1) var<storage, read> Pp: array<f32>;
@group(0) @binding(2) var<storage, read> G: array<f32>;
@group(0) @binding(3) var<storage, read> Mm: array<f32>;
@group(0) @binding(4) var<storage, read> V: array<f32>;
${fed ? '@group(0) @binding(5) var<storage, read> LR: array<f32>;' : ''}
@group(0) @binding(${out}) var<storage, read_write> PO: array<f32>;
@group(0) @binding(${out + 1}) var<storage, read_write> MO: array<f32>;
@group(0) @binding(${out + 2}) var<storage, read_write> VO: array<f32>;
${MAIN}
  let w = Pp[i];
  var gi = G[i];
  if (P[1] == 1u) { gi = gi + w * pf(9u); }
  let mi = Mm[i] * pf(3u) + gi * pf(4u);
  let vi = V[i] * pf(5u) + (gi * gi) * pf(6u);
  var base = w;
  if (P[2] == 1u) { base = w * pf(10u); }
  PO[i] = base - (mi / (sqrt(vi) + pf(8u))) * ${fed ? 'LR[0]' : 'pf(7u)'};
  MO[i] = mi;
  VO[i] = vi;
}`;
  const inputs = [buf(p), buf(g), buf(m), buf(v), ...(fed ? [buf(lr)] : [])];
  gpu.run(fed ? 'adamStepTensorLr' : 'adamStep', code, [...inputs, po, mo, vo], prm, Gpu.grid(n));
  return [po, mo, vo];
}

export function lstmCell(gpu: Gpu, gi: KTensor, gh: KTensor, c: KTensor): [Buf, Buf, Buf] {
  checkF32(c);
  const [B, H] = [c.shape[0]!, c.shape[1]!];
  const n = B * H;
  const [h2, c2, acts] = [gpu.alloc(n), gpu.alloc(n), gpu.alloc(4 * n)];
  if (n === 0) return [h2, c2, acts];
  const code = (): string => `${MATH}
@group(0) @binding(1) var<storage, read> A: array<f32>;
@group(0) @binding(2) var<storage, read> Bh: array<f32>;
@group(0) @binding(3) var<storage, read> Cp: array<f32>;
@group(0) @binding(4) var<storage, read_write> H2: array<f32>;
@group(0) @binding(5) var<storage, read_write> C2: array<f32>;
@group(0) @binding(6) var<storage, read_write> ACT: array<f32>;
${MAIN}
  let H = P[1];
  let r = (i / H) * 4u * H + i % H;
  let ig = sigmoid_(A[r] + Bh[r]);
  let fg = sigmoid_(A[r + H] + Bh[r + H]);
  let gg = tanh_(A[r + 2u * H] + Bh[r + 2u * H]);
  let og = sigmoid_(A[r + 3u * H] + Bh[r + 3u * H]);
  ACT[r] = ig;
  ACT[r + H] = fg;
  ACT[r + 2u * H] = gg;
  ACT[r + 3u * H] = og;
  let cn = fg * Cp[i] + ig * gg;
  C2[i] = cn;
  H2[i] = og * tanh_(cn);
}`;
  gpu.run('lstmCell', code, [buf(gi), buf(gh), buf(c), h2, c2, acts], new Params().u32(n, H), Gpu.grid(n));
  return [h2, c2, acts];
}

export function lstmCellBackward(gpu: Gpu, acts: KTensor, c: KTensor, c2: KTensor, dh: KTensor, dc: KTensor): Buf {
  checkF32(c);
  const [B, H] = [c.shape[0]!, c.shape[1]!];
  const n = B * H;
  const o5 = gpu.alloc(5 * n);
  if (n === 0) return o5;
  const code = (): string => `${MATH}
@group(0) @binding(1) var<storage, read> ACT: array<f32>;
@group(0) @binding(2) var<storage, read> Cp: array<f32>;
@group(0) @binding(3) var<storage, read> Cn: array<f32>;
@group(0) @binding(4) var<storage, read> DH: array<f32>;
@group(0) @binding(5) var<storage, read> DC: array<f32>;
@group(0) @binding(6) var<storage, read_write> O5: array<f32>;
${MAIN}
  let H = P[1];
  let b = i / H;
  let j = i % H;
  let r = b * 4u * H + j;
  let q = b * 5u * H + j;
  let ig = ACT[r];
  let fg = ACT[r + H];
  let gg = ACT[r + 2u * H];
  let og = ACT[r + 3u * H];
  let tc = tanh_(Cn[i]);
  let dct = DC[i] + DH[i] * og * (1.0 - tc * tc);
  O5[q] = dct * gg * (ig * (1.0 - ig));
  O5[q + H] = dct * Cp[i] * (fg * (1.0 - fg));
  O5[q + 2u * H] = dct * ig * (1.0 - gg * gg);
  O5[q + 3u * H] = DH[i] * tc * (og * (1.0 - og));
  O5[q + 4u * H] = dct * fg;
}`;
  gpu.run('lstmCellBackward', code, [buf(acts), buf(c), buf(c2), buf(dh), buf(dc), o5], new Params().u32(n, H), Gpu.grid(n));
  return o5;
}

export function gruCell(gpu: Gpu, gi: KTensor, gh: KTensor, bh: KTensor, h: KTensor): [Buf, Buf] {
  checkF32(h);
  const [B, H] = [h.shape[0]!, h.shape[1]!];
  const n = B * H;
  const [h2, acts] = [gpu.alloc(n), gpu.alloc(4 * n)];
  if (n === 0) return [h2, acts];
  const code = (): string => `${MATH}
@group(0) @binding(1) var<storage, read> A: array<f32>;
@group(0) @binding(2) var<storage, read> Bg: array<f32>;
@group(0) @binding(3) var<storage, read> BB: array<f32>;
@group(0) @binding(4) var<storage, read> Hp: array<f32>;
@group(0) @binding(5) var<storage, read_write> H2: array<f32>;
@group(0) @binding(6) var<storage, read_write> ACT: array<f32>;
${MAIN}
  let H = P[1];
  let b = i / H;
  let j = i % H;
  let r3 = b * 3u * H + j;
  let r4 = b * 4u * H + j;
  let t0 = Bg[r3] + BB[j];
  let t1 = Bg[r3 + H] + BB[H + j];
  let t2 = Bg[r3 + 2u * H] + BB[2u * H + j];
  let rg = sigmoid_(A[r3] + t0);
  let zg = sigmoid_(A[r3 + H] + t1);
  let ng = tanh_(A[r3 + 2u * H] + rg * t2);
  ACT[r4] = rg;
  ACT[r4 + H] = zg;
  ACT[r4 + 2u * H] = ng;
  ACT[r4 + 3u * H] = t2;
  H2[i] = (1.0 - zg) * ng + zg * Hp[i];
}`;
  gpu.run('gruCell', code, [buf(gi), buf(gh), buf(bh), buf(h), h2, acts], new Params().u32(n, H), Gpu.grid(n));
  return [h2, acts];
}

export function gruCellBackward(gpu: Gpu, acts: KTensor, h: KTensor, dh: KTensor): Buf {
  checkF32(h);
  const [B, H] = [h.shape[0]!, h.shape[1]!];
  const n = B * H;
  const o7 = gpu.alloc(7 * n);
  if (n === 0) return o7;
  const code = (): string => `
@group(0) @binding(1) var<storage, read> ACT: array<f32>;
@group(0) @binding(2) var<storage, read> Hp: array<f32>;
@group(0) @binding(3) var<storage, read> D: array<f32>;
@group(0) @binding(4) var<storage, read_write> O7: array<f32>;
${MAIN}
  let H = P[1];
  let b = i / H;
  let j = i % H;
  let r4 = b * 4u * H + j;
  let q = b * 7u * H + j;
  let rg = ACT[r4];
  let zg = ACT[r4 + H];
  let ng = ACT[r4 + 2u * H];
  let hn = ACT[r4 + 3u * H];
  let d = D[i];
  let dnp = d * (1.0 - zg) * (1.0 - ng * ng);
  let dzp = d * (Hp[i] - ng) * (zg * (1.0 - zg));
  let drp = dnp * hn * (rg * (1.0 - rg));
  O7[q] = drp;
  O7[q + H] = dzp;
  O7[q + 2u * H] = dnp;
  O7[q + 3u * H] = drp;
  O7[q + 4u * H] = dzp;
  O7[q + 5u * H] = dnp * rg;
  O7[q + 6u * H] = d * zg;
}`;
  gpu.run('gruCellBackward', code, [buf(acts), buf(h), buf(dh), o7], new Params().u32(n, H), Gpu.grid(n));
  return o7;
}
