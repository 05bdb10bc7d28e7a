/**
 * Chapter 4 — losses and regularization: L1 versus L2, dropout, data augmentation (SCOPE §4).
 */
import * as nb from 'nabla';
import type { Chapter, ChapterContext } from '../types.js';

type Data = { x: nb.Tensor; y: nb.Tensor };

const pct = (v: number): string => `${(100 * v).toFixed(1)}%`;

/** Rows [start, start + n) of a data set. */
function rows(d: Data, start: number, n: number): Data {
  return { x: nb.slice(d.x, [start], [n]), y: nb.slice(d.y, [start], [n]) };
}

/**
 * L1 against L2 on softmax regression (784 → 10). L2 adds λ/2·Σw² (weight decay); L1 adds λ·Σ|w|,
 * applied as its proximal step after each gradient step: w ← sign(w)·max(|w| − ηλ, 0). A weight
 * whose data gradient stays below λ is pulled to zero and held there: exactly zero.
 */
async function l1VersusL2(ctx: ChapterContext, train: Data, test: Data): Promise<void> {
  const lr = 0.1;
  const lambda = 0.003;
  const epochs = ctx.short ? 5 : 10;
  const make = (l2: number): nb.nn.Linear => {
    nb.seed(ctx.seed);
    return nb.nn.linear(784, 10, { init: nb.nn.init.normal(0.01), l2 });
  };
  const fitOne = async (model: nb.nn.Linear, l1: number): Promise<number> => {
    const shrink: nb.train.Callback = {
      onBatchEnd: () => {
        if (l1 === 0) return;
        nb.noGrad(() => nb.tidy(() => {
          const w = model.weight;
          w.assign(nb.mul(nb.sign(w), nb.relu(nb.sub(nb.abs(w), lr * l1))));
        }));
      },
    };
    await nb.train.fit(model, train, { epochs, batchSize: 32, optimizer: nb.optim.sgd(lr), seed: ctx.seed, verbose: 0, callbacks: [shrink] });
    return (await nb.train.evaluate(model, test)).accuracy!;
  };
  const l2Model = make(lambda);
  const l2Acc = await fitOne(l2Model, 0);
  const l1Model = make(0);
  const l1Acc = await fitOne(l1Model, lambda);
  const w2 = Array.from(l2Model.weight.dataSync() as ArrayLike<number>, Number);
  const w1 = Array.from(l1Model.weight.dataSync() as ArrayLike<number>, Number);
  const zeros = (w: number[]): number => w.filter((v) => v === 0).length / w.length;
  ctx.figure('l1-l2-weights', 'Weights of softmax regression on MNIST after training with L1 (λ = 0.003, proximal step) and with L2 (λ = 0.003): L1 puts most weights at exactly 0 (the spike), L2 only shrinks them. Counts on a log scale.',
    nb.viz.histogram([{ name: 'L1', values: w1 }, { name: 'L2', values: w2 }], { bins: 60, logY: true, title: 'weights after training: L1 vs L2', xLabel: 'weight' }));
  ctx.number('L1: share of weights exactly 0', pct(zeros(w1)));
  ctx.number('L2: share of weights exactly 0', pct(zeros(w2)));
  ctx.number('test accuracy with L1 / with L2', `${pct(l1Acc)} / ${pct(l2Acc)}`);
  ctx.check(zeros(w1) > 0.3 && zeros(w2) === 0, 'L1 makes many weights exactly zero; L2 makes none zero', `L1 ${pct(zeros(w1))}, L2 ${pct(zeros(w2))}`);
  ctx.check(l1Acc > 0.75 && l1Acc > l2Acc - 0.05, 'the sparse L1 model still classifies about as well', `${pct(l1Acc)}, ${pct(l2Acc)}`);
  l1Model.dispose();
  l2Model.dispose();
}

