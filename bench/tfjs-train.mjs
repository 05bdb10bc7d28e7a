// Training throughput of TensorFlow.js (cpu or wasm backend): M1–M3 (batch 64, real MNIST), M4
// (character LSTM) and M5 (sequential MNIST) with tf.layers.lstm, M6 (a DCGAN step, NHWC), see
// common.mjs.
// Usage: node bench/tfjs-train.mjs <cpu|wasm> <seconds> <M1,M2,M3,M4,M5,M6>
// Prints one JSON line: { backend, peakRssMiB, results: { M1: { samplesPerSec, steps } | { error } } }
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { build } from './tfjs-models.mjs';
import { BATCH, CHAR_SEQ, GAN_Z, CHAR_VOCAB, MODEL_BATCH, SEQ_MODELS, charBatch, loadChars, loadMnist, peakRssMiB, timeSteps } from './common.mjs';

const [backend = 'wasm', secondsArg = '3', modelsArg = 'M1,M2,M3'] = process.argv.slice(2);
const require = createRequire(import.meta.url);
// tfjs prints a hint about tfjs-node on import; keep the JSON output clean
const log = console.log;
console.log = () => {};
const tf = require('@tensorflow/tfjs');
if (backend === 'wasm') {
  const wasm = require('@tensorflow/tfjs-backend-wasm');
  wasm.setWasmPaths(join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + '/');
}
await tf.setBackend(backend);
await tf.ready();
console.log = log;

const data = await loadMnist(8192);
const X = tf.tensor2d(data.images, [data.n, 784]);
const Y = tf.oneHot(tf.tensor1d(data.labels, 'int32'), 10).toFloat();
const nBatches = Math.floor(data.n / BATCH);
const text = await loadChars();
const results = {};
for (const name of modelsArg.split(',')) {
  const built = build(tf, name, backend);
  const { model, opt, image } = built;
  // M6: the discriminator on real and (detached) fake images, then the generator through the
  // updated discriminator; TF.js's tape cannot reuse the first generator pass, so the generator
  // step runs it again (one extra generator forward pass per step)
  const ganStep = (i) => {
    const { G, D } = model;
    tf.tidy(() => {
      const b = i % nBatches;
      const real = X.slice([b * BATCH, 0], [BATCH, 784]).mul(2).sub(1).reshape([BATCH, 28, 28, 1]);
      const ones = tf.ones([BATCH, 1]);
      const zeros = tf.zeros([BATCH, 1]);
      const z = tf.randomNormal([BATCH, GAN_Z]);
      const fake = G.apply(z, { training: true });
      const bce = (t, logits) => tf.losses.sigmoidCrossEntropy(t, logits);
      const lD = built.optD.minimize(() => bce(ones, D.apply(real, { training: true })).add(bce(zeros, D.apply(fake, { training: true }))), true, D.trainableWeights.map((w) => w.val));
      const lG = built.optG.minimize(() => bce(ones, D.apply(G.apply(z, { training: true }), { training: true })), true, G.trainableWeights.map((w) => w.val));
      lD.dataSync();
      lG.dataSync();
    });
  };
  const seqStep = (i) => {
    tf.tidy(() => {
      let loss;
      if (name === 'M4') {
        const { x, y } = charBatch(text, i);
        const xi = tf.tensor2d(x, [32, CHAR_SEQ], 'int32');
        const xt = backend === 'wasm' ? tf.oneHot(xi, CHAR_VOCAB).toFloat() : xi;
        const yt = tf.oneHot(tf.tensor1d(y, 'int32'), CHAR_VOCAB).toFloat();
        loss = opt.minimize(() => tf.losses.softmaxCrossEntropy(yt, model.apply(xt).reshape([32 * CHAR_SEQ, CHAR_VOCAB])), true);
      } else {
        const b = i % Math.floor(data.n / 64);
        const x = X.slice([b * 64, 0], [64, 784]).reshape([64, 28, 28]);
        const y = Y.slice([b * 64, 0], [64, 10]);
        loss = opt.minimize(() => tf.losses.softmaxCrossEntropy(y, model.apply(x)), true);
      }
      loss.dataSync();
    });
  };
  const step = built.gan ? ganStep : SEQ_MODELS.includes(name) ? seqStep : (i) => {
    tf.tidy(() => {
      const b = i % nBatches;
      let x = X.slice([b * BATCH, 0], [BATCH, 784]);
      if (image) x = x.reshape([BATCH, 28, 28, 1]);
      const y = Y.slice([b * BATCH, 0], [BATCH, 10]);
      const loss = opt.minimize(() => tf.losses.softmaxCrossEntropy(y, model.apply(x)), true);
      loss.dataSync(); // wait for the step to finish
    });
  };
  try {
    const r = await timeSteps(step, { seconds: Number(secondsArg), warmup: SEQ_MODELS.includes(name) || built.gan ? 1 : 2, minSteps: 2 });
    results[name] = { samplesPerSec: r.perSec * MODEL_BATCH[name], steps: r.steps };
  } catch (e) {
    results[name] = { error: String(e.message ?? e).split('\n')[0] };
  }
  model.dispose();
}
console.log(JSON.stringify({ backend: `tfjs-${backend}`, peakRssMiB: peakRssMiB(), results }));
