/** nb.viz.heatmap (attention matrices) and nb.viz.embeddingPlot (PCA scatter of embeddings). */
import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { expectPlainError } from '../nn/helpers.js';

describe('heatmap', () => {
  it('draws one shaded cell per value with labels, darkest at the maximum', () => {
    const svg = nb.viz.heatmap([[0.1, 0.9, 0], [0.5, 0.25, 0.25]], { rowLabels: ['a', '<b>'], colLabels: ['x', 'y', 'z'], title: 'attention', xLabel: 'input', yLabel: 'output' });
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.trim().endsWith('</svg>')).toBe(true);
    const fills = [...svg.matchAll(/<rect class="cell"[^>]*fill="([^"]*)"/g)].map((m) => m[1]);
    expect(fills.length).toBe(6);
    expect(fills[1]).toBe('rgb(0,114,178)'); // 0.9, the largest
    expect(fills[2]).toBe('rgb(255,255,255)'); // 0, the smallest
    expect(svg).toContain('&lt;b&gt;');
    expect(svg).toContain('>0.90</text>');
    expect(svg).toContain('attention');
    // fixed range
    const fixed = nb.viz.heatmap(nb.tensor([[0.5]]), { min: 0, max: 1, showValues: false });
    expect(fixed).toContain('fill="rgb(128,185,217)"');
    expect(fixed).not.toContain('0.50</text>');
  });

  it('bad input', () => {
    expectPlainError(() => nb.viz.heatmap([[1, 2], [3]]), /^heatmap: matrix must be a matrix \[R, C\]/);
    expectPlainError(() => nb.viz.heatmap([[1, 2]], { rowLabels: ['a', 'b'] }), /^heatmap: rowLabels must be an array of 1 strings/);
    expectPlainError(() => nb.viz.heatmap([[1, 2]], { min: 1, max: 0 }), 'heatmap: max (0) must exceed min (1)');
    expectPlainError(() => nb.viz.heatmap(nb.zeros([2, 2, 2])), /^heatmap: matrix must be a matrix \[R, C\] with R, C ≥ 1/);
  });
});

describe('embeddingPlot', () => {
  it('places each labelled row at its first two principal components', () => {
    // Two clusters along one direction: PC1 separates them.
    const w = [[1, 1, 0], [1.1, 0.9, 0.1], [-1, -1, 0], [-0.9, -1.1, -0.1]];
    const svg = nb.viz.embeddingPlot(w, ['a', 'b', 'c', '<d>'], { title: 'letters' });
    const pts = [...svg.matchAll(/<circle class="point" cx="([^"]*)" cy="([^"]*)"/g)].map((m) => [Number(m[1]), Number(m[2])]);
    expect(pts.length).toBe(4);
    const p = nb.viz.pca(w).projection;
    // the x order of the points is PC1's order
    const order = (xs: number[]): number[] => xs.map((_, i) => i).sort((i, j) => xs[i]! - xs[j]!);
    expect(order(pts.map((q) => q[0]!))).toEqual(order(p.map((q) => q[0]!)));
    expect(Math.abs(pts[0]![0]! - pts[1]![0]!)).toBeLessThan(Math.abs(pts[0]![0]! - pts[2]![0]!));
    expect(svg).toContain('&lt;d&gt;');
    expect(svg).toMatch(/PC1 \(\d+\.\d% of the variance\)/);
    // an embedding layer's table, a subset of rows
    nb.seed(0);
    const e = nb.nn.embedding(10, 4);
    const sub = nb.viz.embeddingPlot(e.weight, 'abcdefghij'.split(''), { rows: [0, 2, 4] });
    expect((sub.match(/<circle class="point"/g) ?? []).length).toBe(3);
  });

  it('bad input', () => {
    expectPlainError(() => nb.viz.embeddingPlot([[1, 2], [3, 4]], ['a']), /^embeddingPlot: labels must be an array of 2 strings/);
    expectPlainError(() => nb.viz.embeddingPlot([[1, 2], [3, 4]], ['a', 'b'], { rows: [5] }), /^embeddingPlot: rows\[0\] must be/);
    expectPlainError(() => nb.viz.embeddingPlot([[1, 2], [3, 4]], ['a', 'b'], { rows: [] }), /^embeddingPlot: rows must be a non-empty array/);
    expectPlainError(() => nb.viz.embeddingPlot([] as number[][], []), /^embeddingPlot: weights must be a matrix \[V, D\]/);
  });
});
