/**
 * 2-D convolution over NCHW inputs with OIHW filters [outChannels, inChannels/groups, kH, kW],
 * its two backward kernels, and transposed convolution (whose forward is conv's input gradient).
 */
import { apply, scoped } from '../engine.js';
import { fromArray } from '../tensor/creation.js';
import { gather } from './indexing.js';
import { pad, permute, reshape } from './shape.js';
import { defineOp } from '../registry.js';
import type { Conv2dParams } from '../backends/interface.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkSize, fmt } from '../tensor/shape.js';
import { checkOptions, describe, fail, optInt } from '../validate.js';
import { isFloat } from '../tensor/dtype.js';
import { assertTensor } from './util.js';

const F = 'conv';

export type Pair = number | readonly [number, number];
/** A padding: a number or [h, w] (symmetric), [top, bottom, left, right], or 'same' / 'valid'. */
export type Padding = number | readonly [number, number] | readonly [number, number, number, number] | 'same' | 'valid';

export interface Conv2dOptions {
  stride?: Pair;
  padding?: Padding;
  dilation?: Pair;
  groups?: number;
}

export function pair(op: string, arg: string, v: Pair | undefined, dflt: number, min = 1): [number, number] {
  if (v !== undefined && typeof v !== 'number' && !Array.isArray(v)) fail(op, arg, `integers ≥ ${min} (a number or [h, w])`, v);
  const p: [number, number] = v === undefined ? [dflt, dflt] : typeof v === 'number' ? [v, v] : [v[0], v[1]];
  if (!p.every((x) => Number.isInteger(x) && x >= min) || (Array.isArray(v) && v.length !== 2)) {
    throw new Error(`${op}: ${arg} must be integers ≥ ${min}, got ${typeof v === 'number' || Array.isArray(v) ? JSON.stringify(v) : describe(v)}`);
  }
  return p;
}

/** Resolves a padding spec to [top, bottom, left, right] for input size (h, w) and effective kernel (kh, kw). */
export function resolvePadding(op: string, padding: Padding | undefined, inH: number, inW: number, kh: number, kw: number, sh: number, sw: number): [number, number, number, number] {
  if (padding === undefined || padding === 'valid') return [0, 0, 0, 0];
  if (padding === 'same') {
    const outH = Math.ceil(inH / sh);
    const outW = Math.ceil(inW / sw);
    const ph = Math.max((outH - 1) * sh + kh - inH, 0);
    const pw = Math.max((outW - 1) * sw + kw - inW, 0);
    return [Math.floor(ph / 2), ph - Math.floor(ph / 2), Math.floor(pw / 2), pw - Math.floor(pw / 2)];
  }
  let p: number[];
  if (typeof padding === 'number') p = [padding, padding, padding, padding];
  else if (!Array.isArray(padding)) {
    throw new Error(`${op}: padding must be a number, [h, w], [top, bottom, left, right], 'same' or 'valid', got ${typeof padding === 'string' ? JSON.stringify(padding) : describe(padding)}`);
  } else if (padding.length === 2) p = [padding[0], padding[0], padding[1], padding[1]];
  else if (padding.length === 4) p = padding.slice();
  else throw new Error(`${op}: padding must be a number, [h, w], [top, bottom, left, right], 'same' or 'valid', got ${describe(padding)}`);
  if (!p.every((x) => Number.isInteger(x) && x >= 0)) throw new Error(`${op}: padding must be non-negative integers, got ${JSON.stringify(padding)}`);
  return p as [number, number, number, number];
}

const CONV_KEYS = ['stride', 'padding', 'dilation', 'groups'];

const Conv2d = defineOp({ name: 'conv2d', kernels: ['conv2d'], grad: 'rule', family: F });
const Conv2dBackpropInput = defineOp({ name: 'conv2dBackpropInput', kernels: ['conv2dBackpropInput'], grad: 'rule', family: F });
const Conv2dBackpropFilter = defineOp({ name: 'conv2dBackpropFilter', kernels: ['conv2dBackpropFilter'], grad: 'rule', family: F });

