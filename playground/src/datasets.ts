/**
 * The playground's data: nabla.data's seeded 2-D toy sets (points in about [-6, 6]²) with a
 * class index (classification) or a value in about [-1, 1] (regression), split into training
 * and test points.
 */
import * as nb from 'nabla';
import type { DatasetName, State } from './state.js';

/** Half-width of the square the pictures cover. */
export const DOMAIN = 6;

export interface Points {
  /** Interleaved (x₁, x₂) pairs. */
  xy: Float32Array;
  /** Class index 0…k−1 for classification, target value for regression. */
  labels: Float32Array;
  count: number;
}

export interface Split {
  train: Points;
  test: Points;
  /** Number of classes (0 for regression). */
  classes: number;
}

/** Generates a whole data set by name. `noise` is a fraction in [0, 1]. */
export function generate(name: DatasetName, n: number, noise: number, seed: number, classes = 2): nb.data.ToyData {
  const o = { n, noise, seed };
  switch (name) {
    case 'circle': return nb.data.circle(o);
    case 'xor': return nb.data.xor(o);
    case 'gauss': return nb.data.gaussian({ ...o, classes });
    case 'spiral': return nb.data.spiral({ ...o, arms: classes });
    case 'plane': return nb.data.plane(o);
    case 'gaussmix': return nb.data.gaussianMix(o);
  }
}

function toPoints(d: nb.data.ToyData): Points {
  const labels = d.task === 'classification' ? Float32Array.from(d.labels) : d.targets.slice();
  return { xy: d.points.slice(), labels, count: d.n };
}

/** The state's data set (same seed and settings, same points), split by the train ratio. */
export function makeData(s: State): Split {
  const d = generate(s.dataset, s.points, s.noise / 100, s.seed, s.classes);
  const { train, test } = nb.data.splitToy(d, s.trainRatio / 100, s.seed);
  return { train: toPoints(train), test: toPoints(test), classes: d.task === 'classification' ? d.numClasses : 0 };
}
