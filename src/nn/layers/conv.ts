/**
 * Convolution and pooling layers over NCHW images, and the classic LeNet-5 building blocks:
 * a trainable subsampling layer (S2/S4) and a convolution with a fixed connection table (C3).
 */
import type { Tensor } from '../../tensor/tensor.js';
import { tensor, full } from '../../tensor/creation.js';
import * as ops from '../../ops/index.js';
import type { Conv1dOptions, Conv2dOptions, Conv2dTransposeOptions, Conv3dOptions, Pair, Padding, Padding3d, Triple } from '../../ops/index.js';
import { perAxis, resolvePadding, resolvePaddingNd } from '../../ops/conv.js';
import { padWith } from '../../ops/padding.js';
import { cfgBool, cfgNumber, Module, registerLayer, type JsonValue, type LayerConfig } from '../module.js';
import {
  checkNCHW, checkPadding, checkPair, checkPositiveInt, checkTensor, checkWeightCount, matchDtype, optFloatDType, resolveWeightOptions, weightConfig, weightOptionsFrom, WEIGHT_KEYS,
  type ResolvedWeightOptions, type WeightOptions,
} from './common.js';
import { ACTIVATIONS } from './activation.js';
import { checkArray, checkOneOf, checkOptions, describe, fail, optBoolean } from '../../validate.js';
import { fmt } from '../../tensor/shape.js';
import { Activation, type ActivationName } from './activation.js';
import { initialValue, type FloatDType } from '../init.js';
import { keep, noGrad } from '../../engine.js';

const CONV_KEYS = [...WEIGHT_KEYS, 'stride', 'padding', 'dilation', 'groups', 'paddingMode'];
const CONV_TRANSPOSE_KEYS = [...WEIGHT_KEYS, 'stride', 'padding', 'dilation', 'groups', 'outputPadding'];

/**
 * How a convolution layer fills its padding, as PyTorch's `padding_mode`: 'zeros' (default),
 * 'reflect' (mirrored without the edge), 'replicate' (the edge value) or 'circular' (wrapped).
 */
export type PaddingMode = 'zeros' | 'reflect' | 'replicate' | 'circular';
export const PADDING_MODES: readonly PaddingMode[] = ['zeros', 'reflect', 'replicate', 'circular'];

/**
 * x padded by `pads` ([before, after] per spatial axis) in a non-zero padding mode; the
 * convolution then runs unpadded.
 */
function padSpatial(op: string, x: Tensor, pads: readonly (readonly [number, number])[], mode: Exclude<PaddingMode, 'zeros'>): Tensor {
  return padWith(op, x, [[0, 0], [0, 0], ...pads], mode, 0);
}

/** Checks the geometry options of a convolution layer (padding names are allowed unless transposed). */
function checkGeometry(op: string, o: Conv2dTransposeLayerOptions | Conv2dLayerOptions, transposed: boolean): void {
  if (o.stride !== undefined) checkPair(op, 'stride', o.stride);
  if (o.dilation !== undefined) checkPair(op, 'dilation', o.dilation);
  if (o.padding !== undefined) checkPadding(op, 'padding', o.padding, !transposed);
  if (o.groups !== undefined) checkPositiveInt(op, 'groups', o.groups);
  if (transposed && (o as Conv2dTransposeLayerOptions).outputPadding !== undefined) checkPair(op, 'outputPadding', (o as Conv2dTransposeLayerOptions).outputPadding, 0);
}

function geometry(o: { stride?: Pair; padding?: Padding; dilation?: Pair; groups?: number }): { [k: string]: JsonValue } {
  const c: { [k: string]: JsonValue } = {};
  if (o.stride !== undefined) c.stride = o.stride as JsonValue;
  if (o.padding !== undefined) c.padding = o.padding as JsonValue;
  if (o.dilation !== undefined) c.dilation = o.dilation as JsonValue;
  if (o.groups !== undefined) c.groups = o.groups;
  return c;
}

