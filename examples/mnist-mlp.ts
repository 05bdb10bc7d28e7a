/**
 * A multi-layer perceptron on MNIST: 784-256-128-10 with ReLU, softmax cross-entropy, Adam (η = 1e-3, decaying as e^(−0.2·epoch)), batches of 64. Target: ≥ 98.0% test accuracy within 10 epochs.
 *
 * Run:  npx tsx examples/mnist-mlp.ts                  (10 epochs, all 60 000 images)
 *       NABLA_SHORT=1 npx tsx examples/mnist-mlp.ts    (1 000 images, 1 epoch: a smoke test)
 *       NABLA_BACKEND=wasm NABLA_EPOCHS=10 npx tsx examples/mnist-mlp.ts
 * Same run from the command line: nabla train mnist-mlp --epochs 10
 * Exits non-zero when the accuracy target is missed.
 */
import * as nb from 'nabla';
import { mnistMlp } from 'nabla/models';
import { mainMnistExample, type MnistExample } from './shared/mnist-example.js';

export const example: MnistExample = {
  name: 'mnist-mlp',
  build: mnistMlp,
  target: 0.98,
  epochs: 10,
  batchSize: 64,
  optimizer: () => nb.optim.adam(1e-3),
  // η_e = 1e-3·e^(−0.2·e): a smaller step each epoch settles the test accuracy
  schedule: nb.optim.exponentialDecay(1e-3, 0.2),
  short: { limit: 1000, testLimit: 500, target: 0.5 },
};

await mainMnistExample(example);