function convRaw(x: Tensor, w: Tensor, p: Conv2dParams): Tensor {
  return apply(Conv2d, [x, w], p.outShape, x.dtype, (be, [a, b]) => be.conv2d(a!, b!, p), (dy, [xi, wi], _, needs) => [
    needs[0] ? convBackInput(dy, wi!, p) : null,
    needs[1] ? convBackFilter(xi!, dy, p) : null,
  ]);
}

function convBackInput(dy: Tensor, w: Tensor, p: Conv2dParams): Tensor {
  return apply(Conv2dBackpropInput, [dy, w], p.inShape, dy.dtype, (be, [a, b]) => be.conv2dBackpropInput(a!, b!, p), (g, [dyi, wi], _, needs) => [
    needs[0] ? convRaw(g, wi!, p) : null,
    needs[1] ? convBackFilter(g, dyi!, p) : null,
  ]);
}

function convBackFilter(x: Tensor, dy: Tensor, p: Conv2dParams): Tensor {
  return apply(Conv2dBackpropFilter, [x, dy], p.filterShape, x.dtype, (be, [a, b]) => be.conv2dBackpropFilter(a!, b!, p), (g, [xi, dyi], _, needs) => [
    needs[0] ? convBackInput(dyi!, g, p) : null,
    needs[1] ? convRaw(xi!, g, p) : null,
  ]);
}

function checkFloat(op: string, t: Tensor, arg: string): void {
  if (!isFloat(t.dtype)) throw new Error(`${op}: ${arg} must be float32 or float64, got ${t.dtype}`);
}

/** Convolution geometry for input [N,C,H,W] and filter [O,C/groups,KH,KW]. */
export function conv2dParams(op: string, xShape: readonly number[], wShape: readonly number[], opts: Conv2dOptions): Conv2dParams {
  if (xShape.length !== 4) throw new Error(`${op}: x must be 4-D NCHW [batch, channels, height, width], got ${fmt(xShape)}`);
  if (wShape.length !== 4) throw new Error(`${op}: filter must be 4-D [outChannels, inChannels/groups, kH, kW], got ${fmt(wShape)}`);
  const [N, C, H, W] = xShape as [number, number, number, number];
  const [O, Cg, KH, KW] = wShape as [number, number, number, number];
  const groups = optInt(op, 'groups', opts.groups, 1, { min: 1 });
  if (C % groups !== 0 || O % groups !== 0) {
    throw new Error(`${op}: groups ${groups} must divide input channels (x is ${fmt(xShape)}) and output channels (filter is ${fmt(wShape)})`);
  }
  if (Cg * groups !== C) {
    throw new Error(`${op}: filter expects ${Cg * groups} input channels (${Cg} per group × ${groups} groups) but x has ${C}: x is ${fmt(xShape)}, filter is ${fmt(wShape)}`);
  }
  const [sh, sw] = pair(op, 'stride', opts.stride, 1);
  const [dh, dw] = pair(op, 'dilation', opts.dilation, 1);
  const ekh = (KH - 1) * dh + 1;
  const ekw = (KW - 1) * dw + 1;
  const pads = resolvePadding(op, opts.padding, H, W, ekh, ekw, sh, sw);
  const OH = Math.floor((H + pads[0] + pads[1] - ekh) / sh) + 1;
  const OW = Math.floor((W + pads[2] + pads[3] - ekw) / sw) + 1;
  if (OH <= 0 || OW <= 0) {
    throw new Error(`${op}: kernel ${KH}×${KW} (dilation ${dh}×${dw}) is larger than the padded input: x is ${fmt(xShape)}, filter is ${fmt(wShape)}`);
  }
  checkSize(op, [N, O, OH, OW]);
  return { strides: [sh, sw], pads, dilations: [dh, dw], groups, inShape: [N, C, H, W], filterShape: [O, Cg, KH, KW], outShape: [N, O, OH, OW] };
}

