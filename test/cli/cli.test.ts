import { afterAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'nabla-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real `nabla` entry point (TypeScript sources through tsx). */
function nabla(...args: string[]): Promise<Run> {
  return new Promise((done) => {
    execFile(process.execPath, ['--import', 'tsx', join(root, 'src/cli/main.ts'), ...args], { cwd: root, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? ((err as { code?: number }).code ?? 1) : 0;
      done({ code: typeof code === 'number' ? code : 1, stdout, stderr });
    });
  });
}

describe('nabla CLI', () => {
  it('trains mnist-softmax on 500 images and prints one JSON line; the saved model evaluates the same', async () => {
    const out = join(dir, 'run');
    const r = await nabla('train', 'mnist-softmax', '--limit', '500', '--test-limit', '500', '--epochs', '1', '--json', '--out', out);
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines.length).toBe(1);
    const res = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(res.model).toBe('mnist-softmax');
    expect(res.epochs).toBe(1);
    expect(res.trainSamples).toBe(500);
    expect(res.testSamples).toBe(500);
    expect(res.testAccuracy as number).toBeGreaterThan(0.6);
    expect(res.testLoss as number).toBeGreaterThan(0);
    expect(res.seconds as number).toBeGreaterThan(0);
    expect(res.samplesPerSecond as number).toBeGreaterThan(0);
    // progress went to stderr, one line per epoch
    expect(r.stderr).toMatch(/^epoch 1\/1 · 5 batches/m);
    for (const f of ['model.nabla', 'metrics.json', 'curves.svg']) expect(existsSync(join(out, f))).toBe(true);
    const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8')) as { testAccuracy: number; history: { epochs: unknown[] } };
    expect(metrics.testAccuracy).toBe(res.testAccuracy);
    expect(metrics.history.epochs.length).toBe(1);
    expect(readFileSync(join(out, 'curves.svg'), 'utf8')).toMatch(/^<svg/);

    const ev = await nabla('eval', join(out, 'model.nabla'), '--limit', '500', '--json');
    expect(ev.code).toBe(0);
    const e = JSON.parse(ev.stdout.trim()) as Record<string, unknown>;
    expect(e.model).toBe('mnist-softmax');
    expect(e.testAccuracy).toBe(res.testAccuracy);
    expect(e.testLoss as number).toBeCloseTo(res.testLoss as number, 5);
  });

  it('trains the gates and xor toy models to 100%', async () => {
    const g = await nabla('train', 'gates', '--json');
    expect(g.code).toBe(0);
    expect(JSON.parse(g.stdout).testAccuracy).toBe(1);
    const x = await nabla('train', 'xor');
    expect(x.code).toBe(0);
    expect(x.stdout).toMatch(/test accuracy 100\.00%/);
    expect(x.stdout).toMatch(/P\(xor = 1\)/);
  });

  it('reports unknown models, flags and bad values clearly, with exit code 1', async () => {
    const m = await nabla('train', 'resnet9000');
    expect(m.code).toBe(1);
    expect(m.stderr).toMatch(/nabla: error: unknown model 'resnet9000'; known models: gates, xor, mnist-softmax, mnist-mlp, lenet5, lenet5-classic/);
    const f = await nabla('train', 'xor', '--epochz', '3');
    expect(f.code).toBe(1);
    expect(f.stderr).toMatch(/unknown option '--epochz'/);
    const v = await nabla('train', 'xor', '--epochs', 'three');
    expect(v.code).toBe(1);
    expect(v.stderr).toMatch(/--epochs needs a positive integer, got 'three'/);
    const o = await nabla('train', 'xor', '--optimizer', 'sgdd');
    expect(o.stderr).toMatch(/unknown optimizer 'sgdd'; known: sgd, momentum/);
    const b = await nabla('train', 'xor', '--backend', 'abacus');
    expect(b.stderr).toMatch(/unknown backend 'abacus'; available: .*cpu/);
    const e = await nabla('eval', join(dir, 'missing.nabla'));
    expect(e.code).toBe(1);
    expect(e.stderr).toMatch(/cannot read .*missing\.nabla/);
  });
});

describe('nabla demo (npm start)', () => {
  it('picks the MLP on the wasm backend and softmax regression on cpu', async () => {
    const w = await nabla('demo', '--limit', '300', '--epochs', '1', '--json');
    expect(w.code).toBe(0);
    const rw = JSON.parse(w.stdout.trim()) as { model: string; backend: string; testAccuracy: number };
    // wasm falls back to cpu where WebAssembly SIMD is missing; the model follows the backend
    expect(rw.model).toBe(rw.backend === 'cpu' ? 'mnist-softmax' : 'mnist-mlp');
    const c = await nabla('demo', '--limit', '300', '--epochs', '1', '--backend', 'cpu', '--json');
    const rc = JSON.parse(c.stdout.trim()) as { model: string; backend: string };
    expect(rc).toMatchObject({ model: 'mnist-softmax', backend: 'cpu' });
  });
});
