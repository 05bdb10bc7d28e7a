/**
 * Upsampling of NCHW images by integer factors: 'nearest' (each pixel repeated) and 'bilinear'
 * (PyTorch's `interpolate(mode='bilinear', align_corners=False)`: half-pixel centres, edges
 * clamped). Written with reshape/broadcast and gather, so it runs on every backend and is
 * differentiable with respect to the input.
 */
import type { Tensor } from '../../tensor/tensor.js';
import { fmt } from '../../tensor/shape.js';
import { fromArray } from '../../tensor/creation.js';
import * as ops from '../../ops/index.js';
import { Module, registerLayer, type JsonValue, type LayerConfig } from '../module.js';
import { checkPair, checkTensor } from '../checks.js';
import { checkOneOf, checkOptions } from '../../validate.js';

export type UpsampleMode = 'nearest' | 'bilinear';

export interface UpsampleOptions {
  /** Integer factor for height and width, or [h, w] (default 2). */
  scaleFactor?: number | [number, number];
  /** 'nearest' (default) or 'bilinear' (align_corners false). */
  mode?: UpsampleMode;
}

/** Nearest: [N, C, H, W] → [N, C, H·sh, W·sw], each pixel repeated sh × sw times. */
function nearest(x: Tensor, sh: number, sw: number): Tensor {
  const [N, C, H, W] = x.shape as [number, number, number, number];
  if (sh === 1 && sw === 1) return x;
  const e = ops.broadcastTo(ops.reshape(x, [N, C, H, 1, W, 1]), [N, C, H, sh, W, sw]);
  return ops.reshape(e, [N, C, H * sh, W * sw]);
}

/** Source indices and weights of linear interpolation along one axis of size `n` scaled by `s`. */
function linearTaps(n: number, s: number): { i0: Int32Array; i1: Int32Array; w1: Float64Array } {
  const m = n * s;
  const i0 = new Int32Array(m);
  const i1 = new Int32Array(m);
  const w1 = new Float64Array(m);
  for (let o = 0; o < m; o++) {
    const src = Math.max(0, (o + 0.5) / s - 0.5);
    const a = Math.min(Math.floor(src), n - 1);
    i0[o] = a;
    i1[o] = Math.min(a + 1, n - 1);
    w1[o] = src - a;
  }
  return { i0, i1, w1 };
}

/** Linear interpolation along `axis` (2 or 3) of NCHW x by factor s. */
function linearAlong(x: Tensor, axis: 2 | 3, s: number): Tensor {
  if (s === 1) return x;
  const n = x.shape[axis] as number;
  const { i0, i1, w1 } = linearTaps(n, s);
  const be = { backend: x.backend.name };
  const m = n * s;
  const wShape = axis === 2 ? [1, 1, m, 1] : [1, 1, 1, m];
  const dtype = x.dtype === 'float64' ? 'float64' : 'float32';
  const w1t = fromArray(dtype === 'float64' ? w1 : Float32Array.from(w1), wShape, be);
  const w0t = fromArray(dtype === 'float64' ? w1.map((w) => 1 - w) : Float32Array.from(w1, (w) => 1 - w), wShape, be);
  const a = ops.gather(x, fromArray(i0, [m], be), axis);
  const b = ops.gather(x, fromArray(i1, [m], be), axis);
  return ops.add(ops.mul(a, w0t), ops.mul(b, w1t));
}

/** Upsampling of NCHW images by integer factors ('nearest' or 'bilinear'). */
export class Upsample extends Module {
  /** The registered layer type: names it in summaries and saved files, also in minified bundles. */
  static override readonly layerType: string = 'Upsample';
  readonly scaleFactor: [number, number];
  readonly mode: UpsampleMode;

  constructor(opts: UpsampleOptions = {}) {
    super();
    const o = checkOptions('upsample', opts, ['scaleFactor', 'mode']);
    this.scaleFactor = o.scaleFactor === undefined ? [2, 2] : checkPair('upsample', 'scaleFactor', o.scaleFactor, 1);
    this.mode = o.mode === undefined ? 'nearest' : checkOneOf('upsample', 'mode', o.mode, ['nearest', 'bilinear'] as const);
  }

  forward(x: Tensor): Tensor {
    checkTensor('upsample', 'x', x);
    if (x.rank !== 4) throw new Error(`upsample: input must be 4-D NCHW [batch, channels, height, width], got ${fmt(x.shape)}`);
    const [sh, sw] = this.scaleFactor;
    if (this.mode === 'nearest') return nearest(x, sh, sw);
    const xf = x.dtype === 'float32' || x.dtype === 'float64' ? x : x.cast('float32');
    return linearAlong(linearAlong(xf, 2, sh), 3, sw);
  }

  override config(): LayerConfig {
    const [sh, sw] = this.scaleFactor;
    return { type: 'Upsample', scaleFactor: (sh === sw ? sh : [sh, sw]) as JsonValue, mode: this.mode };
  }
}
registerLayer('Upsample', (c) => new Upsample({ scaleFactor: c.scaleFactor as number | [number, number], mode: (c.mode ?? 'nearest') as UpsampleMode }));

/** Upsamples NCHW images by integer `scaleFactor` (default 2), 'nearest' (default) or 'bilinear'. */
export function upsample(opts: UpsampleOptions = {}): Upsample {
  return new Upsample(opts);
}