/**
 * 2-D convolution (cross-correlation, as in every DL framework): x [N,C,H,W], filter
 * [O, C/groups, KH, KW] → [N, O, OH, OW]. Options: stride, padding (number, [h,w],
 * [top,bottom,left,right], 'same', 'valid'), dilation, groups.
 */
export function conv2d(x: Tensor, filter: Tensor, opts: Conv2dOptions = {}): Tensor {
  assertTensor(x, 'conv2d', 'x');
  assertTensor(filter, 'conv2d', 'filter');
  opts = checkOptions('conv2d', opts, CONV_KEYS);
  checkFloat('conv2d', x, 'x');
  if (x.dtype !== filter.dtype) throw new Error(`conv2d: dtypes differ: x is ${x.dtype}, filter is ${filter.dtype}`);
  return convRaw(x, filter, conv2dParams('conv2d', x.shape, filter.shape, opts));
}

export interface Conv2dTransposeOptions {
  stride?: Pair;
  /** Padding removed from the output: a number, [h, w] or [top, bottom, left, right]. */
  padding?: number | readonly [number, number] | readonly [number, number, number, number];
  /** Extra rows/columns added at the bottom/right to pick among the output sizes a stride allows. */
  outputPadding?: Pair;
  dilation?: Pair;
  groups?: number;
}

/**
 * Transposed convolution (the gradient of conv2d w.r.t. its input): x [N, Cin, H, W], filter
 * [Cin, Cout/groups, KH, KW] → [N, Cout, (H−1)·s − padTop − padBottom + d·(KH−1) + outputPadding + 1, …].
 */
export function conv2dTranspose(x: Tensor, filter: Tensor, opts: Conv2dTransposeOptions = {}): Tensor {
  const op = 'conv2dTranspose';
  assertTensor(x, op, 'x');
  assertTensor(filter, op, 'filter');
  opts = checkOptions(op, opts, [...CONV_KEYS, 'outputPadding']);
  checkFloat(op, x, 'x');
  if (x.dtype !== filter.dtype) throw new Error(`${op}: dtypes differ: x is ${x.dtype}, filter is ${filter.dtype}`);
  if (x.rank !== 4) throw new Error(`${op}: x must be 4-D NCHW, got ${fmt(x.shape)}`);
  if (filter.rank !== 4) throw new Error(`${op}: filter must be 4-D [inChannels, outChannels/groups, kH, kW], got ${fmt(filter.shape)}`);
  const [N, Cin, H, W] = x.shape as [number, number, number, number];
  const [Fi, Cog, KH, KW] = filter.shape as [number, number, number, number];
  const groups = optInt(op, 'groups', opts.groups, 1, { min: 1 });
  if (Fi !== Cin) throw new Error(`${op}: filter has ${Fi} input channels, x has ${Cin}: x is ${fmt(x.shape)}, filter is ${fmt(filter.shape)}`);
  if (!Number.isInteger(groups) || groups < 1 || Cin % groups !== 0) throw new Error(`${op}: groups ${groups} must divide the ${Cin} input channels`);
  const [sh, sw] = pair(op, 'stride', opts.stride, 1);
  const [dh, dw] = pair(op, 'dilation', opts.dilation, 1);
  const [oph, opw] = pair(op, 'outputPadding', opts.outputPadding, 0, 0);
  if (oph >= Math.max(sh, dh) || opw >= Math.max(sw, dw)) throw new Error(`${op}: outputPadding must be smaller than stride or dilation, got ${oph}×${opw}`);
  const pads = resolvePadding(op, opts.padding ?? 0, H, W, KH, KW, sh, sw);
  const OH = (H - 1) * sh - pads[0] - pads[1] + dh * (KH - 1) + oph + 1;
  const OW = (W - 1) * sw - pads[2] - pads[3] + dw * (KW - 1) + opw + 1;
  if (OH <= 0 || OW <= 0) throw new Error(`${op}: padding ${JSON.stringify(opts.padding)} leaves an empty output for x ${fmt(x.shape)}`);
  checkSize(op, [N, Cog * groups, OH, OW]);
  // The equivalent convolution maps [N, Cout, OH, OW] → x's shape; bottom/right padding absorbs outputPadding.
  const p: Conv2dParams = {
    strides: [sh, sw],
    pads: [pads[0], pads[1] + oph, pads[2], pads[3] + opw],
    dilations: [dh, dw],
    groups,
    inShape: [N, Cog * groups, OH, OW],
    filterShape: [Fi, Cog, KH, KW],
    outShape: [N, Cin, H, W],
  };
  return convBackInput(x, filter, p);
}
defineOp({ name: 'conv2dTranspose', kernels: ['conv2dBackpropInput'], grad: 'rule', family: F });

