/**
 * Normalization layers: batch normalization over NC / NCL (`batchNorm1d`) and NCHW
 * (`batchNorm2d`) with running statistics, and layer normalization over the last axes.
 * Written with existing ops (mean, square, rsqrt, …), so they run on every backend and their
 * gradients, through the batch statistics too, come from those ops' rules.
 *
 * Batch norm follows PyTorch: in training mode it normalizes with the batch's mean and biased
 * variance and updates the running mean and the running *unbiased* variance,
 * `running = (1 − momentum)·running + momentum·batch` (or the cumulative average when
 * `momentum` is null); in evaluation mode (`model.eval()`) it uses the running statistics. The
 * running statistics are buffers named as PyTorch names them (`running_mean`, `running_var`,
 * `num_batches_tracked`), saved in the state dict and in `.nabla` files.
 */
import type { Tensor } from '../../tensor/tensor.js';
import { fmt } from '../../tensor/shape.js';
import { full, ones, zeros } from '../../tensor/creation.js';
import { noGrad, tidy } from '../../engine.js';
import * as ops from '../../ops/index.js';
import { initialValue, type FloatDType } from '../init.js';
import { cfgBool, cfgNumber, Module, registerLayer, type LayerConfig } from '../module.js';
import { checkPositiveInt, checkTensor, matchDtype, optFloatDType } from './common.js';
import { checkArray, checkOptions, fail, optBoolean, optNumber } from '../../validate.js';

export interface BatchNormOptions {
  /** Added to the variance before the square root (default 1e-5). */
  eps?: number;
  /**
   * Weight of the current batch in the running statistics (default 0.1); null for the cumulative
   * average of all batches seen (PyTorch's `momentum=None`).
   */
  momentum?: number | null;
  /** Learnable per-channel scale `weight` (ones) and shift `bias` (zeros) (default true). */
  affine?: boolean;
  /**
   * Keep running statistics and use them in evaluation mode (default true). false: no buffers,
   * and the batch's own statistics are used in both modes.
   */
  trackRunningStats?: boolean;
  /** Parameter and buffer dtype (default float32; float64 for gradient checks). */
  dtype?: FloatDType;
}

const BN_KEYS = ['eps', 'momentum', 'affine', 'trackRunningStats', 'dtype'] as const;

/** Batch normalization over NC or NCL (`nd` 1) or NCHW (`nd` 2) input, per channel (axis 1). */
export class BatchNorm extends Module {
  /** The registered layer type: names it in summaries and saved files, also in minified bundles. */
  static override readonly layerType: string = 'BatchNorm';
  readonly eps: number;
  readonly momentum: number | null;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;
  readonly dtype: FloatDType;
  /** The scale γ [numFeatures] (null without `affine`). */
  readonly weight: Tensor | null;
  /** The shift β [numFeatures] (null without `affine`). */
  readonly bias: Tensor | null;
  /** The running mean [numFeatures] (null without `trackRunningStats`). */
  readonly runningMean: Tensor | null;
  /** The running unbiased variance [numFeatures] (null without `trackRunningStats`). */
  readonly runningVar: Tensor | null;
  /** The number of training batches seen, an int32 scalar (null without `trackRunningStats`). */
  readonly numBatchesTracked: Tensor | null;

  constructor(readonly nd: 1 | 2, readonly numFeatures: number, opts: BatchNormOptions = {}) {
    super();
    const op = nd === 1 ? 'batchNorm1d' : 'batchNorm2d';
    checkPositiveInt(op, 'numFeatures', numFeatures);
    const o = checkOptions(op, opts, BN_KEYS);
    this.eps = optNumber(op, 'eps', o.eps, 1e-5, { min: 0 });
    this.momentum = o.momentum === null ? null : optNumber(op, 'momentum', o.momentum, 0.1, { min: 0, max: 1 });
    this.affine = optBoolean(op, 'affine', o.affine, true);
    this.trackRunningStats = optBoolean(op, 'trackRunningStats', o.trackRunningStats, true);
    const dtype = (this.dtype = optFloatDType(op, o.dtype));
    const C = numFeatures;
    this.weight = this.affine ? this.registerParameter('weight', initialValue([C], dtype, () => ones([C], { dtype }))) : null;
    this.bias = this.affine ? this.registerParameter('bias', initialValue([C], dtype, () => zeros([C], { dtype }))) : null;
    if (this.trackRunningStats) {
      this.runningMean = this.registerBuffer('running_mean', initialValue([C], dtype, () => zeros([C], { dtype })));
      this.runningVar = this.registerBuffer('running_var', initialValue([C], dtype, () => ones([C], { dtype })));
      this.numBatchesTracked = this.registerBuffer('num_batches_tracked', zeros([], { dtype: 'int32' }));
    } else {
      this.runningMean = this.runningVar = this.numBatchesTracked = null;
    }
  }

  private get opName(): string {
    return this.nd === 1 ? 'batchNorm1d' : 'batchNorm2d';
  }

  override get typeName(): string {
    return this.nd === 1 ? 'BatchNorm1d' : 'BatchNorm2d';
  }

