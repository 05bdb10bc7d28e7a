/**
 * Heat maps of any matrix (attention weights, correlations) and a 2-D picture of embedding vectors
 * (PCA), as standalone SVG strings.
 */
import type { Tensor } from '../tensor/tensor.js';
import { checkArray, checkBoolean, checkInt, checkOptions, checkString, fail, optNumber } from '../validate.js';
import { drawAxes, escapeXml, fix2, PALETTE, readMatrix, shade, svgOpen } from './svg.js';
import { pca } from './pca.js';

/** Options of `heatmap`. */
export interface HeatmapOptions {
  /** One label per row (default 0, 1, …). */
  rowLabels?: readonly string[];
  /** One label per column (default 0, 1, …). */
  colLabels?: readonly string[];
  title?: string;
  /** What the columns are (written above them), e.g. 'input'. */
  xLabel?: string;
  /** What the rows are (written beside them), e.g. 'output'. */
  yLabel?: string;
  /** Side of a cell in pixels (default 36, or 18 beyond 20 rows or columns). */
  cellSize?: number;
  /** The value shaded white (default: the smallest value, or 0 when all are ≥ 0). */
  min?: number;
  /** The value shaded darkest (default: the largest value). */
  max?: number;
  /** Write each value in its cell (default: when cells are at least 28 pixels). */
  showValues?: boolean;
  /** Decimals of the values written (default 2). */
  decimals?: number;
}

function labelsFor(op: string, arg: string, v: unknown, n: number): string[] {
  if (v === undefined) return Array.from({ length: n }, (_, i) => String(i));
  const ls = checkArray(op, arg, v);
  if (ls.length !== n || !ls.every((l) => typeof l === 'string')) fail(op, arg, `an array of ${n} strings`, v);
  return ls as string[];
}

/**
 * A matrix [R, C] as an SVG heat map: one shaded cell per value (white at `min`, blue at `max`),
 * row labels on the left, column labels above (rotated), e.g. an attention matrix with the
 * output steps as rows and the input steps as columns. `matrix`: arrays of rows, or a Tensor
 * [R, C] on a backend that reads synchronously (cpu, wasm).
 */
export function heatmap(matrix: readonly (readonly number[])[] | Tensor, opts: HeatmapOptions = {}): string {
  const op = 'heatmap';
  const m = readMatrix(op, 'matrix', matrix, { ok: Number.isFinite, what: 'a matrix [R, C] of finite numbers with R, C ≥ 1' });
  const o = checkOptions(op, opts, ['rowLabels', 'colLabels', 'title', 'xLabel', 'yLabel', 'cellSize', 'min', 'max', 'showValues', 'decimals']);
  const R = m.length;
  const C = m[0]!.length;
  const rows = labelsFor(op, 'rowLabels', o.rowLabels, R);
  const cols = labelsFor(op, 'colLabels', o.colLabels, C);
  for (const k of ['title', 'xLabel', 'yLabel'] as const) if (o[k] !== undefined) checkString(op, k, o[k]);
  const cell = optNumber(op, 'cellSize', o.cellSize, Math.max(R, C) > 20 ? 18 : 36, { above: 0 });
  let lo = Infinity;
  let hi = -Infinity;
  for (const r of m) for (const v of r) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  if (lo >= 0) lo = 0;
  lo = optNumber(op, 'min', o.min, lo);
  hi = optNumber(op, 'max', o.max, hi);
  if (o.min !== undefined && o.max !== undefined && !(hi > lo)) throw new Error(`${op}: max (${hi}) must exceed min (${lo})`);
  const showValues = o.showValues === undefined ? cell >= 28 : checkBoolean(op, 'showValues', o.showValues);
  const decimals = o.decimals === undefined ? 2 : checkInt(op, 'decimals', o.decimals, { min: 0, max: 20 });
  const longest = (ls: string[]): number => Math.min(24, Math.max(0, ...ls.map((l) => l.length)));
  const left = 16 + (o.yLabel ? 20 : 0) + longest(rows) * 7;
  const top = (o.title ? 36 : 8) + (o.xLabel ? 20 : 0) + 8 + longest(cols) * 7;
  const W = left + C * cell + 16;
  const H = top + R * cell + 16;
  const font = Math.max(8, Math.min(13, cell / 3.2));
  const out: string[] = [svgOpen(W, H)];
  if (o.title) out.push(`<text x="${W / 2}" y="22" text-anchor="middle" font-size="15">${escapeXml(o.title)}</text>`);
  if (o.xLabel) out.push(`<text x="${left + (C * cell) / 2}" y="${(o.title ? 36 : 8) + 12}" text-anchor="middle">${escapeXml(o.xLabel)}</text>`);
  if (o.yLabel) out.push(`<text transform="translate(14 ${top + (R * cell) / 2}) rotate(-90)" text-anchor="middle">${escapeXml(o.yLabel)}</text>`);
  for (let i = 0; i < R; i++) {
    for (let j = 0; j < C; j++) {
      const v = m[i]![j]!;
      const share = hi > lo ? (v - lo) / (hi - lo) : 0;
      const x = left + j * cell;
      const y = top + i * cell;
      out.push(`<rect class="cell" x="${x}" y="${y}" width="${cell}" height="${cell}" fill="${shade(share)}" stroke="#ddd"><title>${escapeXml(rows[i]!)}, ${escapeXml(cols[j]!)}: ${v}</title></rect>`);
      if (showValues) out.push(`<text x="${x + cell / 2}" y="${fix2(y + cell / 2 + font / 3)}" text-anchor="middle" font-size="${font.toFixed(1)}" fill="${share > 0.5 ? 'white' : 'black'}">${v.toFixed(decimals)}</text>`);
    }
    out.push(`<text x="${left - 6}" y="${fix2(top + i * cell + cell / 2 + 4)}" text-anchor="end">${escapeXml(rows[i]!)}</text>`);
  }
  for (let j = 0; j < C; j++) out.push(`<text transform="translate(${fix2(left + j * cell + cell / 2 + 4)} ${top - 6}) rotate(-90)" text-anchor="start">${escapeXml(cols[j]!)}</text>`);
  out.push('</svg>');
  return out.join('\n') + '\n';
}

