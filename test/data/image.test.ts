/**
 * nb.data.imageFolder: a folder of PNG and JPEG files (written here with pngjs and jpeg-js's
 * encoders), one sub-folder per class: shapes, exact pixels, bilinear resizing, channels, the
 * skip rule, the validation split, the stream of batches, fit with both, and one message per error.
 */
import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { deflateSync } from 'node:zlib';
import { PNG } from 'pngjs';
import jpeg from 'jpeg-js';
import * as nb from '../../src/index.js';
import { loadJpeg, loadPng, resizeBilinear } from '../../src/data/image.js';
import { pinBackend } from '../nn/helpers.js';

pinBackend('cpu');

type Pixel = [number, number, number];

/** PNG bytes of an image given as rows of RGB pixels (colorType 2), or grey levels (colorType 0). */
function png(rows: (Pixel | number)[][]): Buffer {
  const h = rows.length;
  const w = rows[0]!.length;
  const p = new PNG({ width: w, height: h });
  rows.forEach((r, y) => r.forEach((v, x) => {
    const [R, G, B] = typeof v === 'number' ? [v, v, v] : v;
    p.data.set([R, G, B, 255], 4 * (y * w + x));
  }));
  const grey = rows.every((r) => r.every((v) => typeof v === 'number'));
  return PNG.sync.write(p, grey ? { colorType: 0, inputColorType: 6 } : { colorType: 2, inputColorType: 6 });
}

/** A 1-row palette PNG (colorType 3, which pngjs does not write): `palette` entries, `row` indices into it. */
function palettePng(palette: Pixel[], row: number[]): Buffer {
  const crc = (buf: Buffer): number => {
    let c = ~0;
    for (const byte of buf) {
      c ^= byte;
      for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
    }
    return ~c >>> 0;
  };
  const chunk = (type: string, data: Buffer): Buffer => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const sum = Buffer.alloc(4);
    sum.writeUInt32BE(crc(body));
    return Buffer.concat([len, body, sum]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(row.length, 0);
  ihdr.writeUInt32BE(1, 4);
  ihdr.set([8, 3, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr), chunk('PLTE', Buffer.from(palette.flat())),
    chunk('IDAT', deflateSync(Buffer.from([0, ...row]))), chunk('IEND', Buffer.alloc(0)),
  ]);
}

function jpg(w: number, h: number, rgb: Pixel): Buffer {
  const data = Buffer.alloc(w * h * 4);
  for (let i = 0; i < w * h; i++) data.set([...rgb, 255], 4 * i);
  return jpeg.encode({ data, width: w, height: h }, 95).data;
}

function folder(files: Record<string, Buffer | string>): string {
  const root = mkdtempSync(path.join(tmpdir(), 'nabla-img-'));
  for (const [name, bytes] of Object.entries(files)) {
    const p = path.join(root, name);
    mkdirSync(path.dirname(p), { recursive: true });
    writeFileSync(p, bytes);
  }
  return root;
}

async function message(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(Error);
    return (e as Error).message;
  }
  throw new Error('expected a rejection');
}

const RED: Pixel = [255, 0, 0];
const BLUE: Pixel = [0, 0, 255];

