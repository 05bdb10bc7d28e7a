import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { checkModuleGrads, expectClose, f64, pinBackend, randn64, values } from './helpers.js';

// Exact float64 values and gradchecks: on the reference backend whatever the default is.
pinBackend('cpu');

const xs = [-2, -0.5, 0, 0.5, 2];
const sig = (v: number): number => 1 / (1 + Math.exp(-v));
const SA = 1.6732632423543772; // α = 1.6732632423543772 to double precision
const SS = 1.0507009873554805; // scale = 1.0507009873554805

// x·Φ(x) to 17 digits (Φ(2) = 0.9772498680518208, Φ(0.5) = 0.6914624612740131)
const GELU: Record<number, number> = { [-2]: -0.04550026389635842, [-0.5]: -0.15426876936299344, 0: 0, 0.5: 0.34573123063700656, 2: 1.9544997361036416 };

const cases: [string, nb.nn.Module, (v: number) => number][] = [
  ['step', nb.nn.step(), (v) => (v > 0 ? 1 : 0)],
  ['sign', nb.nn.sign(), (v) => Math.sign(v)],
  ['linear', nb.nn.identity(), (v) => v],
  ['ramp', nb.nn.ramp(), (v) => Math.min(Math.max(v, 0), 1)],
  ['ramp [-1, 1]', nb.nn.ramp({ low: -1, high: 1 }), (v) => Math.min(Math.max(v, -1), 1)],
  ['sigmoid', nb.nn.sigmoid(), sig],
  ['tanh', nb.nn.tanh(), Math.tanh],
  ['relu', nb.nn.relu(), (v) => Math.max(v, 0)],
  ['leakyRelu', nb.nn.leakyRelu(0.1), (v) => (v > 0 ? v : 0.1 * v)],
  ['elu(0.5)', nb.nn.elu(0.5), (v) => (v > 0 ? v : 0.5 * (Math.exp(v) - 1))],
  ['selu', nb.nn.selu(), (v) => SS * (v > 0 ? v : SA * (Math.exp(v) - 1))],
  ['swish', nb.nn.swish(), (v) => v * sig(v)],
  ['softplus', nb.nn.softplus(), (v) => Math.log1p(Math.exp(v))],
  ['gelu', nb.nn.gelu(), (v) => GELU[v]!],
  ['gelu tanh', nb.nn.gelu({ approximate: 'tanh' }), (v) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)))],
  ['hardtanh', nb.nn.hardtanh(), (v) => Math.min(Math.max(v, -1), 1)],
  ['hardtanh [-0.25, 1.5]', nb.nn.hardtanh({ min: -0.25, max: 1.5 }), (v) => Math.min(Math.max(v, -0.25), 1.5)],
  ['relu6', nb.nn.relu6(), (v) => Math.min(Math.max(v, 0), 6)],
  ['softsign', nb.nn.softsign(), (v) => v / (1 + Math.abs(v))],
  ['mish', nb.nn.mish(), (v) => v * Math.tanh(Math.log1p(Math.exp(v)))],
  ['hardswish', nb.nn.hardswish(), (v) => (v * Math.min(Math.max(v + 3, 0), 6)) / 6],
  ['logSigmoid', nb.nn.logSigmoid(), (v) => -Math.log1p(Math.exp(-v))],
];

