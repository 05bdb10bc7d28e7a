/**
 * Max and average pooling over NCL, NCHW and NCDHW inputs (with PyTorch's dilation and
 * ceilMode), adaptive pooling (PyTorch's bins) and global pooling, with their backward passes.
 *
 * Only the 2-D poolings have kernels. 1-D pooling is 2-D pooling of height 1. 3-D pooling is
 * separable: the max (or mean) over a D×H×W box is the max (mean) over depth of the per-slice
 * H×W maxima (means), so it is one 2-D pooling over the H×W planes followed by one over depth;
 * both divisor rules of average pooling are products of per-axis counts, so they separate too, and
 * the first arg-max in (d, h, w) order is the one the two steps pick. Dilated max pooling gathers
 * each window's cells and takes the value at the first arg-max with one differentiable `gather`,
 * as do adaptive max pooling's variable-sized bins; adaptive average pooling is two matmuls with
 * constant bin-averaging matrices. All of it is built from differentiable ops, so gradients of
 * every order match the 2-D ops' on every backend.
 */
import { apply, scoped } from '../engine.js';
import { arange, fromArray } from '../tensor/creation.js';
import { add, mul } from './elementwise.js';
import { gather } from './indexing.js';
import { matmul } from './matmul.js';
import { argmax, max, mean } from './reduce.js';
import { pad, reshape } from './shape.js';
import { defineOp } from '../registry.js';
import type { Pool2dParams } from '../backends/interface.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkSize, fmt } from '../tensor/shape.js';
import { checkOptions, fail, optBoolean } from '../validate.js';
import { isFloat } from '../tensor/dtype.js';
import { assertTensor } from './util.js';
import { pair, perAxis, resolvePadding, resolvePaddingNd, type Padding, type Padding1d, type Padding3d, type Pair, type Triple } from './conv.js';

const F = 'pool';

export interface Pool2dOptions {
  /** Defaults to the kernel size. */
  stride?: Pair;
  padding?: Padding;
  /** avgPool2d: whether padded cells count in the divisor (default false). */
  countIncludePad?: boolean;
  /** maxPool2d: the spacing of a window's cells (default 1). */
  dilation?: Pair;
  /**
   * Round the output size up instead of down (default false), as PyTorch's ceil_mode: the last
   * window may run past the padded input, but must start inside the input or the left padding.
   */
  ceilMode?: boolean;
}

export interface Pool1dOptions {
  /** Defaults to the kernel size. */
  stride?: number;
  padding?: Padding1d;
  countIncludePad?: boolean;
  dilation?: number;
  ceilMode?: boolean;
}

export interface Pool3dOptions {
  /** Defaults to the kernel size. */
  stride?: Triple;
  padding?: Padding3d;
  countIncludePad?: boolean;
  dilation?: Triple;
  ceilMode?: boolean;
}

/** Pooling geometry over the last two axes of a 4-D [N, C, H, W] tensor (pads: [top, bottom, left, right]). */
interface Geom2 {
  kernel: [number, number];
  strides: [number, number];
  dilations: [number, number];
  pads: [number, number, number, number];
  countIncludePad: boolean;
  inShape: [number, number, number, number];
  outShape: [number, number, number, number];
}

/** Checked pooling options for `nd` spatial axes. */
interface GeomNd {
  kernel: number[];
  strides: number[];
  dilations: number[];
  pads: [number, number][];
  countIncludePad: boolean;
  out: number[];
}

const LAYOUT = ['', 'NCL [batch, channels, length]', 'NCHW [batch, channels, height, width]', 'NCDHW [batch, channels, depth, height, width]'];