function geometryFrom(c: LayerConfig): Conv2dLayerOptions {
  const o: Conv2dLayerOptions = {};
  if (c.paddingMode !== undefined) o.paddingMode = c.paddingMode as PaddingMode;
  if (c.stride !== undefined) o.stride = c.stride as Pair;
  if (c.padding !== undefined) o.padding = c.padding as Padding;
  if (c.dilation !== undefined) o.dilation = c.dilation as Pair;
  if (c.groups !== undefined) o.groups = c.groups as number;
  return o;
}

/** Checks a convolution layer's channel counts and groups; returns the kernel size as a pair. */
function checkConvLayer(op: string, inChannels: number, outChannels: number, kernel: Pair, groups: number): [number, number] {
  checkPositiveInt(op, 'inChannels', inChannels);
  checkPositiveInt(op, 'outChannels', outChannels);
  checkPositiveInt(op, 'groups', groups);
  if (inChannels % groups || outChannels % groups) throw new Error(`${op}: groups ${groups} must divide inChannels ${inChannels} and outChannels ${outChannels}`);
  const k = checkPair(op, 'kernel', kernel);
  checkWeightCount(op, [outChannels, inChannels / groups, ...k]);
  return k;
}

export interface Conv2dLayerOptions extends WeightOptions, Conv2dOptions {
  /** How padding is filled (default 'zeros'). */
  paddingMode?: PaddingMode;
}

/**
 * 2-D convolution layer: x [N, inC, H, W] → [N, outC, OH, OW], filter [outC, inC/groups, kH, kW],
 * bias [outC]. Options: stride, padding (number, [h, w], [t, b, l, r], 'same', 'valid'), dilation, groups.
 */
export class Conv2d extends Module {
  /** The registered layer type: names it in summaries and saved files, also in minified bundles. */
  static override readonly layerType: string = 'Conv2d';
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  readonly kernelSize: [number, number];
  protected readonly wopts: ResolvedWeightOptions;
  protected readonly geom: Conv2dOptions;
  readonly paddingMode: PaddingMode;

  constructor(readonly inChannels: number, readonly outChannels: number, kernel: Pair, opts: Conv2dLayerOptions = {}, op = 'conv2d') {
    super();
    this.wopts = resolveWeightOptions(op, opts, CONV_KEYS);
    checkGeometry(op, opts, false);
    const groups = opts.groups ?? 1;
    this.kernelSize = checkConvLayer(op, inChannels, outChannels, kernel, groups);
    this.geom = { stride: opts.stride, padding: opts.padding, dilation: opts.dilation, groups: opts.groups };
    this.paddingMode = opts.paddingMode === undefined ? 'zeros' : checkOneOf(op, 'paddingMode', opts.paddingMode, PADDING_MODES);
    const o = this.wopts;
    const [kh, kw] = this.kernelSize;
    const fans = { fanIn: (inChannels / groups) * kh * kw, fanOut: (outChannels / groups) * kh * kw };
    this.weight = this.registerParameter('weight', o.init.create([outChannels, inChannels / groups, kh, kw], fans, o.dtype), { l1: o.l1, l2: o.l2 });
    this.bias = o.bias ? this.registerParameter('bias', o.biasInit.create([outChannels], fans, o.dtype)) : null;
  }

  /** The filter used in forward (subclasses may mask it). */
  protected filter(): Tensor {
    return this.weight;
  }

  forward(x: Tensor): Tensor {
    checkTensor('conv2d', 'x', x);
    checkNCHW('conv2d', x, this.inChannels);
    let xin = matchDtype('conv2d', x, this.weight);
    let geom = this.geom;
    if (this.paddingMode !== 'zeros' && geom.padding !== undefined) {
      const [sh, sw] = checkPair('conv2d', 'stride', geom.stride ?? 1);
      const [dh, dw] = checkPair('conv2d', 'dilation', geom.dilation ?? 1);
      const [kh, kw] = this.kernelSize;
      const p = resolvePadding('conv2d', geom.padding, x.shape[2] as number, x.shape[3] as number, (kh - 1) * dh + 1, (kw - 1) * dw + 1, sh, sw);
      xin = padSpatial('conv2d', xin, [[p[0], p[1]], [p[2], p[3]]], this.paddingMode);
      geom = { ...geom, padding: 0 };
    }
    const y = ops.conv2d(xin, this.filter(), geom);
    return this.bias ? ops.add(y, ops.reshape(this.bias, [this.outChannels, 1, 1])) : y;
  }

