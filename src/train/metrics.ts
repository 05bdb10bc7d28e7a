/**
 * Streaming metrics for `fit` and `evaluate` (and for loops written by hand): each metric keeps
 * a running state — `reset()`, `update(predictions, targets)` once per batch, `result()` — so a
 * set evaluated in batches of any size gives the value of the whole set.
 *
 * A built-in metric computes a few statistics of each batch on the tensors' backend (a
 * confusion matrix, sums of errors) in one small vector, reads that vector back, and adds it to
 * float64 totals; `result()` derives the value from the totals.
 */
import { noGrad, tidy } from '../engine.js';
import { Tensor } from '../tensor/tensor.js';
import { fmt } from '../tensor/shape.js';
import { abs, cast, eq, gt, lt, mul, square, sub } from '../ops/elementwise.js';
import { argmax, sum } from '../ops/reduce.js';
import { flatten, reshape, stack, transpose } from '../ops/shape.js';
import { matmul } from '../ops/matmul.js';
import { oneHot } from '../ops/indexing.js';
import { describe, checkNumber, checkOneOf, checkOptions, checkString, fail, optInt, optNumber } from '../validate.js';
import { tensorArg } from '../nn/checks.js';

/**
 * A streaming metric: `reset()` clears it, `update(pred, target)` adds one batch (it may return
 * a Promise, which `fit` and `evaluate` await before the next batch), `result()` gives the value
 * over every batch added since the last reset. `name` is its key in logs and histories
 * (`val_<name>` for validation).
 */
export interface Metric {
  readonly name: string;
  reset(): void;
  update(pred: Tensor, target: Tensor): void | Promise<void>;
  result(): number;
}

/** A custom metric: the mean of its value over a batch (fit and evaluate weight batches by their size). */
export type MetricFn = (pred: Tensor, target: Tensor) => number | Tensor;

/** The metrics selectable by name in `fit` and `evaluate`. */
export type MetricName = 'accuracy' | 'precision' | 'recall' | 'f1' | 'topKAccuracy' | 'mae' | 'mse' | 'r2';
export const METRIC_NAMES: readonly MetricName[] = ['accuracy', 'precision', 'recall', 'f1', 'topKAccuracy', 'mae', 'mse', 'r2'];

/** What `fit`'s and `evaluate`'s `metrics` option takes: a name, `{ topK: k }`, a Metric object or a function. */
export type MetricSpec = MetricName | { topK: number } | Metric | MetricFn;

/** Averaging of precision, recall and F1 over classes. */
export type Average = 'binary' | 'macro' | 'micro';

export interface ClassMetricOptions {
  /**
   * 'binary': the positive class (1) only; 'macro': the mean over classes (classes absent from
   * both targets and predictions are left out, as scikit-learn does); 'micro': from the counts
   * summed over classes (for single-label classes, equal to the accuracy). Default: 'binary' for
   * a model with a single output per sample, 'macro' otherwise.
   */
  average?: Average;
  /** Decision threshold of a single output per sample (default 0.5; use 0 for logits). */
  threshold?: number;
  /** The key in logs (default 'precision', 'recall' or 'f1'). */
  name?: string;
}


/** Runs fn; an Error from inside gets `<op>: ` in front of its message unless it names op already. */
function named<T>(op: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof Error && !e.message.startsWith(`${op}:`)) e.message = `${op}: ${e.message}`;
    throw e;
  }
}

function nameOption(op: string, v: unknown, fallback: string): string {
  if (v === undefined) return fallback;
  const s = checkString(op, 'options.name', v);
  if (s === '') fail(op, 'options.name', 'a non-empty string', v);
  return s;
}

function samples(t: Tensor): number {
  return t.rank === 0 ? 1 : (t.shape[0] as number);
}

/**
 * Number of correct predictions in a batch, as a scalar tensor: arg-max against labels (int32
 * [N]) or one-hot rows [N, C]; a single output per sample is thresholded.
 */
export function correctCount(pred: Tensor, y: Tensor, threshold = 0.5): Tensor {
  tensorArg('correctCount', 'pred', pred);
  tensorArg('correctCount', 'y', y);
  checkNumber('correctCount', 'threshold', threshold);
  if (pred.rank === 2 && pred.shape[1]! > 1) {
    const p = argmax(pred, -1);
    const labels = y.rank === 2 ? argmax(y, -1) : y.dtype === 'int32' ? y : cast(y, 'int32');
    if (labels.rank !== 1 || labels.shape[0] !== pred.shape[0]) throw new Error(`correctCount: targets ${fmt(y.shape)} do not match predictions ${fmt(pred.shape)}`);
    return sum(cast(eq(p, labels), 'float32'));
  }
  const p = gt(flatten(pred), threshold);
  const t = gt(flatten(y), 0.5);
  if (p.size !== t.size) throw new Error(`correctCount: ${t.size} targets for ${p.size} predictions`);
  return sum(cast(eq(p, t), 'float32'));
}

