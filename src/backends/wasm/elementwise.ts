/** The wasm backend's elementwise kernels (fill, cast, unary, binary, where): asm/elementwise.ts. */
import type { BinaryOp, KTensor, UnaryOp } from '../interface.js';
import type { DType } from '../../tensor/dtype.js';
import { sizeOf, type Shape } from '../../tensor/shape.js';
import { THREADED_KERNELS } from './threads.js';
import { DT_CODE, MIN_PARALLEL_ELEMENTWISE, esize, noF64, type WasmDevice } from './device.js';
import { broadcastTo } from './indexing.js';
import { FUSABLE_BINARY, FUSABLE_UNARY, type FusedProgram } from '../fused-elementwise.js';

const UNARY_OPS: readonly UnaryOp[] = [
  'neg', 'exp', 'log', 'sqrt', 'rsqrt', 'abs', 'sign', 'square', 'reciprocal', 'sigmoid', 'tanh', 'relu',
  'softplus', 'step', 'floor', 'ceil', 'round', 'sin', 'cos', 'logicalNot', 'expm1', 'log1p', 'elu', 'selu',
];
const BINARY_OPS: readonly BinaryOp[] = [
  'add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum', 'mod', 'eq', 'ne', 'lt', 'le', 'gt', 'ge',
  'logicalAnd', 'logicalOr', 'logicalXor', 'reluGrad', 'mulNoNan',
];
const BINARY_FN = THREADED_KERNELS.indexOf('binary');
const UNARY_FN = THREADED_KERNELS.indexOf('unary');
const UNARY_CODE = Object.fromEntries(UNARY_OPS.map((k, i) => [k, i])) as Record<UnaryOp, number>;
const BINARY_CODE = Object.fromEntries(BINARY_OPS.map((k, i) => [k, i])) as Record<BinaryOp, number>;

export function fill(d: WasmDevice, shape: Shape, value: number, dtype: DType): number {
  if (dtype === 'float64') throw noF64();
  return d.allocFilled(dtype, sizeOf(shape), value);
}

export function cast(d: WasmDevice, x: KTensor, dtype: DType): number {
  if (dtype === 'float64') throw noF64();
  const p = d.alloc(dtype, x.size);
  if (dtype === x.dtype) d.u8.copyWithin(p, x.data as number, (x.data as number) + x.size * esize(dtype));
  else d.k.cast(x.data as number, DT_CODE[x.dtype], p, DT_CODE[dtype], x.size);
  return p;
}

export function unary(d: WasmDevice, op: UnaryOp, x: KTensor, alpha = 1): number {
  const outDtype: DType = op === 'logicalNot' ? 'bool' : x.dtype;
  const p = d.alloc(outDtype, x.size);
  if (!d.pool || x.size < MIN_PARALLEL_ELEMENTWISE) d.fns[UNARY_FN]!(UNARY_CODE[op], x.data as number, DT_CODE[x.dtype], p, DT_CODE[outDtype], x.size, alpha, 0, 0, 1);
  else d.run('unary', [UNARY_CODE[op], x.data as number, DT_CODE[x.dtype], p, DT_CODE[outDtype], x.size, alpha], d.partsFor(Math.ceil(x.size / 1024)), x.size, MIN_PARALLEL_ELEMENTWISE);
  return p;
}