  override config(): LayerConfig {
    const c: LayerConfig = { type: 'Conv2d', inChannels: this.inChannels, outChannels: this.outChannels, kernel: this.kernelSize, ...geometry(this.geom), ...weightConfig(this.wopts) };
    if (this.paddingMode !== 'zeros') c.paddingMode = this.paddingMode;
    return c;
  }
}
registerLayer('Conv2d', (c) => new Conv2d(cfgNumber(c, 'inChannels'), cfgNumber(c, 'outChannels'), c.kernel as Pair, { ...geometryFrom(c), ...weightOptionsFrom(c) }));

/** A 2-D convolution layer (NCHW). Weights default to He uniform, bias to zeros. */
export function conv2d(inChannels: number, outChannels: number, kernel: Pair, opts: Conv2dLayerOptions = {}): Conv2d {
  return new Conv2d(inChannels, outChannels, kernel, opts);
}

export interface Conv1dLayerOptions extends WeightOptions, Conv1dOptions {
  /** How padding is filled (default 'zeros'). */
  paddingMode?: PaddingMode;
}
export interface Conv3dLayerOptions extends WeightOptions, Conv3dOptions {
  /** How padding is filled (default 'zeros'). */
  paddingMode?: PaddingMode;
}

/** What conv1d/conv3d layers share: the same options, one value (or one per axis) per spatial axis. */
abstract class ConvNd extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  /** One size per spatial axis. */
  readonly kernelSize: number[];
  readonly paddingMode: PaddingMode;
  protected readonly wopts: ResolvedWeightOptions;
  protected readonly geom: { stride?: number | readonly number[]; padding?: unknown; dilation?: number | readonly number[]; groups?: number };

  constructor(private readonly nd: 1 | 3, private readonly op: string, readonly inChannels: number, readonly outChannels: number, kernel: number | readonly number[], opts: Conv1dLayerOptions | Conv3dLayerOptions) {
    super();
    this.wopts = resolveWeightOptions(op, opts, CONV_KEYS);
    const o = opts as { stride?: unknown; padding?: unknown; dilation?: unknown; groups?: unknown; paddingMode?: unknown };
    checkPositiveInt(op, 'inChannels', inChannels);
    checkPositiveInt(op, 'outChannels', outChannels);
    const groups = o.groups === undefined ? 1 : checkPositiveInt(op, 'groups', o.groups);
    if (inChannels % groups || outChannels % groups) throw new Error(`${op}: groups ${groups} must divide inChannels ${inChannels} and outChannels ${outChannels}`);
    if (kernel === undefined) fail(op, 'kernel', nd === 1 ? 'an integer ≥ 1' : 'an integer ≥ 1 or 3 of them', kernel);
    this.kernelSize = perAxis(op, 'kernel', kernel, nd, 1);
    if (o.stride !== undefined) perAxis(op, 'stride', o.stride, nd, 1);
    if (o.dilation !== undefined) perAxis(op, 'dilation', o.dilation, nd, 1);
    const ones = new Array<number>(nd).fill(1);
    if (o.padding !== undefined) resolvePaddingNd(op, o.padding, ones, ones, ones);
    this.paddingMode = o.paddingMode === undefined ? 'zeros' : checkOneOf(op, 'paddingMode', o.paddingMode, PADDING_MODES);
    checkWeightCount(op, [outChannels, inChannels / groups, ...this.kernelSize]);
    this.geom = { stride: opts.stride, padding: opts.padding, dilation: opts.dilation, groups: opts.groups };
    const k = this.kernelSize.reduce((a, b) => a * b, 1);
    const fans = { fanIn: (inChannels / groups) * k, fanOut: (outChannels / groups) * k };
    const w = this.wopts;
    this.weight = this.registerParameter('weight', w.init.create([outChannels, inChannels / groups, ...this.kernelSize], fans, w.dtype), { l1: w.l1, l2: w.l2 });
    this.bias = w.bias ? this.registerParameter('bias', w.biasInit.create([outChannels], fans, w.dtype)) : null;
  }

  protected abstract conv(x: Tensor, w: Tensor, geom: ConvNd['geom']): Tensor;

  forward(x: Tensor): Tensor {
    const op = this.op;
    checkTensor(op, 'x', x);
    const layout = this.nd === 1 ? 'NCL [batch, channels, length]' : 'NCDHW [batch, channels, depth, height, width]';
    if (x.rank !== this.nd + 2) throw new Error(`${op}: input must be ${this.nd + 2}-D ${layout}, got ${fmt(x.shape)}`);
    if (x.shape[1] !== this.inChannels) throw new Error(`${op}: input has ${x.shape[1]} channels, expected ${this.inChannels}: x is ${fmt(x.shape)}`);
    let xin = matchDtype(op, x, this.weight);
    let geom = this.geom;
    if (this.paddingMode !== 'zeros' && geom.padding !== undefined) {
      const strides = perAxis(op, 'stride', geom.stride, this.nd, 1);
      const dil = perAxis(op, 'dilation', geom.dilation, this.nd, 1);
      const ek = this.kernelSize.map((k, i) => (k - 1) * dil[i]! + 1);
      const pads = resolvePaddingNd(op, geom.padding, x.shape.slice(2), ek, strides);
      xin = padSpatial(op, xin, pads, this.paddingMode);
      geom = { ...geom, padding: 0 };
    }
    const y = this.conv(xin, this.weight, geom);
    return this.bias ? ops.add(y, ops.reshape(this.bias, [this.outChannels, ...new Array<number>(this.nd).fill(1)])) : y;
  }

  override config(): LayerConfig {
    const c: LayerConfig = { type: this.typeName, inChannels: this.inChannels, outChannels: this.outChannels, kernel: this.nd === 1 ? this.kernelSize[0]! : this.kernelSize };
    for (const k of ['stride', 'padding', 'dilation', 'groups'] as const) if (this.geom[k] !== undefined) c[k] = this.geom[k] as JsonValue;
    if (this.paddingMode !== 'zeros') c.paddingMode = this.paddingMode;
    return { ...c, ...weightConfig(this.wopts) };
  }
}

