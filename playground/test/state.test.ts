import { describe, expect, it } from 'vitest';
import { defaultState, fromHash, normalize, toHash, type State } from '../src/state.js';

describe('playground state ↔ URL', () => {
  it('round-trips the default state', () => {
    const s = defaultState();
    expect(fromHash(toHash(s))).toEqual(s);
  });

  it('round-trips every field changed away from its default', () => {
    const s: State = {
      problem: 'classification', dataset: 'spiral', classes: 3, noise: 15, trainRatio: 70, points: 600,
      features: ['x1', 'x2', 'sinx1', 'x1sq'], hidden: [8, 6, 3], activation: 'selu', init: 'he', optimizer: 'adam',
      learningRate: 0.003, schedule: 'exp', regularization: 'l2', regRate: 0.001, batchSize: 20, seed: 424242, showTest: true, discretize: true,
    };
    const back = fromHash('#' + toHash(s));
    // Features come back in canonical order.
    expect(back).toEqual({ ...s, features: ['x1', 'x2', 'x1sq', 'sinx1'] });
    expect(toHash(back)).toBe(toHash(normalize(s)));
  });

  it('round-trips a network without hidden layers and a regression problem', () => {
    const s = normalize({ ...defaultState(), problem: 'regression', dataset: 'gaussmix', hidden: [] });
    expect(fromHash(toHash(s))).toEqual(s);
    expect(s.classes).toBe(2);
  });

  it('falls back to defaults for missing or invalid entries', () => {
    const d = defaultState();
    const s = fromHash('#dataset=moons&noise=-3&learningRate=abc&hidden=4,99&activation=relu&seed=7');
    expect(s.dataset).toBe(d.dataset);
    expect(s.noise).toBe(d.noise);
    expect(s.learningRate).toBe(d.learningRate);
    expect(s.hidden).toEqual(d.hidden);
    expect(s.activation).toBe('relu');
    expect(s.seed).toBe(7);
    expect(fromHash('')).toEqual(d);
  });

  it('keeps the data set consistent with the problem type', () => {
    expect(fromHash('problem=regression&dataset=xor').dataset).toBe('plane');
    expect(fromHash('problem=classification&dataset=plane').dataset).toBe('circle');
    expect(fromHash('dataset=xor&classes=3').classes).toBe(2);
    expect(fromHash('dataset=spiral&classes=3').classes).toBe(3);
  });
});
