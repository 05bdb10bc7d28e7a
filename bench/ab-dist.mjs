// A/B of two builds of nabla in one process: training steps of M1–M3 (batch 64, real MNIST, wasm
// backend, default threads) alternating short windows between build A and build B, medians of the
// windows. On a shared machine whose speed drifts by tens of percent from one minute (or one
// process) to the next, alternating within one process is what makes a 5–20 % change visible.
//
//   cp -r dist /tmp/dist-before     (then change the source and npm run build)
//   node bench/ab-dist.mjs /tmp/dist-before dist [M1,M2,M3] [windows=10] [ms per window=300]
//
// Each build gets its own backend instance (its own wasm memory and worker threads); the idle
// build's workers sleep while the other runs.
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { buildModel } from './nabla-models.mjs';
import { BATCH, loadMnist, mnistImages } from './common.mjs';

const [distA, distB, models = 'M1,M2,M3', windowsArg = '10', msArg = '300'] = process.argv.slice(2);
if (!distA || !distB) {
  console.error('usage: node bench/ab-dist.mjs <dist A> <dist B> [M1,M2,M3] [windows] [ms per window]');
  process.exit(2);
}
const windows = Number(windowsArg);
const ms = Number(msArg);
const data = await loadMnist(60000);

async function load(dir, name) {
  const nb = await import(pathToFileURL(resolve(dir, 'index.js')).href);
  const { createWasmBackend } = await import(pathToFileURL(resolve(dir, 'backends/wasm/index.js')).href);
  const be = createWasmBackend({ name });
  await be.ready();
  nb.registerBackend(name, () => be);
  nb.setBackend(name);
  const X = mnistImages(nb, data);
  const Y = nb.oneHot(nb.fromArray(data.labels, [data.n], { dtype: 'int32' }), 10);
  return { nb, X, Y, threads: be.threads };
}

const builds = [await load(distA, 'wasm-a'), await load(distB, 'wasm-b')];
const nBatches = Math.floor(data.n / BATCH);
const median = (a) => {
  const s = a.slice().sort((x, y) => x - y);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
console.log(`A = ${distA}, B = ${distB}; ${builds[0].threads} threads; ${windows} alternating windows of ${ms} ms`);
for (const name of models.split(',')) {
  const steps = builds.map(({ nb, X, Y }) => {
    nb.seed(0);
    const { model, opt, image } = buildModel(nb, name, { fused: true });
    const params = model.parameters();
    let i = 0;
    return () => nb.tidy(() => {
      const b = i++ % nBatches;
      let x = nb.slice(X, [b * BATCH, 0], [BATCH, 784]);
      if (image) x = x.reshape([BATCH, 1, 28, 28]);
      const l = nb.nn.softmaxCrossEntropy(model.call(x), nb.slice(Y, [b * BATCH, 0], [BATCH, 10]));
      opt.zeroGrad(params);
      l.backward();
      opt.step(params);
    });
  });
  const times = [[], []];
  for (let w = 0; w < windows + 1; w++) {
    for (let k = 0; k < 2; k++) {
      builds[k].nb.setBackend(k === 0 ? 'wasm-a' : 'wasm-b');
      for (let j = 0; j < 3; j++) steps[k]();
      const t0 = performance.now();
      let n = 0;
      while (performance.now() - t0 < ms) {
        steps[k]();
        n++;
      }
      if (w > 0) times[k].push((performance.now() - t0) / n); // the first round warms up
    }
  }
  const [a, b] = times.map(median);
  console.log(`${name}: A ${(a * 1000).toFixed(0)} µs/step, B ${(b * 1000).toFixed(0)} µs/step; B/A speed ${(a / b).toFixed(3)}× (A windows ${(Math.min(...times[0]) * 1000).toFixed(0)}–${(Math.max(...times[0]) * 1000).toFixed(0)}, B ${(Math.min(...times[1]) * 1000).toFixed(0)}–${(Math.max(...times[1]) * 1000).toFixed(0)} µs)`);
}
process.exit(0);
