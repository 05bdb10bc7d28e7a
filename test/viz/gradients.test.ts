/**
 * The vanishing gradient through time: ‖∂L/∂x_t‖ of a tanh RNN and an LSTM (same hidden size,
 * PyTorch's default initialization, seeded) on a length-50 sequence, L = Σ of the last output.
 */
import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { expectPlainError } from '../nn/helpers.js';

describe('gradientNormsThroughTime', () => {
  it("the RNN's gradient vanishes through time; the LSTM's decays far less (and far less again with forget-gate bias 1)", () => {
    nb.seed(0);
    const rnn = nb.nn.rnn(8, 32);
    const lstm = nb.nn.lstm(8, 32);
    const x = nb.randn([4, 50, 8]);
    const r = nb.viz.gradientNormsThroughTime(rnn, x);
    const l = nb.viz.gradientNormsThroughTime(lstm, x);
    expect(r.length).toBe(50);
    expect(r.every((v) => Number.isFinite(v) && v >= 0)).toBe(true);
    const rnnDecay = r[0]! / r[49]!; // measured 9e-15
    const lstmDecay = l[0]! / l[49]!; // measured 3e-11
    expect(rnnDecay).toBeLessThan(1e-12);
    expect(lstmDecay).toBeGreaterThan(100 * rnnDecay);
    // with the forget gate's bias raised by 1 the LSTM keeps a usable gradient over 50 steps (measured 6e-5)
    const b = lstm.stateDict()['bias_ih_l0']!;
    b.assign(nb.add(b, nb.tensor(Array.from({ length: 128 }, (_, j) => (j >= 32 && j < 64 ? 1 : 0)))));
    const f = nb.viz.gradientNormsThroughTime(lstm, x);
    expect(f[0]! / f[49]!).toBeGreaterThan(1e-6);
    // no gradient was accumulated into the parameters, and their flags are as before
    for (const p of [...rnn.parameters(), ...lstm.parameters()]) {
      expect(p.grad).toBeNull();
      expect(p.requiresGrad).toBe(true);
    }
  });

  it('works with returnSequences: false, and draws a chart', () => {
    nb.seed(1);
    const gru = nb.nn.gru(3, 5, { returnSequences: false });
    const g = nb.viz.gradientNormsThroughTime(gru, nb.randn([2, 6, 3]));
    expect(g.length).toBe(6);
    const svg = nb.viz.gradientNormsChart({ gru: g, other: g.map((v) => v * 2) }, { title: 'GRU' });
    expect((svg.match(/<path d=/g) ?? []).length).toBe(2);
    expect(svg).toContain('time step t');
  });

  it('bad input', () => {
    const rnn = nb.nn.rnn(3, 4);
    expectPlainError(() => nb.viz.gradientNormsThroughTime(rnn, nb.zeros([2, 3])), /^gradientNormsThroughTime: x must be a Tensor \[batch, time, features\]/);
    expectPlainError(() => nb.viz.gradientNormsThroughTime({} as nb.nn.AnyModule, nb.zeros([2, 3, 3])), /^gradientNormsThroughTime: layer must be a Module/);
    expectPlainError(() => nb.viz.gradientNormsThroughTime(rnn, nb.zeros([2, 3, 5])), /rnn: input has 5 features, expected 3/);
    expectPlainError(() => nb.viz.gradientNormsChart([] as unknown as Record<string, number[]>), /^gradientNormsChart: norms must be an object/);
  });
});
