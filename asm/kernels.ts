// nabla wasm kernels (AssemblyScript). Compiled by scripts/build-wasm.mjs into dist/wasm/*.wasm.
//
// Conventions: every pointer is a byte address in the one (shared) linear memory that the
// TypeScript side manages (src/backends/wasm/); kernels never allocate. Element codes:
// 0 = float32, 1 = int32, 2 = bool (u8). Kernels that can run on several threads take
// (tid, part, parts) last: they compute part `part` of `parts` equal parts of the work, using the
// scratch of thread `tid`. Parts are handed out dynamically (src/backends/wasm/threads.ts) and
// every output element is computed the same way whatever the split, so results are identical
// for every thread count.

// ---------------------------------------------------------------------------------------------
// Helpers

const F32: i32 = 0;
const I32: i32 = 1;
const U8: i32 = 2;

export function heapBase(): usize {
  return __heap_base;
}

@inline function ld(p: usize, i: i32, dt: i32): f64 {
  if (dt == F32) return <f64>load<f32>(p + (<usize>i << 2));
  if (dt == I32) return <f64>load<i32>(p + (<usize>i << 2));
  return <f64>load<u8>(p + <usize>i);
}

/** JavaScript's ToInt32 (what storing into an Int32Array does). */
function toI32(v: f64): i32 {
  if (!isFinite(v)) return 0;
  const t = Math.trunc(v);
  if (t >= -2147483648.0 && t <= 2147483647.0) return <i32>t;
  const m = t - 4294967296.0 * Math.floor(t / 4294967296.0);
  return <i32>(<i64>m);
}

@inline function st(p: usize, i: i32, dt: i32, v: f64): void {
  if (dt == F32) store<f32>(p + (<usize>i << 2), <f32>v);
  else if (dt == I32) store<i32>(p + (<usize>i << 2), toI32(v));
  else store<u8>(p + <usize>i, <u8>toI32(v));
}

@inline function madd(acc: v128, a: v128, b: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, acc);
  return f32x4.add(acc, f32x4.mul(a, b));
}

@inline function imin(a: i32, b: i32): i32 {
  return a < b ? a : b;
}

/** The [lo, hi) range of part `tid` of `nth` parts of `n` items, in units of `unit`. */
@inline function shareLo(n: i32, unit: i32, tid: i32, nth: i32): i32 {
  const units = (n + unit - 1) / unit;
  const per = (units + nth - 1) / nth;
  return imin(n, tid * per * unit);
}
@inline function shareHi(n: i32, unit: i32, tid: i32, nth: i32): i32 {
  const units = (n + unit - 1) / unit;
  const per = (units + nth - 1) / nth;
  return imin(n, (tid + 1) * per * unit);
}

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

// Keep in the order of UNARY_OPS in src/backends/wasm/index.ts.
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

// ---------------------------------------------------------------------------------------------
// Reductions over a 3-D view [outer, red, inner]. `acc` is scratch of inner f64s.

const R_SUM = 0, R_MAX = 1, R_MIN = 2, R_PROD = 3;

export function reduce(op: i32, x: usize, dt: i32, out: usize, outer: i32, red: i32, inner: i32, acc: usize): void {
  if (op == R_SUM && dt == F32) {
    if (inner == 1) {
      for (let o = 0; o < outer; o++) {
        const p = x + (<usize>(o * red) << 2);
        let s0 = f64x2.splat(0), s1 = f64x2.splat(0);
        let j = 0;
        for (; j + 4 <= red; j += 4) {
          const v = v128.load(p + (<usize>j << 2));
          s0 = f64x2.add(s0, f64x2.promote_low_f32x4(v));
          s1 = f64x2.add(s1, f64x2.promote_low_f32x4(v128.swizzle(v, i8x16(8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7))));
        }
        const s = f64x2.add(s0, s1);
        let t = f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1);
        for (; j < red; j++) t += <f64>load<f32>(p + (<usize>j << 2));
        store<f32>(out + (<usize>o << 2), <f32>t);
      }
      return;
    }
    for (let o = 0; o < outer; o++) {
      memory.fill(acc, 0, <usize>inner << 3);
      for (let r = 0; r < red; r++) {
        const p = x + (<usize>((o * red + r) * inner) << 2);
        let j = 0;
        for (; j + 4 <= inner; j += 4) {
          const v = v128.load(p + (<usize>j << 2));
          const q = acc + (<usize>j << 3);
          v128.store(q, f64x2.add(v128.load(q), f64x2.promote_low_f32x4(v)));
          v128.store(q + 16, f64x2.add(v128.load(q + 16), f64x2.promote_low_f32x4(v128.swizzle(v, i8x16(8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7)))));
        }
        for (; j < inner; j++) {
          const q = acc + (<usize>j << 3);
          store<f64>(q, load<f64>(q) + <f64>load<f32>(p + (<usize>j << 2)));
        }
      }
      for (let j = 0; j < inner; j++) store<f32>(out + (<usize>(o * inner + j) << 2), <f32>load<f64>(acc + (<usize>j << 3)));
    }
    return;
  }
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      let a: f64 = op == R_SUM ? 0 : op == R_PROD ? 1 : op == R_MAX ? -Infinity : Infinity;
      for (let r = 0; r < red; r++) {
        const v = ld(x, (o * red + r) * inner + j, dt);
        if (op == R_SUM) a += v;
        else if (op == R_PROD) a *= v;
        else if (op == R_MAX) a = v > a || v != v ? v : a;
        else a = v < a || v != v ? v : a;
        if (a != a && (op == R_MAX || op == R_MIN)) break;
      }
      st(out, o * inner + j, dt, a);
    }
  }
}

