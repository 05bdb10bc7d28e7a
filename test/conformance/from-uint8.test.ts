/**
 * nb.fromUint8: a float tensor made from uint8 values (pixels) scaled by a constant, converted
 * straight into backend memory (no full-size float32 array in JavaScript). Every backend gives
 * exactly what fromArray gives for the same values converted in JavaScript.
 */
import { afterEach, describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { forEachBackend } from './backends.js';
import { read } from './helpers.js';

/** Bytes 0..255 repeated, offset by `seed`, `n` of them. */
function bytes(n: number, seed = 0): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 7 + seed) & 255;
  return b;
}

/** Reference: the values converted in JavaScript (each byte times scale, rounded to float32). */
function converted(b: ArrayLike<number>, scale: number): Float32Array {
  return Float32Array.from(b, (v) => v * scale);
}

/** Bit-level equality of two float arrays (NaN and -0 included). */
function expectBits(got: number[], want: ArrayLike<number>): void {
  expect(got.length).toBe(want.length);
  const g = new Float32Array(got);
  const w = Float32Array.from(want);
  expect(new Uint32Array(g.buffer)).toEqual(new Uint32Array(w.buffer));
}

forEachBackend('fromUint8', () => {
  let restore: (() => void) | null = null;
  afterEach(() => {
    restore?.();
    restore = null;
  });

  it('equals fromArray of the converted floats, bit for bit (scale 1/255, every byte value)', async () => {
    const b = bytes(3 * 256, 5);
    const t = nb.fromUint8(b, [3, 16, 16], { scale: 1 / 255 });
    expect(t.shape).toEqual([3, 16, 16]);
    expect(t.dtype).toBe('float32');
    const ref = nb.fromArray(converted(b, 1 / 255), [3, 16, 16]);
    expectBits(await read(t), await read(ref));
    expectBits(await read(t), converted(b, 1 / 255));
    nb.dispose([t, ref]);
  });

  it('defaults to scale 1 and a flat shape; takes any finite scale, a Uint8ClampedArray and a subarray', async () => {
    const b = bytes(300);
    const t = nb.fromUint8(b);
    expect(t.shape).toEqual([300]);
    expectBits(await read(t), converted(b, 1));
    const neg = nb.fromUint8(b.subarray(17, 17 + 60), [6, 10], { scale: -0.3 });
    expectBits(await read(neg), converted(b.subarray(17, 77), -0.3));
    const clamped = nb.fromUint8(new Uint8ClampedArray(b.buffer, 3, 40), [40], { scale: 2 });
    expectBits(await read(clamped), converted(b.subarray(3, 43), 2));
    nb.dispose([t, neg, clamped]);
  });

  it('converts large inputs in chunks without a full-size float array upload', async () => {
    const n = 3 * 65536 + 123; // crosses chunk boundaries
    const b = bytes(n, 11);
    const be = nb.getBackend();
    const sizes: number[] = [];
    const orig = be.upload.bind(be);
    be.upload = (values, dtype) => {
      sizes.push(values.length);
      return orig(values, dtype);
    };
    restore = () => {
      be.upload = orig;
    };
    const t = nb.fromUint8(b, [n], { scale: 1 / 255 });
    expect(sizes.filter((s) => s >= n)).toEqual([]);
    restore();
    restore = null;
    expectBits(await read(t), converted(b, 1 / 255));
    t.dispose();
  });

  it('handles empty tensors and requiresGrad', async () => {
    const e = nb.fromUint8(new Uint8Array(0), [0, 3]);
    expect(e.shape).toEqual([0, 3]);
    expect(await read(e)).toEqual([]);
    const g = nb.fromUint8(bytes(4), [2, 2], { requiresGrad: true });
    expect(g.requiresGrad).toBe(true);
    nb.dispose([e, g]);
  });
});

describe('fromUint8 bad input', () => {
  it('names the function, the argument and the shapes', () => {
    expect(() => nb.fromUint8(new Float32Array(4) as unknown as Uint8Array, [4])).toThrow(/fromUint8: values must be a Uint8Array.*got a Float32Array of length 4/);
    expect(() => nb.fromUint8([1, 2, 3] as unknown as Uint8Array)).toThrow(/fromUint8: values must be a Uint8Array/);
    expect(() => nb.fromUint8(new Int8Array(4) as unknown as Uint8Array)).toThrow(/fromUint8: values must be a Uint8Array.*got an? Int8Array/);
    expect(() => nb.fromUint8(new Uint8Array(12), [2, 5])).toThrow(/fromUint8: values has 12 elements, shape \[2,5\] needs 10/);
    expect(() => nb.fromUint8(new Uint8Array(4), [2, -2])).toThrow(/fromUint8/);
    expect(() => nb.fromUint8(new Uint8Array(4), [4], { scale: Number.NaN })).toThrow(/fromUint8: options.scale must be a finite number, got NaN/);
    expect(() => nb.fromUint8(new Uint8Array(4), [4], { dtype: 'int32' })).toThrow(/fromUint8: options.dtype must be a floating dtype \(float32 or float64\), got int32/);
    expect(() => nb.fromUint8(new Uint8Array(4), [4], { nope: 1 } as unknown as nb.FromUint8Options)).toThrow(/fromUint8/);
  });

  it('makes float64 on backends that store it', async () => {
    const t = nb.fromUint8(new Uint8Array([0, 1, 255]), [3], { scale: 0.1, dtype: 'float64', backend: 'cpu' });
    expect(t.dtype).toBe('float64');
    expect(Array.from(t.dataSync())).toEqual([0, 0.1, 25.5]);
    t.dispose();
  });
});
