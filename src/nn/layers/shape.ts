/** Layers without parameters that reshape or regularize: Flatten, Reshape, Dropout. */
import type { Tensor } from '../../tensor/tensor.js';
import { fmt, sizeOf } from '../../tensor/shape.js';
import { fromArray } from '../../tensor/creation.js';
import { globalRandom } from '../../tensor/random.js';
import * as ops from '../../ops/index.js';
import { cfgNumber, Module, registerLayer, type LayerConfig } from '../module.js';
import { checkTensor } from '../checks.js';
import { checkArray, checkNumber, fail } from '../../validate.js';

/** Flattens every axis after the batch axis: [N, ...] → [N, ∏...]. No copy. */
export class Flatten extends Module {
  /** The registered layer type: names it in summaries and saved files, also in minified bundles. */
  static override readonly layerType: string = 'Flatten';
  forward(x: Tensor): Tensor {
    checkTensor('flatten', 'x', x);
    if (x.rank < 1) throw new Error(`flatten: input needs a batch axis, got a scalar`);
    return x.rank === 2 ? x : ops.reshape(x, [x.shape[0] as number, x.rank === 1 ? 1 : x.size / (x.shape[0] as number)]);
  }
  override config(): LayerConfig {
    return { type: 'Flatten' };
  }
}
registerLayer('Flatten', () => new Flatten());

/** Flattens all but the batch axis ([N, C, H, W] → [N, C·H·W]). */
export function flatten(): Flatten {
  return new Flatten();
}

/** Reshapes each sample: [N, ...] → [N, ...shape] (one entry of `shape` may be −1). No copy. */
export class Reshape extends Module {
  /** The registered layer type: names it in summaries and saved files, also in minified bundles. */
  static override readonly layerType: string = 'Reshape';
  readonly targetShape: readonly number[];
  constructor(targetShape: readonly number[]) {
    super();
    checkArray('reshape', 'shape', targetShape);
    if (!targetShape.every((d) => Number.isSafeInteger(d) && (d > 0 || d === -1)) || targetShape.filter((d) => d === -1).length > 1) {
      fail('reshape', 'shape', 'positive integers with at most one -1', targetShape);
    }
    this.targetShape = [...targetShape];
  }
  forward(x: Tensor): Tensor {
    checkTensor('reshape', 'x', x);
    if (x.rank < 1) throw new Error(`reshape: input needs a batch axis, got a scalar`);
    const n = x.shape[0] as number;
    const per = sizeOf(x.shape.slice(1));
    const known = sizeOf(this.targetShape.filter((d) => d !== -1));
    if (this.targetShape.includes(-1) ? per % known !== 0 : known !== per) {
      throw new Error(`reshape: a sample of shape ${fmt(x.shape.slice(1))} (${per} values) cannot become ${fmt(this.targetShape)}: x is ${fmt(x.shape)}`);
    }
    return ops.reshape(x, [n, ...this.targetShape]);
  }
  override config(): LayerConfig {
    return { type: 'Reshape', shape: [...this.targetShape] };
  }
}
registerLayer('Reshape', (c) => new Reshape(c.shape as number[]));

/** Reshapes each sample to `shape` (the batch axis stays), e.g. reshape([1, 28, 28]). */
export function reshape(shape: readonly number[]): Reshape {
  return new Reshape(shape);
}

/**
 * Inverted dropout: in training mode each value is zeroed with probability `rate` and the rest
 * are scaled by 1/(1 − rate), so evaluation (the identity) needs no rescaling. Draws from the
 * global seeded generator (`nb.seed`).
 */
export class Dropout extends Module {
  /** The registered layer type: names it in summaries and saved files, also in minified bundles. */
  static override readonly layerType: string = 'Dropout';
  constructor(readonly rate: number) {
    super();
    checkNumber('dropout', 'rate', rate, { min: 0, below: 1 });
  }
  forward(x: Tensor): Tensor {
    checkTensor('dropout', 'x', x);
    if (!this.training || this.rate === 0) return x;
    const keepScale = 1 / (1 - this.rate);
    const m = x.dtype === 'float64' ? new Float64Array(x.size) : new Float32Array(x.size);
    const p = this.rate;
    for (let i = 0; i < m.length; i++) m[i] = globalRandom.uniform() >= p ? keepScale : 0;
    return ops.mul(x, fromArray(m, x.shape, { backend: x.backend.name }));
  }
  override config(): LayerConfig {
    return { type: 'Dropout', rate: this.rate };
  }
}
registerLayer('Dropout', (c) => new Dropout(cfgNumber(c, 'rate')));

/** Dropout with drop probability `rate` (active only in training mode). */
export function dropout(rate: number): Dropout {
  return new Dropout(rate);
}