export function argReduce(isMax: i32, x: usize, dt: i32, out: usize, outer: i32, red: i32, inner: i32): void {
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      const base = o * red * inner + j;
      let best = 0;
      let bv = ld(x, base, dt);
      for (let r = 1; r < red; r++) {
        const v = ld(x, base + r * inner, dt);
        if (bv != bv) break;
        if (isMax ? v > bv || v != v : v < bv || v != v) {
          bv = v;
          best = r;
        }
      }
      store<i32>(out + (<usize>(o * inner + j) << 2), best);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Strided copy: iterates `shape` (rank dims, i32s at `shapeP`), reading src at element strides
// `sstrP` and writing dst at element strides `dstrP`. Elements of `es` bytes (4 or 1).

export function copyStrided(dst: usize, src: usize, es: i32, rank: i32, shapeP: usize, dstrP: usize, sstrP: usize): void {
  if (rank == 0) {
    if (es == 4) store<i32>(dst, load<i32>(src));
    else store<u8>(dst, load<u8>(src));
    return;
  }
  // innermost dim as a tight loop, outer dims by odometer (coord in a small local array)
  const last = rank - 1;
  const n0 = load<i32>(shapeP + (<usize>last << 2));
  const ds0 = load<i32>(dstrP + (<usize>last << 2));
  const ss0 = load<i32>(sstrP + (<usize>last << 2));
  let outerN = 1;
  for (let d = 0; d < last; d++) outerN *= load<i32>(shapeP + (<usize>d << 2));
  if (outerN == 0 || n0 == 0) return;
  const cp = sstrP + (<usize>rank << 2); // odometer: the caller reserves rank i32s after the src strides
  for (let d = 0; d < last; d++) store<i32>(cp + (<usize>d << 2), 0);
  let doff = 0, soff = 0;
  for (let o = 0; o < outerN; o++) {
    if (es == 4) {
      if (ds0 == 1 && ss0 == 1) memory.copy(dst + (<usize>doff << 2), src + (<usize>soff << 2), <usize>n0 << 2);
      else for (let i = 0; i < n0; i++) store<i32>(dst + (<usize>(doff + i * ds0) << 2), load<i32>(src + (<usize>(soff + i * ss0) << 2)));
    } else {
      for (let i = 0; i < n0; i++) store<u8>(dst + <usize>(doff + i * ds0), load<u8>(src + <usize>(soff + i * ss0)));
    }
    for (let d = last - 1; d >= 0; d--) {
      const q = cp + (<usize>d << 2);
      const c = load<i32>(q) + 1;
      const dd = load<i32>(dstrP + (<usize>d << 2));
      const sd = load<i32>(sstrP + (<usize>d << 2));
      doff += dd;
      soff += sd;
      if (c < load<i32>(shapeP + (<usize>d << 2))) {
        store<i32>(q, c);
        break;
      }
      doff -= dd * c;
      soff -= sd * c;
      store<i32>(q, 0);
    }
  }
}

/** 2-D transpose of 4-byte elements: out[j, i] = x[i, j] for x [rows, cols], in cache tiles. */
export function transpose2d(x: usize, out: usize, rows: i32, cols: i32): void {
  const T = 32;
  for (let i0 = 0; i0 < rows; i0 += T) {
    const i1 = imin(rows, i0 + T);
    for (let j0 = 0; j0 < cols; j0 += T) {
      const j1 = imin(cols, j0 + T);
      for (let i = i0; i < i1; i++) {
        for (let j = j0; j < j1; j++) store<i32>(out + (<usize>(j * rows + i) << 2), load<i32>(x + (<usize>(i * cols + j) << 2)));
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Indexing

/** out[o, j, :] = x[o, idx[j], :] with `innerBytes` per slice. Indices already checked. */
export function gather(x: usize, idx: usize, out: usize, outer: i32, dim: i32, nidx: i32, innerBytes: i32): void {
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < nidx; j++) {
      const k = load<i32>(idx + (<usize>j << 2));
      memory.copy(out + <usize>((o * nidx + j) * innerBytes), x + <usize>((o * dim + k) * innerBytes), <usize>innerBytes);
    }
  }
}

/** out (zeroed by the caller) [o, idx[j], :] += upd[o, j, :]; f32 or i32. */
export function scatterAdd(upd: usize, idx: usize, out: usize, dt: i32, outer: i32, dim: i32, nidx: i32, inner: i32): void {
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < nidx; j++) {
      const k = load<i32>(idx + (<usize>j << 2));
      const dp = out + (<usize>((o * dim + k) * inner) << 2);
      const sp = upd + (<usize>((o * nidx + j) * inner) << 2);
      if (dt == F32) for (let i = 0; i < inner; i++) store<f32>(dp + (<usize>i << 2), load<f32>(dp + (<usize>i << 2)) + load<f32>(sp + (<usize>i << 2)));
      else for (let i = 0; i < inner; i++) store<i32>(dp + (<usize>i << 2), load<i32>(dp + (<usize>i << 2)) + load<i32>(sp + (<usize>i << 2)));
    }
  }
}

/** out (filled with offValue by the caller) [i, idx[i]] = onValue. */
export function oneHot(idx: usize, out: usize, dt: i32, n: i32, depth: i32, on: f64): void {
  for (let i = 0; i < n; i++) {
    const v = load<i32>(idx + (<usize>i << 2));
    if (v >= 0 && v < depth) st(out, i * depth + v, dt, on);
  }
}

// ---------------------------------------------------------------------------------------------
// GEMM: C[M,N] (=|+=) A[M,K] B[K,N], A(i,k) at A[i*rsA + k*csA], B(k,j) at B[k*rsB + j*csB],
// C row-major with leading dimension ldc. Packed panels feed a 4x8 register-blocked micro-kernel.

const MR = 6;
const NR = 8;
const KC = 256;
const MC = 120;
const NC = 1024;
/** Bytes of per-thread GEMM scratch: packed A block, packed B block, an edge tile. */
export const GEMM_SCRATCH: i32 = (MC * KC + KC * NC + MR * NR) * 4;

function packA(mc: i32, kc: i32, a: usize, rsA: i32, csA: i32, ap: usize): void {
  for (let ir = 0; ir < mc; ir += MR) {
    const mr = imin(MR, mc - ir);
    const dst = ap + (<usize>(ir * kc) << 2);
    if (mr == MR && csA == 1) {
      for (let i = 0; i < MR; i++) {
        const r = a + (<usize>((ir + i) * rsA) << 2);
        const d = dst + (<usize>i << 2);
        for (let k = 0; k < kc; k++) store<f32>(d + (<usize>(k * MR) << 2), load<f32>(r + (<usize>k << 2)));
      }
    } else {
      for (let k = 0; k < kc; k++) {
        for (let i = 0; i < MR; i++) {
          const v: f32 = i < mr ? load<f32>(a + (<usize>((ir + i) * rsA + k * csA) << 2)) : 0;
          store<f32>(dst + (<usize>(k * MR + i) << 2), v);
        }
      }
    }
  }
}

/** Writes the 4x4 transpose of columns (a, b, c, d) as 4 rows of 4 f32s, rows 32 bytes apart. */
@inline function transpose4(a: v128, b: v128, c: v128, d: v128, dst: usize): void {
  const t0 = v128.shuffle<i32>(a, b, 0, 4, 1, 5);
  const t1 = v128.shuffle<i32>(c, d, 0, 4, 1, 5);
  const t2 = v128.shuffle<i32>(a, b, 2, 6, 3, 7);
  const t3 = v128.shuffle<i32>(c, d, 2, 6, 3, 7);
  v128.store(dst, v128.shuffle<i64>(t0, t1, 0, 2));
  v128.store(dst, v128.shuffle<i64>(t0, t1, 1, 3), 32);
  v128.store(dst, v128.shuffle<i64>(t2, t3, 0, 2), 64);
  v128.store(dst, v128.shuffle<i64>(t2, t3, 1, 3), 96);
}

function packB(kc: i32, nc: i32, b: usize, rsB: i32, csB: i32, bp: usize): void {
  for (let jr = 0; jr < nc; jr += NR) {
    const nr = imin(NR, nc - jr);
    const dst = bp + (<usize>(jr * kc) << 2);
    if (nr == NR && csB == 1) {
      for (let k = 0; k < kc; k++) {
        const s = b + (<usize>(k * rsB + jr) << 2);
        const d = dst + (<usize>(k * NR) << 2);
        v128.store(d, v128.load(s));
        v128.store(d, v128.load(s, 16), 16);
      }
    } else if (nr == NR && rsB == 1) {
      // columns are contiguous in k: load 4 k's of each of the 8 columns, transpose 4x4 blocks
      const cs = <usize>csB << 2;
      const c0 = b + (<usize>(jr * csB) << 2);
      let k = 0;
      for (; k + 4 <= kc; k += 4) {
        const o = <usize>k << 2;
        const d = dst + (<usize>(k * NR) << 2);
        transpose4(v128.load(c0 + o), v128.load(c0 + cs + o), v128.load(c0 + 2 * cs + o), v128.load(c0 + 3 * cs + o), d);
        transpose4(v128.load(c0 + 4 * cs + o), v128.load(c0 + 5 * cs + o), v128.load(c0 + 6 * cs + o), v128.load(c0 + 7 * cs + o), d + 16);
      }
      for (; k < kc; k++) {
        for (let j = 0; j < NR; j++) store<f32>(dst + (<usize>(k * NR + j) << 2), load<f32>(c0 + <usize>j * cs + (<usize>k << 2)));
      }
    } else {
      for (let k = 0; k < kc; k++) {
        for (let j = 0; j < NR; j++) {
          const v: f32 = j < nr ? load<f32>(b + (<usize>(k * rsB + (jr + j) * csB) << 2)) : 0;
          store<f32>(dst + (<usize>(k * NR + j) << 2), v);
        }
      }
    }
  }
}

/**
 * The 6x8 micro-kernel: C[6,8] (=|+=) sum over k of A(i,k) B(k,0..8). A(i,k) is read at
 * a + i*ars + k*aks (bytes; packed panels: ars = 4, aks = 24), B's 8 values at b + k*bks.
 */
function micro(kc: i32, a: usize, ars: usize, aks: usize, b: usize, bks: usize, c: usize, ldc: i32, mr: i32, nr: i32, first: bool, tile: usize): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  let c40 = f32x4.splat(0), c41 = f32x4.splat(0);
  let c50 = f32x4.splat(0), c51 = f32x4.splat(0);
  const a1 = ars, a2 = ars * 2, a3 = ars * 3, a4 = ars * 4, a5 = ars * 5;
  for (let k = 0; k < kc; k++) {
    const b0 = v128.load(b);
    const b1 = v128.load(b, 16);
    let av = v128.load32_splat(a);
    c00 = madd(c00, av, b0);
    c01 = madd(c01, av, b1);
    av = v128.load32_splat(a + a1);
    c10 = madd(c10, av, b0);
    c11 = madd(c11, av, b1);
    av = v128.load32_splat(a + a2);
    c20 = madd(c20, av, b0);
    c21 = madd(c21, av, b1);
    av = v128.load32_splat(a + a3);
    c30 = madd(c30, av, b0);
    c31 = madd(c31, av, b1);
    av = v128.load32_splat(a + a4);
    c40 = madd(c40, av, b0);
    c41 = madd(c41, av, b1);
    av = v128.load32_splat(a + a5);
    c50 = madd(c50, av, b0);
    c51 = madd(c51, av, b1);
    a += aks;
    b += bks;
  }
  if (mr == MR && nr == NR) {
    const s = <usize>ldc << 2;
    const r0 = c, r1 = c + s, r2 = r1 + s, r3 = r2 + s, r4 = r3 + s, r5 = r4 + s;
    if (!first) {
      c00 = f32x4.add(c00, v128.load(r0)); c01 = f32x4.add(c01, v128.load(r0, 16));
      c10 = f32x4.add(c10, v128.load(r1)); c11 = f32x4.add(c11, v128.load(r1, 16));
      c20 = f32x4.add(c20, v128.load(r2)); c21 = f32x4.add(c21, v128.load(r2, 16));
      c30 = f32x4.add(c30, v128.load(r3)); c31 = f32x4.add(c31, v128.load(r3, 16));
      c40 = f32x4.add(c40, v128.load(r4)); c41 = f32x4.add(c41, v128.load(r4, 16));
      c50 = f32x4.add(c50, v128.load(r5)); c51 = f32x4.add(c51, v128.load(r5, 16));
    }
    v128.store(r0, c00); v128.store(r0, c01, 16);
    v128.store(r1, c10); v128.store(r1, c11, 16);
    v128.store(r2, c20); v128.store(r2, c21, 16);
    v128.store(r3, c30); v128.store(r3, c31, 16);
    v128.store(r4, c40); v128.store(r4, c41, 16);
    v128.store(r5, c50); v128.store(r5, c51, 16);
    return;
  }
  v128.store(tile, c00); v128.store(tile, c01, 16);
  v128.store(tile, c10, 32); v128.store(tile, c11, 48);
  v128.store(tile, c20, 64); v128.store(tile, c21, 80);
  v128.store(tile, c30, 96); v128.store(tile, c31, 112);
  v128.store(tile, c40, 128); v128.store(tile, c41, 144);
  v128.store(tile, c50, 160); v128.store(tile, c51, 176);
  for (let i = 0; i < mr; i++) {
    for (let j = 0; j < nr; j++) {
      const p = c + (<usize>(i * ldc + j) << 2);
      const v = load<f32>(tile + (<usize>(i * NR + j) << 2));
      store<f32>(p, first ? v : load<f32>(p) + v);
    }
  }
}

