/**
 * CSV tables as tensors: `csv(pathOrText, options)` gives the feature columns as float32 `x`
 * `[N, F]`, an optional label column as `y` `[N]` (numbers, or strings mapped to class indices),
 * string-valued feature columns one-hot or ordinal encoded (`categorical`), and optionally
 * normalizes the features, returning the statistics and the categories so a test set can reuse
 * the training set's.
 *
 * The parsing itself (quoting, quoted commas and newlines, CRLF, a byte-order mark) is done by
 * `csv-parse`, an optional peer dependency: in Node it is found when `csv()` runs; in a browser
 * bundle the caller hands it over as `options.parse` (from `csv-parse/browser/esm/sync`). Reading
 * a file by path is Node-only and lazy (`node:fs` is looked up only then); CSV text and bytes work
 * everywhere.
 */
import { fromArray } from '../tensor/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import { nodeBuiltin } from '../io/node.js';
import { checkArrayOf, checkBoolean, checkFunction, checkOneOf, checkOptions, checkString, describe, fail } from '../validate.js';

const OP = 'nb.data.csv';
const FLOAT32_MAX = 3.4028234663852886e38;
const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;
/** A decimal number as it is written in a CSV file (no hex, no NaN/Infinity, no empty field). */
const NUMBER = /^\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*$/;

/** The options nabla passes to the parser (csv-parse's names). */
export interface CsvParseOptions {
  bom: boolean;
  delimiter: string;
  skip_empty_lines: boolean;
  relax_column_count: boolean;
  info: true;
}

/** csv-parse's synchronous `parse` (from `csv-parse/sync`, or `csv-parse/browser/esm/sync` in a browser). */
export type CsvParse = (input: string, options: CsvParseOptions) => unknown;

/** A column: its header name, or its 0-based index. */
export type CsvColumn = string | number;

/** Normalization statistics, one number per feature column. */
export type CsvStats = { mean: number[]; std: number[] } | { min: number[]; max: number[] };

export interface CsvOptions {
  /** The feature columns, by header name or 0-based index, in this order (default: every column but the label). */
  columns?: readonly CsvColumn[];
  /** The label column (default: none, `y` is absent). */
  label?: CsvColumn;
  /** The first row names the columns (default true); without it columns are named '0', '1', … */
  header?: boolean;
  /** The field separator (default ','). */
  delimiter?: string;
  /** Skip empty lines (default true). */
  skipEmpty?: boolean;
  /** The dtype of numeric labels (default 'float32'; class indices from `categories` are int32). */
  labelDType?: 'int32' | 'float32';
  /**
   * String labels as class indices: 'index' numbers the distinct labels in sorted order; an array
   * gives the classes in order (pass the training set's `classes` for the test set).
   */
  categories?: 'index' | readonly string[];
  /**
   * 'standard' (zero mean, unit population std per column), 'minmax' (the column's range to
   * [0, 1]), or the statistics of another set (`{ mean, std }` or `{ min, max }`) to apply. A
   * constant column (std or range 0) is shifted only.
   */
  normalize?: 'standard' | 'minmax' | CsvStats;
  /** The parser (csv-parse's sync `parse`); needed outside Node, found by itself in Node. */
  parse?: CsvParse;
  /**
   * String-valued feature columns and their encoding, by column name (the header's, or '0', '1', …
   * without one): 'onehot' gives one 0/1 column per category (named `column=category`), 'ordinal'
   * one column holding the category's index. Encoded columns are never normalized.
   */
  categorical?: Readonly<Record<string, 'onehot' | 'ordinal'>>;
  /**
   * The categories of categorical columns, in the order of their indices (default: the distinct
   * values of the column, sorted). Pass the training set's `vocabulary` to the test set.
   */
  vocabulary?: Readonly<Record<string, readonly string[]>>;
  /**
   * A category not in the vocabulary: 'error' (the default) refuses it naming the line; 'ignore'
   * encodes it as all zeros ('onehot') or -1 ('ordinal').
   */
  unknown?: 'error' | 'ignore';
}

export interface CsvData {
  /** The feature columns, float32 `[N, F]`. */
  x: Tensor;
  /** The label column, `[N]` (int32 class indices with `categories`), when `label` was given. */
  y?: Tensor;
  /** The names of the feature columns, in the order of `x`'s columns. */
  columns: string[];
  /** The class names, index i for class i, with `categories`. */
  classes?: string[];
  /** The normalization statistics used, with `normalize` (identity entries for encoded columns). */
  stats?: CsvStats;
  /** The categories of each categorical column, with `categorical` (reuse it for a test set). */
  vocabulary?: Record<string, string[]>;
}

