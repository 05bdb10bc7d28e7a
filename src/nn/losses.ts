/**
 * Losses (SCOPE §4), written to be numerically stable. Every loss takes (prediction, target) and
 * returns a scalar unless `reduction: 'none'`.
 *
 * Reductions, as PyTorch: the elementwise losses (`mse`, `l1Loss`, `huberLoss`, `smoothL1Loss`,
 * `hingeLoss`, `klDiv`) average over every element with 'mean', add every element with 'sum' and
 * return the elementwise loss with 'none'; `klDiv` also takes 'batchmean' (the sum divided by the
 * batch size, the true KL divergence per sample). Binary cross-entropy (from probabilities or
 * logits) is elementwise too: 'mean' over every element, 'sum' of every element, 'none' the loss
 * of each element, in the input's shape (PyTorch's BCELoss and BCEWithLogitsLoss). The class losses (`softmaxCrossEntropy`, `crossEntropy`, `nllLoss`) have one value
 * per sample and average or add those. `squaredError` keeps the lectures' form: 'sum' by default,
 * 'mean' per sample.
 */
import { jitTracing, validationRead } from '../jit/hooks.js';
import { Tensor } from '../tensor/tensor.js';
import { fmt, shapesEqual } from '../tensor/shape.js';
import { isFloat } from '../tensor/dtype.js';
import { arange, fromArray } from '../tensor/creation.js';
import { scoped } from '../engine.js';
import * as ops from '../ops/index.js';
import { softmaxCrossEntropyFused } from '../ops/loss.js';
import { checkBoolean, checkInt, checkNumber, checkOneOf, checkOptions } from '../validate.js';
import { tensorArg } from './checks.js';

export type Reduction = 'mean' | 'sum' | 'none';

export interface LossOptions {
  reduction?: Reduction;
}

/** A loss function as the fit loop calls it. */
export type Loss = (prediction: Tensor, target: Tensor) => Tensor;

const REDUCTIONS: readonly Reduction[] = ['mean', 'sum', 'none'];


/** The options object (known keys only) and its reduction. */
function lossOptions(op: string, opts: unknown, fallback: Reduction, extra: readonly string[] = []): { reduction: Reduction; opts: Record<string, unknown> } {
  const o = checkOptions(op, opts as object | undefined, ['reduction', ...extra]) as Record<string, unknown>;
  return { reduction: o.reduction === undefined ? fallback : checkOneOf(op, 'reduction', o.reduction, REDUCTIONS), opts: o };
}

/** 'mean' over every element, 'sum' of every element, or the elementwise loss ('none'), as PyTorch. */
function reduceElements(l: Tensor, reduction: Reduction): Tensor {
  return reduction === 'mean' ? ops.mean(l) : reduction === 'sum' ? ops.sum(l) : l;
}

/** The checked prediction and target of an elementwise loss, with its options. */
function elementwiseArgs(op: string, y: unknown, t: unknown, opts: unknown, extra: readonly string[] = []): { y: Tensor; t: Tensor; reduction: Reduction; opts: Record<string, unknown> } {
  const yy = tensorArg(op, 'prediction', y);
  const tt = tensorArg(op, 'target', t);
  const { reduction, opts: o } = lossOptions(op, opts, 'mean', extra);
  sameShape(op, yy, tt);
  return { y: yy, t: tt, reduction, opts: o };
}

function sameShape(op: string, y: Tensor, t: Tensor): void {
  if (!shapesEqual(y.shape, t.shape)) throw new Error(`${op}: prediction is ${fmt(y.shape)} but target is ${fmt(t.shape)}; they must match`);
}

/** Sums `scale`·per over all axes but the first, then reduces over the batch (scaling after the sum: fewer ops). */
function reduceSamples(per: Tensor, reduction: Reduction, scale = 1): Tensor {
  switch (reduction) {
    case 'mean': return ops.mul(ops.sum(per), scale / (per.rank ? (per.shape[0] as number) : 1));
    case 'sum': return scale === 1 ? ops.sum(per) : ops.mul(ops.sum(per), scale);
    case 'none': {
      const s = per.rank > 1 ? ops.sum(per, Array.from({ length: per.rank - 1 }, (_, i) => i + 1)) : per;
      return scale === 1 ? s : ops.mul(s, scale);
    }
  }
}