  forward(x: Tensor): Tensor {
    const op = this.opName;
    checkTensor(op, 'x', x);
    const C = this.numFeatures;
    if (this.nd === 1 && x.rank !== 2 && x.rank !== 3) throw new Error(`${op}: input must be 2-D [batch, features] or 3-D [batch, channels, length], got ${fmt(x.shape)}`);
    if (this.nd === 2 && x.rank !== 4) throw new Error(`${op}: input must be 4-D NCHW [batch, channels, height, width], got ${fmt(x.shape)}`);
    if (x.shape[1] !== C) throw new Error(`${op}: input has ${x.shape[1]} channels, expected ${C} (numFeatures): x is ${fmt(x.shape)}`);
    const ref = this.weight ?? this.runningMean;
    const xx = ref ? matchDtype(op, x, ref) : x.dtype === 'float32' || x.dtype === 'float64' ? x : x.cast('float32');
    const axes = x.rank === 2 ? [0] : x.rank === 3 ? [0, 2] : [0, 2, 3];
    const bshape = x.rank === 2 ? [1, C] : x.rank === 3 ? [1, C, 1] : [1, C, 1, 1];
    const n = x.size / C;
    let y: Tensor;
    if (this.training || !this.trackRunningStats) {
      if (this.training && n <= 1) throw new Error(`${op}: training needs more than one value per channel to compute batch statistics, got input ${fmt(x.shape)}`);
      if (n === 0) throw new Error(`${op}: input ${fmt(x.shape)} has no values to compute batch statistics from`);
      const mu = ops.mean(xx, axes, true);
      const d = ops.sub(xx, mu);
      const v = ops.mean(ops.square(d), axes, true);
      y = ops.mul(d, ops.rsqrt(ops.add(v, this.eps)));
      if (this.training && this.trackRunningStats) updateRunningStats(this, mu, v, n);
    } else {
      const rm = ops.reshape(this.runningMean as Tensor, bshape);
      const rv = ops.reshape(this.runningVar as Tensor, bshape);
      y = ops.mul(ops.sub(xx, rm), ops.rsqrt(ops.add(rv, this.eps)));
    }
    if (this.weight && this.bias) y = ops.add(ops.mul(y, ops.reshape(this.weight, bshape)), ops.reshape(this.bias, bshape));
    return y;
  }

  override config(): LayerConfig {
    return {
      type: this.typeName,
      numFeatures: this.numFeatures,
      eps: this.eps,
      momentum: this.momentum,
      affine: this.affine,
      trackRunningStats: this.trackRunningStats,
      dtype: this.dtype,
    };
  }
}

/** running = (1 − f)·running + f·batch, with the unbiased batch variance; f = momentum or 1/batches. */
function updateRunningStats(bn: BatchNorm, mu: Tensor, biasedVar: Tensor, n: number): void {
  const rm = bn.runningMean as Tensor;
  const rv = bn.runningVar as Tensor;
  const nbt = bn.numBatchesTracked as Tensor;
  // A backend that reads only asynchronously (webgpu) counts on the device: the counter is never
  // read back, and the cumulative average's weight 1/count is a tensor.
  if (!nbt.backend.downloadSync) return updateRunningStatsOnDevice(bn, mu, biasedVar, n);
  noGrad(() =>
    tidy(() => {
      const count = Number(nbt.item()) + 1;
      nbt.assign(full([], count, { dtype: 'int32', backend: nbt.backend.name }));
      const f = bn.momentum ?? 1 / count;
      const C = bn.numFeatures;
      const m = ops.reshape(mu, [C]);
      const v = ops.mul(ops.reshape(biasedVar, [C]), n / (n - 1));
      rm.assign(ops.add(ops.mul(rm, 1 - f), ops.mul(m, f)));
      rv.assign(ops.add(ops.mul(rv, 1 - f), ops.mul(v, f)));
    }),
  );
}

function updateRunningStatsOnDevice(bn: BatchNorm, mu: Tensor, biasedVar: Tensor, n: number): void {
  const rm = bn.runningMean as Tensor;
  const rv = bn.runningVar as Tensor;
  const nbt = bn.numBatchesTracked as Tensor;
  noGrad(() =>
    tidy(() => {
      const count = ops.add(nbt, 1);
      nbt.assign(count);
      const f: Tensor | number = bn.momentum ?? ops.div(1, ops.cast(count, rm.dtype));
      const C = bn.numFeatures;
      const m = ops.reshape(mu, [C]);
      const v = ops.mul(ops.reshape(biasedVar, [C]), n / (n - 1));
      const keep = typeof f === 'number' ? 1 - f : ops.sub(1, f);
      rm.assign(ops.add(ops.mul(rm, keep), ops.mul(m, f)));
      rv.assign(ops.add(ops.mul(rv, keep), ops.mul(v, f)));
    }),
  );
}