const OPTIONS = ['columns', 'label', 'header', 'delimiter', 'skipEmpty', 'labelDType', 'categories', 'normalize', 'parse', 'categorical', 'vocabulary', 'unknown'];

function checkRecord(arg: string, v: unknown): Record<string, unknown> {
  if (!isStats(v) || (Object.getPrototypeOf(v) !== Object.prototype && Object.getPrototypeOf(v) !== null)) fail(OP, arg, 'an object keyed by column name', v);
  return v as Record<string, unknown>;
}

/**
 * csv-parse's sync `parse`, through `require` (Node's, resolved from nabla's own folder by
 * default); a clear error naming the package when it is not installed.
 */
export function loadCsvParse(req?: (id: string) => unknown): CsvParse {
  let mod: unknown;
  try {
    const r = req ?? nodeBuiltin('node:module', OP).createRequire(import.meta.url);
    mod = r('csv-parse/sync');
  } catch (e) {
    if ((e as Error).message.includes('needs Node.js')) {
      throw new Error(`${OP}: outside Node give the parser: import { parse } from 'csv-parse/browser/esm/sync', then nb.data.csv(text, { parse })`);
    }
    throw new Error(`${OP}: the 'csv-parse' package is not installed (npm install csv-parse); nabla reads CSV with it`);
  }
  const parse = (mod as { parse?: unknown } | null)?.parse;
  if (typeof parse !== 'function') throw new Error(`${OP}: the installed 'csv-parse' has no sync parse function (csv-parse 7 is needed)`);
  return parse as CsvParse;
}

interface Row {
  fields: string[];
  /** The line the record ends on (csv-parse's info.lines). */
  end: number;
}

/** The 1-based line a record starts on: its last line less the line breaks inside its quoted fields. */
function lineOf(r: Row): number {
  let breaks = 0;
  for (const f of r.fields) if (f.includes('\n') || f.includes('\r')) breaks += f.match(/\r\n|\r|\n/g)!.length;
  return r.end - breaks;
}

function toRows(out: unknown): Row[] {
  if (!Array.isArray(out)) throw new Error(`${OP}: options.parse returned ${describe(out)}, not an array of records`);
  return out.map((o: unknown) => {
    const rec = o as { record?: unknown; info?: { lines?: unknown } } | null;
    const fields = rec?.record;
    const end = rec?.info?.lines;
    if (!Array.isArray(fields) || typeof end !== 'number' || !fields.every((f) => typeof f === 'string')) {
      throw new Error(`${OP}: options.parse returned ${describe(o)}, not a record { record: string[], info: { lines } } (csv-parse with info: true)`);
    }
    return { fields: fields as string[], end };
  });
}

function isStats(v: unknown): boolean {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function checkStats(v: unknown, f: number): CsvStats {
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o).sort().join(',');
  if (keys !== 'mean,std' && keys !== 'max,min') fail(OP, 'options.normalize', "'standard', 'minmax', { mean, std } or { min, max }", v);
  const vec = (k: string, min?: number): number[] => {
    const a = o[k];
    if (!Array.isArray(a) || a.length !== f) fail(OP, `options.normalize.${k}`, `an array of one number per feature column (${f})`, a);
    return checkArrayOf(OP, `options.normalize.${k}`, a, (name, x) => {
      if (typeof x !== 'number' || !Number.isFinite(x) || (min !== undefined && x < min)) fail(OP, name, `a finite number${min !== undefined ? ` ≥ ${min}` : ''}`, x);
      return x;
    });
  };
  if (keys === 'mean,std') return { mean: vec('mean'), std: vec('std', 0) };
  const s = { min: vec('min'), max: vec('max') };
  s.min.forEach((m, j) => { if (s.max[j]! < m) throw new Error(`${OP}: options.normalize.max[${j}] (${s.max[j]}) is less than min[${j}] (${m})`); });
  return s;
}

/**
 * Reads a CSV table: `pathOrText` is a file path (Node only), CSV text (a string holding a line
 * break; end one-line text with '\n') or the bytes of a file (UTF-8). See `CsvOptions`.
 */
