import { afterAll, describe, expect, it } from 'vitest';
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as nb from '../../src/index.js';

const root = resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'nabla-cli-commands-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const cli = ['--import', 'tsx', join(root, 'src/cli/main.ts')];

function nabla(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [...cli, ...args], { cwd: root, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? ((err as { code?: number }).code ?? 1) : 0;
      done({ code: typeof code === 'number' ? code : 1, stdout, stderr });
    });
  });
}

describe('nabla --version', () => {
  it('prints the package version', async () => {
    const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) {
      const r = await nabla(flag);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(`${version}\n`);
    }
  });
});

describe('a reader that stops early (nabla help train | head -5)', () => {
  it('ends the command quietly with exit code 0, no EPIPE stack trace', async () => {
    // The pipe is closed before nabla writes anything: every write fails with EPIPE.
    for (const args of [['help', 'train'], ['models'], ['--help']]) {
      const child = spawn(process.execPath, [...cli, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout.destroy();
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const code = await new Promise<number | null>((done) => child.on('close', (c) => done(c)));
      expect(stderr).toBe('');
      expect(code).toBe(0);
    }
  });
});

describe('nabla eval <folder>', () => {
  it('says the path is a folder and names the model file inside it', async () => {
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    const r = await nabla('eval', empty);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(`nabla: error: eval: ${empty} is a folder, not a model file (nabla train --out DIR writes DIR/model.nabla)`);
    expect(r.stderr).not.toMatch(/EISDIR/);
  });
});

describe('nabla eval <model-file> --dataset <name> (a model saved through the API)', () => {
  const limit = 300;
  let file = '';
  let expected: { accuracy: number; loss: number } = { accuracy: NaN, loss: NaN };
  // A model built and trained in code and saved with nb.io.save: no 'dataset' in its metadata.
  const ready = (async () => {
    const { train, test } = await nb.data.mnist({ limit, testLimit: limit });
    nb.seed(3);
    const model = nb.nn.sequential(nb.nn.flatten(), nb.nn.linear(784, 32), nb.nn.relu(), nb.nn.linear(32, 10));
    await nb.train.fit(model, train, { epochs: 1, batchSize: 50, optimizer: nb.optim.adam(1e-2), verbose: 0 });
    const ev = await nb.train.evaluate(model, test, { batchSize: 256 });
    expected = { accuracy: ev.accuracy!, loss: ev.loss };
    file = join(dir, 'api-model.nabla');
    await nb.io.save(model, file);
    model.dispose();
    nb.dispose([train, test]);
  })();

  it('evaluates it on the MNIST test split: the accuracy and loss evaluate() gives in code', async () => {
    await ready;
    expect(expected.accuracy).toBeGreaterThan(0.3);
    const r = await nabla('eval', file, '--dataset', 'mnist', '--limit', String(limit), '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const e = JSON.parse(r.stdout.trim()) as Record<string, unknown>;
    expect(e.dataset).toBe('mnist');
    expect(e.model).toBe('Sequential');
    expect(e.testSamples).toBe(limit);
    expect(e.testAccuracy).toBe(expected.accuracy);
    expect(e.testLoss as number).toBeCloseTo(expected.loss, 5);
    const human = await nabla('eval', file, '--dataset', 'mnist', '--limit', String(limit));
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(new RegExp(`^Sequential \\(.*api-model\\.nabla\\): test accuracy ${(100 * expected.accuracy).toFixed(2)}% · test loss \\d\\.\\d{4} on ${limit} samples · `));
  });

  it('without --dataset, says the file names no data set and suggests --dataset', async () => {
    await ready;
    const r = await nabla('eval', file);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(`nabla: error: eval: ${file}: the model's metadata names no data set (it was not saved by 'nabla train --out'); choose one with --dataset: mnist, seq-mnist, xor, gates`);
  });

  it('an unknown data set is an error listing the known ones', async () => {
    await ready;
    const r = await nabla('eval', file, '--dataset', 'cifar10');
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe("nabla: error: eval: unknown data set 'cifar10' for --dataset; known: mnist, seq-mnist, xor, gates");
  });

  it('a model whose input does not fit the data set is a clear error', async () => {
    await ready;
    const r = await nabla('eval', file, '--dataset', 'xor');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^nabla: error: eval: .*api-model\.nabla: the model does not take xor inputs \(one sample has shape \[2\], a batch \[N,2\]\): /);
    const small = join(dir, 'xor-sized.nabla');
    const m = nb.nn.sequential(nb.nn.linear(2, 4), nb.nn.tanh(), nb.nn.linear(4, 2));
    await nb.io.save(m, small);
    m.dispose();
    const r2 = await nabla('eval', small, '--dataset', 'mnist', '--limit', '10');
    expect(r2.code).toBe(1);
    expect(r2.stderr).toMatch(/^nabla: error: eval: .*xor-sized\.nabla: the model does not take mnist inputs \(one sample has shape \[1,28,28\], a batch \[N,1,28,28\]\): /);
    // input fits, output does not: 2 outputs for 10 classes
    const narrow = join(dir, 'narrow.nabla');
    const m2 = nb.nn.sequential(nb.nn.flatten(), nb.nn.linear(784, 2));
    await nb.io.save(m2, narrow);
    m2.dispose();
    const r3 = await nabla('eval', narrow, '--dataset', 'mnist', '--limit', '10');
    expect(r3.code).toBe(1);
    expect(r3.stderr.trim()).toBe(`nabla: error: eval: ${narrow}: the model's output for one mnist sample has shape [1,2]; it needs [1,10] (one score per class)`);
  });
});

describe('the demo (npm start)', () => {
  it("states one measured duration in the CLI's help, README.md and docs/cli.md", async () => {
    const duration = 'about 20 s';
    const help = await nabla('help', 'demo');
    expect(help.stdout).toContain(`train on MNIST for ${duration}`);
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const docs = readFileSync(join(root, 'docs/cli.md'), 'utf8');
    for (const text of [readme, docs]) {
      expect(text).toContain(duration);
      expect(text).not.toMatch(/about (a|one|two) minutes?\b.*demo|demo.*about (a|one|two) minutes?\b|trains on real MNIST for about a minute/);
    }
  });
});
