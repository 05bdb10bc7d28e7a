/** The wasm backend's arena: size classes, reuse of freed buffers, flat memory over many ops. */
import { afterAll, describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { Arena } from '../../src/backends/wasm/arena.js';
import { createWasmBackend } from '../../src/backends/wasm/index.js';

const be = createWasmBackend({ name: 'wasm-mem', threads: 2 });
nb.registerBackend('wasm-mem', () => be);
afterAll(() => be.dispose());

describe('wasm arena', () => {
  it('size classes cover the request with at most 12.5% slack, 64-byte multiples', () => {
    for (const n of [1, 63, 64, 65, 4096, 4097, 10_000, 1 << 20, (1 << 20) + 1, 123_456_789]) {
      const c = Arena.classOf(n);
      expect(c).toBeGreaterThanOrEqual(n);
      expect(c % 64).toBe(0);
      if (n > 4096) expect(c / n).toBeLessThanOrEqual(1.125);
    }
  });

  it('reuses a released block of the same class and grows memory when needed', () => {
    const grown: number[] = [];
    const a = new Arena(1000, (end) => grown.push(end));
    const p = a.alloc(100);
    expect(p % 64).toBe(0);
    expect(p).toBeGreaterThanOrEqual(1000);
    const q = a.alloc(5000);
    expect(q).not.toBe(p);
    a.release(p, 100);
    expect(a.stats().pooledBuffers).toBe(1);
    expect(a.alloc(120)).toBe(p); // same class (128 bytes)
    expect(a.stats().pooledBuffers).toBe(0);
    expect(grown.length).toBe(2);
  });

  it('zeros on reused memory are zeros (only never-used memory is known to be zero)', () => {
    const n = 300_000;
    for (let round = 0; round < 3; round++) {
      const ones = be.fill([n], 1, 'float32');
      be.free(ones, 'float32', n);
      const z = be.fill([n], 0, 'float32');
      const got = be.downloadSync({ data: z, shape: [n], dtype: 'float32', size: n });
      expect(got.every((v) => v === 0)).toBe(true);
      const i = be.fill([n + 7], 0, 'int32');
      const b = be.fill([4 * n + 3], 0, 'bool');
      expect(be.downloadSync({ data: i, shape: [n + 7], dtype: 'int32', size: n + 7 }).every((v) => v === 0)).toBe(true);
      expect(be.downloadSync({ data: b, shape: [4 * n + 3], dtype: 'bool', size: 4 * n + 3 }).every((v) => v === 0)).toBe(true);
      be.free(z, 'float32', n);
      be.free(i, 'int32', n + 7);
      be.free(b, 'bool', 4 * n + 3);
    }
  });

  it('keeps memory flat over many training steps (no growth after the first)', () => {
    nb.setBackend('wasm-mem');
    nb.seed(3);
    const model = nb.nn.sequential(nb.nn.conv2d(1, 4, 3, { padding: 'same' }), nb.nn.relu(), nb.nn.maxPool2d(2), nb.nn.flatten(), nb.nn.linear(4 * 7 * 7, 10));
    const opt = nb.optim.adam(1e-3);
    const params = model.parameters();
    const x = nb.rand([16, 1, 14, 14]);
    const y = nb.oneHot(nb.randint(0, 10, [16]), 10);
    const step = (): number =>
      nb.tidy(() => {
        const l = nb.nn.softmaxCrossEntropy(model.call(x), y);
        opt.zeroGrad(params);
        l.backward();
        opt.step(params);
        return l.item();
      });
    const first = step();
    step();
    const heap = be.arenaStats().heapBytes;
    const buffers = be.memory().numBuffers;
    let last = first;
    for (let i = 0; i < 200; i++) last = step();
    expect(be.arenaStats().heapBytes).toBe(heap);
    expect(be.memory().numBuffers).toBe(buffers);
    expect(last).toBeLessThan(first); // it did train
    model.dispose();
    x.dispose();
    y.dispose();
    nb.setBackend('cpu');
  });
});
