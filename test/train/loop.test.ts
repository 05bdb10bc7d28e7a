import { describe, expect, it, vi } from 'vitest';
import * as nb from '../../src/index.js';

function regression(): { x: nb.Tensor; y: nb.Tensor } {
  nb.seed(1);
  const x = nb.randn([64, 3]);
  const y = nb.tidy(() => nb.matmul(x, nb.tensor([[1], [-2], [0.5]])).add(0.3));
  return { x, y };
}

describe('nb.train.loop', () => {
  it('trains a small model with a step the user writes', async () => {
    const data = regression();
    nb.seed(0);
    const model = nb.nn.linear(3, 1);
    const opt = nb.optim.adam(model.parameters(), { lr: 0.05 });
    const h = await nb.train.loop(data, ({ x, y }) => {
      const loss = nb.nn.mse(model.call(x), y!);
      loss.backward();
      opt.step();
      opt.zeroGrad();
      return loss;
    }, { epochs: 30, batchSize: 16, verbose: 0, model, optimizer: opt });
    expect(h.epochs).toHaveLength(30);
    expect(h.stepLoss).toHaveLength(30 * 4);
    expect(h.metrics.loss![29]!).toBeLessThan(0.05 * h.metrics.loss![0]!);
    expect(h.epochs[0]!.lr).toBe(0.05);
    nb.dispose([data.x, data.y]);
    model.dispose();
  });

  it('two models, two optimizers, several named losses (a GAN-shaped step)', async () => {
    nb.seed(0);
    const x = nb.randn([32, 4]);
    const g = nb.nn.linear(2, 4);
    const d = nb.nn.sequential(nb.nn.linear(4, 1));
    const optG = nb.optim.adam(g.parameters(), { lr: 1e-3 });
    const optD = nb.optim.adam([{ params: d.parameters(), lr: 2e-3 }]);
    const lines: string[] = [];
    const h = await nb.train.loop(x, ({ x: real }) => {
      const n = real.shape[0]!;
      const fake = g.call(nb.randn([n, 2]));
      const dLoss = nb.add(nb.nn.binaryCrossEntropyWithLogits(d.call(real), nb.ones([n, 1])), nb.nn.binaryCrossEntropyWithLogits(d.call(fake.detach()), nb.zeros([n, 1])));
      dLoss.backward();
      optD.step();
      optD.zeroGrad();
      const gLoss = nb.nn.binaryCrossEntropyWithLogits(d.call(fake), nb.ones([n, 1]));
      gLoss.backward();
      optG.step();
      optG.zeroGrad();
      optD.zeroGrad();
      return { d: dLoss, g: gLoss, extra: 1 };
    }, { epochs: 2, batchSize: 8, verbose: 2, log: (l) => lines.push(l) });
    expect(Object.keys(h.metrics)).toEqual(expect.arrayContaining(['loss', 'g', 'extra']));
    expect(h.metrics.loss).toEqual(h.stepLoss.length ? h.metrics.loss : []);
    expect(h.metrics.extra).toEqual([1, 1]);
    expect(lines[0]).toMatch(/epoch 1\/2 · 4 batches .* loss \d\.\d{4} · g \d\.\d{4} · extra 1\.0000/);
    nb.dispose([x]);
    g.dispose();
    d.dispose();
  });

  it('keeps memory flat over epochs', async () => {
    const data = regression();
    nb.seed(0);
    const model = nb.nn.sequential(nb.nn.linear(3, 8), nb.nn.relu(), nb.nn.linear(8, 1));
    const opt = nb.optim.adam(model.parameters(), { lr: 1e-2 });
    const live: number[] = [];
    await nb.train.loop(data, ({ x, y }) => {
      const loss = nb.nn.mse(model.call(x), y!);
      loss.backward();
      opt.step();
      opt.zeroGrad();
      return { loss };
    }, { epochs: 6, batchSize: 16, verbose: 0, leakCheck: 'throw', callbacks: [{ onEpochEnd: () => void live.push(nb.memory().numTensors) }] });
    expect(new Set(live.slice(1)).size).toBe(1);
    nb.dispose([data.x, data.y]);
    model.dispose();
  });

  it('iterates an iterable of batches, afresh every epoch', async () => {
    const batches = [nb.ones([2, 1]), nb.ones([3, 1])];
    const sizes: number[] = [];
    const h = await nb.train.loop(batches, ({ x }, info) => {
      sizes.push(x.shape[0]!);
      return { loss: info.step };
    }, { epochs: 2, verbose: 0 });
    expect(sizes).toEqual([2, 3, 2, 3]);
    expect(h.stepLoss).toEqual([0, 1, 2, 3]);
    expect(h.metrics.loss).toEqual([(0 * 2 + 1 * 3) / 5, (2 * 2 + 3 * 3) / 5]);
    nb.dispose(batches);
  });

  it('stops on a NaN loss, naming it', async () => {
    const x = nb.ones([8, 1]);
    const h = await nb.train.loop(x, (_b, info) => ({ d: 1, g: info.step === 2 ? NaN : 0 }), { epochs: 3, batchSize: 2, verbose: 0 });
    expect(h.nanStop).toMatchObject({ epoch: 0, batch: 2, step: 2 });
    expect(h.stopReason).toMatch(/the g became NaN at epoch 1, batch 3/);
    x.dispose();
  });

  it('runs callbacks: early stopping and checkpoints see the model', async () => {
    const x = nb.ones([4, 1]);
    const model = nb.nn.linear(1, 1);
    let e = 0;
    const h = await nb.train.loop(x, () => ({ loss: e }), {
      epochs: 10, batchSize: 4, verbose: 0, model,
      callbacks: [{ onEpochEnd: () => void (e += 1) }, nb.train.earlyStopping({ monitor: 'loss', patience: 1, restoreBestWeights: true })],
    });
    expect(h.epochs.length).toBe(2);
    expect(h.restoredEpoch).toBe(0);
    x.dispose();
    model.dispose();
  });

  it('gives clear errors', async () => {
    const x = nb.ones([4, 1]);
    await expect(nb.train.loop(x, (() => nb.ones([2])) as nb.train.StepFn, { verbose: 0 })).rejects.toThrow(/loop: step\(batch\)\.loss must be a scalar, got \[2\]/);
    await expect(nb.train.loop(x, (() => Promise.resolve(1)) as unknown as nb.train.StepFn, { verbose: 0 })).rejects.toThrow(/loop: step must be synchronous/);
    await expect(nb.train.loop(x, (() => ({ d: 'a' })) as unknown as nb.train.StepFn, { verbose: 0 })).rejects.toThrow(/loop: step\(batch\)\.d must be a scalar Tensor or a number/);
    await expect(nb.train.loop(x, () => { throw new Error('boom'); }, { verbose: 0 })).rejects.toThrow('loop: epoch 1, batch 1: boom');
    await expect(nb.train.loop({ x, y: nb.ones([3]) }, () => 0 as never, { verbose: 0 })).rejects.toThrow(/loop: data\.x \[4,1\] has 4 samples but data\.y \[3\] has 3/);
    await expect(nb.train.loop(x, () => ({ loss: 0 }), { verbose: 0, schedule: nb.optim.stepDecay(0.1, { factor: 0.5, every: 1 }) })).rejects.toThrow(/loop: a schedule needs the optimizer/);
    await expect(nb.train.loop(x, () => ({ loss: 0 }), { verbose: 0, batchSize: 1, callbacks: [nb.train.modelCheckpoint('/tmp/x.nabla')] })).rejects.toThrow(/loop: a callback uses ctx\.model; pass the model option/);
    await expect(nb.train.loop(x, () => ({ loss: 0 }), { verbose: 0, epochz: 2 } as never)).rejects.toThrow(/loop: .*epochz/);
    x.dispose();
  });

  it('finds a step that keeps tensors (leak check)', async () => {
    const x = nb.ones([8, 1]);
    const kept: nb.Tensor[] = [];
    await expect(nb.train.loop(x, ({ x: b }) => {
      kept.push(nb.keep(b.mul(2)));
      return { loss: 0 };
    }, { batchSize: 2, verbose: 0, leakCheck: 'throw' })).rejects.toThrow(/loop: epoch 1, batch 3: 1 tensors outlived the steps since batch 2 \(live tensors grew from \d+ to \d+\)/);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    await nb.train.loop(x, ({ x: b }) => {
      kept.push(nb.keep(b.mul(2)));
      return { loss: 0 };
    }, { batchSize: 2, verbose: 0 });
    expect(warn).toHaveBeenCalledTimes(1);
    warn.mockRestore();
    nb.dispose([...kept, x]);
  });
});
