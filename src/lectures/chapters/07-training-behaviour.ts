/**
 * Chapter 7 — Training behaviour (SCOPE §7): the vanishing gradient of sigmoid networks on MNIST
 * (each layer's "learning speed" ‖∂C/∂bˡ‖), zig-zag updates from all-positive inputs, ReLUs dying
 * under a large learning rate, shallow versus deep at an equal parameter count, more hidden units
 * fitting better, one hidden ReLU layer approximating a 1-D function, and sigmoid training slower
 * than ReLU.
 */
import * as nb from '../../index.js';
import type { Chapter, ChapterContext } from '../types.js';

type Act = 'sigmoid' | 'relu';
type Point = [number, number];

function mean(a: readonly number[]): number {
  return a.reduce((s, v) => s + v, 0) / a.length;
}

/** An MLP 784 → hidden → 10 with N(0, 0.2²) weights, as in the lectures' vanishing-gradient experiment. */
function mnistNet(hidden: readonly number[], act: Act): nb.nn.Module {
  const layers: nb.nn.Module[] = [];
  let fanIn = 784;
  for (const h of hidden) {
    layers.push(nb.nn.linear(fanIn, h, { init: nb.nn.init.normal(0.2) }), act === 'sigmoid' ? nb.nn.sigmoid() : nb.nn.relu());
    fanIn = h;
  }
  layers.push(nb.nn.linear(fanIn, 10, { init: nb.nn.init.normal(0.2) }));
  return nb.nn.sequential(...layers);
}

/** Trains `model` on all of (x, y) at once for `steps` steps; returns the loss of every step. */
function trainFullBatch(model: nb.nn.Module, x: nb.Tensor, y: nb.Tensor, steps: number, loss: (p: nb.Tensor, t: nb.Tensor) => nb.Tensor, opt: nb.optim.Optimizer): number[] {
  const losses: number[] = [];
  for (let t = 0; t < steps; t++) {
    losses.push(nb.tidy(() => {
      const l = loss(model.call(x), y);
      l.backward();
      return l.item();
    }));
    opt.step(model.parameters());
    model.zeroGrad();
  }
  return losses;
}

