/**
 * Vanishing gradients (SCOPE §7): each hidden layer's "learning speed" ‖∂C/∂bˡ‖ = ‖δˡ‖ (summed
 * over the batch) while sigmoid networks [784, 30, 30, 10], [784, 30, 30, 30, 10] and
 * [784, 30, 30, 30, 30, 10] train on MNIST (weights N(0, 0.2²), SGD η = 0.1), and the same
 * deepest network with ReLU. In the sigmoid networks the early layers learn far slower than the
 * late ones, and the gap grows with depth; ReLU narrows it.
 *
 * `nb.train.fit(..., { recordGradNorms: true })` records the norms at every step:
 * `history.gradNorms.parameters['1.bias'][step]`.
 *
 * Run:  npx tsx examples/mnist-vanishing-gradients.ts                 (5 000 images, 2 epochs; writes vanishing-gradients.svg to the temp folder)
 *       NABLA_SHORT=1 npx tsx examples/mnist-vanishing-gradients.ts   (500 images, 1 epoch)
 * Exits non-zero when the first sigmoid layer does not learn slower than the last hidden one.
 * The lecture companion's chapter 7 (src/lectures/chapters/07-training-behaviour.ts) runs the same
 * demonstration beside a ReLU network of equal depth, with its claims checked.
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as nb from 'nabla';

const short = process.env.NABLA_SHORT === '1';

type Act = 'sigmoid' | 'relu';

function network(hidden: number[], act: Act): nb.nn.Module {
  const layers: nb.nn.Module[] = [nb.nn.flatten()];
  let fanIn = 784;
  for (const h of hidden) {
    layers.push(nb.nn.linear(fanIn, h, { init: nb.nn.init.normal(0.2) }), act === 'sigmoid' ? nb.nn.sigmoid() : nb.nn.relu());
    fanIn = h;
  }
  layers.push(nb.nn.linear(fanIn, 10, { init: nb.nn.init.normal(0.2) }));
  return nb.nn.sequential(...layers);
}

export interface Speeds {
  name: string;
  /** Mean ‖∂C/∂b‖ of each hidden layer over all steps, first hidden layer first. */
  speeds: number[];
  /** Per-step norms of each hidden layer's bias gradient. */
  series: number[][];
  accuracy: number;
}

export async function run(): Promise<Speeds[]> {
  const { train, test } = await nb.data.mnist(short ? { limit: 500, testLimit: 500 } : { limit: 5000, testLimit: 2000 });
  const configs: [number[], Act][] = [
    [[30, 30], 'sigmoid'],
    [[30, 30, 30], 'sigmoid'],
    [[30, 30, 30, 30], 'sigmoid'],
    [[30, 30, 30, 30], 'relu'],
  ];
  const out: Speeds[] = [];
  for (const [hidden, act] of configs) {
    nb.seed(0);
    const model = network(hidden, act);
    const h = await nb.train.fit(model, train, {
      epochs: short ? 1 : 2, batchSize: 32, optimizer: nb.optim.sgd(0.1), validation: test, seed: 0, verbose: 0, recordGradNorms: true,
    });
    // hidden layer i is the Linear at index 1 + 2i of the sequential (after the flatten)
    const series = hidden.map((_, i) => h.gradNorms!.parameters[`${1 + 2 * i}.bias`]!);
    const speeds = series.map((s) => s.reduce((a, b) => a + b, 0) / s.length);
    out.push({ name: `[784, ${hidden.join(', ')}, 10] ${act}`, speeds, series, accuracy: h.epochs.at(-1)!.val_accuracy! });
    model.dispose();
  }
  nb.dispose([train, test]);
  return out;
}

async function main(): Promise<void> {
  const results = await run();
  console.log('mean ‖∂C/∂b‖ per hidden layer (first → last) and test accuracy');
  for (const r of results) {
    console.log(`  ${r.name.padEnd(34)} ${r.speeds.map((s) => s.toExponential(2)).join('  ')}   (${(100 * r.accuracy).toFixed(1)}%)`);
  }
  const deep = results[2]!;
  const file = join(tmpdir(), 'vanishing-gradients.svg');
  writeFileSync(file, nb.viz.lineChart(deep.series.map((values, i) => ({ name: `hidden layer ${i + 1}`, values })), {
    title: `${deep.name}: ‖∂C/∂b‖ per step`, xLabel: 'step', yLabel: '‖∂C/∂b‖', logY: true,
  }));
  console.log(`wrote ${file}`);
  const ratio = deep.speeds[0]! / deep.speeds.at(-1)!;
  const relu = results[3]!;
  const reluRatio = relu.speeds[0]! / relu.speeds.at(-1)!;
  console.log(`first/last hidden layer speed: sigmoid ${ratio.toFixed(3)}, ReLU ${reluRatio.toFixed(3)}`);
  if (!(ratio < 0.5)) {
    console.log('FAILED: expected the first sigmoid layer to learn at most half as fast as the last hidden layer');
    process.exit(1);
  }
  console.log('OK: the early sigmoid layers learn slower');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
