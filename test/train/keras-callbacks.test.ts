import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import type { Callback, EpochLogs, History, TrainContext } from '../../src/train/index.js';

const { earlyStopping } = nb.train;

/** Drives a callback's onEpochEnd over a scripted sequence of monitored values; returns the 0-based stop epoch (or -1) and the ctx. */
function script(cb: Callback, values: number[], monitor = 'val_loss', params: nb.Tensor[] = []): { stopAt: number; reason?: string; history: History } {
  const history: History = { epochs: [], metrics: {}, stepLoss: [], seconds: 0 };
  let stopped = false;
  let reason: string | undefined;
  const ctx = {
    model: { call: (x: nb.Tensor) => x, parameters: () => params, buffers: () => [] },
    optimizer: { lr: 0.1 },
    epochs: values.length,
    history,
    stop(r: string): void { stopped = true; reason = r; },
    log(): void {},
  } as unknown as TrainContext;
  void cb.onTrainBegin?.(ctx);
  let stopAt = -1;
  for (let e = 0; e < values.length; e++) {
    const logs = { epoch: e, loss: 1, lr: 0.1, seconds: 0, samplesPerSecond: 0, [monitor]: values[e] } as EpochLogs;
    void cb.onEpochEnd?.(logs, ctx);
    history.epochs.push(logs);
    if (stopped) { stopAt = e; break; }
  }
  void cb.onTrainEnd?.(history, ctx);
  return { stopAt, reason, history };
}

describe('earlyStopping follows Keras (patience = epochs with no improvement after which training stops)', () => {
  it('patience 5: stops at the 5th non-improving epoch', () => {
    // best 0.9 at epoch 1; epochs 2..6 do not improve (0.90 equals the best) → stop at epoch 6
    const r = script(earlyStopping({ patience: 5 }), [1.0, 0.9, 0.95, 0.92, 0.91, 0.93, 0.9, 0.99, 0.99]);
    expect(r.stopAt).toBe(6);
    expect(r.reason).toMatch(/val_loss has not improved for 5 epochs \(best 0\.9000 at epoch 2\)/);
  });

  it('patience 0 stops at the first non-improving epoch; an improvement resets the count', () => {
    expect(script(earlyStopping(), [0.5, 0.4, 0.3, 0.35]).stopAt).toBe(3);
    expect(script(earlyStopping({ patience: 2 }), [1, 1.1, 0.8, 0.9, 0.7, 0.9, 0.9, 0.9]).stopAt).toBe(6);
  });

  it('minDelta: a change smaller than minDelta is no improvement', () => {
    // best 1.0; 0.96 is not < 0.95 (wait 1); 0.94 is (best 0.94); 0.93 and 0.90 are not < 0.89 → stop at epoch 4
    expect(script(earlyStopping({ patience: 2, minDelta: 0.05 }), [1.0, 0.96, 0.94, 0.93, 0.9, 0.5]).stopAt).toBe(4);
  });

  it("mode 'max' (and 'auto' for accuracies)", () => {
    expect(script(earlyStopping({ monitor: 'val_accuracy', patience: 1 }), [0.5, 0.6, 0.6, 0.7], 'val_accuracy').stopAt).toBe(2);
    expect(script(earlyStopping({ monitor: 'score', mode: 'max', patience: 1, minDelta: 0.1 }), [0.5, 0.65, 0.76, 0.8, 0.9], 'score').stopAt).toBe(3);
  });

  it('baseline: the count restarts only on an epoch that beats both the best and the baseline', () => {
    // wait grows every epoch; improvements above the baseline do not reset it, but the stop check runs only on non-improving epochs
    expect(script(earlyStopping({ patience: 2, baseline: 0.5 }), [1.0, 0.9, 0.8, 0.85]).stopAt).toBe(3);
    expect(script(earlyStopping({ patience: 2, baseline: 0.5 }), [1.0, 0.4, 0.45, 0.45, 0.45]).stopAt).toBe(3);
    expect(script(earlyStopping({ patience: 2, baseline: 0.5 }), [1.0, 0.9, 0.8, 0.7, 0.6]).stopAt).toBe(-1);
    expect(script(earlyStopping({ monitor: 'acc', patience: 0, baseline: 0.9 }), [0.5, 0.5], 'acc').stopAt).toBe(1);
    expect(() => earlyStopping({ baseline: Number.NaN })).toThrow(/earlyStopping: baseline must be a finite number, got NaN/);
  });

  it('a NaN value counts as an epoch without improvement', () => {
    expect(script(earlyStopping({ patience: 1 }), [1.0, Number.NaN, 0.5]).stopAt).toBe(1);
  });

  it('restoreBestWeights puts back the weights and buffers (batch-norm statistics) of the best epoch', () => {
    const w = nb.tensor([0]);
    const running = nb.tensor([0]);
    const cb = earlyStopping({ patience: 2, restoreBestWeights: true });
    const history: History = { epochs: [], metrics: {}, stepLoss: [], seconds: 0 };
    let stopped = '';
    const ctx = {
      model: { call: (x: nb.Tensor) => x, parameters: () => [w], buffers: () => [running] }, optimizer: { lr: 0.1 }, epochs: 10, history,
      stop(r: string): void { stopped = r; }, log(): void {},
    } as unknown as TrainContext;
    void cb.onTrainBegin?.(ctx);
    const vals = [1.0, 0.5, 0.7, 0.6];
    for (let e = 0; e < vals.length && !stopped; e++) {
      nb.noGrad(() => w.assign(nb.tensor([e])));
      nb.noGrad(() => running.assign(nb.tensor([10 * e])));
      const logs = { epoch: e, loss: 1, lr: 0.1, seconds: 0, samplesPerSecond: 0, val_loss: vals[e] } as EpochLogs;
      void cb.onEpochEnd?.(logs, ctx);
      history.epochs.push(logs);
    }
    void cb.onTrainEnd?.(history, ctx);
    expect(stopped).toMatch(/restored its weights/);
    expect(history.epochs.length).toBe(4);
    expect(history.restoredEpoch).toBe(1);
    expect(Array.from(w.dataSync())).toEqual([1]);
    expect(Array.from(running.dataSync())).toEqual([10]);
    w.dispose();
    running.dispose();
  });
});

