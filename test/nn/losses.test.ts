import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { expectClose, f64, onBackend, pinBackend, values } from './helpers.js';
import { checkSync as check } from '../conformance/helpers.js';

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
    expect(() => nb.nn.squaredError(y, t, { reduction: 'avg' as nb.nn.Reduction })).toThrow('squaredError: reduction must be one of \'mean\', \'sum\', \'none\', got string "avg"');
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

describe('class labels are checked (integers in [0, classes))', () => {
  const z = f64([[2, 1, 0.1], [0.5, 2.5, 0.3], [0, 0, 0], [1, 1, 1]]);
  const i32 = (v: number[]): nb.Tensor => nb.tensor(v, { dtype: 'int32' });
  it('softmaxCrossEntropy rejects a label ≥ the class count or negative, naming the value and its index', () => {
    expect(() => nb.nn.softmaxCrossEntropy(z, i32([0, 1, 2, 3]))).toThrow('softmaxCrossEntropy: targets[3] is 3, but logits [4,3] have 3 classes (labels must be integers in [0, 3))');
    expect(() => nb.nn.softmaxCrossEntropy(z, i32([0, -1, 2, 0]))).toThrow('softmaxCrossEntropy: targets[1] is -1, but logits [4,3] have 3 classes (labels must be integers in [0, 3))');
    expect(() => nb.nn.softmaxCrossEntropy(f64([[1, 2]]), i32([10]))).toThrow('softmaxCrossEntropy: targets[0] is 10, but logits [1,2] have 2 classes');
  });
  it('float labels must hold integers (no silent truncation of 0.9 to 0)', () => {
    expect(() => nb.nn.softmaxCrossEntropy(z, f64([0.9, 2.9, 0, 1]))).toThrow('softmaxCrossEntropy: targets[0] is 0.9, not an integer (labels must be integers in [0, 3))');
    expect(() => nb.nn.softmaxCrossEntropy(z, f64([0, 1, NaN, 1]))).toThrow('softmaxCrossEntropy: targets[2] is NaN, not an integer');
    expect(() => nb.nn.crossEntropy(nb.softmax(z), f64([0, 1, 2, 2.5]))).toThrow('crossEntropy: targets[3] is 2.5, not an integer (labels must be integers in [0, 3))');
  });
  it('crossEntropy and accuracy check labels the same way', () => {
    expect(() => nb.nn.crossEntropy(nb.softmax(z), i32([0, 1, 3, 0]))).toThrow('crossEntropy: targets[2] is 3, but predictions [4,3] have 3 classes (labels must be integers in [0, 3))');
    expect(() => nb.nn.accuracy(z, i32([0, 1, 2, 7]))).toThrow('accuracy: targets[3] is 7, but predictions [4,3] have 3 classes (labels must be integers in [0, 3))');
    expect(() => nb.nn.accuracy(z, f64([0, 0.5, 2, 1]))).toThrow('accuracy: targets[1] is 0.5, not an integer');
    expect(nb.nn.accuracy(z, f64([0, 1, 2, 1]))).toBe(0.5);
  });
  it('also on the wasm backend (synchronous read of the label vector)', () => {
    onBackend('wasm', () => {
      const zz = nb.tensor([[2, 1], [0, 3]]);
      expect(() => nb.nn.softmaxCrossEntropy(zz, nb.tensor([1, 2], { dtype: 'int32' }))).toThrow('softmaxCrossEntropy: targets[1] is 2, but logits [2,2] have 2 classes');
      expect(nb.nn.softmaxCrossEntropy(zz, nb.tensor([0, 1], { dtype: 'int32' })).item()).toBeCloseTo(Math.log(1 + Math.exp(-1)) / 2 + Math.log(1 + Math.exp(-3)) / 2, 5);
    });
  });
  it('one-hot/probability rows that do not match the class count keep failing clearly', () => {
    expect(() => nb.nn.softmaxCrossEntropy(z, f64([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [1, 0, 0, 0]]))).toThrow('softmaxCrossEntropy: targets must be int32 labels [4] or one-hot/probabilities [4, 3], got [4,4]');
    expect(() => nb.nn.crossEntropy(z, f64([[1, 0], [0, 1], [1, 0], [0, 1]]))).toThrow('crossEntropy: targets must be int32 labels [4] or one-hot/probabilities [4, 3], got [4,2]');
    expect(() => nb.nn.accuracy(z, f64([[1, 0], [0, 1], [1, 0], [0, 1]]))).toThrow('accuracy: targets [4,2] do not match predictions [4,3]');
  });
});

