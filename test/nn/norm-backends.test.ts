/**
 * Conformance of batch norm, layer norm and upsample on every backend (cpu, wasm, webgpu): the
 * same values as the float64 reference, and gradient checks (float32 on backends without
 * float64). Values are read asynchronously, so that the suite runs on webgpu too.
 */
import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { forEachBackend } from '../conformance/backends.js';
import { check, expectTensor, rnd } from '../conformance/helpers.js';

/** A float64 copy of `m` on 'cpu' (same configuration, parameters, buffers and mode). */
async function reference(m: nb.nn.Module): Promise<nb.nn.Module> {
  const state: Record<string, nb.Tensor> = {};
  for (const [k, t] of Object.entries(m.stateDict())) {
    state[k] = t.dtype === 'int32' ? nb.fromArray(Int32Array.from(await t.data() as Int32Array), t.shape, { dtype: 'int32', backend: 'cpu' }) : await on64(t);
  }
  const prev = nb.getBackend().name;
  nb.setBackend('cpu');
  try {
    const r = nb.nn.fromConfig({ ...m.config(), dtype: 'float64' });
    r.loadStateDict(state);
    return r.train(m.training);
  } finally {
    nb.setBackend(prev);
  }
}

/** x's values as a float64 tensor on 'cpu'. */
const on64 = async (x: nb.Tensor): Promise<nb.Tensor> => nb.fromArray(Float64Array.from(await x.data() as Float32Array), x.shape, { backend: 'cpu' });

forEachBackend('normalization layers', (backend) => {
  type D = 'float32' | 'float64';
  const cases: [string, (dtype: D) => nb.nn.Module, number[]][] = [
    ['batchNorm1d [N, C]', (dtype) => nb.nn.batchNorm1d(3, { dtype }), [5, 3]],
    ['batchNorm1d [N, C, L]', (dtype) => nb.nn.batchNorm1d(2, { dtype }), [3, 2, 4]],
    ['batchNorm2d', (dtype) => nb.nn.batchNorm2d(3, { dtype }), [2, 3, 4, 4]],
    ['layerNorm', (dtype) => nb.nn.layerNorm([3, 4], { dtype }), [2, 3, 4]],
    ['upsample nearest', () => nb.nn.upsample(), [1, 2, 3, 3]],
    ['upsample bilinear', () => nb.nn.upsample({ mode: 'bilinear' }), [1, 2, 3, 3]],
  ];
  for (const [name, make, shape] of cases) {
    describe(name, () => {
      it('matches the float64 reference in training and eval mode', async () => {
        const x = rnd(shape, 31, -2, 2);
        const m = make('float32');
        expect(m.parameters().every((p) => p.backend.name === backend)).toBe(true);
        const ref = await reference(m);
        await expectTensor(m.call(x), Array.from(ref.call(await on64(x)).dataSync() as Float64Array), undefined, 1e-4);
        m.eval();
        ref.eval();
        const x2 = rnd(shape, 35, -2, 2);
        await expectTensor(m.call(x2), Array.from(ref.call(await on64(x2)).dataSync() as Float64Array), undefined, 1e-4);
      });
      it('gradient of the input (training mode)', async () => {
        const dtype: D = nb.getBackend().supportsFloat64 ? 'float64' : 'float32';
        const m = make(dtype);
        const x0 = rnd(shape, 34).cast(dtype);
        const w = rnd(m.call(x0).shape, 33).cast(dtype);
        await check((x) => nb.sum(nb.mul(m.call(x), w)), [x0]);
      });
    });
  }

  it('running statistics after training steps match the reference', async () => {
    const m = nb.nn.batchNorm2d(2);
    const ref = await reference(m);
    for (let i = 0; i < 3; i++) {
      const x = rnd([3, 2, 2, 2], 40 + i, -1, 3);
      m.call(x);
      ref.call(await on64(x));
    }
    await expectTensor(m.runningMean!, Array.from(ref.stateDict().running_mean!.dataSync() as Float64Array), [2], 1e-5);
    await expectTensor(m.runningVar!, Array.from(ref.stateDict().running_var!.dataSync() as Float64Array), [2], 1e-5);
    expect((await m.numBatchesTracked!.data())[0]).toBe(3);
  });

  it('running statistics with momentum null (the cumulative average) match the reference', async () => {
    const m = nb.nn.batchNorm1d(3, { momentum: null });
    const ref = await reference(m);
    for (let i = 0; i < 4; i++) {
      const x = rnd([5, 3], 50 + i, -1, 3);
      m.call(x);
      ref.call(await on64(x));
    }
    await expectTensor(m.runningMean!, Array.from(ref.stateDict().running_mean!.dataSync() as Float64Array), [3], 1e-5);
    await expectTensor(m.runningVar!, Array.from(ref.stateDict().running_var!.dataSync() as Float64Array), [3], 1e-5);
    expect((await m.numBatchesTracked!.data())[0]).toBe(4);
  });
});

describe('on wasm nothing falls back to the reference kernels', () => {
  it.runIf(nb.backendNames().includes('wasm'))('batch norm, layer norm and upsample, forward and backward (float32)', async () => {
    const prev = nb.getBackend().name;
    nb.setBackend('wasm');
    try {
      const be = nb.getBackend() as unknown as { referenceCalls: number };
      expect(typeof be.referenceCalls).toBe('number');
      const before = be.referenceCalls;
      const model = nb.nn.sequential(
        nb.nn.conv2d(1, 4, 3, { padding: 1 }), nb.nn.batchNorm2d(4), nb.nn.leakyRelu(0.2),
        nb.nn.upsample(), nb.nn.upsample({ mode: 'bilinear' }), nb.nn.layerNorm([4, 24, 24]),
        nb.nn.globalAvgPool2d(), nb.nn.linear(4, 6), nb.nn.batchNorm1d(6),
      );
      nb.tidy(() => nb.mean(model.call(nb.randn([3, 1, 6, 6]))).backward());
      model.eval();
      nb.tidy(() => void model.call(nb.randn([2, 1, 6, 6])));
      expect(be.referenceCalls).toBe(before);
    } finally {
      nb.setBackend(prev);
    }
  });
});
