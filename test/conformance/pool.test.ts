import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { forEachBackend } from './backends.js';
import { check, expectTensor, rnd, vals } from './helpers.js';

/** Naive pooling over NCHW with explicit padding; padded cells are skipped (max) or excluded from the count (avg). */
function naivePool(x: number[], [N, C, H, W]: number[], k: [number, number], s: [number, number], p: [number, number], kind: 'max' | 'avg'): number[] {
  const OH = Math.floor((H! + 2 * p[0] - k[0]) / s[0]) + 1;
  const OW = Math.floor((W! + 2 * p[1] - k[1]) / s[1]) + 1;
  const out: number[] = [];
  for (let nc = 0; nc < N! * C!; nc++)
    for (let i = 0; i < OH; i++)
      for (let j = 0; j < OW; j++) {
        const cells: number[] = [];
        for (let a = 0; a < k[0]; a++)
          for (let b = 0; b < k[1]; b++) {
            const h = i * s[0] - p[0] + a, w = j * s[1] - p[1] + b;
            if (h >= 0 && h < H! && w >= 0 && w < W!) cells.push(x[(nc * H! + h) * W! + w]!);
          }
        out.push(kind === 'max' ? Math.max(...cells) : cells.reduce((u, v) => u + v, 0) / cells.length);
      }
  return out;
}

forEachBackend('pooling', () => {
  describe('forward', () => {
    const img = (): nb.Tensor => nb.tensor([[[[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12], [13, 14, 15, 16]]]]);
    it('by hand', async () => {
      await expectTensor(nb.maxPool2d(img(), 2), [[[[6, 8], [14, 16]]]], [1, 1, 2, 2]);
      await expectTensor(nb.avgPool2d(img(), 2), [[[[3.5, 5.5], [11.5, 13.5]]]], [1, 1, 2, 2]);
      await expectTensor(nb.maxPool2d(img(), 3, { stride: 1 }), [[[[11, 12], [15, 16]]]]);
      await expectTensor(nb.avgPool2d(img(), 2, { stride: 2, padding: 1 }), [[[[1, 2.5, 4], [7, 8.5, 10], [13, 14.5, 16]]]], [1, 1, 3, 3]);
      await expectTensor(nb.avgPool2d(img(), 2, { stride: 2, padding: 1, countIncludePad: true }), [[[[0.25, 1.25, 1], [3.5, 8.5, 5], [3.25, 7.25, 4]]]]);
    });
    const cases: [number[], [number, number], [number, number], [number, number]][] = [
      [[2, 3, 6, 6], [2, 2], [2, 2], [0, 0]],
      [[1, 2, 5, 7], [3, 3], [2, 2], [1, 1]],
      [[1, 1, 5, 4], [3, 2], [1, 2], [1, 0]],
    ];
    cases.forEach(([shape, k, s, p], i) => {
      it(`match naive loops #${i + 1}`, async () => {
        const x = rnd(shape, 170 + i);
        await expectTensor(nb.maxPool2d(x, k, { stride: s, padding: p }), naivePool(await vals(x), shape, k, s, p, 'max'));
        await expectTensor(nb.avgPool2d(x, k, { stride: s, padding: p }), naivePool(await vals(x), shape, k, s, p, 'avg'), undefined, 1e-5);
      });
    });
    it("'same' padding keeps the size at stride 1", async () => {
      expect(nb.maxPool2d(nb.zeros([1, 1, 5, 5]), 3, { stride: 1, padding: 'same' }).shape).toEqual([1, 1, 5, 5]);
    });
  });

  describe('backward', () => {
    it('max sends the gradient to the arg-max, avg spreads it evenly', async () => {
      const x = nb.tensor([[[[1, 5], [3, 2]]]]).requireGrad();
      nb.sum(nb.maxPool2d(x, 2)).backward();
      await expectTensor(x.grad!, [[[[0, 1], [0, 0]]]]);
      const y = nb.tensor([[[[1, 5], [3, 2]]]]).requireGrad();
      nb.sum(nb.avgPool2d(y, 2)).backward();
      await expectTensor(y.grad!, [[[[0.25, 0.25], [0.25, 0.25]]]]);
    });
    it('overlapping windows accumulate', async () => {
      const x = nb.tensor([[[[1, 2, 3], [4, 9, 5], [6, 7, 8]]]]).requireGrad();
      nb.sum(nb.maxPool2d(x, 2, { stride: 1 })).backward();
      await expectTensor(x.grad!, [[[[0, 0, 0], [0, 4, 0], [0, 0, 0]]]]);
    });
    it('gradcheck maxPool2d and avgPool2d (stride, padding)', async () => {
      await check((x) => nb.maxPool2d(x, 2), [rnd([1, 2, 4, 4], 180)]);
      await check((x) => nb.maxPool2d(x, 3, { stride: 2, padding: 1 }), [rnd([2, 1, 5, 5], 181)]);
      await check((x) => nb.avgPool2d(x, 2), [rnd([1, 2, 4, 4], 182)]);
      await check((x) => nb.avgPool2d(x, [3, 2], { stride: [2, 1], padding: [1, 0] }), [rnd([1, 1, 5, 4], 183)]);
      await check((x) => nb.avgPool2d(x, 2, { padding: 1, countIncludePad: true }), [rnd([1, 1, 3, 3], 184)]);
    });
    it('second derivatives: the pooling backward passes are differentiable in dy', async () => {
      // v ↦ ∂/∂x ⟨pool(x), v⟩ is linear in v; gradcheck it (and thus the backward's own gradient).
      const cases: [string, (x: nb.Tensor) => nb.Tensor, number[]][] = [
        ['max 2×2', (x) => nb.maxPool2d(x, 2), [1, 2, 4, 4]],
        ['max 3×3 stride 2 pad 1', (x) => nb.maxPool2d(x, 3, { stride: 2, padding: 1 }), [2, 1, 5, 5]],
        ['max overlapping', (x) => nb.maxPool2d(x, [2, 3], { stride: 1 }), [1, 1, 3, 4]],
        ['avg 2×2 pad 1', (x) => nb.avgPool2d(x, 2, { padding: 1 }), [1, 1, 3, 3]],
      ];
      for (const [i, [, pool, shape]] of cases.entries()) {
        const x0 = rnd(shape, 185 + i);
        const outShape = pool(x0).shape;
        await check((v) => nb.grad((x: nb.Tensor) => nb.sum(nb.mul(pool(x), v!)))(nb.cast(x0, v!.dtype)), [rnd(outShape, 190 + i)]);
      }
    });
    it('maxPool2d double backward routes g from each arg-max, by hand', async () => {
      const x = nb.tensor([[[[1, 5], [3, 2]]]]);
      const v = nb.tensor([[[[2]]]], { requiresGrad: true });
      const gx = nb.grad((t: nb.Tensor) => nb.sum(nb.mul(nb.maxPool2d(t, 2), v)))(x);
      await expectTensor(gx, [[[[0, 2], [0, 0]]]]);
      nb.sum(nb.mul(gx, nb.tensor([[[[10, 20], [30, 40]]]]))).backward();
      await expectTensor(v.grad!, [[[[20]]]]);
    });
  });
});
