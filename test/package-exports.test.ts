/**
 * Every import path the docs show works from the package as installed (its `exports` map), not
 * only from a checkout: resolved here through Node's package self-reference, against the built dist/.
 */
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Runs `code` as an ES module inside the package (so `nabla` resolves to itself), returns its output. */
function importInNode(code: string): string {
  const dir = `${root}test-artifacts/package-exports`;
  mkdirSync(dir, { recursive: true });
  const file = `${dir}/check-${process.pid}.mjs`;
  writeFileSync(file, code);
  try {
    return execFileSync(process.execPath, [file], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  } finally {
    rmSync(file, { force: true });
  }
}

describe('package exports', () => {
  it('dist/ is built (npm ci and npm run build do it)', () => {
    expect(existsSync(`${root}dist/index.js`), 'run npm run build').toBe(true);
  });
  it("'nabla', 'nabla/backends/wasm' and 'nabla/backends/cpu' resolve, as docs/wasm.md shows", () => {
    const out = importInNode(`
      const nb = await import('nabla');
      const { createWasmBackend } = await import('nabla/backends/wasm');
      const { createCpuBackend } = await import('nabla/backends/cpu');
      const { lenet5 } = await import('nabla/models');
      if (lenet5().numParameters() !== 61706) throw new Error('nabla/models: unexpected LeNet-5');
      const be = createWasmBackend({ name: 'wasm-2t', threads: 2 });
      await be.ready();
      nb.registerBackend('wasm-2t', () => be);
      nb.setBackend('wasm-2t');
      const s = nb.tensor([1, 2, 3]).sum().item();
      console.log([typeof createWasmBackend, typeof createCpuBackend, s, nb.getBackend().name].join(' '));
      process.exit(0);`);
    expect(out).toBe('function function 6 wasm-2t');
  });
  it('the wasm backend starts its threads under `node --input-type=module -e` too', () => {
    const code = `const nb = await import('nabla'); const { createWasmBackend } = await import('nabla/backends/wasm');
      const be = createWasmBackend({ name: 'w2', threads: 2 }); await be.ready(); console.log(be.threads); process.exit(0);`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', code], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(out.trim()).toBe('2');
  });
  it('the wasm backend starts its threads under V8 flags that workers refuse (node --experimental-wasm-relaxed-simd, --max-old-space-size)', () => {
    const code = `const { createWasmBackend } = await import('nabla/backends/wasm');
      const be = createWasmBackend({ name: 'w2', threads: 2 }); await be.ready(); console.log(be.threads); process.exit(0);`;
    const flags = ['--experimental-wasm-relaxed-simd', '--max-old-space-size=2048', '--stack-size=2000'];
    const out = execFileSync(process.execPath, [...flags, '--input-type=module', '-e', code], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(out.trim()).toBe('2');
  });
  it('examples import nabla by its package name, so a user can copy them as they are', () => {
    const files = readdirSync(`${root}examples`, { recursive: true }).map(String).filter((f) => f.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(10);
    for (const f of files) {
      const src = readFileSync(`${root}examples/${f}`, 'utf8');
      expect(src, `examples/${f} imports the sources by path`).not.toMatch(/from '(\.\.\/)+src\//);
      if (!f.startsWith('shared')) expect(src, `examples/${f}`).toMatch(/from 'nabla(\/models)?'|from '\.\/shared\//);
    }
  });
  it('internal files stay private: a deep dist/ path is not exported', () => {
    expect(() => importInNode(`await import('nabla/dist/backends/wasm/index.js');`)).toThrow(/ERR_PACKAGE_PATH_NOT_EXPORTED/);
  });
});
