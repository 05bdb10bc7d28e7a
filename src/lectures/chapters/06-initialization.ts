/**
 * Chapter 6 — Initialization (SCOPE §6): a batch of N(0, 1) inputs sent through 10-layer tanh
 * and ReLU networks whose weights start constant, N(0, 0.01²), N(0, 1), Xavier (variance
 * 1/n_in) or He (variance 2/n_in); the activations of every layer as histograms and their
 * standard deviations layer by layer.
 */
import * as nb from '../../index.js';
import type { Chapter, ChapterContext } from '../types.js';

const LAYERS = 10;

export type Act = 'tanh' | 'relu';

const INITS: [string, () => nb.nn.Initializer][] = [
  ['constant 0.1', () => nb.nn.init.constant(0.1)],
  ['N(0, 0.01²)', () => nb.nn.init.normal(0.01)],
  ['N(0, 1)', () => nb.nn.init.normal(1)],
  ['Xavier 1/n_in', () => nb.nn.init.xavierNormal({ mode: 'fanIn' })],
  ['He 2/n_in', () => nb.nn.init.heNormal()],
];

export interface LayerStats {
  values: Float32Array;
  std: number;
  /** The mean over samples of the standard deviation across the layer's units (0 when every unit computes the same). */
  unitSpread: number;
  /** The root mean square of the activations. */
  rms: number;
  /** Fraction of |a| > 0.99 (tanh saturation). */
  saturated: number;
}

function stats(a: Float32Array, rows: number, cols: number): LayerStats {
  let s = 0, s2 = 0, sat = 0;
  for (const v of a) { s += v; s2 += v * v; if (Math.abs(v) > 0.99) sat++; }
  const mean = s / a.length;
  let spread = 0;
  for (let r = 0; r < rows; r++) {
    let m = 0, m2 = 0;
    for (let c = 0; c < cols; c++) { const v = a[r * cols + c]!; m += v; m2 += v * v; }
    m /= cols;
    spread += Math.sqrt(Math.max(0, m2 / cols - m * m));
  }
  return { values: a, std: Math.sqrt(Math.max(0, s2 / a.length - mean * mean)), rms: Math.sqrt(s2 / a.length), unitSpread: spread / rows, saturated: sat / a.length };
}

/** The activations of each of the 10 layers for input x (width n, weights from `init`, zero biases). */
export function activations(x: nb.Tensor, act: Act, init: () => nb.nn.Initializer): LayerStats[] {
  const [rows, n] = x.shape as [number, number];
  const out: LayerStats[] = [];
  let a = nb.keep(x.clone());
  for (let l = 0; l < LAYERS; l++) {
    const layer = nb.nn.linear(n, n, { init: init() });
    const next = nb.tidy(() => {
      const z = layer.call(a);
      return act === 'tanh' ? nb.tanh(z) : nb.relu(z);
    });
    layer.dispose();
    a.dispose();
    a = next;
    out.push(stats(a.dataSync() as Float32Array, rows, n));
  }
  a.dispose();
  return out;
}

