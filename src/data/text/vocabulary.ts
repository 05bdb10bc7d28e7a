/**
 * Tokenizers and vocabularies for text: characters or words to integer ids and back.
 *
 * - `chars(text)`: one token per Unicode code point.
 * - `words(text)`: the word rule — lowercase (by default), then a word is a maximal run of
 *   letters (Unicode letters and combining marks) and apostrophes, with apostrophes at either
 *   end trimmed; everything else (spaces, digits, punctuation, symbols) separates words. The
 *   typographic apostrophe ’ counts as '.
 * - `vocabulary(texts, options)`: ids by frequency, with four special tokens at fixed indices:
 *   `<pad>` = 0, `<unk>` = 1, `<bos>` = 2, `<eos>` = 3; the tokens of the texts follow from 4.
 *
 * Pure TypeScript, browser-safe.
 */
import { Tensor } from '../../tensor/tensor.js';
import { checkArray, checkBoolean, checkInt, checkOneOf, checkOptions, checkString, describe, fail, optBoolean, optInt } from '../../validate.js';

/** Index of the padding token (always 0). */
export const PAD = 0;
/** Index of the unknown-token token (always 1; only produced when the vocabulary has `unk`). */
export const UNK = 1;
/** Index of the beginning-of-sequence token (always 2). */
export const BOS = 2;
/** Index of the end-of-sequence token (always 3). */
export const EOS = 3;
/** The special tokens, at their indices 0..3. */
export const SPECIAL_TOKENS: readonly ['<pad>', '<unk>', '<bos>', '<eos>'] = Object.freeze(['<pad>', '<unk>', '<bos>', '<eos>'] as const);

export type TokenLevel = 'char' | 'word';