function poolGeometry(op: string, nd: number, x: Tensor, kernel: unknown, opts: Pool1dOptions | Pool2dOptions | Pool3dOptions, kind: 'max' | 'avg'): GeomNd {
  assertTensor(x, op, 'x');
  if (x.rank !== nd + 2) throw new Error(`${op}: x must be ${nd + 2}-D ${LAYOUT[nd]}, got ${fmt(x.shape)}`);
  if (!isFloat(x.dtype)) throw new Error(`${op}: x must be float32 or float64, got ${x.dtype}`);
  const o = checkOptions(op, opts, kind === 'max' ? ['stride', 'padding', 'dilation', 'ceilMode'] : ['stride', 'padding', 'countIncludePad', 'ceilMode']) as {
    stride?: unknown; padding?: unknown; dilation?: unknown; ceilMode?: unknown; countIncludePad?: unknown;
  };
  const countIncludePad = optBoolean(op, 'countIncludePad', o.countIncludePad, false);
  const ceilMode = optBoolean(op, 'ceilMode', o.ceilMode, false);
  if (kernel === undefined) fail(op, 'kernel', nd === 1 ? 'an integer ≥ 1' : nd === 2 ? 'an integer ≥ 1 or [kH, kW]' : `an integer ≥ 1 or ${nd} of them`, kernel);
  // 2-D keeps conv2d's pair() messages
  const axes = (arg: string, v: unknown, dflt: number): number[] => (nd === 2 ? pair(op, arg, v as Pair | undefined, dflt) : perAxis(op, arg, v, nd, dflt));
  const k = axes('kernel', kernel, 1);
  const strides = o.stride === undefined ? k : axes('stride', o.stride, 1);
  const dilations = axes('dilation', o.dilation, 1);
  const spatial = x.shape.slice(2);
  const ek = k.map((kk, i) => (kk - 1) * dilations[i]! + 1);
  let pads: [number, number][];
  if (nd === 2) {
    const p = resolvePadding(op, o.padding as Padding | undefined, spatial[0]!, spatial[1]!, ek[0]!, ek[1]!, strides[0]!, strides[1]!);
    pads = [[p[0], p[1]], [p[2], p[3]]];
  } else pads = resolvePaddingNd(op, o.padding, spatial, ek, strides);
  if (pads.some(([b, a], i) => b >= ek[i]! || a >= ek[i]!)) {
    throw new Error(`${op}: padding [${pads.flat().join(',')}] must be smaller than the kernel ${ek.join('×')}`);
  }
  const out = spatial.map((n, i) => {
    const s = strides[i]!;
    const span = n + pads[i]![0] + pads[i]![1] - ek[i]!;
    if (span < 0) return 0;
    let o = Math.floor((span + (ceilMode ? s - 1 : 0)) / s) + 1;
    // the last window must start inside the input or the left padding
    if (ceilMode && (o - 1) * s >= n + pads[i]![0]) o--;
    return o;
  });
  if (out.some((n) => n <= 0)) throw new Error(`${op}: kernel ${k.join('×')}${dilations.some((d) => d > 1) ? ` (dilation ${dilations.join('×')})` : ''} is larger than the padded input ${fmt(x.shape)}`);
  checkSize(op, [...x.shape.slice(0, 2), ...out]);
  return { kernel: k, strides, dilations, pads, countIncludePad, out };
}

/**
 * A 2-D view of an N-d pooling for a 4-D [N, C, H, W] view of the input: H pools like spatial
 * axis `h` of `g`, W like axis `w` (null: an axis left alone — kernel 1, stride 1, no padding).
 */
function view2(g: GeomNd, h: number | null, w: number | null, inShape: readonly number[]): Geom2 {
  const f = (a: number | null, v: number[]): number => (a === null ? 1 : v[a]!);
  const pd = (a: number | null): [number, number] => (a === null ? [0, 0] : g.pads[a]!);
  const [N, C, H, W] = inShape as [number, number, number, number];
  return {
    kernel: [f(h, g.kernel), f(w, g.kernel)],
    strides: [f(h, g.strides), f(w, g.strides)],
    dilations: [f(h, g.dilations), f(w, g.dilations)],
    pads: [...pd(h), ...pd(w)],
    countIncludePad: g.countIncludePad,
    inShape: [N, C, H, W],
    outShape: [N, C, h === null ? H : g.out[h]!, w === null ? W : g.out[w]!],
  };
}

