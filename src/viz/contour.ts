/**
 * Contour plots as SVG strings: the level lines of a 2-D function f(x, y), traced on a grid by
 * marching squares, with optional polylines drawn over them (an optimizer's trajectory on a loss
 * surface). Pure TypeScript: Node and browser.
 */
import { checkArray, checkBoolean, checkFunction, checkInt, checkNumber, checkOptions, checkString, fail, optInt, optNumber } from '../validate.js';
import { drawAxes, escapeXml, fix2, PALETTE, svgOpen } from './svg.js';

/** A polyline drawn over the contours, e.g. an optimizer's path from its first point to its last. */
export interface ContourPath {
  /** Shown in the legend. */
  name: string;
  /** The points [x, y] in order. Non-finite points are skipped. */
  points: readonly (readonly [number, number])[];
  /** Any SVG colour (default: from the charts' palette). */
  color?: string;
}

/** Options of `contour`. */
export interface ContourOptions {
  /** The x range [low, high] of the plot. */
  xRange: readonly [number, number];
  /** The y range [low, high] of the plot. */
  yRange: readonly [number, number];
  /** Grid points per side on which f is evaluated (default 80; 2 to 1000). */
  resolution?: number;
  /** How many levels, evenly spaced between f's minimum and maximum on the grid (default 12), or the levels themselves. */
  levels?: number | readonly number[];
  /** Space a level count geometrically (good for valleys such as Rosenbrock's; needs f > 0 somewhere; default false). */
  logLevels?: boolean;
  /** Polylines drawn over the contours (trajectories). */
  paths?: readonly ContourPath[];
  title?: string;
  xLabel?: string;
  yLabel?: string;
  width?: number;
  height?: number;
}

/** A line segment [x1, y1, x2, y2] of a level line, in the grid's coordinates. */
export type Segment = [number, number, number, number];

/**
 * The segments of the level line `f = level` through a grid of values (`values[j][i]` at column i,
 * row j), by marching squares. Coordinates are fractional (column, row) indices; each cell's
 * edge crossings are found by linear interpolation, and the two saddle cases are told apart by
 * the value at the cell's centre. Cells with a non-finite corner are skipped.
 */
export function marchingSquares(values: readonly (readonly number[])[], level: number): Segment[] {
  const rows = values.length;
  const cols = rows > 0 ? values[0]!.length : 0;
  const out: Segment[] = [];
  const t = (a: number, b: number): number => (a === b ? 0.5 : (level - a) / (b - a));
  for (let j = 0; j + 1 < rows; j++) {
    for (let i = 0; i + 1 < cols; i++) {
      // corners: a (i, j), b (i + 1, j), c (i + 1, j + 1), d (i, j + 1)
      const a = values[j]![i]!, b = values[j]![i + 1]!, c = values[j + 1]![i + 1]!, d = values[j + 1]![i]!;
      if (!Number.isFinite(a) || !Number.isFinite(b) || !Number.isFinite(c) || !Number.isFinite(d)) continue;
      const code = (a > level ? 1 : 0) | (b > level ? 2 : 0) | (c > level ? 4 : 0) | (d > level ? 8 : 0);
      if (code === 0 || code === 15) continue;
      // crossings on the edges: top (a–b), right (b–c), bottom (d–c), left (a–d)
      const top: [number, number] = [i + t(a, b), j];
      const right: [number, number] = [i + 1, j + t(b, c)];
      const bottom: [number, number] = [i + t(d, c), j + 1];
      const left: [number, number] = [i, j + t(a, d)];
      const seg = (p: [number, number], q: [number, number]): void => {
        out.push([p[0], p[1], q[0], q[1]]);
      };
      switch (code) {
        case 1: case 14: seg(left, top); break;
        case 2: case 13: seg(top, right); break;
        case 3: case 12: seg(left, right); break;
        case 4: case 11: seg(right, bottom); break;
        case 6: case 9: seg(top, bottom); break;
        case 7: case 8: seg(left, bottom); break;
        case 5: case 10: {
          // a saddle: a and c on one side, b and d on the other; the centre decides how they join
          const centreAbove = (a + b + c + d) / 4 > level;
          const acAbove = code === 5;
          if (centreAbove === acAbove) { seg(left, bottom); seg(top, right); } else { seg(left, top); seg(right, bottom); }
          break;
        }
      }
    }
  }
  return out;
}

