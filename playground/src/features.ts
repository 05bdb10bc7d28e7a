/** Input features: the network sees chosen functions of the point (x₁, x₂), not just the point. */
import { FEATURES, type Feature } from './state.js';

export interface FeatureInfo {
  id: Feature;
  /** Label shown in the page. */
  label: string;
  fn: (x1: number, x2: number) => number;
}

export const FEATURE_INFO: Readonly<Record<Feature, FeatureInfo>> = {
  x1: { id: 'x1', label: 'x₁', fn: (a) => a },
  x2: { id: 'x2', label: 'x₂', fn: (_, b) => b },
  x1sq: { id: 'x1sq', label: 'x₁²', fn: (a) => a * a },
  x2sq: { id: 'x2sq', label: 'x₂²', fn: (_, b) => b * b },
  x1x2: { id: 'x1x2', label: 'x₁x₂', fn: (a, b) => a * b },
  sinx1: { id: 'sinx1', label: 'sin x₁', fn: (a) => Math.sin(a) },
  sinx2: { id: 'sinx2', label: 'sin x₂', fn: (_, b) => Math.sin(b) },
};

/** Features in their canonical order, keeping only the chosen ones. */
export function orderedFeatures(chosen: readonly Feature[]): Feature[] {
  return FEATURES.filter((f) => chosen.includes(f));
}

/**
 * Maps points (interleaved x₁, x₂ pairs) to a row-major [n, features.length] matrix of feature
 * values: the network's input.
 */
export function featureMatrix(points: Float32Array | readonly number[], features: readonly Feature[]): Float32Array {
  const n = Math.floor(points.length / 2);
  const fs = orderedFeatures(features).map((f) => FEATURE_INFO[f].fn);
  const out = new Float32Array(n * fs.length);
  for (let i = 0; i < n; i++) {
    const a = points[2 * i] as number;
    const b = points[2 * i + 1] as number;
    for (let j = 0; j < fs.length; j++) out[i * fs.length + j] = fs[j]!(a, b);
  }
  return out;
}

/** The (x₁, x₂) centres of a density × density grid covering [lo, hi]², row by row from the top (x₂ = hi). */
export function gridPoints(density: number, lo: number, hi: number): Float32Array {
  const out = new Float32Array(density * density * 2);
  const step = (hi - lo) / density;
  for (let r = 0; r < density; r++) {
    const x2 = hi - (r + 0.5) * step;
    for (let c = 0; c < density; c++) {
      const x1 = lo + (c + 0.5) * step;
      const k = (r * density + c) * 2;
      out[k] = x1;
      out[k + 1] = x2;
    }
  }
  return out;
}
