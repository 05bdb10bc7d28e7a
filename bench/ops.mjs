// Per-op overhead: µs per tiny op (a 4-element add: dispatch, shape checks, allocation) and per
// step of M1, on nabla-wasm and nabla-cpu (dist/). Usage: node bench/ops.mjs  → one JSON line.
import { performance } from 'node:perf_hooks';
import * as nb from '../dist/index.js';
import { createWasmBackend } from '../dist/backends/wasm/index.js';
import { BATCH } from './common.mjs';

const be = createWasmBackend({ name: 'wasm-bench' });
await be.ready();
nb.registerBackend('wasm-bench', () => be);

function usPer(fn, ms = 300) {
  for (let i = 0; i < 200; i++) fn();
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    fn();
    n++;
  }
  return ((performance.now() - t0) * 1000) / n;
}

const out = {};
for (const backend of ['wasm', 'cpu']) {
  nb.setBackend(backend === 'wasm' ? 'wasm-bench' : backend);
  const a = nb.randn([4]);
  const b = nb.randn([4]);
  const tinyOpUs = usPer(() => nb.add(a, b).dispose());
  // one M1 step on random data (the op count is what matters here)
  nb.seed(0);
  const model = nb.nn.sequential(nb.nn.linear(784, 10));
  const opt = nb.optim.sgd(0.1);
  const params = model.parameters();
  const x = nb.rand([BATCH, 784]);
  const y = nb.oneHot(nb.randint ? nb.randint(0, 10, [BATCH]) : nb.zeros([BATCH], { dtype: 'int32' }), 10);
  const m1StepUs = usPer(() => nb.tidy(() => {
    const l = nb.nn.softmaxCrossEntropy(model.call(x), y);
    opt.zeroGrad(params);
    l.backward();
    opt.step(params);
  }));
  out[backend] = { tinyOpUs, m1StepUs };
}
be.dispose();
console.log(JSON.stringify(out));