function checkRange(op: string, arg: string, v: unknown): [number, number] {
  const r = checkArray(op, arg, v);
  if (r.length !== 2) fail(op, arg, 'a pair [low, high]', v);
  const lo = checkNumber(op, `${arg}[0]`, r[0]);
  const hi = checkNumber(op, `${arg}[1]`, r[1]);
  if (!(hi > lo)) throw new Error(`${op}: ${arg} must have high > low, got [${lo}, ${hi}]`);
  return [lo, hi];
}

function checkPath(op: string, arg: string, v: unknown): ContourPath {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) fail(op, arg, 'a path { name, points }', v);
  const p = checkOptions(op, v as ContourPath, ['name', 'points', 'color'], arg);
  checkString(op, `${arg}.name`, p.name);
  checkArray(op, `${arg}.points`, p.points).forEach((pt, i) => {
    if (!Array.isArray(pt) || pt.length !== 2 || typeof pt[0] !== 'number' || typeof pt[1] !== 'number') fail(op, `${arg}.points[${i}]`, 'a point [x, y] of two numbers', pt);
  });
  if (p.color !== undefined) checkString(op, `${arg}.color`, p.color);
  return p;
}

/** A level line's colour: light grey-blue at the lowest level to dark blue at the highest. */
function levelColor(share: number): string {
  const t = Math.min(1, Math.max(0, share));
  const mix = (a: number, b: number): number => Math.round(a + (b - a) * t);
  return `rgb(${mix(170, 20)},${mix(200, 60)},${mix(225, 120)})`;
}

/**
 * The contour lines of `f(x, y)` over `xRange` × `yRange` as a standalone SVG document, with
 * `paths` (optimizer trajectories) drawn on top: each path's first point as an open circle, its
 * last as a filled one, and a legend. f is evaluated on a `resolution` × `resolution` grid;
 * non-finite values leave gaps.
 *
 * ```ts
 * const svg = nb.viz.contour((x, y) => x * x + 10 * y * y, { xRange: [-2, 2], yRange: [-1, 1], paths: [{ name: 'sgd', points: [[-2, 1], [-1, -0.5], [0, 0]] }] });
 * ```
 */
