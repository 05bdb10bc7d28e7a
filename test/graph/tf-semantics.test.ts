/**
 * nb.graph's TensorFlow-1 ops checked against TensorFlow's own definitions, written out here as
 * plain loops: conv2d's 'SAME' padding (the odd extra cell goes to the bottom/right, which matters
 * at stride 2), its gradients, and AdamOptimizer's update (lr_t = lr·√(1−β₂ᵗ)/(1−β₁ᵗ), ε added
 * to √v outside the bias correction, one step count per optimizer).
 */
import { describe, it, expect } from 'vitest';
import * as nb from '../../src/index.js';

const tf = nb.graph;

/** TensorFlow's conv2d with padding 'SAME' on NCHW / OIHW arrays, as nested loops. */
function tfConvSame(x: number[], xs: number[], w: number[], ws: number[], s: number): { y: number[]; shape: number[] } {
  const [n, c, h, wd] = xs as [number, number, number, number];
  const [o, , kh, kw] = ws as [number, number, number, number];
  const oh = Math.ceil(h / s), ow = Math.ceil(wd / s);
  // TF: pad_along = max((out − 1)·stride + k − in, 0); pad_before = floor(pad_along / 2)
  const top = Math.floor(Math.max((oh - 1) * s + kh - h, 0) / 2);
  const left = Math.floor(Math.max((ow - 1) * s + kw - wd, 0) / 2);
  const y = new Array<number>(n * o * oh * ow).fill(0);
  for (let b = 0; b < n; b++) for (let f = 0; f < o; f++) for (let i = 0; i < oh; i++) for (let j = 0; j < ow; j++) {
    let acc = 0;
    for (let ch = 0; ch < c; ch++) for (let p = 0; p < kh; p++) for (let q = 0; q < kw; q++) {
      const r = i * s + p - top, col = j * s + q - left;
      if (r < 0 || r >= h || col < 0 || col >= wd) continue;
      acc += x[((b * c + ch) * h + r) * wd + col]! * w[((f * c + ch) * kh + p) * kw + q]!;
    }
    y[((b * o + f) * oh + i) * ow + j] = acc;
  }
  return { y, shape: [n, o, oh, ow] };
}

function closeArrays(a: ArrayLike<number>, b: ArrayLike<number>, tol: number): void {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) expect(Math.abs(a[i]! - b[i]!), `element ${i}: ${a[i]} vs ${b[i]}`).toBeLessThanOrEqual(tol * (1 + Math.abs(b[i]!)));
}

describe("nb.graph: tf.nn.conv2d 'SAME' as TensorFlow pads it", () => {
  // the tutorial's layers: 6×6 stride 1 on 28, 5×5 stride 2 on 28, 4×4 stride 2 on 14, plus odd sizes
  const cases: [string, number[], number[], number][] = [
    ['6×6 stride 1 (pads 2 top, 3 bottom)', [2, 1, 9, 8], [3, 1, 6, 6], 1],
    ['5×5 stride 2 on an even size (pads 1 top, 2 bottom)', [2, 2, 10, 10], [3, 2, 5, 5], 2],
    ['4×4 stride 2 on an even size', [1, 3, 8, 6], [2, 3, 4, 4], 2],
    ['5×5 stride 2 on an odd size', [1, 2, 9, 7], [2, 2, 5, 5], 2],
    ['3×2 stride 2', [1, 1, 7, 8], [2, 1, 3, 2], 2],
  ];
  for (const [name, xs, ws, s] of cases) {
    it(`${name}: values and gradients`, () => {
      const r = new nb.Random(7);
      const xv = Array.from({ length: xs.reduce((a, b) => a * b, 1) }, () => r.normal());
      const wv = Array.from({ length: ws.reduce((a, b) => a * b, 1) }, () => r.normal());
      const ref = tfConvSame(xv, xs, wv, ws, s);
      const g = new tf.Graph();
      g.asDefault(() => {
        const X = tf.placeholder('float32', xs, 'X');
        const W = new tf.Variable(nb.tensor(wv, { shape: ws }), { name: 'W' });
        const Y = tf.nn.conv2d(X, W, [1, 1, s, s], 'SAME');
        // a weighted sum makes each output's gradient distinct
        const cv = Array.from({ length: ref.y.length }, (_, i) => Math.sin(i));
        const loss = tf.reduceSum(tf.mul(Y, nb.tensor(cv, { shape: ref.shape })));
        const [gX, gW] = tf.gradients(loss, [X, W]);
        const sess = new tf.Session();
        sess.run(tf.globalVariablesInitializer());
        const out = sess.run({ Y, gX: gX!, gW: gW! }, new Map([[X, nb.tensor(xv, { shape: xs })]]));
        expect(out.Y.shape).toEqual(ref.shape);
        closeArrays(out.Y.dataSync() as Float32Array, ref.y, 1e-4);
        // the loss is linear in x and in w: central differences of the reference are exact up to rounding
        const lossOf = (xa: number[], wa: number[]): number => tfConvSame(xa, xs, wa, ws, s).y.reduce((a, v, i) => a + v * cv[i]!, 0);
        const numeric = (arr: number[], f: (a: number[]) => number): number[] => arr.map((_, i) => {
          const p = arr.slice(), m = arr.slice();
          p[i]! += 0.5;
          m[i]! -= 0.5;
          return f(p) - f(m);
        });
        closeArrays(out.gX.dataSync() as Float32Array, numeric(xv, (a) => lossOf(a, wv)), 1e-4);
        closeArrays(out.gW.dataSync() as Float32Array, numeric(wv, (a) => lossOf(xv, a)), 1e-4);
      });
    });
  }
});

