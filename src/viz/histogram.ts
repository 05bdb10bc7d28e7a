/**
 * Histograms as SVG strings: the distribution of one or more sets of values (weights after L1 or
 * L2 regularization, activations, gradients) counted in shared bins and overlaid.
 */
import { checkArray, checkBoolean, checkInt, checkNumber, checkOptions, checkString, fail, optNumber } from '../validate.js';
import { Tensor } from '../tensor/tensor.js';
import { drawAxes, escapeXml, fix2, fmtTick, PALETTE, svgOpen } from './svg.js';

/** One set of values; a Tensor is read whole (on a backend that reads synchronously: cpu, wasm). */
export interface HistogramSeries {
  name: string;
  values: readonly number[] | Tensor;
  /** Any SVG colour (default: from the palette). */
  color?: string;
}

export interface HistogramOptions {
  /** Number of equal-width bins over [min, max] (default 30). */
  bins?: number;
  /** The binned range (default: the values' range); values outside it are counted in the end bins. */
  min?: number;
  max?: number;
  /** Plot the share of each series' values per bin instead of counts (default false). */
  density?: boolean;
  /** Logarithmic count axis (log10(1 + count)), for spikes such as exact zeros (default false). */
  logY?: boolean;
  title?: string;
  xLabel?: string;
  yLabel?: string;
  width?: number;
  height?: number;
}

/** The counts of a histogram: `edges` has bins + 1 values, `counts[s][b]` the values of series s in bin b. */
export interface HistogramCounts {
  edges: number[];
  counts: number[][];
}

const KEYS = ['bins', 'min', 'max', 'density', 'logY', 'title', 'xLabel', 'yLabel', 'width', 'height'];

function readValues(op: string, arg: string, v: unknown): number[] {
  let xs: readonly unknown[];
  if (v instanceof Tensor) {
    if (v.isDisposed) v.assertAlive(`${op}: ${arg}`);
    if (!v.backend.downloadSync) throw new Error(`${op}: backend '${v.backend.name}' reads asynchronously; pass await ${arg}.data()`);
    xs = Array.from(v.dataSync() as ArrayLike<number>, Number);
  } else xs = checkArray(op, arg, v);
  const out: number[] = [];
  xs.forEach((x, i) => {
    if (typeof x !== 'number' || Number.isNaN(x)) fail(op, `${arg}[${i}]`, 'a number (not NaN)', x);
    if (Number.isFinite(x)) out.push(x);
  });
  return out;
}

function checkHistogramArgs(op: string, series: unknown, opts: HistogramOptions | undefined): { data: { s: HistogramSeries; v: number[] }[]; o: HistogramOptions } {
  const list = checkArray(op, 'series', series);
  if (list.length === 0) fail(op, 'series', 'a non-empty array of { name, values }', series);
  const data = list.map((s, i) => {
    if (s === null || typeof s !== 'object' || Array.isArray(s)) fail(op, `series[${i}]`, 'a series { name, values }', s);
    const ss = checkOptions(op, s as HistogramSeries, ['name', 'values', 'color'], `series[${i}]`);
    checkString(op, `series[${i}].name`, ss.name);
    if (ss.color !== undefined) checkString(op, `series[${i}].color`, ss.color);
    return { s: ss, v: readValues(op, `series[${i}].values`, ss.values) };
  });
  const o = checkOptions(op, opts, KEYS);
  if (o.bins !== undefined) checkInt(op, 'bins', o.bins, { min: 1, max: 10000 });
  if (o.min !== undefined) checkNumber(op, 'min', o.min);
  if (o.max !== undefined) checkNumber(op, 'max', o.max);
  if (o.min !== undefined && o.max !== undefined && !(o.max > o.min)) throw new Error(`${op}: max (${o.max}) must exceed min (${o.min})`);
  for (const k of ['density', 'logY'] as const) if (o[k] !== undefined) checkBoolean(op, k, o[k]);
  for (const k of ['title', 'xLabel', 'yLabel'] as const) if (o[k] !== undefined) checkString(op, k, o[k]);
  optNumber(op, 'width', o.width, 1, { above: 0 });
  optNumber(op, 'height', o.height, 1, { above: 0 });
  return { data, o };
}

function count(data: readonly number[][], o: HistogramOptions): HistogramCounts {
  const bins = o.bins ?? 30;
  let lo = o.min ?? Infinity;
  let hi = o.max ?? -Infinity;
  if (o.min === undefined) for (const v of data) for (const x of v) lo = Math.min(lo, x);
  if (o.max === undefined) for (const v of data) for (const x of v) hi = Math.max(hi, x);
  if (!Number.isFinite(lo) && !Number.isFinite(hi)) { lo = 0; hi = 1; }
  else if (!Number.isFinite(lo)) lo = hi - 1;
  else if (!Number.isFinite(hi)) hi = lo + 1;
  if (!(hi > lo)) { const d = Math.abs(lo) * 0.1 || 0.5; lo -= d; hi += d; }
  const width = (hi - lo) / bins;
  const edges = Array.from({ length: bins + 1 }, (_, i) => (i === bins ? hi : lo + i * width));
  const counts = data.map((v) => {
    const c = new Array<number>(bins).fill(0);
    for (const x of v) c[Math.min(bins - 1, Math.max(0, Math.floor((x - lo) / width)))]! += 1;
    return c;
  });
  return { edges, counts };
}

