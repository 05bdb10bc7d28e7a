/** The lecture companion's runner and pages, on small fake chapters (fast): failing claims fail, pages are escaped. */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as nb from '../../src/index.js';
import type { Chapter } from '../../src/lectures/types.js';
import { runChapter, failureMessage, checkChapter } from '../../src/lectures/runner.js';
import { buildCompanion, lecturesCommand, selectChapters } from '../../src/lectures/companion.js';
import { chapterFiles, CHAPTER_FILE, loadChapters, type ChapterEntry } from '../../src/lectures/chapters/index.js';
import { escapeHtml, formatNumber } from '../../src/lectures/html.js';

const dir = mkdtempSync(join(tmpdir(), 'nabla-lectures-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>';

function fake(over: Partial<Chapter> & Pick<Chapter, 'run'>): Chapter {
  return { id: 'fake', order: 1, title: 'A <fake> chapter', section: '§0', claim: 'Two & two make <four>.', ...over };
}
const entry = (c: Chapter): ChapterEntry => ({ chapter: c, stem: `0${c.order}-${c.id}`, file: join(dir, `0${c.order}-${c.id}.ts`) });

describe('runChapter', () => {
  it('collects figures, numbers and checks; seeds the generator', async () => {
    let drawn = 0;
    const r = await runChapter(fake({
      async run(ctx) {
        drawn = nb.randn([1]).item();
        ctx.figure('a-figure', 'a caption', SVG);
        ctx.number('two plus two', 2 + 2, 'apples');
        ctx.check(2 + 2 === 4, 'arithmetic works');
      },
    }), { seed: 5 });
    nb.seed(5);
    expect(drawn).toBe(nb.randn([1]).item());
    expect(r.passed).toBe(true);
    expect(r.figures.map((f) => [f.name, f.kind])).toEqual([['a-figure', 'svg']]);
    expect(r.numbers).toEqual([{ label: 'two plus two', value: 4, unit: 'apples' }]);
    expect(r.checks).toEqual([{ claim: 'arithmetic works', holds: true }]);
  });

  it('a false claim fails the chapter, naming the chapter and the claim; later checks still run', async () => {
    const r = await runChapter(fake({
      async run(ctx) {
        ctx.check(2 + 2 === 5, 'two and two make five', 'got 4');
        ctx.check(true, 'a later claim');
      },
    }));
    expect(r.passed).toBe(false);
    expect(r.checks.length).toBe(2);
    expect(failureMessage(r)).toBe("chapter 1 'fake' (A <fake> chapter) failed: claim not reproduced: 'two and two make five' (got 4)");
  });

  it('an exception, or no check at all, fails the chapter too', async () => {
    const thrown = await runChapter(fake({ async run() { throw new Error('boom'); } }));
    expect(thrown.passed).toBe(false);
    expect(failureMessage(thrown)).toContain('error: boom');
    const silent = await runChapter(fake({ async run() { /* checks nothing */ } }));
    expect(silent.passed).toBe(false);
    expect(silent.error).toBe('the chapter checked no claim');
  });

  it('refuses bad figures', async () => {
    const bad = async (name: string, content: string | Uint8Array): Promise<string | undefined> =>
      (await runChapter(fake({ async run(ctx) { ctx.figure(name, 'c', content); ctx.check(true, 'x'); } }))).error;
    expect(await bad('Bad Name', SVG)).toMatch(/figure name must match/);
    expect(await bad('plain', 'not svg')).toMatch(/not SVG text/);
    expect(await bad('bytes', new Uint8Array([1, 2, 3, 4]))).toMatch(/SVG text or PNG bytes/);
    expect(await bad('png', new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 0]))).toBeUndefined();
    const twice = await runChapter(fake({ async run(ctx) { ctx.figure('a', 'c', SVG); ctx.figure('a', 'c', SVG); } }));
    expect(twice.error).toBe("chapter 'fake': two figures named 'a'");
  });

  it('checks what a chapter module exports', () => {
    expect(() => checkChapter({ id: 'Bad id', order: 1, title: 't', section: 's', claim: 'c', run: () => undefined }, 'x')).toThrow(/id must match/);
    expect(() => checkChapter({ id: 'ok', order: 0, title: 't', section: 's', claim: 'c', run: () => undefined }, 'x')).toThrow(/order must be a positive integer/);
    expect(() => checkChapter(undefined, 'src/lectures/chapters/09-x')).toThrow('lectures: src/lectures/chapters/09-x must default-export a Chapter (got no object)');
  });
});