describe('modelCheckpoint formats the file name like Keras', () => {
  const { fit, modelCheckpoint } = nb.train;
  const mlp = (): nb.nn.Module => nb.nn.sequential(nb.nn.linear(2, 4), nb.nn.relu(), nb.nn.linear(4, 2));

  it('{epoch} (1-based), {epoch:02d}, {epoch:3d}, {loss:.4f}, {val_loss:.2e} and {{ }}', async () => {
    const { mkdtempSync, rmSync, readdirSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join(tmpdir(), 'nabla-ckpt-name-'));
    try {
      nb.seed(3);
      const data = nb.data.toyTensors(nb.data.gaussian({ n: 24, seed: 1 }));
      const model = mlp();
      const h = await fit(model, data, {
        epochs: 3, batchSize: 24, optimizer: nb.optim.adam(0.05), verbose: 0, validation: data,
        callbacks: [
          modelCheckpoint(join(dir, 'a-{epoch}.nabla')),
          modelCheckpoint(join(dir, 'b-{epoch:02d}-{loss:.4f}.nabla')),
          modelCheckpoint(join(dir, 'c-{epoch:3d}-{val_loss:.2e}-{{x}}.nabla')),
        ],
      });
      const py2e = (v: number): string => v.toExponential(2).replace(/e([+-])(\d)$/, 'e$10$2');
      const want = h.epochs.flatMap((e) => [
        `a-${e.epoch + 1}.nabla`,
        `b-0${e.epoch + 1}-${e.loss.toFixed(4)}.nabla`,
        `c-  ${e.epoch + 1}-${py2e(e.val_loss!)}-{x}.nabla`,
      ]);
      expect(h.checkpoints!.map((c) => c.path)).toEqual(want.map((f) => join(dir, f)));
      expect(readdirSync(dir).sort()).toEqual([...want].sort());
      model.dispose();
      nb.dispose(data);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an unknown key is an error at the first save, naming it and the available keys', async () => {
    const { mkdtempSync, rmSync, readdirSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join(tmpdir(), 'nabla-ckpt-name-'));
    try {
      const data = nb.data.toyTensors(nb.data.gaussian({ n: 8, seed: 1 }));
      const model = mlp();
      await expect(fit(model, data, { epochs: 2, verbose: 0, callbacks: [modelCheckpoint(join(dir, 'e{epoch}-{val_loss:.3f}.nabla'))] }))
        .rejects.toThrow(/modelCheckpoint: path names '\{val_loss\}', which is not in the epoch logs \(available: epoch, loss, lr, .*\)/);
      expect(readdirSync(dir)).toEqual([]);
      model.dispose();
      nb.dispose(data);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a malformed template is an error at construction', () => {
    expect(() => modelCheckpoint('e{epoch.nabla')).toThrow("modelCheckpoint: path 'e{epoch.nabla' has a '{' without its '}' (write '{{' for a literal brace)");
    expect(() => modelCheckpoint('e}.nabla')).toThrow("modelCheckpoint: path 'e}.nabla' has a '}' without its '{' (write '}}' for a literal brace)");
    expect(() => modelCheckpoint('e{}.nabla')).toThrow(/modelCheckpoint: path 'e\{\}\.nabla' has an empty field/);
    expect(() => modelCheckpoint('e{epoch:>5}.nabla')).toThrow(/modelCheckpoint: unsupported format '>5' for 'epoch' in path 'e\{epoch:>5\}\.nabla'; supported: \{key\}, \{key:0Nd\}, \{key:Nd\}, \{key:.Nf\}, \{key:0W.Nf\}, \{key:.Ne\}/);
    expect(() => modelCheckpoint('e{epoch:.2d}.nabla')).toThrow(/unsupported format '.2d' for 'epoch'/);
  });

  it("a 'd' format needs an integer value", async () => {
    const data = nb.data.toyTensors(nb.data.gaussian({ n: 8, seed: 1 }));
    const model = mlp();
    await expect(fit(model, data, { epochs: 1, verbose: 0, callbacks: [modelCheckpoint('x-{loss:03d}.nabla')] }))
      .rejects.toThrow(/modelCheckpoint: '\{loss:03d\}' needs an integer, loss is 0\.\d+/);
    model.dispose();
    nb.dispose(data);
  });
});
