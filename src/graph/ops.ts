/**
 * The graph's op library is nabla's op library: every function exported by src/ops is made
 * traceable here by iterating the module (no second definition), plus the TensorFlow-1 names a
 * lecture reader looks for (`reduceSum`, `equal`, `nn.conv2d` with TF strides and 'SAME', …),
 * each a thin composite of nabla ops that is itself traced as one node.
 */
import * as allOps from '../ops/index.js';
import { fromArray, onesLike, rand, randn, zerosLike } from '../tensor/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import { isFloat, type DType } from '../tensor/dtype.js';
import { softmaxCrossEntropyFused } from '../ops/loss.js';
import { scoped } from '../engine.js';
import { fail } from '../validate.js';
import { named, SymbolicTensor, traceable, traceCall, type Traced } from './graph.js';

type OpsModule = typeof allOps;
type AnyFn = (...args: never[]) => unknown;
/** Every nabla op, traced. */
export type GraphOps = { [K in keyof OpsModule as OpsModule[K] extends AnyFn ? K : never]: Traced<OpsModule[K]> };

function wrapAll(): GraphOps {
  const out: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(allOps)) {
    if (typeof fn === 'function') out[name] = traceable(name, fn as AnyFn);
  }
  return out as GraphOps;
}

/** Every op of nabla (`nb.add`, `nb.conv2d`, …) as a graph op: `nb.graph.ops.conv2d(x, w, { padding: 'same' })`. */
export const ops: GraphOps = wrapAll();

// creation functions shaped like a tensor (gradients() seeds and zero gradients use them)
export const onesLikeOp = traceable('onesLike', (t: Tensor) => onesLike(t));
export const zerosLikeOp = traceable('zerosLike', (t: Tensor) => zerosLike(t));

// ---------------------------------------------------------------------------------------------
// TensorFlow 1 names.

type In = SymbolicTensor | Tensor | number;
type Axis = number | readonly number[] | null | undefined;

const axesOf = (axis: Axis): number | number[] | undefined => (axis === null || axis === undefined ? undefined : typeof axis === 'number' ? axis : [...axis]);

const reduceSumT = traceable('reduceSum', (x: Tensor, axis?: number | number[] | null, keepDims = false) => allOps.sum(x, axesOf(axis), keepDims));
const reduceMeanT = traceable('reduceMean', (x: Tensor, axis?: number | number[] | null, keepDims = false) => allOps.mean(x, axesOf(axis), keepDims));
const reduceMaxT = traceable('reduceMax', (x: Tensor, axis?: number | number[] | null, keepDims = false) => allOps.max(x, axesOf(axis), keepDims));

/** tf.reduce_sum(x, axis?, keepdims?) */
export function reduceSum(x: In, axis?: Axis, keepDims = false): SymbolicTensor {
  return named('reduceSum', () => reduceSumT(x as SymbolicTensor, axesOf(axis), keepDims));
}
/** tf.reduce_mean(x, axis?, keepdims?) */
export function reduceMean(x: In, axis?: Axis, keepDims = false): SymbolicTensor {
  return named('reduceMean', () => reduceMeanT(x as SymbolicTensor, axesOf(axis), keepDims));
}
/** tf.reduce_max(x, axis?, keepdims?) */
export function reduceMax(x: In, axis?: Axis, keepDims = false): SymbolicTensor {
  return named('reduceMax', () => reduceMaxT(x as SymbolicTensor, axesOf(axis), keepDims));
}
/** tf.argmax(x, axis) — int32 indices. */
export function argmax(x: In, axis: number): SymbolicTensor {
  return traceCall('argmax', [x, axis]) as SymbolicTensor;
}
/** tf.equal(a, b) — bool. */
export function equal(a: In, b: In): SymbolicTensor {
  return traceCall('eq', [a, b], undefined, 'equal') as SymbolicTensor;
}
/** tf.cast(x, dtype) */
export function cast(x: In, dtype: DType): SymbolicTensor {
  return traceCall('cast', [x, dtype]) as SymbolicTensor;
}
/** tf.matmul(a, b) */
export function matmul(a: In, b: In): SymbolicTensor {
  return traceCall('matmul', [a, b]) as SymbolicTensor;
}
/** tf.reshape(x, shape) — one dimension may be -1. */
export function reshape(x: In, shape: readonly number[]): SymbolicTensor {
  return traceCall('reshape', [x, shape]) as SymbolicTensor;
}
export const add = (a: In, b: In): SymbolicTensor => traceCall('add', [a, b]) as SymbolicTensor;
export const sub = (a: In, b: In): SymbolicTensor => traceCall('sub', [a, b]) as SymbolicTensor;
export const mul = (a: In, b: In): SymbolicTensor => traceCall('mul', [a, b]) as SymbolicTensor;
export const div = (a: In, b: In): SymbolicTensor => traceCall('div', [a, b]) as SymbolicTensor;
/** tf.multiply */
export const multiply = (a: In, b: In): SymbolicTensor => traceCall('mul', [a, b], undefined, 'multiply') as SymbolicTensor;
export const neg = (x: In): SymbolicTensor => traceCall('neg', [x]) as SymbolicTensor;
export const log = (x: In): SymbolicTensor => traceCall('log', [x]) as SymbolicTensor;
export const exp = (x: In): SymbolicTensor => traceCall('exp', [x]) as SymbolicTensor;
export const square = (x: In): SymbolicTensor => traceCall('square', [x]) as SymbolicTensor;
export const sqrt = (x: In): SymbolicTensor => traceCall('sqrt', [x]) as SymbolicTensor;

