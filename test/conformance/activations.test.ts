import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { forEachBackend } from './backends.js';
import { check, expectTensor, rnd, rndAway, vals, arr } from './helpers.js';

const SELU_A = 1.6732632423543772; // 1.6732632423543772 to double precision
const SELU_S = 1.0507009873554805; // 1.0507009873554805 to double precision
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
      ['gelu tanh', (t) => nb.gelu(t, 'tanh'), (v) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)))],
      ['hardtanh', nb.hardtanh, (v) => Math.min(Math.max(v, -1), 1)],
      ['hardtanh [-0.5, 1.5]', (t) => nb.hardtanh(t, -0.5, 1.5), (v) => Math.min(Math.max(v, -0.5), 1.5)],
      ['relu6', (t) => nb.relu6(nb.mul(t, 4)), (v) => Math.min(Math.max(4 * v, 0), 6)],
      ['softsign', nb.softsign, (v) => v / (1 + Math.abs(v))],
      ['mish', nb.mish, (v) => v * Math.tanh(Math.log1p(Math.exp(v)))],
      ['hardswish', (t) => nb.hardswish(nb.mul(t, 2)), (v) => (2 * v * Math.min(Math.max(2 * v + 3, 0), 6)) / 6],
      ['logSigmoid', nb.logSigmoid, (v) => Math.log(sig(v))],
    ];
    for (const [name, f, ref] of cases) it(name, async () => await expectTensor(f(x()), xs.map(ref), [6], 1e-6));

    it('gelu (exact erf form) against Φ(x) to high precision', async () => {
      // x·Φ(x) = ½x·erfc(−x/√2), computed to 30 digits
      const want = [-0.0040496940948902835, -0.15865525393145705, -0.10032341857926907, 0, 0.34573123063700656, 1.9544997361036416];
      const tol = nb.getBackend().supportsFloat64 ? 1e-14 : 1e-6;
      await expectTensor(nb.gelu(nb.tensor(xs, { dtype: nb.getBackend().supportsFloat64 ? 'float64' : 'float32' })), want, [6], tol);
      await expectTensor(nb.gelu(x(), 'none'), want, [6], 1e-6);
      // the far tails: relative accuracy where x·Φ(x) is tiny, and Φ → 1
      const tail = nb.gelu(nb.tensor([-10, 6, 40, -40], { dtype: nb.getBackend().supportsFloat64 ? 'float64' : 'float32' }));
      const tv = await vals(tail);
      expect(Math.abs(tv[0]! / -7.619853024160526e-23 - 1)).toBeLessThan(nb.getBackend().supportsFloat64 ? 1e-12 : 1e-5);
      expect(tv[1]).toBeCloseTo(5.999999994080474, 6);
      expect(tv[2]).toBe(40);
      expect(tv[3]).toBe(-0);
    });
    it('chainable methods x.gelu() and x.logSigmoid()', async () => {
      await expectTensor(x().gelu('tanh'), await vals(nb.gelu(x(), 'tanh')), [6], 0);
      await expectTensor(x().gelu(), await vals(nb.gelu(x())), [6], 0);
      await expectTensor(x().logSigmoid(), xs.map((v) => Math.log(sig(v))), [6], 1e-6);
    });
    it('softmin is softmax of −x; logSigmoid and softsign stay finite at large |x|', async () => {
      const l = nb.tensor([[1, 2, 3], [0, 0, Math.log(2)]]);
      const e = [Math.exp(-1), Math.exp(-2), Math.exp(-3)];
      const z = e[0]! + e[1]! + e[2]!;
      await expectTensor(nb.softmin(l), [[e[0]! / z, e[1]! / z, e[2]! / z], [0.4, 0.4, 0.2]], [2, 3], 1e-6);
      await expectTensor(nb.softmin(nb.tensor([[0, Math.log(3)], [0, 0]]), 0), [[0.5, 0.25], [0.5, 0.75]], [2, 2], 1e-6);
      await expectTensor(nb.logSigmoid(nb.tensor([-1000, 1000])), [-1000, 0]);
      await expectTensor(nb.softsign(nb.tensor([-1e30, 1e30])), [-1, 1]);
      await expectTensor(nb.mish(nb.tensor([-1000, 1000])), [-0, 1000]);
    });
    it('validates arguments, naming the composite op', async () => {
      expect(() => nb.gelu(nb.tensor([1]), 'erf' as 'none')).toThrow("gelu: approximate must be one of 'none', 'tanh', got string \"erf\"");
      expect(() => nb.hardtanh(nb.tensor([1]), 1, -1)).toThrow('hardtanh: min (1) must be less than max (-1)');
      expect(() => nb.hardtanh(nb.tensor([1]), NaN)).toThrow('hardtanh: min must be a finite number, got NaN');
      expect(() => nb.softmin(nb.tensor([1]), 1)).toThrow(/^softmin: /);
      for (const f of [nb.gelu, nb.softsign, nb.mish, nb.hardswish, nb.logSigmoid, nb.relu6, nb.hardtanh]) {
        expect(() => f('x' as unknown as nb.Tensor)).toThrow(new RegExp(`^${f.name}: x must be`));
      }
    });
    it('sigmoid and softplus do not overflow at large |x|', async () => {
      await expectTensor(nb.sigmoid(nb.tensor([-1000, 1000])), [0, 1]);
      await expectTensor(nb.softplus(nb.tensor([-1000, 1000])), [0, 1000]);
    });
    it('softmax and logSoftmax along any axis, stable for large logits', async () => {
      const l = nb.tensor([[1, 2, 3], [1000, 1000, 1000]]);
      const e = [Math.exp(1), Math.exp(2), Math.exp(3)];
      const z = e[0]! + e[1]! + e[2]!;
      await expectTensor(nb.softmax(l), [[e[0]! / z, e[1]! / z, e[2]! / z], [1 / 3, 1 / 3, 1 / 3]], [2, 3], 1e-6);
      await expectTensor(nb.logSoftmax(l, -1), [[1 - Math.log(z), 2 - Math.log(z), 3 - Math.log(z)], [-Math.log(3), -Math.log(3), -Math.log(3)]], [2, 3], 1e-5);
      const c = nb.softmax(nb.tensor([[0, 0], [Math.log(3), 0]]), 0);
      await expectTensor(c, [[0.25, 0.5], [0.75, 0.5]], [2, 2], 1e-6);
      const r = rnd([2, 3, 4], 110, -5, 5);
      for (const ax of [0, 1, 2]) {
        const s = await vals(nb.sum(nb.softmax(r, ax), ax));
        s.forEach((v) => expect(v).toBeCloseTo(1, 5));
      }
    });
    it('int32 inputs give float32 for smooth activations', async () => {
      expect(nb.sigmoid(nb.tensor([0], { dtype: 'int32' })).dtype).toBe('float32');
      expect((await arr(nb.relu(nb.tensor([-1, 2], { dtype: 'int32' }))))).toEqual([0, 2]);
    });
  });

  describe('gradients (gradcheck)', () => {
    it('smooth activations on random shapes', async () => {
      await check(nb.sigmoid, [rnd([2, 3], 111, -3, 3)]);
      await check(nb.tanh, [rnd([3, 2], 112, -2, 2)]);
      await check(nb.softplus, [rnd([4], 113, -3, 3)]);
      await check(nb.swish, [rnd([2, 2], 114, -3, 3)]);
      await check((t) => nb.gelu(t), [rnd([2, 3], 124, -4, 4)]);
      await check((t) => nb.gelu(t, 'tanh'), [rnd([3, 2], 125, -4, 4)]);
      await check(nb.softsign, [rndAway([2, 3], 126)]);
      await check(nb.mish, [rnd([4], 127, -3, 3)]);
      await check(nb.logSigmoid, [rnd([2, 2], 128, -5, 5)]);
    });
    it('gelu\'s derivative at 0 is ½ (Φ(0) + 0·φ(0)); at 1 it is Φ(1) + φ(1)', async () => {
      const t = nb.tensor([0, 1]).requireGrad();
      nb.sum(nb.gelu(t)).backward();
      await expectTensor(t.grad!, [0.5, 0.8413447460685429 + Math.exp(-0.5) / Math.sqrt(2 * Math.PI)], [2], 1e-6);
    });
    it('hardtanh, relu6, hardswish away from their kinks', async () => {
      await check((t) => nb.hardtanh(nb.mul(t, 2)), [rndAway([2, 3], 129)]);
      await check((t) => nb.hardtanh(t, -0.5, 0.5), [rndAway([2, 3], 130, 0.1)]);
      await check((t) => nb.relu6(nb.mul(t, 8)), [rndAway([2, 3], 131)]);
      await check((t) => nb.hardswish(nb.mul(t, 5)), [rndAway([2, 3], 132, 0.7)]);
    });
    it('piecewise activations away from the kink', async () => {
      await check(nb.relu, [rndAway([2, 3], 115)]);
      await check((t) => nb.elu(t, 0.7), [rndAway([2, 3], 116)]);
      await check(nb.selu, [rndAway([2, 3], 117)]);
      await check((t) => nb.leakyRelu(t, 0.2), [rndAway([2, 3], 118)]);
      await check(nb.step, [rndAway([4], 119)]);
    });
    it('softmax, logSoftmax, logsumexp along axes', async () => {
      await check((t) => nb.softmax(t), [rnd([2, 4], 120, -2, 2)]);
      await check((t) => nb.softmax(t, 0), [rnd([3, 2], 121, -2, 2)]);
      await check((t) => nb.logSoftmax(t, 1), [rnd([2, 3, 2], 122, -2, 2)]);
      await check((t) => nb.logsumexp(t, -1, true), [rnd([3, 3], 123, -2, 2)]);
      await check((t) => nb.softmin(t), [rnd([2, 4], 133, -2, 2)]);
      await check((t) => nb.softmin(t, 0), [rnd([3, 2, 2], 134, -2, 2)]);
    });
    it('closed-form derivatives at a few points', async () => {
      const t = nb.tensor([-1, 0.5]).requireGrad();
      nb.sum(nb.sigmoid(t)).backward();
      await expectTensor(t.grad!, [sig(-1) * (1 - sig(-1)), sig(0.5) * (1 - sig(0.5))], [2], 1e-6);
      const u = nb.tensor([-1, 0.5]).requireGrad();
      nb.sum(nb.tanh(u)).backward();
      await expectTensor(u.grad!, [1 - Math.tanh(-1) ** 2, 1 - Math.tanh(0.5) ** 2], [2], 1e-6);
      const r = nb.tensor([-1, 2]).requireGrad();
      nb.sum(nb.relu(r)).backward();
      await expectTensor(r.grad!, [0, 1]);
    });
  });
});