describe('−∞ logits (masking) give a finite loss and gradient', () => {
  const z = f64([[-Infinity, 1, 2], [0, -Infinity, 3]]);
  const e = (v: number): number => Math.exp(v);
  // by hand: row 0 keeps classes 1 and 2; row 1 classes 0 and 2
  const ls0 = [-Infinity, 1 - Math.log(e(1) + e(2)), 2 - Math.log(e(1) + e(2))];
  const ls1 = [0 - Math.log(e(0) + e(3)), -Infinity, 3 - Math.log(e(0) + e(3))];
  const sm = [[0, e(1) / (e(1) + e(2)), e(2) / (e(1) + e(2))], [e(0) / (e(0) + e(3)), 0, e(3) / (e(0) + e(3))]];
  // expectClose lets NaN through (NaN compares false), so finiteness is asserted on its own
  const finite = (t: nb.Tensor): void => values(t).forEach((v, i) => expect(Number.isFinite(v), `element ${i} is ${v}`).toBe(true));
  it('class-index targets: the loss gathers the target log-probability', () => {
    const t = nb.tensor([2, 0], { dtype: 'int32' });
    finite(nb.nn.softmaxCrossEntropy(z, t));
    finite(nb.nn.softmaxCrossEntropy(z, t, { reduction: 'none' }));
    expectClose(nb.nn.softmaxCrossEntropy(z, t), -(ls0[2]! + ls1[0]!) / 2, 1e-12);
    expectClose(nb.nn.softmaxCrossEntropy(z, t, { reduction: 'none' }), [-ls0[2]!, -ls1[0]!], 1e-12, [2]);
    const oneHot = [[0, 0, 1], [1, 0, 0]];
    const g = gradOf((q) => nb.nn.softmaxCrossEntropy(q, t), z);
    expect(g.every(Number.isFinite)).toBe(true);
    g.forEach((v, i) => expect(v).toBeCloseTo((sm[Math.floor(i / 3)]![i % 3]! - oneHot[Math.floor(i / 3)]![i % 3]!) / 2, 12));
  });
  it('probability targets: 0·(−∞) counts as 0', () => {
    const t = f64([[0, 0.25, 0.75], [1, 0, 0]]);
    finite(nb.nn.softmaxCrossEntropy(z, t));
    finite(nb.nn.softmaxCrossEntropy(z, t, { reduction: 'none' }));
    expectClose(nb.nn.softmaxCrossEntropy(z, t), -(0.25 * ls0[1]! + 0.75 * ls0[2]! + ls1[0]!) / 2, 1e-12);
    const tv = [[0, 0.25, 0.75], [1, 0, 0]];
    const g = gradOf((q) => nb.nn.softmaxCrossEntropy(q, t), z);
    expect(g.every(Number.isFinite)).toBe(true);
    g.forEach((v, i) => expect(v).toBeCloseTo((sm[Math.floor(i / 3)]![i % 3]! - tv[Math.floor(i / 3)]![i % 3]!) / 2, 12));
  });
  it('a −∞ logit on the target class gives an infinite loss (the true value), not NaN', () => {
    expect(nb.nn.softmaxCrossEntropy(z, nb.tensor([0, 2], { dtype: 'int32' })).item()).toBe(Infinity);
  });
});

describe('binaryCrossEntropy saturates; the logits form does not', () => {
  it('a confidently wrong probability gets a zero gradient through the clamp, the logits form a full one', () => {
    // prediction 1 (σ(40) rounds to 1 in float64) for target 0
    const p = f64([[1]]);
    const t = f64([[0]]);
    expect(gradOf((q) => nb.nn.binaryCrossEntropy(q, t), p)).toEqual([0]);
    const g = gradOf((q) => nb.nn.binaryCrossEntropyWithLogits(q, t), f64([[40]]));
    expect(g[0]).toBeCloseTo(1, 12); // σ(40) − 0
    // through a sigmoid the probability form's gradient vanishes as well
    expect(gradOf((q) => nb.nn.binaryCrossEntropy(nb.sigmoid(q), t), f64([[40]]))).toEqual([0]);
  });
});