// ---- class labels ------------------------------------------------------------------------------

/**
 * The index of the first value that is not a class label for `classes` classes (an integer in
 * [0, classes)), or −1 when all are.
 */
export function firstBadLabel(values: ArrayLike<number>, classes: number, ignoreIndex?: number): number {
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (!(Number.isInteger(v) && v >= 0 && v < classes) && v !== ignoreIndex) return i;
  }
  return -1;
}

/**
 * The error for a bad label: `<op>: <where> is <value>, but <against> have <classes> classes
 * (labels must be integers in [0, classes))`, or `…, not an integer (…)` for a fraction or NaN.
 */
export function labelError(op: string, where: string, value: number, classes: number, against: string, dtype?: string): Error {
  const rule = `labels must be integers in [0, ${classes})`;
  const v = Number.isNaN(value) ? 'NaN' : dtype === 'float32' ? shortestFloat32(value) : String(value);
  return new Error(Number.isInteger(value)
    ? `${op}: ${where} is ${v}, but ${against} have ${classes} classes (${rule})`
    : `${op}: ${where} is ${v}, not an integer (${rule})`);
}

/** The shortest decimal that reads back as the same float32 (0.9, not 0.8999999761581421). */
function shortestFloat32(v: number): string {
  for (let p = 1; p < 10; p++) {
    const s = String(Number(v.toPrecision(p)));
    if (Math.fround(Number(s)) === v) return s;
  }
  return String(v);
}

/**
 * Checks label values [N] against `classes`. The labels are read once, synchronously, on backends
 * that read synchronously (cpu, wasm): one pass over a small vector. A backend that reads only
 * asynchronously (a GPU) is not read back in every step; `fit` and `evaluate` check the labels of
 * whole data sets once, before the first step, instead.
 */
function checkLabels(op: string, labels: Tensor, classes: number, against: string, ignoreIndex?: number): ArrayLike<number> | null {
  if (!labels.backend.downloadSync) return null;
  const v = validationRead(() => labels.dataSync() as ArrayLike<number>);
  const i = firstBadLabel(v, classes, ignoreIndex);
  if (i >= 0) throw labelError(op, `targets[${i}]`, v[i] as number, classes, against, labels.dtype);
  // under nb.jit the values are checked at tracing time, but the plan must compute from the tensor
  return jitTracing() ? null : v;
}

/**
 * Class targets: the flat indices i·C + label of each row's target class (labels checked), or
 * one-hot/probability rows [N, C].
 */
type ClassTargets =
  | { flat: Tensor; labels: Tensor; mask?: Tensor; rows?: undefined }
  | { rows: Tensor; flat?: undefined; labels?: undefined; mask?: undefined };

/**
 * Checks class targets against predictions [N, C]: labels [N] (their values too, where read: the
 * values are returned, else null) or rows [N, C] ('rows'); throws naming the op otherwise.
 */
function checkClassTargets(op: string, predName: string, pred: Tensor, targets: Tensor, ignoreIndex?: number): ArrayLike<number> | null | 'rows' {
  if (pred.rank !== 2) throw new Error(`${op}: ${predName} must be [batch, classes], got ${fmt(pred.shape)}`);
  const [n, c] = pred.shape as [number, number];
  if (targets.rank === 1) {
    if (targets.shape[0] !== n) throw new Error(`${op}: ${targets.shape[0]} labels for a batch of ${n}: ${predName} are ${fmt(pred.shape)}, targets ${fmt(targets.shape)}`);
    if (!isFloat(targets.dtype) && targets.dtype !== 'int32') throw new Error(`${op}: integer labels must be int32 (or float holding integers), got ${targets.dtype}`);
    return checkLabels(op, targets, c, `${predName} ${fmt(pred.shape)}`, ignoreIndex);
  }
  if (targets.rank === 2 && targets.shape[0] === n && targets.shape[1] === c) {
    if (ignoreIndex !== undefined) throw new Error(`${op}: ignoreIndex applies to integer labels, not to probability rows`);
    return 'rows';
  }
  throw new Error(`${op}: targets must be int32 labels [${n}] or one-hot/probabilities [${n}, ${c}], got ${fmt(targets.shape)}`);
}