describe('the companion', () => {
  const good = fake({
    id: 'good', order: 1, async run(ctx) {
      ctx.figure('picture', 'A <picture> & more', SVG);
      ctx.number('π', Math.PI);
      ctx.check(true, 'it <holds>');
    },
  });
  const bad = fake({ id: 'bad', order: 2, title: 'Bad', async run(ctx) { ctx.check(false, 'the moon is made of cheese'); } });
  const later = fake({ id: 'later', order: 3, title: 'Not built', async run(ctx) { ctx.check(true, 'fine'); } });
  const entries = [entry(good), entry(bad), entry(later)];

  it('writes an escaped page per chapter, its figures and results, and an index; a failing chapter is reported', async () => {
    const out = join(dir, 'site');
    const r = await buildCompanion({ out, entries, chapters: ['good', '2'], seed: 3 });
    expect(r.results.map((x) => x.id)).toEqual(['good', 'bad']);
    expect(r.failed.map((x) => x.id)).toEqual(['bad']);
    expect(readdirSync(out).sort()).toEqual(['bad', 'bad.html', 'good', 'good.html', 'index.html']);
    const page = readFileSync(join(out, 'good.html'), 'utf8');
    expect(page).toContain('<title>1. A &lt;fake&gt; chapter — nabla lecture companion</title>');
    expect(page).toContain('Two &amp; two make &lt;four&gt;.');
    expect(page).toContain('<img src="good/picture.svg" alt="A &lt;picture&gt; &amp; more"');
    expect(page).toContain('✓ holds</span>it &lt;holds&gt;');
    expect(page).toContain('<td class="value">3.14159</td>');
    expect(page).toContain('npx nabla lectures good --seed 3 --out lectures-out');
    expect(page).not.toMatch(/<script/);
    // the source of a chapter whose module file is missing: said so
    expect(page).toContain('is not part of this installation');
    expect(readFileSync(join(out, 'good', 'picture.svg'), 'utf8')).toBe(SVG);
    const result = JSON.parse(readFileSync(join(out, 'good', 'result.json'), 'utf8')) as { passed: boolean; figures: { file: string }[] };
    expect(result.passed).toBe(true);
    expect(result.figures[0]!.file).toBe('good/picture.svg');
    expect(readFileSync(join(out, 'bad.html'), 'utf8')).toContain('<li class="fail"><span class="mark">✗ fails</span>the moon is made of cheese');
    const index = readFileSync(join(out, 'index.html'), 'utf8');
    expect(index).toContain('<a href="good.html">A &lt;fake&gt; chapter</a>');
    expect(index).toContain('✗ 1 of 1 checks fail');
    expect(index).toContain('not built: <code>npx nabla lectures later</code>');
    // no temp files left behind by the atomic writes
    expect(readdirSync(join(out, 'good')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    // rebuilding one chapter keeps the others' results in the index
    await buildCompanion({ out, entries, chapters: ['later'] });
    const again = readFileSync(join(out, 'index.html'), 'utf8');
    expect(again).toContain('<a href="good.html">');
    expect(again).toContain('<a href="later.html">');
  });

  it('the same seed writes the same page', async () => {
    const noisy = fake({ id: 'noisy', async run(ctx) { ctx.number('draw', nb.randn([1]).item()); ctx.check(true, 'ok'); } });
    const a = join(dir, 'a');
    const b = join(dir, 'b');
    await buildCompanion({ out: a, entries: [entry(noisy)], seed: 9 });
    await buildCompanion({ out: b, entries: [entry(noisy)], seed: 9 });
    expect(readFileSync(join(a, 'noisy.html'), 'utf8')).toBe(readFileSync(join(b, 'noisy.html'), 'utf8'));
  });

  it('nabla lectures fails (throws) naming the chapter and the claim that did not hold', async () => {
    const out = join(dir, 'cmd');
    await expect(lecturesCommand({ out, entries, quiet: true })).rejects.toThrow("chapter 2 'bad' (Bad) failed: claim not reproduced: 'the moon is made of cheese'");
    expect(existsSync(join(out, 'bad.html'))).toBe(true);
    await expect(lecturesCommand({ out, entries, chapters: ['good'], quiet: true })).resolves.toMatchObject({ failed: [] });
  });

  it('chooses chapters by id, file name or number; refuses unknown ones', () => {
    expect(selectChapters(entries, ['3', 'good']).map((e) => e.chapter.id)).toEqual(['good', 'later']);
    expect(selectChapters(entries, ['02-bad']).map((e) => e.chapter.id)).toEqual(['bad']);
    expect(() => selectChapters(entries, ['nope'])).toThrow("lectures: unknown chapter 'nope'; known: 1 good, 2 bad, 3 later");
  });

  it('helpers: escaping and numbers', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    expect(formatNumber(0.298371108760002)).toBe('0.298371');
    expect(formatNumber(1e-12)).toBe('1.0000e-12');
    expect(formatNumber(42)).toBe('42');
    expect(formatNumber('text')).toBe('text');
  });
});

describe('the chapters folder', () => {
  it('lists NN-<id> modules, each a valid Chapter with a unique id and order', async () => {
    const files = chapterFiles();
    expect(files.length).toBeGreaterThanOrEqual(4);
    expect(files.every((f) => CHAPTER_FILE.test(f.split('/').pop()!))).toBe(true);
    const all = await loadChapters();
    expect(all.map((e) => e.chapter.order)).toEqual([...all.map((e) => e.chapter.order)].sort((a, b) => a - b));
    expect(all.slice(0, 4).map((e) => e.chapter.id)).toEqual(['perceptrons', 'backpropagation', 'activations', 'regularization']);
    for (const e of all) expect(e.stem.slice(3)).toBe(e.chapter.id);
  });
});