export function binary(d: WasmDevice, op: BinaryOp, a: KTensor, b: KTensor, outShape: Shape, outDtype: DType): number {
  const n = sizeOf(outShape);
  const p = d.alloc(outDtype, n);
  const aFull = a.size === n && sameShape(a.shape, outShape);
  const bFull = b.size === n && sameShape(b.shape, outShape);
  let split =
    aFull && bFull ? { outer: 1, inner: n, modes: [0, 0] }
      : aFull && b.size === 1 ? { outer: 1, inner: n, modes: [0, 1] }
        : bFull && a.size === 1 ? { outer: 1, inner: n, modes: [1, 0] }
          : split2d([a.shape, b.shape], outShape);
  let av = a.data as number;
  let bv = b.data as number;
  const tmp: [number, number][] = [];
  if (!split) {
    const s3 = split3d([a.shape, b.shape], outShape);
    if (s3) {
      // [outer, mid, inner] (e.g. a per-channel bias over NCHW): one 2-D call per outer index
      const opi = BINARY_CODE[op];
      const { outer, mid, inner, modes, outerFull } = s3;
      const step = (k: number, t: KTensor): number => (outerFull[k] ? (t.size / outer) * esize(t.dtype) : 0);
      const sa = step(0, a);
      const sb = step(1, b);
      const so = mid * inner * esize(outDtype);
      for (let o = 0; o < outer; o++) {
        d.fns[BINARY_FN]!(opi, av + o * sa, DT_CODE[a.dtype], modes[0]!, bv + o * sb, DT_CODE[b.dtype], modes[1]!, p + o * so, DT_CODE[outDtype], mid, inner, 0, 0, 1);
      }
      return p;
    }
    // an irregular broadcast: materialise the broadcast operands
    if (!sameShape(a.shape, outShape)) {
      av = broadcastTo(d, a, outShape) as number;
      tmp.push([av, n * esize(a.dtype)]);
    }
    if (!sameShape(b.shape, outShape)) {
      bv = broadcastTo(d, b, outShape) as number;
      tmp.push([bv, n * esize(b.dtype)]);
    }
    split = { outer: 1, inner: n, modes: [0, 0] };
  }
  const { outer, inner, modes } = split;
  const opi = BINARY_CODE[op];
  if (!d.pool || n < MIN_PARALLEL_ELEMENTWISE) {
    d.fns[BINARY_FN]!(opi, av, DT_CODE[a.dtype], modes[0]!, bv, DT_CODE[b.dtype], modes[1]!, p, DT_CODE[outDtype], outer, inner, 0, 0, 1);
  } else {
    const units = outer >= 4 * d.threads ? outer : Math.ceil(inner / 1024);
    d.run('binary', [opi, av, DT_CODE[a.dtype], modes[0]!, bv, DT_CODE[b.dtype], modes[1]!, p, DT_CODE[outDtype], outer, inner], d.partsFor(units), n, MIN_PARALLEL_ELEMENTWISE);
  }
  for (const [q, bytes] of tmp) d.freeTemp(q, bytes);
  return p;
}

export function where(d: WasmDevice, cond: KTensor, a: KTensor, b: KTensor, outShape: Shape): number {
  const n = sizeOf(outShape);
  const tmp: [number, number][] = [];
  const full = (t: KTensor): number => {
    if (sameShape(t.shape, outShape)) return t.data as number;
    const q = broadcastTo(d, t, outShape) as number;
    tmp.push([q, n * esize(t.dtype)]);
    return q;
  };
  const c = full(cond);
  const x = full(a);
  const y = full(b);
  const p = d.alloc(a.dtype, n);
  d.k.where(c, x, y, p, n, esize(a.dtype));
  for (const [q, bytes] of tmp) d.freeTemp(q, bytes);
  return p;
}

function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * Views a broadcast of operands to `out` as [outer, inner] with each operand full (0), scalar (1),
 * a row repeated over outer (2) or a column repeated over inner (3); null when no split fits.
 */
