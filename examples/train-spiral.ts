/**
 * The fit loop on a 2-D toy set: a 3-arm spiral learned by a small ReLU network, with validation
 * data, early stopping, per-layer gradient norms, training curves as SVG, and a save → load round
 * trip. Target: ≥ 95% test accuracy.
 *
 * Run:  npx tsx examples/train-spiral.ts                 (writes spiral-curves.svg and spiral-gradnorms.svg to the temp folder)
 *       NABLA_SHORT=1 npx tsx examples/train-spiral.ts   (fewer epochs: a smoke test)
 * Exits non-zero when a check fails.
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as nb from 'nabla';

const short = process.env.NABLA_SHORT === '1';

export async function run(): Promise<{ accuracy: number; epochs: number; sameAfterLoad: boolean; files: string[] }> {
  const { train, test } = nb.data.splitToy(nb.data.spiral({ n: 600, arms: 3, noise: 0.1, seed: 1 }), 0.7, 2);
  const tr = nb.data.toyTensors(train);
  const te = nb.data.toyTensors(test);
  nb.seed(0);
  const model = nb.nn.sequential(nb.nn.linear(2, 32), nb.nn.relu(), nb.nn.linear(32, 32), nb.nn.relu(), nb.nn.linear(32, 3));
  const history = await nb.train.fit(model, tr, {
    epochs: short ? 60 : 150,
    batchSize: 32,
    optimizer: nb.optim.adam(0.01),
    validation: te,
    seed: 0,
    verbose: 0,
    recordGradNorms: true,
    callbacks: [
      nb.train.earlyStopping({ monitor: 'val_loss', patience: 15, restoreBestWeights: true }),
      { onEpochEnd: (l) => void (l.epoch % 25 === 24 && console.log(`epoch ${l.epoch + 1}: loss ${l.loss.toFixed(4)} · val_accuracy ${l.val_accuracy!.toFixed(3)}`)) },
    ],
  });
  if (history.stopReason) console.log(history.stopReason);
  const { accuracy } = await nb.train.evaluate(model, te);

  const dir = tmpdir();
  const curves = join(dir, 'spiral-curves.svg');
  writeFileSync(curves, nb.viz.historyChart(history, { title: '3-arm spiral' }));
  const norms = join(dir, 'spiral-gradnorms.svg');
  const layers = Object.entries(history.gradNorms!.layers).map(([name, values]) => ({ name: `layer ${name}`, values }));
  writeFileSync(norms, nb.viz.lineChart(layers, { title: 'gradient norm per layer', xLabel: 'step', yLabel: '‖∇‖', logY: true }));

  const file = join(dir, 'spiral.nabla');
  await nb.io.save(model, file, { metadata: { accuracy: accuracy! } });
  const loaded = await nb.io.load(file);
  const a = nb.train.predict(model, te.x).dataSync();
  const b = nb.train.predict(loaded, te.x).dataSync();
  const sameAfterLoad = a.length === b.length && a.every((v, i) => v === b[i]);
  model.dispose();
  loaded.dispose();
  nb.dispose([tr, te]);
  return { accuracy: accuracy!, epochs: history.epochs.length, sameAfterLoad, files: [curves, norms, file] };
}

async function main(): Promise<void> {
  const r = await run();
  const target = short ? 0.6 : 0.95;
  console.log(`spiral: test accuracy ${(100 * r.accuracy).toFixed(1)}% after ${r.epochs} epochs; wrote ${r.files.join(', ')}`);
  console.log(`save → load gives ${r.sameAfterLoad ? 'identical' : 'DIFFERENT'} predictions`);
  if (r.accuracy < target || !r.sameAfterLoad) {
    console.log(`FAILED: expected at least ${100 * target}% and identical predictions after loading`);
    process.exit(1);
  }
  console.log('OK');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
