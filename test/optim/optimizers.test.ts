import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { pinBackend } from '../nn/helpers.js';

// The update formulas are checked against hand-computed float64 values to 1e-12, so those
// describe blocks pin the reference backend ('cpu'); 'all optimizers' runs on the default.

const vals = (t: nb.Tensor): number[] => Array.from(t.dataSync() as ArrayLike<number>, Number);
const close = (got: number[], want: number[], tol = 1e-12): void => {
  expect(got.length).toBe(want.length);
  got.forEach((g, i) => {
    if (Math.abs(g - want[i]!) > tol) throw new Error(`element ${i}: got ${g}, expected ${want[i]} (all: ${got.join(', ')})`);
  });
};

/** A parameter w = [1, −2] (float64 unless asked) whose gradient is set to g = [0.5, −1] before each step. */
function setup(dtype: 'float64' | 'float32' = 'float64'): { w: nb.Tensor; step: (opt: nb.optim.Optimizer, g?: number[]) => number[] } {
  const w = nb.tensor([1, -2], { dtype, requiresGrad: true });
  return {
    w,
    step(opt, g = [0.5, -1]) {
      w.zeroGrad();
      w.grad = nb.tensor(g, { dtype });
      opt.step([w]);
      return vals(w);
    },
  };
}
const G = [0.5, -1];

describe('SGD', () => {
  pinBackend('cpu');
  it('w ← w − η∇', () => {
    const { step } = setup();
    close(step(nb.optim.sgd(0.1)), [0.95, -1.9]);
  });
  it('weight decay: w ← (1 − ηλ)w − η∇', () => {
    const { step } = setup();
    // (1 − 0.1·0.5)·[1, −2] − 0.1·[0.5, −1] = [0.95 − 0.05, −1.9 + 0.1]
    close(step(nb.optim.sgd(0.1, { weightDecay: 0.5 })), [0.9, -1.8]);
  });
  it('momentum: b ← μb + ∇, w ← w − ηb (two steps)', () => {
    const { step } = setup();
    const opt = nb.optim.sgd(0.1, { momentum: 0.9 });
    close(step(opt), [0.95, -1.9]); // b = ∇ = [0.5, −1]
    close(step(opt), [0.855, -1.71]); // b = 0.9·[0.5, −1] + [0.5, −1] = [0.95, −1.9]
  });
  it('dampening τ: b ← μb + (1 − τ)∇ after a first step b = ∇ (PyTorch)', () => {
    const { w, step } = setup();
    const opt = nb.optim.sgd(0.1, { momentum: 0.9, dampening: 0.5 });
    close(step(opt), [0.95, -1.9]);
    close(step(opt), [0.95 - 0.1 * (0.45 + 0.25), -1.9 + 0.1 * (0.9 + 0.5)]);
    close(vals(opt.stateOf(w)[0]!), [0.7, -1.4]);
  });
  it('the velocity holds no lr: a new lr scales the whole next step (as PyTorch, so schedules match it)', () => {
    const { step } = setup();
    const opt = nb.optim.sgd(0.1, { momentum: 0.5 });
    step(opt); // b = [0.5, −1], w = [0.95, −1.9]
    opt.lr = 1;
    close(step(opt), [0.95 - 0.75, -1.9 + 1.5]); // b = 0.5·b + ∇ = [0.75, −1.5]
  });
  it('Nesterov: w ← w − η(∇ + μb) with b ← μb + ∇', () => {
    const { step } = setup();
    const opt = nb.optim.sgd(0.1, { momentum: 0.9, nesterov: true });
    close(step(opt), [1 - (0.045 + 0.05), -2 + (0.09 + 0.1)]);
    close(step(opt), [0.905 - (0.9 * 0.095 + 0.05), -1.81 + (0.9 * 0.19 + 0.1)]);
  });
  it('changing lr between steps takes effect (schedules rely on it)', () => {
    const { step } = setup();
    const opt = nb.optim.sgd(0.1);
    step(opt);
    opt.lr = 1;
    close(step(opt), [0.45, -0.9]);
    expect(opt.iterations).toBe(2);
    expect(() => (opt.lr = -1)).toThrow('sgd: lr must be a finite number ≥ 0, got -1');
  });
});

