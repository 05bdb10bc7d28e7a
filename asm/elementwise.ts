// nabla wasm kernels: elementwise (fill, cast, unary, binary, where). See kernels.ts for the conventions.
import { F32, I32, U8, ld, st, shareLo, shareHi } from './device';

// ---------------------------------------------------------------------------------------------
// Fill and cast

export function fill32(p: usize, n: i32, bits: i32): void {
  const v = i32x4.splat(bits);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(p + (<usize>i << 2), v);
  for (; i < n; i++) store<i32>(p + (<usize>i << 2), bits);
}

export function fill8(p: usize, n: i32, v: i32): void {
  memory.fill(p, <u8>v, <usize>n);
}

export function cast(x: usize, dtx: i32, out: usize, dto: i32, n: i32): void {
  for (let i = 0; i < n; i++) {
    const v = ld(x, i, dtx);
    if (dto == U8) store<u8>(out + <usize>i, v != 0 ? 1 : 0);
    else if (dto == I32) st(out, i, I32, Math.trunc(v));
    else st(out, i, dto, v);
  }
}

// ---------------------------------------------------------------------------------------------
// Unary

const SELU_ALPHA: f64 = 1.6732632423543772;
const SELU_SCALE: f64 = 1.0507009873554805;

// Keep in the order of UNARY_OPS in src/backends/wasm/elementwise.ts.
const U_NEG = 0, U_EXP = 1, U_LOG = 2, U_SQRT = 3, U_RSQRT = 4, U_ABS = 5, U_SIGN = 6, U_SQUARE = 7,
  U_RECIP = 8, U_SIGMOID = 9, U_TANH = 10, U_RELU = 11, U_SOFTPLUS = 12, U_STEP = 13, U_FLOOR = 14,
  U_CEIL = 15, U_ROUND = 16, U_SIN = 17, U_COS = 18, U_NOT = 19, U_EXPM1 = 20, U_LOG1P = 21, U_ELU = 22,
  U_SELU = 23;

function unaryScalar(op: i32, x: f64, alpha: f64): f64 {
  switch (op) {
    case U_NEG: return -x;
    case U_EXP: return Math.exp(x);
    case U_LOG: return Math.log(x);
    case U_SQRT: return Math.sqrt(x);
    case U_RSQRT: return 1.0 / Math.sqrt(x);
    case U_ABS: return Math.abs(x);
    case U_SIGN: return x > 0 ? 1.0 : x < 0 ? -1.0 : x == 0 ? 0.0 : NaN;
    case U_SQUARE: return x * x;
    case U_RECIP: return 1.0 / x;
    case U_SIGMOID: return x >= 0 ? 1.0 / (1.0 + Math.exp(-x)) : Math.exp(x) / (1.0 + Math.exp(x));
    case U_TANH: return Math.tanh(x);
    case U_RELU: return x > 0 ? x : x == x ? 0.0 : NaN;
    case U_SOFTPLUS: return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
    case U_STEP: return x > 0 ? 1.0 : x == x ? 0.0 : NaN;
    case U_FLOOR: return Math.floor(x);
    case U_CEIL: return Math.ceil(x);
    case U_ROUND: return nearest<f64>(x);
    case U_SIN: return Math.sin(x);
    case U_COS: return Math.cos(x);
    case U_NOT: return x != 0 ? 0.0 : 1.0;
    case U_EXPM1: return Math.expm1(x);
    case U_LOG1P: return Math.log1p(x);
    case U_ELU: return x > 0 ? x : alpha * Math.expm1(x);
    case U_SELU: return SELU_SCALE * (x > 0 ? x : SELU_ALPHA * Math.expm1(x));
  }
  return NaN;
}

@inline function unaryVec(op: i32, x: v128): v128 {
  const zero = f32x4.splat(0);
  switch (op) {
    case U_NEG: return f32x4.neg(x);
    case U_ABS: return f32x4.abs(x);
    case U_SQUARE: return f32x4.mul(x, x);
    case U_SQRT: return f32x4.sqrt(x);
    case U_RECIP: return f32x4.div(f32x4.splat(1), x);
    case U_RELU: return f32x4.max(x, zero);
    default: {
      // U_STEP: 1 where x > 0, NaN stays NaN, else 0
      const s = v128.bitselect(f32x4.splat(1), zero, f32x4.gt(x, zero));
      return v128.bitselect(x, s, f32x4.ne(x, x));
    }
  }
}

function unaryHasVec(op: i32): bool {
  return op == U_NEG || op == U_ABS || op == U_SQUARE || op == U_SQRT || op == U_RECIP || op == U_RELU || op == U_STEP;
}

