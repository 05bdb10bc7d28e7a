/**
 * Training safety: labels are checked once per data set before the first step, and a NaN stop
 * ends training cleanly — no callback saves or compares NaN, the last good checkpoint is named,
 * and earlyStopping can put the best weights back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as nb from '../../src/index.js';

const { fit, evaluate, earlyStopping, reduceLROnPlateau, modelCheckpoint } = nb.train;

let prev = '';
beforeAll(() => {
  prev = nb.getBackend().name;
  nb.setBackend('cpu');
});
afterAll(() => nb.setBackend(prev));

function mlp(classes = 2): nb.nn.Module {
  return nb.nn.sequential(nb.nn.linear(2, 8), nb.nn.relu(), nb.nn.linear(8, classes));
}

/** The model's weights as plain numbers, in parameter order. */
function weights(model: { parameters(): nb.Tensor[] }): number[][] {
  return model.parameters().map((p) => Array.from(p.dataSync() as ArrayLike<number>, Number));
}

const allFinite = (ws: number[][]): boolean => ws.every((w) => w.every(Number.isFinite));

describe('labels are checked once per data set, before the first step', () => {
  it('fit names the data set, the index and the value; the weights stay untouched', async () => {
    nb.seed(1);
    const model = mlp(3);
    const before = weights(model);
    const x = nb.randn([8, 2]);
    await expect(fit(model, { x, y: nb.tensor([0, 1, 2, 0, 1, 2, 0, 10], { dtype: 'int32' }) }, { verbose: 0, batchSize: 4 }))
      .rejects.toThrow("fit: y[7] is 10, but the model's outputs have 3 classes (labels must be integers in [0, 3))");
    expect(weights(model)).toEqual(before);
    await expect(fit(model, { x, y: nb.tensor([0.9, 2.9, 0, 0, 1, 1, 2, 2]) }, { verbose: 0 }))
      .rejects.toThrow('fit: y[0] is 0.9, not an integer (labels must be integers in [0, 3))');
    const good = nb.tensor([0, 1, 2, 0, 1, 2, 0, 1], { dtype: 'int32' });
    await expect(fit(model, { x, y: good }, { verbose: 0, validation: { x, y: nb.tensor([0, 1, 2, -1, 0, 0, 0, 0], { dtype: 'int32' }) } }))
      .rejects.toThrow("fit: validation.y[3] is -1, but the model's outputs have 3 classes");
    expect(weights(model)).toEqual(before);
    await expect(evaluate(model, { x, y: nb.tensor([0, 1, 2, 0, 1, 2, 3, 1], { dtype: 'int32' }) }))
      .rejects.toThrow("evaluate: y[6] is 3, but the model's outputs have 3 classes");
    model.dispose();
  });

  it('on a backend without synchronous reads, fit and evaluate read each label set once, not per step', async () => {
    const downloads: number[] = [];
    nb.registerBackend('cpu-async', () => {
      const be = nb.getBackend();
      const proto = Object.getPrototypeOf(be) as nb.Backend;
      return Object.assign(Object.create(proto) as nb.Backend, be, {
        name: 'cpu-async',
        downloadSync: undefined,
        download: (t: { size: number }) => {
          downloads.push(t.size);
          return Promise.resolve(proto.downloadSync!.call(be, t as never));
        },
      });
    });
    nb.setBackend('cpu-async');
    try {
      nb.seed(2);
      const model = mlp(3);
      const x = nb.randn([40, 2]);
      const vx = nb.randn([30, 2]);
      const y = nb.randint(0, 3, [40]);
      const vy = nb.randint(0, 3, [30]);
      // the loss itself cannot read labels here: the data-set check is what catches a bad one
      await expect(fit(model, { x, y: nb.concat([y.slice([0], [39]), nb.tensor([7], { dtype: 'int32' })]) }, { verbose: 0 }))
        .rejects.toThrow("fit: y[39] is 7, but the model's outputs have 3 classes");
      downloads.length = 0;
      const h = await fit(model, { x, y }, { epochs: 3, batchSize: 10, validation: { x: vx, y: vy }, verbose: 0 });
      expect(h.epochs.length).toBe(3);
      expect(downloads.filter((s) => s === 40).length).toBe(1);
      expect(downloads.filter((s) => s === 30).length).toBe(1);
      expect(downloads.every((s) => s === 1 || s === 40 || s === 30)).toBe(true);
      model.dispose();
    } finally {
      nb.setBackend('cpu');
    }
  });

  it('one-hot targets of the wrong width fail clearly in fit', async () => {
    const model = mlp(3);
    await expect(fit(model, { x: nb.zeros([4, 2]), y: nb.zeros([4, 2]) }, { verbose: 0 }))
      .rejects.toThrow('softmaxCrossEntropy: targets must be int32 labels [4] or one-hot/probabilities [4, 3], got [4,2]');
    model.dispose();
  });
});

