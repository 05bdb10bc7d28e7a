// Training throughput of nabla (the built dist/) on one backend: M1–M3 (batch 64, real MNIST),
// M4 (character LSTM), M5 (sequential MNIST) and M6 (a DCGAN step), see common.mjs.
// Usage: node bench/nabla-train.mjs <wasm|cpu> <threads|0=all> <seconds> <M1,M2,M3,M4,M5,M6>
// Prints one JSON line: { backend, threads, relaxedSimd, peakRssMiB, results: { M1: { samplesPerSec, steps, loss } } }
import * as nb from '../dist/index.js';
import { createWasmBackend } from '../dist/backends/wasm/index.js';
import { buildModel } from './nabla-models.mjs';
import { BATCH, CHAR_SEQ, CHAR_VOCAB, GAN_Z, MODEL_BATCH, SEQ_MODELS, charBatch, loadChars, loadMnist, mnistImages, peakRssMiB, timeSteps } from './common.mjs';

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

const data = await loadMnist(backend === 'cpu' ? 8192 : 60000);
const X = mnistImages(nb, data);
const Y = nb.oneHot(nb.fromArray(data.labels, [data.n], { dtype: 'int32' }), 10);
const nBatches = Math.floor(data.n / BATCH);
const text = await loadChars();
const results = {};
for (const name of modelsArg.split(',')) {
  nb.seed(0);
  const built = buildModel(nb, name, { fused });
  const { model, opt, image } = built;
  const params = model.parameters();
  let loss = NaN;
  const ganStep = (i) => {
    const { G, D, optG, optD } = built;
    nb.tidy(() => {
      const b = i % nBatches;
      const real = nb.sub(nb.mul(nb.slice(X, [b * BATCH, 0], [BATCH, 784]), 2), 1).reshape([BATCH, 1, 28, 28]);
      const ones = nb.ones([BATCH, 1]);
      const zeros = nb.zeros([BATCH, 1]);
      const fake = G.call(nb.randn([BATCH, GAN_Z]));
      const bce = nb.nn.binaryCrossEntropyWithLogits;
      // discriminator: real → 1, detached fake → 0
      const dParams = D.parameters();
      optD.zeroGrad(dParams);
      const lD = nb.add(bce(D.call(real), ones), bce(D.call(fake.detach()), zeros));
      lD.backward();
      optD.step(dParams);
      // generator: D(fake) → 1
      const gParams = G.parameters();
      optG.zeroGrad(gParams);
      const lG = bce(D.call(fake), ones);
      lG.backward();
      optG.step(gParams);
      if (i % 5 === 0) loss = lD.item() + lG.item();
    });
  };
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
  const step = built.gan ? ganStep : SEQ_MODELS.includes(name) ? seqStep : (i) => {
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
  const r = await timeSteps(step, { seconds, warmup: backend === 'cpu' || seq || built.gan ? 2 : 5, minSteps: 2 });
  results[name] = { samplesPerSec: r.perSec * MODEL_BATCH[name], steps: r.steps, loss };
  model.dispose();
}
console.log(JSON.stringify({ ...info, fused, peakRssMiB: peakRssMiB(), results }));