describe('activation layers', () => {
  it.each(cases)('%s: forward values', (_, layer, f) => {
    expectClose(layer.call(f64(xs)), xs.map(f), 1e-12);
  });

  it.each(cases.filter(([n]) => !['step', 'sign'].includes(n)))('%s: gradient matches finite differences (away from kinks)', (_, layer) => {
    checkModuleGrads(layer, f64([[-1.7, -0.3, 0.4, 1.3], [0.6, -2.2, 0.9, 1.6]]));
  });

  it('step and sign have zero gradient everywhere (for hand-built and perceptron networks)', () => {
    for (const layer of [nb.nn.step(), nb.nn.sign()]) {
      const x = f64(xs).requireGrad();
      nb.sum(layer.call(x)).backward();
      expect(values(x.grad!)).toEqual([0, 0, 0, 0, 0]);
    }
  });

  it('softmax rows sum to one and match exp/Σexp; softmax along another axis', () => {
    const x = f64([[1, 2, 3], [1000, 1000, 1001]]);
    const y = nb.nn.softmax().call(x);
    const e = [1, 2, 3].map(Math.exp);
    const s = e[0]! + e[1]! + e[2]!;
    const e2 = [1, 1, Math.E];
    const s2 = 2 + Math.E;
    expectClose(y, [...e.map((v) => v / s), ...e2.map((v) => v / s2)], 1e-12);
    expectClose(nb.sum(nb.nn.softmax(0).call(x), 0), [1, 1, 1], 1e-12);
    checkModuleGrads(nb.nn.softmax(), randn64([2, 3]));
    checkModuleGrads(nb.nn.logSoftmax(), randn64([2, 3], 2));
  });

  it('activation(name) builds any of them and rejects unknown names', () => {
    for (const n of nb.nn.ACTIVATIONS) expect(nb.nn.activation(n).config().activation).toBe(n);
    expect(() => nb.nn.activation('gelU' as nb.nn.ActivationName)).toThrow(/activation: name must be one of 'step', .*, got string "gelU"/);
    for (const n of ['gelu', 'hardtanh', 'relu6', 'softsign', 'mish', 'hardswish', 'logSigmoid', 'softmin'] as const) expect(nb.nn.ACTIVATIONS).toContain(n);
  });

  it('activation(name, options) for the new activations, and their display names', () => {
    expectClose(nb.nn.activation('gelu', { approximate: 'tanh' }).call(f64([1])), [0.5 * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * 1.044715))], 1e-12);
    expectClose(nb.nn.activation('hardtanh', { min: 0, max: 0.5 }).call(f64([-1, 0.25, 3])), [0, 0.25, 0.5], 1e-12);
    expectClose(nb.nn.activation('softmin', { axis: 0 }).call(f64([[0, 0], [0, Math.log(3)]])), [0.5, 0.75, 0.5, 0.25], 1e-12);
    expect(nb.nn.gelu().typeName).toBe('GELU');
    expect(nb.nn.relu6().typeName).toBe('ReLU6');
    expect(nb.nn.logSigmoid().typeName).toBe('LogSigmoid');
  });

  it('softmin layer: softmax of −x along the axis, and its gradient', () => {
    const x = f64([[1, 2, 3], [0, 0, Math.log(2)]]);
    const e = [1, 2, 3].map((v) => Math.exp(-v));
    const z = e[0]! + e[1]! + e[2]!;
    expectClose(nb.nn.softmin().call(x), [...e.map((v) => v / z), 0.4, 0.4, 0.2], 1e-12);
    checkModuleGrads(nb.nn.softmin(), randn64([2, 3], 3));
    checkModuleGrads(nb.nn.softmin(0), randn64([3, 2], 4));
  });

  it('new activations check their options, naming the factory', () => {
    expect(() => nb.nn.gelu({ approximate: 'erf' as 'tanh' })).toThrow("gelu: approximate must be one of 'none', 'tanh', got string \"erf\"");
    expect(() => nb.nn.gelu({ approx: 'tanh' } as unknown as { approximate: 'tanh' })).toThrow("gelu: unknown option 'approx' in options; known options: approximate");
    expect(() => nb.nn.hardtanh({ min: 2, max: 1 })).toThrow('hardtanh: min (2) must be less than max (1)');
    expect(() => nb.nn.hardtanh({ min: null as unknown as number })).toThrow('hardtanh: min must be a finite number, got null');
    expect(() => nb.nn.softmin(1.5)).toThrow('softmin: axis must be an integer, got 1.5');
    expect(() => nb.nn.activation('relu6', { approximate: 'tanh' })).toThrow("activation: option 'approximate' does not apply to relu6");
    expect(() => nb.nn.mish().call('x' as unknown as nb.Tensor)).toThrow('Mish.call: x must be a Tensor');
  });
});