function classTargets(op: string, predName: string, pred: Tensor, targets: Tensor, ignoreIndex?: number): ClassTargets {
  const checked = checkClassTargets(op, predName, pred, targets, ignoreIndex);
  const [n, c] = pred.shape as [number, number];
  if (checked !== 'rows') {
    const be = pred.backend.name;
    const values = checked;
    if (values) {
      // read already: the flat indices (and the labels, ignored ones as class 0) are built here and uploaded once
      const flat = new Int32Array(n);
      const lab = new Int32Array(n);
      let ignored = false;
      for (let i = 0; i < n; i++) {
        const v = values[i] as number;
        const skip = v === ignoreIndex;
        ignored ||= skip;
        lab[i] = skip ? 0 : v;
        flat[i] = i * c + lab[i]!;
      }
      const mask = ignored ? fromArray(Float64Array.from(values, (v) => (v === ignoreIndex ? 0 : 1)), [n], { dtype: pred.dtype, backend: be }) : undefined;
      return { flat: fromArray(flat, [n], { dtype: 'int32', backend: be }), labels: fromArray(lab, [n], { dtype: 'int32', backend: be }), mask };
    }
    let labels = targets.dtype === 'int32' ? targets : ops.cast(targets, 'int32');
    let mask: Tensor | undefined;
    if (ignoreIndex !== undefined) {
      const keep = ops.ne(labels, ignoreIndex);
      mask = ops.cast(keep, pred.dtype);
      labels = ops.where(keep, labels, 0);
    }
    return { flat: ops.add(arange(0, n * c, c, { backend: be }), labels), labels, mask };
  }
  return { rows: targets };
}

/** x[i, label i] for every row i of x [N, C]: one gather from the flattened rows. */
function pickPerRow(x: Tensor, flat: Tensor): Tensor {
  return ops.gather(ops.reshape(x, [x.size]), flat);
}

// ---- the losses ----------------------------------------------------------------------------------

/** Mean squared error over every element: mean((y − t)²); 'sum' or 'none' (elementwise) as PyTorch's MSELoss. */
export function mse(y: Tensor, t: Tensor, opts: LossOptions = {}): Tensor {
  const a = elementwiseArgs('mse', y, t, opts);
  return scoped(() => reduceElements(ops.square(ops.sub(a.y, a.t)), a.reduction));
}

/** L1 loss |y − t| (PyTorch's L1Loss); mean over every element by default. */
export function l1Loss(y: Tensor, t: Tensor, opts: LossOptions = {}): Tensor {
  const a = elementwiseArgs('l1Loss', y, t, opts);
  return scoped(() => reduceElements(ops.abs(ops.sub(a.y, a.t)), a.reduction));
}

/** ½q² + δ(|d| − q) with q = min(|d|, δ): ½d² for |d| ≤ δ, δ(|d| − ½δ) beyond. Smooth, no branch. */
function huber(d: Tensor, delta: number): Tensor {
  const a = ops.abs(d);
  const q = ops.minimum(a, delta);
  return ops.add(ops.mul(ops.square(q), 0.5), ops.mul(ops.sub(a, q), delta));
}

/**
 * Huber loss (PyTorch's HuberLoss) of d = y − t: ½d² for |d| ≤ δ, δ(|d| − ½δ) beyond; `delta` δ > 0
 * (default 1). Mean over every element by default.
 */
export function huberLoss(y: Tensor, t: Tensor, opts: LossOptions & { delta?: number } = {}): Tensor {
  const a = elementwiseArgs('huberLoss', y, t, opts, ['delta']);
  const delta = a.opts.delta === undefined ? 1 : checkNumber('huberLoss', 'delta', a.opts.delta, { above: 0 });
  return scoped(() => reduceElements(huber(ops.sub(a.y, a.t), delta), a.reduction));
}

/**
 * Smooth L1 loss (PyTorch's SmoothL1Loss) of d = y − t: ½d²/β for |d| < β, |d| − ½β beyond;
 * `beta` β ≥ 0 (default 1; 0 is the L1 loss). It is the Huber loss with δ = β, divided by β.
 */
export function smoothL1Loss(y: Tensor, t: Tensor, opts: LossOptions & { beta?: number } = {}): Tensor {
  const a = elementwiseArgs('smoothL1Loss', y, t, opts, ['beta']);
  const beta = a.opts.beta === undefined ? 1 : checkNumber('smoothL1Loss', 'beta', a.opts.beta, { min: 0 });
  return scoped(() => {
    const d = ops.sub(a.y, a.t);
    return reduceElements(beta === 0 ? ops.abs(d) : ops.div(huber(d, beta), beta), a.reduction);
  });
}

