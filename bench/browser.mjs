/* global window */
// M2 training throughput (MLP 784-256-128-10, Adam 1e-3, batch 64, real MNIST, as in
// bench/nabla-train.mjs) in headless Chromium, driven by playwright-core: nabla's `wasm` backend
// in a dedicated Web Worker of a cross-origin isolated page, on 1 and on 2 threads (the browser
// thread pool: Web Workers sharing the wasm memory).
//
//   node bench/browser.mjs                   M2 on 1 and 2 threads, 4 s each
//   npm run bench -- --browser               the same
//   node bench/browser.mjs --seconds 6 --threads 1,2,4
//   node bench/browser.mjs --node            also M2 in Node (bench/nabla-train.mjs, the built dist/)
//                                            on the same thread counts, right after, for the ratio
//
// Needs the built kernels (npm run build:ts: dist/backends/wasm/embedded.js); the page is bundled
// from nabla's sources with esbuild. Chromium: /usr/bin/chromium or $NABLA_CHROMIUM. Prints the
// load average before and after (the figures are only as good as the machine is quiet) and one
// JSON line last.
//
// startBrowserBench() is also what playground/e2e uses to compare the browser pool with Node's.
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mnistDir } from './common.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const embedded = join(root, 'dist', 'backends', 'wasm', 'embedded.js');

const PAGE = `<!doctype html><meta charset="utf-8"><title>nabla browser bench</title>
<script type="module">
const worker = new Worker('./worker.js', { type: 'module' });
let pending = null;
worker.onmessage = (e) => { const p = pending; pending = null; p?.(e.data); };
worker.onerror = (e) => { const p = pending; pending = null; p?.({ ok: false, error: e.message }); };
window.runTask = (msg) => new Promise((resolve) => { pending = resolve; worker.postMessage(msg); });
window.benchReady = true;
</script>`;

/** Bundles bench/browser-worker.mjs (nabla from src/, the kernels inlined from dist/). */
async function bundle() {
  if (!existsSync(embedded)) throw new Error(`bench/browser: ${embedded} is missing; run \`npm run build:ts\``);
  const { build } = await import('esbuild');
  const r = await build({
    entryPoints: [join(root, 'bench', 'browser-worker.mjs')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'error',
    external: ['webgpu'],
    plugins: [{
      name: 'nabla-embedded-wasm',
      setup(b) {
        b.onResolve({ filter: /^\.\/embedded\.js$/ }, (a) => (/[\\/]src[\\/]backends[\\/]wasm$/.test(a.resolveDir) ? { path: embedded } : undefined));
      },
    }],
  });
  return r.outputFiles[0].contents;
}

/**
 * Serves the bench page (with COOP/COEP when `isolated`), opens it in headless Chromium and
 * returns `run(msg)`, which posts a task to the page's worker and resolves with its answer.
 */
export async function startBrowserBench({ isolated = true, chromium = process.env.NABLA_CHROMIUM ?? '/usr/bin/chromium' } = {}) {
  const worker = await bundle();
  const headers = isolated ? { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' } : {};
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const send = (type, body) => res.writeHead(200, { 'Content-Type': type, 'Cross-Origin-Resource-Policy': 'same-origin', ...headers }).end(body);
    if (url.pathname === '/') return send('text/html; charset=utf-8', PAGE);
    if (url.pathname === '/worker.js') return send('text/javascript; charset=utf-8', worker);
    const m = /^\/mnist\/(train-(images-idx3|labels-idx1)-ubyte)$/.exec(url.pathname);
    if (m) return send('application/octet-stream', await readFile(join(mnistDir(), m[1])));
    res.writeHead(404).end();
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { chromium: pw } = await import('playwright-core');
  const browser = await pw.launch({
    executablePath: chromium,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`http://127.0.0.1:${server.address().port}/`);
  await page.waitForFunction(() => window.benchReady === true);
  return {
    page,
    errors,
    crossOriginIsolated: await page.evaluate(() => globalThis.crossOriginIsolated),
    async run(msg) {
      const r = await page.evaluate((m) => window.runTask(m), msg);
      if (!r.ok) throw new Error(`bench/browser: ${r.error}`);
      return r;
    },
    async close() {
      await browser.close();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

async function main() {
  const args = process.argv.slice(2);
  const opt = (name, dflt) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : dflt;
  };
  const seconds = Number(opt('--seconds', '4'));
  const threads = opt('--threads', '1,2').split(',').map(Number);
  const log = (s) => process.stderr.write(`${s}\n`);
  const load = () => loadavg().map((v) => v.toFixed(2)).join(' ');
  const bench = await startBrowserBench();
  const version = bench.page.context().browser()?.version();
  log(`bench/browser: Chromium ${version}, ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), crossOriginIsolated ${bench.crossOriginIsolated}`);
  const loadBefore = load();
  log(`bench/browser: load average before: ${loadBefore}`);
  const results = [];
  try {
    for (const t of threads) {
      const r = await bench.run({ task: 'm2', threads: t, seconds });
      log(`bench/browser: M2 wasm ${r.threads} thread${r.threads === 1 ? '' : 's'}${r.relaxedSimd ? ' (relaxed SIMD)' : ''}: ${Math.round(r.samplesPerSec).toLocaleString('en-US')} samples/s (${r.steps} steps, loss ${r.loss.toFixed(3)}; load ${load()})`);
      results.push(r);
    }
  } finally {
    await bench.close();
  }
  const node = [];
  if (args.includes('--node')) {
    for (const t of threads) {
      const r = spawnSync(process.execPath, [join(root, 'bench', 'nabla-train.mjs'), 'wasm', String(t), String(seconds), 'M2'], { cwd: root, encoding: 'utf8' });
      const line = (r.stdout ?? '').trim().split('\n').filter((l) => l.startsWith('{')).at(-1);
      if (!line) {
        log(`bench/browser: Node M2 on ${t} threads failed: ${r.stderr}`);
        continue;
      }
      const j = JSON.parse(line);
      const m2 = { threads: j.threads, relaxedSimd: j.relaxedSimd, samplesPerSec: j.results.M2.samplesPerSec, steps: j.results.M2.steps };
      log(`bench/browser: M2 Node ${process.version} wasm ${m2.threads} thread${m2.threads === 1 ? '' : 's'}${m2.relaxedSimd ? ' (relaxed SIMD)' : ''}: ${Math.round(m2.samplesPerSec).toLocaleString('en-US')} samples/s (load ${load()})`);
      node.push(m2);
    }
  }
  const loadAfter = load();
  log(`bench/browser: load average after: ${loadAfter}`);
  console.log(JSON.stringify({ browser: `Chromium ${version}`, seconds, loadBefore, loadAfter, results, node }));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
