/**
 * conv2d and its two backward kernels as implicit GEMMs: no im2col buffer; each thread computes
 * a 4×4 block of the product (8×8 threads per workgroup, the grid's z is the group), reading
 * the patch matrix on the fly. Forward: [O/g × (N·OH·OW)] = W[O/g × C/g·KH·KW] · patches.
 * Backprop-input: [C/g × (N·H·W)] = Wᵀ · (dy gathered through the strides). Backprop-filter:
 * [O/g × C/g·KH·KW] = dy[O/g × N·OH·OW] · patchesᵀ.
 */
import type { Conv2dParams, KTensor } from '../interface.js';
import { Gpu, Params, wgslType, type Buf } from './device.js';

const buf = (t: KTensor): Buf => t.data as Buf;

/** Parameter words shared by the three kernels (indices used by GEOM below). */
function convParams(p: Conv2dParams, M: number, Ncols: number, K: number): Params {
  const [N, C, H, W] = p.inShape;
  const [O, Cg, KH, KW] = p.filterShape;
  const [, , OH, OW] = p.outShape;
  return new Params().u32(M, Ncols, K, N, C, H, W, O, OH, OW, KH, KW, p.strides[0], p.strides[1], p.pads[0], p.pads[2], p.dilations[0], p.dilations[1], Cg, O / p.groups);
}

const GEOM = /* wgsl */ `
fn M_() -> u32 { return P[0]; }
fn NC_() -> u32 { return P[1]; }
fn K_() -> u32 { return P[2]; }
fn C_() -> u32 { return P[4]; }
fn H_() -> u32 { return P[5]; }
fn W_() -> u32 { return P[6]; }
fn O_() -> u32 { return P[7]; }
fn OH_() -> u32 { return P[8]; }
fn OW_() -> u32 { return P[9]; }
fn KH_() -> u32 { return P[10]; }
fn KW_() -> u32 { return P[11]; }
fn SH_() -> i32 { return i32(P[12]); }
fn SW_() -> i32 { return i32(P[13]); }
fn PT_() -> i32 { return i32(P[14]); }
fn PL_() -> i32 { return i32(P[15]); }
fn DH_() -> i32 { return i32(P[16]); }
fn DW_() -> i32 { return i32(P[17]); }
fn CG_() -> u32 { return P[18]; }
fn OG_() -> u32 { return P[19]; }
`;

/** The blocked GEMM loop; `la(g,row,k)`, `lb(g,k,col)` and `st(g,row,col,v)` are defined by each kernel. */
function gemm(t: string, defs: string): string {
  return `${GEOM}${defs}
@compute @workgroup_size(8, 8) fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let M = M_();
  let NC = NC_();
  let K = K_();
  let col0 = gid.x * 4u;
  let row0 = gid.y * 4u;
  if (row0 >= M || col0 >= NC) { return; }
  let g = gid.z;
  let r = vec4<u32>(row0, min(row0 + 1u, M - 1u), min(row0 + 2u, M - 1u), min(row0 + 3u, M - 1u));
  let c = vec4<u32>(col0, min(col0 + 1u, NC - 1u), min(col0 + 2u, NC - 1u), min(col0 + 3u, NC - 1u));
  var acc: array<vec4<${t}>, 4>;
  for (var k = 0u; k < K; k++) {
    let bv = vec4<${t}>(lb(g, k, c.x), lb(g, k, c.y), lb(g, k, c.z), lb(g, k, c.w));
    acc[0] += la(g, r.x, k) * bv;
    acc[1] += la(g, r.y, k) * bv;
    acc[2] += la(g, r.z, k) * bv;
    acc[3] += la(g, r.w, k) * bv;
  }
  for (var rr = 0u; rr < 4u; rr++) {
    let row = row0 + rr;
    if (row < M) {
      let v = acc[rr];
      st(g, row, col0, v.x);
      if (col0 + 1u < NC) { st(g, row, col0 + 1u, v.y); }
      if (col0 + 2u < NC) { st(g, row, col0 + 2u, v.z); }
      if (col0 + 3u < NC) { st(g, row, col0 + 3u, v.w); }
    }
  }
}`;
}

function launch(gpu: Gpu, key: string, code: () => string, ins: Buf[], out: Buf, p: Params, M: number, Ncols: number, K: number, groups: number): void {
  if (M === 0 || Ncols === 0) return;
  void K;
  gpu.run(key, code, [...ins, out], p, [Math.ceil(Ncols / 32), Math.ceil(M / 32), groups]);
}

export function conv2d(gpu: Gpu, x: KTensor, w: KTensor, p: Conv2dParams): Buf {
  const t = wgslType(x.dtype);
  const [N] = p.inShape;
  const [O, Cg, KH, KW] = p.filterShape;
  const [, , OH, OW] = p.outShape;
  const out = gpu.alloc(N * O * OH * OW);
  const M = O / p.groups;
  const Ncols = N * OH * OW;
  const K = Cg * KH * KW;
  const code = (): string => gemm(t, `
@group(0) @binding(1) var<storage, read> X: array<${t}>;
@group(0) @binding(2) var<storage, read> Wt: array<${t}>;
@group(0) @binding(3) var<storage, read_write> Y: array<${t}>;
fn la(g: u32, row: u32, k: u32) -> ${t} { return Wt[(g * OG_() + row) * K_() + k]; }
fn lb(g: u32, k: u32, col: u32) -> ${t} {
  let khw = KH_() * KW_();
  let c = k / khw;
  let kh = (k / KW_()) % KH_();
  let kw = k % KW_();
  let ohw = OH_() * OW_();
  let n = col / ohw;
  let s = col % ohw;
  let ih = i32(s / OW_()) * SH_() - PT_() + i32(kh) * DH_();
  let iw = i32(s % OW_()) * SW_() - PL_() + i32(kw) * DW_();
  if (ih < 0 || iw < 0 || ih >= i32(H_()) || iw >= i32(W_())) { return ${t}(0); }
  return X[((n * C_() + g * CG_() + c) * H_() + u32(ih)) * W_() + u32(iw)];
}
fn st(g: u32, row: u32, col: u32, v: ${t}) {
  let ohw = OH_() * OW_();
  Y[((col / ohw) * O_() + g * OG_() + row) * ohw + col % ohw] = v;
}`);
  launch(gpu, `conv2d:${t}`, code, [buf(x), buf(w)], out, convParams(p, M, Ncols, K), M, Ncols, K, p.groups);
  return out;
}