const WORD = /[\p{L}\p{M}']+/gu;
const EDGE_APOSTROPHES = /^'+|'+$/g;

/** A text's characters (Unicode code points), lowercased when `lowercase` (default false). */
export function chars(text: string, opts: { lowercase?: boolean } = {}): string[] {
  const op = 'nb.data.text.chars';
  checkString(op, 'text', text);
  const o = checkOptions(op, opts, ['lowercase']);
  const lower = optBoolean(op, 'lowercase', o.lowercase, false);
  return Array.from(lower ? text.toLowerCase() : text);
}

/**
 * A text's words: lowercased (unless `lowercase: false`), split into maximal runs of letters and
 * apostrophes (’ read as '), apostrophes trimmed from both ends of each run, empty runs dropped.
 * `"Don't stop—it's 3 o'clock, 'Mr. O'Brien'"` → `don't stop it's o'clock mr o'brien`.
 */
export function words(text: string, opts: { lowercase?: boolean } = {}): string[] {
  const op = 'nb.data.text.words';
  checkString(op, 'text', text);
  const o = checkOptions(op, opts, ['lowercase']);
  const lower = optBoolean(op, 'lowercase', o.lowercase, true);
  return wordsOf(text, lower);
}

function wordsOf(text: string, lower: boolean): string[] {
  const s = (lower ? text.toLowerCase() : text).replace(/\u2019/g, "'");
  const out: string[] = [];
  for (const m of s.matchAll(WORD)) {
    const w = m[0].replace(EDGE_APOSTROPHES, '');
    if (w) out.push(w);
  }
  return out;
}

function tokensOf(text: string, level: TokenLevel, lower: boolean): string[] {
  return level === 'char' ? Array.from(lower ? text.toLowerCase() : text) : wordsOf(text, lower);
}

export interface VocabularyOptions {
  /** 'char' (one token per code point) or 'word' (the `words` rule). */
  level: TokenLevel;
  /** Drop tokens seen fewer than `minFreq` times (default 1: keep all). */
  minFreq?: number;
  /** The largest size, the four special tokens included (default: no limit); the most frequent tokens are kept. */
  maxSize?: number;
  /** Lowercase before tokenizing (default true for words, false for characters). */
  lowercase?: boolean;
  /** Encode a token outside the vocabulary as `<unk>` (default true); false: `encode` throws instead. */
  unk?: boolean;
}

export interface EncodeOptions {
  /** Start with `<bos>` (default false). */
  bos?: boolean;
  /** End with `<eos>` (default false). */
  eos?: boolean;
}

export interface DecodeOptions {
  /** Show `<pad>`, `<bos>` and `<eos>` (default false: they are left out; `<unk>` is always shown). */
  specials?: boolean;
}

/** A vocabulary as JSON (`vocab.toJSON()`), to save beside a model and restore with `Vocabulary.fromJSON`. */
export interface VocabularyJSON {
  format: 'nabla.vocabulary';
  version: 1;
  level: TokenLevel;
  lowercase: boolean;
  unk: boolean;
  /** Every token by index, the four special tokens first. */
  tokens: string[];
}

/** The most tokens a vocabulary may hold (ids are int32). */
const MAX_TOKENS = 2 ** 31 - 1;

/**
 * Tokens ↔ integer ids. Indices 0..3 are always `<pad>`, `<unk>`, `<bos>`, `<eos>` (also on the
 * instance as `pad`, `unk`, `bos`, `eos`); the tokens of the texts follow from 4, most frequent
 * first (ties in code-unit order of the token), so the same texts give the same ids everywhere.
 */
export class Vocabulary {
  readonly pad = PAD;
  readonly unk = UNK;
  readonly bos = BOS;
  readonly eos = EOS;
  readonly level: TokenLevel;
  readonly lowercase: boolean;
  /** Whether tokens outside the vocabulary encode as `<unk>` (else `encode` throws). */
  readonly hasUnk: boolean;
  /** Every token by index (the special tokens first). */
  readonly tokens: readonly string[];
  private readonly ids: Map<string, number>;
  private chars: { bmp: Int32Array; astral: Map<number, number> } | null = null;

  /** Use `nb.data.text.vocabulary(texts, options)` or `Vocabulary.fromJSON(json)`. */
  constructor(level: TokenLevel, tokens: readonly string[], opts: { lowercase?: boolean; unk?: boolean } = {}) {
    const op = 'Vocabulary';
    checkOneOf(op, 'level', level, ['char', 'word']);
    checkArray(op, 'tokens', tokens);
    const o = checkOptions(op, opts, ['lowercase', 'unk']);
    this.level = level;
    this.lowercase = optBoolean(op, 'lowercase', o.lowercase, level === 'word');
    this.hasUnk = optBoolean(op, 'unk', o.unk, true);
    const all = [...SPECIAL_TOKENS, ...tokens];
    if (all.length > MAX_TOKENS) throw new Error(`${op}: ${all.length} tokens are more than int32 ids can number`);
    this.ids = new Map();
    all.forEach((t, i) => {
      if (typeof t !== 'string' || t === '') fail(op, `tokens[${i - 4}]`, 'a non-empty string', t);
      if (this.ids.has(t)) throw new Error(`${op}: token ${JSON.stringify(t)} appears twice (indices ${this.ids.get(t)} and ${i})`);
      if (level === 'char' && i >= 4 && Array.from(t).length !== 1) fail(op, `tokens[${i - 4}]`, 'one character for a character vocabulary', t);
      this.ids.set(t, i);
    });
    this.tokens = Object.freeze(all);
  }

  /** The number of ids (special tokens included): the size of an embedding or output layer. */
  get size(): number {
    return this.tokens.length;
  }

  /** `text` split by this vocabulary's rule (characters or words, lowercased if it lowercases). */
  tokenize(text: string): string[] {
    checkString('Vocabulary.tokenize', 'text', text);
    return tokensOf(text, this.level, this.lowercase);
  }

  /** Character ids by code point (built on first use): a table for the BMP, a map above it. */
  private charTable(): { bmp: Int32Array; astral: Map<number, number> } {
    if (!this.chars) {
      const bmp = new Int32Array(0x10000).fill(-1);
      const astral = new Map<number, number>();
      for (let i = SPECIAL_TOKENS.length; i < this.tokens.length; i++) {
        const cp = this.tokens[i]!.codePointAt(0)!;
        if (cp <= 0xffff) bmp[cp] = i;
        else astral.set(cp, i);
      }
      this.chars = { bmp, astral };
    }
    return this.chars;
  }

  /** The id of `token` (as it is: not lowercased), or -1 when it is not in the vocabulary. */
  indexOf(token: string): number {
    checkString('Vocabulary.indexOf', 'token', token);
    return this.ids.get(token) ?? -1;
  }

  /** Whether `token` (as it is) has an id. */
  has(token: string): boolean {
    checkString('Vocabulary.has', 'token', token);
    return this.ids.has(token);
  }

  /** The ids of `text` (tokenized by `tokenize`), optionally between `<bos>` and `<eos>`. */
  encode(text: string, opts: EncodeOptions = {}): Int32Array {
    const op = 'Vocabulary.encode';
    checkString(op, 'text', text);
    if (this.level === 'word') return idsOf(this, op, wordsOf(text, this.lowercase), opts);
    // characters: straight from the string, without an array of one-character strings
    const o = encodeOptions(op, opts);
    const s = this.lowercase ? text.toLowerCase() : text; // may be longer than text ('İ' → 'i̇')
    const out = new Int32Array(s.length + 2);
    let k = 0;
    if (o.bos) out[k++] = BOS;
    const { bmp, astral } = this.charTable();
    for (let i = 0, n = 0; i < s.length; n++) {
      const cp = s.codePointAt(i)!;
      i += cp > 0xffff ? 2 : 1;
      const id = cp <= 0xffff ? bmp[cp]! : astral.get(cp) ?? -1;
      if (id >= 0) out[k++] = id;
      else if (this.hasUnk) out[k++] = UNK;
      else unknownToken(op, String.fromCodePoint(cp), n);
    }
    if (o.eos) out[k++] = EOS;
    return out.slice(0, k);
  }

  /** The ids of already split tokens (taken as they are: not lowercased). */
  encodeTokens(tokens: readonly string[], opts: EncodeOptions = {}): Int32Array {
    checkArray('Vocabulary.encodeTokens', 'tokens', tokens);
    return idsOf(this, 'Vocabulary.encodeTokens', tokens, opts);
  }

  /** The tokens of `ids` (an array, typed array or 1-D int32 tensor). */
  decodeTokens(ids: ArrayLike<number> | Tensor, opts: DecodeOptions = {}): string[] {
    return tokensOfIds(this, 'Vocabulary.decodeTokens', ids, opts);
  }

  /** The text of `ids`: tokens joined with '' (characters) or ' ' (words). */
  decode(ids: ArrayLike<number> | Tensor, opts: DecodeOptions = {}): string {
    return tokensOfIds(this, 'Vocabulary.decode', ids, opts).join(this.level === 'char' ? '' : ' ');
  }

  toJSON(): VocabularyJSON {
    return { format: 'nabla.vocabulary', version: 1, level: this.level, lowercase: this.lowercase, unk: this.hasUnk, tokens: [...this.tokens] };
  }

  /** A vocabulary from `toJSON()`'s object (or that object parsed back from JSON text). */
  static fromJSON(json: VocabularyJSON): Vocabulary {
    const op = 'Vocabulary.fromJSON';
    const o = checkOptions(op, json, ['format', 'version', 'level', 'lowercase', 'unk', 'tokens'], 'json');
    if (o.format !== 'nabla.vocabulary') fail(op, 'json.format', "'nabla.vocabulary'", o.format);
    if (o.version !== 1) fail(op, 'json.version', '1', o.version);
    const level = checkOneOf(op, 'json.level', o.level, ['char', 'word']);
    const lowercase = checkBoolean(op, 'json.lowercase', o.lowercase);
    const unk = checkBoolean(op, 'json.unk', o.unk);
    const tokens = checkArray(op, 'json.tokens', o.tokens);
    SPECIAL_TOKENS.forEach((s, i) => {
      if (tokens[i] !== s) fail(op, `json.tokens[${i}]`, `'${s}'`, tokens[i]);
    });
    try {
      return new Vocabulary(level, tokens.slice(4) as string[], { lowercase, unk });
    } catch (e) {
      throw new Error(`${op}: ${(e as Error).message}`);
    }
  }
}

function encodeOptions(op: string, opts: EncodeOptions): { bos: boolean; eos: boolean } {
  const o = checkOptions(op, opts, ['bos', 'eos']);
  return { bos: optBoolean(op, 'options.bos', o.bos, false), eos: optBoolean(op, 'options.eos', o.eos, false) };
}

function unknownToken(op: string, t: string, i: number): never {
  throw new Error(`${op}: token ${describe(t).replace(/^string /, '')} (token ${i}) is not in the vocabulary, which has no <unk> (built with unk: false)`);
}

/** The ids of `tokens` for `v` (`<unk>` for unknown tokens, or an error without unk). */
function idsOf(v: Vocabulary, op: string, tokens: readonly unknown[], opts: EncodeOptions): Int32Array {
  const { bos, eos } = encodeOptions(op, opts);
  const out = new Int32Array(tokens.length + (bos ? 1 : 0) + (eos ? 1 : 0));
  let k = 0;
  if (bos) out[k++] = BOS;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (typeof t !== 'string') fail(op, `tokens[${i}]`, 'a string', t);
    const id = v.indexOf(t);
    if (id >= 0) out[k++] = id;
    else if (v.hasUnk) out[k++] = UNK;
    else unknownToken(op, t, i);
  }
  if (eos) out[k++] = EOS;
  return out;
}

