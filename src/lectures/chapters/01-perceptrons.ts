/**
 * Chapter 1 — perceptrons and decision regions (SCOPE §1).
 */
import * as nb from 'nabla';
import type { Chapter } from '../types.js';
import { panels, regionMap, type RegionLine } from '../plot.js';

/** A module's outputs for rows of inputs, as numbers. */
function outputs(m: nb.nn.Module, rows: number[][]): number[] {
  return nb.tidy(() => Array.from(m.call(nb.tensor(rows)).dataSync() as ArrayLike<number>, Number));
}

/** Seeded points on [-1, 1]², labelled ±1 by the line 0.8·x₁ − x₂ + 0.1 = 0, with a margin. */
function separable(n: number, seed: number): { x: number[][]; t: number[] } {
  const rng = new nb.Random(seed);
  const x: number[][] = [];
  const t: number[] = [];
  while (x.length < n) {
    const [a, b] = [rng.uniform() * 2 - 1, rng.uniform() * 2 - 1];
    const s = 0.8 * a - b + 0.1;
    if (Math.abs(s) < 0.05) continue;
    x.push([a, b]);
    t.push(s > 0 ? 1 : -1);
  }
  return { x, t };
}

/** The grid points of [-1, 1]² a region is tested on. */
const GRID: number[][] = [];
for (let i = 0; i <= 20; i++) for (let j = 0; j <= 20; j++) GRID.push([-1 + i / 10, -1 + j / 10]);

/** Whether the positive region is convex on the grid: the midpoint of any two inside points is inside. */
function convexOnGrid(m: nb.nn.Module): boolean {
  const y = outputs(m, GRID);
  const inside = GRID.filter((_, i) => y[i]! > 0);
  const mids: number[][] = [];
  for (let i = 0; i < inside.length; i += 3) for (let j = i + 1; j < inside.length; j += 5) mids.push([(inside[i]![0]! + inside[j]![0]!) / 2, (inside[i]![1]! + inside[j]![1]!) / 2]);
  return mids.length > 0 && outputs(m, mids).every((v) => v > 0);
}

