/**
 * Every registered layer type, built with non-default options, round-trips through
 * config() → JSON → fromConfig and gives the same outputs (after loadStateDict) as the original.
 * A config() that drops an option makes the rebuilt layer compute something else, or its
 * config differ, and fails here.
 */
import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { pinBackend, randn64, values } from './helpers.js';

pinBackend('cpu');

const f64 = { dtype: 'float64' } as const;
const img = (c: number, hw = 6): number[] => [2, c, hw, hw];

/** One or more non-default instances of each registered type, with an input shape (or input), and any further inputs. */
const CASES: Record<string, [() => nb.nn.AnyModule, number[], (() => nb.Tensor)?, (() => unknown[])?][]> = {
  Linear: [[() => nb.nn.linear(3, 4, { ...f64, bias: false, init: 'glorotNormal', l1: 0.1, l2: 0.2 }), [2, 3]]],
  Maxout: [[() => nb.nn.maxout(3, 2, 3, { ...f64, biasInit: 0.5, init: nb.nn.init.normal(0.3, 0.1) }), [2, 3]]],
  Activation: [
    [() => nb.nn.leakyRelu(0.2), [2, 5]],
    [() => nb.nn.elu(0.5), [2, 5]],
    [() => nb.nn.ramp({ low: -0.5, high: 0.25 }), [2, 5]],
    [() => nb.nn.softmax(0), [3, 5]],
    [() => nb.nn.logSoftmax(0), [3, 5]],
    [() => nb.nn.swish(), [2, 5]],
    [() => nb.nn.gelu({ approximate: 'tanh' }), [2, 5]],
    [() => nb.nn.hardtanh({ min: -0.2, max: 0.3 }), [2, 5]],
    [() => nb.nn.softmin(0), [3, 5]],
  ],
  PReLU: [[() => nb.nn.prelu({ numParameters: 3, init: -0.7, dtype: 'float64' }), [2, 3, 4]]],
  Conv2d: [
    [() => nb.nn.conv2d(2, 4, [3, 2], { ...f64, stride: [2, 1], padding: [1, 0, 2, 1], dilation: [1, 2], groups: 2, bias: false }), img(2, 7)],
    [() => nb.nn.conv2d(2, 3, 3, { ...f64, padding: 'same', init: 'heNormal', biasInit: 0.2 }), img(2)],
    [() => nb.nn.conv2d(2, 3, [3, 2], { ...f64, padding: [2, 1], paddingMode: 'replicate' }), img(2)],
  ],
  Conv2dTranspose: [[() => nb.nn.conv2dTranspose(2, 4, 3, { ...f64, stride: 2, padding: 1, outputPadding: 1, dilation: 1, groups: 2 }), img(2, 4)]],
  MaxPool2d: [
    [() => nb.nn.maxPool2d([3, 2], { stride: [2, 1], padding: [1, 0] }), img(2, 7)],
    [() => nb.nn.maxPool2d(2, { dilation: [2, 1], ceilMode: true }), img(2, 7)],
  ],
  AvgPool2d: [
    [() => nb.nn.avgPool2d(3, { stride: 2, padding: 1, countIncludePad: true }), img(2, 7)],
    [() => nb.nn.avgPool2d(2, { padding: 1, countIncludePad: false }), img(2, 5)],
    [() => nb.nn.avgPool2d(3, { stride: 2, padding: 1, countIncludePad: true, ceilMode: true }), img(2, 6)],
  ],
  MaxPool1d: [[() => nb.nn.maxPool1d(3, { stride: 2, padding: 1, dilation: 2, ceilMode: true }), [2, 2, 9]]],
  AvgPool1d: [[() => nb.nn.avgPool1d(3, { stride: 2, padding: [1, 0], countIncludePad: true, ceilMode: true }), [2, 2, 8]]],
  MaxPool3d: [[() => nb.nn.maxPool3d([2, 3, 2], { stride: [1, 2, 2], padding: [1, 1, 0], dilation: [1, 1, 2], ceilMode: true }), [1, 2, 4, 5, 6]]],
  AvgPool3d: [[() => nb.nn.avgPool3d(2, { padding: 1, countIncludePad: true, ceilMode: true }), [1, 2, 3, 4, 5]]],
  AdaptiveAvgPool1d: [[() => nb.nn.adaptiveAvgPool1d(3), [2, 2, 7]]],
  AdaptiveMaxPool1d: [[() => nb.nn.adaptiveMaxPool1d(4), [2, 2, 7]]],
  AdaptiveAvgPool2d: [[() => nb.nn.adaptiveAvgPool2d([2, 3]), img(2, 7)]],
  AdaptiveMaxPool2d: [[() => nb.nn.adaptiveMaxPool2d(3), img(2, 7)]],
  BatchNorm1d: [
    [() => nb.nn.batchNorm1d(3, { ...f64, eps: 1e-3, momentum: null }), [4, 3]],
    [() => nb.nn.batchNorm1d(2, { ...f64, affine: false, momentum: 0.5 }), [3, 2, 5]],
  ],
  BatchNorm2d: [[() => nb.nn.batchNorm2d(2, { ...f64, trackRunningStats: false, eps: 0.1 }), img(2)]],
  LayerNorm: [[() => nb.nn.layerNorm([3, 4], { ...f64, eps: 1e-3 }), [2, 3, 4]], [() => nb.nn.layerNorm(4, { ...f64, elementwiseAffine: false }), [2, 4]]],
  Upsample: [[() => nb.nn.upsample({ scaleFactor: [2, 3], mode: 'bilinear' }), img(2, 3)], [() => nb.nn.upsample({ scaleFactor: 3 }), img(1, 2)]],
  GlobalAvgPool2d: [[() => nb.nn.globalAvgPool2d({ keepDims: true }), img(2)]],
  GlobalMaxPool2d: [[() => nb.nn.globalMaxPool2d(), img(2)]],
  Conv1d: [[() => nb.nn.conv1d(2, 4, 3, { ...f64, stride: 2, padding: [1, 2], dilation: 2, groups: 2, paddingMode: 'reflect', bias: false }), [2, 2, 9]]],
  Conv3d: [[() => nb.nn.conv3d(2, 3, [2, 3, 2], { ...f64, stride: [1, 2, 1], padding: 'same', dilation: [1, 1, 2], paddingMode: 'circular', biasInit: 0.1 }), [1, 2, 4, 5, 5]]],
  Subsampling: [[() => nb.nn.subsampling(2, { kernel: 3, activation: 'sigmoid', dtype: 'float64' }), img(2)]],
  PartialConv2d: [[() => nb.nn.partialConv2d(3, 2, 3, [[0, 2], [1]], { ...f64, stride: 2, padding: 1, bias: false }), img(3, 7)]],
  Flatten: [[() => nb.nn.flatten(), [2, 3, 4]]],
  Reshape: [[() => nb.nn.reshape([-1, 2]), [2, 3, 4]]],
  Dropout: [[() => nb.nn.dropout(0.3), [2, 50]]],
  Sequential: [[() => nb.nn.sequential(nb.nn.linear(3, 4, f64), nb.nn.tanh(), nb.nn.dropout(0.5), nb.nn.linear(4, 2, f64)), [2, 3]]],
  Residual: [
    [() => nb.nn.residual(nb.nn.sequential(nb.nn.linear(3, 3, f64), nb.nn.relu())), [2, 3]],
    [() => nb.nn.residual(nb.nn.linear(3, 2, f64), nb.nn.linear(3, 2, { ...f64, bias: false })), [2, 3]],
  ],
  RandomAffine: [[() => nb.nn.randomAffine({ maxShift: 1.5, maxRotation: 20 }), [2, 1, 5, 5]]],
  Perceptron: [[() => nb.nn.perceptron(3, 2, { activation: 'step', weights: [[1, -1], [0.5, 2], [-1, 1]], bias: [0.25, -0.5], trainable: true }), [4, 3]]],
  Embedding: [[() => nb.nn.embedding(5, 3, { paddingIdx: -1, init: nb.nn.init.uniform(-2, 2), dtype: 'float64' }), [], () => nb.tensor([[0, 4, 2], [1, 1, 3]], { dtype: 'int32' })]],
  RNNCell: [[() => nb.nn.rnnCell(3, 2, { nonlinearity: 'relu', bias: false, dtype: 'float64' }), [2, 3]]],
  LSTMCell: [[() => nb.nn.lstmCell(3, 2, f64), [2, 3]]],
  GRUCell: [[() => nb.nn.gruCell(3, 2, f64), [2, 3]]],
  RNN: [[() => nb.nn.rnn(3, 2, { ...f64, nonlinearity: 'relu', numLayers: 2, dropout: 0.5, batchFirst: false }), [4, 2, 3]]],
  LSTM: [[() => nb.nn.lstm(3, 2, { ...f64, bidirectional: true, numLayers: 2, returnSequences: false }), [2, 4, 3]]],
  GRU: [[() => nb.nn.gru(3, 2, { ...f64, bidirectional: true, bias: false }), [2, 4, 3]]],
  Pick: [[() => nb.nn.pick(nb.nn.gru(3, 2, f64), 1), [2, 4, 3]]],
  Attention: [
    [() => nb.nn.attention({ kind: 'additive', queryDim: 3, keyDim: 4, hiddenDim: 5, bias: false, dtype: 'float64' }), [2, 2, 3], undefined, () => [randn64([2, 4, 4], 5), null, { lengths: [4, 2] }]],
    [() => nb.nn.attention({ kind: 'general', queryDim: 3, keyDim: 2, dtype: 'float64' }), [2, 3], undefined, () => [randn64([2, 4, 2], 5), randn64([2, 4, 3], 6)]],
    [() => nb.nn.attention({ kind: 'dot', queryDim: 3, scale: true, dtype: 'float64' }), [2, 3], undefined, () => [randn64([2, 4, 3], 5)]],
  ],
};