describe('nb.data.imageFolder: reading', () => {
  it('gives NCHW float32 in [0, 1], int32 labels by sorted sub-folder, exact pixels at the native size', async () => {
    const root = folder({
      'dog/1.png': png([[RED, BLUE], [[0, 255, 0], [51, 102, 153]]]),
      'cat/a.PNG': png([[BLUE, BLUE], [BLUE, BLUE]]),
      'cat/b.png': png([[RED, RED], [RED, RED]]),
    });
    const d = await nb.data.imageFolder(root, { size: [2, 2] });
    expect(d.classNames).toEqual(['cat', 'dog']);
    expect(d.files.map((f) => path.relative(root, f))).toEqual(['cat/a.PNG', 'cat/b.png', 'dog/1.png'].map((f) => path.normalize(f)));
    expect(d.x.shape).toEqual([3, 3, 2, 2]);
    expect(d.x.dtype).toBe('float32');
    expect(d.y.dtype).toBe('int32');
    expect(Array.from(d.y.dataSync())).toEqual([0, 0, 1]);
    const x = Array.from(d.x.dataSync());
    // the dog image: R plane, G plane, B plane
    expect(x.slice(24, 36)).toEqual([1, 0, 0, 0.2, 0, 0, 1, 0.4, 0, 1, 0, 0.6].map(Math.fround));
    expect(x.slice(0, 12)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1]);
  });

  it('resizes every image to size (bilinear, half-pixel centres), the default size being the first image\'s', async () => {
    const root = folder({
      'a/small.png': png([[0, 255], [255, 0]]),
      'a/big.png': png(Array.from({ length: 4 }, () => [0, 0, 255, 255])),
    });
    const d = await nb.data.imageFolder(root, { channels: 1 });
    expect(d.x.shape).toEqual([2, 1, 4, 4]); // big.png comes first (sorted), 4×4
    const up = Array.from(d.x.dataSync()).slice(16);
    expect(up.slice(0, 4)).toEqual([0, 0.25, 0.75, 1]);
    const e = await nb.data.imageFolder(root, { channels: 1, size: [1, 2] });
    expect(Array.from(e.x.dataSync())).toEqual([0, 1, 0.5, 0.5]);
  });

  it('resizeBilinear matches PyTorch interpolate(bilinear, align_corners=False) on a 2×2 → 4×4 and 4 → 2', () => {
    const out = new Float32Array(16);
    resizeBilinear(Float32Array.from([0, 1, 2, 3]), 1, 2, 2, out, 0, 4, 4);
    expect(Array.from(out)).toEqual([0, 0.25, 0.75, 1, 0.5, 0.75, 1.25, 1.5, 1.5, 1.75, 2.25, 2.5, 2, 2.25, 2.75, 3]);
    const down = new Float32Array(2);
    resizeBilinear(Float32Array.from([0, 1, 2, 3]), 1, 1, 4, down, 0, 1, 2);
    expect(Array.from(down)).toEqual([0.5, 2.5]);
  });

  it('decodes JPEG (.jpg/.jpeg, lossy) next to PNG', async () => {
    const root = folder({ 'r/x.jpg': jpg(8, 8, RED), 'b/y.JPEG': jpg(8, 8, BLUE), 'b/z.png': png([[BLUE]]) });
    const d = await nb.data.imageFolder(root, { size: [8, 8] });
    expect(d.classNames).toEqual(['b', 'r']);
    expect(d.x.shape).toEqual([3, 3, 8, 8]);
    const x = d.x.dataSync();
    const plane = (i: number, c: number): number => x[(i * 3 + c) * 64 + 27]!;
    expect(plane(0, 2)).toBeGreaterThan(0.95); // y.JPEG is blue
    expect(plane(0, 0)).toBeLessThan(0.05);
    expect(plane(2, 0)).toBeGreaterThan(0.95); // x.jpg is red
    expect(plane(1, 2)).toBe(1); // z.png resized from 1×1
    // jpeg-js writes 3 components (YCbCr): a colour image for channels 1, read from the frame header
    expect(await message(nb.data.imageFolder(root, { channels: 1, classNames: ['r'] }))).toBe(
      `nb.data.imageFolder: ${path.join(root, 'r', 'x.jpg')} is a colour image but channels is 1; use channels: 3, or convertChannels: true to turn colour into grey`);
  });

  it('repeats grey into 3 channels; channels 1 refuses a colour image unless convertChannels (luma)', async () => {
    const root = folder({ 'g/grey.png': png([[102]]), 'g/red.png': png([[RED]]) });
    const d = await nb.data.imageFolder(root, { classNames: ['g'], size: [1, 1] });
    expect(Array.from(d.x.dataSync())).toEqual([0.4, 0.4, 0.4, 1, 0, 0].map(Math.fround));
    expect(await message(nb.data.imageFolder(root, { channels: 1 }))).toBe(
      `nb.data.imageFolder: ${path.join(root, 'g', 'red.png')} is a colour image but channels is 1; use channels: 3, or convertChannels: true to turn colour into grey`);
    const c = await nb.data.imageFolder(root, { channels: 1, convertChannels: true });
    expect(c.x.dataSync()[1]).toBeCloseTo(0.299, 6);
    // a palette PNG holding only greys is grey
    const pr = folder({ 'p/1.png': palettePng([[10, 10, 10], [200, 200, 200]], [0, 1]) });
    expect(Array.from((await nb.data.imageFolder(pr, { channels: 1 })).x.dataSync())).toEqual([10 / 255, 200 / 255].map(Math.fround));
  });

  it('skips other extensions, hidden files and files beside the class folders (listed in skipped); reads nested folders', async () => {
    const root = folder({
      'README.txt': 'hi', 'a/.DS_Store': 'x', 'a/notes.txt': 'x', 'a/deep/1.png': png([[0]]), 'a/2.png': png([[0]]), '.git/x.png': png([[0]]),
    });
    const d = await nb.data.imageFolder(root, { channels: 1 });
    expect(d.classNames).toEqual(['a']);
    expect(d.files.map((f) => path.relative(root, f))).toEqual(['a/2.png', 'a/deep/1.png'].map((f) => path.normalize(f)));
    expect(d.skipped.map((f) => path.relative(root, f)).sort()).toEqual(['.git', 'README.txt', 'a/.DS_Store', 'a/notes.txt'].map((f) => path.normalize(f)).sort());
  });

  it('classNames picks and orders the classes', async () => {
    const root = folder({ 'a/1.png': png([[0]]), 'b/1.png': png([[0]]), 'c/1.png': png([[0]]) });
    const d = await nb.data.imageFolder(root, { channels: 1, classNames: ['c', 'a'] });
    expect(d.classNames).toEqual(['c', 'a']);
    expect(Array.from(d.y.dataSync())).toEqual([0, 1]);
    expect(await message(nb.data.imageFolder(root, { classNames: ['a', 'zebra'] }))).toBe(
      `nb.data.imageFolder: ${root} has no sub-folder "zebra" (of classNames); its sub-folders are "a", "b", "c"`);
  });
});

