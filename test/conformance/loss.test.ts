/**
 * The fused softmax cross-entropy (one kernel forward, one backward) against independent loops
 * in float64 and against the composite it replaces (logSoftmax, gather, mean), which
 * `softmaxCrossEntropy` still runs for class weights: weights of 1 give the unweighted loss.
 */
import { expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { forEachBackend } from './backends.js';
import { check, expectClose, expectTensor, read } from './helpers.js';

type Reduction = 'mean' | 'sum' | 'none';
const REDUCTIONS: Reduction[] = ['mean', 'sum', 'none'];

/** Seeded logits [n, c] scaled by `scale`, optionally with some −∞ entries (never a whole row). */
function logits(n: number, c: number, seed: number, scale = 3, masked: number[] = []): nb.Tensor {
  const r = new nb.Random(seed);
  const v = new Float32Array(n * c);
  for (let i = 0; i < v.length; i++) v[i] = (r.uniform() * 2 - 1) * scale;
  for (const i of masked) v[i] = -Infinity;
  return nb.fromArray(v, [n, c]);
}

function labels(n: number, c: number, seed: number): nb.Tensor {
  const r = new nb.Random(seed);
  return nb.fromArray(Int32Array.from({ length: n }, () => Math.floor(r.uniform() * c)), [n], { dtype: 'int32' });
}

/** Probability rows [n, c] with some exact zeros. */
function probRows(n: number, c: number, seed: number, zeros: number[] = []): nb.Tensor {
  const r = new nb.Random(seed);
  const v = new Float32Array(n * c);
  for (let i = 0; i < v.length; i++) v[i] = r.uniform() + 0.05;
  for (const i of zeros) v[i] = 0;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < c; j++) s += v[i * c + j]!;
    for (let j = 0; j < c; j++) v[i * c + j]! /= s;
  }
  return nb.fromArray(v, [n, c]);
}

/** Per-row losses and dL/dz in float64 by plain loops (a zero target weight counts 0). */
async function naive(z: nb.Tensor, t: nb.Tensor, reduction: Reduction): Promise<{ loss: number[]; grad: number[] }> {
  const [n, c] = z.shape as [number, number];
  const zv = await read(z);
  const tv = await read(t);
  const row = (i: number, j: number): number => (t.rank === 1 ? (tv[i] === j ? 1 : 0) : tv[i * c + j]!);
  const per: number[] = [];
  const grad: number[] = [];
  for (let i = 0; i < n; i++) {
    let m = -Infinity;
    for (let j = 0; j < c; j++) m = Math.max(m, zv[i * c + j]!);
    let s = 0;
    for (let j = 0; j < c; j++) s += Math.exp(zv[i * c + j]! - m);
    const ls = Math.log(s);
    let l = 0;
    for (let j = 0; j < c; j++) if (row(i, j) !== 0) l -= row(i, j) * (zv[i * c + j]! - m - ls);
    per.push(l);
    const g = reduction === 'mean' ? 1 / n : 1;
    for (let j = 0; j < c; j++) grad.push((Math.exp(zv[i * c + j]! - m - ls) - row(i, j)) * g);
  }
  const total = per.reduce((a, b) => a + b, 0);
  return { loss: reduction === 'none' ? per : [reduction === 'mean' ? total / n : total], grad };
}

const sce = (z: nb.Tensor, t: nb.Tensor, reduction: Reduction): nb.Tensor => nb.nn.softmaxCrossEntropy(z, t, { reduction });
/** The composite reference: class weights of 1 (the fused kernel does not take weights). */
const composite = (z: nb.Tensor, t: nb.Tensor, reduction: Reduction): nb.Tensor =>
  nb.nn.softmaxCrossEntropy(z, t, { reduction, weight: nb.ones([z.shape[1] as number], { dtype: z.dtype }) });

/** dL/dz of `f` (the upstream gradient of 'none' is 1 per row). */
function gradOf(f: (z: nb.Tensor) => nb.Tensor, z: nb.Tensor): nb.Tensor {
  return nb.grad((q: nb.Tensor) => nb.sum(f(q)))(z) as nb.Tensor;
}

