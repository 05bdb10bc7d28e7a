/**
 * Autoencoders on MNIST (`nabla train autoencoder|stacked-ae|denoising-ae|conv-ae` and the
 * examples of the same names): the networks, their training with `nb.train.loop`, the test-set
 * figures, and pictures (PNG) of reconstructions and of the first layer's features.
 *
 * - autoencoder: dense 784–256–64–256–784 (ReLU, sigmoid output), MSE to the input.
 * - stacked-ae: 784–256–64 sigmoid layers pre-trained greedily, one autoencoder per layer on the
 *   codes of the layers below, then fine-tuned with a softmax layer on `labelled` images (1,000)
 *   — against the same network trained from random initialisation on the same images.
 * - denoising-ae: the dense autoencoder fed corrupted images (masking noise and Gaussian noise on
 *   alternate steps), trained to give back the clean ones.
 * - conv-ae: two stride-2 convolutions down to 32×7×7, two stride-2 transposed convolutions up.
 */
import * as nb from '../index.js';
import type { Tensor } from '../tensor/tensor.js';
import { nodeBuiltin } from '../io/node.js';

export const AUTOENCODERS = ['autoencoder', 'stacked-ae', 'denoising-ae', 'conv-ae'] as const;
export type AutoencoderKind = (typeof AUTOENCODERS)[number];

/** Dense autoencoder 784–256–64–256–784: [N, 1, 28, 28] in, the same shape out (in (0, 1)). */
export function denseAutoencoder(): nb.nn.Sequential {
  return nb.nn.sequential(
    nb.nn.flatten(), nb.nn.linear(784, 256), nb.nn.relu(), nb.nn.linear(256, 64), nb.nn.relu(),
    nb.nn.linear(64, 256), nb.nn.relu(), nb.nn.linear(256, 784), nb.nn.sigmoid(), nb.nn.reshape([1, 28, 28]),
  );
}

/** Convolutional autoencoder: 1×28×28 → 16×14×14 → 32×7×7 → 16×14×14 → 1×28×28 (transposed convolutions up). */
export function convAutoencoder(): nb.nn.Sequential {
  return nb.nn.sequential(
    nb.nn.conv2d(1, 16, 3, { stride: 2, padding: 1 }), nb.nn.relu(),
    nb.nn.conv2d(16, 32, 3, { stride: 2, padding: 1 }), nb.nn.relu(),
    nb.nn.conv2dTranspose(32, 16, 3, { stride: 2, padding: 1, outputPadding: 1 }), nb.nn.relu(),
    nb.nn.conv2dTranspose(16, 1, 3, { stride: 2, padding: 1, outputPadding: 1 }), nb.nn.sigmoid(),
  );
}

/** The stacked autoencoder's classifier: 784–256–64 sigmoid layers and a softmax layer 64→10. */
export function stackedClassifier(): nb.nn.Sequential {
  return nb.nn.sequential(nb.nn.flatten(), nb.nn.linear(784, 256), nb.nn.sigmoid(), nb.nn.linear(256, 64), nb.nn.sigmoid(), nb.nn.linear(64, 10));
}

export interface AutoencoderOptions {
  epochs?: number;
  batchSize?: number;
  lr?: number;
  seed?: number;
  /** Train on the first N training images. */
  limit?: number;
  /** Test on the first N test images. */
  testLimit?: number;
  /** stacked-ae: labelled images for fine-tuning (default 1000). */
  labelled?: number;
  /** stacked-ae: epochs of fine-tuning (default 50). */
  fineTuneEpochs?: number;
  /** A folder for model.nabla, metrics.json and the pictures. */
  out?: string;
  verbose?: nb.train.Verbosity;
  log?: (line: string) => void;
}

export interface AutoencoderResult {
  model: AutoencoderKind;
  backend: string;
  seed: number;
  epochs: number;
  batchSize: number;
  lr: number;
  trainSamples: number;
  testSamples: number;
  /** Mean squared error per pixel of the reconstructions of the (clean) test images. */
  testMse: number;
  /** denoising-ae: MSE of the denoised output to the clean image, and of the noisy input itself. */
  denoising?: { masking: { output: number; input: number }; gaussian: { output: number; input: number } };
  /** stacked-ae: test accuracy after fine-tuning on `labelled` images, pre-trained vs random initialisation. */
  stacked?: { labelled: number; pretrainedAccuracy: number; randomAccuracy: number; fineTuneEpochs: number };
  /** Wall-clock seconds of the whole run (training and evaluation), data loading excluded. */
  seconds: number;
  files: string[];
}

export const AE_DEFAULTS: Readonly<Record<AutoencoderKind, { epochs: number; batchSize: number; lr: number }>> = {
  autoencoder: { epochs: 10, batchSize: 128, lr: 1e-3 },
  'stacked-ae': { epochs: 5, batchSize: 128, lr: 1e-3 },
  'denoising-ae': { epochs: 10, batchSize: 128, lr: 1e-3 },
  'conv-ae': { epochs: 5, batchSize: 128, lr: 1e-3 },
};

