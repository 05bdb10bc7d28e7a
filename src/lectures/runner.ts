/**
 * Runs lecture chapters: gives each a ChapterContext, collects its figures, numbers and checks,
 * and reports which claims failed. Rendering the pages is src/lectures/html.ts's job.
 */
import type { Chapter, ChapterContext } from './types.js';
import { seed as seedGlobal } from '../tensor/random.js';

/** A figure a chapter made: SVG text or PNG bytes. */
export interface FigureResult {
  name: string;
  caption: string;
  kind: 'svg' | 'png';
  content: string | Uint8Array;
}

export interface NumberResult {
  label: string;
  value: number | string;
  unit?: string;
}

export interface CheckResult {
  claim: string;
  holds: boolean;
  detail?: string;
}

/** What running one chapter produced. */
export interface ChapterResult {
  id: string;
  order: number;
  title: string;
  section: string;
  claim: string;
  short: boolean;
  seed: number;
  figures: FigureResult[];
  numbers: NumberResult[];
  checks: CheckResult[];
  /** Seconds the chapter ran. */
  seconds: number;
  /** The exception the chapter threw (its message), if any. */
  error?: string;
  /** True when every check held, at least one was made, and nothing was thrown. */
  passed: boolean;
}

export interface RunChapterOptions {
  short?: boolean;
  seed?: number;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
}

const NAME = /^[a-z0-9-]+$/;
const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47];

/** Checks the fields of a chapter module's default export; throws naming `where`. */
export function checkChapter(c: unknown, where: string): Chapter {
  const bad = (what: string): never => {
    throw new Error(`lectures: ${where} must default-export a Chapter (${what})`);
  };
  if (c === null || typeof c !== 'object') bad('got no object');
  const ch = c as Record<string, unknown>;
  if (typeof ch.id !== 'string' || !NAME.test(ch.id)) bad(`id must match [a-z0-9-]+, got ${JSON.stringify(ch.id)}`);
  if (typeof ch.order !== 'number' || !Number.isInteger(ch.order) || ch.order < 1) bad(`order must be a positive integer, got ${JSON.stringify(ch.order)}`);
  for (const k of ['title', 'section', 'claim'] as const) if (typeof ch[k] !== 'string' || ch[k] === '') bad(`${k} must be a non-empty string`);
  if (typeof ch.run !== 'function') bad('run must be a function');
  return c as Chapter;
}

/**
 * Runs one chapter with a fresh context: the global generator is seeded with `seed` first. A
 * failed check does not stop the chapter (the page shows every check); the result says whether
 * it passed. Misuse of the context (a bad figure name, a duplicate) throws, failing the chapter.
 */
export async function runChapter(chapter: Chapter, opts: RunChapterOptions = {}): Promise<ChapterResult> {
  checkChapter(chapter, 'runChapter: chapter');
  const short = opts.short ?? false;
  const seed = opts.seed ?? 0;
  const log = opts.log ?? (() => undefined);
  const figures: FigureResult[] = [];
  const numbers: NumberResult[] = [];
  const checks: CheckResult[] = [];
  const where = `chapter '${chapter.id}'`;
  const ctx: ChapterContext = {
    short,
    seed,
    figure(name, caption, content) {
      if (typeof name !== 'string' || !NAME.test(name)) throw new Error(`${where}: figure name must match [a-z0-9-]+, got ${JSON.stringify(name)}`);
      if (figures.some((f) => f.name === name)) throw new Error(`${where}: two figures named '${name}'`);
      if (typeof caption !== 'string') throw new Error(`${where}: figure '${name}' needs a caption string`);
      let kind: 'svg' | 'png';
      if (typeof content === 'string') {
        if (!/^\s*(<\?xml[^>]*>\s*)?<svg[\s>]/.test(content)) throw new Error(`${where}: figure '${name}' is a string but not SVG text`);
        kind = 'svg';
      } else if (content instanceof Uint8Array && PNG_MAGIC.every((b, i) => content[i] === b)) {
        kind = 'png';
      } else {
        throw new Error(`${where}: figure '${name}' must be SVG text or PNG bytes`);
      }
      figures.push({ name, caption, kind, content });
    },
    number(label, value, unit) {
      if (typeof label !== 'string' || label === '') throw new Error(`${where}: a number needs a label`);
      if (typeof value !== 'number' && typeof value !== 'string') throw new Error(`${where}: number '${label}' must be a number or a string`);
      numbers.push(unit === undefined ? { label, value } : { label, value, unit: String(unit) });
    },
    check(holds, claim, detail) {
      if (typeof claim !== 'string' || claim === '') throw new Error(`${where}: a check needs a claim`);
      const ok = holds === true;
      checks.push(detail === undefined ? { claim, holds: ok } : { claim, holds: ok, detail: String(detail) });
      log(`  ${ok ? 'ok  ' : 'FAIL'} ${claim}${detail === undefined ? '' : ` (${detail})`}`);
    },
    log(message) {
      log(`  ${message}`);
    },
  };
  seedGlobal(seed);
  const t0 = performance.now();
  let error: string | undefined;
  try {
    await chapter.run(ctx);
  } catch (e) {
    error = e instanceof Error ? e.message : String(e);
    log(`  ERROR ${error}`);
  }
  const seconds = (performance.now() - t0) / 1000;
  if (error === undefined && checks.length === 0) error = 'the chapter checked no claim';
  const passed = error === undefined && checks.every((c) => c.holds);
  const r: ChapterResult = {
    id: chapter.id, order: chapter.order, title: chapter.title, section: chapter.section, claim: chapter.claim,
    short, seed, figures, numbers, checks, seconds, passed,
  };
  if (error !== undefined) r.error = error;
  return r;
}

/** Why a chapter failed, in one line: its id, title and the claims that did not hold (or its error). */
export function failureMessage(r: ChapterResult): string {
  const failed = r.checks.filter((c) => !c.holds).map((c) => `'${c.claim}'${c.detail ? ` (${c.detail})` : ''}`);
  const parts: string[] = [];
  if (failed.length) parts.push(`claim${failed.length > 1 ? 's' : ''} not reproduced: ${failed.join('; ')}`);
  if (r.error !== undefined) parts.push(`error: ${r.error}`);
  return `chapter ${r.order} '${r.id}' (${r.title}) failed: ${parts.join('; ')}`;
}
