/**
 * Softmax regression on MNIST — the lectures' TensorFlow example with nabla's layers and fit loop:
 * a single 784 → 10 linear layer, softmax cross-entropy, plain gradient descent (η = 0.5, batches
 * of 100). Target: ≥ 92% test accuracy.
 *
 * Run:  npx tsx examples/mnist-softmax.ts                 (5 epochs, all 60 000 images)
 *       NABLA_SHORT=1 npx tsx examples/mnist-softmax.ts   (2 000 images, 1 epoch: a smoke test)
 *       NABLA_BACKEND=wasm NABLA_EPOCHS=10 npx tsx examples/mnist-softmax.ts
 * Same run from the command line: nabla train mnist-softmax --epochs 5
 * Exits non-zero when the accuracy target is missed.
 */
import { pathToFileURL } from 'node:url';
import * as nb from 'nabla';

const short = process.env.NABLA_SHORT === '1';

export async function run(): Promise<{ accuracy: number; loss: number; seconds: number; samplesPerSecond: number }> {
  if (process.env.NABLA_BACKEND) nb.setBackend(process.env.NABLA_BACKEND);
  const { train, test } = await nb.data.mnist(short ? { limit: 2000, testLimit: 1000 } : {});
  nb.seed(0);
  // y = softmax(xW + b): one linear layer on the flattened 28×28 image; the softmax lives in the loss.
  const model = nb.nn.sequential(nb.nn.flatten(), nb.nn.linear(784, 10, { init: 'zeros' }));
  const history = await nb.train.fit(model, train, {
    epochs: short ? 1 : Number(process.env.NABLA_EPOCHS ?? 5),
    batchSize: 100,
    optimizer: nb.optim.sgd(0.5),
    loss: nb.nn.softmaxCrossEntropy,
    metrics: ['accuracy'],
    validation: test,
    seed: 0,
  });
  // evaluate in batches without gradients (the last epoch's val_accuracy says the same)
  const { accuracy, loss } = await nb.train.evaluate(model, test);
  const sps = history.epochs.reduce((s, e) => s + e.samples, 0) / history.epochs.reduce((s, e) => s + e.samples / e.samplesPerSecond, 0);
  model.dispose();
  nb.dispose([train, test]);
  return { accuracy: accuracy!, loss, seconds: history.seconds, samplesPerSecond: sps };
}

async function main(): Promise<void> {
  const r = await run();
  const target = short ? 0.6 : 0.92;
  console.log(`mnist-softmax: test accuracy ${(100 * r.accuracy).toFixed(2)}% (loss ${r.loss.toFixed(4)}) in ${r.seconds.toFixed(1)} s, ${Math.round(r.samplesPerSecond)} samples/s on ${nb.getBackend().name}`);
  if (r.accuracy < target) {
    console.log(`FAILED: expected at least ${100 * target}%`);
    process.exit(1);
  }
  console.log(`OK: at least ${100 * target}%${short ? ' (short mode)' : ''}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