describe('nb.graph: AdamOptimizer follows TensorFlow 1', () => {
  it('matches the hand-computed TF1 update over three steps with a changing learning rate', () => {
    const g = new tf.Graph();
    g.asDefault(() => {
      const w0 = [0.5, -1.5, 2];
      const w = new tf.Variable(nb.tensor(w0), { name: 'w' });
      const lr = tf.placeholder('float32', [], 'lr');
      // loss = Σ w³/3 + w: gradient w² + 1 changes with w
      const loss = tf.reduceSum(tf.add(tf.div(tf.mul(tf.mul(w, w), w), 3), w));
      const step = new tf.train.AdamOptimizer(lr).minimize(loss);
      const sess = new tf.Session();
      sess.run(tf.globalVariablesInitializer());
      const [b1, b2, eps] = [0.9, 0.999, 1e-8];
      const p = w0.slice(), m = [0, 0, 0], v = [0, 0, 0];
      const lrs = [0.1, 0.05, 0.02];
      lrs.forEach((lrv, k) => {
        sess.run(step, new Map([[lr, nb.scalar(lrv)]]));
        const t = k + 1;
        const lrT = (lrv * Math.sqrt(1 - b2 ** t)) / (1 - b1 ** t);
        for (let i = 0; i < 3; i++) {
          const gr = p[i]! * p[i]! + 1;
          m[i] = b1 * m[i]! + (1 - b1) * gr;
          v[i] = b2 * v[i]! + (1 - b2) * gr * gr;
          p[i] = p[i]! - (lrT * m[i]!) / (Math.sqrt(v[i]!) + eps);
        }
        closeArrays(sess.run(w).dataSync() as Float32Array, p, 1e-5);
      });
    });
  });

  it('keeps one step count per optimizer (beta1_power, beta2_power), shared by its training ops', () => {
    const g = new tf.Graph();
    g.asDefault(() => {
      const a = new tf.Variable(nb.tensor([1]), { name: 'a' });
      const b = new tf.Variable(nb.tensor([2]), { name: 'b' });
      const opt = new tf.train.AdamOptimizer(0.1);
      const stepA = opt.minimize(tf.reduceSum(tf.mul(a, a)), [a]);
      const stepB = opt.minimize(tf.reduceSum(tf.mul(b, b)), [b]);
      const sess = new tf.Session();
      sess.run(tf.globalVariablesInitializer());
      sess.run(stepA);
      sess.run(stepA);
      sess.run(stepB); // b's first update, the optimizer's third step: TF1 corrects the bias with t = 3
      const [b1, b2] = [0.9, 0.999];
      const gr = 4;
      const lrT = (0.1 * Math.sqrt(1 - b2 ** 3)) / (1 - b1 ** 3);
      const m = (1 - b1) * gr, v = (1 - b2) * gr * gr;
      closeArrays(sess.run(b).dataSync() as Float32Array, [2 - (lrT * m) / (Math.sqrt(v) + 1e-8)], 1e-5);
      expect(g.nodes.map((n) => n.name)).toEqual(expect.arrayContaining(['Adam/beta1_power', 'Adam/beta2_power']));
    });
  });
});
