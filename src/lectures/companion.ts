/**
 * Builds the lecture companion: runs chapters and writes a static site into a folder —
 * `index.html`, `<id>.html` per chapter, `<id>/<figure>.svg|png` and `<id>/result.json` (the
 * chapter's numbers and checks, read back when the index is rebuilt after a partial run).
 * Every file is written atomically. `nabla lectures` is this with a terminal report.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { writeFileAtomic } from '../io/file.js';
import { chaptersDir, loadChapters, type ChapterEntry } from './chapters/index.js';
import { chapterPage, figurePath, indexPage, type IndexEntry } from './html.js';
import { failureMessage, runChapter, type ChapterResult } from './runner.js';

export interface BuildCompanionOptions {
  /** Chapters to run, by id, file stem (`01-perceptrons`) or number (`1`); default: all. */
  chapters?: readonly string[];
  /** The folder the site is written to (created when missing). */
  out: string;
  short?: boolean;
  /** The seed of every chapter (default 0). */
  seed?: number;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
  /** The chapters to choose from (default: those of src/lectures/chapters). */
  entries?: readonly ChapterEntry[];
}

export interface BuildCompanionResult {
  /** The folder written, absolute. */
  out: string;
  results: ChapterResult[];
  /** The results whose claims did not all hold. */
  failed: ChapterResult[];
  /** The pages written (absolute paths), the index last. */
  pages: string[];
  seconds: number;
}

/** nabla's version, from its package.json (two folders up from src/lectures/ and dist/lectures/). */
export function nablaVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

/** The entries `names` pick (in the companion's order); throws on a name no chapter has. */
export function selectChapters(entries: readonly ChapterEntry[], names: readonly string[] | undefined): ChapterEntry[] {
  if (!names || names.length === 0) return [...entries];
  const picked = new Set<ChapterEntry>();
  for (const n of names) {
    const num = /^\d+$/.test(n) ? Number(n) : NaN;
    const e = entries.find((x) => x.chapter.id === n || x.stem === n || x.chapter.order === num);
    if (!e) throw new Error(`lectures: unknown chapter '${n}'; known: ${entries.map((x) => `${x.chapter.order} ${x.chapter.id}`).join(', ')}`);
    picked.add(e);
  }
  return entries.filter((e) => picked.has(e));
}

/** The chapter's source text: the .ts module itself, or the package's src/lectures/chapters/<stem>.ts; null when neither exists. */
function chapterSource(e: ChapterEntry): { text: string | null; path: string } {
  const path = `src/lectures/chapters/${e.stem}.ts`;
  // chaptersDir() is src/lectures/chapters or dist/lectures/chapters: the package root is three folders up.
  const candidates = [e.file.endsWith('.ts') ? e.file : null, resolve(chaptersDir(), '..', '..', '..', path)].filter((f): f is string => f !== null);
  for (const f of candidates) {
    try {
      if (existsSync(f)) return { text: readFileSync(f, 'utf8'), path };
    } catch {
      /* unreadable: try the next */
    }
  }
  return { text: null, path };
}

/** The command that reruns one chapter as it ran. */
export function rerunCommand(r: Pick<ChapterResult, 'id' | 'short' | 'seed'>): string {
  return `npx nabla lectures ${r.id}${r.short ? ' --short' : ''}${r.seed !== 0 ? ` --seed ${r.seed}` : ''} --out lectures-out`;
}

function readResult(out: string, id: string): IndexEntry['result'] {
  try {
    const r = JSON.parse(readFileSync(join(out, id, 'result.json'), 'utf8')) as Partial<ChapterResult>;
    if (!Array.isArray(r.checks) || typeof r.passed !== 'boolean') return null;
    return { passed: r.passed, checks: r.checks.length, failed: r.checks.filter((c) => !c.holds).length, short: r.short === true };
  } catch {
    return null;
  }
}

/**
 * Runs the chosen chapters (each seeded), writes their pages, figures and results, and rewrites
 * the index from every chapter's latest result in the folder. It never throws for a failed
 * claim: `failed` lists those chapters (their pages show the failing checks).
 */
export async function buildCompanion(opts: BuildCompanionOptions): Promise<BuildCompanionResult> {
  const t0 = performance.now();
  const log = opts.log ?? (() => undefined);
  const all = opts.entries ? [...opts.entries] : await loadChapters();
  const chosen = selectChapters(all, opts.chapters);
  const out = resolve(opts.out);
  await mkdir(out, { recursive: true });
  const version = nablaVersion();
  const results: ChapterResult[] = [];
  const pages: string[] = [];
  for (const e of chosen) {
    const c = e.chapter;
    log(`${c.order}. ${c.title} (${c.id})`);
    const r = await runChapter(c, { short: opts.short, seed: opts.seed, log });
    results.push(r);
    log(`   ${r.passed ? 'reproduced' : 'FAILED'} in ${r.seconds.toFixed(1)} s: ${r.checks.filter((k) => k.holds).length}/${r.checks.length} checks, ${r.figures.length} figures`);
    const dir = join(out, c.id);
    await mkdir(dir, { recursive: true });
    for (const f of r.figures) await writeFileAtomic(join(out, figurePath(c.id, f)), f.content);
    const json = { ...r, figures: r.figures.map((f) => ({ name: f.name, caption: f.caption, file: figurePath(c.id, f) })) };
    await writeFileAtomic(join(dir, 'result.json'), `${JSON.stringify(json, null, 2)}\n`);
    const i = all.indexOf(e);
    const link = (x: ChapterEntry | undefined): { id: string; title: string } | undefined => (x ? { id: x.chapter.id, title: x.chapter.title } : undefined);
    const src = chapterSource(e);
    const html = chapterPage(r, { source: src.text, sourcePath: src.path, command: rerunCommand(r), prev: link(all[i - 1]), next: link(all[i + 1]), version });
    const file = join(out, `${c.id}.html`);
    await writeFileAtomic(file, html);
    pages.push(file);
  }
  const index = all.map((e): IndexEntry => ({
    id: e.chapter.id, order: e.chapter.order, title: e.chapter.title, section: e.chapter.section, claim: e.chapter.claim,
    result: readResult(out, e.chapter.id),
  }));
  const indexFile = join(out, 'index.html');
  await writeFileAtomic(indexFile, indexPage(index, version));
  pages.push(indexFile);
  return { out, results, failed: results.filter((r) => !r.passed), pages, seconds: (performance.now() - t0) / 1000 };
}

/**
 * `nabla lectures`: builds the companion, prints a summary, and throws (naming each failed
 * chapter and claim) when a claim did not hold.
 */
export async function lecturesCommand(opts: BuildCompanionOptions & { quiet?: boolean }): Promise<BuildCompanionResult> {
  const write = (line: string): void => void process.stdout.write(`${line}\n`);
  const r = await buildCompanion({ ...opts, log: opts.quiet ? undefined : (opts.log ?? write) });
  const ok = r.results.length - r.failed.length;
  if (!opts.quiet) write(`\n${ok}/${r.results.length} chapters reproduced in ${r.seconds.toFixed(1)} s; open ${join(r.out, 'index.html')}`);
  if (r.failed.length) throw new Error(r.failed.map(failureMessage).join('\n'));
  return r;
}
