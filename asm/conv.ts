// nabla wasm kernels: 2-D convolution and its gradients. See kernels.ts for the conventions.
import { imin, madd, shareLo, shareHi, gi } from './device';
import { GEMM_SCRATCH, gemmBlock } from './matmul';

// ---------------------------------------------------------------------------------------------
// Convolution (groups = 1) by im2col + GEMM, threads split the batch. Geometry in an i32 block
// `g`: N C H W O KH KW OH OW sh sw pt pl dh dw, then two flags: the columns are kept per image
// (forward) / were kept by the forward pass (filter gradient); the filter gradient is built transposed.

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
// Direct convolution (stride 1, dilation 1, groups 1), for layers with few channels, where im2col
// and packing move more memory than the multiply-adds need: each image is copied once into a
// zero-padded block, and blocks of 4 output channels x 8 output columns accumulate in registers
// straight from its shifted rows (an implicit GEMM, taps in im2col's order). Geometry block `g`:
// N C H W O KH KW OH OW pt pl. Scratch per thread (scratchBytes): the packed weights
// [ceil(O/4)][C*KH*KW][4], the padded image [C][OH+KH-1][roundUp8(OW)+KW-1] and 32 floats.
// conv2dBackpropFilterDirect is its filter gradient, without im2col either.

export function conv2dDirect(x: usize, w: usize, y: usize, g: usize, scratch: usize, scratchBytes: i32, tid: i32, part: i32, parts: i32): void {
  const N = gi(g, 0), C = gi(g, 1), H = gi(g, 2), W = gi(g, 3), O = gi(g, 4), KH = gi(g, 5), KW = gi(g, 6), OH = gi(g, 7), OW = gi(g, 8);
  const pt = gi(g, 9), pl = gi(g, 10);
  const n0 = shareLo(N, 1, part, parts), n1 = shareHi(N, 1, part, parts);
  if (n0 >= n1) return;
  const OWr = (OW + 7) & ~7;
  const Hp = OH + KH - 1, Wp = OWr + KW - 1;
  const K = C * KH * KW;
  const Ob = (O + 3) >> 2;
  const wp = scratch + <usize>tid * <usize>scratchBytes; // [Ob][K][4]: 4 channels' weights per tap
  const xp = wp + (<usize>(Ob * K * 4) << 2); // [C][Hp][Wp]
  const tile = xp + (<usize>(C * Hp * Wp) << 2); // 4 x 8
  for (let ob = 0; ob < Ob; ob++) {
    for (let t = 0; t < K; t++) {
      for (let j = 0; j < 4; j++) {
        const o = ob * 4 + j;
        store<f32>(wp + (<usize>((ob * K + t) * 4 + j) << 2), o < O ? load<f32>(w + (<usize>(o * K + t) << 2)) : 0);
      }
    }
  }
  // the padding stays zero: only the image's own rows are written below
  memory.fill(xp, 0, <usize>(C * Hp * Wp) << 2);
  const rowBytes = <usize>Wp << 2;
  for (let n = n0; n < n1; n++) {
    for (let c = 0; c < C; c++) {
      for (let ih = 0; ih < H; ih++) {
        memory.copy(xp + (<usize>((c * Hp + ih + pt) * Wp + pl) << 2), x + (<usize>(((n * C + c) * H + ih) * W) << 2), <usize>W << 2);
      }
    }
    for (let ob = 0; ob < Ob; ob++) {
      const wb = wp + (<usize>(ob * K * 4) << 2);
      for (let oh = 0; oh < OH; oh++) {
        for (let ow = 0; ow < OWr; ow += 8) {
          let a00 = f32x4.splat(0), a01 = f32x4.splat(0);
          let a10 = f32x4.splat(0), a11 = f32x4.splat(0);
          let a20 = f32x4.splat(0), a21 = f32x4.splat(0);
          let a30 = f32x4.splat(0), a31 = f32x4.splat(0);
          let wq = wb;
          for (let c = 0; c < C; c++) {
            let row = xp + (<usize>((c * Hp + oh) * Wp + ow) << 2);
            for (let kh = 0; kh < KH; kh++) {
              for (let kw = 0; kw < KW; kw++) {
                const q = row + (<usize>kw << 2);
                const x0 = v128.load(q);
                const x1 = v128.load(q, 16);
                let wv = v128.load32_splat(wq);
                a00 = madd(a00, x0, wv);
                a01 = madd(a01, x1, wv);
                wv = v128.load32_splat(wq, 4);
                a10 = madd(a10, x0, wv);
                a11 = madd(a11, x1, wv);
                wv = v128.load32_splat(wq, 8);
                a20 = madd(a20, x0, wv);
                a21 = madd(a21, x1, wv);
                wv = v128.load32_splat(wq, 12);
                a30 = madd(a30, x0, wv);
                a31 = madd(a31, x1, wv);
                wq += 16;
              }
              row += rowBytes;
            }
          }
          const ob4 = ob * 4;
          const full = ow + 8 <= OW;
          if (full && ob4 + 4 <= O) {
            const s = <usize>(OH * OW) << 2;
            const d0 = y + (<usize>(((n * O + ob4) * OH + oh) * OW + ow) << 2);
            v128.store(d0, a00); v128.store(d0, a01, 16);
            v128.store(d0 + s, a10); v128.store(d0 + s, a11, 16);
            v128.store(d0 + 2 * s, a20); v128.store(d0 + 2 * s, a21, 16);
            v128.store(d0 + 3 * s, a30); v128.store(d0 + 3 * s, a31, 16);
            continue;
          }
          v128.store(tile, a00); v128.store(tile, a01, 16);
          v128.store(tile, a10, 32); v128.store(tile, a11, 48);
          v128.store(tile, a20, 64); v128.store(tile, a21, 80);
          v128.store(tile, a30, 96); v128.store(tile, a31, 112);
          const jn = imin(4, O - ob4), wn = imin(8, OW - ow);
          for (let j = 0; j < jn; j++) {
            const d = y + (<usize>(((n * O + ob4 + j) * OH + oh) * OW + ow) << 2);
            for (let i = 0; i < wn; i++) store<f32>(d + (<usize>i << 2), load<f32>(tile + (<usize>(j * 8 + i) << 2)));
          }
        }
      }
    }
  }
}

