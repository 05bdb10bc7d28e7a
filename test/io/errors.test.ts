/**
 * Argument checks of every public nb.io function: a wrong argument or option is refused with a
 * plain Error (never a TypeError or RangeError from the internals) whose message starts with the
 * function's name and names the argument; a damaged file stays a ModelFileError, whose message
 * starts with the function called and the file name.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as nb from '../../src/index.js';

nb.setBackend('cpu');

const dir = mkdtempSync(join(tmpdir(), 'nabla-io-errors-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
/** Where a save that should have been refused would write (never the working folder). */
const M = join(dir, 'm.nabla');

const bad = <T>(v: unknown): T => v as T;
const mlp = (): nb.nn.Module => nb.nn.sequential(nb.nn.linear(3, 4), nb.nn.relu(), nb.nn.linear(4, 2));

let good: Uint8Array;
beforeAll(async () => {
  nb.seed(1);
  const m = mlp();
  good = await nb.io.encodeModel(m);
  m.dispose();
});

/** A module whose type was never given a config(). */
class Unsaveable extends nb.nn.Module {
  forward(x: nb.Tensor): nb.Tensor {
    return x;
  }
}

/** A module whose config() holds something JSON cannot. */
class OddConfig extends nb.nn.Module {
  forward(x: nb.Tensor): nb.Tensor {
    return x;
  }
  override config(): nb.nn.LayerConfig {
    return bad({ type: 'OddConfig', units: 3, act: () => 1 });
  }
}

const cyclic = (): Record<string, unknown> => {
  const a: Record<string, unknown> = { b: { c: 1 } };
  (a.b as Record<string, unknown>).back = a;
  return a;
};

const model = (): nb.nn.Module => mlp();
const disposed = (): nb.nn.Module => {
  const m = mlp();
  m.dispose();
  return m;
};
const ANY = 'a nabla Module (nn.sequential(...), a layer, …)';
const JSON_VALUE = 'a JSON value (null, true or false, a finite number, a string, an array or a plain object)';
const big = 'x'.repeat(nb.io.MODEL_FILE_LIMITS.headerBytes);

