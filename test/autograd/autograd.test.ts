import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { expectTensor } from '../conformance/helpers.js';

// Core semantics are tested on the reference backend (with float64); every backend's ops are
// tested by test/conformance/, which runs on all of them.
nb.setBackend('cpu');

describe('backward', () => {
  it('scalar loss: the lecture graph f = (x + y)·z', async () => {
    const x = nb.scalar(-2, { requiresGrad: true });
    const y = nb.scalar(5, { requiresGrad: true });
    const z = nb.scalar(-4, { requiresGrad: true });
    const f = x.add(y).mul(z);
    expect(f.item()).toBe(-12);
    f.backward();
    expect(x.grad!.item()).toBe(-4);
    expect(y.grad!.item()).toBe(-4);
    expect(z.grad!.item()).toBe(3);
  });

  it('explicit output gradient for a non-scalar output', async () => {
    const x = nb.tensor([1, 2, 3], { requiresGrad: true });
    const y = x.mul(x);
    y.backward(nb.tensor([1, 0.5, -1]));
    await expectTensor(x.grad!, [2, 2, -6]);
  });

  it('an explicit gradient of another dtype is cast to the output dtype', async () => {
    const x = nb.tensor([1, 2], { requiresGrad: true });
    x.mul(3).backward(nb.tensor([1, 1], { dtype: 'float64' }));
    expect(x.grad!.dtype).toBe('float32');
    await expectTensor(x.grad!, [3, 3]);
  });

  it('non-scalar output without a gradient is an error naming the shape', async () => {
    const x = nb.tensor([1, 2], { requiresGrad: true });
    expect(() => x.mul(2).backward()).toThrow(/backward: output has shape \[2\]/);
    expect(() => x.mul(2).backward(nb.ones([3]))).toThrow(/gradient has shape \[3\], output has shape \[2\]/);
    expect(() => nb.tensor([1]).backward()).toThrow(/does not require grad/);
  });

  it('accumulates into .grad across two backward calls; zeroGrad clears', async () => {
    const w = nb.tensor([1, 2], { requiresGrad: true });
    nb.sum(w.mul(3)).backward();
    nb.sum(w.mul(w)).backward();
    await expectTensor(w.grad!, [3 + 2, 3 + 4]);
    w.zeroGrad();
    expect(w.grad).toBeNull();
    nb.sum(w).backward();
    await expectTensor(w.grad!, [1, 1]);
  });

  it('two leaves whose gradient is the same tensor get independent .grad tensors', async () => {
    const a = nb.tensor([1, 2], { requiresGrad: true });
    const b = nb.tensor([3, 4], { requiresGrad: true });
    const g = nb.tensor([1, 1]);
    a.add(b).backward(g);
    expect(a.grad).not.toBe(b.grad);
    expect(a.grad).not.toBe(g);
    a.add(b).backward(g);
    await expectTensor(a.grad!, [2, 2]);
    await expectTensor(b.grad!, [2, 2]);
    a.zeroGrad();
    await expectTensor(b.grad!, [2, 2]);
    expect(g.isDisposed).toBe(false);
  });

  it('assign() on a tensor the graph still needs makes backward throw instead of using the new value', async () => {
    const w = nb.tensor([1, 2], { requiresGrad: true });
    w.name = 'w';
    const loss = nb.sum(w.mul(w));
    nb.noGrad(() => w.assign(w.mul(10)));
    expect(() => loss.backward()).toThrow(/backward: an input of mul \('w' \[2\]\) was modified by assign\(\) after it was used/);
    // The usual order — backward, then update — is fine, and so is a fresh forward pass.
    const loss2 = nb.sum(w.mul(w));
    loss2.backward();
    nb.noGrad(() => w.assign(w.sub(w.grad!.mul(0.01))));
    await expectTensor(w.grad!, [20, 40]);
  });

  it('a leaf used twice sums both paths; a shared intermediate too', async () => {
    const x = nb.scalar(3, { requiresGrad: true });
    const h = x.mul(x); // 9
    h.add(h.mul(2)).backward(); // 3x² → 6x
    expect(x.grad!.item()).toBe(18);
  });

  it('backward on a leaf gives ones', async () => {
    const x = nb.scalar(2, { requiresGrad: true });
    x.backward();
    expect(x.grad!.item()).toBe(1);
  });

  it('only tensors that require grad receive gradients', async () => {
    const x = nb.tensor([1, 2], { requiresGrad: true });
    const c = nb.tensor([5, 6]);
    nb.sum(x.mul(c)).backward();
    await expectTensor(x.grad!, [5, 6]);
    expect(c.grad).toBeNull();
    expect(() => nb.tensor([1], { dtype: 'int32' }).requireGrad()).toThrow(/only floating tensors/);
  });

  it('detach cuts the graph; requiresGrad propagates', async () => {
    const x = nb.scalar(2, { requiresGrad: true });
    const y = x.mul(x);
    expect(y.requiresGrad).toBe(true);
    expect(y.isLeaf).toBe(false);
    const d = y.detach();
    expect(d.requiresGrad).toBe(false);
    expect(d.isLeaf).toBe(true);
    expect(d.item()).toBe(4);
    const z = d.mul(x); // d is a constant here
    z.backward();
    expect(x.grad!.item()).toBe(4);
  });

  it('noGrad records nothing and restores the mode (also after an exception)', async () => {
    const x = nb.scalar(2, { requiresGrad: true });
    const y = nb.noGrad(() => x.mul(3));
    expect(y.requiresGrad).toBe(false);
    expect(y.gradFn).toBeNull();
    expect(nb.isGradEnabled()).toBe(true);
    expect(() => nb.noGrad(() => {
      throw new Error('boom');
    })).toThrow('boom');
    expect(nb.isGradEnabled()).toBe(true);
    expect(nb.withGrad(false, () => nb.isGradEnabled())).toBe(false);
  });

  it('async noGrad covers its whole async chain and nothing else running meanwhile', async () => {
    const x = nb.scalar(2, { requiresGrad: true });
    const tick = (): Promise<void> => new Promise((res) => setTimeout(res, 2));
    const inside = nb.noGrad(async () => {
      await tick();
      const a = x.mul(3);
      await tick();
      return [a, x.mul(4)];
    });
    const outside = (async () => {
      await tick();
      const b = x.mul(5); // runs while the noGrad chain is suspended
      await tick();
      return b;
    })();
    const [[a, a2], b] = await Promise.all([inside, outside]);
    expect(a!.requiresGrad).toBe(false);
    expect(a2!.requiresGrad).toBe(false);
    expect(b.requiresGrad).toBe(true);
    expect(nb.isGradEnabled()).toBe(true);
  });

  it('gradients are plain tensors that do not require grad (without createGraph)', async () => {
    const x = nb.scalar(2, { requiresGrad: true });
    x.mul(x).backward();
    expect(x.grad!.requiresGrad).toBe(false);
  });

  it('createGraph gives a differentiable gradient (d²/dx² x³ = 6x)', async () => {
    const x = nb.scalar(2, { requiresGrad: true });
    x.pow(3).backward(undefined, { createGraph: true });
    const g = x.grad!;
    expect(g.item()).toBeCloseTo(12, 5);
    x.grad = null;
    g.backward();
    expect(x.grad!.item()).toBeCloseTo(12, 5);
  });

  it('deep chains do not overflow the stack', async () => {
    const x = nb.scalar(1, { requiresGrad: true });
    let y = x;
    nb.tidy(() => {
      for (let i = 0; i < 20000; i++) y = y.add(1e-4);
      y.backward();
    });
    expect(x.grad!.item()).toBe(1);
  });
});