/** Every tensor in a module's output (a tensor, or tuples and objects of them). */
function tensorsIn(v: unknown): nb.Tensor[] {
  if (v instanceof nb.Tensor) return [v];
  if (Array.isArray(v)) return v.flatMap(tensorsIn);
  return v !== null && typeof v === 'object' ? Object.values(v).flatMap(tensorsIn) : [];
}

/** Runs m on x (and any further inputs) with the global generator reseeded (dropout, augmentation draw the same numbers). */
function run(m: nb.nn.AnyModule, x: nb.Tensor, rest: unknown[] = []): number[] {
  nb.seed(11);
  return tensorsIn(nb.noGrad(() => m.call(x, ...rest))).flatMap(values);
}

describe('config() → fromConfig round trip of every registered layer type', () => {
  it('covers every registered type', () => {
    expect(Object.keys(CASES).sort()).toEqual(nb.nn.layerTypes());
  });

  for (const [type, cases] of Object.entries(CASES)) {
    cases.forEach(([make, shape, input, more], i) => {
      it(`${type} #${i}: same config, parameters, trainability and outputs (training and eval)`, () => {
        nb.seed(3);
        const m = make();
        expect(m.config().type).toBe(type);
        const cfg = JSON.parse(JSON.stringify(m.config())) as nb.nn.LayerConfig;
        const r = nb.nn.fromConfig<nb.nn.AnyModule>(cfg);
        expect(r.config()).toEqual(m.config());
        expect(r.namedParameters().map(([n, p]) => [n, p.shape, p.dtype, p.requiresGrad])).toEqual(
          m.namedParameters().map(([n, p]) => [n, p.shape, p.dtype, p.requiresGrad]),
        );
        r.loadStateDict(m.stateDict());
        expect(r.numParameters()).toBe(m.numParameters());
        const x = input ? input() : randn64(shape, 7 + i);
        const rest = more ? more() : [];
        for (const training of [true, false]) {
          m.train(training);
          r.train(training);
          expect(run(r, x, rest), `training=${training}`).toEqual(run(m, x, rest));
        }
      });
    });
  }
});
