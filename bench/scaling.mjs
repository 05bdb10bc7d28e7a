// `npm run bench -- --scaling [--seconds S]`: how cost grows with batch size and width, nabla wasm
// beside PyTorch (training and inference) and TF.js (inference), in one run. Prints tables and
// writes two SVG charts (samples/s against batch size, and against M2's width) and the raw JSON
// under runs/.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import * as nb from '../dist/index.js';
import { SCALING, mnistDir } from './common.mjs';

const fmt = (v) => (v === null || v === undefined ? '—' : v >= 100 ? v.toFixed(0) : v >= 1 ? v.toFixed(1) : v.toFixed(3));
const ratio = (a, b) => (a && b ? `${(a / b).toFixed(2)}×` : '—');
const ok = (r) => (r && !r.error ? r : null);

/** Runs the scaling measurements with run.mjs's helpers; returns the printed report. */
export function runScaling({ root, child, py, seconds, cores }) {
  const started = new Date();
  const load0 = loadavg();
  const threads = Math.min(2, cores);
  const out = { date: started.toISOString(), cpu: cpus()[0]?.model, cores, seconds, loadBefore: load0 };
  out.nabla = child('node', ['bench/scaling-nabla.mjs', String(seconds), String(threads)], `scaling: nabla wasm, ${threads} threads`, 1200);
  out.pytorch = py
    ? child(py, ['bench/scaling_torch.py', String(threads), String(seconds), mnistDir(), JSON.stringify(SCALING)], `scaling: PyTorch, ${threads} threads`, 1200)
    : { error: 'PyTorch not installed' };
  out.tfjs = child('node', ['bench/scaling-tfjs.mjs', 'wasm', String(seconds)], 'scaling: TF.js wasm (inference)', 600);
  out.loadAfter = loadavg();
  const [n, p, t] = [ok(out.nabla), ok(out.pytorch), ok(out.tfjs)];

  const L = [];
  L.push(`nabla scaling — ${out.date}, ${cores} cores (${out.cpu}), load ${load0.map((v) => v.toFixed(2)).join(' ')} → ${out.loadAfter.map((v) => v.toFixed(2)).join(' ')}`);
  L.push(`nabla wasm ${n?.threads ?? '?'} threads; PyTorch ${p?.version ?? '—'} ${p?.threads ?? '—'} threads (BLAS ${p?.blas ?? '—'}, ${p?.cpuCapability ?? '—'}); TF.js wasm; ${seconds} s per cell`);
  L.push('');
  L.push('Training samples/s by batch size: nabla / PyTorch (ratio)');
  L.push('  model' + SCALING.batches.map((b) => `batch ${b}`.padStart(24)).join(''));
  for (const m of SCALING.models) {
    L.push(`  ${m}   ` + SCALING.batches.map((b) => {
      const a = n?.train?.[m]?.[b];
      const c = p?.train?.[m]?.[b];
      return `${fmt(a)} / ${fmt(c)} (${ratio(a, c)})`.padStart(24);
    }).join(''));
  }
  L.push('');
  L.push('M2 training samples/s at batch 64 by width (784-w-w/2-10): nabla / PyTorch (ratio)');
  L.push('  ' + SCALING.widths.map((w) => `w ${w}`.padStart(24)).join(''));
  L.push('  ' + SCALING.widths.map((w) => `${fmt(n?.widths?.[w])} / ${fmt(p?.widths?.[w])} (${ratio(n?.widths?.[w], p?.widths?.[w])})`.padStart(24)).join(''));
  L.push('');
  L.push('Inference (predict): latency at batch 1 (ms) and throughput at batch 256 (samples/s)');
  L.push('  model'.padEnd(10) + ['nabla', 'PyTorch', 'TF.js wasm'].map((s) => s.padStart(22)).join(''));
  for (const m of SCALING.inferModels) {
    const cell = (r) => (r?.infer?.[m] ? `${fmt(r.infer[m].latencyMs)} ms, ${fmt(r.infer[m].samplesPerSec)}/s` : '—');
    L.push(`  ${m}`.padEnd(10) + [n, p, t].map((r) => cell(r).padStart(22)).join(''));
  }
  for (const [name, r] of [['nabla', out.nabla], ['PyTorch', out.pytorch], ['TF.js', out.tfjs]]) if (r?.error) L.push(`  ${name} failed: ${r.error}`);
  L.push('Peak RSS (MiB): ' + [['nabla', n], ['PyTorch', p], ['TF.js', t]].filter(([, r]) => r).map(([s, r]) => `${s} ${r.peakRssMiB?.toFixed(0)}`).join(', '));

  mkdirSync(join(root, 'runs'), { recursive: true });
  const stamp = started.toISOString().replace(/[:.]/g, '-');
  const series = [];
  for (const m of SCALING.models) {
    for (const [who, r, dashed] of [['nabla', n, false], ['PyTorch', p, true]]) {
      if (!r?.train?.[m]) continue;
      series.push({ name: `${m} ${who}`, x: SCALING.batches.map((b) => Math.log2(b)), values: SCALING.batches.map((b) => r.train[m][b] ?? NaN), dashed });
    }
  }
  const files = [];
  if (series.length) {
    const f = join(root, 'runs', `scaling-batch-${stamp}.svg`);
    writeFileSync(f, nb.viz.lineChart(series, { title: 'Training samples/s by batch size (solid: nabla wasm, dashed: PyTorch)', xLabel: 'log₂ batch size', yLabel: 'samples/s', logY: true }));
    files.push(f);
  }
  const widthSeries = [['nabla', n, false], ['PyTorch', p, true]].filter(([, r]) => r?.widths)
    .map(([who, r, dashed]) => ({ name: `M2 ${who}`, x: SCALING.widths.map((w) => Math.log2(w)), values: SCALING.widths.map((w) => r.widths[w] ?? NaN), dashed }));
  if (widthSeries.length) {
    const f = join(root, 'runs', `scaling-width-${stamp}.svg`);
    writeFileSync(f, nb.viz.lineChart(widthSeries, { title: 'M2 training samples/s at batch 64 by width (solid: nabla wasm, dashed: PyTorch)', xLabel: 'log₂ width', yLabel: 'samples/s', logY: true }));
    files.push(f);
  }
  const json = join(root, 'runs', `scaling-${stamp}.json`);
  writeFileSync(json, JSON.stringify(out, null, 2));
  L.push(`Charts: ${files.join(', ') || '—'}; raw results: ${json}`);
  return L.join('\n');
}
