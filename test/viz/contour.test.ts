/** nb.viz.contour: level lines of f(x, y) by marching squares, with trajectories drawn over them. */
import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { marchingSquares } from '../../src/viz/contour.js';
import { expectPlainError } from '../nn/helpers.js';

describe('marchingSquares', () => {
  it('traces a circle: every segment end lies on the level line, and the segments close up', () => {
    const n = 41;
    const c = (k: number): number => -1.5 + (3 * k) / (n - 1);
    const grid = Array.from({ length: n }, (_, j) => Array.from({ length: n }, (_, i) => c(i) ** 2 + c(j) ** 2));
    const segs = marchingSquares(grid, 1);
    expect(segs.length).toBeGreaterThan(40);
    // the ends, back in (x, y), are at radius 1 up to the interpolation error of one cell
    for (const [a, b, cc, d] of segs) {
      for (const [i, j] of [[a, b], [cc, d]] as const) {
        const x = -1.5 + (3 * i) / (n - 1), y = -1.5 + (3 * j) / (n - 1);
        expect(Math.abs(Math.hypot(x, y) - 1)).toBeLessThan(0.01);
      }
    }
    // a closed curve: every end point is shared by exactly two segments
    const key = (x: number, y: number): string => `${x.toFixed(9)},${y.toFixed(9)}`;
    const count = new Map<string, number>();
    for (const [a, b, cc, d] of segs) for (const k of [key(a, b), key(cc, d)]) count.set(k, (count.get(k) ?? 0) + 1);
    expect([...count.values()].every((v) => v === 2)).toBe(true);
  });

  it('handles the 16 cases of one cell, saddles by the centre, and skips non-finite corners', () => {
    expect(marchingSquares([[0, 0], [0, 0]], 0.5)).toEqual([]);
    expect(marchingSquares([[1, 1], [1, 1]], 0.5)).toEqual([]);
    // a above only: a segment from the left edge to the top edge, each at its midpoint
    expect(marchingSquares([[1, 0], [0, 0]], 0.5)).toEqual([[0, 0.5, 0.5, 0]]);
    // b and c above: a vertical line through the middle
    expect(marchingSquares([[0, 1], [0, 1]], 0.5)).toEqual([[0.5, 0, 0.5, 1]]);
    // interpolated crossing: 0 → 4 crosses 1 at a quarter
    expect(marchingSquares([[0, 4], [0, 4]], 1)).toEqual([[0.25, 0, 0.25, 1]]);
    // saddle with a, c above; centre (mean 0.5 + …) above: a and c joined, two segments cutting off b and d
    const hiCentre = marchingSquares([[1, 0], [0.2, 1]], 0.5);
    const loCentre = marchingSquares([[1, 0], [-2, 1]], 0.5);
    expect(hiCentre.length).toBe(2);
    expect(loCentre.length).toBe(2);
    expect(hiCentre).not.toEqual(loCentre);
    expect(marchingSquares([[1, NaN], [0, 0]], 0.5)).toEqual([]);
    expect(marchingSquares([], 0)).toEqual([]);
  });
});

describe('contour', () => {
  const bowl = (x: number, y: number): number => x * x + 10 * y * y;

  it('draws one path per level and the trajectories with a legend', () => {
    const svg = nb.viz.contour(bowl, {
      xRange: [-2, 2], yRange: [-1, 1], levels: 5, title: 'bowl <1>', xLabel: 'w1', yLabel: 'w2',
      paths: [{ name: 'sgd', points: [[-2, 1], [-1, -0.5], [0, 0]] }, { name: 'adam', points: [[1, 1], [NaN, 0], [0.5, 0.5]], color: 'red' }],
    });
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.trim().endsWith('</svg>')).toBe(true);
    expect((svg.match(/class="level"/g) ?? []).length).toBe(5);
    expect((svg.match(/class="path"/g) ?? []).length).toBe(2);
    expect(svg).toContain('bowl &lt;1&gt;');
    expect(svg).toContain('>sgd</text>');
    expect(svg).toContain('stroke="red"');
    // explicit levels; a level outside the function's range draws nothing
    const two = nb.viz.contour(bowl, { xRange: [-2, 2], yRange: [-1, 1], levels: [1, 4, 1000], resolution: 20 });
    expect((two.match(/class="level"/g) ?? []).length).toBe(2);
    expect(two).toContain('<title>f = 4</title>');
  });

  it('spaces levels geometrically with logLevels, and survives a flat or non-finite function', () => {
    const rosen = (x: number, y: number): number => (1 - x) ** 2 + 100 * (y - x * x) ** 2;
    const svg = nb.viz.contour(rosen, { xRange: [-2, 2], yRange: [-1, 3], levels: 4, logLevels: true });
    const levels = [...svg.matchAll(/<title>f = ([^<]*)<\/title>/g)].map((m) => Number(m[1]));
    expect(levels.length).toBe(4);
    const ratios = levels.slice(1).map((v, i) => v / levels[i]!);
    for (const q of ratios) expect(q).toBeCloseTo(ratios[0]!, 1);
    expect(nb.viz.contour(() => 3, { xRange: [0, 1], yRange: [0, 1] })).not.toContain('class="level"');
    expect(nb.viz.contour(() => NaN, { xRange: [0, 1], yRange: [0, 1] })).toContain('</svg>');
  });

  it('refuses bad arguments, naming the argument', () => {
    const ok = { xRange: [0, 1], yRange: [0, 1] } as const;
    expectPlainError(() => nb.viz.contour(3 as never, ok), /contour: f must be a function/);
    expectPlainError(() => nb.viz.contour(bowl, undefined as never), /contour: options/);
    expectPlainError(() => nb.viz.contour(bowl, { ...ok, xRange: [1, 0] }), /contour: xRange must have high > low/);
    expectPlainError(() => nb.viz.contour(bowl, { ...ok, yRange: [0] as never }), /contour: yRange must be a pair/);
    expectPlainError(() => nb.viz.contour(bowl, { ...ok, resolution: 1 }), /contour: resolution must be an integer/);
    expectPlainError(() => nb.viz.contour(bowl, { ...ok, levels: [1, NaN] }), /contour: levels\[1\] must be a finite number/);
    expectPlainError(() => nb.viz.contour(bowl, { ...ok, paths: [{ name: 'a', points: [[1]] }] as never }), /contour: paths\[0\].points\[0\] must be a point/);
    expectPlainError(() => nb.viz.contour(bowl, { ...ok, colour: 'x' } as never), /contour: unknown option 'colour'/);
    expectPlainError(() => nb.viz.contour((() => 'a') as never, ok), /contour: f must return a number/);
  });
});
