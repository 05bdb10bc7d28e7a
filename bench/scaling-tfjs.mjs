// TensorFlow.js inference for `npm run bench -- --scaling`: model.predict latency at batch 1 and
// throughput at batch 256 for M2 and M3 (the grid of common.mjs), on its wasm or cpu backend.
// Usage: node bench/scaling-tfjs.mjs <wasm|cpu> <seconds>
// Prints one JSON line: { framework, infer: { M2: { latencyMs, samplesPerSec } }, peakRssMiB }
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { build } from './tfjs-models.mjs';
import { SCALING, loadMnist, peakRssMiB, timeSteps } from './common.mjs';

const [backend = 'wasm', secondsArg = '1'] = process.argv.slice(2);
const seconds = Number(secondsArg);
const require = createRequire(import.meta.url);
const log = console.log;
console.log = () => {}; // tfjs prints a hint about tfjs-node on import; keep the JSON output clean
const tf = require('@tensorflow/tfjs');
if (backend === 'wasm') {
  const wasm = require('@tensorflow/tfjs-backend-wasm');
  wasm.setWasmPaths(join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + '/');
}
await tf.setBackend(backend);
await tf.ready();
console.log = log;

const data = await loadMnist(256);
const out = { framework: `tfjs-${backend}`, infer: {} };
for (const name of SCALING.inferModels) {
  const { model, image } = build(tf, name, backend);
  const input = (batch) => tf.tensor(data.images.subarray(0, batch * 784), image ? [batch, 28, 28, 1] : [batch, 784]);
  const x1 = input(1);
  const x256 = input(256);
  const run = (x) => () => tf.tidy(() => model.predict(x).dataSync());
  const one = await timeSteps(run(x1), { seconds, warmup: 5, minSteps: 5 });
  const many = await timeSteps(run(x256), { seconds, warmup: 2, minSteps: 2 });
  out.infer[name] = { latencyMs: 1000 / one.perSec, samplesPerSec: many.perSec * 256 };
  tf.dispose([x1, x256]);
  model.dispose();
}
out.peakRssMiB = peakRssMiB();
console.log(JSON.stringify(out));