/**
 * The predicted and target classes (int32 [N]) and the number of classes: arg-max of scores
 * [N, C > 1] against labels [N] or one-hot rows [N, C]; a single output per sample ([N] or
 * [N, 1]) thresholded against targets thresholded at 0.5 (2 classes).
 */
function classesOf(pred: Tensor, target: Tensor, threshold: number): { p: Tensor; t: Tensor; c: number; single: boolean } {
  if (pred.rank === 2 && (pred.shape[1] as number) > 1) {
    const c = pred.shape[1] as number;
    const n = pred.shape[0] as number;
    let t: Tensor;
    if (target.rank === 2 && target.shape[1] === c && target.shape[0] === n) t = argmax(target, -1);
    else if (target.rank === 1 && target.shape[0] === n) t = target.dtype === 'int32' ? target : cast(target, 'int32');
    else throw new Error(`targets ${fmt(target.shape)} do not match predictions ${fmt(pred.shape)}: give class labels [${n}] or one-hot rows [${n}, ${c}]`);
    return { p: argmax(pred, -1), t, c, single: false };
  }
  if (pred.rank === 0 || pred.size !== (pred.shape[0] as number)) throw new Error(`predictions must be scores [N, C] or a single output per sample ([N] or [N, 1]), got ${fmt(pred.shape)}`);
  if (target.size !== pred.size) throw new Error(`targets ${fmt(target.shape)} do not match predictions ${fmt(pred.shape)}`);
  return { p: cast(gt(flatten(pred), threshold), 'int32'), t: cast(gt(flatten(target), 0.5), 'int32'), c: 2, single: true };
}

/** The confusion counts of int32 classes as float32 [C, C] (rows: targets, columns: predictions). */
function confusionCounts(p: Tensor, t: Tensor, c: number): Tensor {
  return matmul(transpose(oneHot(t, c)), oneHot(p, c));
}

/**
 * A metric whose batch statistics are a small vector computed on the backend; `update` reads it
 * back and `add` folds it into float64 totals.
 */
abstract class StatsMetric implements Metric {
  constructor(
    /** The function that made it, for error messages. */
    protected readonly op: string,
    readonly name: string,
  ) {}
  protected abstract stats(pred: Tensor, target: Tensor): Tensor;
  protected abstract add(values: ArrayLike<number>, pred: Tensor): void;
  abstract reset(): void;
  abstract result(): number;

  async update(pred: Tensor, target: Tensor): Promise<void> {
    const op = `${this.op}.update`;
    tensorArg(op, 'pred', pred);
    tensorArg(op, 'target', target);
    const s = named(op, () => noGrad(() => tidy(() => this.stats(pred, target))));
    let values: ArrayLike<number>;
    try {
      values = (await s.data()) as ArrayLike<number>;
    } finally {
      s.dispose();
    }
    named(op, () => this.add(values, pred));
  }
}

class Accuracy extends StatsMetric {
  /** Correct predictions and samples since the last reset. */
  correct = 0;
  count = 0;
  constructor(private readonly threshold: number, name: string) {
    super('accuracy', name);
  }
  protected stats(pred: Tensor, target: Tensor): Tensor {
    return reshape(correctCount(pred, target, this.threshold), [1]);
  }
  protected add(v: ArrayLike<number>, pred: Tensor): void {
    this.correct += v[0] as number;
    this.count += pred.rank === 2 && (pred.shape[1] as number) > 1 ? (pred.shape[0] as number) : pred.size;
  }
  reset(): void {
    this.correct = 0;
    this.count = 0;
  }
  result(): number {
    return this.correct / this.count;
  }
}

