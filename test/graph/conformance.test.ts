/**
 * gradients() in a graph equals the eager gradient, for every differentiable op nabla exports,
 * on every backend of the conformance suite. A new op fails here until it has a sample call.
 */
import { describe, it, expect } from 'vitest';
import * as nb from '../../src/index.js';
import { forEachSyncBackend } from '../conformance/backends.js';

const tf = nb.graph;

/** A float input (differentiated) of this shape. */
class F {
  constructor(readonly shape: number[]) {}
}
const f = (...shape: number[]): F => new F(shape);
const idx = (values: number[], shape?: number[]): nb.Tensor => nb.tensor(values, { dtype: 'int32', ...(shape ? { shape } : {}) });

/** One valid call per differentiable op, float inputs marked with f(shape). */
const SAMPLES: Record<string, () => unknown[]> = {
  gather: () => [f(4, 3), idx([2, 0, 2]), 0],
  indexSelect: () => [f(3, 4), 1, idx([3, 1])],
  scatterAdd: () => [f(4, 2), idx([1, 1, 3]), f(3, 2), 0],
  takeAlongAxis: () => [f(2, 3), idx([2, 0, 1, 1], [2, 2]), 1],
  padMode: () => [f(1, 2, 4), [[0, 0], [0, 0], [2, 1]], 'reflect'],
  reshape: () => [f(2, 6), [3, -1]],
  flatten: () => [f(2, 3, 2), 1],
  squeeze: () => [f(2, 1, 3), 1],
  unsqueeze: () => [f(2, 3), 0],
  transpose: () => [f(2, 3, 4), [2, 0, 1]],
  permute: () => [f(2, 3, 4), [1, 2, 0]],
  matrixTranspose: () => [f(2, 3, 4)],
  broadcastTo: () => [f(3, 1), [2, 3, 4]],
  slice: () => [f(4, 5), [1, 2], [2, -1]],
  pad: () => [f(2, 3), [[1, 0], [0, 2]], 0.5],
  concat: () => [[f(2, 3), f(1, 3)], 0],
  stack: () => [[f(2, 3), f(2, 3)], 1],
  split: () => [f(6, 2), [2, 4], 0],
  tile: () => [f(2, 3), [2, 1]],
  repeat: () => [f(2, 3), 2, 1],
  sum: () => [f(2, 3, 4), [0, 2], true],
  prod: () => [f(2, 3), 1],
  max: () => [f(3, 4), 1],
  min: () => [f(3, 4), 0],
  mean: () => [f(2, 3, 4), -1],
  variance: () => [f(3, 4), 1, false, 1],
  std: () => [f(3, 4), 0],
  logsumexp: () => [f(3, 4), 1],
  add: () => [f(2, 3), f(3)],
  sub: () => [f(2, 1), f(3)],
  mul: () => [f(2, 3), f(2, 3)],
  mulNoNan: () => [f(2, 3), f(2, 3)],
  div: () => [f(2, 3), f(3)],
  pow: () => [f(2, 3), f(2, 3)],
  maximum: () => [f(2, 3), f(2, 3)],
  minimum: () => [f(2, 3), f(3)],
  mod: () => [f(2, 3), 0.3],
  where: () => [nb.tensor([true, false, true], { dtype: 'bool' }), f(2, 3), f(2, 3)],
  cast: () => [f(2, 3), 'float32'],
  to: () => [f(2, 3), nb.getBackend().name],
  clone: () => [f(2, 3)],
  clip: () => [f(3, 4), 0.7, 1.2],
  matmul: () => [f(2, 3, 4), f(4, 5)],
  dot: () => [f(4), f(4)],
  outer: () => [f(3), f(4)],
  elu: () => [f(2, 3), 0.5],
  leakyRelu: () => [f(2, 3), 0.1],
  gelu: () => [f(2, 3), 'tanh'],
  hardtanh: () => [f(2, 3), 0.6, 1.2],
  logSoftmax: () => [f(2, 5), 1],
  softmax: () => [f(2, 5), -1],
  softmin: () => [f(2, 5), 0],
  conv2d: () => [f(2, 3, 6, 6), f(4, 3, 3, 3), { stride: 2, padding: 'same' }],
  conv2dTranspose: () => [f(1, 2, 4, 4), f(2, 3, 3, 3), { stride: 2 }],
  conv1d: () => [f(2, 2, 7), f(3, 2, 3), { padding: 1 }],
  conv3d: () => [f(1, 2, 4, 4, 4), f(2, 2, 2, 2, 2)],
  maxPool2d: () => [f(2, 2, 4, 4), 2],
  avgPool2d: () => [f(2, 2, 5, 5), 3, { stride: 2, padding: 1 }],
  maxPool1d: () => [f(2, 2, 6), 2],
  avgPool1d: () => [f(2, 2, 6), 3],
  maxPool3d: () => [f(1, 1, 4, 4, 4), 2],
  avgPool3d: () => [f(1, 1, 4, 4, 4), 2],
  adaptiveAvgPool2d: () => [f(1, 2, 5, 5), 2],
  adaptiveMaxPool2d: () => [f(1, 2, 5, 5), [2, 3]],
  adaptiveAvgPool1d: () => [f(1, 2, 7), 3],
  adaptiveMaxPool1d: () => [f(1, 2, 7), 3],
  globalAvgPool2d: () => [f(2, 3, 4, 4)],
  globalMaxPool2d: () => [f(2, 3, 4, 4)],
  cumsum: () => [f(3, 4), 1],
  cumprod: () => [f(3, 4), 0],
  sort: () => [f(3, 4)],
  topk: () => [f(3, 5), 2],
  norm: () => [f(3, 4)],
  einsum: () => ['ij,jk->ik', f(2, 3), f(3, 4)],
};
// unary elementwise ops and activations: one float input
for (const n of ['neg', 'exp', 'log', 'sqrt', 'rsqrt', 'abs', 'sign', 'square', 'reciprocal', 'floor', 'ceil', 'round', 'sin', 'cos', 'expm1', 'log1p',
  'sigmoid', 'tanh', 'relu', 'softplus', 'step', 'selu', 'swish', 'relu6', 'softsign', 'mish', 'hardswish', 'logSigmoid']) {
  SAMPLES[n] ??= () => [f(2, 3)];
}

