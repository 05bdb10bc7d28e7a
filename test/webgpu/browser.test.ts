/**
 * WebGPU in a real browser: headless Chromium (through playwright-core) with WebGPU enabled
 * (`--enable-unsafe-webgpu`, on its CPU adapter SwiftShader, so no GPU is needed). nabla is
 * bundled from its sources with esbuild for the page. In the page an MLP trains for a few Adam
 * steps on MNIST-shaped batches on `webgpu` and on `cpu` from the same weights and data: the
 * losses agree within float32 tolerance and fall. Skipped, with the reason, where Chromium or a
 * WebGPU adapter is missing; under CI (`process.env.CI`) either is a failure.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import type * as nbModule from '../../src/index.js';

const CHROMIUM = process.env.NABLA_CHROMIUM ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
const CI = Boolean(process.env.CI);
const root = fileURLToPath(new URL('../..', import.meta.url));
/** Chromium's switches for WebGPU without a GPU: its SwiftShader adapter (Vulkan on the CPU). */
const CHROMIUM_WEBGPU_ARGS = ['--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader'];

type NbWindow = Window & { nb: typeof nbModule };

interface PageResult {
  error?: string;
  adapter?: string;
  webgpu?: number[];
  cpu?: number[];
}

describe.skipIf(!haveChromium && !CI)(`webgpu in headless Chromium${haveChromium ? '' : ` (skipped: no Chromium at ${CHROMIUM}; set NABLA_CHROMIUM)`}`, () => {
  let dir = '';
  let server: Server;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];

  beforeAll(async () => {
    if (!haveChromium) throw new Error(`no Chromium at ${CHROMIUM} under CI (apt-get install chromium, or set NABLA_CHROMIUM)`);
    dir = mkdtempSync(path.join(tmpdir(), 'nabla-browser-webgpu-'));
    const { build } = await import('esbuild');
    writeFileSync(path.join(dir, 'entry.ts'), `import * as nb from ${JSON.stringify(path.join(root, 'src/index.ts'))};\n(window as unknown as { nb: typeof nb }).nb = nb;\n`);
    await build({ entryPoints: [path.join(dir, 'entry.ts')], bundle: true, format: 'esm', platform: 'browser', outfile: path.join(dir, 'nabla.js'), logLevel: 'silent' });
    writeFileSync(path.join(dir, 'index.html'), '<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"></head><body><script type="module" src="./nabla.js"></script></body></html>');
    server = createServer((req, res) => {
      const f = path.join(dir, path.basename(new URL(req.url ?? '/', 'http://x').pathname) || 'index.html');
      if (!existsSync(f)) return res.writeHead(404).end();
      res.writeHead(200, { 'content-type': f.endsWith('.js') ? 'text/javascript' : 'text/html' });
      res.end(readFileSync(f));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--no-first-run', ...CHROMIUM_WEBGPU_ARGS] });
    page = await browser.newPage();
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    // http://127.0.0.1 is a secure context, which navigator.gpu needs
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/index.html`);
    await page.waitForFunction(() => (window as unknown as Partial<NbWindow>).nb !== undefined);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('an MLP trains on webgpu in the page, with the losses cpu gives in the same page', async (ctx) => {
    const r: PageResult = await page.evaluate(async () => {
      const { nb } = window as unknown as NbWindow;
      const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<{ info?: { vendor?: string; architecture?: string } } | null> } }).gpu;
      if (!gpu) return { error: 'navigator.gpu is missing' };
      const a = await gpu.requestAdapter();
      if (!a) return { error: 'navigator.gpu.requestAdapter() gave no adapter' };
      const adapter = `${a.info?.vendor ?? '?'} ${a.info?.architecture ?? '?'}`;
      try {
        await nb.setBackendAsync('webgpu', { fallback: false });
      } catch (e) {
        return { error: (e as Error).message, adapter };
      }
      const B = 16;
      const STEPS = 12;
      const train = async (backend: string): Promise<number[]> => {
        nb.setBackend(backend);
        nb.seed(0);
        const model = nb.nn.sequential(nb.nn.linear(784, 64), nb.nn.relu(), nb.nn.linear(64, 10));
        const params = model.parameters();
        const opt = nb.optim.adam(1e-2);
        // four MNIST-shaped batches: pixels in [0, 1), labels from the pixels, fixed by the seed
        const r = new nb.Random(1);
        const xs = new Float32Array(4 * B * 784).map(() => r.uniform());
        const ys = new Int32Array(4 * B).map((_, i) => Math.floor(xs[i * 784]! * 10));
        const X = nb.fromArray(xs, [4 * B, 784]);
        const Y = nb.fromArray(ys, [4 * B], { dtype: 'int32' });
        const losses: number[] = [];
        for (let s = 0; s < STEPS; s++) {
          const loss = nb.tidy(() => {
            const b = s % 4;
            const l = nb.nn.softmaxCrossEntropy(model.call(nb.slice(X, [b * B, 0], [B, 784])), nb.slice(Y, [b * B], [B]));
            opt.zeroGrad(params);
            l.backward();
            opt.step(params);
            return nb.keep(l.detach());
          });
          losses.push((await loss.data())[0]!);
          loss.dispose();
        }
        model.dispose();
        X.dispose();
        Y.dispose();
        return losses;
      };
      return { adapter, webgpu: await train('webgpu'), cpu: await train('cpu') };
    });
    if (r.error !== undefined) {
      const why = `no WebGPU in headless Chromium (${CHROMIUM_WEBGPU_ARGS.join(' ')}): ${r.error}`;
      if (CI) throw new Error(`${why} — under CI WebGPU must be available`);
      ctx.skip(why);
      return;
    }
    expect(errors).toEqual([]);
    const gpu = r.webgpu!;
    const cpu = r.cpu!;
    expect(gpu.length).toBe(cpu.length);
    for (let i = 0; i < cpu.length; i++) {
      expect(Math.abs(gpu[i]! - cpu[i]!), `step ${i}: webgpu ${gpu[i]} vs cpu ${cpu[i]} (adapter ${r.adapter})`).toBeLessThan(2e-3 * Math.max(1, Math.abs(cpu[i]!)));
    }
    // it learned: the last pass over the four batches is well below the first
    const first = cpu.slice(0, 4).reduce((a, b) => a + b);
    const last = cpu.slice(-4).reduce((a, b) => a + b);
    expect(last).toBeLessThan(first * 0.8);
  });
});
