/**
 * A multi-layer perceptron on MNIST: 784-256-128-10 with ReLU, softmax cross-entropy, Adam (η = 1e-3, decaying as e^(−0.2·epoch)), batches of 64. Target: ≥ 98.0% test accuracy within 10 epochs.
 *
 * Run:  npx tsx examples/mnist-mlp.ts                  (10 epochs, all 60 000 images)
 *       NABLA_SHORT=1 npx tsx examples/mnist-mlp.ts    (1 000 images, 1 epoch: a smoke test)
 *       NABLA_BACKEND=wasm NABLA_EPOCHS=10 npx tsx examples/mnist-mlp.ts
 * Same run from the command line: nabla train mnist-mlp --epochs 10
 * Exits non-zero when the accuracy target is missed.
 */
import { pathToFileURL } from 'node:url';
import * as nb from '../src/index.js';
import { mnistMlp } from '../src/cli/models.js';

const short = process.env.NABLA_SHORT === '1';

export async function run(): Promise<{ accuracy: number; loss: number; seconds: number; samplesPerSecond: number; epochs: number }> {
  if (process.env.NABLA_BACKEND) nb.setBackend(process.env.NABLA_BACKEND);
  const { train, test } = await nb.data.mnist(short ? { limit: 1000, testLimit: 500 } : {});
  nb.seed(0);
  const model = mnistMlp();
  console.log(model.summary([1, 28, 28]));
  const history = await nb.train.fit(model, train, {
    epochs: short ? 1 : Number(process.env.NABLA_EPOCHS ?? 10),
    batchSize: 64,
    optimizer: nb.optim.adam(1e-3),
    // η_e = 1e-3·e^(−0.2·e): a smaller step each epoch settles the test accuracy
    schedule: nb.optim.exponentialDecay(1e-3, 0.2),
    validation: test,
    seed: 0,
  });
  // the last epoch's validation pass already evaluated the whole test set
  const last = history.epochs.at(-1)!;
  const accuracy = last.val_accuracy;
  const loss = last.val_loss!;
  const sps = history.epochs.reduce((s, e) => s + e.samples, 0) / history.epochs.reduce((s, e) => s + e.samples / e.samplesPerSecond, 0);
  model.dispose();
  nb.dispose([train, test]);
  return { accuracy: accuracy!, loss, seconds: history.seconds, samplesPerSecond: sps, epochs: history.epochs.length };
}

async function main(): Promise<void> {
  const r = await run();
  const target = short ? 0.5 : 98.0 / 100;
  console.log(`mnist-mlp: test accuracy ${(100 * r.accuracy).toFixed(2)}% (loss ${r.loss.toFixed(4)}) after ${r.epochs} epochs in ${r.seconds.toFixed(1)} s, ${Math.round(r.samplesPerSecond)} samples/s on ${nb.getBackend().name}`);
  if (r.accuracy < target) {
    console.log(`FAILED: expected at least ${100 * target}%`);
    process.exit(1);
  }
  console.log(`OK: at least ${100 * target}%${short ? ' (short mode)' : ''}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
