// nabla wasm kernels: data movement and indexing (strided copy, transpose, gather, scatterAdd,
// oneHot). See kernels.ts for the conventions.
import { F32, st, imin } from './device';

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
