/**
 * The wasm backend's direct convolution (the forward pass of stride-1 layers with few channels)
 * against the im2col + GEMM path it replaces there, which stays the reference, and against the
 * cpu backend: odd sizes (output widths not multiples of 8, output channels not multiples of 4),
 * asymmetric padding, rectangular filters, one and several threads; and the gradients after a
 * direct forward pass (the filter gradient is then direct too: no im2col columns were kept; the
 * input gradient runs as a direct forward convolution of dy with the turned filter).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createCpuBackend } from '../../src/backends/cpu/index.js';
import { createWasmBackend } from '../../src/backends/wasm/index.js';
import type { Conv2dParams } from '../../src/backends/interface.js';
import { expectClose, pair, randF32, read } from './helpers.js';

const cpu = createCpuBackend();
const multi = createWasmBackend({ name: 'wasm-direct-2', threads: 2 });
const single = createWasmBackend({ name: 'wasm-direct-1', threads: 1 });
afterAll(() => {
  multi.dispose();
  single.dispose();
});

const size = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

const geoms: { N: number; C: number; O: number; H: number; W: number; K: [number, number]; p: [number, number, number, number] }[] = [
  { N: 5, C: 1, O: 6, H: 28, W: 28, K: [5, 5], p: [2, 2, 2, 2] }, // LeNet's first layer
  { N: 9, C: 6, O: 16, H: 14, W: 14, K: [5, 5], p: [0, 0, 0, 0] }, // and its second
  { N: 2, C: 3, O: 5, H: 9, W: 13, K: [3, 2], p: [1, 0, 2, 1] },
  { N: 3, C: 2, O: 7, H: 6, W: 5, K: [1, 1], p: [0, 0, 0, 0] },
  { N: 1, C: 4, O: 9, H: 3, W: 17, K: [3, 3], p: [2, 1, 1, 2] },
  { N: 2, C: 3, O: 4, H: 5, W: 6, K: [1, 2], p: [1, 0, 0, 2] }, // pads past K−1: the input gradient crops (im2col path)
];

describe('wasm direct convolution', () => {
  for (const be of [multi, single]) {
    it(`agrees with im2col + GEMM and with cpu, and the gradients after it too (${be.threads} thread(s))`, () => {
      let seed = 700;
      for (const q of geoms) {
        const OH = q.H + q.p[0] + q.p[1] - q.K[0] + 1;
        const OW = q.W + q.p[2] + q.p[3] - q.K[1] + 1;
        const p: Conv2dParams = {
          strides: [1, 1], pads: q.p, dilations: [1, 1], groups: 1,
          inShape: [q.N, q.C, q.H, q.W], filterShape: [q.O, q.C, q.K[0], q.K[1]], outShape: [q.N, q.O, OH, OW],
        };
        const x = pair(cpu, be, randF32(size(p.inShape), seed++), p.inShape);
        const w = pair(cpu, be, randF32(size(p.filterShape), seed++), p.filterShape);
        const dy = pair(cpu, be, randF32(size(p.outShape), seed++), p.outShape);
        // a training step's kernels: forward, then both gradients (after a direct forward pass no
        // im2col columns are kept, and the filter gradient is direct too)
        const run = (algo: 'im2col' | 'direct'): number[][] => {
          be.convAlgorithm = algo;
          const y = read(be, be.conv2d(x.w, w.w, p), 'float32', size(p.outShape));
          const dx = read(be, be.conv2dBackpropInput(dy.w, w.w, p), 'float32', size(p.inShape));
          const dw = read(be, be.conv2dBackpropFilter(x.w, dy.w, p), 'float32', size(p.filterShape));
          be.convAlgorithm = 'auto';
          return [y, dx, dw];
        };
        const [yRef, dxRef, dwRef] = run('im2col');
        const [y, dx, dw] = run('direct');
        const tol = 2e-5 * Math.sqrt(q.C * q.O * q.K[0] * q.K[1]);
        const what = JSON.stringify(q);
        expectClose(y!, yRef!, tol, `forward vs im2col ${what}`);
        expectClose(y!, read(cpu, cpu.conv2d(x.c, w.c, p), 'float32', size(p.outShape)), tol, `forward vs cpu ${what}`);
        expectClose(dx!, dxRef!, tol, `input gradient ${what}`);
        expectClose(dx!, read(cpu, cpu.conv2dBackpropInput(dy.c, w.c, p), 'float32', size(p.inShape)), tol, `input gradient vs cpu ${what}`);
        expectClose(dw!, dwRef!, tol * Math.sqrt(OH * OW), `filter gradient vs im2col ${what}`);
        expectClose(dw!, read(cpu, cpu.conv2dBackpropFilter(x.c, dy.c, p), 'float32', size(p.filterShape)), tol * Math.sqrt(OH * OW), `filter gradient vs cpu ${what}`);
      }
    });
  }

  it('gives the same values whatever the thread count, and refuses an unknown algorithm', () => {
    const p: Conv2dParams = {
      strides: [1, 1], pads: [2, 2, 2, 2], dilations: [1, 1], groups: 1,
      inShape: [7, 1, 28, 28], filterShape: [6, 1, 5, 5], outShape: [7, 6, 28, 28],
    };
    const xv = randF32(size(p.inShape), 1);
    const wv = randF32(size(p.filterShape), 2);
    const out = (be: typeof multi, algo: 'auto' | 'direct'): number[] => {
      be.convAlgorithm = algo;
      const x = pair(cpu, be, xv, p.inShape);
      const w = pair(cpu, be, wv, p.filterShape);
      const y = read(be, be.conv2d(x.w, w.w, p), 'float32', size(p.outShape));
      be.convAlgorithm = 'auto';
      return y;
    };
    expect(out(multi, 'auto')).toEqual(out(multi, 'direct'));
    expect(out(single, 'auto')).toEqual(out(multi, 'auto'));
    expect(() => {
      (multi as unknown as { convAlgorithm: string }).convAlgorithm = 'fast';
    }).toThrow(/convAlgorithm: must be 'auto', 'im2col' or 'direct', got fast/);
  });
});