describe('loss arguments are checked at run time', () => {
  const bad = <T>(v: unknown): T => v as T;
  const z = f64([[1, 2], [3, 4]]);
  const lab = nb.tensor([0, 1], { dtype: 'int32' });
  const cases: [string, () => unknown, string][] = [
    ['mse null', () => nb.nn.mse(bad(null), z), 'mse: prediction must be a Tensor, got null'],
    ['mse array', () => nb.nn.mse(z, bad([[1, 2], [3, 4]])), 'mse: target must be a Tensor, got an array'],
    ['squaredError string', () => nb.nn.squaredError(bad('y'), z), 'squaredError: prediction must be a Tensor, got string "y"'],
    ['squaredError options', () => nb.nn.squaredError(z, z, bad(null)), 'squaredError: options must be an object, got null'],
    ['squaredError reduction', () => nb.nn.squaredError(z, z, { reduction: bad('avg') }), "squaredError: reduction must be one of 'mean', 'sum', 'none', got string \"avg\""],
    ['binaryCrossEntropy number', () => nb.nn.binaryCrossEntropy(bad(0.5), z), 'binaryCrossEntropy: prediction must be a Tensor, got 0.5'],
    ['binaryCrossEntropy eps', () => nb.nn.binaryCrossEntropy(z, z, { eps: -1 }), 'binaryCrossEntropy: eps must be a finite number > 0 and < 0.5, got -1'],
    ['binaryCrossEntropy unknown option', () => nb.nn.binaryCrossEntropy(z, z, bad({ epsilon: 1e-3 })), "binaryCrossEntropy: unknown option 'epsilon'"],
    ['binaryCrossEntropyWithLogits undefined', () => nb.nn.binaryCrossEntropyWithLogits(z, bad(undefined)), 'binaryCrossEntropyWithLogits: target must be a Tensor, got undefined'],
    ['softmaxCrossEntropy null', () => nb.nn.softmaxCrossEntropy(bad(null), lab), 'softmaxCrossEntropy: logits must be a Tensor, got null'],
    ['softmaxCrossEntropy array targets', () => nb.nn.softmaxCrossEntropy(z, bad([0, 1])), 'softmaxCrossEntropy: targets must be a Tensor, got an array'],
    ['softmaxCrossEntropy bool targets', () => nb.nn.softmaxCrossEntropy(z, nb.tensor([true, false])), 'softmaxCrossEntropy: integer labels must be int32 (or float holding integers), got bool'],
    ['softmaxCrossEntropy reduction', () => nb.nn.softmaxCrossEntropy(z, lab, { reduction: bad(1) }), "softmaxCrossEntropy: reduction must be one of 'mean', 'sum', 'none', got 1"],
    ['crossEntropy string', () => nb.nn.crossEntropy(bad('p'), lab), 'crossEntropy: predictions must be a Tensor, got string "p"'],
    ['crossEntropy eps', () => nb.nn.crossEntropy(z, lab, { eps: 2 }), 'crossEntropy: eps must be a finite number > 0 and < 1, got 2'],
    ['accuracy null', () => nb.nn.accuracy(bad(null), lab), 'accuracy: predictions must be a Tensor, got null'],
    ['accuracy number targets', () => nb.nn.accuracy(z, bad(1)), 'accuracy: targets must be a Tensor, got 1'],
    ['accuracy label count', () => nb.nn.accuracy(z, nb.tensor([0], { dtype: 'int32' })), 'accuracy: 1 targets for 2 predictions'],
  ];
  it.each(cases)('%s', (_name, call, message) => {
    expect(call).toThrow(message);
  });
});

// ---- L1, Huber / SmoothL1, NLL, KL divergence, hinge; reduction on every loss ----------------

/** Gradient check of a loss in its prediction on cpu (float64) and wasm (float32), as the conformance suite does. */
function lossGradcheck(f: (y: nb.Tensor, t: nb.Tensor) => nb.Tensor, y: number[][], t: () => nb.Tensor): void {
  for (const be of ['cpu', 'wasm']) {
    onBackend(be, () => {
      const tt = t().to(be);
      const yy = nb.tensor(y, { backend: be });
      check((p) => f(p, tt.dtype === 'int32' ? tt : nb.cast(tt, p.dtype)), [yy]);
    });
  }
}

