/**
 * Mini-batches: a seeded shuffle of sample indices, cut into batches, and the rows of a data
 * set picked by a batch of indices. Samples are along the first axis of `x` and `y`.
 */
import { Random } from '../tensor/random.js';
import { fromArray } from '../tensor/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import { gather } from '../ops/indexing.js';
import { slice } from '../ops/shape.js';

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
  return dropLast ? Math.floor(n / batchSize) : Math.ceil(n / batchSize);
}

function checkBatchSize(batchSize: number, where: string): void {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`${where}: batchSize must be a positive integer, got ${batchSize}`);
}

/** The sample indices of each batch: 0..n-1 in order, or a seeded permutation when `shuffle`. */
export function batchIndices(n: number, opts: BatchOptions): Int32Array[] {
  checkBatchSize(opts.batchSize, 'batchIndices');
  if (!Number.isInteger(n) || n < 0) throw new Error(`batchIndices: n must be a non-negative integer, got ${n}`);
  let order: Int32Array;
  if (opts.shuffle) order = (opts.random ?? new Random(opts.seed ?? 0)).permutation(n);
  else order = Int32Array.from({ length: n }, (_, i) => i);
  const out: Int32Array[] = [];
  const count = numBatches(n, opts.batchSize, opts.dropLast);
  for (let b = 0; b < count; b++) out.push(order.subarray(b * opts.batchSize, Math.min(n, (b + 1) * opts.batchSize)));
  return out;
}

/** The number of samples (length of the first axis) of `t`. */
export function numSamples(t: Tensor): number {
  if (t.rank === 0) throw new Error(`a data set needs a sample axis; got a scalar`);
  return t.shape[0]!;
}

/**
 * Rows `indices` of `t` along the first axis, as a new tensor. A run of consecutive indices is a
 * cheap slice; anything else a gather.
 */
export function takeRows(t: Tensor, indices: Int32Array): Tensor {
  const n = indices.length;
  let contiguous = n > 0;
  for (let i = 1; i < n && contiguous; i++) if (indices[i] !== indices[0]! + i) contiguous = false;
  if (contiguous) {
    const out = slice(t, [indices[0]!], [n]);
    // slice returns t itself (shared) when the batch is the whole set; a fresh view is fine either way
    return out;
  }
  return gather(t, fromArray(Int32Array.from(indices), [n], { backend: t.backend.name }), 0);
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
export function* batches(data: { x: Tensor; y: Tensor }, opts: BatchOptions): Generator<Batch> {
  const n = numSamples(data.x);
  if (numSamples(data.y) !== n) throw new Error(`batches: x has ${n} samples but y has ${numSamples(data.y)}`);
  for (const idx of batchIndices(n, opts)) yield { x: takeRows(data.x, idx), y: takeRows(data.y, idx), indices: idx };
}
