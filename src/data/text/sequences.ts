/**
 * Batching sequences of token ids. Sequences are batch-first: a batch is `[batch, time]` int32.
 *
 * - `pad`: a list of sequences → `x` `[batch, time]` padded at the end, plus `lengths`.
 * - `bucketBatches`: batches of indices whose sequences have similar lengths (seeded).
 * - `split`: a seeded train / validation / test split of any list (optionally stratified or
 *   grouped).
 * - `lmWindows`: next-token windows `inputs = ids[i:i+T]`, `targets = ids[i+1:i+T+1]`.
 * - `bpttBatches`: one long stream laid out as `batch` parallel streams, cut into consecutive
 *   `[batch, T]` batches, so that row b of batch k+1 continues row b of batch k (truncated
 *   back-propagation through time with the state carried from batch to batch).
 *
 * Pure TypeScript, browser-safe.
 */
import { Random } from '../../tensor/random.js';
import { fromArray } from '../../tensor/creation.js';
import type { Tensor } from '../../tensor/tensor.js';
import { checkArray, checkFunction, checkInt, checkNumber, checkOneOf, checkOptions, fail, optBoolean, optInt, optNumber } from '../../validate.js';
import { idValues } from './vocabulary.js';

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

export interface PadOptions {
  /** The padding id (default 0, the vocabulary's `<pad>`). */
  value?: number;
  /** The longest time axis; longer sequences are truncated (default: the longest sequence). */
  maxLen?: number;
  /** Where a long sequence is cut: 'post' keeps its first `maxLen` ids (default), 'pre' its last. */
  truncate?: 'pre' | 'post';
}

export interface PaddedBatch {
  /** int32 `[batch, time]`: each sequence from step 0, then `value` up to `time`. */
  x: Tensor;
  /** int32 `[batch]`: each sequence's length after truncation. */
  lengths: Tensor;
}

/** A sequence of ids: an array, a typed array or a 1-D int32 tensor. */
export type IdSequence = ArrayLike<number> | Tensor;

/**
 * Pads sequences of ids at the end to the longest one (or to `maxLen`, truncating longer ones) →
 * int32 `x` `[batch, time]` and int32 `lengths` `[batch]`. Padding is always at the end
 * (right), the layout masked recurrent layers expect.
 */
export function pad(seqs: readonly IdSequence[], opts: PadOptions = {}): PaddedBatch {
  const op = 'nb.data.text.pad';
  checkArray(op, 'seqs', seqs);
  if (seqs.length === 0) fail(op, 'seqs', 'a non-empty array of sequences', seqs);
  const o = checkOptions(op, opts, ['value', 'maxLen', 'truncate']);
  const value = optInt(op, 'options.value', o.value, 0, { min: INT32_MIN, max: INT32_MAX });
  const maxLen = o.maxLen === undefined ? Infinity : checkInt(op, 'options.maxLen', o.maxLen, { min: 1 });
  const truncate = o.truncate === undefined ? 'post' : checkOneOf(op, 'options.truncate', o.truncate, ['pre', 'post']);
  const values = seqs.map((s, i) => idValues(op, `seqs[${i}]`, s));
  let time = 0;
  for (const v of values) time = Math.max(time, Math.min(v.length, maxLen));
  const b = values.length;
  if (b * time > INT32_MAX) throw new Error(`${op}: a batch of ${b} × ${time} ids is too large`);
  const x = new Int32Array(b * time).fill(value);
  const lengths = new Int32Array(b);
  for (let r = 0; r < b; r++) {
    const v = values[r]!;
    const n = Math.min(v.length, maxLen);
    const start = truncate === 'pre' ? v.length - n : 0;
    for (let t = 0; t < n; t++) {
      const id = v[start + t];
      if (!Number.isInteger(id) || (id as number) < INT32_MIN || (id as number) > INT32_MAX) fail(op, `seqs[${r}][${start + t}]`, 'an int32 integer', id);
      x[r * time + t] = id as number;
    }
    lengths[r] = n;
  }
  return { x: fromArray(x, [b, time]), lengths: fromArray(lengths, [b]) };
}

