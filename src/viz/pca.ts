/**
 * Principal component analysis for pictures of high-dimensional vectors (embeddings): a
 * symmetric eigen solver (cyclic Jacobi rotations, exact to rounding for the small D × D
 * covariance matrices of embeddings) and `pca`, which projects rows onto the top components.
 * Plain float64 arithmetic in JavaScript, independent of any backend.
 */
import { Tensor } from '../tensor/tensor.js';
import { checkInt, checkOptions } from '../validate.js';
import { readMatrix } from './svg.js';

/** Eigenvalues (descending) and unit eigenvectors (`vectors[k]` belongs to `values[k]`) of a symmetric matrix. */
export interface SymmetricEigen {
  values: number[];
  vectors: number[][];
}

/**
 * The eigen-decomposition of a symmetric matrix [D, D] (arrays or a Tensor) by cyclic Jacobi
 * rotations: eigenvalues in descending order, each eigenvector of unit length with its largest
 * entry (in absolute value) positive, so that the result is unique for distinct eigenvalues.
 */
export function symmetricEigen(matrix: readonly (readonly number[])[] | Tensor): SymmetricEigen {
  const op = 'symmetricEigen';
  const m = readMatrix(op, 'matrix', matrix, { square: true, ok: Number.isFinite, what: 'a square symmetric matrix of finite numbers' });
  const n = m.length;
  let scale = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) scale = Math.max(scale, Math.abs(m[i]![j]!));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      if (Math.abs(m[i]![j]! - m[j]![i]!) > 1e-9 * Math.max(1, scale)) throw new Error(`${op}: matrix must be symmetric: [${i}][${j}] is ${m[i]![j]} but [${j}][${i}] is ${m[j]![i]}`);
    }
  }
  const a = m.map((r) => Float64Array.from(r));
  const v = Array.from({ length: n }, (_, i) => {
    const r = new Float64Array(n);
    r[i] = 1;
    return r;
  });
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p]![q]! ** 2;
    if (off <= (1e-30 * scale * scale) || off === 0) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p]![q]!;
        if (apq === 0) continue;
        // The rotation that zeroes a[p][q] (Golub & Van Loan, symmetric Schur decomposition).
        const theta = (a[q]![q]! - a[p]![p]!) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k]![p]!;
          const akq = a[k]![q]!;
          a[k]![p] = c * akp - s * akq;
          a[k]![q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p]![k]!;
          const aqk = a[q]![k]!;
          a[p]![k] = c * apk - s * aqk;
          a[q]![k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k]![p]!;
          const vkq = v[k]![q]!;
          v[k]![p] = c * vkp - s * vkq;
          v[k]![q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => a[j]![j]! - a[i]![i]!);
  return {
    values: order.map((i) => a[i]![i]!),
    vectors: order.map((i) => {
      const col = Array.from({ length: n }, (_, k) => v[k]![i]!);
      let big = 0;
      for (const x of col) if (Math.abs(x) > Math.abs(big)) big = x;
      return big < 0 ? col.map((x) => -x) : col;
    }),
  };
}

/** What `pca` returns. */
export interface PCAResult {
  /** Each row projected onto the components: [N, k]. */
  projection: number[][];
  /** The principal directions, unit vectors [k, D] (largest entry positive), by descending variance. */
  components: number[][];
  /** The variance along each component (the covariance's eigenvalues, divisor N − 1). */
  explainedVariance: number[];
  /** Each component's share of the total variance. */
  explainedVarianceRatio: number[];
  /** The mean row that was subtracted: [D]. */
  mean: number[];
}

/**
 * Principal component analysis of the rows of `x` [N, D] (arrays or a Tensor, e.g. an embedding
 * table): centres the rows, takes the eigenvectors of their D × D covariance (`symmetricEigen`)
 * with the largest eigenvalues, and projects the rows onto them. `components` defaults to 2
 * (at most D). A projection's signs follow the components' (largest entry positive).
 */
export function pca(x: readonly (readonly number[])[] | Tensor, opts: { components?: number } = {}): PCAResult {
  const op = 'pca';
  const rows = readMatrix(op, 'x', x, { ok: Number.isFinite, what: 'a matrix [N, D] of finite numbers with N, D ≥ 1' });
  const o = checkOptions(op, opts, ['components']);
  const N = rows.length;
  const D = rows[0]!.length;
  const k = o.components === undefined ? Math.min(2, D) : checkInt(op, 'components', o.components, { min: 1, max: D });
  const mean = new Array<number>(D).fill(0);
  for (const r of rows) for (let j = 0; j < D; j++) mean[j]! += r[j]! / N;
  const centred = rows.map((r) => r.map((v, j) => v - mean[j]!));
  const cov = Array.from({ length: D }, () => new Array<number>(D).fill(0));
  const div = Math.max(1, N - 1);
  for (const r of centred) for (let i = 0; i < D; i++) for (let j = i; j < D; j++) cov[i]![j]! += (r[i]! * r[j]!) / div;
  for (let i = 0; i < D; i++) for (let j = 0; j < i; j++) cov[i]![j] = cov[j]![i]!;
  const { values, vectors } = symmetricEigen(cov);
  const components = vectors.slice(0, k);
  const total = values.reduce((a, b) => a + Math.max(0, b), 0);
  const explainedVariance = values.slice(0, k).map((l) => Math.max(0, l));
  return {
    projection: centred.map((r) => components.map((c) => c.reduce((a, cj, j) => a + cj * r[j]!, 0))),
    components,
    explainedVariance,
    explainedVarianceRatio: explainedVariance.map((l) => (total > 0 ? l / total : 0)),
    mean,
  };
}
