// nabla wasm kernels: fused kernels (the Adam step, recurrent cells). See kernels.ts for the conventions.

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

// =============================================================================================
// Recurrent cells (float32): the pointwise gate math of one LSTM / GRU step, forward and
// backward. Rows are [batch]; gates are blocks of H along a row in PyTorch's order (LSTM i, f, g,
// o; GRU r, z, n). exp runs four lanes at a time (a Cephes-style polynomial, about 1 ulp);
// sigmoid(x) = 1/(1 + e^−x), tanh(x) = 1 − 2/(e^2x + 1).

@inline export function expv(x0: v128): v128 {
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
