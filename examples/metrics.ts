/**
 * Metrics beyond accuracy: precision, recall and F1 (macro and micro), top-k accuracy, a custom
 * metric function and a confusion matrix (with its SVG picture) on MNIST softmax regression;
 * MAE, MSE and R² on a small regression. Every metric streams over batches, so `evaluate` in
 * batches of 256 gives the whole-set value; the script checks that against the confusion matrix.
 *
 * Run:  npx tsx examples/metrics.ts                 (2 epochs, all 60 000 images)
 *       NABLA_SHORT=1 npx tsx examples/metrics.ts   (2 000 images, 1 epoch: a smoke test)
 * Exits non-zero when a check fails.
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as nb from 'nabla';

const short = process.env.NABLA_SHORT === '1';

/** A custom metric: the mean probability the model gives its own prediction (any function of a batch works). */
function confidence(logits: nb.Tensor): nb.Tensor {
  return nb.mean(nb.max(nb.softmax(logits, -1), -1));
}

async function classification(failures: string[]): Promise<void> {
  const { train, test } = await nb.data.mnist(short ? { limit: 2000, testLimit: 1000 } : {});
  nb.seed(0);
  const model = nb.nn.sequential(nb.nn.flatten(), nb.nn.linear(784, 10, { init: 'zeros' }));
  const history = await nb.train.fit(model, train, {
    epochs: short ? 1 : 2,
    batchSize: 100,
    optimizer: nb.optim.sgd(0.5),
    // names, { topK }, factories and plain functions; logged as precision, val_precision, …
    metrics: ['accuracy', 'precision', 'recall', nb.train.metrics.f1({ average: 'macro' }), { topK: 3 }, confidence],
    validation: test,
    verbose: 0,
    seed: 0,
  });
  const last = history.epochs.at(-1)!;
  console.log(`last epoch: ${['accuracy', 'precision', 'recall', 'f1', 'top3Accuracy', 'confidence'].map((k) => `val_${k} ${last[`val_${k}`]!.toFixed(4)}`).join(' · ')}`);

  // evaluate streams every metric over batches of 256 (the last one shorter)
  const micro = nb.train.metrics.f1({ average: 'micro', name: 'f1_micro' });
  const ev = await nb.train.evaluate(model, test, { metrics: ['accuracy', 'precision', 'recall', 'f1', micro] });
  console.log(`evaluate: accuracy ${ev.accuracy!.toFixed(4)} · macro precision ${ev.precision!.toFixed(4)} · macro recall ${ev.recall!.toFixed(4)} · macro f1 ${ev.f1!.toFixed(4)} · micro f1 ${ev.f1_micro!.toFixed(4)}`);

  // the confusion matrix of the whole test set (rows: true digit, columns: predicted digit)
  const pred = nb.train.predict(model, test.x);
  const cm = nb.train.metrics.confusionMatrix(pred, test.y);
  const m = (await cm.array()) as number[][];
  nb.dispose([pred, cm]);
  const digits = Array.from({ length: 10 }, (_, i) => String(i));
  const file = join(tmpdir(), 'mnist-confusion.svg');
  writeFileSync(file, nb.viz.confusionMatrixChart(m, digits, { title: 'MNIST softmax regression: test set' }));
  console.log(`confusion matrix: ${file}`);
  console.log(`most confused: ${mostConfused(m)}`);

  // the streamed macro values equal those of the whole-set confusion matrix
  const col = (k: number): number => m.reduce((s, row) => s + row[k]!, 0);
  const row = (k: number): number => m[k]!.reduce((s, v) => s + v, 0);
  const mean = (f: (k: number) => number): number => digits.reduce((s, _, k) => s + f(k), 0) / 10;
  const checks: [string, number, number][] = [
    ['precision', ev.precision!, mean((k) => m[k]![k]! / col(k))],
    ['recall', ev.recall!, mean((k) => m[k]![k]! / row(k))],
    ['f1', ev.f1!, mean((k) => (2 * m[k]![k]!) / (col(k) + row(k)))],
    ['micro f1 = accuracy', ev.f1_micro!, ev.accuracy!],
    ['val_accuracy', last.val_accuracy!, ev.accuracy!],
  ];
  for (const [name, got, want] of checks) if (!(Math.abs(got - want) < 1e-9)) failures.push(`${name}: streamed ${got}, whole set ${want}`);
  if (ev.accuracy! < (short ? 0.6 : 0.9)) failures.push(`test accuracy ${ev.accuracy} is too low`);
  model.dispose();
  nb.dispose([train, test]);
}

function mostConfused(m: number[][]): string {
  let best = [0, 1, -1];
  m.forEach((row, i) => row.forEach((v, j) => { if (i !== j && v > best[2]!) best = [i, j, v]; }));
  return `${best[2]} test images of a ${best[0]} taken for a ${best[1]}`;
}

async function regression(failures: string[]): Promise<void> {
  // y = 3x − 1 + noise, fitted by one linear unit with the MSE loss
  const rng = new nb.Random(1);
  const n = 500;
  const xs = Array.from({ length: n }, () => rng.uniform() * 2 - 1);
  const ys = xs.map((x) => 3 * x - 1 + 0.3 * rng.normal());
  const data = { x: nb.tensor(xs, { shape: [n, 1] }), y: nb.tensor(ys, { shape: [n, 1] }) };
  nb.seed(1);
  const model = nb.nn.linear(1, 1);
  await nb.train.fit(model, data, { epochs: short ? 30 : 60, batchSize: 50, optimizer: nb.optim.adam(0.1), loss: nb.nn.mse, metrics: ['mae', 'mse', 'r2'], verbose: 0, seed: 1 });
  const ev = await nb.train.evaluate(model, data, { loss: nb.nn.mse, metrics: ['mae', 'mse', 'r2'], batchSize: 64 });
  console.log(`regression: mae ${ev.mae!.toFixed(4)} · mse ${ev.mse!.toFixed(4)} · r2 ${ev.r2!.toFixed(4)} (noise σ 0.3: mse ≈ 0.09)`);
  if (!(ev.r2! > 0.9)) failures.push(`regression r2 ${ev.r2} ≤ 0.9`);
  if (!(Math.abs(ev.mse! - ev.loss) < 1e-5)) failures.push(`mse ${ev.mse} differs from the mse loss ${ev.loss}`);
  model.dispose();
  nb.dispose(data);
}

export async function run(): Promise<string[]> {
  if (process.env.NABLA_BACKEND) nb.setBackend(process.env.NABLA_BACKEND);
  const failures: string[] = [];
  await classification(failures);
  await regression(failures);
  return failures;
}

async function main(): Promise<void> {
  const failures = await run();
  if (failures.length > 0) {
    for (const f of failures) console.log(`FAILED: ${f}`);
    process.exit(1);
  }
  console.log('OK');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