describe('grad and valueAndGrad', () => {
  it('grad of one argument returns a tensor; of several, a tuple', async () => {
    const g = nb.grad((x: nb.Tensor) => nb.sum(x.mul(x)))(nb.tensor([1, 2, 3]));
    await expectTensor(g, [2, 4, 6]);
    const [ga, gb] = nb.grad((a: nb.Tensor, b: nb.Tensor) => nb.sum(a.mul(b)))(nb.tensor([1, 2]), nb.tensor([3, 4]));
    await expectTensor(ga!, [3, 4]);
    await expectTensor(gb!, [1, 2]);
  });

  it('valueAndGrad returns the value; inputs are untouched', async () => {
    const x = nb.tensor([1, 2]);
    const { value, grads } = nb.valueAndGrad((t: nb.Tensor) => nb.sum(nb.exp(t)))(x);
    expect(value.item()).toBeCloseTo(Math.exp(1) + Math.exp(2), 5);
    await expectTensor(grads, [Math.exp(1), Math.exp(2)]);
    expect(x.requiresGrad).toBe(false);
    expect(x.grad).toBeNull();
    expect(value.requiresGrad).toBe(false);
  });

  it('one gradient tensor per argument even when the rule shares one', async () => {
    const [ga, gb] = nb.grad((a: nb.Tensor, b: nb.Tensor) => nb.sum(a.add(b)))(nb.tensor([1]), nb.tensor([2]));
    expect(ga).not.toBe(gb);
    ga!.dispose();
    await expectTensor(gb!, [1]);
  });

  it('unreachable arguments get zeros', async () => {
    const [, gb] = nb.grad((a: nb.Tensor, _b: nb.Tensor) => nb.sum(a))(nb.tensor([1]), nb.tensor([5, 6]));
    await expectTensor(gb!, [0, 0]);
  });

  it('does not leak intermediate tensors', async () => {
    const x = nb.tensor([1, 2, 3]);
    const before = nb.memory().numTensors;
    const g = nb.grad((t: nb.Tensor) => nb.sum(nb.tanh(t.mul(2)).square()))(x);
    expect(nb.memory().numTensors).toBe(before + 1);
    g.dispose();
    expect(nb.memory().numTensors).toBe(before);
  });

  it('f must return a single-element tensor', async () => {
    expect(() => nb.grad((t: nb.Tensor) => t.mul(2))(nb.tensor([1, 2]))).toThrow(/grad: f must return a single-element tensor, got shape \[2\]/);
    expect(() => nb.grad((_t: nb.Tensor) => 3 as unknown as nb.Tensor)(nb.tensor([1]))).toThrow(/grad: f must return a Tensor/);
  });

  describe('second derivatives (grad of grad)', () => {
    const d2 = (f: (x: nb.Tensor) => nb.Tensor, at: number): number =>
      nb.grad((x: nb.Tensor) => nb.grad(f)(x))(nb.scalar(at, { dtype: 'float64' })).item();
    const cases: [string, (x: nb.Tensor) => nb.Tensor, (v: number) => number, number][] = [
      ['x³', (x) => x.pow(3), (v) => 6 * v, 1.5],
      ['exp', (x) => x.exp(), Math.exp, 0.3],
      ['log', (x) => x.log(), (v) => -1 / (v * v), 2],
      ['sin', (x) => nb.sin(x), (v) => -Math.sin(v), 0.7],
      ['sigmoid', (x) => x.sigmoid(), (v) => { const s = 1 / (1 + Math.exp(-v)); return s * (1 - s) * (1 - 2 * s); }, 0.4],
      ['tanh', (x) => x.tanh(), (v) => -2 * Math.tanh(v) * (1 - Math.tanh(v) ** 2), -0.6],
      ['1/x', (x) => x.reciprocal(), (v) => 2 / v ** 3, 1.3],
      ['sqrt', (x) => x.sqrt(), (v) => -0.25 * v ** -1.5, 2],
      ['x·relu(x)', (x) => x.mul(x.relu()), () => 2, 1.2],
    ];
    for (const [name, f, ref, at] of cases) it(name, () => expect(d2(f, at)).toBeCloseTo(ref(at), 8));

    it('a closed-over parameter: d/dw of ∂/∂x (w·x²) = 2x', async () => {
      const w = nb.scalar(3, { requiresGrad: true, dtype: 'float64' });
      const x = nb.scalar(5, { dtype: 'float64' });
      const gx = nb.grad((t: nb.Tensor) => w.mul(t.square()))(x); // 2wx = 30
      expect(gx.item()).toBe(30);
      expect(gx.requiresGrad).toBe(true);
      gx.backward();
      expect(w.grad!.item()).toBe(10);
    });

    it('Hessian-vector style: gradcheck of a gradient through matmul and softmax', async () => {
      const W = nb.rand([3, 2], { random: new nb.Random(1), dtype: 'float64' });
      nb.testing.gradcheck((x) => nb.grad((t: nb.Tensor) => nb.sum(nb.softmax(nb.matmul(t, W)).square()))(x!), [nb.rand([2, 3], { random: new nb.Random(2) })]);
    });
  });
});

