import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { forEachBackend } from './backends.js';
import { check, expectTensor, rnd, vals, read } from './helpers.js';

/** NaN-largest ascending comparison (PyTorch's order). */
const asc = (u: number, v: number): number => (u < v ? -1 : u > v ? 1 : Number.isNaN(u) ? (Number.isNaN(v) ? 0 : 1) : Number.isNaN(v) ? -1 : 0);

/** The stable sorting permutation of every row of a [R, C] array (JavaScript's sort is stable). */
function naiveArgsort(v: number[], R: number, C: number, descending: boolean): number[] {
  const out: number[] = [];
  for (let r = 0; r < R; r++) {
    const row = v.slice(r * C, (r + 1) * C);
    const order = row.map((_, i) => i).sort((p, q) => (descending ? asc(row[q]!, row[p]!) : asc(row[p]!, row[q]!)));
    out.push(...order);
  }
  return out;
}

/** Values with many ties and some NaN. */
function tied(n: number, seed: number, nan = true): Float32Array {
  const r = new nb.Random(seed);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = nan && r.uniform() < 0.05 ? NaN : Math.floor(r.uniform() * 7) - 3;
  return v;
}

// GPU kernels cannot raise: out-of-range indices are checked only where values read synchronously
const checksIndices = (backend: string): boolean => backend !== 'webgpu';

