/**
 * Data augmentation for images (SCOPE §4): random small shifts and rotations, applied per sample
 * in training mode and the identity in evaluation mode — put it first in a model, like Keras'
 * RandomTranslation/RandomRotation layers. Draws from the global seeded generator (`nb.seed`).
 *
 * Sampling is bilinear with zeros outside the image, written with gather so it runs on every
 * backend and is differentiable with respect to the input.
 */
import type { Tensor } from '../../tensor/tensor.js';
import { fmt } from '../../tensor/shape.js';
import { fromArray, zeros } from '../../tensor/creation.js';
import { globalRandom } from '../../tensor/random.js';
import * as ops from '../../ops/index.js';
import { cfgNumber, Module, registerLayer, type LayerConfig } from '../module.js';
import { checkObject, checkTensor } from '../checks.js';
import { checkArray, checkNumber, checkOptions } from '../../validate.js';

/** One sample's transform: shift right by `dx` and down by `dy` pixels, rotate by `angle` degrees counter-clockwise (as displayed) about the centre. */
export interface AffineParams {
  dx: number;
  dy: number;
  angle: number;
}

/**
 * Applies one transform per sample to NCHW images x (the same for all channels of a sample):
 * output(i, j) = bilinear sample of the input at the rotated and shifted source position,
 * zero outside the image.
 */
export function affineTransform(x: Tensor, params: readonly AffineParams[]): Tensor {
  checkTensor('affineTransform', 'x', x);
  checkArray('affineTransform', 'params', params).forEach((p, i) => {
    const o = checkObject('affineTransform', `params[${i}]`, p);
    for (const k of ['dx', 'dy', 'angle'] as const) checkNumber('affineTransform', `params[${i}].${k}`, o[k]);
  });
  if (x.rank !== 4) throw new Error(`affineTransform: x must be 4-D NCHW [batch, channels, height, width], got ${fmt(x.shape)}`);
  const [N, C, H, W] = x.shape as [number, number, number, number];
  if (params.length !== N) throw new Error(`affineTransform: ${params.length} transforms for a batch of ${N}`);
  const total = N * C * H * W;
  const idx = [0, 1, 2, 3].map(() => new Int32Array(total));
  const wts = [0, 1, 2, 3].map(() => (x.dtype === 'float64' ? new Float64Array(total) : new Float32Array(total)));
  const cy = (H - 1) / 2;
  const cx = (W - 1) / 2;
  const hw = H * W;
  const cy4 = new Float64Array(4);
  const cx4 = new Float64Array(4);
  const cw4 = new Float64Array(4);
  for (let n = 0; n < N; n++) {
    const { dx, dy, angle } = params[n] as AffineParams;
    const th = (angle * Math.PI) / 180;
    const cos = Math.cos(th);
    const sin = Math.sin(th);
    for (let i = 0; i < H; i++) {
      for (let j = 0; j < W; j++) {
        const u = j - cx - dx;
        const v = i - cy - dy;
        const sx = cx + u * cos - v * sin;
        const sy = cy + u * sin + v * cos;
        const x0 = Math.floor(sx);
        const y0 = Math.floor(sy);
        const fx = sx - x0;
        const fy = sy - y0;
        cy4[0] = y0; cx4[0] = x0; cw4[0] = (1 - fy) * (1 - fx);
        cy4[1] = y0; cx4[1] = x0 + 1; cw4[1] = (1 - fy) * fx;
        cy4[2] = y0 + 1; cx4[2] = x0; cw4[2] = fy * (1 - fx);
        cy4[3] = y0 + 1; cx4[3] = x0 + 1; cw4[3] = fy * fx;
        for (let k = 0; k < 4; k++) {
          const yy = cy4[k] as number;
          const xx = cx4[k] as number;
          const w = cw4[k] as number;
          const inside = yy >= 0 && yy < H && xx >= 0 && xx < W && w > 1e-12;
          for (let c = 0; c < C; c++) {
            const o = (n * C + c) * hw + i * W + j;
            // out-of-image corners point at the appended zero (index `total`)
            (idx[k] as Int32Array)[o] = inside ? (n * C + c) * hw + yy * W + xx : total;
            (wts[k] as Float32Array)[o] = inside ? w : 0;
          }
        }
      }
    }
  }
  const be = { backend: x.backend.name };
  const flat = ops.concat([ops.reshape(x, [total]), zeros([1], { dtype: x.dtype, ...be })], 0);
  let out: Tensor | null = null;
  for (let k = 0; k < 4; k++) {
    const term = ops.mul(ops.gather(flat, fromArray(idx[k] as Int32Array, [total], be)), fromArray(wts[k] as Float32Array, [total], be));
    out = out ? ops.add(out, term) : term;
  }
  return ops.reshape(out as Tensor, x.shape);
}

/** Random shifts (uniform in ±maxShift pixels on each axis) and rotations (uniform in ±maxRotation degrees) while training. */
export class RandomAffine extends Module {
  /** The registered layer type: names it in summaries and saved files, also in minified bundles. */
  static override readonly layerType: string = 'RandomAffine';
  /** `op` and the argument names name the calling factory in errors. */
  constructor(readonly maxShift: number, readonly maxRotation: number) {
    super();
    checkNumber('randomAffine', 'maxShift', maxShift, { min: 0 });
    checkNumber('randomAffine', 'maxRotation', maxRotation, { min: 0 });
  }

  forward(x: Tensor): Tensor {
    checkTensor('randomAffine', 'x', x);
    if (!this.training || (this.maxShift === 0 && this.maxRotation === 0)) return x;
    if (x.rank !== 4) throw new Error(`randomAffine: input must be 4-D NCHW images, got ${fmt(x.shape)}`);
    const r = globalRandom;
    const params: AffineParams[] = [];
    for (let n = 0; n < (x.shape[0] as number); n++) {
      params.push({ dx: (r.uniform() * 2 - 1) * this.maxShift, dy: (r.uniform() * 2 - 1) * this.maxShift, angle: (r.uniform() * 2 - 1) * this.maxRotation });
    }
    return affineTransform(x, params);
  }

  override config(): LayerConfig {
    return { type: 'RandomAffine', maxShift: this.maxShift, maxRotation: this.maxRotation };
  }
}
registerLayer('RandomAffine', (c) => new RandomAffine(cfgNumber(c, 'maxShift', 0), cfgNumber(c, 'maxRotation', 0)));

/** Augmentation layer: random shifts up to `maxShift` pixels and rotations up to `maxRotation` degrees (training only). */
export function randomAffine(opts: { maxShift?: number; maxRotation?: number } = {}): RandomAffine {
  const o = checkOptions('randomAffine', opts, ['maxShift', 'maxRotation']);
  return new RandomAffine(o.maxShift === undefined ? 0 : o.maxShift, o.maxRotation === undefined ? 0 : o.maxRotation);
}
/** Random shifts up to `maxShift` pixels on each axis (training only). */
export function randomShift(maxShift: number): RandomAffine {
  return new RandomAffine(checkNumber('randomShift', 'maxShift', maxShift, { min: 0 }), 0);
}
/** Random rotations up to `maxDegrees` either way (training only). */
export function randomRotation(maxDegrees: number): RandomAffine {
  return new RandomAffine(0, checkNumber('randomRotation', 'maxDegrees', maxDegrees, { min: 0 }));
}
