/**
 * The grapheme-to-phoneme model: its module (src/cli/g2p.ts) on a toy vocabulary, and the built
 * command line (dist/cli/main.js) in short runs: nabla train g2p, nabla g2p.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as nb from '../../src/index.js';
import { G2P, attentionMatrix, encodeWord, g2pPairs, phonemeVocabulary, scoreG2P, trainG2P, transcribe } from '../../src/cli/models.js';

const root = resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'nabla-cli-g2p-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const main = join(root, 'dist', 'cli', 'main.js');

describe('G2P (the model, training and decoding)', () => {
  const letters = nb.data.text.vocabulary('abcdefgh', { level: 'char', lowercase: true });
  const phonemes = phonemeVocabulary(['AA', 'B', 'K', 'D']);
  const entries = ['ab', 'bad', 'cab', 'dab', 'bead', 'face', 'had', 'gab'].map((word) => ({ word, phonemes: Array.from(word, (c) => ({ a: 'AA', b: 'B', c: 'K', d: 'D' })[c] ?? 'AA'), variant: 0 }));
  const pairs = g2pPairs({ letters, phonemes }, entries);

  it('saves and loads through nb.io with its config; attention weights sum to 1 over the letters', async () => {
    nb.seed(0);
    const model = new G2P(letters.size, phonemes.size, 8, 12, true);
    const file = join(dir, 'toy.nabla');
    await nb.io.save(model, file);
    const { model: back } = await nb.io.loadFile(file);
    expect(back).toBeInstanceOf(G2P);
    const loaded = back as unknown as G2P;
    expect(loaded.config()).toEqual({ type: 'G2P', letters: letters.size, phonemes: phonemes.size, embedDim: 8, hidden: 12, attention: true });
    expect(transcribe(loaded, pairs.letters)).toEqual(transcribe(model, pairs.letters));
    const w = attentionMatrix(model, pairs.letters[4]!, [4, 5, 6])!;
    expect(w).toHaveLength(4); // three phonemes and <eos>
    for (const row of w) {
      expect(row).toHaveLength(4); // 'bead'
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    }
    const plain = new G2P(letters.size, phonemes.size, 8, 12, false);
    expect(attentionMatrix(plain, pairs.letters[0]!, [4])).toBeNull();
    expect(() => new G2P(10, 8, 8, 7)).toThrow('G2P: hidden must be even (the encoder\'s two directions have hidden/2 each), got 7');
    nb.dispose([model, loaded, plain]);
  });

  it('learns a toy letter → phoneme map; beam width 1 decodes as greedy', () => {
    nb.seed(0);
    const model = new G2P(letters.size, phonemes.size, 8, 16, true);
    const losses = trainG2P(model, pairs, { epochs: 60, batchSize: 8, lr: 3e-2, seed: 0 });
    expect(losses.at(-1)!).toBeLessThan(losses[0]! / 4);
    const s = scoreG2P(model, pairs);
    expect(s.words).toBe(8);
    expect(s.per).toBeLessThan(0.2);
    expect(transcribe(model, pairs.letters, { beamWidth: 1 })).toEqual(transcribe(model, pairs.letters));
    model.dispose();
  });

  it('encodeWord names the characters the model does not know', () => {
    expect(Array.from(encodeWord(letters, 'Bad'))).toEqual(Array.from(letters.encode('bad')));
    expect(() => encodeWord(letters, 'bAz9')).toThrow(`g2p: the word "bAz9" has characters the model does not know: "z", "9" (it knows: abcdefgh)`);
    expect(() => encodeWord(letters, ' ')).toThrow('g2p: a word must be a non-empty string, got " "');
  });
});

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

describe('nabla train g2p + nabla g2p', () => {
  beforeAll(() => {
    // brings dist/ up to date with src/ (nothing to do, and quick, when it is)
    execFileSync(process.execPath, [join(root, 'scripts', 'build-ts.mjs')], { cwd: root, timeout: 300_000 });
  }, 300_000);
  const out = join(dir, 'g2p');
  const file = join(out, 'model.nabla');
  let started: Promise<Run> | null = null;
  const train = (): Promise<Run> => (started ??= nabla('train', 'g2p', '--limit', '300', '--test-limit', '20', '--epochs', '1', '--json', '--out', out));

  it('trains, reports greedy and beam error rates on held-out words, and saves the model with both vocabularies', async () => {
    const r = json(await train());
    expect(r).toMatchObject({ model: 'g2p', attention: true, trainSamples: 300, testSamples: 20, epochs: 1, beam: { width: 5 } });
    for (const v of [r.phonemeErrorRate, r.wordErrorRate, (r.beam as Record<string, number>).phonemeErrorRate]) {
      expect(v as number).toBeGreaterThan(0);
      expect(v as number).toBeLessThanOrEqual(2);
    }
    expect(r.testAccuracy).toBeCloseTo(1 - (r.wordErrorRate as number), 12);
    for (const f of ['model.nabla', 'metrics.json', 'curves.svg']) expect(existsSync(join(out, f))).toBe(true);
    const { model, metadata } = await nb.io.loadFile(file);
    expect(model).toBeInstanceOf(G2P);
    expect(metadata.dataset).toBe('g2p');
    const letters = nb.data.text.Vocabulary.fromJSON(metadata.letters as unknown as nb.data.text.VocabularyJSON);
    const phonemes = nb.data.text.Vocabulary.fromJSON(metadata.phonemes as unknown as nb.data.text.VocabularyJSON);
    expect(letters.size).toBe((model as unknown as G2P).letters);
    expect(phonemes.size).toBe(43);
    expect(phonemes.tokens).toContain('AH');
    model.dispose();
  });

  it('pronounces words greedily or by beam search, and writes attention heat-maps', async () => {
    await train();
    const a = await nabla('g2p', file, 'hello', 'Tensor');
    expect(a.stderr).toBe('');
    const lines = a.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^hello {3}[A-Z]+( [A-Z]+)*$/);
    expect(lines[1]).toMatch(/^Tensor {2}[A-Z]+( [A-Z]+)*$/);
    const j = json(await nabla('g2p', file, 'hello', '--beam', '3', '--json'));
    expect(j).toMatchObject({ model: 'g2p', attention: true, beam: 3, attentionMaps: [] });
    expect((j.predictions as { word: string }[])[0]!.word).toBe('hello');
    const one = join(dir, 'hello.svg');
    const m = await nabla('g2p', file, 'hello', '--attention-map', one);
    expect(m.stdout).toMatch(`attention heat-map: ${one}`);
    const svg = readFileSync(one, 'utf8');
    expect(svg).toMatch(/^<svg/);
    expect(svg).toMatch(/attention: hello →/);
    const two = await nabla('g2p', file, 'cat', 'dog', '--attention-map', join(dir, 'map.svg'));
    expect(two.code).toBe(0);
    for (const w of ['cat', 'dog']) expect(existsSync(join(dir, `map-${w}.svg`))).toBe(true);
  });

  it('refuses unknown characters, files that are not g2p models, and flags that do not apply', async () => {
    await train();
    const u = await nabla('g2p', file, 'héllo');
    expect(u.code).toBe(1);
    expect(u.stderr).toMatch(/^nabla: error: g2p: the word "héllo" has a character the model does not know: "é" \(it knows: [a-z']+\)\n$/);
    const folder = await nabla('g2p', out, 'hello');
    expect(folder.stderr.trim()).toBe(`nabla: error: g2p: ${out} is a folder, not a model file (nabla train g2p --out DIR writes DIR/model.nabla)`);
    const mlp = join(dir, 'mlp.nabla');
    const net = nb.nn.sequential(nb.nn.linear(2, 2));
    await nb.io.save(net, mlp);
    net.dispose();
    const r1 = await nabla('g2p', mlp, 'hello');
    expect(r1.stderr.trim()).toBe(`nabla: error: g2p: ${mlp} holds a Sequential, not a g2p model (train one with: nabla train g2p --out DIR)`);
    const bare = join(dir, 'bare.nabla');
    const toy = new G2P(30, 43, 4, 4);
    await nb.io.save(toy, bare);
    toy.dispose();
    const r2 = await nabla('g2p', bare, 'hello');
    expect(r2.stderr).toMatch(/^nabla: error: g2p: .*bare\.nabla: the file's metadata has no letters vocabulary/);
    const b = await nabla('g2p', file, 'hello', '--beam', '0');
    expect(b.stderr).toMatch(/--beam needs a positive integer, got '0'/);
    const none = await nabla('g2p', file);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/missing required argument 'word'/);
    const wrong = await nabla('train', 'xor', '--no-attention');
    expect(wrong.stderr.trim()).toBe('nabla: error: --no-attention only applies to the g2p model');
  });

  it('--no-attention trains the model without attention, which has no attention map', async () => {
    const plain = join(dir, 'plain');
    const r = json(await nabla('train', 'g2p', '--no-attention', '--limit', '100', '--test-limit', '10', '--epochs', '1', '--json', '--out', plain));
    expect(r.attention).toBe(false);
    const f = join(plain, 'model.nabla');
    const p = await nabla('g2p', f, 'hello');
    expect(p.stdout).toMatch(/^hello {2}/);
    const m = await nabla('g2p', f, 'hello', '--attention-map', join(dir, 'x.svg'));
    expect(m.stderr.trim()).toBe(`nabla: error: g2p: --attention-map needs a model with attention; ${f} was trained with --no-attention`);
  });
});
