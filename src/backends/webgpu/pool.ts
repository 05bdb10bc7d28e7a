/**
 * 2-D max and average pooling over NCHW, and their backward kernels written as gathers (each
 * input cell sums over the windows that contain it), so no atomics are needed.
 */
import type { KTensor, Pool2dParams } from '../interface.js';
import { sizeOf } from '../../tensor/shape.js';
import { Gpu, Params, WG, wgslType, type Buf } from './device.js';

const buf = (t: KTensor): Buf => t.data as Buf;

function poolParams(p: Pool2dParams, n: number): Params {
  const [, , H, W] = p.inShape;
  const [, , OH, OW] = p.outShape;
  return new Params().u32(n, H, W, OH, OW, p.kernel[0], p.kernel[1], p.strides[0], p.strides[1], p.pads[0], p.pads[2], p.pads[1], p.pads[3], p.countIncludePad ? 1 : 0);
}

const GEOM = /* wgsl */ `
fn H_() -> i32 { return i32(P[1]); }
fn W_() -> i32 { return i32(P[2]); }
fn OH_() -> i32 { return i32(P[3]); }
fn OW_() -> i32 { return i32(P[4]); }
fn KH_() -> i32 { return i32(P[5]); }
fn KW_() -> i32 { return i32(P[6]); }
fn SH_() -> i32 { return i32(P[7]); }
fn SW_() -> i32 { return i32(P[8]); }
fn PT_() -> i32 { return i32(P[9]); }
fn PL_() -> i32 { return i32(P[10]); }
fn PB_() -> i32 { return i32(P[11]); }
fn PR_() -> i32 { return i32(P[12]); }
fn cdiv(a: i32, b: i32) -> i32 {
  if (a <= 0) { return -((-a) / b); }
  return (a + b - 1) / b;
}
/** The number of cells an average divides by for the window at (oh, ow). */
fn count(oh: i32, ow: i32) -> f32 {
  let h0 = oh * SH_() - PT_();
  let w0 = ow * SW_() - PL_();
  if (P[13] == 1u) {
    let hh = min(h0 + KH_(), H_() + PB_()) - h0;
    let ww = min(w0 + KW_(), W_() + PR_()) - w0;
    return f32(max(hh, 0) * max(ww, 0));
  }
  let hh = min(h0 + KH_(), H_()) - max(h0, 0);
  let ww = min(w0 + KW_(), W_()) - max(w0, 0);
  return f32(max(hh, 0) * max(ww, 0));
}
/** The first arg-max (flat ih·W+iw) of the window at (oh, ow) of plane 'base', or -1. */
fn argmaxAt(base: u32, oh: i32, ow: i32) -> i32 {
  let h0 = oh * SH_() - PT_();
  let w0 = ow * SW_() - PL_();
  var m = X[base];
  var arg = -1;
  for (var kh = 0; kh < KH_(); kh++) {
    let ih = h0 + kh;
    if (ih < 0 || ih >= H_()) { continue; }
    for (var kw = 0; kw < KW_(); kw++) {
      let iw = w0 + kw;
      if (iw < 0 || iw >= W_()) { continue; }
      let v = X[base + u32(ih * W_() + iw)];
      if (v > m || arg < 0) { m = v; arg = ih * W_() + iw; }
    }
  }
  return arg;
}
`;

const MAIN = `@compute @workgroup_size(${WG}) fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gidx(gid, nwg);
  if (i >= P[0]) { return; }`;

export function maxPool2d(gpu: Gpu, x: KTensor, p: Pool2dParams): Buf {
  const t = wgslType(x.dtype);
  const n = sizeOf(p.outShape);
  const out = gpu.alloc(n);
  if (n === 0) return out;
  const code = (): string => `
@group(0) @binding(1) var<storage, read> X: array<${t}>;
@group(0) @binding(2) var<storage, read_write> Y: array<${t}>;
${GEOM}
${MAIN}
  let ohw = u32(OH_() * OW_());
  let plane = i / ohw;
  let s = i % ohw;
  let oh = i32(s) / OW_();
  let ow = i32(s) % OW_();
  let base = plane * u32(H_() * W_());
  let h0 = oh * SH_() - PT_();
  let w0 = ow * SW_() - PL_();
  var m = ${t === 'f32' ? '-inff()' : 'i32(-2147483647 - 1)'};
  for (var kh = 0; kh < KH_(); kh++) {
    let ih = h0 + kh;
    if (ih < 0 || ih >= H_()) { continue; }
    for (var kw = 0; kw < KW_(); kw++) {
      let iw = w0 + kw;
      if (iw < 0 || iw >= W_()) { continue; }
      let v = X[base + u32(ih * W_() + iw)];
      ${t === 'f32' ? 'if (isnan_(m)) { continue; } if (v > m || isnan_(v)) { m = v; }' : 'm = max(m, v);'}
    }
  }
  Y[i] = m;
}`;
  gpu.run(`maxPool2d:${t}`, code, [buf(x), out], poolParams(p, n), Gpu.grid(n));
  return out;
}

