import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { forEachBackend } from './backends.js';
import { check, expectTensor, rnd, rndAway, vals } from './helpers.js';

const SELU_A = 1.6732632423543772; // 1.6732632423543772848170429916717 to double precision
const SELU_S = 1.0507009873554805; // 1.0507009873554804934193349852946 to double precision
const sig = (v: number): number => 1 / (1 + Math.exp(-v));

forEachBackend('activations', () => {
  const xs = [-3, -1, -0.25, 0, 0.5, 2];
  const x = (): nb.Tensor => nb.tensor(xs);

  describe('forward against closed forms', () => {
    const cases: [string, (t: nb.Tensor) => nb.Tensor, (v: number) => number][] = [
      ['sigmoid', nb.sigmoid, sig],
      ['tanh', nb.tanh, Math.tanh],
      ['relu', nb.relu, (v) => Math.max(0, v)],
      ['softplus', nb.softplus, (v) => Math.log(1 + Math.exp(v))],
      ['elu', (t) => nb.elu(t), (v) => (v > 0 ? v : Math.exp(v) - 1)],
      ['elu α=0.5', (t) => nb.elu(t, 0.5), (v) => (v > 0 ? v : 0.5 * (Math.exp(v) - 1))],
      ['selu', nb.selu, (v) => SELU_S * (v > 0 ? v : SELU_A * (Math.exp(v) - 1))],
      ['leakyRelu', (t) => nb.leakyRelu(t, 0.1), (v) => (v > 0 ? v : 0.1 * v)],
      ['swish', nb.swish, (v) => v * sig(v)],
      ['step', nb.step, (v) => (v > 0 ? 1 : 0)],
    ];
    for (const [name, f, ref] of cases) it(name, () => expectTensor(f(x()), xs.map(ref), [6], 1e-6));

    it('sigmoid and softplus do not overflow at large |x|', () => {
      expectTensor(nb.sigmoid(nb.tensor([-1000, 1000])), [0, 1]);
      expectTensor(nb.softplus(nb.tensor([-1000, 1000])), [0, 1000]);
    });
    it('softmax and logSoftmax along any axis, stable for large logits', () => {
      const l = nb.tensor([[1, 2, 3], [1000, 1000, 1000]]);
      const e = [Math.exp(1), Math.exp(2), Math.exp(3)];
      const z = e[0]! + e[1]! + e[2]!;
      expectTensor(nb.softmax(l), [[e[0]! / z, e[1]! / z, e[2]! / z], [1 / 3, 1 / 3, 1 / 3]], [2, 3], 1e-6);
      expectTensor(nb.logSoftmax(l, -1), [[1 - Math.log(z), 2 - Math.log(z), 3 - Math.log(z)], [-Math.log(3), -Math.log(3), -Math.log(3)]], [2, 3], 1e-5);
      const c = nb.softmax(nb.tensor([[0, 0], [Math.log(3), 0]]), 0);
      expectTensor(c, [[0.25, 0.5], [0.75, 0.5]], [2, 2], 1e-6);
      const r = rnd([2, 3, 4], 110, -5, 5);
      for (const ax of [0, 1, 2]) {
        const s = vals(nb.sum(nb.softmax(r, ax), ax));
        s.forEach((v) => expect(v).toBeCloseTo(1, 5));
      }
    });
    it('int32 inputs give float32 for smooth activations', () => {
      expect(nb.sigmoid(nb.tensor([0], { dtype: 'int32' })).dtype).toBe('float32');
      expect(nb.relu(nb.tensor([-1, 2], { dtype: 'int32' })).arraySync()).toEqual([0, 2]);
    });
  });

  describe('gradients (gradcheck)', () => {
    it('smooth activations on random shapes', () => {
      check(nb.sigmoid, [rnd([2, 3], 111, -3, 3)]);
      check(nb.tanh, [rnd([3, 2], 112, -2, 2)]);
      check(nb.softplus, [rnd([4], 113, -3, 3)]);
      check(nb.swish, [rnd([2, 2], 114, -3, 3)]);
    });
    it('piecewise activations away from the kink', () => {
      check(nb.relu, [rndAway([2, 3], 115)]);
      check((t) => nb.elu(t, 0.7), [rndAway([2, 3], 116)]);
      check(nb.selu, [rndAway([2, 3], 117)]);
      check((t) => nb.leakyRelu(t, 0.2), [rndAway([2, 3], 118)]);
      check(nb.step, [rndAway([4], 119)]);
    });
    it('softmax, logSoftmax, logsumexp along axes', () => {
      check((t) => nb.softmax(t), [rnd([2, 4], 120, -2, 2)]);
      check((t) => nb.softmax(t, 0), [rnd([3, 2], 121, -2, 2)]);
      check((t) => nb.logSoftmax(t, 1), [rnd([2, 3, 2], 122, -2, 2)]);
      check((t) => nb.logsumexp(t, -1, true), [rnd([3, 3], 123, -2, 2)]);
    });
    it('closed-form derivatives at a few points', () => {
      const t = nb.tensor([-1, 0.5]).requireGrad();
      nb.sum(nb.sigmoid(t)).backward();
      expectTensor(t.grad!, [sig(-1) * (1 - sig(-1)), sig(0.5) * (1 - sig(0.5))], [2], 1e-6);
      const u = nb.tensor([-1, 0.5]).requireGrad();
      nb.sum(nb.tanh(u)).backward();
      expectTensor(u.grad!, [1 - Math.tanh(-1) ** 2, 1 - Math.tanh(0.5) ** 2], [2], 1e-6);
      const r = nb.tensor([-1, 2]).requireGrad();
      nb.sum(nb.relu(r)).backward();
      expectTensor(r.grad!, [0, 1]);
    });
  });
});
