import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';

const { fit, evaluate, predict, earlyStopping, lrScheduler } = nb.train;

function mlp(hidden = 16, classes = 2): nb.nn.Module {
  return nb.nn.sequential(nb.nn.linear(2, hidden), nb.nn.relu(), nb.nn.linear(hidden, hidden), nb.nn.relu(), nb.nn.linear(hidden, classes));
}

describe('fit', () => {
  it('learns a toy set (circle) to high accuracy, with validation metrics in the history', async () => {
    nb.seed(1);
    const { train, test } = nb.data.splitToy(nb.data.circle({ n: 400, seed: 2, noise: 0.05 }), 0.75, 3);
    const tr = nb.data.toyTensors(train);
    const te = nb.data.toyTensors(test);
    const model = mlp();
    const lines: string[] = [];
    const h = await fit(model, tr, { epochs: 25, batchSize: 32, optimizer: nb.optim.adam(0.02), validation: te, seed: 4, verbose: 2, log: (l) => lines.push(l) });
    expect(h.epochs.length).toBe(25);
    expect(h.metrics.loss!.length).toBe(25);
    const last = h.epochs[24]!;
    expect(last.accuracy).toBeGreaterThan(0.95);
    expect(last.val_accuracy).toBeGreaterThan(0.93);
    expect(last.loss).toBeLessThan(h.epochs[0]!.loss);
    expect(h.stepLoss.length).toBe(25 * Math.ceil(300 / 32));
    expect(lines.length).toBe(25);
    expect(lines[0]).toMatch(/^epoch {2}1\/25 · 10 batches · .*samples\/s · loss \d\.\d{4} · accuracy .* · val_loss .* · val_accuracy/);
    const ev = await evaluate(model, te);
    expect(ev.accuracy).toBeCloseTo(last.val_accuracy!, 10);
    expect(ev.loss).toBeCloseTo(last.val_loss!, 5);
    nb.dispose([tr, te]);
    model.dispose();
  });

  it('keeps nb.memory() flat across epochs (every step runs in tidy)', async () => {
    nb.seed(2);
    const data = nb.data.toyTensors(nb.data.xor({ n: 64, seed: 1 }));
    const model = mlp(8);
    const counts: number[] = [];
    const bytes: number[] = [];
    await fit(model, data, {
      epochs: 4,
      batchSize: 16,
      optimizer: nb.optim.sgd(0.05, { momentum: 0.9 }),
      validation: data,
      recordGradNorms: true,
      verbose: 0,
      callbacks: [{ onEpochEnd: () => void (counts.push(nb.memory().numTensors), bytes.push(nb.memory().numBytes)) }],
    });
    expect(counts.length).toBe(4);
    expect(new Set(counts).size).toBe(1);
    expect(new Set(bytes).size).toBe(1);
    const before = nb.memory().numTensors;
    const p = predict(model, data.x, { batchSize: 5 });
    expect(nb.memory().numTensors).toBe(before + 1);
    p.dispose();
    nb.dispose(data);
    model.dispose();
  });

  it('repeats exactly with the same seeds', async () => {
    const run = async (): Promise<number[]> => {
      nb.seed(7);
      const data = nb.data.toyTensors(nb.data.spiral({ n: 60, seed: 1 }));
      const model = mlp(8);
      const h = await fit(model, data, { epochs: 2, batchSize: 8, optimizer: nb.optim.adam(0.01), seed: 3, verbose: 0 });
      nb.dispose(data);
      model.dispose();
      return h.stepLoss;
    };
    const a = await run();
    const b = await run();
    expect(a).toEqual(b);
  });

  it('stops with a clear message when the loss becomes NaN', async () => {
    const data = nb.data.toyTensors(nb.data.xor({ n: 40 }));
    const model = mlp(4);
    let calls = 0;
    const lines: string[] = [];
    const nanAfter3 = (p: nb.Tensor, t: nb.Tensor): nb.Tensor => nb.nn.softmaxCrossEntropy(p, t).mul(++calls > 3 ? NaN : 1);
    const h = await fit(model, data, { epochs: 5, batchSize: 10, loss: nanAfter3, verbose: 2, log: (l) => lines.push(l) });
    expect(h.stopReason).toMatch(/the loss became NaN at epoch 1, batch 4/);
    expect(lines.at(-1)).toBe(h.stopReason);
    expect(h.stepLoss.length).toBe(4);
    expect(h.epochs.length).toBe(1);
    nb.dispose(data);
    model.dispose();
  });

  it('early stopping ends training when the monitored metric stalls, and can restore the best weights', async () => {
    const data = nb.data.toyTensors(nb.data.gaussian({ n: 32 }));
    const model = mlp(4);
    const h = await fit(model, data, {
      epochs: 10,
      batchSize: 32,
      optimizer: nb.optim.sgd(0),
      callbacks: [earlyStopping({ monitor: 'loss', patience: 1, minDelta: 1e-4, restoreBestWeights: true })],
      verbose: 0,
    });
    // Keras's count: patience 1 stops at the first epoch without improvement
    expect(h.epochs.length).toBe(2);
    expect(h.stopReason).toMatch(/early stopping: loss has not improved for 1 epoch \(best .* at epoch 1\); restored its weights/);
    await expect(fit(model, data, { epochs: 1, verbose: 0, callbacks: [earlyStopping({ monitor: 'val_loss' })] })).rejects.toThrow(/metric 'val_loss' is not in the epoch logs/);
    nb.dispose(data);
    model.dispose();
  });

  it('schedules the learning rate per epoch (function or nb.optim schedule) and per step', async () => {
    const data = nb.data.toyTensors(nb.data.xor({ n: 20 }));
    const model = mlp(4);
    const opt = nb.optim.sgd(0.1);
    const h = await fit(model, data, { epochs: 4, batchSize: 10, optimizer: opt, callbacks: [lrScheduler((e, lr) => (e === 0 ? lr : lr / 2))], verbose: 0 });
    expect(h.epochs.map((e) => e.lr)).toEqual([0.1, 0.05, 0.025, 0.0125]);
    const h2 = await fit(model, data, { epochs: 3, batchSize: 10, optimizer: opt, schedule: nb.optim.stepDecay(1, { factor: 0.1, every: 2 }), verbose: 0 });
    expect(h2.epochs.map((e) => e.lr)).toEqual([1, 1, 0.1]);
    const seen: number[] = [];
    await fit(model, data, {
      epochs: 2, batchSize: 10, optimizer: opt, schedule: nb.optim.lambdaSchedule((t) => 1 / (1 + t), { per: 'step' }), verbose: 0,
      callbacks: [{ onBatchEnd: (_l, ctx) => void seen.push(ctx.optimizer.lr) }],
    });
    expect(seen).toEqual([1, 1 / 2, 1 / 3, 1 / 4]);
    nb.dispose(data);
    model.dispose();
  });

  it('records each layer\'s gradient norm at every step', async () => {
    nb.seed(5);
    const data = nb.data.toyTensors(nb.data.circle({ n: 16 }));
    const model = nb.nn.sequential(nb.nn.linear(2, 3), nb.nn.sigmoid(), nb.nn.linear(3, 2));
    // learning rate 0: every step sees the same weights, so each norm equals a hand-computed one
    const h = await fit(model, data, { epochs: 2, batchSize: 16, shuffle: false, optimizer: nb.optim.sgd(0), recordGradNorms: true, verbose: 0 });
    const g = h.gradNorms!;
    expect(Object.keys(g.layers)).toEqual(['0', '2']);
    expect(Object.keys(g.parameters)).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
    expect(g.layers['0']!.length).toBe(2);
    nb.tidy(() => {
      nb.nn.softmaxCrossEntropy(model.call(data.x), data.y).backward();
      const norm = (ts: nb.Tensor[]): number => Math.sqrt(ts.reduce((s, t) => s + t.grad!.square().sum().item(), 0));
      const [w0, b0, w2, b2] = model.parameters() as [nb.Tensor, nb.Tensor, nb.Tensor, nb.Tensor];
      expect(g.layers['0']![1]).toBeCloseTo(norm([w0, b0]), 5);
      expect(g.layers['2']![0]).toBeCloseTo(norm([w2, b2]), 5);
      expect(g.parameters['2.bias']![0]).toBeCloseTo(norm([b2]), 5);
      model.zeroGrad();
    });
    nb.dispose(data);
    model.dispose();
  });

  it('predicts and evaluates in batches, equal to one big batch', async () => {
    nb.seed(3);
    const data = nb.data.toyTensors(nb.data.spiral({ n: 23, arms: 3 }));
    const model = mlp(5, 3);
    const whole = nb.noGrad(() => model.call(data.x));
    const p = predict(model, data.x, { batchSize: 4 });
    expect(p.shape).toEqual([23, 3]);
    const a = p.dataSync();
    const b = whole.dataSync();
    for (let i = 0; i < a.length; i++) expect(a[i]).toBeCloseTo(b[i]!, 5);
    const ev = await evaluate(model, data, { batchSize: 6 });
    expect(ev.loss).toBeCloseTo(nb.nn.softmaxCrossEntropy(whole, data.y).item(), 5);
    expect(ev.accuracy).toBeCloseTo(nb.nn.accuracy(whole, data.y), 10);
    expect(ev.samples).toBe(23);
    nb.dispose([data, p, whole]);
    model.dispose();
  });

  it('rejects bad data and options with clear errors', async () => {
    const model = mlp(2);
    await expect(fit(model, { x: nb.zeros([4, 2]), y: nb.zeros([3], { dtype: 'int32' }) })).rejects.toThrow(/fit: x \[4,2\] has 4 samples but y \[3\] has 3/);
    await expect(fit(model, { x: nb.zeros([4, 2]), y: nb.zeros([4], { dtype: 'int32' }) }, { batchSize: 0 })).rejects.toThrow('fit: batchSize must be an integer ≥ 1, got 0');
    await expect(fit(model, { x: nb.zeros([4, 2]), y: nb.zeros([4], { dtype: 'int32' }) }, { loss: (p) => p, verbose: 0 })).rejects.toThrow(/the loss must be a scalar/);
    model.dispose();
  });
});

