/**
 * Every TypeScript/JavaScript code block of README.md and docs/*.md runs as written: each
 * ```ts, ```typescript, ```js (or ```mjs) block is written to a file of its own and run with tsx
 * (`nabla` resolves to the sources through tsconfig.json's paths, as for the examples), with
 * NABLA_SHORT=1 in its environment. A block that throws or exits non-zero fails the suite.
 *
 * The info string after the language may hold:
 * - `no-run <reason>`: the block is not run (a fragment of the sources, a sketch that needs a
 *   server…); the reason is required.
 * - `short: <from> => <to>; <from> => <to>`: replacements made before running it (fewer epochs,
 *   fewer samples) so the suite stays quick; each <from> must occur in the block.
 *
 * Each block runs in a fresh folder of its own (its working directory, so files it writes go
 * there) that holds the files the docs read: iris-train.csv and iris-test.csv (the four iris
 * measurements and the species), and photos/ (small PNG and JPEG images in cat/ and dog/).
 * The folders live in test-artifacts/docs (inside the repository, so that packages resolve from
 * node_modules) and are removed afterwards. Blocks run a few at a time, in parallel. The TypeScript blocks are also type-checked (strict, as
 * written, without the short: replacements) in one tsc run beside them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { execFile, spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { PNG } from 'pngjs';
import jpeg from 'jpeg-js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tsx = path.join(root, 'node_modules', '.bin', 'tsx');
const work = path.join(root, 'test-artifacts', 'docs');
const fixtures = path.join(work, 'fixtures');
const LANGS: Record<string, string> = { ts: 'ts', typescript: 'ts', js: 'mjs', javascript: 'mjs', mjs: 'mjs' };

export interface DocBlock {
  file: string;
  /** The 1-based line of the opening fence. */
  line: number;
  lang: string;
  info: string;
  code: string;
}

/** The fenced code blocks of a markdown text (``` or ~~~ fences, indented up to 3 spaces or inside a list). */
export function codeBlocks(file: string, text: string): DocBlock[] {
  const lines = text.split(/\r?\n/);
  const out: DocBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*([^`]*)$/.exec(lines[i]!);
    if (!open) continue;
    const [, indent, fence, info] = open as unknown as [string, string, string, string];
    const body: string[] = [];
    let j = i + 1;
    const close = new RegExp(`^\\s*${fence[0] === '`' ? '`' : '~'}{${fence.length},}\\s*$`);
    for (; j < lines.length && !close.test(lines[j]!); j++) body.push(lines[j]!.startsWith(indent) ? lines[j]!.slice(indent.length) : lines[j]!.trimStart());
    const lang = info.trim().split(/\s+/)[0]!.toLowerCase();
    out.push({ file, line: i + 1, lang, info: info.trim().slice(lang.length).trim(), code: body.join('\n') });
    i = j;
  }
  return out;
}

/** The block's code after its `short:` replacements; throws when a replacement does not apply. */
export function shortCode(b: DocBlock): string {
  const m = /(?:^|\s)short:\s*(.*)$/.exec(b.info);
  if (!m) return b.code;
  let code = b.code;
  for (const pair of m[1]!.split(';').map((s) => s.trim()).filter(Boolean)) {
    const [from, to] = pair.split('=>').map((s) => s.trim());
    if (!from || to === undefined) throw new Error(`${b.file}:${b.line}: bad short: replacement ${JSON.stringify(pair)} (write from => to)`);
    if (!code.includes(from)) throw new Error(`${b.file}:${b.line}: short: ${JSON.stringify(from)} does not occur in the block`);
    code = code.split(from).join(to);
  }
  return code;
}

const docs = ['README.md', ...readdirSync(path.join(root, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`)];
const blocks = docs.flatMap((f) => codeBlocks(f, readFileSync(path.join(root, f), 'utf8'))).filter((b) => b.lang in LANGS);

/** The files blocks may read: iris CSV tables and a folder of photos. */
function makeFixtures(): void {
  rmSync(work, { recursive: true, force: true });
  mkdirSync(fixtures, { recursive: true });
  const iris = (n: number, seed: number): string => {
    const species = ['setosa', 'versicolor', 'virginica'];
    const lines = ['sepal_length,sepal_width,petal_length,petal_width,species'];
    let s = seed;
    const rnd = (): number => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
    for (let i = 0; i < n; i++) {
      const k = i % 3;
      const v = [5 + k * 0.8 + rnd(), 3.4 - k * 0.3 + rnd() * 0.5, 1.4 + k * 2.2 + rnd(), 0.2 + k * 0.8 + rnd() * 0.3];
      lines.push(`${v.map((x) => x.toFixed(1)).join(',')},${species[k]}`);
    }
    return `${lines.join('\n')}\n`;
  };
  writeFileSync(path.join(fixtures, 'iris-train.csv'), iris(120, 1));
  writeFileSync(path.join(fixtures, 'iris-test.csv'), iris(30, 2));
  for (const [cls, rgb] of [['cat', [200, 120, 40]], ['dog', [40, 90, 200]]] as const) {
    mkdirSync(path.join(fixtures, 'photos', cls), { recursive: true });
    for (let i = 0; i < 10; i++) {
      const w = 24 + i;
      const h = 20 + 2 * i;
      const data = Buffer.alloc(w * h * 4);
      for (let p = 0; p < w * h; p++) data.set([(rgb[0] + 7 * p) % 256, (rgb[1] + 3 * p) % 256, rgb[2], 255], 4 * p);
      const file = path.join(fixtures, 'photos', cls, `${cls}${i}`);
      if (i % 2) writeFileSync(`${file}.jpg`, jpeg.encode({ data, width: w, height: h }, 90).data);
      else {
        const png = new PNG({ width: w, height: h });
        data.copy(png.data);
        writeFileSync(`${file}.png`, PNG.sync.write(png));
      }
    }
  }
}

/** Runs at most `limit` tasks at once. */
function limiter(limit: number): <T>(task: () => Promise<T>) => Promise<T> {
  let active = 0;
  const queue: (() => void)[] = [];
  return async (task) => {
    if (active >= limit) await new Promise<void>((r) => queue.push(r));
    active++;
    try {
      return await task();
    } finally {
      active--;
      queue.shift()?.();
    }
  };
}
const slot = limiter(Math.max(2, Math.min(4, availableParallelism())));

function runBlock(b: DocBlock, index: number): Promise<{ status: number | null; out: string }> {
  const dir = path.join(work, `${String(index).padStart(3, '0')}-${b.file.replace(/[^\w]+/g, '-')}-${b.line}`);
  cpSync(fixtures, dir, { recursive: true });
  const file = path.join(dir, `block.${LANGS[b.lang]}`);
  writeFileSync(file, `${shortCode(b)}\n`);
  return new Promise((resolve) => {
    const child = spawn(tsx, ['--tsconfig', path.join(root, 'tsconfig.json'), file], {
      cwd: dir,
      // one wasm thread each: blocks run side by side
      env: { ...process.env, NABLA_SHORT: '1', NABLA_WASM_THREADS: '1', FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { out += d.toString(); });
    const timer = setTimeout(() => child.kill('SIGKILL'), 110_000);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, out });
    });
  });
}

