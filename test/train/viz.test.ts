import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { expectPlainError, type ErrorCase } from '../nn/helpers.js';

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

describe('nb.viz argument checks: one case per check', () => {
  const u = <T>(v: unknown): T => v as T;
  const ok = { name: 'loss', values: [1, 0.5] };
  const cases: ErrorCase[] = [
    ['lineChart series null', () => nb.viz.lineChart(u(null)), 'lineChart: series must be an array, got null'],
    ['lineChart series entry', () => nb.viz.lineChart(u([null])), 'lineChart: series[0] must be a series { name, values }, got null'],
    ['lineChart series name', () => nb.viz.lineChart(u([{ values: [1] }])), 'lineChart: series[0].name must be a string, got undefined'],
    ['lineChart series values', () => nb.viz.lineChart(u([{ name: 'a', values: 'abc' }])), 'lineChart: series[0].values must be an array, got string "abc"'],
    ['lineChart series value', () => nb.viz.lineChart(u([{ name: 'a', values: [1, '2'] }])), 'lineChart: series[0].values[1] must be a number, got string "2"'],
    ['lineChart series x', () => nb.viz.lineChart(u([{ name: 'a', values: [1, 2], x: [1, NaN] }])), 'lineChart: series[0].x[1] must be a finite number, got NaN'],
    ['lineChart series x length', () => nb.viz.lineChart([{ name: 'a', values: [1, 2], x: [1] }]), 'lineChart: series[0].x has 1 values but series[0].values has 2'],
    ['lineChart series color', () => nb.viz.lineChart(u([{ ...ok, color: 3 }])), 'lineChart: series[0].color must be a string, got 3'],
    ['lineChart series dashed', () => nb.viz.lineChart(u([{ ...ok, dashed: 'yes' }])), 'lineChart: series[0].dashed must be true or false, got string "yes"'],
    ['lineChart series misspelt', () => nb.viz.lineChart(u([{ ...ok, colour: 'red' }])), "lineChart: unknown option 'colour' in series[0]; known options: name, values, x, color, dashed"],
    ['lineChart options null', () => nb.viz.lineChart([ok], u(null)), 'lineChart: options must be an object, got null'],
    ['lineChart options misspelt', () => nb.viz.lineChart([ok], u({ logy: true })), "lineChart: unknown option 'logy' in options; known options: title, xLabel, yLabel, width, height, logY, yMin, yMax"],
    ['lineChart title', () => nb.viz.lineChart([ok], u({ title: 3 })), 'lineChart: title must be a string, got 3'],
    ['lineChart width', () => nb.viz.lineChart([ok], { width: 0 }), 'lineChart: width must be a finite number > 0, got 0'],
    ['lineChart height', () => nb.viz.lineChart([ok], u({ height: '300' })), 'lineChart: height must be a finite number > 0, got string "300"'],
    ['lineChart logY', () => nb.viz.lineChart([ok], u({ logY: 1 })), 'lineChart: logY must be true or false, got 1'],
    ['lineChart yMin', () => nb.viz.lineChart([ok], u({ yMin: null })), 'lineChart: yMin must be a finite number, got null'],
    ['lineChart yMin logY', () => nb.viz.lineChart([ok], { logY: true, yMin: 0 }), 'lineChart: yMin must be a finite number > 0, got 0'],
    ['lineChart yMax below yMin', () => nb.viz.lineChart([ok], { yMin: 1, yMax: 0 }), 'lineChart: yMax (0) must exceed yMin (1)'],
    ['historyChart null', () => nb.viz.historyChart(u(null)), 'historyChart: history must be a fit history ({ epochs: [...] }), got null'],
    ['historyChart epochs', () => nb.viz.historyChart(u({ epochs: null })), 'historyChart: history.epochs must be an array, got null'],
    ['historyChart epoch', () => nb.viz.historyChart(u({ epochs: [3] })), 'historyChart: history.epochs[0] must be an object of numbers by name, got 3'],
    ['historyChart loss', () => nb.viz.historyChart(u({ epochs: [{ loss: '1' }] })), 'historyChart: history.epochs[0].loss must be a number, got string "1"'],
    ['historyChart options', () => nb.viz.historyChart({ epochs: [] }, u({ height: 3 })), "historyChart: unknown option 'height' in options; known options: title, width"],
    ['historyChart width', () => nb.viz.historyChart({ epochs: [] }, { width: -1 }), 'historyChart: width must be a finite number > 0, got -1'],
    ['niceTicks lo', () => nb.viz.niceTicks(u('0'), 1), 'niceTicks: lo must be a finite number, got string "0"'],
    ['niceTicks hi', () => nb.viz.niceTicks(0, NaN), 'niceTicks: hi must be a finite number, got NaN'],
    ['niceTicks count', () => nb.viz.niceTicks(0, 1, 1e10), 'niceTicks: count must be an integer ≥ 1 and ≤ 1000, got 10000000000'],
    ['escapeXml', () => nb.viz.escapeXml(u(null)), 'escapeXml: s must be a string, got null'],
  ];
  it.each(cases)('%s', (_name, fn, expected) => expectPlainError(fn, expected));

  it('niceTicks ends when the step is below the values’ precision', () => {
    const lo = 1e20;
    const ticks = nb.viz.niceTicks(lo, lo + 16384, 5);
    expect(ticks.length).toBeLessThanOrEqual(12);
  });
});
