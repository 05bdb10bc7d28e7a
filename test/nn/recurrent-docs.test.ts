/** The TypeScript examples of docs/sequences.md run as written (their `import ... from 'nabla'` is the source). */
import { describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as util from 'node:util';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const doc = fs.readFileSync(path.join(root, 'docs/sequences.md'), 'utf8');
const blocks = [...doc.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);

describe('docs/sequences.md examples', () => {
  it('has examples', () => expect(blocks.length).toBeGreaterThanOrEqual(4));
  blocks.forEach((code, i) => {
    it(`example ${i + 1} runs`, async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nabla-seq-doc-'));
      const file = path.join(dir, `example${i}.ts`);
      fs.writeFileSync(file, code.replace(/from 'nabla'/g, `from ${JSON.stringify(path.join(root, 'src/index.ts'))}`));
      const log = console.log;
      const cwd = process.cwd();
      process.chdir(dir); // files an example writes (vanishing.svg, …) land in its own folder
      const lines: string[] = [];
      console.log = (...a: unknown[]) => lines.push(a.map((v) => (typeof v === 'string' ? v : util.inspect(v))).join(' '));
      try {
        await import(pathToFileURL(file).href);
      } finally {
        console.log = log;
        process.chdir(cwd);
        fs.rmSync(dir, { recursive: true, force: true });
      }
      // Every `// shape` comment after a console.log line matches what it printed.
      const expected = code.split('\n').filter((l) => /console\.log\(.*\.shape.*\); \/\/ \[/.test(l)).map((l) => l.split('// ')[1]!);
      for (const e of expected) expect(lines.some((l) => l.replace(/\s/g, '').includes(e.replace(/\s/g, ''))), `${e} in\n${lines.join('\n')}`).toBe(true);
    });
  });
});
