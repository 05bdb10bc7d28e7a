import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { forEachBackend } from './backends.js';
import { check, expectTensor, rnd, rndAway, rndPos, vals, arr } from './helpers.js';

forEachBackend('elementwise', () => {
  describe('binary arithmetic forward', () => {
    const a = (): nb.Tensor => nb.tensor([[1, 2, 3], [4, 5, 6]]);
    const b = (): nb.Tensor => nb.tensor([10, 20, 30]);
    it('add / sub / mul / div with broadcasting', async () => {
      await expectTensor(nb.add(a(), b()), [[11, 22, 33], [14, 25, 36]], [2, 3]);
      await expectTensor(nb.sub(a(), b()), [[-9, -18, -27], [-6, -15, -24]], [2, 3]);
      await expectTensor(nb.mul(a(), b()), [[10, 40, 90], [40, 100, 180]], [2, 3]);
      await expectTensor(nb.div(a(), b()), [[0.1, 0.1, 0.1], [0.4, 0.25, 0.2]], [2, 3]);
    });
    it('a row vector on either side (bias-like broadcasting), with leading 1s', async () => {
      await expectTensor(nb.sub(nb.tensor([10, 20, 30]), a()), [[9, 18, 27], [6, 15, 24]], [2, 3]);
      await expectTensor(nb.div(nb.tensor([[[12, 10, 6]]]), a()), [[[12, 5, 2], [3, 2, 1]]], [1, 2, 3]);
      await expectTensor(nb.sub(nb.reshape(nb.arange(12, undefined, 1, { dtype: 'float32' }), [2, 2, 3]), nb.tensor([[1, 2, 3], [4, 5, 6]])),
        [[[-1, -1, -1], [-1, -1, -1]], [[5, 5, 5], [5, 5, 5]]], [2, 2, 3]);
    });
    it('column against row broadcast to a matrix', async () => {
      const col = nb.tensor([[1], [2]]);
      const row = nb.tensor([10, 20, 30]);
      await expectTensor(nb.add(col, row), [[11, 21, 31], [12, 22, 32]], [2, 3]);
    });
    it('numbers on either side', async () => {
      await expectTensor(nb.sub(10, nb.tensor([1, 2])), [9, 8]);
      await expectTensor(nb.div(nb.tensor([1, 2]), 4), [0.25, 0.5]);
      await expectTensor(nb.tensor([1, 2]).mul(3).add(1), [4, 7]);
    });
    it('mulNoNan: w·x, and 0 wherever w is 0 even beside ±∞ or NaN (SIMD lanes, scalar tail and broadcasting)', async () => {
      const w = nb.tensor([0, 1, 0, 2, 0, -1, 0.5, 0, 3]);
      const x = nb.tensor([-Infinity, 2, NaN, -Infinity, Infinity, 3, 4, 5, NaN]);
      await expectTensor(nb.mulNoNan(w, x), [0, 2, 0, -Infinity, 0, -3, 2, 0, NaN]);
      await expectTensor(nb.mulNoNan(nb.tensor([[0], [2]]), nb.tensor([-Infinity, 1, 2, 3, 4])), [[0, 0, 0, 0, 0], [-Infinity, 2, 4, 6, 8]], [2, 5]);
      await expectTensor(nb.mulNoNan(0, nb.tensor([NaN, 1])), [0, 0]);
      const g = nb.tensor([0, 1], { requiresGrad: true });
      const y = nb.tensor([-Infinity, 3], { requiresGrad: true });
      nb.sum(nb.mulNoNan(g, y)).backward();
      await expectTensor(y.grad!, [0, 1]); // d/dx = w: finite where w is 0
      await expectTensor(g.grad!, [-Infinity, 3]); // d/dw = x
    });
    it('pow, maximum, minimum', async () => {
      await expectTensor(nb.pow(nb.tensor([2, 3, 4]), nb.tensor([3, 2, 0.5])), [8, 9, 2]);
      await expectTensor(nb.pow(nb.tensor([[1], [2]]), 2), [[1], [4]], [2, 1]);
      await expectTensor(nb.maximum(nb.tensor([1, 5, -2]), nb.tensor([3, 4, -1])), [3, 5, -1]);
      await expectTensor(nb.minimum(nb.tensor([1, 5, -2]), nb.tensor([3, 4, -1])), [1, 4, -2]);
      await expectTensor(nb.maximum(nb.tensor([-1, 0.5, 2]), 0), [0, 0.5, 2]);
    });
    it('empty and size-1 dims', async () => {
      const e = nb.add(nb.zeros([0, 3]), nb.ones([1, 3]));
      expect(e.shape).toEqual([0, 3]);
      expect(e.size).toBe(0);
      await expectTensor(nb.mul(nb.ones([1, 1, 2]), nb.full([3, 1, 1], 2)), [[[2, 2]], [[2, 2]], [[2, 2]]], [3, 1, 2]);
    });
    it('scalar tensors broadcast against anything', async () => {
      await expectTensor(nb.add(nb.scalar(1), nb.tensor([[1, 2]])), [[2, 3]], [1, 2]);
      expect(nb.add(nb.scalar(1), nb.scalar(2)).shape).toEqual([]);
    });
    it('int32 arithmetic stays int32; division gives float32', async () => {
      const i = nb.tensor([7, -7], { dtype: 'int32' });
      const s = nb.add(i, 1);
      expect(s.dtype).toBe('int32');
      await expectTensor(s, [8, -6]);
      const d = nb.div(i, 2);
      expect(d.dtype).toBe('float32');
      await expectTensor(d, [3.5, -3.5]);
      expect(nb.add(i, 0.5).dtype).toBe('float32');
    });
  });

  describe('unary forward', () => {
    const x = [-2, -0.5, 0, 0.5, 3];
    const t = (): nb.Tensor => nb.tensor(x);
    const cases: [string, (t: nb.Tensor) => nb.Tensor, (v: number) => number][] = [
      ['neg', nb.neg, (v) => -v],
      ['exp', nb.exp, Math.exp],
      ['abs', nb.abs, Math.abs],
      ['sign', nb.sign, (v) => (v > 0 ? 1 : v < 0 ? -1 : 0)],
      ['square', nb.square, (v) => v * v],
    ];
    for (const [name, f, ref] of cases) {
      it(name, async () => await expectTensor(f(t()), x.map(ref), [5]));
    }
    it('log, sqrt, reciprocal on positives', async () => {
      const p = nb.tensor([0.25, 1, 4]);
      await expectTensor(nb.log(p), [Math.log(0.25), 0, Math.log(4)]);
      await expectTensor(nb.sqrt(p), [0.5, 1, 2]);
      await expectTensor(nb.reciprocal(p), [4, 1, 0.25]);
    });
    it('log(0) is -inf, sqrt(-1) is NaN, 1/0 is inf (IEEE, like NumPy)', async () => {
      await expectTensor(nb.log(nb.tensor([0])), [-Infinity]);
      await expectTensor(nb.sqrt(nb.tensor([-1])), [NaN]);
      await expectTensor(nb.reciprocal(nb.tensor([0])), [Infinity]);
    });
    it('int32 inputs: neg/abs/sign/square keep int32, exp/log give float32', async () => {
      const i = nb.tensor([-3, 0, 2], { dtype: 'int32' });
      expect(nb.neg(i).dtype).toBe('int32');
      await expectTensor(nb.abs(i), [3, 0, 2]);
      await expectTensor(nb.sign(i), [-1, 0, 1]);
      await expectTensor(nb.square(i), [9, 0, 4]);
      expect(nb.exp(i).dtype).toBe('float32');
      await expectTensor(nb.exp(i), [Math.exp(-3), 1, Math.exp(2)]);
    });
    it('rsqrt, sin, cos, expm1, log1p', async () => {
      const p = nb.tensor([0.25, 1, 4]);
      await expectTensor(nb.rsqrt(p), [2, 1, 0.5]);
      const v = [-1, 0, 0.5];
      await expectTensor(nb.sin(nb.tensor(v)), v.map(Math.sin));
      await expectTensor(nb.cos(nb.tensor(v)), v.map(Math.cos));
      await expectTensor(nb.expm1(nb.tensor([1e-10, 1])), [1e-10, Math.E - 1], [2], 1e-6);
      await expectTensor(nb.log1p(nb.tensor([1e-10, 1])), [1e-10, Math.LN2], [2], 1e-6);
    });
    it('floor, ceil, round (half to even, like NumPy)', async () => {
      const v = nb.tensor([-1.5, -0.5, 0.5, 1.5, 2.5, 2.4, -2.6]);
      await expectTensor(nb.floor(v), [-2, -1, 0, 1, 2, 2, -3]);
      await expectTensor(nb.ceil(v), [-1, -0, 1, 2, 3, 3, -2]);
      await expectTensor(nb.round(v), [-2, -0, 0, 2, 2, 2, -3]);
    });
    it('mod takes the sign of the divisor (like Python and NumPy)', async () => {
      await expectTensor(nb.mod(nb.tensor([7, -7, 7, -7]), nb.tensor([3, 3, -3, -3])), [1, 2, -2, -1]);
      const i = nb.mod(nb.tensor([5, -5], { dtype: 'int32' }), 4);
      expect(i.dtype).toBe('int32');
      await expectTensor(i, [1, 3]);
    });
    it('clone copies into a buffer of its own', async () => {
      const x = nb.tensor([1, 2]);
      const c = nb.clone(x);
      expect(c).not.toBe(x);
      await expectTensor(c, [1, 2]);
      x.dispose();
      await expectTensor(c, [1, 2]);
    });
    it('clip', async () => {
      await expectTensor(nb.clip(nb.tensor([-5, -1, 0, 1, 5]), -2, 2), [-2, -1, 0, 1, 2]);
      await expectTensor(nb.clip(nb.tensor([1, 2, 3]), 2, 2), [2, 2, 2]);
    });
  });

  describe('comparisons and logic', () => {
    const a = (): nb.Tensor => nb.tensor([1, 2, 3]);
    const b = (): nb.Tensor => nb.tensor([3, 2, 1]);
    it('eq ne lt le gt ge give bool', async () => {
      const r = {
        eq: [0, 1, 0], ne: [1, 0, 1], lt: [1, 0, 0], le: [1, 1, 0], gt: [0, 0, 1], ge: [0, 1, 1],
      };
      const fns: Record<string, (x: nb.Tensor, y: nb.Tensor) => nb.Tensor> = { eq: nb.eq, ne: nb.ne, lt: nb.lt, le: nb.le, gt: nb.gt, ge: nb.ge };
      for (const [name, want] of Object.entries(r)) {
        const out = fns[name]!(a(), b());
        expect(out.dtype, name).toBe('bool');
        await expectTensor(out, want);
      }
    });
    it('compare with broadcasting and numbers', async () => {
      const out = nb.gt(nb.tensor([[1], [5]]), nb.tensor([2, 4]));
      expect(out.shape).toEqual([2, 2]);
      expect((await arr(out))).toEqual([[false, false], [true, true]]);
      expect((await arr(nb.eq(nb.tensor([1, 2]), 2)))).toEqual([false, true]);
    });
    it('logical and/or/xor/not, numbers treated as truthy', async () => {
      const p = nb.tensor([true, true, false, false]);
      const q = nb.tensor([true, false, true, false]);
      expect((await arr(nb.logicalAnd(p, q)))).toEqual([true, false, false, false]);
      expect((await arr(nb.logicalOr(p, q)))).toEqual([true, true, true, false]);
      expect((await arr(nb.logicalXor(p, q)))).toEqual([false, true, true, false]);
      expect((await arr(nb.logicalNot(p)))).toEqual([false, false, true, true]);
      expect((await arr(nb.logicalAnd(nb.tensor([0, 2, 3]), nb.tensor([1, 0, -1]))))).toEqual([false, false, true]);
    });
    it('where picks and broadcasts; numbers allowed on both branches', async () => {
      const c = nb.tensor([[true], [false]]);
      await expectTensor(nb.where(c, nb.tensor([1, 2, 3]), nb.tensor([-1, -2, -3])), [[1, 2, 3], [-1, -2, -3]], [2, 3]);
      await expectTensor(nb.where(nb.tensor([true, false]), 1, 0), [1, 0], [2]);
      await expectTensor(nb.where(nb.tensor([1, 0, 2]), nb.tensor([5, 5, 5]), 7), [5, 7, 5]);
    });
  });

  describe('gradients (gradcheck)', () => {
    it('add/sub/mul/div with broadcasting, size-1 and rank-0 operands', async () => {
      const shapes: [number[], number[]][] = [[[2, 3], [2, 3]], [[2, 3], [3]], [[2, 1, 3], [4, 1]], [[1], [2, 2]], [[], [3]]];
      for (const [i, [sa, sb]] of shapes.entries()) {
        const a = rnd(sa, 10 + i);
        const b = rndAway(sb, 20 + i, 0.5);
        await check(nb.add, [a, b]);
        await check(nb.sub, [a, b]);
        await check(nb.mul, [a, b]);
        await check(nb.div, [a, b]);
        await check(nb.mulNoNan, [a, b]);
      }
    });
    it('empty dims give empty gradients', async () => {
      const a = nb.zeros([0, 3]).requireGrad();
      const b = nb.ones([3]).requireGrad();
      nb.sum(nb.mul(a, b)).backward();
      expect(a.grad!.shape).toEqual([0, 3]);
      await expectTensor(b.grad!, [0, 0, 0]);
    });
    it('pow in both arguments', async () => {
      await check(nb.pow, [rndPos([2, 3], 1), rnd([3], 2)]);
      await check((x) => nb.pow(x, 3), [rnd([4], 3)]);
      await check((x) => nb.pow(x, 2), [rnd([2, 2], 4)]);
    });
    it('maximum/minimum (no ties)', async () => {
      const a = rnd([3, 4], 5);
      const b = nb.add(a, rndAway([4], 6, 0.1));
      await check(nb.maximum, [a, b]);
      await check(nb.minimum, [a, b]);
      await check((x) => nb.maximum(x, 0.1), [rndAway([5], 7, 0.3)]);
    });
    it('unary ops', async () => {
      await check(nb.neg, [rnd([2, 3], 8)]);
      await check(nb.exp, [rnd([2, 3], 9)]);
      await check(nb.log, [rndPos([2, 3], 10)]);
      await check(nb.sqrt, [rndPos([2, 3], 11)]);
      await check(nb.abs, [rndAway([2, 3], 12)]);
      await check(nb.square, [rnd([2, 3], 13)]);
      await check(nb.reciprocal, [rndAway([2, 3], 14, 0.4)]);
      await check(nb.sign, [rndAway([2, 3], 15)]);
      await check(nb.rsqrt, [rndPos([2, 3], 19)]);
      await check(nb.sin, [rnd([2, 3], 20)]);
      await check(nb.cos, [rnd([2, 3], 21)]);
      await check(nb.expm1, [rnd([2, 3], 22)]);
      await check(nb.log1p, [rndPos([2, 3], 23, 0.1, 2)]);
      await check(nb.clone, [rnd([2, 2], 24)]);
    });
    it('cast passes the gradient between float dtypes, in the input dtype', async () => {
      const x = nb.tensor([1, 2], { requiresGrad: true });
      nb.sum(nb.mul(nb.cast(x, 'int32').cast('float32'), 0).add(nb.cast(x, 'float32').mul(3))).backward();
      expect(x.grad!.dtype).toBe('float32');
      await expectTensor(x.grad!, [3, 3]);
    });
    it('floor, ceil, round, mod (away from jumps)', async () => {
      const x = nb.tensor([0.3, 1.6, -2.2, -0.7]);
      await check(nb.floor, [x]);
      await check(nb.ceil, [x]);
      await check(nb.round, [x]);
      await check(nb.mod, [nb.tensor([5.5, -3.2, 2.9]), nb.tensor([2, 1.5, -1.1])]);
    });
    it('clip passes the gradient only inside the interval', async () => {
      await check((x) => nb.clip(x, -0.5, 0.5), [rndAway([3, 3], 16, 0.1)]);
      const x = nb.tensor([-1, 0, 1]).requireGrad();
      nb.sum(nb.clip(x, -0.5, 0.5)).backward();
      await expectTensor(x.grad!, [0, 1, 0]);
    });
    it('where sends the gradient to the chosen side', async () => {
      const c = nb.tensor([[true, false, true]]);
      await check((a, b) => nb.where(c, a!, b!), [rnd([2, 3], 17), rnd([3], 18)]);
    });
    it('sign gradient is zero, abs gradient is sign', async () => {
      const x = nb.tensor([-2, 3]).requireGrad();
      nb.sum(nb.abs(x)).backward();
      await expectTensor(x.grad!, [-1, 1]);
      const y = nb.tensor([-2, 3]).requireGrad();
      nb.sum(nb.sign(y)).backward();
      await expectTensor(y.grad!, [0, 0]);
    });
    it('hand-computed binary gradients', async () => {
      const a = nb.tensor([[1, 2], [3, 4]]).requireGrad();
      const b = nb.tensor([2, 4]).requireGrad();
      nb.sum(nb.div(a, b)).backward();
      await expectTensor(a.grad!, [[0.5, 0.25], [0.5, 0.25]]);
      // d/db Σ a/b = −Σ_rows a/b² : col0 −(1+3)/4, col1 −(2+4)/16
      await expectTensor(b.grad!, [-1, -0.375]);
    });
    it('matches a naive loop for broadcast mul on random shapes', async () => {
      const a = rnd([3, 1, 4], 30);
      const b = rnd([2, 1], 31);
      const out = nb.mul(a, b);
      expect(out.shape).toEqual([3, 2, 4]);
      const av = await vals(a), bv = await vals(b), ov = await vals(out);
      for (let i = 0; i < 3; i++) for (let j = 0; j < 2; j++) for (let k = 0; k < 4; k++) {
        expect(ov[(i * 2 + j) * 4 + k]).toBeCloseTo(av[i * 4 + k]! * bv[j]!, 6);
      }
    });
  });
});

forEachBackend('pow gradient at 0^0', () => {
  it('is 0 for both inputs (like PyTorch), not NaN; elsewhere unchanged', async () => {
    const [gx, gy] = nb.grad((a: nb.Tensor, b: nb.Tensor) => nb.sum(nb.pow(a, b)))(nb.tensor([0, 0, 2, 3]), nb.tensor([0, 2, 0, 2]));
    await expectTensor(gx!, [0, 0, 0, 6], [4], 1e-5);
    await expectTensor(gy!, [0, 0, Math.log(2), 9 * Math.log(3)], [4], 1e-5);
    // a number exponent of 0 at x = 0
    const g = nb.grad((a: nb.Tensor) => nb.sum(nb.pow(a, 0)))(nb.tensor([0, 1]));
    await expectTensor(g, [0, 0], [2]);
  });
});
