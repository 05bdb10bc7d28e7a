/**
 * Chapter 8 — Convolutional networks (SCOPE §8): one convolution and one pooling step worked on a
 * small image with its numbers (and where pooling sends the gradient); the classic LeNet-5 trained
 * on MNIST, its learned first-layer filters, the feature maps of one digit through every layer,
 * and its test error beside the lectures' 0.95%.
 */
import * as nb from '../../index.js';
import { lenet5Classic } from '../../cli/models.js';
import type { Chapter, ChapterContext } from '../types.js';

/** Rows of a [1, 1, H, W] tensor as nested arrays, rounded to `d` decimals. */
function grid(t: nb.Tensor, d = 2): number[][] {
  const [, , h, w] = t.shape as [number, number, number, number];
  const v = t.dataSync();
  return Array.from({ length: h }, (_, i) => Array.from({ length: w }, (_, j) => Number(Number(v[i * w + j]).toFixed(d))));
}

/** Images [N, 1, H, W] enlarged k times (nearest neighbour), so that small maps stay visible in a PNG. */
function enlarge(x: nb.Tensor, k: number): nb.Tensor {
  return nb.nn.upsample({ scaleFactor: k }).call(x);
}

function convolutionStep(ctx: ChapterContext, digit: nb.Tensor): void {
  // an 8×8 image: the digit's central 24×24 pixels averaged over 3×3 blocks
  const image = nb.tidy(() => nb.round(nb.mul(nb.avgPool2d(nb.slice(digit, [0, 0, 2, 2], [1, 1, 24, 24]), 3), 10)).div(10));
  const kernel = nb.tensor([[[[1, 0, -1], [1, 0, -1], [1, 0, -1]]]]); // responds to vertical edges: bright on the left, dark on the right
  const conv = nb.conv2d(image, kernel, { padding: 1 });
  const pooled = nb.maxPool2d(conv, 2);
  const [img, k, c, p] = [grid(image, 1), grid(kernel, 0), grid(conv, 1), grid(pooled, 1)];
  ctx.figure('conv-input', 'An 8×8 image (a digit averaged over 3×3 blocks) with its pixel values.', nb.viz.heatmap(img, { title: 'input 8×8', showValues: true, decimals: 1, cellSize: 34 }));
  ctx.figure('conv-kernel', 'A 3×3 kernel that responds to vertical edges.', nb.viz.heatmap(k, { title: 'kernel 3×3', showValues: true, decimals: 0, cellSize: 34 }));
  ctx.figure('conv-output', 'The convolution (padding 1, stride 1): each value is the sum of the kernel times the 3×3 patch under it.', nb.viz.heatmap(c, { title: 'convolution 8×8', showValues: true, decimals: 1, cellSize: 34 }));
  ctx.figure('pool-output', '2×2 max pooling with stride 2: the largest value of each 2×2 block of the convolution.', nb.viz.heatmap(p, { title: 'max pool 4×4', showValues: true, decimals: 1, cellSize: 34 }));
  // the same numbers by hand: output (i, j) = Σ kernel(u, v)·input(i + u − 1, j + v − 1) (zero outside)
  const at = (i: number, j: number): number => (i >= 0 && j >= 0 && i < 8 && j < 8 ? img[i]![j]! : 0);
  const kv = kernel.dataSync();
  let worst = 0;
  for (let i = 0; i < 8; i++) {
    for (let j = 0; j < 8; j++) {
      let s = 0;
      for (let u = 0; u < 3; u++) for (let v = 0; v < 3; v++) s += Number(kv[u * 3 + v]) * at(i + u - 1, j + v - 1);
      worst = Math.max(worst, Math.abs(s - Number(conv.dataSync()[i * 8 + j])));
    }
  }
  const cv = conv.dataSync();
  const poolOk = p.every((row, i) => row.every((v, j) => Math.abs(v - Math.max(...[0, 1].flatMap((a) => [0, 1].map((b) => Number(cv[(2 * i + a) * 8 + 2 * j + b]))))) < 0.051));
  ctx.check(worst < 1e-4, 'a convolution output is the sum of the kernel times the patch under it', `largest difference from the hand computation ${worst.toExponential(1)}`);
  ctx.check(poolOk, 'max pooling keeps the largest value of each window');
  // gradients: max pooling sends it to the arg-max, mean pooling spreads it evenly
  const gMax = nb.grad((x: nb.Tensor) => nb.sum(nb.maxPool2d(x, 2)))(conv) as nb.Tensor;
  const gAvg = nb.grad((x: nb.Tensor) => nb.sum(nb.avgPool2d(x, 2)))(conv) as nb.Tensor;
  const gm = Array.from(gMax.dataSync(), Number), ga = Array.from(gAvg.dataSync(), Number);
  let maxOk = true;
  for (let i = 0; i < 4; i++) {
    for (let j = 0; j < 4; j++) {
      const cells = [0, 1].flatMap((a) => [0, 1].map((b) => (2 * i + a) * 8 + 2 * j + b));
      const total = cells.reduce((s, q) => s + gm[q]!, 0);
      const argmax = cells.reduce((best, q) => (Number(cv[q]) > Number(cv[best]) ? q : best), cells[0]!);
      maxOk &&= Math.abs(total - 1) < 1e-6 && gm[argmax]! > 0;
    }
  }
  ctx.check(maxOk && ga.every((v) => Math.abs(v - 0.25) < 1e-6), 'backward through pooling: max pooling sends each window\'s gradient to its arg-max, mean pooling spreads it evenly (¼ to each cell)');
  const rows = (g: number[]): number[][] => Array.from({ length: 8 }, (_, i) => g.slice(i * 8, i * 8 + 8));
  ctx.figure('maxpool-gradient', 'The gradient of Σ maxpool(x) with respect to the convolution output x: 1 on each 2×2 window\'s largest cell, 0 elsewhere.',
    nb.viz.heatmap(rows(gm), { title: '∂/∂x Σ maxpool(x)', showValues: true, decimals: 0, cellSize: 30, min: 0, max: 1 }));
  ctx.figure('avgpool-gradient', 'The gradient of Σ avgpool(x): ¼ on every cell.',
    nb.viz.heatmap(rows(ga), { title: '∂/∂x Σ avgpool(x)', showValues: true, decimals: 2, cellSize: 30, min: 0, max: 1 }));
  nb.dispose([image, kernel, conv, pooled, gMax, gAvg]);
}