describe('l1Loss', () => {
  const y = f64([[0.5, 1], [2, -1]]);
  const t = f64([[1, 1], [0, 0]]);
  it('mean |y − t| over every element, sum, or elementwise', () => {
    expectClose(nb.nn.l1Loss(y, t), (0.5 + 0 + 2 + 1) / 4, 1e-12);
    expectClose(nb.nn.l1Loss(y, t, { reduction: 'sum' }), 3.5, 1e-12);
    expectClose(nb.nn.l1Loss(y, t, { reduction: 'none' }), [0.5, 0, 2, 1], 1e-12, [2, 2]);
  });
  it('gradient sign(y − t)/n, checked on cpu and wasm', () => {
    expect(gradOf((p) => nb.nn.l1Loss(p, t), f64([[0.5, 1.5], [2, -1]]))).toEqual([-0.25, 0.25, 0.25, -0.25]);
    lossGradcheck((p, q) => nb.nn.l1Loss(p, q), [[0.5, 1.7], [2, -1]], () => nb.tensor([[1, 1], [0, 0]]));
  });
});

describe('huberLoss and smoothL1Loss (PyTorch definitions)', () => {
  const y = f64([0.5, 3, -2, 0]);
  const t = f64([0, 0, 0, 0]);
  it('huber: ½d² for |d| ≤ δ, δ(|d| − ½δ) beyond', () => {
    expectClose(nb.nn.huberLoss(y, t, { reduction: 'none' }), [0.125, 2.5, 1.5, 0], 1e-12, [4]);
    expectClose(nb.nn.huberLoss(y, t, { delta: 2, reduction: 'none' }), [0.125, 4, 2, 0], 1e-12);
    expectClose(nb.nn.huberLoss(y, t), (0.125 + 2.5 + 1.5) / 4, 1e-12);
    expectClose(nb.nn.huberLoss(y, t, { reduction: 'sum' }), 4.125, 1e-12);
  });
  it('smoothL1: ½d²/β for |d| < β, |d| − ½β beyond; β = 0 is L1', () => {
    expectClose(nb.nn.smoothL1Loss(y, t, { reduction: 'none' }), [0.125, 2.5, 1.5, 0], 1e-12);
    expectClose(nb.nn.smoothL1Loss(y, t, { beta: 2, reduction: 'none' }), [0.0625, 2, 1, 0], 1e-12);
    expectClose(nb.nn.smoothL1Loss(y, t, { beta: 0, reduction: 'none' }), [0.5, 3, 2, 0], 1e-12);
  });
  it('gradients: d inside, ±δ outside; checked on cpu and wasm', () => {
    expectClose(nb.tensor(gradOf((p) => nb.nn.huberLoss(p, t, { reduction: 'sum', delta: 2 }), y)), [0.5, 2, -2, 0], 1e-12);
    expectClose(nb.tensor(gradOf((p) => nb.nn.smoothL1Loss(p, t, { reduction: 'sum', beta: 2 }), y)), [0.25, 1, -1, 0], 1e-12);
    lossGradcheck((p, q) => nb.nn.huberLoss(p, q, { delta: 0.7 }), [[0.3, 1.6], [-2, -0.2]], () => nb.zeros([2, 2]));
    lossGradcheck((p, q) => nb.nn.smoothL1Loss(p, q, { beta: 0.5 }), [[0.1, 1.6], [-2, -0.3]], () => nb.zeros([2, 2]));
  });
});

