import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';

// nb.train.metrics.frechetDistance: d² = ‖μ₁ − μ₂‖² + tr(Σ₁ + Σ₂ − 2 (Σ₁Σ₂)^½) in float64.
nb.setBackend('cpu'); // float64 tensors
const { frechetDistance, featureStats } = nb.train.metrics;
const fixture = JSON.parse(readFileSync(join(import.meta.dirname, '../fixtures/torch/frechet.json'), 'utf8')) as {
  cases: { name: string; a: number[][]; b: number[][]; distance: number }[];
};

describe('frechetDistance', () => {
  it('closed form in 1-d: (μ₁ − μ₂)² + (σ₁ − σ₂)²', () => {
    // a: mean 1, variance 2; b: mean 3, variance 4
    const d = frechetDistance([[0], [2]], [[1], [3], [5]]);
    expect(d).toBeCloseTo(4 + (Math.SQRT2 - 2) ** 2, 12);
  });

  it('closed form for independent features: Σ (μ₁ᵢ − μ₂ᵢ)² + (σ₁ᵢ − σ₂ᵢ)²', () => {
    // two features, each set's features uncorrelated: rows (±s, ±t) in all four sign patterns
    const rows = (m: [number, number], s: number, t: number): number[][] => [[1, 1], [1, -1], [-1, 1], [-1, -1]].map(([u, v]) => [m[0] + u! * s, m[1] + v! * t]);
    const a = rows([0, 0], 1, 2);
    const b = rows([1, -1], 3, 0.5);
    const va = (s: number): number => (4 * s * s) / 3; // variance with divisor N − 1
    const expected = 1 + 1 + (Math.sqrt(va(1)) - Math.sqrt(va(3))) ** 2 + (Math.sqrt(va(2)) - Math.sqrt(va(0.5))) ** 2;
    expect(frechetDistance(a, b)).toBeCloseTo(expected, 12);
  });

  it('is 0 for the same set and symmetric', () => {
    const a = fixture.cases[0]!.a;
    const b = fixture.cases[0]!.b;
    expect(frechetDistance(a, a)).toBeCloseTo(0, 9);
    expect(frechetDistance(a, b)).toBeCloseTo(frechetDistance(b, a), 9);
  });

  for (const c of fixture.cases) {
    it(`matches numpy: ${c.name}`, () => {
      // 6 decimals: numpy's eigenvalues of the non-symmetric Σ₁Σ₂ near 0 are off by ~1e-16, their roots by ~1e-8
      expect(frechetDistance(c.a, c.b)).toBeCloseTo(c.distance, 6);
    });
  }

  it('takes tensors and precomputed statistics', () => {
    const c = fixture.cases[0]!;
    const ta = nb.tensor(c.a, { dtype: 'float64' });
    const tb = nb.tensor(c.b, { dtype: 'float64' });
    expect(frechetDistance(ta, tb)).toBeCloseTo(c.distance, 8);
    expect(frechetDistance(featureStats(c.a), featureStats(tb))).toBeCloseTo(c.distance, 8);
    const s = featureStats(c.a);
    expect(s.count).toBe(c.a.length);
    expect(s.mean).toHaveLength(5);
    nb.dispose([ta, tb]);
  });

  it('refuses bad input with clear errors', () => {
    expect(() => frechetDistance([[1, 2], [3, 4]], [[1], [2]])).toThrow(/frechetDistance: a has 2 features per vector but b has 1/);
    expect(() => frechetDistance([[1, 2]], [[1, 2], [3, 4]])).toThrow(/frechetDistance: a must have at least 2 rows/);
    expect(() => frechetDistance([[1, NaN], [1, 2]], [[1, 2], [3, 4]])).toThrow(/frechetDistance: a must be feature vectors/);
    expect(() => frechetDistance({ mean: [0, 0], cov: [[1]] } as never, [[1, 2], [3, 4]])).toThrow(/frechetDistance: a\.cov/);
  });
});
