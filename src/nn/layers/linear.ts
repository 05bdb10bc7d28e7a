/** Fully connected layers: Linear (y = xW + b, row convention) and Maxout (max of k affine pieces). */
import type { Tensor } from '../../tensor/tensor.js';
import { fmt } from '../../tensor/shape.js';
import { add, matmul, max, reshape } from '../../ops/index.js';
import { cfgNumber, Module, registerLayer, type LayerConfig } from '../module.js';
import { checkPositiveInt, checkTensor, checkWeightCount, matchDtype, resolveWeightOptions, weightConfig, weightOptionsFrom, type ResolvedWeightOptions, type WeightOptions } from './common.js';

function checkFeatures(layer: string, x: Tensor, inFeatures: number): void {
  checkTensor(layer, 'x', x);
  if (x.rank < 1 || x.shape[x.rank - 1] !== inFeatures) {
    throw new Error(`${layer}: input has ${x.rank ? x.shape[x.rank - 1] : 0} features, expected ${inFeatures}: x is ${fmt(x.shape)}`);
  }
}

/**
 * Fully connected layer in the row (batch-first) convention: y = xW + b with W [in, out] and
 * b [out]; x is [batch, in] (or [..., in]). The column convention z = Wᵀa + b is the same layer
 * with each sample a column.
 */
export class Linear extends Module {
  /** The registered layer type: names it in summaries and saved files, also in minified bundles. */
  static override readonly layerType: string = 'Linear';
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  private readonly opts: ResolvedWeightOptions;

  constructor(readonly inFeatures: number, readonly outFeatures: number, opts: WeightOptions = {}) {
    super();
    checkPositiveInt('linear', 'inFeatures', inFeatures);
    checkPositiveInt('linear', 'outFeatures', outFeatures);
    checkWeightCount('linear', [inFeatures, outFeatures]);
    this.opts = resolveWeightOptions('linear', opts);
    const o = this.opts;
    const fans = { fanIn: inFeatures, fanOut: outFeatures };
    this.weight = this.registerParameter('weight', o.init.create([inFeatures, outFeatures], fans, o.dtype), { l1: o.l1, l2: o.l2 });
    this.bias = o.bias ? this.registerParameter('bias', o.biasInit.create([outFeatures], fans, o.dtype)) : null;
  }

  forward(x: Tensor): Tensor {
    checkFeatures('linear', x, this.inFeatures);
    const y = matmul(matchDtype('linear', x, this.weight), this.weight);
    return this.bias ? add(y, this.bias) : y;
  }

  override config(): LayerConfig {
    return { type: 'Linear', inFeatures: this.inFeatures, outFeatures: this.outFeatures, ...weightConfig(this.opts) };
  }
}
registerLayer('Linear', (c) => new Linear(cfgNumber(c, 'inFeatures'), cfgNumber(c, 'outFeatures'), weightOptionsFrom(c)));

/** A fully connected layer y = xW + b, W [in, out] (row convention). Weights default to He uniform, bias to zeros. */
export function linear(inFeatures: number, outFeatures: number, opts: WeightOptions = {}): Linear {
  return new Linear(inFeatures, outFeatures, opts);
}

/**
 * Maxout: k affine pieces per output unit, y_j = maxᵢ (xWᵢ + bᵢ)_j. The weight is [in, out·k]
 * (piece i of unit j in column j·k + i).
 */
export class Maxout extends Module {
  /** The registered layer type: names it in summaries and saved files, also in minified bundles. */
  static override readonly layerType: string = 'Maxout';
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  private readonly opts: ResolvedWeightOptions;

  constructor(readonly inFeatures: number, readonly outFeatures: number, readonly pieces: number, opts: WeightOptions = {}) {
    super();
    checkPositiveInt('maxout', 'inFeatures', inFeatures);
    checkPositiveInt('maxout', 'outFeatures', outFeatures);
    checkPositiveInt('maxout', 'pieces', pieces);
    checkWeightCount('maxout', [inFeatures, outFeatures, pieces]);
    this.opts = resolveWeightOptions('maxout', opts);
    const o = this.opts;
    const fans = { fanIn: inFeatures, fanOut: outFeatures };
    this.weight = this.registerParameter('weight', o.init.create([inFeatures, outFeatures * pieces], fans, o.dtype), { l1: o.l1, l2: o.l2 });
    this.bias = o.bias ? this.registerParameter('bias', o.biasInit.create([outFeatures * pieces], fans, o.dtype)) : null;
  }

  forward(x: Tensor): Tensor {
    checkFeatures('maxout', x, this.inFeatures);
    let z = matmul(matchDtype('maxout', x, this.weight), this.weight);
    if (this.bias) z = add(z, this.bias);
    const lead = x.shape.slice(0, -1);
    return max(reshape(z, [...lead, this.outFeatures, this.pieces]), -1);
  }

  override config(): LayerConfig {
    return { type: 'Maxout', inFeatures: this.inFeatures, outFeatures: this.outFeatures, pieces: this.pieces, ...weightConfig(this.opts) };
  }
}
registerLayer('Maxout', (c) => new Maxout(cfgNumber(c, 'inFeatures'), cfgNumber(c, 'outFeatures'), cfgNumber(c, 'pieces'), weightOptionsFrom(c)));

/** Maxout layer: `outFeatures` units, each the max of `pieces` affine functions of the input. */
export function maxout(inFeatures: number, outFeatures: number, pieces: number, opts: WeightOptions = {}): Maxout {
  return new Maxout(inFeatures, outFeatures, pieces, opts);
}
