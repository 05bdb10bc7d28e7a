/**
 * The webgpu backend's Adam step with a run-time step size (see `adamStepTensorLr` in
 * ../interface.ts): fused.ts's Adam kernel, with lrT read from a one-element storage buffer.
 */
import type { AdamHyper, KTensor } from '../interface.js';
import { Gpu, Params, WG, wgslType, type Buf } from './device.js';

const buf = (t: KTensor): Buf => t.data as Buf;

export function adamStepTensorLr(gpu: Gpu, p: KTensor, g: KTensor, m: KTensor, v: KTensor, lrT: KTensor, h: Omit<AdamHyper, 'lrT'>): [Buf, Buf, Buf] {
  for (const t of [p, lrT]) if (wgslType(t.dtype) !== 'f32') throw new Error(`webgpu backend: fused kernels take float32, got ${t.dtype}`);
  const n = p.size;
  const [po, mo, vo] = [gpu.alloc(n), gpu.alloc(n), gpu.alloc(n)];
  if (n === 0) return [po, mo, vo];
  const prm = new Params().u32(n, h.l2 ? 1 : 0, h.decay !== 1 ? 1 : 0).f32(h.beta1, 1 - h.beta1, h.beta2, 1 - h.beta2, h.epsT, h.l2, h.decay);
  const code = (): string => `
@group(0) @binding(1) var<storage, read> Pp: array<f32>;
@group(0) @binding(2) var<storage, read> G: array<f32>;
@group(0) @binding(3) var<storage, read> Mm: array<f32>;
@group(0) @binding(4) var<storage, read> V: array<f32>;
@group(0) @binding(5) var<storage, read> LR: array<f32>;
@group(0) @binding(6) var<storage, read_write> PO: array<f32>;
@group(0) @binding(7) var<storage, read_write> MO: array<f32>;
@group(0) @binding(8) var<storage, read_write> VO: array<f32>;
@compute @workgroup_size(${WG}) fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gidx(gid, nwg);
  if (i >= P[0]) { return; }
  let w = Pp[i];
  var gi = G[i];
  if (P[1] == 1u) { gi = gi + w * pf(8u); }
  let mi = Mm[i] * pf(3u) + gi * pf(4u);
  let vi = V[i] * pf(5u) + (gi * gi) * pf(6u);
  var base = w;
  if (P[2] == 1u) { base = w * pf(9u); }
  PO[i] = base - (mi / (sqrt(vi) + pf(7u))) * LR[0];
  MO[i] = mi;
  VO[i] = vi;
}`;
  gpu.run('adamStepTensorLr', code, [buf(p), buf(g), buf(m), buf(v), buf(lrT), po, mo, vo], prm, Gpu.grid(n));
  return [po, mo, vo];
}