/** The same MLP trained with and without dropout on a small training set: the train/test gap. */
async function dropout(ctx: ChapterContext, train: Data, test: Data): Promise<void> {
  const epochs = ctx.short ? 20 : 40;
  interface Curves { trainLoss: number[]; testLoss: number[]; trainAcc: number[]; testAcc: number[] }
  const run = async (p: number): Promise<Curves> => {
    nb.seed(ctx.seed);
    const layers: nb.nn.Module[] = p > 0 ? [nb.nn.dropout(0.2)] : []; // the inputs too, as Hinton et al. did
    layers.push(nb.nn.linear(784, 256), nb.nn.relu());
    if (p > 0) layers.push(nb.nn.dropout(p));
    layers.push(nb.nn.linear(256, 256), nb.nn.relu());
    if (p > 0) layers.push(nb.nn.dropout(p));
    layers.push(nb.nn.linear(256, 10));
    const model = nb.nn.sequential(...layers);
    const c: Curves = { trainLoss: [], testLoss: [], trainAcc: [], testAcc: [] };
    const measure: nb.train.Callback = {
      onEpochEnd: async () => { // both sets measured in evaluation mode (dropout off)
        const [tr, te] = [await nb.train.evaluate(model, train), await nb.train.evaluate(model, test)];
        c.trainLoss.push(tr.loss);
        c.testLoss.push(te.loss);
        c.trainAcc.push(tr.accuracy!);
        c.testAcc.push(te.accuracy!);
      },
    };
    await nb.train.fit(model, train, { epochs, batchSize: 32, optimizer: nb.optim.adam(1e-3), seed: ctx.seed, verbose: 0, callbacks: [measure] });
    model.dispose();
    return c;
  };
  const plain = await run(0);
  const dropped = await run(0.5);
  const last = (v: number[]): number => v[v.length - 1]!;
  const lossGap = (c: Curves): number => last(c.testLoss) - last(c.trainLoss);
  const accGap = (c: Curves): number => last(c.trainAcc) - last(c.testAcc);
  ctx.figure('dropout-gap', `Cross-entropy on the ${train.y.shape[0]} training images (solid) and on ${test.y.shape[0]} test images (dashed), per epoch: without dropout the training loss goes to zero while the test loss climbs (memorizing); with dropout (p = 0.2 on the inputs, 0.5 on the hidden units) the two stay close.`,
    nb.viz.lineChart([
      { name: 'no dropout: train', values: plain.trainLoss, color: '#d55e00' },
      { name: 'no dropout: test', values: plain.testLoss, color: '#d55e00', dashed: true },
      { name: 'dropout: train', values: dropped.trainLoss, color: '#0072b2' },
      { name: 'dropout: test', values: dropped.testLoss, color: '#0072b2', dashed: true },
    ], { title: 'dropout and the train/test gap', xLabel: 'epoch', yLabel: 'cross-entropy', logY: true }));
  ctx.number('no dropout: train / test loss', `${last(plain.trainLoss).toFixed(4)} / ${last(plain.testLoss).toFixed(4)}`);
  ctx.number('dropout: train / test loss', `${last(dropped.trainLoss).toFixed(4)} / ${last(dropped.testLoss).toFixed(4)}`);
  ctx.number('no dropout: train / test accuracy', `${pct(last(plain.trainAcc))} / ${pct(last(plain.testAcc))}`);
  ctx.number('dropout: train / test accuracy', `${pct(last(dropped.trainAcc))} / ${pct(last(dropped.testAcc))}`);
  ctx.number('test − train loss without / with dropout', `${lossGap(plain).toFixed(3)} / ${lossGap(dropped).toFixed(3)}`);
  ctx.number('train − test accuracy without / with dropout', `${pct(accGap(plain))} / ${pct(accGap(dropped))}`);
  ctx.check(lossGap(dropped) < 0.9 * lossGap(plain), 'dropout narrows the gap between training and test loss (by at least a tenth)', `${lossGap(plain).toFixed(3)} → ${lossGap(dropped).toFixed(3)}`);
  ctx.check(last(dropped.testLoss) < last(plain.testLoss), 'and the test loss is lower with dropout', `${last(plain.testLoss).toFixed(4)} → ${last(dropped.testLoss).toFixed(4)}`);
}

/** Test images shifted by `s` pixels, in turn right, left, down and up. */
function shifted(x: nb.Tensor, s: number): nb.Tensor {
  const dirs = [[s, 0], [-s, 0], [0, s], [0, -s]] as const;
  return nb.nn.affineTransform(x, Array.from({ length: x.shape[0]! }, (_, i) => ({ dx: dirs[i % 4]![0], dy: dirs[i % 4]![1], angle: 0 })));
}

