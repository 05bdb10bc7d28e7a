// Training throughput of nabla (the built dist/) on one backend: M1–M3 (batch 64, real MNIST),
// M4 (character LSTM) and M5 (sequential MNIST), see common.mjs.
// Usage: node bench/nabla-train.mjs <wasm|cpu> <threads|0=all> <seconds> <M1,M2,M3,M4,M5>
// Prints one JSON line: { backend, threads, relaxedSimd, peakRssMiB, results: { M1: { samplesPerSec, steps, loss } } }
import * as nb from '../dist/index.js';
import { createWasmBackend } from '../dist/backends/wasm/index.js';
import { BATCH, CHAR_SEQ, CHAR_VOCAB, MODEL_BATCH, SEQ_MODELS, charBatch, loadChars, loadMnist, peakRssMiB, timeSteps } from './common.mjs';

const [backend = 'wasm', threadsArg = '0', secondsArg = '3', modelsArg = 'M1,M2,M3'] = process.argv.slice(2);
let info = { backend, threads: 1, relaxedSimd: false };
if (backend === 'wasm') {
  const be = createWasmBackend({ name: 'wasm-bench', ...(Number(threadsArg) > 0 ? { threads: Number(threadsArg) } : {}) });
  await be.ready();
  nb.registerBackend('wasm-bench', () => be);
  info = { backend, threads: be.threads, relaxedSimd: be.relaxedSimd };
}
nb.setBackend(backend === 'wasm' ? 'wasm-bench' : backend);

// NABLA_BENCH_FUSED=0: the recurrent layers run the composite formula (the A/B of the fused kernels).
const fused = process.env.NABLA_BENCH_FUSED !== '0';
function lstm(...args) {
  const l = nb.nn.lstm(...args);
  l.fused = fused;
  return l;
}

export function buildModel(name) {
  const nn = nb.nn;
  switch (name) {
    case 'M1':
      return { model: nn.sequential(nn.linear(784, 10)), opt: nb.optim.sgd(0.1), image: false };
    case 'M2':
      return { model: nn.sequential(nn.linear(784, 256), nn.relu(), nn.linear(256, 128), nn.relu(), nn.linear(128, 10)), opt: nb.optim.adam(1e-3), image: false };
    case 'M4':
      return { model: nn.sequential(nn.embedding(CHAR_VOCAB, 64), nn.pick(lstm(64, 256)), nn.linear(256, CHAR_VOCAB)), opt: nb.optim.adam(1e-3), image: false };
    case 'M5':
      return { model: nn.sequential(nn.pick(lstm(28, 128, { returnSequences: false })), nn.linear(128, 10)), opt: nb.optim.adam(1e-3), image: false };
    default:
      return {
        model: nn.sequential(
          nn.conv2d(1, 6, 5, { padding: 'same' }), nn.relu(), nn.maxPool2d(2),
          nn.conv2d(6, 16, 5), nn.relu(), nn.maxPool2d(2),
          nn.flatten(), nn.linear(400, 120), nn.relu(), nn.linear(120, 84), nn.relu(), nn.linear(84, 10)),
        opt: nb.optim.adam(1e-3),
        image: true,
      };
  }
}

const data = await loadMnist(backend === 'cpu' ? 8192 : 60000);
const X = nb.fromArray(data.images, [data.n, 784]);
const Y = nb.oneHot(nb.fromArray(data.labels, [data.n], { dtype: 'int32' }), 10);
const nBatches = Math.floor(data.n / BATCH);
const text = await loadChars();
const results = {};
for (const name of modelsArg.split(',')) {
  nb.seed(0);
  const { model, opt, image } = buildModel(name);
  const params = model.parameters();
  let loss = NaN;
  const seqStep = (i) => {
    nb.tidy(() => {
      let l;
      if (name === 'M4') {
        const { x, y } = charBatch(text, i);
        const logits = model.call(nb.fromArray(x, [32, CHAR_SEQ], { dtype: 'int32' }));
        l = nb.nn.softmaxCrossEntropy(logits.reshape([32 * CHAR_SEQ, CHAR_VOCAB]), nb.fromArray(y, [32 * CHAR_SEQ], { dtype: 'int32' }));
      } else {
        const b = i % Math.floor(data.n / 64);
        const x = nb.slice(X, [b * 64, 0], [64, 784]).reshape([64, 28, 28]);
        l = nb.nn.softmaxCrossEntropy(model.call(x), nb.slice(Y, [b * 64, 0], [64, 10]));
      }
      opt.zeroGrad(params);
      l.backward();
      opt.step(params);
      if (i % 5 === 0) loss = l.item();
    });
  };
  const step = SEQ_MODELS.includes(name) ? seqStep : (i) => {
    nb.tidy(() => {
      const b = i % nBatches;
      let x = nb.slice(X, [b * BATCH, 0], [BATCH, 784]);
      if (image) x = x.reshape([BATCH, 1, 28, 28]);
      const y = nb.slice(Y, [b * BATCH, 0], [BATCH, 10]);
      const l = nb.nn.softmaxCrossEntropy(model.call(x), y);
      opt.zeroGrad(params);
      l.backward();
      opt.step(params);
      if (i % 20 === 0) loss = l.item();
    });
  };
  const seconds = Number(secondsArg);
  const seq = SEQ_MODELS.includes(name);
  const r = await timeSteps(step, { seconds, warmup: backend === 'cpu' || seq ? 2 : 5, minSteps: 2 });
  results[name] = { samplesPerSec: r.perSec * MODEL_BATCH[name], steps: r.steps, loss };
  model.dispose();
}
console.log(JSON.stringify({ ...info, fused, peakRssMiB: peakRssMiB(), results }));