/** Options of `embeddingPlot`. */
export interface EmbeddingPlotOptions {
  title?: string;
  width?: number;
  height?: number;
  /** Draw only these rows (token ids), e.g. the most frequent words; default all. */
  rows?: readonly number[];
  /** The points' colour (default the palette's blue). */
  color?: string;
}

/**
 * Embedding vectors `weights` [V, D] (an embedding's `weight`, or arrays) projected to 2-D by PCA
 * (`nb.viz.pca`) as an SVG scatter plot, each point labelled with `labels[i]` (one per row):
 * vectors that are close sit close. The axes are the first two principal components, with the
 * share of the variance each explains.
 */
export function embeddingPlot(weights: readonly (readonly number[])[] | Tensor, labels: readonly string[], opts: EmbeddingPlotOptions = {}): string {
  const op = 'embeddingPlot';
  const w = readMatrix(op, 'weights', weights, { ok: Number.isFinite, what: 'a matrix [V, D] of finite numbers with V, D ≥ 1' });
  const V = w.length;
  const names = labelsFor(op, 'labels', checkArray(op, 'labels', labels), V);
  const o = checkOptions(op, opts, ['title', 'width', 'height', 'rows', 'color']);
  if (o.title !== undefined) checkString(op, 'title', o.title);
  if (o.color !== undefined) checkString(op, 'color', o.color);
  const W = optNumber(op, 'width', o.width, 640, { above: 0 });
  const H = optNumber(op, 'height', o.height, 480, { above: 0 });
  const ids = o.rows === undefined ? Array.from({ length: V }, (_, i) => i) : checkArray(op, 'rows', o.rows).map((v, i) => checkInt(op, `rows[${i}]`, v, { min: 0, max: V - 1 }));
  if (ids.length === 0) fail(op, 'rows', 'a non-empty array of row indices', o.rows);
  const sel = ids.map((i) => w[i]!);
  const D = sel[0]!.length;
  const p = pca(sel, { components: Math.min(2, D) });
  const pts = p.projection.map((r) => [r[0]!, r[1] ?? 0] as const);
  const pad = (lo: number, hi: number): [number, number] => {
    const d = hi - lo || Math.abs(lo) || 1;
    return [lo - 0.08 * d, hi + 0.08 * d];
  };
  const [xMin, xMax] = pad(Math.min(...pts.map((q) => q[0])), Math.max(...pts.map((q) => q[0])));
  const [yMin, yMax] = pad(Math.min(...pts.map((q) => q[1])), Math.max(...pts.map((q) => q[1])));
  const pct = (k: number): string => (p.explainedVarianceRatio[k] === undefined ? '' : ` (${(100 * p.explainedVarianceRatio[k]).toFixed(1)}% of the variance)`);
  const out: string[] = [svgOpen(W, H)];
  const { sx, sy } = drawAxes(out, {
    width: W, height: H, margin: { top: o.title ? 36 : 16, right: 16, bottom: 48, left: 72 }, xMin, xMax, yMin, yMax,
    title: o.title, xLabel: `PC1${pct(0)}`, yLabel: `PC2${pct(1)}`,
  });
  const color = o.color ?? PALETTE[0]!;
  pts.forEach(([x, y], k) => {
    const name = escapeXml(names[ids[k]!]!);
    out.push(`<circle class="point" cx="${fix2(sx(x))}" cy="${fix2(sy(y))}" r="3" fill="${escapeXml(color)}"><title>${name}</title></circle>`);
    out.push(`<text x="${fix2(sx(x) + 5)}" y="${fix2(sy(y) - 4)}" font-size="11">${name}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}

