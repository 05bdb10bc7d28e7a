import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { expectClose, f64, pinBackend, values } from './helpers.js';

// Exact float64 losses and gradients: on the reference backend whatever the default is.
pinBackend('cpu');

const gradOf = (f: (y: nb.Tensor) => nb.Tensor, y0: nb.Tensor): number[] => {
  const y = y0.detach().requireGrad();
  f(y).backward();
  return values(y.grad!);
};

describe('squared error', () => {
  const y = f64([[0.5, 1], [2, 0]]);
  const t = f64([[1, 1], [0, 0]]);
  it('½Σ(y − t)² by default (sum over the batch), per sample with mean or none', () => {
    expectClose(nb.nn.squaredError(y, t), 0.5 * (0.25 + 4), 1e-12);
    expectClose(nb.nn.squaredError(y, t, { reduction: 'mean' }), (0.5 * 4.25) / 2, 1e-12);
    expectClose(nb.nn.squaredError(y, t, { reduction: 'none' }), [0.125, 2], 1e-12, [2]);
  });
  it('its output delta is y − t', () => {
    expect(gradOf((p) => nb.nn.squaredError(p, t), y)).toEqual([-0.5, 0, 2, 0]);
  });
  it('rejects an unknown reduction', () => {
    expect(() => nb.nn.squaredError(y, t, { reduction: 'avg' as nb.nn.Reduction })).toThrow("squaredError: reduction must be 'mean', 'sum' or 'none', got 'avg'");
  });
  it('mse is the mean over every element', () => {
    expectClose(nb.nn.mse(y, t), 4.25 / 4, 1e-12);
    expect(() => nb.nn.mse(y, f64([1, 2]))).toThrow('mse: prediction is [2,2] but target is [2]; they must match');
  });
});

describe('binary cross-entropy', () => {
  const p = f64([[0.9], [0.2], [0.5]]);
  const t = f64([[1], [0], [1]]);
  const expected = -(Math.log(0.9) + Math.log(0.8) + Math.log(0.5)) / 3;
  it('from probabilities: −mean[t ln y + (1 − t) ln(1 − y)]; finite at 0 and 1', () => {
    expectClose(nb.nn.binaryCrossEntropy(p, t), expected, 1e-12);
    const edge = nb.nn.binaryCrossEntropy(f64([[0], [1]]), f64([[1], [0]]));
    expect(Number.isFinite(edge.item())).toBe(true);
    expect(edge.item()).toBeCloseTo(-Math.log(1e-7), 3);
  });
  it('from logits equals the probability form and stays finite for huge logits', () => {
    const z = f64([[Math.log(9)], [Math.log(0.25)], [0]]);
    expectClose(nb.nn.binaryCrossEntropyWithLogits(z, t), expected, 1e-12);
    expectClose(nb.nn.binaryCrossEntropyWithLogits(f64([[800], [-800]]), f64([[0], [1]]), { reduction: 'none' }), [800, 800], 1e-9);
    expectClose(nb.nn.binaryCrossEntropyWithLogits(f64([[800], [-800]]), f64([[1], [0]])), 0, 1e-12);
  });
  it('the logits gradient is (σ(z) − t)/N', () => {
    const z = f64([[0.3], [-1.2]]);
    const tt = f64([[1], [0]]);
    const s = (v: number): number => 1 / (1 + Math.exp(-v));
    gradOf((q) => nb.nn.binaryCrossEntropyWithLogits(q, tt), z).forEach((g, i) => expect(g).toBeCloseTo([(s(0.3) - 1) / 2, s(-1.2) / 2][i]!, 12));
  });
});

describe('softmax cross-entropy', () => {
  const z = f64([[2, 1, 0.1], [0.5, 2.5, 0.3]]);
  const logSm = (row: number[]): number[] => {
    const m = Math.max(...row);
    const l = Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0)) + m;
    return row.map((v) => v - l);
  };
  const ls = [logSm([2, 1, 0.1]), logSm([0.5, 2.5, 0.3])];
  const expected = -(ls[0]![0]! + ls[1]![2]!) / 2;
  it('int32 labels, one-hot rows and float labels agree', () => {
    expectClose(nb.nn.softmaxCrossEntropy(z, nb.tensor([0, 2], { dtype: 'int32' })), expected, 1e-12);
    expectClose(nb.nn.softmaxCrossEntropy(z, f64([[1, 0, 0], [0, 0, 1]])), expected, 1e-12);
    expectClose(nb.nn.softmaxCrossEntropy(z, f64([0, 2])), expected, 1e-12);
    expectClose(nb.nn.softmaxCrossEntropy(z, f64([[1, 0, 0], [0, 0, 1]]), { reduction: 'sum' }), 2 * expected, 1e-12);
  });
  it('accepts soft targets (probability rows)', () => {
    const soft = f64([[0.5, 0.5, 0], [0, 0.25, 0.75]]);
    const e = -(0.5 * ls[0]![0]! + 0.5 * ls[0]![1]! + 0.25 * ls[1]![1]! + 0.75 * ls[1]![2]!) / 2;
    expectClose(nb.nn.softmaxCrossEntropy(z, soft), e, 1e-12);
  });
  it('its gradient with respect to the logits is (softmax(z) − t)/N', () => {
    const t = f64([[1, 0, 0], [0, 0, 1]]);
    const sm = values(nb.softmax(z));
    const tv = values(t);
    gradOf((q) => nb.nn.softmaxCrossEntropy(q, t), z).forEach((g, i) => expect(g).toBeCloseTo((sm[i]! - tv[i]!) / 2, 12));
  });
  it('is stable for huge logits', () => {
    const l = nb.nn.softmaxCrossEntropy(f64([[1000, 0], [0, -1000]]), nb.tensor([1, 1], { dtype: 'int32' }));
    expect(l.item()).toBeCloseTo((1000 + 1000) / 2, 9);
  });
  it('clear errors for mismatched targets', () => {
    expect(() => nb.nn.softmaxCrossEntropy(z, nb.tensor([0, 1, 2], { dtype: 'int32' }))).toThrow('softmaxCrossEntropy: 3 labels for a batch of 2');
    expect(() => nb.nn.softmaxCrossEntropy(z, f64([[1, 0], [0, 1]]))).toThrow('softmaxCrossEntropy: targets must be int32 labels [2] or one-hot/probabilities [2, 3], got [2,2]');
    expect(() => nb.nn.softmaxCrossEntropy(f64([1, 2]), f64([1]))).toThrow('logits must be [batch, classes]');
  });
  it('crossEntropy from probabilities matches it on softmax outputs; accuracy counts arg-max hits', () => {
    const t = nb.tensor([0, 2], { dtype: 'int32' });
    expectClose(nb.nn.crossEntropy(nb.softmax(z), t), expected, 1e-12);
    expect(nb.nn.accuracy(z, t)).toBe(0.5);
    expect(nb.nn.accuracy(z, f64([[1, 0, 0], [0, 1, 0]]))).toBe(1);
  });
});
