/**
 * Seeded 2-D toy data sets, the ones TensorFlow Playground made famous: circle, XOR, Gaussian
 * clusters and spirals for classification, a plane and a mixture of Gaussians for regression.
 *
 * Pure TypeScript with no Node imports, so the browser playground runs them too. Each generator
 * returns plain typed arrays (points row-major `[n, 2]`); `toyTensors` turns a set into tensors
 * for `nb.train.fit`. The same `seed` gives the same points on every platform.
 *
 * Coordinates lie roughly in [-6, 6]. `noise` is a fraction in [0, 1]: 0 gives clean sets, 0.5
 * visibly overlapping ones.
 */
import { Random } from '../tensor/random.js';
import { fromArray } from '../tensor/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkInt, checkNumber, checkOptions, fail, optNumber } from '../validate.js';

export interface ToyOptions {
  /** Number of points (default 400). */
  n?: number;
  /** Noise level in [0, 1] (default 0). */
  noise?: number;
  /** Seed of the generator (default 0). */
  seed?: number;
}

/** A 2-D classification set: `points` row-major [n, 2], `labels` class indices in [0, numClasses). */
export interface ClassificationData {
  readonly task: 'classification';
  readonly name: string;
  readonly n: number;
  readonly points: Float32Array;
  readonly labels: Int32Array;
  readonly numClasses: number;
}

/** A 2-D regression set: `points` row-major [n, 2], `targets` real values in about [-1, 1]. */
export interface RegressionData {
  readonly task: 'regression';
  readonly name: string;
  readonly n: number;
  readonly points: Float32Array;
  readonly targets: Float32Array;
}

export type ToyData = ClassificationData | RegressionData;

interface Resolved {
  n: number;
  noise: number;
  rng: Random;
}

/** The most points a toy set may have. */
const MAX_POINTS = 10_000_000;

/** Checks a generator's options (`extra`: its own keys beyond n, noise, seed). */
function resolve(name: string, opts: ToyOptions | undefined, extra: readonly string[] = []): Resolved {
  const op = `nb.data.${name}`;
  const o = checkOptions(op, opts, ['n', 'noise', 'seed', ...extra]);
  const n = o.n === undefined ? 400 : checkInt(op, 'n', o.n, { min: 1, max: MAX_POINTS });
  const noise = optNumber(op, 'noise', o.noise, 0, { min: 0, max: 1 });
  return { n, noise, rng: new Random(optNumber(op, 'seed', o.seed, 0)) };
}

/** The number of classes or arms: 2 by default, at most one per point. */
function classCount(name: string, arg: string, v: unknown, n: number): number {
  return v === undefined ? 2 : checkInt(`nb.data.${name}`, arg, v, { min: 2, max: n });
}

const TOY_WHAT = 'a toy data set (from circle, xor, gaussian, spiral, plane or gaussianMix)';

/** Checks that `d` is a toy set with consistent arrays. */
function checkToy(op: string, d: unknown): void {
  const t = d as { task?: unknown; n?: number; points?: unknown; labels?: unknown; targets?: unknown } | null;
  const ok = t !== null && typeof t === 'object' && Number.isSafeInteger(t.n) && (t.n as number) >= 0 && t.points instanceof Float32Array && t.points.length === 2 * (t.n as number)
    && (t.task === 'classification' ? t.labels instanceof Int32Array && t.labels.length === t.n : t.task === 'regression' && t.targets instanceof Float32Array && t.targets.length === t.n);
  if (!ok) fail(op, 'data', TOY_WHAT, d);
}

const uniform = (rng: Random, lo: number, hi: number): number => lo + (hi - lo) * rng.uniform();

function classification(name: string, n: number, numClasses: number, fill: (i: number, p: Float32Array, l: Int32Array) => void): ClassificationData {
  const points = new Float32Array(2 * n);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) fill(i, points, labels);
  return { task: 'classification', name, n, points, labels, numClasses };
}

/** Two classes: a disc of radius 2.5 (class 1) inside a ring reaching radius 5 (class 0). */
export function circle(opts: ToyOptions = {}): ClassificationData {
  const { n, noise, rng } = resolve('circle', opts);
  const R = 5;
  return classification('circle', n, 2, (i, p, l) => {
    const inner = i < n / 2;
    const r = inner ? uniform(rng, 0, R * 0.5) : uniform(rng, R * 0.7, R);
    const a = uniform(rng, 0, 2 * Math.PI);
    p[2 * i] = r * Math.sin(a) + uniform(rng, -R, R) * noise;
    p[2 * i + 1] = r * Math.cos(a) + uniform(rng, -R, R) * noise;
    l[i] = inner ? 1 : 0;
  });
}

/** Two classes by quadrant: class 1 where x₁·x₂ ≥ 0, class 0 elsewhere. */
export function xor(opts: ToyOptions = {}): ClassificationData {
  const { n, noise, rng } = resolve('xor', opts);
  const pad = 0.3;
  return classification('xor', n, 2, (i, p, l) => {
    let x = uniform(rng, -5, 5);
    let y = uniform(rng, -5, 5);
    x += x > 0 ? pad : -pad; // keep points off the axes so the clean set is separable
    y += y > 0 ? pad : -pad;
    l[i] = x * y >= 0 ? 1 : 0;
    p[2 * i] = x + uniform(rng, -5, 5) * noise;
    p[2 * i + 1] = y + uniform(rng, -5, 5) * noise;
  });
}

