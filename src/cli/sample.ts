/**
 * `nabla sample <model.nabla>`: text from a character language model saved by
 * `nabla train char-lstm --out DIR`, or a PNG grid of images from a GAN generator saved by
 * `nabla train gan|dcgan|acgan --out DIR` (`--digit D` for the AC-GAN's class). A language model's file holds the CharLSTM and, in its metadata, the
 * vocabulary it was trained with (`vocabulary`: the JSON of `nb.data.text.Vocabulary`, checked by
 * `Vocabulary.fromJSON` when the file is read).
 */
import * as nb from '../index.js';
import { nodeBuiltin } from '../io/node.js';
import { CharLSTM } from './models.js';
import { sampleText } from './sequence.js';
import { checkPositive } from './commands.js';
import { selectBackend } from './backend.js';
import type { VocabularyJSON } from '../data/text/index.js';
import { loadGenerator, sampleGrid, type GanKind, type Generator } from './gan.js';

export interface SampleArgs {
  /** Softmax temperature (default 1; 0 = greedy). */
  temperature?: number;
  /** Keep the k most likely characters at each step (default: all). */
  topK?: number;
  /** The most characters per sample (default 20 for names, 200 otherwise). */
  length?: number;
  /** Seed of the sampler (default 0): the same seed gives the same text. */
  seed?: number;
  /** Text each sample starts with. */
  prime?: string;
  /** How many samples (default 10 for names, 1 otherwise). */
  count?: number;
  backend?: string;
  /** Print one JSON line. */
  json?: boolean;
  /** GAN generators: the AC-GAN's digit (0–9) to draw; an error for other models. */
  digit?: number;
  /** GAN generators: the PNG file to write (default digit-D.png, or samples.png). */
  out?: string;
}

export interface ImageSampleResult {
  file: string;
  model: GanKind;
  digit: number | null;
  count: number;
  seed: number;
  out: string;
}

export interface SampleResult {
  file: string;
  model: string;
  temperature: number;
  topK: number | null;
  seed: number;
  samples: string[];
}

/** The CharLSTM and vocabulary of a file from `nabla train char-lstm --out`, checked. */
export async function loadLanguageModel(file: string): Promise<{ model: CharLSTM; vocab: nb.data.text.Vocabulary; metadata: Record<string, unknown> }> {
  const stat = await nodeBuiltin('node:fs/promises', 'nabla sample').stat(file).catch(() => null);
  if (stat?.isDirectory()) throw new Error(`sample: ${file} is a folder, not a model file (nabla train char-lstm --out DIR writes DIR/model.nabla)`);
  const { model, metadata } = await nb.io.loadFile(file);
  try {
    if (!(model instanceof CharLSTM)) {
      throw new Error(`sample: ${file} holds a ${model.typeName}, not a character language model (train one with: nabla train char-lstm --out DIR)`);
    }
    if (metadata.vocabulary === undefined) throw new Error(`sample: ${file}: the file's metadata has no vocabulary (nabla train char-lstm --out stores it; from code, save with { metadata: { vocabulary: vocab.toJSON() } })`);
    let vocab: nb.data.text.Vocabulary;
    try {
      vocab = nb.data.text.Vocabulary.fromJSON(metadata.vocabulary as unknown as VocabularyJSON);
    } catch (e) {
      throw new Error(`sample: ${file}: the vocabulary in the file's metadata is damaged: ${(e as Error).message}`, { cause: e });
    }
    if (vocab.size !== model.vocabSize) throw new Error(`sample: ${file}: the vocabulary has ${vocab.size} tokens but the model ${model.vocabSize}`);
    return { model, vocab, metadata };
  } catch (e) {
    model.dispose();
    throw e;
  }
}

/** Writes a PNG grid of images from a GAN generator (of one digit with --digit, for the AC-GAN). */
export async function sampleImages(file: string, args: SampleArgs = {}, loaded?: { generator: Generator; kind: GanKind }): Promise<ImageSampleResult> {
  checkPositive(args.count, '--count', true);
  const { generator, kind } = loaded ?? (await loadGenerator(file, 'sample'));
  try {
    const seed = args.seed ?? 0;
    const count = args.count ?? (kind === 'acgan' && args.digit === undefined ? 100 : 64);
    const png = sampleGrid(generator, kind, { count, seed, digit: args.digit });
    const out = args.out ?? (args.digit === undefined ? 'samples.png' : `digit-${args.digit}.png`);
    await nb.io.writeFileAtomic(out, png);
    const r: ImageSampleResult = { file, model: kind, digit: args.digit ?? null, count, seed, out };
    process.stdout.write(args.json ? `${JSON.stringify(r)}\n` : `wrote ${out}: ${count} samples${args.digit === undefined ? '' : ` of the digit ${args.digit}`} from the ${kind} generator ${file} (seed ${seed})\n`);
    return r;
  } finally {
    generator.dispose();
  }
}

/**
 * Samples text from a saved character language model and prints it (one sample a line), or
 * writes images from a GAN generator (`sampleImages`).
 */
export async function sample(file: string, args: SampleArgs = {}): Promise<SampleResult | ImageSampleResult> {
  if (args.digit !== undefined || args.out !== undefined) return sampleImages(file, args);
  const stat = await nodeBuiltin('node:fs/promises', 'nabla sample').stat(file).catch(() => null);
  if (stat?.isFile()) {
    const peek = await nb.io.loadFile(file);
    if (peek.metadata.task === 'gan') {
      peek.model.dispose();
      return sampleImages(file, args);
    }
    peek.model.dispose();
  }
  checkPositive(args.length, '--length', true);
  checkPositive(args.count, '--count', true);
  checkPositive(args.topK, '--top-k', true);
  const temperature = args.temperature ?? 1;
  if (!(Number.isFinite(temperature) && temperature >= 0)) throw new Error(`--temperature must be a number ≥ 0, got ${temperature}`);
  await selectBackend(args.backend);
  const { model, vocab, metadata } = await loadLanguageModel(file);
  try {
    const names = metadata.dataset === 'char';
    const seed = args.seed ?? 0;
    const rng = new nb.Random(seed);
    const count = args.count ?? (names ? 10 : 1);
    const length = args.length ?? (names ? 20 : 200);
    const samples: string[] = [];
    for (let i = 0; i < count; i++) samples.push(sampleText(model, vocab, { prime: args.prime, length, temperature, topK: args.topK, rng }));
    const r: SampleResult = { file, model: typeof metadata.model === 'string' ? metadata.model : model.typeName, temperature, topK: args.topK ?? null, seed, samples };
    process.stdout.write(args.json ? `${JSON.stringify(r)}\n` : `${samples.join('\n')}\n`);
    return r;
  } finally {
    model.dispose();
  }
}
