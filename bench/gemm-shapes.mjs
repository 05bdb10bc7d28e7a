// GEMM GFLOP/s of the wasm backend (dist/) on the training shapes of M1–M3 at batch 64 (forward
// X·W, the weight gradient Xᵀ·dY, the input gradient dY·Wᵀ), one thread, timed by alternating
// short windows and taking the median (on one thread, of the process's CPU time, which a busy
// machine disturbs less than wall time). The A/B for changes to asm/matmul.ts.
// Usage: node bench/gemm-shapes.mjs [threads] [ms per window]  → a table, then one JSON line.
import { performance } from 'node:perf_hooks';
import * as nb from '../dist/index.js';
import { createWasmBackend } from '../dist/backends/wasm/index.js';

const threads = Number(process.argv[2] ?? 1);
const windowMs = Number(process.argv[3] ?? 150);
const be = createWasmBackend({ threads, name: 'wasm-gemm-shapes' });
await be.ready();
nb.registerBackend('wasm-gemm-shapes', () => be);
nb.setBackend('wasm-gemm-shapes');

// [label, M, N, K, transA, transB]: C[M,N] = op(A)·op(B)
const layers = [['M1 784→10', 784, 10], ['M2 784→256', 784, 256], ['M2 256→128', 256, 128], ['M2 128→10', 128, 10], ['M3 400→120', 400, 120], ['M3 120→84', 120, 84], ['M3 84→10', 84, 10]];
const B = 64;
const shapes = [];
for (const [name, i, o] of layers) {
  shapes.push([`${name} fwd`, B, o, i, false, false]);
  shapes.push([`${name} dW`, i, o, B, true, false]);
  shapes.push([`${name} dX`, B, i, o, false, true]);
}
const results = [];
for (const [label, M, N, K, tA, tB] of shapes) {
  const a = nb.randn(tA ? [K, M] : [M, K]);
  const b = nb.randn(tB ? [N, K] : [K, N]);
  const ka = a.kernelView();
  const kb = b.kernelView();
  const run = () => be.free(be.matmul(ka, kb, tA, tB, [M, N]), 'float32', M * N);
  for (let i = 0; i < 20; i++) run();
  const windows = [];
  for (let w = 0; w < 5; w++) {
    let reps = 0;
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    let t = t0;
    while (t - t0 < windowMs) { run(); reps++; t = performance.now(); }
    const c = process.cpuUsage(c0);
    // one thread runs the kernels on this thread: its CPU time is steadier than wall time on a busy machine
    windows.push(threads === 1 ? (c.user + c.system) / 1000 / reps : (t - t0) / reps);
  }
  const ms = windows.sort((p, q) => p - q)[2];
  const r = { label, M, N, K, us: +(ms * 1000).toFixed(2), gflops: +((2 * M * N * K) / (ms / 1000) / 1e9).toFixed(2) };
  results.push(r);
  console.error(`${label.padEnd(20)} ${String(M).padStart(4)}×${String(N).padStart(4)}×${String(K).padStart(4)} ${r.us.toFixed(1).padStart(8)} µs ${r.gflops.toFixed(1).padStart(6)} GFLOP/s`);
  a.dispose();
  b.dispose();
}
console.log(JSON.stringify({ threads, relaxedSimd: be.relaxedSimd, results }));
