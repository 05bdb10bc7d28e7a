// How nabla's cost grows (npm run bench -- --scaling): training samples/s of M1–M3 at batch
// 1 … 1024, of M2 at widths 128 … 2048 (batch 64), and inference (nb.train.predict) latency at
// batch 1 and throughput at batch 256 for M2 and M3, on the wasm backend.
// Usage: node bench/scaling-nabla.mjs <seconds> <threads|0=all>
// Prints one JSON line: { framework, threads, peakRssMiB, train, widths, infer } (see scaling.mjs).
import * as nb from '../dist/index.js';
import { createWasmBackend } from '../dist/backends/wasm/index.js';
import { buildModel } from './nabla-models.mjs';
import { SCALING, loadMnist, mnistImages, peakRssMiB, timeSteps } from './common.mjs';

const [secondsArg = '1', threadsArg = '0'] = process.argv.slice(2);
const seconds = Number(secondsArg);
const be = createWasmBackend({ name: 'wasm-bench', ...(Number(threadsArg) > 0 ? { threads: Number(threadsArg) } : {}) });
await be.ready();
nb.registerBackend('wasm-bench', () => be);
nb.setBackend('wasm-bench');

const data = await loadMnist();
const X = mnistImages(nb, data);
const Y = nb.oneHot(nb.fromArray(data.labels, [data.n], { dtype: 'int32' }), 10);

/** Training samples/s of one model at one batch size. */
async function train(name, batch, width) {
  nb.seed(0);
  const { model, opt, image } = buildModel(nb, name, { width });
  const params = model.parameters();
  const nBatches = Math.floor(data.n / batch);
  const step = (i) =>
    nb.tidy(() => {
      const b = i % nBatches;
      let x = nb.slice(X, [b * batch, 0], [batch, 784]);
      if (image) x = x.reshape([batch, 1, 28, 28]);
      const l = nb.nn.softmaxCrossEntropy(model.call(x), nb.slice(Y, [b * batch, 0], [batch, 10]));
      opt.zeroGrad(params);
      l.backward();
      opt.step(params);
      l.item(); // the step is finished when its loss is read
    });
  const r = await timeSteps(step, { seconds, warmup: 2, minSteps: 2 });
  model.dispose();
  return r.perSec * batch;
}

/** Inference: ms per call at batch 1, samples/s at batch 256. */
async function infer(name) {
  nb.seed(0);
  const { model, image } = buildModel(nb, name);
  const input = (batch) => (image ? nb.slice(X, [0, 0], [batch, 784]).reshape([batch, 1, 28, 28]) : nb.slice(X, [0, 0], [batch, 784]));
  const x1 = input(1);
  const x256 = input(256);
  const one = await timeSteps(() => nb.train.predict(model, x1).dispose(), { seconds, warmup: 5, minSteps: 5 });
  const many = await timeSteps(() => nb.train.predict(model, x256).dispose(), { seconds, warmup: 2, minSteps: 2 });
  x1.dispose();
  x256.dispose();
  model.dispose();
  return { latencyMs: 1000 / one.perSec, samplesPerSec: many.perSec * 256 };
}

const out = { framework: 'nabla-wasm', threads: be.threads, train: {}, widths: {}, infer: {} };
for (const m of SCALING.models) {
  out.train[m] = {};
  for (const b of SCALING.batches) out.train[m][b] = await train(m, b);
}
for (const w of SCALING.widths) out.widths[w] = await train('M2', 64, w);
for (const m of SCALING.inferModels) out.infer[m] = await infer(m);
out.peakRssMiB = peakRssMiB();
console.log(JSON.stringify(out));