/** §7 vanishing gradients and sigmoid vs ReLU: per-layer ‖∂C/∂b‖ and the loss of MNIST networks trained with SGD η = 0.1. */
async function vanishing(ctx: ChapterContext): Promise<void> {
  const { train, test } = await nb.data.mnist({ limit: ctx.short ? 1000 : 10000, testLimit: 1, flatten: true });
  nb.dispose([test.x, test.y]);
  const configs: [number[], Act][] = [
    [[30, 30], 'sigmoid'], [[30, 30, 30], 'sigmoid'], [[30, 30, 30, 30], 'sigmoid'],
    [[30, 30], 'relu'], [[30, 30, 30, 30], 'relu'],
  ];
  const speeds: Record<string, number[]> = {};
  const losses: Record<string, number[]> = {};
  const series: Record<string, number[][]> = {};
  for (const [hidden, act] of configs) {
    nb.seed(ctx.seed);
    const model = mnistNet(hidden, act);
    const h = await nb.train.fit(model, train, {
      epochs: ctx.short ? 1 : 3, batchSize: 32, optimizer: nb.optim.sgd(0.1), seed: ctx.seed, verbose: 0, recordGradNorms: true,
    });
    const name = `[784, ${hidden.join(', ')}, 10] ${act}`;
    // hidden layer i is the Linear at index 2i of the sequential
    series[name] = hidden.map((_, i) => h.gradNorms!.parameters[`${2 * i}.bias`]!);
    speeds[name] = series[name].map(mean);
    losses[name] = h.stepLoss;
    ctx.number(`mean ‖∂C/∂b‖ of each hidden layer (first → last), ${name}`, speeds[name].map((s) => s.toExponential(2)).join(', '));
    model.dispose();
  }
  nb.dispose([train.x, train.y]);
  const deep = '[784, 30, 30, 30, 30, 10] sigmoid';
  ctx.figure('vanishing-gradient', `‖∂C/∂bˡ‖ of each hidden layer at every SGD step of the ${deep} network on MNIST (weights N(0, 0.2²), η = 0.1, batches of 32).`,
    nb.viz.lineChart(series[deep]!.map((values, i) => ({ name: `hidden layer ${i + 1}`, values })), { title: `${deep}: learning speed per layer`, xLabel: 'step', yLabel: '‖∂C/∂b‖', logY: true }));
  ctx.figure('layer-speeds', 'Mean ‖∂C/∂bˡ‖ of each hidden layer over training: the earlier the layer, the slower it learns in the sigmoid networks; ReLU narrows the gap.',
    nb.viz.lineChart(Object.entries(speeds).map(([name, s]) => ({ name, x: s.map((_, i) => i + 1), values: s, dashed: name.endsWith('relu') })), { title: 'learning speed of each hidden layer', xLabel: 'hidden layer', yLabel: 'mean ‖∂C/∂b‖', logY: true }));
  const ratio = (name: string): number => speeds[name]![0]! / speeds[name]!.at(-1)!;
  ctx.number('first / last hidden layer speed, sigmoid with 2, 3, 4 hidden layers', ['[784, 30, 30, 10] sigmoid', '[784, 30, 30, 30, 10] sigmoid', deep].map((n) => ratio(n).toFixed(3)).join(', '));
  ctx.number('first / last hidden layer speed, ReLU with 4 hidden layers', ratio('[784, 30, 30, 30, 30, 10] relu').toFixed(3));
  ctx.check(ratio(deep) < 0.5, 'in a deep sigmoid network the first hidden layer learns at most half as fast as the last', `ratio ${ratio(deep).toFixed(3)}`);
  ctx.check(ratio(deep) < ratio('[784, 30, 30, 10] sigmoid'), 'the gap between the first and the last hidden layer grows with depth', `4 layers ${ratio(deep).toFixed(3)} vs 2 layers ${ratio('[784, 30, 30, 10] sigmoid').toFixed(3)}`);
  ctx.check(ratio('[784, 30, 30, 30, 30, 10] relu') > 2 * ratio(deep), 'ReLU narrows the gap: its first layer learns far closer to the speed of its last', `ReLU ${ratio('[784, 30, 30, 30, 30, 10] relu').toFixed(3)}, sigmoid ${ratio(deep).toFixed(3)}`);

  // sigmoid trains slower than ReLU; the deep sigmoid network barely lowers its loss
  const smooth = (a: number[]): number[] => a.map((_, i) => mean(a.slice(Math.max(0, i - 9), i + 1)));
  ctx.figure('sigmoid-vs-relu', 'Training loss (moving average of 10 steps) of the same MNIST networks, SGD η = 0.1.',
    nb.viz.lineChart(Object.entries(losses).map(([name, l]) => ({ name, values: smooth(l), dashed: name.endsWith('relu') })), { title: 'sigmoid vs ReLU on MNIST', xLabel: 'step', yLabel: 'loss' }));
  const tail = (name: string): number => mean(losses[name]!.slice(-Math.ceil(losses[name]!.length / 4)));
  for (const name of Object.keys(losses)) ctx.number(`last-quarter training loss, ${name}`, tail(name).toFixed(3));
  ctx.check(tail('[784, 30, 30, 10] relu') < 0.75 * tail('[784, 30, 30, 10] sigmoid'), 'a sigmoid network trains slower than the same network with ReLU', `last-quarter loss: ReLU ${tail('[784, 30, 30, 10] relu').toFixed(3)}, sigmoid ${tail('[784, 30, 30, 10] sigmoid').toFixed(3)}`);
  ctx.check(tail(deep) > tail('[784, 30, 30, 10] sigmoid'), 'the deeper sigmoid network reduces its loss less than the shallower one in the same steps', `4 hidden layers ${tail(deep).toFixed(3)}, 2 hidden layers ${tail('[784, 30, 30, 10] sigmoid').toFixed(3)}`);
}

