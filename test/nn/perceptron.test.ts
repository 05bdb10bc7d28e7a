import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { values } from './helpers.js';

const PM = [[-1, -1], [-1, 1], [1, -1], [1, 1]]; // ±1 truth table inputs
const B01 = [[0, 0], [0, 1], [1, 0], [1, 1]];
const run = (m: nb.nn.Module, rows: number[][]): number[] => values(m.call(nb.tensor(rows)));

describe('McCulloch–Pitts neuron', () => {
  it('y = sgn(w₀·1 + Σ wᵢxᵢ) with the bias as w₀', () => {
    const n = nb.nn.mpNeuron([-1, 1, 1]);
    expect(run(n, PM)).toEqual([-1, -1, -1, 1]);
    const step = nb.nn.mpNeuron([-1.5, 1, 1], { activation: 'step' });
    expect(run(step, B01)).toEqual([0, 0, 0, 1]);
    expect(n.parameters().every((p) => !p.requiresGrad)).toBe(true);
  });
});

describe('gates built from perceptrons (±1 encoding)', () => {
  it('AND = sign(−1 + g₁ + g₂), OR = sign(1 + g₁ + g₂), NOT = sign(−g)', () => {
    expect(run(nb.nn.gates.and(), PM)).toEqual([-1, -1, -1, 1]);
    expect(run(nb.nn.gates.or(), PM)).toEqual([-1, 1, 1, 1]);
    expect(run(nb.nn.gates.not(), [[-1], [1]])).toEqual([1, -1]);
  });
  it('XOR = OR(AND(−g₁, g₂), AND(g₁, −g₂))', () => {
    const xor = nb.nn.gates.xor();
    expect(run(xor, PM)).toEqual([-1, 1, 1, -1]);
    expect(run(xor.at(0), PM)).toEqual([-1, -1, 1, -1, -1, 1, -1, -1]);
  });
  it('the unit-step XOR: h₁ = f(2x₁ + 2x₂ − 1), h₂ = f(−2x₁ − 2x₂ + 3), o = f(2h₁ + 2h₂ − 3)', () => {
    const xor = nb.nn.gates.xorStep();
    expect(run(xor.at(0), B01)).toEqual([0, 1, 1, 1, 1, 1, 1, 0]);
    expect(run(xor, B01)).toEqual([0, 1, 1, 0]);
  });
});

describe('perceptron learning algorithm', () => {
  it('learns AND and OR (linearly separable) and then classifies every row', () => {
    for (const [target, name] of [[[-1, -1, -1, 1], 'and'], [[-1, 1, 1, 1], 'or']] as const) {
      const p = nb.nn.perceptron(2);
      const r = p.fit(nb.tensor(PM), nb.tensor([...target]));
      expect(r.converged, name).toBe(true);
      expect(r.errors.at(-1)).toBe(0);
      expect(run(p, PM)).toEqual([...target]);
    }
  });
  it('with unit steps and 0/1 targets: w ← w + η(t − y)x', () => {
    const p = nb.nn.perceptron(2, 1, { activation: 'step' });
    // First sample (0,0) → z = 0 → y = 0 = t; second (0,1): t = 1, y = 0 → w₂ += 1, b += 1.
    const r = p.fit(nb.tensor(B01), nb.tensor([[0], [1], [1], [1]]), { lr: 1, maxEpochs: 1 });
    expect(r.errors).toEqual([1]);
    expect(values(p.weight)).toEqual([0, 1]);
    expect(values(p.bias)).toEqual([1]);
    expect(p.fit(nb.tensor(B01), nb.tensor([[0], [1], [1], [1]])).converged).toBe(true);
    expect(run(p, B01)).toEqual([0, 1, 1, 1]);
  });
  it('does not converge on XOR (not linearly separable)', () => {
    const r = nb.nn.perceptron(2).fit(nb.tensor(PM), nb.tensor([-1, 1, 1, -1]), { maxEpochs: 25 });
    expect(r.converged).toBe(false);
    expect(r.epochs).toBe(25);
    expect(Math.min(...r.errors)).toBeGreaterThan(0);
  });
  it('separates random linearly separable 2-D points', () => {
    const rng = new nb.Random(3);
    const pts: number[][] = [];
    const labels: number[] = [];
    while (pts.length < 60) {
      const a = rng.uniform() * 4 - 2;
      const b = rng.uniform() * 4 - 2;
      const s = 0.7 * a - 1.3 * b + 0.4;
      if (Math.abs(s) < 0.2) continue; // keep a margin
      pts.push([a, b]);
      labels.push(s > 0 ? 1 : -1);
    }
    const p = nb.nn.perceptron(2);
    const r = p.fit(nb.tensor(pts), nb.tensor(labels), { maxEpochs: 1000 });
    expect(r.converged).toBe(true);
    expect(run(p, pts)).toEqual(labels);
  });
  it('checks shapes', () => {
    expect(() => nb.nn.perceptron(2).fit(nb.tensor(PM), nb.tensor([1, 1]))).toThrow('perceptron.fit: targets must be [4, 1] or [4], got [2]');
    expect(() => nb.nn.perceptron(3).call(nb.tensor(PM))).toThrow(/perceptron: input has 2 features, expected 3/);
    expect(() => nb.nn.perceptron(2, 1, { weights: [1, 2, 3] })).toThrow(/weights must be \[2\]\[1\]/);
  });
});
