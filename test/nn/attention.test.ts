/**
 * nn.attention: Luong dot/general and Bahdanau additive attention. Values and gradients against a
 * PyTorch reference written by hand (fixtures from scripts/torch/attention.py) on every backend,
 * float64 gradient checks on cpu (through lengths, masks and a fully masked row), the masking
 * contract (weight exactly 0, no gradient, no NaN), config/save/load, summary and bad input.
 */
import { describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as nb from '../../src/index.js';
import { checkModuleGrads, expectClose, expectPlainError, onBackend, pinBackend, values } from './helpers.js';

pinBackend('cpu');

interface Flat { shape: number[]; data: number[] }
interface Case {
  config: { kind: nb.nn.AttentionKind; queryDim: number; keyDim: number; hiddenDim: number; scale: boolean };
  lengths: number[];
  query: Flat; keys: Flat; values: Flat;
  params: Record<string, Flat>;
  context: Flat; weights: Flat; wc: Flat; ww: Flat;
  grads: Record<string, Flat>;
}
const fixture = JSON.parse(fs.readFileSync(new URL('../fixtures/torch/attention.json', import.meta.url), 'utf8')) as Record<'dot' | 'general' | 'additive', Case>;
const t = (f: Flat, dtype: 'float32' | 'float64' = 'float32'): nb.Tensor => nb.tensor(f.data, { shape: f.shape, dtype });

function layerFor(c: Case, dtype: 'float32' | 'float64' = 'float32'): nb.nn.Attention {
  const { kind, queryDim, keyDim, hiddenDim, scale } = c.config;
  return kind === 'additive' ? nb.nn.attention({ kind, queryDim, keyDim, hiddenDim, dtype }) : nb.nn.attention({ kind, queryDim, keyDim, scale, dtype });
}

/** A random float64 tensor on cpu. */
function r64(shape: number[], seed: number): nb.Tensor {
  return nb.randn(shape, { dtype: 'float64', random: new nb.Random(seed), backend: 'cpu' });
}

describe('PyTorch reference (fixtures from scripts/torch/attention.py)', () => {
  for (const [kind, backend] of (['dot', 'general', 'additive'] as const).flatMap((k) => nb.backendNames().map((b) => [k, b] as const))) {
    it(`${kind} on ${backend}: context, weights and every gradient`, () => onBackend(backend, () => {
      const c = fixture[kind];
      const att = layerFor(c);
      expect(att.namedParameters().map(([n, p]) => [n, p.shape])).toEqual(Object.entries(c.params).map(([n, f]) => [n, f.shape]));
      if (Object.keys(c.params).length) att.loadStateDict(Object.fromEntries(Object.entries(c.params).map(([n, f]) => [n, t(f)])));
      const q = t(c.query).requireGrad();
      const k = t(c.keys).requireGrad();
      const v = t(c.values).requireGrad();
      const [ctx, w] = att.call(q, k, v, { lengths: c.lengths });
      expectClose(ctx, c.context.data, 1e-5, c.context.shape);
      expectClose(w, c.weights.data, 1e-5, c.weights.shape);
      nb.add(nb.sum(nb.mul(ctx, t(c.wc))), nb.sum(nb.mul(w, t(c.ww)))).backward();
      expectClose(q.grad!, c.grads.query!.data, 1e-4);
      expectClose(k.grad!, c.grads.keys!.data, 1e-4);
      expectClose(v.grad!, c.grads.values!.data, 1e-4);
      for (const [n, p] of att.namedParameters()) expectClose(p.grad!, c.grads[n]!.data, 1e-4);
      att.dispose();
    }));
  }
});

/** A query → [context, weights] flattened into one tensor, for gradient checks of a Tensor→Tensor module. */
class Probe extends nb.nn.Module {
  readonly att: nb.nn.Attention;
  constructor(att: nb.nn.Attention, private readonly keys: nb.Tensor, private readonly vals: nb.Tensor | null, private readonly mask: nb.nn.AttentionMask | null) {
    super();
    this.att = this.registerModule('att', att);
  }
  forward(q: nb.Tensor): nb.Tensor {
    const [c, w] = this.att.call(q, this.keys, this.vals, this.mask);
    return nb.concat([nb.reshape(c, [-1]), nb.reshape(w, [-1])], 0);
  }
}

describe('float64 gradient checks (cpu)', () => {
  const B = 3, Tq = 2, Tk = 4;
  const layers: [string, nb.nn.AttentionOptions][] = [
    ['dot', { kind: 'dot', queryDim: 3, dtype: 'float64' }],
    ['dot scaled', { kind: 'dot', queryDim: 3, scale: true, dtype: 'float64' }],
    ['general', { kind: 'general', queryDim: 3, keyDim: 5, dtype: 'float64' }],
    ['additive', { kind: 'additive', queryDim: 3, keyDim: 5, hiddenDim: 4, dtype: 'float64' }],
    ['additive without bias', { kind: 'additive', queryDim: 3, keyDim: 5, hiddenDim: 2, bias: false, dtype: 'float64' }],
  ];
  const perQueryMask = [[[1, 1, 0, 1], [0, 1, 1, 0]], [[1, 0, 0, 0], [0, 0, 0, 0]], [[1, 1, 1, 1], [1, 0, 1, 0]]];
  const masks: [string, () => nb.nn.AttentionMask | null][] = [
    ['no mask', () => null],
    ['lengths [4, 2, 0]', () => ({ lengths: [4, 2, 0] })],
    ['a per-query mask', () => ({ mask: nb.tensor(perQueryMask, { dtype: 'bool' }) })],
  ];
  for (const [name, opts] of layers) {
    for (const [mname, makeMask] of masks) {
      for (const single of [false, true]) {
        if (single && mname === 'a per-query mask') continue;
        it(`${name}, ${mname}, query ${single ? '[B, Dq]' : '[B, Tq, Dq]'}: query, keys, values and parameters`, () => {
          nb.seed(4);
          const att = nb.nn.attention(opts);
          const mask = makeMask();
          const dk = att.keyDim;
          const keys = r64([B, Tk, dk], 2);
          const vals = r64([B, Tk, 2], 3);
          const q = r64(single ? [B, 3] : [B, Tq, 3], 1);
          checkModuleGrads(new Probe(att, keys, vals, mask), q);
          const f = (qq: nb.Tensor, kk: nb.Tensor, vv: nb.Tensor): nb.Tensor => {
            const [c, w] = att.call(qq, kk, vv, mask);
            return nb.concat([nb.reshape(c, [-1]), nb.reshape(w, [-1])], 0);
          };
          nb.testing.gradcheck(f, [q, keys, vals], { atol: 1e-6, rtol: 1e-5 });
          // values default to the keys
          nb.testing.gradcheck((qq, kk) => nb.sum(nb.mul(att.call(qq, kk, null, mask)[0], r64(single ? [B, dk] : [B, Tq, dk], 9))), [q, keys], { atol: 1e-6, rtol: 1e-5 });
        });
      }
    }
  }
});

describe('masking', () => {
  it('weights sum to 1 over unmasked keys; masked keys get exactly 0 weight and no gradient, even holding NaN; a fully masked row is all zeros', () => {
    for (const kind of ['dot', 'general', 'additive'] as const) {
      nb.seed(1);
      const att = nb.nn.attention({ kind, queryDim: 4, keyDim: 4 });
      const lengths = [5, 3, 0];
      const kd = values(nb.randn([3, 5, 4]));
      const vd = values(nb.randn([3, 5, 6]));
      lengths.forEach((n, b) => {
        for (let s = n; s < 5; s++) for (let f = 0; f < 4; f++) kd[(b * 5 + s) * 4 + f] = NaN;
        for (let s = n; s < 5; s++) for (let f = 0; f < 6; f++) vd[(b * 5 + s) * 6 + f] = Infinity;
      });
      const keys = nb.tensor(kd, { shape: [3, 5, 4] }).requireGrad();
      const vals = nb.tensor(vd, { shape: [3, 5, 6] }).requireGrad();
      const q = nb.randn([3, 2, 4]).requireGrad();
      const [ctx, w] = att.call(q, keys, vals, { lengths: nb.tensor(lengths, { dtype: 'int32' }) });
      const wv = values(w);
      expect(wv.every(Number.isFinite)).toBe(true);
      expect(values(ctx).every(Number.isFinite)).toBe(true);
      for (let b = 0; b < 3; b++) {
        for (let i = 0; i < 2; i++) {
          const row = wv.slice((b * 2 + i) * 5, (b * 2 + i + 1) * 5);
          row.slice(lengths[b]).forEach((x) => expect(x).toBe(0));
          const s = row.reduce((a, x) => a + x, 0);
          if (lengths[b]! > 0) expect(s).toBeCloseTo(1, 6);
          else expect(s).toBe(0);
        }
      }
      expect(values(ctx).slice(2 * 2 * 6)).toEqual(new Array(12).fill(0)); // the fully masked sequence
      nb.sum(nb.mul(ctx, nb.randn(ctx.shape))).add(nb.sum(nb.mul(w, nb.randn(w.shape)))).backward();
      for (const [g, D] of [[keys.grad!, 4], [vals.grad!, 6]] as const) {
        const gv = values(g);
        expect(gv.every(Number.isFinite)).toBe(true);
        lengths.forEach((n, b) => {
          for (let s = n; s < 5; s++) for (let f = 0; f < D; f++) expect(gv[(b * 5 + s) * D + f]).toBe(0);
        });
      }
      expect(values(q.grad!).slice(2 * 2 * 4)).toEqual(new Array(8).fill(0));
      expect(values(q.grad!).every(Number.isFinite)).toBe(true);
      for (const [, p] of att.namedParameters()) expect(values(p.grad!).every(Number.isFinite)).toBe(true);
    }
  });

  it('lengths and the equivalent [B, Tk] mask (bool or 0/1) give the same result; a query [B, Dq] equals a query [B, 1, Dq]', () => {
    nb.seed(2);
    const att = nb.nn.attention({ kind: 'additive', queryDim: 3, keyDim: 2, hiddenDim: 5 });
    const q = nb.randn([2, 3]);
    const k = nb.randn([2, 4, 2]);
    const [c1, w1] = att.call(q, k, null, { lengths: [3, 1] });
    const [c2, w2] = att.call(q, k, null, { mask: nb.tensor([[true, true, true, false], [true, false, false, false]]) });
    const [c3, w3] = att.call(nb.reshape(q, [2, 1, 3]), k, null, { mask: nb.tensor([[1, 1, 1, 0], [1, 0, 0, 0]], { dtype: 'int32' }) });
    expect(c1.shape).toEqual([2, 2]);
    expect(w1.shape).toEqual([2, 4]);
    expect(c3.shape).toEqual([2, 1, 2]);
    expectClose(c2, values(c1), 1e-7);
    expectClose(w2, values(w1), 1e-7);
    expectClose(c3, values(c1), 1e-7);
    expectClose(w3, values(w1), 1e-7);
    // no mask = every key
    expectClose(att.call(q, k)[1], values(att.call(q, k, null, { lengths: [4, 4] })[1]), 1e-7);
  });
});

describe('layer type', () => {
  it('config / fromConfig, nb.io save and load, summary, toString', async () => {
    nb.seed(3);
    const att = nb.nn.attention({ kind: 'additive', queryDim: 3, keyDim: 5, hiddenDim: 4 });
    expect(att.config()).toEqual({ type: 'Attention', kind: 'additive', queryDim: 3, keyDim: 5, hiddenDim: 4, scale: false, bias: true, dtype: 'float32' });
    expect(nb.nn.layerTypes()).toContain('Attention');
    const copy = nb.nn.fromConfig<nb.nn.Attention>(att.config());
    expect(copy.config()).toEqual(att.config());
    expect(copy.namedParameters().map(([n, p]) => [n, p.shape])).toEqual([['queryWeight', [3, 4]], ['keyWeight', [5, 4]], ['bias', [4]], ['v', [4]]]);
    for (const opts of [{ kind: 'dot', queryDim: 4, scale: true }, { kind: 'general', queryDim: 2, keyDim: 6, dtype: 'float64' }] as const) {
      const a = nb.nn.attention(opts);
      expect(nb.nn.fromConfig<nb.nn.Attention>(a.config()).config()).toEqual(a.config());
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nabla-attention-'));
    try {
      const file = path.join(dir, 'att.nabla');
      await nb.io.save(att, file);
      const back = (await nb.io.load(file)) as unknown as nb.nn.Attention;
      expect(back).toBeInstanceOf(nb.nn.Attention);
      const q = nb.randn([2, 3, 3]);
      const k = nb.randn([2, 4, 5]);
      expectClose(back.call(q, k, null, { lengths: [4, 2] })[0], values(att.call(q, k, null, { lengths: [4, 2] })[0]), 1e-6);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    const s = att.summary([[3, 3], [4, 5]]);
    expect(s).toContain('Attention');
    expect(s).toContain('([batch, 3, 5], [batch, 3, 4])');
    expect(s).toContain('Total params: 40');
    expect(att.toString()).toBe('Attention (40 parameters: queryWeight [3,4], keyWeight [5,4], bias [4], v [4])');
  });
});

describe('bad input', () => {
  const att = nb.nn.attention({ kind: 'general', queryDim: 3, keyDim: 5 });
  const q = nb.zeros([2, 3]);
  const k = nb.zeros([2, 4, 5]);
  const cases: [string, () => unknown, string | RegExp][] = [
    ['unknown kind', () => nb.nn.attention({ kind: 'luong' as 'dot', queryDim: 3 }), /attention: kind must be one of/],
    ['no options', () => nb.nn.attention(undefined as unknown as nb.nn.AttentionOptions), /attention: options must be an object/],
    ['dot with different sizes', () => nb.nn.attention({ kind: 'dot', queryDim: 3, keyDim: 4 }), "attention: kind 'dot' needs keyDim = queryDim, got queryDim 3 and keyDim 4"],
    ['hiddenDim on general', () => nb.nn.attention({ kind: 'general', queryDim: 3, hiddenDim: 4 }), "attention: hiddenDim is an option of kind 'additive' only"],
    ['scale on additive', () => nb.nn.attention({ kind: 'additive', queryDim: 3, scale: true }), "attention: scale is an option of kinds 'dot' and 'general' only"],
    ['query rank', () => att.call(nb.zeros([3]), k), 'attention: query must be 2-D [batch, queryDim] or 3-D [batch, Tq, queryDim], got [3]'],
    ['query features', () => att.call(nb.zeros([2, 4]), k), 'attention: query has 4 features, expected queryDim 3: query is [2,4]'],
    ['keys rank', () => att.call(q, nb.zeros([2, 5])), 'attention: keys must be 3-D [batch, Tk, keyDim], got [2,5]'],
    ['keys features', () => att.call(q, nb.zeros([2, 4, 3])), 'attention: keys have 3 features, expected keyDim 5: keys is [2,4,3]'],
    ['batch sizes', () => att.call(nb.zeros([3, 3]), k), 'attention: query and keys have different batch sizes: query is [3,3], keys is [2,4,5]'],
    ['values shape', () => att.call(q, k, nb.zeros([2, 3, 7])), 'attention: values must be 3-D [batch, Tk, valueDim] with the keys\' batch and time: values is [2,3,7], keys is [2,4,5]'],
    ['values not a tensor', () => att.call(q, k, [1, 2] as unknown as nb.Tensor), /attention: values must be a Tensor/],
    ['lengths too long', () => att.call(q, k, null, { lengths: [4, 5] }), "attention: lengths[1] is 5, longer than the keys' time axis (4): keys is [2,4,5]"],
    ['lengths count', () => att.call(q, k, null, { lengths: [4] }), 'attention: lengths has 1 entries, but the batch has 2 sequences: keys is [2,4,5]'],
    ['negative length', () => att.call(q, k, null, { lengths: [4, -1] }), /attention: lengths\[1\] must be/],
    ['lengths and mask', () => att.call(q, k, null, { lengths: [4, 4], mask: nb.ones([2, 4]) }), 'attention: pass lengths or mask, not both'],
    ['mask shape', () => att.call(q, k, null, { mask: nb.ones([2, 3]) }), 'attention: mask must have shape [2,4] ([batch, Tk]), got [2,3]: query is [2,3], keys is [2,4,5]'],
    ['per-query mask shape', () => att.call(nb.zeros([2, 3, 3]), k, null, { mask: nb.ones([2, 2, 4]) }), 'attention: mask must have shape [2,4] ([batch, Tk]) or [2,3,4] ([batch, Tq, Tk]), got [2,2,4]'],
    ['lengths passed directly', () => att.call(q, k, null, [4, 4] as unknown as nb.nn.AttentionMask), /attention: mask must be an object \{ lengths \} or \{ mask \}/],
    ['unknown mask option', () => att.call(q, k, null, { length: [4, 4] } as unknown as nb.nn.AttentionMask), /attention: unknown option 'length' in mask/],
    ['float64 query into a float32 layer', () => att.call(nb.zeros([2, 3], { dtype: 'float64', backend: 'cpu' }), k), /attention: query is float64 but the layer is float32/],
    ['empty keys', () => att.call(q, nb.zeros([2, 0, 5])), 'attention: keys must hold at least one sequence and one step, got [2,0,5]'],
  ];
  for (const [name, fn, msg] of cases) it(name, () => expectPlainError(fn, msg));
});