/**
 * Gaussian clusters, one class per cluster. With 2 classes the centres are (2, 2) (class 1) and
 * (−2, −2) (class 0), as in TensorFlow Playground; with k > 2 they sit evenly on a circle of radius 3.
 * The spread grows with `noise`.
 */
export function gaussian(opts: ToyOptions & { classes?: number } = {}): ClassificationData {
  const { n, noise, rng } = resolve('gaussian', opts, ['classes']);
  const k = classCount('gaussian', 'classes', opts.classes, n);
  const centers: [number, number][] =
    k === 2 ? [[-2, -2], [2, 2]] : Array.from({ length: k }, (_, c) => [3 * Math.cos((2 * Math.PI * c) / k), 3 * Math.sin((2 * Math.PI * c) / k)]);
  const sigma = 0.5 + 3.5 * noise;
  return classification('gaussian', n, k, (i, p, l) => {
    const c = i % k;
    const [cx, cy] = centers[c]!;
    p[2 * i] = cx + sigma * rng.normal();
    p[2 * i + 1] = cy + sigma * rng.normal();
    l[i] = c;
  });
}

/** Interleaved spirals, one class per arm (default 2 arms; `arms: k` gives a k-class problem). */
export function spiral(opts: ToyOptions & { arms?: number } = {}): ClassificationData {
  const { n, noise, rng } = resolve('spiral', opts, ['arms']);
  const k = classCount('spiral', 'arms', opts.arms, n);
  const perArm = Math.ceil(n / k);
  return classification('spiral', n, k, (i, p, l) => {
    const arm = i % k;
    const j = Math.floor(i / k);
    const r = (j / perArm) * 5;
    const t = (1.75 * j * 2 * Math.PI) / perArm + (2 * Math.PI * arm) / k;
    p[2 * i] = r * Math.sin(t) + uniform(rng, -1, 1) * noise;
    p[2 * i + 1] = r * Math.cos(t) + uniform(rng, -1, 1) * noise;
    l[i] = arm;
  });
}

function regression(name: string, n: number, rng: Random, noise: number, f: (x: number, y: number) => number): RegressionData {
  const points = new Float32Array(2 * n);
  const targets = new Float32Array(n);
  const R = 6;
  for (let i = 0; i < n; i++) {
    const x = uniform(rng, -R, R);
    const y = uniform(rng, -R, R);
    points[2 * i] = x + uniform(rng, -R, R) * noise;
    points[2 * i + 1] = y + uniform(rng, -R, R) * noise;
    targets[i] = f(x, y);
  }
  return { task: 'regression', name, n, points, targets };
}

/** Regression on a tilted plane: target = (x₁ + x₂) / 12, in [−1, 1]. */
export function plane(opts: ToyOptions = {}): RegressionData {
  const { n, noise, rng } = resolve('plane', opts);
  return regression('plane', n, rng, noise, (x, y) => (x + y) / 12);
}

/** Regression on a mixture of Gaussian bumps (two up, two down), target in about [−1, 1]. */
export function gaussianMix(opts: ToyOptions = {}): RegressionData {
  const { n, noise, rng } = resolve('gaussianMix', opts);
  const bumps: [number, number, number][] = [
    [-4, 2.5, 1],
    [0, 2.5, -1],
    [4, 2.5, 1],
    [-4, -2.5, -1],
    [0, -2.5, 1],
    [4, -2.5, -1],
  ];
  return regression('gaussianMix', n, rng, noise, (x, y) => {
    let v = 0;
    for (const [cx, cy, s] of bumps) v += s * Math.exp(-((x - cx) ** 2 + (y - cy) ** 2) / 2);
    return v;
  });
}

/** Every toy set by name (what the playground lists). */
export const toySets = { circle, xor, gaussian, spiral, plane, gaussianMix } as const;
export type ToySetName = keyof typeof toySets;

/**
 * The set as tensors for `fit`: x float32 [n, 2]; y int32 class indices [n] for classification,
 * float32 targets [n, 1] for regression.
 */
export function toyTensors(d: ToyData): { x: Tensor; y: Tensor } {
  checkToy('nb.data.toyTensors', d);
  const x = fromArray(d.points.slice(), [d.n, 2]);
  const y = d.task === 'classification' ? fromArray(d.labels.slice(), [d.n]) : fromArray(d.targets.slice(), [d.n, 1]);
  return { x, y };
}

/** Splits a toy set into a training part (the first `ratio` of a seeded shuffle) and a test part. */
export function splitToy<T extends ToyData>(d: T, ratio = 0.5, seed = 0): { train: T; test: T } {
  checkToy('nb.data.splitToy', d);
  checkNumber('nb.data.splitToy', 'ratio', ratio, { above: 0, below: 1 });
  checkNumber('nb.data.splitToy', 'seed', seed);
  const perm = new Random(seed).permutation(d.n);
  const nTrain = Math.round(d.n * ratio);
  const pick = (idx: Int32Array): T => {
    const points = new Float32Array(2 * idx.length);
    idx.forEach((j, i) => {
      points[2 * i] = d.points[2 * j]!;
      points[2 * i + 1] = d.points[2 * j + 1]!;
    });
    if (d.task === 'classification') {
      return { ...d, n: idx.length, points, labels: Int32Array.from(idx, (j) => d.labels[j]!) };
    }
    return { ...d, n: idx.length, points, targets: Float32Array.from(idx, (j) => d.targets[j]!) };
  };
  return { train: pick(perm.subarray(0, nTrain)), test: pick(perm.subarray(nTrain)) };
}