function convNdFrom(c: LayerConfig): Conv3dLayerOptions {
  const o: Conv3dLayerOptions = { ...weightOptionsFrom(c) };
  if (c.stride !== undefined) o.stride = c.stride as Triple;
  if (c.padding !== undefined) o.padding = c.padding as Padding3d;
  if (c.dilation !== undefined) o.dilation = c.dilation as Triple;
  if (c.groups !== undefined) o.groups = c.groups as number;
  if (c.paddingMode !== undefined) o.paddingMode = c.paddingMode as PaddingMode;
  return o;
}

/**
 * 1-D convolution layer: x [N, inC, L] → [N, outC, OL], filter [outC, inC/groups, k], bias
 * [outC]. Options: stride, padding (number, [left, right], 'same', 'valid'), dilation, groups,
 * paddingMode.
 */
export class Conv1d extends ConvNd {
  /** The registered layer type: names it in summaries and saved files, also in minified bundles. */
  static override readonly layerType: string = 'Conv1d';
  constructor(inChannels: number, outChannels: number, kernel: number, opts: Conv1dLayerOptions = {}) {
    super(1, 'conv1d', inChannels, outChannels, kernel, opts);
  }

  protected conv(x: Tensor, w: Tensor, geom: ConvNd['geom']): Tensor {
    return ops.conv1d(x, w, geom as Conv1dOptions);
  }
}
registerLayer('Conv1d', (c) => new Conv1d(cfgNumber(c, 'inChannels'), cfgNumber(c, 'outChannels'), cfgNumber(c, 'kernel'), convNdFrom(c) as Conv1dLayerOptions));