/** Masking noise (each pixel zeroed with probability p) or Gaussian noise (σ, clipped to [0, 1]). */
export function corrupt(x: Tensor, kind: 'masking' | 'gaussian', amount = kind === 'masking' ? 0.5 : 0.5): Tensor {
  return nb.tidy(() => (kind === 'masking' ? nb.mul(x, nb.gt(nb.rand(x.shape), amount).cast(x.dtype)) : nb.clip(nb.add(x, nb.randn(x.shape, { std: amount })), 0, 1)));
}

/** The mean squared error per pixel of `model` on `input` against `target`, in batches. */
export function reconstructionMse(model: nb.nn.Module, input: Tensor, target: Tensor): number {
  const out = nb.train.predict(model, input);
  const v = nb.tidy(() => nb.nn.mse(out.reshape(target.shape), target).item());
  out.dispose();
  return v;
}

/** Trains one of the autoencoders on MNIST and measures it (see the module comment). */
export async function trainAutoencoder(kind: AutoencoderKind, opts: AutoencoderOptions = {}): Promise<AutoencoderResult> {
  if (!(AUTOENCODERS as readonly string[]).includes(kind)) throw new Error(`trainAutoencoder: kind must be one of ${AUTOENCODERS.join(', ')}, got ${String(kind)}`);
  const d = AE_DEFAULTS[kind];
  const epochs = opts.epochs ?? d.epochs;
  const batchSize = opts.batchSize ?? d.batchSize;
  const lr = opts.lr ?? d.lr;
  const seed = opts.seed ?? 0;
  const verbose = opts.verbose ?? 1;
  const { train, test } = await nb.data.mnist({ limit: opts.limit, testLimit: opts.testLimit });
  const t0 = performance.now();
  nb.seed(seed);
  const base = { model: kind, backend: nb.getBackend().name, seed, epochs, batchSize, lr, trainSamples: train.x.shape[0]!, testSamples: test.x.shape[0]!, files: [] as string[] };
  const loopOpts = { epochs, batchSize, seed, verbose, ...(opts.log ? { log: opts.log } : {}) };
  const models: nb.nn.Module[] = [];
  try {
    let result: AutoencoderResult;
    if (kind === 'stacked-ae') {
      const labelled = opts.labelled ?? 1000;
      const fineTuneEpochs = opts.fineTuneEpochs ?? 50;
      const layers = [nb.nn.linear(784, 256), nb.nn.linear(256, 64)];
      // greedy: layer k learns to reconstruct the codes of layers 0..k-1 (the pixels for k = 0)
      for (let k = 0; k < layers.length; k++) {
        const below = nb.nn.sequential(nb.nn.flatten(), ...layers.slice(0, k).flatMap((l) => [l, nb.nn.sigmoid()]));
        const layer = layers[k]!;
        const [inF, outF] = layer.weight.shape as [number, number];
        const decoder = nb.nn.linear(outF, inF);
        const opt = nb.optim.adam([...layer.parameters(), ...decoder.parameters()], { lr });
        opts.log?.(`stacked-ae: pre-training layer ${k + 1} (${inF}→${outF}→${inF})`);
        await nb.train.loop(train.x, ({ x }) => {
          const input = nb.noGrad(() => below.call(x));
          const loss = nb.nn.mse(nb.sigmoid(decoder.call(nb.sigmoid(layer.call(input)))), input);
          loss.backward();
          opt.step();
          opt.zeroGrad();
          return loss;
        }, loopOpts);
        decoder.dispose();
      }
      const small = { x: nb.slice(train.x, [0], [Math.min(labelled, base.trainSamples)]), y: nb.slice(train.y, [0], [Math.min(labelled, base.trainSamples)]) };
      const accuracyOf = async (m: nb.nn.Module): Promise<number> => {
        await nb.train.fit(m, small, { epochs: fineTuneEpochs, batchSize: 32, optimizer: nb.optim.adam(lr), seed, verbose: 0 });
        return (await nb.train.evaluate(m, test)).accuracy!;
      };
      const pre = stackedClassifier();
      models.push(pre);
      const lin = [pre.at(1) as nb.nn.Linear, pre.at(3) as nb.nn.Linear];
      nb.noGrad(() => lin.forEach((l, i) => {
        l.weight.assign(layers[i]!.weight);
        l.bias!.assign(layers[i]!.bias!);
      }));
      const firstWeights = nb.keep(layers[0]!.weight.clone());
      layers.forEach((l) => l.dispose());
      nb.seed(seed + 1);
      const rnd = stackedClassifier();
      models.push(rnd);
      const pretrainedAccuracy = await accuracyOf(pre);
      const randomAccuracy = await accuracyOf(rnd);
      nb.dispose([small.x, small.y]);
      result = { ...base, testMse: NaN, stacked: { labelled: small.x.shape[0]!, pretrainedAccuracy, randomAccuracy, fineTuneEpochs }, seconds: 0 };
      if (opts.out) await writeOutputs(opts.out, pre, result, test.x, null, firstWeights);
      firstWeights.dispose();
    } else {
      const model = kind === 'conv-ae' ? convAutoencoder() : denseAutoencoder();
      models.push(model);
      const opt = nb.optim.adam(model.parameters(), { lr });
      const denoise = kind === 'denoising-ae';
      await nb.train.loop(train.x, ({ x }, { step }) => {
        const input = denoise ? corrupt(x, step % 2 === 0 ? 'masking' : 'gaussian') : x;
        const loss = nb.nn.mse(model.call(input), x);
        loss.backward();
        opt.step();
        opt.zeroGrad();
        return loss;
      }, { ...loopOpts, model, optimizer: opt });
      result = { ...base, testMse: reconstructionMse(model, test.x, test.x), seconds: 0 };
      let noisy: { masking: Tensor; gaussian: Tensor } | null = null;
      if (denoise) {
        nb.seed(seed + 2);
        noisy = { masking: corrupt(test.x, 'masking'), gaussian: corrupt(test.x, 'gaussian') };
        const mseTo = (t: Tensor): number => nb.tidy(() => nb.nn.mse(t, test.x).item());
        result.denoising = {
          masking: { output: reconstructionMse(model, noisy.masking, test.x), input: mseTo(noisy.masking) },
          gaussian: { output: reconstructionMse(model, noisy.gaussian, test.x), input: mseTo(noisy.gaussian) },
        };
      }
      const first = model.at(kind === 'conv-ae' ? 0 : 1) as nb.nn.Module & { weight: Tensor };
      if (opts.out) await writeOutputs(opts.out, model, result, test.x, noisy, kind === 'conv-ae' ? null : first.weight);
      if (noisy) nb.dispose([noisy.masking, noisy.gaussian]);
    }
    result.seconds = (performance.now() - t0) / 1000;
    if (opts.out) {
      const path = nodeBuiltin('node:path', 'nabla train --out');
      await nb.io.writeFileAtomic(path.join(opts.out, 'metrics.json'), `${JSON.stringify(result, null, 2)}\n`);
    }
    return result;
  } finally {
    models.forEach((m) => m.dispose());
    nb.dispose([train.x, train.y, test.x, test.y]);
  }
}

