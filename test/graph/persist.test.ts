import { describe, it, expect } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as nb from '../../src/index.js';

const tf = nb.graph;

describe('nb.graph: persistence', () => {
  it('a trained graph and its variables reload and run on new data', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'nabla-graph-'));
    const g = new tf.Graph();
    let before: number[] = [];
    const x2 = nb.tensor([[1, 2], [3, 4], [5, 6]]);
    await g.asDefault(async () => {
      nb.seed(3);
      const x = tf.placeholder('float32', [null, 2], 'x');
      const y_ = tf.placeholder('float32', [null, 1], 'y_');
      const W = new tf.Variable(nb.randn([2, 1]), { name: 'W' });
      const b = new tf.Variable(nb.zeros([1]), { name: 'b' });
      const y = tf.nameScope('model', () => tf.add(tf.matmul(x, W), b));
      const loss = tf.reduceMean(tf.square(tf.sub(y, y_)));
      const step = new tf.train.AdamOptimizer(0.1).minimize(loss);
      const sess = new tf.Session();
      sess.run(tf.globalVariablesInitializer());
      for (let i = 0; i < 20; i++) sess.run(step, { x: nb.tensor([[1, 0], [0, 1]]), y_: nb.tensor([[1], [2]]) });
      before = [...sess.run(y, { x: x2 }).dataSync()];
      await tf.exportGraph(g, path.join(dir, 'graph.json'));
      await new tf.train.Saver().save(sess, path.join(dir, 'model.ckpt'));
    });
    expect(JSON.parse(readFileSync(path.join(dir, 'graph.json'), 'utf8')).format).toBe('nabla-graph');
    const g2 = await tf.importGraph(path.join(dir, 'graph.json'));
    const sess2 = new tf.Session(g2);
    await new tf.train.Saver().restore(sess2, path.join(dir, 'model.ckpt'));
    const after = [...sess2.run(g2.tensor('model/Add:0'), new Map([[g2.tensor('x'), x2]])).dataSync()];
    expect(after).toEqual(before);
    // the training op also survives: one more step runs
    sess2.run(g2.node('Adam/train'), { x: nb.tensor([[1, 0]]), y_: nb.tensor([[1]]) });
    // a restored graph can be initialised from scratch too
    const sess3 = new tf.Session(g2);
    sess3.run(g2.globalVariablesInitializer());
    expect(sess3.run(g2.variables[0]!).shape).toEqual([2, 1]);
  });

  it('restore names the variable whose shape differs', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'nabla-graph-'));
    const g = new tf.Graph();
    const v = g.asDefault(() => new tf.Variable(nb.zeros([2]), { name: 'v' }));
    const s = new tf.Session(g);
    s.run(g.globalVariablesInitializer());
    await new tf.train.Saver().save(s, path.join(dir, 'a.ckpt'));
    const g2 = new tf.Graph();
    g2.asDefault(() => new tf.Variable(nb.zeros([3]), { name: 'v' }));
    await expect(new tf.train.Saver().restore(new tf.Session(g2), path.join(dir, 'a.ckpt'))).rejects.toThrow(/variable 'v' is float32 \[3\], the checkpoint holds float32 \[2\]/);
    expect(v.name).toBe('v:0');
  });
});

describe('nb.graph: pictures', () => {
  it('draws ReLU(MatMul(x, W) + b) with scopes collapsed and the gradient subgraph on request', () => {
    const g = new tf.Graph();
    g.asDefault(() => {
      const x = tf.placeholder('float32', [null, 784], 'x');
      const y = tf.nameScope('hidden', () => {
        const W = new tf.Variable(nb.zeros([784, 100]), { name: 'W' });
        const b = new tf.Variable(nb.zeros([100]), { name: 'b' });
        return tf.nn.relu(tf.add(tf.matmul(x, W), b));
      });
      new tf.train.GradientDescentOptimizer(0.1).minimize(tf.reduceMean(y));
    });
    const dot = g.toDot();
    expect(dot).toMatch(/label="hidden", shape=box3d/);
    expect(dot).toMatch(/label="\?×784"/);
    expect(dot).not.toMatch(/gradients/);
    const open = g.toDot({ expand: ['hidden'] });
    expect(open).toMatch(/label="MatMul"/);
    expect(open).toMatch(/label="hidden\/W"/);
    expect(g.toDot({ gradients: true })).toMatch(/label="gradients"/);
    const svg = g.toSvg({ expand: ['hidden'] });
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toMatch(/>Relu</);
  });
});