/** A 1-D convolution layer (NCL), e.g. over sequences or signals. Weights default to He uniform, bias to zeros. */
export function conv1d(inChannels: number, outChannels: number, kernel: number, opts: Conv1dLayerOptions = {}): Conv1d {
  return new Conv1d(inChannels, outChannels, kernel, opts);
}

/**
 * 3-D convolution layer: x [N, inC, D, H, W] → [N, outC, OD, OH, OW], filter
 * [outC, inC/groups, kD, kH, kW], bias [outC]. Options as conv3d's (a number or [d, h, w] each),
 * plus paddingMode.
 */
export class Conv3d extends ConvNd {
  /** The registered layer type: names it in summaries and saved files, also in minified bundles. */
  static override readonly layerType: string = 'Conv3d';
  constructor(inChannels: number, outChannels: number, kernel: Triple, opts: Conv3dLayerOptions = {}) {
    super(3, 'conv3d', inChannels, outChannels, kernel, opts);
  }

  protected conv(x: Tensor, w: Tensor, geom: ConvNd['geom']): Tensor {
    return ops.conv3d(x, w, geom as Conv3dOptions);
  }
}
registerLayer('Conv3d', (c) => new Conv3d(cfgNumber(c, 'inChannels'), cfgNumber(c, 'outChannels'), c.kernel as Triple, convNdFrom(c)));

/** A 3-D convolution layer (NCDHW), e.g. over volumes or video. Weights default to He uniform, bias to zeros. */
export function conv3d(inChannels: number, outChannels: number, kernel: Triple, opts: Conv3dLayerOptions = {}): Conv3d {
  return new Conv3d(inChannels, outChannels, kernel, opts);
}

export interface Conv2dTransposeLayerOptions extends WeightOptions, Conv2dTransposeOptions {}

/**
 * Transposed convolution layer: x [N, inC, H, W] → [N, outC, (H−1)·s − pads + d·(kH−1) + outputPadding + 1, …];
 * filter [inC, outC/groups, kH, kW], bias [outC].
 */
export class Conv2dTranspose extends Module {
  /** The registered layer type: names it in summaries and saved files, also in minified bundles. */
  static override readonly layerType: string = 'Conv2dTranspose';
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  readonly kernelSize: [number, number];
  private readonly wopts: ResolvedWeightOptions;
  private readonly geom: Conv2dTransposeOptions;

  constructor(readonly inChannels: number, readonly outChannels: number, kernel: Pair, opts: Conv2dTransposeLayerOptions = {}) {
    super();
    this.wopts = resolveWeightOptions('conv2dTranspose', opts, CONV_TRANSPOSE_KEYS);
    checkGeometry('conv2dTranspose', opts, true);
    const groups = opts.groups ?? 1;
    this.kernelSize = checkConvLayer('conv2dTranspose', inChannels, outChannels, kernel, groups);
    this.geom = { stride: opts.stride, padding: opts.padding, outputPadding: opts.outputPadding, dilation: opts.dilation, groups: opts.groups };
    const o = this.wopts;
    const [kh, kw] = this.kernelSize;
    const fans = { fanIn: (inChannels / groups) * kh * kw, fanOut: (outChannels / groups) * kh * kw };
    this.weight = this.registerParameter('weight', o.init.create([inChannels, outChannels / groups, kh, kw], fans, o.dtype), { l1: o.l1, l2: o.l2 });
    this.bias = o.bias ? this.registerParameter('bias', o.biasInit.create([outChannels], fans, o.dtype)) : null;
  }

  forward(x: Tensor): Tensor {
    checkTensor('conv2dTranspose', 'x', x);
    checkNCHW('conv2dTranspose', x, this.inChannels);
    const y = ops.conv2dTranspose(matchDtype('conv2dTranspose', x, this.weight), this.weight, this.geom);
    return this.bias ? ops.add(y, ops.reshape(this.bias, [this.outChannels, 1, 1])) : y;
  }