/** Kernel parameters: bottom/right padding grows to hold ceilMode's last, partial window (its cells there are skipped). */
function kernelParams(g: Geom2, countIncludePad: boolean): Pool2dParams {
  const [, , H, W] = g.inShape;
  const [, , OH, OW] = g.outShape;
  const [pt, pb, pl, pr] = g.pads;
  const eb = Math.max(0, (OH - 1) * g.strides[0] + g.kernel[0] - (H + pt + pb));
  const er = Math.max(0, (OW - 1) * g.strides[1] + g.kernel[1] - (W + pl + pr));
  return { kernel: g.kernel, strides: g.strides, pads: [pt, pb + eb, pl, pr + er], countIncludePad, inShape: g.inShape, outShape: g.outShape };
}

const MaxPool = defineOp({ name: 'maxPool2d', kernels: ['maxPool2d', 'maxPool2dBackward'], grad: 'rule', family: F });
const MaxPoolBackward = defineOp({ name: 'maxPool2dBackward', kernels: ['maxPool2dBackward'], grad: 'rule', family: F });

function maxPoolGeom(x: Tensor, g: Geom2): Tensor {
  if (g.dilations[0] > 1 || g.dilations[1] > 1) return dilatedMax(x, g);
  const p = kernelParams(g, false);
  return apply(MaxPool, [x], p.outShape, x.dtype, (be, [k]) => be.maxPool2d(k!, p), (dy, [xi]) => [maxPoolBack(dy, xi!, p)]);
}

/** Max over each kernel window; the gradient goes to the (first) arg-max of each window. */
export function maxPool2d(x: Tensor, kernel: Pair, opts: Pool2dOptions = {}): Tensor {
  const g = poolGeometry('maxPool2d', 2, x, kernel, opts, 'max');
  return maxPoolGeom(x, view2(g, 0, 1, x.shape));
}
function maxPoolBack(dy: Tensor, x: Tensor, p: Pool2dParams): Tensor {
  // Linear in dy; piecewise constant in x (no gradient). Its adjoint picks g at each window's arg-max.
  return apply(MaxPoolBackward, [dy, x], p.inShape, dy.dtype, (be, [d, k]) => be.maxPool2dBackward(d!, k!, p), (g, [, xi]) => [
    scoped(() => {
      const [, , OH, OW] = p.outShape;
      const [kh, kw] = p.kernel;
      const [sh, sw] = p.strides;
      const Wp = p.inShape[3] + p.pads[2] + p.pads[3];
      const pos = windowCells(OH, OW, kh, kw, (oh, ow, a, b) => (oh * sh + a) * Wp + (ow * sw + b));
      return reshape(windowPick(g, xi!.detach(), p.pads, 0, pos, kh * kw), p.outShape);
    }),
    null,
  ]);
}

/** Plane positions of every window cell, window-major (row-major (oh, ow)), cells in row-major (a, b) order. */
function windowCells(OH: number, OW: number, kh: number, kw: number, at: (oh: number, ow: number, a: number, b: number) => number): Int32Array {
  const pos = new Int32Array(OH * OW * kh * kw);
  let i = 0;
  for (let oh = 0; oh < OH; oh++) for (let ow = 0; ow < OW; ow++) for (let a = 0; a < kh; a++) for (let b = 0; b < kw; b++) pos[i++] = at(oh, ow, a, b);
  return pos;
}

/**
 * out[n, c, m] = src[n, c, cell of window m where sel is first largest], over [N, C, H, W] planes
 * padded by `pads` ([top, bottom, left, right]: sel with −∞, src with `fill`); `pos` lists each
 * window's K cells as positions in the padded plane. Differentiable in src (one gather).
 */
