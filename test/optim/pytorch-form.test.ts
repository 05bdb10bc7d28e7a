import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { pinBackend } from '../nn/helpers.js';

// Optimizers built the PyTorch way, `adam(model.parameters(), { lr })`, then `step()` and
// `zeroGrad()` without arguments, must update exactly as the nabla form `adam(lr)` + `step(params)`.

const vals = (t: nb.Tensor): number[] => Array.from(t.dataSync() as ArrayLike<number>, Number);

type Factory = 'sgd' | 'adagrad' | 'rmsprop' | 'adadelta' | 'adam' | 'adamw';
const CASES: [Factory, Record<string, number | boolean>][] = [
  ['sgd', { momentum: 0.9, nesterov: true }],
  ['adagrad', { eps: 1e-6 }],
  ['rmsprop', { rho: 0.8 }],
  ['adadelta', { rho: 0.9 }],
  ['adam', { beta1: 0.8 }],
  ['adamw', { weightDecay: 0.1 }],
];

/** Two parameters whose gradients come from a small quadratic loss. */
function problem(): { w: nb.Tensor; b: nb.Tensor; backward: () => void } {
  const w = nb.tensor([1, -2], { dtype: 'float64', requiresGrad: true });
  const b = nb.tensor([0.5], { dtype: 'float64', requiresGrad: true });
  const x = nb.tensor([3, 1], { dtype: 'float64' });
  return { w, b, backward: () => nb.tidy(() => w.mul(x).sum().add(b.sum()).square().backward()) };
}

function run(make: (params: nb.Tensor[]) => nb.optim.Optimizer, pytorch: boolean): number[] {
  const { w, b, backward } = problem();
  const opt = make([w, b]);
  for (let i = 0; i < 3; i++) {
    backward();
    if (pytorch) {
      opt.step();
      opt.zeroGrad();
    } else {
      opt.step([w, b]);
      opt.zeroGrad([w, b]);
    }
  }
  return [...vals(w), ...vals(b)];
}