describe('nllLoss', () => {
  const logp = nb.logSoftmax(f64([[2, 1, 0.1], [0.5, 2.5, 0.3]]));
  const lp = values(logp);
  it('−mean of the target log-probabilities; equals softmaxCrossEntropy on logSoftmax', () => {
    const lab = nb.tensor([0, 2], { dtype: 'int32' });
    expectClose(nb.nn.nllLoss(logp, lab), -(lp[0]! + lp[5]!) / 2, 1e-12);
    expectClose(nb.nn.nllLoss(logp, lab, { reduction: 'sum' }), -(lp[0]! + lp[5]!), 1e-12);
    expectClose(nb.nn.nllLoss(logp, lab, { reduction: 'none' }), [-lp[0]!, -lp[5]!], 1e-12, [2]);
    expectClose(nb.nn.nllLoss(logp, f64([0, 2])), values(nb.nn.softmaxCrossEntropy(f64([[2, 1, 0.1], [0.5, 2.5, 0.3]]), lab)), 1e-12);
  });
  it('gradient −1/N at the target, 0 elsewhere; checked on cpu and wasm', () => {
    expect(gradOf((p) => nb.nn.nllLoss(p, nb.tensor([1, 0], { dtype: 'int32' })), logp)).toEqual([0, -0.5, 0, -0.5, 0, 0]);
    lossGradcheck((p, q) => nb.nn.nllLoss(p, q), [[-1, -0.5, -2], [-0.1, -3, -1]], () => nb.tensor([2, 0], { dtype: 'int32' }));
  });
  it('checks labels like softmaxCrossEntropy', () => {
    expect(() => nb.nn.nllLoss(logp, nb.tensor([0, 3], { dtype: 'int32' }))).toThrow('nllLoss: targets[1] is 3, but input [2,3] have 3 classes (labels must be integers in [0, 3))');
    expect(() => nb.nn.nllLoss(logp, f64([0.5, 1]))).toThrow('nllLoss: targets[0] is 0.5, not an integer');
    expect(() => nb.nn.nllLoss(logp, f64([[1, 0, 0], [0, 1, 0]]))).toThrow('nllLoss: targets must be int32 labels [2], got [2,3]');
    expect(() => nb.nn.nllLoss(f64([1, 2]), f64([1]))).toThrow('nllLoss: input must be [batch, classes], got [2]');
  });
});

describe('klDiv (input is log-probabilities, as PyTorch)', () => {
  const q = [[0.25, 0.75], [0.5, 0.5]];
  const p = [[0.5, 0.5], [0, 1]];
  const input = nb.log(f64(q));
  // pointwise p·(ln p − ln q), 0 where p = 0
  const pw = [0.5 * Math.log(0.5 / 0.25), 0.5 * Math.log(0.5 / 0.75), 0, Math.log(1 / 0.5)];
  const total = pw.reduce((a, b) => a + b, 0);
  it('pointwise, mean over elements (default), sum, batchmean (sum / N)', () => {
    expectClose(nb.nn.klDiv(input, f64(p), { reduction: 'none' }), pw, 1e-12, [2, 2]);
    expectClose(nb.nn.klDiv(input, f64(p)), total / 4, 1e-12);
    expectClose(nb.nn.klDiv(input, f64(p), { reduction: 'sum' }), total, 1e-12);
    expectClose(nb.nn.klDiv(input, f64(p), { reduction: 'batchmean' }), total / 2, 1e-12);
  });
  it('logTarget: the target given as log-probabilities (a zero probability as −∞)', () => {
    expectClose(nb.nn.klDiv(input, nb.log(f64(p)), { logTarget: true, reduction: 'none' }), pw, 1e-12);
  });
  it('gradient −p/N·… checked on cpu and wasm; finite where p = 0', () => {
    const g = gradOf((x) => nb.nn.klDiv(x, f64(p), { reduction: 'batchmean' }), input);
    expectClose(nb.tensor(g), [-0.25, -0.25, 0, -0.5], 1e-12);
    lossGradcheck((x, t) => nb.nn.klDiv(x, t, { reduction: 'batchmean' }), [[-1.2, -0.4], [-0.7, -0.9]], () => nb.tensor([[0.3, 0.7], [0, 1]]));
    lossGradcheck((x, t) => nb.nn.klDiv(x, t, { logTarget: true }), [[-1.2, -0.4], [-0.7, -0.9]], () => nb.tensor([[-1, -0.5], [-2, -0.2]]));
  });
  it('checks shapes and options', () => {
    expect(() => nb.nn.klDiv(input, f64([1, 0]))).toThrow('klDiv: prediction is [2,2] but target is [2]; they must match');
    expect(() => nb.nn.klDiv(input, f64(p), { logTarget: 1 as unknown as boolean })).toThrow('klDiv: logTarget must be true or false, got 1');
    expect(() => nb.nn.klDiv(input, f64(p), { reduction: 'avg' as 'sum' })).toThrow("klDiv: reduction must be one of 'mean', 'sum', 'none', 'batchmean', got string \"avg\"");
    expect(() => nb.nn.l1Loss(input, f64(p), { reduction: 'batchmean' as 'sum' })).toThrow("l1Loss: reduction must be one of 'mean', 'sum', 'none', got string \"batchmean\"");
  });
});