describe('docs code blocks', () => {
  beforeAll(makeFixtures);
  afterAll(() => rmSync(work, { recursive: true, force: true })); // failures print their block

  it('finds the blocks, and every no-run block gives its reason', () => {
    expect(blocks.length).toBeGreaterThan(10);
    for (const b of blocks) {
      if (/(?:^|\s)no-run\b/.test(b.info)) expect(b.info.replace(/(?:^|\s)no-run\b/, '').trim(), `${b.file}:${b.line}: no-run needs a reason`).not.toBe('');
    }
  });

  it('parses fences, indents and info strings', () => {
    const md = 'text\n```ts no-run a fragment\nx;\n```\n1. item\n   ```js short: 10 => 1\n   f(10);\n   ```\n```sh\nls\n```\n';
    const bs = codeBlocks('a.md', md);
    expect(bs.map((b) => [b.line, b.lang, b.info, b.code])).toEqual([[2, 'ts', 'no-run a fragment', 'x;'], [6, 'js', 'short: 10 => 1', 'f(10);'], [9, 'sh', '', 'ls']]);
    expect(shortCode(bs[1]!)).toBe('f(1);');
    expect(() => shortCode({ ...bs[1]!, code: 'g();' })).toThrow('a.md:6: short: "10" does not occur in the block');
  });

  const runnable = blocks.filter((b) => !/(?:^|\s)no-run\b/.test(b.info));
  describe.concurrent('runs', () => {
    it('type-checks', async () => {
      const dir = path.join(work, 'types');
      mkdirSync(dir, { recursive: true });
      const names = new Map<string, DocBlock>();
      runnable.filter((b) => LANGS[b.lang] === 'ts').forEach((b, i) => {
        const name = `block${String(i).padStart(3, '0')}.ts`;
        names.set(name, b);
        writeFileSync(path.join(dir, name), `${b.code}\nexport {};\n`); // a module of its own
      });
      writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({
        extends: path.join(root, 'tsconfig.json'),
        compilerOptions: { noEmit: true, rootDir: root, noUnusedLocals: false },
        include: ['*.ts'],
      }));
      const out = await slot(() => new Promise<string>((resolve) => {
        execFile(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', dir], { cwd: root, maxBuffer: 1 << 24 }, (_e, stdout, stderr) => resolve(`${stdout}${stderr}`));
      }));
      // a message names block012.ts(3,7): map it back to the markdown's file and line
      const errors = out.split('\n').filter((l) => /error TS/.test(l)).map((l) => l.replace(/.*?(block\d+\.ts)\((\d+),(\d+)\)/, (_m, f: string, line: string) => {
        const b = names.get(f);
        return b ? `${b.file}:${b.line + Number(line)}` : f;
      }));
      expect(errors, out).toEqual([]);
    }, 300_000);

    runnable.forEach((b, i) => {
      it(`${b.file}:${b.line}`, async () => {
        const r = await slot(() => runBlock(b, i));
        if (r.status !== 0) {
          throw new Error(`${b.file}:${b.line} exited ${r.status}:\n${r.out}\n--- the block (make it run as written, or mark a fragment \`\`\`ts no-run <reason>) ---\n${shortCode(b)}`);
        }
      }, 300_000);
    });
  });
});
