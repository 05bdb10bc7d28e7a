/* global self, fetch, performance, navigator */
// Runs in a dedicated Web Worker of the browser bench page (bundled by bench/browser.mjs with
// esbuild from nabla's sources and the built kernels). Tasks, one message each:
//   { task: 'm2', threads, seconds }  M2 (MLP 784-256-128-10, Adam 1e-3, batch 64, real MNIST)
//                                     as bench/nabla-train.mjs trains it → samples/s
//   { task: 'kernels', threads, relaxedSimd }
//                                     a few threaded kernels (GEMM, convolution and its
//                                     gradients, pooling, elementwise) big enough for the pool,
//                                     and two M2 steps → their values, to compare with Node's
import * as nb from '../src/index.ts';
import { createWasmBackend } from '../src/backends/wasm/index.ts';
import { kernelChecks } from './browser-kernels.mjs';

const BATCH = 64;
let mnist = null;

async function loadMnist() {
  if (mnist) return mnist;
  const get = async (f) => new Uint8Array(await (await fetch(`/mnist/${f}`)).arrayBuffer());
  const img = await get('train-images-idx3-ubyte');
  const lab = await get('train-labels-idx1-ubyte');
  const n = new DataView(img.buffer).getUint32(4);
  const pixels = img.subarray(16, 16 + n * 784); // converted to float32 by nb.fromUint8, in the backend
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) labels[i] = lab[8 + i];
  mnist = { pixels, labels, n };
  return mnist;
}

let serial = 0;
async function useBackend(threads, relaxedSimd = true) {
  const name = `wasm-b${++serial}`;
  const be = createWasmBackend({ name, threads, relaxedSimd });
  await be.ready();
  nb.registerBackend(name, () => be);
  nb.setBackend(name);
  return be;
}

async function m2({ threads, seconds }) {
  const be = await useBackend(threads);
  const data = await loadMnist();
  const X = nb.keep(nb.fromUint8(data.pixels, [data.n, 784], { scale: 1 / 255 }));
  const Y = nb.keep(nb.oneHot(nb.fromArray(data.labels, [data.n], { dtype: 'int32' }), 10));
  const nBatches = Math.floor(data.n / BATCH);
  nb.seed(0);
  const nn = nb.nn;
  const model = nn.sequential(nn.linear(784, 256), nn.relu(), nn.linear(256, 128), nn.relu(), nn.linear(128, 10));
  const opt = nb.optim.adam(1e-3);
  const params = model.parameters();
  let loss = NaN;
  const step = (i) => nb.tidy(() => {
    const b = i % nBatches;
    const x = nb.slice(X, [b * BATCH, 0], [BATCH, 784]);
    const y = nb.slice(Y, [b * BATCH, 0], [BATCH, 10]);
    const l = nb.nn.softmaxCrossEntropy(model.call(x), y);
    opt.zeroGrad(params);
    l.backward();
    opt.step(params);
    if (i % 20 === 0) loss = l.item();
  });
  // as bench/common.mjs timeSteps: 5 warm-up steps, then about `seconds`
  for (let i = 0; i < 5; i++) step(i);
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000 || n < 2) step(5 + n++);
  const perSec = n / ((performance.now() - t0) / 1000);
  model.dispose();
  nb.dispose([X, Y]);
  const out = { threads: be.threads, relaxedSimd: be.relaxedSimd, samplesPerSec: perSec * BATCH, steps: n, loss };
  be.dispose();
  return out;
}

self.onmessage = async (e) => {
  const msg = e.data;
  try {
    const info = { crossOriginIsolated: self.crossOriginIsolated, hardwareConcurrency: navigator.hardwareConcurrency };
    if (msg.task === 'm2') self.postMessage({ ok: true, ...info, ...(await m2(msg)) });
    else if (msg.task === 'kernels') {
      const be = await useBackend(msg.threads, msg.relaxedSimd);
      const values = kernelChecks(nb);
      self.postMessage({ ok: true, ...info, threads: be.threads, relaxedSimd: be.relaxedSimd, values });
      be.dispose();
    } else throw new Error(`unknown task ${msg.task}`);
  } catch (err) {
    self.postMessage({ ok: false, error: String(err?.stack ?? err) });
  }
};
