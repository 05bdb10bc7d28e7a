import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as nb from '../../src/index.js';
import { assembleFile, fileParts } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'nabla-weights-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A custom Module with no config() and no registerLayer: nb.io.save cannot store it. */
class TwoLayer extends nb.nn.Module {
  readonly fc1 = this.registerModule('fc1', nb.nn.linear(2, 8));
  readonly fc2 = this.registerModule('fc2', nb.nn.linear(8, 3));
  readonly scale = this.registerParameter('scale', nb.ones([1]));
  forward(x: nb.Tensor): nb.Tensor {
    return this.fc2.call(this.fc1.call(x).tanh()).mul(this.scale);
  }
}

/** Like TwoLayer with one more parameter and a different fc2. */
class Wider extends nb.nn.Module {
  readonly fc1 = this.registerModule('fc1', nb.nn.linear(2, 8));
  readonly fc2 = this.registerModule('fc2', nb.nn.linear(8, 4));
  readonly shift = this.registerParameter('shift', nb.zeros([1]));
  forward(x: nb.Tensor): nb.Tensor {
    return this.fc2.call(this.fc1.call(x).tanh()).add(this.shift);
  }
}

const values = (m: nb.nn.Module): Record<string, number[]> =>
  Object.fromEntries(Object.entries(m.stateDict()).map(([k, t]) => [k, Array.from(t.dataSync())]));

