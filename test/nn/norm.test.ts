/**
 * batchNorm1d/batchNorm2d, layerNorm and upsample: statistics by hand, train vs eval through
 * model.train()/model.eval(), gradients in float64 (batch norm in training mode, through the batch
 * statistics), buffers (state dict, tidy, summary), configs, and errors naming the layer, the
 * argument and the shapes.
 */
import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { checkModuleGrads, expectClose, expectPlainError, pinBackend, randn64, values, type ErrorCase } from './helpers.js';

pinBackend('cpu');

const f64 = (v: number[], shape: number[]): nb.Tensor => nb.fromArray(Float64Array.from(v), shape, { backend: 'cpu' });

describe('batch norm statistics by hand', () => {
  // Two channels, batch of 4: channel 0 = 1, 2, 3, 6 (mean 3, biased var 3.5, unbiased 14/3);
  // channel 1 = 0, 0, 4, 4 (mean 2, biased var 4, unbiased 16/3).
  const x = (): nb.Tensor => f64([1, 0, 2, 0, 3, 4, 6, 4], [4, 2]);

  it('normalizes with the batch mean and biased variance in training mode', () => {
    const m = nb.nn.batchNorm1d(2, { dtype: 'float64', eps: 0 });
    const y = m.call(x());
    const s0 = Math.sqrt(3.5);
    expectClose(y, [-2 / s0, -1, -1 / s0, -1, 0, 1, 3 / s0, 1], 1e-12);
  });

  it('updates running_mean and the unbiased running_var with momentum 0.1', () => {
    const m = nb.nn.batchNorm1d(2, { dtype: 'float64' });
    m.call(x());
    expectClose(m.runningMean!, [0.9 * 0 + 0.1 * 3, 0.1 * 2], 1e-12);
    expectClose(m.runningVar!, [0.9 + 0.1 * (14 / 3), 0.9 + 0.1 * (16 / 3)], 1e-12);
    expect(m.numBatchesTracked!.item()).toBe(1);
    expect(m.numBatchesTracked!.dtype).toBe('int32');
    m.call(x());
    expectClose(m.runningMean!, [0.9 * 0.3 + 0.3, 0.9 * 0.2 + 0.2], 1e-12);
    expect(m.numBatchesTracked!.item()).toBe(2);
  });

  it('momentum null keeps the cumulative average of the batch statistics', () => {
    const m = nb.nn.batchNorm1d(2, { dtype: 'float64', momentum: null });
    m.call(x());
    m.call(nb.mul(x(), 2));
    // means 3 and 6 → 4.5; unbiased variances 14/3 and 56/3 → 35/3
    expectClose(m.runningMean!, [4.5, 3], 1e-12);
    expectClose(m.runningVar!, [35 / 3, 40 / 3], 1e-12);
  });

  it('eval mode uses the running statistics; train() switches back', () => {
    const m = nb.nn.batchNorm1d(2, { dtype: 'float64', eps: 0 });
    m.runningMean!.assign(f64([1, -1], [2]));
    m.runningVar!.assign(f64([4, 0.25], [2]));
    m.eval();
    expectClose(m.call(f64([3, 0], [1, 2])), [1, 2], 1e-12);
    expect(m.numBatchesTracked!.item()).toBe(0);
    m.train();
    expectClose(m.call(x()).mean(), 0, 1e-12);
    expect(m.numBatchesTracked!.item()).toBe(1);
  });

  it('model.eval() on a container reaches the batch norm inside it', () => {
    const bn = nb.nn.batchNorm2d(3);
    const model = nb.nn.sequential(nb.nn.conv2d(1, 3, 3), bn, nb.nn.relu());
    model.eval();
    expect(bn.training).toBe(false);
    const before = values(bn.runningMean!);
    model.call(nb.randn([2, 1, 5, 5]));
    expect(values(bn.runningMean!)).toEqual(before);
    model.train();
    model.call(nb.randn([2, 1, 5, 5]));
    expect(values(bn.runningMean!)).not.toEqual(before);
  });

  it('batchNorm2d averages over batch, height and width per channel', () => {
    const m = nb.nn.batchNorm2d(2, { dtype: 'float64' });
    // channel 0: 0..3 (+0, mean 1.5), channel 1: 10..13 (mean 11.5); N=1, 2×2
    m.call(f64([0, 1, 2, 3, 10, 11, 12, 13], [1, 2, 2, 2]));
    expectClose(m.runningMean!, [0.15, 1.15], 1e-12);
    // unbiased variance of 0,1,2,3 = 5/3
    expectClose(m.runningVar!, [0.9 + 0.1 * (5 / 3), 0.9 + 0.1 * (5 / 3)], 1e-12);
  });

  it('trackRunningStats false: no buffers, batch statistics in eval mode too', () => {
    const m = nb.nn.batchNorm1d(2, { dtype: 'float64', trackRunningStats: false, eps: 0 });
    expect(m.namedBuffers()).toEqual([]);
    m.eval();
    expectClose(m.call(x()).mean([0]), [0, 0], 1e-12);
  });

  it('affine false: no parameters', () => {
    const m = nb.nn.batchNorm1d(3, { affine: false });
    expect(m.numParameters()).toBe(0);
    expect(m.namedBuffers().map(([n]) => n)).toEqual(['running_mean', 'running_var', 'num_batches_tracked']);
  });
});