/**
 * Counts values into equal-width bins shared by all series (what `histogram` draws). Infinite
 * values are skipped; values outside an explicit [min, max] go to the end bins.
 */
export function histogramCounts(series: readonly HistogramSeries[], opts: Pick<HistogramOptions, 'bins' | 'min' | 'max'> = {}): HistogramCounts {
  checkOptions('histogramCounts', opts, ['bins', 'min', 'max']);
  const { data, o } = checkHistogramArgs('histogramCounts', series, opts);
  return count(data.map((d) => d.v), o);
}

/**
 * A histogram of one or more series as a standalone SVG document: shared bins, each series drawn
 * as translucent bars (overlaid) with a legend. `density` plots shares instead of counts; `logY`
 * a log10(1 + count) axis.
 */
export function histogram(series: readonly HistogramSeries[], opts: HistogramOptions = {}): string {
  const op = 'histogram';
  const { data, o } = checkHistogramArgs(op, series, opts);
  const { edges, counts } = count(data.map((d) => d.v), o);
  const heights = counts.map((c, s) => {
    const total = data[s]!.v.length;
    return c.map((n) => {
      const y = o.density ? (total ? n / total : 0) : n;
      return o.logY ? Math.log10(1 + y) : y;
    });
  });
  const W = o.width ?? 640;
  const H = o.height ?? 360;
  const m = { top: o.title ? 36 : 16, right: 16, bottom: o.xLabel ? 48 : 32, left: 72 };
  const xMin = edges[0]!;
  const xMax = edges[edges.length - 1]!;
  const yMax = Math.max(...heights.flat(), 0) || 1;
  const out: string[] = [svgOpen(W, H)];
  const ylab = o.yLabel ?? (o.density ? 'share' : 'count');
  // log axis: ticks at counts 0, 1, 10, 100, … (shares 0, 0.001, 0.01, …), at log10(1 + value)
  let yTicks: number[] | undefined;
  if (o.logY) {
    yTicks = [0];
    const top = 10 ** yMax - 1;
    for (let k = o.density ? -4 : 0; 10 ** k <= top * 1.0001; k++) yTicks.push(Math.log10(1 + 10 ** k));
    if (yTicks.length > 7) yTicks = [0, ...yTicks.slice(-6)];
  }
  const { sx, sy } = drawAxes(out, {
    width: W, height: H, margin: m, xMin, xMax, yMin: 0, yMax: yMax * 1.05, yTicks,
    yTickLabel: o.logY ? (t) => fmtTick(Number((10 ** t - 1).toPrecision(6))) : fmtTick,
    title: o.title, xLabel: o.xLabel, yLabel: o.logY ? `${ylab} (log scale)` : ylab,
  });
  const opacity = series.length > 1 ? 0.55 : 0.85;
  data.forEach(({ s }, k) => {
    const color = s.color ?? PALETTE[k % PALETTE.length]!;
    heights[k]!.forEach((h, b) => {
      if (h <= 0) return;
      const x0 = sx(edges[b]!);
      const x1 = sx(edges[b + 1]!);
      const y = sy(h);
      const n = counts[k]![b]!;
      out.push(`<rect class="bar" x="${fix2(x0)}" y="${fix2(y)}" width="${fix2(Math.max(0.5, x1 - x0 - 0.5))}" height="${fix2(sy(0) - y)}" fill="${escapeXml(color)}" fill-opacity="${opacity}"><title>${escapeXml(s.name)}: ${n} in [${fmtTick(edges[b]!)}, ${fmtTick(edges[b + 1]!)})</title></rect>`);
    });
  });
  const legendW = 40 + 7 * Math.max(...data.map(({ s }) => s.name.length));
  const legendH = 16 * data.length + 6;
  const lx = W - m.right - legendW - 6;
  out.push(`<rect x="${lx}" y="${m.top + 4}" width="${legendW}" height="${legendH}" fill="white" fill-opacity="0.85" stroke="#ccc"/>`);
  data.forEach(({ s }, k) => {
    const color = s.color ?? PALETTE[k % PALETTE.length]!;
    const y = m.top + 19 + 16 * k;
    out.push(`<rect x="${lx + 6}" y="${y - 10}" width="22" height="10" fill="${escapeXml(color)}" fill-opacity="${opacity}"/>`);
    out.push(`<text x="${lx + 34}" y="${y}">${escapeXml(s.name)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