describe('optimizers: the PyTorch form', () => {
  pinBackend('cpu');
  for (const [name, opts] of CASES) {
    it(`${name}(params, { lr, ... }) then step() / zeroGrad() updates as ${name}(lr, ...) with step(params)`, () => {
      const factory = nb.optim[name] as (first: number | nb.optim.Params, o?: object) => nb.optim.Optimizer;
      const ours = run(() => factory(0.05, opts), false);
      const torch = run((params) => factory(params, { lr: 0.05, ...opts }), true);
      expect(torch).toEqual(ours);
      expect(ours).not.toEqual([1, -2, 0.5]);
    });
  }

  it('uses the default learning rate when lr is not given (but sgd needs one)', () => {
    const { w } = problem();
    expect(nb.optim.adam([w]).lr).toBe(0.001);
    expect(nb.optim.adagrad([w], {}).lr).toBe(0.01);
    expect(() => nb.optim.sgd([w] as never)).toThrow("sgd: options.lr must be a finite number ≥ 0 (sgd has no default learning rate), got undefined");
  });

  it('keeps step(params) working on an optimizer that holds parameters', () => {
    const { w, b, backward } = problem();
    const opt = nb.optim.sgd([w], { lr: 0.1 });
    backward();
    opt.step([b]); // only b moves
    expect(vals(w)).toEqual([1, -2]);
    expect(vals(b)[0]).not.toBe(0.5);
  });

  it('parameter groups each use their own lr (the optimizer lr where none is given)', () => {
    const { w, b, backward } = problem();
    const opt = nb.optim.sgd([{ params: [w], lr: 0.1 }, { params: [b] }], { lr: 0.01 });
    backward();
    const gw = vals(w.grad!);
    const gb = vals(b.grad!);
    opt.step();
    expect(vals(w)).toEqual([1 - 0.1 * gw[0]!, -2 - 0.1 * gw[1]!]);
    expect(vals(b)).toEqual([0.5 - 0.01 * gb[0]!]);
    opt.zeroGrad();
    expect(w.grad).toBeNull();
    expect(b.grad).toBeNull();
    expect(opt.paramGroups.map((g) => g.lr)).toEqual([0.1, undefined]);
    // a group's lr can be changed between steps, as in PyTorch's param_groups
    opt.paramGroups[0]!.lr = 0;
    backward();
    const before = vals(w);
    opt.step();
    expect(vals(w)).toEqual(before);
  });

  it('a model trains with the PyTorch form and leaves no tensors behind', () => {
    nb.seed(0);
    const model = nb.nn.sequential(nb.nn.linear(2, 8), nb.nn.tanh(), nb.nn.linear(8, 1));
    const opt = nb.optim.adam(model.parameters(), { lr: 0.05 });
    const x = nb.tensor([[0, 0], [0, 1], [1, 0], [1, 1]]);
    const y = nb.tensor([[0], [1], [1], [0]]);
    const losses: number[] = [];
    let live = 0;
    for (let i = 0; i < 200; i++) {
      losses.push(nb.tidy(() => {
        const loss = nb.nn.mse(model.call(x), y);
        loss.backward();
        opt.step();
        opt.zeroGrad();
        return loss.item();
      }));
      if (i === 1) live = nb.memory().numTensors;
    }
    expect(nb.memory().numTensors).toBe(live);
    expect(losses.at(-1)!).toBeLessThan(losses[0]! / 10);
  });

  it('says how to give parameters when step() has none', () => {
    expect(() => nb.optim.adam(1e-3).step()).toThrow('adam.step: no parameters: pass them (opt.step(model.parameters())) or give them when creating the optimizer (nb.optim.adam(model.parameters(), { lr }))');
    expect(() => nb.optim.sgd(0.1).zeroGrad()).toThrow(/sgd\.zeroGrad: no parameters/);
  });

  it('refuses bad parameters with short messages (never the tensors\' values)', () => {
    const { w } = problem();
    expect(() => nb.optim.adam([], { lr: 1 })).toThrow('adam: params is an empty array: give the parameters to optimize (model.parameters())');
    expect(() => nb.optim.adam([w, w])).toThrow('adam: params[1] is the same tensor as params[0]: a parameter may be given once');
    expect(() => nb.optim.adam([{ params: [w] }, { params: [w] }])).toThrow('adam: params[1].params[0] is the same tensor as params[0].params[0]');
    expect(() => nb.optim.adam([w, 3] as never)).toThrow('adam: params[1] must be a Tensor, got 3');
    expect(() => nb.optim.adam([{ params: [w], lr: -1 }])).toThrow('adam: params[0].lr must be a finite number ≥ 0, got -1');
    expect(() => nb.optim.adam([{ params: [w], momentum: 1 }] as never)).toThrow("adam: unknown option 'momentum' in params[0]; known options: params, lr");
    expect(() => nb.optim.adam([w], { lr: '1' } as never)).toThrow('adam: options.lr must be a finite number ≥ 0, got string "1"');
    expect(() => nb.optim.adam([w], { lr: 1, bogus: 1 } as never)).toThrow("adam: unknown option 'bogus'");
    expect(() => nb.optim.adam('x' as never)).toThrow('adam: lr must be a finite number ≥ 0, got string "x"');
    // the message of a model's whole parameter list given where a number was expected is short
    const model = nb.nn.sequential(nb.nn.linear(200, 200));
    let msg = '';
    try {
      nb.optim.sgd({ params: model.parameters() } as never);
      // (an object where lr or the parameter list belongs)
    } catch (e) {
      msg = (e as Error).message;
    }
    expect(msg).toBe('sgd: lr must be a finite number ≥ 0 (or the parameters to optimize: an array of Tensors or of { params, lr } groups), got an object');
    expect(msg.length).toBeLessThan(200);
  });
});
