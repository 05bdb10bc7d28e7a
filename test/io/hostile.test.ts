/**
 * Hostile and malformed model files: each crafted file carries a correct CRC-32 (recomputed after
 * the edit), so only the header validator stands between it and the loader. Every case must be
 * rejected with a ModelFileError naming the file and the field, quickly, without allocating
 * anything big and without leaking tensors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as nb from '../../src/index.js';
import { assembleFile, fileParts } from './helpers.js';

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
type Header = { [key: string]: Json };

const dir = mkdtempSync(join(tmpdir(), 'nabla-hostile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let good: Uint8Array;
beforeAll(async () => {
  nb.seed(1);
  const model = nb.nn.sequential(nb.nn.linear(3, 4), nb.nn.relu(), nb.nn.linear(4, 2));
  good = await nb.io.encodeModel(model, { note: 'small' });
  model.dispose();
});

const parts = (bytes: Uint8Array): { header: Header; payload: Uint8Array } => fileParts<Header>(bytes);
const assemble = assembleFile;

/** `good` with its header edited (the CRC-32 recomputed). */
function craft(edit: (h: Header) => void, payload?: Uint8Array): Uint8Array {
  const p = parts(good);
  edit(p.header);
  return assemble(JSON.stringify(p.header), payload ?? p.payload);
}

const entries = (h: Header): { [key: string]: Json }[] => h.tensors as { [key: string]: Json }[];
const layers = (h: Header): { [key: string]: Json }[] => (h.architecture as { layers: { [key: string]: Json }[] }).layers;

/**
 * Decodes `bytes` expecting a ModelFileError matching `pattern`; checks that it took well under a
 * second, that no backend buffer bigger than `maxElements` values was created, that no random
 * values were drawn and that no tensor was left behind.
 */
function expectRejected(bytes: Uint8Array, pattern: RegExp, maxElements = 64): number {
  const probe = instrument();
  const before = nb.memory();
  const t0 = performance.now();
  let error: unknown = null;
  try {
    nb.io.decodeModel(bytes, 'hostile.nabla').model.dispose();
  } catch (e) {
    error = e;
  } finally {
    probe.restore();
  }
  const ms = performance.now() - t0;
  expect(error).toBeInstanceOf(nb.io.ModelFileError);
  expect((error as Error).message).toMatch(/^decodeModel: hostile\.nabla: /);
  expect((error as Error).message).toMatch(pattern);
  expect(ms).toBeLessThan(500);
  expect(probe.largest).toBeLessThanOrEqual(maxElements);
  expect(probe.draws).toBe(0);
  const after = nb.memory();
  expect([after.numTensors, after.numBytes]).toEqual([before.numTensors, before.numBytes]);
  return ms;
}

/**
 * Counts random draws and records the largest buffer the backend creates (by hand rather than
 * with vi.spyOn, which would keep every argument of millions of calls alive).
 */
function instrument(): { largest: number; draws: number; restore(): void } {
  const backend = nb.getBackend();
  const probe = { largest: 0, draws: 0, restore: () => undefined as void };
  const upload = backend.upload;
  const fill = backend.fill;
  const next = Object.getOwnPropertyDescriptor(nb.Random.prototype, 'nextUint32')!;
  const draw = next.value as (this: nb.Random) => number;
  backend.upload = function (this: nb.Backend, values, dtype) {
    probe.largest = Math.max(probe.largest, values.length);
    return upload.call(this, values, dtype);
  };
  backend.fill = function (this: nb.Backend, shape, value, dtype) {
    probe.largest = Math.max(probe.largest, shape.reduce((a, b) => a * b, 1));
    return fill.call(this, shape, value, dtype);
  };
  nb.Random.prototype.nextUint32 = function (this: nb.Random): number {
    probe.draws++;
    return draw.call(this);
  };
  probe.restore = () => {
    backend.upload = upload;
    backend.fill = fill;
    Object.defineProperty(nb.Random.prototype, 'nextUint32', next);
  };
  return probe;
}