/** §7 zig-zag: a linear neuron whose inputs are all positive gets gradients ∂L/∂wᵢ = δ·xᵢ of one sign. */
function zigzag(ctx: ChapterContext): void {
  const n = 200;
  const target: Point = [1, -1];
  const rng = new nb.Random(ctx.seed);
  const xs: Point[] = Array.from({ length: n }, () => [rng.uniform(), rng.uniform()]);
  const run = (centre: number): Point[] => {
    const x = nb.tensor(xs.map(([a, b]) => [a - centre, b - centre]));
    const y = nb.matmul(x, nb.tensor([[target[0]], [target[1]]]));
    const w = nb.tensor([[-1], [1]], { requiresGrad: true });
    const opt = nb.optim.sgd(0.5);
    const path: Point[] = [[-1, 1]];
    for (let t = 0; t < 150; t++) {
      // online learning, one sample per step: ∂L/∂w = δ·x, so with x > 0 both weights move the way δ says
      nb.tidy(() => nb.nn.mse(nb.matmul(nb.slice(x, [t % n, 0], [1, 2]), w), nb.slice(y, [t % n, 0], [1, 1])).backward());
      opt.step([w]);
      w.zeroGrad();
      const [a, b] = w.dataSync();
      path.push([a!, b!]);
    }
    nb.dispose([x, y, w]);
    return path;
  };
  const positive = run(0);
  const centred = run(0.5);
  const sameSign = (p: Point[]): number => mean(p.slice(1).map((q, i) => ((q[0] - p[i]![0]) * (q[1] - p[i]![1]) >= 0 ? 1 : 0)));
  const loss = (cx: number) => (a: number, b: number): number => mean(xs.map(([u, v]) => ((a - target[0]) * (u - cx) + (b - target[1]) * (v - cx)) ** 2));
  ctx.figure('zigzag-positive', 'A linear neuron learning w = (1, −1) from inputs in (0, 1)²: every update moves both weights in the same direction (both up or both down), so the path zig-zags. Contours: the loss.',
    nb.viz.contour(loss(0), { xRange: [-1.5, 1.5], yRange: [-1.5, 1.5], levels: 12, logLevels: true, title: 'all-positive inputs', xLabel: 'w₁', yLabel: 'w₂', paths: [{ name: 'SGD, one sample per step', points: positive }] }));
  ctx.figure('zigzag-centred', 'The same neuron with the inputs centred (x − 0.5): the updates point anywhere and go straight for the minimum.',
    nb.viz.contour(loss(0.5), { xRange: [-1.5, 1.5], yRange: [-1.5, 1.5], levels: 12, logLevels: true, title: 'zero-centred inputs', xLabel: 'w₁', yLabel: 'w₂', paths: [{ name: 'SGD, one sample per step', points: centred }] }));
  ctx.number('share of updates moving both weights the same way: positive inputs, centred inputs', `${(100 * sameSign(positive)).toFixed(0)}%, ${(100 * sameSign(centred)).toFixed(0)}%`);
  ctx.check(sameSign(positive) === 1 && sameSign(centred) < 0.75, 'with all-positive inputs every update moves all weights in the same direction; centred inputs break that', `${(100 * sameSign(positive)).toFixed(0)}% vs ${(100 * sameSign(centred)).toFixed(0)}%`);
  // the straight way from w₀ = (−1, 1) to w* = (1, −1) points along (1, −1): an update (a, b) with a·b ≥ 0 is at least 45° off it
  const offAngle = (p: Point[]): number[] => p.slice(1).map((q, i) => {
    const [a, b] = [q[0] - p[i]![0], q[1] - p[i]![1]];
    return (180 / Math.PI) * Math.acos(Math.min(1, Math.abs(a - b) / Math.SQRT2 / (Math.hypot(a, b) || 1)));
  });
  const minOff = Math.min(...offAngle(positive));
  const centredDirect = mean(offAngle(centred).map((d) => (d < 45 ? 1 : 0)));
  ctx.number('smallest angle between an update and the straight line to w*: positive inputs', `${minOff.toFixed(1)}°`);
  ctx.check(minOff >= 45 - 1e-3 && centredDirect > 0.3, 'so with all-positive inputs no update can head straight for w* = (1, −1): each is at least 45° off and the path zig-zags; centred inputs allow direct steps', `smallest angle ${minOff.toFixed(1)}°; ${(100 * centredDirect).toFixed(0)}% of the centred updates are within 45°`);
}

