// One training step of M1, M2 and M4 (see nabla-train.mjs) run three ways on one backend, in one
// process, in alternating windows: eager code, nb.jit of the same step function, and the graph
// Session (nb.graph, for M1 and M2). For each, the time of a step is split into kernel time (the
// backend's kernel calls, timed by a wrapper around each top-level call) and the rest (dispatch,
// validation, autograd bookkeeping, allocation).
// Usage: node bench/jit.mjs [wasm|cpu] [seconds per window] [M1,M2,M4] [rounds]
// (npm run bench -- --jit runs it with the defaults.) Needs the built dist/ (npm run build:ts).
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import * as nb from '../dist/index.js';
import { createWasmBackend } from '../dist/backends/wasm/index.js';
import { BATCH, CHAR_SEQ, CHAR_VOCAB, charBatch, loadChars, loadMnist, mnistImages } from './common.mjs';

const [backend = 'wasm', secondsArg = '1.5', modelsArg = 'M1,M2,M4', roundsArg = '3'] = process.argv.slice(2);
let be;
if (backend === 'wasm') {
  be = createWasmBackend({ name: 'wasm-jit-bench', threads: 1 });
  await be.ready();
  nb.registerBackend('wasm-jit-bench', () => be);
  nb.setBackend('wasm-jit-bench');
} else {
  nb.setBackend(backend);
  be = nb.engine?.getBackend?.() ?? null;
}

// ---- kernel timing: wraps every kernel method of the backend instance (top-level calls only) ----
const NOT_KERNELS = new Set(['constructor', 'upload', 'free', 'download', 'downloadSync', 'memory', 'dispose', 'ready']);
let kernelMs = 0;
let kernelCalls = 0;
let depth = 0;
function instrument(b) {
  const saved = [];
  for (let o = Object.getPrototypeOf(b); o && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
    for (const k of Object.getOwnPropertyNames(o)) {
      if (NOT_KERNELS.has(k) || typeof b[k] !== 'function' || saved.some((s) => s[0] === k)) continue;
      const f = b[k];
      saved.push([k, Object.prototype.hasOwnProperty.call(b, k) ? f : undefined]);
      b[k] = function (...a) {
        if (depth++ > 0) try { return f.apply(this, a); } finally { depth--; }
        const t0 = performance.now();
        try { return f.apply(this, a); } finally { kernelMs += performance.now() - t0; kernelCalls++; depth--; }
      };
    }
  }
  return () => { for (const [k, own] of saved) { if (own) b[k] = own; else delete b[k]; } };
}

const data = await loadMnist(8192);
const X = mnistImages(nb, data);
const Y = nb.oneHot(nb.fromArray(data.labels, [data.n], { dtype: 'int32' }), 10);
const nBatches = Math.floor(data.n / BATCH);
const text = await loadChars();
const batchOf = (i) => [nb.slice(X, [(i % nBatches) * BATCH, 0], [BATCH, 784]), nb.slice(Y, [(i % nBatches) * BATCH, 0], [BATCH, 10])];

function build(name) {
  const nn = nb.nn;
  nb.seed(0);
  if (name === 'M1') return { model: nn.sequential(nn.linear(784, 10)), opt: nb.optim.sgd(0.1) };
  if (name === 'M2') return { model: nn.sequential(nn.linear(784, 256), nn.relu(), nn.linear(256, 128), nn.relu(), nn.linear(128, 10)), opt: nb.optim.adam(1e-3) };
  return { model: nn.sequential(nn.embedding(CHAR_VOCAB, 64), nn.pick(nn.lstm(64, 256)), nn.linear(256, CHAR_VOCAB)), opt: nb.optim.adam(1e-3) };
}

/** The eager training step, as a user writes it: forward, loss, backward, optimizer update. */
function makeStep(name, model, opt) {
  const params = model.parameters();
  if (name === 'M4') {
    return (x, y) => {
      const logits = model.call(x);
      const l = nb.nn.softmaxCrossEntropy(logits.reshape([32 * CHAR_SEQ, CHAR_VOCAB]), y);
      opt.zeroGrad(params);
      l.backward();
      opt.step(params);
      return l;
    };
  }
  return (x, y) => {
    const l = nb.nn.softmaxCrossEntropy(model.call(x), y);
    opt.zeroGrad(params);
    l.backward();
    opt.step(params);
    return l;
  };
}
function inputs(name, i) {
  if (name !== 'M4') return batchOf(i);
  const { x, y } = charBatch(text, i);
  return [nb.fromArray(x, [32, CHAR_SEQ], { dtype: 'int32' }), nb.fromArray(y, [32 * CHAR_SEQ], { dtype: 'int32' })];
}