describe('prelu', () => {
  it('learns one shared slope (init 0.25) and its gradient is Σ min(0, x)·dy', () => {
    const p = nb.nn.prelu({ dtype: 'float64' });
    expect(p.alpha.shape).toEqual([1]);
    expectClose(p.call(f64([-4, -1, 0, 3])), [-1, -0.25, 0, 3], 1e-12);
    nb.sum(p.call(f64([-4, -1, 0, 3]))).backward();
    expectClose(p.alpha.grad!, [-5], 1e-12);
    checkModuleGrads(nb.nn.prelu({ dtype: 'float64', init: 0.1 }), f64([[-1.5, 0.7], [2, -0.2]]));
  });
  it('one slope per channel on NCHW and on [N, C]', () => {
    const p = nb.nn.prelu({ numParameters: 2, dtype: 'float64' });
    p.loadStateDict({ alpha: f64([0.5, 2]) });
    expectClose(p.call(f64([[[[-1]], [[-1]]]])), [-0.5, -2], 1e-12, [1, 2, 1, 1]);
    expectClose(p.call(f64([[-1, -1]])), [-0.5, -2], 1e-12);
    checkModuleGrads(p, f64([[[[-1, 2]], [[-3, 0.5]]]]));
    expect(() => p.call(f64([[-1, -1, 1]]))).toThrow('prelu: input has 3 channels on axis 1, expected 2');
  });
});

describe('LeNet-5 classic blocks', () => {
  it('subsampling: 2×2 average × coefficient + bias, then the activation; trainable', () => {
    const s = nb.nn.subsampling(2, { activation: 'linear', dtype: 'float64' });
    expect(s.numParameters()).toBe(4);
    s.loadStateDict({ coefficient: f64([[[2]], [[-1]]]), bias: f64([[[1]], [[0]]]) });
    const x = f64([[[[1, 2], [3, 4]], [[4, 4], [8, 8]]]]);
    expectClose(s.call(x), [2 * 2.5 + 1, -6], 1e-12, [1, 2, 1, 1]);
    expect(nb.nn.subsampling(6).call(nb.zeros([1, 6, 28, 28])).shape).toEqual([1, 6, 14, 14]);
    checkModuleGrads(nb.nn.subsampling(2, { dtype: 'float64' }), randn64([1, 2, 4, 4]));
  });

  it('C3: the classic table has 60 connections and 1,516 parameters; unconnected weights stay zero', () => {
    const rows = nb.nn.LENET5_C3_TABLE;
    expect(rows.reduce((n, r) => n + r.length, 0)).toBe(60);
    // Table I of LeCun et al.: S2 map 0 feeds C3 maps 0, 4, 5, 6, 9, 10, 11, 12, 14, 15.
    expect(rows.map((r, o) => (r.includes(0) ? o : -1)).filter((o) => o >= 0)).toEqual([0, 4, 5, 6, 9, 10, 11, 12, 14, 15]);
    const c3 = nb.nn.lenet5C3();
    expect(c3.numParameters()).toBe(1516);
    expect(c3.call(nb.zeros([1, 6, 14, 14])).shape).toEqual([1, 16, 10, 10]);
    const w = values(c3.weight);
    for (let o = 0; o < 16; o++) {
      for (let i = 0; i < 6; i++) {
        const slice = w.slice((o * 6 + i) * 25, (o * 6 + i + 1) * 25);
        if (!rows[o]!.includes(i)) expect(slice.every((v) => v === 0)).toBe(true);
        else expect(slice.some((v) => v !== 0)).toBe(true);
      }
    }
  });

  it('partial conv: output maps see only their table inputs; gradients of unconnected weights are zero', () => {
    const c = nb.nn.partialConv2d(2, 2, 1, [[0], [0, 1]], { dtype: 'float64', init: 1, biasInit: 0 });
    expectClose(c.weight, [1, 0, 1, 1], 0);
    expectClose(c.call(f64([[[[3]], [[5]]]])), [3, 8], 1e-12);
    nb.sum(c.call(f64([[[[3]], [[5]]]]))).backward();
    expectClose(c.weight.grad!, [3, 0, 3, 5], 1e-12);
    checkModuleGrads(nb.nn.partialConv2d(3, 2, 2, [[0, 2], [1]], { dtype: 'float64' }), randn64([1, 3, 3, 3]));
    expect(() => nb.nn.partialConv2d(2, 2, 1, [[0]])).toThrow(/table has 1 rows/);
    expect(() => nb.nn.partialConv2d(2, 1, 1, [[2]])).toThrow(/names input channel 2/);
  });
});
