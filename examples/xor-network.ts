/**
 * XOR learned by backpropagation (SCOPE §2): a 2-2-1 sigmoid network trained with SGD and
 * momentum on the four XOR points, then a 2-8-1 tanh network with Adam. A single perceptron
 * cannot do this (examples/logic-gates.ts); one hidden layer of differentiable units can.
 *
 * It also checks the lectures' worked step first: the 2-2-2 sigmoid network with inputs
 * (0.05, 0.10), targets (0.01, 0.99) and E = ½Σ(t − o)², whose error is 0.298371109 and whose
 * output weight w₅ becomes 0.35891648 after one step with η = 0.5.
 *
 * Run: npx tsx examples/xor-network.ts   (NABLA_SHORT=1 for fewer epochs; exits non-zero on failure)
 */
import { pathToFileURL } from 'node:url';
import * as nb from 'nabla';

const short = process.env.NABLA_SHORT === '1';

function lectureStep(): { error: number; w5: number } {
  // Checked to 9 digits, which needs float64: the reference backend 'cpu' stores it (wasm does not).
  const prev = nb.getBackend().name;
  nb.setBackend('cpu');
  try {
    return lectureStepFloat64();
  } finally {
    nb.setBackend(prev);
  }
}

function lectureStepFloat64(): { error: number; w5: number } {
  const D = { dtype: 'float64' } as const;
  const net = nb.nn.sequential(nb.nn.linear(2, 2, D), nb.nn.sigmoid(), nb.nn.linear(2, 2, D), nb.nn.sigmoid());
  net.loadStateDict({
    '0.weight': nb.tensor([[0.15, 0.25], [0.2, 0.3]], D), // W[i][j]: input i → hidden j
    '0.bias': nb.tensor([0.35, 0.35], D),
    '2.weight': nb.tensor([[0.4, 0.5], [0.45, 0.55]], D),
    '2.bias': nb.tensor([0.6, 0.6], D),
  });
  const error = nb.tidy(() => {
    const e = nb.nn.squaredError(net.call(nb.tensor([[0.05, 0.1]], D)), nb.tensor([[0.01, 0.99]], D));
    e.backward();
    return e.item();
  });
  nb.optim.sgd(0.5).step(net.parameters());
  return { error, w5: (net.stateDict()['2.weight']!.dataSync()[0] as number) };
}

export function trainXor(net: nb.nn.Module, opt: nb.optim.Optimizer, epochs: number, log: (epoch: number, loss: number) => void): number[] {
  const x = nb.tensor([[0, 0], [0, 1], [1, 0], [1, 1]]);
  const t = nb.tensor([[0], [1], [1], [0]]);
  for (let epoch = 1; epoch <= epochs; epoch++) {
    const loss = nb.tidy(() => {
      const l = nb.nn.binaryCrossEntropyWithLogits(net.call(x), t);
      l.backward();
      return l.item();
    });
    opt.step(net.parameters());
    net.zeroGrad();
    log(epoch, loss);
  }
  const p = nb.tidy(() => Array.from(nb.sigmoid(net.call(x)).dataSync() as ArrayLike<number>, Number));
  x.dispose();
  t.dispose();
  return p;
}

function main(): void {
  const failures: string[] = [];
  const s = lectureStep();
  console.log(`2-2-2 lecture network: E = ${s.error.toFixed(9)} (expected 0.298371109), w5 after one step = ${s.w5.toFixed(8)} (expected 0.35891648)`);
  if (Math.abs(s.error - 0.298371109) > 1e-9 || Math.abs(s.w5 - 0.35891648) > 1e-8) failures.push('lecture step');

  const runs: [string, () => nb.nn.Module, () => nb.optim.Optimizer, number][] = [
    ['2-2-1 sigmoid, SGD + momentum', () => nb.nn.sequential(nb.nn.linear(2, 2, { init: nb.nn.init.normal(1) }), nb.nn.sigmoid(), nb.nn.linear(2, 1, { init: nb.nn.init.normal(1) })), () => nb.optim.sgd(0.5, { momentum: 0.9 }), short ? 600 : 2000],
    ['2-8-1 tanh, Adam', () => nb.nn.sequential(nb.nn.linear(2, 8, { init: 'glorotUniform' }), nb.nn.tanh(), nb.nn.linear(8, 1, { init: 'glorotUniform' })), () => nb.optim.adam(0.05), short ? 200 : 500],
  ];
  for (const [name, makeNet, makeOpt, epochs] of runs) {
    nb.seed(1);
    const net = makeNet();
    console.log(`\n${name}, ${epochs} epochs, full batch:`);
    console.log(net.summary([2]).split('\n').map((l) => `  ${l}`).join('\n'));
    const every = Math.max(1, Math.floor(epochs / 5));
    const p = trainXor(net, makeOpt(), epochs, (e, l) => {
      if (e % every === 0 || e === 1) console.log(`  epoch ${String(e).padStart(4)}  loss ${l.toFixed(5)}`);
    });
    const table = ['00', '01', '10', '11'].map((k, i) => `${k} → ${p[i]!.toFixed(3)}`).join('   ');
    console.log(`  predictions: ${table}`);
    const ok = p[0]! < 0.5 && p[1]! > 0.5 && p[2]! > 0.5 && p[3]! < 0.5;
    if (!ok) failures.push(name);
    net.dispose();
  }
  if (failures.length) {
    console.log(`\nFAILED: ${failures.join(', ')}`);
    process.exit(1);
  }
  console.log('\nOK: both networks learned XOR');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
