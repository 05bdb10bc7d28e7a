/**
 * `nabla lectures --short`: every chapter of the companion runs (its checks must hold) and its
 * pages are written; then Chromium opens each page and finds no console error and every figure
 * drawn. The browser part is skipped, with a message, where /usr/bin/chromium (or
 * $NABLA_CHROMIUM) is missing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { loadChapters } from '../../src/lectures/chapters/index.js';

const root = resolve(import.meta.dirname, '../..');
const out = mkdtempSync(join(tmpdir(), 'nabla-companion-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));
const CHROMIUM = process.env.NABLA_CHROMIUM ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn(`lecture companion browser test skipped: no Chromium at ${CHROMIUM} (Debian: apt-get install chromium; or set NABLA_CHROMIUM)`);

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function nabla(...args: string[]): Promise<Run> {
  return new Promise((done) => {
    execFile(process.execPath, ['--import', 'tsx', join(root, 'src/cli/main.ts'), ...args], { cwd: root, timeout: 900_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const code = err ? ((err as { code?: number }).code ?? 1) : 0;
      done({ code: typeof code === 'number' ? code : 1, stdout, stderr });
    });
  });
}

describe('nabla lectures --short', () => {
  let run: Run;
  let ids: string[];

  beforeAll(async () => {
    ids = (await loadChapters()).map((e) => e.chapter.id);
    run = await nabla('lectures', '--short', '--out', out);
  }, 900_000);

  it('runs every chapter and every claim holds', () => {
    if (run.code !== 0) console.error(run.stdout, run.stderr);
    expect(run.stderr).not.toMatch(/error/i);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`${ids.length}/${ids.length} chapters reproduced`);
    for (const id of ids) {
      const r = JSON.parse(readFileSync(join(out, id, 'result.json'), 'utf8')) as { passed: boolean; short: boolean; checks: unknown[]; figures: unknown[] };
      expect(r.passed, id).toBe(true);
      expect(r.short).toBe(true);
      expect(r.checks.length, id).toBeGreaterThan(0);
      expect(r.figures.length, id).toBeGreaterThan(0);
      const page = readFileSync(join(out, `${id}.html`), 'utf8');
      expect(page).toContain(`npx nabla lectures ${id} --short`);
      expect(page).toMatch(/<h2>The code<\/h2>\n<p><code>src\/lectures\/chapters\/\d\d-[a-z0-9-]+\.ts<\/code>, as it ran:<\/p>\n<pre><code>/); // its code is shown
    }
  });

  it('fails with a non-zero exit code on an unknown chapter', async () => {
    const r = await nabla('lectures', 'no-such-chapter', '--out', out);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^nabla: error: lectures: unknown chapter 'no-such-chapter'; known: 1 perceptrons, 2 backpropagation/);
  });

  describe.skipIf(!haveChromium)('in Chromium', () => {
    let browser: Browser;
    beforeAll(async () => {
      const { chromium } = await import('playwright-core');
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        headless: true,
        args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
      });
    });
    afterAll(async () => {
      await browser?.close();
    });

    it('every page loads without console errors and shows its figures', async () => {
      expect(run.code).toBe(0);
      const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
      page.on('requestfailed', (r) => errors.push(`failed to load ${r.url()}`));
      await page.goto(pathToFileURL(join(out, 'index.html')).href);
      const links = await page.$$eval('li.chapter h2 a', (as) => as.map((a) => (a as HTMLAnchorElement).getAttribute('href')));
      expect(links).toEqual(ids.map((id) => `${id}.html`));
      for (const id of ids) {
        await page.goto(pathToFileURL(join(out, `${id}.html`)).href);
        // load every lazy image, then ask whether each was decoded
        await page.$$eval('img', (imgs) => imgs.forEach((i) => { (i as HTMLImageElement).loading = 'eager'; }));
        await page.waitForFunction(() => [...document.images].every((i) => i.complete), undefined, { timeout: 30_000 });
        const figures = await page.$$eval('figure img', (imgs) => imgs.map((i) => ({ src: i.getAttribute('src'), w: (i as HTMLImageElement).naturalWidth, h: (i as HTMLImageElement).naturalHeight })));
        const expected = (JSON.parse(readFileSync(join(out, id, 'result.json'), 'utf8')) as { figures: { file: string }[] }).figures.map((f) => f.file);
        expect(figures.map((f) => f.src), id).toEqual(expected);
        for (const f of figures) expect(f.w > 0 && f.h > 0, `${id}: ${f.src} drawn`).toBe(true);
        expect(await page.$$eval('ul.checks li.fail', (l) => l.length)).toBe(0);
        expect(await page.textContent('h1')).toMatch(/^\d+\. /);
      }
      expect(errors).toEqual([]);
      await page.close();
    });
  });
});
