import * as nb from '../../src/index.js';

const tf = nb.graph;

/**
 * The two-layer classifier graph of the graph-training tests: x [null, 6] → ReLU(x·W1 + b1)·W2 →
 * softmax cross-entropy against y [null, 3], weights drawn from `seed`, and the training op that
 * `minimize` makes from the loss and the learning-rate placeholder `lr`.
 */
export function classifier(seed: number, minimize: (loss: nb.graph.SymbolicTensor, lr: nb.graph.SymbolicTensor) => nb.graph.Node) {
  const g = new tf.Graph();
  return g.asDefault(() => {
    nb.seed(seed);
    const x = tf.placeholder('float32', [null, 6], 'x');
    const y = tf.placeholder('float32', [null, 3], 'y');
    const lr = tf.placeholder('float32', [], 'lr');
    const W1 = new tf.Variable(nb.mul(nb.randn([6, 8]), 0.4), { name: 'W1' });
    const b1 = new tf.Variable(nb.zeros([8]), { name: 'b1' });
    const W2 = new tf.Variable(nb.mul(nb.randn([8, 3]), 0.4), { name: 'W2' });
    const h = tf.nn.relu(tf.add(tf.matmul(x, W1), b1));
    const loss = tf.reduceMean(tf.nn.softmaxCrossEntropyWithLogits({ labels: y, logits: tf.matmul(h, W2) }));
    const train = minimize(loss, lr);
    return { g, x, y, lr, train, loss, W1, b1, W2, init: tf.globalVariablesInitializer() };
  });
}