describe('gradcheck itself', () => {
  it('catches a wrong gradient', async () => {
    // A deliberately wrong "gradient": detach hides x from autograd in one term.
    const f = (x: nb.Tensor): nb.Tensor => x.mul(x.detach());
    expect(() => nb.testing.gradcheck(f, [nb.tensor([1, 2])])).toThrow(/gradcheck: input 0/);
    const r = nb.testing.gradcheck(f, [nb.tensor([1, 2])], { raiseOnFailure: false });
    expect(r.ok).toBe(false);
    expect(r.dtype).toBe('float64');
  });
  it('passes a right one and reports float64 on cpu', async () => {
    const r = nb.testing.gradcheck((x) => x!.mul(x!), [nb.tensor([1, 2])]);
    expect(r.ok).toBe(true);
    expect(r.inputs[0]!.maxAbsError).toBeLessThan(1e-6);
  });
  it('runs in float32 on a backend without float64', async () => {
    nb.registerBackend('cpu-no-f64', () => {
      const be = nb.getBackend();
      return Object.assign(Object.create(Object.getPrototypeOf(be) as object) as nb.Backend, be, { name: 'cpu-no-f64', supportsFloat64: false });
    });
    const x = nb.tensor([0.5, -0.25, 1], { backend: 'cpu-no-f64' });
    const r = nb.testing.gradcheck((t) => nb.sum(nb.tanh(t!.mul(2))), [x], { atol: 3e-2, rtol: 3e-2 });
    expect(r.dtype).toBe('float32');
    expect(r.ok).toBe(true);
  });
  it('float32 mode when asked', async () => {
    const r = nb.testing.gradcheck((x) => x!.exp(), [nb.tensor([0.1, 0.2])], { float64: false });
    expect(r.dtype).toBe('float32');
  });
});