function gemmBlock(
  m0: i32, m1: i32, n0: i32, n1: i32, K: i32, A: usize, rsA: i32, csA: i32, B: usize, rsB: i32, csB: i32,
  C: usize, ldc: i32, accumulate: bool, scratch: usize,
): void {
  if (m0 >= m1 || n0 >= n1) return;
  const ap = scratch;
  const bp = ap + (<usize>(MC * KC) << 2);
  const tile = bp + (<usize>(KC * NC) << 2);
  if (K == 0) {
    if (!accumulate) for (let i = m0; i < m1; i++) memory.fill(C + (<usize>(i * ldc + n0) << 2), 0, <usize>(n1 - n0) << 2);
    return;
  }
  // Full panels of A and B are read in place when their elements are contiguous along the
  // panel (A: a row or a column; B: a row of 8); only edge panels and strided B are packed.
  // csB == 0: B is already packed in panels of NR columns over all of K (packPanels).
  const prepacked = csB == 0;
  const directA = csA == 1 || rsA == 1;
  const directB = csB == 1;
  for (let jc = n0; jc < n1; jc += NC) {
    const nc = imin(NC, n1 - jc);
    const ncFull = directB ? nc - nc % NR : 0;
    for (let pc = 0; pc < K; pc += KC) {
      const kc = imin(KC, K - pc);
      if (!prepacked && ncFull < nc) packB(kc, nc - ncFull, B + (<usize>(pc * rsB + (jc + ncFull) * csB) << 2), rsB, csB, bp + (<usize>(ncFull * kc) << 2));
      const first = pc == 0 && !accumulate;
      for (let ic = m0; ic < m1; ic += MC) {
        const mc = imin(MC, m1 - ic);
        const mcFull = directA ? mc - mc % MR : 0;
        const aBase = A + (<usize>(ic * rsA + pc * csA) << 2);
        if (mcFull < mc) packA(mc - mcFull, kc, aBase + (<usize>(mcFull * rsA) << 2), rsA, csA, ap + (<usize>(mcFull * kc) << 2));
        for (let jr = 0; jr < nc; jr += NR) {
          const nr = imin(NR, nc - jr);
          let bptr: usize, bks: usize;
          if (prepacked) {
            bptr = B + (<usize>((jc + jr) * K + pc * NR) << 2);
            bks = NR * 4;
          } else if (jr < ncFull) {
            bptr = B + (<usize>(pc * rsB + jc + jr) << 2);
            bks = <usize>rsB << 2;
          } else {
            bptr = bp + (<usize>(jr * kc) << 2);
            bks = NR * 4;
          }
          for (let ir = 0; ir < mc; ir += MR) {
            let aptr: usize, ars: usize, aks: usize;
            if (ir < mcFull) {
              aptr = aBase + (<usize>(ir * rsA) << 2);
              ars = <usize>rsA << 2;
              aks = <usize>csA << 2;
            } else {
              aptr = ap + (<usize>(ir * kc) << 2);
              ars = 4;
              aks = MR * 4;
            }
            micro(kc, aptr, ars, aks, bptr, bks, C + (<usize>((ic + ir) * ldc + jc + jr) << 2), ldc, imin(MR, mc - ir), nr, first, tile);
          }
        }
      }
    }
  }
}

/**
 * Packs B [K,N] (element strides rsB, csB) once for many GEMMs with it: panels of NR columns
 * over all of K, zero-padded to a multiple of NR (K·⌈N/NR⌉·NR f32s at `out`); gemm reads it
 * when called with csB = 0.
 */
export function packPanels(K: i32, N: i32, b: usize, rsB: i32, csB: i32, out: usize): void {
  packB(K, N, b, rsB, csB, out);
}

/** Threaded GEMM: the threads split C's rows (or columns when N > M); `scratch` holds nth GEMM_SCRATCH blocks. */
export function gemm(
  M: i32, N: i32, K: i32, A: usize, rsA: i32, csA: i32, B: usize, rsB: i32, csB: i32, C: usize, ldc: i32,
  accumulate: i32, scratch: usize, tid: i32, part: i32, parts: i32,
): void {
  const sc = scratch + <usize>tid * <usize>GEMM_SCRATCH;
  if (M >= N) {
    gemmBlock(shareLo(M, MR, part, parts), shareHi(M, MR, part, parts), 0, N, K, A, rsA, csA, B, rsB, csB, C, ldc, accumulate != 0, sc);
  } else {
    gemmBlock(0, M, shareLo(N, NR, part, parts), shareHi(N, NR, part, parts), K, A, rsA, csA, B, rsB, csB, C, ldc, accumulate != 0, sc);
  }
}

// ---------------------------------------------------------------------------------------------
// Convolution (groups = 1) by im2col + GEMM, threads split the batch. Geometry in an i32 block
// `g`: N C H W O KH KW OH OW sh sw pt pl dh dw, then two flags: the columns are kept per image
// (forward) / were kept by the forward pass (filter gradient); the filter gradient is built transposed.

@inline function gi(g: usize, i: i32): i32 {
  return load<i32>(g + (<usize>i << 2));
}

/** Copies `n` f32s (short runs: plain SIMD moves beat memory.copy's call). */
@inline function copyF32(dst: usize, src: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(dst + (<usize>i << 2), v128.load(src + (<usize>i << 2)));
  for (; i < n; i++) store<f32>(dst + (<usize>i << 2), load<f32>(src + (<usize>i << 2)));
}

/** Zeroes `n` f32s. */
@inline function zeroF32(dst: usize, n: i32): void {
  let i = 0;
  const z = f32x4.splat(0);
  for (; i + 4 <= n; i += 4) v128.store(dst + (<usize>i << 2), z);
  for (; i < n; i++) store<f32>(dst + (<usize>i << 2), 0);
}

