import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
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

describe('the conformance suite', () => {
  /** Ops reached only through other ops' gradients (backward kernels) or needing two backends. */
  const INDIRECT: Record<string, string> = {
    reluGrad: "relu's gradient",
    conv2dBackpropInput: "conv2d's gradient and conv2dTranspose",
    conv2dBackpropFilter: "conv2d's gradient",
    maxPool2dBackward: "maxPool2d's gradient",
    avgPool2dBackward: "avgPool2d's gradient",
    lstmSequenceGrad: "lstmSequence's gradient (test/conformance/recurrent.test.ts)",
    gruCellGrad: "gruSequence's gradient (test/conformance/recurrent.test.ts)",
    softmaxCrossEntropyBackward: "nn.softmaxCrossEntropy's gradient (test/conformance/loss.test.ts)",
    to: 'test/tensor (needs a second backend)',
  };
  it('calls every registered op (a new op needs a conformance test)', () => {
    const dir = fileURLToPath(new URL('./conformance/', import.meta.url));
    const text = readdirSync(dir).filter((f) => f.endsWith('.ts')).map((f) => readFileSync(dir + f, 'utf8')).join('\n');
    const called = (n: string): boolean => new RegExp(`\\bnb\\.${n}\\b|\\.${n}\\(`).test(text);
    const missing = nb.listOps().map((o) => o.name).filter((n) => !called(n) && !(n in INDIRECT));
    expect(missing).toEqual([]);
  });
});