describe('Adagrad', () => {
  pinBackend('cpu');
  it('G ← G + ∇², w ← w − η∇/(√G + ε)', () => {
    const { w, step } = setup();
    const opt = nb.optim.adagrad(0.1, { eps: 1e-8 });
    const s1 = G.map((g, i) => [1, -2][i]! - (0.1 * g) / (Math.abs(g) + 1e-8));
    close(step(opt), s1);
    close(step(opt), G.map((g, i) => s1[i]! - (0.1 * g) / (Math.sqrt(2 * g * g) + 1e-8)));
    close(vals(opt.stateOf(w)[0]!), [2 * 0.25, 2 * 1]); // G = 2g²
  });
  it('lrDecay d: step t uses η/(1 + (t − 1)·d)', () => {
    const { step } = setup();
    const opt = nb.optim.adagrad(0.1, { lrDecay: 0.5, eps: 0 });
    const s1 = G.map((g, i) => [1, -2][i]! - 0.1 * Math.sign(g));
    close(step(opt), s1);
    close(step(opt), G.map((g, i) => s1[i]! - ((0.1 / 1.5) * g) / Math.sqrt(2 * g * g)));
  });
  it('initial accumulator', () => {
    const { step } = setup();
    close(step(nb.optim.adagrad(0.1, { initialAccumulator: 0.75, eps: 0 })), [1 - 0.05 / 1, -2 + 0.1 / Math.sqrt(1.75)]);
  });
});

describe('RMSprop', () => {
  pinBackend('cpu');
  it('E ← ρE + (1 − ρ)∇², w ← w − η∇/(√E + ε)', () => {
    const { step } = setup();
    const opt = nb.optim.rmsprop(0.1, { rho: 0.9, eps: 1e-8 });
    const E1 = G.map((g) => 0.1 * g * g);
    const s1 = G.map((g, i) => [1, -2][i]! - (0.1 * g) / (Math.sqrt(E1[i]!) + 1e-8));
    close(step(opt), s1);
    close(s1, [1 - 0.1 / Math.sqrt(0.1), -2 + 0.1 / Math.sqrt(0.1)], 1e-6); // first step ≈ η/√(1 − ρ)
    const E2 = E1.map((e, i) => 0.9 * e + 0.1 * G[i]! ** 2);
    close(step(opt), G.map((g, i) => s1[i]! - (0.1 * g) / (Math.sqrt(E2[i]!) + 1e-8)));
  });
});

describe('RMSprop momentum and centered', () => {
  pinBackend('cpu');
  it('momentum: b ← μb + ∇/(√E + ε), w ← w − ηb; centered: √(E − ḡ²)', () => {
    const m = setup();
    const opt = nb.optim.rmsprop(0.1, { rho: 0.9, eps: 0, momentum: 0.5 });
    const d = G.map((g) => g / Math.sqrt(0.1 * g * g));
    close(m.step(opt), d.map((x, i) => [1, -2][i]! - 0.1 * x));
    expect(opt.stateOf(m.w).length).toBe(2);
    const c = setup();
    const opt2 = nb.optim.rmsprop(0.1, { rho: 0.9, eps: 1e-3, centered: true });
    // E = 0.1g², ḡ = 0.1g: √(E − ḡ²) = √0.09·|g| = 0.3|g|
    close(c.step(opt2), G.map((g, i) => [1, -2][i]! - (0.1 * g) / (0.3 * Math.abs(g) + 1e-3)));
    expect(opt2.config()).toMatchObject({ centered: true, momentum: 0 });
  });
});

describe('Adadelta', () => {
  pinBackend('cpu');
  it('Δ = −√(E[Δ²] + ε)/√(E[g²] + ε)·g with both running averages', () => {
    const { step } = setup();
    const rho = 0.95;
    const eps = 1e-6;
    const opt = nb.optim.adadelta(1, { rho, eps });
    let w = [1, -2];
    let Eg = [0, 0];
    let Ed = [0, 0];
    for (let k = 0; k < 2; k++) {
      Eg = Eg.map((e, i) => rho * e + (1 - rho) * G[i]! ** 2);
      const d = G.map((g, i) => (-Math.sqrt(Ed[i]! + eps) / Math.sqrt(Eg[i]! + eps)) * g);
      Ed = Ed.map((e, i) => rho * e + (1 - rho) * d[i]! ** 2);
      w = w.map((x, i) => x + d[i]!);
      close(step(opt), w);
    }
    // first step: −√ε/√((1 − ρ)g² + ε)·g ≈ −0.0044·sign(g)
    expect(w[0]).toBeLessThan(1);
  });
});

