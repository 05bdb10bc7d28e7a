/**
 * Threads on or off give bit-identical results: every kernel splits work so that each output
 * element is computed by the same operations in the same order whatever the thread count.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWasmBackend, type WasmBackend } from '../../src/backends/wasm/index.js';
import type { Backend, Conv2dParams, Pool2dParams } from '../../src/backends/interface.js';
import { kt, randF32, read } from './helpers.js';

let one: WasmBackend;
let three: WasmBackend;
beforeAll(async () => {
  one = createWasmBackend({ name: 'wasm-t1', threads: 1 });
  three = createWasmBackend({ name: 'wasm-t3', threads: 3 });
  await three.ready();
});
afterAll(() => {
  one.dispose();
  three.dispose();
});

const size = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

/** Runs `f` on both backends with the same inputs and expects identical outputs. */
function same(inputs: { v: Float32Array; shape: number[] }[], outSize: number, f: (be: Backend, xs: ReturnType<typeof kt>[]) => unknown): void {
  const res = [one, three].map((be) => read(be, f(be, inputs.map((i) => kt(be, i.v, i.shape, 'float32'))), 'float32', outSize));
  expect(res[1]).toEqual(res[0]);
}

describe('wasm threads', () => {
  it('uses worker threads when asked', () => {
    expect(one.threads).toBe(1);
    expect(three.threads).toBe(3);
  });

  it('GEMM split by rows and by columns', () => {
    for (const [M, N, K] of [[203, 61, 97], [37, 300, 129], [64, 256, 784]]) {
      same([{ v: randF32(M! * K!, M!), shape: [M!, K!] }, { v: randF32(K! * N!, N!), shape: [K!, N!] }], M! * N!, (be, [a, b]) => be.matmul(a!, b!, false, false, [M!, N!]));
      same([{ v: randF32(M! * K!, M!), shape: [K!, M!] }, { v: randF32(K! * N!, N!), shape: [N!, K!] }], M! * N!, (be, [a, b]) => be.matmul(a!, b!, true, true, [M!, N!]));
    }
  });

  it('convolution forward and both gradients, pooling, elementwise', () => {
    const p: Conv2dParams = {
      strides: [1, 1], pads: [2, 2, 2, 2], dilations: [1, 1], groups: 1,
      inShape: [21, 3, 20, 20], filterShape: [8, 3, 5, 5], outShape: [21, 8, 20, 20],
    };
    const x = { v: randF32(size(p.inShape), 1), shape: [...p.inShape] };
    const w = { v: randF32(size(p.filterShape), 2), shape: [...p.filterShape] };
    const dy = { v: randF32(size(p.outShape), 3), shape: [...p.outShape] };
    same([x, w], size(p.outShape), (be, [a, b]) => be.conv2d(a!, b!, p));
    same([dy, w], size(p.inShape), (be, [a, b]) => be.conv2dBackpropInput(a!, b!, p));
    same([x, dy], size(p.filterShape), (be, [a, b]) => be.conv2dBackpropFilter(a!, b!, p));
    const q: Pool2dParams = { kernel: [2, 2], strides: [2, 2], pads: [0, 0, 0, 0], countIncludePad: false, inShape: [21, 8, 20, 20], outShape: [21, 8, 10, 10] };
    same([dy], size(q.outShape), (be, [a]) => be.maxPool2d(a!, q));
    same([dy], size(q.outShape), (be, [a]) => be.avgPool2d(a!, q));
    const big = { v: randF32(1_100_001, 9), shape: [1_100_001] };
    same([big, big], 1_100_001, (be, [a, b]) => be.binary('mul', a!, b!, [1_100_001], 'float32'));
    same([big], 1_100_001, (be, [a]) => be.unary('exp', a!));
  });
});
