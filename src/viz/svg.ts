/**
 * Building blocks the SVG charts share: the document header, a plot's axes and scales, heat-map
 * shading, tick labels, and reading a matrix argument (arrays or a Tensor).
 */
import { checkArray, checkInt, checkNumber, checkString, fail } from '../validate.js';
import { Tensor } from '../tensor/tensor.js';

/** The colour-blind-safe palette of the charts' series. */
export const PALETTE = ['#0072b2', '#d55e00', '#009e73', '#cc79a7', '#e69f00', '#56b4e9', '#f0e442', '#000000'];

/** `s` with XML's special characters escaped (for text and attributes in SVG). */
export function escapeXml(s: string): string {
  checkString('escapeXml', 's', s);
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** "Nice" tick values covering [lo, hi] (about `count` of them). */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  checkNumber('niceTicks', 'lo', lo);
  checkNumber('niceTicks', 'hi', hi);
  checkInt('niceTicks', 'count', count, { min: 1, max: 1000 });
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9 && out.length <= 2 * count + 2; v += step) {
    out.push(Number(v.toPrecision(12)));
    if (v + step === v) break; // a step below the values' precision
  }
  return out;
}

/** A tick label: short decimals, exponents for very large and small values. */
export function fmtTick(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e4 || a < 1e-3) return v.toExponential(1);
  return String(Number(v.toPrecision(4)));
}

/** A number with two decimals, for SVG coordinates. */
export function fix2(v: number): string {
  return v.toFixed(2);
}

/** The opening tag and white background of a standalone SVG document W × H. */
export function svgOpen(W: number, H: number): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">\n<rect width="${W}" height="${H}" fill="white"/>`;
}

/** The plot area of a chart: its size, margins, data ranges and what to write around it. */
export interface AxesSpec {
  width: number;
  height: number;
  margin: { top: number; right: number; bottom: number; left: number };
  xMin: number;
  xMax: number;
  yMin: number;
  yMax: number;
  /** y tick positions (default: nice ticks of the range). */
  yTicks?: readonly number[] | undefined;
  /** How a y tick is written (default: fmtTick). */
  yTickLabel?: (v: number) => string;
  title?: string | undefined;
  xLabel?: string | undefined;
  yLabel?: string | undefined;
}

/**
 * Draws a chart's title, grid, ticks, frame and axis labels into `out`; returns the scales from
 * data to SVG coordinates.
 */
export function drawAxes(out: string[], a: AxesSpec): { sx: (x: number) => number; sy: (y: number) => number } {
  const m = a.margin;
  const pw = a.width - m.left - m.right;
  const ph = a.height - m.top - m.bottom;
  const sx = (x: number): number => m.left + ((x - a.xMin) / (a.xMax - a.xMin)) * pw;
  const sy = (y: number): number => m.top + ph - ((y - a.yMin) / (a.yMax - a.yMin)) * ph;
  const r = fix2;
  if (a.title) out.push(`<text x="${a.width / 2}" y="22" text-anchor="middle" font-size="15">${escapeXml(a.title)}</text>`);
  const label = a.yTickLabel ?? fmtTick;
  for (const t of a.yTicks ?? niceTicks(a.yMin, a.yMax)) {
    const y = sy(t);
    out.push(`<line x1="${m.left}" x2="${m.left + pw}" y1="${r(y)}" y2="${r(y)}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${m.left - 6}" y="${r(y + 4)}" text-anchor="end" fill="#444">${label(t)}</text>`);
  }
  for (const t of niceTicks(a.xMin, a.xMax, 6)) {
    const x = sx(t);
    out.push(`<line x1="${r(x)}" x2="${r(x)}" y1="${m.top + ph}" y2="${m.top + ph + 4}" stroke="#444"/>`);
    out.push(`<text x="${r(x)}" y="${m.top + ph + 17}" text-anchor="middle" fill="#444">${fmtTick(t)}</text>`);
  }
  out.push(`<rect x="${m.left}" y="${m.top}" width="${pw}" height="${ph}" fill="none" stroke="#444"/>`);
  if (a.xLabel) out.push(`<text x="${m.left + pw / 2}" y="${a.height - 10}" text-anchor="middle">${escapeXml(a.xLabel)}</text>`);
  if (a.yLabel) out.push(`<text transform="translate(16 ${m.top + ph / 2}) rotate(-90)" text-anchor="middle">${escapeXml(a.yLabel)}</text>`);
  return { sx, sy };
}

/** A heat-map fill for `share` in [0, 1]: white to the palette's blue. */
export function shade(share: number): string {
  const t = Math.min(1, Math.max(0, share));
  const mix = (a: number, b: number): number => Math.round(a + (b - a) * t);
  return `rgb(${mix(255, 0)},${mix(255, 114)},${mix(255, 178)})`;
}

/**
 * A matrix argument as rows of numbers: arrays of rows, or a Tensor [R, C] on a backend that
 * reads synchronously (cpu, wasm). Throws (naming `op` and `arg`) unless it is a non-empty
 * rectangular matrix (square when asked) whose values pass `ok`; `what` describes a good one.
 */
export function readMatrix(op: string, arg: string, matrix: unknown, o: { square?: boolean; ok: (v: number) => boolean; what: string }): number[][] {
  let rows: readonly unknown[];
  if (matrix instanceof Tensor) {
    if (matrix.isDisposed) matrix.assertAlive(`${op}: ${arg}`);
    const [r, c] = matrix.shape as [number, number];
    if (matrix.rank !== 2 || r === 0 || c === 0 || (o.square && r !== c)) fail(op, arg, o.square ? 'a square matrix [C, C] with C ≥ 1' : 'a matrix [R, C] with R, C ≥ 1', matrix);
    if (!matrix.backend.downloadSync) throw new Error(`${op}: backend '${matrix.backend.name}' reads asynchronously; pass await ${arg}.array()`);
    rows = matrix.arraySync() as number[][];
  } else {
    rows = checkArray(op, arg, matrix);
  }
  const n = rows.length;
  const first = rows[0];
  const c = Array.isArray(first) ? first.length : 0;
  const good = n > 0 && c > 0 && rows.every((r) => Array.isArray(r) && r.length === (o.square ? n : c) && r.every((v) => typeof v === 'number' && o.ok(v)));
  if (!good) fail(op, arg, o.what, matrix);
  return rows as number[][];
}
