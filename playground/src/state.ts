/**
 * The playground's settings: one plain object that fully describes a run (data, network,
 * training, seed), stored in the URL hash so that a link reproduces a run exactly.
 */

export const DATASETS = ['circle', 'xor', 'gauss', 'spiral', 'plane', 'gaussmix'] as const;
export type DatasetName = (typeof DATASETS)[number];

/** Which data sets belong to which problem type. */
export const CLASSIFICATION_SETS: readonly DatasetName[] = ['circle', 'xor', 'gauss', 'spiral'];
export const REGRESSION_SETS: readonly DatasetName[] = ['plane', 'gaussmix'];

export const PROBLEMS = ['classification', 'regression'] as const;
export type Problem = (typeof PROBLEMS)[number];

/** Hidden-layer activations (SCOPE §3); softmax/sigmoid/linear outputs follow from the problem. */
export const ACTIVATIONS = ['tanh', 'sigmoid', 'relu', 'linear', 'ramp', 'step', 'sign', 'prelu', 'elu', 'selu', 'swish', 'maxout'] as const;
export type Activation = (typeof ACTIVATIONS)[number];

export const OPTIMIZERS = ['sgd', 'momentum', 'nesterov', 'adagrad', 'rmsprop', 'adadelta', 'adam'] as const;
export type OptimizerName = (typeof OPTIMIZERS)[number];

/** Learning-rate schedules (SCOPE §5): constant, step decay (×0.5 every 100 epochs), exponential decay e^(−0.01·epoch). */
export const SCHEDULES = ['constant', 'step', 'exp'] as const;
export type ScheduleName = (typeof SCHEDULES)[number];

export const INITS = ['xavier', 'xavier-avg', 'he', 'gaussian', 'uniform', 'constant'] as const;
export type InitName = (typeof INITS)[number];

export const REGULARIZATIONS = ['none', 'l1', 'l2'] as const;
export type Regularization = (typeof REGULARIZATIONS)[number];

export const FEATURES = ['x1', 'x2', 'x1sq', 'x2sq', 'x1x2', 'sinx1', 'sinx2'] as const;
export type Feature = (typeof FEATURES)[number];

export const LEARNING_RATES = [0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10] as const;
export const REG_RATES = [0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10] as const;
export const BATCH_SIZES = [1, 2, 5, 10, 20, 30, 50, 100, 250, 500] as const;
export const CLASS_COUNTS = [2, 3, 4, 5] as const;

export const MAX_LAYERS = 6;
export const MAX_NEURONS = 8;

export interface State {
  problem: Problem;
  dataset: DatasetName;
  /** Number of classes for the spiral and Gaussian clusters (2 = binary, more = softmax). */
  classes: number;
  /** Noise in percent, 0–50. */
  noise: number;
  /** Share of the points used for training, in percent, 10–90. */
  trainRatio: number;
  /** Number of points generated in all. */
  points: number;
  features: Feature[];
  /** Neurons per hidden layer. */
  hidden: number[];
  activation: Activation;
  init: InitName;
  optimizer: OptimizerName;
  learningRate: number;
  schedule: ScheduleName;
  regularization: Regularization;
  regRate: number;
  batchSize: number;
  /** Seeds the data, the initial weights and the batch order. */
  seed: number;
  showTest: boolean;
  discretize: boolean;
}

export const DEFAULT_STATE: Readonly<State> = Object.freeze({
  problem: 'classification',
  dataset: 'circle',
  classes: 2,
  noise: 0,
  trainRatio: 50,
  points: 500,
  features: ['x1', 'x2'],
  hidden: [4, 2],
  activation: 'tanh',
  init: 'xavier',
  optimizer: 'sgd',
  learningRate: 0.1,
  schedule: 'constant',
  regularization: 'none',
  regRate: 0,
  batchSize: 10,
  seed: 1,
  showTest: false,
  discretize: false,
} satisfies State);

export function defaultState(): State {
  return { ...DEFAULT_STATE, features: [...DEFAULT_STATE.features], hidden: [...DEFAULT_STATE.hidden] };
}

/** True when the data set takes a class count (the others are binary or regression). */
export function isMultiClassCapable(d: DatasetName): boolean {
  return d === 'spiral' || d === 'gauss';
}

/** The number of output units: 1 for regression and binary classification, else one per class. */
export function outputSize(s: State): number {
  return s.problem === 'regression' || s.classes <= 2 ? 1 : s.classes;
}

