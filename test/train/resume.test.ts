/**
 * Exact resume: a run interrupted after a checkpoint and continued with `resumeFrom` ends with
 * bit-identical weights (and the same per-step losses) as the run that was never interrupted —
 * on every backend, with dropout and batch norm drawing and updating state, Adam keeping slots,
 * a per-step schedule and a metric-driven one keeping their positions.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as nb from '../../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'nabla-resume-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function dataSet(): { x: nb.Tensor; y: nb.Tensor } {
  nb.seed(11);
  const x = nb.randn([90, 6]);
  const y = nb.tensor(Array.from({ length: 90 }, (_, i) => i % 3), { dtype: 'int32' });
  return { x, y };
}

function model(): nb.nn.Module {
  nb.seed(1);
  return nb.nn.sequential(nb.nn.linear(6, 12), nb.nn.batchNorm1d(12), nb.nn.relu(), nb.nn.dropout(0.3), nb.nn.linear(12, 3));
}

async function weights(m: nb.nn.Module): Promise<Uint8Array[]> {
  return Promise.all(Object.values(m.stateDict()).map(async (t) => new Uint8Array((await t.data()).slice().buffer)));
}

/** A callback that throws at (epoch, batch) once armed: the interruption. */
function crashAt(epoch: number, batch: number): nb.train.Callback & { armed: boolean } {
  let e = -1;
  const cb = {
    armed: false,
    onEpochBegin: (ep: number) => void (e = ep),
    onBatchEnd: (logs: nb.train.BatchLogs) => {
      if (cb.armed && e === epoch && logs.batch === batch) throw new Error('power cut');
    },
  };
  return cb;
}

const EPOCHS = 3;
const options = (crash: nb.train.Callback): nb.train.FitOptions => ({
  epochs: EPOCHS,
  batchSize: 8,
  seed: 5,
  verbose: 0,
  optimizer: nb.optim.adam(0.01),
  schedule: nb.optim.warmup(6, nb.optim.exponentialDecay(0.01, 0.01, { per: 'step' })),
  callbacks: [crash, nb.train.reduceLROnPlateau({ patience: 0, factor: 0.5 }), nb.train.earlyStopping({ patience: 5 })],
});

// The backends that read synchronously (batch norm's counter and dropout's mask are read on the
// host): cpu and wasm. The webgpu backend's training path is tested by test/webgpu/train.test.ts.
for (const backend of ['cpu', 'wasm']) describe(`fit resumeFrom [${backend}]`, () => {
  beforeAll(() => nb.setBackend(backend));
  it('continues a run interrupted mid-epoch bit-identically', async () => {
    const data = dataSet();
    const whole = model();
    const h1 = await nb.train.fit(whole, data, options(crashAt(1, 4)));
    const expected = await weights(whole);

    const path = join(dir, `mid-${backend}.ckpt`);
    const crash = crashAt(1, 4);
    crash.armed = true;
    const first = model();
    await expect(nb.train.fit(first, data, { ...options(crash), checkpoint: { path, everyBatches: 3 } })).rejects.toThrow('power cut');
    // the last checkpoint was written after batch 3 of epoch 2 (0-based: epoch 1, batches 0–2)
    nb.seed(999); // a different global stream: the checkpoint must restore it
    const resumed = model();
    crash.armed = false;
    const h2 = await nb.train.fit(resumed, data, { ...options(crash), resumeFrom: path });
    expect(await weights(resumed)).toEqual(expected);
    expect(h2.stepLoss).toEqual(h1.stepLoss);
    expect(h2.epochs.map((e) => e.lr)).toEqual(h1.epochs.map((e) => e.lr));
    expect(h2.epochs.map((e) => e.loss)).toEqual(h1.epochs.map((e) => e.loss));
  });

  it('continues from an end-of-epoch checkpoint read from bytes', async () => {
    const data = dataSet();
    const whole = model();
    const h1 = await nb.train.fit(whole, data, options(crashAt(2, 0)));
    const path = join(dir, `epoch-${backend}.ckpt`);
    const crash = crashAt(2, 0);
    crash.armed = true;
    await expect(nb.train.fit(model(), data, { ...options(crash), checkpoint: path })).rejects.toThrow('power cut');
    crash.armed = false;
    const resumed = model();
    const h2 = await nb.train.fit(resumed, data, { ...options(crash), resumeFrom: new Uint8Array(readFileSync(path)) });
    expect(await weights(resumed)).toEqual(await weights(whole));
    expect(h2.stepLoss).toEqual(h1.stepLoss);
  });
});

