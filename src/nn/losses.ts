/**
 * Losses (SCOPE §4), written to be numerically stable. Every loss takes (prediction, target) and
 * returns a scalar unless `reduction: 'none'`.
 *
 * Reductions: 'mean' averages over the batch (the first axis), 'sum' adds over the batch, 'none'
 * gives one value per sample. Squared error and binary cross-entropy sum over the remaining
 * (feature) axes first, so 'mean' is the per-sample loss averaged over the batch — except `mse`,
 * the mean over every element (Keras/PyTorch `MSELoss`).
 */
import type { Tensor } from '../tensor/tensor.js';
import { fmt, shapesEqual } from '../tensor/shape.js';
import { isFloat } from '../tensor/dtype.js';
import * as ops from '../ops/index.js';

export type Reduction = 'mean' | 'sum' | 'none';

export interface LossOptions {
  reduction?: Reduction;
}

/** A loss function as the fit loop calls it. */
export type Loss = (prediction: Tensor, target: Tensor) => Tensor;

function sameShape(op: string, y: Tensor, t: Tensor): void {
  if (!shapesEqual(y.shape, t.shape)) throw new Error(`${op}: prediction is ${fmt(y.shape)} but target is ${fmt(t.shape)}; they must match`);
}

/** Sums `scale`·per over all axes but the first, then reduces over the batch (scaling after the sum: fewer ops). */
function reduceSamples(op: string, per: Tensor, reduction: Reduction, scale = 1): Tensor {
  switch (reduction) {
    case 'mean': return ops.mul(ops.sum(per), scale / (per.rank ? (per.shape[0] as number) : 1));
    case 'sum': return scale === 1 ? ops.sum(per) : ops.mul(ops.sum(per), scale);
    case 'none': {
      const s = per.rank > 1 ? ops.sum(per, Array.from({ length: per.rank - 1 }, (_, i) => i + 1)) : per;
      return scale === 1 ? s : ops.mul(s, scale);
    }
    default: throw new Error(`${op}: reduction must be 'mean', 'sum' or 'none', got '${String(reduction)}'`);
  }
}

/** Mean squared error over every element: mean((y − t)²). */
export function mse(y: Tensor, t: Tensor): Tensor {
  sameShape('mse', y, t);
  return ops.mean(ops.square(ops.sub(y, t)));
}

/**
 * Squared error E = ½Σ(y − t)² (the lectures' form, whose output delta is y − t), summed over each
 * sample's outputs; reduction 'sum' (default: the total over the batch), 'mean' (per sample) or 'none'.
 */
export function squaredError(y: Tensor, t: Tensor, opts: LossOptions = {}): Tensor {
  sameShape('squaredError', y, t);
  return reduceSamples('squaredError', ops.square(ops.sub(y, t)), opts.reduction ?? 'sum', 0.5);
}

/**
 * Binary cross-entropy from probabilities: −[t ln y + (1 − t) ln(1 − y)], y clamped to
 * [eps, 1 − eps] (eps 1e-7) so that 0 and 1 give finite losses. Prefer the logits form.
 */
export function binaryCrossEntropy(y: Tensor, t: Tensor, opts: LossOptions & { eps?: number } = {}): Tensor {
  sameShape('binaryCrossEntropy', y, t);
  const eps = opts.eps ?? 1e-7;
  const p = ops.clip(y, eps, 1 - eps);
  const l = ops.add(ops.mul(t, ops.log(p)), ops.mul(ops.sub(1, t), ops.log(ops.sub(1, p))));
  return reduceSamples('binaryCrossEntropy', l, opts.reduction ?? 'mean', -1);
}

/**
 * Binary cross-entropy from logits z (y = σ(z)): softplus(z) − t·z, which equals
 * −[t ln σ(z) + (1 − t) ln(1 − σ(z))] without overflow for large |z|.
 */