describe('hingeLoss (targets ±1)', () => {
  const y = f64([[0.3], [-2], [1.5], [-0.5]]);
  const t = f64([[1], [-1], [-1], [-1]]);
  it('max(0, 1 − t·y): mean, sum, none', () => {
    expectClose(nb.nn.hingeLoss(y, t, { reduction: 'none' }), [0.7, 0, 2.5, 0.5], 1e-12, [4, 1]);
    expectClose(nb.nn.hingeLoss(y, t), 3.7 / 4, 1e-12);
    expectClose(nb.nn.hingeLoss(y, t, { reduction: 'sum' }), 3.7, 1e-12);
  });
  it('gradient −t/n where the margin is violated; checked on cpu and wasm', () => {
    expect(gradOf((p) => nb.nn.hingeLoss(p, t, { reduction: 'sum' }), y)).toEqual([-1, 0, 1, 1]);
    lossGradcheck((p, q) => nb.nn.hingeLoss(p, q), [[0.3, -2.2], [1.5, -0.4]], () => nb.tensor([[1, -1], [-1, 1]]));
  });
  it('targets must be −1 or +1', () => {
    expect(() => nb.nn.hingeLoss(y, f64([[1], [0], [1], [1]]))).toThrow('hingeLoss: targets[1] is 0; hinge targets must be −1 or +1');
  });
});

describe('reduction on every loss; binaryCrossEntropy averages over every element', () => {
  it('mse takes a reduction', () => {
    const y = f64([[0.5, 1], [2, 0]]);
    const t = f64([[1, 1], [0, 0]]);
    expectClose(nb.nn.mse(y, t, { reduction: 'sum' }), 4.25, 1e-12);
    expectClose(nb.nn.mse(y, t, { reduction: 'none' }), [0.25, 0, 4, 0], 1e-12, [2, 2]);
    expectClose(nb.nn.mse(y, t, { reduction: 'mean' }), 4.25 / 4, 1e-12);
  });
  it("binaryCrossEntropy 'mean' over a [N, F] target is the mean over all N·F elements (PyTorch, Keras)", () => {
    const p = f64([[0.9, 0.2], [0.5, 0.6]]);
    const t = f64([[1, 0], [1, 1]]);
    const l = [Math.log(0.9), Math.log(0.8), Math.log(0.5), Math.log(0.6)].map((v) => -v);
    const mean = l.reduce((a, b) => a + b, 0) / 4;
    expectClose(nb.nn.binaryCrossEntropy(p, t), mean, 1e-12);
    expectClose(nb.nn.binaryCrossEntropyWithLogits(nb.log(nb.div(p, nb.sub(1, p))), t), mean, 1e-12);
    expectClose(nb.nn.binaryCrossEntropy(p, t, { reduction: 'sum' }), 4 * mean, 1e-12);
  });
});