describe('Adam', () => {
  pinBackend('cpu');
  it('first step moves each weight by ≈ η·sign(∇) (bias correction)', () => {
    const { step } = setup();
    close(step(nb.optim.adam(0.1)), [0.9, -1.9], 1e-7);
  });
  it('bias-corrected moments over two steps with different gradients', () => {
    const { step } = setup();
    const [b1, b2, eps, lr] = [0.9, 0.999, 1e-8, 0.01];
    const opt = nb.optim.adam(lr, { beta1: b1, beta2: b2, eps });
    let w = [1, -2];
    let m = [0, 0];
    let v = [0, 0];
    const grads = [G, [-0.2, 3]];
    grads.forEach((g, k) => {
      const t = k + 1;
      m = m.map((x, i) => b1 * x + (1 - b1) * g[i]!);
      v = v.map((x, i) => b2 * x + (1 - b2) * g[i]! ** 2);
      w = w.map((x, i) => x - (lr * (m[i]! / (1 - b1 ** t))) / (Math.sqrt(v[i]! / (1 - b2 ** t)) + eps));
      close(step(opt, g), w);
    });
  });
  it('weight decay: Adam adds λw to the gradient; AdamW decays decoupled', () => {
    const a = setup();
    // Adam: g' = g + λw = [0.5 + 0.1, −1 − 0.2]; first step ≈ η·sign(g')
    close(a.step(nb.optim.adam(0.1, { weightDecay: 0.1 })), [0.9, -1.9], 1e-7);
    const b = setup();
    // AdamW: w ← w(1 − ηλ) − η·m̂/(√v̂ + ε)
    close(b.step(nb.optim.adamw(0.1, { weightDecay: 0.5 })), [1 * 0.95 - 0.1, -2 * 0.95 + 0.1], 1e-7);
  });
  it('amsgrad divides by the running maximum of v', () => {
    const { w, step } = setup();
    const [b1, b2, eps, lr] = [0.9, 0.5, 1e-8, 0.01];
    const opt = nb.optim.adam(lr, { beta1: b1, beta2: b2, eps, amsgrad: true });
    let x = [1, -2];
    let m = [0, 0];
    let v = [0, 0];
    let vMax = [0, 0];
    [G, [0.01, -0.02], [0.3, 0.1]].forEach((g, k) => {
      const t = k + 1;
      m = m.map((y, i) => b1 * y + (1 - b1) * g[i]!);
      v = v.map((y, i) => b2 * y + (1 - b2) * g[i]! ** 2);
      vMax = vMax.map((y, i) => Math.max(y, v[i]!));
      x = x.map((y, i) => y - (lr * (m[i]! / (1 - b1 ** t))) / (Math.sqrt(vMax[i]! / (1 - b2 ** t)) + eps));
      close(step(opt, g), x);
    });
    expect(opt.stateOf(w).length).toBe(3);
    close(vals(opt.stateOf(w)[2]!), vMax);
  });
  it('beta1 may change between steps (one-cycle schedules cycle it)', () => {
    const opt = nb.optim.adam(0.1);
    opt.beta1 = 0.85;
    expect(opt.config().beta1).toBe(0.85);
  });
  it('counts steps per parameter (a parameter first updated later gets t = 1)', () => {
    const opt = nb.optim.adam(0.1);
    const a = setup();
    a.step(opt);
    a.step(opt);
    const late = nb.tensor([3], { dtype: 'float64', requiresGrad: true });
    late.grad = nb.tensor([-4], { dtype: 'float64' });
    opt.step([late]);
    close(vals(late), [3.1], 1e-7);
    expect(opt.stepsOf(late)).toBe(1);
    expect(opt.stepsOf(a.w)).toBe(2);
  });
});

