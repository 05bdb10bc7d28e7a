/**
 * SVG line charts as plain strings (no DOM, no dependencies): loss and accuracy curves,
 * per-layer gradient norms. Works in Node and in the browser.
 */

export interface Series {
  /** Shown in the legend. */
  name: string;
  /** y values; x is the index (or `x` when given). Non-finite values break the line. */
  values: readonly number[];
  /** x values (default 1, 2, 3, …). */
  x?: readonly number[];
  /** Any SVG colour (default: from a colour-blind-safe palette). */
  color?: string;
  /** Draw dashed. */
  dashed?: boolean;
}

export interface ChartOptions {
  title?: string;
  xLabel?: string;
  yLabel?: string;
  width?: number;
  height?: number;
  /** Logarithmic y axis (values ≤ 0 are skipped). */
  logY?: boolean;
  /** Fixed y range; default: the data's range. */
  yMin?: number;
  yMax?: number;
}

import { checkArray, checkBoolean, checkNumber, checkOptions, checkString, fail, optNumber } from '../validate.js';
import { Tensor } from '../tensor/tensor.js';
import { drawAxes, escapeXml, fix2, fmtTick, PALETTE, readMatrix, shade, svgOpen } from './svg.js';

export { escapeXml, niceTicks } from './svg.js';

const SERIES_KEYS = ['name', 'values', 'x', 'color', 'dashed'];
const CHART_KEYS = ['title', 'xLabel', 'yLabel', 'width', 'height', 'logY', 'yMin', 'yMax'];

/** Checks one series: a name, numbers (NaN/±Infinity allowed: they break the line), optional x, color, dashed. */
function checkSeries(op: string, arg: string, v: unknown): void {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) fail(op, arg, 'a series { name, values }', v);
  const s = checkOptions(op, v as Series, SERIES_KEYS, arg);
  checkString(op, `${arg}.name`, s.name);
  checkArray(op, `${arg}.values`, s.values).forEach((y, i) => {
    if (typeof y !== 'number') fail(op, `${arg}.values[${i}]`, 'a number', y);
  });
  if (s.x !== undefined) {
    const xs = checkArray(op, `${arg}.x`, s.x);
    if (xs.length !== s.values.length) throw new Error(`${op}: ${arg}.x has ${xs.length} values but ${arg}.values has ${s.values.length}`);
    xs.forEach((x, i) => checkNumber(op, `${arg}.x[${i}]`, x));
  }
  if (s.color !== undefined) checkString(op, `${arg}.color`, s.color);
  if (s.dashed !== undefined) checkBoolean(op, `${arg}.dashed`, s.dashed);
}

/** Checks chart options (`known`: the keys the function takes). */
function checkChartOptions(op: string, opts: ChartOptions | undefined, known: readonly string[]): ChartOptions {
  const o = checkOptions(op, opts, known);
  for (const k of ['title', 'xLabel', 'yLabel'] as const) if (o[k] !== undefined) checkString(op, k, o[k]);
  optNumber(op, 'width', o.width, 1, { above: 0 });
  optNumber(op, 'height', o.height, 1, { above: 0 });
  if (o.logY !== undefined) checkBoolean(op, 'logY', o.logY);
  const positive = o.logY ? { above: 0 } : {};
  optNumber(op, 'yMin', o.yMin, 1, positive);
  optNumber(op, 'yMax', o.yMax, 2, positive);
  if (o.yMin !== undefined && o.yMax !== undefined && !(o.yMax > o.yMin)) throw new Error(`${op}: yMax (${o.yMax}) must exceed yMin (${o.yMin})`);
  return o;
}