/** An MLP trained with and without random shifts and rotations, tested on shifted digits. */
async function augmentation(ctx: ChapterContext, train: Data, test: Data): Promise<void> {
  const epochs = ctx.short ? 6 : 15;
  const shifts = [0, 1, 2, 3, 4];
  const run = async (augment: boolean): Promise<number[]> => {
    nb.seed(ctx.seed);
    const layers: nb.nn.Module[] = augment ? [nb.nn.randomAffine({ maxShift: 3, maxRotation: 10 })] : [];
    const model = nb.nn.sequential(...layers, nb.nn.flatten(), nb.nn.linear(784, 256), nb.nn.relu(), nb.nn.linear(256, 10));
    await nb.train.fit(model, train, { epochs, batchSize: 32, optimizer: nb.optim.adam(1e-3), seed: ctx.seed, verbose: 0 });
    const acc: number[] = [];
    for (const s of shifts) {
      const xs = shifted(test.x, s);
      acc.push((await nb.train.evaluate(model, { x: xs, y: test.y })).accuracy!);
      xs.dispose();
    }
    model.dispose();
    return acc;
  };
  const plain = await run(false);
  const aug = await run(true);
  // What the augmentation layer feeds the network: the same 8 digits, transformed at random, twice.
  nb.seed(ctx.seed);
  const layer = nb.nn.randomAffine({ maxShift: 3, maxRotation: 10 });
  const sample = nb.slice(train.x, [0], [8]);
  const grid = nb.tidy(() => nb.concat([sample, layer.call(sample), layer.call(sample)], 0));
  ctx.figure('augmented-digits', 'Data augmentation: 8 training digits (top row) and two random shifts (up to 3 pixels) and rotations (up to 10°) of each, drawn anew every epoch.', nb.viz.imageGrid(grid, { nrow: 8, padding: 2 }));
  grid.dispose();
  ctx.figure('augmentation-shifts', 'Test accuracy on digits shifted by 0–4 pixels: the network trained on augmented images keeps its accuracy, the other loses it quickly.',
    nb.viz.lineChart([{ name: 'trained without augmentation', values: plain, x: shifts, color: '#d55e00' }, { name: 'trained with shifts and rotations', values: aug, x: shifts, color: '#0072b2' }],
      { title: 'accuracy on shifted test digits', xLabel: 'shift (pixels)', yLabel: 'test accuracy', yMin: 0, yMax: 1 }));
  shifts.forEach((s, i) => ctx.number(`test accuracy, digits shifted ${s} px: without / with augmentation`, `${pct(plain[i]!)} / ${pct(aug[i]!)}`));
  ctx.check(aug[3]! > plain[3]! + 0.15, 'augmentation makes the network robust to shifts (3 pixels: at least 15 points better)', `${pct(plain[3]!)} → ${pct(aug[3]!)}`);
  ctx.check(aug[0]! > plain[0]! - 0.05, 'at little cost on unshifted digits', `${pct(plain[0]!)} vs ${pct(aug[0]!)}`);
}

const chapter: Chapter = {
  id: 'regularization',
  order: 4,
  title: 'Losses and regularization',
  section: '§4',
  claim:
    'Regularization trades fit on the training set for generalization. An L1 penalty λΣ|w| drives weights the data do ' +
    'not need to exactly zero (sparse weights), while L2, λ/2·Σw² or weight decay w ← (1 − ηλ)w − η∇, only shrinks them. ' +
    'Dropout, which silences random units while training, keeps a network from memorizing a small training set and ' +
    'narrows the gap between training and test loss. Data augmentation with small shifts and rotations makes an image ' +
    'classifier robust to them.',

  async run(ctx) {
    const n = ctx.short ? 1000 : 4000;
    const { train, test } = await nb.data.mnist({ limit: n + 1000, testLimit: ctx.short ? 1000 : 5000 });
    const flat = (d: Data): Data => ({ x: nb.reshape(d.x, [d.x.shape[0]!, 784]), y: d.y });
    const small = ctx.short ? 500 : 1000;
    ctx.log('L1 versus L2');
    await l1VersusL2(ctx, flat(rows(train, 0, n)), flat(test));
    ctx.log('dropout');
    await dropout(ctx, flat(rows(train, n, small)), flat(test));
    ctx.log('augmentation');
    await augmentation(ctx, rows(train, 0, n), test);
    nb.dispose([train.x, train.y, test.x, test.y]);
  },
};

export default chapter;
