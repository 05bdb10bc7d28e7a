/** 2-D max and average pooling over NCHW, with their backward passes. */
import { apply, scoped } from '../engine.js';
import { arange, fromArray } from '../tensor/creation.js';
import { add, mul } from './elementwise.js';
import { gather } from './indexing.js';
import { argmax } from './reduce.js';
import { pad, reshape } from './shape.js';
import { defineOp } from '../registry.js';
import type { Pool2dParams } from '../backends/interface.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkSize, fmt } from '../tensor/shape.js';
import { checkOptions, fail, optBoolean } from '../validate.js';
import { isFloat } from '../tensor/dtype.js';
import { assertTensor } from './util.js';
import { pair, resolvePadding, type Padding, type Pair } from './conv.js';

const F = 'pool';

export interface Pool2dOptions {
  /** Defaults to the kernel size. */
  stride?: Pair;
  padding?: Padding;
  /** avgPool2d: whether padded cells count in the divisor (default false). */
  countIncludePad?: boolean;
}

function poolParams(op: string, x: Tensor, kernel: Pair, opts: Pool2dOptions): Pool2dParams {
  assertTensor(x, op, 'x');
  if (x.rank !== 4) throw new Error(`${op}: x must be 4-D NCHW [batch, channels, height, width], got ${fmt(x.shape)}`);
  if (!isFloat(x.dtype)) throw new Error(`${op}: x must be float32 or float64, got ${x.dtype}`);
  const [N, C, H, W] = x.shape as [number, number, number, number];
  if (kernel === undefined) fail(op, 'kernel', 'an integer ≥ 1 or [kH, kW]', kernel);
  const o = checkOptions(op, opts, ['stride', 'padding', 'countIncludePad']);
  const countIncludePad = optBoolean(op, 'countIncludePad', o.countIncludePad, false);
  const [kh, kw] = pair(op, 'kernel', kernel, 1);
  const [sh, sw] = pair(op, 'stride', o.stride ?? [kh, kw], 1);
  const pads = resolvePadding(op, o.padding, H, W, kh, kw, sh, sw);
  if (pads[0] >= kh || pads[1] >= kh || pads[2] >= kw || pads[3] >= kw) {
    throw new Error(`${op}: padding [${pads.join(',')}] must be smaller than the kernel ${kh}×${kw}`);
  }
  const OH = Math.floor((H + pads[0] + pads[1] - kh) / sh) + 1;
  const OW = Math.floor((W + pads[2] + pads[3] - kw) / sw) + 1;
  if (OH <= 0 || OW <= 0) throw new Error(`${op}: kernel ${kh}×${kw} is larger than the padded input ${fmt(x.shape)}`);
  checkSize(op, [N, C, OH, OW]);
  return { kernel: [kh, kw], strides: [sh, sw], pads, countIncludePad, inShape: [N, C, H, W], outShape: [N, C, OH, OW] };
}

const MaxPool = defineOp({ name: 'maxPool2d', kernels: ['maxPool2d', 'maxPool2dBackward'], grad: 'rule', family: F });
const MaxPoolBackward = defineOp({ name: 'maxPool2dBackward', kernels: ['maxPool2dBackward'], grad: 'rule', family: F });

/** Max over each kernel window; the gradient goes to the (first) arg-max of each window. */
export function maxPool2d(x: Tensor, kernel: Pair, opts: Pool2dOptions = {}): Tensor {
  const p = poolParams('maxPool2d', x, kernel, opts);
  return apply(MaxPool, [x], p.outShape, x.dtype, (be, [k]) => be.maxPool2d(k!, p), (dy, [xi]) => [maxPoolBack(dy, xi!, p)]);
}

function maxPoolBack(dy: Tensor, x: Tensor, p: Pool2dParams): Tensor {
  // Linear in dy; piecewise constant in x (no gradient). Its adjoint picks g at each window's arg-max.
  return apply(MaxPoolBackward, [dy, x], p.inShape, dy.dtype, (be, [d, k]) => be.maxPool2dBackward(d!, k!, p), (g, [, xi]) => [
    scoped(() => pickArgmax(g, xi!.detach(), p)),
    null,
  ]);
}

/**
 * out[n, c, oh, ow] = g[n, c, position of the first maximum of window (oh, ow) of x]: the
 * derivative of maxPool2dBackward with respect to dy, built from differentiable ops (gather).
 */
function pickArgmax(g: Tensor, x: Tensor, p: Pool2dParams): Tensor {
  const [N, C, H, W] = p.inShape;
  const [, , OH, OW] = p.outShape;
  const [kh, kw] = p.kernel;
  const [sh, sw] = p.strides;
  const [pt, pb, pl, pr] = p.pads;
  const Hp = H + pt + pb;
  const Wp = W + pl + pr;
  const K = kh * kw;
  // Padded-plane position of every window cell, window-major, cells in row-major (kh, kw) order.
  const pos = new Int32Array(OH * OW * K);
  for (let oh = 0; oh < OH; oh++)
    for (let ow = 0; ow < OW; ow++)
      for (let a = 0; a < kh; a++)
        for (let b = 0; b < kw; b++) pos[((oh * OW + ow) * kh + a) * kw + b] = (oh * sh + a) * Wp + (ow * sw + b);
  const like = { backend: x.backend.name };
  const posT = fromArray(pos, [OH * OW * K], like);
  const pads: [number, number][] = [[0, 0], [0, 0], [pt, pb], [pl, pr]];
  // Padded cells are −∞, so they never win (as in the kernel); argmax takes the first maximum.
  const windows = reshape(gather(reshape(pad(x, pads, -Infinity), [N, C, Hp * Wp]), posT, 2), [N, C, OH * OW, K]);
  const winner = argmax(windows, -1); // [N, C, OH·OW], index within the window
  const cell = add(mul(arange(OH * OW, undefined, 1, { ...like, dtype: 'int32' }), K), winner);
  const plane = gather(posT, cell, 0); // [N, C, OH·OW], position in the padded plane
  const flat = add(plane, mul(reshape(arange(N * C, undefined, 1, { ...like, dtype: 'int32' }), [N, C, 1]), Hp * Wp));
  const gFlat = reshape(pad(g, pads, 0), [N * C * Hp * Wp]);
  return reshape(gather(gFlat, flat, 0), [N, C, OH, OW]);
}

const AvgPool = defineOp({ name: 'avgPool2d', kernels: ['avgPool2d', 'avgPool2dBackward'], grad: 'rule', family: F });
const AvgPoolBackward = defineOp({ name: 'avgPool2dBackward', kernels: ['avgPool2dBackward'], grad: 'rule', family: F });

function avgBack(dy: Tensor, p: Pool2dParams): Tensor {
  return apply(AvgPoolBackward, [dy], p.inShape, dy.dtype, (be, [d]) => be.avgPool2dBackward(d!, p), (g) => [avgFwd(g, p)]);
}
function avgFwd(x: Tensor, p: Pool2dParams): Tensor {
  return apply(AvgPool, [x], p.outShape, x.dtype, (be, [k]) => be.avgPool2d(k!, p), (dy) => [avgBack(dy, p)]);
}

/** Mean over each kernel window; the gradient is spread evenly over the window. */
export function avgPool2d(x: Tensor, kernel: Pair, opts: Pool2dOptions = {}): Tensor {
  return avgFwd(x, poolParams('avgPool2d', x, kernel, opts));
}