forEachBackend('sort', (backend) => {
  const idx = (v: number[] | number[][]): nb.Tensor => nb.tensor(v, { dtype: 'int32' });

  describe('forward', () => {
    it('argsort is stable and puts NaN last (first when descending), on long rows with ties', async () => {
      for (const [R, C] of [[3, 1000], [5, 17], [1, 1], [2, 2]] as [number, number][]) {
        const x = nb.fromArray(tied(R * C, R * C), [R, C]);
        for (const descending of [false, true]) {
          const got = nb.argsort(x, { descending });
          expect(got.dtype).toBe('int32');
          expect(Array.from((await read(got)))).toEqual(naiveArgsort(await vals(x), R, C, descending));
        }
      }
    });
    it('sort along axis 0 of a 3-D tensor: values and indices', async () => {
      const x = nb.fromArray(tied(4 * 3 * 2, 7), [4, 3, 2]);
      const { values, indices } = nb.sort(x, { axis: 0 });
      const v = await vals(x);
      const wantIdx: number[] = new Array<number>(24);
      const wantVal: number[] = new Array<number>(24);
      for (let j = 0; j < 6; j++) {
        const col = [0, 1, 2, 3].map((i) => v[i * 6 + j]!);
        const order = [0, 1, 2, 3].sort((p, q) => asc(col[p]!, col[q]!));
        order.forEach((o, i) => {
          wantIdx[i * 6 + j] = o;
          wantVal[i * 6 + j] = col[o]!;
        });
      }
      expect(Array.from((await read(indices)))).toEqual(wantIdx);
      await expectTensor(values, wantVal, [4, 3, 2]);
    });
    it('hand-computed values; −0 equals +0 (stable), int32 and bool sort', async () => {
      const s = nb.sort(nb.tensor([3, -0, 1, 0, NaN, -Infinity]), { descending: true });
      await expectTensor(s.values, [NaN, 3, 1, -0, 0, -Infinity]);
      expect(Array.from((await read(s.indices)))).toEqual([4, 0, 2, 1, 3, 5]);
      const i = nb.sort(nb.tensor([5, -2, 7], { dtype: 'int32' }));
      expect(i.values.dtype).toBe('int32');
      expect(Array.from((await read(i.values)))).toEqual([-2, 5, 7]);
      expect(Array.from((await read(nb.argsort(nb.tensor([true, false, true])))))).toEqual([1, 0, 2]);
    });
    it('topk: largest and smallest, along axis 0, k = 0 and k = the whole axis', async () => {
      const x = nb.tensor([[1, 5, 3, NaN], [4, 2, 2, 0]]);
      const t = nb.topk(x, 2);
      await expectTensor(t.values, [[NaN, 5], [4, 2]], [2, 2]);
      expect(Array.from((await read(t.indices)))).toEqual([3, 1, 0, 1]);
      const s = nb.topk(x, 3, { largest: false });
      await expectTensor(s.values, [[1, 3, 5], [0, 2, 2]]);
      expect(Array.from((await read(s.indices)))).toEqual([0, 2, 1, 3, 1, 2]);
      await expectTensor(nb.topk(x, 1, { axis: 0 }).values, [[4, 5, 3, NaN]], [1, 4]);
      expect(nb.topk(x, 0).values.shape).toEqual([2, 0]);
      await expectTensor(nb.topk(x, 4, { sorted: true }).values, [[NaN, 5, 3, 1], [4, 2, 2, 0]]);
    });
    it('empty axes', async () => {
      expect(nb.sort(nb.zeros([2, 0])).values.shape).toEqual([2, 0]);
      expect(nb.argsort(nb.zeros([0, 3]), { axis: 0 }).shape).toEqual([0, 3]);
      expect(nb.topk(nb.zeros([3, 0]), 0).indices.shape).toEqual([3, 0]);
    });
    it('takeAlongAxis picks per position, broadcasting x and indices like NumPy', async () => {
      const x = nb.tensor([[10, 11, 12], [20, 21, 22]]);
      await expectTensor(nb.takeAlongAxis(x, idx([[2, 0], [1, 1]]), 1), [[12, 10], [21, 21]], [2, 2]);
      await expectTensor(nb.takeAlongAxis(x, idx([[1, 0, 1]]), 0), [[20, 11, 22]], [1, 3]);
      await expectTensor(nb.takeAlongAxis(x, idx([[0]]), -1), [[10], [20]], [2, 1]);
      await expectTensor(nb.takeAlongAxis(nb.tensor([[1, 2, 3]]), idx([[2], [0]]), 1), [[3], [1]], [2, 1]);
      expect(nb.takeAlongAxis(x, idx([[], []]), 1).shape).toEqual([2, 0]);
      // round trip with argsort: the sorted values
      const r = rnd([3, 5], 910);
      const sorted = nb.takeAlongAxis(r, nb.argsort(r), -1);
      await expectTensor(sorted, await vals(nb.sort(r).values));
    });
    it.skipIf(!checksIndices(backend))('takeAlongAxis refuses out-of-range indices, naming the op (never garbage)', async () => {
      const x = nb.zeros([2, 3]);
      expect(() => nb.takeAlongAxis(x, idx([[3], [0]]), 1)).toThrow(/^takeAlongAxis: index 3 is out of range for axis 1 of size 3/);
      expect(() => nb.takeAlongAxis(x, idx([[0], [-1]]), 1)).toThrow(/^takeAlongAxis: index -1 is out of range/);
      // an index past its row must not wrap into the next row
      expect(() => nb.takeAlongAxis(x, idx([[4]]), 1)).toThrow(/takeAlongAxis: index 4/);
      expect(() => nb.takeAlongAxis(nb.zeros([2, 0]), idx([[0], [0]]), 1)).toThrow(/takeAlongAxis: index 0 is out of range for axis 1 of size 0/);
    });
  });

  describe('gradients (gradcheck)', () => {
    it('sort values (flowing back through the indices), every axis and direction', async () => {
      await check((x) => nb.sort(x).values, [rnd([3, 5], 911)]);
      await check((x) => nb.sort(x, { axis: 0, descending: true }).values, [rnd([4, 2, 3], 912)]);
      await check((x) => nb.sort(x, { axis: -2 }).values, [rnd([2, 1, 3], 913)]);
    });
    it('topk values', async () => {
      await check((x) => nb.topk(x, 2).values, [rnd([3, 5], 914)]);
      await check((x) => nb.topk(x, 3, { axis: 0, largest: false }).values, [rnd([4, 2], 915)]);
    });
    it('takeAlongAxis: repeated indices accumulate, broadcast x sums back', async () => {
      await check((x) => nb.takeAlongAxis(x, idx([[0, 0, 2], [1, 1, 1]]), 1), [rnd([2, 3], 916)]);
      await check((x) => nb.takeAlongAxis(x, idx([[2], [0], [2]]), -1), [rnd([1, 3], 917)]);
      await check((x) => nb.takeAlongAxis(x, idx([[0, 2, 1, 0]]), 0), [rnd([3, 4], 918)]);
      const x = nb.tensor([1, 2, 3]).requireGrad();
      nb.sum(nb.takeAlongAxis(x, idx([2, 2, 0]), 0)).backward();
      await expectTensor(x.grad!, [1, 0, 2]);
    });
    it('argsort and the indices carry no gradient', async () => {
      expect(nb.listOps().find((o) => o.name === 'argsort')!.grad).toBe('none');
      const { indices } = nb.sort(nb.tensor([2, 1]).requireGrad());
      expect(indices.requiresGrad).toBe(false);
    });
  });

  it.skipIf(!checksIndices(backend))('leaves no tensors behind, also when an index is out of range', async () => {
    const x = rnd([3, 4], 919).requireGrad();
    const bad = idx([[0], [9], [1]]);
    const before = nb.memory().numTensors;
    const { values, indices } = nb.topk(x, 2);
    nb.dispose([values, indices]);
    const s = nb.sort(x, { descending: true });
    nb.dispose([s.values, s.indices]);
    expect(() => nb.takeAlongAxis(x, bad, 1)).toThrow(/out of range/);
    expect(nb.memory().numTensors).toBe(before);
  });
});