// ---------------------------------------------------------------------------------------------
// 1-D and 3-D convolution: NCL inputs with OIL filters, NCDHW inputs with OIDHW filters.
// ---------------------------------------------------------------------------------------------

/** A number, or one per spatial axis ([d, h, w] for 3-D). */
export type Triple = number | readonly [number, number, number];
/** 1-D padding: a number, [left, right], or 'same' / 'valid'. */
export type Padding1d = number | readonly [number, number] | 'same' | 'valid';
/** 3-D padding: a number, [d, h, w] (symmetric), [front, back, top, bottom, left, right], or 'same' / 'valid'. */
export type Padding3d = number | readonly [number, number, number] | readonly [number, number, number, number, number, number] | 'same' | 'valid';

export interface Conv1dOptions {
  stride?: number;
  padding?: Padding1d;
  dilation?: number;
  groups?: number;
}

export interface Conv3dOptions {
  stride?: Triple;
  padding?: Padding3d;
  dilation?: Triple;
  groups?: number;
}

/** One integer ≥ min per spatial axis, from a number or an array of `nd` numbers. */
export function perAxis(op: string, arg: string, v: unknown, nd: number, dflt: number, min = 1): number[] {
  const what = nd === 1 ? `an integer ≥ ${min}` : `an integer ≥ ${min} or ${nd} of them`;
  if (v === undefined) return new Array<number>(nd).fill(dflt);
  const ok = (x: unknown): x is number => Number.isSafeInteger(x) && (x as number) >= min;
  if (ok(v)) return new Array<number>(nd).fill(v);
  if (nd > 1 && Array.isArray(v) && v.length === nd && v.every(ok)) return v.slice() as number[];
  return fail(op, arg, what, v);
}

/**
 * Resolves an N-d padding spec to [before, after] per spatial axis: a number, one per axis
 * (symmetric), [before, after] per axis in order, 'same' (as TensorFlow: the extra cell goes
 * after) or 'valid'.
 */
export function resolvePaddingNd(op: string, padding: unknown, spatial: readonly number[], ek: readonly number[], strides: readonly number[]): [number, number][] {
  const nd = spatial.length;
  if (padding === undefined || padding === 'valid') return spatial.map(() => [0, 0]);
  if (padding === 'same') {
    return spatial.map((n, i) => {
      const p = Math.max((Math.ceil(n / strides[i]!) - 1) * strides[i]! + ek[i]! - n, 0);
      return [Math.floor(p / 2), p - Math.floor(p / 2)];
    });
  }
  const ok = (x: unknown): boolean => Number.isSafeInteger(x) && (x as number) >= 0;
  const forms = nd === 1 ? 'an integer ≥ 0, [left, right]' : nd === 3 ? 'an integer ≥ 0, [d, h, w], [front, back, top, bottom, left, right]' : `an integer ≥ 0, ${nd} or ${2 * nd} of them`;
  if (ok(padding)) return spatial.map(() => [padding as number, padding as number]);
  if (Array.isArray(padding) && padding.every(ok)) {
    if (padding.length === nd && nd > 1) return (padding as number[]).map((p) => [p, p]);
    if (padding.length === 2 * nd) return spatial.map((_, i) => [padding[2 * i] as number, padding[2 * i + 1] as number]);
  }
  return fail(op, 'padding', `${forms}, 'same' or 'valid'`, padding);
}

