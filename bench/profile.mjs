// Per-kernel profile of training steps of M1, M2 or M3 (batch 64, real MNIST) on the wasm backend
// (the built dist/): where a step's time goes, by phase (forward, backward, optimizer) and by
// backend kernel (GEMM, convolution, pooling, elementwise, reductions, ...), and what is left for
// JavaScript (autograd, op dispatch, validation, allocation bookkeeping).
//
//   npm run bench:profile -- M3            (or: node bench/profile.mjs M3 [steps] [--threads N] [--shapes])
//
// Kernels are timed around each backend call (they are synchronous on wasm: a threaded kernel
// returns when all its parts are done); `--shapes` also lists the costliest calls by shape. The
// models are those of bench/nabla-train.mjs. Timing adds about a microsecond per kernel call.
import { performance } from 'node:perf_hooks';
import * as nb from '../dist/index.js';
import { createWasmBackend } from '../dist/backends/wasm/index.js';
import { BATCH, loadMnist, mnistImages } from './common.mjs';
import { buildModel } from './nabla-models.mjs';

const args = process.argv.slice(2);
const name = args.find((a) => /^M[123]$/.test(a)) ?? 'M3';
const steps = Number(args.find((a) => /^\d+$/.test(a)) ?? 40);
const ti = args.indexOf('--threads');
const threads = ti >= 0 ? Number(args[ti + 1]) : 0;
const showShapes = args.includes('--shapes');

const be = createWasmBackend({ name: 'wasm-profile', ...(threads > 0 ? { threads } : {}) });
await be.ready();
nb.registerBackend('wasm-profile', () => be);
nb.setBackend('wasm-profile');

// ---- timing wrappers on the backend instance ----
const KERNELS = [
  'upload', 'free', 'fill', 'cast', 'unary', 'binary', 'where', 'reduce', 'argReduce', 'matmul', 'transpose', 'broadcastTo',
  'slice', 'pad', 'concat', 'gather', 'scatterAdd', 'oneHot', 'conv2d', 'conv2dBackpropInput', 'conv2dBackpropFilter',
  'maxPool2d', 'maxPool2dBackward', 'avgPool2d', 'avgPool2dBackward', 'adamStep', 'cumulative', 'argsort',
];
const GROUP = {
  matmul: 'GEMM', conv2d: 'conv', conv2dBackpropInput: 'conv', conv2dBackpropFilter: 'conv',
  maxPool2d: 'pool', maxPool2dBackward: 'pool', avgPool2d: 'pool', avgPool2dBackward: 'pool',
  unary: 'elementwise', binary: 'elementwise', where: 'elementwise', fill: 'elementwise', cast: 'elementwise',
  reduce: 'reduce', argReduce: 'reduce', cumulative: 'reduce', argsort: 'reduce',
  adamStep: 'optimizer (fused Adam)', upload: 'alloc/free', free: 'alloc/free',
};
let phase = 'other';
let on = false;
const byKey = new Map(); // `${phase}|${kernel}` → { ms, calls }
const byShape = new Map();
const shapeOf = (a) => (a && typeof a === 'object' && Array.isArray(a.shape) ? `[${a.shape}]` : typeof a === 'string' ? a : '');
for (const k of KERNELS) {
  const f = be[k];
  if (typeof f !== 'function') continue;
  be[k] = (...a) => {
    if (!on) return f.apply(be, a);
    const t0 = performance.now();
    const r = f.apply(be, a);
    const dt = performance.now() - t0;
    const label = typeof a[0] === 'string' ? `${k}:${a[0]}` : k;
    const key = `${phase}|${label}`;
    const e = byKey.get(key) ?? { ms: 0, calls: 0 };
    e.ms += dt;
    e.calls++;
    byKey.set(key, e);
    if (showShapes) {
      const sk = `${label} ${a.slice(typeof a[0] === 'string' ? 1 : 0, 3).map(shapeOf).filter(Boolean).join(' ')}`;
      const s = byShape.get(sk) ?? { ms: 0, calls: 0 };
      s.ms += dt;
      s.calls++;
      byShape.set(sk, s);
    }
    return r;
  };
}

