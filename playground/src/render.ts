/** Drawing: colour scales, heat-maps with data points, and line charts on canvases. */
import type { Points } from './datasets.js';

export type RGB = readonly [number, number, number];

const NEG: RGB = [245, 147, 34];
const MID: RGB = [232, 234, 235];
const POS: RGB = [8, 119, 189];

/** Class colours: class 0 orange and class 1 blue (as the two-class scale), then more. */
export const CLASS_COLORS: readonly RGB[] = [NEG, POS, [46, 160, 67], [142, 68, 173], [214, 39, 40]];

/** The diverging scale: −1 orange, 0 light grey, +1 blue (values are clamped to [−1, 1]). */
export function diverging(v: number): RGB {
  const t = Number.isFinite(v) ? Math.max(-1, Math.min(1, v)) : 0;
  const [a, b] = t < 0 ? [MID, NEG] : [MID, POS];
  const u = Math.abs(t);
  return [a[0] + (b[0] - a[0]) * u, a[1] + (b[1] - a[1]) * u, a[2] + (b[2] - a[2]) * u];
}

export function css(c: RGB, alpha = 1): string {
  return `rgba(${Math.round(c[0])}, ${Math.round(c[1])}, ${Math.round(c[2])}, ${alpha})`;
}

/** What a heat-map shows: a value per grid cell on the diverging scale, or class probabilities. */
export type Field =
  | { kind: 'values'; values: Float32Array; discretize?: boolean }
  | { kind: 'classes'; probs: Float32Array; classes: number; discretize?: boolean };

const scratch = new Map<number, HTMLCanvasElement>();

function gridCanvas(density: number): HTMLCanvasElement {
  let c = scratch.get(density);
  if (!c) {
    c = document.createElement('canvas');
    c.width = density;
    c.height = density;
    scratch.set(density, c);
  }
  return c;
}

/** Paints a density × density field (row-major from the top-left) over the whole canvas. */
export function drawField(canvas: HTMLCanvasElement, field: Field, density: number, light = 0): void {
  const g = gridCanvas(density);
  const gctx = g.getContext('2d')!;
  const img = gctx.createImageData(density, density);
  const n = density * density;
  for (let i = 0; i < n; i++) {
    let c: RGB;
    if (field.kind === 'values') {
      const v = field.values[i]!;
      c = diverging(field.discretize ? (v >= 0 ? 1 : -1) : v);
    } else {
      const k = field.classes;
      let best = 0;
      for (let j = 1; j < k; j++) if (field.probs[i * k + j]! > field.probs[i * k + best]!) best = j;
      if (field.discretize) c = CLASS_COLORS[best]!;
      else {
        let r = 0, gg = 0, b = 0;
        for (let j = 0; j < k; j++) {
          const p = field.probs[i * k + j]!;
          const cc = CLASS_COLORS[j]!;
          r += p * cc[0];
          gg += p * cc[1];
          b += p * cc[2];
        }
        // Fade toward grey where the network is unsure (max probability near 1/k).
        const conf = Math.max(0, (field.probs[i * k + best]! - 1 / k) / (1 - 1 / k));
        c = [MID[0] + (r - MID[0]) * conf, MID[1] + (gg - MID[1]) * conf, MID[2] + (b - MID[2]) * conf];
      }
    }
    img.data[4 * i] = c[0] + (255 - c[0]) * light;
    img.data[4 * i + 1] = c[1] + (255 - c[1]) * light;
    img.data[4 * i + 2] = c[2] + (255 - c[2]) * light;
    img.data[4 * i + 3] = 255;
  }
  gctx.putImageData(img, 0, 0);
  const ctx = canvas.getContext('2d')!;
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(g, 0, 0, canvas.width, canvas.height);
}

/** Draws data points on a heat-map canvas covering [−domain, domain]². */
export function drawPoints(canvas: HTMLCanvasElement, pts: Points, domain: number, opts: { classes: number; test?: boolean; highlight?: number }): void {
  const ctx = canvas.getContext('2d')!;
  const sx = canvas.width / (2 * domain);
  const sy = canvas.height / (2 * domain);
  const r = Math.max(2, canvas.width / 85);
  for (let i = 0; i < pts.count; i++) {
    const x = (pts.xy[2 * i]! + domain) * sx;
    const y = (domain - pts.xy[2 * i + 1]!) * sy;
    const label = pts.labels[i]!;
    const c = opts.classes === 0 ? diverging(label) : CLASS_COLORS[label] ?? MID;
    ctx.beginPath();
    ctx.arc(x, y, r, 0, 2 * Math.PI);
    ctx.fillStyle = css(c);
    ctx.fill();
    ctx.lineWidth = opts.test ? 1.5 : 1;
    ctx.strokeStyle = opts.test ? 'black' : 'white';
    ctx.stroke();
  }
  if (opts.highlight !== undefined && opts.highlight < pts.count) {
    const i = opts.highlight;
    const x = (pts.xy[2 * i]! + domain) * sx;
    const y = (domain - pts.xy[2 * i + 1]!) * sy;
    ctx.beginPath();
    ctx.arc(x, y, r * 2.6, 0, 2 * Math.PI);
    ctx.lineWidth = 2;
    ctx.strokeStyle = '#d11';
    ctx.stroke();
  }
}

