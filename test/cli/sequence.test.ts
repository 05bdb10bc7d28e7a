/**
 * The sequence models from the built command line (dist/cli/main.js, as `npx nabla` runs it), in
 * short runs: nabla train spam-lstm | names-gru | seq-mnist | char-lstm, and nabla sample.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as nb from '../../src/index.js';
import { CharLSTM, charLstm } from '../../src/cli/models.js';

const root = resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'nabla-cli-seq-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const main = join(root, 'dist', 'cli', 'main.js');

beforeAll(() => {
  // brings dist/ up to date with src/ (nothing to do, and quick, when it is)
  execFileSync(process.execPath, [join(root, 'scripts', 'build-ts.mjs')], { cwd: root, timeout: 300_000 });
}, 300_000);

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function nabla(...args: string[]): Promise<Run> {
  return new Promise((done) => {
    execFile(process.execPath, [main, ...args], { cwd: root, timeout: 120_000 }, (err, stdout, stderr) => {
      const code = err ? ((err as { code?: number }).code ?? 1) : 0;
      done({ code: typeof code === 'number' ? code : 1, stdout, stderr });
    });
  });
}

const json = (r: Run): Record<string, unknown> => {
  if (r.code !== 0) throw new Error(`exit ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
};

describe('nabla train char-lstm + nabla sample', () => {
  const out = join(dir, 'names');
  // started once, after the top-level beforeAll has built dist/
  let started: Promise<Run> | null = null;
  const train = (): Promise<Run> => (started ??= nabla('train', 'char-lstm', '--limit', '200', '--test-limit', '50', '--epochs', '1', '--json', '--out', out));

  it('trains, reports bits per character beside the bigram baseline, and saves the model with its vocabulary', async () => {
    const r = json(await train());
    expect(r.model).toBe('char-lstm');
    expect(r.trainSamples).toBe(200);
    expect(r.testSamples).toBe(50);
    expect(r.testAccuracy).toBeNull();
    expect(r.bitsPerChar as number).toBeGreaterThan(1);
    expect(r.bitsPerChar as number).toBeLessThan(Math.log2(31) + 0.5);
    expect(r.bigramBitsPerChar as number).toBeGreaterThan(1);
    expect(r.testLoss).toBe(r.bitsPerChar);
    for (const f of ['model.nabla', 'metrics.json', 'curves.svg']) expect(existsSync(join(out, f))).toBe(true);
    const { model, metadata } = await nb.io.loadFile(join(out, 'model.nabla'));
    expect(model).toBeInstanceOf(CharLSTM);
    const vocab = nb.data.text.Vocabulary.fromJSON(metadata.vocabulary as unknown as nb.data.text.VocabularyJSON);
    expect(vocab.size).toBe((model as unknown as CharLSTM).vocabSize);
    expect(vocab.level).toBe('char');
    model.dispose();
  });

  it('samples names: one a line, seeded, starting with the prime; temperature 0 is greedy', async () => {
    await train();
    const file = join(out, 'model.nabla');
    const a = await nabla('sample', file, '--count', '4', '--seed', '3', '--prime', 'ma', '--temperature', '0.8', '--top-k', '5');
    expect(a.stderr).toBe('');
    expect(a.code).toBe(0);
    const lines = a.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    for (const l of lines) expect(l).toMatch(/^ma[a-z' -]*$/);
    const b = await nabla('sample', file, '--count', '4', '--seed', '3', '--prime', 'ma', '--temperature', '0.8', '--top-k', '5');
    expect(b.stdout).toBe(a.stdout);
    const j = json(await nabla('sample', file, '--count', '2', '--length', '5', '--json'));
    expect(j).toMatchObject({ model: 'char-lstm', temperature: 1, topK: null, seed: 0 });
    expect((j.samples as string[]).every((s) => s.length <= 5)).toBe(true);
    const g1 = await nabla('sample', file, '--temperature', '0', '--count', '2', '--seed', '1');
    const g2 = await nabla('sample', file, '--temperature', '0', '--count', '2', '--seed', '2');
    expect(g1.stdout).toBe(g2.stdout);
    const [x, y] = g1.stdout.trimEnd().split('\n');
    expect(x).toBe(y);
  });

  it('refuses files that are not a char-lstm with a vocabulary, naming the file and the problem', async () => {
    await train();
    const folder = await nabla('sample', out);
    expect(folder.stderr.trim()).toBe(`nabla: error: sample: ${out} is a folder, not a model file (nabla train char-lstm --out DIR writes DIR/model.nabla)`);
    const mlp = join(dir, 'mlp.nabla');
    const m = nb.nn.sequential(nb.nn.linear(2, 2));
    await nb.io.save(m, mlp);
    const r1 = await nabla('sample', mlp);
    expect(r1.code).toBe(1);
    expect(r1.stderr.trim()).toBe(`nabla: error: sample: ${mlp} holds a Sequential, not a character language model (train one with: nabla train char-lstm --out DIR)`);
    const lm = charLstm(31);
    const bare = join(dir, 'bare.nabla');
    await nb.io.save(lm, bare);
    const r2 = await nabla('sample', bare);
    expect(r2.stderr).toMatch(/^nabla: error: sample: .*bare\.nabla: the file's metadata has no vocabulary/);
    const damaged = join(dir, 'damaged.nabla');
    await nb.io.save(lm, damaged, { metadata: { vocabulary: { format: 'nabla.vocabulary', version: 7 } } });
    const r3 = await nabla('sample', damaged);
    expect(r3.stderr).toMatch(/^nabla: error: sample: .*damaged\.nabla: the vocabulary in the file's metadata is damaged: Vocabulary\.fromJSON: /);
    const wrong = join(dir, 'wrong-size.nabla');
    const vocab = nb.data.text.vocabulary('abc', { level: 'char' });
    await nb.io.save(lm, wrong, { metadata: { vocabulary: vocab.toJSON() as unknown as nb.nn.JsonValue } });
    const r4 = await nabla('sample', wrong);
    expect(r4.stderr.trim()).toBe(`nabla: error: sample: ${wrong}: the vocabulary has 7 tokens but the model 31`);
    const bad = await nabla('sample', bare, '--temperature', '-1');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/--temperature needs a number ≥ 0, got '-1'/);
    lm.dispose();
    m.dispose();
  });
});

describe('nabla train: the many-to-one sequence models', () => {
  it('names-gru and spam-lstm train on a few samples and report test accuracy beside the majority class', async () => {
    for (const [name, limit] of [['names-gru', '300'], ['spam-lstm', '100']] as const) {
      const out = join(dir, name);
      mkdirSync(out, { recursive: true });
      const r = json(await nabla('train', name, '--limit', limit, '--test-limit', '100', '--epochs', '1', '--json', '--out', out));
      expect(r.model).toBe(name);
      expect(r.testSamples).toBe(100);
      expect(r.testAccuracy as number).toBeGreaterThan(0.3);
      expect(r.majorityAccuracy as number).toBeGreaterThan(0.5);
      const { model, metadata } = await nb.io.loadFile(join(out, 'model.nabla'));
      expect(metadata.dataset).toBe(name === 'spam-lstm' ? 'spam' : 'names');
      expect((metadata.vocabulary as { level: string }).level).toBe(name === 'spam-lstm' ? 'word' : 'char');
      model.dispose();
    }
  });

  it('seq-mnist trains through fit and its saved model evaluates the same with nabla eval', async () => {
    const out = join(dir, 'seq-mnist');
    const r = json(await nabla('train', 'seq-mnist', '--limit', '256', '--test-limit', '100', '--epochs', '1', '--json', '--out', out));
    expect(r.model).toBe('seq-mnist');
    expect(r.trainSamples).toBe(256);
    const e = json(await nabla('eval', join(out, 'model.nabla'), '--limit', '100', '--json'));
    expect(e.dataset).toBe('seq-mnist');
    expect(e.testAccuracy).toBe(r.testAccuracy);
  });
});
