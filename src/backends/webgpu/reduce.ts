/**
 * Reductions (one 64-thread workgroup per output element, compensated sums, a tree in workgroup
 * memory), argmax/argmin, running sums/products along an axis, and a stable argsort by rank
 * counting (each element counts the elements that sort before it).
 */
import type { ArgReduceOp, CumulativeOp, KTensor, ReduceOp } from '../interface.js';
import { sizeOf, stridesOf } from '../../tensor/shape.js';
import { Gpu, Params, WG, wgslType, type Buf } from './device.js';

const buf = (t: KTensor): Buf => t.data as Buf;
const RWG = 64;

/** Merges adjacent axes of one kind (kept or reduced): shapes and strides of both kinds. */
function coalesce(shape: readonly number[], axes: readonly number[]): { kept: [number[], number[]]; red: [number[], number[]] } {
  const st = stridesOf(shape);
  const kept: [number[], number[]] = [[], []];
  const red: [number[], number[]] = [[], []];
  let prev: boolean | null = null;
  shape.forEach((d, i) => {
    if (d === 1) return;
    const isRed = axes.includes(i);
    const g = isRed ? red : kept;
    if (prev === isRed && g[0].length) {
      // row-major: the previous axis of this kind is adjacent; merge
      g[0][g[0].length - 1] = (g[0][g[0].length - 1] as number) * d;
      g[1][g[1].length - 1] = st[i] as number;
    } else {
      g[0].push(d);
      g[1].push(st[i] as number);
    }
    prev = isRed;
  });
  return { kept, red };
}

export function reduce(gpu: Gpu, op: ReduceOp, x: KTensor, axes: readonly number[]): Buf {
  const t = wgslType(x.dtype);
  const { kept, red } = coalesce(x.shape, axes);
  const outSize = sizeOf(kept[0]);
  const redSize = sizeOf(red[0]);
  const out = gpu.alloc(outSize);
  if (outSize === 0) return out;
  const nk = kept[0].length;
  const nr = red[0].length;
  const p = new Params().u32(outSize, redSize, nk, nr, ...kept[0], ...kept[1], ...red[0], ...red[1]);
  const f = t === 'f32';
  const init = op === 'sum' ? `${t}(0)` : op === 'prod' ? `${t}(1)` : f ? (op === 'max' ? '-inff()' : 'inff()') : op === 'max' ? 'i32(-2147483647 - 1)' : 'i32(2147483647)';
  const combine = (a: string, b: string): string => {
    switch (op) {
      case 'sum': return `${a} + ${b}`;
      case 'prod': return `${a} * ${b}`;
      case 'max': return f ? `select(select(${a}, ${b}, ${b} > ${a}), ${a}, isnan_(${a}))` : `max(${a}, ${b})`;
      case 'min': return f ? `select(select(${a}, ${b}, ${b} < ${a}), ${a}, isnan_(${a}))` : `min(${a}, ${b})`;
    }
  };
  // NaN: once the accumulator is NaN it stays; a NaN value replaces the accumulator.
  const step = (acc: string, v: string): string =>
    (op === 'max' || op === 'min') && f ? `select(${combine(acc, v)}, ${v}, isnan_(${v}))` : combine(acc, v);
  const kahan = op === 'sum' && f;
  const code = (): string => `
@group(0) @binding(1) var<storage, read> X: array<${t}>;
@group(0) @binding(2) var<storage, read_write> O: array<${t}>;
var<workgroup> S: array<${t}, ${RWG}>;
@compute @workgroup_size(${RWG}) fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let o = wid.y * nwg.x + wid.x;
  let nk = P[2];
  let nr = P[3];
  var base = 0u;
  if (o < P[0]) {
    var rem = o;
    for (var k = 0u; k < nk; k++) {
      let d = nk - 1u - k;
      let s = P[4u + d];
      base += (rem % s) * P[4u + nk + d];
      rem = rem / s;
    }
  }
  var acc = ${init};
  var comp = ${t}(0);
  if (o < P[0]) {
    for (var j = lid.x; j < P[1]; j += ${RWG}u) {
      var rem = j;
      var off = base;
      for (var k = 0u; k < nr; k++) {
        let d = nr - 1u - k;
        let s = P[4u + 2u * nk + d];
        off += (rem % s) * P[4u + 2u * nk + nr + d];
        rem = rem / s;
      }
      let v = X[off];
      ${kahan ? 'let y = v - comp; let tt = acc + y; comp = (tt - acc) - y; acc = tt;' : `acc = ${step('acc', 'v')};`}
    }
  }
  S[lid.x] = acc;
  workgroupBarrier();
  for (var w = ${RWG / 2}u; w > 0u; w = w / 2u) {
    if (lid.x < w) {
      let a = S[lid.x];
      let b = S[lid.x + w];
      S[lid.x] = ${f && (op === 'max' || op === 'min') ? `select(${combine('a', 'b')}, b, isnan_(b))` : combine('a', 'b')};
    }
    workgroupBarrier();
  }
  if (lid.x == 0u && o < P[0]) { O[o] = S[0]; }
}`;
  gpu.run(`reduce:${op}:${t}`, code, [buf(x), out], p, Gpu.groupsFor(outSize));
  return out;
}