/** cols[(c*KH+kh)*KW+kw][oh*OW+ow] = x[c, oh*sh-pt+kh*dh, ow*sw-pl+kw*dw] (0 outside). */
function im2col(x: usize, cols: usize, g: usize): void {
  const C = gi(g, 1), H = gi(g, 2), W = gi(g, 3), KH = gi(g, 5), KW = gi(g, 6), OH = gi(g, 7), OW = gi(g, 8);
  const sh = gi(g, 9), sw = gi(g, 10), pt = gi(g, 11), pl = gi(g, 12), dh = gi(g, 13), dw = gi(g, 14);
  const P = OH * OW;
  for (let c = 0; c < C; c++) {
    for (let kh = 0; kh < KH; kh++) {
      for (let kw = 0; kw < KW; kw++) {
        const row = cols + (<usize>(((c * KH + kh) * KW + kw) * P) << 2);
        for (let oh = 0; oh < OH; oh++) {
          const ih = oh * sh - pt + kh * dh;
          const dst = row + (<usize>(oh * OW) << 2);
          if (ih < 0 || ih >= H) {
            zeroF32(dst, OW);
            continue;
          }
          const src = x + (<usize>((c * H + ih) * W) << 2);
          const iw0 = kw * dw - pl;
          if (sw == 1) {
            // contiguous run: ow valid where 0 <= ow + iw0 < W
            let lo = -iw0; if (lo < 0) lo = 0; if (lo > OW) lo = OW;
            let hi = W - iw0; if (hi > OW) hi = OW; if (hi < lo) hi = lo;
            if (lo > 0) zeroF32(dst, lo);
            if (hi > lo) copyF32(dst + (<usize>lo << 2), src + (<usize>(lo + iw0) << 2), hi - lo);
            if (hi < OW) zeroF32(dst + (<usize>hi << 2), OW - hi);
          } else {
            for (let ow = 0; ow < OW; ow++) {
              const iw = ow * sw + iw0;
              store<f32>(dst + (<usize>ow << 2), iw >= 0 && iw < W ? load<f32>(src + (<usize>iw << 2)) : 0);
            }
          }
        }
      }
    }
  }
}

/** dx[c, ih, iw] += dcols[...] (the adjoint of im2col); dx zeroed first. */
function col2im(dcols: usize, dx: usize, g: usize): void {
  const C = gi(g, 1), H = gi(g, 2), W = gi(g, 3), KH = gi(g, 5), KW = gi(g, 6), OH = gi(g, 7), OW = gi(g, 8);
  const sh = gi(g, 9), sw = gi(g, 10), pt = gi(g, 11), pl = gi(g, 12), dh = gi(g, 13), dw = gi(g, 14);
  const P = OH * OW;
  memory.fill(dx, 0, <usize>(C * H * W) << 2);
  for (let c = 0; c < C; c++) {
    for (let kh = 0; kh < KH; kh++) {
      for (let kw = 0; kw < KW; kw++) {
        const row = dcols + (<usize>(((c * KH + kh) * KW + kw) * P) << 2);
        for (let oh = 0; oh < OH; oh++) {
          const ih = oh * sh - pt + kh * dh;
          if (ih < 0 || ih >= H) continue;
          const src = row + (<usize>(oh * OW) << 2);
          const dst = dx + (<usize>((c * H + ih) * W) << 2);
          const iw0 = kw * dw - pl;
          if (sw == 1) {
            let lo = -iw0; if (lo < 0) lo = 0; if (lo > OW) lo = OW;
            let hi = W - iw0; if (hi > OW) hi = OW; if (hi < lo) hi = lo;
            const d = dst + (<usize>iw0 << 2);
            let ow = lo;
            for (; ow + 4 <= hi; ow += 4) {
              const q = d + (<usize>ow << 2);
              v128.store(q, f32x4.add(v128.load(q), v128.load(src + (<usize>ow << 2))));
            }
            for (; ow < hi; ow++) {
              const q = d + (<usize>ow << 2);
              store<f32>(q, load<f32>(q) + load<f32>(src + (<usize>ow << 2)));
            }
            continue;
          }
          for (let ow = 0; ow < OW; ow++) {
            const iw = ow * sw + iw0;
            if (iw >= 0 && iw < W) {
              const q = dst + (<usize>iw << 2);
              store<f32>(q, load<f32>(q) + load<f32>(src + (<usize>ow << 2)));
            }
          }
        }
      }
    }
  }
}

/** y[n] = W[O, K] . cols(x[n]); `cols` holds nth blocks of colsBytes, `scratch` nth GEMM blocks. */
export function conv2d(x: usize, w: usize, y: usize, g: usize, cols: usize, colsBytes: i32, scratch: usize, tid: i32, part: i32, parts: i32): void {
  const N = gi(g, 0), C = gi(g, 1), H = gi(g, 2), W = gi(g, 3), O = gi(g, 4), KH = gi(g, 5), KW = gi(g, 6);
  const P = gi(g, 7) * gi(g, 8);
  const K = C * KH * KW;
  const perImage = gi(g, 15) != 0; // keep every image's columns (for the filter gradient)
  const sc = scratch + <usize>tid * <usize>GEMM_SCRATCH;
  const n0 = shareLo(N, 1, part, parts), n1 = shareHi(N, 1, part, parts);
  for (let n = n0; n < n1; n++) {
    const cp = cols + <usize>(perImage ? n : tid) * <usize>colsBytes;
    im2col(x + (<usize>(n * C * H * W) << 2), cp, g);
    gemmBlock(0, O, 0, P, K, w, K, 1, cp, P, 1, y + (<usize>(n * O * P) << 2), P, false, sc);
  }
}

/** dx[n] = col2im(W^T . dy[n]). */
export function conv2dBackpropInput(dy: usize, w: usize, dx: usize, g: usize, cols: usize, colsBytes: i32, scratch: usize, tid: i32, part: i32, parts: i32): void {
  const N = gi(g, 0), C = gi(g, 1), H = gi(g, 2), W = gi(g, 3), O = gi(g, 4), KH = gi(g, 5), KW = gi(g, 6);
  const P = gi(g, 7) * gi(g, 8);
  const K = C * KH * KW;
  const cp = cols + <usize>tid * <usize>colsBytes;
  const sc = scratch + <usize>tid * <usize>GEMM_SCRATCH;
  const n0 = shareLo(N, 1, part, parts), n1 = shareHi(N, 1, part, parts);
  for (let n = n0; n < n1; n++) {
    gemmBlock(0, K, 0, P, O, w, 1, K, dy + (<usize>(n * O * P) << 2), P, 1, cp, P, false, sc);
    col2im(cp, dx + (<usize>(n * C * H * W) << 2), g);
  }
}

/** Chunk size (images) of the filter-gradient partial sums: fixed, so results do not depend on the thread count. */
export const FILTER_CHUNK: i32 = 8;

/** partial[chunk] = sum over the chunk's images of dy[n] . cols(x[n])^T; chunks are dealt round-robin to threads. */
export function conv2dBackpropFilter(x: usize, dy: usize, partials: usize, g: usize, cols: usize, colsBytes: i32, scratch: usize, tid: i32, part: i32, parts: i32): void {
  const N = gi(g, 0), C = gi(g, 1), H = gi(g, 2), W = gi(g, 3), O = gi(g, 4), KH = gi(g, 5), KW = gi(g, 6);
  const P = gi(g, 7) * gi(g, 8);
  const K = C * KH * KW;
  const stored = gi(g, 15) != 0; // every image's columns are already in `cols` (from the forward pass)
  const transposed = gi(g, 16) != 0; // partials are [K, O] (the caller transposes the sum)
  const sc = scratch + <usize>tid * <usize>GEMM_SCRATCH;
  const chunks = (N + FILTER_CHUNK - 1) / FILTER_CHUNK;
  for (let ch = part; ch < chunks; ch += parts) {
    const part = partials + (<usize>(ch * O * K) << 2);
    const e = imin(N, (ch + 1) * FILTER_CHUNK);
    for (let n = ch * FILTER_CHUNK; n < e; n++) {
      const cp = cols + <usize>(stored ? n : tid) * <usize>colsBytes;
      if (!stored) im2col(x + (<usize>(n * C * H * W) << 2), cp, g);
      const dyn = dy + (<usize>(n * O * P) << 2);
      const acc = n != ch * FILTER_CHUNK;
      // dW^T [K, O] = cols [K, P] . dy^T when O fills the 8-wide panels (packs O x P, not K x P)
      if (transposed) gemmBlock(0, K, 0, O, P, cp, P, 1, dyn, 1, P, part, O, acc, sc);
      else gemmBlock(0, O, 0, K, P, dyn, P, 1, cp, 1, P, part, K, acc, sc);
    }
  }
}

/** out[i] = sum over parts of partials[p][i], in order. */
export function sumParts(partials: usize, parts: i32, len: i32, out: usize): void {
  memory.copy(out, partials, <usize>len << 2);
  for (let p = 1; p < parts; p++) {
    const src = partials + (<usize>(p * len) << 2);
    let i = 0;
    for (; i + 4 <= len; i += 4) {
      const o = <usize>i << 2;
      v128.store(out + o, f32x4.add(v128.load(out + o), v128.load(src + o)));
    }
    for (; i < len; i++) store<f32>(out + (<usize>i << 2), load<f32>(out + (<usize>i << 2)) + load<f32>(src + (<usize>i << 2)));
  }
}

