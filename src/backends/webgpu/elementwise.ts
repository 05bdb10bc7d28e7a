/**
 * Elementwise kernels: fill, cast, unary, binary (NumPy broadcasting), where, and the shared
 * scalar math (log1p, expm1, a stable sigmoid, pow of negative bases, floored mod).
 */
import type { BinaryOp, KTensor, UnaryOp } from '../interface.js';
import type { DType } from '../../tensor/dtype.js';
import { sizeOf, stridesOf, type Shape } from '../../tensor/shape.js';
import { SELU_ALPHA, SELU_SCALE } from '../../constants.js';
import { Gpu, Params, WG, wgslType, type Buf } from './device.js';

const buf = (t: KTensor): Buf => t.data as Buf;

/** f32 helpers shared by the elementwise and fused kernels. */
export const MATH = /* wgsl */ `
fn log1p_(x: f32) -> f32 {
  let u = 1.0 + x;
  if (u == 1.0) { return x; }
  if (u == inff()) { return u; }
  return log(u) * x / (u - 1.0);
}
fn expm1_(x: f32) -> f32 {
  if (x > 88.0) { return exp(x); }
  let u = exp(x);
  if (u == 1.0) { return x; }
  let um1 = u - 1.0;
  if (um1 == -1.0) { return -1.0; }
  return um1 * x / log(u);
}
fn sigmoid_(x: f32) -> f32 {
  if (x >= 0.0) { return 1.0 / (1.0 + exp(-x)); }
  let e = exp(x);
  return e / (1.0 + e);
}
fn tanh_(x: f32) -> f32 {
  if (isnan_(x)) { return x; }
  return tanh(clamp(x, -15.0, 15.0));
}
fn pow_(a: f32, b: f32) -> f32 {
  if (b == 0.0) { return 1.0; }
  if (isnan_(a) || isnan_(b)) { return nanf(); }
  if (a == 1.0) { return 1.0; }
  if (b == 1.0) { return a; }
  if (b == 2.0) { return a * a; }
  if (b == 0.5 && a >= 0.0) { return sqrt(a); }
  let r = pow(abs(a), b);
  if (a < 0.0 || (a == 0.0 && bitcast<u32>(a) != 0u)) {
    if (b != floor(b)) { return select(nanf(), r, a == 0.0); }
    let odd = abs(b) < 16777216.0 && (i32(abs(b)) & 1) == 1;
    return select(r, -r, odd);
  }
  return r;
}
fn fmod_(a: f32, b: f32) -> f32 {
  var r = a - b * trunc(a / b);
  if (abs(b) == inff() && abs(a) != inff()) { r = a; }
  if (r != 0.0 && ((r < 0.0) != (b < 0.0))) { r = r + b; }
  return r;
}
fn imod_(a: i32, b: i32) -> i32 {
  if (b == 0 || b == -1) { return 0; }
  var r = a % b;
  if (r != 0 && ((r < 0) != (b < 0))) { r += b; }
  return r;
}
fn round_(x: f32) -> f32 { return round(x); }
`;

function unaryExpr(op: UnaryOp): string {
  switch (op) {
    case 'neg': return '-x';
    case 'exp': return 'exp(x)';
    case 'log': return 'select(log(x), select(nanf(), -inff(), x == 0.0), x <= 0.0)';
    case 'sqrt': return 'select(sqrt(x), nanf(), x < 0.0)';
    case 'rsqrt': return 'select(select(1.0 / sqrt(x), inff(), x == 0.0), nanf(), x < 0.0)';
    case 'abs': return 'abs(x)';
    case 'sign': return 'select(select(select(x, 0.0, x == 0.0), -1.0, x < 0.0), 1.0, x > 0.0)';
    case 'square': return 'x * x';
    case 'reciprocal': return '1.0 / x';
    case 'sigmoid': return 'sigmoid_(x)';
    case 'tanh': return 'tanh_(x)';
    case 'relu': return 'select(select(0.0, x, x > 0.0), x, isnan_(x))';
    case 'softplus': return 'select(log1p_(exp(x)), x + log1p_(exp(-x)), x > 0.0)';
    case 'step': return 'select(select(0.0, 1.0, x > 0.0), x, isnan_(x))';
    case 'floor': return 'floor(x)';
    case 'ceil': return 'ceil(x)';
    case 'round': return 'round_(x)';
    case 'sin': return 'sin(x)';
    case 'cos': return 'cos(x)';
    case 'logicalNot': return 'select(0.0, 1.0, x == 0.0)';
    case 'expm1': return 'expm1_(x)';
    case 'log1p': return 'select(select(log1p_(x), -inff(), x == -1.0), nanf(), x < -1.0)';
    case 'elu': return 'select(pf(1u) * expm1_(x), x, x > 0.0)';
    case 'selu': return `${SELU_SCALE} * select(${SELU_ALPHA} * expm1_(x), x, x > 0.0)`;
  }
}