/** [what, call, expected message (exact, or a pattern for messages holding paths and OS text)]. */
const argumentCases: [string, () => unknown, string | RegExp][] = [
  // save
  ['save model null', () => nb.io.save(bad(null), M), `save: model must be ${ANY}, got null`],
  ['save model object', () => nb.io.save(bad({ config: 1 }), M), `save: model must be ${ANY}, got an object`],
  ['save model tensor', () => nb.io.save(bad(nb.zeros([2])), M), `save: model must be ${ANY}, got a Tensor [2] float32`],
  ['save model disposed', () => nb.io.save(disposed(), join(dir, 'd.nabla')), "save: model's parameter '0.weight' (tensor [3,4]) was disposed"],
  ['save config missing', () => nb.io.save(new Unsaveable(), join(dir, 'u.nabla')), /^save: cannot save this model: Unsaveable: config\(\) is not defined/],
  ['save config not JSON', () => nb.io.save(new OddConfig(), join(dir, 'o.nabla')), `save: model.config().act must be ${JSON_VALUE}, got a function`],
  ['save path number', () => nb.io.save(model(), bad(3)), 'save: path must be a non-empty string (a file path, or an indexeddb://, downloads:// or http(s):// URL), got 3'],
  ['save path empty', () => nb.io.save(model(), ''), 'save: path must be a non-empty string (a file path, or an indexeddb://, downloads:// or http(s):// URL), got string ""'],
  ['save path NUL', () => nb.io.save(model(), 'a\0b'), 'save: path must not contain NUL characters, got string "a\\u0000b"'],
  ['save options', () => nb.io.save(model(), M, bad(3)), 'save: options must be an object, got 3'],
  ['save options key', () => nb.io.save(model(), M, bad({ metadta: {} })), "save: unknown option 'metadta' in options; known options: metadata"],
  ['save metadata', () => nb.io.save(model(), M, { metadata: bad('note') }), 'save: options.metadata must be a plain object of JSON values, got string "note"'],
  ['save metadata Map', () => nb.io.save(model(), M, { metadata: bad(new Map()) }), 'save: options.metadata must be a plain object of JSON values, got a Map'],
  ['save metadata tensor', () => nb.io.save(model(), M, { metadata: bad({ t: nb.ones([2]) }) }), `save: options.metadata.t must be ${JSON_VALUE}, got a Tensor [2] float32`],
  ['save metadata NaN', () => nb.io.save(model(), M, { metadata: { acc: NaN } }), 'save: options.metadata.acc must be a finite number (JSON has no NaN or Infinity), got NaN'],
  ['save metadata undefined', () => nb.io.save(model(), M, { metadata: bad({ a: [1, undefined] }) }), `save: options.metadata.a[1] must be ${JSON_VALUE}, got undefined`],
  ['save metadata odd key', () => nb.io.save(model(), M, { metadata: bad({ 'two words': 1n }) }), `save: options.metadata["two words"] must be ${JSON_VALUE}, got bigint 1n`],
  ['save metadata cycle', () => nb.io.save(model(), M, { metadata: bad(cyclic()) }), 'save: options.metadata.b.back must be a JSON value, got a reference back to options.metadata (a cycle)'],
  ['save header too big', () => nb.io.save(model(), join(dir, 'big.nabla'), { metadata: { big } }), /^save: the header would have \d+ bytes \(architecture, tensor list and metadata\), more than the 4194304 a model file may have$/],
  ['save cannot write', () => nb.io.save(model(), join(dir, 'no-such-dir', 'm.nabla')), /^save: cannot write .*no-such-dir.*m\.nabla: ENOENT/],
  // encodeModel
  ['encodeModel model', () => nb.io.encodeModel(bad(3)), `encodeModel: model must be ${ANY}, got 3`],
  ['encodeModel model fn', () => nb.io.encodeModel(bad(() => 1)), `encodeModel: model must be ${ANY}, got a function`],
  ['encodeModel metadata', () => nb.io.encodeModel(model(), bad([1])), 'encodeModel: metadata must be a plain object of JSON values, got an array [1] of length 1'],
  ['encodeModel metadata bigint', () => nb.io.encodeModel(model(), bad({ n: 3n })), `encodeModel: metadata.n must be ${JSON_VALUE}, got bigint 3n`],
  ['encodeModel metadata Infinity', () => nb.io.encodeModel(model(), { x: [0, Infinity] }), 'encodeModel: metadata.x[1] must be a finite number (JSON has no NaN or Infinity), got Infinity'],
  // decodeModel, readModelBytes
  ['decodeModel bytes string', () => nb.io.decodeModel(bad('abc')), 'decodeModel: bytes must be a Uint8Array or ArrayBuffer, got string "abc"'],
  ['decodeModel bytes Float32Array', () => nb.io.decodeModel(bad(new Float32Array(6))), 'decodeModel: bytes must be a Uint8Array or ArrayBuffer, got a Float32Array of length 6'],
  ['decodeModel bytes array', () => nb.io.decodeModel(bad([1, 2])), 'decodeModel: bytes must be a Uint8Array or ArrayBuffer, got an array [1,2] of length 2'],
  ['decodeModel file', () => nb.io.decodeModel(good, bad(3)), 'decodeModel: file must be a non-empty string (the name used in messages), got 3'],
  ['decodeModel file empty', () => nb.io.decodeModel(good, ''), 'decodeModel: file must be a non-empty string (the name used in messages), got string ""'],
  ['readModelBytes bytes', () => nb.io.readModelBytes(bad(null)), 'readModelBytes: bytes must be a Uint8Array or ArrayBuffer, got null'],
  ['readModelBytes file', () => nb.io.readModelBytes(good, bad(Symbol('f'))), 'readModelBytes: file must be a non-empty string (the name used in messages), got a symbol'],
  // validateHeader
  ['validateHeader payloadLength', () => nb.io.validateHeader({}, -1), 'validateHeader: payloadLength must be an integer ≥ 0, got -1'],
  ['validateHeader payloadLength string', () => nb.io.validateHeader({}, bad('3')), 'validateHeader: payloadLength must be an integer ≥ 0, got string "3"'],
  ['validateHeader payloadLength NaN', () => nb.io.validateHeader({}, NaN), 'validateHeader: payloadLength must be an integer ≥ 0, got NaN'],
  ['validateHeader file', () => nb.io.validateHeader({}, 0, bad(null)), 'validateHeader: file must be a non-empty string (the name used in messages), got null'],
  // crc32
  ['crc32 bytes string', () => nb.io.crc32(bad('abc')), 'crc32: bytes must be a Uint8Array, got string "abc"'],
  ['crc32 bytes array', () => nb.io.crc32(bad([1, 2])), 'crc32: bytes must be a Uint8Array, got an array [1,2] of length 2'],
  ['crc32 bytes Int8Array', () => nb.io.crc32(bad(new Int8Array(3))), 'crc32: bytes must be a Uint8Array, got a Int8Array of length 3'],
  ['crc32 crc negative', () => nb.io.crc32(good, -1), 'crc32: crc must be an integer ≥ 0 and ≤ 4294967295, got -1'],
  ['crc32 crc too big', () => nb.io.crc32(good, 2 ** 32), 'crc32: crc must be an integer ≥ 0 and ≤ 4294967295, got 4294967296'],
  ['crc32 crc fraction', () => nb.io.crc32(good, 1.5), 'crc32: crc must be an integer ≥ 0 and ≤ 4294967295, got 1.5'],
  ['crc32 crc null', () => nb.io.crc32(good, bad(null)), 'crc32: crc must be an integer ≥ 0 and ≤ 4294967295, got null'],
  // load, loadFile, inspect
  ['load path undefined', () => nb.io.load(bad(undefined)), 'load: path must be a non-empty string (a file path, or an indexeddb:// or http(s):// URL) or a File/Blob, got undefined'],
  ['load path symbol', () => nb.io.load(bad(Symbol('p'))), 'load: path must be a non-empty string (a file path, or an indexeddb:// or http(s):// URL) or a File/Blob, got a symbol'],
  ['load path NUL', () => nb.io.load('m\0.nabla'), 'load: path must not contain NUL characters, got string "m\\u0000.nabla"'],
  ['load missing', () => nb.io.load(join(dir, 'nope.nabla')), /^load: cannot read .*nope\.nabla: ENOENT/],
  ['loadFile path', () => nb.io.loadFile(bad(3)), 'loadFile: path must be a non-empty string (a file path, or an indexeddb:// or http(s):// URL) or a File/Blob, got 3'],
  ['loadFile path empty', () => nb.io.loadFile(''), 'loadFile: path must be a non-empty string (a file path, or an indexeddb:// or http(s):// URL) or a File/Blob, got string ""'],
  ['loadFile missing', () => nb.io.loadFile(join(dir, 'nope.nabla')), /^loadFile: cannot read .*nope\.nabla: ENOENT/],
  ['inspect path', () => nb.io.inspect(bad(['a'])), 'inspect: path must be a non-empty string (a file path, or an indexeddb:// or http(s):// URL) or a File/Blob, got an array ["a"] of length 1'],
  ['inspect missing', () => nb.io.inspect(join(dir, 'nope.nabla')), /^inspect: cannot read .*nope\.nabla: ENOENT/],
  // writeFileAtomic
  ['writeFileAtomic path', () => nb.io.writeFileAtomic(bad(null), 'x'), 'writeFileAtomic: path must be a non-empty string, got null'],
  ['writeFileAtomic path NUL', () => nb.io.writeFileAtomic('a\0', 'x'), 'writeFileAtomic: path must not contain NUL characters, got string "a\\u0000"'],
  ['writeFileAtomic data number', () => nb.io.writeFileAtomic(join(dir, 'w.txt'), bad(3)), 'writeFileAtomic: data must be a string or a Uint8Array, got 3'],
  ['writeFileAtomic data undefined', () => nb.io.writeFileAtomic(join(dir, 'w.txt'), bad(undefined)), 'writeFileAtomic: data must be a string or a Uint8Array, got undefined'],
  ['writeFileAtomic data Float32Array', () => nb.io.writeFileAtomic(join(dir, 'w.txt'), bad(new Float32Array(2))), 'writeFileAtomic: data must be a string or a Uint8Array, got a Float32Array of length 2'],
  ['writeFileAtomic data object', () => nb.io.writeFileAtomic(join(dir, 'w.txt'), bad({ toString: () => 'x' })), 'writeFileAtomic: data must be a string or a Uint8Array, got an object'],
  ['writeFileAtomic cannot write', () => nb.io.writeFileAtomic(join(dir, 'no-such-dir', 'x.txt'), 'data'), /^writeFileAtomic: cannot write .*no-such-dir.*x\.txt: ENOENT/],
  // ModelFileError
  ['ModelFileError file', () => new nb.io.ModelFileError(bad(Symbol('f')), 'damaged'), 'ModelFileError: file must be a string, got a symbol'],
  ['ModelFileError problem', () => new nb.io.ModelFileError('m.nabla', bad(undefined)), 'ModelFileError: problem must be a string, got undefined'],
  ['ModelFileError op', () => new nb.io.ModelFileError('m.nabla', 'damaged', bad(3)), 'ModelFileError: op must be a string, got 3'],
];

