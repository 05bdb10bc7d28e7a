import { afterAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as nb from '../../src/index.js';
import {
  ACGANDiscriminator, ACGANGenerator, acganDiscriminator, acganGenerator, dcganDiscriminator, dcganGenerator, ganDiscriminator, ganGenerator, generate, sampleGrid, splitClassifier, trainGan, type GanKind,
} from '../../src/cli/gan.js';
import { lenet5 } from '../../src/cli/models.js';

// The GANs of src/cli/gan.ts on a slice of real MNIST: short training writes the pictures, the
// curves and the .nabla files; memory stays flat over epochs; bad input gives clear errors.
const root = resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'nabla-cli-gan-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const cli = ['--import', 'tsx', join(root, 'src/cli/main.ts')];

function nabla(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [...cli, ...args], { cwd: root, timeout: 170_000 }, (err, stdout, stderr) => {
      const code = err ? ((err as { code?: number }).code ?? 1) : 0;
      done({ code: typeof code === 'number' ? code : 1, stdout, stderr });
    });
  });
}

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47];
const isPng = (f: string): boolean => [...readFileSync(f).subarray(0, 4)].every((b, i) => b === PNG_MAGIC[i]);
const quick = { limit: 64, batchSize: 32, epochs: 1, verbose: 0 as const };

describe('GAN networks', () => {
  it('have the documented shapes', () => {
    nb.tidy(() => {
      const z = nb.randn([2, 100]);
      expect(ganGenerator().call(z).shape).toEqual([2, 1, 28, 28]);
      expect(dcganGenerator().call(z).shape).toEqual([2, 1, 28, 28]);
      expect(acganGenerator().call(z, nb.tensor([3, 9], { dtype: 'int32' })).shape).toEqual([2, 1, 28, 28]);
      const x = nb.rand([2, 1, 28, 28]);
      expect(ganDiscriminator().call(x).shape).toEqual([2, 1]);
      expect(dcganDiscriminator().call(x).shape).toEqual([2, 1]);
      const [s, c] = acganDiscriminator().call(x);
      expect([s.shape, c.shape]).toEqual([[2, 1], [2, 10]]);
      // the DCGAN generator's parameters: linear 100→6272, BN 6272, convT 128→64 k4, BN 64, convT 64→1 k4
      expect(dcganGenerator().numParameters()).toBe(100 * 6272 + 6272 + 2 * 6272 + 128 * 64 * 16 + 64 + 2 * 64 + 64 * 16 + 1);
    });
  });

  it('refuse bad input with clear errors', () => {
    const g = acganGenerator();
    nb.tidy(() => {
      const z = nb.randn([2, 100]);
      expect(() => g.call(z, nb.tensor([3, 10], { dtype: 'int32' }))).toThrow(/ACGANGenerator: labels must be class indices in \[0, 10\), got 10 at index 1/);
      expect(() => g.call(z, nb.tensor([-1, 2], { dtype: 'int32' }))).toThrow(/ACGANGenerator: labels must be class indices in \[0, 10\), got -1/);
      expect(() => g.call(z, nb.tensor([1, 2, 3], { dtype: 'int32' }))).toThrow(/ACGANGenerator: labels must be class indices \[2\]/);
      expect(() => g.call(nb.randn([2, 64]), nb.tensor([1, 2], { dtype: 'int32' }))).toThrow(/ACGANGenerator: z must be latent vectors \[N, 100\], got shape \[2,64\]/);
      expect(() => generate(dcganGenerator(), nb.randn([2, 50]))).toThrow(/generate: z must be latent vectors \[N, 100\], got shape \[2,50\]/);
      expect(() => dcganGenerator().call(nb.randn([2, 50]))).toThrow(/linear.*50.*100|100.*50/);
      expect(() => generate(g, z)).toThrow(/generate: an AC-GAN generator needs labels/);
      expect(() => nb.viz.imageGrid(nb.randn([2, 784]))).toThrow(/imageGrid: images/);
    });
    g.dispose();
  });

  it('a batch-norm generator saved and loaded gives exactly the same eval outputs', async () => {
    nb.seed(3);
    const g = dcganGenerator();
    // a few training-mode passes move the running statistics away from their initial values
    nb.tidy(() => nb.noGrad(() => [0, 1, 2].forEach(() => g.call(nb.randn([8, 100])))));
    const z = nb.randn([4, 100]);
    const before = generate(g, z);
    const file = join(dir, 'g.nabla');
    await nb.io.save(g, file);
    const loaded = (await nb.io.load(file)) as nb.nn.Module;
    const after = generate(loaded, z);
    expect(Array.from(after.dataSync())).toEqual(Array.from(before.dataSync()));
    // the AC-GAN generator (a layer type of its own) round-trips too
    const a = acganGenerator();
    const labels = nb.tensor([0, 7, 7, 9], { dtype: 'int32' });
    const outA = generate(a, z, labels);
    await nb.io.save(a, join(dir, 'a.nabla'));
    const la = await nb.io.load(join(dir, 'a.nabla'));
    expect(la).toBeInstanceOf(ACGANGenerator);
    expect(Array.from(generate(la, z, labels).dataSync())).toEqual(Array.from(outA.dataSync()));
    nb.dispose([z, before, after, labels, outA]);
    [g, loaded, a, la].forEach((m) => m.dispose());
  });

  it('sampleGrid: --digit only for the AC-GAN, and a digit 0–9', () => {
    const d = dcganGenerator();
    expect(() => sampleGrid(d, 'dcgan', { count: 4, seed: 0, digit: 7 })).toThrow(/sample: --digit needs an AC-GAN generator/);
    const a = acganGenerator();
    expect(() => sampleGrid(a, 'acgan', { count: 4, seed: 0, digit: 12 })).toThrow(/sample: --digit must be a digit 0–9, got 12/);
    expect([...sampleGrid(a, 'acgan', { count: 4, seed: 0, digit: 7 }).subarray(0, 4)]).toEqual(PNG_MAGIC);
    d.dispose();
    a.dispose();
  });
});