/** Unary ops computed directly on int32 (the rest go through f32 and back, like the cpu backend's doubles). */
function intUnaryExpr(op: UnaryOp): string | null {
  switch (op) {
    case 'neg': return '-x';
    case 'abs': return 'abs(x)';
    case 'sign': return 'sign(x)';
    case 'square': return 'x * x';
    case 'relu': return 'max(x, 0)';
    case 'step': return 'select(0, 1, x > 0)';
    case 'floor': case 'ceil': case 'round': return 'x';
    case 'logicalNot': return 'select(0, 1, x == 0)';
    default: return null;
  }
}

function binaryExpr(op: BinaryOp, t: 'f32' | 'i32'): string {
  const f = t === 'f32';
  const b01 = (c: string): string => `select(0, 1, ${c})`;
  switch (op) {
    case 'add': return 'a + b';
    case 'sub': return 'a - b';
    case 'mul': return 'a * b';
    case 'div': return f ? 'a / b' : 'select(a / b, 0, b == 0)';
    case 'pow': return f ? 'pow_(a, b)' : 'i32(pow_(f32(a), f32(b)))';
    case 'maximum': return f ? 'select(b, a, a >= b || isnan_(a))' : 'max(a, b)';
    case 'minimum': return f ? 'select(b, a, a <= b || isnan_(a))' : 'min(a, b)';
    case 'mod': return f ? 'fmod_(a, b)' : 'imod_(a, b)';
    case 'eq': return b01('a == b');
    case 'ne': return b01('a != b');
    case 'lt': return b01('a < b');
    case 'le': return b01('a <= b');
    case 'gt': return b01('a > b');
    case 'ge': return b01('a >= b');
    case 'logicalAnd': return f ? b01('a != 0.0 && b != 0.0') : b01('a != 0 && b != 0');
    case 'logicalOr': return f ? b01('(a != 0.0) || (b != 0.0)') : b01('a != 0 || b != 0');
    case 'logicalXor': return f ? b01('(a != 0.0) != (b != 0.0)') : b01('(a != 0) != (b != 0)');
    case 'reluGrad': return f ? 'select(0.0, a, b > 0.0)' : 'select(0, a, b > 0)';
    case 'mulNoNan': return f ? 'select(a * b, 0.0, a == 0.0)' : 'select(a * b, 0, a == 0)';
  }
}

const COMPARES = new Set<BinaryOp>(['eq', 'ne', 'lt', 'le', 'gt', 'ge', 'logicalAnd', 'logicalOr', 'logicalXor']);

/** How an input of `shape` is indexed in an output of `out`: 'f' same shape, 's' one element, 'b' broadcast strides. */
type Mode = 'f' | 's' | 'b';
function mode(shape: Shape, out: Shape): Mode {
  if (sizeOf(shape) === 1) return 's';
  if (shape.length === out.length && shape.every((d, i) => d === out[i])) return 'f';
  return 'b';
}

/** Effective strides of `shape` broadcast into `out` (0 on broadcast axes), padded to out's rank. */
export function bcastStrides(shape: Shape, out: Shape): number[] {
  const st = stridesOf(shape);
  const off = out.length - shape.length;
  return out.map((_, d) => (d < off ? 0 : shape[d - off] === 1 ? 0 : (st[d - off] as number)));
}

/** WGSL: the flat input offset of output element i, with out shape at P[2..2+rank) and strides at P[base..). */
export const BCAST_FN = /* wgsl */ `
fn bidx(i: u32, base: u32) -> u32 {
  let rank = P[1];
  var rem = i;
  var off = 0u;
  for (var k = 0u; k < rank; k++) {
    let d = rank - 1u - k;
    let s = P[2u + d];
    off += (rem % s) * P[base + d];
    rem = rem / s;
  }
  return off;
}
`;

function indexExpr(m: Mode, base: string): string {
  return m === 'f' ? 'i' : m === 's' ? '0u' : `bidx(i, ${base})`;
}

export function fill(gpu: Gpu, shape: Shape, value: number, dtype: DType): Buf {
  const n = sizeOf(shape);
  wgslType(dtype);
  const out = gpu.alloc(n);
  if (n === 0) return out;
  const code = (): string => `
@group(0) @binding(1) var<storage, read_write> O: array<u32>;
@compute @workgroup_size(${WG}) fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gidx(gid, nwg);
  if (i >= P[0]) { return; }
  O[i] = P[1];
}`;
  gpu.run('fill', code, [out], new Params().u32(n).value(value, dtype), Gpu.grid(n));
  return out;
}

