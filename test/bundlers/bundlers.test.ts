/**
 * The packed package in the browser, as users bundle it: one fixture app per bundler (Vite,
 * webpack 5, esbuild, Rollup with @rollup/plugin-node-resolve), each built in production
 * (minified) mode with no configuration about nabla or WebAssembly, plus a plain
 * `<script type="module">` importing dist/index.js by URL as from a CDN. Each page runs
 * test/packed.ts's TRAINING_MODULE in Chromium (playwright-core): the `wasm` backend must be
 * the default, the loss must fall, and `summary()` must show real layer names although the
 * minifier renamed the classes. One tarball is packed and installed for all of them; the
 * bundles build in parallel.
 *
 * Skipped, with a message, where /usr/bin/chromium (or $NABLA_CHROMIUM) is missing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import type { Browser } from 'playwright-core';
import { expectTrainedOnWasm, packAndInstall, TRAINING_MODULE, type TrainingResult } from '../packed.js';

const CHROMIUM = process.env.NABLA_CHROMIUM ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) {
  console.warn(`bundler tests skipped: no Chromium at ${CHROMIUM} (Debian: apt-get install chromium; or set NABLA_CHROMIUM)`);
}

/** The page's entry: runs the training and leaves its result (or error) on window.__nabla. */
const entry = (nabla: string): string => `
import * as nb from '${nabla}';
import { run } from './train.js';
run(nb).then(
  (result) => { window.__nabla = { result }; },
  (e) => { window.__nabla = { error: String(e && e.stack || e) }; },
);
`;
const html = (script: string): string =>
  `<!doctype html><html><head><meta charset="utf-8"><title>nabla</title><link rel="icon" href="data:,"></head><body>${script}</body></html>`;

interface Fixture {
  name: string;
  /** The page, relative to the project folder. */
  page: string;
  /** The built JavaScript (its size is reported), relative to the project folder. */
  output: string[];
}

const MIME: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json', '.map': 'application/json' };

/**
 * Serves `dir` as static files. Paths under /coi/ are the same files sent with the headers of
 * cross-origin isolation (COOP/COEP), where SharedArrayBuffer exists.
 */