/** True/false positives and negatives per class, from a streaming confusion matrix. */
class ClassMetric extends StatsMetric {
  private counts: Float64Array | null = null;
  private classes = 0;
  private single = false;
  constructor(
    op: 'precision' | 'recall' | 'f1',
    private readonly average: Average | undefined,
    private readonly threshold: number,
    name: string,
  ) {
    super(op, name);
  }
  protected stats(pred: Tensor, target: Tensor): Tensor {
    const { p, t, c, single } = classesOf(pred, target, this.threshold);
    if (this.counts && c !== this.classes) throw new Error(`predictions have ${c} classes, earlier batches had ${this.classes}`);
    if (this.average === 'binary' && c > 2) throw new Error(`average 'binary' needs a single output per sample or 2 classes, got ${c} classes; use 'macro' or 'micro'`);
    this.classes = c;
    this.single = single;
    return reshape(confusionCounts(p, t, c), [c * c]);
  }
  protected add(v: ArrayLike<number>, pred: Tensor): void {
    const c = this.classes;
    let total = 0;
    for (let i = 0; i < c * c; i++) total += v[i] as number;
    const n = samples(pred);
    if (total !== n) throw new Error(`${n - total} of ${n} targets are not class labels in [0, ${c - 1}]`);
    this.counts ??= new Float64Array(c * c);
    for (let i = 0; i < c * c; i++) this.counts[i] += v[i] as number;
  }
  reset(): void {
    this.counts = null;
    this.classes = 0;
  }
  /** The confusion matrix accumulated since the last reset (rows: targets, columns: predictions). */
  confusionMatrix(): number[][] {
    const c = this.classes;
    const m = this.counts;
    return Array.from({ length: c }, (_, i) => Array.from({ length: c }, (_, j) => (m ? (m[i * c + j] as number) : 0)));
  }
  result(): number {
    const m = this.counts;
    if (!m) return NaN;
    const c = this.classes;
    const tp = new Float64Array(c);
    const predicted = new Float64Array(c);
    const actual = new Float64Array(c);
    for (let i = 0; i < c; i++) {
      for (let j = 0; j < c; j++) {
        const v = m[i * c + j] as number;
        actual[i] += v;
        predicted[j] += v;
      }
      tp[i] = m[i * c + i] as number;
    }
    const value = (tp: number, predicted: number, actual: number): number => {
      const den = this.op === 'precision' ? predicted : this.op === 'recall' ? actual : predicted + actual;
      const num = this.op === 'f1' ? 2 * tp : tp;
      return den > 0 ? num / den : 0;
    };
    const average = this.average ?? (this.single ? 'binary' : 'macro');
    if (average === 'binary') return value(tp[1] as number, predicted[1] as number, actual[1] as number);
    if (average === 'micro') {
      let t = 0;
      let p = 0;
      let a = 0;
      for (let k = 0; k < c; k++) {
        t += tp[k] as number;
        p += predicted[k] as number;
        a += actual[k] as number;
      }
      return value(t, p, a);
    }
    let s = 0;
    let present = 0;
    for (let k = 0; k < c; k++) {
      if ((predicted[k] as number) + (actual[k] as number) === 0) continue;
      s += value(tp[k] as number, predicted[k] as number, actual[k] as number);
      present++;
    }
    return present > 0 ? s / present : 0;
  }
}

class TopK extends StatsMetric {
  private correct = 0;
  private count = 0;
  constructor(private readonly k: number, name: string) {
    super('topKAccuracy', name);
  }
  protected stats(pred: Tensor, target: Tensor): Tensor {
    if (pred.rank !== 2) throw new Error(`predictions must be scores [N, C], got ${fmt(pred.shape)}`);
    const [n, c] = pred.shape as [number, number];
    let hot: Tensor;
    if (target.rank === 2 && target.shape[0] === n && target.shape[1] === c) hot = oneHot(argmax(target, -1), c, { dtype: 'float32' });
    else if (target.rank === 1 && target.shape[0] === n) hot = oneHot(target.dtype === 'int32' ? target : cast(target, 'int32'), c);
    else throw new Error(`targets ${fmt(target.shape)} do not match predictions ${fmt(pred.shape)}: give class labels [${n}] or one-hot rows [${n}, ${c}]`);
    const p = cast(pred, 'float32');
    // the target's score; a sample is right when fewer than k classes score strictly higher
    const mine = sum(mul(p, hot), -1, true);
    const higher = sum(cast(gt(p, mine), 'float32'), -1);
    const right = sum(cast(lt(higher, this.k), 'float32'));
    return stack([right, sum(hot)]);
  }
  protected add(v: ArrayLike<number>, pred: Tensor): void {
    const n = samples(pred);
    if (v[1] !== n) throw new Error(`${n - (v[1] as number)} of ${n} targets are not class labels in [0, ${(pred.shape[1] as number) - 1}]`);
    this.correct += v[0] as number;
    this.count += n;
  }
  reset(): void {
    this.correct = 0;
    this.count = 0;
  }
  result(): number {
    return this.correct / this.count;
  }
}