// ---------------------------------------------------------------------------------------------
// Pooling (f32), threads split the N*C planes. Geometry block `g`: N C H W OH OW kh kw sh sw pt pb pl pr countIncludePad.

export function maxPool2d(x: usize, y: usize, g: usize, tid: i32, part: i32, parts: i32): void {
  const NC = gi(g, 0) * gi(g, 1), H = gi(g, 2), W = gi(g, 3), OH = gi(g, 4), OW = gi(g, 5), KH = gi(g, 6), KW = gi(g, 7);
  const sh = gi(g, 8), sw = gi(g, 9), pt = gi(g, 10), pl = gi(g, 12);
  const p0 = shareLo(NC, 1, part, parts), p1 = shareHi(NC, 1, part, parts);
  if (KH == 2 && KW == 2 && sh == 2 && sw == 2 && pt == 0 && pl == 0 && OH * 2 <= H && OW * 2 <= W) {
    for (let q = p0; q < p1; q++) {
      const xp = x + (<usize>(q * H * W) << 2);
      const yp = y + (<usize>(q * OH * OW) << 2);
      for (let oh = 0; oh < OH; oh++) {
        const r0 = xp + (<usize>(2 * oh * W) << 2);
        const r1 = r0 + (<usize>W << 2);
        const yr = yp + (<usize>(oh * OW) << 2);
        let ow = 0;
        // 4 windows at a time: vertical max, then the max of each horizontal pair (NaN propagates
        // as in the reference, which keeps the first NaN)
        for (; ow + 4 <= OW && 2 * ow + 8 <= W; ow += 4) {
          const o = <usize>(2 * ow) << 2;
          const v0 = f32x4.max(v128.load(r0 + o), v128.load(r1 + o));
          const v1 = f32x4.max(v128.load(r0 + o, 16), v128.load(r1 + o, 16));
          v128.store(yr + (<usize>ow << 2), f32x4.max(v128.shuffle<f32>(v0, v1, 0, 2, 4, 6), v128.shuffle<f32>(v0, v1, 1, 3, 5, 7)));
        }
        for (; ow < OW; ow++) {
          const o = <usize>(2 * ow) << 2;
          const a = load<f32>(r0 + o), b = load<f32>(r0 + o, 4), c = load<f32>(r1 + o), d = load<f32>(r1 + o, 4);
          // the reference's scan: first NaN wins, else the strict maximum
          let m = a;
          if (b > m || b != b) m = m != m ? m : b;
          if (c > m || c != c) m = m != m ? m : c;
          if (d > m || d != d) m = m != m ? m : d;
          store<f32>(yr + (<usize>ow << 2), m);
        }
      }
    }
    return;
  }
  for (let pl_ = p0; pl_ < p1; pl_++) {
    const xp = x + (<usize>(pl_ * H * W) << 2);
    const yp = y + (<usize>(pl_ * OH * OW) << 2);
    for (let oh = 0; oh < OH; oh++) {
      const h0 = oh * sh - pt;
      for (let ow = 0; ow < OW; ow++) {
        const w0 = ow * sw - pl;
        let m: f32 = -Infinity;
        for (let kh = 0; kh < KH; kh++) {
          const ih = h0 + kh;
          if (ih < 0 || ih >= H) continue;
          for (let kw = 0; kw < KW; kw++) {
            const iw = w0 + kw;
            if (iw < 0 || iw >= W) continue;
            const v = load<f32>(xp + (<usize>(ih * W + iw) << 2));
            if (v > m || v != v) m = v;
          }
        }
        store<f32>(yp + (<usize>(oh * OW + ow) << 2), m);
      }
    }
  }
}

export function maxPool2dBackward(dy: usize, x: usize, dx: usize, g: usize, tid: i32, part: i32, parts: i32): void {
  const NC = gi(g, 0) * gi(g, 1), H = gi(g, 2), W = gi(g, 3), OH = gi(g, 4), OW = gi(g, 5), KH = gi(g, 6), KW = gi(g, 7);
  const sh = gi(g, 8), sw = gi(g, 9), pt = gi(g, 10), pl = gi(g, 12);
  const p0 = shareLo(NC, 1, part, parts), p1 = shareHi(NC, 1, part, parts);
  for (let q = p0; q < p1; q++) {
    const xp = x + (<usize>(q * H * W) << 2);
    const dxp = dx + (<usize>(q * H * W) << 2);
    const dyp = dy + (<usize>(q * OH * OW) << 2);
    memory.fill(dxp, 0, <usize>(H * W) << 2);
    if (KH == 2 && KW == 2 && sh == 2 && sw == 2 && pt == 0 && pl == 0 && OH * 2 <= H && OW * 2 <= W) {
      for (let oh = 0; oh < OH; oh++) {
        const i0 = 2 * oh * W;
        let ow = 0;
        const r0 = xp + (<usize>i0 << 2), r1 = r0 + (<usize>W << 2);
        const d0 = dxp + (<usize>i0 << 2), d1 = d0 + (<usize>W << 2);
        // 4 windows at a time; the winner is the first maximum in scan order a, b, c, d
        for (; ow + 4 <= OW && 2 * ow + 8 <= W; ow += 4) {
          const o = <usize>(2 * ow) << 2;
          const x00 = v128.load(r0 + o), x01 = v128.load(r0 + o, 16);
          const x10 = v128.load(r1 + o), x11 = v128.load(r1 + o, 16);
          const a = v128.shuffle<f32>(x00, x01, 0, 2, 4, 6), b = v128.shuffle<f32>(x00, x01, 1, 3, 5, 7);
          const c = v128.shuffle<f32>(x10, x11, 0, 2, 4, 6), d = v128.shuffle<f32>(x10, x11, 1, 3, 5, 7);
          const gb = f32x4.gt(b, a);
          const m2 = v128.bitselect(b, a, gb);
          const gc = f32x4.gt(c, m2);
          const m3 = v128.bitselect(c, m2, gc);
          const wd = f32x4.gt(d, m3);
          const wc = v128.andnot(gc, wd);
          const wb = v128.andnot(v128.andnot(gb, gc), wd);
          const wa = v128.not(v128.or(v128.or(wb, wc), wd));
          const g = v128.load(dyp + (<usize>(oh * OW + ow) << 2));
          const da = v128.and(g, wa), db = v128.and(g, wb), dc = v128.and(g, wc), dd = v128.and(g, wd);
          v128.store(d0 + o, v128.shuffle<f32>(da, db, 0, 4, 1, 5));
          v128.store(d0 + o, v128.shuffle<f32>(da, db, 2, 6, 3, 7), 16);
          v128.store(d1 + o, v128.shuffle<f32>(dc, dd, 0, 4, 1, 5));
          v128.store(d1 + o, v128.shuffle<f32>(dc, dd, 2, 6, 3, 7), 16);
        }
        for (; ow < OW; ow++) {
          // the first maximum in scan order (a NaN input is never chosen unless first)
          let arg = i0 + 2 * ow;
          let m = load<f32>(xp + (<usize>arg << 2));
          let c = arg + 1;
          let v = load<f32>(xp + (<usize>c << 2));
          if (v > m) { m = v; arg = c; }
          c = i0 + 2 * ow + W;
          v = load<f32>(xp + (<usize>c << 2));
          if (v > m) { m = v; arg = c; }
          c = i0 + 2 * ow + W + 1;
          v = load<f32>(xp + (<usize>c << 2));
          if (v > m) { m = v; arg = c; }
          const p = dxp + (<usize>arg << 2);
          store<f32>(p, load<f32>(p) + load<f32>(dyp + (<usize>(oh * OW + ow) << 2)));
        }
      }
      continue;
    }
    for (let oh = 0; oh < OH; oh++) {
      const h0 = oh * sh - pt;
      for (let ow = 0; ow < OW; ow++) {
        const w0 = ow * sw - pl;
        let m: f32 = -Infinity;
        let arg = -1;
        for (let kh = 0; kh < KH; kh++) {
          const ih = h0 + kh;
          if (ih < 0 || ih >= H) continue;
          for (let kw = 0; kw < KW; kw++) {
            const iw = w0 + kw;
            if (iw < 0 || iw >= W) continue;
            const c = ih * W + iw;
            const v = load<f32>(xp + (<usize>c << 2));
            if (v > m || arg < 0) {
              m = v;
              arg = c;
            }
          }
        }
        if (arg >= 0) {
          const p = dxp + (<usize>arg << 2);
          store<f32>(p, load<f32>(p) + load<f32>(dyp + (<usize>(oh * OW + ow) << 2)));
        }
      }
    }
  }
}