export function argReduce(gpu: Gpu, op: ArgReduceOp, x: KTensor, axis: number): Buf {
  const t = wgslType(x.dtype);
  const dim = x.shape[axis] as number;
  const inner = sizeOf(x.shape.slice(axis + 1));
  const outSize = sizeOf(x.shape) / Math.max(dim, 1);
  const n = dim === 0 ? 0 : outSize;
  const out = gpu.alloc(n);
  if (n === 0) return out;
  const better = op === 'argmax' ? 'v > bv' : 'v < bv';
  const nan = t === 'f32' ? ' || isnan_(v)' : '';
  const code = (): string => `
@group(0) @binding(1) var<storage, read> X: array<${t}>;
@group(0) @binding(2) var<storage, read_write> O: array<i32>;
@compute @workgroup_size(${WG}) fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gidx(gid, nwg);
  if (i >= P[0]) { return; }
  let dim = P[1];
  let inner = P[2];
  let base = (i / inner) * dim * inner + i % inner;
  var best = 0u;
  var bv = X[base];
  for (var j = 1u; j < dim; j++) {
    ${t === 'f32' ? 'if (isnan_(bv)) { break; }' : ''}
    let v = X[base + j * inner];
    if (${better}${nan}) { bv = v; best = j; }
  }
  O[i] = i32(best);
}`;
  gpu.run(`argReduce:${op}:${t}`, code, [buf(x), out], new Params().u32(n, dim, inner), Gpu.grid(n));
  return out;
}

export function cumulative(gpu: Gpu, op: CumulativeOp, x: KTensor, axis: number, exclusive: boolean, reverse: boolean): Buf {
  const t = wgslType(x.dtype);
  const dim = x.shape[axis] as number;
  const inner = sizeOf(x.shape.slice(axis + 1));
  const lines = dim === 0 ? 0 : x.size / dim;
  const out = gpu.alloc(x.size);
  if (lines === 0) return out;
  const code = (): string => `
@group(0) @binding(1) var<storage, read> X: array<${t}>;
@group(0) @binding(2) var<storage, read_write> O: array<${t}>;
@compute @workgroup_size(${WG}) fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gidx(gid, nwg);
  if (i >= P[0]) { return; }
  let dim = P[1];
  let inner = P[2];
  let base = (i / inner) * dim * inner + i % inner;
  var acc = ${t}(${op === 'prod' ? 1 : 0});
  for (var r = 0u; r < dim; r++) {
    let at = base + ${reverse ? '(dim - 1u - r)' : 'r'} * inner;
    let v = X[at];
    ${exclusive ? 'O[at] = acc;' : ''}
    acc = acc ${op === 'prod' ? '*' : '+'} v;
    ${exclusive ? '' : 'O[at] = acc;'}
  }
}`;
  gpu.run(`cumulative:${op}:${t}:${exclusive}:${reverse}`, code, [buf(x), out], new Params().u32(lines, dim, inner), Gpu.grid(lines));
  return out;
}

export function argsort(gpu: Gpu, x: KTensor, axis: number, descending: boolean): Buf {
  const t = wgslType(x.dtype);
  const dim = x.shape[axis] as number;
  const inner = sizeOf(x.shape.slice(axis + 1));
  const n = x.size;
  const out = gpu.alloc(n);
  if (n === 0) return out;
  // asc(u, v) < 0 when u sorts before v ascending; NaN is the largest value
  const isNan = (v: string): string => (t === 'f32' ? `isnan_(${v})` : 'false');
  const code = (): string => `
@group(0) @binding(1) var<storage, read> X: array<${t}>;
@group(0) @binding(2) var<storage, read_write> O: array<i32>;
fn asc(u: ${t}, v: ${t}) -> i32 {
  if (${isNan('u')}) { return select(1, 0, ${isNan('v')}); }
  if (${isNan('v')}) { return -1; }
  if (u < v) { return -1; }
  if (u > v) { return 1; }
  return 0;
}
@compute @workgroup_size(${WG}) fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gidx(gid, nwg);
  if (i >= P[0]) { return; }
  let dim = P[1];
  let inner = P[2];
  let k = i % inner;
  let r = (i / inner) % dim;
  let base = (i / (inner * dim)) * dim * inner + k;
  let me = X[base + r * inner];
  var rank = 0u;
  for (var q = 0u; q < dim; q++) {
    let c = ${descending ? 'asc(me, X[base + q * inner])' : 'asc(X[base + q * inner], me)'};
    if (c < 0 || (c == 0 && q < r)) { rank++; }
  }
  O[base + rank * inner] = i32(r);
}`;
  gpu.run(`argsort:${t}:${descending}`, code, [buf(x), out], new Params().u32(n, dim, inner), Gpu.grid(n));
  return out;
}
