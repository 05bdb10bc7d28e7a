/**
 * End-to-end tests of the playground in a real browser: Debian's Chromium (package `chromium`)
 * driven by playwright-core. They build the page with Vite, serve it with `servePlayground`
 * (what `nabla playground` runs), and click through it like a user. Progress is read from the
 * page (epoch counter and losses), never from a timer.
 *
 * Skipped, with a message, where /usr/bin/chromium (or $NABLA_CHROMIUM) is missing.
 * Screenshots go to playground/e2e/artifacts/; with UPDATE_SCREENSHOTS=1 the ones the guide
 * uses are also written to docs/img/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { cpus } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { servePlayground, type PlaygroundServer } from '../../src/cli/playground.js';
import * as nb from '../../src/index.js';
import { createWasmBackend } from '../../src/backends/wasm/index.js';
import { startBrowserBench } from '../../bench/browser.mjs';
import { kernelChecks } from '../../bench/browser-kernels.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..', '..');
const CHROMIUM = process.env.NABLA_CHROMIUM ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
const ARTIFACTS = path.join(here, 'artifacts');
const DOCS_IMG = path.join(repo, 'docs', 'img');

if (!haveChromium) {
  console.warn(`playground e2e tests skipped: no Chromium at ${CHROMIUM} (Debian: apt-get install chromium; or set NABLA_CHROMIUM)`);
}

/** Saves a screenshot as a test artifact and, when asked, for the guide. */
async function shot(page: Page, name: string, forDocs = false): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `playground-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  if (forDocs && process.env.UPDATE_SCREENSHOTS === '1') {
    mkdirSync(DOCS_IMG, { recursive: true });
    copyFileSync(file, path.join(DOCS_IMG, `playground-${name}.png`));
  }
}

const num = async (page: Page, id: string): Promise<number> => Number(await page.getAttribute(`#${id}`, 'data-value'));

/**
 * Waits until the test loss is below `target` or the epoch counter reaches `maxEpochs`; returns
 * both as that check saw them. (Read afterwards they could be from later epochs: the page trains
 * on meanwhile, several epochs a frame on a fast backend, and a noisy test loss rises again.)
 */
async function trainUntil(page: Page, target: number, maxEpochs: number): Promise<{ epoch: number; loss: number }> {
  const seen = await page.waitForFunction(
    ([t, m]) => {
      const loss = Number(document.getElementById('loss-test')?.dataset.value);
      const epoch = Number(document.getElementById('epoch')?.dataset.value);
      return loss < t || epoch >= m ? { epoch, loss } : false;
    },
    [target, maxEpochs] as const,
    { timeout: 200_000, polling: 50 },
  );
  return (await seen.jsonValue()) as { epoch: number; loss: number };
}

const heatmapPixels = (page: Page): Promise<string> => page.$eval('#heatmap', (c) => (c as HTMLCanvasElement).toDataURL());