export interface BucketOptions {
  /** Sequences per batch. */
  batchSize: number;
  /** Shuffle (default true): seeded pools sorted by length, then the batches in a seeded order. */
  shuffle?: boolean;
  /** Seed of the shuffle (default 0). */
  seed?: number;
  /** Batches per pool sorted by length when shuffling (default 50): larger pools, closer lengths, less randomness. */
  poolSize?: number;
  /** Drop a batch smaller than `batchSize` (default false). */
  dropLast?: boolean;
}

/**
 * Batches of indices into `items` (the sequences, or their lengths) such that each batch holds
 * sequences of similar lengths, so little padding is needed.
 *
 * With `shuffle` (the default): the indices are permuted with `seed`, cut into pools of
 * `batchSize × poolSize`, each pool is sorted by length (stably) and cut into batches, and the
 * batches are put in a seeded random order. Without: all indices sorted by length (shortest
 * first, ties in index order), cut into batches. The same seed gives the same batches.
 */
export function bucketBatches(items: readonly (number | IdSequence)[], opts: BucketOptions): Int32Array[] {
  const op = 'nb.data.text.bucketBatches';
  checkArray(op, 'items', items);
  if (opts === undefined) throw new Error(`${op}: options must be given with a batchSize, got undefined`);
  const o = checkOptions(op, opts, ['batchSize', 'shuffle', 'seed', 'poolSize', 'dropLast']);
  const batchSize = checkInt(op, 'options.batchSize', o.batchSize, { min: 1 });
  const shuffle = optBoolean(op, 'options.shuffle', o.shuffle, true);
  const seed = optNumber(op, 'options.seed', o.seed, 0);
  const poolSize = optInt(op, 'options.poolSize', o.poolSize, 50, { min: 1 });
  const dropLast = optBoolean(op, 'options.dropLast', o.dropLast, false);
  const n = items.length;
  const len = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const it = items[i];
    if (typeof it === 'number') len[i] = checkInt(op, `items[${i}]`, it, { min: 0 });
    else len[i] = idValues(op, `items[${i}]`, it).length;
  }
  const byLength = (a: number, b: number): number => len[a]! - len[b]!;
  const cut = (order: number[], out: Int32Array[]): void => {
    for (let s = 0; s < order.length; s += batchSize) {
      const batch = order.slice(s, s + batchSize);
      if (batch.length < batchSize && dropLast) continue;
      out.push(Int32Array.from(batch));
    }
  };
  const out: Int32Array[] = [];
  if (!shuffle) {
    cut(Array.from({ length: n }, (_, i) => i).sort((a, b) => byLength(a, b) || a - b), out);
    return out;
  }
  const rng = new Random(seed);
  const perm = Array.from(rng.permutation(n));
  const pool = batchSize * poolSize;
  for (let s = 0; s < n; s += pool) cut(perm.slice(s, s + pool).sort(byLength), out);
  const order = rng.permutation(out.length);
  return Array.from(order, (i) => out[i]!);
}

export interface SplitOptions<T> {
  /** The fraction of items (or groups) for validation (default 0). */
  validation?: number;
  /** The fraction of items (or groups) for test (default 0). */
  test?: number;
  /** Seed of the shuffle (default 0). */
  seed?: number;
  /** Split each class (the key `stratify` gives an item) by the fractions, keeping class proportions. */
  stratify?: (item: T) => string | number;
  /** Keep items with the same key together (e.g. a word's alternate pronunciations); fractions count groups. */
  group?: (item: T) => string | number;
}

export interface Splits<T> {
  train: T[];
  validation: T[];
  test: T[];
}

/**
 * A seeded split of `items` into train, validation and test. The items are shuffled with `seed`;
 * the first `round(n·test)` go to test, the next `round(n·validation)` to validation, the rest
 * to train (per class with `stratify`; counting groups with `group`). Each split lists its items
 * in the shuffled order.
 */
