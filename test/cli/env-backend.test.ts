import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { LAVAPIPE_ICD } from '../webgpu/setup.js';
import { existsSync } from 'node:fs';

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
      expect(r.stderr).toContain(`nabla: the environment variable NABLA_BACKEND must be a backend name ('cpu' or 'wasm' or 'webgpu') or unset, got string "${value}"`);
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
    expect(r.stderr.trim()).toBe(`nabla: error: the environment variable NABLA_BACKEND must be a backend name ('cpu' or 'wasm' or 'webgpu') or unset, got string "WASM"`);
  });

  describe('webgpu, which starts asynchronously', () => {
    const ready = `import * as nb from ${JSON.stringify(join(root, 'src/index.ts'))};
try { nb.zeros([1]); } catch (e) { console.log('before:', e.message); }
const name = await nb.ready();
console.log('ready:', name, nb.getBackend().name, Array.from(await nb.ones([2]).mul(3).data()).join(','));`;
    // a driver list that names no driver: Dawn finds no adapter
    const noAdapter = { NABLA_BACKEND: 'webgpu', VK_ICD_FILENAMES: '/nonexistent/no-driver.json' };

    it('until await nb.ready(), creating a tensor says to call it; without an adapter ready() warns and uses the default', async () => {
      const r = await run(['--input-type=module', '-e', ready], noAdapter);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain("before: nabla: the environment variable NABLA_BACKEND=webgpu names a backend that starts asynchronously; call await nb.ready() once before creating tensors");
      expect(r.stdout).toMatch(/ready: (wasm|cpu) (wasm|cpu) 3,3/);
      expect(r.stderr).toMatch(/nabla: the 'webgpu' backend is unavailable \(.+\); using '(wasm|cpu)'/);
    });

    it.skipIf(!existsSync(LAVAPIPE_ICD) && !process.env.CI)('with an adapter, ready() selects webgpu', async () => {
      const r = await run(['--input-type=module', '-e', ready], { NABLA_BACKEND: 'webgpu', VK_ICD_FILENAMES: process.env.VK_ICD_FILENAMES ?? LAVAPIPE_ICD });
      expect(r.stdout).toContain('ready: webgpu webgpu 3,3');
    });

    it('the CLI starts it for NABLA_BACKEND=webgpu and --backend webgpu, and falls back with the reason', async () => {
      const env = { VK_ICD_FILENAMES: process.env.VK_ICD_FILENAMES ?? LAVAPIPE_ICD };
      const cli = [join(root, 'src/cli/main.ts'), 'train', 'xor', '--epochs', '30', '--quiet'];
      const viaFlag = await run([...cli, '--backend', 'webgpu'], existsSync(env.VK_ICD_FILENAMES) ? env : {});
      if (existsSync(env.VK_ICD_FILENAMES)) {
        expect(viaFlag.code).toBe(0);
        expect(viaFlag.stdout).toContain('backend webgpu');
      }
      const fallback = await run(cli, noAdapter);
      expect(fallback.code).toBe(0);
      expect(fallback.stderr).toMatch(/nabla: the 'webgpu' backend is unavailable \(.+\); using '(wasm|cpu)'/);
      expect(fallback.stdout).toMatch(/backend (wasm|cpu)/);
      const unknown = await run([...cli, '--backend', 'abacus'], {});
      expect(unknown.stderr.trim()).toBe("nabla: error: unknown backend 'abacus'; available: cpu, wasm, webgpu");
    });
  });
});