/** The tokens of `ids` for `v`. */
function tokensOfIds(v: Vocabulary, op: string, ids: ArrayLike<number> | Tensor, opts: DecodeOptions): string[] {
  const o = checkOptions(op, opts, ['specials']);
  const specials = optBoolean(op, 'options.specials', o.specials, false);
  const values = idValues(op, 'ids', ids);
  const out: string[] = [];
  for (let i = 0; i < values.length; i++) {
    const id = values[i];
    if (!Number.isInteger(id) || (id as number) < 0 || (id as number) >= v.tokens.length) fail(op, `ids[${i}]`, `an integer id ≥ 0 and ≤ ${v.tokens.length - 1}`, id);
    if (!specials && (id === PAD || id === BOS || id === EOS)) continue;
    out.push(v.tokens[id as number]!);
  }
  return out;
}

/** The values of an id sequence given as an array, a typed array or a 1-D int32 tensor. */
export function idValues(op: string, arg: string, ids: unknown): ArrayLike<number> {
  if (ids instanceof Tensor) {
    if (ids.isDisposed) fail(op, arg, 'a live tensor', ids);
    if (ids.dtype !== 'int32' || ids.rank !== 1) fail(op, arg, 'a 1-D int32 tensor', ids);
    if (!ids.backend.downloadSync) throw new Error(`${op}: ${arg} on backend '${ids.backend.name}' cannot be read synchronously; pass Array.from(await ${arg}.data())`);
    return ids.dataSync() as Int32Array;
  }
  if (Array.isArray(ids) || (ArrayBuffer.isView(ids) && !(ids instanceof DataView))) return ids as ArrayLike<number>;
  return fail(op, arg, 'an array of ids, a typed array or a 1-D int32 tensor', ids);
}