function windowPick(src: Tensor, sel: Tensor, pads: readonly [number, number, number, number], fill: number, pos: Int32Array, K: number): Tensor {
  const [N, C, H, W] = src.shape as [number, number, number, number];
  const [pt, pb, pl, pr] = pads;
  const Hp = H + pt + pb;
  const Wp = W + pl + pr;
  const M = pos.length / K;
  const like = { backend: src.backend.name };
  const p4: [number, number][] = [[0, 0], [0, 0], [pt, pb], [pl, pr]];
  const posT = fromArray(pos, [M * K], like);
  const windows = reshape(gather(reshape(pad(sel, p4, -Infinity), [N, C, Hp * Wp]), posT, 2), [N, C, M, K]);
  const winner = argmax(windows, -1); // [N, C, M], index within the window
  const cell = add(mul(arange(M, undefined, 1, { ...like, dtype: 'int32' }), K), winner);
  const plane = gather(posT, cell, 0); // [N, C, M], position in the padded plane
  const flat = add(plane, mul(reshape(arange(N * C, undefined, 1, { ...like, dtype: 'int32' }), [N, C, 1]), Hp * Wp));
  return gather(reshape(pad(src, p4, fill), [N * C * Hp * Wp]), flat, 0);
}

/** Dilated max pooling: each window's cells gathered, the value taken at the first arg-max. */
function dilatedMax(x: Tensor, g: Geom2): Tensor {
  return scoped(() => {
    const [, , H, W] = g.inShape;
    const [, , OH, OW] = g.outShape;
    const [kh, kw] = g.kernel;
    const [sh, sw] = g.strides;
    const [dh, dw] = g.dilations;
    const [pt, pb, pl, pr] = g.pads;
    // bottom/right padding grows to hold ceilMode's last window
    const Hp = Math.max(H + pt + pb, (OH - 1) * sh + (kh - 1) * dh + 1);
    const Wp = Math.max(W + pl + pr, (OW - 1) * sw + (kw - 1) * dw + 1);
    const pos = windowCells(OH, OW, kh, kw, (oh, ow, a, b) => (oh * sh + a * dh) * Wp + (ow * sw + b * dw));
    return reshape(windowPick(x, x.detach(), [pt, Hp - H - pt, pl, Wp - W - pl], -Infinity, pos, kh * kw), g.outShape);
  });
}

const AvgPool = defineOp({ name: 'avgPool2d', kernels: ['avgPool2d', 'avgPool2dBackward'], grad: 'rule', family: F });
const AvgPoolBackward = defineOp({ name: 'avgPool2dBackward', kernels: ['avgPool2dBackward'], grad: 'rule', family: F });

function avgBack(dy: Tensor, p: Pool2dParams): Tensor {
  return apply(AvgPoolBackward, [dy], p.inShape, dy.dtype, (be, [d]) => be.avgPool2dBackward(d!, p), (g) => [avgFwd(g, p)]);
}
function avgFwd(x: Tensor, p: Pool2dParams): Tensor {
  return apply(AvgPool, [x], p.outShape, x.dtype, (be, [k]) => be.avgPool2d(k!, p), (dy) => [avgBack(dy, p)]);
}

/**
 * Average pooling of a 2-D geometry. When ceilMode's last window runs past the padding and padded
 * cells count, PyTorch's divisor counts the cells inside the padded input only: the kernel then
 * averages the real cells and a constant factor (real cells / divisor) rescales each window.
 */