describe('nb.data.imageFolder: splits, streams and fit', () => {
  const files: Record<string, Buffer> = {};
  for (let i = 0; i < 10; i++) {
    files[`dark/${i}.png`] = png([[i * 5, 0], [0, i * 5]]);
    files[`light/${i}.png`] = png([[255 - i * 5, 255], [255, 255 - i * 5]]);
  }
  const root = folder(files);

  it('validationSplit + subset give disjoint parts covering every image, repeatably', async () => {
    const t = await nb.data.imageFolder(root, { channels: 1, validationSplit: 0.3, subset: 'training', seed: 5 });
    const v = await nb.data.imageFolder(root, { channels: 1, validationSplit: 0.3, subset: 'validation', seed: 5 });
    expect(t.files.length).toBe(14);
    expect(v.files.length).toBe(6);
    expect(new Set([...t.files, ...v.files]).size).toBe(20);
    expect((await nb.data.imageFolder(root, { channels: 1, validationSplit: 0.3, subset: 'validation', seed: 5 })).files).toEqual(v.files);
    expect(await message(nb.data.imageFolder(root, { validationSplit: 0.3 }))).toBe(
      "nb.data.imageFolder: options.validationSplit needs options.subset ('training' or 'validation')");
  });

  it('with batchSize: a stream of batches, a new seeded order each epoch, that fit trains on', async () => {
    const s = await nb.data.imageFolder(root, { channels: 1, batchSize: 8, seed: 1 });
    expect(s.numBatches).toBe(3);
    expect(s.classNames).toEqual(['dark', 'light']);
    const epoch = async (): Promise<number[]> => {
      const ys: number[] = [];
      for await (const b of s) {
        expect(b.x.shape.slice(1)).toEqual([1, 2, 2]);
        ys.push(...b.x.dataSync());
        nb.dispose([b.x, b.y]);
      }
      return ys;
    };
    const e1 = await epoch();
    const e2 = await epoch();
    expect(e1.length).toBe(80);
    expect(e1).not.toEqual(e2);
    expect([...e1].sort()).toEqual([...e2].sort());

    nb.seed(0);
    const model = nb.nn.sequential(nb.nn.flatten(), nb.nn.linear(4, 2));
    const val = await nb.data.imageFolder(root, { channels: 1 });
    const h = await nb.train.fit(model, s, {
      epochs: 15, optimizer: nb.optim.adam(0.1), loss: nb.nn.softmaxCrossEntropy, metrics: ['accuracy'], validation: val, verbose: 0,
    });
    expect(h.epochs.at(-1)!.val_accuracy).toBe(1);
  });

  it('all at once: fit on { x, y }', async () => {
    const d = await nb.data.imageFolder(root, { channels: 1, shuffle: true, seed: 2 });
    expect(d.x.shape).toEqual([20, 1, 2, 2]);
    nb.seed(0);
    const model = nb.nn.sequential(nb.nn.flatten(), nb.nn.linear(4, 2));
    const h = await nb.train.fit(model, d, { epochs: 20, batchSize: 4, optimizer: nb.optim.adam(0.1), loss: nb.nn.softmaxCrossEntropy, metrics: ['accuracy'], verbose: 0 });
    expect(h.epochs.at(-1)!.accuracy).toBe(1);
  });
});