type RegressionKind = 'mae' | 'mse' | 'r2';

/** Totals of the errors, and the targets' count, mean and sum of squared deviations (merged per batch). */
class Regression extends StatsMetric {
  private n = 0;
  private absSum = 0;
  private sqSum = 0;
  private mean = 0;
  private m2 = 0;
  constructor(private readonly kind: RegressionKind, name: string) {
    super(kind, name);
  }
  protected stats(pred: Tensor, target: Tensor): Tensor {
    if (pred.size !== target.size) throw new Error(`targets ${fmt(target.shape)} do not match predictions ${fmt(pred.shape)}`);
    const p = flatten(cast(pred, 'float32'));
    const t = flatten(cast(target, 'float32'));
    const e = sub(p, t);
    const n = t.size;
    const tMean = n > 0 ? mul(sum(t), 1 / n) : sum(t);
    return stack([sum(abs(e)), sum(square(e)), sum(t), sum(square(sub(t, tMean)))]);
  }
  protected add(v: ArrayLike<number>, pred: Tensor): void {
    const nb = pred.size;
    if (nb === 0) return;
    const [absSum, sqSum, tSum, m2b] = [v[0], v[1], v[2], v[3]] as number[];
    const meanB = (tSum as number) / nb;
    const total = this.n + nb;
    const delta = meanB - this.mean;
    // Chan et al.: the targets' sum of squared deviations over both parts
    this.m2 += (m2b as number) + (delta * delta * this.n * nb) / total;
    this.mean += (delta * nb) / total;
    this.n = total;
    this.absSum += absSum as number;
    this.sqSum += sqSum as number;
  }
  reset(): void {
    this.n = this.absSum = this.sqSum = this.mean = this.m2 = 0;
  }
  result(): number {
    if (this.kind === 'mae') return this.absSum / this.n;
    if (this.kind === 'mse') return this.sqSum / this.n;
    return 1 - this.sqSum / this.m2;
  }
}

/** A function of a batch, averaged over samples (each batch weighted by its size). */
class FunctionMetric implements Metric {
  private total = 0;
  private count = 0;
  constructor(
    private readonly fn: MetricFn,
    readonly name: string,
  ) {}
  async update(pred: Tensor, target: Tensor): Promise<void> {
    const op = this.name;
    const v: unknown = noGrad(() => tidy(() => this.fn(pred, target)));
    let value: number;
    if (typeof v === 'number') value = v;
    else if (v instanceof Tensor && v.size === 1) {
      try {
        value = (await v.data())[0] as number;
      } finally {
        v.dispose();
      }
    } else {
      if (v instanceof Tensor) v.dispose();
      throw new Error(`${op}: a metric function must return a number or a one-element Tensor, got ${v instanceof Tensor ? `a Tensor ${fmt(v.shape)}` : describe(v)}`);
    }
    const n = samples(pred);
    this.total += value * n;
    this.count += n;
  }
  reset(): void {
    this.total = 0;
    this.count = 0;
  }
  result(): number {
    return this.total / this.count;
  }
}

const CLASS_OPTIONS = ['average', 'threshold', 'name'] as const;

function classMetric(op: 'precision' | 'recall' | 'f1', opts: ClassMetricOptions | undefined): ClassMetric {
  const o = checkOptions(op, opts, CLASS_OPTIONS);
  const average = o.average === undefined ? undefined : checkOneOf(op, 'options.average', o.average, ['binary', 'macro', 'micro'] as const);
  const threshold = optNumber(op, 'options.threshold', o.threshold, 0.5);
  return new ClassMetric(op, average, threshold, nameOption(op, o.name, op));
}

/** Accuracy: arg-max against labels or one-hot rows; a single output per sample is thresholded (default 0.5). */
export function accuracy(opts: { threshold?: number; name?: string } = {}): Metric & { correct: number; count: number } {
  const o = checkOptions('accuracy', opts, ['threshold', 'name']);
  return new Accuracy(optNumber('accuracy', 'options.threshold', o.threshold, 0.5), nameOption('accuracy', o.name, 'accuracy'));
}

/** Precision: true positives over predicted positives (0 for a class never predicted). */
export function precision(opts: ClassMetricOptions = {}): Metric & { confusionMatrix(): number[][] } {
  return classMetric('precision', opts);
}