function avgPoolGeom(x: Tensor, g: Geom2): Tensor {
  const p = kernelParams(g, g.countIncludePad);
  const grown = p.pads[1] !== g.pads[1] || p.pads[3] !== g.pads[3];
  if (!g.countIncludePad || !grown) return avgFwd(x, p);
  return scoped(() => {
    const [, , H, W] = g.inShape;
    const [, , OH, OW] = g.outShape;
    const axis = (o: number, s: number, k: number, before: number, after: number, n: number): [number, number] => {
      const start = o * s - before;
      const end = Math.min(start + k, n + after);
      return [Math.min(end, n) - Math.max(start, 0), end - start];
    };
    const ratio = new Float64Array(OH * OW);
    for (let oh = 0; oh < OH; oh++) {
      const [rh, dh] = axis(oh, g.strides[0], g.kernel[0], g.pads[0], g.pads[1], H);
      for (let ow = 0; ow < OW; ow++) {
        const [rw, dw] = axis(ow, g.strides[1], g.kernel[1], g.pads[2], g.pads[3], W);
        ratio[oh * OW + ow] = (rh * rw) / (dh * dw);
      }
    }
    const r = x.dtype === 'float64' ? ratio : Float32Array.from(ratio);
    return mul(avgFwd(x, { ...p, countIncludePad: false }), fromArray(r, [OH, OW], { backend: x.backend.name }));
  });
}

/** Mean over each kernel window; the gradient is spread evenly over the window. */
export function avgPool2d(x: Tensor, kernel: Pair, opts: Pool2dOptions = {}): Tensor {
  const g = poolGeometry('avgPool2d', 2, x, kernel, opts, 'avg');
  return avgPoolGeom(x, view2(g, 0, 1, x.shape));
}

function pool1d(op: string, kind: 'max' | 'avg', x: Tensor, kernel: number, opts: Pool1dOptions): Tensor {
  const g = poolGeometry(op, 1, x, kernel, opts, kind);
  const [N, C, L] = x.shape as [number, number, number];
  const v = view2(g, null, 0, [N, C, 1, L]);
  return scoped(() => reshape((kind === 'max' ? maxPoolGeom : avgPoolGeom)(reshape(x, v.inShape), v), [N, C, g.out[0]!]));
}

/** 1-D max pooling over NCL [batch, channels, length] (options as maxPool2d's, one number each). */
export function maxPool1d(x: Tensor, kernel: number, opts: Pool1dOptions = {}): Tensor {
  return pool1d('maxPool1d', 'max', x, kernel, opts);
}
defineOp({ name: 'maxPool1d', kernels: [], grad: 'composite', family: F });

/** 1-D average pooling over NCL [batch, channels, length] (options as avgPool2d's, one number each). */
export function avgPool1d(x: Tensor, kernel: number, opts: Pool1dOptions = {}): Tensor {
  return pool1d('avgPool1d', 'avg', x, kernel, opts);
}
defineOp({ name: 'avgPool1d', kernels: [], grad: 'composite', family: F });

function pool3d(op: string, kind: 'max' | 'avg', x: Tensor, kernel: Triple, opts: Pool3dOptions): Tensor {
  const g = poolGeometry(op, 3, x, kernel, opts, kind);
  const [N, C, D, H, W] = x.shape as [number, number, number, number, number];
  const [OD, OH, OW] = g.out as [number, number, number];
  const f = kind === 'max' ? maxPoolGeom : avgPoolGeom;
  return scoped(() => {
    const hw = view2(g, 1, 2, [N, C * D, H, W]); // every depth slice's H×W pooling
    const y = reshape(f(reshape(x, hw.inShape), hw), [N, C, D, OH * OW]);
    const d = view2(g, 0, null, y.shape); // then pooling along depth
    return reshape(f(y, d), [N, C, OD, OH, OW]);
  });
}

/**
 * 3-D max pooling over NCDHW [batch, channels, depth, height, width]: kernel, stride, dilation a
 * number or [d, h, w]; padding a number, [d, h, w], [front, back, top, bottom, left, right] or
 * 'same'/'valid'; ceilMode. The gradient goes to the first arg-max in (d, h, w) order.
 */
export function maxPool3d(x: Tensor, kernel: Triple, opts: Pool3dOptions = {}): Tensor {
  return pool3d('maxPool3d', 'max', x, kernel, opts);
}
defineOp({ name: 'maxPool3d', kernels: [], grad: 'composite', family: F });

