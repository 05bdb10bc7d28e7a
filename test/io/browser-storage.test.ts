/**
 * Saving and loading models in a real browser (Chromium through playwright-core): to and from
 * IndexedDB (`indexeddb://`), as a download (`downloads://`), from a file input (a File) and from
 * a URL (`http://`). nabla is bundled from its sources with esbuild for the page. Skipped, with a
 * message, where /usr/bin/chromium (or $NABLA_CHROMIUM) is missing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import * as nb from '../../src/index.js';

const CHROMIUM = process.env.NABLA_CHROMIUM ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn(`browser storage tests skipped: no Chromium at ${CHROMIUM} (Debian: apt-get install chromium; or set NABLA_CHROMIUM)`);
const root = fileURLToPath(new URL('../..', import.meta.url));

type NbWindow = Window & { nb: typeof nb };

describe.skipIf(!haveChromium)('nb.io in Chromium', () => {
  let dir = '';
  let server: Server;
  let browser: Browser;
  let page: Page;
  let origin = '';
  const errors: string[] = [];
  const modelFile = (): string => path.join(dir, 'model.nabla');

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'nabla-browser-io-'));
    const { build } = await import('esbuild');
    writeFileSync(path.join(dir, 'entry.ts'), `import * as nb from ${JSON.stringify(path.join(root, 'src/index.ts'))};\n(window as unknown as { nb: typeof nb }).nb = nb;\n`);
    await build({ entryPoints: [path.join(dir, 'entry.ts')], bundle: true, format: 'esm', platform: 'browser', outfile: path.join(dir, 'nabla.js'), logLevel: 'silent' });
    writeFileSync(path.join(dir, 'index.html'), '<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"></head><body><input type="file" id="f"><script type="module" src="./nabla.js"></script></body></html>');
    nb.setBackend('cpu');
    nb.seed(4);
    await nb.io.save(nb.nn.sequential(nb.nn.linear(3, 5), nb.nn.relu(), nb.nn.linear(5, 2)), modelFile());
    server = createServer((req, res) => {
      const f = path.join(dir, path.basename(new URL(req.url ?? '/', 'http://x').pathname) || 'index.html');
      if (!existsSync(f)) return res.writeHead(404).end();
      res.writeHead(200, { 'content-type': f.endsWith('.js') ? 'text/javascript' : f.endsWith('.html') ? 'text/html' : 'application/octet-stream' });
      res.end(readFileSync(f));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run'] });
    page = await (await browser.newContext({ acceptDownloads: true })).newPage();
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    page.on('console', (m) => void (m.type() === 'error' && errors.push(`console: ${m.text()}`)));
    await page.goto(`${origin}/index.html`);
    await page.waitForFunction(() => (window as unknown as Partial<NbWindow>).nb !== undefined);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** The outputs of the model at `url` in the page for one fixed input. */
  const outputsOf = (how: string): Promise<number[]> =>
    page.evaluate(async (how) => {
      const { nb } = window as unknown as NbWindow;
      const input = document.getElementById('f') as HTMLInputElement;
      const m = await nb.io.load(how === 'file-input' ? input.files![0]! : how);
      return Array.from(await m.call(nb.tensor([[0.5, -1, 2]])).data());
    }, how);

  it('loads from a URL and from a file input', async () => {
    const expected = Array.from(await (await nb.io.load(modelFile())).call(nb.tensor([[0.5, -1, 2]])).data());
    expect(await outputsOf(`${origin}/model.nabla`)).toEqual(expected);
    await page.setInputFiles('#f', modelFile());
    expect(await outputsOf('file-input')).toEqual(expected);
  });

  it('saves to IndexedDB, lists, loads and removes', async () => {
    const r = await page.evaluate(async () => {
      const { nb } = window as unknown as NbWindow;
      nb.seed(9);
      const m = nb.nn.sequential(nb.nn.linear(3, 4), nb.nn.batchNorm1d(4), nb.nn.linear(4, 2)).eval();
      await nb.io.save(m, 'indexeddb://my-model');
      const list = await nb.io.listModels();
      const back = await nb.io.load('indexeddb://my-model');
      const x = nb.tensor([[1, 2, 3], [-1, 0, 1]]);
      const got = Array.from(await back.call(x).data());
      const want = Array.from(await m.call(x).data());
      const same = got.length === 4 && got.every((v, i) => v === want[i]);
      const removed = await nb.io.removeModel('indexeddb://my-model');
      const gone = await nb.io.load('indexeddb://my-model').then(() => 'loaded', (e: Error) => e.message);
      return { list, same, removed, gone };
    });
    expect(r.list.map((m) => m.url)).toEqual(['indexeddb://my-model']);
    expect(r.list[0]!.bytes).toBeGreaterThan(32);
    expect(r.same).toBe(true);
    expect(r.removed).toBe(true);
    expect(r.gone).toBe("load: no model 'my-model' in IndexedDB (stored: none)");
  });

  it('saves as a download that loads in Node', async () => {
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.evaluate(async () => {
        const { nb } = window as unknown as NbWindow;
        nb.seed(2);
        await nb.io.save(nb.nn.sequential(nb.nn.linear(2, 2)), 'downloads://trained');
      }),
    ]);
    expect(download.suggestedFilename()).toBe('trained.nabla');
    const file = path.join(dir, 'downloaded.nabla');
    await download.saveAs(file);
    const m = await nb.io.load(file);
    expect(m.config().type).toBe('Sequential');
    expect(errors).toEqual([]);
  });
});
