// Cost of one softmaxCrossEntropy + backward on a [64, 10] batch (nabla's built dist/), with
// class-index labels and with one-hot rows (the probability-row path), per backend.
// Usage: node bench/loss.mjs [wasm|cpu]  → one JSON line, microseconds per step (median of 3 windows).
import { performance } from 'node:perf_hooks';
import * as nb from '../dist/index.js';

const backend = process.argv[2] ?? 'wasm';
nb.setBackend(backend);
const z = nb.randn([64, 10], { requiresGrad: true });
const labels = nb.randint(0, 10, [64]);
const oneHot = nb.oneHot(labels, 10);
const time = (targets) => {
  const step = () => nb.tidy(() => { nb.nn.softmaxCrossEntropy(z, targets).backward(); });
  const windows = [];
  for (let w = 0; w < 3; w++) {
    for (let i = 0; i < 2000; i++) step();
    const t0 = performance.now();
    const n = 10000;
    for (let i = 0; i < n; i++) step();
    windows.push(((performance.now() - t0) / n) * 1000);
  }
  return windows.sort((a, b) => a - b)[1];
};
console.log(JSON.stringify({ backend, labelsUs: time(labels), oneHotUs: time(oneHot) }));
process.exit(0);