describe('gradients (float64, central differences)', () => {
  it('batchNorm1d [N, C] in training mode, through the batch statistics', () => {
    const m = nb.nn.batchNorm1d(3, { dtype: 'float64' });
    m.weight!.assign(f64([0.5, 1.5, -1], [3]));
    m.bias!.assign(f64([0.1, 0, -0.2], [3]));
    checkModuleGrads(m, randn64([4, 3], 2));
  });
  it('batchNorm1d [N, C, L] in training mode', () => {
    checkModuleGrads(nb.nn.batchNorm1d(2, { dtype: 'float64' }), randn64([3, 2, 4], 3));
  });
  it('batchNorm2d in training mode', () => {
    checkModuleGrads(nb.nn.batchNorm2d(2, { dtype: 'float64' }), randn64([2, 2, 3, 3], 4));
  });
  it('batchNorm2d in eval mode (running statistics are constants)', () => {
    const m = nb.nn.batchNorm2d(2, { dtype: 'float64' });
    m.call(randn64([2, 2, 3, 3], 5));
    m.eval();
    checkModuleGrads(m, randn64([2, 2, 3, 3], 6));
  });
  it('layerNorm over one and two trailing axes', () => {
    checkModuleGrads(nb.nn.layerNorm(4, { dtype: 'float64' }), randn64([2, 3, 4], 7));
    checkModuleGrads(nb.nn.layerNorm([3, 4], { dtype: 'float64' }), randn64([2, 3, 4], 8));
  });
  it('upsample nearest and bilinear', () => {
    checkModuleGrads(nb.nn.upsample(), randn64([1, 2, 2, 3], 9));
    checkModuleGrads(nb.nn.upsample({ mode: 'bilinear', scaleFactor: [2, 3] }), randn64([2, 1, 3, 2], 10));
  });
});

describe('layerNorm and upsample by hand', () => {
  it('layerNorm normalizes each sample over the last axis', () => {
    const y = nb.nn.layerNorm(2, { eps: 0, dtype: 'float64' }).call(f64([1, 3, 10, 20], [2, 2]));
    expectClose(y, [-1, 1, -1, 1], 1e-12);
  });
  it('upsample nearest ×2 repeats pixels', () => {
    const y = nb.nn.upsample({ scaleFactor: 2 }).call(f64([1, 2, 3, 4], [1, 1, 2, 2]));
    expectClose(y, [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4], 0, [1, 1, 4, 4]);
  });
  it('upsample bilinear ×2 interpolates with half-pixel centres', () => {
    const y = nb.nn.upsample({ mode: 'bilinear' }).call(f64([0, 4], [1, 1, 1, 2]));
    expectClose(y, [0, 1, 3, 4, 0, 1, 3, 4], 1e-12, [1, 1, 2, 4]);
  });
});

describe('buffers', () => {
  it('stateDict lists parameters then buffers with PyTorch names', () => {
    const model = nb.nn.sequential(nb.nn.linear(2, 3), nb.nn.batchNorm1d(3));
    expect(Object.keys(model.stateDict())).toEqual(['0.weight', '0.bias', '1.weight', '1.bias', '1.running_mean', '1.running_var', '1.num_batches_tracked']);
    expect(model.namedParameters().map(([n]) => n)).toEqual(['0.weight', '0.bias', '1.weight', '1.bias']);
    expect(model.namedBuffers().map(([n]) => n)).toEqual(['1.running_mean', '1.running_var', '1.num_batches_tracked']);
    expect(model.buffers()).toHaveLength(3);
    expect(model.numBufferValues()).toBe(7);
    expect(model.numParameters()).toBe(15);
    for (const b of model.buffers()) expect(b.requiresGrad).toBe(false);
  });

  it('buffers survive tidy and training steps leak no tensors', () => {
    const m = nb.nn.batchNorm2d(2);
    const x = nb.randn([3, 2, 2, 2]);
    nb.tidy(() => {
      nb.mean(m.call(x)).backward();
    });
    const live = nb.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      nb.tidy(() => {
        nb.mean(m.call(x)).backward();
      });
    }
    expect(nb.memory().numTensors).toBe(live);
    expect(m.runningMean!.isDisposed).toBe(false);
    expect(m.numBatchesTracked!.item()).toBe(4);
    m.zeroGrad();
  });

  it('loadStateDict restores buffers; a wrong shape names the buffer', () => {
    const a = nb.nn.batchNorm1d(2);
    a.call(nb.randn([4, 2]));
    const b = nb.nn.batchNorm1d(2);
    b.loadStateDict(a.stateDict());
    expect(values(b.runningVar!)).toEqual(values(a.runningVar!));
    expect(b.numBatchesTracked!.item()).toBe(1);
    const c = nb.nn.batchNorm1d(3);
    expectPlainError(() => c.loadStateDict(a.stateDict()), "loadStateDict: 'weight' has shape [2]");
  });

  it('toString and summary show the buffers', () => {
    const model = nb.nn.sequential(nb.nn.conv2d(1, 2, 3), nb.nn.batchNorm2d(2));
    expect(model.toString()).toContain('BatchNorm2d (4 parameters: weight [2], bias [2]; buffers: running_mean [2], running_var [2], num_batches_tracked [])');
    const s = model.summary([1, 5, 5]);
    expect(s).toContain('BatchNorm2d');
    expect(s).toContain('Total params: 24');
    expect(s).toContain('Buffers: 5 values');
    expect(nb.nn.sequential(nb.nn.linear(2, 1)).summary([2])).not.toContain('Buffers');
  });

  it('registerBuffer refuses a name already taken', () => {
    class M extends nb.nn.Module {
      constructor() {
        super();
        this.registerParameter('w', nb.zeros([1]));
        this.registerBuffer('w', nb.zeros([1]));
      }
      forward(x: nb.Tensor): nb.Tensor {
        return x;
      }
    }
    expectPlainError(() => new M(), "registerBuffer: 'w' is already registered on M");
  });
});