@inline function unaryRow(op: i32, x: usize, out: usize, i: i32, hi: i32): i32 {
  for (; i + 4 <= hi; i += 4) {
    const off = <usize>i << 2;
    v128.store(out + off, unaryVec(op, v128.load(x + off)));
  }
  return i;
}

export function unary(op: i32, x: usize, dtx: i32, out: usize, dto: i32, n: i32, alpha: f64, tid: i32, part: i32, parts: i32): void {
  const lo = shareLo(n, 1024, part, parts);
  const hi = shareHi(n, 1024, part, parts);
  let i = lo;
  if (dtx == F32 && dto == F32 && unaryHasVec(op)) {
    // one specialised loop per op (the op is a constant after inlining)
    if (op == U_NEG) i = unaryRow(U_NEG, x, out, i, hi);
    else if (op == U_ABS) i = unaryRow(U_ABS, x, out, i, hi);
    else if (op == U_SQUARE) i = unaryRow(U_SQUARE, x, out, i, hi);
    else if (op == U_SQRT) i = unaryRow(U_SQRT, x, out, i, hi);
    else if (op == U_RECIP) i = unaryRow(U_RECIP, x, out, i, hi);
    else if (op == U_RELU) i = unaryRow(U_RELU, x, out, i, hi);
    else i = unaryRow(U_STEP, x, out, i, hi);
  }
  for (; i < hi; i++) st(out, i, dto, unaryScalar(op, ld(x, i, dtx), alpha));
}

// ---------------------------------------------------------------------------------------------
// Binary, over a 2-D view [outer, inner] of the output. Each operand has a mode:
// 0 = full (index o*inner+i), 1 = scalar, 2 = row (index i), 3 = column (index o).

const B_ADD = 0, B_SUB = 1, B_MUL = 2, B_DIV = 3, B_POW = 4, B_MAX = 5, B_MIN = 6, B_MOD = 7, B_EQ = 8,
  B_NE = 9, B_LT = 10, B_LE = 11, B_GT = 12, B_GE = 13, B_AND = 14, B_OR = 15, B_XOR = 16, B_RELUGRAD = 17,
  B_MULNONAN = 18;

function binaryScalar(op: i32, a: f64, b: f64): f64 {
  switch (op) {
    case B_ADD: return a + b;
    case B_SUB: return a - b;
    case B_MUL: return a * b;
    case B_DIV: return a / b;
    case B_POW: return Math.pow(a, b);
    case B_MAX: return a >= b || a != a ? a : b;
    case B_MIN: return a <= b || a != a ? a : b;
    case B_MOD: {
      const r = a % b;
      return r != 0 && (r < 0) != (b < 0) ? r + b : r;
    }
    case B_EQ: return a == b ? 1 : 0;
    case B_NE: return a != b ? 1 : 0;
    case B_LT: return a < b ? 1 : 0;
    case B_LE: return a <= b ? 1 : 0;
    case B_GT: return a > b ? 1 : 0;
    case B_GE: return a >= b ? 1 : 0;
    case B_AND: return a != 0 && b != 0 ? 1 : 0;
    case B_OR: return a != 0 || b != 0 ? 1 : 0;
    case B_XOR: return (a != 0) != (b != 0) ? 1 : 0;
    case B_RELUGRAD: return b > 0 ? a : 0;
    case B_MULNONAN: return a == 0 ? 0 : a * b;
  }
  return NaN;
}

@inline function binaryVec(op: i32, a: v128, b: v128): v128 {
  switch (op) {
    case B_ADD: return f32x4.add(a, b);
    case B_SUB: return f32x4.sub(a, b);
    case B_MUL: return f32x4.mul(a, b);
    case B_DIV: return f32x4.div(a, b);
    case B_MAX: return f32x4.max(a, b);
    case B_MIN: return f32x4.min(a, b);
    case B_MULNONAN: return v128.and(f32x4.mul(a, b), f32x4.ne(a, f32x4.splat(0)));
    default: return v128.and(a, f32x4.gt(b, f32x4.splat(0))); // B_RELUGRAD
  }
}

function binaryHasVec(op: i32): bool {
  return op == B_ADD || op == B_SUB || op == B_MUL || op == B_DIV || op == B_MAX || op == B_MIN || op == B_RELUGRAD || op == B_MULNONAN;
}

@inline function modeIndex(mode: i32, o: i32, i: i32, inner: i32): i32 {
  return mode == 0 ? o * inner + i : mode == 1 ? 0 : mode == 2 ? i : o;
}

