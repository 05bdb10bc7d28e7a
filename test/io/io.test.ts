import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as nb from '../../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'nabla-io-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function convNet(): nb.nn.Module {
  return nb.nn.sequential(
    nb.nn.conv2d(1, 3, 3, { padding: 'same' }), nb.nn.relu(), nb.nn.maxPool2d(2),
    nb.nn.flatten(), nb.nn.linear(3 * 4 * 4, 5), nb.nn.tanh(), nb.nn.dropout(0.5), nb.nn.linear(5, 3),
  );
}

describe('nb.io save/load', () => {
  it('round-trips architecture and weights: identical predictions, metadata kept', async () => {
    nb.seed(11);
    const model = convNet();
    const x = nb.randn([4, 1, 8, 8]);
    model.eval();
    const before = nb.noGrad(() => model.call(x)).dataSync();
    const path = join(dir, 'net.nabla');
    await nb.io.save(model, path, { metadata: { note: 'test', accuracy: 0.5 } });
    const { model: loaded, metadata, header } = await nb.io.loadFile(path);
    expect(metadata).toEqual({ note: 'test', accuracy: 0.5 });
    expect(header.version).toBe(nb.io.FORMAT_VERSION);
    expect(header.architecture).toEqual(model.config());
    expect(loaded.training).toBe(false);
    const after = nb.noGrad(() => loaded.call(x)).dataSync();
    expect(Array.from(after)).toEqual(Array.from(before));
    const sd = loaded.stateDict();
    for (const [k, v] of Object.entries(model.stateDict())) expect(Array.from(sd[k]!.dataSync())).toEqual(Array.from(v.dataSync()));
    // only the target is left in the folder: no temp files
    expect(readdirSync(dir).filter((f) => f.includes('.tmp'))).toEqual([]);
    model.dispose();
    loaded.dispose();
  });

  it('loading leaves the seeded random stream where it was', async () => {
    const path = join(dir, 'rng.nabla');
    const model = convNet();
    await nb.io.save(model, path);
    model.dispose();
    nb.seed(3);
    const expected = Array.from(nb.rand([5]).dataSync());
    nb.seed(3);
    const loaded = await nb.io.load(path);
    expect(Array.from(nb.rand([5]).dataSync())).toEqual(expected);
    loaded.dispose();
  });

  it('computes the standard CRC-32', () => {
    expect(nb.io.crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    expect(nb.io.crc32(new Uint8Array(0))).toBe(0);
    const a = new TextEncoder().encode('hello, ');
    const b = new TextEncoder().encode('world');
    expect(nb.io.crc32(b, nb.io.crc32(a))).toBe(nb.io.crc32(new TextEncoder().encode('hello, world')));
  });

  it('rejects damaged, truncated and foreign files with clear errors', async () => {
    const model = nb.nn.sequential(nb.nn.linear(3, 4), nb.nn.relu(), nb.nn.linear(4, 2));
    const path = join(dir, 'mlp.nabla');
    await nb.io.save(model, path);
    const good = readFileSync(path);
    const write = (name: string, bytes: Uint8Array): string => {
      const p = join(dir, name);
      writeFileSync(p, bytes);
      return p;
    };
    await expect(nb.io.load(write('trunc.nabla', good.subarray(0, good.length - 7)))).rejects.toThrow(/trunc\.nabla: truncated: expected \d+ bytes, the file has \d+ \(missing 7\)/);
    const flipped = Uint8Array.from(good);
    flipped[flipped.length - 5]! ^= 0x10; // a bit in a weight
    await expect(nb.io.load(write('flip.nabla', flipped))).rejects.toThrow(/flip\.nabla: damaged: checksum mismatch/);
    const flippedHeader = Uint8Array.from(good);
    flippedHeader[40]! ^= 0x01;
    await expect(nb.io.load(write('flip2.nabla', flippedHeader))).rejects.toThrow(/checksum mismatch/);
    await expect(nb.io.load(write('text.nabla', new TextEncoder().encode('{"hello": "world", "padding": "......................"}')))).rejects.toThrow(/not a nabla model file \(bad magic bytes\)/);
    await expect(nb.io.load(write('tiny.nabla', good.subarray(0, 10)))).rejects.toThrow(/only 10 bytes/);
    const newer = Uint8Array.from(good);
    newer[8] = 9;
    await expect(nb.io.load(write('newer.nabla', newer))).rejects.toThrow(/format version 9 was written by a newer nabla/);
    const longer = new Uint8Array(good.length + 3);
    longer.set(good);
    await expect(nb.io.load(write('long.nabla', longer))).rejects.toThrow(/3 unexpected bytes after the end/);
    await expect(nb.io.load(join(dir, 'nope.nabla'))).rejects.toThrow(/cannot read .*nope\.nabla/);
    await expect(nb.io.load(path)).resolves.toBeDefined();
    try {
      await nb.io.load(join(dir, 'flip.nabla'));
    } catch (e) {
      expect(e).toBeInstanceOf(nb.io.ModelFileError);
    }
    model.dispose();
  });

  it('writes atomically: an existing file stays intact when a write fails', async () => {
    const path = join(dir, 'keep.txt');
    await nb.io.writeFileAtomic(path, 'first');
    await nb.io.writeFileAtomic(path, 'second');
    expect(readFileSync(path, 'utf8')).toBe('second');
    await expect(nb.io.writeFileAtomic(join(dir, 'no-such-dir', 'x.txt'), 'data')).rejects.toThrow(/ENOENT/);
    expect(existsSync(join(dir, 'no-such-dir'))).toBe(false);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('round-trips the LeNet-5 classic blocks (partial C3 table, trainable subsampling)', async () => {
    nb.seed(3);
    const model = nb.nn.sequential(
      nb.nn.conv2d(1, 6, 5, { padding: 2 }), nb.nn.tanh(), nb.nn.subsampling(6),
      nb.nn.lenet5C3(), nb.nn.tanh(), nb.nn.subsampling(16), nb.nn.flatten(), nb.nn.linear(400, 10),
    );
    const x = nb.randn([2, 1, 28, 28]);
    const before = nb.noGrad(() => model.call(x)).dataSync();
    const path = join(dir, 'lenet.nabla');
    await nb.io.save(model, path);
    const loaded = await nb.io.load(path);
    expect(Array.from(nb.noGrad(() => loaded.call(x)).dataSync())).toEqual(Array.from(before));
    model.dispose();
    loaded.dispose();
  });
});
