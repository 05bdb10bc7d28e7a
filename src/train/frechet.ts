/**
 * The Fréchet distance between two sets of feature vectors, each summarised by a Gaussian (its
 * mean μ and covariance Σ): d² = ‖μ₁ − μ₂‖² + tr(Σ₁ + Σ₂ − 2 (Σ₁Σ₂)^½) — the FID of GAN papers
 * when the features are an Inception network's. Plain float64 arithmetic in JavaScript,
 * independent of any backend: tr (Σ₁Σ₂)^½ = Σ √λᵢ for the eigenvalues λᵢ of the symmetric
 * matrix Σ₁^½ Σ₂ Σ₁^½ (same eigenvalues as Σ₁Σ₂), both from `symmetricEigen`.
 */
import { Tensor } from '../tensor/tensor.js';
import { symmetricEigen } from '../viz/pca.js';
import { readMatrix } from '../viz/svg.js';
import { fail } from '../validate.js';

/** A Gaussian's statistics of a set of feature vectors: mean [D], covariance [D, D] (divisor N − 1), and N. */
export interface FeatureStats {
  mean: number[];
  cov: number[][];
  count: number;
}

/** The mean and covariance (divisor N − 1, as numpy's `np.cov`) of the rows of `x` [N, D], N ≥ 2, in float64. */
export function featureStats(x: Tensor | readonly (readonly number[])[]): FeatureStats {
  const op = 'featureStats';
  const rows = readMatrix(op, 'x', x, { ok: Number.isFinite, what: 'a matrix [N, D] of finite numbers (one feature vector a row)' });
  return statsOf(op, 'x', rows);
}

function statsOf(op: string, arg: string, rows: readonly (readonly number[])[]): FeatureStats {
  const n = rows.length;
  if (n < 2) throw new Error(`${op}: ${arg} must have at least 2 rows (feature vectors) for a covariance, got ${n}`);
  const d = rows[0]!.length;
  const mean = new Float64Array(d);
  for (const r of rows) for (let j = 0; j < d; j++) mean[j] += r[j]!;
  for (let j = 0; j < d; j++) mean[j] /= n;
  const cov = Array.from({ length: d }, () => new Float64Array(d));
  const c = new Float64Array(d);
  for (const r of rows) {
    for (let j = 0; j < d; j++) c[j] = r[j]! - mean[j]!;
    for (let i = 0; i < d; i++) {
      const ci = c[i]!;
      if (ci === 0) continue;
      const row = cov[i]!;
      for (let j = i; j < d; j++) row[j] += ci * c[j]!;
    }
  }
  for (let i = 0; i < d; i++) {
    for (let j = i; j < d; j++) {
      const v = cov[i]![j]! / (n - 1);
      cov[i]![j] = v;
      cov[j]![i] = v;
    }
  }
  return { mean: Array.from(mean), cov: cov.map((r) => Array.from(r)), count: n };
}

function isStats(v: unknown): v is FeatureStats {
  return v !== null && typeof v === 'object' && !(v instanceof Tensor) && !Array.isArray(v) && 'mean' in v && 'cov' in v;
}

function statsArg(op: string, arg: string, v: unknown): FeatureStats {
  if (isStats(v)) {
    const mean = v.mean;
    if (!Array.isArray(mean) || mean.length === 0 || !mean.every((m) => typeof m === 'number' && Number.isFinite(m))) fail(op, `${arg}.mean`, 'an array of finite numbers [D]', mean);
    const cov = readMatrix(op, `${arg}.cov`, v.cov, { square: true, ok: Number.isFinite, what: 'a square matrix [D, D] of finite numbers' });
    if (cov.length !== mean.length) throw new Error(`${op}: ${arg}.cov is [${cov.length},${cov.length}] but ${arg}.mean has ${mean.length} values`);
    return { mean, cov, count: typeof v.count === 'number' ? v.count : NaN };
  }
  const rows = readMatrix(op, arg, v, { ok: Number.isFinite, what: 'feature vectors [N, D] (a Tensor or arrays of finite numbers) or their statistics { mean, cov }' });
  return statsOf(op, arg, rows);
}

/**
 * The Fréchet distance d² = ‖μ₁ − μ₂‖² + tr(Σ₁ + Σ₂ − 2 (Σ₁Σ₂)^½) between the Gaussians of two
 * sets of feature vectors: `a` and `b` are matrices [N, D] (a Tensor or arrays; N may differ, D
 * must not) or their `featureStats`. Computed in float64; 0 for identical sets.
 */
export function frechetDistance(a: Tensor | readonly (readonly number[])[] | FeatureStats, b: Tensor | readonly (readonly number[])[] | FeatureStats): number {
  const op = 'frechetDistance';
  const s1 = statsArg(op, 'a', a);
  const s2 = statsArg(op, 'b', b);
  const d = s1.mean.length;
  if (s2.mean.length !== d) throw new Error(`${op}: a has ${d} features per vector but b has ${s2.mean.length}`);
  let dist = 0;
  for (let i = 0; i < d; i++) dist += (s1.mean[i]! - s2.mean[i]!) ** 2;
  for (let i = 0; i < d; i++) dist += s1.cov[i]![i]! + s2.cov[i]![i]!;
  // Σ₁^½ = V diag(√λ) Vᵀ
  const e1 = symmetricEigen(symmetrize(s1.cov));
  const sqrt1 = Array.from({ length: d }, () => new Float64Array(d));
  for (let k = 0; k < d; k++) {
    const s = Math.sqrt(Math.max(e1.values[k]!, 0));
    if (s === 0) continue;
    const v = e1.vectors[k]!;
    for (let i = 0; i < d; i++) {
      const vi = s * v[i]!;
      for (let j = 0; j < d; j++) sqrt1[i]![j] += vi * v[j]!;
    }
  }
  const m = matmul(matmul(sqrt1, s2.cov), sqrt1);
  const e = symmetricEigen(symmetrize(m));
  let tr = 0;
  for (const l of e.values) tr += Math.sqrt(Math.max(l, 0));
  dist -= 2 * tr;
  return Math.max(dist, 0);
}

function symmetrize(m: readonly (ArrayLike<number>)[]): number[][] {
  const n = m.length;
  return Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (m[i]![j]! + m[j]![i]!) / 2));
}

function matmul(a: readonly (ArrayLike<number>)[], b: readonly (ArrayLike<number>)[]): Float64Array[] {
  const n = a.length;
  const k = b.length;
  const p = b[0]!.length;
  const out = Array.from({ length: n }, () => new Float64Array(p));
  for (let i = 0; i < n; i++) {
    const o = out[i]!;
    for (let t = 0; t < k; t++) {
      const ait = a[i]![t]!;
      if (ait === 0) continue;
      const bt = b[t]!;
      for (let j = 0; j < p; j++) o[j] += ait * bt[j]!;
    }
  }
  return out;
}
