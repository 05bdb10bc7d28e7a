import { it, expect } from 'vitest';
import * as nb from '../../src/index.js';
import { forEachSyncBackend } from '../conformance/backends.js';

const bits = (t: nb.Tensor) => Array.from(t.dataSync() as Float32Array);

forEachSyncBackend('nb.jit: elementwise fusion', (backend) => {
  it('bias + relu, scalars and rows, a chain of a dozen ops: fused equals unfused bit for bit', () => {
    nb.seed(4);
    const x = nb.randn([37, 19]);
    const W = nb.randn([19, 23]);
    const b = nb.randn([23]);
    const v = nb.abs(nb.randn([37, 23]));
    const f = (t: nb.Tensor) => {
      const h = nb.relu(nb.add(nb.matmul(t, W), b)); // bias row + relu
      const u = nb.div(nb.mul(nb.sub(h, 0.5), 1.5), nb.add(nb.sqrt(v), 1e-3)); // an Adam-like update
      return nb.maximum(nb.minimum(nb.neg(nb.square(u)), 2), nb.abs(nb.mul(u, b)));
    };
    const fused = nb.jit(f, { warmup: 0 });
    const plain = nb.jit(f, { warmup: 0, fuse: false });
    const want = bits(f(x));
    for (let i = 0; i < 2; i++) {
      expect(bits(fused(x))).toEqual(want);
      expect(bits(plain(x))).toEqual(want);
    }
    const s = fused.stats()[0]!;
    expect(s.fused).toBeGreaterThanOrEqual(8);
    expect(s.kernels).toBeLessThan(plain.stats()[0]!.kernels - 6);
  });

  it('trees of single-reader chains fuse into one kernel (a moment update m·β + g·(1 − β))', () => {
    nb.seed(6);
    const m = nb.randn([50, 30]), g = nb.randn([50, 30]), v = nb.abs(nb.randn([30]));
    const f = (a: nb.Tensor, b: nb.Tensor) => nb.div(nb.add(nb.mul(a, 0.9), nb.mul(b, 0.1)), nb.add(nb.sqrt(v), 1e-8));
    const fused = nb.jit(f, { warmup: 0 });
    const want = bits(f(m, g));
    fused(m, g);
    expect(bits(fused(m, g))).toEqual(want);
    expect(fused.stats()[0]!.kernels).toBe(2); // the [30] row chain sqrt(v) + ε, and the rest
  });

  it(`a training step with fusion on ${backend} matches eager bit for bit`, () => {
    const mk = () => {
      nb.seed(2);
      const model = nb.nn.sequential(nb.nn.linear(10, 32), nb.nn.relu(), nb.nn.linear(32, 4));
      nb.tidy(() => model.call(nb.zeros([1, 10])));
      const params = model.parameters();
      const opt = nb.optim.sgd(0.05, { momentum: 0.9 });
      return { params, step: (x: nb.Tensor, y: nb.Tensor) => {
        const l = nb.nn.mse(model.call(x), y);
        opt.zeroGrad(params);
        l.backward();
        opt.step(params);
        return l;
      } };
    };
    const e = mk();
    const j = mk();
    const step = nb.jit(j.step);
    nb.seed(5);
    for (let i = 0; i < 5; i++) {
      const x = nb.randn([16, 10]), y = nb.randn([16, 4]);
      expect(nb.tidy(() => step(x, y).item())).toBe(nb.tidy(() => e.step(x, y).item()));
    }
    e.params.forEach((p, i) => expect(bits(j.params[i]!)).toEqual(bits(p)));
    expect(step.stats()[0]!.fused).toBeGreaterThan(0);
  });
});
