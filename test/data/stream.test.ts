import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';

const { shuffleBuffer, prefetch } = nb.data;

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const v of it) out.push(v);
  return out;
}
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

describe('data.shuffleBuffer', () => {
  it('gives every item once, in a seeded order that changes from one iteration (epoch) to the next', async () => {
    const s = shuffleBuffer(range(20), 5, { seed: 3 });
    const a = await collect(s);
    const b = await collect(s);
    expect([...a].sort((p, q) => p - q)).toEqual(range(20));
    expect([...b].sort((p, q) => p - q)).toEqual(range(20));
    expect(a).not.toEqual(range(20));
    expect(a).not.toEqual(b);
    expect(await collect(shuffleBuffer(range(20), 5, { seed: 3 }))).toEqual(a);
    expect(await collect(shuffleBuffer(range(20), 5, { seed: 4 }))).not.toEqual(a);
  });

  it('a buffer of one keeps the order; an item leaves at most size − 1 places early', async () => {
    expect(await collect(shuffleBuffer(range(10), 1))).toEqual(range(10));
    const out = await collect(shuffleBuffer(range(100), 4, { seed: 1 }));
    out.forEach((v, i) => expect(v).toBeLessThanOrEqual(i + 3));
  });

  it('reads async sources', async () => {
    async function* gen(): AsyncGenerator<number> {
      for (const i of range(6)) yield i;
    }
    const out = await collect(shuffleBuffer({ [Symbol.asyncIterator]: gen }, 6, { seed: 2 }));
    expect([...out].sort()).toEqual(range(6));
  });

  it('checks its arguments', () => {
    expect(() => shuffleBuffer(3 as never, 2)).toThrow('data.shuffleBuffer: source must be an iterable or async iterable (of batches), got 3');
    expect(() => shuffleBuffer([], 0)).toThrow('data.shuffleBuffer: size must be an integer ≥ 1, got 0');
    expect(() => shuffleBuffer([], 2, { sed: 1 } as never)).toThrow("data.shuffleBuffer: unknown option 'sed'");
  });
});

describe('data.prefetch', () => {
  it('gives the items in order and asks the source for the next ones while the current one is in use', async () => {
    let asked = 0;
    const source = {
      *[Symbol.iterator](): Generator<number> {
        for (const i of range(5)) {
          asked++;
          yield i;
        }
      },
    };
    const it = prefetch(source, 2)[Symbol.asyncIterator]();
    expect((await it.next()).value).toBe(0);
    expect(asked).toBe(3); // item 0 given out, items 1 and 2 already requested
    const rest: number[] = [];
    for (let r = await it.next(); !r.done; r = await it.next()) rest.push(r.value);
    expect(rest).toEqual([1, 2, 3, 4]);
  });

  it('disposes the batches it fetched ahead when the consumer stops early', async () => {
    const before = nb.memory().numTensors;
    const source = {
      *[Symbol.iterator](): Generator<{ x: nb.Tensor; y: nb.Tensor }> {
        for (let i = 0; i < 10; i++) yield { x: nb.ones([2, 2]), y: nb.zeros([2]) };
      },
    };
    for await (const b of prefetch(source, 3)) {
      nb.dispose(b);
      break;
    }
    expect(nb.memory().numTensors).toBe(before);
  });

  it('checks its arguments', () => {
    expect(() => prefetch(null as never)).toThrow('data.prefetch: source must be an iterable or async iterable (of batches), got null');
    expect(() => prefetch([], 0)).toThrow('data.prefetch: n must be an integer ≥ 1, got 0');
  });
});
