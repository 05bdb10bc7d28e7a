import { describe, expect, it } from 'vitest';
import { featureMatrix, gridPoints, orderedFeatures } from '../src/features.js';

describe('playground feature maps', () => {
  it('computes every feature of a point', () => {
    const m = featureMatrix([2, -3], ['x1', 'x2', 'x1sq', 'x2sq', 'x1x2', 'sinx1', 'sinx2']);
    expect([...m]).toEqual([2, -3, 4, 9, -6, Math.fround(Math.sin(2)), Math.fround(Math.sin(-3))]);
  });

  it('keeps the canonical feature order whatever the order chosen', () => {
    expect(orderedFeatures(['sinx2', 'x1x2', 'x1'])).toEqual(['x1', 'x1x2', 'sinx2']);
    const m = featureMatrix(new Float32Array([1, 2, 3, 4]), ['x2sq', 'x1']);
    expect([...m]).toEqual([1, 4, 3, 16]);
  });

  it('lays the grid out row by row from the top-left corner', () => {
    const g = gridPoints(2, -6, 6);
    expect([...g]).toEqual([-3, 3, 3, 3, -3, -3, 3, -3]);
  });
});
