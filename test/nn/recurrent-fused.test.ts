/**
 * The fused LSTM and GRU path (src/ops/recurrent.ts, the backends' lstmCell/gruCell kernels)
 * against the composite formula it replaces (`layer.fused = false`): outputs, final states and
 * every gradient, on every backend — float64 on cpu to 1e-12, float32 on wasm.
 */
import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { expectPlainError, onBackend, values } from './helpers.js';

type Kind = 'lstm' | 'gru';
interface Setup { numLayers?: number; bidirectional?: boolean; bias?: boolean; batchFirst?: boolean; returnSequences?: boolean; state?: boolean }

const SETUPS: [string, Setup][] = [
  ['one layer', {}],
  ['two layers, bidirectional, an initial state', { numLayers: 2, bidirectional: true, state: true }],
  ['no bias, [time, batch, features], last output only', { bias: false, batchFirst: false, returnSequences: false, state: true }],
];

function rand(shape: number[], seed: number, dtype: 'float32' | 'float64'): nb.Tensor {
  const r = new nb.Random(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return nb.tensor(Array.from({ length: n }, () => r.uniform() * 2 - 1), { shape, dtype });
}

/** Runs the layer fused or composite: outputs, final states, and the gradients of a weighted sum of them (inputs, states, parameters). */
function run(kind: Kind, s: Setup, fused: boolean, dtype: 'float32' | 'float64'): Map<string, number[]> {
  const [B, T, I, H] = [3, 5, 4, 6];
  nb.seed(7);
  const opts = { numLayers: s.numLayers, bidirectional: s.bidirectional, bias: s.bias, batchFirst: s.batchFirst, returnSequences: s.returnSequences, dtype };
  const layer = kind === 'lstm' ? nb.nn.lstm(I, H, opts) : nb.nn.gru(I, H, opts);
  layer.fused = fused;
  const D = s.bidirectional ? 2 : 1;
  const L = (s.numLayers ?? 1) * D;
  const x = rand(s.batchFirst === false ? [T, B, I] : [B, T, I], 1, dtype).requireGrad();
  const h0 = s.state ? rand([L, B, H], 2, dtype).requireGrad() : null;
  const c0 = s.state ? rand([L, B, H], 3, dtype).requireGrad() : null;
  const out = new Map<string, number[]>();
  nb.tidy(() => {
    let parts: nb.Tensor[];
    if (layer instanceof nb.nn.LSTM) {
      const [y, [h, c]] = layer.call(x, h0 && c0 ? [h0, c0] : null);
      parts = [y, h, c];
    } else {
      const [y, h] = (layer as nb.nn.GRU).call(x, h0);
      parts = [y, h];
    }
    let loss = nb.scalar(0, { dtype });
    parts.forEach((p, i) => {
      out.set(`out${i}`, values(p));
      loss = nb.add(loss, nb.sum(nb.mul(p, rand(p.shape as number[], 10 + i, dtype))));
    });
    loss.backward();
  });
  out.set('x.grad', values(x.grad!));
  if (h0) out.set('h0.grad', values(h0.grad!));
  if (c0 && kind === 'lstm') out.set('c0.grad', values(c0.grad!));
  for (const [n, p] of layer.namedParameters()) out.set(n, values(p.grad!));
  layer.dispose();
  return out;
}

describe('fused recurrent layers equal the composite formula', () => {
  for (const backend of nb.backendNames()) {
    const dtype = backend === 'cpu' ? 'float64' : 'float32';
    const tol = dtype === 'float64' ? 1e-12 : 2e-5;
    for (const kind of ['lstm', 'gru'] as const) {
      for (const [title, setup] of SETUPS) {
        it(`${kind} on ${backend} (${dtype}), ${title}: outputs, states and gradients`, () => onBackend(backend, () => {
          const fused = run(kind, setup, true, dtype);
          const ref = run(kind, setup, false, dtype);
          expect([...fused.keys()]).toEqual([...ref.keys()]);
          for (const [name, want] of ref) {
            const got = fused.get(name)!;
            expect(got.length, name).toBe(want.length);
            for (let i = 0; i < want.length; i++) {
              if (!(Math.abs(got[i]! - want[i]!) <= tol * (1 + Math.abs(want[i]!)))) throw new Error(`${name}[${i}]: fused ${got[i]} vs composite ${want[i]}`);
            }
          }
        }));
      }
    }
  }

  it('the fused path records one lstmSequence / gruSequence op per layer and direction', () => onBackend('cpu', () => {
    const opsOf = (t: nb.Tensor): string[] => {
      const seen: string[] = [];
      const walk = (u: nb.Tensor): void => {
        const g = (u as unknown as { gradFn?: { op: { name: string }; inputs: nb.Tensor[] } }).gradFn;
        if (!g) return;
        seen.push(g.op.name);
        g.inputs.forEach(walk);
      };
      walk(t);
      return seen;
    };
    const x = nb.randn([2, 3, 2]).requireGrad();
    const lstm = nb.nn.lstm(2, 3, { bidirectional: true });
    expect(opsOf(lstm.call(x)[0]).filter((n) => n === 'lstmSequence')).toHaveLength(2);
    expect(opsOf(nb.nn.gru(2, 3).call(x)[0])).toContain('gruSequence');
    lstm.fused = false;
    expect(opsOf(lstm.call(x)[0])).not.toContain('lstmSequence');
  }));

  it('a padded batch (lengths shorter than the time axis) takes the composite path and still agrees with the fused one on full lengths', () => onBackend('cpu', () => {
    nb.seed(1);
    const layer = nb.nn.lstm(2, 3, { dtype: 'float64' });
    const x = rand([2, 4, 2], 5, 'float64');
    const [full] = layer.call(x, null, [4, 4]);
    layer.fused = false;
    const [ref] = layer.call(x);
    const a = values(full);
    values(ref).forEach((v, i) => expect(Math.abs(a[i]! - v)).toBeLessThan(1e-12));
  }));

  it('second derivatives through a fused layer throw a clear error; the composite path gives them', () => onBackend('cpu', () => {
    for (const kind of ['lstm', 'gru'] as const) {
      nb.seed(2);
      const layer = kind === 'lstm' ? nb.nn.lstm(2, 3, { dtype: 'float64' }) : nb.nn.gru(2, 3, { dtype: 'float64' });
      const x = rand([2, 3, 2], 4, 'float64').requireGrad();
      const f = (xi: nb.Tensor): nb.Tensor => nb.sum(nb.square(layer.call(xi)[0]));
      const gradSum = (xi: nb.Tensor): nb.Tensor => nb.sum(nb.grad(f)(xi) as nb.Tensor);
      expectPlainError(() => nb.grad(gradSum)(x), `${kind === 'lstm' ? 'lstmSequenceGrad' : 'gruCellGrad'}: second derivatives through a fused recurrent layer are not supported; set layer.fused = false`);
      layer.fused = false;
      const g2 = nb.grad(gradSum)(x) as nb.Tensor;
      expect(g2.shape).toEqual([2, 3, 2]);
    }
  }));
});
