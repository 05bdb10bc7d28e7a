/**
 * Images as pictures: a batch of NCHW images (C = 1 or 3) laid out as a grid, as torchvision's
 * `make_grid` does. `imageGridPixels` gives RGBA bytes `{ width, height, data }` anywhere (a
 * browser passes them to `new ImageData(data, width, height)` and `putImageData`);
 * `imageGrid` encodes them as PNG bytes in Node with the optional peer dependency `pngjs`,
 * loaded only when it is called.
 */
import { Tensor } from '../tensor/tensor.js';
import { fmt } from '../tensor/shape.js';
import { nodeBuiltin } from '../io/node.js';
import { checkArray, checkBoolean, checkNumber, checkOptions, fail, optInt, optNumber } from '../validate.js';

export interface ImageGridOptions {
  /** Images per row (default 8; fewer when the batch is smaller). */
  nrow?: number;
  /** Pixels between images and around the grid (default 2). */
  padding?: number;
  /** The value of the padding pixels, in the images' [0, 1] scale (default 0: black). */
  padValue?: number;
  /**
   * Scale values to [0, 1] by `range` (default false: values are taken to be in [0, 1]
   * already and clipped). With `range` omitted, the batch's minimum and maximum.
   */
  normalize?: boolean;
  /** [low, high] mapped to black and white when normalizing (values outside are clipped); implies normalize. */
  range?: readonly [number, number];
}

/** RGBA pixels, row by row (what `new ImageData(data, width, height)` takes). */
export interface ImagePixels {
  width: number;
  height: number;
  data: Uint8ClampedArray;
}

interface Resolved {
  nrow: number;
  padding: number;
  padValue: number;
  range: [number, number] | null | 'auto';
}

function resolve(op: string, images: unknown, opts: ImageGridOptions | undefined): Resolved {
  if (!(images instanceof Tensor)) fail(op, 'images', 'a Tensor [N, C, H, W] with C = 1 or 3', images);
  if (images.isDisposed) throw new Error(`${op}: images (tensor ${fmt(images.shape)}) was disposed`);
  if (images.rank !== 4 || (images.shape[1] !== 1 && images.shape[1] !== 3)) {
    throw new Error(`${op}: images must be a batch of images [N, C, H, W] with C = 1 (grey) or 3 (RGB), got ${fmt(images.shape)}`);
  }
  if (images.size === 0) throw new Error(`${op}: images ${fmt(images.shape)} holds no pixels`);
  const o = checkOptions(op, opts, ['nrow', 'padding', 'padValue', 'normalize', 'range']);
  const nrow = optInt(op, 'nrow', o.nrow, 8, { min: 1 });
  const padding = optInt(op, 'padding', o.padding, 2, { min: 0, max: 1024 });
  const padValue = optNumber(op, 'padValue', o.padValue, 0, { min: 0, max: 1 });
  const normalize = o.normalize === undefined ? undefined : checkBoolean(op, 'normalize', o.normalize);
  let range: Resolved['range'] = normalize ? 'auto' : null;
  if (o.range !== undefined) {
    const r = checkArray(op, 'range', o.range);
    if (r.length !== 2) fail(op, 'range', 'a pair [low, high]', o.range);
    const lo = checkNumber(op, 'range[0]', r[0]);
    const hi = checkNumber(op, 'range[1]', r[1]);
    if (!(hi > lo)) throw new Error(`${op}: range must have low < high, got [${lo}, ${hi}]`);
    if (normalize === false) throw new Error(`${op}: range [${lo}, ${hi}] is given but normalize is false; drop one of them`);
    range = [lo, hi];
  }
  return { nrow, padding, padValue, range };
}

