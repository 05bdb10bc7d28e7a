// nabla wasm kernels: 2-D convolution and its gradients. See kernels.ts for the conventions.
import { imin, shareLo, shareHi, gi } from './device';
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