/** The same models as TensorFlow-1 graphs (M1: softmax regression + SGD; M2: the MLP + Adam). */
function buildSession(name) {
  const tf = nb.graph;
  const g = new tf.Graph();
  nb.seed(0);
  let train, x, y;
  g.asDefault(() => {
    x = tf.placeholder('float32', [null, 784], 'x');
    y = tf.placeholder('float32', [null, 10], 'y');
    const sizes = name === 'M1' ? [784, 10] : [784, 256, 128, 10];
    let h = x;
    for (let i = 0; i + 1 < sizes.length; i++) {
      const W = new tf.Variable(nb.mul(nb.randn([sizes[i], sizes[i + 1]]), Math.sqrt(1 / sizes[i])), { name: `W${i}` });
      const b = new tf.Variable(nb.zeros([sizes[i + 1]]), { name: `b${i}` });
      h = tf.add(tf.matmul(h, W), b);
      if (i + 2 < sizes.length) h = tf.nn.relu(h);
    }
    const loss = tf.reduceMean(tf.nn.softmaxCrossEntropyWithLogits({ labels: y, logits: h }));
    train = (name === 'M1' ? new tf.train.GradientDescentOptimizer(0.1) : new tf.train.AdamOptimizer(1e-3)).minimize(loss);
    train = [train, loss];
  });
  const sess = new tf.Session(g);
  sess.run(g.asDefault(() => tf.globalVariablesInitializer()));
  return { step: (xb, yb) => sess.run(train, new Map([[x, xb], [y, yb]]))[1] };
}

function timeWindow(stepFn, name, seconds, startI) {
  let n = 0;
  kernelMs = 0;
  kernelCalls = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000 || n < 3) {
    nb.tidy(() => { const [a, b] = inputs(name, startI + n); stepFn(a, b); });
    n++;
  }
  return { steps: n, ms: (performance.now() - t0) / n };
}

const out = { backend, load1Before: loadavg()[0], models: {} };
const rounds = Number(roundsArg);
const seconds = Number(secondsArg);
for (const name of modelsArg.split(',')) {
  const modes = {};
  const eager = build(name);
  modes.eager = makeStep(name, eager.model, eager.opt);
  const jitted = build(name);
  modes.jit = nb.jit ? nb.jit(makeStep(name, jitted.model, jitted.opt)) : null;
  if (!modes.jit) delete modes.jit;
  if (name !== 'M4' && nb.graph) modes.session = buildSession(name).step;
  const res = {};
  for (const m of Object.keys(modes)) {
    for (let i = 0; i < 3; i++) nb.tidy(() => { const [a, b] = inputs(name, i); modes[m](a, b); }); // warm-up (jit: trace + compile)
    res[m] = { ms: [], kernelMs: [], otherMs: [], kernelCalls: 0 };
  }
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? Object.keys(modes) : Object.keys(modes).reverse();
    for (const m of order) {
      const w = timeWindow(modes[m], name, seconds, 3 + r * 1000);
      res[m].ms.push(w.ms);
      // the breakdown: a shorter instrumented window (the wrapper itself costs a little per call)
      const restore = be ? instrument(be) : () => {};
      const k = timeWindow(modes[m], name, seconds / 3, 3 + r * 1000);
      restore();
      res[m].kernelMs.push(kernelMs / k.steps);
      res[m].otherMs.push(Math.max(0, k.ms - kernelMs / k.steps));
      res[m].kernelCalls = kernelCalls / k.steps;
    }
  }
  const med = (a) => [...a].sort((p, q) => p - q)[Math.floor(a.length / 2)];
  const summary = {};
  for (const m of Object.keys(res)) {
    const ms = med(res[m].ms);
    const kms = med(res[m].kernelMs);
    summary[m] = { msPerStep: +ms.toFixed(3), kernelMs: +kms.toFixed(3), otherMs: +med(res[m].otherMs).toFixed(3), kernelCallsPerStep: Math.round(res[m].kernelCalls), windowsMs: res[m].ms.map((v) => +v.toFixed(3)) };
  }
  for (const m of Object.keys(summary)) if (m !== 'eager') summary[m].speedupVsEager = +(summary.eager.msPerStep / summary[m].msPerStep).toFixed(2);
  if (modes.jit) summary.jit.plan = modes.jit.stats();
  out.models[name] = summary;
  eager.model.dispose();
  jitted.model.dispose();
}
out.load1After = loadavg()[0];
for (const [name, s] of Object.entries(out.models)) {
  for (const [m, r] of Object.entries(s)) {
    console.error(`${name} ${m.padEnd(7)} ${r.msPerStep.toFixed(2).padStart(8)} ms/step  kernels ${r.kernelMs.toFixed(2).padStart(7)} ms  other ${r.otherMs.toFixed(2).padStart(7)} ms  ${String(r.kernelCallsPerStep).padStart(4)} kernel calls${r.speedupVsEager ? `  ×${r.speedupVsEager} vs eager` : ''}`);
  }
}
for (const [name, s] of Object.entries(out.models)) if (s.jit) console.error(`${name} jit plan: ${s.jit.plan.map((p) => `${p.kernels} kernels per step (traced ${p.traced}: ${p.folded} folded, ${p.cse} CSE, ${p.pruned} pruned, ${p.fused} fused), ${p.traces} trace(s), peak ${(p.peakBytes / 2 ** 20).toFixed(1)} MiB of intermediates${p.memoryPlan === undefined ? '' : `, memory plan ${p.memoryPlan}: slab ${(p.slabBytes / 2 ** 20).toFixed(2)} MiB for ${p.plannedBuffers} buffers of ${(p.plannedBytes / 2 ** 20).toFixed(2)} MiB`}`).join('; ')}`);
console.error(`load average (1 min): ${out.load1Before.toFixed(2)} before, ${out.load1After.toFixed(2)} after`);
console.log(JSON.stringify(out));