/** For input cell (ih, iw): the range of output rows/cols whose window contains it. */
const WINDOWS = /* wgsl */ `
  let hw = u32(H_() * W_());
  let plane = i / hw;
  let s = i32(i % hw);
  let ih = s / W_();
  let iw = s % W_();
  // windows with oh·SH − PT ≤ ih < oh·SH − PT + KH
  let ohLo = max(0, cdiv(ih + PT_() - KH_() + 1, SH_()));
  let ohHi = min(OH_() - 1, (ih + PT_()) / SH_());
  let owLo = max(0, cdiv(iw + PL_() - KW_() + 1, SW_()));
  let owHi = min(OW_() - 1, (iw + PL_()) / SW_());
  let obase = plane * u32(OH_() * OW_());
`;

export function maxPool2dBackward(gpu: Gpu, dy: KTensor, x: KTensor, p: Pool2dParams): Buf {
  const t = wgslType(x.dtype);
  const n = x.size;
  const out = gpu.alloc(n);
  if (n === 0) return out;
  const code = (): string => `
@group(0) @binding(1) var<storage, read> DY: array<${t}>;
@group(0) @binding(2) var<storage, read> X: array<${t}>;
@group(0) @binding(3) var<storage, read_write> DX: array<${t}>;
${GEOM}
${MAIN}
${WINDOWS}
  var acc = ${t}(0);
  for (var oh = ohLo; oh <= ohHi; oh++) {
    for (var ow = owLo; ow <= owHi; ow++) {
      if (argmaxAt(plane * hw, oh, ow) == s) { acc += DY[obase + u32(oh * OW_() + ow)]; }
    }
  }
  DX[i] = acc;
}`;
  gpu.run(`maxPool2dBackward:${t}`, code, [buf(dy), buf(x), out], poolParams(p, n), Gpu.grid(n));
  return out;
}

export function avgPool2d(gpu: Gpu, x: KTensor, p: Pool2dParams): Buf {
  const t = wgslType(x.dtype);
  const n = sizeOf(p.outShape);
  const out = gpu.alloc(n);
  if (n === 0) return out;
  const code = (): string => `
@group(0) @binding(1) var<storage, read> X: array<${t}>;
@group(0) @binding(2) var<storage, read_write> Y: array<${t}>;
${GEOM.replace(/fn argmaxAt[\s\S]*$/, '')}
${MAIN}
  let ohw = u32(OH_() * OW_());
  let plane = i / ohw;
  let s = i % ohw;
  let oh = i32(s) / OW_();
  let ow = i32(s) % OW_();
  let base = plane * u32(H_() * W_());
  let h0 = oh * SH_() - PT_();
  let w0 = ow * SW_() - PL_();
  var acc = 0.0;
  for (var kh = 0; kh < KH_(); kh++) {
    let ih = h0 + kh;
    if (ih < 0 || ih >= H_()) { continue; }
    for (var kw = 0; kw < KW_(); kw++) {
      let iw = w0 + kw;
      if (iw < 0 || iw >= W_()) { continue; }
      acc += f32(X[base + u32(ih * W_() + iw)]);
    }
  }
  let c = count(oh, ow);
  Y[i] = ${t}(select(0.0, acc / c, c > 0.0));
}`;
  gpu.run(`avgPool2d:${t}`, code, [buf(x), out], poolParams(p, n), Gpu.grid(n));
  return out;
}

export function avgPool2dBackward(gpu: Gpu, dy: KTensor, p: Pool2dParams): Buf {
  const t = wgslType(dy.dtype);
  const n = sizeOf(p.inShape);
  const out = gpu.alloc(n);
  if (n === 0) return out;
  const code = (): string => `
@group(0) @binding(1) var<storage, read> DY: array<${t}>;
@group(0) @binding(2) var<storage, read_write> DX: array<${t}>;
${GEOM.replace(/fn argmaxAt[\s\S]*$/, '')}
${MAIN}
${WINDOWS}
  var acc = 0.0;
  for (var oh = ohLo; oh <= ohHi; oh++) {
    for (var ow = owLo; ow <= owHi; ow++) {
      let c = count(oh, ow);
      if (c > 0.0) { acc += f32(DY[obase + u32(oh * OW_() + ow)]) / c; }
    }
  }
  DX[i] = ${t}(acc);
}`;
  gpu.run(`avgPool2dBackward:${t}`, code, [buf(dy), out], poolParams(p, n), Gpu.grid(n));
  return out;
}
