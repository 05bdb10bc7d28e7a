/**
 * Pooling layers beyond 2-D max/average pooling (which live in conv.ts): 1-D and 3-D max and
 * average pooling, adaptive pooling to a fixed output size, and global pooling.
 */
import type { Tensor } from '../../tensor/tensor.js';
import * as ops from '../../ops/index.js';
import type { Pair, Padding1d, Padding3d, Triple } from '../../ops/index.js';
import { perAxis, resolvePaddingNd } from '../../ops/conv.js';
import { cfgBool, Module, registerLayer, type JsonValue, type LayerConfig } from '../module.js';
import { checkTensor } from './common.js';
import { checkOneOf, checkOptions, fail, optBoolean } from '../../validate.js';

export interface Pool1dLayerOptions {
  /** Defaults to the kernel size. */
  stride?: number;
  padding?: Padding1d;
  /** Average pooling: whether padded cells count in each window's divisor (default false). */
  countIncludePad?: boolean;
  /** Max pooling: the spacing of a window's cells (default 1). */
  dilation?: number;
  /** Round the output size up (PyTorch's ceil_mode; default false). */
  ceilMode?: boolean;
}

export interface Pool3dLayerOptions {
  /** Defaults to the kernel size. */
  stride?: Triple;
  padding?: Padding3d;
  countIncludePad?: boolean;
  dilation?: Triple;
  ceilMode?: boolean;
}

const POOL_KEYS = ['stride', 'padding', 'dilation', 'countIncludePad', 'ceilMode'] as const;

/** Max or average pooling over NCL (nd 1) or NCDHW (nd 3). */
export class PoolNd extends Module {
  constructor(readonly mode: 'max' | 'avg', readonly nd: 1 | 3, readonly kernel: number | Triple, readonly opts: Pool1dLayerOptions | Pool3dLayerOptions = {}) {
    super();
    checkOneOf('poolNd', 'mode', mode, ['max', 'avg'] as const);
    checkOneOf('poolNd', 'nd', String(nd), ['1', '3'] as const);
    const op = this.opName;
    const o = checkOptions(op, opts as Pool3dLayerOptions, mode === 'max' ? ['stride', 'padding', 'dilation', 'ceilMode'] : ['stride', 'padding', 'countIncludePad', 'ceilMode']);
    if (kernel === undefined) fail(op, 'kernel', nd === 1 ? 'an integer ≥ 1' : 'an integer ≥ 1 or 3 of them', kernel);
    perAxis(op, 'kernel', kernel, nd, 1);
    if (o.stride !== undefined) perAxis(op, 'stride', o.stride, nd, 1);
    if (o.dilation !== undefined) perAxis(op, 'dilation', o.dilation, nd, 1);
    const ones = new Array<number>(nd).fill(1);
    if (o.padding !== undefined) resolvePaddingNd(op, o.padding, ones, ones, ones);
    optBoolean(op, 'countIncludePad', o.countIncludePad, false);
    optBoolean(op, 'ceilMode', o.ceilMode, false);
  }

  private get opName(): string {
    return `${this.mode}Pool${this.nd}d`;
  }

  override get typeName(): string {
    return `${this.mode === 'max' ? 'Max' : 'Avg'}Pool${this.nd}d`;
  }

  forward(x: Tensor): Tensor {
    checkTensor(this.opName, 'x', x);
    if (this.nd === 1) {
      const k = this.kernel as number;
      const o = this.opts as Pool1dLayerOptions;
      return this.mode === 'max' ? ops.maxPool1d(x, k, o) : ops.avgPool1d(x, k, o);
    }
    const o = this.opts as Pool3dLayerOptions;
    return this.mode === 'max' ? ops.maxPool3d(x, this.kernel, o) : ops.avgPool3d(x, this.kernel, o);
  }

  override config(): LayerConfig {
    const c: LayerConfig = { type: this.typeName, kernel: this.kernel as JsonValue };
    const o = this.opts as Record<string, unknown>;
    for (const k of POOL_KEYS) if (o[k] !== undefined) c[k] = o[k] as JsonValue;
    return c;
  }
}
const poolNdFrom = (mode: 'max' | 'avg', nd: 1 | 3) => (c: LayerConfig): Module => {
  const o: Record<string, unknown> = {};
  for (const k of ['stride', 'padding', 'dilation'] as const) if (c[k] !== undefined) o[k] = c[k];
  if (c.countIncludePad !== undefined) o.countIncludePad = cfgBool(c, 'countIncludePad', false);
  if (c.ceilMode !== undefined) o.ceilMode = cfgBool(c, 'ceilMode', false);
  return new PoolNd(mode, nd, c.kernel as Triple, o);
};
registerLayer('MaxPool1d', poolNdFrom('max', 1));
registerLayer('AvgPool1d', poolNdFrom('avg', 1));
registerLayer('MaxPool3d', poolNdFrom('max', 3));
registerLayer('AvgPool3d', poolNdFrom('avg', 3));

/** 1-D max pooling over NCL (stride defaults to the kernel size). */
export function maxPool1d(kernel: number, opts: Pool1dLayerOptions = {}): PoolNd {
  return new PoolNd('max', 1, kernel, opts);
}
/** 1-D average pooling over NCL. */
export function avgPool1d(kernel: number, opts: Pool1dLayerOptions = {}): PoolNd {
  return new PoolNd('avg', 1, kernel, opts);
}
/** 3-D max pooling over NCDHW (kernel a number or [d, h, w]). */
export function maxPool3d(kernel: Triple, opts: Pool3dLayerOptions = {}): PoolNd {
  return new PoolNd('max', 3, kernel, opts);
}
/** 3-D average pooling over NCDHW. */
export function avgPool3d(kernel: Triple, opts: Pool3dLayerOptions = {}): PoolNd {
  return new PoolNd('avg', 3, kernel, opts);
}

