/**
 * Chapter 5 — Optimization (SCOPE §5): nabla's optimizers driven on a two-parameter tensor over
 * three loss surfaces (an elongated quadratic, Rosenbrock's valley, a saddle), drawn over the
 * surfaces' contour lines; the learning-rate schedules; and the loss curves of the same
 * optimizers training one small network on an MNIST subset.
 */
import * as nb from '../../index.js';
import type { Chapter, ChapterContext } from '../types.js';

export type Point = [number, number];

/** A loss surface over w = (x, y): as plain numbers (for the contour lines) and as tensor ops (for autograd). */
export interface Surface {
  id: string;
  title: string;
  f: (x: number, y: number) => number;
  loss: (x: nb.Tensor, y: nb.Tensor) => nb.Tensor;
  start: Point;
  xRange: [number, number];
  yRange: [number, number];
}

/** f = ½(x² + 20y²): curvature 20 across the valley, 1 along it. */
export const quadratic: Surface = {
  id: 'quadratic', title: 'elongated quadratic ½(x² + 20y²)',
  f: (x, y) => 0.5 * (x * x + 20 * y * y),
  loss: (x, y) => nb.mul(0.5, nb.add(nb.square(x), nb.mul(20, nb.square(y)))),
  start: [-4, 1], xRange: [-4.5, 1.5], yRange: [-1.5, 1.5],
};
/** Rosenbrock's banana valley (1 − x)² + 100(y − x²)², minimum 0 at (1, 1). */
const rosenbrock: Surface = {
  id: 'rosenbrock', title: 'Rosenbrock (1 − x)² + 100(y − x²)²',
  f: (x, y) => (1 - x) ** 2 + 100 * (y - x * x) ** 2,
  loss: (x, y) => nb.add(nb.square(nb.sub(1, x)), nb.mul(100, nb.square(nb.sub(y, nb.square(x))))),
  start: [-1.2, 1], xRange: [-1.5, 1.5], yRange: [-0.5, 1.5],
};
/** A saddle at the origin, x² − y² + y⁴/4, with minima −1 at (0, ±√2); the start lies almost on the ridge. */
const saddle: Surface = {
  id: 'saddle', title: 'saddle x² − y² + y⁴/4',
  f: (x, y) => x * x - y * y + y ** 4 / 4,
  loss: (x, y) => nb.add(nb.sub(nb.square(x), nb.square(y)), nb.div(nb.pow(y, 4), 4)),
  start: [1.5, -1e-3], xRange: [-2, 2], yRange: [-2, 2],
};

/** The optimizers compared, each with a learning rate suited to the surface (`scale` multiplies the step of the gradient-scaled ones). */
function optimizers(kind: 'quadratic' | 'rosenbrock' | 'saddle'): [string, () => nb.optim.Optimizer][] {
  const eta = { quadratic: 0.06, rosenbrock: 1e-3, saddle: 0.05 }[kind];
  const adaptive = { quadratic: 0.3, rosenbrock: 0.05, saddle: 0.05 }[kind];
  return [
    ['SGD', () => nb.optim.sgd(eta)],
    ...(kind === 'quadratic' ? [['SGD η = 0.09', () => nb.optim.sgd(0.09)] as [string, () => nb.optim.Optimizer]] : []),
    ['momentum', () => nb.optim.sgd(eta, { momentum: 0.7 })],
    ['Nesterov', () => nb.optim.sgd(eta, { momentum: 0.7, nesterov: true })],
    ['Adagrad', () => nb.optim.adagrad(4 * adaptive)],
    ['RMSprop', () => nb.optim.rmsprop({ quadratic: 0.1, rosenbrock: 0.02, saddle: 0.05 }[kind], { rho: 0.9 })],
    ['Adadelta', () => nb.optim.adadelta(kind === 'rosenbrock' ? 10 : 50)],
    ['Adam', () => nb.optim.adam(adaptive)],
  ];
}