/**
 * Hinge loss max(0, 1 − t·y) for targets t of −1 or +1 (checked, naming the first other value, on
 * backends that read synchronously). Mean over every element by default.
 */
export function hingeLoss(y: Tensor, t: Tensor, opts: LossOptions = {}): Tensor {
  const a = elementwiseArgs('hingeLoss', y, t, opts);
  if (a.t.backend.downloadSync) {
    const v = a.t.dataSync() as ArrayLike<number>;
    for (let i = 0; i < v.length; i++) {
      const x = v[i] as number;
      if (x !== 1 && x !== -1) throw new Error(`hingeLoss: targets[${i}] is ${Number.isNaN(x) ? 'NaN' : x}; hinge targets must be −1 or +1`);
    }
  }
  return scoped(() => reduceElements(ops.relu(ops.sub(1, ops.mul(a.t, a.y))), a.reduction));
}

export type KlReduction = Reduction | 'batchmean';

/**
 * Kullback–Leibler divergence with PyTorch's convention (KLDivLoss): `input` holds
 * log-probabilities ln q, `target` probabilities p (or log-probabilities with `logTarget: true`);
 * pointwise p·(ln p − ln q), 0 where p = 0. Reduction 'mean' (default, over every element, as
 * PyTorch), 'sum', 'none', or 'batchmean' — the sum divided by the batch size (the first axis),
 * which is the KL divergence per sample.
 */
export function klDiv(input: Tensor, target: Tensor, opts: { reduction?: KlReduction; logTarget?: boolean } = {}): Tensor {
  const op = 'klDiv';
  const x = tensorArg(op, 'prediction', input);
  const t = tensorArg(op, 'target', target);
  const o = checkOptions(op, opts as object | undefined, ['reduction', 'logTarget']) as Record<string, unknown>;
  const reduction = o.reduction === undefined ? 'mean' : checkOneOf(op, 'reduction', o.reduction, [...REDUCTIONS, 'batchmean'] as const);
  const logTarget = o.logTarget === undefined ? false : checkBoolean(op, 'logTarget', o.logTarget);
  sameShape(op, x, t);
  return scoped(() => {
    // p·(ln p − ln q); with p = 0 the product counts 0 (mulNoNan), also where ln p is −∞
    const pw = logTarget ? ops.mulNoNan(ops.exp(t), ops.sub(t, x)) : ops.mulNoNan(t, ops.sub(ops.log(t), x));
    if (reduction === 'batchmean') return ops.div(ops.sum(pw), x.rank ? (x.shape[0] as number) : 1);
    return reduceElements(pw, reduction);
  });
}

/**
 * Squared error E = ½Σ(y − t)² (the lectures' form, whose output delta is y − t), summed over each
 * sample's outputs; reduction 'sum' (default: the total over the batch), 'mean' (per sample) or 'none'.
 */
export function squaredError(y: Tensor, t: Tensor, opts: LossOptions = {}): Tensor {
  tensorArg('squaredError', 'prediction', y);
  tensorArg('squaredError', 'target', t);
  const { reduction } = lossOptions('squaredError', opts, 'sum');
  sameShape('squaredError', y, t);
  return scoped(() => reduceSamples(ops.square(ops.sub(y, t)), reduction, 0.5));
}

/**
 * Binary cross-entropy from probabilities: −[t ln y + (1 − t) ln(1 − y)], y clamped to
 * [eps, 1 − eps] (eps 1e-7, in (0, 0.5)) so that 0 and 1 give finite losses.
 *
 * The clamp has a price: where y is outside [eps, 1 − eps] — a saturated prediction, e.g. a
 * sigmoid output that rounds to 1 for a target of 0 — the gradient with respect to y is 0, so a
 * confidently wrong prediction does not learn. `binaryCrossEntropyWithLogits` (from the logits,
 * before the sigmoid) has no clamp and gives the full gradient σ(z) − t there; prefer it.
 */