describe('all optimizers', () => {
  const all = (): nb.optim.Optimizer[] => [
    nb.optim.sgd(0.5), nb.optim.sgd(0.2, { momentum: 0.9 }), nb.optim.sgd(0.2, { momentum: 0.9, nesterov: true }),
    nb.optim.adagrad(0.3), nb.optim.rmsprop(0.02), nb.optim.adadelta(1), nb.optim.adam(0.05), nb.optim.adamw(0.05),
    nb.optim.sgd(0.2, { momentum: 0.9, dampening: 0.3, weightDecay: 1e-4 }), nb.optim.adagrad(0.3, { lrDecay: 0.01 }),
    nb.optim.rmsprop(0.01, { momentum: 0.5, centered: true }), nb.optim.adam(0.05, { amsgrad: true }), nb.optim.adamw(0.05, { amsgrad: true }),
  ];

  it('skip parameters without a gradient and keep memory flat', () => {
    for (const opt of all()) {
      // float32: the default backend (wasm, where available) stores no float64.
      const { w, step } = setup('float32');
      const idle = nb.tensor([5], { requiresGrad: true });
      step(opt);
      const before = nb.memory().numTensors;
      for (let i = 0; i < 5; i++) {
        step(opt);
        opt.step([idle]);
      }
      expect(vals(idle)).toEqual([5]);
      expect(nb.memory().numTensors, opt.config().type).toBe(before);
      expect(w.requiresGrad && w.isLeaf).toBe(true);
      opt.reset();
      expect(opt.iterations).toBe(0);
    }
  });

  it('config round-trips through fromConfig; byName knows every optimizer', () => {
    for (const opt of all()) expect(nb.optim.fromConfig(opt.config()).config()).toEqual(opt.config());
    for (const n of ['sgd', 'momentum', 'nesterov', 'adagrad', 'rmsprop', 'adadelta', 'adam', 'adamw']) expect(nb.optim.byName(n).lr).toBeGreaterThan(0);
    expect(() => nb.optim.byName('lbfgs')).toThrow(/optim.byName: name must be one of 'sgd', .*, got string "lbfgs"/);
  });

  it('each trains a small tanh network on XOR', () => {
    const x = nb.tensor([[0, 0], [0, 1], [1, 0], [1, 1]]);
    const t = nb.tensor([[0], [1], [1], [0]]);
    for (const opt of all()) {
      nb.seed(3);
      const net = nb.nn.sequential(nb.nn.linear(2, 8, { init: 'glorotUniform' }), nb.nn.tanh(), nb.nn.linear(8, 1, { init: 'glorotUniform' }));
      let loss = Infinity;
      for (let i = 0; i < 200; i++) {
        loss = nb.tidy(() => {
          const l = nb.nn.binaryCrossEntropyWithLogits(net.call(x), t);
          l.backward();
          return l.item();
        });
        opt.step(net.parameters());
        net.zeroGrad();
      }
      expect(loss, opt.config().type).toBeLessThan(0.2);
    }
  });

  it('reject bad hyper-parameters', () => {
    expect(() => nb.optim.sgd(0.1, { nesterov: true })).toThrow('sgd: nesterov needs a momentum > 0');
    expect(() => nb.optim.sgd(0.1, { momentum: 1 })).toThrow('sgd: momentum must be a finite number ≥ 0 and < 1, got 1');
    expect(() => nb.optim.adam(0.1, { beta2: 1.5 })).toThrow('adam: beta2 must be a finite number ≥ 0 and < 1, got 1.5');
    expect(() => nb.optim.rmsprop(Number.NaN)).toThrow('rmsprop: lr must be a finite number ≥ 0, got NaN');
  });
});

describe('optimizer state for checkpoints', () => {
  pinBackend('cpu');
  it('stateDict/loadStateDict resume Adam exactly where it stopped', () => {
    const a = setup();
    const opt = nb.optim.adam(0.01);
    a.step(opt);
    a.step(opt, [0.1, 0.2]);
    const sd = opt.stateDict([['w', a.w]]);
    expect(sd.iterations).toBe(2);
    expect(sd.params.w!.step).toBe(2);
    // a second parameter with the same value continues under a fresh optimizer loaded from the state
    const b = nb.tensor(vals(a.w), { dtype: 'float64', requiresGrad: true });
    const opt2 = nb.optim.adam(0.01);
    opt2.loadStateDict([['w', b]], sd);
    a.step(opt, [-0.3, 0.4]);
    b.grad = nb.tensor([-0.3, 0.4], { dtype: 'float64' });
    opt2.step([b]);
    expect(vals(b)).toEqual(vals(a.w));
    expect(opt2.stepsOf(b)).toBe(3);
  });
  it('rejects state for unknown parameters or of the wrong shape', () => {
    const a = setup();
    const opt = nb.optim.sgd(0.1, { momentum: 0.9 });
    a.step(opt);
    const sd = opt.stateDict([['w', a.w]]);
    expect(() => nb.optim.sgd(0.1, { momentum: 0.9 }).loadStateDict([['v', a.w]], sd)).toThrow("sgd.loadStateDict: state for 'w', which is not among the parameters (v)");
    expect(() => nb.optim.sgd(0.1, { momentum: 0.9 }).loadStateDict([['w', nb.zeros([3])]], sd)).toThrow("state of 'w' has shape [2], the parameter has [3]");
    expect(() => nb.optim.adam().loadStateDict([['w', a.w]], sd)).toThrow("adam.loadStateDict: 'w' has 1 state slots, adam keeps 2");
  });
});