/** Adaptive max or average pooling to a fixed output size (PyTorch's bins), over NCL (nd 1) or NCHW (nd 2). */
export class AdaptivePool extends Module {
  constructor(readonly mode: 'max' | 'avg', readonly nd: 1 | 2, readonly outSize: number | Pair) {
    super();
    checkOneOf('adaptivePool', 'mode', mode, ['max', 'avg'] as const);
    checkOneOf('adaptivePool', 'nd', String(nd), ['1', '2'] as const);
    if (outSize === undefined) fail(this.opName, 'outSize', nd === 1 ? 'an integer ≥ 1' : 'an integer ≥ 1 or 2 of them', outSize);
    perAxis(this.opName, 'outSize', outSize, nd, 1);
  }

  private get opName(): string {
    return `adaptive${this.mode === 'max' ? 'Max' : 'Avg'}Pool${this.nd}d`;
  }

  override get typeName(): string {
    return `Adaptive${this.mode === 'max' ? 'Max' : 'Avg'}Pool${this.nd}d`;
  }

  forward(x: Tensor): Tensor {
    checkTensor(this.opName, 'x', x);
    if (this.nd === 1) return this.mode === 'max' ? ops.adaptiveMaxPool1d(x, this.outSize as number) : ops.adaptiveAvgPool1d(x, this.outSize as number);
    return this.mode === 'max' ? ops.adaptiveMaxPool2d(x, this.outSize) : ops.adaptiveAvgPool2d(x, this.outSize);
  }

  override config(): LayerConfig {
    return { type: this.typeName, outSize: this.outSize as JsonValue };
  }
}
registerLayer('AdaptiveAvgPool1d', (c) => new AdaptivePool('avg', 1, c.outSize as number));
registerLayer('AdaptiveMaxPool1d', (c) => new AdaptivePool('max', 1, c.outSize as number));
registerLayer('AdaptiveAvgPool2d', (c) => new AdaptivePool('avg', 2, c.outSize as Pair));
registerLayer('AdaptiveMaxPool2d', (c) => new AdaptivePool('max', 2, c.outSize as Pair));

/** Adaptive average pooling over NCHW to `outSize` ([oh, ow] or one number for both). */
export function adaptiveAvgPool2d(outSize: Pair): AdaptivePool {
  return new AdaptivePool('avg', 2, outSize);
}
/** Adaptive max pooling over NCHW to `outSize`. */
export function adaptiveMaxPool2d(outSize: Pair): AdaptivePool {
  return new AdaptivePool('max', 2, outSize);
}
/** Adaptive average pooling over NCL to `outSize` bins. */
export function adaptiveAvgPool1d(outSize: number): AdaptivePool {
  return new AdaptivePool('avg', 1, outSize);
}
/** Adaptive max pooling over NCL to `outSize` bins. */
export function adaptiveMaxPool1d(outSize: number): AdaptivePool {
  return new AdaptivePool('max', 1, outSize);
}

export interface GlobalPoolLayerOptions {
  /** Keep the pooled axes: [N, C, 1, 1] instead of [N, C] (default false). */
  keepDims?: boolean;
}

/** Global max or average pooling of each channel over height and width: NCHW → [N, C]. */
export class GlobalPool2d extends Module {
  readonly keepDims: boolean;

  constructor(readonly mode: 'max' | 'avg', opts: GlobalPoolLayerOptions = {}) {
    super();
    checkOneOf('globalPool2d', 'mode', mode, ['max', 'avg'] as const);
    const o = checkOptions(this.opName, opts, ['keepDims']);
    this.keepDims = optBoolean(this.opName, 'keepDims', o.keepDims, false);
  }

  private get opName(): string {
    return this.mode === 'max' ? 'globalMaxPool2d' : 'globalAvgPool2d';
  }

  override get typeName(): string {
    return this.mode === 'max' ? 'GlobalMaxPool2d' : 'GlobalAvgPool2d';
  }

  forward(x: Tensor): Tensor {
    checkTensor(this.opName, 'x', x);
    const o = { keepDims: this.keepDims };
    return this.mode === 'max' ? ops.globalMaxPool2d(x, o) : ops.globalAvgPool2d(x, o);
  }

  override config(): LayerConfig {
    return this.keepDims ? { type: this.typeName, keepDims: true } : { type: this.typeName };
  }
}
registerLayer('GlobalAvgPool2d', (c) => new GlobalPool2d('avg', { keepDims: cfgBool(c, 'keepDims', false) }));
registerLayer('GlobalMaxPool2d', (c) => new GlobalPool2d('max', { keepDims: cfgBool(c, 'keepDims', false) }));

/** The mean of each channel over height and width: NCHW → [N, C] (e.g. before a classifier). */
export function globalAvgPool2d(opts: GlobalPoolLayerOptions = {}): GlobalPool2d {
  return new GlobalPool2d('avg', opts);
}
/** The maximum of each channel over height and width: NCHW → [N, C]. */
export function globalMaxPool2d(opts: GlobalPoolLayerOptions = {}): GlobalPool2d {
  return new GlobalPool2d('max', opts);
}