/** A line chart of one or more series, as a standalone SVG document. */
export function lineChart(series: readonly Series[], opts: ChartOptions = {}): string {
  checkArray('lineChart', 'series', series).forEach((s, i) => checkSeries('lineChart', `series[${i}]`, s));
  opts = checkChartOptions('lineChart', opts, CHART_KEYS);
  const W = opts.width ?? 640;
  const H = opts.height ?? 360;
  const m = { top: opts.title ? 36 : 16, right: 16, bottom: opts.xLabel ? 48 : 32, left: opts.yLabel ? 72 : 56 };
  const pw = W - m.left - m.right;
  const ph = H - m.top - m.bottom;
  const ty = (v: number): number => (opts.logY ? Math.log10(v) : v);
  const usable = (v: number): boolean => Number.isFinite(v) && (!opts.logY || v > 0);

  let xMin = Infinity, xMax = -Infinity, yMin = Infinity, yMax = -Infinity;
  for (const s of series) {
    s.values.forEach((v, i) => {
      if (!usable(v)) return;
      const x = s.x?.[i] ?? i + 1;
      xMin = Math.min(xMin, x);
      xMax = Math.max(xMax, x);
      yMin = Math.min(yMin, ty(v));
      yMax = Math.max(yMax, ty(v));
    });
  }
  if (opts.yMin !== undefined) yMin = ty(opts.yMin);
  if (opts.yMax !== undefined) yMax = ty(opts.yMax);
  if (!Number.isFinite(xMin)) { xMin = 0; xMax = 1; yMin = 0; yMax = 1; }
  if (xMax === xMin) { xMin -= 0.5; xMax += 0.5; }
  if (yMax === yMin) { const d = Math.abs(yMin) * 0.1 || 1; yMin -= d; yMax += d; }
  const r = fix2;
  const out: string[] = [svgOpen(W, H)];
  let yTicks: number[] | undefined;
  if (opts.logY) {
    // ticks at whole powers of ten when the range spans at least two of them
    const decades: number[] = [];
    for (let e = Math.ceil(yMin - 1e-9); e <= yMax + 1e-9; e++) decades.push(e);
    if (decades.length >= 2) yTicks = decades;
  }
  const { sx, sy } = drawAxes(out, {
    width: W, height: H, margin: m, xMin, xMax, yMin, yMax, yTicks,
    yTickLabel: opts.logY ? (t) => fmtTick(10 ** t) : fmtTick, title: opts.title, xLabel: opts.xLabel, yLabel: opts.yLabel,
  });
  // lines
  series.forEach((s, k) => {
    const color = s.color ?? PALETTE[k % PALETTE.length]!;
    const segs: string[] = [];
    let pen = 'M';
    s.values.forEach((v, i) => {
      if (!usable(v)) { pen = 'M'; return; }
      segs.push(`${pen}${r(sx(s.x?.[i] ?? i + 1))},${r(sy(ty(v)))}`);
      pen = 'L';
    });
    const dash = s.dashed ? ' stroke-dasharray="6 4"' : '';
    out.push(`<path d="${segs.join(' ')}" fill="none" stroke="${color}" stroke-width="2"${dash}><title>${escapeXml(s.name)}</title></path>`);
    if (s.values.filter(usable).length === 1) {
      const i = s.values.findIndex(usable);
      out.push(`<circle cx="${r(sx(s.x?.[i] ?? i + 1))}" cy="${r(sy(ty(s.values[i]!)))}" r="3" fill="${color}"/>`);
    }
  });
  // legend, on a translucent box in the top-right corner
  const legendW = 40 + 7 * Math.max(0, ...series.map((s) => s.name.length));
  const legendH = 16 * series.length + 6;
  // bottom-right instead when the curves end high (accuracies), so the box does not hide them
  const ends = series.map((s) => [...s.values].reverse().find(usable)).filter((v): v is number => v !== undefined);
  const endsHigh = ends.length > 0 && ends.reduce((a, v) => a + (ty(v) - yMin) / (yMax - yMin), 0) / ends.length > 0.6;
  const legendTop = endsHigh ? m.top + ph - legendH - 4 : m.top + 4;
  if (series.length) {
    out.push(`<rect x="${m.left + pw - legendW - 6}" y="${legendTop}" width="${legendW}" height="${legendH}" fill="white" fill-opacity="0.85" stroke="#ccc"/>`);
  }
  series.forEach((s, k) => {
    const color = s.color ?? PALETTE[k % PALETTE.length]!;
    const y = legendTop + 15 + 16 * k;
    const x = m.left + pw - legendW;
    const dash = s.dashed ? ' stroke-dasharray="6 4"' : '';
    out.push(`<line x1="${x}" x2="${x + 22}" y1="${y - 4}" y2="${y - 4}" stroke="${color}" stroke-width="2"${dash}/>`);
    out.push(`<text x="${x + 28}" y="${y}">${escapeXml(s.name)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}

/** The per-epoch records `chartHistory` reads (what `nb.train.fit` returns). */
export interface HistoryLike {
  epochs: readonly Readonly<Record<string, number | undefined>>[];
}

/**
 * Training curves from a history: loss (and val_loss) in one chart, accuracy (and val_accuracy)
 * in a second, stacked into one SVG.
 */
export function historyChart(history: HistoryLike, opts: { title?: string; width?: number } = {}): string {
  if (history === null || typeof history !== 'object' || Array.isArray(history)) fail('historyChart', 'history', 'a fit history ({ epochs: [...] })', history);
  checkArray('historyChart', 'history.epochs', history.epochs).forEach((e, i) => {
    if (e === null || typeof e !== 'object' || Array.isArray(e)) fail('historyChart', `history.epochs[${i}]`, 'an object of numbers by name', e);
    for (const k of ['loss', 'val_loss', 'accuracy', 'val_accuracy']) {
      const v = (e as Record<string, unknown>)[k];
      if (v !== undefined && typeof v !== 'number') fail('historyChart', `history.epochs[${i}].${k}`, 'a number', v);
    }
  });
  opts = checkChartOptions('historyChart', opts, ['title', 'width']);
  const W = opts.width ?? 640;
  const pick = (key: string): number[] => history.epochs.map((e) => e[key] ?? NaN);
  const has = (key: string): boolean => history.epochs.some((e) => Number.isFinite(e[key]));
  const loss: Series[] = [];
  if (has('loss')) loss.push({ name: 'train loss', values: pick('loss') });
  if (has('val_loss')) loss.push({ name: 'validation loss', values: pick('val_loss'), dashed: true });
  const acc: Series[] = [];
  if (has('accuracy')) acc.push({ name: 'train accuracy', values: pick('accuracy') });
  if (has('val_accuracy')) acc.push({ name: 'validation accuracy', values: pick('val_accuracy'), dashed: true });
  const charts = [lineChart(loss, { title: opts.title ? `${opts.title}: loss` : 'loss', xLabel: 'epoch', yLabel: 'loss', width: W, height: 300 })];
  if (acc.length) charts.push(lineChart(acc, { title: opts.title ? `${opts.title}: accuracy` : 'accuracy', xLabel: 'epoch', yLabel: 'accuracy', width: W, height: 300 }));
  const H = 300 * charts.length;
  // stack the charts: each one's content (without its own <svg> element) in a shifted group
  const inner = charts.map((c, i) => `<g transform="translate(0 ${300 * i})">\n${c.replace(/^<svg[^>]*>\n/, '').replace(/<\/svg>\n?$/, '')}</g>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">\n${inner.join('\n')}\n</svg>\n`;
}

/**
 * A confusion matrix as an SVG heat map: rows are targets, columns predictions (as
 * `nb.train.metrics.confusionMatrix` gives them); each cell shows its count and is shaded by its
 * share of its row (the recall of that class on the diagonal). `matrix`: square arrays of
 * counts, or an int32/float Tensor [C, C] on a backend that reads synchronously (cpu, wasm);
 * `labels`: one name per class (default 0, 1, …).
 */
export function confusionMatrixChart(matrix: readonly (readonly number[])[] | Tensor, labels?: readonly string[], opts: { title?: string; cellSize?: number } = {}): string {
  const op = 'confusionMatrixChart';
  const m = readMatrix(op, 'matrix', matrix, { square: true, ok: (v) => Number.isFinite(v) && v >= 0, what: 'a square array of C ≥ 1 rows of C finite counts ≥ 0' });
  const c = m.length;
  let names: string[];
  if (labels === undefined) names = Array.from({ length: c }, (_, i) => String(i));
  else {
    const ls = checkArray(op, 'labels', labels);
    if (ls.length !== c || !ls.every((l) => typeof l === 'string')) fail(op, 'labels', `an array of ${c} strings (one per class)`, labels);
    names = ls as string[];
  }
  const o = checkOptions(op, opts, ['title', 'cellSize']);
  if (o.title !== undefined) checkString(op, 'title', o.title);
  const cell = optNumber(op, 'cellSize', o.cellSize, c > 20 ? 24 : 48, { above: 0 });
  const longest = Math.max(...names.map((n) => n.length));
  const left = 40 + Math.min(longest, 24) * 7;
  const top = (o.title ? 36 : 12) + 24;
  const bottom = 40 + Math.min(longest, 24) * 7;
  const W = left + c * cell + 16;
  const H = top + c * cell + bottom;
  const font = Math.max(8, Math.min(13, cell / 3.5));
  const out: string[] = [svgOpen(W, H)];
  if (o.title) out.push(`<text x="${W / 2}" y="22" text-anchor="middle" font-size="15">${escapeXml(o.title)}</text>`);
  out.push(`<text x="${left + (c * cell) / 2}" y="${top - 8}" text-anchor="middle">predicted</text>`);
  out.push(`<text transform="translate(14 ${top + (c * cell) / 2}) rotate(-90)" text-anchor="middle">target</text>`);
  for (let i = 0; i < c; i++) {
    const row = m[i]!;
    const total = row.reduce((a, v) => a + v, 0);
    for (let j = 0; j < c; j++) {
      const v = row[j]!;
      const share = total > 0 ? v / total : 0;
      const fill = shade(share);
      const x = left + j * cell;
      const y = top + i * cell;
      out.push(`<rect class="cell" x="${x}" y="${y}" width="${cell}" height="${cell}" fill="${fill}" stroke="#ccc"><title>target ${escapeXml(names[i]!)}, predicted ${escapeXml(names[j]!)}: ${v}</title></rect>`);
      out.push(`<text x="${x + cell / 2}" y="${y + cell / 2 + font / 3}" text-anchor="middle" font-size="${font.toFixed(1)}" fill="${share > 0.5 ? 'white' : 'black'}">${v}</text>`);
    }
    out.push(`<text x="${left - 6}" y="${top + i * cell + cell / 2 + 4}" text-anchor="end">${escapeXml(names[i]!)}</text>`);
    out.push(`<text transform="translate(${left + i * cell + cell / 2 + 4} ${top + c * cell + 8}) rotate(-90)" text-anchor="end">${escapeXml(names[i]!)}</text>`);
  }
  out.push('</svg>');
  return out.join('\n');
}