describe('fit resumeFrom: bad checkpoints', () => {
  beforeAll(() => nb.setBackend('cpu'));
  const ckpt = join(dir, 'bad.ckpt');
  const data = (): { x: nb.Tensor; y: nb.Tensor } => dataSet();
  const opts = { epochs: 1, batchSize: 8, verbose: 0 as const, optimizer: nb.optim.adam(0.01) };

  it('writes a checkpoint that loadWeights reads (strict: false)', async () => {
    const m = model();
    await nb.train.fit(m, data(), { ...opts, checkpoint: ckpt });
    const other = model();
    const r = await nb.io.loadWeights(other, ckpt, { strict: false });
    expect(r.missing).toEqual([]);
    expect(r.unexpected.some((n) => n.startsWith('@optimizer/'))).toBe(true);
    expect(await weights(other)).toEqual(await weights(m));
  });

  it('refuses a mid-epoch checkpoint with another batch size', async () => {
    const path = join(dir, 'mid.ckpt');
    const crash = crashAt(0, 5);
    crash.armed = true;
    await expect(nb.train.fit(model(), data(), { ...opts, callbacks: [crash], checkpoint: { path, everyBatches: 2 } })).rejects.toThrow('power cut');
    crash.armed = false;
    await expect(nb.train.fit(model(), data(), { ...opts, batchSize: 4, callbacks: [crash], resumeFrom: path })).rejects.toThrow(
      /fit: resumeFrom: the checkpoint stopped in the middle of epoch 1 of a run with 90 samples in batches of 8; this run has 90 samples in batches of 4/,
    );
  });

  it('refuses a model file, another model, another optimizer, damaged bytes', async () => {
    const plain = join(dir, 'plain.nabla');
    await nb.io.save(model(), plain);
    await expect(nb.train.fit(model(), data(), { ...opts, resumeFrom: plain })).rejects.toThrow(/not a training checkpoint/);
    await nb.train.fit(model(), data(), { ...opts, checkpoint: ckpt });
    const wide = nb.nn.sequential(nb.nn.linear(6, 20), nb.nn.relu(), nb.nn.linear(20, 3));
    await expect(nb.train.fit(wide, data(), { ...opts, resumeFrom: ckpt })).rejects.toThrow(/it stores no value for the model's|has shape/);
    await expect(nb.train.fit(model(), data(), { ...opts, optimizer: nb.optim.sgd(0.1), resumeFrom: ckpt })).rejects.toThrow(/written with a adam optimizer, this run uses sgd/);
    const bytes = new Uint8Array(readFileSync(ckpt));
    bytes[bytes.length - 3] ^= 0xff;
    const damaged = join(dir, 'damaged.ckpt');
    writeFileSync(damaged, bytes);
    await expect(nb.train.fit(model(), data(), { ...opts, resumeFrom: damaged })).rejects.toThrow(/checksum mismatch/);
    await expect(nb.train.fit(model(), data(), { ...opts, resumeFrom: join(dir, 'none.ckpt') })).rejects.toThrow(/fit: resumeFrom: cannot read/);
  });

  it('checks the options', async () => {
    await expect(nb.train.fit(model(), data(), { ...opts, checkpoint: '' })).rejects.toThrow('fit: checkpoint must be a non-empty path or { path, everyBatches }');
    await expect(nb.train.fit(model(), data(), { ...opts, checkpoint: { path: ckpt, everyBatches: 0 } })).rejects.toThrow(/fit: checkpoint.everyBatches must be/);
    await expect(nb.train.fit(model(), data(), { ...opts, resumeFrom: 3 as unknown as string })).rejects.toThrow("fit: resumeFrom must be a checkpoint's path or bytes (a Uint8Array), got 3");
    const plainModel = { call: (x: nb.Tensor) => x, parameters: () => [] as nb.Tensor[] };
    await expect(nb.train.fit(plainModel, data(), { ...opts, checkpoint: ckpt })).rejects.toThrow(/fit: model must be an nb.nn.Module \(with namedParameters\(\), stateDict\(\) and loadStateDict\(\)\) to checkpoint or resume/);
  });
});