/** 3-D average pooling over NCDHW (options as maxPool3d's, plus countIncludePad, without dilation). */
export function avgPool3d(x: Tensor, kernel: Triple, opts: Pool3dOptions = {}): Tensor {
  return pool3d('avgPool3d', 'avg', x, kernel, opts);
}
defineOp({ name: 'avgPool3d', kernels: [], grad: 'composite', family: F });

// ---- adaptive and global pooling ----

/** PyTorch's adaptive bins of an axis of length n into `out` bins: [floor(i·n/out), ceil((i+1)·n/out)). */
function bins(n: number, out: number): [number, number][] {
  const b: [number, number][] = [];
  for (let i = 0; i < out; i++) b.push([Math.floor((i * n) / out), Math.ceil(((i + 1) * n) / out)]);
  return b;
}

function adaptiveSize(op: string, nd: number, x: Tensor, outSize: unknown): number[] {
  assertTensor(x, op, 'x');
  if (x.rank !== nd + 2) throw new Error(`${op}: x must be ${nd + 2}-D ${LAYOUT[nd]}, got ${fmt(x.shape)}`);
  if (!isFloat(x.dtype)) throw new Error(`${op}: x must be float32 or float64, got ${x.dtype}`);
  if (outSize === undefined) fail(op, 'outSize', nd === 1 ? 'an integer ≥ 1' : `an integer ≥ 1 or ${nd} of them`, outSize);
  const out = perAxis(op, 'outSize', outSize, nd, 1);
  if (x.shape.slice(2).includes(0)) throw new Error(`${op}: x has an empty spatial axis: x is ${fmt(x.shape)}`);
  checkSize(op, [...x.shape.slice(0, 2), ...out]);
  return out;
}

/** [out, n] (or its transpose) averaging each bin: row i holds 1/len over bin i. */
function binMatrix(n: number, out: number, transposed: boolean, like: Tensor): Tensor {
  const m = like.dtype === 'float64' ? new Float64Array(out * n) : new Float32Array(out * n);
  bins(n, out).forEach(([s, e], i) => {
    for (let j = s; j < e; j++) m[transposed ? j * out + i : i * n + j] = 1 / (e - s);
  });
  return fromArray(m, transposed ? [n, out] : [out, n], { backend: like.backend.name });
}

function adaptiveAvg(x: Tensor, OH: number, OW: number): Tensor {
  const [, , H, W] = x.shape as [number, number, number, number];
  return scoped(() => {
    let y = x;
    if (OW !== W) y = matmul(y, binMatrix(W, OW, true, x)); // [N, C, H, OW]
    if (OH !== H) y = matmul(binMatrix(H, OH, false, x), y); // [N, C, OH, OW]
    return y === x ? reshape(x, x.shape) : y;
  });
}

function adaptiveMax(x: Tensor, OH: number, OW: number): Tensor {
  const [N, C, H, W] = x.shape as [number, number, number, number];
  return scoped(() => {
    const bh = bins(H, OH);
    const bw = bins(W, OW);
    const kh = Math.max(...bh.map(([s, e]) => e - s));
    const kw = Math.max(...bw.map(([s, e]) => e - s));
    // each bin padded to kh×kw cells by repeating its first cell, which never changes the first arg-max
    const pos = windowCells(OH, OW, kh, kw, (oh, ow, a, b) => {
      const [hs, he] = bh[oh]!;
      const [ws, we] = bw[ow]!;
      return a < he - hs && b < we - ws ? (hs + a) * W + ws + b : hs * W + ws;
    });
    return reshape(windowPick(x, x.detach(), [0, 0, 0, 0], 0, pos, kh * kw), [N, C, OH, OW]);
  });
}

/**
 * Adaptive average pooling over NCHW to `outSize` ([oh, ow] or one number for both): output cell
 * (i, j) is the mean of rows floor(i·H/oh) … ceil((i+1)·H/oh) − 1 and the same columns, as in
 * PyTorch. Bins may overlap when a size does not divide.
 */