/** §7 dead ReLUs: hidden units that output 0 for every input of a probe batch, while training with a small and a large η. */
async function deadRelus(ctx: ChapterContext): Promise<void> {
  const { train, test } = await nb.data.mnist({ limit: ctx.short ? 1500 : 10000, testLimit: 1, flatten: true });
  nb.dispose([test.x, test.y]);
  const probe = nb.slice(train.x, [0, 0], [500, 784]);
  const rates = [0.01, 0.1, 1];
  const curves: nb.viz.Series[] = [];
  const finalDead: number[] = [];
  for (const lr of rates) {
    nb.seed(ctx.seed);
    const hidden = nb.nn.linear(784, 100);
    const model = nb.nn.sequential(hidden, nb.nn.relu(), nb.nn.linear(100, 10));
    const dead: number[] = [];
    const count = (): number => nb.tidy(() => {
      const alive = nb.max(nb.relu(hidden.call(probe)), 0);
      return (alive.dataSync() as Float32Array).filter((v) => v === 0).length / 100;
    });
    dead.push(count());
    await nb.train.fit(model, train, {
      epochs: ctx.short ? 1 : 3, batchSize: 32, optimizer: nb.optim.sgd(lr), seed: ctx.seed, verbose: 0, stopOnNaN: false,
      callbacks: [nb.train.callback({ onBatchEnd: (b) => { if (b.batch % 5 === 4) dead.push(count()); } })],
    });
    finalDead.push(dead.at(-1)!);
    curves.push({ name: `η = ${lr}`, x: dead.map((_, i) => i * 5), values: dead.map((d) => 100 * d) });
    ctx.number(`dead hidden ReLUs (of 100) after training with SGD η = ${lr}`, Math.round(100 * dead.at(-1)!));
    model.dispose();
  }
  nb.dispose([probe, train.x, train.y]);
  ctx.figure('dead-relus', 'Share of the 100 hidden ReLUs of a 784-100-10 network that output 0 for all of 500 training images, while it trains with SGD at three learning rates.',
    nb.viz.lineChart(curves, { title: 'dead ReLUs during training', xLabel: 'step', yLabel: 'dead units (%)' }));
  ctx.check(finalDead[0]! < 0.05, 'with a small learning rate (almost) no ReLU dies', `${Math.round(100 * finalDead[0]!)} dead`);
  ctx.check(finalDead[2]! > finalDead[0]! + 0.2, 'a large learning rate kills many ReLUs for good: they output 0 for every input and get no gradient', `${Math.round(100 * finalDead[2]!)} dead at η = 1 vs ${Math.round(100 * finalDead[0]!)} at η = 0.01`);
}