const exported = nb as unknown as Record<string, (...a: unknown[]) => unknown>;
const graphOps = tf.ops as unknown as Record<string, (...a: unknown[]) => unknown>;
const differentiable = nb.listOps().filter((o) => o.grad !== 'none' && typeof exported[o.name] === 'function').map((o) => o.name);

describe('graph conformance: coverage', () => {
  it('every differentiable exported op has a sample call here', () => {
    const missing = differentiable.filter((n) => !SAMPLES[n]);
    expect(missing, 'add a sample call to test/graph/conformance.test.ts').toEqual([]);
  });
});

/** Float tensors of a result (a tensor, an array, or an object of them). */
function floats<T>(r: unknown, isT: (x: unknown) => x is T, dtype: (x: T) => string): T[] {
  const all: T[] = [];
  const walk = (v: unknown): void => {
    if (isT(v)) all.push(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(r);
  return all.filter((t) => dtype(t).startsWith('float'));
}

forEachSyncBackend('graph gradients equal eager gradients', () => {
  for (const name of differentiable) {
    const sample = SAMPLES[name];
    if (!sample) continue;
    it(name, () => {
      nb.tidy(() => {
        nb.seed(7);
        const args = sample();
        const values = new Map<F, nb.Tensor>();
        for (const a of args.flat()) if (a instanceof F) values.set(a, nb.add(nb.rand(a.shape), 0.5));
        const sub = (v: unknown, m: (x: F) => unknown): unknown => (v instanceof F ? m(v) : Array.isArray(v) ? v.map((x) => sub(x, m)) : v);
        const inputs = [...values.keys()];
        // eager: the loss Σ wₖ·outₖ with fixed weights
        const weights: nb.Tensor[] = [];
        const eagerLoss = (...xs: nb.Tensor[]): nb.Tensor => {
          const r = exported[name]!(...args.map((a) => sub(a, (x) => xs[inputs.indexOf(x)])));
          const outs = floats(r, (x): x is nb.Tensor => x instanceof nb.Tensor, (x) => x.dtype);
          if (weights.length === 0) for (const o of outs) weights.push(nb.keep(nb.rand([...o.shape])));
          return outs.reduce((s: nb.Tensor, o, k) => nb.add(s, nb.sum(nb.mul(o, weights[k]!))), nb.scalar(0));
        };
        const xs = inputs.map((x) => values.get(x)!);
        const eager = nb.grad(eagerLoss, { argnums: inputs.map((_, i) => i) })(...xs) as nb.Tensor[];
        // graph: the same call on placeholders, differentiated by gradients()
        const g = new tf.Graph();
        const phs = inputs.map((x, i) => g.placeholder('float32', x.shape, `x${i}`));
        const r = graphOps[name]!(...args.map((a) => sub(a, (x) => phs[inputs.indexOf(x)])));
        const outs = floats(r, (x): x is nb.graph.SymbolicTensor => x instanceof tf.SymbolicTensor, (x) => x.dtype);
        expect(outs.length).toBe(weights.length);
        const loss = outs.reduce((s: nb.graph.SymbolicTensor, o, k) => tf.add(s, tf.reduceSum(tf.mul(o, weights[k]!))), g.constant(0));
        const grads = tf.gradients(loss, phs);
        const got = new tf.Session(g).run(grads, new Map(phs.map((p, i) => [p, xs[i]!])));
        got.forEach((gv, i) => {
          expect(gv.shape).toEqual(eager[i]!.shape);
          const a = gv.dataSync(), b = eager[i]!.dataSync();
          for (let k = 0; k < a.length; k++) expect(Math.abs(Number(a[k]) - Number(b[k])), `${name} grad ${i}[${k}]`).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(Number(b[k]))));
        });
        nb.dispose(weights);
      });
    });
  }
});