export function split<T>(items: readonly T[], opts: SplitOptions<T> = {}): Splits<T> {
  const op = 'nb.data.text.split';
  checkArray(op, 'items', items);
  const o = checkOptions(op, opts, ['validation', 'test', 'seed', 'stratify', 'group']);
  const validation = optNumber(op, 'options.validation', o.validation, 0, { min: 0, max: 1 });
  const test = optNumber(op, 'options.test', o.test, 0, { min: 0, max: 1 });
  if (validation + test > 1) throw new Error(`${op}: options.validation + options.test must be ≤ 1, got ${validation} + ${test}`);
  const seed = optNumber(op, 'options.seed', o.seed, 0);
  const stratify = o.stratify === undefined ? undefined : checkFunction<(item: T) => string | number>(op, 'options.stratify', o.stratify);
  const group = o.group === undefined ? undefined : checkFunction<(item: T) => string | number>(op, 'options.group', o.group);
  if (stratify && group) throw new Error(`${op}: options.stratify and options.group cannot be used together`);
  const n = items.length;
  const perm = new Random(seed).permutation(n);
  const keyOf = (f: (item: T) => string | number, i: number, what: string): string => {
    const k = f(items[i]!);
    if (typeof k !== 'string' && typeof k !== 'number') fail(op, `options.${what}(items[${i}])`, 'a string or a number', k);
    return `${typeof k}:${k}`;
  };
  // 0 = train, 1 = validation, 2 = test
  const where = new Uint8Array(n);
  const assign = (units: number[][]): void => {
    const m = units.length;
    const nTest = Math.round(m * test);
    const nVal = Math.min(m - nTest, Math.round(m * validation));
    units.forEach((u, j) => {
      const s = j < nTest ? 2 : j < nTest + nVal ? 1 : 0;
      for (const i of u) where[i] = s;
    });
  };
  if (group) {
    const groups = new Map<string, number[]>();
    for (const i of perm) {
      const k = keyOf(group, i, 'group');
      const g = groups.get(k);
      if (g) g.push(i);
      else groups.set(k, [i]);
    }
    assign([...groups.values()]);
  } else if (stratify) {
    const classes = new Map<string, number[][]>();
    for (const i of perm) {
      const k = keyOf(stratify, i, 'stratify');
      const c = classes.get(k);
      if (c) c.push([i]);
      else classes.set(k, [[i]]);
    }
    for (const c of classes.values()) assign(c);
  } else {
    assign(Array.from(perm, (i) => [i]));
  }
  const out: Splits<T> = { train: [], validation: [], test: [] };
  const lists = [out.train, out.validation, out.test];
  for (const i of perm) lists[where[i]!]!.push(items[i]!);
  return out;
}

/** Checks a stream of ids: an array, typed array or 1-D int32 tensor of int32 integers. */
function streamOf(op: string, ids: unknown): Int32Array {
  const v = idValues(op, 'ids', ids);
  if (v instanceof Int32Array) return v;
  const out = new Int32Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (!Number.isInteger(x) || (x as number) < INT32_MIN || (x as number) > INT32_MAX) fail(op, `ids[${i}]`, 'an int32 integer', x);
    out[i] = x as number;
  }
  return out;
}

export interface LmWindows {
  /** int32 `[N, T]`: window k is `ids[k·stride : k·stride + T]`. */
  inputs: Tensor;
  /** int32 `[N, T]`: the inputs shifted by one, `ids[k·stride + 1 : k·stride + T + 1]`. */
  targets: Tensor;
}

/**
 * Next-token windows over one stream of ids: `inputs[k] = ids[i : i+T]`, `targets[k] =
 * ids[i+1 : i+T+1]` with `i = k·stride` (stride defaults to T: windows side by side), as many as
 * fit whole (the stream must hold at least T + 1 ids).
 */
export function lmWindows(ids: IdSequence, opts: { length: number; stride?: number }): LmWindows {
  const op = 'nb.data.text.lmWindows';
  const s = streamOf(op, ids);
  if (opts === undefined) throw new Error(`${op}: options must be given with a length, got undefined`);
  const o = checkOptions(op, opts, ['length', 'stride']);
  const T = checkInt(op, 'options.length', o.length, { min: 1 });
  const stride = optInt(op, 'options.stride', o.stride, T, { min: 1 });
  if (s.length < T + 1) throw new Error(`${op}: a stream of ${s.length} ids is too short for one window of length ${T} (it needs ${T + 1})`);
  const count = Math.floor((s.length - 1 - T) / stride) + 1;
  if (count * T > INT32_MAX) throw new Error(`${op}: ${count} windows of ${T} ids are too many; use a larger stride`);
  const inputs = new Int32Array(count * T);
  const targets = new Int32Array(count * T);
  for (let k = 0; k < count; k++) {
    inputs.set(s.subarray(k * stride, k * stride + T), k * T);
    targets.set(s.subarray(k * stride + 1, k * stride + T + 1), k * T);
  }
  return { inputs: fromArray(inputs, [count, T]), targets: fromArray(targets, [count, T]) };
}