describe('a NaN stop with callbacks', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'nabla-nan-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Sets a huge learning rate at the start of epoch `epoch` (0-based): the loss turns NaN in it. */
  const blowUpAt = (epoch: number): nb.train.Callback => ({ onEpochBegin: (e, ctx) => void (e === epoch && (ctx.optimizer.lr = 1e38)) });
  /** Records the weights at the end of every epoch (call it before the callbacks under test). */
  const recorder = (store: number[][][]): nb.train.Callback => ({ onEpochEnd: (_l, ctx) => void store.push(weights(ctx.model)) });

  const setup = (): { data: nb.train.Data; model: nb.nn.Module } => {
    nb.seed(1);
    return { data: nb.data.toyTensors(nb.data.gaussian({ n: 40, seed: 2 })), model: mlp() };
  };
  const common = { epochs: 6, batchSize: 10, seed: 1, verbose: 0 as const };

  it('modelCheckpoint keeps the last good checkpoint on disk and fit names it', async () => {
    const { data, model } = setup();
    const file = join(dir, 'every.nabla');
    const seen: number[][][] = [];
    const flags: (boolean | undefined)[] = [];
    const h = await fit(model, data, {
      ...common,
      optimizer: nb.optim.sgd(0.05),
      callbacks: [blowUpAt(2), recorder(seen), modelCheckpoint(file), { onEpochEnd: (_l, ctx) => void flags.push(ctx.nanStop !== undefined) }],
    });
    expect(h.stopReason).toMatch(/^stopped: the loss became NaN at epoch 3, batch \d; try a smaller learning rate; the last good checkpoint is .*every\.nabla \(epoch 2\)$/);
    expect(h.lastGoodCheckpoint).toEqual({ path: file, epoch: 1 });
    expect(h.nanStop).toMatchObject({ epoch: 2 });
    expect(flags).toEqual([false, false, true]);
    expect(allFinite(seen[2]!)).toBe(false); // the model itself went NaN…
    const saved = await nb.io.load(file);
    expect(allFinite(weights(saved))).toBe(true); // …but the file still holds epoch 2's weights
    expect(weights(saved)).toEqual(seen[1]);
    saved.dispose();
    model.dispose();
    nb.dispose(data);
  });

  it('modelCheckpoint with saveBestOnly on val_loss does not fail and keeps the best file', async () => {
    const { data, model } = setup();
    const seen: number[][][] = [];
    const h = await fit(model, data, {
      ...common,
      optimizer: nb.optim.sgd(0.05),
      validation: data,
      callbacks: [blowUpAt(3), recorder(seen), modelCheckpoint((e) => join(dir, `best-${e + 1}.nabla`), { saveBestOnly: true })],
    });
    expect(h.stopReason).toMatch(/the loss became NaN at epoch 4, .*; the last good checkpoint is .*best-3\.nabla \(epoch 3\)$/);
    expect(h.epochs[3]!.val_loss).toBeUndefined();
    const files = readdirSync(dir).filter((f) => f.startsWith('best-')).sort();
    expect(files).toEqual(['best-1.nabla', 'best-2.nabla', 'best-3.nabla']);
    const saved = await nb.io.load(join(dir, 'best-3.nabla'));
    expect(weights(saved)).toEqual(seen[2]);
    saved.dispose();
    model.dispose();
    nb.dispose(data);
  });

  it('earlyStopping on val_loss with restoreBestWeights puts the best finite weights back', async () => {
    const { data, model } = setup();
    const seen: number[][][] = [];
    const lines: string[] = [];
    const h = await fit(model, data, {
      ...common,
      verbose: 2,
      log: (l) => lines.push(l),
      optimizer: nb.optim.sgd(0.05),
      validation: data,
      callbacks: [blowUpAt(3), recorder(seen), earlyStopping({ monitor: 'val_loss', patience: 5, restoreBestWeights: true })],
    });
    expect(h.stopReason).toMatch(/the loss became NaN at epoch 4/);
    const best = h.epochs.slice(0, 3).reduce((b, e) => (e.val_loss! < h.epochs[b]!.val_loss! ? e.epoch : b), 0);
    expect(h.restoredEpoch).toBe(best);
    expect(weights(model)).toEqual(seen[best]);
    expect(lines.some((l) => l.startsWith(`earlyStopping: restored the weights of epoch ${best + 1} (val_loss `))).toBe(true);
    model.dispose();
    nb.dispose(data);
  });

  it('reduceLROnPlateau on val_loss ignores the NaN epoch', async () => {
    const { data, model } = setup();
    const opt = nb.optim.sgd(0.05);
    const h = await fit(model, data, { ...common, optimizer: opt, validation: data, callbacks: [blowUpAt(1), reduceLROnPlateau({ patience: 0 })] });
    expect(h.stopReason).toMatch(/the loss became NaN at epoch 2/);
    expect(opt.lr).toBe(1e38); // unchanged by the plateau logic
    model.dispose();
    nb.dispose(data);
  });

  it('a NaN before any checkpoint says so', async () => {
    const { data, model } = setup();
    const file = join(dir, 'never.nabla');
    const h = await fit(model, data, { ...common, optimizer: nb.optim.sgd(0.05), callbacks: [blowUpAt(0), modelCheckpoint(file)] });
    expect(h.stopReason).toMatch(/the loss became NaN at epoch 1, .*; no checkpoint was saved before it$/);
    expect(h.lastGoodCheckpoint).toBeUndefined();
    expect(existsSync(file)).toBe(false);
    model.dispose();
    nb.dispose(data);
  });

  it('modelCheckpoint does not write non-finite weights even when the loss was still finite', async () => {
    const { data, model } = setup();
    let step = 0;
    // a finite loss whose gradient is NaN at the last step of epoch 2: the weights go NaN, the loss read does not
    const poison = (p: nb.Tensor, t: nb.Tensor): nb.Tensor => {
      const l = nb.nn.softmaxCrossEntropy(p, t);
      return ++step === 8 ? l.add(nb.sqrt(p.sub(p.detach())).sum().mul(0)) : l;
    };
    const files: string[] = [];
    const lines: string[] = [];
    const h = await fit(model, data, {
      ...common, verbose: 2, log: (l) => lines.push(l), loss: poison, metrics: ['accuracy'], optimizer: nb.optim.sgd(0.05), shuffle: false,
      callbacks: [modelCheckpoint((e) => (files.push(`c${e + 1}`), join(dir, `poison-${e + 1}.nabla`)))],
    });
    expect(h.stopReason).toMatch(/the loss became NaN at epoch 3, batch 1; .*the last good checkpoint is .*poison-1\.nabla \(epoch 1\)$/);
    expect(existsSync(join(dir, 'poison-2.nabla'))).toBe(false);
    expect(lines.some((l) => /^modelCheckpoint: not saving epoch 2: the weights are not finite/.test(l))).toBe(true);
    model.dispose();
    nb.dispose(data);
  });
});