const data = await loadMnist(8192);
const X = mnistImages(nb, data);
const Y = nb.oneHot(nb.fromArray(data.labels, [data.n], { dtype: 'int32' }), 10);
const nBatches = Math.floor(data.n / BATCH);
nb.seed(0);
const { model, opt, image } = buildModel(nb, name);
const params = model.parameters();
const phaseMs = { forward: 0, backward: 0, optimizer: 0, other: 0 };
let total = 0;
function step(i) {
  const t0 = performance.now();
  nb.tidy(() => {
    phase = 'other';
    const b = i % nBatches;
    let x = nb.slice(X, [b * BATCH, 0], [BATCH, 784]);
    if (image) x = x.reshape([BATCH, 1, 28, 28]);
    const y = nb.slice(Y, [b * BATCH, 0], [BATCH, 10]);
    let t = performance.now();
    phase = 'forward';
    const l = nb.nn.softmaxCrossEntropy(model.call(x), y);
    phaseMs.forward += on ? performance.now() - t : 0;
    t = performance.now();
    phase = 'backward';
    opt.zeroGrad(params);
    l.backward();
    phaseMs.backward += on ? performance.now() - t : 0;
    t = performance.now();
    phase = 'optimizer';
    opt.step(params);
    phaseMs.optimizer += on ? performance.now() - t : 0;
    phase = 'other';
  });
  if (on) total += performance.now() - t0;
}
for (let i = 0; i < 10; i++) step(i);
on = true;
for (let i = 0; i < steps; i++) step(10 + i);
on = false;
phaseMs.other = total - phaseMs.forward - phaseMs.backward - phaseMs.optimizer;

// ---- report ----
const per = (ms) => (ms / steps).toFixed(3).padStart(8);
const pct = (ms) => `${((100 * ms) / total).toFixed(1).padStart(5)}%`;
console.log(`${name} on wasm (${be.threads} threads${be.relaxedSimd ? ', relaxed SIMD' : ''}), batch ${BATCH}: ${steps} steps, ${(total / steps).toFixed(3)} ms/step (${Math.round((BATCH * steps * 1000) / total)} samples/s while profiled)`);
const groups = new Map();
let kernelMs = 0;
for (const [key, e] of byKey) {
  const k = key.split('|')[1].split(':')[0];
  const g = GROUP[k] ?? 'indexing/copies';
  groups.set(g, (groups.get(g) ?? 0) + e.ms);
  kernelMs += e.ms;
}
console.log('\nby kernel family (ms/step, % of step)');
for (const [g, ms] of [...groups].sort((a, b) => b[1] - a[1])) console.log(`  ${g.padEnd(26)}${per(ms)} ${pct(ms)}`);
console.log(`  ${'JS outside kernels'.padEnd(26)}${per(total - kernelMs)} ${pct(total - kernelMs)}   (autograd, op dispatch, validation, tidy)`);
console.log('\nby phase (ms/step: all, of which kernels)');
for (const ph of ['forward', 'backward', 'optimizer', 'other']) {
  let k = 0;
  for (const [key, e] of byKey) if (key.startsWith(`${ph}|`)) k += e.ms;
  console.log(`  ${ph.padEnd(10)}${per(phaseMs[ph])} ${pct(phaseMs[ph])}   kernels ${per(k)}`);
}
console.log('\nkernels by phase (ms/step, calls/step)');
for (const [key, e] of [...byKey].sort((a, b) => b[1].ms - a[1].ms)) {
  console.log(`  ${key.replace('|', '  ').padEnd(40)}${per(e.ms)} ${pct(e.ms)}  ${(e.calls / steps).toFixed(1).padStart(5)}`);
}
if (showShapes) {
  console.log('\ncostliest calls by shape (ms/step, calls/step)');
  for (const [key, e] of [...byShape].sort((a, b) => b[1].ms - a[1].ms).slice(0, 25)) {
    console.log(`  ${key.padEnd(60)}${per(e.ms)}  ${(e.calls / steps).toFixed(1).padStart(5)}`);
  }
}
model.dispose();
be.dispose();