  override config(): LayerConfig {
    const g = geometry(this.geom);
    if (this.geom.outputPadding !== undefined) g.outputPadding = this.geom.outputPadding as JsonValue;
    return { type: 'Conv2dTranspose', inChannels: this.inChannels, outChannels: this.outChannels, kernel: this.kernelSize, ...g, ...weightConfig(this.wopts) };
  }
}
registerLayer('Conv2dTranspose', (c) => {
  const g = geometryFrom(c) as Conv2dTransposeOptions;
  if (c.outputPadding !== undefined) g.outputPadding = c.outputPadding as Pair;
  return new Conv2dTranspose(cfgNumber(c, 'inChannels'), cfgNumber(c, 'outChannels'), c.kernel as Pair, { ...g, ...weightOptionsFrom(c) });
});

/** A transposed-convolution layer (NCHW), e.g. stride-2 upsampling in decoders. */
export function conv2dTranspose(inChannels: number, outChannels: number, kernel: Pair, opts: Conv2dTransposeLayerOptions = {}): Conv2dTranspose {
  return new Conv2dTranspose(inChannels, outChannels, kernel, opts);
}

export interface PoolLayerOptions {
  /** Defaults to the kernel size. */
  stride?: Pair;
  padding?: Padding;
  /** avgPool2d: whether padded cells count in each window's divisor (default false). */
  countIncludePad?: boolean;
  /** maxPool2d: the spacing of a window's cells (default 1). */
  dilation?: Pair;
  /** Round the output size up (PyTorch's ceil_mode; default false). */
  ceilMode?: boolean;
}

/** Max or average pooling over NCHW. */
export class Pool2d extends Module {
  constructor(readonly mode: 'max' | 'avg', readonly kernel: Pair, readonly opts: PoolLayerOptions = {}) {
    super();
    const op = mode === 'max' ? 'maxPool2d' : 'avgPool2d';
    checkOneOf('pool2d', 'mode', mode, ['max', 'avg'] as const);
    const o = checkOptions(op, opts, mode === 'max' ? ['stride', 'padding', 'dilation', 'ceilMode'] : ['stride', 'padding', 'countIncludePad', 'ceilMode']);
    checkPair(op, 'kernel', kernel);
    if (o.stride !== undefined) checkPair(op, 'stride', o.stride);
    if (o.padding !== undefined) checkPadding(op, 'padding', o.padding);
    if (o.dilation !== undefined) checkPair(op, 'dilation', o.dilation);
    optBoolean(op, 'countIncludePad', o.countIncludePad, false);
    optBoolean(op, 'ceilMode', o.ceilMode, false);
  }

  override get typeName(): string {
    return this.mode === 'max' ? 'MaxPool2d' : 'AvgPool2d';
  }

  forward(x: Tensor): Tensor {
    checkTensor(this.mode === 'max' ? 'maxPool2d' : 'avgPool2d', 'x', x);
    return this.mode === 'max' ? ops.maxPool2d(x, this.kernel, this.opts) : ops.avgPool2d(x, this.kernel, this.opts);
  }

  override config(): LayerConfig {
    const c: LayerConfig = { type: this.typeName, kernel: this.kernel as JsonValue };
    for (const k of ['stride', 'padding', 'dilation', 'countIncludePad', 'ceilMode'] as const) if (this.opts[k] !== undefined) c[k] = this.opts[k] as JsonValue;
    return c;
  }
}
const poolFrom = (mode: 'max' | 'avg') => (c: LayerConfig): Module => {
  const o: PoolLayerOptions = {};
  if (c.stride !== undefined) o.stride = c.stride as Pair;
  if (c.padding !== undefined) o.padding = c.padding as Padding;
  if (c.dilation !== undefined) o.dilation = c.dilation as Pair;
  if (c.countIncludePad !== undefined) o.countIncludePad = cfgBool(c, 'countIncludePad', false);
  if (c.ceilMode !== undefined) o.ceilMode = cfgBool(c, 'ceilMode', false);
  return new Pool2d(mode, c.kernel as Pair, o);
};
registerLayer('MaxPool2d', poolFrom('max'));
registerLayer('AvgPool2d', poolFrom('avg'));