export function split2d(shapes: readonly Shape[], out: Shape): { outer: number; inner: number; modes: number[] } | null {
  const r = out.length;
  // present[k][d]: operand k has out's extent at dim d (dims where out is 1 count as both)
  const present = shapes.map((s) => out.map((d, i) => {
    const j = i - (r - s.length);
    const e = j >= 0 ? s[j]! : 1;
    return e === d ? (d === 1 ? 2 : 1) : 0; // 2 = either
  }));
  for (let cut = 0; cut <= r; cut++) {
    const modes: number[] = [];
    let ok = true;
    for (const pr of present) {
      const uni = (lo: number, hi: number): number => {
        let v = 2;
        for (let d = lo; d < hi; d++) {
          const x = pr[d]!;
          if (x === 2) continue;
          if (v === 2) v = x;
          else if (v !== x) return -1;
        }
        return v;
      };
      const o = uni(0, cut);
      const i = uni(cut, r);
      if (o < 0 || i < 0) {
        ok = false;
        break;
      }
      const outerFull = o !== 0;
      const innerFull = i !== 0;
      modes.push(outerFull && innerFull ? 0 : !outerFull && !innerFull ? 1 : !outerFull ? 2 : 3);
    }
    if (ok) return { outer: sizeOf(out.slice(0, cut)), inner: sizeOf(out.slice(cut)), modes };
  }
  return null;
}

/**
 * Views a broadcast as [outer, mid, inner] where each operand is, over outer, either full or
 * repeated, and over [mid, inner] one of split2d's modes; null when no such split exists.
 */
export function split3d(shapes: readonly Shape[], out: Shape): { outer: number; mid: number; inner: number; modes: number[]; outerFull: boolean[] } | null {
  const r = out.length;
  for (let cut = 1; cut < r; cut++) {
    const outerShape = out.slice(0, cut);
    const restShape = out.slice(cut);
    const outerFull: boolean[] = [];
    let ok = true;
    const rests: Shape[] = [];
    for (const sh of shapes) {
      const padded = [...new Array<number>(Math.max(0, r - sh.length)).fill(1), ...sh];
      const o = padded.slice(0, cut);
      const full = o.every((d, i) => d === outerShape[i]);
      const rep = o.every((d) => d === 1);
      if (!full && !rep) {
        ok = false;
        break;
      }
      outerFull.push(full && sizeOf(outerShape) > 1);
      rests.push(padded.slice(cut));
    }
    if (!ok) continue;
    const s2 = split2d(rests, restShape);
    if (s2) return { outer: sizeOf(outerShape), mid: s2.outer, inner: s2.inner, modes: s2.modes, outerFull };
  }
  return null;
}

const FUSED_BLOCK = 256; // elements per register block (asm/fused-elementwise.ts's BLOCK)

/**
 * A chain of float32 elementwise ops in one pass (nb.jit's fusion; asm/fused-elementwise.ts): the
 * program goes into the parameter block, with the op codes of the unary/binary kernels above,
 * and runs over the output with a few KiB of register scratch.
 */
export function fusedElementwise(d: WasmDevice, p: FusedProgram, ins: readonly KTensor[]): number {
  const n = ins.length;
  const m = p.code.length;
  if ((2 * n + 4 * m) * 4 > 4096) throw new Error(`fusedElementwise: a program of ${m} instructions on ${n} inputs is too long`);
  const out = d.alloc('float32', p.outer * p.inner);
  const regsBytes = (n + m) * (FUSED_BLOCK + 1) * 4; // the registers, then their block addresses
  const regs = d.scratch(regsBytes);
  try {
    const w = d.i32; // read after the allocations (a memory growth renews the views)
    const base = d.params >> 2;
    ins.forEach((t, k) => {
      w[base + 2 * k] = t.data as number;
      w[base + 2 * k + 1] = p.modes[k] as number;
    });
    p.code.forEach((c, j) => {
      const q = base + 2 * n + 4 * j;
      const unary = c[0] === 'u';
      if (unary ? !FUSABLE_UNARY.includes(c[1]) : !FUSABLE_BINARY.includes(c[1])) throw new Error(`fusedElementwise: '${c[1]}' cannot be fused`);
      w[q] = unary ? 0 : 1;
      w[q + 1] = unary ? UNARY_CODE[c[1]] : BINARY_CODE[c[1]];
      w[q + 2] = c[2];
      w[q + 3] = unary ? 0 : c[3];
    });
    d.k.fusedElementwise(d.params, n, m, regs, out, p.outer, p.inner);
  } finally {
    d.release(regs, regsBytes);
  }
  return out;
}