describe('modelCheckpoint', () => {
  it('saves after improving epochs only, with the epoch logs as metadata', async () => {
    const { mkdtempSync, rmSync, existsSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join(tmpdir(), 'nabla-ckpt-'));
    try {
      nb.seed(4);
      const data = nb.data.toyTensors(nb.data.gaussian({ n: 40, seed: 2 }));
      const model = mlp(4);
      const saved: number[] = [];
      const h = await fit(model, data, {
        epochs: 4, batchSize: 40, optimizer: nb.optim.adam(0.05), verbose: 0,
        callbacks: [
          nb.train.modelCheckpoint((e) => join(dir, `e${e + 1}.nabla`), { monitor: 'loss', saveBestOnly: true }),
          { onEpochEnd: (l) => void (existsSync(join(dir, `e${l.epoch + 1}.nabla`)) && saved.push(l.epoch + 1)) },
        ],
      });
      // full-batch Adam on separable clusters lowers the loss every epoch: every epoch is saved
      const losses = h.epochs.map((e) => e.loss);
      expect(losses.every((l, i) => i === 0 || l < losses[i - 1]!)).toBe(true);
      expect(saved).toEqual([1, 2, 3, 4]);
      const { model: last, metadata } = await nb.io.loadFile(join(dir, 'e4.nabla'));
      expect(metadata.loss).toBe(losses[3]);
      const a = predict(model, data.x).dataSync();
      const b = predict(last, data.x).dataSync();
      expect(Array.from(b)).toEqual(Array.from(a));
      // with lr 0 nothing improves after the first epoch: only e1 is written
      const dir2 = join(dir, 'flat');
      (await import('node:fs')).mkdirSync(dir2);
      await fit(model, data, { epochs: 3, batchSize: 40, shuffle: false, optimizer: nb.optim.sgd(0), verbose: 0, callbacks: [nb.train.modelCheckpoint((e) => join(dir2, `e${e + 1}.nabla`), { monitor: 'loss', saveBestOnly: true })] });
      expect((await import('node:fs')).readdirSync(dir2).sort()).toEqual(['e1.nabla']);
      model.dispose();
      last.dispose();
      nb.dispose(data);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('backends', () => {
  it('moves batches to the backend the model lives on', async () => {
    const before = nb.getBackend().name;
    nb.setBackend('cpu');
    const data = nb.data.toyTensors(nb.data.xor({ n: 32, seed: 3 }));
    expect(data.x.backend.name).toBe('cpu');
    nb.setBackend('wasm');
    try {
      nb.seed(1);
      const model = mlp(8);
      const h = await fit(model, data, { epochs: 2, batchSize: 8, validation: data, verbose: 0 });
      expect(h.epochs.length).toBe(2);
      expect(Number.isFinite(h.epochs[1]!.val_loss)).toBe(true);
      const p = predict(model, data.x);
      expect(p.backend).toBe(model.parameters()[0]!.backend);
      p.dispose();
      model.dispose();
    } finally {
      nb.setBackend(before);
      nb.dispose(data);
    }
  });
});
