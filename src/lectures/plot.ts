/**
 * Small pictures the lecture chapters share, as SVG strings: a 2-D classifier's decision regions
 * with data points and lines, and several figures laid out as panels of one figure.
 */
import { escapeXml } from '../viz/index.js';

export interface RegionPoint {
  x: number;
  y: number;
  /** Class: positive (> 0) or not. */
  positive: boolean;
}

/** A line w₁x + w₂y + b = 0 drawn over the plot. */
export interface RegionLine {
  w1: number;
  w2: number;
  b: number;
  color?: string;
  width?: number;
  opacity?: number;
  dashed?: boolean;
}

export interface RegionMapOptions {
  /** The classifier: one output per point, > 0 is the positive class. */
  predict: (points: number[][]) => number[];
  xRange?: readonly [number, number];
  yRange?: readonly [number, number];
  /** Cells per side (default 48). */
  resolution?: number;
  points?: readonly RegionPoint[];
  lines?: readonly RegionLine[];
  title?: string;
  /** Side of the square plot in pixels (default 280). */
  size?: number;
}

const POS = '#0072b2';
const NEG = '#d55e00';

/** A decision-region picture: cells shaded by the class `predict` gives, points and lines on top. */
export function regionMap(o: RegionMapOptions): string {
  const [x0, x1] = o.xRange ?? [-1, 1];
  const [y0, y1] = o.yRange ?? [-1, 1];
  const n = o.resolution ?? 48;
  const size = o.size ?? 280;
  const top = o.title ? 28 : 6;
  const left = 6;
  const W = size + 2 * left;
  const H = size + top + 6;
  const cell = size / n;
  const grid: number[][] = [];
  for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) grid.push([x0 + ((c + 0.5) / n) * (x1 - x0), y1 - ((r + 0.5) / n) * (y1 - y0)]);
  const out = o.predict(grid);
  const sx = (x: number): number => left + ((x - x0) / (x1 - x0)) * size;
  const sy = (y: number): number => top + ((y1 - y) / (y1 - y0)) * size;
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`, `<rect width="${W}" height="${H}" fill="white"/>`];
  if (o.title) parts.push(`<text x="${W / 2}" y="18" text-anchor="middle" font-size="13">${escapeXml(o.title)}</text>`);
  // One rect per run of equal cells in a row keeps the file small.
  for (let r = 0; r < n; r++) {
    let c = 0;
    while (c < n) {
      const pos = out[r * n + c]! > 0;
      let e = c + 1;
      while (e < n && out[r * n + e]! > 0 === pos) e++;
      parts.push(`<rect x="${(left + c * cell).toFixed(2)}" y="${(top + r * cell).toFixed(2)}" width="${((e - c) * cell + 0.3).toFixed(2)}" height="${(cell + 0.3).toFixed(2)}" fill="${pos ? '#cfe3f2' : '#f8dccb'}" shape-rendering="crispEdges"/>`);
      c = e;
    }
  }
  parts.push(`<clipPath id="plot"><rect x="${left}" y="${top}" width="${size}" height="${size}"/></clipPath>`);
  for (const l of o.lines ?? []) {
    // Two points of w1·x + w2·y + b = 0 far outside the plot, clipped to it.
    const far = 10 * Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0), 1);
    let p: [number, number, number, number];
    if (Math.abs(l.w2) > Math.abs(l.w1)) p = [x0 - far, -(l.b + l.w1 * (x0 - far)) / l.w2, x1 + far, -(l.b + l.w1 * (x1 + far)) / l.w2];
    else if (l.w1 !== 0) p = [-(l.b + l.w2 * (y0 - far)) / l.w1, y0 - far, -(l.b + l.w2 * (y1 + far)) / l.w1, y1 + far];
    else continue;
    const dash = l.dashed ? ' stroke-dasharray="5 4"' : '';
    parts.push(`<line clip-path="url(#plot)" x1="${sx(p[0]).toFixed(2)}" y1="${sy(p[1]).toFixed(2)}" x2="${sx(p[2]).toFixed(2)}" y2="${sy(p[3]).toFixed(2)}" stroke="${l.color ?? '#222'}" stroke-width="${l.width ?? 2}" stroke-opacity="${l.opacity ?? 1}"${dash}/>`);
  }
  for (const p of o.points ?? []) {
    parts.push(p.positive
      ? `<circle cx="${sx(p.x).toFixed(2)}" cy="${sy(p.y).toFixed(2)}" r="3.2" fill="${POS}" stroke="white" stroke-width="0.8"/>`
      : `<rect x="${(sx(p.x) - 3).toFixed(2)}" y="${(sy(p.y) - 3).toFixed(2)}" width="6" height="6" fill="${NEG}" stroke="white" stroke-width="0.8"/>`);
  }
  parts.push(`<rect x="${left}" y="${top}" width="${size}" height="${size}" fill="none" stroke="#444"/>`, '</svg>');
  return parts.join('\n') + '\n';
}

/** The width and height of a standalone SVG document. */
function sizeOf(svg: string): [number, number] {
  const m = /<svg[^>]*\swidth="([\d.]+)"[^>]*\sheight="([\d.]+)"/.exec(svg);
  if (!m) throw new Error('panels: each figure must be an SVG document with width and height');
  return [Number(m[1]), Number(m[2])];
}

/** Several SVG figures as one, `cols` per row (each keeps its size; ids are made unique per panel). */
export function panels(svgs: readonly string[], cols: number): string {
  const sizes = svgs.map(sizeOf);
  const cw = Math.max(...sizes.map((s) => s[0]));
  const ch = Math.max(...sizes.map((s) => s[1]));
  const rows = Math.ceil(svgs.length / cols);
  const W = cw * Math.min(cols, svgs.length);
  const H = ch * rows;
  const inner = svgs.map((s, i) => {
    const body = s.replace(/^\s*<svg[^>]*>\n?/, '').replace(/<\/svg>\s*$/, '').replace(/id="([^"]+)"/g, `id="p${i}-$1"`).replace(/url\(#([^)]+)\)/g, `url(#p${i}-$1)`);
    return `<g transform="translate(${(i % cols) * cw} ${Math.floor(i / cols) * ch})">\n${body}</g>`;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">\n<rect width="${W}" height="${H}" fill="white"/>\n${inner.join('\n')}\n</svg>\n`;
}

/** Text (a printout) as a figure: one monospace line per line of `text`. */
export function textFigure(text: string, title?: string): string {
  const lines = text.split('\n');
  const lh = 17;
  const top = title ? 34 : 12;
  const W = Math.max(320, 20 + 7.3 * Math.max(...lines.map((l) => l.length), (title ?? '').length));
  const H = top + lh * lines.length + 10;
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" width="${Math.ceil(W)}" height="${H}" viewBox="0 0 ${Math.ceil(W)} ${H}" font-family="ui-monospace, Menlo, Consolas, monospace" font-size="12">`, `<rect width="${Math.ceil(W)}" height="${H}" fill="#fbfbfb"/>`];
  if (title) parts.push(`<text x="10" y="22" font-family="sans-serif" font-size="14">${escapeXml(title)}</text>`);
  lines.forEach((l, i) => parts.push(`<text x="10" y="${top + lh * (i + 1) - 4}" xml:space="preserve">${escapeXml(l)}</text>`));
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}