describe('trainGan (short)', () => {
  for (const kind of ['gan', 'dcgan', 'acgan'] as GanKind[]) {
    it(`${kind}: trains, writes samples (PNG), curves (SVG) and the .nabla files`, async () => {
      const out = join(dir, kind);
      const r = await trainGan(kind, { ...quick, out, picturesPerEpoch: 2 });
      expect(r.history).toHaveLength(1);
      const e = r.history[0]!;
      for (const v of [e.d, e.g, e.dx, e.dgz]) expect(Number.isFinite(v)).toBe(true);
      expect(e.dx).toBeGreaterThan(0);
      expect(e.dx).toBeLessThan(1);
      if (kind === 'acgan') expect(e.realClassAccuracy).toBeGreaterThanOrEqual(0);
      expect(r.fakeClassWeight).toBe(kind === 'acgan' ? 0 : undefined);
      for (const f of ['samples.png', 'samples-epoch-01.png', 'samples-step-00001.png']) expect(isPng(join(out, f)), f).toBe(true);
      for (const f of ['losses.svg', 'd-outputs.svg']) expect(readFileSync(join(out, f), 'utf8')).toMatch(/<svg[\s\S]*D\b/);
      const { model, metadata } = await nb.io.loadFile(join(out, 'model.nabla'));
      expect(metadata).toMatchObject({ model: kind, task: 'gan', role: 'generator', latent: 100 });
      model.dispose();
      expect(existsSync(join(out, 'discriminator.nabla'))).toBe(true);
      expect(JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8')).model).toBe(kind);
    }, 120_000);
  }

  it('acgan: fakeClassWeight weights the class term of generated images in D\'s loss (0 by default, 1 as the lectures)', async () => {
    const head = async (w: number | undefined): Promise<number[]> => {
      const out = join(dir, `acgan-fcw-${w}`);
      const r = await trainGan('acgan', { limit: 32, batchSize: 32, epochs: 1, verbose: 0, out, ...(w === undefined ? {} : { fakeClassWeight: w }) });
      expect(r.fakeClassWeight).toBe(w ?? 0);
      const { model } = await nb.io.loadFile(join(out, 'discriminator.nabla'));
      expect(model).toBeInstanceOf(ACGANDiscriminator);
      const v = [...(model as unknown as ACGANDiscriminator).cls.weight.dataSync()];
      model.dispose();
      return v;
    };
    const dft = await head(undefined);
    expect(await head(0)).toEqual(dft); // the same seed, the same step
    expect(await head(1)).not.toEqual(dft); // the fourth term moves D's class head
    await expect(trainGan('acgan', { ...quick, fakeClassWeight: -1 })).rejects.toThrow(/trainGan: fakeClassWeight must be a finite number ≥ 0, got -1/);
    await expect(trainGan('dcgan', { ...quick, fakeClassWeight: 1 })).rejects.toThrow(/trainGan: fakeClassWeight applies only to the acgan, got kind dcgan/);
  }, 120_000);

  it('memory stays flat over GAN epochs', async () => {
    const live: { tensors: number; bytes: number }[] = [];
    await trainGan('dcgan', { ...quick, epochs: 3, onEpochEnd: () => live.push({ tensors: nb.memory().numTensors, bytes: nb.memory().numBytes }) });
    expect(live).toHaveLength(3);
    expect(live[2]).toEqual(live[1]);
    expect(live[1]).toEqual(live[0]);
  }, 120_000);
});

describe('nabla train acgan / sample --digit / eval-gan', () => {
  it('trains, draws sevens, refuses --digit for a DCGAN, and measures', async () => {
    const a = join(dir, 'cli-acgan');
    const t = await nabla('train', 'acgan', '--limit', '64', '--batch-size', '32', '--epochs', '1', '--out', a, '--quiet');
    expect(t.code, t.stderr).toBe(0);
    expect(t.stdout).toMatch(/after 1 epoch: D loss \d+\.\d{4} · G loss \d+\.\d{4} · D\(x\) 0\.\d{3} · D\(G\(z\)\) 0\.\d{3}/);
    const s = await nabla('sample', join(a, 'model.nabla'), '--digit', '7', '--count', '8', '--out', join(dir, 'sevens.png'));
    expect(s.code, s.stderr).toBe(0);
    expect(s.stdout).toMatch(/sevens\.png: 8 samples of the digit 7/);
    expect(isPng(join(dir, 'sevens.png'))).toBe(true);
    const bad = await nabla('sample', join(a, 'model.nabla'), '--digit', '12');
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/--digit must be a digit 0–9, got 12/);
    // a classifier to measure with: LeNet-5 (untrained here; the figures are only checked for form)
    nb.seed(0);
    const l = lenet5();
    await nb.io.save(l, join(dir, 'lenet5.nabla'));
    l.dispose();
    const e = await nabla('eval-gan', join(a, 'model.nabla'), '--classifier', join(dir, 'lenet5.nabla'), '--count', '40', '--json');
    expect(e.code, e.stderr).toBe(0);
    const r = JSON.parse(e.stdout.trim().split('\n').at(-1)!) as { fid: number; randomInitFid: number; trainVsTestFid: number; acgan: { accuracy: number; perClass: unknown[] } };
    for (const v of [r.fid, r.randomInitFid, r.trainVsTestFid]) expect(v).toBeGreaterThanOrEqual(0);
    expect(r.acgan.perClass).toHaveLength(10);
    const noCls = await nabla('eval-gan', join(a, 'model.nabla'));
    expect(noCls.stderr).toMatch(/eval-gan: --classifier FILE is needed/);
  }, 300_000);

  it('--fake-class-weight only for the acgan', async () => {
    const r = await nabla('train', 'dcgan', '--limit', '32', '--fake-class-weight', '1');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/--fake-class-weight applies only to acgan, got dcgan/);
    const m = await nabla('train', 'mnist-mlp', '--limit', '32', '--fake-class-weight', '1');
    expect(m.code).not.toBe(0);
    expect(m.stderr).toMatch(/--fake-class-weight applies only to acgan, got mnist-mlp/);
  }, 120_000);

  it('--digit on a model that is not an AC-GAN: a clear error', async () => {
    const g = dcganGenerator();
    await nb.io.save(g, join(dir, 'dc.nabla'), { metadata: { model: 'dcgan', task: 'gan', role: 'generator', latent: 100 } });
    g.dispose();
    const r = await nabla('sample', join(dir, 'dc.nabla'), '--digit', '7');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/sample: --digit needs an AC-GAN generator \(nabla train acgan --out DIR\); this file holds a dcgan generator/);
  }, 120_000);

  it('splitClassifier: the features are all layers but the last linear → 10', () => {
    const { features, head } = splitClassifier(lenet5());
    expect(head.weight.shape).toEqual([84, 10]);
    expect(nb.tidy(() => features.call(nb.rand([1, 1, 28, 28])).shape)).toEqual([1, 84]);
    expect(() => splitClassifier(ganGenerator())).toThrow(/last layer must be linear with 10 outputs/);
  });
});
