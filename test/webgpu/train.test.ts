/**
 * End to end on `webgpu`: the bench's M2 (an MLP, 784-256-128-10, Adam 1e-3) trains for a few
 * hundred small steps on webgpu and on cpu from the same initial weights and data; the losses
 * agree within float32 tolerance. Skipped without a WebGPU adapter (a failure under CI).
 */
import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { webgpuStatus } from './setup.js';

const why = await webgpuStatus();
const STEPS = 200;
const BATCH = 16;

function m2(): nb.nn.Module {
  const nn = nb.nn;
  return nn.sequential(nn.linear(784, 256), nn.relu(), nn.linear(256, 128), nn.relu(), nn.linear(128, 10));
}

/** Trains M2 on `backend`; returns the loss every 10 steps. */
async function train(backend: string): Promise<number[]> {
  await nb.setBackendAsync(backend, { fallback: false });
  nb.seed(0);
  const model = m2();
  const params = model.parameters();
  const opt = nb.optim.adam(1e-3);
  // a fixed synthetic data set: 8 batches of inputs in [0, 1) and their labels
  const r = new nb.Random(1);
  const xs = new Float32Array(8 * BATCH * 784).map(() => r.uniform());
  const ys = new Int32Array(8 * BATCH).map((_, i) => (i * 7 + Math.floor(xs[i * 784]! * 3)) % 10);
  const X = nb.fromArray(xs, [8 * BATCH, 784]);
  const Y = nb.oneHot(nb.fromArray(ys, [8 * BATCH], { dtype: 'int32' }), 10);
  const losses: number[] = [];
  for (let i = 0; i < STEPS; i++) {
    const l = nb.tidy(() => {
      const b = i % 8;
      const loss = nb.nn.softmaxCrossEntropy(model.call(nb.slice(X, [b * BATCH, 0], [BATCH, 784])), nb.slice(Y, [b * BATCH, 0], [BATCH, 10]));
      opt.zeroGrad(params);
      loss.backward();
      opt.step(params);
      return i % 10 === 0 || i === STEPS - 1 ? nb.keep(loss.detach()) : null;
    });
    if (l) {
      losses.push((await l.data())[0] as number);
      l.dispose();
    }
  }
  model.dispose();
  X.dispose();
  Y.dispose();
  return losses;
}

describe.skipIf(why !== null && !process.env.CI)(`M2 training on webgpu${why ? ` (skipped: ${why})` : ''}`, () => {
  it(`${STEPS} Adam steps of M2 give the losses cpu gives (float32 tolerance)`, async () => {
    if (why !== null) throw new Error(`no WebGPU adapter under CI: ${why}`);
    const gpu = await train('webgpu');
    const cpu = await train('cpu');
    expect(gpu.length).toBe(cpu.length);
    for (let i = 0; i < cpu.length; i++) {
      expect(Math.abs(gpu[i]! - cpu[i]!), `loss ${i}: webgpu ${gpu[i]} vs cpu ${cpu[i]}`).toBeLessThan(2e-3 * Math.max(1, Math.abs(cpu[i]!)));
    }
    // it learned: the last loss is well below the first
    expect(cpu[cpu.length - 1]!).toBeLessThan(cpu[0]! * 0.5);
    expect(nb.memory().backend.name).toBe('cpu');
  });
});