// ---- tf.nn ----

type Strides4 = number | readonly [number, number, number, number];
type TfPadding = 'SAME' | 'VALID';

/** TF's 4-element strides/ksize, written in nabla's NCHW order [1, 1, h, w], or a single number. */
function spatial(op: string, arg: string, v: Strides4): [number, number] {
  if (typeof v === 'number') return [v, v];
  if (!Array.isArray(v) || v.length !== 4 || v[0] !== 1 || v[1] !== 1) {
    return fail(op, arg, 'a number or [1, 1, h, w] (NCHW: batch and channel strides are 1)', v);
  }
  return [v[2], v[3]];
}
function tfPadding(op: string, p: TfPadding): 'same' | 'valid' {
  if (p !== 'SAME' && p !== 'VALID') fail(op, 'padding', "'SAME' or 'VALID'", p);
  return p === 'SAME' ? 'same' : 'valid';
}

const conv2dT = traceable('tf.nn.conv2d', (x: Tensor, filter: Tensor, strides: Strides4, padding: TfPadding) =>
  allOps.conv2d(x, filter, { stride: spatial('nn.conv2d', 'strides', strides), padding: tfPadding('nn.conv2d', padding) }));
const maxPoolT = traceable('tf.nn.maxPool', (x: Tensor, ksize: Strides4, strides: Strides4, padding: TfPadding) =>
  allOps.maxPool2d(x, spatial('nn.maxPool', 'ksize', ksize), { stride: spatial('nn.maxPool', 'strides', strides), padding: tfPadding('nn.maxPool', padding) }));
const dropoutT = traceable('tf.nn.dropout', (x: Tensor, keepProb: Tensor | number) => {
  // keep each element with probability keepProb and scale it by 1/keepProb (TF 1's dropout)
  const mask = allOps.lt(rand([...x.shape]), keepProb);
  return allOps.div(allOps.mul(x, mask), keepProb);
});
const xentT = traceable('tf.nn.softmaxCrossEntropyWithLogits', (labels: Tensor, logits: Tensor) => {
  // rows [N, C] of probabilities: the fused kernel (one each way); else the composite
  if (logits.rank === 2 && labels.rank === 2 && labels.shape[0] === logits.shape[0] && labels.shape[1] === logits.shape[1] &&
    isFloat(logits.dtype) && !labels.requiresGrad && labels.backend === logits.backend) {
    return scoped(() => softmaxCrossEntropyFused(logits, labels.dtype === logits.dtype ? labels : allOps.cast(labels, logits.dtype), 'none'));
  }
  return allOps.neg(allOps.sum(allOps.mul(labels, allOps.logSoftmax(logits, -1)), -1));
});