/** §7 capacity: the spiral fitted by networks of equal parameter count but different depth, and by wider and wider single hidden layers. */
function capacity(ctx: ChapterContext): void {
  const data = nb.data.spiral({ n: 300, noise: 0.1, arms: 3, seed: ctx.seed });
  const { x: raw, y } = nb.data.toyTensors(data);
  const x = nb.keep(nb.div(raw, 5));
  raw.dispose();
  const steps = ctx.short ? 300 : 2000;
  const fit = (model: nb.nn.Module): { loss: number[]; accuracy: number } => {
    // Adam η = 0.01 decaying to 0.01·e^(−3) over the run, so the last loss is not caught mid-oscillation
    const opt = nb.optim.adam(0.01);
    const schedule = nb.optim.exponentialDecay(0.01, 3 / steps, { per: 'step' });
    const loss: number[] = [];
    for (let t = 0; t < steps; t++) {
      schedule.apply(opt, t);
      loss.push(...trainFullBatch(model, x, y, 1, nb.nn.softmaxCrossEntropy, opt));
    }
    const accuracy = nb.tidy(() => nb.nn.accuracy(model.call(x), y));
    model.dispose();
    return { loss, accuracy };
  };
  // equal parameter count: 2-20-20-20-3 (963 parameters) against 2-160-3 (963)
  nb.seed(ctx.seed);
  const deepNet = nb.nn.sequential(nb.nn.linear(2, 20), nb.nn.relu(), nb.nn.linear(20, 20), nb.nn.relu(), nb.nn.linear(20, 20), nb.nn.relu(), nb.nn.linear(20, 3));
  nb.seed(ctx.seed);
  const shallowNet = nb.nn.sequential(nb.nn.linear(2, 160), nb.nn.relu(), nb.nn.linear(160, 3));
  const params = [deepNet.numParameters(), shallowNet.numParameters()];
  const deep = fit(deepNet);
  const shallow = fit(shallowNet);
  ctx.number('parameters: deep 2-20-20-20-3, shallow 2-160-3', params.join(', '));
  ctx.number('spiral (3 arms, 300 points): training accuracy, deep vs shallow', `${(100 * deep.accuracy).toFixed(1)}%, ${(100 * shallow.accuracy).toFixed(1)}%`);
  ctx.number('spiral: final training loss, deep vs shallow', `${deep.loss.at(-1)!.toFixed(4)}, ${shallow.loss.at(-1)!.toFixed(4)}`);
  ctx.check(params[0] === params[1], 'the deep and the shallow network have the same number of parameters', params.join(' = '));
  ctx.check(deep.loss.at(-1)! < 0.5 * shallow.loss.at(-1)!, 'at an equal parameter count the deeper network fits the spiral better', `final loss ${deep.loss.at(-1)!.toFixed(4)} vs ${shallow.loss.at(-1)!.toFixed(4)}`);

  // more hidden units fit better
  const widths = [2, 8, 32, 128];
  const byWidth = widths.map((h) => {
    nb.seed(ctx.seed);
    return fit(nb.nn.sequential(nb.nn.linear(2, h), nb.nn.relu(), nb.nn.linear(h, 3)));
  });
  nb.dispose([x, y]);
  ctx.figure('depth-and-width', `Training loss on the 3-arm spiral (full batch, Adam η = 0.01 decaying exponentially to 0.01·e^−3): deep vs shallow at ${params[0]} parameters, and one hidden layer of 2 to 128 units.`,
    nb.viz.lineChart([
      { name: 'deep 2-20-20-20-3', values: deep.loss }, { name: 'shallow 2-160-3', values: shallow.loss, dashed: true },
      ...byWidth.map((r, i) => ({ name: `${widths[i]} hidden units`, values: r.loss, color: `rgb(${190 - 50 * i},${190 - 50 * i},${190 - 50 * i})` })),
    ], { title: 'spiral: depth and width', xLabel: 'step', yLabel: 'loss', logY: true }));
  const finals = byWidth.map((r) => r.loss.at(-1)!);
  ctx.number('spiral: final training loss with 2, 8, 32, 128 hidden units', finals.map((v) => v.toFixed(4)).join(', '));
  ctx.number('spiral: training accuracy with 2, 8, 32, 128 hidden units', byWidth.map((r) => `${(100 * r.accuracy).toFixed(0)}%`).join(', '));
  ctx.check(finals.every((v, i) => i === 0 || v < finals[i - 1]!), 'more hidden units fit better: the final training loss falls each time the hidden layer grows fourfold', finals.map((v) => v.toFixed(4)).join(' > '));
}

