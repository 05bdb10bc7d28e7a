import { describe, it, expect } from 'vitest';
import * as nb from '../../src/index.js';

const tf = nb.graph;

function close(a: nb.Tensor, b: nb.Tensor, tol = 1e-5): void {
  expect(a.shape).toEqual(b.shape);
  const x = a.dataSync(), y = b.dataSync();
  for (let i = 0; i < x.length; i++) expect(Math.abs(Number(x[i]) - Number(y[i]))).toBeLessThanOrEqual(tol * (1 + Math.abs(Number(y[i]))));
}

describe('nb.graph: building', () => {
  it('infers shapes with unknown batch dims through the ops own shape rules', () => {
    const g = new tf.Graph();
    const X = g.placeholder('float32', [null, 1, 28, 28], 'X');
    const W = g.asDefault(() => new tf.Variable(nb.zeros([784, 10]), { name: 'W' }));
    const Y = tf.nn.softmax(tf.add(tf.matmul(tf.reshape(X, [-1, 784]), W), nb.zeros([10])));
    expect(Y.shape).toEqual([null, 10]);
    expect(Y.dtype).toBe('float32');
    expect(tf.argmax(Y, 1).dtype).toBe('int32');
    expect(tf.reshape(X, [-1]).shape).toEqual([null]);
    const c = tf.nn.conv2d(X, nb.zeros([6, 1, 5, 5]), [1, 1, 2, 2], 'SAME');
    expect(c.shape).toEqual([null, 6, 14, 14]);
    expect(tf.nn.maxPool(c, [1, 1, 2, 2], [1, 1, 2, 2], 'VALID').shape).toEqual([null, 6, 7, 7]);
    expect(Y.name).toBe('Softmax:0');
    expect(g.nodes.map((n) => n.name)).toContain('MatMul');
  });

  it('reports the ops own validation errors at build time', () => {
    const g = new tf.Graph();
    const a = g.placeholder('float32', [null, 3]);
    const b = g.placeholder('float32', [4, 5]);
    expect(() => tf.matmul(a, b)).toThrow(/matmul: inner dimensions differ/);
  });

  it('name scopes prefix node names and names are unique', () => {
    const g = new tf.Graph();
    const x = g.placeholder('float32', [2], 'x');
    const y = g.nameScope('layer1', () => tf.add(x, x));
    const z = g.nameScope('layer1', () => tf.add(y, x));
    expect(y.node.name).toBe('layer1/Add');
    expect(z.node.name).toBe('layer1/Add_1');
    expect(g.tensor('layer1/Add_1:0')).toBe(z);
  });

  it('every exported op is traceable (adding an op makes it a graph op)', () => {
    const exported = nb as unknown as Record<string, unknown>;
    const graphOps = tf.ops as unknown as Record<string, unknown>;
    for (const op of nb.listOps()) {
      if (typeof exported[op.name] !== 'function') continue; // internal ops (gradient kernels) are reached through their op's rule
      expect(typeof graphOps[op.name], `graph op ${op.name}`).toBe('function');
    }
  });
});