@inline function windowCount(g: usize, h0: i32, w0: i32, H: i32, W: i32, KH: i32, KW: i32, inc: bool): i32 {
  let n = 0;
  const pb = gi(g, 11), pr = gi(g, 13);
  for (let kh = 0; kh < KH; kh++) {
    const ih = h0 + kh;
    for (let kw = 0; kw < KW; kw++) {
      const iw = w0 + kw;
      if (inc) {
        if (ih < H + pb && iw < W + pr) n++;
      } else if (ih >= 0 && ih < H && iw >= 0 && iw < W) n++;
    }
  }
  return n;
}

export function avgPool2d(x: usize, y: usize, g: usize, tid: i32, part: i32, parts: i32): void {
  const NC = gi(g, 0) * gi(g, 1), H = gi(g, 2), W = gi(g, 3), OH = gi(g, 4), OW = gi(g, 5), KH = gi(g, 6), KW = gi(g, 7);
  const sh = gi(g, 8), sw = gi(g, 9), pt = gi(g, 10), pl = gi(g, 12);
  const inc = gi(g, 14) != 0;
  const p0 = shareLo(NC, 1, part, parts), p1 = shareHi(NC, 1, part, parts);
  for (let q = p0; q < p1; q++) {
    const xp = x + (<usize>(q * H * W) << 2);
    const yp = y + (<usize>(q * OH * OW) << 2);
    for (let oh = 0; oh < OH; oh++) {
      const h0 = oh * sh - pt;
      for (let ow = 0; ow < OW; ow++) {
        const w0 = ow * sw - pl;
        let s: f64 = 0;
        for (let kh = 0; kh < KH; kh++) {
          const ih = h0 + kh;
          if (ih < 0 || ih >= H) continue;
          for (let kw = 0; kw < KW; kw++) {
            const iw = w0 + kw;
            if (iw < 0 || iw >= W) continue;
            s += <f64>load<f32>(xp + (<usize>(ih * W + iw) << 2));
          }
        }
        const n = windowCount(g, h0, w0, H, W, KH, KW, inc);
        store<f32>(yp + (<usize>(oh * OW + ow) << 2), n > 0 ? <f32>(s / <f64>n) : 0);
      }
    }
  }
}

export function avgPool2dBackward(dy: usize, dx: usize, g: usize, tid: i32, part: i32, parts: i32): void {
  const NC = gi(g, 0) * gi(g, 1), H = gi(g, 2), W = gi(g, 3), OH = gi(g, 4), OW = gi(g, 5), KH = gi(g, 6), KW = gi(g, 7);
  const sh = gi(g, 8), sw = gi(g, 9), pt = gi(g, 10), pl = gi(g, 12);
  const inc = gi(g, 14) != 0;
  const p0 = shareLo(NC, 1, part, parts), p1 = shareHi(NC, 1, part, parts);
  for (let q = p0; q < p1; q++) {
    const dxp = dx + (<usize>(q * H * W) << 2);
    const dyp = dy + (<usize>(q * OH * OW) << 2);
    memory.fill(dxp, 0, <usize>(H * W) << 2);
    for (let oh = 0; oh < OH; oh++) {
      const h0 = oh * sh - pt;
      for (let ow = 0; ow < OW; ow++) {
        const w0 = ow * sw - pl;
        const n = windowCount(g, h0, w0, H, W, KH, KW, inc);
        if (n == 0) continue;
        const gv = <f64>load<f32>(dyp + (<usize>(oh * OW + ow) << 2)) / <f64>n;
        for (let kh = 0; kh < KH; kh++) {
          const ih = h0 + kh;
          if (ih < 0 || ih >= H) continue;
          for (let kw = 0; kw < KW; kw++) {
            const iw = w0 + kw;
            if (iw < 0 || iw >= W) continue;
            const p = dxp + (<usize>(ih * W + iw) << 2);
            store<f32>(p, <f32>(<f64>load<f32>(p) + gv));
          }
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Fused Adam step (float32): every operation rounds like the separate elementwise kernels it
// replaces, so the result is bit-for-bit the composite formula's (no fused multiply-add here).

export function adamStep(
  p: usize, g: usize, m: usize, v: usize, po: usize, mo: usize, vo: usize, n: i32,
  b1: f32, c1: f32, b2: f32, c2: f32, lrT: f32, epsT: f32, l2: f32, decay: f32,
): void {
  const useL2 = l2 != 0;
  const useDecay = decay != 1;
  const vb1 = f32x4.splat(b1), vc1 = f32x4.splat(c1), vb2 = f32x4.splat(b2), vc2 = f32x4.splat(c2);
  const vlr = f32x4.splat(lrT), veps = f32x4.splat(epsT), vl2 = f32x4.splat(l2), vdec = f32x4.splat(decay);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const off = <usize>i << 2;
    const w = v128.load(p + off);
    let gi = v128.load(g + off);
    if (useL2) gi = f32x4.add(gi, f32x4.mul(w, vl2));
    const mi = f32x4.add(f32x4.mul(v128.load(m + off), vb1), f32x4.mul(gi, vc1));
    const vi = f32x4.add(f32x4.mul(v128.load(v + off), vb2), f32x4.mul(f32x4.mul(gi, gi), vc2));
    const base = useDecay ? f32x4.mul(w, vdec) : w;
    v128.store(po + off, f32x4.sub(base, f32x4.mul(f32x4.div(mi, f32x4.add(f32x4.sqrt(vi), veps)), vlr)));
    v128.store(mo + off, mi);
    v128.store(vo + off, vi);
  }
  for (; i < n; i++) {
    const off = <usize>i << 2;
    const w = load<f32>(p + off);
    let gi = load<f32>(g + off);
    if (useL2) gi = gi + w * l2;
    const mi = load<f32>(m + off) * b1 + gi * c1;
    const vi = load<f32>(v + off) * b2 + gi * gi * c2;
    const base = useDecay ? w * decay : w;
    store<f32>(po + off, base - (mi / (Mathf.sqrt(vi) + epsT)) * lrT);
    store<f32>(mo + off, mi);
    store<f32>(vo + off, vi);
  }
}

// ---------------------------------------------------------------------------------------------
// Scans and sorting (cumsum/cumprod, sort/argsort/topk)

/**
 * Running sum (isProd 0) or product (1) along the middle axis of x [outer, dim, inner]; f32
 * accumulates in f64, i32 wraps at every step. `exclusive`: element r holds the result over the
 * elements before r; `reverse`: runs from the end of the axis.
 */
export function cumulative(isProd: i32, x: usize, dt: i32, out: usize, outer: i32, dim: i32, inner: i32, exclusive: i32, reverse: i32): void {
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      if (dt == I32) {
        let acc: i32 = isProd ? 1 : 0;
        for (let r = 0; r < dim; r++) {
          const p = out + (<usize>((o * dim + (reverse ? dim - 1 - r : r)) * inner + j) << 2);
          const v = load<i32>(x + (p - out));
          if (exclusive) store<i32>(p, acc);
          acc = isProd ? acc * v : acc + v;
          if (!exclusive) store<i32>(p, acc);
        }
      } else {
        let acc: f64 = isProd ? 1 : 0;
        for (let r = 0; r < dim; r++) {
          const i = (o * dim + (reverse ? dim - 1 - r : r)) * inner + j;
          const v = ld(x, i, dt);
          if (exclusive) st(out, i, dt, acc);
          acc = isProd ? acc * v : acc + v;
          if (!exclusive) st(out, i, dt, acc);
        }
      }
    }
  }
}

/** Whether u sorts strictly before v (ascending, NaN largest; descending, NaN first). */
@inline function sortsBefore(u: f64, v: f64, desc: i32): bool {
  if (desc) return u > v || (u != u && v == v);
  return u < v || (v != v && u == u);
}

/**
 * The stable sorting permutation (i32) along the middle axis of x [outer, dim, inner], by a
 * bottom-up merge sort. `tmp` holds dim f64s and 2·dim i32s of scratch.
 */
export function argsort(x: usize, dt: i32, out: usize, outer: i32, dim: i32, inner: i32, desc: i32, tmp: usize): void {
  const vals = tmp;
  let a = tmp + (<usize>dim << 3);
  let b = a + (<usize>dim << 2);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      for (let r = 0; r < dim; r++) {
        store<f64>(vals + (<usize>r << 3), ld(x, (o * dim + r) * inner + j, dt));
        store<i32>(a + (<usize>r << 2), r);
      }
      for (let w = 1; w < dim; w <<= 1) {
        for (let lo = 0; lo < dim; lo += w << 1) {
          const mid = imin(lo + w, dim);
          const hi = imin(lo + (w << 1), dim);
          let p = lo, q = mid, k = lo;
          while (p < mid && q < hi) {
            const ip = load<i32>(a + (<usize>p << 2));
            const iq = load<i32>(a + (<usize>q << 2));
            // the right run's element goes first only when it sorts strictly before: stable
            if (sortsBefore(load<f64>(vals + (<usize>iq << 3)), load<f64>(vals + (<usize>ip << 3)), desc)) {
              store<i32>(b + (<usize>k << 2), iq);
              q++;
            } else {
              store<i32>(b + (<usize>k << 2), ip);
              p++;
            }
            k++;
          }
          for (; p < mid; p++, k++) store<i32>(b + (<usize>k << 2), load<i32>(a + (<usize>p << 2)));
          for (; q < hi; q++, k++) store<i32>(b + (<usize>k << 2), load<i32>(a + (<usize>q << 2)));
        }
        const t = a;
        a = b;
        b = t;
      }
      for (let r = 0; r < dim; r++) store<i32>(out + (<usize>((o * dim + r) * inner + j) << 2), load<i32>(a + (<usize>r << 2)));
    }
  }
}

