import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

// `npm start` right after `npm ci` must not rebuild what is fresh. The build scripts run here on
// a small copy of the repository's layout (tiny sources, so a real rebuild takes little time).
const root = resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'nabla-build-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function layout(name: string): string {
  const r = join(dir, name);
  mkdirSync(join(r, 'scripts'), { recursive: true });
  for (const f of ['stale.mjs', 'embed-wasm.mjs', 'build-wasm.mjs', 'build-ts.mjs']) copyFileSync(join(root, 'scripts', f), join(r, 'scripts', f));
  symlinkSync(join(root, 'node_modules'), join(r, 'node_modules'), 'dir');
  return r;
}

function run(r: string, script: string, ...args: string[]): string {
  return execFileSync(process.execPath, [join(r, 'scripts', script), ...args], { cwd: r, encoding: 'utf8', timeout: 120_000 });
}

/** Sets a file's modification time `secondsAgo` seconds in the past. */
function age(file: string, secondsAgo: number): void {
  const t = new Date(Date.now() - secondsAgo * 1000);
  utimesSync(file, t, t);
}

describe('build scripts build only what is stale', () => {
  it('build-wasm keeps modules newer than asm/ and the script, and recompiles a stale or missing one', () => {
    const r = layout('wasm');
    mkdirSync(join(r, 'asm'));
    writeFileSync(join(r, 'asm', 'kernels.ts'), 'export function one(): i32 { return 1; }\n');
    age(join(r, 'asm', 'kernels.ts'), 100);
    age(join(r, 'scripts', 'build-wasm.mjs'), 100);
    age(join(r, 'scripts', 'stale.mjs'), 100);
    mkdirSync(join(r, 'dist', 'wasm'), { recursive: true });
    const files = ['nabla-simd.wasm', 'nabla-relaxed.wasm', 'nabla-simd-st.wasm'];
    for (const f of files) writeFileSync(join(r, 'dist', 'wasm', f), 'fresh');
    const fresh = run(r, 'build-wasm.mjs');
    for (const f of files) {
      expect(fresh).toContain(`build-wasm: dist/wasm/${f} is up to date`);
      expect(readFileSync(join(r, 'dist', 'wasm', f), 'utf8')).toBe('fresh');
    }
    // an edited kernel source makes every module stale; a missing module is built
    age(join(r, 'dist', 'wasm', 'nabla-simd.wasm'), 200);
    rmSync(join(r, 'dist', 'wasm', 'nabla-relaxed.wasm'));
    const out = run(r, 'build-wasm.mjs');
    expect(out).toContain('build-wasm: dist/wasm/nabla-simd.wasm\n');
    expect(out).toContain('build-wasm: dist/wasm/nabla-relaxed.wasm\n');
    expect(out).toContain('build-wasm: dist/wasm/nabla-simd-st.wasm is up to date');
    expect(readFileSync(join(r, 'dist', 'wasm', 'nabla-simd.wasm')).subarray(0, 4)).toEqual(Buffer.from([0, 0x61, 0x73, 0x6d]));
    expect(run(r, 'build-wasm.mjs', '--force')).not.toContain('up to date');
    // and inlines them into the built JavaScript, for bundlers and browsers (scripts/embed-wasm.mjs)
    const embedded = readFileSync(join(r, 'dist', 'backends', 'wasm', 'embedded.js'), 'utf8');
    expect(embedded).toContain(`simd: '${readFileSync(join(r, 'dist', 'wasm', 'nabla-simd.wasm')).toString('base64')}'`);
  });

  it('build-ts skips tsc when dist/ is newer than src/ and the tsconfig files', () => {
    const r = layout('ts');
    mkdirSync(join(r, 'src'));
    writeFileSync(join(r, 'src', 'a.ts'), 'export const a: number = 1;\n');
    writeFileSync(join(r, 'tsconfig.json'), JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'NodeNext', strict: true, types: [] } }));
    writeFileSync(join(r, 'tsconfig.build.json'), JSON.stringify({
      extends: './tsconfig.json',
      compilerOptions: { rootDir: 'src', outDir: 'dist', incremental: true, tsBuildInfoFile: 'dist/.tsbuildinfo' },
      include: ['src'],
    }));
    for (const f of ['src/a.ts', 'tsconfig.json', 'tsconfig.build.json', 'scripts/build-ts.mjs', 'scripts/stale.mjs']) age(join(r, f), 100);
    expect(run(r, 'build-ts.mjs')).toContain('build-ts: dist/\n');
    expect(existsSync(join(r, 'dist', 'a.js'))).toBe(true);
    const built = statSync(join(r, 'dist', 'a.js')).mtimeMs;
    expect(run(r, 'build-ts.mjs')).toContain('build-ts: dist/ is up to date');
    writeFileSync(join(r, 'src', 'a.ts'), 'export const a: number = 2;\n');
    expect(run(r, 'build-ts.mjs')).toContain('build-ts: dist/\n');
    expect(readFileSync(join(r, 'dist', 'a.js'), 'utf8')).toContain('= 2');
    expect(statSync(join(r, 'dist', 'a.js')).mtimeMs).toBeGreaterThanOrEqual(built);
  });
});
