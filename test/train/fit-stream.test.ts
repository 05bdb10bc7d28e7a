import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';

// fit over an iterable (sync or async) of { x, y } batches: streaming data that does not fit in
// memory, like TF.js's fitDataset and PyTorch's DataLoader.

function data(n: number): { x: nb.Tensor; y: nb.Tensor } {
  nb.seed(1);
  const x = nb.randn([n, 2]);
  return { x, y: x.sum(1, true) };
}
function model(): nb.nn.Module {
  nb.seed(2);
  return nb.nn.sequential(nb.nn.linear(2, 1));
}
const OPTS = { loss: nb.nn.mse, verbose: 0 as const };

/** An async iterable that makes each batch anew (as a file reader would), every time it is iterated. */
function batchesOf(d: { x: nb.Tensor; y: nb.Tensor }, batchSize: number): AsyncIterable<{ x: nb.Tensor; y: nb.Tensor }> {
  return {
    async *[Symbol.asyncIterator]() {
      for (const b of nb.data.batches(d, { batchSize })) {
        await new Promise((r) => setTimeout(r, 0));
        yield { x: b.x, y: b.y };
      }
    },
  };
}

describe('fit over an iterable of batches', () => {
  it('trains exactly as fit over the same batches in memory', async () => {
    const d = data(24);
    const [ma, mb] = [model(), model()];
    const a = await nb.train.fit(ma, d, { ...OPTS, epochs: 3, batchSize: 8, shuffle: false, optimizer: nb.optim.sgd(0.1) });
    const b = await nb.train.fit(mb, batchesOf(d, 8), { ...OPTS, epochs: 3, optimizer: nb.optim.sgd(0.1) });
    // disposed here, not left to the garbage collector, whose timing would move the next test's tensor count
    for (const t of [d.x, d.y]) t.dispose();
    ma.dispose();
    mb.dispose();
    expect(b.stepLoss).toEqual(a.stepLoss);
    expect(b.metrics.loss).toEqual(a.metrics.loss);
    expect(b.epochs.map((e) => e.samples)).toEqual([24, 24, 24]);
  });

  it('disposes every streamed batch, through shuffleBuffer and prefetch, and validates each epoch', async () => {
    const d = data(40);
    const val = data(10);
    const m = model();
    const before = nb.memory().numTensors;
    const stream = nb.data.prefetch(nb.data.shuffleBuffer(batchesOf(d, 5), 4, { seed: 1 }), 2);
    const h = await nb.train.fit(m, stream, { ...OPTS, epochs: 4, optimizer: nb.optim.sgd(0.05), validation: val });
    expect(nb.memory().numTensors).toBe(before);
    expect(h.metrics.val_loss!.length).toBe(4);
    expect(h.metrics.loss!.at(-1)!).toBeLessThan(h.metrics.loss![0]!);
  });

  it('takes sync iterables, and an Array of batches whose tensors it leaves alone', async () => {
    const d = data(12);
    const list = [...nb.data.batches(d, { batchSize: 4 })].map((b) => ({ x: b.x, y: b.y }));
    const h = await nb.train.fit(model(), list, { ...OPTS, epochs: 2 });
    expect(h.epochs.length).toBe(2);
    expect(list.every((b) => !b.x.isDisposed && !b.y.isDisposed)).toBe(true);
    const sync = { *[Symbol.iterator]() { for (const b of nb.data.batches(d, { batchSize: 6 })) yield { x: b.x, y: b.y }; } };
    expect((await nb.train.fit(model(), sync, { ...OPTS, epochs: 2 })).stepLoss.length).toBe(4);
    for (const t of [d.x, d.y, ...list.flatMap((b) => [b.x, b.y])]) t.dispose();
  });

  it('stops a stream early without leaking its batches (a callback stops after 2 batches)', async () => {
    const d = data(40);
    const m = model();
    const before = nb.memory().numTensors;
    const stop: nb.train.Callback = { onBatchEnd: (logs, ctx) => { if (logs.batch === 1) ctx.stop('enough'); } };
    const h = await nb.train.fit(m, nb.data.prefetch(batchesOf(d, 4), 3), { ...OPTS, epochs: 3, callbacks: [stop], optimizer: nb.optim.sgd(0.1) });
    expect(h.stopReason).toBe('enough');
    expect(h.stepLoss.length).toBe(2);
    expect(nb.memory().numTensors).toBe(before);
  });

  it('says what is wrong with a stream', async () => {
    const d = data(8);
    function* once(): Generator<{ x: nb.Tensor; y: nb.Tensor }> {
      for (const b of nb.data.batches(d, { batchSize: 4 })) yield { x: b.x, y: b.y };
    }
    await expect(nb.train.fit(model(), once(), { ...OPTS, epochs: 2 })).rejects.toThrow(/^fit: data gave no batches in epoch 2: a generator runs once; pass an iterable that starts over/);
    await expect(nb.train.fit(model(), [], OPTS)).rejects.toThrow('fit: data gave no batches');
    await expect(nb.train.fit(model(), [3] as never, OPTS)).rejects.toThrow('fit: data[0] must be an object { x, y } of Tensors, got 3');
    await expect(nb.train.fit(model(), [{ x: d.x, y: nb.zeros([3, 1]) }], OPTS)).rejects.toThrow('fit: data[0].x [8,2] has 8 samples but data[0].y [3,1] has 3');
    await expect(nb.train.fit(model(), batchesOf(d, 4), { ...OPTS, validationSplit: 0.2 })).rejects.toThrow('fit: validationSplit needs the data as tensors { x, y }; with an iterable of batches, give validation instead');
  });
});