export function conv2dBackpropInput(gpu: Gpu, dy: KTensor, w: KTensor, p: Conv2dParams): Buf {
  const t = wgslType(dy.dtype);
  const [N, C, H, W] = p.inShape;
  const [O, Cg, KH, KW] = p.filterShape;
  const out = gpu.alloc(N * C * H * W);
  const M = Cg;
  const Ncols = N * H * W;
  const K = (O / p.groups) * KH * KW;
  const code = (): string => gemm(t, `
@group(0) @binding(1) var<storage, read> DY: array<${t}>;
@group(0) @binding(2) var<storage, read> Wt: array<${t}>;
@group(0) @binding(3) var<storage, read_write> DX: array<${t}>;
fn la(g: u32, row: u32, k: u32) -> ${t} {
  let khw = KH_() * KW_();
  return Wt[((g * OG_() + k / khw) * CG_() + row) * khw + k % khw];
}
fn lb(g: u32, k: u32, col: u32) -> ${t} {
  let khw = KH_() * KW_();
  let ocl = k / khw;
  let kh = (k / KW_()) % KH_();
  let kw = k % KW_();
  let hw = H_() * W_();
  let n = col / hw;
  let s = col % hw;
  let th = i32(s / W_()) + PT_() - i32(kh) * DH_();
  let tw = i32(s % W_()) + PL_() - i32(kw) * DW_();
  if (th < 0 || tw < 0 || th % SH_() != 0 || tw % SW_() != 0) { return ${t}(0); }
  let oh = th / SH_();
  let ow = tw / SW_();
  if (oh >= i32(OH_()) || ow >= i32(OW_())) { return ${t}(0); }
  return DY[((n * O_() + g * OG_() + ocl) * OH_() + u32(oh)) * OW_() + u32(ow)];
}
fn st(g: u32, row: u32, col: u32, v: ${t}) {
  let hw = H_() * W_();
  DX[((col / hw) * C_() + g * CG_() + row) * hw + col % hw] = v;
}`);
  launch(gpu, `conv2dBackpropInput:${t}`, code, [buf(dy), buf(w)], out, convParams(p, M, Ncols, K), M, Ncols, K, p.groups);
  return out;
}

export function conv2dBackpropFilter(gpu: Gpu, x: KTensor, dy: KTensor, p: Conv2dParams): Buf {
  const t = wgslType(x.dtype);
  const [N] = p.inShape;
  const [O, Cg, KH, KW] = p.filterShape;
  const [, , OH, OW] = p.outShape;
  const n = O * Cg * KH * KW;
  const out = gpu.alloc(n);
  const M = O / p.groups;
  const Ncols = Cg * KH * KW;
  const K = N * OH * OW;
  const code = (): string => gemm(t, `
@group(0) @binding(1) var<storage, read> X: array<${t}>;
@group(0) @binding(2) var<storage, read> DY: array<${t}>;
@group(0) @binding(3) var<storage, read_write> DW: array<${t}>;
fn la(g: u32, row: u32, k: u32) -> ${t} {
  let ohw = OH_() * OW_();
  return DY[((k / ohw) * O_() + g * OG_() + row) * ohw + k % ohw];
}
fn lb(g: u32, k: u32, col: u32) -> ${t} {
  let khw = KH_() * KW_();
  let c = col / khw;
  let kh = (col / KW_()) % KH_();
  let kw = col % KW_();
  let ohw = OH_() * OW_();
  let n = k / ohw;
  let s = k % ohw;
  let ih = i32(s / OW_()) * SH_() - PT_() + i32(kh) * DH_();
  let iw = i32(s % OW_()) * SW_() - PL_() + i32(kw) * DW_();
  if (ih < 0 || iw < 0 || ih >= i32(H_()) || iw >= i32(W_())) { return ${t}(0); }
  return X[((n * C_() + g * CG_() + c) * H_() + u32(ih)) * W_() + u32(iw)];
}
fn st(g: u32, row: u32, col: u32, v: ${t}) {
  DW[(g * OG_() + row) * (CG_() * KH_() * KW_()) + col] = v;
}`);
  if (K === 0) {
    // no output positions: the gradient is zero (the kernel would store zeros too, but skip the launch)
    gpu.run('zero', () => `
@group(0) @binding(1) var<storage, read_write> O: array<u32>;
@compute @workgroup_size(256) fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gidx(gid, nwg);
  if (i >= P[0]) { return; }
  O[i] = 0u;
}`, [out], new Params().u32(n), Gpu.grid(n));
    return out;
  }
  launch(gpu, `conv2dBackpropFilter:${t}`, code, [buf(x), buf(dy)], out, convParams(p, M, Ncols, K), M, Ncols, K, p.groups);
  return out;
}