interface ConvNdGeometry {
  strides: number[];
  dilations: number[];
  pads: [number, number][];
  groups: number;
  out: number[];
}

/** Checks an N-d convolution's shapes and options (x [N, C, ...spatial], filter [O, C/groups, ...kernel]). */
function convNdGeometry(op: string, nd: number, x: Tensor, filter: Tensor, opts: Conv1dOptions | Conv3dOptions, layout: string, flayout: string): ConvNdGeometry {
  assertTensor(x, op, 'x');
  assertTensor(filter, op, 'filter');
  const o = checkOptions(op, opts, CONV_KEYS) as { stride?: unknown; padding?: unknown; dilation?: unknown; groups?: unknown };
  checkFloat(op, x, 'x');
  if (x.dtype !== filter.dtype) throw new Error(`${op}: dtypes differ: x is ${x.dtype}, filter is ${filter.dtype}`);
  if (x.rank !== nd + 2) throw new Error(`${op}: x must be ${nd + 2}-D ${layout}, got ${fmt(x.shape)}`);
  if (filter.rank !== nd + 2) throw new Error(`${op}: filter must be ${nd + 2}-D ${flayout}, got ${fmt(filter.shape)}`);
  const C = x.shape[1] as number;
  const [O, Cg] = filter.shape as [number, number];
  const groups = optInt(op, 'groups', o.groups, 1, { min: 1 });
  if (C % groups !== 0 || O % groups !== 0) {
    throw new Error(`${op}: groups ${groups} must divide input channels (x is ${fmt(x.shape)}) and output channels (filter is ${fmt(filter.shape)})`);
  }
  if (Cg * groups !== C) {
    throw new Error(`${op}: filter expects ${Cg * groups} input channels (${Cg} per group × ${groups} groups) but x has ${C}: x is ${fmt(x.shape)}, filter is ${fmt(filter.shape)}`);
  }
  const strides = perAxis(op, 'stride', o.stride, nd, 1);
  const dilations = perAxis(op, 'dilation', o.dilation, nd, 1);
  const spatial = x.shape.slice(2);
  const k = filter.shape.slice(2);
  const ek = k.map((kk, i) => (kk - 1) * dilations[i]! + 1);
  const pads = resolvePaddingNd(op, o.padding, spatial, ek, strides);
  const out = spatial.map((n, i) => Math.floor((n + pads[i]![0] + pads[i]![1] - ek[i]!) / strides[i]!) + 1);
  if (out.some((n) => n <= 0)) {
    throw new Error(`${op}: kernel ${k.join('×')} (dilation ${dilations.join('×')}) is larger than the padded input: x is ${fmt(x.shape)}, filter is ${fmt(filter.shape)}`);
  }
  checkSize(op, [x.shape[0] as number, O, ...out]);
  return { strides, dilations, pads, groups, out };
}

defineOp({ name: 'conv1d', kernels: [], grad: 'composite', family: F });

/**
 * 1-D convolution (cross-correlation): x [N, C, L], filter [O, C/groups, K] → [N, O, OL].
 * Options: stride, padding (number, [left, right], 'same', 'valid'), dilation, groups. Runs as a
 * conv2d of height 1 (same kernels, same gradients, to any order).
 */
