/** The wasm backend's arena: size classes, reuse of freed buffers, flat memory over many ops. */
import { afterAll, describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { Arena } from '../../src/backends/wasm/arena.js';
import { createWasmBackend } from '../../src/backends/wasm/index.js';
import { createCpuBackend } from '../../src/backends/cpu/index.js';

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
    const a = new Arena(1000, 0, (end) => {
      grown.push(end);
      return end;
    });
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

  /** An arena over a pretend memory of at most `limit` bytes that records its size. */
  function pretend(limit = 2 ** 32): { arena: Arena; size: () => number } {
    let size = 0;
    const arena = new Arena(1024, 0, (end) => {
      if (end > limit) return -1;
      size = end;
      return end;
    });
    return { arena, size: () => size };
  }

  it('reuses freed memory across size classes (0.1, 0.2 … 0.8 GB one at a time)', () => {
    const { arena, size } = pretend();
    for (let i = 1; i <= 8; i++) {
      const bytes = i * 1e8;
      const p = arena.alloc(bytes);
      expect(p, `${bytes} bytes`).toBeGreaterThanOrEqual(0);
      arena.release(p, bytes);
    }
    expect(size()).toBeLessThan(0.9e9);
    expect(arena.stats().heapBytes - arena.stats().pooledBytes).toBe(0);
  });

  it('coalesces adjacent free blocks and splits a larger free block', () => {
    const { arena, size } = pretend();
    const [a, b, c, d] = [arena.alloc(5000), arena.alloc(20_000), arena.alloc(100), arena.alloc(64)];
    const grown = size();
    arena.release(b, 20_000);
    arena.release(a, 5000);
    arena.release(c, 100);
    expect(arena.stats()).toMatchObject({ pooledBuffers: 3, pooledBytes: d! - a! });
    // a request as large as they are together (no block of its size, no room at the top without
    // growing) merges them and takes the merged block's front
    expect(Arena.classOf(24_000)).toBeLessThanOrEqual(d! - a!);
    expect(Arena.classOf(24_000)).toBeGreaterThan(20_000);
    expect(arena.alloc(24_000)).toBe(a);
    expect(arena.stats()).toMatchObject({ pooledBuffers: 1, pooledBytes: d! - a! - Arena.classOf(24_000) });
    arena.release(a!, 24_000);
    // a smaller one takes the front and leaves the rest free
    expect(arena.alloc(64)).toBe(a);
    expect(arena.stats()).toMatchObject({ pooledBuffers: 1, pooledBytes: d! - a! - 64 });
    expect(arena.alloc(6000)).toBe(a! + 64);
    expect(size()).toBe(grown);
  });

  it('returns a block freed at the top to the top (after a big block, a big block of another class fits)', () => {
    const { arena } = pretend();
    const big = arena.alloc(3.3e9);
    expect(arena.alloc(1e9)).toBe(-1); // cannot fit: nothing changes
    expect(arena.stats()).toMatchObject({ heapBytes: Arena.classOf(3.3e9), pooledBytes: 0, pooledBuffers: 0 });
    arena.release(big, 3.3e9);
    expect(arena.stats().heapBytes).toBe(0); // it was at the top
    const p = arena.alloc(3.9e9);
    expect(p).toBe(big);
    const q = arena.alloc(64);
    expect(q).toBe(p + Arena.classOf(3.9e9));
    arena.release(p, 3.9e9);
    expect(arena.alloc(1e9)).toBe(p); // split from the freed block below q
    expect(arena.stats()).toMatchObject({ pooledBuffers: 1, pooledBytes: Arena.classOf(3.9e9) - Arena.classOf(1e9) });
  });

  it('a kernel that fails after allocating leaves memory() and the arena as they were', () => {
    const mem = be.memory();
    const stats = be.arenaStats();
    // rank 300 is more than the strided-copy kernel takes: transpose fails after allocating its output
    const shape = new Array<number>(300).fill(1);
    const x = { data: be.upload(new Float32Array([1]), 'float32'), shape, dtype: 'float32' as const, size: 1 };
    const perm = shape.map((_, i) => 299 - i);
    expect(() => be.transpose(x, perm)).toThrow(/rank 300/);
    be.free(x.data, 'float32', 1);
    expect(be.memory()).toEqual(mem);
    const { peakBytes: _, ...rest } = stats; // the high-water mark may have moved
    expect(be.arenaStats()).toMatchObject(rest);
  });

  it('every allocating kernel runs as a transaction', () => {
    // the kernels are those of the reference backend, less storage and its private helpers
    const cpu = createCpuBackend();
    const names = new Set<string>();
    for (let o: object | null = cpu; o !== null && o !== Object.prototype; o = Object.getPrototypeOf(o) as object | null) {
      for (const k of Object.getOwnPropertyNames(o)) names.add(k);
    }
    const methods = [...names].filter((k) => typeof (cpu as unknown as Record<string, unknown>)[k] === 'function');
    const kernels = methods.filter((k) => !['constructor', 'out', 'pool', 'download', 'downloadSync', 'free', 'memory'].includes(k));
    expect(kernels.length).toBeGreaterThan(20);
    for (const k of kernels) expect(Object.hasOwn(be, k), `${k} is wrapped`).toBe(true);
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
    const peak = be.arenaStats().peakBytes;
    const buffers = be.memory().numBuffers;
    let last = first;
    for (let i = 0; i < 200; i++) last = step();
    expect(be.arenaStats().peakBytes).toBe(peak);
    expect(be.memory().numBuffers).toBe(buffers);
    expect(last).toBeLessThan(first); // it did train
    model.dispose();
    x.dispose();
    y.dispose();
    nb.setBackend('cpu');
  });
});