/** model.nabla and the pictures: reconstructions (and noisy inputs) and first-layer features. */
async function writeOutputs(dir: string, model: nb.nn.Module, r: AutoencoderResult, testX: Tensor, noisy: { masking: Tensor; gaussian: Tensor } | null, firstWeights: Tensor | null): Promise<void> {
  const fs = nodeBuiltin('node:fs/promises', 'nabla train --out');
  const path = nodeBuiltin('node:path', 'nabla train --out');
  await fs.mkdir(dir, { recursive: true });
  await nb.io.save(model, path.join(dir, 'model.nabla'), { metadata: { model: r.model, dataset: 'mnist', inputShape: [1, 28, 28] } });
  r.files.push(path.join(dir, 'model.nabla'));
  const write = async (name: string, bytes: Uint8Array): Promise<void> => {
    await fs.writeFile(path.join(dir, name), bytes);
    r.files.push(path.join(dir, name));
  };
  const n = Math.min(16, testX.shape[0]!);
  const clean = nb.slice(testX, [0], [n]);
  if (r.model !== 'stacked-ae') {
    // rows of 16: (noisy inputs for the denoising model,) outputs, clean originals
    const inputs = noisy ? [nb.slice(noisy.masking, [0], [n]), nb.slice(noisy.gaussian, [0], [n])] : [clean];
    const rows: Tensor[] = [];
    for (const inp of inputs) rows.push(...(noisy ? [inp] : []), nb.tidy(() => nb.train.predict(model, inp).reshape([n, 1, 28, 28])), clean);
    const all = nb.concat(rows, 0);
    await write('reconstructions.png', nb.viz.imageGrid(all.reshape([rows.length * n, 1, 28, 28]), { nrow: n, padValue: 1 }));
    nb.dispose([all, ...rows.filter((t) => t !== clean)]);
  }
  clean.dispose();
  if (firstWeights) {
    // the first layer's weights [784, H]: one 28×28 picture per hidden unit (the first 64)
    const k = Math.min(64, firstWeights.shape[1]!);
    const feats = nb.tidy(() => nb.transpose(nb.slice(firstWeights, [0, 0], [784, k])).reshape([k, 1, 28, 28]));
    await write('features.png', nb.viz.imageGrid(feats, { nrow: 8, padValue: 1, normalize: true, scaleEach: true }));
    feats.dispose();
  }
}