export interface BpttOptions {
  /** Parallel streams (rows of every batch). */
  batchSize: number;
  /** Time steps per batch (the truncation length T). */
  length: number;
  /** Drop a last batch shorter than `length` (default false). */
  dropLast?: boolean;
}

export interface BpttBatch {
  /** int32 `[batch, t]` (t = length, or less for the last batch). */
  inputs: Tensor;
  /** int32 `[batch, t]`: the inputs shifted by one step. */
  targets: Tensor;
  /** The batch's number, from 0. */
  index: number;
}

/** Consecutive `[batch, T]` batches of one long stream; iterate it once per epoch. */
export interface BpttBatches extends Iterable<BpttBatch> {
  /** The number of batches per pass. */
  readonly numBatches: number;
  /** Ids per row: the stream is cut into `batchSize` rows of this many ids (the remainder is dropped). */
  readonly rowLength: number;
  readonly batchSize: number;
  readonly length: number;
}

/**
 * The classic truncated-BPTT layout (as in the Penn Treebank language models): the stream is cut
 * into `batchSize` contiguous rows of `rowLength = floor(n / batchSize)` ids (the remainder is
 * dropped), and batch k holds columns `k·T … k·T + T − 1` of every row as inputs and the next
 * column as targets. Row b of batch k + 1 continues row b of batch k, so a recurrent state
 * carried (detached) from one batch to the next has seen the whole row. The last batch is
 * shorter when the row does not divide evenly, unless `dropLast`. Each batch's tensors are new:
 * dispose them after use (or make them inside `nb.tidy`).
 */
export function bpttBatches(ids: IdSequence, opts: BpttOptions): BpttBatches {
  const op = 'nb.data.text.bpttBatches';
  const s = streamOf(op, ids);
  if (opts === undefined) throw new Error(`${op}: options must be given with batchSize and length, got undefined`);
  const o = checkOptions(op, opts, ['batchSize', 'length', 'dropLast']);
  const B = checkInt(op, 'options.batchSize', o.batchSize, { min: 1 });
  const T = checkInt(op, 'options.length', o.length, { min: 1 });
  const dropLast = optBoolean(op, 'options.dropLast', o.dropLast, false);
  const rowLength = Math.floor(s.length / B);
  if (rowLength < 2) throw new Error(`${op}: a stream of ${s.length} ids is too short for ${B} rows of at least 2 ids`);
  const steps = rowLength - 1; // input positions per row that have a target
  const numBatches = dropLast ? Math.floor(steps / T) : Math.ceil(steps / T);
  if (numBatches === 0) throw new Error(`${op}: rows of ${rowLength} ids hold no whole batch of length ${T} (dropLast)`);
  const data = s.slice(0, rowLength * B);
  return {
    numBatches,
    rowLength,
    batchSize: B,
    length: T,
    *[Symbol.iterator](): Generator<BpttBatch> {
      for (let k = 0; k < numBatches; k++) {
        const start = k * T;
        const t = Math.min(T, steps - start);
        const inputs = new Int32Array(B * t);
        const targets = new Int32Array(B * t);
        for (let b = 0; b < B; b++) {
          const row = b * rowLength + start;
          inputs.set(data.subarray(row, row + t), b * t);
          targets.set(data.subarray(row + 1, row + t + 1), b * t);
        }
        yield { inputs: fromArray(inputs, [B, t]), targets: fromArray(targets, [B, t]), index: k };
      }
    },
  };
}

/** Checks a fraction option (shared by the data set loaders). */
export function fraction(op: string, arg: string, v: unknown, fallback: number): number {
  return v === undefined ? fallback : checkNumber(op, arg, v, { min: 0, max: 1 });
}
