import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { forEachBackend } from './backends.js';
import { check, expectTensor, rnd, rndAway, vals } from './helpers.js';

forEachBackend('linalg', () => {
  describe('norm', () => {
    it('matches naive sums for every p, over all axes, one axis and with keepDims', async () => {
      const x = rnd([3, 4], 920);
      const v = await vals(x);
      const rows = [0, 1, 2].map((r) => v.slice(r * 4, r * 4 + 4));
      const P: [number | 'fro', (r: number[]) => number][] = [
        [2, (r) => Math.sqrt(r.reduce((s, a) => s + a * a, 0))],
        ['fro', (r) => Math.sqrt(r.reduce((s, a) => s + a * a, 0))],
        [1, (r) => r.reduce((s, a) => s + Math.abs(a), 0)],
        [Infinity, (r) => Math.max(...r.map(Math.abs))],
        [-Infinity, (r) => Math.min(...r.map(Math.abs))],
        [0, (r) => r.filter((a) => a !== 0).length],
        [3, (r) => r.reduce((s, a) => s + Math.abs(a) ** 3, 0) ** (1 / 3)],
        [0.5, (r) => r.reduce((s, a) => s + Math.abs(a) ** 0.5, 0) ** 2],
        [-1.5, (r) => r.reduce((s, a) => s + Math.abs(a) ** -1.5, 0) ** (1 / -1.5)],
      ];
      for (const [p, f] of P) {
        await expectTensor(nb.norm(x, { p, axis: 1 }), rows.map(f), [3], 1e-4);
        await expectTensor(nb.norm(x, { p, axis: -1, keepDims: true }), rows.map(f), [3, 1], 1e-4);
        await expectTensor(nb.norm(x, { p }), [f(v)], [], 1e-4);
      }
      await expectTensor(nb.norm(nb.tensor([3, 4])), [5], []);
      await expectTensor(nb.norm(nb.tensor([[3, 4]], { dtype: 'int32' }), { axis: [0, 1] }), [5]);
      await expectTensor(nb.norm(nb.zeros([2, 0]), { axis: 1 }), [0, 0]);
    });
    it('gradcheck for p = 2, 1, ∞, −∞, 3, over axes', async () => {
      await check((x) => nb.norm(x), [rnd([3, 4], 921)]);
      await check((x) => nb.norm(x, { axis: [0, 2], keepDims: true }), [rnd([2, 3, 2], 922)]);
      await check((x) => nb.norm(x, { p: 1, axis: 0 }), [rndAway([3, 2], 923)]);
      await check((x) => nb.norm(x, { p: Infinity, axis: 1 }), [nb.tensor([[0.3, -0.9, 0.5], [0.7, 0.1, -0.2]])]);
      await check((x) => nb.norm(x, { p: -Infinity, axis: 1 }), [nb.tensor([[0.3, -0.9, 0.5], [0.7, 0.1, -0.2]])]);
      await check((x) => nb.norm(x, { p: 3, axis: -1 }), [rndAway([2, 3], 924)]);
    });
    it('the gradient at x = 0 is 0, not NaN (PyTorch subgradient)', async () => {
      for (const p of [2, 3, 'fro'] as const) {
        const x = nb.zeros([2, 3]).requireGrad();
        nb.sum(nb.norm(x, { p, axis: 1 })).backward();
        await expectTensor(x.grad!, [[0, 0, 0], [0, 0, 0]]);
      }
      const y = nb.tensor([[0, 0], [3, 4]]).requireGrad();
      nb.sum(nb.norm(y, { axis: 1 })).backward();
      await expectTensor(y.grad!, [[0, 0], [0.6, 0.8]]);
    });
  });

  describe('einsum', () => {
    const close = async (a: nb.Tensor, b: nb.Tensor): Promise<void> => await expectTensor(a, await vals(b), b.shape, 1e-4);
    it('matrix, batched, vector and outer products against matmul / mul', async () => {
      const a = rnd([2, 3], 930);
      const b = rnd([3, 4], 931);
      await close(nb.einsum('ij,jk->ik', a, b), nb.matmul(a, b));
      await close(nb.einsum('ij,jk', a, b), nb.matmul(a, b));
      await close(nb.einsum('ij,jk', [a, b]), nb.matmul(a, b)); // operands as one array, like torch.einsum(eq, [a, b])
      await close(nb.einsum('ij , jk -> ki', a, b), nb.transpose(nb.matmul(a, b)));
      const A = rnd([5, 2, 3], 932);
      const B = rnd([5, 3, 2], 933);
      await close(nb.einsum('bij,bjk->bik', A, B), nb.matmul(A, B));
      const u = rnd([4], 934);
      const v = rnd([4], 935);
      await close(nb.einsum('i,i->', u, v), nb.sum(nb.mul(u, v)));
      await close(nb.einsum('i,j->ij', u, v), nb.outer(u, v));
      await close(nb.einsum('ij,ij->ij', a, a), nb.mul(a, a));
      await close(nb.einsum('ij,jk,kl->il', a, b, rnd([4, 2], 936).mul(0).add(1)), nb.matmul(nb.matmul(a, b), nb.ones([4, 2])));
    });
    it('single operand: transpose, sums, diagonal and trace; implicit output sorts letters', async () => {
      const m = nb.tensor([[1, 2, 3], [4, 5, 6], [7, 8, 9]]);
      await expectTensor(nb.einsum('ii->i', m), [1, 5, 9], [3]);
      await expectTensor(nb.einsum('ii', m), [15], []);
      await expectTensor(nb.einsum('ij->', m), [45], []);
      await expectTensor(nb.einsum('ij->j', m), [12, 15, 18]);
      await expectTensor(nb.einsum('ji', m), [[1, 4, 7], [2, 5, 8], [3, 6, 9]], [3, 3]); // implicit output 'ij': the transpose
      await expectTensor(nb.einsum('ab', nb.tensor([[1, 2]])), [1, 2], [1, 2]);
      await expectTensor(nb.einsum('ij->ji', nb.tensor([[1, 2]])), [1, 2], [2, 1]);
      expect(nb.einsum('iij->j', rnd([3, 3, 2], 937)).shape).toEqual([2]);
      const x = nb.tensor([[1, 2]]);
      const same = nb.einsum('ij', x);
      expect(same).not.toBe(x);
      await expectTensor(same, [[1, 2]]);
    });
    it("'...' broadcasting, explicit or implicit, and size-1 axes broadcasting", async () => {
      const x = rnd([2, 3, 4], 938);
      await close(nb.einsum('...ij->...ji', x), nb.transpose(x, [0, 2, 1]));
      await close(nb.einsum('...ij', x), x);
      await close(nb.einsum('...ij->ij', x), nb.sum(x, 0));
      const a = rnd([2, 1, 2, 3], 939);
      const b = rnd([3, 3, 2], 940);
      await close(nb.einsum('...ij,...jk->...ik', a, b), nb.matmul(a, b));
      const c = rnd([1, 2, 3], 941);
      const d = rnd([4, 3, 2], 942);
      await close(nb.einsum('bij,bjk->bik', c, d), nb.matmul(c, d));
      await close(nb.einsum('bij,bjk', c, d), nb.sum(nb.matmul(c, d), 0)); // implicit: 'b' appears twice, so it is summed
      await close(nb.einsum('ij,jk->ik', nb.ones([2, 1]), nb.ones([3, 4])), nb.full([2, 4], 3));
    });
    it('integer operands compute in float32; empty axes give zeros', async () => {
      const i = nb.tensor([[1, 2], [3, 4]], { dtype: 'int32' });
      const r = nb.einsum('ij,jk', i, i);
      expect(r.dtype).toBe('float32');
      await expectTensor(r, [[7, 10], [15, 22]]);
      await expectTensor(nb.einsum('ij,jk->ik', nb.zeros([2, 0]), nb.zeros([0, 3])), [[0, 0, 0], [0, 0, 0]]);
    });
    it('gradcheck: products, diagonal, trace, ellipsis broadcasting, three operands', async () => {
      await check((a, b) => nb.einsum('ij,jk->ik', a!, b!), [rnd([2, 3], 943), rnd([3, 2], 944)]);
      await check((a, b) => nb.einsum('bij,bjk', a!, b!), [rnd([1, 2, 3], 945), rnd([2, 3, 2], 946)]);
      await check((a) => nb.einsum('ii->i', a!), [rnd([3, 3], 947)]);
      await check((a) => nb.einsum('ii', a!), [rnd([3, 3], 948)]);
      await check((a, b) => nb.einsum('...ij,...jk->...ik', a!, b!), [rnd([2, 1, 2, 3], 949), rnd([3, 3, 1], 950)]);
      await check((a, b, c) => nb.einsum('ij,jk,k->i', a!, b!, c!), [rnd([2, 3], 951), rnd([3, 2], 952), rnd([2], 953)]);
      await check((a, b) => nb.einsum('ijk,ik->j', a!, b!), [rnd([2, 3, 2], 954), rnd([2, 2], 955)]);
    });
  });

  it('leaves no tensors behind', async () => {
    const a = rnd([2, 3, 3], 956).requireGrad();
    const before = nb.memory().numTensors;
    const y = nb.einsum('bii,bij->j', a, a);
    y.dispose(); // with the graph its backward pass would read
    nb.tidy(() => nb.sum(nb.mul(nb.einsum('bii,bij->j', a, a), nb.norm(a, { axis: 1 }).sum())).backward());
    nb.dispose(a.grad);
    expect(() => nb.einsum('ij,jk', a, a)).toThrow(/einsum/);
    expect(nb.memory().numTensors).toBe(before);
  });
});