/** Recall: true positives over actual positives (0 for a class absent from the targets). */
export function recall(opts: ClassMetricOptions = {}): Metric & { confusionMatrix(): number[][] } {
  return classMetric('recall', opts);
}

/** F1: the harmonic mean of precision and recall, 2·TP / (2·TP + FP + FN), per class. */
export function f1(opts: ClassMetricOptions = {}): Metric & { confusionMatrix(): number[][] } {
  return classMetric('f1', opts);
}

/** Top-k accuracy (default k = 5): the target class scores among the k highest (ties count for the target). Key: `top<k>Accuracy`. */
export function topKAccuracy(opts: { k?: number; name?: string } = {}): Metric {
  const o = checkOptions('topKAccuracy', opts, ['k', 'name']);
  const k = optInt('topKAccuracy', 'options.k', o.k, 5, { min: 1 });
  return new TopK(k, nameOption('topKAccuracy', o.name, `top${k}Accuracy`));
}

function regression(op: RegressionKind, opts: { name?: string } | undefined): Metric {
  const o = checkOptions(op, opts, ['name']);
  return new Regression(op, nameOption(op, o.name, op));
}

/** Mean absolute error over every output of every sample. */
export function mae(opts: { name?: string } = {}): Metric {
  return regression('mae', opts);
}

/** Mean squared error over every output of every sample. */
export function mse(opts: { name?: string } = {}): Metric {
  return regression('mse', opts);
}

/** R² (coefficient of determination), 1 − SSE / SST, over every output of every sample together. */
export function r2(opts: { name?: string } = {}): Metric {
  return regression('r2', opts);
}

/** A custom per-sample-mean metric from a function `(pred, target) => number` (its batch mean); the key is `name` or the function's name. */
export function fromFunction(fn: MetricFn, opts: { name?: string } = {}): Metric {
  if (typeof fn !== 'function') fail('fromFunction', 'fn', 'a function (pred, target) => number', fn);
  const o = checkOptions('fromFunction', opts, ['name']);
  return new FunctionMetric(fn, nameOption('fromFunction', o.name, fn.name === '' ? 'metric' : fn.name));
}

/**
 * The confusion matrix of a set, int32 [C, C]: rows are targets, columns predictions. `pred`:
 * scores [N, C] (arg-max), a single output per sample [N] / [N, 1] (thresholded at 0.5: 2
 * classes), or class indices int32 [N]; `target`: labels [N] or one-hot rows [N, C].
 * `numClasses` is needed when neither gives it; labels outside [0, C) are not counted.
 */
export function confusionMatrix(pred: Tensor, target: Tensor, numClasses?: number): Tensor {
  const op = 'confusionMatrix';
  tensorArg(op, 'pred', pred);
  tensorArg(op, 'target', target);
  const given = numClasses === undefined ? undefined : optInt(op, 'numClasses', numClasses, 1, { min: 1 });
  return named(op, () => noGrad(() => tidy(() => {
    let p: Tensor;
    let t: Tensor;
    let c: number;
    if (pred.rank === 1 && pred.dtype === 'int32') {
      const n = pred.shape[0] as number;
      const inferred = target.rank === 2 ? (target.shape[1] as number) : undefined;
      const k = given ?? inferred;
      if (k === undefined) throw new Error(`${op}: numClasses must be given for class indices against labels, got undefined`);
      if (target.rank === 2 && (target.shape[0] !== n || target.shape[1] !== k)) throw new Error(`targets ${fmt(target.shape)} do not match ${k} classes of ${n} predictions`);
      if (target.rank !== 1 && target.rank !== 2) throw new Error(`targets must be labels [N] or one-hot rows [N, C], got ${fmt(target.shape)}`);
      if (target.rank === 1 && target.shape[0] !== n) throw new Error(`targets ${fmt(target.shape)} do not match predictions ${fmt(pred.shape)}`);
      p = pred;
      t = target.rank === 2 ? argmax(target, -1) : target.dtype === 'int32' ? target : cast(target, 'int32');
      c = k;
    } else {
      ({ p, t, c } = classesOf(pred, target, 0.5));
      if (given !== undefined && given !== c) throw new Error(`${op}: numClasses must be ${c} for predictions ${fmt(pred.shape)}, got ${given}`);
    }
    return cast(confusionCounts(p, t, c), 'int32');
  })));
}

export { featureStats, frechetDistance } from './frechet.js';
export type { FeatureStats } from './frechet.js';
