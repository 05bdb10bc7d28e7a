/**
 * cumsum/cumprod, sort/argsort/topk, norm, einsum, takeAlongAxis and clip against PyTorch:
 * forward values (and indices) and the gradient of sum(out · w), from the fixture that
 * scripts/torch/ops.py writes (test/fixtures/torch/ops.json). On backends with float64 the inputs
 * are float64; elsewhere float32, with a looser tolerance.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import * as nb from '../../src/index.js';
import { forEachBackend } from '../conformance/backends.js';
import { read } from '../conformance/helpers.js';

type Num = number | string;
interface FTensor { shape: number[]; dtype: 'float32' | 'int32'; data: Num[] }
interface Case {
  name: string;
  op: string;
  args: Record<string, unknown>;
  inputs: FTensor[];
  values: FTensor;
  indices?: FTensor;
  weight?: FTensor;
  grads?: (FTensor | null)[];
}

const fixture = JSON.parse(readFileSync(new URL('../fixtures/torch/ops.json', import.meta.url), 'utf8')) as { cases: Case[] };
const num = (v: Num): number => (typeof v === 'number' ? v : v === 'NaN' ? NaN : v === 'Infinity' ? Infinity : -Infinity);

function build(f: FTensor, float: 'float32' | 'float64'): nb.Tensor {
  return nb.tensor(f.data.map(num), { shape: f.shape, dtype: f.dtype === 'int32' ? 'int32' : float });
}

function run(c: Case, xs: nb.Tensor[]): { values: nb.Tensor; indices?: nb.Tensor } {
  const a = c.args;
  const x = xs[0] as nb.Tensor;
  switch (c.op) {
    case 'cumsum': return { values: nb.cumsum(x, a.axis as number, { exclusive: a.exclusive as boolean | undefined, reverse: a.reverse as boolean | undefined }) };
    case 'cumprod': return { values: nb.cumprod(x, a.axis as number, { exclusive: a.exclusive as boolean | undefined, reverse: a.reverse as boolean | undefined }) };
    case 'sort': return nb.sort(x, { axis: a.axis as number, descending: a.descending as boolean | undefined });
    case 'argsort': return { values: nb.argsort(x, { axis: a.axis as number, descending: a.descending as boolean }) };
    case 'topk': return nb.topk(x, a.k as number, { axis: a.axis as number, largest: a.largest as boolean });
    case 'norm': {
      const p = a.p === 'fro' ? 'fro' : num(a.p as Num);
      return { values: nb.norm(x, { p, axis: a.axis as number | number[] | null, keepDims: a.keepDims as boolean }) };
    }
    case 'einsum': return { values: nb.einsum(a.equation as string, ...xs) };
    case 'takeAlongAxis': return { values: nb.takeAlongAxis(x, xs[1] as nb.Tensor, a.axis as number) };
    case 'clip':
      if (xs.length === 3) return { values: nb.clip(x, xs[1], xs[2]) };
      if (xs.length === 2) return { values: a.tensorMax ? nb.clip(x, undefined, xs[1]) : nb.clip(x, xs[1]) };
      return { values: nb.clip(x, a.min as number | undefined, a.max as number | undefined) };
  }
  throw new Error(`no runner for ${c.op}`);
}

async function expectValues(got: nb.Tensor, want: FTensor, tol: number, what: string): Promise<void> {
  expect(got.shape, `${what} shape`).toEqual(want.shape);
  const g = await read(got);
  want.data.forEach((wv, i) => {
    const w = num(wv);
    const v = g[i] as number;
    if (Number.isNaN(w)) expect(Number.isNaN(v), `${what}[${i}]: expected NaN, got ${v}`).toBe(true);
    else if (!Number.isFinite(w)) expect(v, `${what}[${i}]`).toBe(w);
    else expect(Math.abs(v - w) <= tol * Math.max(1, Math.abs(w)), `${what}[${i}]: got ${v}, expected ${w}`).toBe(true);
  });
}

describe('fixture', () => {
  it('covers every new op', async () => {
    expect(new Set(fixture.cases.map((c) => c.op))).toEqual(new Set(['cumsum', 'cumprod', 'sort', 'argsort', 'topk', 'norm', 'einsum', 'takeAlongAxis', 'clip']));
  });
});

forEachBackend('ops against PyTorch', () => {
  for (const c of fixture.cases) {
    it(c.name, async () => {
      const f64 = nb.getBackend().supportsFloat64;
      const tol = f64 ? 1e-9 : 2e-5;
      await nb.tidy(async () => {
        const xs = c.inputs.map((t) => build(t, f64 ? 'float64' : 'float32'));
        const needGrad = c.grads !== undefined;
        const leaves = xs.map((t, i) => (needGrad && c.grads![i] ? t.requireGrad() : t));
        const out = run(c, leaves);
        await expectValues(out.values, c.values, tol, 'values');
        if (c.indices) {
          expect(out.indices!.dtype).toBe('int32');
          await expectValues(out.indices!, c.indices, 0, 'indices');
        }
        if (needGrad) {
          const w = build(c.weight!, out.values.dtype as 'float32' | 'float64');
          nb.sum(nb.mul(out.values, w)).backward();
          for (const [i, g] of c.grads!.entries()) {
            if (g) await expectValues(leaves[i]!.grad!, g, f64 ? 1e-9 : 1e-4, `grad ${i}`);
          }
        }
      });
    });
  }
});
