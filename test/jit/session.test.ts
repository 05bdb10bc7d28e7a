import { describe, it, expect } from 'vitest';
import * as nb from '../../src/index.js';
import { classifier } from '../graph/classifier.js';

const tf = nb.graph;

/** A two-layer classifier graph trained by `opt`; returns the train op, loss and placeholders. */
function build(opt: 'adam' | 'gd' | 'momentum') {
  return classifier(3, (loss, lr) =>
    (opt === 'adam' ? new tf.train.AdamOptimizer(lr) : opt === 'gd' ? new tf.train.GradientDescentOptimizer(lr) : new tf.train.MomentumOptimizer(lr, 0.9)).minimize(loss));
}

describe('Session.run compiles repeated runs (nb.jit)', () => {
  for (const opt of ['adam', 'gd', 'momentum'] as const) {
    it(`${opt}: compiled runs give the interpreted losses and variables bit for bit`, () => {
      nb.setBackend('cpu');
      nb.seed(7);
      const xs = nb.keep(nb.randn([10, 6]));
      const ys = nb.keep(nb.oneHot(nb.randint(0, 3, [10]), 3));
      const runs = [true, false].map((compile) => {
        const m = build(opt);
        const sess = new tf.Session(m.g, { compile });
        sess.run(m.init);
        const losses: number[] = [];
        for (let i = 0; i < 6; i++) {
          losses.push(nb.tidy(() => (sess.run([m.train, m.loss], new Map<nb.graph.SymbolicTensor, nb.Tensor | number>([[m.x, xs], [m.y, ys], [m.lr, 0.05]]))[1] as nb.Tensor).item()));
        }
        const W = sess.run([m.W1, m.W2]).map((t) => Array.from(t.dataSync()));
        return { losses, W, stats: sess.compileStats() };
      });
      expect(runs[0]!.losses).toEqual(runs[1]!.losses);
      expect(runs[0]!.W).toEqual(runs[1]!.W);
      expect(runs[0]!.stats.some((s) => s.kernels > 10)).toBe(true);
      expect(runs[1]!.stats).toEqual([]);
    });
  }

  it('a run whose plan draws random numbers (dropout) is interpreted', () => {
    nb.setBackend('cpu');
    const g = new tf.Graph();
    const { x, y } = g.asDefault(() => {
      const x = tf.placeholder('float32', [null, 4], 'x');
      return { x, y: tf.nn.dropout(x, 0.5) };
    });
    const sess = new tf.Session(g);
    for (let i = 0; i < 3; i++) sess.run(y, new Map([[x, nb.ones([2, 4])]]));
    expect(sess.compileStats()).toEqual([]);
  });
});