export function binaryCrossEntropy(y: Tensor, t: Tensor, opts: LossOptions & { eps?: number } = {}): Tensor {
  tensorArg('binaryCrossEntropy', 'prediction', y);
  tensorArg('binaryCrossEntropy', 'target', t);
  const { reduction, opts: o } = lossOptions('binaryCrossEntropy', opts, 'mean', ['eps']);
  const eps = o.eps === undefined ? 1e-7 : checkNumber('binaryCrossEntropy', 'eps', o.eps, { above: 0, below: 0.5 });
  sameShape('binaryCrossEntropy', y, t);
  return scoped(() => {
    const p = ops.clip(y, eps, 1 - eps);
    const l = ops.add(ops.mul(t, ops.log(p)), ops.mul(ops.sub(1, t), ops.log(ops.sub(1, p))));
    return ops.neg(reduceElements(l, reduction));
  });
}

/**
 * Binary cross-entropy from logits z (y = σ(z)): softplus(z) − t·z, which equals
 * −[t ln σ(z) + (1 − t) ln(1 − σ(z))] without overflow for large |z|; its gradient is σ(z) − t
 * (per sample), which does not vanish for a confidently wrong logit.
 */
export function binaryCrossEntropyWithLogits(z: Tensor, t: Tensor, opts: LossOptions & { posWeight?: number | Tensor } = {}): Tensor {
  const op = 'binaryCrossEntropyWithLogits';
  tensorArg(op, 'prediction', z);
  tensorArg(op, 'target', t);
  const { reduction, opts: o } = lossOptions(op, opts, 'mean', ['posWeight']);
  sameShape(op, z, t);
  let pw: number | Tensor | undefined;
  if (o.posWeight instanceof Tensor) {
    pw = tensorArg(op, 'posWeight', o.posWeight);
    const last = z.rank ? z.shape[z.rank - 1] : 1;
    if (pw.rank > 1 || (pw.rank === 1 && pw.shape[0] !== last && pw.shape[0] !== 1)) throw new Error(`${op}: posWeight must be a number or a Tensor [${last}] (one per feature), got ${fmt(pw.shape)}`);
    if (pw.backend !== z.backend) throw new Error(`${op}: posWeight lives on '${pw.backend.name}' but the prediction on '${z.backend.name}'; move one with x.to(name)`);
  } else if (o.posWeight !== undefined) {
    pw = checkNumber(op, 'posWeight', o.posWeight, { min: 0 });
  }
  return scoped(() => {
    // softplus(z) − t·z; with a positive-class weight w: (1 − t)·z + (1 + (w − 1)·t)·softplus(−z)
    const l = pw === undefined
      ? ops.sub(ops.softplus(z), ops.mul(t, z))
      : ops.add(ops.mul(ops.sub(1, t), z), ops.mul(ops.add(ops.mul(typeof pw === 'number' ? pw - 1 : ops.sub(pw, 1), t), 1), ops.softplus(ops.neg(z))));
    return reduceElements(l, reduction);
  });
}

export interface SoftmaxCrossEntropyOptions extends LossOptions {
  /** One weight per class, a float Tensor [C] (PyTorch's `weight`). */
  weight?: Tensor;
  /** Samples with this label count 0 and leave the mean (labels only). */
  ignoreIndex?: number;
  /** ε in [0, 1]: the target becomes (1 − ε)·target + ε/C. */
  labelSmoothing?: number;
}

/**
 * Softmax cross-entropy from logits: −Σ t·log softmax(z), with `targets` int32 labels [N] or
 * one-hot/probability rows [N, C]; mean over the batch by default. Stable for any logits (uses
 * logSoftmax); its gradient with respect to the logits is (softmax(z) − t)/N.
 *
 * Labels must be integers in [0, C) (float tensors holding integers are accepted); anything else
 * throws, naming the first bad label and its index. For labels the loss gathers each row's target
 * log-probability, and for probability rows a zero target weight counts 0 whatever the
 * log-probability, so logits masked with −∞ on other classes give a finite loss and gradient.
 *
 * As PyTorch's CrossEntropyLoss: `weight` [C] weighs each class (with labels, 'mean' divides by
 * the sum of the samples' weights), `ignoreIndex` drops samples with that label (labels only),
 * `labelSmoothing` ε mixes the target with the uniform distribution, (1 − ε)·t + ε/C.
 */
