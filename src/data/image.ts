/**
 * Image folders as data sets (Keras's `image_dataset_from_directory`, torchvision's
 * `ImageFolder`): `imageFolder(dir, options)` reads `dir/<class>/…/*.png|jpg|jpeg`, one class per
 * sub-folder (sorted by name), decodes each image, resizes it (bilinear) and gives NCHW float32
 * pixels in [0, 1] with int32 labels, either all at once (`{ x, y }`) or, with `batchSize`, as a
 * stream of batches decoded as they are needed (for `fit`'s iterable path).
 *
 * Decoding is done by two optional peer dependencies, looked up only when a file of their kind
 * is met: `pngjs` for PNG, `jpeg-js` for JPEG. Node-only: `node:fs` is looked up when
 * `imageFolder` runs, so bundling nabla for the browser is unaffected.
 */
import { fromArray } from '../tensor/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import { Random } from '../tensor/random.js';
import { nodeBuiltin } from '../io/node.js';
import { checkArrayOf, checkBoolean, checkInt, checkNumber, checkOneOf, checkOptions, checkString, fail, optBoolean, optNumber } from '../validate.js';

const OP = 'nb.data.imageFolder';

/** The file extensions read (compared case-insensitively); every other file is skipped. */
export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg'] as const;

export interface ImageFolderOptions {
  /** `[height, width]` every image is resized to (bilinear); default: the size of the first image. */
  size?: readonly [number, number];
  /** 1 (grey) or 3 (RGB, the default). A grey image is repeated into 3 channels; see `convertChannels` for the other way. */
  channels?: 1 | 3;
  /** With `channels: 1`, turn colour images into grey (luma 0.299·R + 0.587·G + 0.114·B) instead of failing (default false). */
  convertChannels?: boolean;
  /** How the labels are found: 'inferred' (the default and only way): the class is the sub-folder's name. */
  labels?: 'inferred';
  /** The classes, in the order of their indices (default: every sub-folder, sorted). Give the training set's `classNames` to the test set. */
  classNames?: readonly string[];
  /** Give a stream of batches of this size, decoded as they are needed, instead of all images at once. */
  batchSize?: number;
  /** Shuffle: default true with `batchSize` (a new seeded order each epoch), false without (`x`, `y` in file order). */
  shuffle?: boolean;
  /** Seed of the shuffle and of the validation split (default 0). */
  seed?: number;
  /** Hold out this fraction (in (0, 1)) of the images as the validation subset; needs `subset`. */
  validationSplit?: number;
  /** With `validationSplit`: which part to give. The same `seed` gives disjoint parts. */
  subset?: 'training' | 'validation';
}

/** The images of a folder, all decoded. */
export interface ImageFolderData {
  /** The images, float32 `[N, channels, height, width]` in [0, 1]. */
  x: Tensor;
  /** The class indices, int32 `[N]`. */
  y: Tensor;
  /** The class names, index i for class i. */
  classNames: string[];
  /** The image files, in the order of `x`'s samples. */
  files: string[];
  /** The files that were not read (not .png/.jpg/.jpeg, hidden, or outside a class folder). */
  skipped: string[];
}

/** A batch of the stream. */
export interface ImageBatch {
  x: Tensor;
  y: Tensor;
}

/** The images of a folder as a stream of batches (with `batchSize`); iterate it once per epoch. */
export interface ImageFolderStream extends AsyncIterable<ImageBatch> {
  classNames: string[];
  /** The image files (in file order; each epoch visits them in its own order when shuffling). */
  files: string[];
  /** The class index of each file. */
  labels: Int32Array;
  skipped: string[];
  /** Batches per epoch. */
  numBatches: number;
}

const OPTIONS = ['size', 'channels', 'convertChannels', 'labels', 'classNames', 'batchSize', 'shuffle', 'seed', 'validationSplit', 'subset'];

/** What nabla needs of pngjs: `PNG.sync.read`. */
interface PngModule {
  PNG: { sync: { read(bytes: Uint8Array): { width: number; height: number; data: Uint8Array; color?: boolean; palette?: boolean } } };
}
/** What nabla needs of jpeg-js: `decode`. */
interface JpegModule {
  decode(bytes: Uint8Array, opts: { useTArray: true; formatAsRGBA: true }): { width: number; height: number; data: Uint8Array };
}

type Require = (id: string) => unknown;

