/**
 * Fused kernels against the composite formulas they replace: the fused Adam step must give the
 * same bits as the dozen elementwise ops it fuses, on every backend.
 */
import { expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { forEachBackend } from './backends.js';
import { read } from './helpers.js';

type Hyper = Parameters<typeof nb.adamStep>[4];

/** The Adam step written with ordinary ops (the reference the fused kernel replaces). */
function adamReference(p: nb.Tensor, g0: nb.Tensor, m0: nb.Tensor, v0: nb.Tensor, h: Hyper): nb.Tensor[] {
  const g = h.l2 ? nb.add(g0, nb.mul(p, h.l2)) : g0;
  const m = nb.add(nb.mul(m0, h.beta1), nb.mul(g, 1 - h.beta1));
  const v = nb.add(nb.mul(v0, h.beta2), nb.mul(nb.square(g), 1 - h.beta2));
  const base = h.decay !== 1 ? nb.mul(p, h.decay) : p;
  return [nb.sub(base, nb.mul(nb.div(m, nb.add(nb.sqrt(v), h.epsT)), h.lrT)), m, v];
}

forEachBackend('fused adamStep', () => {
  const cases: [string, Hyper][] = [
    ['plain', { beta1: 0.9, beta2: 0.999, lrT: 1e-3 * Math.sqrt(1 - 0.999 ** 3) / (1 - 0.9 ** 3), epsT: 1e-8, l2: 0, decay: 1 }],
    ['coupled weight decay', { beta1: 0.8, beta2: 0.99, lrT: 0.01, epsT: 1e-6, l2: 0.05, decay: 1 }],
    ['decoupled weight decay', { beta1: 0.9, beta2: 0.999, lrT: 0.003, epsT: 1e-8, l2: 0, decay: 1 - 0.003 * 0.01 }],
  ];
  for (const [name, h] of cases) {
    it(`equals the composite formula bit for bit (${name}, 4·7+3 elements: SIMD body and tail)`, async () => {
      nb.seed(7);
      const shape = [31];
      const p = nb.randn(shape);
      const g = nb.randn(shape);
      const m = nb.randn(shape, { std: 0.1 });
      const v = nb.rand(shape, { high: 0.01 });
      const fused = nb.adamStep(p, g, m, v, h);
      const ref = adamReference(p, g, m, v, h);
      for (const [i, t] of fused.entries()) {
        expect(t.shape).toEqual(shape);
        expect(Array.from((await read(t)))).toEqual(Array.from((await read(ref[i]!))));
      }
      // inputs are values: untouched
      expect(p.isDisposed || g.isDisposed).toBe(false);
    });
  }
  it('takes the step size lrT as a one-element tensor, read when the kernel runs (the same bits as the number)', async () => {
    nb.seed(8);
    const shape = [37];
    const [p, g] = [nb.randn(shape), nb.randn(shape)];
    const m = nb.randn(shape, { std: 0.1 });
    const v = nb.rand(shape, { high: 0.01 });
    for (const [, h] of cases) {
      const lrT = nb.scalar(h.lrT as number);
      const byTensor = nb.adamStep(p, g, m, v, { ...h, lrT });
      const byNumber = nb.adamStep(p, g, m, v, h);
      for (const [i, t] of byTensor.entries()) expect(Array.from(await read(t))).toEqual(Array.from(await read(byNumber[i]!)));
    }
    expect(() => nb.adamStep(p, g, m, v, { ...cases[0]![1], lrT: nb.zeros([2]) })).toThrow("adamStep: h.lrT must be a one-element float32 tensor on");
  });
  it('rejects operands of different shapes, naming them', async () => {
    const a = nb.zeros([3]);
    const h = cases[0]![1];
    expect(() => nb.adamStep(a, nb.zeros([4]), a, a, h)).toThrow('adamStep: g is float32 [4] on');
  });
});
