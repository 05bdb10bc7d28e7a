/**
 * conv1d, conv3d, the pooling options (1-D, 3-D, dilation, ceilMode, adaptive, global) and the
 * padding modes: values and input/filter gradients against PyTorch (test/fixtures/torch/conv.json,
 * written by scripts/torch/conv.py), gradient checks (float64 on cpu) and second derivatives.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { forEachBackend } from './backends.js';
import { check, expectTensor, rnd } from './helpers.js';

interface Case {
  op: string;
  args: Record<string, unknown>;
  x: number[];
  xShape: number[];
  w?: number[];
  wShape?: number[];
  y: number[];
  yShape: number[];
  grads?: { x: number[]; w?: number[] };
}
const fixture = JSON.parse(readFileSync(new URL('../fixtures/torch/conv.json', import.meta.url), 'utf8')) as { cases: Case[] };

/** The nabla call for a fixture case (`w` for convolutions). */
function run(c: Case, x: nb.Tensor, w: nb.Tensor | null): nb.Tensor {
  const { kernel, outSize, pads, mode, ...opts } = c.args as { kernel?: unknown; outSize?: unknown; pads?: [number, number][]; mode?: nb.PadMode };
  switch (c.op) {
    case 'conv1d': return nb.conv1d(x, w!, opts);
    case 'conv3d': return nb.conv3d(x, w!, opts);
    case 'maxPool1d': return nb.maxPool1d(x, kernel as number, opts);
    case 'avgPool1d': return nb.avgPool1d(x, kernel as number, opts);
    case 'maxPool2d': return nb.maxPool2d(x, kernel as nb.Pair, opts);
    case 'avgPool2d': return nb.avgPool2d(x, kernel as nb.Pair, opts);
    case 'maxPool3d': return nb.maxPool3d(x, kernel as nb.Triple, opts);
    case 'avgPool3d': return nb.avgPool3d(x, kernel as nb.Triple, opts);
    case 'adaptiveAvgPool2d': return nb.adaptiveAvgPool2d(x, outSize as nb.Pair);
    case 'adaptiveMaxPool2d': return nb.adaptiveMaxPool2d(x, outSize as nb.Pair);
    case 'adaptiveAvgPool1d': return nb.adaptiveAvgPool1d(x, outSize as number);
    case 'adaptiveMaxPool1d': return nb.adaptiveMaxPool1d(x, outSize as number);
    case 'pad': return nb.pad(x, pads!, { mode });
    default: throw new Error(`unknown case ${c.op}`);
  }
}

/** Distinct values 0.05 apart in a seeded random order: max pooling stays smooth under float32 central differences. */
function distinct(shape: number[], seed: number): nb.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const r = new nb.Random(seed);
  const v = Array.from({ length: n }, (_, i) => (i - n / 2) * 0.05);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(r.uniform() * (i + 1));
    [v[i], v[j]] = [v[j]!, v[i]!];
  }
  return nb.tensor(v, { shape });
}