function requireOf(req?: Require): Require {
  return req ?? (nodeBuiltin('node:module', OP).createRequire(import.meta.url) as Require);
}

/** pngjs, or a clear error naming the package. */
export function loadPng(req?: Require): PngModule {
  let mod: unknown;
  try {
    mod = requireOf(req)('pngjs');
  } catch {
    throw new Error(`${OP}: the 'pngjs' package is not installed (npm install pngjs); nabla decodes PNG files with it`);
  }
  if (typeof (mod as Partial<PngModule> | null)?.PNG?.sync?.read !== 'function') throw new Error(`${OP}: the installed 'pngjs' has no PNG.sync.read (pngjs 6 or 7 is needed)`);
  return mod as PngModule;
}

/** jpeg-js, or a clear error naming the package. */
export function loadJpeg(req?: Require): JpegModule {
  let mod: unknown;
  try {
    mod = requireOf(req)('jpeg-js');
  } catch {
    throw new Error(`${OP}: the 'jpeg-js' package is not installed (npm install jpeg-js); nabla decodes JPEG files with it`);
  }
  if (typeof (mod as Partial<JpegModule> | null)?.decode !== 'function') throw new Error(`${OP}: the installed 'jpeg-js' has no decode function`);
  return mod as JpegModule;
}

/** A decoded image: RGBA bytes, and whether it holds colour. */
export interface RawImage {
  width: number;
  height: number;
  rgba: Uint8Array;
  color: boolean;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** The number of components a JPEG's frame header (SOFn) declares, or -1 when there is none. */
function jpegComponents(b: Uint8Array): number {
  let i = 2;
  while (i + 9 < b.length) {
    if (b[i] !== 0xff) return -1;
    const m = b[i + 1]!;
    if (m === 0xff) { i++; continue; }
    if (m === 0xd8 || m === 0x01 || (m >= 0xd0 && m <= 0xd7)) { i += 2; continue; }
    const len = (b[i + 2]! << 8) | b[i + 3]!;
    if (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) return b[i + 9]!;
    if (m === 0xda) return -1;
    i += 2 + len;
  }
  return -1;
}

function isGrey(rgba: Uint8Array): boolean {
  for (let i = 0; i < rgba.length; i += 4) if (rgba[i] !== rgba[i + 1] || rgba[i] !== rgba[i + 2]) return false;
  return true;
}

/**
 * Decodes PNG or JPEG bytes (told apart by their signature, not the file name) to RGBA. `file`
 * names the image in errors.
 */
export function decodeImage(bytes: Uint8Array, file: string, req?: Require): RawImage {
  const isPng = PNG_SIGNATURE.every((v, i) => bytes[i] === v);
  const isJpeg = bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
  if (!isPng && !isJpeg) {
    const head = Array.from(bytes.subarray(0, 4), (v) => v.toString(16).padStart(2, '0')).join(' ');
    throw new Error(`${OP}: ${file} is not a PNG or JPEG file (it starts with bytes ${head || '(none: the file is empty)'})`);
  }
  try {
    if (isPng) {
      const png = loadPng(req).PNG.sync.read(bytes);
      // a palette image is colour when some pixel is (its palette may hold only greys)
      const color = png.palette ? !isGrey(png.data) : png.color !== false;
      return { width: png.width, height: png.height, rgba: png.data, color };
    }
    const img = loadJpeg(req).decode(bytes, { useTArray: true, formatAsRGBA: true });
    return { width: img.width, height: img.height, rgba: img.data, color: jpegComponents(bytes) !== 1 };
  } catch (e) {
    const msg = (e as Error).message ?? String(e);
    if (msg.startsWith(OP)) throw e;
    throw new Error(`${OP}: cannot decode ${file} as ${isPng ? 'PNG' : 'JPEG'} (corrupt or truncated?): ${msg}`);
  }
}

/**
 * Resizes `src` (`channels` planes of `sh × sw`, planar) to `dh × dw` by bilinear interpolation
 * with half-pixel centres (PyTorch's `interpolate(mode='bilinear', align_corners=False)` without
 * antialiasing, TF's `resize` with `half_pixel_centers`), writing into `dst` at `offset`.
 */
export function resizeBilinear(src: Float32Array, channels: number, sh: number, sw: number, dst: Float32Array, offset: number, dh: number, dw: number): void {
  if (sh === dh && sw === dw) {
    dst.set(src.subarray(0, channels * sh * sw), offset);
    return;
  }
  const axis = (s: number, d: number): { i0: Int32Array; i1: Int32Array; t: Float32Array } => {
    const i0 = new Int32Array(d);
    const i1 = new Int32Array(d);
    const t = new Float32Array(d);
    const scale = s / d;
    for (let o = 0; o < d; o++) {
      const p = Math.max(0, (o + 0.5) * scale - 0.5);
      const a = Math.min(Math.floor(p), s - 1);
      i0[o] = a;
      i1[o] = Math.min(a + 1, s - 1);
      t[o] = p - a;
    }
    return { i0, i1, t };
  };
  const ys = axis(sh, dh);
  const xs = axis(sw, dw);
  for (let c = 0; c < channels; c++) {
    const plane = c * sh * sw;
    const out = offset + c * dh * dw;
    for (let oy = 0; oy < dh; oy++) {
      const r0 = plane + ys.i0[oy]! * sw;
      const r1 = plane + ys.i1[oy]! * sw;
      const ty = ys.t[oy]!;
      for (let ox = 0; ox < dw; ox++) {
        const x0 = xs.i0[ox]!;
        const x1 = xs.i1[ox]!;
        const tx = xs.t[ox]!;
        const top = src[r0 + x0]! + (src[r0 + x1]! - src[r0 + x0]!) * tx;
        const bottom = src[r1 + x0]! + (src[r1 + x1]! - src[r1 + x0]!) * tx;
        dst[out + oy * dw + ox] = top + (bottom - top) * ty;
      }
    }
  }
}

/** RGBA bytes to planar float32 in [0, 1], 1 or 3 channels (alpha dropped). */
function planar(img: RawImage, channels: 1 | 3, convert: boolean, file: string): Float32Array {
  const n = img.width * img.height;
  const out = new Float32Array(channels * n);
  const p = img.rgba;
  if (channels === 1) {
    if (img.color && !convert) {
      throw new Error(`${OP}: ${file} is a colour image but channels is 1; use channels: 3, or convertChannels: true to turn colour into grey`);
    }
    for (let i = 0; i < n; i++) {
      out[i] = img.color ? (0.299 * p[4 * i]! + 0.587 * p[4 * i + 1]! + 0.114 * p[4 * i + 2]!) / 255 : p[4 * i]! / 255;
    }
  } else {
    for (let c = 0; c < 3; c++) for (let i = 0; i < n; i++) out[c * n + i] = p[4 * i + c]! / 255;
  }
  return out;
}

interface Listing {
  root: string;
  classNames: string[];
  files: string[];
  labels: number[];
  skipped: string[];
}

/** Lists `root/<class>/…` (recursively within each class folder, sorted by path). */
async function listFolder(root: string, wanted: readonly string[] | undefined): Promise<Listing> {
  const fs = nodeBuiltin('node:fs/promises', OP);
  const path = nodeBuiltin('node:path', OP);
  let entries;
  try {
    entries = await fs.readdir(root, { withFileTypes: true });
  } catch (e) {
    throw new Error(`${OP}: cannot read the folder ${root}: ${(e as Error).message}`);
  }
  const skipped: string[] = [];
  const dirs: string[] = [];
  for (const e of entries) {
    if (e.isDirectory() && !e.name.startsWith('.')) dirs.push(e.name);
    else skipped.push(path.join(root, e.name));
  }
  dirs.sort();
  let classNames = dirs;
  if (wanted !== undefined) {
    const missing = wanted.filter((c) => !dirs.includes(c));
    if (missing.length) throw new Error(`${OP}: ${root} has no sub-folder ${missing.map((c) => JSON.stringify(c)).join(', ')} (of classNames); its sub-folders are ${dirs.map((c) => JSON.stringify(c)).join(', ') || '(none)'}`);
    classNames = [...wanted];
  }
  if (classNames.length === 0) throw new Error(`${OP}: ${root} holds no class sub-folders (expected ${root}/<class name>/<images>)`);
  const files: string[] = [];
  const labels: number[] = [];
  const walk = async (dir: string, out: string[]): Promise<void> => {
    let list;
    try {
      list = await fs.readdir(dir, { withFileTypes: true });
    } catch (e) {
      throw new Error(`${OP}: cannot read the folder ${dir}: ${(e as Error).message}`);
    }
    for (const e of list.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const p = path.join(dir, e.name);
      if (e.name.startsWith('.')) skipped.push(p);
      else if (e.isDirectory()) await walk(p, out);
      else if (e.isFile() && (IMAGE_EXTENSIONS as readonly string[]).includes(path.extname(e.name).toLowerCase())) out.push(p);
      else skipped.push(p);
    }
  };
  for (let k = 0; k < classNames.length; k++) {
    const found: string[] = [];
    await walk(path.join(root, classNames[k]!), found);
    if (found.length === 0) throw new Error(`${OP}: the class folder ${path.join(root, classNames[k]!)} holds no images (${IMAGE_EXTENSIONS.join(', ')})`);
    for (const f of found) {
      files.push(f);
      labels.push(k);
    }
  }
  return { root, classNames, files, labels, skipped };
}

interface Decoder {
  size: [number, number] | undefined;
  channels: 1 | 3;
  convert: boolean;
}

/** Reads and decodes `files` into one `[n, C, H, W]` float32 array; fixes `d.size` from the first image when unset. */
async function decodeFiles(files: readonly string[], d: Decoder): Promise<Float32Array> {
  const fs = nodeBuiltin('node:fs/promises', OP);
  let out: Float32Array | undefined;
  let k = 0;
  // Read a few files at a time; decode in order.
  const AHEAD = 8;
  const reads: Promise<Uint8Array>[] = [];
  const read = (f: string): Promise<Uint8Array> => {
    // a Buffer (a Uint8Array): pngjs reads it with Buffer methods
    const p = fs.readFile(f).then(
      (b): Uint8Array => b,
      (e: Error) => { throw new Error(`${OP}: cannot read ${f}: ${e.message}`); },
    );
    p.catch(() => undefined); // a read ahead of a failing file is not awaited: no unhandled rejection
    return p;
  };
  for (let i = 0; i < Math.min(AHEAD, files.length); i++) reads.push(read(files[i]!));
  for (let i = 0; i < files.length; i++) {
    const bytes = await reads[i]!;
    if (i + AHEAD < files.length) reads.push(read(files[i + AHEAD]!));
    reads[i] = Promise.resolve(new Uint8Array(0));
    const file = files[i]!;
    const img = decodeImage(bytes, file);
    if (img.width === 0 || img.height === 0) throw new Error(`${OP}: ${file} has no pixels (${img.width}×${img.height})`);
    d.size ??= [img.height, img.width];
    const [h, w] = d.size;
    out ??= new Float32Array(files.length * d.channels * h * w);
    resizeBilinear(planar(img, d.channels, d.convert, file), d.channels, img.height, img.width, out, k, h, w);
    k += d.channels * h * w;
  }
  return out ?? new Float32Array(0);
}

/**
 * Reads an image folder: one sub-folder per class (`dir/cat/…`, `dir/dog/…`), class indices in
 * sorted folder-name order (or `options.classNames`'s). Files ending in .png, .jpg or .jpeg (any
 * case) are read, also in nested folders of a class folder, and decoded by their content; other
 * files, hidden ones (a name starting with '.') and files directly in `dir` are skipped and listed
 * in `skipped`. Without `batchSize` every image is decoded now: `{ x, y, classNames, files,
 * skipped }`. With `batchSize`: a stream of `{ x, y }` batches (decoded as they are asked for)
 * to give `fit`.
 */
export function imageFolder(dir: string, options: ImageFolderOptions & { batchSize: number }): Promise<ImageFolderStream>;
export function imageFolder(dir: string, options?: ImageFolderOptions): Promise<ImageFolderData>;
export async function imageFolder(dir: string, options?: ImageFolderOptions): Promise<ImageFolderData | ImageFolderStream> {
  const o = checkOptions(OP, options, OPTIONS);
  if (typeof dir !== 'string' || dir === '') fail(OP, 'dir', 'a folder path (a non-empty string)', dir);
  let size: [number, number] | undefined;
  if (o.size !== undefined) {
    const s = checkArrayOf(OP, 'options.size', o.size, (name, v) => checkInt(OP, name, v, { min: 1, max: 65536 }));
    if (s.length !== 2) fail(OP, 'options.size', '[height, width]', o.size);
    size = [s[0]!, s[1]!];
  }
  const channels = o.channels === undefined ? 3 : o.channels;
  if (channels !== 1 && channels !== 3) fail(OP, 'options.channels', '1 or 3', o.channels);
  const convert = optBoolean(OP, 'options.convertChannels', o.convertChannels, false);
  if (o.labels !== undefined) checkOneOf(OP, 'options.labels', o.labels, ['inferred'] as const);
  let wanted: string[] | undefined;
  if (o.classNames !== undefined) {
    wanted = checkArrayOf(OP, 'options.classNames', o.classNames, (name, v) => {
      const s = checkString(OP, name, v);
      if (s === '' || /[\\/]/.test(s)) fail(OP, name, 'a sub-folder name', v);
      return s;
    });
    if (wanted.length === 0) fail(OP, 'options.classNames', 'a non-empty array of sub-folder names', o.classNames);
    wanted.forEach((c, i) => { if (wanted!.indexOf(c) !== i) throw new Error(`${OP}: options.classNames: "${c}" is listed twice`); });
  }
  const batchSize = o.batchSize === undefined ? undefined : checkInt(OP, 'options.batchSize', o.batchSize, { min: 1 });
  const shuffle = o.shuffle === undefined ? batchSize !== undefined : checkBoolean(OP, 'options.shuffle', o.shuffle);
  const seed = optNumber(OP, 'options.seed', o.seed, 0);
  let split: number | undefined;
  if (o.validationSplit !== undefined) split = checkNumber(OP, 'options.validationSplit', o.validationSplit, { above: 0, below: 1 });
  const subset = o.subset === undefined ? undefined : checkOneOf(OP, 'options.subset', o.subset, ['training', 'validation'] as const);
  if (split !== undefined && subset === undefined) throw new Error(`${OP}: options.validationSplit needs options.subset ('training' or 'validation')`);
  if (split === undefined && subset !== undefined) throw new Error(`${OP}: options.subset needs options.validationSplit`);

  const list = await listFolder(dir, wanted);
  let files = list.files;
  let labels = list.labels;
  if (split !== undefined) {
    // Keras's rule: a seeded permutation of the files, the last ⌊n·split⌋ are the validation subset.
    const n = files.length;
    const nVal = Math.floor(n * split);
    if (nVal === 0 || nVal === n) throw new Error(`${OP}: validationSplit ${split} of ${n} images leaves ${nVal === 0 ? 'no validation' : 'no training'} images`);
    const perm = new Random(seed).permutation(n);
    const pick = subset === 'training' ? perm.subarray(0, n - nVal) : perm.subarray(n - nVal);
    const keep = Array.from(pick).sort((a, b) => a - b);
    files = keep.map((i) => list.files[i]!);
    labels = keep.map((i) => list.labels[i]!);
  }
  const dec: Decoder = { size, channels, convert };

  if (batchSize === undefined) {
    let order: Int32Array = Int32Array.from(files, (_, i) => i);
    if (shuffle) order = new Random(seed).permutation(files.length);
    const fs2 = Array.from(order, (i) => files[i]!);
    const data = await decodeFiles(fs2, dec);
    const [h, w] = dec.size!;
    return {
      x: fromArray(data, [fs2.length, channels, h, w]),
      y: fromArray(Int32Array.from(order, (i) => labels[i]!), [fs2.length]),
      classNames: list.classNames,
      files: fs2,
      skipped: list.skipped,
    };
  }

  // The stream: the size is fixed now (from the first image when not given), so every batch agrees.
  if (dec.size === undefined) await decodeFiles(files.slice(0, 1), dec);
  const rng = new Random(seed);
  const labelArr = Int32Array.from(labels);
  const n = files.length;
  const stream: ImageFolderStream = {
    classNames: list.classNames,
    files,
    labels: labelArr,
    skipped: list.skipped,
    numBatches: Math.ceil(n / batchSize),
    async *[Symbol.asyncIterator](): AsyncGenerator<ImageBatch> {
      const order = shuffle ? rng.permutation(n) : Int32Array.from({ length: n }, (_, i) => i);
      const [h, w] = dec.size!;
      for (let b = 0; b < n; b += batchSize) {
        const idx = order.subarray(b, Math.min(n, b + batchSize));
        const data = await decodeFiles(Array.from(idx, (i) => files[i]!), dec);
        yield {
          x: fromArray(data, [idx.length, channels, h, w]),
          y: fromArray(Int32Array.from(idx, (i) => labelArr[i]!), [idx.length]),
        };
      }
    },
  };
  return stream;
}
