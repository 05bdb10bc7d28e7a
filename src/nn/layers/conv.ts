/**
 * Convolution and pooling layers over NCHW images, and the classic LeNet-5 building blocks:
 * a trainable subsampling layer (S2/S4) and a convolution with a fixed connection table (C3).
 */
import type { Tensor } from '../../tensor/tensor.js';
import { tensor, full } from '../../tensor/creation.js';
import * as ops from '../../ops/index.js';
import type { Conv2dOptions, Conv2dTransposeOptions, Pair, Padding } from '../../ops/index.js';
import { cfgBool, cfgNumber, Module, registerLayer, type JsonValue, type LayerConfig } from '../module.js';
import {
  checkNCHW, checkPadding, checkPair, checkPositiveInt, checkTensor, checkWeightCount, matchDtype, optFloatDType, resolveWeightOptions, weightConfig, weightOptionsFrom, WEIGHT_KEYS,
  type ResolvedWeightOptions, type WeightOptions,
} from './common.js';
import { ACTIVATIONS } from './activation.js';
import { checkArray, checkOneOf, checkOptions, describe, fail, optBoolean } from '../../validate.js';
import { Activation, type ActivationName } from './activation.js';
import { initialValue, type FloatDType } from '../init.js';
import { keep, noGrad } from '../../engine.js';

const CONV_KEYS = [...WEIGHT_KEYS, 'stride', 'padding', 'dilation', 'groups'];
const CONV_TRANSPOSE_KEYS = [...CONV_KEYS, 'outputPadding'];

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

function geometryFrom(c: LayerConfig): Conv2dOptions {
  const o: Conv2dOptions = {};
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

export interface Conv2dLayerOptions extends WeightOptions, Conv2dOptions {}

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

  constructor(readonly inChannels: number, readonly outChannels: number, kernel: Pair, opts: Conv2dLayerOptions = {}, op = 'conv2d') {
    super();
    this.wopts = resolveWeightOptions(op, opts, CONV_KEYS);
    checkGeometry(op, opts, false);
    const groups = opts.groups ?? 1;
    this.kernelSize = checkConvLayer(op, inChannels, outChannels, kernel, groups);
    this.geom = { stride: opts.stride, padding: opts.padding, dilation: opts.dilation, groups: opts.groups };
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
    const y = ops.conv2d(matchDtype('conv2d', x, this.weight), this.filter(), this.geom);
    return this.bias ? ops.add(y, ops.reshape(this.bias, [this.outChannels, 1, 1])) : y;
  }

  override config(): LayerConfig {
    return { type: 'Conv2d', inChannels: this.inChannels, outChannels: this.outChannels, kernel: this.kernelSize, ...geometry(this.geom), ...weightConfig(this.wopts) };
  }
}
registerLayer('Conv2d', (c) => new Conv2d(cfgNumber(c, 'inChannels'), cfgNumber(c, 'outChannels'), c.kernel as Pair, { ...geometryFrom(c), ...weightOptionsFrom(c) }));

/** A 2-D convolution layer (NCHW). Weights default to He uniform, bias to zeros. */
export function conv2d(inChannels: number, outChannels: number, kernel: Pair, opts: Conv2dLayerOptions = {}): Conv2d {
  return new Conv2d(inChannels, outChannels, kernel, opts);
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
}

/** Max or average pooling over NCHW. */
export class Pool2d extends Module {
  constructor(readonly mode: 'max' | 'avg', readonly kernel: Pair, readonly opts: PoolLayerOptions = {}) {
    super();
    const op = mode === 'max' ? 'maxPool2d' : 'avgPool2d';
    checkOneOf('pool2d', 'mode', mode, ['max', 'avg'] as const);
    const o = checkOptions(op, opts, mode === 'max' ? ['stride', 'padding'] : ['stride', 'padding', 'countIncludePad']);
    checkPair(op, 'kernel', kernel);
    if (o.stride !== undefined) checkPair(op, 'stride', o.stride);
    if (o.padding !== undefined) checkPadding(op, 'padding', o.padding);
    optBoolean(op, 'countIncludePad', o.countIncludePad, false);
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
    if (this.opts.stride !== undefined) c.stride = this.opts.stride as JsonValue;
    if (this.opts.padding !== undefined) c.padding = this.opts.padding as JsonValue;
    if (this.opts.countIncludePad !== undefined) c.countIncludePad = this.opts.countIncludePad;
    return c;
  }
}
const poolFrom = (mode: 'max' | 'avg') => (c: LayerConfig): Module => {
  const o: PoolLayerOptions = {};
  if (c.stride !== undefined) o.stride = c.stride as Pair;
  if (c.padding !== undefined) o.padding = c.padding as Padding;
  if (c.countIncludePad !== undefined) o.countIncludePad = cfgBool(c, 'countIncludePad', false);
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
