/**
 * Mini-batches: a seeded shuffle of sample indices, cut into batches, and the rows of a data
 * set picked by a batch of indices. Samples are along the first axis of `x` and `y`.
 */
import { Random } from '../tensor/random.js';
import { fromArray } from '../tensor/creation.js';
import { Tensor } from '../tensor/tensor.js';
import { gather } from '../ops/indexing.js';
import { slice } from '../ops/shape.js';
import { checkBoolean, checkInt, checkOptions, fail, optBoolean, optNumber } from '../validate.js';
import { checkPositiveInt, checkTensor } from '../nn/checks.js';

const BATCH_KEYS = ['batchSize', 'shuffle', 'seed', 'random', 'dropLast'];
/** Sample indices are int32. */
const MAX_SAMPLES = 2 ** 31 - 1;

export interface BatchOptions {
  /** Samples per batch (the last batch may be smaller unless `dropLast`). */
  batchSize: number;
  /** Shuffle the samples first (default false). */
  shuffle?: boolean;
  /** Seed of the shuffle (default 0); ignored when `random` is given. */
  seed?: number;
  /** A generator to draw the shuffle from (e.g. one that advances from epoch to epoch). */
  random?: Random;
  /** Drop a last batch smaller than `batchSize` (default false). */
  dropLast?: boolean;
}

/** The number of batches `batchIndices` makes for `n` samples. */
export function numBatches(n: number, batchSize: number, dropLast = false): number {
  checkInt('numBatches', 'n', n, { min: 0 });
  checkPositiveInt('numBatches', 'batchSize', batchSize);
  checkBoolean('numBatches', 'dropLast', dropLast);
  return dropLast ? Math.floor(n / batchSize) : Math.ceil(n / batchSize);
}

/** Checks batch options for `op` (batchIndices, batches). */
function checkBatchOptions(op: string, opts: BatchOptions | undefined): Required<Omit<BatchOptions, 'random'>> & { random?: Random } {
  const o = checkOptions(op, opts, BATCH_KEYS);
  const batchSize = checkPositiveInt(op, 'batchSize', o.batchSize);
  const shuffle = optBoolean(op, 'shuffle', o.shuffle, false);
  const seed = optNumber(op, 'seed', o.seed, 0);
  if (o.random !== undefined && !(o.random instanceof Random)) fail(op, 'random', 'a Random (new nb.Random(seed))', o.random);
  const dropLast = optBoolean(op, 'dropLast', o.dropLast, false);
  return { batchSize, shuffle, seed, random: o.random, dropLast };
}

function indicesOf(n: number, o: ReturnType<typeof checkBatchOptions>): Int32Array[] {
  let order: Int32Array;
  if (o.shuffle) order = (o.random ?? new Random(o.seed)).permutation(n);
  else order = Int32Array.from({ length: n }, (_, i) => i);
  const out: Int32Array[] = [];
  const count = o.dropLast ? Math.floor(n / o.batchSize) : Math.ceil(n / o.batchSize);
  for (let b = 0; b < count; b++) out.push(order.subarray(b * o.batchSize, Math.min(n, (b + 1) * o.batchSize)));
  return out;
}

/** The sample indices of each batch: 0..n-1 in order, or a seeded permutation when `shuffle`. */
export function batchIndices(n: number, opts: BatchOptions): Int32Array[] {
  checkInt('batchIndices', 'n', n, { min: 0, max: MAX_SAMPLES });
  return indicesOf(n, checkBatchOptions('batchIndices', opts));
}

/** The number of samples (length of the first axis) of `t`. */
export function numSamples(t: Tensor): number {
  return samplesOf(t, 'numSamples', 't');
}

/** numSamples for a caller that names itself and its argument in the error. */
function samplesOf(t: Tensor, op: string, arg: string): number {
  checkTensor(op, arg, t);
  if (t.rank === 0) throw new Error(`${op}: ${arg} needs a sample axis (the first), got a scalar`);
  return t.shape[0]!;
}

/**
 * Rows `indices` of `t` along the first axis, as a new tensor. A run of consecutive indices is a
 * cheap slice; anything else a gather.
 */
export function takeRows(t: Tensor, indices: Int32Array | readonly number[]): Tensor {
  const rows = samplesOf(t, 'takeRows', 't');
  if (!(indices instanceof Int32Array) && !Array.isArray(indices)) fail('takeRows', 'indices', 'an Int32Array or an array of integers', indices);
  const n = indices.length;
  for (let i = 0; i < n; i++) {
    const v = indices[i];
    if (!Number.isInteger(v) || (v as number) < 0 || (v as number) >= rows) fail('takeRows', `indices[${i}]`, `an integer ≥ 0 and ≤ ${rows - 1}`, v);
  }
  let contiguous = n > 0;
  for (let i = 1; i < n && contiguous; i++) if (indices[i] !== indices[0]! + i) contiguous = false;
  if (contiguous) {
    const out = slice(t, [indices[0]!], [n]);
    // slice returns t itself (shared) when the batch is the whole set; a fresh view is fine either way
    return out;
  }
  // The index tensor is a temporary of this call: freed here, or (when the result is recorded for
  // autograd, whose backward pass reads it) disposed together with the result.
  const idx = fromArray(Int32Array.from(indices), [n], { backend: t.backend.name });
  let out: Tensor;
  try {
    out = gather(t, idx, 0);
  } catch (e) {
    idx.dispose();
    throw e;
  }
  if (out.gradFn) out.own(idx);
  else idx.dispose();
  return out;
}

export interface Batch {
  x: Tensor;
  y: Tensor;
  /** The sample indices this batch holds. */
  indices: Int32Array;
}

/**
 * Iterates over mini-batches of `{x, y}`. Each batch's tensors are new: consume them inside
 * `nb.tidy` (create them there with `takeRows`) or dispose them after use.
 */
export function batches(data: { x: Tensor; y: Tensor }, opts: BatchOptions): Generator<Batch> {
  // Checked here, before the first batch is asked for.
  if (data === null || typeof data !== 'object' || Array.isArray(data) || data instanceof Tensor) fail('batches', 'data', 'an object with tensors x and y', data);
  const n = samplesOf(data.x, 'batches', 'data.x');
  const ny = samplesOf(data.y, 'batches', 'data.y');
  if (ny !== n) throw new Error(`batches: x has ${n} samples but y has ${ny}`);
  const idx = indicesOf(n, checkBatchOptions('batches', opts));
  return (function* (): Generator<Batch> {
    for (const i of idx) yield { x: takeRows(data.x, i), y: takeRows(data.y, i), indices: i };
  })();
}
