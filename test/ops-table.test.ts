import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as nb from '../src/index.js';
import { opsTable, TABLE_PATH } from '../scripts/ops-table.js';

describe('docs/ops-table.md', () => {
  it('is up to date with nb.listOps() and the registered backends (regenerate: npm run ops-table)', () => {
    expect(readFileSync(TABLE_PATH, 'utf8')).toBe(opsTable());
  });
  it('lists every op once, with a row per op and a column per backend', () => {
    const text = opsTable();
    const names = nb.listOps().map((o) => o.name);
    expect(new Set(names).size).toBe(names.length);
    for (const n of names) expect(text).toContain(`| \`${n}\` |`);
    for (const b of nb.backendNames()) expect(text).toContain(` ${b} |`);
  });
});