describe.skipIf(!haveChromium)('playground in Chromium', () => {
  let server: PlaygroundServer;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];

  beforeAll(async () => {
    const { build } = await import('vite');
    await build({ configFile: path.join(repo, 'playground', 'vite.config.ts'), logLevel: 'error' });
    server = await servePlayground({ port: 0 });
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    page.on('pageerror', (e) => errors.push(e.message));
    // Console errors too: a Content Security Policy refusal is reported only there.
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('serves the built page and loads without errors', async () => {
    await page.goto(server.url);
    await page.waitForSelector('#neuron-0-0');
    expect(await page.title()).toContain('nabla playground');
    expect(await num(page, 'epoch')).toBe(0);
    expect(await num(page, 'loss-test')).toBeGreaterThan(0.3);
    // The server's COOP/COEP headers isolate the page (SharedArrayBuffer is available), and its
    // Content Security Policy refuses nothing the page needs (a refusal would be a console error).
    expect(await page.evaluate(() => globalThis.crossOriginIsolated)).toBe(true);
    expect(await page.textContent('#backend')).toBe('wasm');
    expect(errors).toEqual([]);
  });

  it('learns XOR from x₁ and x₂ alone (x₁x₂ off) with two hidden layers', async () => {
    await page.goto(server.url);
    await page.click('#dataset-xor');
    expect(await page.getAttribute('#feature-x1x2', 'class')).toContain('off');
    expect(await page.getAttribute('#feature-x1', 'class')).not.toContain('off');
    expect(await page.textContent('#layer-count')).toBe('2 hidden layers');
    expect(page.url()).toContain('dataset=xor');
    expect(page.url()).toContain('features=x1%2Cx2&');
    const start = await num(page, 'loss-test');
    expect(start).toBeGreaterThan(0.5);
    await page.click('#play');
    const { epoch, loss } = await trainUntil(page, 0.1, 300);
    await page.click('#play'); // pause
    expect(loss).toBeLessThan(0.1);
    expect(epoch).toBeLessThan(300);
    // The heat-map's tooltip gives the prediction: class 1 where x₁·x₂ > 0, class 0 elsewhere.
    // (the training worker computes it: the tooltip shows "…" until its answer arrives)
    const p1 = async (x: number, y: number): Promise<number> => {
      await page.hover('#heatmap', { position: { x, y } });
      const text = await page.waitForFunction(() => {
        const t = document.getElementById('tooltip')?.textContent ?? '';
        return /P\(class 1\) = /.test(t) ? t : false;
      });
      return Number(((await text.jsonValue()) as string).match(/P\(class 1\) = ([\d.]+)/)?.[1]);
    };
    expect(await p1(225, 75)).toBeGreaterThan(0.9);
    expect(await p1(75, 225)).toBeGreaterThan(0.9);
    expect(await p1(75, 75)).toBeLessThan(0.1);
    expect(await p1(225, 225)).toBeLessThan(0.1);
    await page.click('#neuron-1-0');
    await page.waitForSelector('#inspector-values');
    await shot(page, 'xor', true);
    expect(errors).toEqual([]);
  }, 240_000);

  it('learns the two-arm spiral from x₁ and x₂ with four hidden ReLU layers', async () => {
    await page.goto(server.url);
    await page.click('#dataset-spiral');
    await page.click('#add-layer');
    await page.click('#add-layer');
    for (let l = 0; l < 4; l++) {
      while ((await page.$$(`[id^="neuron-${l}-"]`)).length < 8) await page.click(`#add-neuron-${l}`);
    }
    await page.selectOption('#activation', 'relu');
    await page.selectOption('#optimizer', 'adam');
    await page.selectOption('#learningRate', '0.01');
    expect(page.url()).toContain('hidden=8%2C8%2C8%2C8');
    await page.click('#play');
    const { epoch, loss } = await trainUntil(page, 0.1, 300);
    await page.click('#play');
    expect(loss).toBeLessThan(0.1);
    expect(epoch).toBeLessThan(300);
    await shot(page, 'spiral', true);
    expect(errors).toEqual([]);
  }, 240_000);

  it('keeps every setting in the URL: reloading restores it and repeats the run exactly', async () => {
    await page.goto(server.url);
    await page.click('#dataset-gauss');
    await page.selectOption('#activation', 'selu');
    await page.selectOption('#optimizer', 'momentum');
    await page.$eval('#noise', (el) => {
      const input = el as HTMLInputElement;
      input.value = '20';
      input.dispatchEvent(new Event('change'));
    });
    await page.click('#feature-sinx1');
    await page.click('#remove-layer');
    await page.fill('#seed', '77');
    await page.press('#seed', 'Enter');
    const url = page.url();
    for (const part of ['dataset=gauss', 'activation=selu', 'optimizer=momentum', 'noise=20', 'features=x1%2Cx2%2Csinx1', 'hidden=4&', 'seed=77']) {
      expect(url).toContain(part);
    }
    const stepThrice = async (): Promise<number> => {
      for (let i = 0; i < 3; i++) await page.click('#step');
      await page.waitForFunction(() => document.getElementById('epoch')?.dataset.value === '3');
      return num(page, 'loss-train');
    };
    const loss = await stepThrice();
    await page.reload();
    await page.waitForSelector('#neuron-0-0');
    expect(await page.$eval('#activation', (e) => (e as HTMLSelectElement).value)).toBe('selu');
    expect(await page.$eval('#optimizer', (e) => (e as HTMLSelectElement).value)).toBe('momentum');
    expect(await page.$eval('#noise', (e) => (e as HTMLInputElement).value)).toBe('20');
    expect(await page.$eval('#seed', (e) => (e as HTMLInputElement).value)).toBe('77');
    expect(await page.getAttribute('#dataset-gauss', 'class')).toContain('selected');
    expect(await page.getAttribute('#feature-sinx1', 'class')).not.toContain('off');
    expect(await page.textContent('#layer-count')).toBe('1 hidden layer');
    expect(await num(page, 'epoch')).toBe(0);
    expect(await stepThrice()).toBe(loss);
    expect(errors).toEqual([]);
  });

  it('redraws the heat-map while training, pause stops training, hovering a neuron shows it', async () => {
    await page.goto(server.url + '#dataset=circle&seed=3');
    await page.waitForSelector('#neuron-0-0');
    const before = await heatmapPixels(page);
    await page.click('#play');
    await page.waitForFunction(() => Number(document.getElementById('epoch')?.dataset.value) >= 2);
    const during = await heatmapPixels(page);
    await page.waitForFunction(() => Number(document.getElementById('epoch')?.dataset.value) >= 6);
    const later = await heatmapPixels(page);
    await page.click('#play');
    expect(during).not.toBe(before);
    expect(later).not.toBe(during);
    // the worker has handled every command and stopped
    await page.waitForSelector('body[data-worker="idle"]');
    const paused = await num(page, 'epoch');
    await page.waitForTimeout(300);
    expect(await num(page, 'epoch')).toBe(paused);
    // Hovering a neuron shows its picture in the output heat-map; leaving restores the output.
    const output = await heatmapPixels(page);
    await page.hover('#neuron-0-0');
    await page.waitForFunction((o) => (document.getElementById('heatmap') as HTMLCanvasElement).toDataURL() !== o, output);
    await page.mouse.move(5, 5);
    await page.waitForFunction((o) => (document.getElementById('heatmap') as HTMLCanvasElement).toDataURL() === o, output);
    expect(errors).toEqual([]);
  });

  it('switches to regression: the data sets, the output and the loss follow', async () => {
    await page.goto(server.url);
    await page.waitForSelector('#neuron-0-0');
    await page.selectOption('#problem', 'regression');
    expect(page.url()).toContain('problem=regression&dataset=plane');
    expect(await page.getAttribute('#dataset-plane', 'class')).toContain('selected');
    expect(await page.isVisible('#dataset-xor')).toBe(false);
    expect(await page.isVisible('#classes-row')).toBe(false);
    expect(await page.textContent('#network')).toContain('Output (linear)');
    await page.click('#dataset-gaussmix');
    await page.selectOption('#optimizer', 'adam');
    await page.selectOption('#learningRate', '0.01');
    const start = await num(page, 'loss-test');
    for (let i = 0; i < 10; i++) await page.click('#step');
    await page.waitForFunction(() => document.getElementById('epoch')?.dataset.value === '10');
    expect(await num(page, 'loss-test')).toBeLessThan(start * 0.7);
    expect(errors).toEqual([]);
  });

  it('shows the vanishing gradient of a deep sigmoid network in the gradient-norm panel', async () => {
    await page.goto(server.url + '#dataset=circle&hidden=8,8,8,8,8&activation=sigmoid&init=gaussian&learningRate=0.1');
    await page.waitForSelector('#neuron-5-0');
    for (let i = 0; i < 5; i++) await page.click('#step');
    await page.waitForFunction(() => document.getElementById('epoch')?.dataset.value === '5');
    const norms = JSON.parse((await page.getAttribute('#grad-chart', 'data-last')) ?? '[]') as number[];
    expect(norms).toHaveLength(6);
    // Each layer learns more slowly than the one after it; the first over 100× slower than the output.
    for (let l = 0; l < 5; l++) expect(norms[l]!).toBeLessThan(norms[l + 1]!);
    expect(norms[0]! * 100).toBeLessThan(norms[5]!);
    await shot(page, 'vanishing', true);
    expect(errors).toEqual([]);
  });

  it('trains a three-class spiral with softmax and shows a neuron’s BP1–BP4 values', async () => {
    await page.goto(server.url + '#dataset=spiral&classes=3&hidden=8,8,8,8&activation=relu&optimizer=adam&learningRate=0.01&seed=1&showTest=1');
    await page.waitForSelector('#neuron-4-2'); // three output units
    // the new network's first loss comes from the training Worker a moment later: until then the
    // page may still show the previous two-class network's (≈ ln 2)
    await page.waitForFunction(() => Number(document.getElementById('loss-test')?.dataset.value) > 1, undefined, { timeout: 10_000 }).catch(() => undefined);
    const start = await num(page, 'loss-test');
    expect(start).toBeGreaterThan(1); // ≈ ln 3
    await page.click('#play');
    const { loss } = await trainUntil(page, 0.3, 150);
    await page.click('#play');
    expect(loss).toBeLessThan(0.3);
    await page.click('#neuron-4-1');
    await page.waitForSelector('#inspector-weights');
    const text = await page.textContent('#inspector');
    expect(text).toContain('BP1');
    expect(text).toContain('BP3');
    expect(await page.$$eval('#inspector-weights tr', (rows) => rows.length)).toBe(9); // header + 8 incoming weights
    await page.hover('#link-4-0-1', { force: true });
    expect(await page.textContent('#tooltip')).toMatch(/^weight -?\d+\.\d{4}$/);
    await shot(page, 'spiral3', true);
    expect(errors).toEqual([]);
  }, 240_000);
  it('is cross-origin isolated and trains in a Web Worker on a pool of wasm threads', async () => {
    await page.goto(server.url + '#dataset=circle&seed=5');
    await page.waitForSelector('#neuron-0-0');
    expect(await page.evaluate(() => globalThis.crossOriginIsolated)).toBe(true);
    const cores = await page.evaluate(() => navigator.hardwareConcurrency);
    // 'auto': one thread per core (the calling worker and cores − 1 kernel workers)
    expect(await page.getAttribute('#threads-used', 'data-value')).toBe(String(cores));
    expect(await page.isVisible('#backend-note')).toBe(false);
    // the training worker, and the wasm pool's cores − 1 kernel workers (blob: scripts) under it
    expect(page.workers().map((w) => w.url()).some((u) => /train-worker/.test(u))).toBe(true);
    expect(page.workers().filter((w) => w.url().startsWith('blob:')).length).toBeGreaterThanOrEqual(cores - 1);
    // training progresses in the worker while the page's own thread only draws
    await page.click('#play');
    await page.waitForFunction(() => Number(document.getElementById('epoch')?.dataset.value) >= 10);
    await page.click('#play');
    await page.waitForSelector('body[data-worker="idle"]');
    // every mini-batch was trained in the worker (the page holds no network: it draws frames)
    const stats = await page.evaluate(() => (window as unknown as { playground: { stats: { totalBatches: number } } }).playground.stats);
    expect(stats.totalBatches).toBeGreaterThan(0);
    // the threads can be chosen (?threads=1); the run is the same on any number of threads
    await page.click('#step');
    await page.waitForSelector('body[data-worker="idle"]');
    const epochs = await num(page, 'epoch');
    await page.goto(server.url + '?threads=1#dataset=circle&seed=5');
    await page.waitForSelector('#neuron-0-0');
    expect(await page.getAttribute('#threads-used', 'data-value')).toBe('1');
    expect(await page.$eval('#threads', (e) => (e as HTMLSelectElement).value)).toBe('1');
    const lossAfter = async (): Promise<number> => {
      for (let i = 0; i < 3; i++) await page.click('#step');
      await page.waitForFunction(() => document.getElementById('epoch')?.dataset.value === '3');
      return num(page, 'loss-train');
    };
    const one = await lossAfter();
    await page.goto(server.url + `?threads=${Math.min(2, cores)}#dataset=circle&seed=5`);
    await page.waitForSelector('#neuron-0-0');
    expect(await lossAfter()).toBe(one);
    expect(epochs).toBeGreaterThan(10);
    expect(errors).toEqual([]);
  }, 120_000);

  it('offers webgpu only where navigator.gpu exists', async () => {
    await page.goto(server.url);
    await page.waitForSelector('#neuron-0-0');
    const hasGpu = await page.evaluate(() => 'gpu' in navigator && navigator.gpu !== undefined);
    const option = await page.$eval('#backend-choice option[value="webgpu"]', (o) => ({ hidden: (o as HTMLOptionElement).hidden, disabled: (o as HTMLOptionElement).disabled }));
    expect(option).toEqual({ hidden: !hasGpu, disabled: !hasGpu });
    // the cpu backend is one choice away
    await page.selectOption('#backend-choice', 'cpu');
    await page.waitForFunction(() => document.getElementById('backend')?.textContent === 'cpu');
    expect(page.url()).toContain('backend=cpu');
    await page.click('#step');
    await page.waitForFunction(() => document.getElementById('epoch')?.dataset.value === '1');
    expect(errors).toEqual([]);
  });

  it('falls back to one thread, and says so, on a page that is not cross-origin isolated', async () => {
    // the same built page from a plain static server: no COOP/COEP headers, no SharedArrayBuffer
    const dist = path.join(repo, 'playground', 'dist');
    const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' };
    const plain: Server = createServer((req, res) => {
      const rel = new URL(req.url ?? '/', 'http://x').pathname;
      const file = path.join(dist, rel === '/' ? 'index.html' : rel);
      if (!file.startsWith(dist) || !existsSync(file)) return void res.writeHead(404).end();
      res.writeHead(200, { 'Content-Type': types[path.extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
    });
    await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
    const other = await browser.newPage();
    const otherErrors: string[] = [];
    other.on('pageerror', (e) => otherErrors.push(e.message));
    const logs: string[] = [];
    other.on('console', (m) => logs.push(m.text()));
    try {
      const addr = plain.address();
      await other.goto(`http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/`);
      await other.waitForSelector('#neuron-0-0');
      expect(await other.evaluate(() => globalThis.crossOriginIsolated)).toBe(false);
      expect(await other.textContent('#backend')).toBe('wasm');
      expect(await other.getAttribute('#threads-used', 'data-value')).toBe('1');
      expect(await other.textContent('#backend-note')).toContain('not cross-origin isolated');
      expect(await other.isVisible('#backend-note')).toBe(true);
      expect(await other.$eval('#threads', (e) => (e as HTMLSelectElement).disabled)).toBe(true);
      await other.click('#step');
      await other.waitForFunction(() => document.getElementById('epoch')?.dataset.value === '1');
      if (cpus().length > 1) expect(logs.some((l) => l.includes('not cross-origin isolated'))).toBe(true);
      expect(otherErrors).toEqual([]);
    } finally {
      await other.close();
      await new Promise<void>((resolve) => plain.close(() => resolve()));
    }
  });
});

describe.skipIf(!haveChromium)('the playground on webgpu (Chromium with SwiftShader)', () => {
  it('trains on webgpu where the browser has an adapter, like on wasm', async () => {
    const server = await servePlayground({ port: 0 });
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader', '--enable-features=Vulkan', '--disable-background-networking', '--no-first-run'],
    });
    const errors: string[] = [];
    try {
      const page = await browser.newPage();
      page.on('pageerror', (e) => errors.push(e.message));
      const threeEpochs = async (query: string): Promise<number> => {
        await page.goto(`${server.url}${query}#dataset=circle&seed=9&learningRate=0.3`);
        await page.waitForSelector('#neuron-0-0', { timeout: 60_000 });
        for (let i = 0; i < 3; i++) await page.click('#step');
        await page.waitForFunction(() => document.getElementById('epoch')?.dataset.value === '3', undefined, { timeout: 60_000 });
        return num(page, 'loss-train');
      };
      const wasm = await threeEpochs('');
      await page.goto(server.url);
      const adapter = await page.evaluate(async () => {
        const gpu = (navigator as unknown as { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
        return gpu ? (await gpu.requestAdapter()) !== null : false;
      });
      if (!adapter) {
        console.warn('playground webgpu test skipped: no WebGPU adapter in this Chromium');
        return;
      }
      expect(await page.$eval('#backend-choice option[value="webgpu"]', (o) => (o as HTMLOptionElement).disabled)).toBe(false);
      const gpu = await threeEpochs('?backend=webgpu');
      expect(await page.textContent('#backend')).toBe('webgpu');
      expect(await page.textContent('#backend-note')).toContain('inspector');
      // float32 on another device: the same run up to rounding
      expect(Math.abs(gpu - wasm)).toBeLessThan(1e-3 * wasm);
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
      await server.close();
    }
  }, 180_000);
});

describe.skipIf(!haveChromium)('the wasm thread pool in Chromium', () => {
  it('gives bit for bit the results of the Node pool on the same number of threads', async () => {
    const bench = await startBrowserBench({ chromium: CHROMIUM });
    try {
      expect(bench.crossOriginIsolated).toBe(true);
      for (const threads of [1, 2]) {
        // the baseline SIMD build in both (relaxed SIMD's fused multiply-add rounds differently)
        const web = await bench.run({ task: 'kernels', threads, relaxedSimd: false });
        expect(web.threads).toBe(threads);
        const be = createWasmBackend({ name: `wasm-e2e-${threads}`, threads, relaxedSimd: false });
        await be.ready();
        nb.registerBackend(be.name, () => be);
        const prev = nb.getBackend().name;
        nb.setBackend(be.name);
        try {
          expect(web.values).toEqual(kernelChecks(nb));
        } finally {
          nb.setBackend(prev);
          be.dispose();
        }
      }
      // and in the browser, 1 and 2 threads agree with the relaxed-SIMD build too
      const [a, b] = [await bench.run({ task: 'kernels', threads: 1 }), await bench.run({ task: 'kernels', threads: 2 })];
      expect(b.threads).toBe(2);
      expect(b.values).toEqual(a.values);
      expect(bench.errors).toEqual([]);
    } finally {
      await bench.close();
    }
  }, 180_000);
});
