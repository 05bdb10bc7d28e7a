// nabla wasm kernels: reductions, arg-reductions, scans and sorting. See kernels.ts for the conventions.
import { F32, I32, ld, st, imin } from './device';

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
