import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { expectClose, f64, pinBackend, values } from './helpers.js';

// The lecture numbers are checked to 8–12 digits in float64: on the reference backend.
pinBackend('cpu');

describe('the 2-2-2 sigmoid network trained one step (SCOPE §2)', () => {
  // Inputs 0.05, 0.10; hidden weights w1..w4 = 0.15, 0.20, 0.25, 0.30 with bias 0.35; output
  // weights w5..w8 = 0.40, 0.45, 0.50, 0.55 with bias 0.60; targets 0.01, 0.99; E = ½Σ(t − o)²; η = 0.5.
  // Row convention: W1[i][j] connects input i to hidden j (h1 = σ(w1·x1 + w2·x2 + b1)).
  const build = (): nb.nn.Sequential => {
    const net = nb.nn.sequential(nb.nn.linear(2, 2, { dtype: 'float64' }), nb.nn.sigmoid(), nb.nn.linear(2, 2, { dtype: 'float64' }), nb.nn.sigmoid());
    net.loadStateDict({
      '0.weight': f64([[0.15, 0.25], [0.2, 0.3]]),
      '0.bias': f64([0.35, 0.35]),
      '2.weight': f64([[0.4, 0.5], [0.45, 0.55]]),
      '2.bias': f64([0.6, 0.6]),
    });
    return net;
  };
  const x = f64([[0.05, 0.1]]);
  const t = f64([[0.01, 0.99]]);

  it('forward pass: outputs and total error', () => {
    const net = build();
    const o = net.call(x);
    expectClose(o, [0.75136507, 0.772928465], 1e-8);
    expectClose(nb.nn.squaredError(o, t), 0.298371109, 1e-9);
    expectClose(net.at(1).call(net.at(0).call(x)), [0.593269992, 0.596884378], 1e-9);
  });

  it('one SGD step gives the known weights', () => {
    const net = build();
    nb.nn.squaredError(net.call(x), t).backward();
    // ∂E/∂w5 = (o1 − t1)·o1(1 − o1)·h1 = 0.082167041
    expectClose(net.at(2).ownParameters()[0]![1].grad!, [0.082167041, -0.02260254, 0.082667628, -0.022740242], 1e-8);
    nb.optim.sgd(0.5).step(net.parameters());
    expectClose(net.stateDict()['2.weight']!, [0.35891648, 0.511301270, 0.408666186, 0.561370121], 1e-8);
    expectClose(net.stateDict()['0.weight']!, [0.149780716, 0.24975114, 0.19956143, 0.29950229], 1e-8);
    // The error after the step is lower.
    const after = nb.nn.squaredError(net.call(x), t).item();
    expect(after).toBeLessThan(0.298371109);
  });

  it('the four backpropagation equations give the same gradients as autograd', () => {
    const net = build();
    nb.nn.squaredError(net.call(x), t).backward();
    const [w1, b1, w2] = [net.stateDict()['0.weight']!, net.stateDict()['0.bias']!, net.stateDict()['2.weight']!].map(values) as [number[], number[], number[]];
    const sig = (z: number): number => 1 / (1 + Math.exp(-z));
    const xi = [0.05, 0.1];
    const h = [0, 1].map((j) => sig(xi[0]! * w1[j]! + xi[1]! * w1[2 + j]! + b1[j]!));
    const o = [0, 1].map((k) => sig(h[0]! * w2[k]! + h[1]! * w2[2 + k]! + 0.6));
    const tt = [0.01, 0.99];
    const dOut = [0, 1].map((k) => (o[k]! - tt[k]!) * o[k]! * (1 - o[k]!)); // δᴸ = ∇ₐE ⊙ σ′(zᴸ)
    const dHid = [0, 1].map((j) => (w2[j * 2]! * dOut[0]! + w2[j * 2 + 1]! * dOut[1]!) * h[j]! * (1 - h[j]!)); // δˡ = (Wˡ⁺¹δˡ⁺¹) ⊙ σ′(zˡ)
    expectClose(net.stateDict()['2.bias']!.grad!, dOut, 1e-12); // ∂E/∂bˡ = δˡ
    expectClose(net.stateDict()['0.bias']!.grad!, dHid, 1e-12);
    expectClose(net.stateDict()['2.weight']!.grad!, [h[0]! * dOut[0]!, h[0]! * dOut[1]!, h[1]! * dOut[0]!, h[1]! * dOut[1]!], 1e-12); // ∂E/∂W = aˡ⁻¹ δˡ
    expectClose(net.stateDict()['0.weight']!.grad!, [xi[0]! * dHid[0]!, xi[0]! * dHid[1]!, xi[1]! * dHid[0]!, xi[1]! * dHid[1]!], 1e-12);
  });
});

describe('the sigmoid neuron 1/(1 + e^−(w₀x₀ + w₁x₁ + w₂))', () => {
  it('has the lecture gradients at w = [2, −3, −3], x = [−1, −2]', () => {
    const n = nb.nn.sequential(nb.nn.linear(2, 1, { dtype: 'float64' }), nb.nn.sigmoid());
    n.loadStateDict({ '0.weight': f64([[2], [-3]]), '0.bias': f64([-3]) });
    const y = n.call(f64([[-1, -2]]));
    expectClose(y, 0.7310585786, 1e-9);
    y.backward();
    // dσ/dz = σ(1 − σ) = 0.19661193; ∂/∂w = x·0.1966, ∂/∂b = 0.1966
    expectClose(n.stateDict()['0.weight']!.grad!, [-0.19661193, -0.39322387], 1e-8);
    expectClose(n.stateDict()['0.bias']!.grad!, [0.19661193], 1e-8);
  });
});
