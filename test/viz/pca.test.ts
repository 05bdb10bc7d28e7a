/** nb.viz.pca and the symmetric eigen solver behind it, against NumPy's eigh on a known matrix. */
import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { expectPlainError } from '../nn/helpers.js';

// Reference: NumPy 2 (np.linalg.eigh of the covariance, divisor N − 1), signs with the largest entry positive.
const X = [[2.5, 2.4, 0.5], [0.5, 0.7, 1.5], [2.2, 2.9, -0.3], [1.9, 2.2, 0.8], [3.1, 3.0, 0.1], [2.3, 2.7, 1.1], [2.0, 1.6, 0.4], [1.0, 1.1, 2.0]];
const VALUES = [1.750597820837, 0.175934769434, 0.058110266872];
const COMPONENTS = [[0.603811971142, 0.622879410645, -0.497425716363], [0.334969163951, 0.367983054689, 0.867400790099]];
const PROJECTION = [
  [0.672654292773, 0.080321940095], [-2.091290363972, -0.347786790678], [1.200890979843, -0.530097913825], [0.036563513049, 0.065964067817],
  [1.60763940839, 0.155132955239], [0.44030029192, 0.644163497771], [-0.077812649678, -0.468289164641], [-1.788945472324, 0.400591408222],
];
const RATIO = [0.882071962991, 0.088648075295];

function close(a: number[][] | number[], b: number[][] | number[], tol = 1e-9): void {
  const fa = (a as unknown[]).flat() as number[];
  const fb = (b as unknown[]).flat() as number[];
  expect(fa.length).toBe(fb.length);
  fa.forEach((v, i) => expect(Math.abs(v - fb[i]!), `element ${i}: ${v} vs ${fb[i]}`).toBeLessThan(tol));
}

describe('pca', () => {
  it('projects onto the top two components as NumPy does', () => {
    const p = nb.viz.pca(X);
    close(p.projection, PROJECTION);
    close(p.components, COMPONENTS);
    close(p.explainedVariance, VALUES.slice(0, 2));
    close(p.explainedVarianceRatio, RATIO);
    close(p.mean, [1.9375, 2.075, 0.7625]);
  });

  it('takes a Tensor and a number of components', () => {
    const p = nb.viz.pca(nb.tensor(X, { dtype: 'float64', backend: 'cpu' }), { components: 1 });
    close(p.projection, PROJECTION.map((r) => [r[0]!]));
    expect(p.components.length).toBe(1);
  });

  it('symmetricEigen: eigenvalues descending, V·diag(λ)·Vᵀ rebuilds the matrix, orthonormal vectors', () => {
    const r = new nb.Random(3);
    const n = 12;
    const a = Array.from({ length: n }, () => Array.from({ length: n }, () => r.uniform() * 2 - 1));
    const s = a.map((row, i) => row.map((_, j) => a[i]![j]! + a[j]![i]!));
    const { values, vectors } = nb.viz.symmetricEigen(s);
    for (let k = 1; k < n; k++) expect(values[k]).toBeLessThanOrEqual(values[k - 1]!);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let rebuilt = 0;
        let dot = 0;
        for (let k = 0; k < n; k++) {
          rebuilt += vectors[k]![i]! * values[k]! * vectors[k]![j]!;
          dot += vectors[i]![k]! * vectors[j]![k]!;
        }
        expect(Math.abs(rebuilt - s[i]![j]!)).toBeLessThan(1e-10);
        expect(Math.abs(dot - (i === j ? 1 : 0))).toBeLessThan(1e-12);
      }
    }
    close(nb.viz.symmetricEigen([[2, 0], [0, 3]]).values, [3, 2]);
  });

  it('bad input', () => {
    expectPlainError(() => nb.viz.pca([[1, 2], [3]]), /^pca: x must be a matrix \[N, D\] of finite numbers/);
    expectPlainError(() => nb.viz.pca([[1, NaN]]), /^pca: x must be/);
    expectPlainError(() => nb.viz.pca(X, { components: 4 }), /^pca: components must be/);
    expectPlainError(() => nb.viz.symmetricEigen([[1, 2], [3, 4]]), 'symmetricEigen: matrix must be symmetric: [1][0] is 3 but [0][1] is 2');
    expectPlainError(() => nb.viz.symmetricEigen([[1, 2]]), /^symmetricEigen: matrix must be a square symmetric matrix/);
  });
});
