/**
 * Writes docs/img/graph-relu-layer.svg (and the version with its gradient subgraph): the
 * lectures' ReLU(MatMul(x, W) + b) as nb.graph draws it.   npx tsx scripts/graph-picture.ts
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as nb from '../src/index.js';

const tf = nb.graph;
const g = new tf.Graph();
g.asDefault(() => {
  const x = tf.placeholder('float32', [null, 784], 'x');
  const W = new tf.Variable(nb.zeros([784, 100]), { name: 'W' });
  const b = new tf.Variable(nb.zeros([100]), { name: 'b' });
  const h = tf.nn.relu(tf.add(tf.matmul(x, W), b));
  const y_ = tf.placeholder('float32', [null, 100], 'y_');
  const loss = tf.nameScope('loss', () => tf.reduceMean(tf.square(tf.sub(h, y_))));
  new tf.train.GradientDescentOptimizer(0.5).minimize(loss);
});
const out = (name: string): string => fileURLToPath(new URL(`../docs/img/${name}`, import.meta.url));
writeFileSync(out('graph-relu-layer.svg'), g.toSvg());
writeFileSync(out('graph-relu-layer-gradients.svg'), g.toSvg({ gradients: true }));
console.log('wrote docs/img/graph-relu-layer.svg and graph-relu-layer-gradients.svg');
