/**
 * The dtype rules ops follow, on every backend: arithmetic on bool promotes to int32 (so no
 * kernel ever computes with bool storage), while comparisons, logic, where, maximum/minimum of
 * two bools and max/min reductions stay bool.
 */
import { afterEach, describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { forEachBackend } from './backends.js';
import { expectTensor, read, arr, item } from './helpers.js';

type Spied = 'unary' | 'binary' | 'reduce' | 'scatterAdd';
/** Kernel calls that may see bool storage: everything else is arithmetic. */
const BOOL_OK: Record<Spied, readonly string[]> = {
  unary: ['logicalNot'],
  binary: ['eq', 'ne', 'lt', 'le', 'gt', 'ge', 'logicalAnd', 'logicalOr', 'logicalXor', 'maximum', 'minimum'],
  reduce: ['max', 'min'],
  scatterAdd: [],
};

/** Records every arithmetic kernel call that receives a bool input, until `restore()`. */
function spyOnBoolArithmetic(): { calls: string[]; restore: () => void } {
  const be = nb.getBackend() as unknown as Record<Spied, (...args: unknown[]) => unknown>;
  const calls: string[] = [];
  const saved = new Map<Spied, (...args: unknown[]) => unknown>();
  for (const name of Object.keys(BOOL_OK) as Spied[]) {
    const orig = be[name];
    saved.set(name, orig);
    be[name] = function (this: unknown, ...args: unknown[]): unknown {
      const op = name === 'scatterAdd' ? 'scatterAdd' : String(args[0]);
      const inputs = args.filter((a): a is nb.KTensor => typeof a === 'object' && a !== null && 'dtype' in a);
      if (inputs.some((k) => k.dtype === 'bool') && !BOOL_OK[name].includes(op)) calls.push(`${name}:${op}`);
      return orig.apply(this, args);
    };
  }
  return {
    calls,
    restore: () => {
      for (const [name, fn] of saved) be[name] = fn;
    },
  };
}

forEachBackend('dtype rules', () => {
  const T = (): nb.Tensor => nb.tensor([true, false, true]);
  const F = (): nb.Tensor => nb.tensor([true, true, false]);

  describe('arithmetic on bool promotes to int32', () => {
    let spy: ReturnType<typeof spyOnBoolArithmetic> | null = null;
    afterEach(() => {
      spy?.restore();
      spy = null;
    });

    it('binary arithmetic of two bools is int32', async () => {
      spy = spyOnBoolArithmetic();
      const cases: [nb.Tensor, number[]][] = [
        [nb.add(T(), F()), [2, 1, 1]],
        [nb.sub(T(), F()), [0, -1, 1]],
        [nb.mul(T(), F()), [1, 0, 0]],
        [nb.mod(T(), nb.tensor([true, true, true])), [0, 0, 0]],
      ];
      for (const [t, want] of cases) {
        expect(t.dtype).toBe('int32');
        await expectTensor(t, want, [3]);
      }
      expect(spy.calls).toEqual([]);
    });

    it('bool with a number or an int32 tensor is int32, with a float is float', async () => {
      spy = spyOnBoolArithmetic();
      const a = nb.add(T(), 1);
      expect(a.dtype).toBe('int32');
      await expectTensor(a, [2, 1, 2]);
      const b = nb.sub(0, T());
      expect(b.dtype).toBe('int32');
      await expectTensor(b, [-1, 0, -1]);
      const c = nb.mul(T(), nb.tensor([5, 6, 7], { dtype: 'int32' }));
      expect(c.dtype).toBe('int32');
      await expectTensor(c, [5, 0, 7]);
      const d = nb.add(T(), 0.5);
      expect(d.dtype).toBe('float32');
      await expectTensor(d, [1.5, 0.5, 1.5]);
      expect(nb.div(T(), 2).dtype).toBe('float32');
      expect(nb.pow(T(), 2).dtype).toBe('float32');
      expect(spy.calls).toEqual([]);
    });

    it('unary arithmetic of a bool is int32 (−true = −1)', async () => {
      spy = spyOnBoolArithmetic();
      const cases: [nb.Tensor, number[]][] = [
        [nb.neg(T()), [-1, 0, -1]],
        [nb.abs(T()), [1, 0, 1]],
        [nb.sign(T()), [1, 0, 1]],
        [nb.square(T()), [1, 0, 1]],
        [nb.floor(T()), [1, 0, 1]],
        [nb.ceil(T()), [1, 0, 1]],
        [nb.round(T()), [1, 0, 1]],
        [nb.relu(T()), [1, 0, 1]],
        [nb.step(T()), [1, 0, 1]],
        [T().neg().neg(), [1, 0, 1]],
      ];
      for (const [t, want] of cases) {
        expect(t.dtype).toBe('int32');
        await expectTensor(t, want, [3]);
      }
      expect(nb.exp(T()).dtype).toBe('float32');
      expect(nb.sigmoid(T()).dtype).toBe('float32');
      expect(spy.calls).toEqual([]);
    });

    it('sum and prod of bools count as int32, mean is float32; max/min stay bool', async () => {
      spy = spyOnBoolArithmetic();
      const m = nb.tensor([[true, true, false], [true, true, true]]);
      const s = nb.sum(m);
      expect(s.dtype).toBe('int32');
      await expectTensor(s, [5], []);
      await expectTensor(nb.sum(m, 1, true), [[2], [3]], [2, 1]);
      const p = nb.prod(m, 1);
      expect(p.dtype).toBe('int32');
      await expectTensor(p, [0, 1], [2]);
      const mu = nb.mean(m, 0);
      expect(mu.dtype).toBe('float32');
      await expectTensor(mu, [1, 1, 0.5]);
      expect(nb.max(m, 1).dtype).toBe('bool');
      await expectTensor(nb.min(m, 1), [false, true]);
      expect((await item(nb.sum(nb.add(T(), F()))))).toBe(4);
      expect(spy.calls).toEqual([]);
    });

    it('scatterAdd into bool counts as int32', async () => {
      spy = spyOnBoolArithmetic();
      const out = nb.scatterAdd(nb.tensor([true, false]), nb.tensor([0, 0, 1], { dtype: 'int32' }), nb.tensor([true, true, true]));
      expect(out.dtype).toBe('int32');
      await expectTensor(out, [3, 1]);
      expect(spy.calls).toEqual([]);
    });
  });

  describe('comparisons, logic, where, maximum/minimum of two bools stay bool', () => {
    it('keeps bool', async () => {
      const spy = spyOnBoolArithmetic();
      try {
        expect(nb.eq(T(), F()).dtype).toBe('bool');
        await expectTensor(nb.eq(T(), F()), [true, false, false]);
        await expectTensor(nb.gt(T(), F()), [false, false, true]);
        await expectTensor(nb.logicalXor(T(), F()), [false, true, true]);
        const w = nb.where(nb.tensor([true, false, false]), T(), F());
        expect(w.dtype).toBe('bool');
        await expectTensor(w, [true, true, false]);
        const mx = nb.maximum(T(), F());
        expect(mx.dtype).toBe('bool');
        await expectTensor(mx, [true, true, true]);
        const mn = nb.minimum(T(), F());
        expect(mn.dtype).toBe('bool');
        await expectTensor(mn, [true, false, false]);
        expect(spy.calls).toEqual([]);
      } finally {
        spy.restore();
      }
    });
  });

  describe('creation stores only values the dtype can hold', () => {
    it('bool from numbers: nonzero (NaN too) is true, like NumPy', async () => {
      const a = nb.tensor([2, 0, -1, NaN, 0.5], { dtype: 'bool' });
      expect(Array.from((await read(a)))).toEqual([1, 0, 1, 1, 1]);
      expect((await arr(a))).toEqual([true, false, true, true, true]);
      expect(Array.from((await read(nb.fromArray(new Uint8Array([0, 2, 255, 1])))))).toEqual([0, 1, 1, 1]);
      expect(Array.from((await read(nb.fromArray(new Float32Array([3, 0]), [2], { dtype: 'bool' }))))).toEqual([1, 0]);
      expect(Array.from((await read(nb.full([2], 5, { dtype: 'bool' }))))).toEqual([1, 1]);
      expect(Array.from((await read(nb.full([2], NaN, { dtype: 'bool' }))))).toEqual([1, 1]);
      expect(Array.from((await read(nb.arange(0, 3, 1, { dtype: 'bool' }))))).toEqual([0, 1, 1]);
      expect(Array.from((await read(nb.pad(nb.tensor([true]), [[1, 0]], 7))))).toEqual([1, 1]);
      // arithmetic on what was created stays consistent
      expect((await item(nb.sum(nb.tensor([2, 3], { dtype: 'bool' }))))).toBe(2);
    });

    it('int32 truncates fractions toward zero and holds its whole range', async () => {
      expect((await arr(nb.tensor([1.9, -1.9, 2147483647.5, -2147483648], { dtype: 'int32' })))).toEqual([1, -1, 2147483647, -2147483648]);
      expect((await arr(nb.full([1], -2.5, { dtype: 'int32' })))).toEqual([-2]);
      expect(nb.randint(-(2 ** 31), 2 ** 31, [64], { random: new nb.Random(3) }).dtype).toBe('int32');
      const r = (await read(nb.randint(2 ** 31 - 3, 2 ** 31, [64], { random: new nb.Random(3) })));
      for (const v of r) expect(v >= 2 ** 31 - 3).toBe(true);
    });

    it('a number beside an int32 tensor that int32 cannot hold computes in float32', async () => {
      const y = nb.add(nb.tensor([0], { dtype: 'int32' }), 2 ** 32); // stored as int32 it would wrap to 0
      expect(y.dtype).toBe('float32');
      expect((await item(y))).toBe(2 ** 32);
    });
  });
});