/** The points w visits under `opt`, starting at the surface's start. */
export function trajectory(s: Surface, opt: nb.optim.Optimizer, steps: number): Point[] {
  const w = nb.tensor(s.start, { requiresGrad: true });
  const points: Point[] = [[...s.start]];
  for (let t = 0; t < steps; t++) {
    nb.tidy(() => {
      const [x, y] = nb.split(w, 2);
      nb.sum(s.loss(x!, y!)).backward();
    });
    opt.step([w]);
    w.zeroGrad();
    const [x, y] = w.dataSync();
    points.push([x!, y!]);
  }
  w.dispose();
  return points;
}

/** The first step at which `done` holds, or Infinity. */
function stepsUntil(points: readonly Point[], done: (p: Point) => boolean): number {
  const i = points.findIndex(done);
  return i < 0 ? Infinity : i;
}

/** How often the second coordinate (the steep one of the quadratic) changes sign in the first 20 steps. */
export function signFlips(pts: readonly Point[]): number {
  return pts.slice(1, 21).filter((p, i) => Math.sign(p[1]) !== Math.sign(pts[i]![1])).length;
}

function fmtSteps(n: number): string {
  return Number.isFinite(n) ? String(n) : 'never';
}

async function run(ctx: ChapterContext): Promise<void> {
  const steps = ctx.short ? 200 : 400;
  const paths: Record<string, Record<string, Point[]>> = {};
  for (const s of [quadratic, rosenbrock, saddle]) {
    const kind = s.id as 'quadratic' | 'rosenbrock' | 'saddle';
    const n = kind === 'rosenbrock' ? (ctx.short ? 300 : 2000) : steps;
    paths[kind] = {};
    for (const [name, make] of optimizers(kind)) paths[kind][name] = trajectory(s, make(), n);
    ctx.log(`${s.id}: ${n} steps of 7 optimizers`);
    const shown = kind === 'quadratic' ? 60 : n;
    ctx.figure(`${s.id}-trajectories`, `The optimizers' paths on the ${s.title} from ${JSON.stringify(s.start)} (${shown} steps; open circle: start, dot: end).`,
      nb.viz.contour(s.f, {
        xRange: s.xRange, yRange: s.yRange, levels: 14, logLevels: kind !== 'saddle', title: s.title, xLabel: 'x', yLabel: 'y',
        paths: Object.entries(paths[kind]).map(([name, pts]) => ({ name, points: pts.slice(0, shown + 1) })),
      }));
  }

  // the elongated quadratic: SGD zig-zags across the valley, momentum damps the zig-zag and gets there sooner
  const q = paths.quadratic!;
  const near = (p: Point): boolean => Math.hypot(p[0], p[1]) < 1e-3;
  const sgdSteps = stepsUntil(q.SGD!, near);
  const momSteps = stepsUntil(q.momentum!, near);
  const nesSteps = stepsUntil(q.Nesterov!, near);
  const sgdFast = stepsUntil(q['SGD η = 0.09']!, near);
  ctx.number('quadratic: steps to ‖w‖ < 1e-3, SGD (η = 0.06)', fmtSteps(sgdSteps));
  ctx.number('quadratic: steps to ‖w‖ < 1e-3, SGD (η = 0.09, near its best 2/(1 + 20))', fmtSteps(sgdFast));
  ctx.number('quadratic: steps to ‖w‖ < 1e-3, momentum 0.7 (η = 0.06)', fmtSteps(momSteps));
  ctx.number('quadratic: steps to ‖w‖ < 1e-3, Nesterov 0.7 (η = 0.06)', fmtSteps(nesSteps));
  ctx.number('quadratic: sign changes of y in the first 20 steps, SGD η = 0.06 and 0.09', `${signFlips(q.SGD!)}, ${signFlips(q['SGD η = 0.09']!)}`);
  ctx.check(signFlips(q.SGD!) >= 15 && signFlips(q['SGD η = 0.09']!) >= 15, 'SGD zig-zags across a steep valley: the steep coordinate y changes sign at nearly every step', `${signFlips(q.SGD!)} and ${signFlips(q['SGD η = 0.09']!)} sign changes in 20 steps`);
  ctx.check(momSteps < sgdSteps / 2, 'momentum reaches the minimum of the elongated quadratic in fewer than half the steps of SGD at the same η', `momentum ${momSteps}, SGD ${sgdSteps}`);
  ctx.check(momSteps < sgdFast, 'momentum at η = 0.06 even beats SGD at its near-best η = 0.09', `momentum ${momSteps}, SGD ${sgdFast}`);
  ctx.check(nesSteps < sgdSteps / 2, 'Nesterov momentum too reaches it in fewer than half the steps of SGD', `Nesterov ${nesSteps}, SGD ${sgdSteps}`);
  // Adam's first step: m̂/√v̂ = ∇/|∇| per coordinate — the same size along both axes whatever the curvature
  const [a0, a1] = [q.Adam![0]!, q.Adam![1]!];
  const adamStep = [Math.abs(a1[0] - a0[0]), Math.abs(a1[1] - a0[1])];
  ctx.check(Math.abs(adamStep[0]! - adamStep[1]!) < 1e-4, "Adam's first step has the same size (η) along every coordinate, whatever the gradient's", `|Δx| = ${adamStep[0]!.toFixed(5)}, |Δy| = ${adamStep[1]!.toFixed(5)}`);

  // Rosenbrock: every optimizer goes downhill; record how far along the valley each gets
  const r = paths.rosenbrock!;
  const f0 = rosenbrock.f(...rosenbrock.start);
  for (const [name, pts] of Object.entries(r)) ctx.number(`Rosenbrock: loss after ${pts.length - 1} steps, ${name}`, Number(rosenbrock.f(...pts.at(-1)!).toPrecision(3)));
  const lastLoss = (name: string): number => rosenbrock.f(...r[name]!.at(-1)!);
  ctx.check(Object.keys(r).every((name) => lastLoss(name) < f0), 'every optimizer lowers the Rosenbrock loss from its start', `start ${f0.toFixed(2)}`);
  ctx.check(lastLoss('Adam') < lastLoss('SGD') && lastLoss('momentum') < lastLoss('SGD'), 'Adam and momentum get further down the curved Rosenbrock valley than SGD in the same number of steps', `Adam ${lastLoss('Adam').toPrecision(3)}, momentum ${lastLoss('momentum').toPrecision(3)}, SGD ${lastLoss('SGD').toPrecision(3)}`);

  // the saddle: the gradient near the ridge is tiny; methods that divide by its running size escape sooner
  const sd = paths.saddle!;
  const escaped = (p: Point): boolean => saddle.f(...p) < -0.9;
  const esc = Object.fromEntries(Object.entries(sd).map(([name, pts]) => [name, stepsUntil(pts, escaped)]));
  for (const [name, n] of Object.entries(esc)) ctx.number(`saddle: steps until f < −0.9, ${name}`, fmtSteps(n));
  ctx.check(esc.RMSprop! < esc.SGD! && esc.Adam! < esc.SGD!, 'RMSprop and Adam leave the saddle sooner than SGD (they rescale the tiny gradient near the ridge)', `RMSprop ${esc.RMSprop}, Adam ${esc.Adam}, SGD ${esc.SGD}`);

  // learning-rate schedules
  const epochs = Array.from({ length: 60 }, (_, t) => t);
  const schedules: [string, nb.optim.LRSchedule][] = [
    ['step decay 0.1·0.5^⌊t/15⌋', nb.optim.stepDecay(0.1, { factor: 0.5, every: 15 })],
    ['exponential 0.1·e^(−0.05t)', nb.optim.exponentialDecay(0.1, 0.05)],
    ['cosine, warm restarts T₀ = 20', nb.optim.cosineWarmRestarts(0.1, { T0: 20 })],
    ['warm-up 10 then exponential', nb.optim.warmup(10, nb.optim.exponentialDecay(0.1, 0.05))],
  ];
  ctx.figure('schedules', 'Learning-rate schedules η(t) over 60 epochs (nb.optim).', nb.viz.lineChart(
    schedules.map(([name, s]) => ({ name, x: epochs, values: epochs.map((t) => s.lrAt(t)) })),
    { title: 'learning-rate schedules', xLabel: 'epoch t', yLabel: 'η' },
  ));
  const stepOk = epochs.every((t) => Math.abs(schedules[0]![1].lrAt(t) - 0.1 * 0.5 ** Math.floor(t / 15)) < 1e-12);
  const expOk = epochs.every((t) => Math.abs(schedules[1]![1].lrAt(t) - 0.1 * Math.exp(-0.05 * t)) < 1e-12);
  ctx.check(stepOk && expOk, 'step decay is η₀·α^⌊t/n⌋ and exponential decay η₀·e^(−kt)');

  // the same optimizers training a small network on MNIST
  const { train, test } = await nb.data.mnist({ limit: ctx.short ? 3000 : 10000, testLimit: 1, flatten: true });
  nb.dispose([test.x, test.y]);
  const mnistOpts: [string, () => nb.optim.Optimizer][] = [
    ['SGD η = 0.05', () => nb.optim.sgd(0.05)],
    ['momentum 0.9, η = 0.05', () => nb.optim.sgd(0.05, { momentum: 0.9 })],
    ['Nesterov 0.9, η = 0.05', () => nb.optim.sgd(0.05, { momentum: 0.9, nesterov: true })],
    ['Adagrad η = 0.05', () => nb.optim.adagrad(0.05)],
    ['RMSprop η = 1e-3', () => nb.optim.rmsprop(1e-3)],
    ['Adadelta η = 1', () => nb.optim.adadelta(1)],
    ['Adam η = 1e-3', () => nb.optim.adam(1e-3)],
  ];
  const curves: nb.viz.Series[] = [];
  const tail: Record<string, number> = {};
  for (const [name, make] of mnistOpts) {
    nb.seed(ctx.seed);
    const model = nb.nn.sequential(nb.nn.linear(784, 32), nb.nn.relu(), nb.nn.linear(32, 10));
    const h = await nb.train.fit(model, train, { epochs: ctx.short ? 1 : 2, batchSize: 32, optimizer: make(), seed: ctx.seed, verbose: 0 });
    const smooth = h.stepLoss.map((_, i, a) => { const w = a.slice(Math.max(0, i - 9), i + 1); return w.reduce((s, v) => s + v, 0) / w.length; });
    curves.push({ name, values: smooth });
    const last = h.stepLoss.slice(-Math.ceil(h.stepLoss.length / 4));
    tail[name] = last.reduce((s, v) => s + v, 0) / last.length;
    ctx.number(`MNIST: mean loss over the last quarter of the steps, ${name}`, Number(tail[name]!.toFixed(3)));
    model.dispose();
  }
  nb.dispose([train.x, train.y]);
  ctx.figure('mnist-loss', `Training loss (moving average of 10 steps) of a 784-32-10 ReLU network on ${ctx.short ? 3000 : 10000} MNIST images, batches of 32.`,
    nb.viz.lineChart(curves, { title: 'MNIST, one network, seven optimizers', xLabel: 'step', yLabel: 'loss' }));
  ctx.check(tail['momentum 0.9, η = 0.05']! < tail['SGD η = 0.05']!, 'with the same η, momentum trains the network faster than plain SGD', `last-quarter loss ${tail['momentum 0.9, η = 0.05']!.toFixed(3)} vs ${tail['SGD η = 0.05']!.toFixed(3)}`);
  ctx.check(Object.values(tail).every((v) => v < Math.LN10 / 2), 'every optimizer trains the network: its last-quarter loss is below half the starting ln 10 ≈ 2.3', Object.entries(tail).map(([k, v]) => `${k}: ${v.toFixed(3)}`).join(', '));
}

const chapter: Chapter = {
  id: 'optimizers',
  order: 5,
  title: 'Optimizers',
  section: '§5',
  claim: 'Plain gradient descent zig-zags across steep, narrow valleys and crawls along them; momentum (and Nesterov\'s look-ahead) damps the zig-zag and accelerates along the valley, while Adagrad, RMSprop, Adadelta and Adam rescale each coordinate by the running size of its gradient, which also carries them off saddle points. Learning-rate schedules shrink the step as training proceeds.',
  run,
};
export default chapter;