// =============================================================================================
// Recurrent cells (float32): the pointwise gate math of one LSTM / GRU step, forward and
// backward. Rows are [batch]; gates are blocks of H along a row in PyTorch's order (LSTM i, f, g,
// o; GRU r, z, n). exp runs four lanes at a time (a Cephes-style polynomial, about 1 ulp);
// sigmoid(x) = 1/(1 + e^−x), tanh(x) = 1 − 2/(e^2x + 1).

@inline function expv(x0: v128): v128 {
  const x = f32x4.min(f32x4.max(x0, f32x4.splat(-87.33)), f32x4.splat(88.37));
  const fx = f32x4.nearest(f32x4.mul(x, f32x4.splat(1.44269504088896341)));
  let r = f32x4.sub(x, f32x4.mul(fx, f32x4.splat(0.693359375)));
  r = f32x4.add(r, f32x4.mul(fx, f32x4.splat(2.12194440e-4)));
  let y = f32x4.splat(1.9875691500e-4);
  y = f32x4.add(f32x4.mul(y, r), f32x4.splat(1.3981999507e-3));
  y = f32x4.add(f32x4.mul(y, r), f32x4.splat(8.3334519073e-3));
  y = f32x4.add(f32x4.mul(y, r), f32x4.splat(4.1665795894e-2));
  y = f32x4.add(f32x4.mul(y, r), f32x4.splat(1.6666665459e-1));
  y = f32x4.add(f32x4.mul(y, r), f32x4.splat(5.0000001201e-1));
  y = f32x4.add(f32x4.add(f32x4.mul(f32x4.mul(y, r), r), r), f32x4.splat(1));
  const e = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(fx), i32x4.splat(127)), 23);
  // NaN in, NaN out (the clamps above would turn it into a number)
  return v128.bitselect(x0, f32x4.mul(y, e), f32x4.ne(x0, x0));
}

@inline function sigv(x: v128): v128 {
  return f32x4.div(f32x4.splat(1), f32x4.add(f32x4.splat(1), expv(f32x4.neg(x))));
}

@inline function tanhv(x: v128): v128 {
  return f32x4.sub(f32x4.splat(1), f32x4.div(f32x4.splat(2), f32x4.add(expv(f32x4.add(x, x)), f32x4.splat(1))));
}

@inline function sigs(x: f32): f32 {
  return <f32>(x >= 0 ? 1.0 / (1.0 + Math.exp(-<f64>x)) : Math.exp(<f64>x) / (1.0 + Math.exp(<f64>x)));
}

@inline function tanhs(x: f32): f32 {
  return <f32>Math.tanh(<f64>x);
}

@inline function ldf(p: usize, i: i32): f32 {
  return load<f32>(p + (<usize>i << 2));
}
@inline function stf(p: usize, i: i32, v: f32): void {
  store<f32>(p + (<usize>i << 2), v);
}
@inline function ldv(p: usize, i: i32): v128 {
  return v128.load(p + (<usize>i << 2));
}
@inline function stv(p: usize, i: i32, v: v128): void {
  v128.store(p + (<usize>i << 2), v);
}

/** LSTM step: z = gi + gh [B,4H], c [B,H] → h2 = σ(o)·tanh(c2), c2 = σ(f)·c + σ(i)·tanh(g) [B,H], acts = (σ(i), σ(f), tanh(g), σ(o)) [B,4H]. */
export function lstmCell(gi: usize, gh: usize, c: usize, h2: usize, c2: usize, acts: usize, B: i32, H: i32): void {
  for (let b = 0; b < B; b++) {
    const r = b * 4 * H;
    const s = b * H;
    let j = 0;
    for (; j + 4 <= H; j += 4) {
      const i = sigv(f32x4.add(ldv(gi, r + j), ldv(gh, r + j)));
      const f = sigv(f32x4.add(ldv(gi, r + H + j), ldv(gh, r + H + j)));
      const g = tanhv(f32x4.add(ldv(gi, r + 2 * H + j), ldv(gh, r + 2 * H + j)));
      const o = sigv(f32x4.add(ldv(gi, r + 3 * H + j), ldv(gh, r + 3 * H + j)));
      const cn = f32x4.add(f32x4.mul(f, ldv(c, s + j)), f32x4.mul(i, g));
      stv(c2, s + j, cn);
      stv(h2, s + j, f32x4.mul(o, tanhv(cn)));
      stv(acts, r + j, i);
      stv(acts, r + H + j, f);
      stv(acts, r + 2 * H + j, g);
      stv(acts, r + 3 * H + j, o);
    }
    for (; j < H; j++) {
      const i = sigs(ldf(gi, r + j) + ldf(gh, r + j));
      const f = sigs(ldf(gi, r + H + j) + ldf(gh, r + H + j));
      const g = tanhs(ldf(gi, r + 2 * H + j) + ldf(gh, r + 2 * H + j));
      const o = sigs(ldf(gi, r + 3 * H + j) + ldf(gh, r + 3 * H + j));
      const cn = f * ldf(c, s + j) + i * g;
      stf(c2, s + j, cn);
      stf(h2, s + j, o * tanhs(cn));
      stf(acts, r + j, i);
      stf(acts, r + H + j, f);
      stf(acts, r + 2 * H + j, g);
      stf(acts, r + 3 * H + j, o);
    }
  }
}

/** LSTM step backward: acts [B,4H], c (previous) and c2 [B,H], dh2 and dc2 [B,H] → out [B,5H] = (dz [4H], dc [H]) per row. */
export function lstmCellBackward(acts: usize, c: usize, c2: usize, dh: usize, dc: usize, out: usize, B: i32, H: i32): void {
  const one = f32x4.splat(1);
  for (let b = 0; b < B; b++) {
    const r = b * 4 * H;
    const q = b * 5 * H;
    const s = b * H;
    let j = 0;
    for (; j + 4 <= H; j += 4) {
      const i = ldv(acts, r + j), f = ldv(acts, r + H + j), g = ldv(acts, r + 2 * H + j), o = ldv(acts, r + 3 * H + j);
      const tc = tanhv(ldv(c2, s + j));
      const dhv = ldv(dh, s + j);
      const dct = f32x4.add(ldv(dc, s + j), f32x4.mul(f32x4.mul(dhv, o), f32x4.sub(one, f32x4.mul(tc, tc))));
      stv(out, q + j, f32x4.mul(f32x4.mul(dct, g), f32x4.mul(i, f32x4.sub(one, i))));
      stv(out, q + H + j, f32x4.mul(f32x4.mul(dct, ldv(c, s + j)), f32x4.mul(f, f32x4.sub(one, f))));
      stv(out, q + 2 * H + j, f32x4.mul(f32x4.mul(dct, i), f32x4.sub(one, f32x4.mul(g, g))));
      stv(out, q + 3 * H + j, f32x4.mul(f32x4.mul(dhv, tc), f32x4.mul(o, f32x4.sub(one, o))));
      stv(out, q + 4 * H + j, f32x4.mul(dct, f));
    }
    for (; j < H; j++) {
      const i = ldf(acts, r + j), f = ldf(acts, r + H + j), g = ldf(acts, r + 2 * H + j), o = ldf(acts, r + 3 * H + j);
      const tc = tanhs(ldf(c2, s + j));
      const dhv = ldf(dh, s + j);
      const dct = ldf(dc, s + j) + dhv * o * (1 - tc * tc);
      stf(out, q + j, dct * g * (i * (1 - i)));
      stf(out, q + H + j, dct * ldf(c, s + j) * (f * (1 - f)));
      stf(out, q + 2 * H + j, dct * i * (1 - g * g));
      stf(out, q + 3 * H + j, dhv * tc * (o * (1 - o)));
      stf(out, q + 4 * H + j, dct * f);
    }
  }
}

