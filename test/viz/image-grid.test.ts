/**
 * nb.viz.imageGrid / imageGridPixels: layout (nrow, padding), grey and RGB, normalization, PNG
 * bytes decoded back with pngjs, and errors for shapes that are not image batches.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { loadPngEncoder } from '../../src/viz/image.js';

const { PNG } = createRequire(import.meta.url)('pngjs') as { PNG: { sync: { read(b: Uint8Array): { width: number; height: number; data: Uint8Array } } } };

/** The RGBA of pixel (x, y). */
const px = (g: { width: number; data: ArrayLike<number> }, x: number, y: number): number[] => Array.from({ length: 4 }, (_, c) => g.data[(y * g.width + x) * 4 + c] as number);

describe('imageGridPixels', () => {
  it('lays out a grey batch with nrow and padding', () => {
    // 3 images 2×2: values 0, 0.5, 1
    const imgs = nb.concat([nb.zeros([1, 1, 2, 2]), nb.full([1, 1, 2, 2], 0.5), nb.ones([1, 1, 2, 2])], 0);
    const g = nb.viz.imageGridPixels(imgs, { nrow: 2, padding: 1, padValue: 1 });
    expect(g.width).toBe(2 * 3 + 1);
    expect(g.height).toBe(2 * 3 + 1);
    expect(g.data).toBeInstanceOf(Uint8ClampedArray);
    expect(g.data.length).toBe(g.width * g.height * 4);
    expect(px(g, 0, 0)).toEqual([255, 255, 255, 255]); // padding
    expect(px(g, 1, 1)).toEqual([0, 0, 0, 255]); // image 0
    expect(px(g, 4, 2)).toEqual([128, 128, 128, 255]); // image 1 (0.5·255 + 0.5 → 128)
    expect(px(g, 1, 4)).toEqual([255, 255, 255, 255]); // image 2, second row
    expect(px(g, 4, 4)).toEqual([255, 255, 255, 255]); // empty cell: padding colour
  });

  it('RGB channels and clipping without normalize', () => {
    const img = nb.tensor([[[[2]], [[0.2]], [[-1]]]]);
    const g = nb.viz.imageGridPixels(img, { padding: 0 });
    expect([g.width, g.height]).toEqual([1, 1]);
    expect(px(g, 0, 0)).toEqual([255, 51, 0, 255]);
  });

  it('normalize uses the batch min and max, or range', () => {
    const img = nb.tensor([[[[-1, 0, 3]]]]);
    expect(Array.from(nb.viz.imageGridPixels(img, { padding: 0, normalize: true }).data.filter((_, i) => i % 4 === 0))).toEqual([0, 64, 255]);
    expect(Array.from(nb.viz.imageGridPixels(img, { padding: 0, range: [-1, 1] }).data.filter((_, i) => i % 4 === 0))).toEqual([0, 128, 255]);
  });
});

describe('imageGrid (PNG)', () => {
  it('returns PNG bytes that decode to the same pixels', () => {
    const imgs = nb.rand([5, 3, 4, 3], { random: new nb.Random(1) });
    const bytes = nb.viz.imageGrid(imgs, { nrow: 3 });
    expect(bytes).toBeInstanceOf(Uint8Array);
    expect(Array.from(bytes.subarray(0, 8))).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const png = PNG.sync.read(bytes);
    const g = nb.viz.imageGridPixels(imgs, { nrow: 3 });
    expect([png.width, png.height]).toEqual([g.width, g.height]);
    expect([png.width, png.height]).toEqual([3 * 5 + 2, 2 * 6 + 2]);
    expect(Array.from(png.data)).toEqual(Array.from(g.data));
    // image 4 (row 1, column 1), channel 1 at (y 2, x 0)
    const v = (imgs.dataSync() as Float32Array)[4 * 36 + 12 + 2 * 3 + 0]!;
    expect(px(png, 5 + 2, 6 + 2 + 2)[1]).toBe(Math.floor(v * 255 + 0.5));
  });

  it('says how to get pngjs when it is missing', () => {
    expect(() =>
      loadPngEncoder('imageGrid', () => {
        throw new Error("Cannot find module 'pngjs'");
      }),
    ).toThrow("imageGrid: the 'pngjs' package is not installed (npm install pngjs); nabla encodes PNG files with it");
    expect(() => loadPngEncoder('imageGrid', () => ({}))).toThrow("imageGrid: the installed 'pngjs' has no PNG.sync.write");
  });
});

describe('errors', () => {
  const cases: [string, () => unknown, string][] = [
    ['rank', () => nb.viz.imageGrid(nb.zeros([2, 28, 28])), 'imageGrid: images must be a batch of images [N, C, H, W] with C = 1 (grey) or 3 (RGB), got [2,28,28]'],
    ['channels', () => nb.viz.imageGridPixels(nb.zeros([2, 2, 4, 4])), 'imageGridPixels: images must be a batch of images [N, C, H, W] with C = 1 (grey) or 3 (RGB), got [2,2,4,4]'],
    ['empty', () => nb.viz.imageGridPixels(nb.zeros([0, 1, 4, 4])), 'imageGridPixels: images [0,1,4,4] holds no pixels'],
    ['not a tensor', () => nb.viz.imageGrid([1, 2] as never), 'imageGrid: images must be a Tensor [N, C, H, W] with C = 1 or 3, got'],
    ['nrow', () => nb.viz.imageGridPixels(nb.zeros([1, 1, 2, 2]), { nrow: 0 }), 'imageGridPixels: nrow must be an integer ≥ 1, got 0'],
    ['range', () => nb.viz.imageGridPixels(nb.zeros([1, 1, 2, 2]), { range: [1, 1] }), 'imageGridPixels: range must have low < high, got [1, 1]'],
    ['range without normalize', () => nb.viz.imageGridPixels(nb.zeros([1, 1, 2, 2]), { range: [0, 1], normalize: false }), 'imageGridPixels: range [0, 1] is given but normalize is false'],
    ['unknown option', () => nb.viz.imageGridPixels(nb.zeros([1, 1, 2, 2]), { nrows: 2 } as never), 'imageGridPixels'],
  ];
  for (const [name, fn, msg] of cases) it(name, () => expect(fn).toThrow(msg));
});