/**
 * The filter gradient of conv2dDirect's layers (geometry as there): partial[chunk] [O, C*KH*KW] =
 * sum over the chunk's images (FILTER_CHUNK, dealt round-robin as in conv2dBackpropFilter) of
 * dy[n] correlated with the zero-padded x[n]; blocks of 4 output channels x 2 taps accumulate in
 * registers over all output positions. Scratch per thread (scratchBytes): the padded image
 * [C][OH+KH-1][roundUp4(OW)+KW] and dy[n] with rows padded to roundUp4(OW) [O][OH][roundUp4(OW)].
 */
export function conv2dBackpropFilterDirect(x: usize, dy: usize, partials: usize, g: usize, scratch: usize, scratchBytes: i32, tid: i32, part: i32, parts: i32): void {
  const N = gi(g, 0), C = gi(g, 1), H = gi(g, 2), W = gi(g, 3), O = gi(g, 4), KH = gi(g, 5), KW = gi(g, 6), OH = gi(g, 7), OW = gi(g, 8);
  const pt = gi(g, 9), pl = gi(g, 10);
  const chunks = (N + FILTER_CHUNK - 1) / FILTER_CHUNK;
  if (part >= chunks) return;
  const OWq = (OW + 3) & ~3;
  const Hp = OH + KH - 1, Wp = OWq + KW;
  const K = C * KH * KW;
  const xp = scratch + <usize>tid * <usize>scratchBytes; // [C][Hp][Wp]
  const dyp = xp + (<usize>(C * Hp * Wp) << 2); // [O][OH][OWq]
  // padding and row tails stay zero: only the images' own rows are written below
  memory.fill(xp, 0, <usize>(C * Hp * Wp + O * OH * OWq) << 2);
  const rowBytes = <usize>Wp << 2;
  const dRow = <usize>OWq << 2;
  const dPlane = <usize>(OH * OWq) << 2;
  for (let ch = part; ch < chunks; ch += parts) {
    const out = partials + (<usize>(ch * O * K) << 2);
    const e = imin(N, (ch + 1) * FILTER_CHUNK);
    for (let n = ch * FILTER_CHUNK; n < e; n++) {
      const first = n == ch * FILTER_CHUNK;
      for (let c = 0; c < C; c++) {
        for (let ih = 0; ih < H; ih++) {
          memory.copy(xp + (<usize>((c * Hp + ih + pt) * Wp + pl) << 2), x + (<usize>(((n * C + c) * H + ih) * W) << 2), <usize>W << 2);
        }
      }
      for (let o = 0; o < O; o++) {
        for (let oh = 0; oh < OH; oh++) {
          memory.copy(dyp + (<usize>((o * OH + oh) * OWq) << 2), dy + (<usize>(((n * O + o) * OH + oh) * OW) << 2), <usize>OW << 2);
        }
      }
      for (let o0 = 0; o0 < O; o0 += 4) {
        // channels past O repeat the last one; their sums are dropped
        const d0 = dyp + <usize>imin(o0, O - 1) * dPlane, d1 = dyp + <usize>imin(o0 + 1, O - 1) * dPlane;
        const d2 = dyp + <usize>imin(o0 + 2, O - 1) * dPlane, d3 = dyp + <usize>imin(o0 + 3, O - 1) * dPlane;
        for (let c = 0; c < C; c++) {
          for (let kh = 0; kh < KH; kh++) {
            for (let kw = 0; kw < KW; kw += 2) {
              let a00 = f32x4.splat(0), a01 = f32x4.splat(0);
              let a10 = f32x4.splat(0), a11 = f32x4.splat(0);
              let a20 = f32x4.splat(0), a21 = f32x4.splat(0);
              let a30 = f32x4.splat(0), a31 = f32x4.splat(0);
              let xr = xp + (<usize>((c * Hp + kh) * Wp + kw) << 2);
              let dr: usize = 0;
              for (let oh = 0; oh < OH; oh++) {
                for (let ow = 0; ow < OWq; ow += 4) {
                  const q = <usize>ow << 2;
                  const x0 = v128.load(xr + q);
                  const x1 = v128.load(xr + q, 4);
                  let dv = v128.load(d0 + dr + q);
                  a00 = madd(a00, dv, x0);
                  a01 = madd(a01, dv, x1);
                  dv = v128.load(d1 + dr + q);
                  a10 = madd(a10, dv, x0);
                  a11 = madd(a11, dv, x1);
                  dv = v128.load(d2 + dr + q);
                  a20 = madd(a20, dv, x0);
                  a21 = madd(a21, dv, x1);
                  dv = v128.load(d3 + dr + q);
                  a30 = madd(a30, dv, x0);
                  a31 = madd(a31, dv, x1);
                }
                xr += rowBytes;
                dr += dRow;
              }
              const t = (c * KH + kh) * KW + kw;
              const two = kw + 1 < KW;
              addTap(out, o0 * K + t, a00, first);
              if (two) addTap(out, o0 * K + t + 1, a01, first);
              if (o0 + 1 < O) {
                addTap(out, (o0 + 1) * K + t, a10, first);
                if (two) addTap(out, (o0 + 1) * K + t + 1, a11, first);
              }
              if (o0 + 2 < O) {
                addTap(out, (o0 + 2) * K + t, a20, first);
                if (two) addTap(out, (o0 + 2) * K + t + 1, a21, first);
              }
              if (o0 + 3 < O) {
                addTap(out, (o0 + 3) * K + t, a30, first);
                if (two) addTap(out, (o0 + 3) * K + t + 1, a31, first);
              }
            }
          }
        }
      }
    }
  }
}

/** out[i] = (first ? 0 : out[i]) + the sum of a's lanes. */
@inline function addTap(out: usize, i: i32, a: v128, first: bool): void {
  const s = (f32x4.extract_lane(a, 0) + f32x4.extract_lane(a, 1)) + (f32x4.extract_lane(a, 2) + f32x4.extract_lane(a, 3));
  const p = out + (<usize>i << 2);
  store<f32>(p, first ? s : load<f32>(p) + s);
}
