import { afterEach, describe, expect, it, vi } from 'vitest';
import * as nb from '../../src/index.js';
import { resetLeakWatch } from '../../src/engine.js';

// A hand-written training loop without nb.tidy leaks every tensor a step creates; the optimizer
// notices the number of tensors outside any tidy scope growing from step to step and warns once.

function setup(): { model: nb.nn.Module; x: nb.Tensor; y: nb.Tensor } {
  nb.seed(0);
  const model = nb.nn.sequential(nb.nn.linear(2, 4), nb.nn.relu(), nb.nn.linear(4, 1));
  return { model, x: nb.tensor([[0, 0], [0, 1], [1, 0], [1, 1]]), y: nb.tensor([[0], [1], [1], [0]]) };
}

function leakyLoop(steps: number): void {
  const { model, x, y } = setup();
  const opt = nb.optim.sgd(model.parameters(), { lr: 0.1 });
  for (let i = 0; i < steps; i++) {
    const loss = nb.nn.mse(model.call(x), y); // the leaky line: nothing here is ever disposed
    loss.backward();
    opt.step();
    opt.zeroGrad();
  }
}

function tidyLoop(steps: number): number[] {
  const { model, x, y } = setup();
  const opt = nb.optim.sgd(model.parameters(), { lr: 0.1 });
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) {
    losses.push(nb.tidy(() => {
      const loss = nb.nn.mse(model.call(x), y);
      loss.backward();
      opt.step();
      opt.zeroGrad();
      return loss.item();
    }));
  }
  return losses;
}

describe('the leak warning of hand-written training loops', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    nb.debug.trackLeaks(false);
    resetLeakWatch();
  });

  it('warns once for a loop without tidy, saying to wrap the step in nb.tidy', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const before = nb.memory().numTensors;
    leakyLoop(40);
    expect(nb.memory().numTensors - before).toBeGreaterThan(40 * 10); // the leak itself
    expect(warn).toHaveBeenCalledTimes(1);
    const msg = String(warn.mock.calls[0]![0]);
    expect(msg).toMatch(/^nabla: \d+ tensors live outside any nb\.tidy scope, \d+ more than 12 optimizer steps ago/);
    expect(msg).toContain('Wrap each step in nb.tidy');
    expect(msg).toContain('nb.debug.trackLeaks(true)');
  });

  it('stays silent for the tidy loop, which keeps the number of tensors flat', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const before = nb.memory().numTensors;
    const losses = tidyLoop(60);
    expect(warn).not.toHaveBeenCalled();
    expect(losses.at(-1)!).toBeLessThan(losses[0]!);
    // the model (4 parameters) and the data (2 tensors) remain
    expect(nb.memory().numTensors - before).toBe(6);
  });

  it('stays silent for fit', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const { model, x, y } = setup();
    await nb.train.fit(model, { x, y }, { epochs: 30, batchSize: 1, loss: nb.nn.mse, verbose: 0 });
    expect(warn).not.toHaveBeenCalled();
  });

  it('in debug mode names the source lines that created the surviving tensors', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    expect(nb.debug.trackLeaks(true)).toBe(false);
    leakyLoop(40);
    expect(warn).toHaveBeenCalledTimes(1);
    const msg = String(warn.mock.calls[0]![0]);
    expect(msg).toContain('Lines that created the tensors still alive (count × line):');
    // the loss line of leakyLoop, in this file, is the first one named
    const lines = msg.split('\n').slice(2);
    expect(lines[0]).toMatch(/^ {2}\d+ × .*leak-warning\.test\.ts:18:\d+/);
    const report = nb.debug.leakReport();
    expect(report.outsideScopes).toBeGreaterThan(0);
    expect(report.sites[0]!.site).toMatch(/leak-warning\.test\.ts:18:/);
  });

  it("runs the docs' loop (batches, one tidy per step) with a flat tensor count and no warning", () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    nb.seed(0);
    const x = nb.randn([64, 2]);
    const y = x.sum(1, true).tanh();
    const model = nb.nn.sequential(nb.nn.linear(2, 16), nb.nn.tanh(), nb.nn.linear(16, 1));
    const opt = nb.optim.adam(model.parameters(), { lr: 0.01 });
    const counts: number[] = [];
    const losses: number[] = [];
    for (let epoch = 0; epoch < 20; epoch++) {
      for (const batch of nb.data.batches({ x, y }, { batchSize: 32, shuffle: true, seed: epoch })) {
        const loss = nb.tidy(() => {
          const l = nb.nn.mse(model.call(batch.x), batch.y);
          l.backward();
          opt.step();
          opt.zeroGrad();
          return l.item();
        });
        nb.dispose(batch);
        losses.push(loss);
      }
      counts.push(nb.memory().numTensors);
    }
    expect(new Set(counts.slice(1)).size).toBe(1);
    expect(losses.at(-1)!).toBeLessThan(losses[0]! / 4);
    expect(warn).not.toHaveBeenCalled();
  });

  it('checks its argument', () => {
    expect(() => nb.debug.trackLeaks('yes' as never)).toThrow('debug.trackLeaks: on must be true or false, got string "yes"');
  });
});