/** The grid's RGBA pixels for checked arguments. */
function pixels(images: Tensor, o: Resolved): ImagePixels {
  const [N, C, H, W] = images.shape as [number, number, number, number];
  const v = images.dataSync() as ArrayLike<number | boolean>;
  let lo = 0;
  let hi = 1;
  if (o.range === 'auto') {
    lo = Infinity;
    hi = -Infinity;
    for (let i = 0; i < v.length; i++) {
      const x = Number(v[i]);
      if (x < lo) lo = x;
      if (x > hi) hi = x;
    }
    if (!(hi > lo)) {
      // a constant (or all-NaN) batch: show it as black
      hi = Number.isFinite(lo) ? lo + 1 : 1;
      lo = Number.isFinite(lo) ? lo : 0;
    }
  } else if (o.range) [lo, hi] = o.range;
  const scale = 1 / (hi - lo);
  const cols = Math.min(o.nrow, N);
  const rows = Math.ceil(N / cols);
  const p = o.padding;
  const width = cols * (W + p) + p;
  const height = rows * (H + p) + p;
  if (width * height > 2 ** 28) throw new Error(`imageGridPixels: the grid would be ${width}×${height} pixels, too large`);
  const data = new Uint8ClampedArray(width * height * 4);
  const pad = Math.floor(o.padValue * 255 + 0.5);
  for (let i = 0; i < data.length; i += 4) {
    data[i] = data[i + 1] = data[i + 2] = pad;
    data[i + 3] = 255;
  }
  const byte = (x: number): number => {
    const t = (x - lo) * scale;
    // NaN shows as black; values outside [0, 1] are clipped (as torchvision's save_image does)
    return t > 0 ? Math.min(255, Math.floor(t * 255 + 0.5)) : 0;
  };
  const hw = H * W;
  for (let n = 0; n < N; n++) {
    const oy = Math.floor(n / cols) * (H + p) + p;
    const ox = (n % cols) * (W + p) + p;
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const at = ((oy + y) * width + ox + x) * 4;
        const src = n * C * hw + y * W + x;
        for (let c = 0; c < 3; c++) data[at + c] = byte(Number(v[src + (C === 3 ? c * hw : 0)]));
      }
    }
  }
  return { width, height, data };
}

/**
 * A grid of NCHW images (C = 1 or 3) as RGBA pixels `{ width, height, data }`: `nrow` images
 * per row, `padding` pixels between them. Works everywhere; in a browser,
 * `ctx.putImageData(new ImageData(g.data, g.width, g.height), 0, 0)` draws it on a canvas.
 */
export function imageGridPixels(images: Tensor, opts: ImageGridOptions = {}): ImagePixels {
  const op = 'imageGridPixels';
  return pixels(images, resolve(op, images, opts));
}

/** What nabla needs of pngjs: `new PNG({ width, height })` and `PNG.sync.write`. */
interface PngEncoder {
  PNG: { new (o: { width: number; height: number }): { data: Uint8Array }; sync: { write(png: { data: Uint8Array }): Uint8Array } };
}

/** pngjs, or a clear error naming the package. `req` replaces Node's require (tests). */
export function loadPngEncoder(op: string, req?: (id: string) => unknown): PngEncoder {
  let mod: unknown;
  try {
    const r = req ?? (nodeBuiltin('node:module', `nb.viz.${op}`).createRequire(import.meta.url) as (id: string) => unknown);
    mod = r('pngjs');
  } catch (e) {
    if (e instanceof Error && e.message.includes('needs Node.js')) throw new Error(`${op}: writes PNG files in Node only (${e.message}); in a browser use nb.viz.imageGridPixels`, { cause: e });
    throw new Error(`${op}: the 'pngjs' package is not installed (npm install pngjs); nabla encodes PNG files with it`, { cause: e });
  }
  const m = mod as Partial<PngEncoder> | null;
  if (typeof m?.PNG !== 'function' || typeof m.PNG.sync?.write !== 'function') throw new Error(`${op}: the installed 'pngjs' has no PNG.sync.write (pngjs 6 or 7 is needed)`);
  return m as PngEncoder;
}

/**
 * A grid of NCHW images (C = 1 or 3) as the bytes of a PNG file (Node only; needs the optional
 * peer dependency `pngjs`). Options as `imageGridPixels`; write the bytes with
 * `fs.writeFileSync('samples.png', bytes)`.
 */
export function imageGrid(images: Tensor, opts: ImageGridOptions = {}): Uint8Array {
  const op = 'imageGrid';
  const o = resolve(op, images, opts);
  const { PNG } = loadPngEncoder(op);
  const g = pixels(images, o);
  const png = new PNG({ width: g.width, height: g.height });
  png.data.set(g.data);
  return PNG.sync.write(png);
}
