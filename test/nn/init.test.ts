import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { onBackend, values } from './helpers.js';

const stats = (t: nb.Tensor): { mean: number; std: number; min: number; max: number } => {
  const v = values(t);
  const mean = v.reduce((s, x) => s + x, 0) / v.length;
  const std = Math.sqrt(v.reduce((s, x) => s + (x - mean) ** 2, 0) / v.length);
  return { mean, std, min: Math.min(...v), max: Math.max(...v) };
};
const fans = { fanIn: 200, fanOut: 50 };
const shape = [200, 50];

describe('initializers', () => {
  it('constant, zeros, ones', () => {
    // 0.1 exactly needs float64, which the reference backend stores.
    expect(onBackend('cpu', () => values(nb.nn.init.constant(0.1).create([3], fans, 'float64')))).toEqual([0.1, 0.1, 0.1]);
    expect(values(nb.nn.init.zeros().create([2], fans))).toEqual([0, 0]);
    expect(values(nb.nn.init.ones().create([2], fans))).toEqual([1, 1]);
  });
  it('normal(σ) has the requested spread; uniform stays in range', () => {
    const n = stats(nb.nn.init.normal(0.2).create(shape, fans));
    expect(Math.abs(n.mean)).toBeLessThan(0.01);
    expect(n.std).toBeCloseTo(0.2, 2);
    const u = stats(nb.nn.init.uniform(-0.3, 0.1).create(shape, fans));
    expect(u.min).toBeGreaterThanOrEqual(-0.3);
    expect(u.max).toBeLessThan(0.1);
    expect(u.mean).toBeCloseTo(-0.1, 2);
  });
  it('Xavier/Glorot: variance 2/(fanIn + fanOut), or 1/fanIn; normal and uniform', () => {
    const avg = Math.sqrt(2 / 250);
    const fin = Math.sqrt(1 / 200);
    expect(stats(nb.nn.init.xavierNormal().create(shape, fans)).std).toBeCloseTo(avg, 2);
    expect(stats(nb.nn.init.xavierUniform().create(shape, fans)).std).toBeCloseTo(avg, 2);
    expect(stats(nb.nn.init.xavierNormal({ mode: 'fanIn' }).create(shape, fans)).std).toBeCloseTo(fin, 2);
    const u = stats(nb.nn.init.glorotUniform().create(shape, fans));
    expect(u.max).toBeLessThanOrEqual(Math.sqrt(6 / 250));
  });
  it('He/MSRA: variance 2/fanIn', () => {
    expect(stats(nb.nn.init.heNormal().create(shape, fans)).std).toBeCloseTo(Math.sqrt(2 / 200), 2);
    const u = stats(nb.nn.init.heUniform().create(shape, fans));
    expect(u.std).toBeCloseTo(Math.sqrt(2 / 200), 2);
    expect(u.max).toBeLessThanOrEqual(Math.sqrt(6 / 200));
  });
  it('are repeatable under nb.seed', () => {
    nb.seed(42);
    const a = values(nb.nn.linear(3, 3).weight);
    nb.seed(42);
    expect(values(nb.nn.linear(3, 3).weight)).toEqual(a);
  });
  it('layer defaults: He uniform weights, zero biases; selectable per layer by object, name or number', () => {
    const l = nb.nn.linear(400, 100);
    expect(l.config().init).toEqual({ kind: 'heUniform', gain: 1 });
    expect(values(l.bias!).every((v) => v === 0)).toBe(true);
    expect(stats(l.weight).max).toBeLessThanOrEqual(Math.sqrt(6 / 400));
    const c = nb.nn.conv2d(4, 8, 3);
    expect(stats(c.weight).max).toBeLessThanOrEqual(Math.sqrt(6 / 36)); // fanIn = 4·3·3
    expect(nb.nn.linear(2, 2, { init: 'glorotNormal' }).config().init).toEqual({ kind: 'xavierNormal', mode: 'fanAvg', gain: 1 });
    expect(values(nb.nn.linear(2, 2, { init: 0.1 }).weight).every((v) => Math.abs(v - 0.1) < 1e-7)).toBe(true);
    expect(nb.nn.linear(2, 2, { init: 'lecunNormal' }).config().init).toEqual({ kind: 'xavierNormal', mode: 'fanIn', gain: 1 });
  });
  it('rebuild from config and reject bad arguments', () => {
    for (const i of [nb.nn.init.normal(0.3, 1), nb.nn.init.heNormal({ gain: 2 }), nb.nn.init.uniform(0, 1), nb.nn.init.xavierUniform({ mode: 'fanIn' })]) {
      expect(nb.nn.init.fromConfig(i.config).config).toEqual(i.config);
    }
    expect(() => nb.nn.init.normal(-1)).toThrow('init.normal: std must be a finite number > 0, got -1');
    expect(() => nb.nn.init.uniform(1, 0)).toThrow(/high \(0\) must exceed low \(1\)/);
    expect(() => nb.nn.linear(2, 2, { init: 'bogus' as nb.nn.InitArg })).toThrow(/linear: init must be one of 'zeros', .*, got string "bogus"/);
  });
});