describe('nb.data.imageFolder: errors', () => {
  it('names a corrupt or truncated file, and a file that is not an image', async () => {
    const good = png([[RED, BLUE], [BLUE, RED]]);
    const root = folder({ 'a/1.png': good, 'a/2.png': good.subarray(0, 40) });
    const m = await message(nb.data.imageFolder(root));
    expect(m).toMatch(new RegExp(`^nb\\.data\\.imageFolder: cannot decode ${path.join(root, 'a', '2.png').replace(/[\\.]/g, '\\$&')} as PNG \\(corrupt or truncated\\?\\): `));
    const text = folder({ 'a/1.png': 'not a picture' });
    expect(await message(nb.data.imageFolder(text))).toBe(`nb.data.imageFolder: ${path.join(text, 'a', '1.png')} is not a PNG or JPEG file (it starts with bytes 6e 6f 74 20)`);
    const jp = folder({ 'a/1.jpg': jpg(8, 8, RED).subarray(0, 30) });
    expect(await message(nb.data.imageFolder(jp))).toMatch(/^nb\.data\.imageFolder: cannot decode .*1\.jpg as JPEG/);
  });

  it('an empty folder, a class folder without images, a missing folder', async () => {
    const empty = folder({});
    expect(await message(nb.data.imageFolder(empty))).toBe(`nb.data.imageFolder: ${empty} holds no class sub-folders (expected ${empty}/<class name>/<images>)`);
    const noImages = folder({ 'a/1.png': png([[0]]), 'b/readme.txt': 'x' });
    expect(await message(nb.data.imageFolder(noImages))).toBe(`nb.data.imageFolder: the class folder ${path.join(noImages, 'b')} holds no images (.png, .jpg, .jpeg)`);
    expect(await message(nb.data.imageFolder(path.join(empty, 'nope')))).toMatch(/^nb\.data\.imageFolder: cannot read the folder .*nope: ENOENT/);
  });

  it('checks its options', async () => {
    const root = folder({ 'a/1.png': png([[0]]) });
    expect(await message(nb.data.imageFolder(root, { channels: 2 as 1 }))).toBe('nb.data.imageFolder: options.channels must be 1 or 3, got 2');
    expect(await message(nb.data.imageFolder(root, { size: [0, 3] }))).toMatch(/^nb\.data\.imageFolder: options\.size\[0\] must be an integer ≥ 1/);
    expect(await message(nb.data.imageFolder(root, { bogus: 1 } as never))).toMatch(/^nb\.data\.imageFolder: unknown option 'bogus'/);
    expect(await message(nb.data.imageFolder('' as string))).toBe('nb.data.imageFolder: dir must be a folder path (a non-empty string), got string ""');
  });

  it('names the missing package', () => {
    const missing = (): never => { throw new Error('Cannot find module'); };
    expect(() => loadPng(missing)).toThrow("nb.data.imageFolder: the 'pngjs' package is not installed (npm install pngjs); nabla decodes PNG files with it");
    expect(() => loadJpeg(missing)).toThrow("nb.data.imageFolder: the 'jpeg-js' package is not installed (npm install jpeg-js); nabla decodes JPEG files with it");
  });
});