export function softmaxCrossEntropy(logits: Tensor, targets: Tensor, opts: SoftmaxCrossEntropyOptions = {}): Tensor {
  const op = 'softmaxCrossEntropy';
  tensorArg(op, 'logits', logits);
  tensorArg(op, 'targets', targets);
  const { reduction, opts: o } = lossOptions(op, opts, 'mean', ['weight', 'ignoreIndex', 'labelSmoothing']);
  const weight = o.weight === undefined ? undefined : tensorArg(op, 'weight', o.weight);
  const ignoreIndex = o.ignoreIndex === undefined ? undefined : checkInt(op, 'ignoreIndex', o.ignoreIndex);
  const eps = o.labelSmoothing === undefined ? 0 : checkNumber(op, 'labelSmoothing', o.labelSmoothing, { min: 0, max: 1 });
  if (weight) {
    const c = logits.rank === 2 ? (logits.shape[1] as number) : -1;
    if (weight.rank !== 1 || weight.shape[0] !== c) throw new Error(`${op}: weight must be [${c}] (one per class), got ${fmt(weight.shape)}`);
    if (!isFloat(weight.dtype)) throw new Error(`${op}: weight must be a float Tensor, got ${weight.dtype}`);
    if (weight.backend !== logits.backend) throw new Error(`${op}: weight lives on '${weight.backend.name}' but logits on '${logits.backend.name}'; move one with x.to(name)`);
  }
  return scoped(() => {
    // the plain loss (no class weights, ignored labels, smoothing or target gradient): one fused kernel each way
    if (!weight && ignoreIndex === undefined && eps === 0 && isFloat(logits.dtype) && !targets.requiresGrad) {
      const checked = checkClassTargets(op, 'logits', logits, targets);
      let t: Tensor;
      if (checked === 'rows') t = targets.dtype === logits.dtype ? targets : ops.cast(targets, logits.dtype);
      else if (targets.dtype === 'int32') t = targets;
      else t = checked ? fromArray(Int32Array.from(checked), [targets.shape[0] as number], { dtype: 'int32', backend: logits.backend.name }) : ops.cast(targets, 'int32');
      return softmaxCrossEntropyFused(logits, t, reduction);
    }
    const t = classTargets(op, 'logits', logits, targets, ignoreIndex);
    const logp = ops.logSoftmax(logits, -1);
    const w = weight && weight.dtype !== logits.dtype ? ops.cast(weight, logits.dtype) : weight;
    const c = logits.shape[1] as number;
    if (t.flat) {
      if (!w && !t.mask && eps === 0) return reduceSamples(pickPerRow(logp, t.flat), reduction, -1);
      // PyTorch: ℓᵢ = sᵢ·[(1 − ε)·(−logp[i, yᵢ])·w[yᵢ] + ε·(−Σ_c w_c·logp[i, c])/C], sᵢ = 0 for an ignored sample;
      // 'mean' divides by Σᵢ sᵢ·w[yᵢ]
      let sw: Tensor | undefined = w ? ops.gather(w, t.labels) : undefined;
      if (t.mask) sw = sw ? ops.mul(sw, t.mask) : t.mask;
      const nll = ops.neg(pickPerRow(logp, t.flat));
      let per = sw ? ops.mul(nll, sw) : nll;
      if (eps > 0) {
        let smooth = ops.div(ops.neg(ops.sum(w ? ops.mulNoNan(w, logp) : logp, -1)), c);
        if (t.mask) smooth = ops.mulNoNan(t.mask, smooth);
        per = ops.add(ops.mul(per, 1 - eps), ops.mul(smooth, eps));
      }
      if (reduction === 'none') return per;
      const total = ops.sum(per);
      return reduction === 'sum' ? total : ops.div(total, sw ? ops.sum(sw) : per.size);
    }
    // 0·(−∞) is 0 here: a class the target gives no weight contributes nothing
    let rows = eps > 0 ? ops.add(ops.mul(t.rows, 1 - eps), eps / c) : t.rows;
    if (w) rows = ops.mul(rows, w);
    return reduceSamples(ops.mulNoNan(rows, logp), reduction, -1);
  });
}

/**
 * Negative log-likelihood (PyTorch's NLLLoss): −input[i, label i] for log-probabilities `input`
 * [N, C] (e.g. a logSoftmax output) and int32 labels [N] (or floats holding integers), checked as
 * in softmaxCrossEntropy. nllLoss(logSoftmax(z), labels) equals softmaxCrossEntropy(z, labels).
 */
