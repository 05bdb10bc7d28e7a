// nabla wasm kernels: 2-D max and average pooling and their gradients. See kernels.ts for the conventions.
import { shareLo, shareHi, gi } from './device';

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
