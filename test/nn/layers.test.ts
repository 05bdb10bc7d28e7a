import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { checkModuleGrads, expectClose, f64, pinBackend, randn64, values } from './helpers.js';

// float64 layers (values to 1e-12, gradchecks) live on the reference backend: the describe
// blocks that build them pin 'cpu'; dropout runs on the default backend.
const D = { dtype: 'float64' } as const;

describe('linear', () => {
  pinBackend('cpu');
  it('computes y = xW + b in the row convention (W is [in, out])', () => {
    const l = nb.nn.linear(2, 3, D);
    expect(l.weight.shape).toEqual([2, 3]);
    expect(l.bias!.shape).toEqual([3]);
    l.loadStateDict({ weight: f64([[1, 2, 3], [4, 5, 6]]), bias: f64([0.5, -1, 0]) });
    expectClose(l.call(f64([[1, 1], [2, -1]])), [5.5, 6, 9, -1.5, -2, 0], 1e-12, [2, 3]);
  });

  it('without bias, and on [..., in] inputs', () => {
    const l = nb.nn.linear(2, 1, { ...D, bias: false, init: 1 });
    expect(l.bias).toBeNull();
    expect(l.namedParameters().map(([n]) => n)).toEqual(['weight']);
    expectClose(l.call(f64([[[1, 2]], [[3, 4]]])), [3, 7], 0, [2, 1, 1]);
  });

  it('gradients match finite differences', () => {
    checkModuleGrads(nb.nn.linear(3, 2, D), randn64([4, 3]));
  });

  it('names the shapes when the input has the wrong number of features', () => {
    expect(() => nb.nn.linear(4, 2).call(nb.zeros([2, 3]))).toThrow('linear: input has 3 features, expected 4: x is [2,3]');
    expect(() => nb.nn.linear(0, 2)).toThrow(/inFeatures must be a positive integer/);
  });
});

describe('maxout', () => {
  pinBackend('cpu');
  it('takes the max of k affine pieces per unit', () => {
    const m = nb.nn.maxout(1, 2, 3, D);
    // unit 0: pieces x, -x, 0.5x + 1; unit 1: pieces 2x, 3x, -5
    m.loadStateDict({ weight: f64([[1, -1, 0.5, 2, 3, 0]]), bias: f64([0, 0, 1, 0, 0, -5]) });
    expectClose(m.call(f64([[2], [-3]])), [2, 6, 3, -5], 1e-12, [2, 2]);
  });
  it('gradients match finite differences', () => {
    checkModuleGrads(nb.nn.maxout(3, 2, 2, D), randn64([3, 3], 2));
  });
});

describe('conv2d layer', () => {
  pinBackend('cpu');
  it('adds a per-channel bias to nb.conv2d and keeps NCHW', () => {
    const c = nb.nn.conv2d(2, 3, 3, { ...D, padding: 1 });
    expect(c.weight.shape).toEqual([3, 2, 3, 3]);
    const x = randn64([1, 2, 4, 4]);
    c.loadStateDict({ weight: randn64([3, 2, 3, 3], 3), bias: f64([1, 2, 3]) });
    const y = c.call(x);
    expect(y.shape).toEqual([1, 3, 4, 4]);
    const ref = nb.add(nb.conv2d(x, c.weight, { padding: 1 }), nb.reshape(c.bias!, [3, 1, 1]));
    expectClose(y, values(ref), 1e-12);
  });
  it('gradients (input, filter, bias) match finite differences with stride and groups', () => {
    checkModuleGrads(nb.nn.conv2d(2, 2, 3, { ...D, stride: 2, padding: 1 }), randn64([2, 2, 5, 5]));
    checkModuleGrads(nb.nn.conv2d(2, 4, [2, 1], { ...D, groups: 2 }), randn64([1, 2, 3, 3], 4));
  });
  it('errors name the expected channels', () => {
    expect(() => nb.nn.conv2d(3, 4, 3).call(nb.zeros([1, 1, 5, 5]))).toThrow('conv2d: input has 1 channels, expected 3: x is [1,1,5,5]');
    expect(() => nb.nn.conv2d(3, 4, 3).call(nb.zeros([5, 5]))).toThrow(/4-D NCHW/);
  });
});

describe('conv2dTranspose layer', () => {
  pinBackend('cpu');
  it('upsamples with stride 2 and has gradients matching finite differences', () => {
    const c = nb.nn.conv2dTranspose(2, 1, 2, { ...D, stride: 2 });
    expect(c.weight.shape).toEqual([2, 1, 2, 2]);
    expect(c.call(randn64([1, 2, 3, 3])).shape).toEqual([1, 1, 6, 6]);
    checkModuleGrads(nb.nn.conv2dTranspose(2, 2, 3, { ...D, stride: 2, padding: 1, outputPadding: 1 }), randn64([1, 2, 2, 2], 5));
  });
  it('one input pixel stamps the filter (plus bias)', () => {
    const c = nb.nn.conv2dTranspose(1, 1, 2, { ...D, stride: 2 });
    c.loadStateDict({ weight: f64([[[[1, 2], [3, 4]]]]), bias: f64([10]) });
    expectClose(c.call(f64([[[[1, -1]]]])), [11, 12, 9, 8, 13, 14, 7, 6], 1e-12, [1, 1, 2, 4]);
  });
});