/** Small multiples: one histogram per layer (columns) for each initialization (rows), as SVG. */
function histogramGrid(title: string, rows: [string, LayerStats[]][], act: Act): string {
  const bins = 30, pw = 78, ph = 48, left = 110, top = 40, gapX = 8, gapY = 34;
  const W = left + LAYERS * (pw + gapX) + 8, H = top + rows.length * (ph + gapY) + 10;
  const out = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="10">`,
    `<rect width="${W}" height="${H}" fill="white"/>`, `<text x="${W / 2}" y="16" text-anchor="middle" font-size="14">${nb.viz.escapeXml(title)}</text>`];
  for (let l = 0; l < LAYERS; l++) out.push(`<text x="${left + l * (pw + gapX) + pw / 2}" y="32" text-anchor="middle" fill="#444">layer ${l + 1}</text>`);
  rows.forEach(([name, layers], r) => {
    const y0 = top + r * (ph + gapY);
    out.push(`<text x="${left - 8}" y="${y0 + ph / 2 + 4}" text-anchor="end" font-size="11">${nb.viz.escapeXml(name)}</text>`);
    layers.forEach((s, l) => {
      const x0 = left + l * (pw + gapX);
      // tanh: the fixed range [−1, 1]; ReLU: (0, max], the zeros counted apart
      let lo = -1, hi = 1;
      let vals: ArrayLike<number> = s.values;
      if (act === 'relu') {
        vals = s.values.filter((v) => v > 0);
        lo = 0;
        hi = (vals as Float32Array).reduce((m, v) => Math.max(m, v), 0) || 1;
      }
      const counts = new Array<number>(bins).fill(0);
      for (let i = 0; i < vals.length; i++) counts[Math.min(bins - 1, Math.max(0, Math.floor(((vals[i]! - lo) / (hi - lo || 1)) * bins)))]!++;
      const peak = Math.max(1, ...counts);
      out.push(`<rect x="${x0}" y="${y0}" width="${pw}" height="${ph}" fill="#f7f7f7" stroke="#ccc"/>`);
      counts.forEach((c, b) => {
        const h = (c / peak) * ph;
        if (h > 0) out.push(`<rect x="${(x0 + (b * pw) / bins).toFixed(1)}" y="${(y0 + ph - h).toFixed(1)}" width="${(pw / bins).toFixed(2)}" height="${h.toFixed(1)}" fill="#0072b2"/>`);
      });
      out.push(`<text x="${x0 + pw / 2}" y="${y0 + ph + 12}" text-anchor="middle" fill="#444">σ ${fmt(s.std)}</text>`);
      if (act === 'relu') out.push(`<text x="${x0 + pw / 2}" y="${y0 + ph + 23}" text-anchor="middle" fill="#888">max ${fmt(hi)}, 0s ${Math.round((100 * (s.values.length - vals.length)) / s.values.length)}%</text>`);
    });
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}

function fmt(v: number): string {
  return v === 0 ? '0' : v >= 1e3 || v < 1e-2 ? v.toExponential(0) : v.toPrecision(2);
}

async function run(ctx: ChapterContext): Promise<void> {
  const width = ctx.short ? 128 : 512;
  const batch = ctx.short ? 200 : 1000;
  nb.seed(ctx.seed);
  const x = nb.randn([batch, width]);
  const results: Record<Act, Record<string, LayerStats[]>> = { tanh: {}, relu: {} };
  for (const act of ['tanh', 'relu'] as const) {
    for (const [name, init] of INITS) {
      nb.seed(ctx.seed + 1);
      results[act][name] = activations(x, act, init);
    }
    ctx.log(`${act}: 10 layers of width ${width} under ${INITS.length} initializations`);
    ctx.figure(`${act}-histograms`, `Histograms of the activations of each layer of a 10-layer ${act} network (width ${width}, ${batch} inputs drawn from N(0, 1)), one row per initialization; σ is the layer's standard deviation.`,
      histogramGrid(`10-layer ${act} network: activations per layer`, Object.entries(results[act]), act));
    ctx.figure(`${act}-std`, `Standard deviation of each layer's activations in the 10-layer ${act} network (log scale).`,
      nb.viz.lineChart(Object.entries(results[act]).map(([name, ls]) => ({ name, x: ls.map((_, i) => i + 1), values: ls.map((s) => s.std) })),
        { title: `${act}: std of the activations per layer`, xLabel: 'layer', yLabel: 'std', logY: true }));
    for (const [name, ls] of Object.entries(results[act])) ctx.number(`${act}, ${name}: std of layer 1 → layer 10`, `${fmt(ls[0]!.std)} → ${fmt(ls.at(-1)!.std)}`);
  }
  x.dispose();

  const last = (act: Act, init: string): LayerStats => results[act][init]!.at(-1)!;
  const first = (act: Act, init: string): LayerStats => results[act][init]![0]!;
  ctx.number('tanh, N(0, 1): share of |a| > 0.99 in layer 10', `${(100 * last('tanh', 'N(0, 1)').saturated).toFixed(1)}%`);
  // the spread across a layer's units relative to the size of its values (float32 rounding leaves ~1e-7)
  const relSpread = (act: Act): number => { const s = last(act, 'constant 0.1'); return s.unitSpread / (s.rms || 1); };
  ctx.check(relSpread('tanh') < 1e-5 && relSpread('relu') < 1e-5,
    'with a constant initialization every unit of a layer computes the same value (the symmetry is never broken)', `spread across units in layer 10 relative to its values: tanh ${relSpread('tanh').toExponential(1)}, ReLU ${relSpread('relu').toExponential(1)}`);
  ctx.check(last('tanh', 'N(0, 0.01²)').std < 1e-4 && last('relu', 'N(0, 0.01²)').std < 1e-4,
    'small random weights make the activations collapse towards 0 layer after layer', `std of layer 10: tanh ${last('tanh', 'N(0, 0.01²)').std.toExponential(1)}, ReLU ${last('relu', 'N(0, 0.01²)').std.toExponential(1)}`);
  ctx.check(last('tanh', 'N(0, 1)').saturated > 0.8, 'N(0, 1) weights saturate a tanh network: most activations sit at ±1', `${(100 * last('tanh', 'N(0, 1)').saturated).toFixed(0)}% of layer 10 has |a| > 0.99`);
  ctx.check(last('relu', 'N(0, 1)').std > 1e6, 'N(0, 1) weights make a ReLU network\'s activations explode', `std of layer 10: ${last('relu', 'N(0, 1)').std.toExponential(1)}`);
  const xt = last('tanh', 'Xavier 1/n_in').std;
  ctx.check(xt > 0.1 && xt < 1 && last('tanh', 'Xavier 1/n_in').saturated < 0.05, 'Xavier initialization keeps a tanh network healthy: layer 10 still has a spread between 0.1 and 1, unsaturated', `std ${xt.toFixed(3)}, saturated ${(100 * last('tanh', 'Xavier 1/n_in').saturated).toFixed(1)}%`);
  const he = last('relu', 'He 2/n_in').std / first('relu', 'He 2/n_in').std;
  const xr = last('relu', 'Xavier 1/n_in').std / first('relu', 'Xavier 1/n_in').std;
  ctx.check(he > 0.5 && he < 2, 'He initialization keeps the scale of a ReLU network\'s activations from layer 1 to layer 10 (within a factor 2)', `ratio ${he.toFixed(2)}`);
  ctx.check(xr < 0.15, 'Xavier\'s 1/n_in is too small for ReLU, which zeroes half of its inputs: the activations shrink by about √2 per layer', `layer 10 / layer 1 std: ${xr.toFixed(3)} (2^−4.5 ≈ 0.044)`);
}

const chapter: Chapter = {
  id: 'initialization',
  order: 6,
  title: 'Initialization',
  section: '§6',
  claim: 'How the weights start decides whether a deep network can learn: constant weights never break the symmetry between units, small random weights make the activations (and so the gradients) vanish layer by layer, large ones saturate tanh units or blow ReLU activations up, while Xavier (variance 1/n_in) keeps a tanh network and He (variance 2/n_in) a ReLU network at a steady scale through all layers.',
  run,
};
export default chapter;