describe("binary cross-entropy against PyTorch (test/fixtures/torch/bce.json): 'none' is elementwise", () => {
  interface BceCase { shape: number[]; p: number[]; z: number[]; t: number[]; posWeight: number[]; [k: string]: number[] | number }
  const { cases } = JSON.parse(readFileSync(new URL('../fixtures/torch/bce.json', import.meta.url), 'utf8')) as { cases: BceCase[] };
  for (const k of cases) {
    it(`[${k.shape.join(', ')}]`, () => {
      const T = (v: number[]): nb.Tensor => nb.tensor(v, { dtype: 'float64' }).reshape(k.shape);
      const [p, z, t, pw] = [T(k.p), T(k.z), T(k.t), nb.tensor(k.posWeight, { dtype: 'float64' })];
      for (const r of ['none', 'sum', 'mean'] as const) {
        const shape = r === 'none' ? k.shape : [];
        expectClose(nb.nn.binaryCrossEntropy(p, t, { reduction: r }), k[`bce_${r}`]!, 1e-12, shape);
        expectClose(nb.nn.binaryCrossEntropyWithLogits(z, t, { reduction: r }), k[`logits_${r}`]!, 1e-12, shape);
        expectClose(nb.nn.binaryCrossEntropyWithLogits(z, t, { reduction: r, posWeight: pw }), k[`logitsPosWeight_${r}`]!, 1e-12, shape);
      }
    });
  }
  it("'none' keeps the input's shape, so a per-element mask or weight applies", () => {
    const p = f64([[0.9, 0.2], [0.5, 0.6]]);
    const t = f64([[1, 0], [1, 1]]);
    const none = nb.nn.binaryCrossEntropy(p, t, { reduction: 'none' });
    expect(none.shape).toEqual([2, 2]);
    expectClose(none, [0.9, 0.8, 0.5, 0.6].map((v) => -Math.log(v)), 1e-12, [2, 2]);
    expect(nb.nn.binaryCrossEntropyWithLogits(f64([1, 2, 3]), f64([0, 1, 1]), { reduction: 'none' }).shape).toEqual([3]);
    lossGradcheck((q, tt) => nb.nn.binaryCrossEntropyWithLogits(q, tt, { reduction: 'none' }), [[0.3, -1], [2, 0.5]], () => nb.tensor([[1, 0], [1, 1]]));
  });
});

describe('softmaxCrossEntropy: class weights, ignoreIndex, label smoothing (PyTorch CrossEntropyLoss)', () => {
  const zv = [[2, 1, 0.1], [0.5, 2.5, 0.3], [0, 1, -1]];
  const z = f64(zv);
  const ls = zv.map((row) => {
    const l = Math.log(row.reduce((s, v) => s + Math.exp(v), 0));
    return row.map((v) => v - l);
  });
  const lab = nb.tensor([0, 2, 1], { dtype: 'int32' });
  const w = [0.5, 2, 1];
  it('weights: Σ −w[y]·logp[y] / Σ w[y] with labels; per sample with none; rows weighted per class', () => {
    const num = -(w[0]! * ls[0]![0]! + w[2]! * ls[1]![2]! + w[1]! * ls[2]![1]!);
    const den = w[0]! + w[2]! + w[1]!;
    expectClose(nb.nn.softmaxCrossEntropy(z, lab, { weight: f64(w) }), num / den, 1e-12);
    expectClose(nb.nn.softmaxCrossEntropy(z, lab, { weight: f64(w), reduction: 'sum' }), num, 1e-12);
    expectClose(nb.nn.softmaxCrossEntropy(z, lab, { weight: f64(w), reduction: 'none' }), [-w[0]! * ls[0]![0]!, -w[2]! * ls[1]![2]!, -w[1]! * ls[2]![1]!], 1e-12, [3]);
    const rows = f64([[1, 0, 0], [0, 0, 1], [0, 1, 0]]);
    expectClose(nb.nn.softmaxCrossEntropy(z, rows, { weight: f64(w) }), num / 3, 1e-12);
  });
  it('ignoreIndex: those samples count 0 and leave the mean', () => {
    const t = nb.tensor([0, -100, 1], { dtype: 'int32' });
    expectClose(nb.nn.softmaxCrossEntropy(z, t, { ignoreIndex: -100 }), -(ls[0]![0]! + ls[2]![1]!) / 2, 1e-12);
    expectClose(nb.nn.softmaxCrossEntropy(z, t, { ignoreIndex: -100, reduction: 'none' }), [-ls[0]![0]!, 0, -ls[2]![1]!], 1e-12);
    const g = gradOf((q) => nb.nn.softmaxCrossEntropy(q, t, { ignoreIndex: -100 }), z);
    expect(g.slice(3, 6)).toEqual([0, 0, 0]);
    expect(() => nb.nn.softmaxCrossEntropy(z, t)).toThrow('softmaxCrossEntropy: targets[1] is -100, but logits [3,3] have 3 classes');
    expect(() => nb.nn.softmaxCrossEntropy(z, f64([[1, 0, 0], [0, 0, 1], [0, 1, 0]]), { ignoreIndex: 0 })).toThrow('softmaxCrossEntropy: ignoreIndex applies to integer labels, not to probability rows');
  });
  it('labelSmoothing ε: targets (1 − ε)·onehot + ε/C, for labels and rows alike', () => {
    const eps = 0.1;
    const per = [0, 1, 2].map((i) => {
      const y = [0, 2, 1][i]!;
      return -ls[i]!.reduce((s, v, c) => s + ((c === y ? 1 - eps : 0) + eps / 3) * v, 0);
    });
    expectClose(nb.nn.softmaxCrossEntropy(z, lab, { labelSmoothing: eps }), (per[0]! + per[1]! + per[2]!) / 3, 1e-12);
    expectClose(nb.nn.softmaxCrossEntropy(z, f64([[1, 0, 0], [0, 0, 1], [0, 1, 0]]), { labelSmoothing: eps, reduction: 'none' }), per, 1e-12);
    expect(() => nb.nn.softmaxCrossEntropy(z, lab, { labelSmoothing: 1.5 })).toThrow('softmaxCrossEntropy: labelSmoothing must be a finite number ≥ 0 and ≤ 1, got 1.5');
  });
  it('weights with label smoothing and ignoreIndex together (PyTorch: both terms over Σ w[y])', () => {
    const eps = 0.2;
    const t = nb.tensor([0, 2, 7], { dtype: 'int32' });
    const nll = -(w[0]! * ls[0]![0]! + w[2]! * ls[1]![2]!);
    const smooth = -[0, 1].reduce((s, i) => s + ls[i]!.reduce((a, v, c) => a + w[c]! * v, 0) / 3, 0);
    expectClose(nb.nn.softmaxCrossEntropy(z, t, { weight: f64(w), ignoreIndex: 7, labelSmoothing: eps }), ((1 - eps) * nll + eps * smooth) / (w[0]! + w[2]!), 1e-12);
  });
  it('gradchecks on cpu and wasm; checks the weight', () => {
    lossGradcheck((q, t) => nb.nn.softmaxCrossEntropy(q, t, { weight: nb.tensor([0.5, 2, 1], { backend: q.backend.name, dtype: q.dtype }), labelSmoothing: 0.1, ignoreIndex: 3 }), zv, () => nb.tensor([0, 3, 1], { dtype: 'int32' }));
    expect(() => nb.nn.softmaxCrossEntropy(z, lab, { weight: f64([1, 2]) })).toThrow('softmaxCrossEntropy: weight must be [3] (one per class), got [2]');
    expect(() => nb.nn.softmaxCrossEntropy(z, lab, { weight: [1, 2, 3] as unknown as nb.Tensor })).toThrow('softmaxCrossEntropy: weight must be a Tensor, got an array');
  });
});

