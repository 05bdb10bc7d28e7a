/**
 * Backpropagation through a sigmoid neuron, and one training step of a 2-2-2 sigmoid network.
 *
 * 1. The lectures' neuron f(w, x) = 1 / (1 + e^−(w₀x₀ + w₁x₁ + w₂)) at w = [2, −3, −3],
 *    x = [−1, −2]. With s = w₀x₀ + w₁x₁ + w₂ = 1 and σ′(s) = σ(s)(1 − σ(s)), the closed form is
 *    ∂f/∂w = σ′(s)·[x₀, x₁, 1] and ∂f/∂x = σ′(s)·[w₀, w₁]. Autodiff must reproduce it.
 *
 * 2. A 2-2-2 network, sigmoid everywhere, squared error E = Σ ½(t − o)², one gradient-descent
 *    step with η = 0.5 from the classic worked example (inputs 0.05, 0.10; targets 0.01, 0.99;
 *    weights 0.15 … 0.55; biases 0.35 and 0.60, held fixed as in that example). Row convention:
 *    h = σ(x·W₁ + b₁), o = σ(h·W₂ + b₂), with W[i][j] the weight from input i to unit j.
 *
 * Run: npx tsx examples/sigmoid-neuron.ts   (exits non-zero if a check fails)
 */
import { pathToFileURL } from 'node:url';
import * as nb from 'nabla';

const sigma = (v: number): number => 1 / (1 + Math.exp(-v));

/** Double precision where the backend stores it (the reference `cpu`), else float32. */
const precise = (): { dtype: 'float64' | 'float32'; tol: number } =>
  nb.getBackend().supportsFloat64 ? { dtype: 'float64', tol: 1e-12 } : { dtype: 'float32', tol: 1e-6 };

export interface NeuronResult {
  f: number;
  dw: number[];
  dx: number[];
  closedForm: { f: number; dw: number[]; dx: number[] };
}

export function neuron(w0 = [2, -3, -3], x0 = [-1, -2]): NeuronResult {
  return nb.tidy(() => {
    const { dtype } = precise();
    const w = nb.tensor(w0, { dtype, requiresGrad: true });
    const x = nb.tensor(x0, { dtype, requiresGrad: true });
    // Built from primitive nodes exactly as on the slide: *, +, neg, exp, +1, 1/x.
    const s = nb.add(nb.sum(nb.mul(nb.slice(w, [0], [2]), x)), nb.slice(w, [2], [1]).reshape([]));
    const f = nb.reciprocal(nb.add(nb.exp(nb.neg(s)), 1));
    f.backward();
    const sv = w0[0]! * x0[0]! + w0[1]! * x0[1]! + w0[2]!;
    const d = sigma(sv) * (1 - sigma(sv));
    return {
      f: f.item(),
      dw: Array.from(w.grad!.dataSync()),
      dx: Array.from(x.grad!.dataSync()),
      closedForm: { f: sigma(sv), dw: [d * x0[0]!, d * x0[1]!, d], dx: [d * w0[0]!, d * w0[1]!] },
    };
  });
}

export interface NetworkResult {
  lossBefore: number;
  lossAfter: number;
  W1: number[][];
  W2: number[][];
}

/** The published values of the worked example after one step (η = 0.5). */
export const EXPECTED_NETWORK = {
  lossBefore: 0.298371109,
  // W1 = [[w1, w3], [w2, w4]], W2 = [[w5, w7], [w6, w8]]
  W1: [[0.149780716, 0.24975114], [0.19956143, 0.29950229]],
  W2: [[0.35891648, 0.511301270], [0.408666186, 0.561370121]],
};

export function network(): NetworkResult {
  return nb.tidy(() => {
    const o64 = { dtype: precise().dtype };
    const x = nb.tensor([[0.05, 0.1]], o64);
    const t = nb.tensor([[0.01, 0.99]], o64);
    const W1 = nb.tensor([[0.15, 0.25], [0.2, 0.3]], { ...o64, requiresGrad: true });
    const b1 = nb.tensor([0.35, 0.35], o64);
    const W2 = nb.tensor([[0.4, 0.5], [0.45, 0.55]], { ...o64, requiresGrad: true });
    const b2 = nb.tensor([0.6, 0.6], o64);
    const loss = (): nb.Tensor => {
      const h = nb.sigmoid(nb.add(nb.matmul(x, W1), b1));
      const o = nb.sigmoid(nb.add(nb.matmul(h, W2), b2));
      return nb.mul(nb.sum(nb.square(nb.sub(t, o))), 0.5);
    };
    const before = loss();
    before.backward();
    nb.noGrad(() => {
      for (const p of [W1, W2]) {
        p.assign(nb.sub(p, nb.mul(p.grad!, 0.5)));
        p.zeroGrad();
      }
    });
    const after = nb.noGrad(loss);
    return {
      lossBefore: before.item(),
      lossAfter: after.item(),
      W1: W1.arraySync() as number[][],
      W2: W2.arraySync() as number[][],
    };
  });
}

const close = (a: number[], b: number[], tol: number): boolean => a.length === b.length && a.every((v, i) => Math.abs(v - b[i]!) <= tol);

function main(): void {
  let ok = true;
  const r = neuron();
  console.log('Sigmoid neuron f(w, x) = 1/(1 + e^-(w0·x0 + w1·x1 + w2)) at w = [2, -3, -3], x = [-1, -2]');
  console.log(`  f     = ${r.f.toFixed(6)}   (closed form ${r.closedForm.f.toFixed(6)})`);
  console.log(`  df/dw = [${r.dw.map((v) => v.toFixed(6)).join(', ')}]   (closed form [${r.closedForm.dw.map((v) => v.toFixed(6)).join(', ')}])`);
  console.log(`  df/dx = [${r.dx.map((v) => v.toFixed(6)).join(', ')}]   (closed form [${r.closedForm.dx.map((v) => v.toFixed(6)).join(', ')}])`);
  const { dtype, tol } = precise();
  console.log(`(backend ${nb.getBackend().name}, ${dtype})`);
  const neuronOk = Math.abs(r.f - r.closedForm.f) < tol && close(r.dw, r.closedForm.dw, tol) && close(r.dx, r.closedForm.dx, tol);
  console.log(neuronOk ? '  OK: autodiff matches the closed form' : '  FAILED: autodiff differs from the closed form');
  ok &&= neuronOk;

  const n = network();
  console.log('\n2-2-2 sigmoid network, squared error, one step of gradient descent (η = 0.5)');
  console.log(`  loss before = ${n.lossBefore.toFixed(9)}   (worked example ${EXPECTED_NETWORK.lossBefore})`);
  console.log(`  loss after  = ${n.lossAfter.toFixed(9)}`);
  console.log(`  W1 = ${JSON.stringify(n.W1.map((row) => row.map((v) => +v.toFixed(9))))}`);
  console.log(`  W2 = ${JSON.stringify(n.W2.map((row) => row.map((v) => +v.toFixed(9))))}`);
  const netTol = dtype === 'float64' ? 1e-8 : 1e-6; // the worked example is published to 9 digits
  const netOk = Math.abs(n.lossBefore - EXPECTED_NETWORK.lossBefore) < netTol && n.lossAfter < n.lossBefore &&
    close(n.W1.flat(), EXPECTED_NETWORK.W1.flat(), netTol) && close(n.W2.flat(), EXPECTED_NETWORK.W2.flat(), netTol);
  console.log(netOk ? '  OK: matches the worked example' : '  FAILED: differs from the worked example');
  ok &&= netOk;
  if (!ok) process.exit(1);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
