/**
 * Neurons and perceptrons (SCOPE §1).
 *
 * 1. The McCulloch–Pitts neuron y = sgn(w₀·1 + w₁x₁ + w₂x₂): the bias is the weight w₀ on a
 *    constant input x₀ = 1.
 * 2. The perceptron learning algorithm on seeded, linearly separable 2-D points: for every
 *    misclassified point, w ← w + η(t − y)x. It stops after an epoch without mistakes.
 * 3. Decision regions of hand-built unit-step networks: no hidden layer gives a half-plane, one
 *    hidden layer a convex region (an intersection of half-planes), two hidden layers any union
 *    of convex regions.
 *
 * Run: npx tsx examples/perceptron.ts   (NABLA_SHORT=1 for a smaller data set; exits non-zero on failure)
 */
import { pathToFileURL } from 'node:url';
import * as nb from 'nabla';

const short = process.env.NABLA_SHORT === '1';

/** An ASCII picture of a 2-D classifier on [-1, 1]²: '#' where it outputs 1 (or +1), '.' elsewhere. */
export function region(m: nb.nn.Module, cols = 41, rows = 17): string[] {
  const pts: number[][] = [];
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) pts.push([-1 + (2 * c) / (cols - 1), 1 - (2 * r) / (rows - 1)]);
  const y = nb.tidy(() => Array.from(m.call(nb.tensor(pts)).dataSync() as ArrayLike<number>, Number));
  const out: string[] = [];
  for (let r = 0; r < rows; r++) out.push(y.slice(r * cols, (r + 1) * cols).map((v) => (v > 0 ? '#' : '.')).join(''));
  return out;
}

/** Seeded points on [-1, 1]², labelled ±1 by the line 0.8·x₁ − x₂ + 0.1 = 0, with a margin. */
export function separable(n: number, seed = 7): { x: number[][]; t: number[] } {
  const rng = new nb.Random(seed);
  const x: number[][] = [];
  const t: number[] = [];
  while (x.length < n) {
    const a = rng.uniform() * 2 - 1;
    const b = rng.uniform() * 2 - 1;
    const s = 0.8 * a - b + 0.1;
    if (Math.abs(s) < 0.05) continue;
    x.push([a, b]);
    t.push(s > 0 ? 1 : -1);
  }
  return { x, t };
}

function main(): void {
  const failures: string[] = [];

  // 1. The MP neuron.
  const mp = nb.nn.mpNeuron([-1.5, 1, 1], { activation: 'step' });
  const mpOut = nb.tidy(() => Array.from(mp.call(nb.tensor([[0, 0], [0, 1], [1, 0], [1, 1]])).dataSync() as ArrayLike<number>, Number));
  console.log(`MP neuron y = step(-1.5 + x1 + x2) on 00, 01, 10, 11: ${mpOut.join(' ')}  (AND)`);
  if (mpOut.join() !== '0,0,0,1') failures.push('MP neuron');

  // 2. Perceptron learning.
  const n = short ? 40 : 200;
  const { x, t } = separable(n);
  const p = nb.nn.perceptron(2);
  const fit = p.fit(nb.tensor(x), nb.tensor(t), { lr: 0.5, maxEpochs: 1000 });
  const w = Array.from(p.weight.dataSync() as ArrayLike<number>, Number);
  const predicted = nb.tidy(() => Array.from(p.call(nb.tensor(x)).dataSync() as ArrayLike<number>, Number));
  const correct = predicted.filter((v, i) => v === t[i]).length;
  console.log(`\nPerceptron learning on ${n} separable points: ${fit.converged ? 'converged' : 'did NOT converge'} after ${fit.epochs} epochs`);
  console.log(`  mistakes per epoch: [${fit.errors.join(', ')}]`);
  const term = (v: number, name: string): string => `${v < 0 ? '-' : '+'} ${Math.abs(v).toFixed(2)}·${name}`;
  console.log(`  learned y = sign(${p.bias.item().toFixed(2)} ${term(w[0]!, 'x1')} ${term(w[1]!, 'x2')}), ${correct}/${n} correct`);
  if (!fit.converged || correct !== n) failures.push('perceptron learning');
  console.log(region(p).map((l) => `  ${l}`).join('\n'));

  // 3. Decision regions.
  const step = { activation: 'step' } as const;
  // No hidden layer: the half-plane x1 + x2 > 0.
  const half = nb.nn.perceptron(2, 1, { ...step, weights: [[1], [1]], bias: 0 });
  // One hidden layer: the triangle x2 > -0.6, x2 < 1.2·x1 + 0.6, x2 < -1.2·x1 + 0.6 (AND of three half-planes).
  const convex = nb.nn.sequential(
    nb.nn.perceptron(2, 3, { ...step, weights: [[0, 1.2, -1.2], [1, -1, -1]], bias: [0.6, 0.6, 0.6] }),
    nb.nn.perceptron(3, 1, { ...step, weights: [[1], [1], [1]], bias: -2.5 }),
  );
  // Two hidden layers: the union (OR) of two squares — not convex.
  const sq = (x0: number, x1: number, y0: number, y1: number): { w: number[][]; b: number[] } => ({
    w: [[1, -1, 0, 0], [0, 0, 1, -1]],
    b: [-x0, x1, -y0, y1],
  });
  const a = sq(-0.9, -0.2, 0.1, 0.8);
  const b = sq(0.2, 0.9, -0.8, -0.1);
  const union = nb.nn.sequential(
    nb.nn.perceptron(2, 8, { ...step, weights: a.w.map((r, i) => [...r, ...b.w[i]!]), bias: [...a.b, ...b.b] }),
    nb.nn.perceptron(8, 2, { ...step, weights: [...[0, 1, 2, 3].map(() => [1, 0]), ...[0, 1, 2, 3].map(() => [0, 1])], bias: [-3.5, -3.5] }),
    nb.nn.perceptron(2, 1, { ...step, weights: [[1], [1]], bias: -0.5 }),
  );
  for (const [name, m] of [['no hidden layer: a half-plane', half], ['one hidden layer: a convex region', convex], ['two hidden layers: a union of convex regions', union]] as const) {
    const pic = region(m);
    console.log(`\n${name}`);
    console.log(pic.map((l) => `  ${l}`).join('\n'));
    if (!pic.join('').includes('#') || !pic.join('').includes('.')) failures.push(name);
  }
  // The union has two separate blobs: the centre row through both squares shows two runs of '#'.
  const unionCheck = nb.tidy(() => Array.from(union.call(nb.tensor([[-0.5, 0.5], [0.5, -0.5], [0, 0], [0.5, 0.5]])).dataSync() as ArrayLike<number>, Number));
  if (unionCheck.join() !== '1,1,0,0') failures.push('union region');

  if (failures.length) {
    console.log(`\nFAILED: ${failures.join(', ')}`);
    process.exit(1);
  }
  console.log('\nOK');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
