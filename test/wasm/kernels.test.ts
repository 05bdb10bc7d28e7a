/**
 * The wasm backend's kernels against the cpu reference on random inputs, with odd sizes (not
 * multiples of 4, 6 or 8: SIMD tails and micro-kernel edges) and every layout variant.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createCpuBackend } from '../../src/backends/cpu/index.js';
import { createWasmBackend } from '../../src/backends/wasm/index.js';
import type { BinaryOp, Conv2dParams, Pool2dParams, UnaryOp } from '../../src/backends/interface.js';
import { expectClose, pair, randF32, randI32, read } from './helpers.js';

const cpu = createCpuBackend();
const wasm = createWasmBackend({ name: 'wasm-kernels', threads: 2 });
afterAll(() => wasm.dispose());

const size = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

describe('wasm kernels agree with cpu', () => {
  it('matmul: odd M, N, K, all four transpositions, batched with broadcast batch', () => {
    let seed = 1;
    for (const [M, N, K] of [[1, 1, 1], [3, 5, 7], [7, 13, 5], [13, 17, 31], [65, 10, 784 / 8], [6, 8, 300], [37, 70, 1], [64, 10, 784], [13, 2, 300], [7, 4, 9], [12, 12, 5], [11, 9, 260], [6, 3, 2]]) {
      for (const tA of [false, true]) {
        for (const tB of [false, true]) {
          const aS = tA ? [K!, M!] : [M!, K!];
          const bS = tB ? [N!, K!] : [K!, N!];
          const a = pair(cpu, wasm, randF32(M! * K!, seed++), aS);
          const b = pair(cpu, wasm, randF32(K! * N!, seed++), bS);
          const want = read(cpu, cpu.matmul(a.c, b.c, tA, tB, [M!, N!]), 'float32', M! * N!);
          const got = read(wasm, wasm.matmul(a.w, b.w, tA, tB, [M!, N!]), 'float32', M! * N!);
          expectClose(got, want, 1e-5 * Math.sqrt(K!), `matmul ${M}x${N}x${K} tA=${tA} tB=${tB}`);
        }
      }
    }
    const a = pair(cpu, wasm, randF32(3 * 5 * 7, 99), [3, 1, 5, 7]);
    const b = pair(cpu, wasm, randF32(2 * 7 * 6, 98), [2, 7, 6]);
    const out = [3, 2, 5, 6];
    expectClose(read(wasm, wasm.matmul(a.w, b.w, false, false, out), 'float32', size(out)), read(cpu, cpu.matmul(a.c, b.c, false, false, out), 'float32', size(out)), 1e-5, 'batched');
  });

  it('unary ops on lengths with SIMD tails', () => {
    const ops: UnaryOp[] = ['neg', 'exp', 'log', 'sqrt', 'rsqrt', 'abs', 'sign', 'square', 'reciprocal', 'sigmoid', 'tanh', 'relu', 'softplus', 'step', 'floor', 'ceil', 'round', 'sin', 'cos', 'logicalNot', 'expm1', 'log1p', 'elu', 'selu'];
    for (const n of [1, 3, 4, 5, 9, 1031]) {
      const v = randF32(n, n, -3, 3);
      v[0] = n === 1 ? 0.5 : -2.5; // rounding half to even
      const x = pair(cpu, wasm, v, [n]);
      for (const op of ops) {
        const dt = op === 'logicalNot' ? 'bool' : 'float32';
        expectClose(read(wasm, wasm.unary(op, x.w, 0.7), dt, n), read(cpu, cpu.unary(op, x.c, 0.7), dt, n), 1e-6, `${op} n=${n}`);
      }
    }
  });

  it('binary ops with same-shape, scalar, row, column and irregular broadcasts, f32 and int32', () => {
    const ops: BinaryOp[] = ['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum', 'mod', 'eq', 'ne', 'lt', 'le', 'gt', 'ge', 'logicalAnd', 'logicalOr', 'logicalXor', 'reluGrad'];
    const cases: [number[], number[], number[]][] = [
      [[5, 7], [5, 7], [5, 7]],
      [[5, 7], [], [5, 7]],
      [[], [3, 9], [3, 9]],
      [[6, 7], [7], [6, 7]],
      [[1, 7], [6, 7], [6, 7]],
      [[6, 1], [6, 7], [6, 7]],
      [[2, 3, 5], [2, 1, 5], [2, 3, 5]],
      [[3, 1], [1, 5], [3, 5]],
      [[4, 3, 2, 5], [1, 3, 1, 1], [4, 3, 2, 5]], // a per-channel bias over NCHW
      [[3, 1, 1], [4, 1, 2, 5], [4, 3, 2, 5]],
    ];
    let seed = 10;
    for (const [as, bs, os] of cases) {
      for (const dtype of ['float32', 'int32'] as const) {
        const mk = (s: number[]) => (dtype === 'float32' ? randF32(size(s), seed++, 0.1, 3) : randI32(size(s), seed++, 1, 5));
        const a = pair(cpu, wasm, mk(as), as, dtype);
        const b = pair(cpu, wasm, mk(bs), bs, dtype);
        for (const op of ops) {
          const cmp = ['eq', 'ne', 'lt', 'le', 'gt', 'ge', 'logicalAnd', 'logicalOr', 'logicalXor'].includes(op);
          const dt = cmp ? 'bool' : dtype;
          const n = size(os);
          expectClose(read(wasm, wasm.binary(op, a.w, b.w, os, dt), dt, n), read(cpu, cpu.binary(op, a.c, b.c, os, dt), dt, n), 1e-6, `${op} ${dtype} ${as}|${bs}`);
        }
      }
    }
  });

  it('reductions over leading, trailing, middle and scattered axes; argmax/argmin', () => {
    const shape = [3, 5, 7, 2];
    const v = randF32(size(shape), 7);
    const x = pair(cpu, wasm, v, shape);
    const xi = pair(cpu, wasm, randI32(size(shape), 8, -9, 9), shape, 'int32');
    for (const axes of [[0], [3], [1, 2], [0, 1, 2, 3], [0, 2], [1, 3], [0, 2, 3], [0, 1, 3], []]) {
      const n = size(shape.filter((_, i) => !axes.includes(i)));
      for (const op of ['sum', 'max', 'min', 'prod'] as const) {
        expectClose(read(wasm, wasm.reduce(op, x.w, axes), 'float32', n), read(cpu, cpu.reduce(op, x.c, axes), 'float32', n), 1e-5, `${op} ${axes}`);
        expectClose(read(wasm, wasm.reduce(op, xi.w, axes), 'int32', n), read(cpu, cpu.reduce(op, xi.c, axes), 'int32', n), 0, `${op} int32 ${axes}`);
      }
    }
    for (let axis = 0; axis < 4; axis++) {
      const n = size(shape) / shape[axis]!;
      for (const op of ['argmax', 'argmin'] as const) {
        expect(read(wasm, wasm.argReduce(op, x.w, axis), 'int32', n)).toEqual(read(cpu, cpu.argReduce(op, x.c, axis), 'int32', n));
      }
    }
  });

  it('shape kernels: transpose, broadcastTo, slice, pad, concat (f32, int32, bool)', () => {
    for (const dtype of ['float32', 'int32', 'bool'] as const) {
      const shape = [2, 3, 5];
      const vals = dtype === 'float32' ? randF32(30, 3) : dtype === 'int32' ? randI32(30, 3, -5, 5) : Uint8Array.from(randI32(30, 3, 0, 2));
      const x = pair(cpu, wasm, vals, shape, dtype);
      const same = (h1: unknown, h2: unknown, n: number, what: string): void => expect(read(wasm, h1, dtype, n), what).toEqual(read(cpu, h2, dtype, n));
      for (const perm of [[2, 1, 0], [1, 0, 2], [0, 2, 1]]) same(wasm.transpose(x.w, perm), cpu.transpose(x.c, perm), 30, `transpose ${perm}`);
      const m = pair(cpu, wasm, vals.slice(0, 15), [3, 5], dtype);
      same(wasm.transpose(m.w, [1, 0]), cpu.transpose(m.c, [1, 0]), 15, 'transpose 2-D');
      same(wasm.broadcastTo(m.w, [2, 3, 5]), cpu.broadcastTo(m.c, [2, 3, 5]), 30, 'broadcastTo');
      same(wasm.slice(x.w, [1, 1, 2], [1, 2, 3]), cpu.slice(x.c, [1, 1, 2], [1, 2, 3]), 6, 'slice');
      const pads: [number, number][] = [[1, 0], [0, 2], [3, 1]];
      same(wasm.pad(x.w, pads, 1), cpu.pad(x.c, pads, 1), 3 * 5 * 9, 'pad');
      same(wasm.concat([x.w, x.w], 1, [2, 6, 5]), cpu.concat([x.c, x.c], 1, [2, 6, 5]), 60, 'concat');
      expect(read(wasm, wasm.cast(x.w, 'float32'), 'float32', 30), 'cast').toEqual(read(cpu, cpu.cast(x.c, 'float32'), 'float32', 30));
    }
  });

  it('gather, scatterAdd (repeated indices), oneHot, where, fill, cast to int32/bool', () => {
    const x = pair(cpu, wasm, randF32(4 * 6 * 3, 4), [4, 6, 3]);
    const idx = pair(cpu, wasm, Int32Array.from([5, 0, 5, 2]), [4], 'int32');
    expectClose(read(wasm, wasm.gather(x.w, idx.w, 1, [4, 4, 3]), 'float32', 48), read(cpu, cpu.gather(x.c, idx.c, 1, [4, 4, 3]), 'float32', 48), 0, 'gather');
    const upd = pair(cpu, wasm, randF32(48, 5), [4, 4, 3]);
    expectClose(read(wasm, wasm.scatterAdd(upd.w, idx.w, 1, [4, 6, 3]), 'float32', 72), read(cpu, cpu.scatterAdd(upd.c, idx.c, 1, [4, 6, 3]), 'float32', 72), 1e-6, 'scatterAdd');
    expect(() => wasm.gather(x.w, pair(cpu, wasm, Int32Array.from([6]), [1], 'int32').w, 1, [4, 1, 3])).toThrow(/out of range/);
    const labels = pair(cpu, wasm, Int32Array.from([3, 0, 9, -1, 12]), [5], 'int32');
    expect(read(wasm, wasm.oneHot(labels.w, 10, 2, -1, 'float32'), 'float32', 50)).toEqual(read(cpu, cpu.oneHot(labels.c, 10, 2, -1, 'float32'), 'float32', 50));
    const cond = pair(cpu, wasm, Uint8Array.from([1, 0, 1, 1, 0, 0]), [2, 3], 'bool');
    const a = pair(cpu, wasm, randF32(3, 6), [3]);
    const b = pair(cpu, wasm, randF32(2, 7), [2, 1]);
    expect(read(wasm, wasm.where(cond.w, a.w, b.w, [2, 3]), 'float32', 6)).toEqual(read(cpu, cpu.where(cond.c, a.c, b.c, [2, 3]), 'float32', 6));
    expect(read(wasm, wasm.fill([7], -2.5, 'float32'), 'float32', 7)).toEqual(Array(7).fill(-2.5));
    expect(read(wasm, wasm.fill([5], 1, 'bool'), 'bool', 5)).toEqual(Array(5).fill(1));
    const f = pair(cpu, wasm, Float32Array.from([-2.7, -0.5, 0, 0.5, 2.7, 3e9, NaN]), [7]);
    for (const dt of ['int32', 'bool'] as const) expect(read(wasm, wasm.cast(f.w, dt), dt, 7)).toEqual(read(cpu, cpu.cast(f.c, dt), dt, 7));
  });

  it('conv2d and both gradients: stride, padding, dilation, odd sizes; grouped via the reference', () => {
    const geoms: { C: number; O: number; H: number; W: number; K: [number, number]; s: [number, number]; p: [number, number, number, number]; d: [number, number]; g: number; N: number }[] = [
      { N: 3, C: 1, O: 6, H: 28, W: 28, K: [5, 5], s: [1, 1], p: [2, 2, 2, 2], d: [1, 1], g: 1 },
      { N: 11, C: 6, O: 16, H: 14, W: 14, K: [5, 5], s: [1, 1], p: [0, 0, 0, 0], d: [1, 1], g: 1 },
      { N: 2, C: 3, O: 5, H: 9, W: 7, K: [3, 2], s: [2, 3], p: [1, 0, 2, 1], d: [1, 1], g: 1 },
      { N: 2, C: 2, O: 3, H: 8, W: 9, K: [3, 3], s: [1, 1], p: [1, 1, 1, 1], d: [2, 2], g: 1 },
      { N: 2, C: 4, O: 6, H: 5, W: 5, K: [3, 3], s: [1, 1], p: [1, 1, 1, 1], d: [1, 1], g: 2 },
    ];
    let seed = 50;
    for (const q of geoms) {
      const OH = Math.floor((q.H + q.p[0] + q.p[1] - q.d[0] * (q.K[0] - 1) - 1) / q.s[0]) + 1;
      const OW = Math.floor((q.W + q.p[2] + q.p[3] - q.d[1] * (q.K[1] - 1) - 1) / q.s[1]) + 1;
      const p: Conv2dParams = {
        strides: q.s, pads: q.p, dilations: q.d, groups: q.g,
        inShape: [q.N, q.C, q.H, q.W], filterShape: [q.O, q.C / q.g, q.K[0], q.K[1]], outShape: [q.N, q.O, OH, OW],
      };
      const x = pair(cpu, wasm, randF32(size(p.inShape), seed++), p.inShape);
      const w = pair(cpu, wasm, randF32(size(p.filterShape), seed++), p.filterShape);
      const dy = pair(cpu, wasm, randF32(size(p.outShape), seed++), p.outShape);
      const tol = 2e-5 * Math.sqrt(q.C * q.K[0] * q.K[1] * q.N);
      expectClose(read(wasm, wasm.conv2d(x.w, w.w, p), 'float32', size(p.outShape)), read(cpu, cpu.conv2d(x.c, w.c, p), 'float32', size(p.outShape)), tol, `conv2d ${JSON.stringify(q)}`);
      expectClose(read(wasm, wasm.conv2dBackpropInput(dy.w, w.w, p), 'float32', size(p.inShape)), read(cpu, cpu.conv2dBackpropInput(dy.c, w.c, p), 'float32', size(p.inShape)), tol, 'backprop input');
      expectClose(read(wasm, wasm.conv2dBackpropFilter(x.w, dy.w, p), 'float32', size(p.filterShape)), read(cpu, cpu.conv2dBackpropFilter(x.c, dy.c, p), 'float32', size(p.filterShape)), tol * Math.sqrt(OH * OW), 'backprop filter');
    }
  });

  it('max and average pooling with their gradients, including padding and the 2x2 fast path', () => {
    const cases: { k: [number, number]; s: [number, number]; p: [number, number, number, number]; inc: boolean; H: number; W: number }[] = [
      { k: [2, 2], s: [2, 2], p: [0, 0, 0, 0], inc: false, H: 28, W: 28 },
      { k: [2, 2], s: [2, 2], p: [0, 0, 0, 0], inc: false, H: 7, W: 5 },
      { k: [3, 3], s: [2, 2], p: [1, 1, 1, 1], inc: false, H: 7, W: 6 },
      { k: [3, 2], s: [2, 1], p: [1, 1, 0, 0], inc: true, H: 5, W: 4 },
    ];
    let seed = 80;
    for (const q of cases) {
      const OH = Math.floor((q.H + q.p[0] + q.p[1] - q.k[0]) / q.s[0]) + 1;
      const OW = Math.floor((q.W + q.p[2] + q.p[3] - q.k[1]) / q.s[1]) + 1;
      const p: Pool2dParams = { kernel: q.k, strides: q.s, pads: q.p, countIncludePad: q.inc, inShape: [3, 2, q.H, q.W], outShape: [3, 2, OH, OW] };
      const vals = randF32(size(p.inShape), seed++);
      // ties inside windows: the first maximum in scan order gets the gradient
      vals[1] = vals[0]!;
      vals[3] = vals[2]!;
      vals[q.W + 2] = vals[2]!;
      vals[2 * q.W + 5] = vals[3 * q.W + 4]!;
      const x = pair(cpu, wasm, vals, p.inShape);
      const dy = pair(cpu, wasm, randF32(size(p.outShape), seed++), p.outShape);
      const no = size(p.outShape);
      const ni = size(p.inShape);
      expectClose(read(wasm, wasm.maxPool2d(x.w, p), 'float32', no), read(cpu, cpu.maxPool2d(x.c, p), 'float32', no), 0, 'maxPool2d');
      expectClose(read(wasm, wasm.maxPool2dBackward(dy.w, x.w, p), 'float32', ni), read(cpu, cpu.maxPool2dBackward(dy.c, x.c, p), 'float32', ni), 1e-6, 'maxPool2dBackward');
      expectClose(read(wasm, wasm.avgPool2d(x.w, p), 'float32', no), read(cpu, cpu.avgPool2d(x.c, p), 'float32', no), 1e-6, 'avgPool2d');
      expectClose(read(wasm, wasm.avgPool2dBackward(dy.w, p), 'float32', ni), read(cpu, cpu.avgPool2dBackward(dy.c, p), 'float32', ni), 1e-6, 'avgPool2dBackward');
    }
  });

  it('the single-threaded build on unshared memory agrees too, across memory growth', () => {
    const st = createWasmBackend({ name: 'wasm-st', unshared: true, threads: 4 });
    expect(st.shared).toBe(false);
    expect(st.threads).toBe(1);
    const a = pair(cpu, st, randF32(37 * 29, 1), [37, 29]);
    const b = pair(cpu, st, randF32(29 * 41, 2), [29, 41]);
    const want = read(cpu, cpu.matmul(a.c, b.c, false, false, [37, 41]), 'float32', 37 * 41);
    const c = st.matmul(a.w, b.w, false, false, [37, 41]);
    st.fill([40_000_000], 1, 'float32'); // 160 MB: the memory grows (and its buffer is replaced)
    expectClose(read(st, c, 'float32', 37 * 41), want, 1e-4, 'matmul after growth');
    expectClose(read(st, st.unary('exp', a.w), 'float32', 37 * 29), read(cpu, cpu.unary('exp', a.c), 'float32', 37 * 29), 1e-6, 'exp after growth');
    st.dispose();
  });

  it('refuses float64 with a clear error', () => {
    expect(() => wasm.upload(new Float64Array(3), 'float64')).toThrow(/float64 is not supported/);
    expect(wasm.supportsFloat64).toBe(false);
  });
});
