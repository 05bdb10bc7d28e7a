/**
 * The graph optimizers' training ops update each variable with one fused kernel (as TensorFlow 1's
 * ApplyAdam op does): the results equal those of the composite update written with ordinary ops
 * (kept as the reference), compiled and interpreted, with a fed or a constant learning rate.
 */
import { expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { referenceUpdates } from '../../src/graph/train.js';
import { forEachBackend } from '../conformance/backends.js';
import { read } from '../conformance/helpers.js';
import { classifier } from './classifier.js';

const tf = nb.graph;

function build(lrKind: 'placeholder' | 'number', reference: boolean) {
  const m = classifier(5, (loss, lr) => {
    const opt = new tf.train.AdamOptimizer(lrKind === 'placeholder' ? lr : 0.02);
    return (reference ? referenceUpdates(opt) : opt).minimize(loss);
  });
  return { ...m, vars: [m.W1, m.b1, m.W2] };
}

function close(a: ArrayLike<number>, b: ArrayLike<number>, tol: number): void {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThanOrEqual(tol * (1 + Math.abs(b[i]!)));
}

forEachBackend('nb.graph: AdamOptimizer applies one fused kernel per variable', (backend) => {
  for (const compile of [true, false]) {
    for (const lrKind of ['placeholder', 'number'] as const) {
      it(`equals the composite TF1 update over 5 steps (${compile ? 'compiled' : 'interpreted'}, ${lrKind} learning rate)`, async () => {
        nb.seed(9);
        const xs = nb.keep(nb.randn([10, 6]));
        const ys = nb.keep(nb.oneHot(nb.randint(0, 3, [10]), 3).cast('float32'));
        const runs = [];
        for (const reference of [false, true]) {
          const m = build(lrKind, reference);
          const sess = new tf.Session(m.g, { compile });
          sess.run(m.init);
          const losses: number[] = [];
          for (const lrv of [0.05, 0.03, 0.02, 0.01, 0.005]) {
            const feed = new Map<nb.graph.SymbolicTensor, nb.Tensor | number>([[m.x, xs], [m.y, ys]]);
            if (lrKind === 'placeholder') feed.set(m.lr, lrv);
            const [, l] = sess.run([m.train, m.loss], feed);
            losses.push((await read(l as nb.Tensor))[0]!);
          }
          const vars = [];
          for (const t of sess.run(m.vars)) vars.push(Array.from(await read(t)));
          runs.push({ losses, vars, stats: sess.compileStats(), nodes: m.g.nodes });
          sess.close();
        }
        const [fused, ref] = runs as [(typeof runs)[0], (typeof runs)[0]];
        close(fused.losses, ref.losses, 1e-5);
        fused.vars.forEach((v, i) => close(v, ref.vars[i]!, 1e-5));
        // the losses change: the variables were trained
        expect(fused.losses[4]).not.toBe(fused.losses[0]);
        const applies = fused.nodes.filter((n) => n.kind === 'apply' && n.type === 'ApplyAdam');
        expect(applies.map((n) => n.attrs.rule)).toEqual(['ApplyAdamFused', 'ApplyAdamFused', 'ApplyAdamFused']);
        if (compile && backend !== 'webgpu') {
          // 3 variables: 3 fused kernels traced against about 3 × 17 elementwise ones (which the
          // plan's elementwise fusion partly joins)
          const [f, r] = [fused.stats[0]!, ref.stats[0]!];
          expect(f.traced + 50).toBeLessThan(r.traced);
          expect(f.kernels).toBeLessThan(r.kernels);
        }
        nb.dispose([xs, ys]);
      });
    }
  }
});

it('the fused training op keeps the graph readable: toDot shows one ApplyAdam node per variable and the shared lr_t', () => {
  nb.setBackend('cpu');
  const m = build('placeholder', false);
  const dot = tf.toDot(m.g, { gradients: true, expand: ['Adam'] });
  for (const v of ['W1', 'b1', 'W2']) expect(dot).toContain(`label="Adam/update_${v}"`);
  expect(dot).toContain('label="Adam/lr_t"');
  expect(m.g.nodes.filter((n) => n.type === 'ApplyAdam')).toHaveLength(3);
});
