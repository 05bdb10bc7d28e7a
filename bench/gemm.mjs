// GEMM GFLOP/s of the wasm backend (dist/), square n³ at 1 thread and all threads.
// Usage: node bench/gemm.mjs [--quick]   → one JSON line: [{ n, threads, relaxedSimd, gflops }]
import { performance } from 'node:perf_hooks';
import * as nb from '../dist/index.js';
import { createWasmBackend } from '../dist/backends/wasm/index.js';
import { availableParallelism } from 'node:os';

const quick = process.argv.includes('--quick');
const sizes = quick ? [128, 256, 512] : [128, 256, 512, 1024];
const results = [];
for (const threads of [...new Set([1, availableParallelism()])]) {
  const name = `wasm-t${threads}`;
  const be = createWasmBackend({ threads, name });
  await be.ready();
  nb.registerBackend(name, () => be);
  nb.setBackend(name);
  for (const n of sizes) {
    const a = nb.randn([n, n]);
    const b = nb.randn([n, n]);
    nb.matmul(a, b).dispose();
    let reps = 0;
    const budget = quick ? 150 : 400;
    const t0 = performance.now();
    let t = t0;
    while (t - t0 < budget) {
      nb.matmul(a, b).dispose();
      reps++;
      t = performance.now();
    }
    results.push({ n, threads, relaxedSimd: be.relaxedSimd, gflops: (2 * n * n * n * reps) / ((t - t0) / 1000) / 1e9 });
    a.dispose();
    b.dispose();
  }
  be.dispose();
}
console.log(JSON.stringify(results));