export function contour(f: (x: number, y: number) => number, opts: ContourOptions): string {
  const op = 'contour';
  checkFunction(op, 'f', f);
  if (opts === undefined) throw new Error(`${op}: options must be given, with xRange and yRange`);
  const o = checkOptions(op, opts, ['xRange', 'yRange', 'resolution', 'levels', 'logLevels', 'paths', 'title', 'xLabel', 'yLabel', 'width', 'height']);
  const [x0, x1] = checkRange(op, 'xRange', o.xRange);
  const [y0, y1] = checkRange(op, 'yRange', o.yRange);
  const n = optInt(op, 'resolution', o.resolution, 80, { min: 2, max: 1000 });
  const logLevels = o.logLevels === undefined ? false : checkBoolean(op, 'logLevels', o.logLevels);
  let levelList: number[] | undefined;
  let levelCount = 12;
  if (Array.isArray(o.levels)) levelList = o.levels.map((v, i) => checkNumber(op, `levels[${i}]`, v));
  else if (o.levels !== undefined) levelCount = checkInt(op, 'levels', o.levels, { min: 1, max: 200 });
  const paths = o.paths === undefined ? [] : checkArray(op, 'paths', o.paths).map((p, i) => checkPath(op, `paths[${i}]`, p));
  for (const k of ['title', 'xLabel', 'yLabel'] as const) if (o[k] !== undefined) checkString(op, k, o[k]);
  const W = optNumber(op, 'width', o.width, 480, { above: 0, max: 10000 });
  const H = optNumber(op, 'height', o.height, 400, { above: 0, max: 10000 });

  // f on the grid (row j: y from y0 up to y1; column i: x from x0 to x1)
  const gx = (i: number): number => x0 + ((x1 - x0) * i) / (n - 1);
  const gy = (j: number): number => y0 + ((y1 - y0) * j) / (n - 1);
  const grid: number[][] = [];
  let lo = Infinity, hi = -Infinity, loPos = Infinity;
  for (let j = 0; j < n; j++) {
    const row: number[] = [];
    for (let i = 0; i < n; i++) {
      const v = f(gx(i), gy(j));
      if (typeof v !== 'number') throw new Error(`${op}: f must return a number, got ${typeof v} at (${gx(i)}, ${gy(j)})`);
      row.push(v);
      if (Number.isFinite(v)) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
        if (v > 0) loPos = Math.min(loPos, v);
      }
    }
    grid.push(row);
  }
  if (!levelList) {
    levelList = [];
    if (Number.isFinite(lo) && hi > lo) {
      if (logLevels && Number.isFinite(loPos) && hi > loPos) {
        const [a, b] = [Math.log(loPos), Math.log(hi)];
        for (let k = 1; k <= levelCount; k++) levelList.push(Math.exp(a + ((b - a) * k) / (levelCount + 1)));
      } else {
        for (let k = 1; k <= levelCount; k++) levelList.push(lo + ((hi - lo) * k) / (levelCount + 1));
      }
    }
  }

  const m = { top: o.title ? 36 : 16, right: 16, bottom: o.xLabel ? 48 : 32, left: o.yLabel ? 64 : 52 };
  const out: string[] = [svgOpen(W, H)];
  const { sx, sy } = drawAxes(out, { width: W, height: H, margin: m, xMin: x0, xMax: x1, yMin: y0, yMax: y1, title: o.title, xLabel: o.xLabel, yLabel: o.yLabel });
  const r = fix2;
  const px = (i: number): string => r(sx(x0 + ((x1 - x0) * i) / (n - 1)));
  const py = (j: number): string => r(sy(y0 + ((y1 - y0) * j) / (n - 1)));
  const sorted = [...levelList].sort((a, b) => a - b);
  sorted.forEach((level, k) => {
    const segs = marchingSquares(grid, level);
    if (segs.length === 0) return;
    const d = segs.map(([a, b, c, e]) => `M${px(a)},${py(b)}L${px(c)},${py(e)}`).join('');
    const share = sorted.length > 1 ? k / (sorted.length - 1) : 0.5;
    out.push(`<path class="level" d="${d}" fill="none" stroke="${levelColor(share)}" stroke-width="1"><title>f = ${Number(level.toPrecision(4))}</title></path>`);
  });
  // trajectories, clipped to the plot
  const clipId = 'contour-plot-area';
  const pw = W - m.left - m.right, ph = H - m.top - m.bottom;
  out.push(`<clipPath id="${clipId}"><rect x="${m.left}" y="${m.top}" width="${pw}" height="${ph}"/></clipPath>`);
  paths.forEach((p, k) => {
    const color = p.color ?? PALETTE[k % PALETTE.length]!;
    const pts = p.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
    if (pts.length === 0) return;
    const d = pts.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${r(sx(x))},${r(sy(y))}`).join(' ');
    out.push(`<g clip-path="url(#${clipId})"><path class="path" d="${d}" fill="none" stroke="${color}" stroke-width="1.8"><title>${escapeXml(p.name)}</title></path>`);
    const [fx, fy] = pts[0]!, [lx, ly] = pts[pts.length - 1]!;
    out.push(`<circle cx="${r(sx(fx))}" cy="${r(sy(fy))}" r="4" fill="white" stroke="${color}" stroke-width="1.5"/><circle cx="${r(sx(lx))}" cy="${r(sy(ly))}" r="3.5" fill="${color}"/></g>`);
  });
  if (paths.length) {
    const legendW = 40 + 7 * Math.max(0, ...paths.map((p) => p.name.length));
    const legendH = 16 * paths.length + 6;
    out.push(`<rect x="${m.left + pw - legendW - 6}" y="${m.top + 4}" width="${legendW}" height="${legendH}" fill="white" fill-opacity="0.85" stroke="#ccc"/>`);
    paths.forEach((p, k) => {
      const color = p.color ?? PALETTE[k % PALETTE.length]!;
      const y = m.top + 19 + 16 * k;
      const x = m.left + pw - legendW;
      out.push(`<line x1="${x}" x2="${x + 22}" y1="${y - 4}" y2="${y - 4}" stroke="${color}" stroke-width="2"/>`);
      out.push(`<text x="${x + 28}" y="${y}">${escapeXml(p.name)}</text>`);
    });
  }
  out.push('</svg>');
  return out.join('\n') + '\n';
}
