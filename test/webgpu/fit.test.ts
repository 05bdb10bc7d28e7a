/**
 * `nb.train.fit` on `webgpu` with the layers that read values in a step: batch norm's running
 * statistics (its batch counter is kept on the device), dropout, convolution, pooling, and an
 * embedding (its id range check is deferred and settled after each step). The losses, running
 * statistics and weights agree with `cpu` within float32 tolerance. Skipped without a WebGPU
 * adapter (a failure under CI).
 */
import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { deferredCheckCount, settleDeferredChecks } from '../../src/nn/deferred.js';
import { webgpuStatus } from './setup.js';
import { SequenceClassifier } from '../../src/cli/models.js';

const why = await webgpuStatus();
const nn = nb.nn;

/** conv → batch norm → relu → pool → dropout → linear → batch norm (cumulative average) → linear. */
function convNet(): nb.nn.Module {
  return nn.sequential(
    nn.conv2d(1, 4, 3, { padding: 1 }), nn.batchNorm2d(4), nn.relu(), nn.maxPool2d(2), nn.dropout(0.25),
    nn.flatten(), nn.linear(4 * 4 * 4, 16), nn.batchNorm1d(16, { momentum: null }), nn.relu(), nn.linear(16, 3),
  );
}

interface Run {
  stepLoss: number[];
  state: Record<string, number[]>;
}

/** Trains a fresh model (seeded) on `backend` with fit; returns its step losses and final state. */
async function fitOn(backend: string, make: () => nb.nn.Module, data: () => nb.train.Data, opts: nb.train.FitOptions): Promise<Run> {
  await nb.setBackendAsync(backend, { fallback: false });
  nb.seed(3);
  const model = make();
  const d = data();
  const history = await nb.train.fit(model, d, { verbose: 0, seed: 5, ...opts });
  const state: Record<string, number[]> = {};
  for (const [k, t] of Object.entries(model.stateDict())) state[k] = Array.from(await t.data(), Number);
  model.dispose();
  d.x.dispose();
  d.y.dispose();
  return { stepLoss: history.stepLoss, state };
}

function images(): nb.train.Data {
  const r = new nb.Random(11);
  const n = 24;
  const x = new Float32Array(n * 64).map(() => r.normal());
  // the class: which third of the image is brightest, so that the net can learn it
  const y = new Int32Array(n).map((_, i) => {
    const sums = [0, 0, 0];
    for (let p = 0; p < 64; p++) sums[Math.min(2, Math.floor((p % 8) / 3))]! += x[i * 64 + p]!;
    return sums.indexOf(Math.max(...sums));
  });
  return { x: nb.fromArray(x, [n, 1, 8, 8], { backend: 'cpu' }), y: nb.fromArray(y, [n], { dtype: 'int32', backend: 'cpu' }) };
}

function close(a: readonly number[], b: readonly number[], tol: number, what: string): void {
  expect(a.length, what).toBe(b.length);
  for (let i = 0; i < a.length; i++) expect(Math.abs(a[i]! - b[i]!), `${what}[${i}]: webgpu ${a[i]} vs cpu ${b[i]}`).toBeLessThan(tol * Math.max(1, Math.abs(b[i]!)));
}