/** Max pooling (stride defaults to the kernel size); the gradient goes to each window's arg-max. */
export function maxPool2d(kernel: Pair, opts: PoolLayerOptions = {}): Pool2d {
  return new Pool2d('max', kernel, opts);
}
/** Average (mean) pooling; the gradient is spread evenly over each window. */
export function avgPool2d(kernel: Pair, opts: PoolLayerOptions = {}): Pool2d {
  return new Pool2d('avg', kernel, opts);
}

/**
 * LeNet-5's trainable subsampling (S2, S4): each channel's 2×2 (by default) average, times a
 * learned per-channel coefficient, plus a learned per-channel bias, then an activation
 * (default tanh; LeCun et al. used a scaled tanh).
 */
export class Subsampling extends Module {
  /** The registered layer type: names it in summaries and saved files, also in minified bundles. */
  static override readonly layerType: string = 'Subsampling';
  readonly coefficient: Tensor;
  readonly bias: Tensor;
  private readonly act: Activation;

  constructor(readonly channels: number, readonly kernel = 2, readonly activationName: ActivationName = 'tanh', dtype: FloatDType = 'float32') {
    super();
    checkPositiveInt('subsampling', 'channels', channels);
    checkPositiveInt('subsampling', 'kernel', kernel);
    checkWeightCount('subsampling', [channels, 1, 1]);
    checkOneOf('subsampling', 'activation', activationName, ACTIVATIONS);
    optFloatDType('subsampling', dtype);
    this.coefficient = this.registerParameter('coefficient', initialValue([channels, 1, 1], dtype, () => full([channels, 1, 1], 1, { dtype })));
    this.bias = this.registerParameter('bias', initialValue([channels, 1, 1], dtype, () => full([channels, 1, 1], 0, { dtype })));
    this.act = new Activation(activationName);
  }

  forward(x: Tensor): Tensor {
    checkTensor('subsampling', 'x', x);
    checkNCHW('subsampling', x, this.channels);
    const p = ops.avgPool2d(x, this.kernel);
    return this.act.forward(ops.add(ops.mul(p, this.coefficient), this.bias));
  }

  override config(): LayerConfig {
    return { type: 'Subsampling', channels: this.channels, kernel: this.kernel, activation: this.activationName, dtype: this.coefficient.dtype };
  }
}
registerLayer('Subsampling', (c) => new Subsampling(cfgNumber(c, 'channels'), cfgNumber(c, 'kernel', 2), (c.activation ?? 'tanh') as ActivationName, c.dtype === 'float64' ? 'float64' : 'float32'));

/** LeNet-5's trainable subsampling layer: avgPool(k) · coefficient[c] + bias[c], then `activation`. */
export function subsampling(channels: number, opts: { kernel?: number; activation?: ActivationName; dtype?: FloatDType } = {}): Subsampling {
  const o = checkOptions('subsampling', opts, ['kernel', 'activation', 'dtype']);
  return new Subsampling(channels, o.kernel === undefined ? 2 : o.kernel, o.activation === undefined ? 'tanh' : o.activation, o.dtype === undefined ? 'float32' : o.dtype);
}

/**
 * LeNet-5's C3 connection table (LeCun et al. 1998, Table I): row o lists the S2 maps (0–5) that
 * C3 map o (0–15) reads. Maps 0–5 read 3 neighbouring maps, 6–11 read 4 neighbouring maps,
 * 12–14 read 4 non-neighbouring maps, and map 15 reads all 6: 60 connections.
 */