export function cast(gpu: Gpu, x: KTensor, dtype: DType): Buf {
  const ti = wgslType(x.dtype);
  const to = wgslType(dtype);
  const n = x.size;
  const out = gpu.alloc(n);
  if (n === 0) return out;
  let expr: string;
  if (dtype === 'bool') expr = ti === 'f32' ? 'select(0, 1, v != 0.0)' : 'select(0, 1, v != 0)';
  else if (to === ti) expr = 'v';
  else if (to === 'i32') expr = 'select(i32(trunc(v)), 0, isnan_(v) || abs(v) == inff())';
  else expr = 'f32(v)';
  const key = `cast:${ti}:${dtype}`;
  const code = (): string => `${MATH}
@group(0) @binding(1) var<storage, read> X: array<${ti}>;
@group(0) @binding(2) var<storage, read_write> O: array<${to}>;
@compute @workgroup_size(${WG}) fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gidx(gid, nwg);
  if (i >= P[0]) { return; }
  let v = X[i];
  O[i] = ${expr};
}`;
  gpu.run(key, code, [buf(x), out], new Params().u32(n), Gpu.grid(n));
  return out;
}

export function unary(gpu: Gpu, op: UnaryOp, x: KTensor, alpha = 1): Buf {
  const t = wgslType(x.dtype);
  const outT = op === 'logicalNot' ? 'i32' : t;
  const n = x.size;
  const out = gpu.alloc(n);
  if (n === 0) return out;
  let body: string;
  if (t === 'f32') body = op === 'logicalNot' ? `O[i] = i32(${unaryExpr(op)});` : `O[i] = ${unaryExpr(op)};`;
  else {
    const ie = intUnaryExpr(op);
    // other ops on integers compute in f32 and store back truncated (the op layer normally casts first)
    body = ie ? `O[i] = ${ie};` : `let xi = x; { let x = f32(xi); let r = ${unaryExpr(op)}; O[i] = select(i32(trunc(r)), 0, isnan_(r)); }`;
  }
  const code = (): string => `${MATH}
@group(0) @binding(1) var<storage, read> X: array<${t}>;
@group(0) @binding(2) var<storage, read_write> O: array<${outT}>;
@compute @workgroup_size(${WG}) fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gidx(gid, nwg);
  if (i >= P[0]) { return; }
  let x = X[i];
  ${body}
}`;
  gpu.run(`unary:${op}:${t}`, code, [buf(x), out], new Params().u32(n).f32(alpha), Gpu.grid(n));
  return out;
}

export function binary(gpu: Gpu, op: BinaryOp, a: KTensor, b: KTensor, outShape: Shape, outDtype: DType): Buf {
  const ta = wgslType(a.dtype);
  const tb = wgslType(b.dtype);
  const to = wgslType(outDtype);
  const n = sizeOf(outShape);
  const out = gpu.alloc(n);
  if (n === 0) return out;
  const ma = mode(a.shape, outShape);
  const mb = mode(b.shape, outShape);
  const r = outShape.length;
  const p = new Params().u32(n, r, ...outShape);
  p.u32(...bcastStrides(a.shape, outShape), ...bcastStrides(b.shape, outShape));
  const expr = binaryExpr(op, ta);
  const conv = COMPARES.has(op) ? '' : ta === to ? '' : to;
  const code = (): string => `${MATH}${BCAST_FN}
@group(0) @binding(1) var<storage, read> A: array<${ta}>;
@group(0) @binding(2) var<storage, read> B: array<${tb}>;
@group(0) @binding(3) var<storage, read_write> O: array<${to}>;
@compute @workgroup_size(${WG}) fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gidx(gid, nwg);
  if (i >= P[0]) { return; }
  let a = A[${indexExpr(ma, '2u + P[1]')}];
  let b = ${ta}(B[${indexExpr(mb, '2u + 2u * P[1]')}]);
  O[i] = ${conv}(${expr});
}`;
  gpu.run(`binary:${op}:${ta}:${tb}:${to}:${ma}${mb}`, code, [buf(a), buf(b), out], p, Gpu.grid(n));
  return out;
}

export function where(gpu: Gpu, cond: KTensor, a: KTensor, b: KTensor, outShape: Shape): Buf {
  wgslType(a.dtype);
  const n = sizeOf(outShape);
  const out = gpu.alloc(n);
  if (n === 0) return out;
  const r = outShape.length;
  const [mc, ma, mb] = [mode(cond.shape, outShape), mode(a.shape, outShape), mode(b.shape, outShape)];
  const p = new Params().u32(n, r, ...outShape, ...bcastStrides(cond.shape, outShape), ...bcastStrides(a.shape, outShape), ...bcastStrides(b.shape, outShape));
  const code = (): string => `${BCAST_FN}
@group(0) @binding(1) var<storage, read> C: array<i32>;
@group(0) @binding(2) var<storage, read> A: array<u32>;
@group(0) @binding(3) var<storage, read> B: array<u32>;
@group(0) @binding(4) var<storage, read_write> O: array<u32>;
@compute @workgroup_size(${WG}) fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gidx(gid, nwg);
  if (i >= P[0]) { return; }
  if (C[${indexExpr(mc, '2u + P[1]')}] != 0) { O[i] = A[${indexExpr(ma, '2u + 2u * P[1]')}]; }
  else { O[i] = B[${indexExpr(mb, '2u + 3u * P[1]')}]; }
}`;
  gpu.run(`where:${mc}${ma}${mb}`, code, [buf(cond), buf(a), buf(b), out], p, Gpu.grid(n));
  return out;
}