describe('earlyStopping restoreBestWeights at the end of training', () => {
  it('restores the best epoch when training runs to the end without stopping early', async () => {
    nb.seed(3);
    const data = nb.data.toyTensors(nb.data.gaussian({ n: 20, seed: 1 }));
    const model = mlp();
    const seen: number[][][] = [];
    // a loss scaled per epoch so that epoch 2 is the best, whatever the weights do
    let epoch = 0;
    const scale = [3, 1, 2, 2.5];
    const loss = (p: nb.Tensor, t: nb.Tensor): nb.Tensor => nb.nn.softmaxCrossEntropy(p, t).mul(scale[epoch]!);
    const h = await fit(model, data, {
      epochs: 4, batchSize: 10, optimizer: nb.optim.sgd(0.05), loss, verbose: 0,
      callbacks: [
        { onEpochBegin: (e) => void (epoch = e) },
        { onEpochEnd: (_l, ctx) => void seen.push(weights(ctx.model)) },
        earlyStopping({ monitor: 'loss', patience: 10, restoreBestWeights: true }),
      ],
    });
    expect(h.stopReason).toBeUndefined();
    expect(h.restoredEpoch).toBe(1);
    expect(weights(model)).toEqual(seen[1]);
    expect(weights(model)).not.toEqual(seen[3]);
    model.dispose();
    nb.dispose(data);
  });
});
