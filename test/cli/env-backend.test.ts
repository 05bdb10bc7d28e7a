import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');

function run(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, ['--import', 'tsx', ...args], { cwd: root, timeout: 60_000, env: { ...process.env, ...env } }, (err, stdout, stderr) => {
      const code = err ? ((err as { code?: number }).code ?? 1) : 0;
      done({ code: typeof code === 'number' ? code : 1, stdout, stderr });
    });
  });
}

const script = `import * as nb from ${JSON.stringify(join(root, 'src/index.ts'))}; console.log(nb.getBackend().name);`;

describe('NABLA_BACKEND', () => {
  it('an unknown name (WASM, abacus) is rejected at import with the variable, its value and the known backends', async () => {
    for (const value of ['WASM', 'abacus']) {
      const r = await run(['--input-type=module', '-e', script], { NABLA_BACKEND: value });
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain(`nabla: the environment variable NABLA_BACKEND must be a backend name ('cpu' or 'wasm') or unset, got string "${value}"`);
    }
  });

  it('a known name picks the default backend', async () => {
    const r = await run(['--input-type=module', '-e', script], { NABLA_BACKEND: 'cpu' });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('cpu');
  });

  it('the CLI reports it as it reports --backend: one line, exit code 1', async () => {
    const r = await run([join(root, 'src/cli/main.ts'), 'train', 'gates'], { NABLA_BACKEND: 'WASM' });
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(`nabla: error: the environment variable NABLA_BACKEND must be a backend name ('cpu' or 'wasm') or unset, got string "WASM"`);
  });
});
