import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';

// fit's validationSplit (Keras semantics): the last fraction of the samples, taken before any
// shuffling, is held out and evaluated after every epoch as validation data.

function data(n: number): { x: nb.Tensor; y: nb.Tensor } {
  nb.seed(1);
  const x = nb.randn([n, 2]);
  const y = x.sum(1, true);
  return { x, y };
}

function model(): nb.nn.Module {
  nb.seed(2);
  return nb.nn.sequential(nb.nn.linear(2, 1));
}

describe('fit: validationSplit', () => {
  it('holds out the last fraction of the samples, exactly as an explicit validation set would', async () => {
    const d = data(10);
    const opts = { epochs: 3, batchSize: 4, loss: nb.nn.mse, verbose: 0 as const, seed: 5 };
    const a = await nb.train.fit(model(), d, { ...opts, validationSplit: 0.3 });
    // Keras: split_at = floor(10 · (1 − 0.3)) = 7 training samples, the last 3 for validation
    const train = { x: d.x.slice([0], [7]), y: d.y.slice([0], [7]) };
    const val = { x: d.x.slice([7], [3]), y: d.y.slice([7], [3]) };
    const b = await nb.train.fit(model(), train, { ...opts, validation: val });
    expect(a.epochs.map((e) => e.samples)).toEqual([7, 7, 7]);
    expect(a.metrics.val_loss).toEqual(b.metrics.val_loss);
    expect(a.metrics.loss).toEqual(b.metrics.loss);
    expect(a.metrics.val_loss!.length).toBe(3);
  });

  it('leaves no tensors behind', async () => {
    const d = data(20);
    const m = model();
    const before = nb.memory().numTensors;
    await nb.train.fit(m, d, { epochs: 2, loss: nb.nn.mse, optimizer: nb.optim.sgd(0.1), verbose: 0, validationSplit: 0.25 });
    expect(nb.memory().numTensors).toBe(before);
  });

  it('is refused with validation, outside (0, 1), or when a side would be empty', async () => {
    const d = data(10);
    const m = model();
    const fit = (o: object): Promise<unknown> => nb.train.fit(m, d, { loss: nb.nn.mse, verbose: 0, ...o });
    await expect(fit({ validationSplit: 0.2, validation: d })).rejects.toThrow('fit: give validationSplit or validation, not both (validationSplit holds out the last samples of data as the validation set)');
    await expect(fit({ validationSplit: 0 })).rejects.toThrow('fit: validationSplit must be a finite number > 0 and < 1, got 0');
    await expect(fit({ validationSplit: 1 })).rejects.toThrow('fit: validationSplit must be a finite number > 0 and < 1, got 1');
    await expect(fit({ validationSplit: '0.2' })).rejects.toThrow('fit: validationSplit must be a finite number > 0 and < 1, got string "0.2"');
    await expect(fit({ validationSplit: 1e-17 })).rejects.toThrow('fit: validationSplit 1e-17 of 10 samples leaves no validation sample');
    await expect(fit({ validationSplit: 0.99 })).rejects.toThrow('fit: validationSplit 0.99 of 10 samples leaves no training sample');
  });
});