describe('hostile model files are rejected before anything is allocated', () => {
  it('an architecture far bigger than the stored weights (the 7 KB file that asked for gigabytes)', () => {
    const bytes = craft((h) => {
      layers(h)[0]!.inFeatures = 4096;
      layers(h)[0]!.outFeatures = 8192;
    });
    expect(bytes.length).toBeLessThan(8 * 1024);
    expectRejected(bytes, /the architecture needs more parameter values than the file stores \(26\): in architecture\.layers\[0\] \(Linear\), a parameter of shape \[4096,8192\]/);
    // The size of the reported file: a 40000×41000 weight (6.6 GB of float32) is refused just as fast.
    expectRejected(craft((h) => {
      layers(h)[0]!.inFeatures = 40_000;
      layers(h)[0]!.outFeatures = 41_000;
      layers(h)[2]!.inFeatures = 41_000;
    }), /needs more parameter values than the file stores.*\[40000,41000\]/);
  });

  it('a tensor entry with a huge shape', () => {
    expectRejected(craft((h) => {
      entries(h)[0]!.shape = [1e9, 1e9];
      entries(h)[0]!.byteLength = 4e18;
    }), /tensors\[0\]/);
    expectRejected(craft((h) => {
      entries(h)[0]!.shape = [65536, 65536, 65536, 65536, 65536];
    }), /tensors\[0\]\.shape/);
  });

  it('overlapping and out-of-bounds offsets', () => {
    expectRejected(craft((h) => {
      entries(h)[1]!.offset = entries(h)[0]!.offset as number;
    }), /tensors\[1\].*overlaps tensors\[0\]|tensors\[0\].*overlaps tensors\[1\]/);
    expectRejected(craft((h) => {
      const e = entries(h)[3]!;
      e.offset = (e.offset as number) + 8;
    }), /tensors\[3\].*(beyond|past) the end of the payload/);
    expectRejected(craft((h) => {
      entries(h)[0]!.offset = -8;
    }), /tensors\[0\]\.offset/);
    expectRejected(craft((h) => {
      entries(h)[0]!.offset = 4;
    }), /tensors\[0\]\.offset/);
  });

  it('a payload longer than its tensors (bytes no entry accounts for)', () => {
    const { payload } = parts(good);
    const longer = new Uint8Array(payload.length + 4096);
    longer.set(payload);
    expectRejected(craft(() => undefined, longer), /payload/);
  });

  it('too many tensor entries', () => {
    const entry = (i: number): Json => ({ name: `t${i}`, dtype: 'bool', shape: [0], offset: 0, byteLength: 0 });
    const limit = nb.io.MODEL_FILE_LIMITS.tensors;
    expectRejected(craft((h) => {
      h.tensors = Array.from({ length: limit + 1 }, (_, i) => entry(i));
    }), new RegExp(`tensors: ${limit + 1} entries, more than the ${limit}`));
    // The issue's million entries: the header alone is larger than a model file may have.
    const million = assemble(`{"format":"nabla-model","version":1,"architecture":{"type":"Flatten"},"metadata":{},"tensors":[${`${JSON.stringify(entry(0))},`.repeat(999_999)}${JSON.stringify(entry(0))}]}`, new Uint8Array(0));
    expectRejected(million, /the header has \d+ bytes, more than the \d+ a model file may have/);
  });

  it('wrong JSON types anywhere in the header name the field', () => {
    const cases: [(h: Header) => void, RegExp, Uint8Array?][] = [
      [(h) => { entries(h)[0]!.shape = null; }, /tensors\[0\]\.shape must be an array of non-negative integers, got null/],
      [(h) => { entries(h)[1]!.shape = '4'; }, /tensors\[1\]\.shape must be an array/],
      [(h) => { entries(h)[1]!.shape = [2.5]; }, /tensors\[1\]\.shape/],
      [(h) => { entries(h)[1]!.shape = [-4]; }, /tensors\[1\]\.shape/],
      [(h) => { entries(h)[0]!.dtype = 'constructor'; }, /tensors\[0\]\.dtype must be one of float32, float64, int32, bool, got "constructor"/],
      [(h) => { entries(h)[0]!.dtype = 5; }, /tensors\[0\]\.dtype/],
      [(h) => { entries(h)[0]!.name = 7; }, /tensors\[0\]\.name must be a string/],
      [(h) => { entries(h)[0]!.name = 'x'.repeat(5000); }, /tensors\[0\]\.name/],
      [(h) => { entries(h)[2]!.offset = '0'; }, /tensors\[2\]\.offset must be/],
      [(h) => { entries(h)[2]!.byteLength = null; }, /tensors\[2\]\.byteLength must be/],
      [(h) => { entries(h)[2]!.byteLength = 12; }, /tensors\[2\]\.byteLength/],
      [(h) => { (h.tensors as Json[])[2] = null; }, /tensors\[2\] must be an object/],
      [(h) => { entries(h)[1]!.name = entries(h)[0]!.name as string; }, /tensors\[1\]\.name.*more than once/],
      [(h) => { h.tensors = { a: 1 }; }, /tensors must be an array/],
      [(h) => { h.architecture = null; }, /architecture must be an object/],
      [(h) => { h.architecture = []; }, /architecture must be an object/],
      [(h) => { (h.architecture as Header).type = 5; }, /architecture\.type must be a string/],
      [(h) => { h.metadata = 5; }, /metadata must be an object/],
      [(h) => { h.format = 'other'; }, /format/],
      [(h) => { h.version = 'one'; }, /version/],
      [(h) => { layers(h)[0]!.outFeatures = null; }, /in architecture\.layers\[0\] \(Linear\), field architecture\.layers\[0\]\.outFeatures \(null\)/],
      [(h) => { layers(h)[0]!.inFeatures = '3'; }, /architecture\.layers\[0\]/],
      [(h) => { h.architecture = { type: 'Sequential', layers: [{ type: 'Reshape', shape: null }] }; h.tensors = []; }, /architecture\.layers\[0\]\.shape/, new Uint8Array(0)],
      [(h) => { h.architecture = { type: 'Sequential', layers: [{ type: 'Conv2d', inChannels: 1, outChannels: 1, kernel: null }] }; h.tensors = []; }, /architecture\.layers\[0\]\.kernel/, new Uint8Array(0)],
      [(h) => { h.architecture = { type: 'Sequential', layers: null }; h.tensors = []; }, /field architecture\.layers \(null\)/, new Uint8Array(0)],
      [(h) => { h.architecture = { type: 'Residual', body: null }; h.tensors = []; }, /field architecture\.body \(null\)/, new Uint8Array(0)],
    ];
    for (const [edit, pattern, payload] of cases) expectRejected(craft(edit, payload), pattern);
    for (const text of ['null', '[]', '5', '"nabla-model"']) expectRejected(assemble(text, new Uint8Array(0)), /header must be a JSON object/);
  });

  it('an architecture nested too deeply', () => {
    const n = 10_000;
    const arch = `${'{"type":"Residual","body":'.repeat(n)}{"type":"Flatten"}${'}'.repeat(n)}`;
    expectRejected(assemble(`{"format":"nabla-model","version":1,"architecture":${arch},"metadata":{},"tensors":[]}`, new Uint8Array(0)), /architecture nests deeper than \d+ levels/);
  });

  it('an architecture with too many layers', () => {
    const n = nb.io.MODEL_FILE_LIMITS.architectureNodes + 1;
    const arch = `{"type":"Sequential","layers":[${'{"type":"Flatten"},'.repeat(n - 1)}{"type":"Flatten"}]}`;
    expectRejected(assemble(`{"format":"nabla-model","version":1,"architecture":${arch},"metadata":{},"tensors":[]}`, new Uint8Array(0)), /the architecture has more than \d+ objects and arrays/);
  });

  it('nonzero reserved bytes 28–31', () => {
    const { header, payload } = parts(good);
    for (const reserved of [1, 0x100, 0xff000000]) {
      expectRejected(assemble(JSON.stringify(header), payload, reserved), /reserved bytes 28–31 must be zero/);
    }
  });

  it('stored tensors that do not match the architecture: shapes, missing and unexpected names', () => {
    expectRejected(craft((h) => {
      entries(h)[0]!.shape = [4, 3];
    }), /tensors\[0\] \('0\.weight'\) has shape \[4,3\], the architecture's parameter has \[3,4\]/);
    expectRejected(craft((h) => {
      entries(h)[3]!.name = '2.extra';
    }), /'2\.extra'.*not a parameter or buffer of the architecture|missing.*2\.bias/);
    expectRejected(craft((h) => {
      layers(h)[2]!.bias = false;
    }), /tensors\[3\] \('2\.bias'\)/);
  });

  it('load, loadFile and inspect use the same validator on files', async () => {
    const p = join(dir, 'reserved.nabla');
    const { header, payload } = parts(good);
    writeFileSync(p, assemble(JSON.stringify(header), payload, 7));
    await expect(nb.io.load(p)).rejects.toThrow(/reserved\.nabla: damaged: reserved bytes 28–31 must be zero/);
    await expect(nb.io.loadFile(p)).rejects.toThrow(/reserved bytes/);
    await expect(nb.io.inspect(p)).rejects.toThrow(/reserved bytes/);
    const q = join(dir, 'shape.nabla');
    writeFileSync(q, craft((h) => { entries(h)[0]!.shape = null; }));
    await expect(nb.io.inspect(q)).rejects.toThrow(/shape\.nabla: .*tensors\[0\]\.shape/);
    // A (sparse) 3 GiB file whose prefix announces a 3 GiB header is refused from its first 32
    // bytes: the rest is never read.
    const big = join(dir, 'big.nabla');
    const prefix = new Uint8Array(32);
    prefix.set(nb.io.MAGIC);
    const dv = new DataView(prefix.buffer);
    dv.setUint32(8, 1, true);
    dv.setUint32(12, 3 * 2 ** 30, true);
    writeFileSync(big, prefix);
    truncateSync(big, 32 + 3 * 2 ** 30);
    const t0 = performance.now();
    await expect(nb.io.load(big)).rejects.toThrow(/big\.nabla: damaged: the header has 3221225472 bytes, more than the 4194304/);
    await expect(nb.io.inspect(big)).rejects.toThrow(/the header has 3221225472 bytes/);
    expect(performance.now() - t0).toBeLessThan(500);
    rmSync(big);
  });
});

describe('loading a real model', () => {
  it('round-trips without drawing random initial weights', async () => {
    nb.seed(5);
    const model = nb.nn.sequential(
      nb.nn.conv2d(1, 4, 3, { padding: 'same' }), nb.nn.prelu({ numParameters: 4 }), nb.nn.subsampling(4),
      nb.nn.flatten(), nb.nn.linear(4 * 4 * 4, 6), nb.nn.tanh(), nb.nn.linear(6, 3, { init: 'glorotNormal' }),
    );
    model.eval();
    const x = nb.randn([2, 1, 8, 8]);
    const before = Array.from(nb.noGrad(() => model.call(x)).dataSync());
    const bytes = await nb.io.encodeModel(model);
    const probe = instrument();
    let loaded: nb.nn.Module;
    try {
      loaded = nb.io.decodeModel(bytes, 'real.nabla').model;
    } finally {
      probe.restore();
    }
    expect(probe.draws).toBe(0);
    expect(Array.from(nb.noGrad(() => loaded.call(x)).dataSync())).toEqual(before);
    const path = join(dir, 'real.nabla');
    await nb.io.save(model, path);
    const header = await nb.io.inspect(path);
    expect(header.tensors.map((t) => t.name)).toEqual(Object.keys(model.stateDict()));
    model.dispose();
    loaded.dispose();
    x.dispose();
  });
});
