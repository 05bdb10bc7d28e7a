// `npm run bench`: nabla (wasm and cpu backends) side by side with TensorFlow.js (cpu and wasm
// backends) and PyTorch, in one run: GEMM GFLOP/s, training samples/s of M1/M2/M3 (batch 64,
// float32, real MNIST), M4/M5 (recurrent) and M6 (a DCGAN step), per-op overhead, peak memory,
// thread speed-up.
//
//   npm run bench                 full run (a few minutes)
//   npm run bench -- --quick      about a minute
//   npm run bench -- --plain-simd nabla with its plain-SIMD build (NABLA_RELAXED_SIMD=0) instead of its
//                                 default, the relaxed-SIMD (fused multiply-add) build, which nabla
//                                 turns on by itself on Node 20 (no Node flags either way)
//   npm run bench -- --seconds 5  seconds per model and framework
//   npm run bench -- --models M4,M5,M6
//                                 only these training models (no GEMM, per-op or 1-thread runs)
//   npm run bench -- --scaling    how cost grows: M1–M3 training at batch 1 … 1024, M2 at widths
//                                 128 … 2048, inference latency and throughput (M2, M3), beside
//                                 PyTorch and TF.js; tables and SVG charts (about 10 minutes)
//   npm run bench -- --browser    only M2 in headless Chromium on 1 and 2 threads (bench/browser.mjs)
//   npm run bench -- --jit        only M1, M2, M4 training steps as eager code vs nb.jit vs the graph
//                                 Session, with each step split into kernel time and the rest (bench/jit.mjs)
//   npm run bench -- --rounds 5   nabla wasm and PyTorch each run 5 times (default 3; --quick: 1), in
//                                 alternating processes: the table gives each one's median, and
//                                 the ratios are also given against PyTorch's best process
//   npm run bench -- --peer-isa avx2
//                                 PyTorch capped at AVX2 (ATEN_CPU_CAPABILITY, MKL_ENABLE_INSTRUCTIONS,
//                                 ONEDNN_MAX_CPU_ISA): how it runs on a CPU without AVX-512, emulated
//                                 on one that has it (nabla's wasm kernels use 128-bit SIMD either way)
//   npm run bench -- --unfused    also nabla wasm with the recurrent layers' composite formula
//                                 (layer.fused = false): the fused kernels' A/B on M4/M5
//
// PyTorch runs from $NABLA_PYTHON when set (e.g. a venv's bin/python with the current CPU wheel),
// else $VIRTUAL_ENV/bin/python, else the first of python3, /usr/bin/python3, python that imports torch.
//
// Each measurement runs in its own process (bench/*.mjs, bench/torch_train.py) and prints one JSON
// line; this script collects them, prints the table and writes runs/bench-<time>.json.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MODELS, MODEL_TITLES, SEQ_MODELS, mnistDir } from './common.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
if (args.includes('--browser')) {
  // the browser bench is its own script: hand over (with --seconds and --threads) and stop here
  const r = spawnSync(process.execPath, [join(root, 'bench', 'browser.mjs'), ...args.filter((a) => a !== '--browser')], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
const quick = args.includes('--quick');
const plain = args.includes('--plain-simd');
const secIdx = args.indexOf('--seconds');
const seconds = secIdx >= 0 ? Number(args[secIdx + 1]) : quick ? 0.6 : 4;
const cores = availableParallelism();
const roundsIdx = args.indexOf('--rounds');
const rounds = roundsIdx >= 0 ? Math.max(1, Math.floor(Number(args[roundsIdx + 1]))) : quick ? 1 : 3;
const isaIdx = args.indexOf('--peer-isa');
const peerIsa = isaIdx >= 0 ? String(args[isaIdx + 1]).toLowerCase() : null;
if (peerIsa !== null && peerIsa !== 'avx2') {
  process.stderr.write(`bench: --peer-isa takes 'avx2' (got '${args[isaIdx + 1]}')\n`);
  process.exit(2);
}
if (!Number.isFinite(rounds)) {
  process.stderr.write(`bench: --rounds takes a positive integer (got '${args[roundsIdx + 1]}')\n`);
  process.exit(2);
}
if (args.includes('--jit')) {
  const r = spawnSync('node', ['bench/jit.mjs', 'wasm', String(secIdx >= 0 ? seconds : 1.5), 'M1,M2,M4', quick ? '1' : '3'], { cwd: root, stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
const modelsIdx = args.indexOf('--models');
const only = modelsIdx >= 0 ? args[modelsIdx + 1].split(',').filter((m) => MODELS.includes(m)) : null;
const RUN_MODELS = only ?? MODELS;
// The reference backend and TF.js on cpu are far too slow for the recurrent models' shapes and
// for M6's convolutions (TF.js cpu: over 2 minutes of CPU time per M6 step); TF.js wasm cannot
// train M6 (no Conv2DBackpropFilter kernel), which the report says.
const FLAT = RUN_MODELS.filter((m) => !SEQ_MODELS.includes(m) && m !== 'M6');

function log(s) {
  process.stderr.write(s + '\n');
}

function ensureBuilt() {
  if (existsSync(join(root, 'dist/index.js')) && existsSync(join(root, 'dist/wasm/nabla-simd.wasm'))) return;
  log('bench: building (npm run build) ...');
  const r = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('bench: npm run build failed');
}

/** Runs a child that prints one JSON line last; returns it parsed, or { error }. */
function child(cmd, argv, label, timeoutS = 600, env = process.env) {
  log(`bench: ${label} ... (load ${loadavg()[0].toFixed(2)})`);
  const r = spawnSync(cmd, argv, { cwd: root, encoding: 'utf8', timeout: timeoutS * 1000, maxBuffer: 1 << 24, env });
  const lines = (r.stdout ?? '').trim().split('\n').filter((l) => l.startsWith('{') || l.startsWith('['));
  if (r.status !== 0 || lines.length === 0) {
    const why = (r.error?.message ?? (r.stderr ?? '').trim().split('\n').slice(-3).join(' | ')) || `exit ${r.status}`;
    log(`bench: ${label} failed: ${why}`);
    return { error: why };
  }
  return JSON.parse(lines[lines.length - 1]);
}

/**
 * One result from several runs of the same child: per model the median samples/s (and every
 * run's figure), the largest peak RSS; the first run's other fields. A failed run is left out.
 */
function combineRuns(runs) {
  const ok = runs.filter((r) => r && !r.error);
  if (ok.length === 0) return runs[0] ?? { error: 'no run' };
  const results = {};
  for (const m of Object.keys(ok[0].results ?? {})) {
    const rs = ok.map((r) => r.results?.[m]).filter((x) => x && !x.error);
    if (rs.length === 0) {
      results[m] = ok[0].results[m];
      continue;
    }
    const v = rs.map((x) => x.samplesPerSec).sort((a, b) => a - b);
    const mid = v.length >> 1;
    results[m] = { ...rs[0], samplesPerSec: v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2, runs: rs.map((x) => x.samplesPerSec), best: v[v.length - 1] };
  }
  return { ...ok[0], runs: ok.length, peakRssMiB: Math.max(...ok.map((r) => r.peakRssMiB ?? 0)), results };
}

function findTorchPython() {
  const env = process.env;
  const venv = env.VIRTUAL_ENV ? join(env.VIRTUAL_ENV, 'bin', 'python') : null;
  for (const py of [env.NABLA_PYTHON, venv, 'python3', '/usr/bin/python3', 'python'].filter(Boolean)) {
    const r = spawnSync(py, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
    if (r.status === 0) return py;
  }
  return null;
}

ensureBuilt();
if (args.includes('--scaling')) {
  const { runScaling } = await import('./scaling.mjs');
  console.log(runScaling({ root, child, py: findTorchPython(), seconds: secIdx >= 0 ? seconds : 1, cores }));
  process.exit(0);
}
const started = new Date();
const load0 = loadavg();
// nabla's children: its default build, or with --plain-simd the plain-SIMD one
const nablaEnv = plain ? { ...process.env, NABLA_RELAXED_SIMD: '0' } : process.env;
const modelList = RUN_MODELS.join(',');
const list = (ms) => (ms.length ? ms.join(',') : null);
const out = { date: started.toISOString(), quick, plainSimd: plain, seconds, cores, cpu: cpus()[0]?.model, node: process.version, loadBefore: load0 };

const full = only === null;
out.gemm = full ? child('node', ['bench/gemm.mjs', ...(quick ? ['--quick'] : [])], 'GEMM (plain SIMD)', 600, { ...process.env, NABLA_RELAXED_SIMD: '0' }) : null;
// nabla wasm and PyTorch: `rounds` runs each, alternating, so that a slow spell of a shared
// machine falls on both sides, and a PyTorch process that lands in its slow state for M3 (one
// does, at random, for its whole life: bench/torch_steps.py) is one run of several; the table
// gives medians.
const py = findTorchPython();
const torchThreads = Math.min(2, cores);
const torchEnv = peerIsa === 'avx2'
  ? { ...process.env, ATEN_CPU_CAPABILITY: 'avx2', MKL_ENABLE_INSTRUCTIONS: 'AVX2', ONEDNN_MAX_CPU_ISA: 'AVX2' }
  : process.env;
const torchLabel = `PyTorch, ${torchThreads} threads${peerIsa ? ', capped at AVX2' : ''}`;
const nablaRuns = [];
const torchRuns = [];
for (let r = 0; r < rounds; r++) {
  const tag = rounds > 1 ? ` (round ${r + 1} of ${rounds})` : '';
  nablaRuns.push(child('node', ['bench/nabla-train.mjs', 'wasm', '0', String(seconds), modelList], `nabla wasm, ${cores} threads${tag}`, 600, nablaEnv));
  if (py) torchRuns.push(child(py, ['bench/torch_train.py', String(torchThreads), String(seconds), modelList, mnistDir()], torchLabel + tag, 600, torchEnv));
}
out.rounds = rounds;
out.peerIsa = peerIsa;
out.nablaWasm = combineRuns(nablaRuns);
out.pytorch = py ? combineRuns(torchRuns) : { error: 'PyTorch not installed (Debian: apt-get install -y python3-torch; or pip install torch)' };
out.gemmRelaxed = full ? child('node', ['bench/gemm.mjs', ...(quick ? ['--quick'] : [])], 'GEMM (relaxed SIMD, the default)') : null;
const seqRun = list(RUN_MODELS.filter((m) => SEQ_MODELS.includes(m)));
out.nablaWasmUnfused = args.includes('--unfused') && seqRun
  ? child('node', ['bench/nabla-train.mjs', 'wasm', '0', String(seconds), seqRun], 'nabla wasm, recurrent layers unfused', 600, { ...nablaEnv, NABLA_BENCH_FUSED: '0' })
  : null;
out.nablaWasm1 = full && cores > 1 ? child('node', ['bench/nabla-train.mjs', 'wasm', '1', String(seconds), modelList], 'nabla wasm, 1 thread', 600, nablaEnv) : null;
out.nablaCpu = list(FLAT) ? child('node', ['bench/nabla-train.mjs', 'cpu', '0', String(Math.min(seconds, 2)), list(FLAT)], 'nabla cpu (reference)') : null;
out.tfjsWasm = child('node', ['bench/tfjs-train.mjs', 'wasm', String(seconds), modelList], 'TF.js wasm');
// TF.js cpu (plain JavaScript) takes minutes per recurrent step: M1–M3 only.
const tfCpuModels = list(FLAT);
out.tfjsCpu = tfCpuModels ? child('node', ['bench/tfjs-train.mjs', 'cpu', String(Math.min(seconds, 2)), tfCpuModels], 'TF.js cpu') : null;

out.ops = full ? child('node', ['bench/ops.mjs'], 'per-op overhead', 600, nablaEnv) : null;
out.python = py;
out.loadAfter = loadavg();

// ---- report ----
const rate = (r, m) => (r && !r.error && r.results?.[m] && !r.results[m].error ? r.results[m].samplesPerSec : null);
const fmt = (v) => (v === null || v === undefined ? '—' : v >= 100 ? v.toFixed(0) : v.toFixed(1));
const ratio = (a, b) => (a && b ? `${(a / b).toFixed(2)}×` : '—');
const cols = [
  ['nabla-wasm', out.nablaWasm], ...(out.nablaWasmUnfused ? [['wasm unfused', out.nablaWasmUnfused]] : []), ['nabla-wasm 1t', out.nablaWasm1], ['nabla-cpu', out.nablaCpu],
  ['tfjs-wasm', out.tfjsWasm], ['tfjs-cpu', out.tfjsCpu], ['pytorch', out.pytorch],
];
const lines = [];
lines.push(`nabla bench — ${out.date}, ${cores} cores (${out.cpu}), Node ${out.node}, load ${load0.map((v) => v.toFixed(2)).join(' ')} → ${out.loadAfter.map((v) => v.toFixed(2)).join(' ')}`);
lines.push(`nabla wasm: ${out.nablaWasm?.threads ?? '?'} threads, relaxed SIMD ${out.nablaWasm?.relaxedSimd ? 'on' : 'off'}; PyTorch ${out.pytorch?.version ?? '—'} with ${out.pytorch?.threads ?? '—'} threads (BLAS ${out.pytorch?.blas ?? '—'}, CPU capability ${out.pytorch?.cpuCapability ?? '—'}${peerIsa ? '; capped at AVX2 by ATEN_CPU_CAPABILITY, MKL_ENABLE_INSTRUCTIONS and ONEDNN_MAX_CPU_ISA, emulating a CPU without AVX-512' : ''}; ${py ?? 'no Python with torch'}); ${seconds} s per measurement`);
if (rounds > 1) lines.push(`nabla wasm and PyTorch: median of ${rounds} runs each, alternating processes (every run's figure below the ratios)`);
lines.push('');
lines.push('GEMM n³ GFLOP/s       ' + (out.gemm?.length ? [...new Set(out.gemm.map((g) => g.n))].map((n) => String(n).padStart(7)).join('') : ''));
for (const [label, g] of [['plain SIMD', out.gemm], ['relaxed SIMD', out.gemmRelaxed]]) {
  if (!Array.isArray(g)) continue;
  for (const t of [...new Set(g.map((x) => x.threads))]) {
    const row = g.filter((x) => x.threads === t);
    const tag = row[0]?.relaxedSimd === (label !== 'plain SIMD') ? '' : ' (unavailable: plain SIMD ran)';
    lines.push(`  ${label}, ${t} thread${t > 1 ? 's' : ''}`.padEnd(22) + row.map((x) => x.gflops.toFixed(1).padStart(7)).join('') + tag);
  }
}
lines.push('');
lines.push('Training samples/s (batch 64; M4 32)'.padEnd(34) + cols.map(([n]) => n.padStart(14)).join(''));
for (const m of RUN_MODELS) {
  lines.push(`  ${m}`.padEnd(34) + cols.map(([, r]) => {
    const v = rate(r, m);
    const err = r?.results?.[m]?.error;
    return (v !== null ? fmt(v) : err ? 'unsupported' : '—').padStart(14);
  }).join(''));
}
for (const m of RUN_MODELS) lines.push(`    ${MODEL_TITLES[m]}`);
lines.push('');
lines.push('Ratios (same run)');
for (const m of RUN_MODELS) {
  const w = rate(out.nablaWasm, m);
  const tw = rate(out.tfjsWasm, m);
  const tc = rate(out.tfjsCpu, m);
  const best = Math.max(tw ?? 0, tc ?? 0) || null;
  const bestName = best === null ? '—' : best === tw ? 'tfjs-wasm' : 'tfjs-cpu';
  const w1 = rate(out.nablaWasm1, m);
  const u = rate(out.nablaWasmUnfused, m);
  if (u) lines.push(`  ${m}: fused / unfused recurrent layers = ${ratio(w, u)}`);
  const pt = rate(out.pytorch, m);
  const ptBest = out.pytorch?.results?.[m]?.best ?? null;
  const vsBest = rounds > 1 && ptBest ? ` (${ratio(w, ptBest)} of PyTorch's best run)` : '';
  lines.push(`  ${m}: nabla-wasm / best TF.js that trains it (${bestName}) = ${ratio(w, best)}, / PyTorch = ${ratio(w, pt)}${vsBest}, / nabla-cpu = ${ratio(w, rate(out.nablaCpu, m))}, threads 1→${out.nablaWasm?.threads ?? cores} speed-up ${ratio(w, w1)}`);
}
if (rounds > 1) {
  for (const m of RUN_MODELS) {
    const each = (r) => (r?.results?.[m]?.runs ?? []).map((v) => fmt(v)).join(' / ') || '—';
    lines.push(`  ${m} runs: nabla-wasm ${each(out.nablaWasm)}; PyTorch ${each(out.pytorch)}`);
  }
}
for (const m of RUN_MODELS) {
  const tfErr = out.tfjsWasm?.results?.[m]?.error;
  if (tfErr) lines.push(`  TF.js wasm cannot train ${m}: ${tfErr}`);
}
if (out.pytorch?.error) lines.push(`  PyTorch skipped: ${out.pytorch.error}`);
lines.push('');
if (out.ops && !out.ops.error) {
  lines.push(`Per-op overhead: tiny op (4-element add) ${out.ops.wasm.tinyOpUs.toFixed(1)} µs on wasm, ${out.ops.cpu.tinyOpUs.toFixed(1)} µs on cpu; one M1 step ${out.ops.wasm.m1StepUs.toFixed(0)} µs on wasm, ${out.ops.cpu.m1StepUs.toFixed(0)} µs on cpu`);
}
lines.push('Peak RSS (MiB): ' + cols.filter(([, r]) => r && !r.error).map(([n, r]) => `${n} ${r.peakRssMiB?.toFixed(0)}`).join(', '));
console.log(lines.join('\n'));
mkdirSync(join(root, 'runs'), { recursive: true });
const file = join(root, 'runs', `bench-${started.toISOString().replace(/[:.]/g, '-')}.json`);
writeFileSync(file, JSON.stringify(out, null, 2));
log(`bench: raw results in ${file}`);
