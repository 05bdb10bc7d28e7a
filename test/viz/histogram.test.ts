/** nb.viz.histogram: values counted in shared bins, several series overlaid as SVG bars. */
import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { expectPlainError } from '../nn/helpers.js';

describe('histogram', () => {
  it('counts values in equal-width bins shared by every series', () => {
    const { edges, counts } = nb.viz.histogramCounts([{ name: 'a', values: [0, 0, 0.5, 1] }, { name: 'b', values: [0.9, 5] }], { bins: 4, min: 0, max: 1 });
    expect(edges).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(counts).toEqual([[2, 0, 1, 1], [0, 0, 0, 2]]); // 1 and 5 (outside) go to the last bin
    const auto = nb.viz.histogramCounts([{ name: 't', values: nb.tensor([1, 2, 3, 4]) }], { bins: 3 });
    expect(auto.edges[0]).toBe(1);
    expect(auto.edges[3]).toBe(4);
    expect(auto.counts[0]!.reduce((x, y) => x + y)).toBe(4);
  });

  it('draws one bar per non-empty bin and series, a legend, escaped names', () => {
    const svg = nb.viz.histogram([{ name: 'L1 <sparse>', values: [0, 0, 0, 0.1] }, { name: 'L2', values: [-0.2, 0.1, 0.2] }], { bins: 5, title: 'weights', xLabel: 'w' });
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.trim().endsWith('</svg>')).toBe(true);
    const bars = [...svg.matchAll(/<rect class="bar"[^>]*height="([^"]*)"/g)].map((m) => Number(m[1]));
    const c = nb.viz.histogramCounts([{ name: 'a', values: [0, 0, 0, 0.1] }, { name: 'b', values: [-0.2, 0.1, 0.2] }], { bins: 5 });
    expect(bars.length).toBe(c.counts.flat().filter((n) => n > 0).length);
    expect(Math.max(...bars)).toBeGreaterThan(0);
    expect(svg).toContain('L1 &lt;sparse&gt;');
    expect(svg).toContain('weights');
    expect(svg).toContain('>count</text>');
    expect(nb.viz.histogram([{ name: 'x', values: [1, 1, 2] }], { density: true, logY: true })).toContain('share (log scale)');
    // a constant series still gets a range
    expect(nb.viz.histogram([{ name: 'c', values: [3, 3] }])).toContain('class="bar"');
  });

  it('bad input', () => {
    expectPlainError(() => nb.viz.histogram([]), /^histogram: series must be a non-empty array/);
    expectPlainError(() => nb.viz.histogram([{ name: 'a', values: [1, NaN] }]), /^histogram: series\[0\]\.values\[1\] must be a number \(not NaN\)/);
    expectPlainError(() => nb.viz.histogram([{ name: 'a', values: [1] }], { bins: 0 }), /^histogram: bins must be/);
    expectPlainError(() => nb.viz.histogram([{ name: 'a', values: [1] }], { min: 1, max: 0 }), 'histogram: max (0) must exceed min (1)');
    expectPlainError(() => nb.viz.histogramCounts([{ name: 'a', values: [1] }], { title: 'x' } as never), /^histogramCounts: /);
  });
});
