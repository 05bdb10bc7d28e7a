// nabla wasm kernels: GEMM (packed panels, register-blocked micro-kernel). See kernels.ts for the conventions.
import { madd, imin, shareLo, shareHi } from './device';

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

/** Writes (first) or adds the top-left mr x nr of an edge tile (rows of tw floats) into C. */
function storeTile(tile: usize, tw: i32, c: usize, ldc: i32, mr: i32, nr: i32, first: bool): void {
  for (let i = 0; i < mr; i++) {
    for (let j = 0; j < nr; j++) {
      const p = c + (<usize>(i * ldc + j) << 2);
      const v = load<f32>(tile + (<usize>(i * tw + j) << 2));
      store<f32>(p, first ? v : load<f32>(p) + v);
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
  storeTile(tile, NR, c, ldc, mr, nr, first);
}

/**
 * The 6x4 micro-kernel for edge panels of at most 4 columns (N = 10 leaves 2): half the work of
 * the 6x8 kernel on the same packed panels (the first 4 of B's 8 values at b + k*bks).
 */
function micro4(kc: i32, a: usize, ars: usize, aks: usize, b: usize, bks: usize, c: usize, ldc: i32, mr: i32, nr: i32, first: bool, tile: usize): void {
  let c0 = f32x4.splat(0), c1 = f32x4.splat(0), c2 = f32x4.splat(0);
  let c3 = f32x4.splat(0), c4 = f32x4.splat(0), c5 = f32x4.splat(0);
  const a1 = ars, a2 = ars * 2, a3 = ars * 3, a4 = ars * 4, a5 = ars * 5;
  for (let k = 0; k < kc; k++) {
    const b0 = v128.load(b);
    c0 = madd(c0, v128.load32_splat(a), b0);
    c1 = madd(c1, v128.load32_splat(a + a1), b0);
    c2 = madd(c2, v128.load32_splat(a + a2), b0);
    c3 = madd(c3, v128.load32_splat(a + a3), b0);
    c4 = madd(c4, v128.load32_splat(a + a4), b0);
    c5 = madd(c5, v128.load32_splat(a + a5), b0);
    a += aks;
    b += bks;
  }
  if (mr == MR && nr == 4) {
    const s = <usize>ldc << 2;
    const r0 = c, r1 = c + s, r2 = r1 + s, r3 = r2 + s, r4 = r3 + s, r5 = r4 + s;
    if (!first) {
      c0 = f32x4.add(c0, v128.load(r0)); c1 = f32x4.add(c1, v128.load(r1)); c2 = f32x4.add(c2, v128.load(r2));
      c3 = f32x4.add(c3, v128.load(r3)); c4 = f32x4.add(c4, v128.load(r4)); c5 = f32x4.add(c5, v128.load(r5));
    }
    v128.store(r0, c0); v128.store(r1, c1); v128.store(r2, c2);
    v128.store(r3, c3); v128.store(r4, c4); v128.store(r5, c5);
    return;
  }
  v128.store(tile, c0); v128.store(tile, c1, 16); v128.store(tile, c2, 32);
  v128.store(tile, c3, 48); v128.store(tile, c4, 64); v128.store(tile, c5, 80);
  storeTile(tile, 4, c, ldc, mr, nr, first);
}

export function gemmBlock(
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
            const cptr = C + (<usize>((ic + ir) * ldc + jc + jr) << 2);
            if (nr <= 4) micro4(kc, aptr, ars, aks, bptr, bks, cptr, ldc, imin(MR, mc - ir), nr, first, tile);
            else micro(kc, aptr, ars, aks, bptr, bks, cptr, ldc, imin(MR, mc - ir), nr, first, tile);
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
