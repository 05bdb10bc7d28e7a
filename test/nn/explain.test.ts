/** nb.explain: backpropagation for one sample by the four equations, checked against autodiff (SCOPE §2). */
import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { expectPlainError, f64, pinBackend } from './helpers.js';

pinBackend('cpu');

/** The lectures' 2-2-2 sigmoid network (w1…w8 = 0.15 … 0.55, b = 0.35 and 0.60). */
function lectureNet(): nb.nn.Sequential {
  const D = { dtype: 'float64' } as const;
  const net = nb.nn.sequential(nb.nn.linear(2, 2, D), nb.nn.sigmoid(), nb.nn.linear(2, 2, D), nb.nn.sigmoid());
  net.loadStateDict({ '0.weight': f64([[0.15, 0.25], [0.2, 0.3]]), '0.bias': f64([0.35, 0.35]), '2.weight': f64([[0.4, 0.5], [0.45, 0.55]]), '2.bias': f64([0.6, 0.6]) });
  return net;
}

describe('explain', () => {
  it('gives the worked example of the 2-2-2 sigmoid network exactly', () => {
    const e = nb.explain(lectureNet(), f64([0.05, 0.1]), f64([0.01, 0.99]));
    expect(e.loss).toBeCloseTo(0.298371109, 9);
    expect(e.layers.length).toBe(2);
    const [h, o] = e.layers as [nb.LayerExplanation, nb.LayerExplanation];
    expect(h.name).toBe('Linear(2→2) + Sigmoid');
    expect(h.z[0]).toBeCloseTo(0.3775, 12);
    expect(h.a[0]).toBeCloseTo(0.593269992, 9);
    expect(o.a[0]).toBeCloseTo(0.75136507, 8);
    expect(e.gradOutput[0]).toBeCloseTo(0.74136507, 8); // ∂E/∂o₁ = o₁ − t₁
    expect(o.delta[0]).toBeCloseTo(0.138498562, 9); // δᴸ = (o − t) ⊙ o(1 − o)
    expect(o.dW[0]![0]).toBeCloseTo(0.082167041, 9); // ∂E/∂w5 = h₁ δ₁
    expect(h.dW[0]![0]).toBeCloseTo(0.000438568, 9); // ∂E/∂w1
    expect(o.fPrime![0]).toBeCloseTo(0.75136507 * (1 - 0.75136507), 8);
    expect(e.agrees).toBe(true);
    expect(e.maxError).toBeLessThan(1e-15);
    for (const l of e.layers) {
      l.dW.forEach((r, i) => r.forEach((v, j) => expect(v).toBeCloseTo(l.autodiff.dW[i]![j]!, 14)));
      l.db.forEach((v, j) => expect(v).toBeCloseTo(l.autodiff.db[j]!, 14));
    }
    const text = e.toString();
    for (const s of ['BP1  δ²', 'BP2  δ¹', 'BP3  ∂L/∂b²', 'BP4  ∂L/∂W¹', 'L = 0.298371109', 'agree']) expect(text).toContain(s);
  });

  it('matches autodiff on deeper networks, other activations and losses, and leaves the model alone', () => {
    nb.seed(3);
    const D = { dtype: 'float64' } as const;
    const net = nb.nn.sequential(nb.nn.linear(3, 4, D), nb.nn.tanh(), nb.nn.linear(4, 5, D), nb.nn.elu(), nb.nn.linear(5, 3, D));
    const before = net.parameters().map((p) => p.grad);
    const e = nb.explain(net, f64([[0.3, -1, 2]]), f64([0.1, 0.2, -0.3]), { loss: nb.nn.mse });
    expect(e.layers.map((l) => l.activation)).toEqual(['tanh', 'elu', 'linear']);
    expect(e.agrees).toBe(true);
    expect(e.maxError).toBeLessThan(1e-12);
    expect(net.parameters().map((p) => p.grad)).toEqual(before);
    // softmax output with cross-entropy: δᴸ = y − t (the Jacobian path)
    const cls = nb.nn.sequential(nb.nn.linear(3, 4, D), nb.nn.relu(), nb.nn.linear(4, 3, D), nb.nn.softmax());
    const t = f64([0, 1, 0]);
    const ce = (y: nb.Tensor, tt: nb.Tensor): nb.Tensor => nb.neg(nb.sum(nb.mul(tt, nb.log(y))));
    const s = nb.explain(cls, f64([1, 2, -1]), t, { loss: ce });
    expect(s.agrees).toBe(true);
    const top = s.layers[1]!;
    expect(top.fPrime).toBeNull();
    top.delta.forEach((d, j) => expect(d).toBeCloseTo(top.a[j]! - [0, 1, 0][j]!, 12));
    expect(s.toString()).toContain('J_f(z²)ᵀ');
  });

  it('float32 models agree within a float32 tolerance', () => {
    nb.seed(1);
    const net = nb.nn.sequential(nb.nn.linear(2, 3), nb.nn.sigmoid(), nb.nn.linear(3, 1), nb.nn.sigmoid());
    const e = nb.explain(net, nb.tensor([0.5, -0.5]), nb.tensor([1]), { tolerance: 1e-4 });
    expect(e.agrees).toBe(true);
  });

  it('bad input', () => {
    const net = lectureNet();
    expectPlainError(() => nb.explain({} as never, f64([1, 2]), f64([1, 2])), /^explain: model must be a Module/);
    expectPlainError(() => nb.explain(net, f64([1, 2, 3]), f64([1, 2])), 'explain: x must be one sample [2] or [1, 2], got [3]');
    expectPlainError(() => nb.explain(nb.nn.sequential(nb.nn.relu(), nb.nn.linear(2, 2)), f64([1, 2]), f64([1, 2])), /^explain: model must be a Sequential of Linear layers.*layer 0 is an activation/);
    expectPlainError(() => nb.explain(nb.nn.sequential(nb.nn.linear(2, 2), nb.nn.dropout(0.5)), f64([1, 2]), f64([1, 2])), /^explain: .*layer 1 is a Dropout layer/);
    expectPlainError(() => nb.explain(net, f64([1, 2]), f64([1, 2]), { tolerance: -1 }), /^explain: tolerance must be/);
    expectPlainError(() => nb.explain(net, f64([1, 2]), f64([1, 2]), { loss: (y: nb.Tensor) => y }), /^explain: loss must return a single-element tensor, got \[1,2\]/);
  });
});