/**
 * LSTM step backward inside a whole-sequence pass: dh = dhA + dhB, dc = dcA + dcB [B,H] (the
 * output's gradient plus the one flowing back from the next step), acts [B,4H], c (previous) and
 * c2 [B,H] → dz [B,4H] and dcOut [B,H], each contiguous (dcOut may alias dcA or dcB).
 */
export function lstmCellBackwardSeq(acts: usize, c: usize, c2: usize, dhA: usize, dhB: usize, dcA: usize, dcB: usize, dz: usize, dcOut: usize, B: i32, H: i32): void {
  const one = f32x4.splat(1);
  for (let b = 0; b < B; b++) {
    const r = b * 4 * H;
    const s = b * H;
    let j = 0;
    for (; j + 4 <= H; j += 4) {
      const i = ldv(acts, r + j), f = ldv(acts, r + H + j), g = ldv(acts, r + 2 * H + j), o = ldv(acts, r + 3 * H + j);
      const tc = tanhv(ldv(c2, s + j));
      const dhv = f32x4.add(ldv(dhA, s + j), ldv(dhB, s + j));
      const dcv = f32x4.add(ldv(dcA, s + j), ldv(dcB, s + j));
      const dct = f32x4.add(dcv, f32x4.mul(f32x4.mul(dhv, o), f32x4.sub(one, f32x4.mul(tc, tc))));
      stv(dz, r + j, f32x4.mul(f32x4.mul(dct, g), f32x4.mul(i, f32x4.sub(one, i))));
      stv(dz, r + H + j, f32x4.mul(f32x4.mul(dct, ldv(c, s + j)), f32x4.mul(f, f32x4.sub(one, f))));
      stv(dz, r + 2 * H + j, f32x4.mul(f32x4.mul(dct, i), f32x4.sub(one, f32x4.mul(g, g))));
      stv(dz, r + 3 * H + j, f32x4.mul(f32x4.mul(dhv, tc), f32x4.mul(o, f32x4.sub(one, o))));
      stv(dcOut, s + j, f32x4.mul(dct, f));
    }
    for (; j < H; j++) {
      const i = ldf(acts, r + j), f = ldf(acts, r + H + j), g = ldf(acts, r + 2 * H + j), o = ldf(acts, r + 3 * H + j);
      const tc = tanhs(ldf(c2, s + j));
      const dhv = ldf(dhA, s + j) + ldf(dhB, s + j);
      const dct = (ldf(dcA, s + j) + ldf(dcB, s + j)) + dhv * o * (1 - tc * tc);
      stf(dz, r + j, dct * g * (i * (1 - i)));
      stf(dz, r + H + j, dct * ldf(c, s + j) * (f * (1 - f)));
      stf(dz, r + 2 * H + j, dct * i * (1 - g * g));
      stf(dz, r + 3 * H + j, dhv * tc * (o * (1 - o)));
      stf(dcOut, s + j, dct * f);
    }
  }
}

/**
 * GRU step: gi [B,3H] = x·W_ihᵀ + b_ih, gh [B,3H] = h·W_hhᵀ, bh [3H] = b_hh, h [B,H] → h2 =
 * (1 − z)·n + z·h [B,H], acts = (r, z, n, gh_n + b_hn) [B,4H], with r = σ(gi_r + gh_r + b_hr),
 * z = σ(gi_z + gh_z + b_hz), n = tanh(gi_n + r·(gh_n + b_hn)).
 */
export function gruCell(gi: usize, gh: usize, bh: usize, h: usize, h2: usize, acts: usize, B: i32, H: i32): void {
  const one = f32x4.splat(1);
  for (let b = 0; b < B; b++) {
    const r3 = b * 3 * H;
    const r4 = b * 4 * H;
    const s = b * H;
    let j = 0;
    for (; j + 4 <= H; j += 4) {
      const r = sigv(f32x4.add(ldv(gi, r3 + j), f32x4.add(ldv(gh, r3 + j), ldv(bh, j))));
      const z = sigv(f32x4.add(ldv(gi, r3 + H + j), f32x4.add(ldv(gh, r3 + H + j), ldv(bh, H + j))));
      const hn = f32x4.add(ldv(gh, r3 + 2 * H + j), ldv(bh, 2 * H + j));
      const n = tanhv(f32x4.add(ldv(gi, r3 + 2 * H + j), f32x4.mul(r, hn)));
      stv(h2, s + j, f32x4.add(f32x4.mul(f32x4.sub(one, z), n), f32x4.mul(z, ldv(h, s + j))));
      stv(acts, r4 + j, r);
      stv(acts, r4 + H + j, z);
      stv(acts, r4 + 2 * H + j, n);
      stv(acts, r4 + 3 * H + j, hn);
    }
    for (; j < H; j++) {
      const r = sigs(ldf(gi, r3 + j) + (ldf(gh, r3 + j) + ldf(bh, j)));
      const z = sigs(ldf(gi, r3 + H + j) + (ldf(gh, r3 + H + j) + ldf(bh, H + j)));
      const hn = ldf(gh, r3 + 2 * H + j) + ldf(bh, 2 * H + j);
      const n = tanhs(ldf(gi, r3 + 2 * H + j) + r * hn);
      stf(h2, s + j, (1 - z) * n + z * ldf(h, s + j));
      stf(acts, r4 + j, r);
      stf(acts, r4 + H + j, z);
      stf(acts, r4 + 2 * H + j, n);
      stf(acts, r4 + 3 * H + j, hn);
    }
  }
}

/** GRU step backward: acts [B,4H], h (previous) [B,H], dh2 [B,H] → out [B,7H] = (dgi [3H], dgh [3H], z·dh2 [H]) per row. */
export function gruCellBackward(acts: usize, h: usize, dh: usize, out: usize, B: i32, H: i32): void {
  const one = f32x4.splat(1);
  for (let b = 0; b < B; b++) {
    const r4 = b * 4 * H;
    const q = b * 7 * H;
    const s = b * H;
    let j = 0;
    for (; j + 4 <= H; j += 4) {
      const r = ldv(acts, r4 + j), z = ldv(acts, r4 + H + j), n = ldv(acts, r4 + 2 * H + j), hn = ldv(acts, r4 + 3 * H + j);
      const d = ldv(dh, s + j);
      const dnp = f32x4.mul(f32x4.mul(d, f32x4.sub(one, z)), f32x4.sub(one, f32x4.mul(n, n)));
      const dzp = f32x4.mul(f32x4.mul(d, f32x4.sub(ldv(h, s + j), n)), f32x4.mul(z, f32x4.sub(one, z)));
      const drp = f32x4.mul(f32x4.mul(dnp, hn), f32x4.mul(r, f32x4.sub(one, r)));
      stv(out, q + j, drp);
      stv(out, q + H + j, dzp);
      stv(out, q + 2 * H + j, dnp);
      stv(out, q + 3 * H + j, drp);
      stv(out, q + 4 * H + j, dzp);
      stv(out, q + 5 * H + j, f32x4.mul(dnp, r));
      stv(out, q + 6 * H + j, f32x4.mul(d, z));
    }
    for (; j < H; j++) {
      const r = ldf(acts, r4 + j), z = ldf(acts, r4 + H + j), n = ldf(acts, r4 + 2 * H + j), hn = ldf(acts, r4 + 3 * H + j);
      const d = ldf(dh, s + j);
      const dnp = d * (1 - z) * (1 - n * n);
      const dzp = d * (ldf(h, s + j) - n) * (z * (1 - z));
      const drp = dnp * hn * (r * (1 - r));
      stf(out, q + j, drp);
      stf(out, q + H + j, dzp);
      stf(out, q + 2 * H + j, dnp);
      stf(out, q + 3 * H + j, drp);
      stf(out, q + 4 * H + j, dzp);
      stf(out, q + 5 * H + j, dnp * r);
      stf(out, q + 6 * H + j, d * z);
    }
  }
}
export { fusedElementwise } from './fused-elementwise';