forEachBackend('conv1d, conv3d, pooling options, padding modes', () => {
  describe('against PyTorch', () => {
    fixture.cases.filter((c) => !c.op.endsWith('Layer')).forEach((c, i) => {
      it(`${c.op} #${i} ${JSON.stringify(c.args)}`, async () => {
        const x = nb.tensor(c.x, { shape: c.xShape }).requireGrad();
        const w = c.w ? nb.tensor(c.w, { shape: c.wShape }).requireGrad() : null;
        const y = run(c, x, w);
        await expectTensor(y, c.y, c.yShape, 1e-4);
        if (!c.grads) return;
        const r = nb.reshape(nb.linspace(-1, 1, c.y.length), c.yShape);
        nb.sum(nb.mul(y, r)).backward();
        await expectTensor(x.grad!, c.grads.x, c.xShape, 1e-4);
        if (w) await expectTensor(w.grad!, c.grads.w!, c.wShape, 1e-4);
      });
    });
  });

  describe('forward by hand', () => {
    it('conv1d of a ramp with [1, −1] is the negated difference', async () => {
      await expectTensor(nb.conv1d(nb.tensor([[[1, 2, 4, 7]]]), nb.tensor([[[1, -1]]])), [[[-1, -2, -3]]], [1, 1, 3]);
    });
    it('conv3d with a 1×1×1 filter scales; a box filter sums the box', async () => {
      const x = nb.reshape(nb.arange(8, undefined, 1, { dtype: 'float32' }), [1, 1, 2, 2, 2]);
      await expectTensor(nb.conv3d(x, nb.full([1, 1, 1, 1, 1], 2)), [0, 2, 4, 6, 8, 10, 12, 14], [1, 1, 2, 2, 2]);
      await expectTensor(nb.conv3d(x, nb.ones([1, 1, 2, 2, 2])), [28], [1, 1, 1, 1, 1]);
    });
    it('pad modes on a row [1, 2, 3]', async () => {
      const x = nb.tensor([[1, 2, 3]]);
      await expectTensor(nb.pad(x, [[0, 0], [2, 2]], { mode: 'reflect' }), [[3, 2, 1, 2, 3, 2, 1]]);
      await expectTensor(nb.pad(x, [[0, 0], [2, 2]], { mode: 'replicate' }), [[1, 1, 1, 2, 3, 3, 3]]);
      await expectTensor(nb.pad(x, [[0, 0], [2, 3]], { mode: 'circular' }), [[2, 3, 1, 2, 3, 1, 2, 3]]);
      await expectTensor(nb.pad(x, [[0, 0], [1, 1]], { mode: 'constant', value: 9 }), [[9, 1, 2, 3, 9]]);
      await expectTensor(nb.padMode(x, [[1, 0], [0, 1]], 'replicate'), [[1, 2, 3, 3], [1, 2, 3, 3]]);
      await expectTensor(x.pad([[0, 0], [1, 1]], { mode: 'reflect' }), [[2, 1, 2, 3, 2]]);
    });
    it('ceilMode: the last window must start inside the input or the left padding', async () => {
      // 5 wide, kernel 2, stride 2: ceil gives 3 windows; with padding 1 the 4th would start in the right padding
      expect(nb.maxPool2d(nb.zeros([1, 1, 5, 5]), 2, { stride: 2, ceilMode: true }).shape).toEqual([1, 1, 3, 3]);
      expect(nb.maxPool2d(nb.zeros([1, 1, 6, 6]), 2, { stride: 2, padding: 1, ceilMode: true }).shape).toEqual([1, 1, 4, 4]);
      expect(nb.maxPool2d(nb.zeros([1, 1, 5, 5]), 2, { stride: 2, padding: 1, ceilMode: true }).shape).toEqual([1, 1, 3, 3]);
      await expectTensor(nb.avgPool1d(nb.tensor([[[1, 2, 3, 4, 5]]]), 2, { ceilMode: true }), [[[1.5, 3.5, 5]]]);
    });
    it('dilated max pooling by hand', async () => {
      const x = nb.tensor([[[[1, 9, 2, 0], [0, 0, 0, 0], [3, 8, 4, 7]]]]);
      await expectTensor(nb.maxPool2d(x, 2, { dilation: 2, stride: 1 }), [[[[4, 9]]]], [1, 1, 1, 2]);
    });
    it('adaptive pooling: PyTorch bins (overlapping when sizes do not divide)', async () => {
      const x = nb.tensor([[[1, 5, 2, 8, 3]]]);
      // bins of 5 into 3: [0,2) [1,4) [3,5)
      await expectTensor(nb.adaptiveAvgPool1d(x, 3), [[[3, 5, 5.5]]], [1, 1, 3]);
      await expectTensor(nb.adaptiveMaxPool1d(x, 3), [[[5, 8, 8]]], [1, 1, 3]);
      await expectTensor(nb.adaptiveAvgPool2d(nb.ones([1, 2, 3, 3]), 1), [1, 1], [1, 2, 1, 1]);
    });
    it('global pooling: [N, C] or [N, C, 1, 1]', async () => {
      const x = nb.reshape(nb.arange(8, undefined, 1, { dtype: 'float32' }), [1, 2, 2, 2]);
      await expectTensor(nb.globalAvgPool2d(x), [[1.5, 5.5]], [1, 2]);
      await expectTensor(nb.globalMaxPool2d(x, { keepDims: true }), [3, 7], [1, 2, 1, 1]);
    });
  });

  describe('gradients', () => {
    it('gradcheck conv1d and conv3d in x and filter', async () => {
      await check((x, w) => nb.conv1d(x!, w!, { stride: 2, padding: 'same', dilation: 1 }), [rnd([2, 2, 7], 300), rnd([3, 2, 3], 301)]);
      await check((x, w) => nb.conv1d(x!, w!, { groups: 2, dilation: 2, padding: [1, 2] }), [rnd([1, 4, 6], 302), rnd([2, 2, 2], 303)]);
      await check((x, w) => nb.conv3d(x!, w!, { stride: [2, 1, 1], padding: [1, 0, 1], dilation: [1, 2, 1] }), [rnd([1, 2, 4, 4, 3], 304), rnd([2, 2, 2, 2, 2], 305)]);
      await check((x, w) => nb.conv3d(x!, w!, { groups: 2, padding: 'same' }), [rnd([1, 2, 3, 3, 3], 306), rnd([2, 1, 2, 3, 2], 307)]);
    });
    it('gradcheck the new poolings', async () => {
      await check((x) => nb.maxPool2d(x!, 2, { dilation: 2, stride: 1, padding: 1, ceilMode: true }), [distinct([1, 2, 5, 6], 310)]);
      await check((x) => nb.maxPool2d(x!, 3, { stride: 2, ceilMode: true }), [distinct([1, 1, 6, 6], 311)]);
      await check((x) => nb.avgPool2d(x!, 3, { stride: 2, padding: 1, ceilMode: true, countIncludePad: true }), [rnd([1, 1, 6, 5], 312)]);
      await check((x) => nb.maxPool1d(x!, 3, { stride: 2, dilation: 2, ceilMode: true }), [distinct([2, 1, 9], 313)]);
      await check((x) => nb.avgPool1d(x!, 2, { padding: 1 }), [rnd([1, 2, 5], 314)]);
      await check((x) => nb.maxPool3d(x!, [2, 3, 2], { stride: [1, 2, 2], padding: [1, 1, 0], ceilMode: true }), [distinct([1, 2, 4, 5, 4], 315)]);
      await check((x) => nb.avgPool3d(x!, 2, { stride: 2, padding: 1, countIncludePad: true, ceilMode: true }), [rnd([1, 1, 3, 4, 5], 316)]);
      await check((x) => nb.adaptiveAvgPool2d(x!, [3, 2]), [rnd([1, 2, 5, 4], 317)]);
      await check((x) => nb.adaptiveMaxPool2d(x!, [2, 3]), [distinct([1, 2, 5, 4], 318)]);
      await check((x) => nb.adaptiveAvgPool1d(x!, 4), [rnd([2, 1, 7], 319)]);
      await check((x) => nb.adaptiveMaxPool1d(x!, 2), [distinct([2, 1, 7], 320)]);
      await check((x) => nb.globalAvgPool2d(x!), [rnd([2, 3, 3, 2], 321)]);
      await check((x) => nb.globalMaxPool2d(x!, { keepDims: true }), [distinct([2, 3, 3, 2], 322)]);
    });
    it('gradcheck the padding modes', async () => {
      for (const mode of ['reflect', 'replicate', 'circular'] as const) {
        await check((x) => nb.pad(x!, [[0, 0], [2, 1], [1, 3]], { mode }), [rnd([2, 3, 4], 330)]);
        await check((x) => nb.padMode(x!, [[1, 1], [0, 0]], mode), [rnd([3, 2], 331)]);
      }
    });
    it('second derivatives through conv1d, conv3d and the composed poolings', async () => {
      const x1 = rnd([1, 2, 5], 340);
      await check((w) => nb.grad((xx: nb.Tensor) => nb.sum(nb.square(nb.conv1d(xx, w!, { padding: 1 }))))(nb.cast(x1, w!.dtype)), [rnd([2, 2, 3], 341)]);
      const x3 = rnd([1, 1, 3, 3, 3], 342);
      await check((w) => nb.grad((xx: nb.Tensor) => nb.sum(nb.square(nb.conv3d(xx, w!, { padding: 1, stride: [2, 1, 1] }))))(nb.cast(x3, w!.dtype)), [rnd([2, 1, 2, 2, 2], 343)]);
      const pools: [(x: nb.Tensor) => nb.Tensor, number[]][] = [
        [(x) => nb.maxPool2d(x, 2, { dilation: 2, ceilMode: true, stride: 2 }), [1, 1, 6, 7]],
        [(x) => nb.maxPool2d(x, 3, { ceilMode: true, stride: 2, padding: 1 }), [1, 2, 6, 5]],
        [(x) => nb.avgPool2d(x, 3, { ceilMode: true, stride: 2, countIncludePad: true }), [1, 1, 6, 6]],
        [(x) => nb.adaptiveAvgPool2d(x, [2, 3]), [1, 1, 5, 4]],
        [(x) => nb.maxPool3d(x, 2, { padding: 1 }), [1, 1, 3, 4, 3]],
        [(x) => nb.avgPool3d(x, 2, { ceilMode: true, countIncludePad: true }), [1, 1, 3, 3, 3]],
        [(x) => nb.adaptiveMaxPool2d(x, [2, 2]), [1, 1, 5, 3]],
        [(x) => nb.pad(x, [[0, 0], [0, 0], [2, 1]], { mode: 'reflect' }), [1, 2, 4]],
      ];
      for (const [i, [pool, shape]] of pools.entries()) {
        const x0 = rnd(shape, 350 + i);
        const outShape = pool(x0).shape;
        await check((v) => nb.grad((x: nb.Tensor) => nb.sum(nb.mul(pool(x), v!)))(nb.cast(x0, v!.dtype)), [rnd(outShape, 360 + i)]);
      }
    });
  });
});