/** TensorFlow's `tf.nn`, on NCHW images with OIHW filters (see docs/graph.md for the NHWC mapping). */
export const nn = {
  relu: (x: In): SymbolicTensor => traceCall('relu', [x]) as SymbolicTensor,
  sigmoid: (x: In): SymbolicTensor => traceCall('sigmoid', [x]) as SymbolicTensor,
  tanh: (x: In): SymbolicTensor => traceCall('tanh', [x]) as SymbolicTensor,
  /** Softmax over the last axis. */
  softmax: (x: In): SymbolicTensor => traceCall('softmax', [x]) as SymbolicTensor,
  logSoftmax: (x: In): SymbolicTensor => traceCall('logSoftmax', [x]) as SymbolicTensor,
  /** tf.nn.conv2d(x, filter, strides, padding): x NCHW, filter OIHW, strides [1, 1, s, s] or s, padding 'SAME' | 'VALID'. */
  conv2d: (x: In, filter: In, strides: Strides4, padding: TfPadding): SymbolicTensor => named('nn.conv2d', () => conv2dT(x as SymbolicTensor, filter as SymbolicTensor, strides, padding)),
  /** tf.nn.max_pool(x, ksize, strides, padding) on NCHW. */
  maxPool: (x: In, ksize: Strides4, strides: Strides4, padding: TfPadding): SymbolicTensor => named('nn.maxPool', () => maxPoolT(x as SymbolicTensor, ksize, strides, padding)),
  /** tf.nn.dropout(x, keep_prob): keepProb may be a placeholder (feed 1 to switch dropout off). */
  dropout: (x: In, keepProb: In): SymbolicTensor => named('nn.dropout', () => dropoutT(x as SymbolicTensor, keepProb as SymbolicTensor)),
  /** tf.nn.softmax_cross_entropy_with_logits(labels, logits): per-row cross-entropy. */
  softmaxCrossEntropyWithLogits: (args: { labels: In; logits: In }): SymbolicTensor => named('nn.softmaxCrossEntropyWithLogits', () => {
    if (args === null || typeof args !== 'object') fail('nn.softmaxCrossEntropyWithLogits', 'args', '{ labels, logits }', args);
    return xentT(args.labels as SymbolicTensor, args.logits as SymbolicTensor);
  }),
};

// ---------------------------------------------------------------------------------------------
// Chainable methods on graph tensors (x.add(y), x.matmul(w), …).

declare module './graph.js' {
  interface SymbolicTensor {
    add(b: In): SymbolicTensor;
    sub(b: In): SymbolicTensor;
    mul(b: In): SymbolicTensor;
    div(b: In): SymbolicTensor;
    matmul(b: In): SymbolicTensor;
    neg(): SymbolicTensor;
    log(): SymbolicTensor;
    exp(): SymbolicTensor;
    square(): SymbolicTensor;
    reshape(shape: readonly number[]): SymbolicTensor;
    sum(axes?: number | number[], keepDims?: boolean): SymbolicTensor;
    mean(axes?: number | number[], keepDims?: boolean): SymbolicTensor;
  }
}

for (const name of ['add', 'sub', 'mul', 'div', 'matmul', 'neg', 'log', 'exp', 'square', 'reshape', 'sum', 'mean']) {
  Object.defineProperty(SymbolicTensor.prototype, name, {
    value(this: SymbolicTensor, ...rest: unknown[]) {
      return traceCall(name, [this, ...rest]);
    },
    writable: true,
    configurable: true,
  });
}

/**
 * tf.truncated_normal(shape, stddev): an eager tensor of normal values with those beyond two
 * standard deviations drawn again (for Variables' initial values).
 */
export function truncatedNormal(shape: readonly number[], stddev = 1, mean = 0): Tensor {
  if (typeof stddev !== 'number' || !(stddev >= 0)) fail('truncatedNormal', 'stddev', 'a number ≥ 0', stddev);
  if (typeof mean !== 'number' || !Number.isFinite(mean)) fail('truncatedNormal', 'mean', 'a finite number', mean);
  const z = named('truncatedNormal', () => randn(shape));
  const v = z.dataSync() as Float32Array;
  z.dispose();
  for (let i = 0; i < v.length; i++) {
    while (Math.abs(v[i]!) > 2) {
      const r = randn([1]);
      v[i] = r.dataSync()[0] as number;
      r.dispose();
    }
    v[i] = mean + stddev * v[i]!;
  }
  return fromArray(v, shape);
}