/** Makes a state consistent: data set matches the problem, classes only where supported. */
export function normalize(s: State): State {
  const out = { ...s, features: FEATURES.filter((f) => s.features.includes(f)), hidden: s.hidden.slice(0, MAX_LAYERS) };
  const sets = out.problem === 'regression' ? REGRESSION_SETS : CLASSIFICATION_SETS;
  if (!sets.includes(out.dataset)) out.dataset = sets[0]!;
  if (out.problem === 'regression' || !isMultiClassCapable(out.dataset)) out.classes = 2;
  if (out.features.length === 0) out.features = ['x1'];
  out.hidden = out.hidden.map((n) => Math.min(MAX_NEURONS, Math.max(1, Math.round(n))));
  return out;
}

// ---- URL hash ----------------------------------------------------------------------------

/** Encodes the state as `key=value&…` (for `location.hash`). Keys are in a fixed order. */
export function toHash(s: State): string {
  const p = new URLSearchParams();
  p.set('problem', s.problem);
  p.set('dataset', s.dataset);
  p.set('classes', String(s.classes));
  p.set('noise', String(s.noise));
  p.set('trainRatio', String(s.trainRatio));
  p.set('points', String(s.points));
  p.set('features', s.features.join(','));
  p.set('hidden', s.hidden.join(','));
  p.set('activation', s.activation);
  p.set('init', s.init);
  p.set('optimizer', s.optimizer);
  p.set('learningRate', String(s.learningRate));
  p.set('schedule', s.schedule);
  p.set('regularization', s.regularization);
  p.set('regRate', String(s.regRate));
  p.set('batchSize', String(s.batchSize));
  p.set('seed', String(s.seed));
  p.set('showTest', s.showTest ? '1' : '0');
  p.set('discretize', s.discretize ? '1' : '0');
  return p.toString();
}

function oneOf<T extends string>(v: string | null, allowed: readonly T[], dflt: T): T {
  return v !== null && (allowed as readonly string[]).includes(v) ? (v as T) : dflt;
}

function num(v: string | null, dflt: number, lo: number, hi: number, integer = false): number {
  if (v === null || v.trim() === '') return dflt;
  const x = Number(v);
  if (!Number.isFinite(x) || x < lo || x > hi) return dflt;
  return integer ? Math.round(x) : x;
}

function bool(v: string | null, dflt: boolean): boolean {
  if (v === '1' || v === 'true') return true;
  if (v === '0' || v === 'false') return false;
  return dflt;
}

/**
 * Reads a state from a hash (with or without the leading '#'). Missing or invalid entries take
 * their default, so any link opens a working playground.
 */
export function fromHash(hash: string): State {
  const p = new URLSearchParams(hash.startsWith('#') ? hash.slice(1) : hash);
  const d = defaultState();
  const features = p.get('features');
  const hidden = p.get('hidden');
  let hiddenList = d.hidden;
  if (hidden !== null) {
    const parts = hidden === '' ? [] : hidden.split(',').map(Number);
    if (parts.every((n) => Number.isInteger(n) && n >= 1 && n <= MAX_NEURONS) && parts.length <= MAX_LAYERS) hiddenList = parts;
  }
  const s: State = {
    problem: oneOf(p.get('problem'), PROBLEMS, d.problem),
    dataset: oneOf(p.get('dataset'), DATASETS, d.dataset),
    classes: num(p.get('classes'), d.classes, 2, 5, true),
    noise: num(p.get('noise'), d.noise, 0, 50, true),
    trainRatio: num(p.get('trainRatio'), d.trainRatio, 10, 90, true),
    points: num(p.get('points'), d.points, 20, 2000, true),
    features: features === null ? d.features : features.split(',').filter((f): f is Feature => (FEATURES as readonly string[]).includes(f)),
    hidden: hiddenList,
    activation: oneOf(p.get('activation'), ACTIVATIONS, d.activation),
    init: oneOf(p.get('init'), INITS, d.init),
    optimizer: oneOf(p.get('optimizer'), OPTIMIZERS, d.optimizer),
    learningRate: num(p.get('learningRate'), d.learningRate, 1e-7, 100),
    schedule: oneOf(p.get('schedule'), SCHEDULES, d.schedule),
    regularization: oneOf(p.get('regularization'), REGULARIZATIONS, d.regularization),
    regRate: num(p.get('regRate'), d.regRate, 0, 100),
    batchSize: num(p.get('batchSize'), d.batchSize, 1, 2000, true),
    seed: num(p.get('seed'), d.seed, 0, 2 ** 32 - 1, true),
    showTest: bool(p.get('showTest'), d.showTest),
    discretize: bool(p.get('discretize'), d.discretize),
  };
  return normalize(s);
}

/** Settings that change the data (the rest only change the network or its training). */
export function dataKey(s: State): string {
  return [s.dataset, s.problem, s.classes, s.noise, s.trainRatio, s.points, s.seed].join('|');
}