forEachBackend('fused softmaxCrossEntropy', () => {
  // 13 classes: SIMD body and tail; 3 classes: tail only
  for (const [n, c] of [[6, 13], [5, 3], [1, 8]] as const) {
    for (const reduction of REDUCTIONS) {
      it(`int32 labels, [${n},${c}], ${reduction}: equals float64 loops and the composite`, async () => {
        const z = logits(n, c, n * c);
        const y = labels(n, c, n + c);
        const want = await naive(z, y, reduction);
        const l = sce(z, y, reduction);
        await expectTensor(l, want.loss, reduction === 'none' ? [n] : [], 1e-5);
        await expectClose(l, composite(z, y, reduction), 1e-5);
        await expectTensor(gradOf((q) => sce(q, y, reduction), z), want.grad, [n, c], 1e-5);
        await expectClose(gradOf((q) => sce(q, y, reduction), z), gradOf((q) => composite(q, y, reduction), z), 1e-5);
      });
      it(`probability rows, [${n},${c}], ${reduction}: equals float64 loops and the composite`, async () => {
        const z = logits(n, c, 3 * n * c);
        const t = probRows(n, c, n * c + 1, [0, c + 1]);
        const want = await naive(z, t, reduction);
        const l = sce(z, t, reduction);
        await expectTensor(l, want.loss, reduction === 'none' ? [n] : [], 1e-5);
        await expectClose(l, composite(z, t, reduction), 1e-5);
        await expectTensor(gradOf((q) => sce(q, t, reduction), z), want.grad, [n, c], 1e-5);
      });
    }
  }
  it('float labels holding integers and one-hot rows give the same loss and gradient as int32 labels', async () => {
    const z = logits(4, 5, 11);
    const y = labels(4, 5, 12);
    const yf = nb.cast(y, 'float32');
    const rows = nb.oneHot(y, 5, { dtype: 'float32' });
    const ref = sce(z, y, 'mean');
    await expectClose(sce(z, yf, 'mean'), ref, 1e-6);
    await expectClose(sce(z, rows, 'mean'), ref, 1e-6);
    await expectClose(gradOf((q) => sce(q, rows, 'mean'), z), gradOf((q) => sce(q, y, 'mean'), z), 1e-6);
  });
  it('large logits (±1e4) do not overflow: finite loss and gradient, as float64 loops', async () => {
    const z = logits(4, 9, 5, 1e4);
    const y = labels(4, 9, 6);
    const t = probRows(4, 9, 7);
    for (const tt of [y, t]) {
      const want = await naive(z, tt, 'none');
      const l = sce(z, tt, 'none');
      await expectTensor(l, want.loss, [4], 1e-5);
      // exp(z − lse) with lse rounded to float32 (ulp 1e-3 at 1e4)
      await expectTensor(gradOf((q) => sce(q, tt, 'none'), z), want.grad, [4, 9], 2e-3);
    }
  });
  it('−∞ logits off the target: finite loss and a zero gradient there, as the composite', async () => {
    const z = logits(3, 6, 21, 3, [1, 4, 6, 17]);
    const y = nb.tensor([0, 2, 3], { dtype: 'int32' });
    const t = probRows(3, 6, 22, [1, 4, 6, 17]);
    for (const tt of [y, t]) {
      for (const reduction of REDUCTIONS) {
        const l = sce(z, tt, reduction);
        expect((await read(l)).every(Number.isFinite)).toBe(true);
        await expectClose(l, composite(z, tt, reduction), 1e-5);
        const g = gradOf((q) => sce(q, tt, reduction), z);
        const gv = await read(g);
        expect(gv.every(Number.isFinite)).toBe(true);
        for (const i of [1, 4, 6, 17]) expect(gv[i]).toBe(0);
        await expectClose(g, gradOf((q) => composite(q, tt, reduction), z), 1e-5);
      }
    }
    // on the target class: the true value, +∞
    expect(await read(sce(z, nb.tensor([1, 2, 3], { dtype: 'int32' }), 'none'))).toEqual([Infinity, expect.any(Number), expect.any(Number)]);
  });
  it('an empty batch: no rows for none and sum, NaN for the mean (0/0)', async () => {
    const z = nb.zeros([0, 4]);
    const y = nb.zeros([0], { dtype: 'int32' });
    expect(sce(z, y, 'none').shape).toEqual([0]);
    expect(await read(sce(z, y, 'sum'))).toEqual([0]);
    expect(Number.isNaN((await read(sce(z, y, 'mean')))[0])).toBe(true);
  });
  it('gradcheck: labels and probability rows, every reduction, first and second derivatives', async () => {
    const y = nb.tensor([2, 0, 1], { dtype: 'int32' });
    const t = nb.tensor([[0.2, 0.3, 0.5, 0], [0, 1, 0, 0], [0.25, 0.25, 0.25, 0.25]]);
    const z = logits(3, 4, 31, 1);
    for (const reduction of REDUCTIONS) {
      await check((q) => nb.sum(nb.mul(sce(q, y, reduction), nb.arange(1, 4))), [z.clone()]);
      await check((q) => sce(q, t, reduction), [z.clone()]);
    }
    // the backward kernel is differentiable too: d/dz of a weighted sum of the gradient
    const w = logits(3, 4, 32, 1);
    await check((q) => nb.sum(nb.mul(gradOf((r) => sce(r, y, 'mean'), q), w)), [z.clone()]);
    await check((q) => nb.sum(nb.mul(gradOf((r) => sce(r, t, 'none'), q), w)), [z.clone()]);
  });
  it('targets that need a gradient (probability rows) are differentiated, through the composite', async () => {
    const z = logits(2, 3, 41, 1);
    await check((q, tt) => sce(q, tt!, 'mean'), [z.clone(), probRows(2, 3, 42)]);
  });
});