describe('binaryCrossEntropyWithLogits posWeight (PyTorch pos_weight)', () => {
  const z = f64([[0.3, -1], [2, 0.5]]);
  const t = f64([[1, 0], [1, 1]]);
  const sp = (v: number): number => Math.log1p(Math.exp(v));
  it('−[w·t·ln σ(z) + (1 − t)·ln(1 − σ(z))], w a number or one per feature', () => {
    const l = (zz: number, tt: number, pw: number): number => pw * tt * sp(-zz) + (1 - tt) * sp(zz);
    expectClose(nb.nn.binaryCrossEntropyWithLogits(z, t, { posWeight: 3, reduction: 'none' }), [l(0.3, 1, 3), l(-1, 0, 3), l(2, 1, 3), l(0.5, 1, 3)], 1e-12, [2, 2]);
    const mean = (l(0.3, 1, 2) + l(-1, 0, 0.5) + l(2, 1, 2) + l(0.5, 1, 0.5)) / 4;
    expectClose(nb.nn.binaryCrossEntropyWithLogits(z, t, { posWeight: f64([2, 0.5]) }), mean, 1e-12);
    lossGradcheck((q, tt) => nb.nn.binaryCrossEntropyWithLogits(q, tt, { posWeight: 2.5 }), [[0.3, -1], [2, 0.5]], () => nb.tensor([[1, 0], [1, 1]]));
    expect(() => nb.nn.binaryCrossEntropyWithLogits(z, t, { posWeight: -1 })).toThrow('binaryCrossEntropyWithLogits: posWeight must be a finite number ≥ 0, got -1');
  });
});