describe('nb.graph: running', () => {
  it('runs the lectures ReLU(MatMul(x, W) + b) and its gradients like eager code', () => {
    const g = new tf.Graph();
    g.asDefault(() => {
      nb.seed(1);
      const x = tf.placeholder('float32', [null, 4], 'x');
      const w0 = nb.randn([4, 3]);
      const W = new tf.Variable(w0, { name: 'W' });
      const b = new tf.Variable(nb.zeros([3]), { name: 'b' });
      const y = tf.nn.relu(tf.add(tf.matmul(x, W), b));
      const loss = tf.reduceSum(tf.square(y));
      const [gW, gb] = tf.gradients(loss, [W, b]);
      const sess = new tf.Session();
      sess.run(tf.globalVariablesInitializer());
      const xv = nb.randn([5, 4]);
      const out = sess.run({ y, grads: [gW!, gb!], op: tf.globalVariablesInitializer() }, { x: xv });
      expect(out.op).toBeNull();
      const [ew, eb] = nb.grad((w: nb.Tensor, bb: nb.Tensor) => nb.sum(nb.square(nb.relu(nb.add(nb.matmul(xv, w), bb)))))(w0, nb.zeros([3]));
      close(out.y, nb.relu(nb.matmul(xv, w0)));
      close(out.grads[0], ew!);
      close(out.grads[1], eb!);
    });
  });

  it('softmaxCrossEntropyWithLogits: per-row losses and gradients (logits and labels) like the eager formula', () => {
    const g = new tf.Graph();
    g.asDefault(() => {
      nb.seed(2);
      const z = tf.placeholder('float32', [null, 5], 'z');
      const t = tf.placeholder('float32', [null, 5], 't');
      const loss = tf.nn.softmaxCrossEntropyWithLogits({ labels: t, logits: z });
      const [gz, gt] = tf.gradients(tf.reduceMean(loss), [z, t]);
      const zv = nb.mul(nb.randn([4, 5]), 3);
      const tv = nb.softmax(nb.randn([4, 5]), -1);
      const out = new tf.Session().run({ loss, gz: gz!, gt: gt! }, { z: zv, t: tv });
      const f = (a: nb.Tensor, b: nb.Tensor): nb.Tensor => nb.neg(nb.sum(nb.mul(b, nb.logSoftmax(a, -1)), -1));
      const [ez, et] = nb.grad((a: nb.Tensor, b: nb.Tensor) => nb.mean(f(a, b)))(zv, tv);
      close(out.loss, f(zv, tv));
      close(out.gz, ez!);
      close(out.gt, et!);
    });
  });

  it('trains with each optimizer, the learning rate fed through a placeholder', () => {
    for (const make of [
      (lr: nb.graph.SymbolicTensor) => new tf.train.GradientDescentOptimizer(lr),
      (lr: nb.graph.SymbolicTensor) => new tf.train.MomentumOptimizer(lr, 0.9),
      (lr: nb.graph.SymbolicTensor) => new tf.train.AdamOptimizer(lr),
    ]) {
      const g = new tf.Graph();
      g.asDefault(() => {
        const w = new tf.Variable(nb.tensor([3, -2]), { name: 'w' });
        const lr = tf.placeholder('float32', [], 'lr');
        const loss = tf.reduceSum(tf.square(w));
        const step = make(lr).minimize(loss);
        const sess = new tf.Session();
        sess.run(tf.globalVariablesInitializer());
        const before = sess.run(loss).item();
        for (let i = 0; i < 50; i++) sess.run(step, { lr: 0.05 });
        expect(sess.run(loss).item()).toBeLessThan(before / 4);
      });
    }
  });

  it('GradientDescent matches the hand-computed update', () => {
    const g = new tf.Graph();
    g.asDefault(() => {
      const w = new tf.Variable(nb.tensor([1, 2]));
      const loss = tf.reduceSum(tf.mul(w, w));
      const step = new tf.train.GradientDescentOptimizer(0.1).minimize(loss);
      const sess = new tf.Session();
      sess.run(tf.globalVariablesInitializer());
      sess.run(step);
      close(sess.run(w), nb.tensor([0.8, 1.6]));
    });
  });

  it('dropout uses a keep-probability placeholder and 1 switches it off', () => {
    const g = new tf.Graph();
    g.asDefault(() => {
      const x = tf.placeholder('float32', [null, 1000]);
      const pkeep = tf.placeholder('float32', []);
      const y = tf.nn.dropout(x, pkeep);
      const sess = new tf.Session();
      const ones = nb.ones([2, 1000]);
      close(sess.run(y, new Map([[x, ones], [pkeep, nb.scalar(1)]])), ones);
      const d = sess.run(y, new Map([[x, ones], [pkeep, nb.scalar(0.5)]])).dataSync();
      const kept = [...d].filter((v) => v !== 0);
      expect(kept.every((v) => Math.abs(v - 2) < 1e-6)).toBe(true);
      expect(kept.length).toBeGreaterThan(800);
      expect(kept.length).toBeLessThan(1200);
    });
  });

  it('variables keep their values across runs and assign ops change them', () => {
    const g = new tf.Graph();
    g.asDefault(() => {
      const v = new tf.Variable(nb.scalar(1), { name: 'counter' });
      const inc = v.assign(tf.add(v, 1));
      const sess = new tf.Session();
      sess.run(tf.globalVariablesInitializer());
      sess.run(inc);
      sess.run(inc);
      expect(sess.run(v).item()).toBe(3);
      const other = new tf.Session();
      expect(() => other.run(v)).toThrow(/variable 'counter' is not initialised/);
    });
  });
});

