/**
 * LeNet-5 on MNIST, classic form (LeCun et al. 1998): C1 6@28×28, S2 trainable subsampling, C3 16 maps with the partial connection table, S4 trainable subsampling, C5 120, F6 84, output 10, tanh throughout; Adam (η = 1e-3, decaying as e^(−0.2·epoch)), batches of 64. Target: ≥ 98.5% test accuracy within 10 epochs.
 *
 * Run:  npx tsx examples/mnist-lenet5-classic.ts                  (10 epochs, all 60 000 images)
 *       NABLA_SHORT=1 npx tsx examples/mnist-lenet5-classic.ts    (500 images, 1 epoch: a smoke test)
 *       NABLA_BACKEND=wasm NABLA_EPOCHS=10 npx tsx examples/mnist-lenet5-classic.ts
 * Same run from the command line: nabla train lenet5-classic --epochs 10
 * Exits non-zero when the accuracy target is missed.
 */
import * as nb from 'nabla';
import { lenet5Classic } from 'nabla/models';
import { mainMnistExample, type MnistExample } from './shared/mnist-example.js';

export const example: MnistExample = {
  name: 'lenet5-classic',
  build: lenet5Classic,
  target: 0.985,
  epochs: 10,
  batchSize: 64,
  optimizer: () => nb.optim.adam(1e-3),
  // η_e = 1e-3·e^(−0.2·e): a smaller step each epoch settles the test accuracy
  schedule: nb.optim.exponentialDecay(1e-3, 0.2),
  short: { limit: 500, testLimit: 200, target: 0.3 },
};

await mainMnistExample(example);
