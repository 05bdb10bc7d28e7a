/**
 * The wasm backend near its 4 GiB limit: tensors at byte offsets above 2³¹, an allocation next to
 * a 3.3 GB tensor, clean failures past the limit, and reuse of freed memory. These tests reserve
 * real memory (zeros on fresh memory is not written, so most of it is never touched); they are
 * skipped where the machine lacks it.
 */
import os from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { createCpuBackend } from '../../src/backends/cpu/index.js';
import { createWasmBackend, type WasmBackend } from '../../src/backends/wasm/index.js';
import { expectClose, randF32 } from './helpers.js';

const GiB = 2 ** 30;
const enough = os.totalmem() >= 8 * GiB && os.freemem() >= 3 * GiB;
const why = `needs 8 GiB of RAM with 3 GiB free; this machine has ${(os.totalmem() / GiB).toFixed(1)} GiB, ${(os.freemem() / GiB).toFixed(1)} GiB free`;

let be: WasmBackend | null = null;
afterEach(() => {
  be?.dispose();
  be = null;
});

function backend(name: string, threads: number): WasmBackend {
  be = createWasmBackend({ name, threads });
  nb.registerBackend(name, () => be!);
  return be;
}

const offsetOf = (t: nb.Tensor): number => t.kernelView().data as number;

describe('wasm backend above 2 GiB', () => {
  it('uploads, downloads, fills and computes on tensors at offsets above 2³¹', async (ctx) => {
    if (!enough) ctx.skip(why);
    const w = backend('wasm-2g', 2);
    await w.ready();
    const opts = { backend: 'wasm-2g' };
    // one tensor of more than 2 GiB, so that everything after it lies above 2³¹
    const n = 2 ** 29 + 2 ** 20;
    const spacer = nb.zeros([n], opts);
    expect(n * 4).toBeGreaterThan(2 ** 31);
    const tail = spacer.slice([n - 5], [5]);
    expect(Array.from(tail.dataSync())).toEqual([0, 0, 0, 0, 0]);

    const av = randF32(64 * 64, 1);
    const bv = randF32(64 * 64, 2);
    const a = nb.tensor(av, { ...opts, shape: [64, 64] });
    const b = nb.tensor(bv, { ...opts, shape: [64, 64] });
    expect(offsetOf(a)).toBeGreaterThan(2 ** 31);
    expect(Array.from(a.dataSync())).toEqual(Array.from(av));
    const i = nb.tensor(new Int32Array([1, -2, 3, 2 ** 31 - 1]), opts);
    expect(Array.from(i.dataSync())).toEqual([1, -2, 3, 2 ** 31 - 1]);
    const bool = nb.tensor(new Uint8Array([1, 0, 1]), { ...opts, dtype: 'bool' });
    expect(Array.from(bool.dataSync())).toEqual([1, 0, 1]);
    expect(Array.from(nb.full([5], 2.5, opts).dataSync())).toEqual([2.5, 2.5, 2.5, 2.5, 2.5]);
    expect(Array.from(nb.full([3], 7, { ...opts, dtype: 'int32' }).dataSync())).toEqual([7, 7, 7]);

    // ops on them, against the cpu reference (the matmul is big enough for the worker threads)
    const cpu = createCpuBackend();
    nb.registerBackend('cpu-2g', () => cpu);
    const ac = nb.tensor(av, { backend: 'cpu-2g', shape: [64, 64] });
    const bc = nb.tensor(bv, { backend: 'cpu-2g', shape: [64, 64] });
    const same = (got: nb.Tensor, want: nb.Tensor, what: string): void =>
      expectClose(Array.from(got.dataSync()), Array.from(want.dataSync()), 1e-5, what);
    same(nb.matmul(a, b), nb.matmul(ac, bc), 'matmul');
    same(nb.add(a, b.slice([0, 0], [1, 64])), nb.add(ac, bc.slice([0, 0], [1, 64])), 'add');
    same(nb.sum(a, 0), nb.sum(ac, 0), 'sum');
    same(nb.transpose(a), nb.transpose(ac), 'transpose');
    const x = a.reshape([1, 4, 32, 32]);
    const k = b.slice([0, 0], [8, 36]).reshape([8, 4, 3, 3]);
    same(nb.conv2d(x, k), nb.conv2d(ac.reshape([1, 4, 32, 32]), bc.slice([0, 0], [8, 36]).reshape([8, 4, 3, 3])), 'conv2d');
    same(nb.maxPool2d(x, 2), nb.maxPool2d(ac.reshape([1, 4, 32, 32]), 2), 'maxPool2d');
    same(nb.exp(a), nb.exp(ac), 'exp');
    spacer.dispose();
  });

  it('fits what fits next to a 3.3 GB tensor, fails cleanly past 4 GiB, and reuses freed memory', (ctx) => {
    if (!enough) ctx.skip(why);
    const w = backend('wasm-4g', 1);
    const opts = { backend: 'wasm-4g' };
    const start = w.arenaStats().heapBytes;
    const big = nb.zeros([3.3e9 / 4], opts);
    const mid = nb.zeros([0.3e9 / 4], opts); // fits, though 25% more memory would not
    const last = (t: nb.Tensor, k: number): number[] => nb.tidy(() => Array.from(t.slice([t.size - k], [k]).dataSync()));
    expect(last(mid, 2)).toEqual([0, 0]);
    const before = nb.memory();
    const backendBytes = w.memory();
    for (let i = 0; i < 5; i++) {
      expect(() => nb.zeros([0.6e9 / 4], opts)).toThrow(/^fill: out of memory .*600000000 bytes.*4 GiB/);
      expect(() => nb.concat([mid, mid])).toThrow(/^concat: out of memory .*600000000 bytes.*4 GiB/);
    }
    // nothing was counted, and the backend still works
    expect(nb.memory()).toEqual(before);
    expect(w.memory()).toEqual(backendBytes);
    const s = nb.tensor([1, 2, 3], opts);
    const s1 = s.add(1);
    expect(Array.from(s1.dataSync())).toEqual([2, 3, 4]);

    // freed, the big tensor's memory serves a request that did not fit before
    big.dispose();
    const again = nb.zeros([0.6e9 / 4], opts);
    expect(last(again, 3)).toEqual([0, 0, 0]);
    again.dispose();
    mid.dispose();
    s.dispose();
    s1.dispose();
    // all freed: everything above what the backend itself holds is free
    const end = w.arenaStats();
    expect(end.heapBytes - end.pooledBytes).toBe(start);
    expect(w.memory().numBuffers).toBe(0);
  });
});