describe.skipIf(why !== null && !process.env.CI)(`fit on webgpu${why ? ` (skipped: ${why})` : ''}`, () => {
  it('conv + batchNorm2d + dropout + batchNorm1d (cumulative) train as on cpu', async () => {
    if (why !== null) throw new Error(`no WebGPU adapter under CI: ${why}`);
    const opts: nb.train.FitOptions = { epochs: 2, batchSize: 8, optimizer: nb.optim.sgd(0.05, { momentum: 0.9 }) };
    const gpu = await fitOn('webgpu', convNet, images, { ...opts, optimizer: nb.optim.sgd(0.05, { momentum: 0.9 }) });
    const cpu = await fitOn('cpu', convNet, images, { ...opts, optimizer: nb.optim.sgd(0.05, { momentum: 0.9 }) });
    expect(cpu.stepLoss.length).toBe(6);
    close(gpu.stepLoss, cpu.stepLoss, 1e-3, 'stepLoss');
    expect(Object.keys(gpu.state).sort()).toEqual(Object.keys(cpu.state).sort());
    for (const k of Object.keys(cpu.state)) close(gpu.state[k]!, cpu.state[k]!, 2e-3, k);
    // the batch counters counted on the device: 6 steps
    expect(gpu.state['1.num_batches_tracked']).toEqual([6]);
    expect(gpu.state['7.num_batches_tracked']).toEqual([6]);
    expect(deferredCheckCount()).toBe(0);
  });

  it('an embedding trains as on cpu; an id outside the vocabulary fails fit with the cpu message', async () => {
    if (why !== null) throw new Error(`no WebGPU adapter under CI: ${why}`);
    const embedNet = (): nb.nn.Module => nn.sequential(nn.embedding(10, 4), nn.flatten(), nn.linear(12, 2));
    const tokens = (bad: boolean) => (): nb.train.Data => {
      const ids = Int32Array.from({ length: 16 * 3 }, (_, i) => (i * 7) % 10);
      if (bad) ids[40] = 12;
      const y = Int32Array.from({ length: 16 }, (_, i) => ids[i * 3]! % 2);
      return { x: nb.fromArray(ids, [16, 3], { dtype: 'int32', backend: 'cpu' }), y: nb.fromArray(y, [16], { dtype: 'int32', backend: 'cpu' }) };
    };
    const opts: nb.train.FitOptions = { epochs: 2, batchSize: 4 };
    const gpu = await fitOn('webgpu', embedNet, tokens(false), opts);
    const cpu = await fitOn('cpu', embedNet, tokens(false), opts);
    close(gpu.stepLoss, cpu.stepLoss, 1e-3, 'stepLoss');
    for (const k of Object.keys(cpu.state)) close(gpu.state[k]!, cpu.state[k]!, 2e-3, k);

    const failure = async (backend: string): Promise<string> => {
      try {
        await fitOn(backend, embedNet, tokens(true), opts);
      } catch (e) {
        return (e as Error).message;
      }
      return 'no error';
    };
    const cpuMessage = await failure('cpu');
    expect(cpuMessage).toMatch(/^fit: epoch 1, batch \d: sequential: layer 0 \(Embedding\): embedding: ids\[\d,1\] = 12 is outside the vocabulary \[0, 10\)/);
    expect(await failure('webgpu')).toBe(cpuMessage);
    expect(deferredCheckCount()).toBe(0);
    await nb.setBackendAsync('cpu');
  });

  it('an embedding + LSTM over padded sequences (lengths computed on the device) trains as on cpu', async () => {
    if (why !== null) throw new Error(`no WebGPU adapter under CI: ${why}`);
    const seqs = (): nb.train.Data => {
      const r = new nb.Random(2);
      const n = 16;
      const T = 6;
      const ids = new Int32Array(n * T);
      const y = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const len = 2 + (i % (T - 1)); // 2..6 tokens, then padding (0)
        for (let t = 0; t < len; t++) ids[i * T + t] = 1 + Math.floor(r.uniform() * 7);
        y[i] = ids[i * T]! > 4 ? 1 : 0;
      }
      return { x: nb.fromArray(ids, [n, T], { dtype: 'int32', backend: 'cpu' }), y: nb.fromArray(y, [n], { dtype: 'int32', backend: 'cpu' }) };
    };
    const make = (): nb.nn.Module => new SequenceClassifier(8, 4, 8, 2, 'lstm');
    const opts: nb.train.FitOptions = { epochs: 2, batchSize: 4 };
    const gpu = await fitOn('webgpu', make, seqs, opts);
    const cpu = await fitOn('cpu', make, seqs, opts);
    close(gpu.stepLoss, cpu.stepLoss, 1e-3, 'stepLoss');
    for (const k of Object.keys(cpu.state)) close(gpu.state[k]!, cpu.state[k]!, 2e-3, k);
    expect(deferredCheckCount()).toBe(0);
  });

  it('clipGradNorm scales the gradients on the device as on cpu (its return value is NaN: the norm is not read)', async () => {
    if (why !== null) throw new Error(`no WebGPU adapter under CI: ${why}`);
    const grads = async (backend: string, maxNorm: number): Promise<{ norm: number; g: number[] }> => {
      await nb.setBackendAsync(backend, { fallback: false });
      nb.seed(1);
      const m = nn.linear(4, 3);
      const params = m.parameters();
      nb.tidy(() => nb.sum(nb.square(m.call(nb.randn([5, 4])))).backward());
      const norm = nb.optim.clipGradNorm(params, maxNorm);
      const g = [...Array.from(await params[0]!.grad!.data(), Number), ...Array.from(await params[1]!.grad!.data(), Number)];
      m.dispose();
      return { norm, g };
    };
    for (const maxNorm of [0.5, 1e6]) {
      const gpu = await grads('webgpu', maxNorm);
      const cpu = await grads('cpu', maxNorm);
      expect(gpu.norm).toBeNaN();
      expect(cpu.norm).toBeGreaterThan(0.5);
      close(gpu.g, cpu.g, 1e-4, `grads (maxNorm ${maxNorm})`);
    }
  });

  it('outside fit, an embedding queues its id check (a bounded queue) until the checks are settled', async () => {
    if (why !== null) throw new Error(`no WebGPU adapter under CI: ${why}`);
    await nb.setBackendAsync('webgpu', { fallback: false });
    const e = nn.embedding(5, 2);
    const ids = nb.fromArray(new Int32Array([1, 7]), [2], { dtype: 'int32' });
    nb.tidy(() => void e.call(ids));
    expect(deferredCheckCount()).toBe(1);
    await expect(settleDeferredChecks()).rejects.toThrow('embedding: ids[1] = 7 is outside the vocabulary [0, 5): ids is [2], the table is [5,2]');
    expect(deferredCheckCount()).toBe(0);
    const live = nb.memory().numTensors;
    for (let i = 0; i < 100; i++) nb.tidy(() => void e.call(ids));
    expect(deferredCheckCount()).toBe(64);
    await expect(settleDeferredChecks()).rejects.toThrow('ids[1] = 7');
    expect(nb.memory().numTensors).toBe(live);
    // a check queued outside fit (here by predict) is not fit's: fit drops it and trains
    nb.train.predict(nn.sequential(e), ids);
    expect(deferredCheckCount()).toBe(1);
    const ok = nb.fromArray(new Int32Array([1, 2, 3, 4]), [4], { dtype: 'int32' });
    await nb.train.fit(nn.sequential(e, nn.linear(2, 2)), { x: ok, y: nb.fromArray(new Int32Array([0, 1, 0, 1]), [4], { dtype: 'int32' }) }, { verbose: 0, epochs: 1 });
    expect(deferredCheckCount()).toBe(0);
    // on cpu the check is immediate, as before
    nb.setBackend('cpu');
    const c = nn.embedding(5, 2);
    expect(() => c.call(nb.fromArray(new Int32Array([1, 7]), [2], { dtype: 'int32' }))).toThrow('embedding: ids[1] = 7 is outside the vocabulary [0, 5): ids is [2], the table is [5,2]');
    expect(deferredCheckCount()).toBe(0);
    e.dispose();
    ids.dispose();
    c.dispose();
  });
});
