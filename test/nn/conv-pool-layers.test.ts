/**
 * conv1d/conv3d layers, paddingMode, and the 1-D/3-D, adaptive and global pooling layers: values
 * against PyTorch (test/fixtures/torch/conv.json), gradients of inputs and parameters in
 * float64, summaries, save/load, and errors naming the layer, the argument and the shapes.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { checkModuleGrads, expectClose, expectPlainError, pinBackend, randn64, type ErrorCase } from './helpers.js';

pinBackend('cpu');

interface Case {
  op: string;
  args: { padding: number | 'same' | number[]; paddingMode: nb.nn.PaddingMode };
  x: number[];
  xShape: number[];
  w: number[];
  wShape: number[];
  y: number[];
  yShape: number[];
}
const fixture = JSON.parse(readFileSync(new URL('../fixtures/torch/conv.json', import.meta.url), 'utf8')) as { cases: Case[] };

describe('paddingMode against PyTorch (padding_mode)', () => {
  fixture.cases.filter((c) => c.op.endsWith('Layer')).forEach((c, i) => {
    it(`${c.op} #${i} ${JSON.stringify(c.args)}`, () => {
      const [O, Cg, ...k] = c.wShape as [number, number, ...number[]];
      const opts = { padding: c.args.padding, paddingMode: c.args.paddingMode, bias: false, dtype: 'float64' } as const;
      const layer: nb.nn.Module =
        c.op === 'conv1dLayer' ? nb.nn.conv1d(Cg, O, k[0]!, opts as nb.nn.Conv1dLayerOptions)
        : c.op === 'conv3dLayer' ? nb.nn.conv3d(Cg, O, k as [number, number, number], opts as nb.nn.Conv3dLayerOptions)
        : nb.nn.conv2d(Cg, O, k as [number, number], opts as nb.nn.Conv2dLayerOptions);
      layer.loadStateDict({ weight: nb.tensor(c.w, { shape: c.wShape, dtype: 'float64' }) });
      expectClose(layer.call(nb.tensor(c.x, { shape: c.xShape, dtype: 'float64' })), c.y, 1e-7, c.yShape);
    });
  });
});

describe('layers', () => {
  it('shapes and parameters of conv1d and conv3d', () => {
    const c1 = nb.nn.conv1d(3, 8, 5, { padding: 'same' });
    expect(c1.weight.shape).toEqual([8, 3, 5]);
    expect(c1.call(nb.zeros([2, 3, 20])).shape).toEqual([2, 8, 20]);
    const c3 = nb.nn.conv3d(4, 6, [3, 3, 1], { stride: [1, 2, 2], groups: 2 });
    expect(c3.weight.shape).toEqual([6, 2, 3, 3, 1]);
    expect(c3.numParameters()).toBe(6 * 2 * 9 + 6);
    expect(c3.call(nb.zeros([1, 4, 5, 8, 8])).shape).toEqual([1, 6, 3, 3, 4]);
  });

  it('pooling layers: shapes', () => {
    expect(nb.nn.maxPool1d(2).call(nb.zeros([2, 3, 9])).shape).toEqual([2, 3, 4]);
    expect(nb.nn.avgPool1d(2, { ceilMode: true }).call(nb.zeros([2, 3, 9])).shape).toEqual([2, 3, 5]);
    expect(nb.nn.maxPool3d(2).call(nb.zeros([1, 2, 4, 6, 8])).shape).toEqual([1, 2, 2, 3, 4]);
    expect(nb.nn.avgPool3d([1, 2, 2]).call(nb.zeros([1, 2, 4, 6, 8])).shape).toEqual([1, 2, 4, 3, 4]);
    expect(nb.nn.adaptiveAvgPool2d([1, 2]).call(nb.zeros([2, 3, 7, 7])).shape).toEqual([2, 3, 1, 2]);
    expect(nb.nn.adaptiveMaxPool1d(3).call(nb.zeros([2, 3, 7])).shape).toEqual([2, 3, 3]);
    expect(nb.nn.globalAvgPool2d().call(nb.zeros([2, 3, 7, 7])).shape).toEqual([2, 3]);
    expect(nb.nn.globalMaxPool2d({ keepDims: true }).call(nb.zeros([2, 3, 7, 7])).shape).toEqual([2, 3, 1, 1]);
    expect(nb.nn.maxPool2d(3, { stride: 2, ceilMode: true }).call(nb.zeros([1, 1, 8, 8])).shape).toEqual([1, 1, 4, 4]);
  });

  it('summary names the new layers and their output shapes', () => {
    const m = nb.nn.sequential(
      nb.nn.conv3d(1, 4, 3, { padding: 1, paddingMode: 'replicate' }), nb.nn.maxPool3d(2), nb.nn.relu(),
    );
    const s = m.summary([1, 4, 8, 8]);
    expect(s).toContain('Conv3d');
    expect(s).toContain('MaxPool3d');
    expect(s).toMatch(/MaxPool3d +\[batch, 4, 2, 4, 4\]/);
    expect(s).toMatch(/Conv3d +\[batch, 4, 4, 8, 8\] +112/);
    const net = nb.nn.sequential(nb.nn.conv1d(2, 4, 3), nb.nn.adaptiveAvgPool1d(5), nb.nn.flatten());
    expect(net.summary([2, 16])).toContain('AdaptiveAvgPool1d');
    const cls = nb.nn.sequential(nb.nn.conv2d(3, 8, 3, { padding: 1, paddingMode: 'reflect' }), nb.nn.globalAvgPool2d(), nb.nn.linear(8, 2));
    expect(cls.summary([3, 9, 9])).toContain('GlobalAvgPool2d');
  });

  it('a model with the new layers saves and loads (config + state dict)', () => {
    nb.seed(5);
    const make = (): nb.nn.Module => nb.nn.sequential(
      nb.nn.conv1d(2, 4, 3, { padding: 1, paddingMode: 'circular' }), nb.nn.maxPool1d(2, { ceilMode: true }), nb.nn.adaptiveMaxPool1d(2), nb.nn.flatten(), nb.nn.linear(8, 3),
    );
    const m = make();
    const r = nb.nn.fromConfig(JSON.parse(JSON.stringify(m.config())) as nb.nn.LayerConfig);
    r.loadStateDict(m.stateDict());
    const x = nb.randn([2, 2, 9]);
    expectClose(r.call(x), Array.from(m.call(x).dataSync() as Float32Array), 1e-6);
  });

  it('gradients of inputs and parameters (float64), with padding modes', () => {
    nb.seed(1);
    const f64 = { dtype: 'float64' } as const;
    checkModuleGrads(nb.nn.conv1d(2, 3, 3, { ...f64, padding: 2, dilation: 2, paddingMode: 'reflect' }), randn64([2, 2, 6], 2));
    checkModuleGrads(nb.nn.conv3d(2, 2, [2, 2, 3], { ...f64, padding: 1, stride: [2, 1, 1], paddingMode: 'replicate' }), randn64([1, 2, 3, 3, 4], 3));
    checkModuleGrads(nb.nn.conv2d(1, 2, 3, { ...f64, padding: 'same', paddingMode: 'circular' }), randn64([1, 1, 4, 4], 4));
    checkModuleGrads(nb.nn.adaptiveAvgPool2d([2, 3]), randn64([1, 2, 5, 4], 5));
    checkModuleGrads(nb.nn.avgPool3d(2, { padding: 1 }), randn64([1, 1, 3, 3, 3], 6));
  });
});

const u = <T>(v: unknown): T => v as T;
const ERRORS: ErrorCase[] = [
  ['conv1d paddingMode', () => nb.nn.conv1d(2, 2, 3, u({ paddingMode: 'mirror' })), "conv1d: paddingMode must be one of 'zeros', 'reflect', 'replicate', 'circular', got string \"mirror\""],
  ['conv2d paddingMode', () => nb.nn.conv2d(2, 2, 3, u({ paddingMode: 1 })), 'conv2d: paddingMode must be one of'],
  ['conv3d kernel', () => nb.nn.conv3d(2, 2, u([3, 3])), 'conv3d: kernel must be an integer ≥ 1 or 3 of them, got'],
  ['conv3d groups', () => nb.nn.conv3d(3, 2, 3, { groups: 2 }), 'conv3d: groups 2 must divide inChannels 3 and outChannels 2'],
  ['conv1d input rank', () => nb.nn.conv1d(2, 2, 3).call(nb.zeros([1, 2, 3, 4])), 'conv1d: input must be 3-D NCL [batch, channels, length], got [1,2,3,4]'],
  ['conv3d input channels', () => nb.nn.conv3d(2, 2, 1).call(nb.zeros([1, 3, 2, 2, 2])), 'conv3d: input has 3 channels, expected 2: x is [1,3,2,2,2]'],
  ['reflect too wide', () => nb.nn.conv1d(1, 1, 3, { padding: 3, paddingMode: 'reflect' }).call(nb.zeros([1, 1, 3])), "conv1d: pad [3,3] of axis 2 must be smaller than the axis (3) in mode 'reflect': x is [1,1,3]"],
  ['maxPool1d dilation array', () => nb.nn.maxPool1d(2, u({ dilation: [2] })), 'maxPool1d: dilation must be an integer ≥ 1, got'],
  ['avgPool3d dilation', () => nb.nn.avgPool3d(2, u({ dilation: 2 })), "avgPool3d: unknown option 'dilation'"],
  ['adaptiveAvgPool2d outSize', () => nb.nn.adaptiveAvgPool2d(u(0)), 'adaptiveAvgPool2d: outSize must be an integer ≥ 1 or 2 of them, got 0'],
  ['globalMaxPool2d keepDims', () => nb.nn.globalMaxPool2d(u({ keepDims: 1 })), 'globalMaxPool2d: keepDims must be true or false, got 1'],
  ['maxPool3d input rank', () => nb.nn.maxPool3d(2).call(nb.zeros([1, 2, 4, 4])), 'maxPool3d: x must be 5-D NCDHW [batch, channels, depth, height, width], got [1,2,4,4]'],
  // ops
  ['conv3d op filter rank', () => nb.conv3d(nb.zeros([1, 2, 3, 3, 3]), nb.zeros([2, 2, 3, 3])), 'conv3d: filter must be 5-D [outChannels, inChannels/groups, kD, kH, kW], got [2,2,3,3]'],
  ['conv1d op channels', () => nb.conv1d(nb.zeros([1, 3, 5]), nb.zeros([2, 2, 3])), 'conv1d: filter expects 2 input channels (2 per group × 1 groups) but x has 3: x is [1,3,5], filter is [2,2,3]'],
  ['conv3d op too large', () => nb.conv3d(nb.zeros([1, 1, 2, 5, 5]), nb.zeros([1, 1, 3, 3, 3])), 'conv3d: kernel 3×3×3 (dilation 1×1×1) is larger than the padded input: x is [1,1,2,5,5], filter is [1,1,3,3,3]'],
  ['conv3d op padding', () => nb.conv3d(nb.zeros([1, 1, 3, 3, 3]), nb.zeros([1, 1, 1, 1, 1]), u({ padding: [1, 1] })), 'conv3d: padding must be an integer ≥ 0, [d, h, w], [front, back, top, bottom, left, right], \'same\' or \'valid\', got'],
  ['maxPool2d op padding', () => nb.maxPool2d(nb.zeros([1, 1, 5, 5]), 2, { padding: 2 }), 'maxPool2d: padding [2,2,2,2] must be smaller than the kernel 2×2'],
  ['pad mode', () => nb.pad(nb.zeros([2, 2]), [[1, 1], [0, 0]], u({ mode: 'wrap' })), "pad: mode must be one of 'constant', 'reflect', 'replicate', 'circular', got string \"wrap\""],
  ['pad circular', () => nb.pad(nb.zeros([2, 2]), [[3, 0], [0, 0]], { mode: 'circular' }), "pad: pad [3,0] of axis 0 must be at most the axis length (2) in mode 'circular': x is [2,2]"],
  ['padMode option', () => nb.pad(nb.zeros([2, 2]), [[1, 1], [0, 0]], u({ mod: 'reflect' })), "pad: unknown option 'mod'"],
  ['adaptiveMaxPool2d empty', () => nb.adaptiveMaxPool2d(nb.zeros([1, 1, 0, 3]), 2), 'adaptiveMaxPool2d: x has an empty spatial axis: x is [1,1,0,3]'],
];

describe('errors', () => {
  for (const [name, fn, msg] of ERRORS) it(name, () => expectPlainError(fn, msg));
});
