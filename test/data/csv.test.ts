/**
 * nb.data.csv: real CSV text (quoted fields holding commas and newlines, CRLF, a BOM, a header,
 * string labels), files, column selection, normalization with the training statistics reused on
 * the test set, and one exact message per error (missing file, unknown column, a value that is
 * not a number with its 1-based line, ragged rows, csv-parse not installed).
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse as browserParse } from 'csv-parse/browser/esm/sync';
import * as nb from '../../src/index.js';
import { loadCsvParse } from '../../src/data/csv.js';
import { pinBackend } from '../nn/helpers.js';

pinBackend('cpu');

const IRIS = [
  'sepal_length,sepal_width,"petal, length",species',
  '5.1,3.5,1.4,setosa',
  '7.0,3.2,4.7,versicolor',
  '6.3,3.3,6.0,"virginica"',
  '4.9,3.0,1.4,setosa',
].join('\r\n');

function rows(t: nb.Tensor): number[][] {
  const [n, f] = t.shape as [number, number];
  const d = Array.from(t.dataSync());
  return Array.from({ length: n }, (_, i) => d.slice(i * f, (i + 1) * f));
}

async function message(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(Error);
    expect((e as Error).constructor).toBe(Error);
    return (e as Error).message;
  }
  throw new Error('expected a rejection');
}

describe('nb.data.csv: parsing real CSV text', () => {
  it('reads a header, CRLF line ends, a quoted header name with a comma, and string labels as class indices', async () => {
    const d = await nb.data.csv(IRIS, { label: 'species', categories: 'index' });
    expect(d.columns).toEqual(['sepal_length', 'sepal_width', 'petal, length']);
    expect(d.x.shape).toEqual([4, 3]);
    expect(d.x.dtype).toBe('float32');
    expect(rows(d.x)[2]).toEqual([6.3, 3.3, 6.0].map(Math.fround));
    expect(d.classes).toEqual(['setosa', 'versicolor', 'virginica']);
    expect(d.y!.dtype).toBe('int32');
    expect(Array.from(d.y!.dataSync())).toEqual([0, 1, 2, 0]);
    expect(d.stats).toBeUndefined();
  });

  it('strips a byte-order mark and keeps quoted fields holding commas and newlines whole', async () => {
    const text = '\uFEFFid,note,value\n1,"a, b",0.5\n2,"two\nlines",1.5\n3,"say ""hi""",2.5\n';
    const d = await nb.data.csv(text, { columns: ['id', 'value'] });
    expect(d.columns).toEqual(['id', 'value']);
    expect(rows(d.x)).toEqual([[1, 0.5], [2, 1.5], [3, 2.5]]);
    expect(d.y).toBeUndefined();
  });

  it('selects columns by index, reads a file without a header, another delimiter, float32 labels', async () => {
    const text = '1;2;3\n\n4;5;6\n7;8;9\n';
    const d = await nb.data.csv(text, { header: false, delimiter: ';', columns: [2, 0], label: 1 });
    expect(d.columns).toEqual(['2', '0']);
    expect(rows(d.x)).toEqual([[3, 1], [6, 4], [9, 7]]);
    expect(d.y!.dtype).toBe('float32');
    expect(Array.from(d.y!.dataSync())).toEqual([2, 5, 8]);
    const i = await nb.data.csv(text, { header: false, delimiter: ';', label: 1, labelDType: 'int32' });
    expect(i.columns).toEqual(['0', '2']);
    expect(i.y!.dtype).toBe('int32');
  });

  it('reads a file from a path, and bytes', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'nabla-csv-'));
    const file = path.join(dir, 'iris.csv');
    writeFileSync(file, IRIS);
    const d = await nb.data.csv(file, { label: 'species', categories: 'index' });
    expect(d.x.shape).toEqual([4, 3]);
    const b = await nb.data.csv(new TextEncoder().encode(IRIS), { label: 'species', categories: ['virginica', 'versicolor', 'setosa'] });
    expect(b.classes).toEqual(['virginica', 'versicolor', 'setosa']);
    expect(Array.from(b.y!.dataSync())).toEqual([2, 1, 0, 2]);
  });

  it('takes the parser as an option (how a browser bundle hands it csv-parse/browser/esm/sync)', async () => {
    const d = await nb.data.csv(IRIS, { label: 'species', categories: 'index', parse: browserParse });
    expect(d.x.shape).toEqual([4, 3]);
    expect(d.classes).toEqual(['setosa', 'versicolor', 'virginica']);
  });

  it('keeps empty lines when skipEmpty is false, and then says where', async () => {
    expect(await message(nb.data.csv('a,b\n1,2\n\n3,4\n', { skipEmpty: false }))).toBe(
      'nb.data.csv: line 3 has 1 field, the header has 2 (ragged rows are not allowed)');
  });
});

describe('nb.data.csv: normalization', () => {
  const train = 'a,b,y\n1,10,0\n2,20,1\n3,30,0\n4,40,1\n';
  const test = 'a,b,y\n2.5,25,1\n5,0,0\n';

  it("'standard' gives zero mean and unit (population) std, and the test set reuses the training statistics", async () => {
    const tr = await nb.data.csv(train, { label: 'y', labelDType: 'int32', normalize: 'standard' });
    const s = tr.stats as { mean: number[]; std: number[] };
    expect(s.mean).toEqual([2.5, 25]);
    expect(s.std[0]).toBeCloseTo(Math.sqrt(1.25), 6);
    expect(s.std[1]).toBeCloseTo(Math.sqrt(125), 5);
    const col = (t: nb.Tensor, j: number) => rows(t).map((r) => r[j]!);
    for (const j of [0, 1]) {
      const v = col(tr.x, j);
      expect(v.reduce((a, b) => a + b) / v.length).toBeCloseTo(0, 6);
      expect(v.reduce((a, b) => a + b * b, 0) / v.length).toBeCloseTo(1, 5);
    }
    const te = await nb.data.csv(test, { label: 'y', labelDType: 'int32', normalize: tr.stats });
    expect(te.stats).toEqual(tr.stats);
    const r = rows(te.x);
    expect(r[0]![0]).toBeCloseTo(0, 6);
    expect(r[1]![0]).toBeCloseTo(2.5 / Math.sqrt(1.25), 5);
    expect(r[1]![1]).toBeCloseTo(-25 / Math.sqrt(125), 5);
  });

  it("'minmax' maps the training range to [0, 1]; a constant column stays finite", async () => {
    const tr = await nb.data.csv('a,b\n1,7\n3,7\n5,7\n', { normalize: 'minmax' });
    expect(tr.stats).toEqual({ min: [1, 7], max: [5, 7] });
    expect(rows(tr.x)).toEqual([[0, 0], [0.5, 0], [1, 0]]);
    const te = await nb.data.csv('a,b\n7,8\n', { normalize: { min: [1, 7], max: [5, 7] } });
    expect(rows(te.x)).toEqual([[1.5, 1]]);
    const st = await nb.data.csv('a,b\n1,7\n3,7\n', { normalize: 'standard' });
    expect((st.stats as { std: number[] }).std[1]).toBe(0);
    expect(rows(st.x).map((r) => r[1])).toEqual([0, 0]);
  });
});

describe('nb.data.csv: errors name the file, the line and the column', () => {
  it('a missing file', async () => {
    const m = await message(nb.data.csv('/no/such/dir/data.csv'));
    expect(m).toMatch(/^nb\.data\.csv: cannot read \/no\/such\/dir\/data\.csv: ENOENT/);
  });

  it('unknown column names, naming the available ones', async () => {
    expect(await message(nb.data.csv(IRIS, { label: 'Species' }))).toBe(
      'nb.data.csv: label: no column "Species"; the columns are "sepal_length", "sepal_width", "petal, length", "species"');
    expect(await message(nb.data.csv(IRIS, { columns: ['sepal_length', 'petal_length'], label: 'species', categories: 'index' }))).toBe(
      'nb.data.csv: columns[1]: no column "petal_length"; the columns are "sepal_length", "sepal_width", "petal, length", "species"');
    expect(await message(nb.data.csv('1,2\n', { header: false, columns: [2] }))).toBe(
      'nb.data.csv: columns[0]: no column 2; the rows have 2 columns (0 to 1)');
  });

  it('a value that is not a number, with its 1-based line as in the file (a quoted newline counts)', async () => {
    const text = 'x,note,y\n1,"two\nlines",2\n3,ok,4\n5,x,abc\n';
    expect(await message(nb.data.csv(text, { columns: ['x'], label: 'y' }))).toBe(
      'nb.data.csv: line 5, column "y": "abc" is not a number (give categories: \'index\' for string labels)');
    expect(await message(nb.data.csv('a,b\n1,2\n3,\n', {}))).toBe(
      'nb.data.csv: line 3, column "b": "" is not a number');
    expect(await message(nb.data.csv('a,b\n1,NaN\n', {}))).toBe(
      'nb.data.csv: line 2, column "b": "NaN" is not a number');
    expect(await message(nb.data.csv('a\n1e39\n', {}))).toBe(
      'nb.data.csv: line 2, column "a": "1e39" is too large for float32');
    expect(await message(nb.data.csv('1,2\n3,x\n', { header: false }))).toBe(
      'nb.data.csv: line 2, column 1: "x" is not a number');
  });

  it('ragged rows, and broken quoting reported by the parser', async () => {
    expect(await message(nb.data.csv('a,b,c\n1,2,3\n4,5\n'))).toBe(
      'nb.data.csv: line 3 has 2 fields, the header has 3 (ragged rows are not allowed)');
    expect(await message(nb.data.csv('1,2,3\n4,5,6,7\n', { header: false }))).toBe(
      'nb.data.csv: line 2 has 4 fields, line 1 has 3 (ragged rows are not allowed)');
    expect(await message(nb.data.csv('a,b\n1,"2"x\n'))).toMatch(/^nb\.data\.csv: Invalid Closing Quote: .*line 2/);
  });

  it('labels outside the categories given, empty data, bad options', async () => {
    expect(await message(nb.data.csv(IRIS, { label: 'species', categories: ['setosa', 'virginica'] }))).toBe(
      'nb.data.csv: line 3, column "species": "versicolor" is not one of the categories "setosa", "virginica"');
    expect(await message(nb.data.csv('a,b\n'))).toBe('nb.data.csv: no data rows');
    expect(await message(nb.data.csv('y\n1\n', { label: 'y' }))).toBe('nb.data.csv: no feature columns (the table has only the label column "y")');
    expect(await message(nb.data.csv('a,y\n1,2\n', { label: 'y', columns: [] }))).toBe('nb.data.csv: columns: no feature columns selected');
    expect(await message(nb.data.csv(IRIS, { label: 'species', normalize: 'z' as 'standard' }))).toBe(
      "nb.data.csv: options.normalize must be 'standard', 'minmax', { mean, std } or { min, max }, got string \"z\"");
    expect(await message(nb.data.csv('a,b\n1,2\n', { normalize: { mean: [0], std: [1] } }))).toBe(
      'nb.data.csv: options.normalize.mean must be an array of one number per feature column (2), got an array [0] of length 1');
    expect(await message(nb.data.csv('a,b\n1,2\n', { columns: ['a', 'a'] }))).toBe(
      'nb.data.csv: columns[1]: column "a" is selected twice');
    expect(await message(nb.data.csv(IRIS, { label: 'species', categories: 'index', labelDType: 'float32' }))).toBe(
      "nb.data.csv: options.labelDType must be 'int32' with categories (class indices), got string \"float32\"");
    expect(await message(nb.data.csv(42 as unknown as string))).toBe(
      'nb.data.csv: pathOrText must be a file path, CSV text (with a line break) or a Uint8Array, got 42');
    expect(await message(nb.data.csv('a\n1\n', { bogus: 1 } as unknown as nb.data.CsvOptions))).toMatch(
      /^nb\.data\.csv: unknown option 'bogus' in options; known options: columns, label/);
  });

  it('says to install csv-parse when it is missing', () => {
    const missing = (() => { throw new Error("Cannot find module 'csv-parse/sync'"); }) as unknown as NodeJS.Require;
    expect(() => loadCsvParse(missing)).toThrow(
      "nb.data.csv: the 'csv-parse' package is not installed (npm install csv-parse); nabla reads CSV with it");
  });
});