export function binaryCrossEntropyWithLogits(z: Tensor, t: Tensor, opts: LossOptions = {}): Tensor {
  sameShape('binaryCrossEntropyWithLogits', z, t);
  return reduceSamples('binaryCrossEntropyWithLogits', ops.sub(ops.softplus(z), ops.mul(t, z)), opts.reduction ?? 'mean');
}

/** Targets as a [N, C] float tensor: int labels [N] become one-hot rows; [N, C] pass through. */
function targetDistribution(op: string, logits: Tensor, targets: Tensor): Tensor {
  if (logits.rank !== 2) throw new Error(`${op}: logits must be [batch, classes], got ${fmt(logits.shape)}`);
  const [n, c] = logits.shape as [number, number];
  if (targets.rank === 1) {
    if (targets.shape[0] !== n) throw new Error(`${op}: ${targets.shape[0]} labels for a batch of ${n}: logits are ${fmt(logits.shape)}, targets ${fmt(targets.shape)}`);
    if (isFloat(targets.dtype) || targets.dtype === 'int32') {
      return ops.oneHot(targets.dtype === 'int32' ? targets : ops.cast(targets, 'int32'), c, { dtype: logits.dtype === 'float64' ? 'float64' : 'float32' });
    }
    throw new Error(`${op}: integer labels must be int32 (or float holding integers), got ${targets.dtype}`);
  }
  if (targets.rank === 2 && targets.shape[0] === n && targets.shape[1] === c) return targets;
  throw new Error(`${op}: targets must be int32 labels [${n}] or one-hot/probabilities [${n}, ${c}], got ${fmt(targets.shape)}`);
}

/**
 * Softmax cross-entropy from logits: −Σ t·log softmax(z), with `targets` int32 labels [N] or
 * one-hot/probability rows [N, C]; mean over the batch by default. Stable for any logits (uses
 * logSoftmax); its gradient with respect to the logits is (softmax(z) − t)/N.
 */
export function softmaxCrossEntropy(logits: Tensor, targets: Tensor, opts: LossOptions = {}): Tensor {
  const t = targetDistribution('softmaxCrossEntropy', logits, targets);
  return reduceSamples('softmaxCrossEntropy', ops.mul(t, ops.logSoftmax(logits, -1)), opts.reduction ?? 'mean', -1);
}

/**
 * Categorical cross-entropy from probabilities y (e.g. a softmax output): −Σ t·ln y, y clamped
 * to [eps, 1] (eps 1e-7). The lectures' TensorFlow program uses this form; from logits prefer
 * softmaxCrossEntropy.
 */
export function crossEntropy(y: Tensor, targets: Tensor, opts: LossOptions & { eps?: number } = {}): Tensor {
  const t = targetDistribution('crossEntropy', y, targets);
  const eps = opts.eps ?? 1e-7;
  return reduceSamples('crossEntropy', ops.mul(t, ops.log(ops.clip(y, eps, 1))), opts.reduction ?? 'mean', -1);
}

/** Fraction of rows whose arg-max matches the label (int32 [N]) or the target row's arg-max ([N, C]). */
export function accuracy(logits: Tensor, targets: Tensor): number {
  if (logits.rank !== 2) throw new Error(`accuracy: predictions must be [batch, classes], got ${fmt(logits.shape)}`);
  const pred = ops.argmax(logits, -1);
  const labels = targets.rank === 2 ? ops.argmax(targets, -1) : targets;
  if (labels.shape[0] !== pred.shape[0]) throw new Error(`accuracy: ${labels.shape[0]} targets for ${pred.shape[0]} predictions`);
  const p = pred.dataSync();
  const l = labels.dataSync();
  let ok = 0;
  for (let i = 0; i < p.length; i++) if (p[i] === Math.round(Number(l[i]))) ok++;
  pred.dispose();
  if (labels !== targets) labels.dispose();
  return p.length ? ok / p.length : 0;
}