export function adaptiveAvgPool2d(x: Tensor, outSize: Pair): Tensor {
  const [OH, OW] = adaptiveSize('adaptiveAvgPool2d', 2, x, outSize) as [number, number];
  return adaptiveAvg(x, OH, OW);
}
defineOp({ name: 'adaptiveAvgPool2d', kernels: [], grad: 'composite', family: F });

/** Adaptive max pooling over NCHW to `outSize`, with adaptiveAvgPool2d's bins; the gradient goes to each bin's first arg-max. */
export function adaptiveMaxPool2d(x: Tensor, outSize: Pair): Tensor {
  const [OH, OW] = adaptiveSize('adaptiveMaxPool2d', 2, x, outSize) as [number, number];
  return adaptiveMax(x, OH, OW);
}
defineOp({ name: 'adaptiveMaxPool2d', kernels: [], grad: 'composite', family: F });

function adaptive1d(op: string, x: Tensor, outSize: number, f: (x: Tensor, OH: number, OW: number) => Tensor): Tensor {
  const [O] = adaptiveSize(op, 1, x, outSize) as [number];
  const [N, C, L] = x.shape as [number, number, number];
  return scoped(() => reshape(f(reshape(x, [N, C, 1, L]), 1, O), [N, C, O]));
}

/** Adaptive average pooling over NCL to `outSize` bins (PyTorch's bins). */
export function adaptiveAvgPool1d(x: Tensor, outSize: number): Tensor {
  return adaptive1d('adaptiveAvgPool1d', x, outSize, adaptiveAvg);
}
defineOp({ name: 'adaptiveAvgPool1d', kernels: [], grad: 'composite', family: F });

/** Adaptive max pooling over NCL to `outSize` bins (PyTorch's bins). */
export function adaptiveMaxPool1d(x: Tensor, outSize: number): Tensor {
  return adaptive1d('adaptiveMaxPool1d', x, outSize, adaptiveMax);
}
defineOp({ name: 'adaptiveMaxPool1d', kernels: [], grad: 'composite', family: F });

export interface GlobalPoolOptions {
  /** Keep the pooled axes: [N, C, 1, 1] instead of [N, C] (default false). */
  keepDims?: boolean;
}

function globalPool(op: string, x: Tensor, opts: GlobalPoolOptions, f: (x: Tensor, axes: number[], keepDims: boolean) => Tensor): Tensor {
  assertTensor(x, op, 'x');
  if (x.rank !== 4) throw new Error(`${op}: x must be 4-D ${LAYOUT[2]}, got ${fmt(x.shape)}`);
  if (!isFloat(x.dtype)) throw new Error(`${op}: x must be float32 or float64, got ${x.dtype}`);
  const o = checkOptions(op, opts, ['keepDims']);
  const keepDims = optBoolean(op, 'keepDims', o.keepDims, false);
  if (x.shape[2] === 0 || x.shape[3] === 0) throw new Error(`${op}: x has an empty spatial axis: x is ${fmt(x.shape)}`);
  return f(x, [2, 3], keepDims);
}

/** The mean of each channel over height and width: NCHW → [N, C] (or [N, C, 1, 1] with keepDims). */
export function globalAvgPool2d(x: Tensor, opts: GlobalPoolOptions = {}): Tensor {
  return globalPool('globalAvgPool2d', x, opts, mean);
}
defineOp({ name: 'globalAvgPool2d', kernels: [], grad: 'composite', family: F });

/** The maximum of each channel over height and width: NCHW → [N, C] (or [N, C, 1, 1] with keepDims). */
export function globalMaxPool2d(x: Tensor, opts: GlobalPoolOptions = {}): Tensor {
  return globalPool('globalMaxPool2d', x, opts, max);
}
defineOp({ name: 'globalMaxPool2d', kernels: [], grad: 'composite', family: F });
