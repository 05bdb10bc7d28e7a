import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';

describe('nb.viz SVG charts', () => {
  it('draws one path per series with its points scaled into the plot', () => {
    const svg = nb.viz.lineChart(
      [
        { name: 'train <loss>', values: [2, 1, 0.5] },
        { name: 'val', values: [2.2, NaN, 0.7], dashed: true },
      ],
      { title: 'Loss & co', width: 400, height: 200, xLabel: 'epoch', yLabel: 'loss' },
    );
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg" width="400" height="200"')).toBe(true);
    expect(svg.trim().endsWith('</svg>')).toBe(true);
    expect(svg).toContain('Loss &amp; co');
    expect(svg).toContain('train &lt;loss&gt;');
    const paths = [...svg.matchAll(/<path d="([^"]*)"/g)].map((m) => m[1]!);
    expect(paths.length).toBe(2);
    expect(paths[0]!.split(' ').length).toBe(3);
    // the NaN breaks the second line into two pieces: M, then M again
    expect(paths[1]!.match(/M/g)!.length).toBe(2);
    expect(svg).toContain('stroke-dasharray');
    const ys = paths[0]!.split(' ').map((p) => Number(p.slice(1).split(',')[1]));
    expect(ys[0]).toBeLessThan(ys[1]!); // larger values are higher up (smaller y)
    expect(ys[1]).toBeLessThan(ys[2]!);
  });

  it('picks nice ticks and supports a log axis', () => {
    expect(nb.viz.niceTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(nb.viz.niceTicks(0.93, 0.99, 5)).toEqual([0.94, 0.96, 0.98]);
    const svg = nb.viz.lineChart([{ name: 'norm', values: [1e-4, 1e-2, 0, 1] }], { logY: true });
    expect(svg).toContain('1.0e-4');
  });

  it('charts a fit history: loss and accuracy panels', () => {
    const svg = nb.viz.historyChart({ epochs: [
      { loss: 1, accuracy: 0.5, val_loss: 1.1, val_accuracy: 0.45 },
      { loss: 0.5, accuracy: 0.8, val_loss: 0.6, val_accuracy: 0.75 },
    ] }, { title: 'mnist-mlp' });
    expect(svg).toContain('mnist-mlp: loss');
    expect(svg).toContain('mnist-mlp: accuracy');
    expect([...svg.matchAll(/<path /g)].length).toBe(4);
  });
});