/** Runs `call` (sync or async) and returns what it threw, or null. */
async function thrown(call: () => unknown): Promise<unknown> {
  try {
    await call();
  } catch (e) {
    return e;
  }
  return null;
}

describe('nb.io argument checks', () => {
  for (const [what, call, expected] of argumentCases) {
    it(what, async () => {
      const e = await thrown(call);
      expect(e, `${what} did not throw`).toBeInstanceOf(Error);
      expect((e as Error).constructor, `${what} threw ${(e as Error).constructor.name}: ${(e as Error).message}`).toBe(Error);
      if (typeof expected === 'string') expect((e as Error).message).toBe(expected);
      else expect((e as Error).message).toMatch(expected);
    });
  }

  it('refuses bad arguments before touching the file system', async () => {
    const target = join(dir, 'untouched.nabla');
    await thrown(() => nb.io.save(model(), target, { metadata: bad({ t: nb.ones([1]) }) }));
    await thrown(() => nb.io.writeFileAtomic(target, bad(3)));
    expect(existsSync(target)).toBe(false);
  });

  it('accepts an ArrayBuffer and a Buffer as model bytes, and an explicit crc', () => {
    const copy = good.slice();
    const fromBuffer = nb.io.decodeModel(copy.buffer, 'copy.nabla');
    expect(fromBuffer.header.tensors.length).toBe(4);
    fromBuffer.model.dispose();
    expect(nb.io.readModelBytes(Buffer.from(good)).header.version).toBe(nb.io.FORMAT_VERSION);
    expect(nb.io.crc32(good.subarray(10), nb.io.crc32(good.subarray(0, 10)))).toBe(nb.io.crc32(good));
    expect(nb.io.crc32(new Uint8Array(0), 0xffffffff)).toBe(0xffffffff);
  });
});