export function conv1d(x: Tensor, filter: Tensor, opts: Conv1dOptions = {}): Tensor {
  const op = 'conv1d';
  const g = convNdGeometry(op, 1, x, filter, opts, 'NCL [batch, channels, length]', '[outChannels, inChannels/groups, k]');
  const [N, C, L] = x.shape as [number, number, number];
  const [O, Cg, K] = filter.shape as [number, number, number];
  const p: Conv2dParams = {
    strides: [1, g.strides[0]!],
    pads: [0, 0, g.pads[0]![0], g.pads[0]![1]],
    dilations: [1, g.dilations[0]!],
    groups: g.groups,
    inShape: [N, C, 1, L],
    filterShape: [O, Cg, 1, K],
    outShape: [N, O, 1, g.out[0]!],
  };
  return scoped(() => reshape(convRaw(reshape(x, p.inShape), reshape(filter, p.filterShape), p), [N, O, g.out[0]!]));
}

defineOp({ name: 'conv3d', kernels: [], grad: 'composite', family: F });

/**
 * 3-D convolution (cross-correlation): x [N, C, D, H, W], filter [O, C/groups, KD, KH, KW] →
 * [N, O, OD, OH, OW]. Options: stride, dilation (a number or [d, h, w]), padding (number,
 * [d, h, w], [front, back, top, bottom, left, right], 'same', 'valid'), groups.
 *
 * Why a composition and not new kernels: the depth axis is unrolled into channels — for every
 * output depth `od` the KD input slices it reads (od·sd + kd·dd after zero padding) are gathered
 * and stacked as channels, and one grouped conv2d with the filter reshaped to
 * [O, KD·C/groups, KH, KW] does all the arithmetic. That is the same multiply-add count as a
 * direct 3-D kernel, on the tuned conv2d kernels of every backend (SIMD and threads on wasm), at
 * the cost of a KD-fold copy of the input. Every step (pad, gather, permute, reshape, conv2d) is
 * an op with a differentiable gradient rule, so first and second derivatives come for free and
 * stay correct on every backend, with no new kernel to keep in step across backends.
 */
export function conv3d(x: Tensor, filter: Tensor, opts: Conv3dOptions = {}): Tensor {
  const op = 'conv3d';
  const g = convNdGeometry(op, 3, x, filter, opts, 'NCDHW [batch, channels, depth, height, width]', '[outChannels, inChannels/groups, kD, kH, kW]');
  const [N, C, , H, W] = x.shape as [number, number, number, number, number];
  const [O, Cg, KD, KH, KW] = filter.shape as [number, number, number, number, number];
  const G = g.groups;
  const [OD, OH, OW] = g.out as [number, number, number];
  const [sd] = g.strides as [number];
  const [dd] = g.dilations as [number];
  const p: Conv2dParams = {
    strides: [g.strides[1]!, g.strides[2]!],
    pads: [g.pads[1]![0], g.pads[1]![1], g.pads[2]![0], g.pads[2]![1]],
    dilations: [g.dilations[1]!, g.dilations[2]!],
    groups: G,
    inShape: [N * OD, KD * C, H, W],
    filterShape: [O, KD * Cg, KH, KW],
    outShape: [N * OD, O, OH, OW],
  };
  checkSize(op, p.inShape);
  return scoped(() => {
    const xp = pad(x, [[0, 0], [0, 0], g.pads[0]!, [0, 0], [0, 0]]);
    // depth slices read by (od, kd), od-major
    const idx = new Int32Array(OD * KD);
    for (let od = 0; od < OD; od++) for (let kd = 0; kd < KD; kd++) idx[od * KD + kd] = od * sd + kd * dd;
    const slices = gather(xp, fromArray(idx, undefined, { backend: x.backend.name }), 2); // [N, C, OD·KD, H, W]
    // channels ordered (group, kd, channel in group), so grouped conv2d sees each group's KD·Cg inputs together
    const cols = reshape(permute(reshape(slices, [N, G, Cg, OD, KD, H, W]), [0, 3, 1, 4, 2, 5, 6]), p.inShape);
    const w2 = reshape(permute(filter, [0, 2, 1, 3, 4]), p.filterShape); // [O, KD, Cg, KH, KW]
    const y = convRaw(cols, w2, p); // [N·OD, O, OH, OW]
    return permute(reshape(y, [N, OD, O, OH, OW]), [0, 2, 1, 3, 4]);
  });
}