export async function csv(pathOrText: string | Uint8Array, options?: CsvOptions): Promise<CsvData> {
  const opts = checkOptions(OP, options, OPTIONS);
  const header = opts.header === undefined ? true : checkBoolean(OP, 'options.header', opts.header);
  const skipEmpty = opts.skipEmpty === undefined ? true : checkBoolean(OP, 'options.skipEmpty', opts.skipEmpty);
  const delimiter = opts.delimiter === undefined ? ',' : checkString(OP, 'options.delimiter', opts.delimiter);
  if (delimiter === '' || /["\r\n]/.test(delimiter)) fail(OP, 'options.delimiter', 'a non-empty string without quotes or line breaks', delimiter);
  const categories = opts.categories === undefined || opts.categories === 'index' ? opts.categories
    : checkArrayOf(OP, 'options.categories', opts.categories, (name, c) => checkString(OP, name, c));
  if (Array.isArray(categories)) {
    if (categories.length === 0) fail(OP, 'options.categories', "'index' or a non-empty array of class names", categories);
    categories.forEach((c, i) => { if (categories.indexOf(c) !== i) throw new Error(`${OP}: options.categories: class "${c}" is listed twice`); });
  }
  let labelDType: 'int32' | 'float32' = categories !== undefined ? 'int32' : 'float32';
  if (opts.labelDType !== undefined) {
    labelDType = checkOneOf(OP, 'options.labelDType', opts.labelDType, ['int32', 'float32'] as const);
    if (categories !== undefined && labelDType !== 'int32') fail(OP, 'options.labelDType', "'int32' with categories (class indices)", labelDType);
  }
  if (categories !== undefined && opts.label === undefined) throw new Error(`${OP}: options.categories needs options.label (the column of class names)`);
  const normalize = opts.normalize;
  if (normalize !== undefined && normalize !== 'standard' && normalize !== 'minmax' && !isStats(normalize)) {
    fail(OP, 'options.normalize', "'standard', 'minmax', { mean, std } or { min, max }", normalize);
  }
  const checkColumn = (name: string, c: unknown): CsvColumn => {
    if (typeof c === 'string') return c;
    if (typeof c === 'number' && Number.isInteger(c) && c >= 0) return c;
    return fail(OP, name, 'a column name or a 0-based index', c);
  };
  const wanted = opts.columns === undefined ? undefined : checkArrayOf(OP, 'columns', opts.columns, checkColumn);
  const labelSpec = opts.label === undefined ? undefined : checkColumn('label', opts.label);
  const parse = opts.parse === undefined ? undefined : checkFunction<CsvParse>(OP, 'options.parse', opts.parse);
  const encoding = new Map<string, 'onehot' | 'ordinal'>();
  if (opts.categorical !== undefined) {
    for (const [k, v] of Object.entries(checkRecord('options.categorical', opts.categorical))) {
      encoding.set(k, checkOneOf(OP, `options.categorical[${JSON.stringify(k)}]`, v, ['onehot', 'ordinal'] as const));
    }
  }
  const vocabIn = new Map<string, string[]>();
  if (opts.vocabulary !== undefined) {
    for (const [k, v] of Object.entries(checkRecord('options.vocabulary', opts.vocabulary))) {
      const arg = `options.vocabulary[${JSON.stringify(k)}]`;
      if (!encoding.has(k)) throw new Error(`${OP}: ${arg}: column ${JSON.stringify(k)} is not in options.categorical`);
      const list = checkArrayOf(OP, arg, v, (name, c) => checkString(OP, name, c));
      if (list.length === 0) fail(OP, arg, 'a non-empty array of categories', v);
      list.forEach((c, i) => { if (list.indexOf(c) !== i) throw new Error(`${OP}: ${arg}: category ${JSON.stringify(c)} is listed twice`); });
      vocabIn.set(k, list);
    }
  }
  const unknown = opts.unknown === undefined ? 'error' : checkOneOf(OP, 'options.unknown', opts.unknown, ['error', 'ignore'] as const);

  // The text, and where it came from (named in messages).
  let text: string;
  let where = '';
  if (typeof pathOrText === 'string' && /[\r\n]/.test(pathOrText)) {
    text = pathOrText;
  } else if (typeof pathOrText === 'string') {
    const fs = nodeBuiltin('node:fs/promises', `${OP} with a file path`);
    try {
      text = await fs.readFile(pathOrText, 'utf8');
    } catch (e) {
      throw new Error(`${OP}: cannot read ${pathOrText}: ${(e as Error).message}`);
    }
    where = `${pathOrText}: `;
  } else if (pathOrText instanceof Uint8Array) {
    text = new TextDecoder('utf-8').decode(pathOrText);
  } else {
    return fail(OP, 'pathOrText', 'a file path, CSV text (with a line break) or a Uint8Array', pathOrText);
  }

  const parser = parse ?? loadCsvParse();
  let out: unknown;
  try {
    out = parser(text, { bom: true, delimiter, skip_empty_lines: skipEmpty, relax_column_count: true, info: true });
  } catch (e) {
    throw new Error(`${OP}: ${where}${e instanceof Error ? e.message : String(e)}`);
  }
  const all = toRows(out);
  if (all.length === 0 || (header && all.length === 1)) throw new Error(`${OP}: ${where}no data rows`);
  const width = all[0]!.fields.length;
  const names = header ? all[0]!.fields : Array.from({ length: width }, (_, j) => String(j));
  const rows = header ? all.slice(1) : all;
  for (const r of rows) {
    if (r.fields.length !== width) {
      const n = r.fields.length;
      throw new Error(`${OP}: ${where}line ${lineOf(r)} has ${n} field${n === 1 ? '' : 's'}, ${header ? 'the header' : `line ${lineOf(all[0]!)}`} has ${width} (ragged rows are not allowed)`);
    }
  }

  const resolveColumn = (name: string, c: CsvColumn): number => {
    if (typeof c === 'number') {
      if (c >= width) throw new Error(`${OP}: ${where}${name}: no column ${c}; the rows have ${width} columns (0 to ${width - 1})`);
      return c;
    }
    const j = names.indexOf(c);
    if (j < 0) throw new Error(`${OP}: ${where}${name}: no column ${JSON.stringify(c)}; the columns are ${names.map((s) => JSON.stringify(s)).join(', ')}`);
    if (names.indexOf(c, j + 1) >= 0) throw new Error(`${OP}: ${where}${name}: the header names column ${JSON.stringify(c)} twice; select it by index`);
    return j;
  };
  const labelCol = labelSpec === undefined ? -1 : resolveColumn('label', labelSpec);
  let features: number[];
  if (wanted === undefined) {
    features = names.map((_, j) => j).filter((j) => j !== labelCol);
  } else {
    features = wanted.map((c, i) => resolveColumn(`columns[${i}]`, c));
    features.forEach((j, i) => {
      if (j === labelCol) throw new Error(`${OP}: ${where}columns[${i}]: column ${JSON.stringify(names[j])} is the label`);
      if (features.indexOf(j) !== i) throw new Error(`${OP}: ${where}columns[${i}]: column ${JSON.stringify(names[j])} is selected twice`);
    });
  }
  if (features.length === 0) {
    throw new Error(wanted === undefined
      ? `${OP}: ${where}no feature columns (the table has only the label column ${JSON.stringify(names[labelCol])})`
      : `${OP}: ${where}columns: no feature columns selected`);
  }
  for (const k of encoding.keys()) {
    const j = resolveColumn(`options.categorical[${JSON.stringify(k)}]`, k);
    if (j === labelCol) throw new Error(`${OP}: ${where}options.categorical: column ${JSON.stringify(k)} is the label (use categories for string labels)`);
    if (!features.includes(j)) throw new Error(`${OP}: ${where}options.categorical: column ${JSON.stringify(k)} is not among the feature columns`);
  }
  const colName = (j: number): string => (header ? `column ${JSON.stringify(names[j])}` : `column ${j}`);
  const bad = (r: Row, j: number, problem: string): never => {
    throw new Error(`${OP}: ${where}line ${lineOf(r)}, ${colName(j)}: ${JSON.stringify(r.fields[j])} ${problem}`);
  };
  const number = (r: Row, j: number, hint = ''): number => {
    const s = r.fields[j]!;
    if (!NUMBER.test(s)) bad(r, j, `is not a number${hint}`);
    const v = Number(s);
    if (!(Math.abs(v) <= FLOAT32_MAX)) bad(r, j, 'is too large for float32');
    return v;
  };

  // The columns of x: a numeric feature is one, a one-hot one as many as its categories.
  const n = rows.length;
  interface Out { j: number; first: number; enc?: 'onehot' | 'ordinal'; index?: Map<string, number> }
  const outs: Out[] = [];
  const outNames: string[] = [];
  const encoded: boolean[] = [];
  let vocabulary: Record<string, string[]> | undefined;
  for (const j of features) {
    const name = names[j]!;
    const enc = encoding.get(name);
    const o: Out = { j, first: outNames.length };
    if (enc === undefined) {
      outNames.push(name);
      encoded.push(false);
    } else {
      const vocab = vocabIn.get(name) ?? [...new Set(rows.map((r) => r.fields[j]!))].sort();
      (vocabulary ??= {})[name] = vocab;
      o.enc = enc;
      o.index = new Map(vocab.map((c, i) => [c, i]));
      for (const c of enc === 'onehot' ? vocab : [name]) {
        outNames.push(enc === 'onehot' ? `${name}=${c}` : c);
        encoded.push(true);
      }
    }
    outs.push(o);
  }
  const f = outNames.length;
  // Features, in float64 for the statistics.
  const values = new Float64Array(n * f);
  for (let i = 0; i < n; i++) {
    const r = rows[i]!;
    for (const o of outs) {
      if (o.enc === undefined) {
        values[i * f + o.first] = number(r, o.j);
        continue;
      }
      const c = o.index!.get(r.fields[o.j]!);
      if (c === undefined && unknown === 'error') {
        const list = [...o.index!.keys()].map((v) => JSON.stringify(v)).join(', ');
        bad(r, o.j, `is not one of the categories ${list} (add it to vocabulary, or give unknown: 'ignore')`);
      }
      if (o.enc === 'ordinal') values[i * f + o.first] = c ?? -1;
      else if (c !== undefined) values[i * f + o.first + c] = 1;
    }
  }

  let stats: CsvStats | undefined;
  if (normalize !== undefined) {
    if (normalize === 'standard' || normalize === 'minmax') {
      const a = new Array<number>(f).fill(0);
      const b = new Array<number>(f).fill(0);
      if (normalize === 'standard') {
        for (let i = 0; i < n; i++) for (let k = 0; k < f; k++) a[k]! += values[i * f + k]!;
        for (let k = 0; k < f; k++) a[k] = a[k]! / n;
        for (let i = 0; i < n; i++) for (let k = 0; k < f; k++) b[k]! += (values[i * f + k]! - a[k]!) ** 2;
        stats = { mean: a.map((m, k) => (encoded[k] ? 0 : m)), std: b.map((s, k) => (encoded[k] ? 1 : Math.sqrt(s / n))) };
      } else {
        a.fill(Infinity);
        b.fill(-Infinity);
        for (let i = 0; i < n; i++) {
          for (let k = 0; k < f; k++) {
            const v = values[i * f + k]!;
            if (v < a[k]!) a[k] = v;
            if (v > b[k]!) b[k] = v;
          }
        }
        stats = { min: a.map((m, k) => (encoded[k] ? 0 : m)), max: b.map((m, k) => (encoded[k] ? 1 : m)) };
      }
    } else {
      stats = checkStats(normalize, f);
    }
    const s = stats;
    const [shift, scale] = 'mean' in s ? [s.mean, s.std] : [s.min, s.max.map((m, k) => m - s.min[k]!)];
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < f; k++) if (!encoded[k]) values[i * f + k] = (values[i * f + k]! - shift[k]!) / (scale[k]! || 1);
    }
  }
  const result: CsvData = { x: fromArray(Float32Array.from(values), [n, f]), columns: outNames };
  if (stats !== undefined) result.stats = stats;
  if (vocabulary !== undefined) result.vocabulary = vocabulary;

  if (labelCol >= 0) {
    const y = labelDType === 'int32' ? new Int32Array(n) : new Float32Array(n);
    if (categories !== undefined) {
      const classes = categories === 'index' ? [...new Set(rows.map((r) => r.fields[labelCol]!))].sort() : [...categories];
      const index = new Map(classes.map((c, i) => [c, i]));
      const list = classes.map((c) => JSON.stringify(c)).join(', ');
      for (let i = 0; i < n; i++) {
        const c = index.get(rows[i]!.fields[labelCol]!);
        y[i] = c ?? bad(rows[i]!, labelCol, `is not one of the categories ${list}`);
      }
      result.classes = classes;
    } else {
      const hint = " (give categories: 'index' for string labels)";
      for (let i = 0; i < n; i++) {
        const v = number(rows[i]!, labelCol, hint);
        if (labelDType === 'int32' && (!Number.isInteger(v) || v < INT32_MIN || v > INT32_MAX)) bad(rows[i]!, labelCol, "is not an int32 integer (labelDType 'int32')");
        y[i] = v;
      }
    }
    result.y = fromArray(y, [n]);
  }
  return result;
}
