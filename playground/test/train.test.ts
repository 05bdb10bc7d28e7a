import { describe, expect, it } from 'vitest';
import * as nb from 'nabla';
import { defaultState, normalize, type State } from '../src/state.js';
import { Trainer } from '../src/trainer.js';
import { webgpuStatus } from '../../test/webgpu/setup.js';

function run(over: Partial<State>, epochs: number): Trainer {
  const t = new Trainer(normalize({ ...defaultState(), ...over }));
  for (let e = 0; e < epochs; e++) t.trainEpoch();
  return t;
}

describe('playground training', () => {
  it('a few epochs reduce the loss (circle, tanh, SGD)', () => {
    const t = run({ dataset: 'circle', learningRate: 0.3 }, 8);
    expect(t.epoch).toBe(8);
    expect(t.history.train).toHaveLength(9);
    expect(t.history.train[8]!).toBeLessThan(t.history.train[0]! * 0.5);
    t.dispose();
  });

  it('regression (plane) reduces the squared error', () => {
    const t = run({ problem: 'regression', dataset: 'plane', hidden: [3] }, 5);
    expect(t.history.train[5]!).toBeLessThan(t.history.train[0]! * 0.5);
    t.dispose();
  });

  it('three-class spiral trains with softmax', () => {
    const t = run({ dataset: 'spiral', classes: 3, hidden: [6, 6], learningRate: 0.1 }, 4);
    expect(t.net.sizes.at(-1)).toBe(3);
    expect(t.history.train[0]!).toBeGreaterThan(0.9); // ≈ ln 3 at the start
    expect(t.history.train[4]!).toBeLessThan(t.history.train[0]!);
    t.dispose();
  });

  it('repeats a run exactly from the same seed', () => {
    const a = run({ dataset: 'xor', seed: 5 }, 3);
    const b = run({ dataset: 'xor', seed: 5 }, 3);
    const c = run({ dataset: 'xor', seed: 6 }, 3);
    expect(b.history.train).toEqual(a.history.train);
    expect(c.history.train).not.toEqual(a.history.train);
    for (const t of [a, b, c]) t.dispose();
  });

  it('keeps the number of live tensors flat over training', () => {
    const t = run({ dataset: 'xor' }, 1);
    const before = nb.memory().numTensors;
    for (let e = 0; e < 3; e++) t.trainEpoch();
    t.evaluate(new Float32Array([0, 0, 1, 1]));
    t.inspect(0, 0, 0);
    expect(nb.memory().numTensors).toBe(before);
    t.dispose();
  });

  it('follows the learning-rate schedule per epoch', () => {
    const t = run({ dataset: 'xor', schedule: 'step', learningRate: 0.1 }, 0);
    expect(t.currentLearningRate).toBeCloseTo(0.1, 12);
    for (let e = 0; e < 100; e++) t.trainEpoch();
    expect(t.currentLearningRate).toBeCloseTo(0.05, 12);
    t.setLearningRate(0.3);
    expect(t.currentLearningRate).toBeCloseTo(0.15, 12);
    t.dispose();
    const x = run({ dataset: 'xor', schedule: 'exp', learningRate: 0.1 }, 3);
    expect(x.currentLearningRate).toBeCloseTo(0.1 * Math.exp(-0.03), 12);
    x.dispose();
  });

  it('releases every tensor when a run is disposed (each reset makes a new run)', () => {
    run({ dataset: 'xor' }, 1).dispose(); // warm up lazily created state
    const before = nb.memory().numTensors;
    for (const activation of ['tanh', 'prelu', 'maxout'] as const) {
      const t = run({ dataset: 'spiral', classes: 3, activation, optimizer: 'adam', regularization: 'l2', regRate: 0.01 }, 2);
      t.inspect(1, 0, 3);
      t.dispose();
    }
    expect(nb.memory().numTensors).toBe(before);
  });

  it('records one gradient norm per layer and epoch', () => {
    const t = run({ dataset: 'circle', hidden: [4, 4, 4], activation: 'sigmoid' }, 2);
    expect(t.history.gradNorms).toHaveLength(4);
    for (const g of t.history.gradNorms) {
      expect(g).toHaveLength(2);
      for (const v of g) expect(v).toBeGreaterThan(0);
    }
    t.dispose();
  });

  for (const activation of ['tanh', 'relu', 'maxout', 'prelu', 'swish'] as const) {
    it(`neuron inspection: δ from autodiff equals BP1/BP2 by hand (${activation})`, () => {
      const t = run({ dataset: 'spiral', classes: 3, hidden: [5, 4], activation }, 1);
      let nonZero = 0;
      for (let layer = 0; layer < 3; layer++) {
        for (let unit = 0; unit < t.net.sizes[layer + 1]!; unit++) {
          for (const point of [7, 31, 64]) {
            const r = t.inspect(layer, unit, point);
            expect(r.equation).toBe(layer === 2 ? 'BP1' : 'BP2');
            expect(r.deltaByHand).toBeCloseTo(r.delta, 5);
            expect(r.gradWeights).toHaveLength(t.net.sizes[layer]!);
            if (r.delta !== 0) nonZero++;
          }
        }
      }
      expect(nonZero).toBeGreaterThan(6);
      t.dispose();
    });
  }

  it('trains the same with asynchronous reads (the webgpu path) as with synchronous ones', async () => {
    const state = normalize({ ...defaultState(), dataset: 'spiral', classes: 3, hidden: [5, 4], optimizer: 'adam', learningRate: 0.03 });
    const sync = run(state, 2);
    const before = nb.memory().numTensors;
    const t = await Trainer.create(normalize(state));
    for (let e = 0; e < 2; e++) while (!(await t.trainBatchAsync()));
    expect(t.epoch).toBe(2);
    expect(t.history).toEqual(sync.history);
    const grid = new Float32Array([0, 0, 1, -2, 3, 3]);
    expect(await t.evaluateAsync(grid)).toEqual(sync.evaluate(grid));
    expect(await t.snapshotAsync()).toEqual(sync.snapshot());
    t.dispose();
    expect(nb.memory().numTensors).toBe(before);
    sync.dispose();
  });
});

describe('playground training on webgpu', async () => {
  const why = await webgpuStatus();
  it.skipIf(why !== null)(`lowers the loss with asynchronous reads${why ? ` (skipped: ${why})` : ''}`, async () => {
    const previous = nb.getBackend().name;
    await nb.setBackendAsync('webgpu', { fallback: false });
    try {
      const t = await Trainer.create(normalize({ ...defaultState(), dataset: 'circle', learningRate: 0.3 }));
      for (let e = 0; e < 4; e++) while (!(await t.trainBatchAsync()));
      expect(t.history.train[4]!).toBeLessThan(t.history.train[0]!);
      const layers = await t.evaluateAsync(new Float32Array([0, 0, 5, 5]));
      expect(layers.at(-1)!).toHaveLength(2);
      t.dispose();
    } finally {
      nb.setBackend(previous);
    }
  });
});
