// Softmax cross-entropy (float32), forward and backward, one row of logits z [N, C] at a time with
// SIMD over the classes: the row's max m, ls = log Σ exp(z − m) (accumulated in float32 four
// lanes at a time, the log in float64), lse = m + ls, and the loss −Σ_c t_c·(z_c − m − ls) with a
// zero t_c counting 0 (targets: int32 labels [N], or float32 rows [N, C]). The backward pass
// recomputes softmax as exp(z − lse) from the saved lse [N]: no [N, C] buffer is kept.

import { expv } from './fused';

const LOW: f32 = -87.33; // below this exp is under float32's smallest normal: 0 here (expv clamps)

/** e^x four lanes at a time; 0 below LOW (so e^−∞ = 0), NaN for NaN. */
@inline function expz(x: v128): v128 {
  return v128.bitselect(f32x4.splat(0), expv(x), f32x4.lt(x, f32x4.splat(LOW)));
}

@inline function hmax(v: v128): f32 {
  return max(max(f32x4.extract_lane(v, 0), f32x4.extract_lane(v, 1)), max(f32x4.extract_lane(v, 2), f32x4.extract_lane(v, 3)));
}

@inline function hsum(v: v128): f64 {
  return (<f64>f32x4.extract_lane(v, 0) + <f64>f32x4.extract_lane(v, 1)) + (<f64>f32x4.extract_lane(v, 2) + <f64>f32x4.extract_lane(v, 3));
}

@inline function at(p: usize, j: i32): usize {
  return p + (<usize>j << 2);
}

/** The row's max (NaN if it holds a NaN). */
function rowMax(z: usize, C: i32): f32 {
  let m: f32 = -Infinity;
  let j = 0;
  if (C >= 4) {
    let vm = f32x4.splat(-Infinity);
    for (; j + 4 <= C; j += 4) vm = f32x4.max(vm, v128.load(at(z, j)));
    m = hmax(vm);
  }
  for (; j < C; j++) m = max(m, load<f32>(at(z, j)));
  return m;
}

/**
 * z [N, C] → loss (N values, or one = scale·Σ when `reduce`) and lse [N]; t int32 labels [N]
 * (`labels`) or float32 rows [N, C]. A label outside [0, C) gives NaN.
 */
export function softmaxCrossEntropy(z: usize, t: usize, labels: i32, loss: usize, lse: usize, N: i32, C: i32, reduce: i32, scale: f64): void {
  let total: f64 = 0;
  for (let i = 0; i < N; i++) {
    const zr = at(z, i * C);
    const m = rowMax(zr, C);
    const vm = f32x4.splat(m);
    let vs = f32x4.splat(0);
    let j = 0;
    for (; j + 4 <= C; j += 4) vs = f32x4.add(vs, expz(f32x4.sub(v128.load(at(zr, j)), vm)));
    let s = hsum(vs);
    for (; j < C; j++) s += Math.exp(<f64>(load<f32>(at(zr, j)) - m));
    const ls = Math.log(s);
    store<f32>(at(lse, i), <f32>(<f64>m + ls));
    let l: f64;
    if (labels) {
      const y = load<i32>(at(t, i));
      l = y >= 0 && y < C ? ls - (<f64>load<f32>(at(zr, y)) - <f64>m) : NaN;
    } else {
      const tr = at(t, i * C);
      const vls = f32x4.splat(<f32>ls);
      let acc = f32x4.splat(0);
      j = 0;
      for (; j + 4 <= C; j += 4) {
        const tv = v128.load(at(tr, j));
        const d = f32x4.sub(f32x4.sub(v128.load(at(zr, j)), vm), vls);
        // 0·(−∞) counts 0: only lanes with a nonzero target weight
        acc = f32x4.add(acc, v128.and(f32x4.mul(tv, d), f32x4.ne(tv, f32x4.splat(0))));
      }
      l = -hsum(acc);
      for (; j < C; j++) {
        const tj = load<f32>(at(tr, j));
        if (tj != 0) l -= <f64>tj * ((<f64>load<f32>(at(zr, j)) - <f64>m) - ls);
      }
    }
    if (reduce) total += l;
    else store<f32>(at(loss, i), <f32>l);
  }
  if (reduce) store<f32>(loss, <f32>(total * scale));
}

/** dz [N, C] = (exp(z − lse) − t)·g, g = dy[i], or dy[0]·scale for every row when `reduce`. */
export function softmaxCrossEntropyBackward(dy: usize, z: usize, t: usize, labels: i32, lse: usize, dz: usize, N: i32, C: i32, reduce: i32, scale: f64): void {
  const g0 = reduce ? <f32>(<f64>load<f32>(dy) * scale) : <f32>0;
  for (let i = 0; i < N; i++) {
    const g = reduce ? g0 : load<f32>(at(dy, i));
    const l = load<f32>(at(lse, i));
    const zr = at(z, i * C);
    const tr = at(t, i * C);
    const out = at(dz, i * C);
    const vl = f32x4.splat(l);
    const vg = f32x4.splat(g);
    let j = 0;
    for (; j + 4 <= C; j += 4) {
      let p = expz(f32x4.sub(v128.load(at(zr, j)), vl));
      if (!labels) p = f32x4.sub(p, v128.load(at(tr, j)));
      v128.store(at(out, j), f32x4.mul(p, vg));
    }
    for (; j < C; j++) {
      let p = <f32>Math.exp(<f64>(load<f32>(at(zr, j)) - l));
      if (!labels) p -= load<f32>(at(tr, j));
      store<f32>(at(out, j), p * g);
    }
    if (labels) {
      const y = load<i32>(at(t, i));
      if (y >= 0 && y < C) store<f32>(at(out, y), (<f32>Math.exp(<f64>(load<f32>(at(zr, y)) - l)) - 1) * g);
    }
  }
}