/** [what, call, expected message] for damaged input: a ModelFileError naming the function and the file. */
const damagedCases: [string, () => unknown, string][] = [
  ['decodeModel foreign bytes', () => nb.io.decodeModel(new Uint8Array(40), 'x.nabla'), 'decodeModel: x.nabla: not a nabla model file (bad magic bytes)'],
  ['readModelBytes short', () => nb.io.readModelBytes(new Uint8Array(3)), 'readModelBytes: model: not a nabla model file: only 3 bytes (a model file starts with a 32-byte prefix)'],
  ['validateHeader not an object', () => nb.io.validateHeader(null, 0), 'validateHeader: model: damaged: the header must be a JSON object, got null'],
  ['validateHeader symbol', () => nb.io.validateHeader(Symbol('h'), 0, 'h.nabla'), 'validateHeader: h.nabla: damaged: the header must be a JSON object, got a symbol'],
  ['validateHeader bigint field', () => nb.io.validateHeader({ format: 1n }, 0), 'validateHeader: model: damaged: format must be "nabla-model" or "nabla-weights", got bigint 1n'],
  ['validateHeader symbol field', () => nb.io.validateHeader({ format: Symbol('f') }, 0), 'validateHeader: model: damaged: format must be "nabla-model" or "nabla-weights", got a symbol'],
  ['validateHeader function field', () => nb.io.validateHeader({ format: 'nabla-model', version: () => 1 }, 0), 'validateHeader: model: damaged: version must be 1, got a function'],
];

describe('nb.io damaged input', () => {
  for (const [what, call, expected] of damagedCases) {
    it(what, async () => {
      const e = await thrown(call);
      expect(e).toBeInstanceOf(nb.io.ModelFileError);
      expect((e as Error).message).toBe(expected);
    });
  }

  it('names the function called in a damaged file\'s error, and keeps file and problem apart', async () => {
    const p = join(dir, 'foreign.nabla');
    await nb.io.writeFileAtomic(p, 'not a model, but long enough to have a 32-byte prefix');
    for (const [op, call] of [['load', nb.io.load], ['loadFile', nb.io.loadFile], ['inspect', nb.io.inspect]] as const) {
      const e = await thrown(() => call(p));
      expect(e).toBeInstanceOf(nb.io.ModelFileError);
      expect((e as Error).message).toBe(`${op}: ${p}: not a nabla model file (bad magic bytes)`);
      expect((e as nb.io.ModelFileError).file).toBe(p);
      expect((e as nb.io.ModelFileError).problem).toBe('not a nabla model file (bad magic bytes)');
      expect((e as nb.io.ModelFileError).op).toBe(op);
    }
  });
});
