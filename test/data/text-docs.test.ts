/**
 * The code examples of docs/text.md run as written: each ```ts block is run (with 'nabla'
 * pointed at the sources) and the values it prints are compared with the `// …` comments that
 * follow its console.log lines.
 */
import { afterAll, describe, expect, it, vi } from 'vitest';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { inspect } from 'node:util';

const root = fileURLToPath(new URL('../..', import.meta.url));
const doc = readFileSync(`${root}docs/text.md`, 'utf8');
const blocks = [...doc.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
const dir = `${root}test-artifacts/text-docs-${process.pid}`;

/** The output a block's comments promise: the comment after each console.log line (up to a '(' remark). */
function promised(code: string): string[] {
  const out: string[] = [];
  const lines = code.split('\n');
  lines.forEach((line, i) => {
    if (!line.includes('console.log(')) return;
    const own = /\/\/ (.*)$/.exec(line);
    const next = /^\s*\/\/ (.*)$/.exec(lines[i + 1] ?? '');
    const c = (own ?? next)?.[1];
    if (c !== undefined && !line.trim().startsWith('//')) out.push(c.replace(/\s+\(.*\)$/, '').trim());
  });
  return out;
}

const squash = (s: string): string => s.replace(/\s+/g, ' ').replace(/\[ /g, '[').replace(/ \]/g, ']').trim();

describe('docs/text.md examples', () => {
  mkdirSync(dir, { recursive: true });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const cwd = process.cwd();

  it('has examples', () => expect(blocks.length).toBeGreaterThanOrEqual(6));

  blocks.forEach((code, i) => {
    it(`example ${i + 1} runs and prints what its comments say`, async () => {
      const file = `${dir}/example-${i}.ts`;
      writeFileSync(file, code.replace(/from 'nabla'/g, `from '${root}src/index.js'`));
      const printed: string[] = [];
      const spy = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
        printed.push(args.map((a) => (typeof a === 'string' ? a : inspect(a, { breakLength: Infinity, depth: 5 }))).join(' '));
      });
      process.chdir(dir);
      try {
        await import(pathToFileURL(file).href);
      } finally {
        process.chdir(cwd);
        spy.mockRestore();
      }
      const want = promised(code);
      expect(printed.length).toBeGreaterThanOrEqual(want.length);
      want.forEach((w, k) => expect(squash(printed[k]!), `console.log #${k + 1} of example ${i + 1}`).toBe(squash(w)));
    }, 120_000);
  });
});