describe('nb.io.saveWeights / loadWeights', () => {
  it('round-trips a custom Module without config() exactly, atomically, with no temp files left', async () => {
    nb.seed(1);
    const a = new TwoLayer();
    await expect(nb.io.save(a, join(dir, 'full.nabla'))).rejects.toThrow(/config\(\) is not defined/);
    const path = join(dir, 'two.weights.nabla');
    await nb.io.saveWeights(a, path);
    nb.seed(2);
    const b = new TwoLayer();
    expect(values(b)).not.toEqual(values(a));
    const r = await nb.io.loadWeights(b, path);
    expect(r).toEqual({ missing: [], unexpected: [] });
    expect(values(b)).toEqual(values(a));
    const x = nb.randn([5, 2]);
    expect(Array.from(nb.noGrad(() => b.call(x)).dataSync())).toEqual(Array.from(nb.noGrad(() => a.call(x)).dataSync()));
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    // the same container: magic bytes, a 'nabla-weights' header with no architecture
    const bytes = readFileSync(path);
    expect(Array.from(bytes.subarray(0, 8))).toEqual(Array.from(nb.io.MAGIC));
    const headerLen = bytes.readUInt32LE(12);
    const header = JSON.parse(bytes.subarray(32, 32 + headerLen).toString('utf8')) as Record<string, unknown>;
    expect(header.format).toBe('nabla-weights');
    expect(header).not.toHaveProperty('architecture');
    a.dispose();
    b.dispose();
  });

  it('bytes variants (browser): encodeWeights / decodeWeights', async () => {
    nb.seed(3);
    const a = new TwoLayer();
    const bytes = await nb.io.encodeWeights(a);
    expect(bytes).toBeInstanceOf(Uint8Array);
    nb.seed(4);
    const b = new TwoLayer();
    expect(nb.io.decodeWeights(b, bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer)).toEqual({ missing: [], unexpected: [] });
    expect(values(b)).toEqual(values(a));
    a.dispose();
    b.dispose();
  });

  it('loads into a float64 parameter and onto the parameter\'s backend as loadStateDict does', async () => {
    nb.seed(5);
    const a = nb.nn.linear(3, 2);
    const bytes = await nb.io.encodeWeights(a);
    const backend = nb.getBackend().name;
    nb.setBackend('cpu');
    let b: nb.nn.Module;
    try {
      b = nb.nn.linear(3, 2, { dtype: 'float64' });
    } finally {
      nb.setBackend(backend);
    }
    nb.io.decodeWeights(b, bytes);
    expect(b.stateDict().weight!.dtype).toBe('float64');
    expect(b.stateDict().weight!.backend.name).toBe('cpu');
    const want = values(a).weight!;
    values(b).weight!.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 6));
    a.dispose();
    b.dispose();
  });

  it('strict (default): a missing, unexpected or reshaped name is an error naming it; nothing changes', async () => {
    nb.seed(6);
    const a = new TwoLayer();
    const bytes = await nb.io.encodeWeights(a);
    nb.seed(7);
    const w = new Wider();
    const before = values(w);
    const err = (() => {
      try {
        nb.io.decodeWeights(w, bytes, { file: 'two.nabla' });
      } catch (e) {
        return e as Error;
      }
      return null;
    })();
    expect(err).toBeInstanceOf(nb.io.ModelFileError);
    expect(err!.message).toMatch(/^decodeWeights: two\.nabla: /);
    expect(err!.message).toContain("'shift'");
    expect(err!.message).toContain("'scale'");
    expect(err!.message).toContain("'fc2.weight'");
    expect(values(w)).toEqual(before);
    // shape alone
    const path = join(dir, 'lin.nabla');
    await nb.io.saveWeights(nb.nn.linear(2, 3), path);
    const l = nb.nn.linear(2, 4);
    const lb = values(l);
    await expect(nb.io.loadWeights(l, path)).rejects.toThrow(/'weight' has shape \[2,3\] in the file, the model's parameter has \[2,4\]/);
    expect(values(l)).toEqual(lb);
    a.dispose();
    w.dispose();
    l.dispose();
  });

  it('non-strict: loads the names both have and returns { missing, unexpected }; a shape mismatch is still an error', async () => {
    nb.seed(8);
    const a = new TwoLayer();
    const path = join(dir, 'partial.nabla');
    await nb.io.saveWeights(a.fc1, path);
    nb.seed(9);
    const b = new TwoLayer();
    const before = values(b);
    // fc1 saved on its own has names 'weight', 'bias': nothing in common with TwoLayer
    expect(await nb.io.loadWeights(b, path, { strict: false })).toEqual({ missing: ['scale', 'fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias'], unexpected: ['weight', 'bias'] });
    expect(values(b)).toEqual(before);
    // a TwoLayer file into Wider: fc2 differs in shape → an error, nothing changed
    await nb.io.saveWeights(a, path);
    const w = new Wider();
    const wb = values(w);
    await expect(nb.io.loadWeights(w, path, { strict: false })).rejects.toThrow(/'fc2\.weight' has shape \[8,3\] in the file, the model's parameter has \[8,4\]/);
    expect(values(w)).toEqual(wb);
    // into a model whose shared names all fit: fc1 only
    const fc1Only = new (class extends nb.nn.Module {
      readonly fc1 = this.registerModule('fc1', nb.nn.linear(2, 8));
      readonly extra = this.registerParameter('extra', nb.ones([2]));
      forward(x: nb.Tensor): nb.Tensor {
        return this.fc1.call(x);
      }
    })();
    expect(await nb.io.loadWeights(fc1Only, path, { strict: false })).toEqual({ missing: ['extra'], unexpected: ['scale', 'fc2.weight', 'fc2.bias'] });
    expect(values(fc1Only.fc1)).toEqual(values(a.fc1));
    expect(values(fc1Only).extra).toEqual([1, 1]);
    a.dispose();
    b.dispose();
    w.dispose();
    fc1Only.dispose();
  });

  it('reads the weights of a full .nabla model file too', async () => {
    nb.seed(10);
    const a = nb.nn.sequential(nb.nn.linear(2, 3), nb.nn.relu(), nb.nn.linear(3, 1));
    const path = join(dir, 'full-model.nabla');
    await nb.io.save(a, path);
    const b = nb.nn.sequential(nb.nn.linear(2, 3), nb.nn.relu(), nb.nn.linear(3, 1));
    await nb.io.loadWeights(b, path);
    expect(values(b)).toEqual(values(a));
    a.dispose();
    b.dispose();
  });

  it('nb.io.load and inspect refuse a weights file with a message that points to loadWeights', async () => {
    const path = join(dir, 'w-only.nabla');
    await nb.io.saveWeights(new TwoLayer(), path);
    await expect(nb.io.load(path)).rejects.toThrow(nb.io.ModelFileError);
    await expect(nb.io.load(path)).rejects.toThrow(/stores weights only.*nb\.io\.loadWeights/);
    await expect(nb.io.inspect(path)).rejects.toThrow(/stores weights only/);
  });

  it('damaged files are rejected as ModelFileError and leave the model unchanged', async () => {
    nb.seed(11);
    const a = new TwoLayer();
    const good = await nb.io.encodeWeights(a);
    const b = new TwoLayer();
    const before = values(b);
    const cases: [string, (u: Uint8Array) => Uint8Array, RegExp][] = [
      ['flipped payload byte', (u) => { const c = u.slice(); c[c.length - 3]! ^= 0xff; return c; }, /checksum mismatch/],
      ['truncated', (u) => u.slice(0, u.length - 5), /truncated/],
      ['trailing bytes', (u) => { const c = new Uint8Array(u.length + 4); c.set(u); return c; }, /unexpected bytes after the end/],
      ['reserved bytes', (u) => { const c = u.slice(); c[29] = 1; return c; }, /reserved bytes 28–31 must be zero/],
      ['bad magic', (u) => { const c = u.slice(); c[1] = 0; return c; }, /not a nabla model file/],
      ['empty', () => new Uint8Array(0), /not a nabla model file/],
    ];
    for (const [label, damage, re] of cases) {
      const path = join(dir, `damaged-${label.replace(/ /g, '-')}.nabla`);
      writeFileSync(path, damage(good));
      const e = await nb.io.loadWeights(b, path).then(() => null, (x: unknown) => x as Error);
      expect(e, label).toBeInstanceOf(nb.io.ModelFileError);
      expect(e!.message, label).toMatch(re);
      expect(e!.message, label).toMatch(/^loadWeights: /);
      expect(values(b), label).toEqual(before);
    }
    a.dispose();
    b.dispose();
  });

  it('a crafted header with a valid checksum meets the same validator and limits as a model file', async () => {
    const m = nb.nn.linear(3, 2);
    const good = await nb.io.encodeWeights(m);
    const { header, payload } = fileParts<{ [k: string]: unknown; tensors: { [k: string]: unknown }[] }>(good);
    const assemble = (h: object, body: Uint8Array = payload): Uint8Array => assembleFile(JSON.stringify(h), body);
    const before = values(m);
    const cases: [object, RegExp][] = [
      [{ ...header, architecture: { type: 'Linear' } }, /a weights-only file \("nabla-weights"\) has no architecture/],
      [{ ...header, tensors: [{ ...header.tensors[0], shape: [1e9, 1e9] }, header.tensors[1]] }, /needs more bytes than the whole payload/],
      [{ ...header, tensors: [header.tensors[0], { ...header.tensors[1], offset: 0 }] }, /overlaps/],
      [{ ...header, tensors: [header.tensors[0], header.tensors[0]] }, /appears more than once/],
      [{ ...header, tensors: Array.from({ length: nb.io.MODEL_FILE_LIMITS.tensors + 1 }, () => header.tensors[0]) }, /more than the 16384 a model file may hold/],
      [{ ...header, format: 'nabla-weight' }, /format must be "nabla-model" or "nabla-weights"/],
    ];
    for (const [h, re] of cases) {
      expect(() => nb.io.decodeWeights(m, assemble(h)), re.source).toThrow(nb.io.ModelFileError);
      expect(() => nb.io.decodeWeights(m, assemble(h)), re.source).toThrow(re);
      expect(values(m)).toEqual(before);
    }
    expect(nb.io.decodeWeights(m, assemble(header))).toEqual({ missing: [], unexpected: [] });
    m.dispose();
  });

  it('checks its arguments, naming itself', async () => {
    const m = nb.nn.linear(2, 2);
    await expect(nb.io.saveWeights({} as nb.nn.Module, join(dir, 'x.nabla'))).rejects.toThrow(/^saveWeights: model must be/);
    await expect(nb.io.saveWeights(m, '')).rejects.toThrow(/^saveWeights: path must be/);
    await expect(nb.io.loadWeights(m, join(dir, 'x.nabla'), { strict: 'yes' as unknown as boolean })).rejects.toThrow(/^loadWeights: options\.strict must be/);
    await expect(nb.io.loadWeights(m, join(dir, 'x.nabla'), { strrict: true } as never)).rejects.toThrow(/^loadWeights: .*strrict/);
    await expect(nb.io.loadWeights(m, join(dir, 'nope.nabla'))).rejects.toThrow(/^loadWeights: cannot read/);
    expect(() => nb.io.decodeWeights(m, 'abc' as unknown as Uint8Array)).toThrow(/^decodeWeights: bytes must be/);
    await expect(nb.io.encodeWeights(null as unknown as nb.nn.Module)).rejects.toThrow(/^encodeWeights: model must be/);
    m.dispose();
  });
});
