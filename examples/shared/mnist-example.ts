/**
 * The shared driver of the MNIST examples: loads real MNIST (a small slice with NABLA_SHORT=1),
 * trains with nb.train.fit on the test set as validation, prints the result and exits non-zero
 * when the accuracy target is missed. NABLA_BACKEND picks the backend, NABLA_EPOCHS the epochs.
 */
import * as nb from 'nabla';

export interface MnistExample {
  name: string;
  build: () => nb.nn.Module;
  /** Test accuracy to reach in a full run (a fraction). */
  target: number;
  epochs: number;
  batchSize: number;
  optimizer: () => nb.optim.Optimizer;
  schedule?: nb.optim.LRSchedule;
  /** Training/test images and the accuracy to reach in short mode. */
  short: { limit: number; testLimit: number; target: number };
}

export interface MnistResult {
  accuracy: number;
  loss: number;
  seconds: number;
  samplesPerSecond: number;
  epochs: number;
}

export const isShort = process.env.NABLA_SHORT === '1';

export async function runMnistExample(ex: MnistExample): Promise<MnistResult> {
  if (process.env.NABLA_BACKEND) nb.setBackend(process.env.NABLA_BACKEND);
  const { train, test } = await nb.data.mnist(isShort ? { limit: ex.short.limit, testLimit: ex.short.testLimit } : {});
  nb.seed(0);
  const model = ex.build();
  console.log(model.summary([1, 28, 28]));
  const history = await nb.train.fit(model, train, {
    epochs: isShort ? 1 : Number(process.env.NABLA_EPOCHS ?? ex.epochs),
    batchSize: ex.batchSize,
    optimizer: ex.optimizer(),
    ...(ex.schedule ? { schedule: ex.schedule } : {}),
    loss: nb.nn.softmaxCrossEntropy,
    metrics: ['accuracy'],
    validation: test,
    seed: 0,
  });
  // the last epoch's validation pass evaluated the whole test set
  const last = history.epochs.at(-1)!;
  const samples = history.epochs.reduce((s, e) => s + e.samples, 0);
  const busy = history.epochs.reduce((s, e) => s + e.samples / e.samplesPerSecond, 0);
  model.dispose();
  nb.dispose([train, test]);
  return { accuracy: last.val_accuracy!, loss: last.val_loss!, seconds: history.seconds, samplesPerSecond: samples / busy, epochs: history.epochs.length };
}

/** Runs the example and reports against its target (exit code 1 when missed). */
export async function mainMnistExample(ex: MnistExample): Promise<void> {
  const r = await runMnistExample(ex);
  const target = isShort ? ex.short.target : ex.target;
  console.log(`${ex.name}: test accuracy ${(100 * r.accuracy).toFixed(2)}% (loss ${r.loss.toFixed(4)}) after ${r.epochs} epochs in ${r.seconds.toFixed(1)} s, ${Math.round(r.samplesPerSecond)} samples/s on ${nb.getBackend().name}`);
  if (r.accuracy < target) {
    console.log(`FAILED: expected at least ${(100 * target).toFixed(1)}%`);
    process.exit(1);
  }
  console.log(`OK: at least ${(100 * target).toFixed(1)}%${isShort ? ' (short mode)' : ''}`);
}
