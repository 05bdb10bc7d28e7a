import { afterAll, describe, expect, it } from 'vitest';
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

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
