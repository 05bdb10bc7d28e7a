/**
 * Batch norm, layer norm and upsample against PyTorch (test/fixtures/torch/norm.json, written by
 * scripts/torch/norm.py): training outputs and input/parameter gradients, running statistics
 * after three training steps, evaluation outputs, and loading PyTorch's state dict by name.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { expectClose, pinBackend, values } from './helpers.js';

pinBackend('cpu');

interface BnCase {
  name: string;
  numFeatures: number;
  shape: number[];
  options: { momentum?: number | null; eps?: number; affine?: boolean; track_running_stats?: boolean };
  xs: number[][];
  gy: number[];
  weight?: number[];
  bias?: number[];
  train_y0: number[];
  grad_x0: number[];
  grad_weight?: number[];
  grad_bias?: number[];
  running_mean?: number[];
  running_var?: number[];
  num_batches_tracked?: number;
  x_eval: number[];
  eval_y: number[];
}
interface LnCase { shape: number[]; normalizedShape: number[]; x: number[]; gy: number[]; weight: number[]; bias: number[]; y: number[]; grad_x: number[]; grad_weight: number[]; grad_bias: number[] }
interface UpCase { mode: 'nearest' | 'bilinear'; scaleFactor: number | [number, number]; shape: number[]; x: number[]; y: number[]; outShape: number[]; gy: number[]; grad_x: number[] }
const fx = JSON.parse(readFileSync(new URL('../fixtures/torch/norm.json', import.meta.url), 'utf8')) as { batchNorm: BnCase[]; layerNorm: LnCase[]; upsample: UpCase[] };

const t64 = (v: number[], shape: number[]): nb.Tensor => nb.fromArray(Float64Array.from(v), shape, { backend: 'cpu' });

function build(c: BnCase): nb.nn.BatchNorm {
  const o = c.options;
  const opts: nb.nn.BatchNormOptions = { dtype: 'float64' };
  if (o.momentum !== undefined) opts.momentum = o.momentum;
  if (o.eps !== undefined) opts.eps = o.eps;
  if (o.affine !== undefined) opts.affine = o.affine;
  if (o.track_running_stats !== undefined) opts.trackRunningStats = o.track_running_stats;
  return c.shape.length === 4 ? nb.nn.batchNorm2d(c.numFeatures, opts) : nb.nn.batchNorm1d(c.numFeatures, opts);
}

describe('batch norm against PyTorch', () => {
  for (const c of fx.batchNorm) {
    it(c.name, () => {
      const m = build(c);
      if (c.weight) {
        m.weight!.assign(t64(c.weight, [c.numFeatures]));
        m.bias!.assign(t64(c.bias!, [c.numFeatures]));
      }
      const x0 = t64(c.xs[0]!, c.shape).requireGrad();
      const y0 = m.call(x0);
      expectClose(y0, c.train_y0, 1e-10);
      nb.sum(nb.mul(y0, t64(c.gy, c.shape))).backward();
      expectClose(x0.grad!, c.grad_x0, 1e-10);
      if (c.grad_weight) {
        expectClose(m.weight!.grad!, c.grad_weight, 1e-10);
        expectClose(m.bias!.grad!, c.grad_bias!, 1e-10);
      }
      nb.noGrad(() => {
        m.call(t64(c.xs[1]!, c.shape));
        m.call(t64(c.xs[2]!, c.shape));
      });
      if (c.running_mean) {
        expectClose(m.runningMean!, c.running_mean, 1e-12);
        expectClose(m.runningVar!, c.running_var!, 1e-12);
        expect(m.numBatchesTracked!.item()).toBe(c.num_batches_tracked);
      } else {
        expect(m.namedBuffers()).toEqual([]);
      }
      m.eval();
      expectClose(m.call(t64(c.x_eval, c.shape)), c.eval_y, 1e-10);
    });
  }

  it("loads PyTorch's state dict (weight, bias, running_mean, running_var, num_batches_tracked) by name", () => {
    const c = fx.batchNorm[0]!;
    const m = build(c);
    const sd = {
      weight: { shape: [c.numFeatures], data: c.weight! },
      bias: { shape: [c.numFeatures], data: c.bias! },
      running_mean: { shape: [c.numFeatures], data: c.running_mean! },
      running_var: { shape: [c.numFeatures], data: c.running_var! },
      num_batches_tracked: c.num_batches_tracked!,
    };
    const r = nb.io.loadTorchStateDict(m, sd);
    expect(r.loaded).toEqual(['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked']);
    m.eval();
    expectClose(m.call(t64(c.x_eval, c.shape)), c.eval_y, 1e-10);
    expect(m.numBatchesTracked!.item()).toBe(3);
  });
});

describe('layer norm against PyTorch', () => {
  fx.layerNorm.forEach((c, i) => {
    it(`#${i} normalizedShape ${JSON.stringify(c.normalizedShape)}`, () => {
      const m = nb.nn.layerNorm(c.normalizedShape, { dtype: 'float64' });
      m.weight!.assign(t64(c.weight, c.normalizedShape));
      m.bias!.assign(t64(c.bias, c.normalizedShape));
      const x = t64(c.x, c.shape).requireGrad();
      const y = m.call(x);
      expectClose(y, c.y, 1e-10);
      nb.sum(nb.mul(y, t64(c.gy, c.shape))).backward();
      expectClose(x.grad!, c.grad_x, 1e-10);
      expectClose(m.weight!.grad!, c.grad_weight, 1e-10);
      expectClose(m.bias!.grad!, c.grad_bias, 1e-10);
    });
  });
});

describe('upsample against PyTorch', () => {
  fx.upsample.forEach((c, i) => {
    it(`#${i} ${c.mode} ×${JSON.stringify(c.scaleFactor)}`, () => {
      const m = nb.nn.upsample({ scaleFactor: c.scaleFactor, mode: c.mode });
      const x = t64(c.x, c.shape).requireGrad();
      const y = m.call(x);
      expect(y.shape).toEqual(c.outShape);
      expectClose(y, c.y, 1e-12);
      nb.sum(nb.mul(y, t64(c.gy, c.outShape))).backward();
      expectClose(x.grad!, c.grad_x, 1e-12);
      expect(values(y).length).toBe(c.y.length);
    });
  });
});