function serve(dir: string): Promise<Server> {
  const server = createServer((req, res) => {
    let p = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const coi = p.startsWith('/coi/');
    if (coi) p = p.slice(4);
    const file = path.join(dir, path.normalize(p));
    if (!file.startsWith(dir) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end();
      return;
    }
    const headers: Record<string, string> = { 'content-type': MIME[path.extname(file)] ?? 'application/octet-stream' };
    if (coi) Object.assign(headers, { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' });
    res.writeHead(200, headers).end(readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

async function buildVite(dir: string): Promise<void> {
  const { build } = await import('vite');
  await build({ root: dir, configFile: false, logLevel: 'error', base: './', build: { outDir: 'dist', emptyOutDir: true } });
}

/** In a child process: webpack (and its minifier, terser) is the slowest of them, all JavaScript, so it gets a core of its own. */
async function buildWebpack(dir: string): Promise<void> {
  const webpack = pathToFileURL(createRequire(import.meta.url).resolve('webpack')).href;
  const code = `
    const { default: webpack } = await import(${JSON.stringify(webpack)});
    webpack({ mode: 'production', context: process.cwd(), entry: './main.js', output: { path: process.cwd() + '/dist', filename: 'main.js' } }, (err, stats) => {
      if (err || stats.hasErrors()) { console.error(err ?? stats.toString('errors-only')); process.exit(1); }
    });`;
  await promisify(execFile)(process.execPath, ['--input-type=module', '-e', code], { cwd: dir });
}

async function buildEsbuild(dir: string): Promise<void> {
  const esbuild = await import('esbuild');
  await esbuild.build({ absWorkingDir: dir, entryPoints: ['main.js'], bundle: true, minify: true, format: 'esm', platform: 'browser', outfile: 'dist/main.js', logLevel: 'error' });
}

async function buildRollup(dir: string): Promise<void> {
  const { rollup } = await import('rollup');
  const { nodeResolve } = await import('@rollup/plugin-node-resolve');
  const esbuild = await import('esbuild');
  const bundle = await rollup({ input: path.join(dir, 'main.js'), plugins: [nodeResolve({ browser: true })], onwarn: () => {} });
  // Rollup has no minifier of its own: minify its output as a minifier plugin would.
  const minify = { name: 'minify', renderChunk: async (code: string) => ({ code: (await esbuild.transform(code, { minify: true, format: 'esm' })).code, map: null }) };
  await bundle.write({ file: path.join(dir, 'dist', 'main.js'), format: 'es', plugins: [minify] });
  await bundle.close();
}

describe.skipIf(!haveChromium)('the packed package in bundlers and from a CDN, in Chromium', () => {
  let tmp = '';
  let app = '';
  let server: Server;
  let browser: Browser;
  let launching: Promise<Browser> | undefined;
  let origin = '';
  const fixtures: Fixture[] = [];

  beforeAll(async () => {
    const t0 = Date.now();
    ({ dir: tmp, app } = packAndInstall('nabla-bundlers-'));
    const t1 = Date.now();
    const make = (name: string, files: Record<string, string>): string => {
      const d = path.join(app, name);
      for (const [f, text] of Object.entries({ 'train.js': TRAINING_MODULE, ...files })) {
        mkdirSync(path.dirname(path.join(d, f)), { recursive: true });
        writeFileSync(path.join(d, f), text);
      }
      return d;
    };
    const moduleScript = html('<script type="module" src="./main.js"></script>');
    const timed = async (name: string, p: Promise<void>): Promise<string> => {
      await p;
      return `${name} ${((Date.now() - t1) / 1000).toFixed(1)} s`;
    };
    const builds = [
      timed('Vite', buildVite(make('vite', { 'main.js': entry('nabla'), 'index.html': moduleScript }))),
      timed('webpack', buildWebpack(make('webpack', { 'main.js': entry('nabla'), 'dist/index.html': html('<script src="./main.js"></script>') }))),
      timed('esbuild', buildEsbuild(make('esbuild', { 'main.js': entry('nabla'), 'dist/index.html': moduleScript }))),
      timed('Rollup', buildRollup(make('rollup', { 'main.js': entry('nabla'), 'dist/index.html': moduleScript }))),
    ];
    // No bundler: the browser loads the installed package's files by URL, as from a CDN.
    make('cdn', { 'main.js': entry('/node_modules/nabla/dist/index.js'), 'index.html': moduleScript });
    const { chromium } = await import('playwright-core');
    launching = chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
    const done = await Promise.all(builds);
    const jsIn = (d: string): string[] => readdirSync(path.join(app, d)).filter((f) => f.endsWith('.js')).map((f) => `${d}/${f}`);
    fixtures.push(
      { name: 'Vite', page: 'vite/dist/index.html', output: jsIn('vite/dist/assets') },
      { name: 'webpack 5', page: 'webpack/dist/index.html', output: ['webpack/dist/main.js'] },
      { name: 'esbuild', page: 'esbuild/dist/index.html', output: ['esbuild/dist/main.js'] },
      { name: 'Rollup', page: 'rollup/dist/index.html', output: ['rollup/dist/main.js'] },
    );
    browser = await launching;
    server = await serve(app);
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    console.log(`bundler fixtures: pack + install ${((t1 - t0) / 1000).toFixed(1)} s, builds done after ${done.join(', ')}`);
  }, 300_000); // minutes only on a machine busy with other work

  afterAll(async () => {
    // closed even when a build failed before the test took it
    await (await launching?.catch(() => undefined))?.close();
    server?.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  /** Opens the page, waits for its result, and returns it with the page's errors and warnings. */
  async function open(page: string): Promise<{ result?: TrainingResult; error?: string; log: string[] }> {
    const tab = await browser.newPage();
    const log: string[] = [];
    tab.on('pageerror', (e) => log.push(`pageerror: ${e.message}`));
    tab.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') log.push(`${m.type()}: ${m.text()}`); });
    try {
      await tab.goto(`${origin}/${page}`);
      const handle = await tab.waitForFunction(() => (window as { __nabla?: unknown }).__nabla, undefined, { timeout: 30_000, polling: 50 });
      const out = (await handle.jsonValue()) as { result?: TrainingResult; error?: string };
      return { ...out, log };
    } finally {
      await tab.close();
    }
  }

  const cases = ['Vite', 'webpack 5', 'esbuild', 'Rollup'];
  it.each(cases)('%s: production build trains on wasm by default, summary() names the layers', async (name) => {
    const f = fixtures.find((x) => x.name === name)!;
    const { result, error, log } = await open(f.page);
    expect(error, log.join('\n')).toBeUndefined();
    expectTrainedOnWasm(result!, name);
    expect(log, name).toEqual([]);
    // The minifier did rename the classes: summary() names layers by their static layerType.
    expect(result!.linearClassName, `${name}: class names are minified`).not.toBe('Linear');
    const bytes = f.output.reduce((n, o) => n + statSync(path.join(app, o)).size, 0);
    const gz = f.output.reduce((n, o) => n + gzipSync(readFileSync(path.join(app, o))).length, 0);
    console.log(`${name}: ${(bytes / 1024).toFixed(0)} KiB of JavaScript (${(gz / 1024).toFixed(0)} KiB gzipped), wasm modules inlined`);
    // nothing is fetched beside the bundle: no .wasm file emitted
    expect(readdirSync(path.join(app, path.dirname(f.page)), { recursive: true }).map(String).filter((p) => p.endsWith('.wasm')), name).toEqual([]);
  });

  it('a plain <script type="module"> importing dist/index.js by URL (a CDN) trains on wasm', async () => {
    const { result, error, log } = await open('cdn/index.html');
    expect(error, log.join('\n')).toBeUndefined();
    expectTrainedOnWasm(result!, 'CDN');
    expect(result!.linearClassName).toBe('Linear');
    expect(result!.shared, 'no SharedArrayBuffer without cross-origin isolation: the single-threaded build').toBe(false);
    expect(log).toEqual([]);
  });

  it('cross-origin isolated (SharedArrayBuffer): the shared-memory build runs', async () => {
    const { result, error, log } = await open('coi/cdn/index.html');
    expect(error, log.join('\n')).toBeUndefined();
    expectTrainedOnWasm(result!, 'CDN, cross-origin isolated');
    expect(result!.shared).toBe(true);
    expect(log).toEqual([]);
  });
});