async function lenet(ctx: ChapterContext): Promise<void> {
  const { train, test } = await nb.data.mnist(ctx.short ? { limit: 6400, testLimit: 1000 } : {});
  nb.tidy(() => convolutionStep(ctx, nb.slice(test.x, [0, 0, 0, 0], [1, 1, 28, 28])));
  nb.seed(ctx.seed);
  const model = lenet5Classic() as nb.nn.Sequential;
  const before = nb.keep(model.parameters()[0]!.clone());
  const epochs = ctx.short ? 1 : 10;
  const h = await nb.train.fit(model, train, {
    epochs, batchSize: ctx.short ? 32 : 64, optimizer: nb.optim.adam(1e-3), schedule: nb.optim.exponentialDecay(1e-3, 0.2),
    seed: ctx.seed, verbose: 0, callbacks: [nb.train.callback({ onEpochEnd: (e) => ctx.log(`LeNet-5 epoch ${e.epoch + 1}/${epochs}: loss ${e.loss.toFixed(4)}`) })],
  });
  const ev = await nb.train.evaluate(model, test);
  const error = 1 - ev.accuracy!;
  ctx.number('LeNet-5 (classic) parameters', model.numParameters());
  ctx.number(`LeNet-5 (classic) training: ${h.stepLoss.length} steps of ${ctx.short ? 32 : 64} images, Adam η = 1e-3·e^(−0.2·epoch)`, Number(h.seconds.toFixed(0)), 's');
  ctx.number(`LeNet-5 (classic) test error on ${test.x.shape[0]} test images`, Number((100 * error).toFixed(2)), '%');
  ctx.number('LeNet-5 test error quoted by the lectures', 0.95, '%');
  ctx.figure('lenet-loss', 'Training loss of the classic LeNet-5 at every step.', nb.viz.lineChart([{ name: 'loss', values: h.stepLoss.map((_, i, a) => a.slice(Math.max(0, i - 19), i + 1).reduce((s, v, __, w) => s + v / w.length, 0)) }], { title: 'LeNet-5 training loss (moving average of 20 steps)', xLabel: 'step', yLabel: 'loss', logY: true }));
  if (ctx.short) ctx.check(error < 0.15, `after ${h.stepLoss.length} steps the classic LeNet-5 already classifies more than 85% of the test digits (short mode; the full run gets near the lectures' 0.95%)`, `test error ${(100 * error).toFixed(2)}%`);
  else ctx.check(error < 0.015, 'the classic LeNet-5 reaches a test error close to the lectures\' 0.95% (below 1.5%)', `test error ${(100 * error).toFixed(2)}%`);

  // the learned 5×5 filters of C1
  const filters = model.parameters()[0]!;
  const moved = nb.tidy(() => nb.div(nb.norm(nb.sub(filters, before)), nb.norm(before)).item());
  before.dispose();
  ctx.number('relative change of the C1 filters during training', moved.toFixed(2));
  ctx.check(moved > 0.05, 'the first-layer filters are learned: they moved away from their random start (by more than 5% of their norm)', `‖ΔW‖/‖W₀‖ = ${moved.toFixed(2)}`);
  const big = enlarge(filters, 8);
  ctx.figure('c1-filters', 'The six learned 5×5 filters of C1 (each scaled to its own range: dark negative, bright positive).', nb.viz.imageGrid(big, { normalize: true, scaleEach: true, nrow: 6, padding: 4, padValue: 1 }));
  big.dispose();

  // one digit through every layer (tidy frees the maps once drawn)
  nb.tidy(() => {
    const digit = nb.slice(test.x, [0, 0, 0, 0], [1, 1, 28, 28]);
    const label = Number(test.y.dataSync()[0]);
    const shapes: string[] = [];
    const stages: [number, string, number][] = [[1, 'c1', 2], [2, 's2', 4], [4, 'c3', 5], [5, 's4', 10]];
    let a = digit;
    const outputs: nb.Tensor[] = [];
    nb.noGrad(() => model.children().forEach(([, layer]) => { a = layer.call(a) as nb.Tensor; outputs.push(a); }));
    ctx.figure('digit', `The test digit (a ${label}) fed through the network.`, nb.viz.imageGrid(enlarge(digit, 4), { padding: 0 }));
    for (const [i, name, k] of stages) {
      const out = outputs[i]!;
      const [, c, hh, ww] = out.shape as [number, number, number, number];
      shapes.push(`${c}@${hh}×${ww}`);
      ctx.figure(`maps-${name}`, `The ${c} feature maps of ${name.toUpperCase()} (${hh}×${ww}) for the digit (tanh outputs, −1 black, +1 white).`,
        nb.viz.imageGrid(enlarge(nb.reshape(out, [c, 1, hh, ww]), k), { range: [-1, 1], nrow: c > 8 ? 8 : c, padding: 3, padValue: 0.5 }));
    }
    const c5 = outputs[7]!, f6 = outputs[10]!, logits = outputs[11]!;
    shapes.push(`${c5.shape[1]}@${c5.shape[2]}×${c5.shape[3]}`, String(f6.shape[1]), String(logits.shape[1]));
    ctx.figure('maps-c5-f6', `C5's 120 values (as 8×15) and F6's 84 (as 7×12) for the digit (−1 black, +1 white).`,
      nb.viz.imageGrid(nb.concat([enlarge(nb.reshape(c5, [1, 1, 8, 15]), 8), enlarge(nb.pad(nb.reshape(f6, [1, 1, 7, 12]), [[0, 0], [0, 0], [0, 1], [0, 3]]), 8)], 0), { range: [-1, 1], padding: 4, padValue: 0.5 }));
    const probs = Array.from(nb.softmax(logits, -1).dataSync(), Number);
    ctx.figure('output', 'The output layer\'s softmax probabilities for the ten digits.', nb.viz.heatmap([probs.map((q) => Number(q.toFixed(3)))], { colLabels: probs.map((_, i) => String(i)), rowLabels: ['p'], title: `output for a ${label}`, showValues: true, decimals: 2, cellSize: 40, min: 0, max: 1 }));
    ctx.number('the digit\'s maps through the layers', shapes.join(' → '));
    ctx.check(shapes.join(' ') === '6@28×28 6@14×14 16@10×10 16@5×5 120@1×1 84 10', 'the classic LeNet-5: C1 6@28×28, S2 6@14×14, C3 16@10×10, S4 16@5×5, C5 120, F6 84, output 10', shapes.join(' → '));
    ctx.check(probs.indexOf(Math.max(...probs)) === label, `the network classifies the digit shown (a ${label})`, `most probable: ${probs.indexOf(Math.max(...probs))}`);
  });
  model.dispose();
  nb.dispose([train.x, train.y, test.x, test.y]);
}

const chapter: Chapter = {
  id: 'convolutional',
  order: 8,
  title: 'Convolutional networks',
  section: '§8',
  claim: 'A convolution slides one small kernel over the whole image, so a layer detects the same local pattern everywhere with few weights; pooling keeps the strongest response of each neighbourhood (and sends the gradient back to it). Stacking them, LeNet-5 learns edge-like first-layer filters, turns a digit into ever smaller and more abstract feature maps, and classifies MNIST with about 1% test error (the lectures quote 0.95%).',
  run: lenet,
};
export default chapter;
