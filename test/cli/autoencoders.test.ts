import { afterAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as nb from '../../src/index.js';

// `nabla train autoencoder|stacked-ae|denoising-ae|conv-ae` on a slice of real MNIST: the figures,
// the .nabla file and the pictures (PNG).
const root = resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'nabla-cli-ae-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const cli = ['--import', 'tsx', join(root, 'src/cli/main.ts')];

function nabla(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [...cli, ...args], { cwd: root, timeout: 120_000 }, (err, stdout, stderr) => {
      const code = err ? ((err as { code?: number }).code ?? 1) : 0;
      done({ code: typeof code === 'number' ? code : 1, stdout, stderr });
    });
  });
}

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47];
const quick = ['--epochs', '1', '--limit', '256', '--test-limit', '64', '--quiet'];

describe('nabla train <autoencoder>', () => {
  it('autoencoder: test MSE, model file, reconstructions and features as PNG', async () => {
    const out = join(dir, 'ae');
    const r = await nabla('train', 'autoencoder', ...quick, '--out', out, '--json');
    expect(r.code, r.stderr).toBe(0);
    const res = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { testLoss: number; autoencoder: { testMse: number; testSamples: number } };
    expect(res.autoencoder.testSamples).toBe(64);
    expect(res.testLoss).toBe(res.autoencoder.testMse);
    expect(res.testLoss).toBeGreaterThan(0);
    expect(res.testLoss).toBeLessThan(0.3);
    for (const f of ['reconstructions.png', 'features.png']) expect([...readFileSync(join(out, f)).subarray(0, 4)]).toEqual(PNG_MAGIC);
    const model = await nb.io.load(join(out, 'model.nabla'));
    expect(nb.tidy(() => (model as nb.nn.Module).call(nb.zeros([1, 1, 28, 28])).shape)).toEqual([1, 1, 28, 28]);
    expect(existsSync(join(out, 'metrics.json'))).toBe(true);
  }, 150_000);

  it('stacked-ae: pre-trained and random-init accuracies, printed', async () => {
    const r = await nabla('train', 'stacked-ae', ...quick);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/test accuracy after fine-tuning on 256 labelled images: pre-trained \d+\.\d\d% · random initialisation \d+\.\d\d%/);
  }, 150_000);

  it('denoising-ae and conv-ae run', async () => {
    const d = await nabla('train', 'denoising-ae', ...quick);
    expect(d.code, d.stderr).toBe(0);
    expect(d.stdout).toMatch(/denoising, MSE to the clean image: masking noise \d\.\d{4} \(input\) → \d\.\d{4} \(output\) · Gaussian noise/);
    const c = await nabla('train', 'conv-ae', ...quick);
    expect(c.code, c.stderr).toBe(0);
    expect(c.stdout).toMatch(/test reconstruction MSE 0\.\d{5} per pixel on 64 images/);
  }, 200_000);

  it('refuses options that do not apply', async () => {
    const r = await nabla('train', 'autoencoder', '--optimizer', 'sgd', ...quick);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/autoencoder trains with Adam at a constant learning rate; --optimizer and --lr-decay do not apply/);
  }, 60_000);
});
