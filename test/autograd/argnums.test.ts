import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { expectTensor } from '../conformance/helpers.js';

// as in autograd.test.ts: semantics on the reference backend (with float64)
nb.setBackend('cpu');

/** A linear model's loss: w [2,3], x [n,2], integer labels y [n]. */
const loss = (w: nb.Tensor, x: nb.Tensor, y: nb.Tensor): nb.Tensor => nb.nn.softmaxCrossEntropy(nb.matmul(x, w), y);

describe('grad and valueAndGrad with argnums', () => {
  const w = nb.tensor([[0.1, -0.2, 0.3], [0.4, 0.0, -0.1]]);
  const x = nb.tensor([[1, 2], [-1, 0.5]]);
  const y = nb.tensor([2, 0], { dtype: 'int32' });

  it('argnums: a number gives one gradient; integer labels need no gradient', async () => {
    const gw = nb.grad(loss, { argnums: 0 })(w, x, y);
    expect(gw).toBeInstanceOf(nb.Tensor);
    expect(gw.shape).toEqual([2, 3]);
    // the same as the gradient from backward()
    const wp = w.clone().requireGrad(true);
    loss(wp, x, y).backward();
    const want = Array.from(wp.grad!.dataSync());
    Array.from(gw.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 6));
    expect(y.requiresGrad).toBe(false);
    wp.dispose();
    gw.dispose();
  });

  it('argnums: an array gives an array of gradients in that order', async () => {
    const gs = nb.grad(loss, { argnums: [1, 0] })(w, x, y);
    expect(Array.isArray(gs)).toBe(true);
    expect(gs.map((g) => g.shape)).toEqual([[2, 2], [2, 3]]);
    const [gw1] = nb.grad(loss, { argnums: [0] })(w, x, y);
    await expectTensor(gs[1]!, Array.from(gw1!.dataSync()));
    nb.dispose([...gs, gw1!]);
  });

  it('valueAndGrad takes argnums too', async () => {
    const { value, grads } = nb.valueAndGrad(loss, { argnums: 0 })(w, x, y);
    expect(value.item()).toBeCloseTo(loss(w, x, y).item(), 6);
    expect(grads.shape).toEqual([2, 3]);
    nb.dispose([value, grads]);
  });

  it('the default is unchanged: every argument', async () => {
    const [ga, gb] = nb.grad((a: nb.Tensor, b: nb.Tensor) => nb.sum(a.mul(b)))(nb.tensor([1, 2]), nb.tensor([3, 4]));
    await expectTensor(ga!, [3, 4]);
    await expectTensor(gb!, [1, 2]);
  });

  it('no leak: only the gradients stay', async () => {
    const before = nb.memory().numTensors;
    const gw = nb.grad(loss, { argnums: 0 })(w, x, y);
    expect(nb.memory().numTensors).toBe(before + 1);
    gw.dispose();
    expect(nb.memory().numTensors).toBe(before);
  });

  it('second derivative through a constant argument: d²/dx² (c·x³) = 6cx', async () => {
    const c = nb.scalar(2, { dtype: 'float64' });
    const f = (t: nb.Tensor, k: nb.Tensor): nb.Tensor => k.mul(t.pow(3));
    const d2 = nb.grad((t: nb.Tensor) => nb.grad(f, { argnums: 0 })(t, c))(nb.scalar(1.5, { dtype: 'float64' }));
    expect(d2.item()).toBeCloseTo(6 * 2 * 1.5, 10);
    // and the mixed derivative d/dk of ∂f/∂t = 3t²
    const dk = nb.grad((k: nb.Tensor) => nb.grad(f, { argnums: 0 })(nb.scalar(1.5, { dtype: 'float64' }), k))(c);
    expect(dk.item()).toBeCloseTo(3 * 1.5 ** 2, 10);
  });

  it('checks argnums', async () => {
    const f = (a: nb.Tensor, b: nb.Tensor): nb.Tensor => nb.sum(a.mul(b));
    const a = nb.tensor([1]);
    expect(() => nb.grad(f, { argnums: 1.5 })).toThrow('grad: argnums must be an integer ≥ 0 or an array of them, got 1.5');
    expect(() => nb.grad(f, { argnums: -1 })).toThrow('grad: argnums must be an integer ≥ 0 or an array of them, got -1');
    expect(() => nb.grad(f, { argnums: '0' as unknown as number })).toThrow(/grad: argnums must be an integer ≥ 0 or an array of them, got string "0"/);
    expect(() => nb.grad(f, { argnums: [] })).toThrow('grad: argnums must not be empty');
    expect(() => nb.grad(f, { argnums: [0, 1, 0] })).toThrow('grad: argnums[2] repeats argument 0');
    expect(() => nb.valueAndGrad(f, { argnums: [0, -2] })).toThrow(/valueAndGrad: argnums\[1\] must be an integer ≥ 0, got -2/);
    expect(() => nb.grad(f, { argnum: 0 } as never)).toThrow(/grad: unknown option 'argnum'/);
    expect(() => nb.grad(f, { argnums: 2 })(a, a)).toThrow('grad: argnums 2 is out of range: the function got 2 arguments');
    expect(() => nb.grad(f, { argnums: [0, 5] })(a, a)).toThrow('grad: argnums[1] = 5 is out of range: the function got 2 arguments');
    // a differentiated argument must be a floating tensor; the others may be anything
    expect(() => nb.grad(f, { argnums: 1 })(a, nb.tensor([1], { dtype: 'int32' }))).toThrow(/grad: argument 1 must be a floating tensor/);
    const g = nb.grad((t: nb.Tensor, s: number) => nb.sum(t.mul(s)), { argnums: 0 })(nb.tensor([1, 2]), 3);
    await expectTensor(g, [3, 3]);
  });
});