export function nllLoss(input: Tensor, targets: Tensor, opts: LossOptions = {}): Tensor {
  const op = 'nllLoss';
  tensorArg(op, 'input', input);
  tensorArg(op, 'targets', targets);
  const { reduction } = lossOptions(op, opts, 'mean');
  if (input.rank === 2 && targets.rank !== 1) throw new Error(`${op}: targets must be int32 labels [${input.shape[0]}], got ${fmt(targets.shape)}`);
  return scoped(() => {
    const t = classTargets(op, 'input', input, targets);
    return reduceSamples(pickPerRow(input, t.flat as Tensor), reduction, -1);
  });
}

/**
 * Categorical cross-entropy from probabilities y (e.g. a softmax output): −Σ t·ln y, y clamped
 * to [eps, 1] (eps 1e-7, in (0, 1)). The lectures' TensorFlow program uses this form; from logits
 * prefer softmaxCrossEntropy. Labels are checked as in softmaxCrossEntropy.
 */
export function crossEntropy(y: Tensor, targets: Tensor, opts: LossOptions & { eps?: number } = {}): Tensor {
  const op = 'crossEntropy';
  tensorArg(op, 'predictions', y);
  tensorArg(op, 'targets', targets);
  const { reduction, opts: o } = lossOptions(op, opts, 'mean', ['eps']);
  const eps = o.eps === undefined ? 1e-7 : checkNumber(op, 'eps', o.eps, { above: 0, below: 1 });
  return scoped(() => {
    const t = classTargets(op, 'predictions', y, targets);
    if (t.flat) return reduceSamples(ops.log(ops.clip(pickPerRow(y, t.flat), eps, 1)), reduction, -1);
    return reduceSamples(ops.mul(t.rows, ops.log(ops.clip(y, eps, 1))), reduction, -1);
  });
}

/**
 * Fraction of rows whose arg-max matches the label (int32 [N], or floats holding integers; checked
 * like the losses' labels) or the target row's arg-max ([N, C]). Reads values synchronously (cpu, wasm).
 */
export function accuracy(logits: Tensor, targets: Tensor): number {
  tensorArg('accuracy', 'predictions', logits);
  tensorArg('accuracy', 'targets', targets);
  if (logits.rank !== 2) throw new Error(`accuracy: predictions must be [batch, classes], got ${fmt(logits.shape)}`);
  const [n, c] = logits.shape as [number, number];
  if (targets.rank === 2 && targets.shape[1] !== c) throw new Error(`accuracy: targets ${fmt(targets.shape)} do not match predictions ${fmt(logits.shape)}`);
  if (targets.rank !== 1 && targets.rank !== 2) throw new Error(`accuracy: targets must be labels [${n}] or rows [${n}, ${c}], got ${fmt(targets.shape)}`);
  if (targets.shape[0] !== n) throw new Error(`accuracy: ${targets.shape[0]} targets for ${n} predictions`);
  if (targets.rank === 1 && !isFloat(targets.dtype) && targets.dtype !== 'int32') throw new Error(`accuracy: integer labels must be int32 (or float holding integers), got ${targets.dtype}`);
  for (const [name, t] of [['predictions', logits], ['targets', targets]] as const) {
    if (!t.backend.downloadSync) throw new Error(`accuracy: ${name} are on backend '${t.backend.name}', which reads asynchronously; use nb.train.evaluate(model, data, { metrics: ['accuracy'] }), or nb.train.correctCount`);
  }
  const pred = ops.argmax(logits, -1);
  const labels = targets.rank === 2 ? ops.argmax(targets, -1) : targets;
  try {
    const p = pred.dataSync();
    const l = labels.dataSync() as ArrayLike<number>;
    if (labels === targets) {
      const i = firstBadLabel(l, c);
      if (i >= 0) throw labelError('accuracy', `targets[${i}]`, l[i] as number, c, `predictions ${fmt(logits.shape)}`, targets.dtype);
    }
    let ok = 0;
    for (let i = 0; i < p.length; i++) if (p[i] === l[i]) ok++;
    return p.length ? ok / p.length : 0;
  } finally {
    pred.dispose();
    if (labels !== targets) labels.dispose();
  }
}