describe('nb.graph: errors name the node', () => {
  const g = new tf.Graph();
  const X = g.placeholder('float32', [null, 4], 'X');
  const Y = tf.reduceSum(tf.mul(X, 2));
  const sess = new tf.Session(g);

  it('feeding the wrong shape or dtype', () => {
    expect(() => sess.run(Y, new Map([[X, nb.zeros([2, 5])]]))).toThrow("Session.run: 'X' has shape [?,4], got a value of shape [2,5]");
    expect(() => sess.run(Y, new Map([[X, nb.zeros([2, 4], { dtype: 'int32' })]]))).toThrow("Session.run: 'X' expects float32, got a int32 value of shape [2,4]");
  });
  it('fetching something that depends on an unfed placeholder', () => {
    expect(() => sess.run(Y)).toThrow(/placeholder 'X' \(shape \[\?,4\], float32\) must be fed: 'Mul' depends on it/);
  });
  it('second derivatives: gradients through gradient nodes are refused clearly', () => {
    const g = new tf.Graph();
    g.asDefault(() => {
      const x = tf.placeholder('float32', [3], 'x');
      const [dx] = tf.gradients(tf.reduceSum(tf.mul(tf.mul(x, x), x)), [x]);
      expect(() => tf.gradients(tf.reduceSum(dx!), [x])).toThrow(/gradients: second derivatives are not supported: 'gradients\/Mul_grad(_\d+)?' is a gradient node/);
    });
  });

  it('running an uninitialised variable', () => {
    const g2 = new tf.Graph();
    const v = g2.asDefault(() => new tf.Variable(nb.zeros([2]), { name: 'W' }));
    expect(() => new tf.Session(g2).run(tf.add(v, 1))).toThrow(/variable 'W' is not initialised/);
  });
  it('mixing tensors of two graphs', () => {
    const other = new tf.Graph().placeholder('float32', [4], 'Z');
    expect(() => tf.add(X, other)).toThrow(/add: argument\[1\] \('Z:0'\) belongs to another graph/);
    expect(() => sess.run(other)).toThrow(/belongs to another graph than the session's/);
  });
  it('eager tensors where graph tensors are expected', () => {
    expect(() => sess.run(nb.zeros([2]) as unknown as nb.graph.SymbolicTensor)).toThrow(/fetches is an eager Tensor/);
    expect(() => tf.gradients(nb.zeros([]) as unknown as nb.graph.SymbolicTensor, [X])).toThrow(/gradients: ys is an eager Tensor/);
    expect(() => sess.run(Y, new Map([[nb.zeros([1]) as unknown as nb.graph.SymbolicTensor, nb.zeros([1])]]))).toThrow(/feed key is an eager Tensor/);
  });
  it('a failing replay names the node', () => {
    const g3 = new tf.Graph();
    const a = g3.placeholder('float32', [2, null], 'a');
    const b = g3.placeholder('float32', [null, 3], 'b');
    const y = tf.matmul(a, b);
    expect(y.shape).toEqual([2, 3]);
    expect(() => new tf.Session(g3).run(y, { a: nb.zeros([2, 4]), b: nb.zeros([5, 3]) })).toThrow(/Session.run: node 'MatMul' \(MatMul\) failed: matmul: inner dimensions differ/);
  });
});

describe('nb.graph: memory', () => {
  it('training steps leave the live-tensor count flat', () => {
    const g = new tf.Graph();
    g.asDefault(() => {
      const x = tf.placeholder('float32', [null, 3], 'x');
      const W = new tf.Variable(nb.randn([3, 2]), { name: 'W' });
      const loss = tf.reduceMean(tf.square(tf.nn.dropout(tf.matmul(x, W), 0.8)));
      const step = new tf.train.AdamOptimizer(0.01).minimize(loss);
      const sess = new tf.Session();
      sess.run(tf.globalVariablesInitializer());
      const xv = nb.randn([8, 3]);
      const run = (): void => { sess.run(step, { x: xv }); nb.dispose(sess.run([loss], { x: xv })); };
      for (let i = 0; i < 5; i++) run();
      const before = nb.memory();
      for (let i = 0; i < 30; i++) run();
      const after = nb.memory();
      expect(after.numTensors).toBe(before.numTensors);
      expect(after.numBytes).toBe(before.numBytes);
      sess.close();
    });
  });
});
