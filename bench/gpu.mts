// The GPU check and benchmark run by bench/gpu.sh: correctness of a few ops on `webgpu` against
// `cpu`, then training throughput of M2 (MLP) and M3 (LeNet-style CNN) at batch 64 and 512
// (Adam, synthetic MNIST-shaped data) and a square matmul. Prints one JSON line last.
// Usage: node --import tsx bench/gpu.mts [--dry]   (--dry: tiny sizes, for a CPU Vulkan driver)
import * as nb from '../src/index.js';

const dry = process.argv.includes('--dry');
const name = await nb.setBackendAsync('webgpu', { fallback: false });
const be = nb.getBackend() as nb.Backend & { adapter?: string };
console.error(`nabla webgpu on: ${be.adapter ?? name}`);

async function maxDiff(f: () => nb.Tensor): Promise<number> {
  nb.setBackend('webgpu');
  nb.seed(3);
  const g = await nb.tidy(f).data();
  nb.setBackend('cpu');
  nb.seed(3);
  const c = nb.tidy(f).dataSync();
  nb.setBackend('webgpu');
  let e = 0;
  for (let i = 0; i < c.length; i++) e = Math.max(e, Math.abs((g[i] as number) - (c[i] as number)) / Math.max(1, Math.abs(c[i] as number)));
  return e;
}

const checks: Record<string, number> = {
  matmul: await maxDiff(() => nb.matmul(nb.randn([67, 129]), nb.randn([129, 33]))),
  matmulT: await maxDiff(() => nb.matmul(nb.randn([64, 128]), nb.transpose(nb.randn([32, 128])))),
  linearGrad: await maxDiff(() => nb.grad((w: nb.Tensor) => nb.sum(nb.relu(nb.matmul(nb.randn([16, 64]), w))))(nb.randn([64, 32]))),
  conv2d: await maxDiff(() => nb.conv2d(nb.randn([2, 3, 12, 12]), nb.randn([5, 3, 3, 3]), { padding: 1, stride: 2 })),
  conv2dGrad: await maxDiff(() => nb.grad((x: nb.Tensor) => nb.sum(nb.square(nb.conv2d(x, nb.randn([4, 3, 3, 3])))))(nb.randn([2, 3, 8, 8]))),
  maxPool: await maxDiff(() => nb.maxPool2d(nb.randn([2, 3, 8, 8]), 2)),
  softmaxCE: await maxDiff(() => nb.nn.softmaxCrossEntropy(nb.randn([16, 10]), nb.oneHot(nb.randint(0, 10, [16]), 10))),
  sumAxis: await maxDiff(() => nb.sum(nb.randn([33, 65]), 0)),
};
const ok = Object.values(checks).every((e) => e < 1e-3);
console.error(`correctness vs cpu (max relative error): ${JSON.stringify(checks)} ${ok ? 'OK' : 'FAILED'}`);

function model(m: string): nb.nn.Module {
  const nn = nb.nn;
  if (m === 'M2') return nn.sequential(nn.linear(784, 256), nn.relu(), nn.linear(256, 128), nn.relu(), nn.linear(128, 10));
  return nn.sequential(
    nn.conv2d(1, 6, 5, { padding: 'same' }), nn.relu(), nn.maxPool2d(2),
    nn.conv2d(6, 16, 5), nn.relu(), nn.maxPool2d(2),
    nn.flatten(), nn.linear(400, 120), nn.relu(), nn.linear(120, 84), nn.relu(), nn.linear(84, 10));
}

/** Samples per second of `m` at `batch`, timing `steps` steps after `warmup`, reading the loss at the end. */
async function train(m: string, batch: number, steps: number, warmup: number): Promise<{ samplesPerSec: number; loss: number }> {
  nb.seed(0);
  const net = model(m);
  const params = net.parameters();
  const opt = nb.optim.adam(1e-3);
  const shape = m === 'M3' ? [batch, 1, 28, 28] : [batch, 784];
  const X = nb.rand(shape);
  const Y = nb.oneHot(nb.randint(0, 10, [batch]), 10);
  const step = (): nb.Tensor => nb.tidy(() => {
    const l = nb.nn.softmaxCrossEntropy(net.call(X), Y);
    opt.zeroGrad(params);
    l.backward();
    opt.step(params);
    return l.detach();
  });
  for (let i = 0; i < warmup; i++) {
    const l = step();
    await l.data();
    l.dispose();
  }
  const t0 = performance.now();
  let last: nb.Tensor | null = null;
  for (let i = 0; i < steps; i++) {
    last?.dispose();
    last = step();
  }
  const loss = (await last!.data())[0] as number;
  const secs = (performance.now() - t0) / 1000;
  last!.dispose();
  net.dispose();
  X.dispose();
  Y.dispose();
  return { samplesPerSec: (batch * steps) / secs, loss };
}

const results: Record<string, unknown> = {};
const batches = dry ? [8] : [64, 512];
for (const m of ['M2', 'M3']) for (const b of batches) {
  results[`${m}@${b}`] = await train(m, b, dry ? 3 : m === 'M2' ? 200 : 60, dry ? 1 : 5);
  console.error(`${m} batch ${b}: ${JSON.stringify(results[`${m}@${b}`])}`);
}
const n = dry ? 128 : 4096;
{
  const a = nb.randn([n, n]);
  const b = nb.randn([n, n]);
  const warm = nb.matmul(a, b);
  await warm.data();
  warm.dispose();
  const reps = dry ? 2 : 10;
  const t0 = performance.now();
  const outs: nb.Tensor[] = [];
  for (let i = 0; i < reps; i++) outs.push(nb.matmul(a, b));
  await outs[outs.length - 1]!.data();
  const secs = (performance.now() - t0) / 1000;
  results[`matmul${n}`] = { gflops: (2 * n ** 3 * reps) / secs / 1e9 };
  console.error(`matmul ${n}³: ${JSON.stringify(results[`matmul${n}`])}`);
  for (const o of outs) o.dispose();
}
console.log(JSON.stringify({ backend: 'webgpu', adapter: be.adapter, dry, correct: ok, checks, results }));
process.exit(ok ? 0 : 1);
