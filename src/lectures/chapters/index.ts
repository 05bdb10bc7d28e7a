/**
 * The companion's chapters: every module `NN-<id>.ts` in this folder (`NN-<id>.js` once built)
 * default-exports a `Chapter`. Adding a chapter is adding such a file; this list is read from
 * the folder so that chapters written side by side need no shared registry.
 */
import { readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { checkChapter } from '../runner.js';
import type { Chapter } from '../types.js';

/** A chapter and where it lives. */
export interface ChapterEntry {
  chapter: Chapter;
  /** The module's file name without extension, e.g. `01-perceptrons`. */
  stem: string;
  /** The module file that was loaded (a .ts source or a built .js file). */
  file: string;
}

/** A chapter module's file name: two digits, a dash, the id, .ts or .js (not .d.ts). */
export const CHAPTER_FILE = /^(\d\d)-([a-z0-9-]+)\.(ts|js)$/;

/** The folder the chapter modules are in. */
export function chaptersDir(): string {
  return dirname(fileURLToPath(import.meta.url));
}

/** The chapter module files in `dir` (default: this folder), in file-name order. */
export function chapterFiles(dir = chaptersDir()): string[] {
  const own = basename(fileURLToPath(import.meta.url));
  return readdirSync(dir)
    .filter((f) => CHAPTER_FILE.test(f) && f !== own)
    .sort()
    .map((f) => join(dir, f));
}

/**
 * Loads every chapter (default: of this folder), sorted by `order`. Throws when a module does not
 * default-export a Chapter, or two chapters share an id or an order.
 */
export async function loadChapters(dir = chaptersDir()): Promise<ChapterEntry[]> {
  const entries: ChapterEntry[] = [];
  for (const file of chapterFiles(dir)) {
    const mod = (await import(pathToFileURL(file).href)) as { default?: unknown };
    const stem = basename(file).replace(/\.(ts|js)$/, '');
    entries.push({ chapter: checkChapter(mod.default, `src/lectures/chapters/${stem}`), stem, file });
  }
  entries.sort((a, b) => a.chapter.order - b.chapter.order);
  for (let i = 1; i < entries.length; i++) {
    const [a, b] = [entries[i - 1]!, entries[i]!];
    if (a.chapter.order === b.chapter.order) throw new Error(`lectures: chapters ${a.stem} and ${b.stem} have the same order ${a.chapter.order}`);
  }
  const ids = new Map<string, string>();
  for (const e of entries) {
    const other = ids.get(e.chapter.id);
    if (other) throw new Error(`lectures: chapters ${other} and ${e.stem} have the same id '${e.chapter.id}'`);
    ids.set(e.chapter.id, e.stem);
  }
  return entries;
}