describe('gradient rules skip inputs that need no gradient', () => {
  it('matmul and conv2d compute only the weight gradient when the data needs none', async () => {
    const be = nb.getBackend();
    const counts = { matmul: 0, conv2dBackpropInput: 0, conv2dBackpropFilter: 0 };
    const orig = { matmul: be.matmul, bi: be.conv2dBackpropInput, bf: be.conv2dBackpropFilter };
    be.matmul = (...a) => (counts.matmul++, orig.matmul.apply(be, a));
    be.conv2dBackpropInput = (...a) => (counts.conv2dBackpropInput++, orig.bi.apply(be, a));
    be.conv2dBackpropFilter = (...a) => (counts.conv2dBackpropFilter++, orig.bf.apply(be, a));
    try {
      const x = nb.randn([4, 3]);
      const w = nb.randn([3, 2], { requiresGrad: true });
      const y = x.matmul(w).sum();
      counts.matmul = 0;
      y.backward();
      expect(counts.matmul).toBe(1);
      expect(w.grad!.shape).toEqual([3, 2]);

      const img = nb.randn([2, 1, 5, 5]);
      const f = nb.randn([2, 1, 3, 3], { requiresGrad: true });
      nb.conv2d(img, f).sum().backward();
      expect(counts.conv2dBackpropFilter).toBe(1);
      expect(counts.conv2dBackpropInput).toBe(0);
      // with the input requiring a gradient too, both are computed
      nb.conv2d(img.detach().requireGrad(), f).sum().backward();
      expect(counts.conv2dBackpropInput).toBe(1);
    } finally {
      for (const k of ['matmul', 'conv2dBackpropInput', 'conv2dBackpropFilter']) Reflect.deleteProperty(be, k);
    }
  });
});
