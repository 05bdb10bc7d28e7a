// Threaded wasm kernels big enough for the pool to split them (GEMM, convolution and both its
// gradients, max and average pooling, elementwise), and two M2 training steps, on the current
// backend: their values as hashes of the float32 bits (and a few sums to read). Run in Node
// (test/wasm) and in a browser worker (bench/browser-worker.mjs) on the same thread count, they
// must agree bit for bit. Inputs come from a plain LCG, not from nabla's RNG.

/** FNV-1a over the float32 bits. */
function hash(a) {
  const u = new Uint32Array(Float32Array.from(a).buffer);
  let h = 0x811c9dc5;
  for (let i = 0; i < u.length; i++) {
    h ^= u[i];
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

function lcg(n, seed) {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 32 - 0.5;
  }
  return out;
}

const sum = (a) => a.reduce((x, y) => x + y, 0);

/** `nb`: nabla's namespace, its current backend the one to check. */
export function kernelChecks(nb) {
  const out = {};
  const rec = (name, t) => {
    const v = t.dataSync();
    out[name] = { hash: hash(v), sum: Number(sum(v).toPrecision(9)) };
  };
  nb.tidy(() => {
    const a = nb.fromArray(lcg(192 * 784, 1), [192, 784]);
    const b = nb.fromArray(lcg(784 * 256, 2), [784, 256]);
    rec('gemm', nb.matmul(a, b));
    rec('gemmT', nb.matmulT(b, a, true, true));
    const x = nb.fromArray(lcg(8 * 3 * 32 * 32, 3), [8, 3, 32, 32]).requireGrad();
    const w = nb.fromArray(lcg(16 * 3 * 5 * 5, 4), [16, 3, 5, 5]).requireGrad();
    const y = nb.conv2d(x, w, { padding: 'same' });
    const p = nb.add(nb.maxPool2d(y.relu(), 2), nb.avgPool2d(y, 2));
    rec('conv', y);
    rec('pool', p);
    nb.mul(p, p).sum().backward();
    rec('convGradInput', x.grad);
    rec('convGradFilter', w.grad);
    const e = nb.fromArray(lcg(1 << 21, 5), [1 << 21]);
    rec('tanh', nb.tanh(e));
    rec('mul', nb.mul(e, nb.add(e, 1)));
  });
  // two M2 steps (MLP 784-256-128-10, Adam 1e-3) on a batch of 64
  const nn = nb.nn;
  const model = nn.sequential(nn.linear(784, 256), nn.relu(), nn.linear(256, 128), nn.relu(), nn.linear(128, 10));
  const params = model.parameters();
  params.forEach((q, i) => nb.tidy(() => q.assign(nb.fromArray(lcg(q.size, 10 + i), q.shape))));
  const opt = nb.optim.adam(1e-3);
  const losses = [];
  for (let s = 0; s < 2; s++) {
    nb.tidy(() => {
      const xb = nb.fromArray(lcg(64 * 784, 20 + s).map((v) => v + 0.5), [64, 784]);
      const yb = nb.oneHot(nb.fromArray(Int32Array.from({ length: 64 }, (_, i) => (i * 7 + s) % 10), [64], { dtype: 'int32' }), 10);
      const l = nn.softmaxCrossEntropy(model.call(xb), yb);
      opt.zeroGrad(params);
      l.backward();
      opt.step(params);
      losses.push(l.item());
    });
  }
  out.m2Loss = { hash: hash(losses), sum: losses[0] };
  params.forEach((q, i) => rec(`m2Param${i}`, q));
  model.dispose();
  return out;
}