const batchNormFrom = (nd: 1 | 2) => (c: LayerConfig): BatchNorm => {
  const m = c.momentum;
  if (m !== undefined && m !== null && typeof m !== 'number') throw new Error(`fromConfig: ${c.type}.momentum must be a number or null, got ${JSON.stringify(m)}`);
  return new BatchNorm(nd, cfgNumber(c, 'numFeatures'), {
    eps: cfgNumber(c, 'eps', 1e-5),
    momentum: m === undefined ? 0.1 : m,
    affine: cfgBool(c, 'affine', true),
    trackRunningStats: cfgBool(c, 'trackRunningStats', true),
    dtype: c.dtype === 'float64' ? 'float64' : 'float32',
  });
};
registerLayer('BatchNorm1d', batchNormFrom(1));
registerLayer('BatchNorm2d', batchNormFrom(2));

/**
 * Batch normalization of [N, C] features or [N, C, L] sequences, per channel, with running
 * statistics for evaluation mode (PyTorch's BatchNorm1d).
 */
export function batchNorm1d(numFeatures: number, opts: BatchNormOptions = {}): BatchNorm {
  return new BatchNorm(1, numFeatures, opts);
}

/** Batch normalization of NCHW images, per channel, with running statistics (PyTorch's BatchNorm2d). */
export function batchNorm2d(numFeatures: number, opts: BatchNormOptions = {}): BatchNorm {
  return new BatchNorm(2, numFeatures, opts);
}

export interface LayerNormOptions {
  /** Added to the variance before the square root (default 1e-5). */
  eps?: number;
  /** Learnable elementwise `weight` (ones) and `bias` (zeros) of shape `normalizedShape` (default true). */
  elementwiseAffine?: boolean;
  /** Parameter dtype (default float32; float64 for gradient checks). */
  dtype?: FloatDType;
}

/** Layer normalization over the trailing axes `normalizedShape` of each sample (PyTorch's LayerNorm). */
export class LayerNorm extends Module {
  /** The registered layer type: names it in summaries and saved files, also in minified bundles. */
  static override readonly layerType: string = 'LayerNorm';
  readonly normalizedShape: readonly number[];
  readonly eps: number;
  readonly elementwiseAffine: boolean;
  readonly dtype: FloatDType;
  readonly weight: Tensor | null;
  readonly bias: Tensor | null;

  constructor(normalizedShape: number | readonly number[], opts: LayerNormOptions = {}) {
    super();
    const op = 'layerNorm';
    const shape = typeof normalizedShape === 'number' ? [normalizedShape] : normalizedShape;
    checkArray(op, 'normalizedShape', shape);
    if (shape.length === 0 || !shape.every((d) => Number.isSafeInteger(d) && d >= 1)) fail(op, 'normalizedShape', 'a positive integer or a non-empty array of them', normalizedShape);
    this.normalizedShape = [...shape];
    const o = checkOptions(op, opts, ['eps', 'elementwiseAffine', 'dtype']);
    this.eps = optNumber(op, 'eps', o.eps, 1e-5, { min: 0 });
    this.elementwiseAffine = optBoolean(op, 'elementwiseAffine', o.elementwiseAffine, true);
    const dtype = (this.dtype = optFloatDType(op, o.dtype));
    const s = this.normalizedShape;
    this.weight = this.elementwiseAffine ? this.registerParameter('weight', initialValue(s, dtype, () => ones(s, { dtype }))) : null;
    this.bias = this.elementwiseAffine ? this.registerParameter('bias', initialValue(s, dtype, () => zeros(s, { dtype }))) : null;
  }

  forward(x: Tensor): Tensor {
    const op = 'layerNorm';
    checkTensor(op, 'x', x);
    const s = this.normalizedShape;
    const k = s.length;
    const tail = x.shape.slice(x.rank - k);
    if (x.rank < k || tail.some((d, i) => d !== s[i])) {
      throw new Error(`${op}: input's last ${k} ax${k === 1 ? 'is' : 'es'} must be normalizedShape ${fmt(s)}, got input ${fmt(x.shape)}`);
    }
    const xx = this.weight ? matchDtype(op, x, this.weight) : x.dtype === 'float32' || x.dtype === 'float64' ? x : x.cast(this.dtype);
    const axes = s.map((_, i) => x.rank - k + i);
    const d = ops.sub(xx, ops.mean(xx, axes, true));
    const v = ops.mean(ops.square(d), axes, true);
    let y = ops.mul(d, ops.rsqrt(ops.add(v, this.eps)));
    if (this.weight && this.bias) y = ops.add(ops.mul(y, this.weight), this.bias);
    return y;
  }

  override config(): LayerConfig {
    return { type: 'LayerNorm', normalizedShape: [...this.normalizedShape], eps: this.eps, elementwiseAffine: this.elementwiseAffine, dtype: this.dtype };
  }
}
registerLayer('LayerNorm', (c) =>
  new LayerNorm(c.normalizedShape as number[], { eps: cfgNumber(c, 'eps', 1e-5), elementwiseAffine: cfgBool(c, 'elementwiseAffine', true), dtype: c.dtype === 'float64' ? 'float64' : 'float32' }),
);

/** Layer normalization over the last axes of each sample: `normalizedShape` is their sizes (a number for one axis). */
export function layerNorm(normalizedShape: number | readonly number[], opts: LayerNormOptions = {}): LayerNorm {
  return new LayerNorm(normalizedShape, opts);
}
