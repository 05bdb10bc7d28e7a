import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';

const { circle, xor, gaussian, spiral, plane, gaussianMix, toyTensors, splitToy, toySets } = nb.data;

describe('2-D toy sets', () => {
  it('is seeded: same seed, same points; another seed, other points', () => {
    for (const make of Object.values(toySets)) {
      const a = make({ n: 50, seed: 3, noise: 0.2 });
      const b = make({ n: 50, seed: 3, noise: 0.2 });
      const c = make({ n: 50, seed: 4, noise: 0.2 });
      expect(Array.from(a.points)).toEqual(Array.from(b.points));
      expect(Array.from(a.points)).not.toEqual(Array.from(c.points));
      expect(a.points.length).toBe(100);
      for (const v of a.points) expect(Math.abs(v)).toBeLessThan(20);
    }
  });

  it('labels follow each set\'s rule when noise is 0', () => {
    const c = circle({ n: 200 });
    for (let i = 0; i < c.n; i++) {
      const r = Math.hypot(c.points[2 * i]!, c.points[2 * i + 1]!);
      expect(c.labels[i]).toBe(r < 3 ? 1 : 0);
    }
    const x = xor({ n: 200 });
    for (let i = 0; i < x.n; i++) expect(x.labels[i]).toBe(x.points[2 * i]! * x.points[2 * i + 1]! >= 0 ? 1 : 0);
    const g = gaussian({ n: 200 });
    let right = 0;
    for (let i = 0; i < g.n; i++) if ((g.points[2 * i]! + g.points[2 * i + 1]! > 0 ? 1 : 0) === g.labels[i]) right++;
    expect(right / g.n).toBeGreaterThan(0.97);
    const p = plane({ n: 100 });
    for (let i = 0; i < p.n; i++) expect(p.targets[i]).toBeCloseTo((p.points[2 * i]! + p.points[2 * i + 1]!) / 12, 5);
    const m = gaussianMix({ n: 100 });
    for (const t of m.targets) expect(Math.abs(t)).toBeLessThanOrEqual(1.2);
  });

  it('makes k-class spirals and clusters with balanced classes', () => {
    const s = spiral({ n: 300, arms: 3 });
    expect(s.numClasses).toBe(3);
    const counts = [0, 0, 0];
    for (const l of s.labels) counts[l]!++;
    expect(counts).toEqual([100, 100, 100]);
    const g = gaussian({ n: 100, classes: 4 });
    expect(new Set(g.labels).size).toBe(4);
  });

  it('noise moves points', () => {
    const clean = xor({ n: 100, seed: 1 });
    const noisy = xor({ n: 100, seed: 1, noise: 0.5 });
    expect(Array.from(clean.labels)).toEqual(Array.from(noisy.labels));
    expect(Array.from(clean.points)).not.toEqual(Array.from(noisy.points));
  });

  it('rejects bad options clearly', () => {
    expect(() => circle({ n: 0 })).toThrow('nb.data.circle: n must be an integer ≥ 1 and ≤ 10000000, got 0');
    expect(() => xor({ noise: 2 })).toThrow('nb.data.xor: noise must be a finite number ≥ 0 and ≤ 1, got 2');
    expect(() => spiral({ arms: 1 })).toThrow('nb.data.spiral: arms must be an integer ≥ 2 and ≤ 400, got 1');
  });

  it('converts to tensors and splits', () => {
    const d = spiral({ n: 10 });
    const { x, y } = toyTensors(d);
    expect(x.shape).toEqual([10, 2]);
    expect(y.dtype).toBe('int32');
    const r = toyTensors(plane({ n: 6 }));
    expect(r.y.shape).toEqual([6, 1]);
    const { train, test } = splitToy(d, 0.7, 2);
    expect(train.n + test.n).toBe(10);
    expect(train.n).toBe(7);
    const all = [...Array.from(train.labels), ...Array.from(test.labels)].sort();
    expect(all).toEqual(Array.from(d.labels).sort());
    nb.dispose([x, y, r]);
  });
});

describe('browser safety', () => {
  it('the toy sets, IDX parser and batching import nothing from Node', async () => {
    const { readFileSync } = await import('node:fs');
    for (const f of ['toy.ts', 'idx.ts', 'batch.ts']) {
      const src = readFileSync(new URL(`../../src/data/${f}`, import.meta.url), 'utf8');
      const imports = [...src.matchAll(/from '([^']+)'/g)].map((m) => m[1]!);
      expect(imports.filter((i) => i.startsWith('node:') || !i.startsWith('.'))).toEqual([]);
    }
  });
});