describe('configs', () => {
  it('fromConfig rebuilds each layer with its options', () => {
    const layers: nb.nn.Module[] = [
      nb.nn.batchNorm1d(3, { eps: 1e-3, momentum: null, affine: false }),
      nb.nn.batchNorm2d(4, { trackRunningStats: false, momentum: 0.3 }),
      nb.nn.layerNorm([2, 3], { eps: 1e-6, elementwiseAffine: false }),
      nb.nn.upsample({ scaleFactor: [2, 3], mode: 'bilinear' }),
      nb.nn.upsample(),
    ];
    for (const l of layers) {
      const c = l.config();
      expect(nb.nn.fromConfig(c).config()).toEqual(c);
    }
    expect(nb.nn.layerTypes()).toEqual(expect.arrayContaining(['BatchNorm1d', 'BatchNorm2d', 'LayerNorm', 'Upsample']));
  });
});

describe('errors name the layer, the argument and the shapes', () => {
  const cases: ErrorCase[] = [
    ['channels', () => nb.nn.batchNorm2d(3).call(nb.zeros([2, 4, 5, 5])), 'batchNorm2d: input has 4 channels, expected 3 (numFeatures): x is [2,4,5,5]'],
    ['2d rank', () => nb.nn.batchNorm2d(3).call(nb.zeros([2, 3])), 'batchNorm2d: input must be 4-D NCHW [batch, channels, height, width], got [2,3]'],
    ['1d rank', () => nb.nn.batchNorm1d(3).call(nb.zeros([2, 3, 4, 4])), 'batchNorm1d: input must be 2-D [batch, features] or 3-D [batch, channels, length], got [2,3,4,4]'],
    ['one value per channel', () => nb.nn.batchNorm1d(3).call(nb.zeros([1, 3])), 'batchNorm1d: training needs more than one value per channel to compute batch statistics, got input [1,3]'],
    ['numFeatures', () => nb.nn.batchNorm2d(0), 'batchNorm2d: numFeatures must be a positive integer, got 0'],
    ['momentum', () => nb.nn.batchNorm2d(2, { momentum: 2 }), 'batchNorm2d: momentum must be a finite number ≥ 0 and ≤ 1, got 2'],
    ['eps', () => nb.nn.batchNorm1d(2, { eps: -1 }), 'batchNorm1d: eps must be a finite number ≥ 0, got -1'],
    ['unknown option', () => nb.nn.batchNorm1d(2, { affin: true } as never), 'batchNorm1d'],
    ['dtype', () => nb.nn.batchNorm1d(2, { dtype: 'float64' }).call(nb.zeros([2, 2])), 'batchNorm1d: input is float32 but the layer\'s parameters are float64'],
    ['layerNorm shape', () => nb.nn.layerNorm([3, 4]).call(nb.zeros([2, 4, 3])), 'layerNorm: input\'s last 2 axes must be normalizedShape [3,4], got input [2,4,3]'],
    ['layerNorm normalizedShape', () => nb.nn.layerNorm([]), 'layerNorm: normalizedShape must be a positive integer or a non-empty array of them, got an array [] of length 0'],
    ['upsample rank', () => nb.nn.upsample().call(nb.zeros([2, 3, 4])), 'upsample: input must be 4-D NCHW [batch, channels, height, width], got [2,3,4]'],
    ['upsample scale', () => nb.nn.upsample({ scaleFactor: 1.5 as never }), 'upsample: scaleFactor must be'],
    ['upsample mode', () => nb.nn.upsample({ mode: 'bicubic' as never }), 'upsample: mode must be'],
  ];
  for (const [name, fn, msg] of cases) it(name, () => expectPlainError(fn, msg));
});