/** §7 universal approximation: one hidden ReLU layer with a linear output fitting a 1-D Lipschitz function. */
function universal(ctx: ChapterContext): void {
  const n = 200;
  const f = (t: number): number => Math.sin(3 * t) + 0.5 * Math.abs(t) - 0.3 * t; // Lipschitz, with a kink at 0
  const ts = Array.from({ length: n }, (_, i) => -2 + (4 * i) / (n - 1));
  const x = nb.tensor(ts.map((t) => [t]));
  const y = nb.tensor(ts.map((t) => [f(t)]));
  const widths = [2, 4, 8, 16, 32];
  const steps = ctx.short ? 1000 : 6000;
  const fits: number[][] = [];
  const errors: number[] = [];
  for (const h of widths) {
    nb.seed(ctx.seed);
    // unit j computes relu(x − cⱼ), a ramp with its kink at cⱼ; kinks evenly spread over [−2, 2] make the sum of the
    // ramps any piecewise-linear function with those kinks (the constructive proof); training then moves them all
    const hidden = nb.nn.linear(1, h, { init: nb.nn.init.ones() });
    hidden.parameters()[1]!.assign(nb.tensor(Array.from({ length: h }, (_, j) => 2 - (4 * (j + 0.5)) / h)));
    const model = nb.nn.sequential(hidden, nb.nn.relu(), nb.nn.linear(h, 1));
    const opt = nb.optim.adam(0.02);
    const schedule = nb.optim.exponentialDecay(0.02, 3 / steps, { per: 'step' });
    const losses: number[] = [];
    for (let t = 0; t < steps; t++) {
      schedule.apply(opt, t);
      losses.push(...trainFullBatch(model, x, y, 1, nb.nn.mse, opt));
    }
    const pred = nb.tidy(() => Array.from(model.call(x).dataSync() as Float32Array));
    fits.push(pred);
    errors.push(mean(pred.map((p, i) => (p - f(ts[i]!)) ** 2)));
    model.dispose();
  }
  nb.dispose([x, y]);
  ctx.figure('universal-approximation', 'One hidden ReLU layer with a linear output fitting f(x) = sin 3x + |x|/2 − 0.3x on [−2, 2] (200 points, Adam, full batch): the fit with 2, 4, 8, 16 and 32 hidden units.',
    nb.viz.lineChart([{ name: 'f(x)', x: ts, values: ts.map(f), color: '#000000', dashed: true }, ...fits.map((values, i) => ({ name: `${widths[i]} units`, x: ts, values }))],
      { title: 'universal approximation with one hidden layer', xLabel: 'x', yLabel: 'y' }));
  ctx.figure('approximation-error', 'Mean squared error of the fit against the number of hidden units.',
    nb.viz.lineChart([{ name: 'MSE', x: widths, values: errors }], { title: 'error falls as units are added', xLabel: 'hidden units', yLabel: 'MSE', logY: true }));
  ctx.number('universal approximation: MSE with 2, 4, 8, 16, 32 hidden units', errors.map((e) => e.toExponential(2)).join(', '));
  ctx.check(errors.every((e, i) => i === 0 || e < errors[i - 1]!), 'the approximation error falls as hidden units are added', errors.map((e) => e.toExponential(1)).join(' > '));
  ctx.check(errors.at(-1)! < errors[0]! / 20, 'with 32 units the error is a small fraction of the 2-unit error', `${errors.at(-1)!.toExponential(1)} vs ${errors[0]!.toExponential(1)}`);
}

async function run(ctx: ChapterContext): Promise<void> {
  await vanishing(ctx);
  ctx.log('vanishing gradients and sigmoid vs ReLU done');
  zigzag(ctx);
  ctx.log('zig-zag done');
  await deadRelus(ctx);
  ctx.log('dead ReLUs done');
  capacity(ctx);
  ctx.log('depth and width done');
  universal(ctx);
  ctx.log('universal approximation done');
}

const chapter: Chapter = {
  id: 'training-behaviour',
  order: 7,
  title: 'Training behaviour',
  section: '§7',
  claim: 'In deep sigmoid networks the gradient shrinks on its way back, so the early layers learn far slower than the late ones (and too deep a sigmoid network hardly learns), while ReLU keeps it alive; all-positive inputs make a neuron\'s updates zig-zag; a large learning rate kills ReLUs for good; at an equal parameter count depth beats width, yet for one hidden layer more units fit better and — the universal approximation theorem — enough of them approximate any continuous function.',
  run,
};
export default chapter;
