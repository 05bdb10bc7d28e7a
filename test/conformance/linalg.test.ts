import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { forEachBackend } from './backends.js';
import { check, expectTensor, rnd, rndAway, vals } from './helpers.js';

forEachBackend('linalg', () => {
  describe('norm', () => {
    it('matches naive sums for every p, over all axes, one axis and with keepDims', () => {
      const x = rnd([3, 4], 920);
      const v = vals(x);
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
        expectTensor(nb.norm(x, { p, axis: 1 }), rows.map(f), [3], 1e-4);
        expectTensor(nb.norm(x, { p, axis: -1, keepDims: true }), rows.map(f), [3, 1], 1e-4);
        expectTensor(nb.norm(x, { p }), [f(v)], [], 1e-4);
      }
      expectTensor(nb.norm(nb.tensor([3, 4])), [5], []);
      expectTensor(nb.norm(nb.tensor([[3, 4]], { dtype: 'int32' }), { axis: [0, 1] }), [5]);
      expectTensor(nb.norm(nb.zeros([2, 0]), { axis: 1 }), [0, 0]);
    });
    it('gradcheck for p = 2, 1, ∞, −∞, 3, over axes', () => {
      check((x) => nb.norm(x), [rnd([3, 4], 921)]);
      check((x) => nb.norm(x, { axis: [0, 2], keepDims: true }), [rnd([2, 3, 2], 922)]);
      check((x) => nb.norm(x, { p: 1, axis: 0 }), [rndAway([3, 2], 923)]);
      check((x) => nb.norm(x, { p: Infinity, axis: 1 }), [nb.tensor([[0.3, -0.9, 0.5], [0.7, 0.1, -0.2]])]);
      check((x) => nb.norm(x, { p: -Infinity, axis: 1 }), [nb.tensor([[0.3, -0.9, 0.5], [0.7, 0.1, -0.2]])]);
      check((x) => nb.norm(x, { p: 3, axis: -1 }), [rndAway([2, 3], 924)]);
    });
    it('the gradient at x = 0 is 0, not NaN (PyTorch subgradient)', () => {
      for (const p of [2, 3, 'fro'] as const) {
        const x = nb.zeros([2, 3]).requireGrad();
        nb.sum(nb.norm(x, { p, axis: 1 })).backward();
        expectTensor(x.grad!, [[0, 0, 0], [0, 0, 0]]);
      }
      const y = nb.tensor([[0, 0], [3, 4]]).requireGrad();
      nb.sum(nb.norm(y, { axis: 1 })).backward();
      expectTensor(y.grad!, [[0, 0], [0.6, 0.8]]);
    });
  });

  describe('einsum', () => {
    const close = (a: nb.Tensor, b: nb.Tensor): void => expectTensor(a, vals(b), b.shape, 1e-4);
    it('matrix, batched, vector and outer products against matmul / mul', () => {
      const a = rnd([2, 3], 930);
      const b = rnd([3, 4], 931);
      close(nb.einsum('ij,jk->ik', a, b), nb.matmul(a, b));
      close(nb.einsum('ij,jk', a, b), nb.matmul(a, b));
      close(nb.einsum('ij,jk', [a, b]), nb.matmul(a, b)); // operands as one array, like torch.einsum(eq, [a, b])
      close(nb.einsum('ij , jk -> ki', a, b), nb.transpose(nb.matmul(a, b)));
      const A = rnd([5, 2, 3], 932);
      const B = rnd([5, 3, 2], 933);
      close(nb.einsum('bij,bjk->bik', A, B), nb.matmul(A, B));
      const u = rnd([4], 934);
      const v = rnd([4], 935);
      close(nb.einsum('i,i->', u, v), nb.sum(nb.mul(u, v)));
      close(nb.einsum('i,j->ij', u, v), nb.outer(u, v));
      close(nb.einsum('ij,ij->ij', a, a), nb.mul(a, a));
      close(nb.einsum('ij,jk,kl->il', a, b, rnd([4, 2], 936).mul(0).add(1)), nb.matmul(nb.matmul(a, b), nb.ones([4, 2])));
    });
    it('single operand: transpose, sums, diagonal and trace; implicit output sorts letters', () => {
      const m = nb.tensor([[1, 2, 3], [4, 5, 6], [7, 8, 9]]);
      expectTensor(nb.einsum('ii->i', m), [1, 5, 9], [3]);
      expectTensor(nb.einsum('ii', m), [15], []);
      expectTensor(nb.einsum('ij->', m), [45], []);
      expectTensor(nb.einsum('ij->j', m), [12, 15, 18]);
      expectTensor(nb.einsum('ji', m), [[1, 4, 7], [2, 5, 8], [3, 6, 9]], [3, 3]); // implicit output 'ij': the transpose
      expectTensor(nb.einsum('ab', nb.tensor([[1, 2]])), [1, 2], [1, 2]);
      expectTensor(nb.einsum('ij->ji', nb.tensor([[1, 2]])), [1, 2], [2, 1]);
      expect(nb.einsum('iij->j', rnd([3, 3, 2], 937)).shape).toEqual([2]);
      const x = nb.tensor([[1, 2]]);
      const same = nb.einsum('ij', x);
      expect(same).not.toBe(x);
      expectTensor(same, [[1, 2]]);
    });
    it("'...' broadcasting, explicit or implicit, and size-1 axes broadcasting", () => {
      const x = rnd([2, 3, 4], 938);
      close(nb.einsum('...ij->...ji', x), nb.transpose(x, [0, 2, 1]));
      close(nb.einsum('...ij', x), x);
      close(nb.einsum('...ij->ij', x), nb.sum(x, 0));
      const a = rnd([2, 1, 2, 3], 939);
      const b = rnd([3, 3, 2], 940);
      close(nb.einsum('...ij,...jk->...ik', a, b), nb.matmul(a, b));
      const c = rnd([1, 2, 3], 941);
      const d = rnd([4, 3, 2], 942);
      close(nb.einsum('bij,bjk->bik', c, d), nb.matmul(c, d));
      close(nb.einsum('bij,bjk', c, d), nb.sum(nb.matmul(c, d), 0)); // implicit: 'b' appears twice, so it is summed
      close(nb.einsum('ij,jk->ik', nb.ones([2, 1]), nb.ones([3, 4])), nb.full([2, 4], 3));
    });
    it('integer operands compute in float32; empty axes give zeros', () => {
      const i = nb.tensor([[1, 2], [3, 4]], { dtype: 'int32' });
      const r = nb.einsum('ij,jk', i, i);
      expect(r.dtype).toBe('float32');
      expectTensor(r, [[7, 10], [15, 22]]);
      expectTensor(nb.einsum('ij,jk->ik', nb.zeros([2, 0]), nb.zeros([0, 3])), [[0, 0, 0], [0, 0, 0]]);
    });
    it('gradcheck: products, diagonal, trace, ellipsis broadcasting, three operands', () => {
      check((a, b) => nb.einsum('ij,jk->ik', a!, b!), [rnd([2, 3], 943), rnd([3, 2], 944)]);
      check((a, b) => nb.einsum('bij,bjk', a!, b!), [rnd([1, 2, 3], 945), rnd([2, 3, 2], 946)]);
      check((a) => nb.einsum('ii->i', a!), [rnd([3, 3], 947)]);
      check((a) => nb.einsum('ii', a!), [rnd([3, 3], 948)]);
      check((a, b) => nb.einsum('...ij,...jk->...ik', a!, b!), [rnd([2, 1, 2, 3], 949), rnd([3, 3, 1], 950)]);
      check((a, b, c) => nb.einsum('ij,jk,k->i', a!, b!, c!), [rnd([2, 3], 951), rnd([3, 2], 952), rnd([2], 953)]);
      check((a, b) => nb.einsum('ijk,ik->j', a!, b!), [rnd([2, 3, 2], 954), rnd([2, 2], 955)]);
    });
  });

  it('leaves no tensors behind', () => {
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