describe('pooling layers', () => {
  pinBackend('cpu');
  it('maxPool2d and avgPool2d: values and stride default = kernel', () => {
    const x = f64([[[[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12], [13, 14, 15, 16]]]]);
    expectClose(nb.nn.maxPool2d(2).call(x), [6, 8, 14, 16], 0, [1, 1, 2, 2]);
    expectClose(nb.nn.avgPool2d(2).call(x), [3.5, 5.5, 11.5, 13.5], 0, [1, 1, 2, 2]);
    expect(nb.nn.maxPool2d(3, { stride: 1 }).call(x).shape).toEqual([1, 1, 2, 2]);
  });
  it('gradients match finite differences (distinct values for max)', () => {
    const x = nb.tensor(Array.from({ length: 32 }, (_, i) => ((i * 7) % 32) / 3), { dtype: 'float64', shape: [1, 2, 4, 4] });
    checkModuleGrads(nb.nn.maxPool2d(2), x);
    checkModuleGrads(nb.nn.avgPool2d(2, { stride: 1, padding: 1 }), x);
  });
});

describe('flatten and reshape', () => {
  pinBackend('cpu');
  it('flatten keeps the batch axis', () => {
    expect(nb.nn.flatten().call(nb.zeros([2, 3, 4, 5])).shape).toEqual([2, 60]);
    expect(nb.nn.flatten().call(nb.zeros([2, 7])).shape).toEqual([2, 7]);
  });
  it('reshape maps each sample, with -1 allowed, and names the sample shape on error', () => {
    expect(nb.nn.reshape([1, 28, 28]).call(nb.zeros([3, 784])).shape).toEqual([3, 1, 28, 28]);
    expect(nb.nn.reshape([-1, 2]).call(nb.zeros([3, 8])).shape).toEqual([3, 4, 2]);
    expect(() => nb.nn.reshape([5, 5]).call(nb.zeros([3, 784]))).toThrow('reshape: a sample of shape [784] (784 values) cannot become [5,5]: x is [3,784]');
  });
  it('gradients pass through', () => {
    checkModuleGrads(nb.nn.sequential(nb.nn.reshape([2, 3]), nb.nn.flatten()), randn64([2, 6]));
  });
});

describe('dropout', () => {
  it('zeros about `rate` of the values and scales the rest by 1/(1 − rate); identity in eval', () => {
    nb.seed(123);
    const d = nb.nn.dropout(0.25);
    const x = nb.ones([100, 100]);
    const y = values(d.call(x));
    const zeros = y.filter((v) => v === 0).length;
    expect(zeros / y.length).toBeGreaterThan(0.23);
    expect(zeros / y.length).toBeLessThan(0.27);
    for (const v of y) if (v !== 0) expect(v).toBeCloseTo(1 / 0.75, 6);
    d.eval();
    expect(d.call(x)).toBe(x);
  });
  it('is repeatable under nb.seed and its gradient is the mask', () => {
    const x = nb.randn([4, 5], { random: new nb.Random(1) }).requireGrad();
    nb.seed(9);
    const a = values(nb.nn.dropout(0.5).call(x));
    nb.seed(9);
    const d = nb.nn.dropout(0.5);
    const y = d.call(x);
    expect(values(y)).toEqual(a);
    nb.sum(y).backward();
    values(x.grad!).forEach((g, i) => expect(g).toBe(a[i] === 0 ? 0 : 2));
  });
  it('rejects rates outside [0, 1)', () => {
    expect(() => nb.nn.dropout(1)).toThrow('dropout: rate must be a finite number ≥ 0 and < 1, got 1');
  });
});

describe('residual', () => {
  pinBackend('cpu');
  it('adds the identity shortcut, and a given shortcut', () => {
    const body = nb.nn.linear(2, 2, { ...D, init: 0, biasInit: 1 });
    expectClose(nb.nn.residual(body).call(f64([[1, 2]])), [2, 3], 0);
    const r = nb.nn.residual(nb.nn.sequential(nb.nn.conv2d(2, 3, 3, { ...D, padding: 1 }), nb.nn.relu()), nb.nn.conv2d(2, 3, 1, D));
    expect(r.namedParameters().map(([n]) => n)).toEqual(['body.0.weight', 'body.0.bias', 'shortcut.weight', 'shortcut.bias']);
    checkModuleGrads(r, randn64([1, 2, 3, 3], 11));
  });
  it('names both shapes when body and shortcut disagree', () => {
    expect(() => nb.nn.residual(nb.nn.linear(2, 3)).call(nb.zeros([1, 2]))).toThrow('residual: the body gives [1,3] but the shortcut gives [1,2]');
  });
});

describe('sequential', () => {
  pinBackend('cpu');
  it('chains layers, names parameters by index, and gives layers back', () => {
    const s = nb.nn.sequential(nb.nn.linear(3, 4, D), nb.nn.tanh(), nb.nn.linear(4, 2, D));
    expect(s.length).toBe(3);
    expect(s.at(1)).toBeInstanceOf(nb.nn.Activation);
    expect(s.at(-1)).toBeInstanceOf(nb.nn.Linear);
    expect(s.namedParameters().map(([n]) => n)).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
    expect(s.children().map(([n]) => n)).toEqual(['0', '1', '2']);
    checkModuleGrads(s, randn64([2, 3]));
    expect(() => nb.nn.sequential(nb.nn.relu(), 3 as unknown as nb.nn.Module)).toThrow('sequential: layers[1] must be a Module, got 3');
  });
});