/** The SIMD part of one row [i, i1) of a binary op; returns where the scalar tail starts. */
@inline function binRow(op: i32, pa: usize, sa: v128, streamA: bool, pb: usize, sb: v128, streamB: bool, po: usize, i: i32, i1: i32): i32 {
  if (streamA && streamB) {
    for (; i + 4 <= i1; i += 4) {
      const off = <usize>i << 2;
      v128.store(po + off, binaryVec(op, v128.load(pa + off), v128.load(pb + off)));
    }
  } else if (streamA) {
    for (; i + 4 <= i1; i += 4) {
      const off = <usize>i << 2;
      v128.store(po + off, binaryVec(op, v128.load(pa + off), sb));
    }
  } else if (streamB) {
    for (; i + 4 <= i1; i += 4) {
      const off = <usize>i << 2;
      v128.store(po + off, binaryVec(op, sa, v128.load(pb + off)));
    }
  } else {
    const r = binaryVec(op, sa, sb);
    for (; i + 4 <= i1; i += 4) v128.store(po + (<usize>i << 2), r);
  }
  return i;
}

export function binary(
  op: i32, a: usize, dta: i32, ma: i32, b: usize, dtb: i32, mb: i32, out: usize, dto: i32,
  outer: i32, inner: i32, tid: i32, part: i32, parts: i32,
): void {
  const vec = dta == F32 && dtb == F32 && dto == F32 && binaryHasVec(op);
  // split rows between threads, or the single row's columns
  let o0 = 0, o1 = outer, i0 = 0, i1 = inner;
  if (outer >= parts) {
    o0 = shareLo(outer, 1, part, parts);
    o1 = shareHi(outer, 1, part, parts);
  } else {
    i0 = shareLo(inner, 1024, part, parts);
    i1 = shareHi(inner, 1024, part, parts);
  }
  for (let o = o0; o < o1; o++) {
    let i = i0;
    if (vec) {
      const pa: usize = a + (<usize>(ma == 0 ? o * inner : 0) << 2);
      const pb: usize = b + (<usize>(mb == 0 ? o * inner : 0) << 2);
      const po: usize = out + (<usize>(o * inner) << 2);
      const sa = ma == 1 ? f32x4.splat(load<f32>(a)) : ma == 3 ? f32x4.splat(load<f32>(a + (<usize>o << 2))) : f32x4.splat(0);
      const sb = mb == 1 ? f32x4.splat(load<f32>(b)) : mb == 3 ? f32x4.splat(load<f32>(b + (<usize>o << 2))) : f32x4.splat(0);
      const streamA = ma == 0 || ma == 2;
      const streamB = mb == 0 || mb == 2;
      // one specialised loop per op (the op is a constant after inlining)
      if (op == B_ADD) i = binRow(B_ADD, pa, sa, streamA, pb, sb, streamB, po, i, i1);
      else if (op == B_SUB) i = binRow(B_SUB, pa, sa, streamA, pb, sb, streamB, po, i, i1);
      else if (op == B_MUL) i = binRow(B_MUL, pa, sa, streamA, pb, sb, streamB, po, i, i1);
      else if (op == B_DIV) i = binRow(B_DIV, pa, sa, streamA, pb, sb, streamB, po, i, i1);
      else if (op == B_MAX) i = binRow(B_MAX, pa, sa, streamA, pb, sb, streamB, po, i, i1);
      else if (op == B_MIN) i = binRow(B_MIN, pa, sa, streamA, pb, sb, streamB, po, i, i1);
      else if (op == B_MULNONAN) i = binRow(B_MULNONAN, pa, sa, streamA, pb, sb, streamB, po, i, i1);
      else i = binRow(B_RELUGRAD, pa, sa, streamA, pb, sb, streamB, po, i, i1);
    }
    for (; i < i1; i++) {
      const va = ld(a, modeIndex(ma, o, i, inner), dta);
      const vb = ld(b, modeIndex(mb, o, i, inner), dtb);
      st(out, o * inner + i, dto, binaryScalar(op, va, vb));
    }
  }
}

/** where(cond, a, b) on same-size operands (broadcasts are materialised first); 4- or 1-byte elements. */
export function where(c: usize, a: usize, b: usize, out: usize, n: i32, esize: i32): void {
  if (esize == 4) {
    for (let i = 0; i < n; i++) {
      const off = <usize>i << 2;
      store<i32>(out + off, load<u8>(c + <usize>i) != 0 ? load<i32>(a + off) : load<i32>(b + off));
    }
  } else {
    for (let i = 0; i < n; i++) {
      store<u8>(out + <usize>i, load<u8>(c + <usize>i) != 0 ? load<u8>(a + <usize>i) : load<u8>(b + <usize>i));
    }
  }
}