const chapter: Chapter = {
  id: 'perceptrons',
  order: 1,
  title: 'Perceptrons and decision regions',
  section: '§1',
  claim:
    'A McCulloch–Pitts neuron y = sgn(Σ wᵢxᵢ), with the bias as w₀ on a constant input x₀ = 1, computes AND, OR and NOT with ' +
    'hand-set weights; the perceptron learning rule finds a separating line for any linearly separable set in finitely many ' +
    'epochs; XOR is not linearly separable, so it needs a hidden layer. No hidden layer of unit steps gives a half-plane, one ' +
    'hidden layer a convex region, two hidden layers any union of convex regions.',

  async run(ctx) {
    // 1. The MP neuron: y = step(−1.5·1 + x₁ + x₂) is AND on 0/1 inputs.
    const B01 = [[0, 0], [0, 1], [1, 0], [1, 1]];
    const mp = nb.nn.mpNeuron([-1.5, 1, 1], { activation: 'step' });
    ctx.number('MP neuron step(−1.5 + x₁ + x₂) on 00, 01, 10, 11', outputs(mp, B01).join(' '));
    ctx.check(outputs(mp, B01).join() === '0,0,0,1', 'the MP neuron step(−1.5 + x₁ + x₂) computes AND');

    // 2. Gates from sign units (true = +1, false = −1), and XOR from two layers of them.
    const PM = [[-1, -1], [-1, 1], [1, -1], [1, 1]];
    const gates: [string, nb.nn.Module, number[][], number[]][] = [
      ['AND = sign(−1 + g₁ + g₂)', nb.nn.gates.and(), PM, [-1, -1, -1, 1]],
      ['OR = sign(1 + g₁ + g₂)', nb.nn.gates.or(), PM, [-1, 1, 1, 1]],
      ['NOT = sign(−g)', nb.nn.gates.not(), [[-1], [1]], [1, -1]],
      ['XOR = OR(AND(−g₁, g₂), AND(g₁, −g₂))', nb.nn.gates.xor(), PM, [-1, 1, 1, -1]],
      ['XOR with unit steps: h₁ = f(2x₁ + 2x₂ − 1), h₂ = f(−2x₁ − 2x₂ + 3), o = f(2h₁ + 2h₂ − 3)', nb.nn.gates.xorStep(), B01, [0, 1, 1, 0]],
    ];
    for (const [name, m, rows, want] of gates) {
      const got = outputs(m, rows);
      ctx.number(name, got.join(' '));
      ctx.check(got.join() === want.join(), `${name} has the right truth table`, `got ${got.join(' ')}`);
    }

    // 3. The perceptron rule w ← w + η(t − y)x, one epoch at a time, drawing the line after each.
    const n = ctx.short ? 40 : 200;
    const { x, t } = separable(n, ctx.seed + 7);
    const p = nb.nn.perceptron(2);
    const lines: RegionLine[] = [];
    const mistakes: number[] = [];
    for (let epoch = 1; epoch <= 100; epoch++) {
      const r = nb.tidy(() => p.fit(nb.tensor(x), nb.tensor(t), { lr: 0.5, maxEpochs: 1 }));
      mistakes.push(r.errors[0]!);
      const [w1, w2] = Array.from(p.weight.dataSync() as ArrayLike<number>, Number) as [number, number];
      lines.push({ w1, w2, b: p.bias.item(), color: '#555', width: 1, opacity: 0.5, dashed: true });
      if (r.converged) break;
    }
    lines[lines.length - 1] = { ...lines[lines.length - 1]!, color: '#000', width: 2.5, opacity: 1, dashed: false };
    const correct = outputs(p, x).filter((v, i) => v === t[i]).length;
    ctx.number('perceptron: epochs until an epoch without mistakes', mistakes.length);
    ctx.number('perceptron: mistakes per epoch', mistakes.join(', '));
    ctx.check(mistakes[mistakes.length - 1] === 0 && correct === n, 'the perceptron rule converges on a linearly separable set', `${correct}/${n} correct after ${mistakes.length} epochs`);
    ctx.figure('perceptron-epochs', `The perceptron rule on ${n} separable points: the line after each epoch (dashed) and the final one (solid), ${mistakes.length} epochs.`,
      regionMap({ predict: (pts) => outputs(p, pts), points: x.map((v, i) => ({ x: v[0]!, y: v[1]!, positive: t[i]! > 0 })), lines, title: 'perceptron learning, epoch by epoch' }));

    // XOR is not linearly separable: the same rule never gets through an epoch without a mistake.
    const px = nb.nn.perceptron(2);
    const xr = nb.tidy(() => px.fit(nb.tensor(PM), nb.tensor([-1, 1, 1, -1]), { maxEpochs: 100 }));
    ctx.number('perceptron rule on XOR: fewest mistakes in an epoch (100 epochs)', Math.min(...xr.errors));
    ctx.check(!xr.converged, 'a single perceptron cannot learn XOR (it is not linearly separable)', `${xr.epochs} epochs, converged: ${xr.converged}`);

    // 4. Decision regions of unit-step networks: 0, 1 and 2 hidden layers.
    const step = { activation: 'step' } as const;
    const half = nb.nn.perceptron(2, 1, { ...step, weights: [[1], [1]], bias: 0 }); // x₁ + x₂ > 0
    const convex = nb.nn.sequential( // a triangle: the AND of three half-planes
      nb.nn.perceptron(2, 3, { ...step, weights: [[0, 1.2, -1.2], [1, -1, -1]], bias: [0.6, 0.6, 0.6] }),
      nb.nn.perceptron(3, 1, { ...step, weights: [[1], [1], [1]], bias: -2.5 }),
    );
    const box = (xa: number, xb: number, ya: number, yb: number): { w: number[][]; b: number[] } => ({ w: [[1, -1, 0, 0], [0, 0, 1, -1]], b: [-xa, xb, -ya, yb] });
    const a = box(-0.9, -0.2, 0.1, 0.8);
    const b = box(0.2, 0.9, -0.8, -0.1);
    const union = nb.nn.sequential( // two squares (AND of four half-planes each), then their OR
      nb.nn.perceptron(2, 8, { ...step, weights: a.w.map((r, i) => [...r, ...b.w[i]!]), bias: [...a.b, ...b.b] }),
      nb.nn.perceptron(8, 2, { ...step, weights: [...[0, 1, 2, 3].map(() => [1, 0]), ...[0, 1, 2, 3].map(() => [0, 1])], bias: [-3.5, -3.5] }),
      nb.nn.perceptron(2, 1, { ...step, weights: [[1], [1]], bias: -0.5 }),
    );
    ctx.figure('decision-regions', 'Decision regions of unit-step networks (blue: output 1): no hidden layer, one hidden layer (3 units), two hidden layers (8 and 2 units).',
      panels([
        regionMap({ predict: (pts) => outputs(half, pts), title: 'no hidden layer: a half-plane' }),
        regionMap({ predict: (pts) => outputs(convex, pts), title: 'one hidden layer: convex' }),
        regionMap({ predict: (pts) => outputs(union, pts), title: 'two hidden layers: any union' }),
      ], 3));
    const yHalf = outputs(half, GRID);
    const onHalf = GRID.every((q, i) => Math.abs(q[0]! + q[1]!) < 1e-9 || (yHalf[i]! > 0) === (q[0]! + q[1]! > 0));
    ctx.check(onHalf, 'no hidden layer: the region is the half-plane x₁ + x₂ > 0');
    ctx.check(convexOnGrid(convex), 'one hidden layer: the region is convex (midpoints of inside points are inside)');
    ctx.check(!convexOnGrid(union) && outputs(union, [[-0.5, 0.5], [0.5, -0.5], [0, 0]]).join() === '1,1,0',
      'two hidden layers: the region is not convex (two squares, the point between them outside)');

    // XOR's region: the two-layer step network against the data.
    const xorNet = nb.nn.gates.xorStep();
    ctx.figure('xor-region', 'XOR by the two-layer unit-step network: the positive region is the band between two lines, which no single line can make.',
      regionMap({
        predict: (pts) => outputs(xorNet, pts), xRange: [-0.5, 1.5], yRange: [-0.5, 1.5], title: 'XOR: h₁ AND h₂',
        points: B01.map(([u, v], i) => ({ x: u!, y: v!, positive: [0, 1, 1, 0][i] === 1 })),
        lines: [{ w1: 2, w2: 2, b: -1, dashed: true, width: 1.5 }, { w1: -2, w2: -2, b: 3, dashed: true, width: 1.5 }],
      }));
  },
};

export default chapter;
