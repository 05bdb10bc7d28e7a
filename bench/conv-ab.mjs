// A/B of the wasm backend's convolution algorithms on LeNet's (M3's) layers at batch 64: the
// im2col + GEMM path against 'auto' (the direct convolution where it applies), alternated in one
// process so that a loaded machine affects both alike; prints medians per kernel and for the
// whole convolution work of one training step (forward, input gradient, filter gradients), then
// the median time of whole M3 training steps (batch 64, random data) under each.
//   node bench/conv-ab.mjs [rounds] [--threads N]      (uses the built dist/; --threads 1 times CPU time)
import { performance } from 'node:perf_hooks';
import * as nb from '../dist/index.js';
import { createWasmBackend } from '../dist/backends/wasm/index.js';

const args = process.argv.slice(2);
const rounds = Number(args.find((a) => /^\d+$/.test(a)) ?? 15);
const ti = args.indexOf('--threads');
const be = createWasmBackend({ name: 'wasm-conv-ab', ...(ti >= 0 ? { threads: Number(args[ti + 1]) } : {}) });
await be.ready();

const size = (s) => s.reduce((a, b) => a * b, 1);
const rand = (n) => Float32Array.from({ length: n }, () => Math.random() * 2 - 1);
const kt = (shape) => ({ data: be.upload(rand(size(shape)), 'float32'), shape, dtype: 'float32', size: size(shape) });
const layer = (N, C, O, H, pad) => {
  const OH = H + 2 * pad - 4;
  const p = { strides: [1, 1], pads: [pad, pad, pad, pad], dilations: [1, 1], groups: 1, inShape: [N, C, H, H], filterShape: [O, C, 5, 5], outShape: [N, O, OH, OH] };
  return { p, x: kt(p.inShape), w: kt(p.filterShape), dy: kt(p.outShape) };
};
const L1 = layer(64, 1, 6, 28, 2);
const L2 = layer(64, 6, 16, 14, 0);
const free = (h, shape) => be.free(h, 'float32', size(shape));
// on one thread the kernels run on this thread: its CPU time is steadier than wall time on a busy machine
const timed = be.threads === 1
  ? (f) => { const c0 = process.cpuUsage(); f(); const c = process.cpuUsage(c0); return (c.user + c.system) / 1000; }
  : (f) => { const t0 = performance.now(); f(); return performance.now() - t0; };
// one training step's convolution work, kernel by kernel (the filter gradient follows its forward pass, as in training)
function step(algo) {
  be.convAlgorithm = algo;
  const t = {};
  let y1, y2, dx2, dw1, dw2;
  t['conv1 forward'] = timed(() => (y1 = be.conv2d(L1.x, L1.w, L1.p)));
  t['conv2 forward'] = timed(() => (y2 = be.conv2d(L2.x, L2.w, L2.p)));
  t['conv2 input gradient'] = timed(() => (dx2 = be.conv2dBackpropInput(L2.dy, L2.w, L2.p)));
  t['conv2 filter gradient'] = timed(() => (dw2 = be.conv2dBackpropFilter(L2.x, L2.dy, L2.p)));
  t['conv1 filter gradient'] = timed(() => (dw1 = be.conv2dBackpropFilter(L1.x, L1.dy, L1.p)));
  free(y1, L1.p.outShape); free(y2, L2.p.outShape); free(dx2, L2.p.inShape); free(dw1, L1.p.filterShape); free(dw2, L2.p.filterShape);
  t.total = Object.values(t).reduce((a, b) => a + b, 0);
  return t;
}
const res = { im2col: [], auto: [] };
for (let i = 0; i < 3; i++) { step('im2col'); step('auto'); }
for (let i = 0; i < rounds; i++) for (const a of i % 2 ? ['auto', 'im2col'] : ['im2col', 'auto']) res[a].push(step(a));
const med = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[s.length >> 1]; };
console.log(`wasm (${be.threads} threads), ${rounds} alternated rounds, median ms${be.threads === 1 ? ' of CPU time' : ''}`);
console.log(`${''.padEnd(24)}${'im2col'.padStart(9)}${'auto'.padStart(9)}  speed-up`);
for (const k of Object.keys(res.auto[0])) {
  const a = med(res.im2col.map((t) => t[k]));
  const b = med(res.auto.map((t) => t[k]));
  console.log(`${k.padEnd(24)}${a.toFixed(3).padStart(9)}${b.toFixed(3).padStart(9)}  ${(a / b).toFixed(2)}x`);
}

// whole M3 training steps (the model of bench/nabla-train.mjs), blocks of 4 steps alternated
nb.registerBackend('wasm-conv-ab', () => be);
nb.setBackend('wasm-conv-ab');
nb.seed(0);
const nn = nb.nn;
const model = nn.sequential(
  nn.conv2d(1, 6, 5, { padding: 'same' }), nn.relu(), nn.maxPool2d(2),
  nn.conv2d(6, 16, 5), nn.relu(), nn.maxPool2d(2),
  nn.flatten(), nn.linear(400, 120), nn.relu(), nn.linear(120, 84), nn.relu(), nn.linear(84, 10));
const opt = nb.optim.adam(1e-3);
const params = model.parameters();
const X = nb.rand([64, 1, 28, 28]);
const Y = nb.oneHot(nb.fromArray(Int32Array.from({ length: 64 }, (_, i) => i % 10), [64], { dtype: 'int32' }), 10);
const trainStep = () => timed(() => nb.tidy(() => {
  const l = nb.nn.softmaxCrossEntropy(model.call(X), Y);
  opt.zeroGrad(params);
  l.backward();
  opt.step(params);
}));
const steps = { im2col: [], auto: [] };
for (let i = 0; i < 4; i++) trainStep();
for (let i = 0; i < rounds; i++) {
  for (const a of i % 2 ? ['auto', 'im2col'] : ['im2col', 'auto']) {
    be.convAlgorithm = a;
    for (let j = 0; j < 4; j++) steps[a].push(trainStep());
  }
}
const si = med(steps.im2col);
const sa = med(steps.auto);
console.log(`${'M3 training step'.padEnd(24)}${si.toFixed(3).padStart(9)}${sa.toFixed(3).padStart(9)}  ${(si / sa).toFixed(2)}x  (${Math.round(64000 / si)} vs ${Math.round(64000 / sa)} samples/s)`);
model.dispose();
be.dispose();