export const LENET5_C3_TABLE: readonly (readonly number[])[] = [
  [0, 1, 2], [1, 2, 3], [2, 3, 4], [3, 4, 5], [0, 4, 5], [0, 1, 5],
  [0, 1, 2, 3], [1, 2, 3, 4], [2, 3, 4, 5], [0, 3, 4, 5], [0, 1, 4, 5], [0, 1, 2, 5],
  [0, 1, 3, 4], [1, 2, 4, 5], [0, 2, 3, 5],
  [0, 1, 2, 3, 4, 5],
];

/**
 * A convolution with a fixed connection table: output map o sees only the input maps listed in
 * `table[o]`. The filter is multiplied by a fixed 0/1 mask [outC, inC, 1, 1] in every forward,
 * so unconnected weights get zero gradient and never change; `numParameters()` counts only
 * connected weights (LeNet-5's C3: 60·25 + 16 = 1,516).
 */
export class PartialConv2d extends Conv2d {
  /** The registered layer type: names it in summaries and saved files, also in minified bundles. */
  static override readonly layerType: string = 'PartialConv2d';
  readonly table: number[][];
  private readonly mask: Tensor;

  constructor(inChannels: number, outChannels: number, kernel: Pair, table: readonly (readonly number[])[], opts: Conv2dLayerOptions = {}, op = 'partialConv2d') {
    const o = checkOptions(op, opts, CONV_KEYS);
    if (o.groups !== undefined && o.groups !== 1) throw new Error(`${op}: groups are not supported (the table replaces them)`);
    checkArray(op, 'table', table).forEach((row, i) => {
      if (!Array.isArray(row)) fail(op, `table[${i}]`, 'an array of input channel indices', row);
    });
    super(inChannels, outChannels, kernel, opts, op);
    if (table.length !== outChannels) throw new Error(`partialConv2d: the table has ${table.length} rows, expected one per output channel (${outChannels})`);
    const m = new Array<number>(outChannels * inChannels).fill(0);
    this.table = table.map((row, o) => {
      if (row.length === 0) throw new Error(`partialConv2d: output channel ${o} is connected to no input channel`);
      for (const i of row) {
        if (!Number.isInteger(i) || i < 0 || i >= inChannels) throw new Error(`partialConv2d: table row ${o} names input channel ${describe(i)}, expected 0..${inChannels - 1}`);
        m[o * inChannels + i] = 1;
      }
      return [...row];
    });
    this.mask = keep(tensor(m, { shape: [outChannels, inChannels, 1, 1], dtype: this.weight.dtype }));
    // Unconnected weights start (and stay) at zero, so stateDict shows the true filters.
    noGrad(() => {
      const w = ops.mul(this.weight, this.mask);
      this.weight.assign(w);
      w.dispose();
    });
  }

  protected override filter(): Tensor {
    return ops.mul(this.weight, this.mask);
  }

  override ownParameterCount(): number {
    const [kh, kw] = this.kernelSize;
    const links = this.table.reduce((s, r) => s + r.length, 0);
    return links * kh * kw + (this.bias ? this.outChannels : 0);
  }

  override config(): LayerConfig {
    return { ...super.config(), type: 'PartialConv2d', table: this.table };
  }

  override dispose(): void {
    super.dispose();
    this.mask.dispose();
  }
}
registerLayer('PartialConv2d', (c) => new PartialConv2d(cfgNumber(c, 'inChannels'), cfgNumber(c, 'outChannels'), c.kernel as Pair, c.table as number[][], { ...geometryFrom(c), ...weightOptionsFrom(c) }));

/** A convolution whose output map o reads only the input maps in `table[o]` (e.g. LENET5_C3_TABLE). */
export function partialConv2d(inChannels: number, outChannels: number, kernel: Pair, table: readonly (readonly number[])[], opts: Conv2dLayerOptions = {}): PartialConv2d {
  return new PartialConv2d(inChannels, outChannels, kernel, table, opts);
}

/** LeNet-5's C3: 6 → 16 maps, 5×5, with the classic partial connection table. */
export function lenet5C3(opts: Conv2dLayerOptions = {}): PartialConv2d {
  return new PartialConv2d(6, 16, 5, LENET5_C3_TABLE, opts, 'lenet5C3');
}
