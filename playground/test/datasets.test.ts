import { describe, expect, it } from 'vitest';
import { makeData } from '../src/datasets.js';
import { defaultState, normalize, type State } from '../src/state.js';

const state = (over: Partial<State>): State => normalize({ ...defaultState(), ...over });

describe('playground data', () => {
  it('splits the points by the train ratio', () => {
    const d = makeData(state({ dataset: 'circle', points: 400, trainRatio: 70 }));
    expect(d.train.count).toBe(280);
    expect(d.test.count).toBe(120);
    expect(d.train.xy).toHaveLength(560);
    expect(d.classes).toBe(2);
  });

  it('is reproducible from the seed and changes with it', () => {
    const a = makeData(state({ dataset: 'xor', seed: 3 }));
    const b = makeData(state({ dataset: 'xor', seed: 3 }));
    const c = makeData(state({ dataset: 'xor', seed: 4 }));
    expect(b.train.xy).toEqual(a.train.xy);
    expect(c.train.xy).not.toEqual(a.train.xy);
  });

  it('labels XOR by quadrant when noise-free', () => {
    const d = makeData(state({ dataset: 'xor', noise: 0 }));
    for (let i = 0; i < d.train.count; i++) {
      const prod = d.train.xy[2 * i]! * d.train.xy[2 * i + 1]!;
      expect(d.train.labels[i]).toBe(prod >= 0 ? 1 : 0);
    }
  });

  it('gives a three-arm spiral three balanced classes', () => {
    const d = makeData(state({ dataset: 'spiral', classes: 3, points: 300, trainRatio: 90 }));
    expect(d.classes).toBe(3);
    const counts = [0, 0, 0];
    for (const l of [...d.train.labels, ...d.test.labels]) counts[l]!++;
    expect(counts).toEqual([100, 100, 100]);
  });

  it('gives regression targets in [−1, 1] and no classes', () => {
    for (const dataset of ['plane', 'gaussmix'] as const) {
      const d = makeData(state({ problem: 'regression', dataset }));
      expect(d.classes).toBe(0);
      const all = [...d.train.labels, ...d.test.labels];
      expect(Math.max(...all.map(Math.abs))).toBeLessThanOrEqual(1.05);
      expect(new Set(all).size).toBeGreaterThan(100);
    }
  });

  it('spreads points more with more noise', () => {
    const spread = (noise: number): number => {
      const d = makeData(state({ dataset: 'gauss', noise }));
      let s = 0;
      for (let i = 0; i < d.train.count; i++) {
        const c = d.train.labels[i] === 1 ? 2 : -2;
        s += (d.train.xy[2 * i]! - c) ** 2;
      }
      return s / d.train.count;
    };
    expect(spread(50)).toBeGreaterThan(4 * spread(0));
  });
});