/** Axes ticks for a heat-map of [−domain, domain]². */
export function drawAxes(canvas: HTMLCanvasElement, domain: number): void {
  const ctx = canvas.getContext('2d')!;
  ctx.fillStyle = 'rgba(0,0,0,0.55)';
  ctx.font = `${Math.round(canvas.width / 30)}px sans-serif`;
  ctx.textBaseline = 'bottom';
  ctx.fillText(`${-domain}`, 3, canvas.height - 2);
  ctx.textAlign = 'right';
  ctx.fillText(`${domain}`, canvas.width - 3, canvas.height - 2);
  ctx.textAlign = 'left';
  ctx.textBaseline = 'top';
  ctx.fillText(`${domain}`, 3, 2);
}

export interface Series {
  values: readonly number[];
  color: string;
  label: string;
}

/** A line chart of series over their index (epochs); log scale on y if asked. */
export function drawChart(canvas: HTMLCanvasElement, series: readonly Series[], opts: { log?: boolean; title?: string; legend?: boolean; epochs?: number } = {}): void {
  const ctx = canvas.getContext('2d')!;
  const W = canvas.width;
  const H = canvas.height;
  ctx.clearRect(0, 0, W, H);
  const pad = { l: 38, r: 6, t: opts.title || opts.legend ? 16 : 6, b: 14 };
  const tr = (v: number): number => (opts.log ? Math.log10(Math.max(v, 1e-12)) : v);
  let lo = Infinity;
  let hi = -Infinity;
  let len = 0;
  for (const s of series) {
    len = Math.max(len, s.values.length);
    for (const v of s.values) {
      if (!Number.isFinite(v)) continue;
      lo = Math.min(lo, tr(v));
      hi = Math.max(hi, tr(v));
    }
  }
  ctx.font = '10px sans-serif';
  ctx.fillStyle = '#555';
  if (opts.title) {
    ctx.textBaseline = 'top';
    ctx.fillText(opts.title, pad.l, 2);
  }
  if (!Number.isFinite(lo) || len === 0) return;
  if (!opts.log) lo = Math.min(0, lo);
  if (hi - lo < 1e-9) hi = lo + 1;
  const x = (i: number): number => pad.l + ((W - pad.l - pad.r) * i) / Math.max(1, len - 1);
  const y = (v: number): number => pad.t + (H - pad.t - pad.b) * (1 - (tr(v) - lo) / (hi - lo));
  ctx.strokeStyle = '#ccc';
  ctx.lineWidth = 1;
  ctx.beginPath();
  ctx.moveTo(pad.l, pad.t);
  ctx.lineTo(pad.l, H - pad.b);
  ctx.lineTo(W - pad.r, H - pad.b);
  ctx.stroke();
  ctx.textBaseline = 'middle';
  ctx.textAlign = 'right';
  const fmt = (t: number): string => (opts.log ? `1e${Math.round(t)}` : t.toPrecision(2));
  ctx.fillText(fmt(hi), pad.l - 3, pad.t);
  ctx.fillText(fmt(lo), pad.l - 3, H - pad.b);
  ctx.textAlign = 'left';
  ctx.textBaseline = 'top';
  ctx.fillText(`${opts.epochs ?? len - 1} epochs`, pad.l + 2, H - pad.b + 1);
  if (opts.legend) {
    ctx.textAlign = 'right';
    ctx.textBaseline = 'top';
    let lx = W - pad.r;
    for (const s of [...series].reverse()) {
      ctx.fillStyle = '#555';
      ctx.fillText(s.label, lx, 1);
      lx -= ctx.measureText(s.label).width + 4;
      ctx.fillStyle = s.color;
      ctx.fillRect(lx - 12, 6, 12, 2);
      lx -= 20;
    }
    ctx.textAlign = 'left';
  }
  for (const s of series) {
    ctx.strokeStyle = s.color;
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    let started = false;
    s.values.forEach((v, i) => {
      if (!Number.isFinite(v)) return;
      if (started) ctx.lineTo(x(i), y(v));
      else ctx.moveTo(x(i), y(v));
      started = true;
    });
    ctx.stroke();
  }
}