/**
 * A vocabulary of the tokens of `texts` (one string or an array of strings): the four special
 * tokens at 0..3, then every token seen at least `minFreq` times, most frequent first, cut to
 * `maxSize` ids in all.
 */
export function vocabulary(texts: string | readonly string[], opts: VocabularyOptions): Vocabulary {
  const op = 'nb.data.text.vocabulary';
  const list = typeof texts === 'string' ? [texts] : checkArray(op, 'texts', texts);
  if (opts === undefined) throw new Error(`${op}: options must be given with a level ('char' or 'word'), got undefined`);
  const o = checkOptions(op, opts, ['level', 'minFreq', 'maxSize', 'lowercase', 'unk']);
  const level = checkOneOf(op, 'options.level', o.level, ['char', 'word']);
  const minFreq = optInt(op, 'options.minFreq', o.minFreq, 1, { min: 1 });
  const maxSize = o.maxSize === undefined ? Infinity : checkInt(op, 'options.maxSize', o.maxSize, { min: SPECIAL_TOKENS.length + 1 });
  const lowercase = optBoolean(op, 'options.lowercase', o.lowercase, level === 'word');
  const unk = optBoolean(op, 'options.unk', o.unk, true);
  const counts = new Map<string, number>();
  // characters are counted by code point (a table for the BMP, a map above it), words in `counts`
  const bmpCounts = new Float64Array(level === 'char' ? 0x10000 : 0);
  const astralCounts = new Map<number, number>();
  for (let i = 0; i < list.length; i++) {
    const t = list[i];
    if (typeof t !== 'string') fail(op, `texts[${i}]`, 'a string', t);
    if (level === 'char') {
      const s = lowercase ? t.toLowerCase() : t;
      for (let j = 0; j < s.length;) {
        const cp = s.codePointAt(j)!;
        j += cp > 0xffff ? 2 : 1;
        if (cp <= 0xffff) bmpCounts[cp]!++;
        else astralCounts.set(cp, (astralCounts.get(cp) ?? 0) + 1);
      }
    } else {
      for (const w of wordsOf(t, lowercase)) counts.set(w, (counts.get(w) ?? 0) + 1);
    }
  }
  for (let cp = 0; cp < bmpCounts.length; cp++) if (bmpCounts[cp]! > 0) counts.set(String.fromCharCode(cp), bmpCounts[cp]!);
  for (const [cp, c] of astralCounts) counts.set(String.fromCodePoint(cp), c);
  for (const s of SPECIAL_TOKENS) counts.delete(s);
  const kept = [...counts].filter(([, c]) => c >= minFreq);
  kept.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const room = Math.min(kept.length, maxSize - SPECIAL_TOKENS.length);
  return new Vocabulary(level, kept.slice(0, room).map(([t]) => t), { lowercase, unk });
}
