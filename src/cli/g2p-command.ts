/**
 * `nabla train g2p` and `nabla g2p <model.nabla> <word...>`: the grapheme-to-phoneme model of
 * src/cli/g2p.ts from the command line. Training saves the model with both vocabularies in the
 * file's metadata (`letters` and `phonemes`: the JSON of `nb.data.text.Vocabulary`), so that
 * `nabla g2p` can encode words and decode phonemes as training did.
 */
import * as nb from '../index.js';
import type { JsonValue } from '../nn/module.js';
import { nodeBuiltin } from '../io/node.js';
import type { VocabularyJSON } from '../data/text/index.js';
import { optimizerByName, type ModelSpec } from './models.js';
import { G2P, attentionMatrix, attentionSvg, encodeWord, g2pData, g2pLoss, g2pPairs, scoreG2P, trainG2P, transcribe } from './g2p.js';
import { checkPositive, summary, writeOutputs, type Output, type TrainArgs, type TrainResult } from './commands.js';
import { selectBackend } from './backend.js';

/** The beam width `nabla train g2p` evaluates with, beside greedy decoding. */
export const G2P_EVAL_BEAM = 5;

/** What `nabla train g2p --json` prints: the common summary and the error rates on the held-out words. */
export interface G2PTrainResult extends TrainResult {
  attention: boolean;
  /** Greedy decoding: phoneme error rate and word error rate on the held-out words. */
  phonemeErrorRate: number;
  wordErrorRate: number;
  beam: { width: number; phonemeErrorRate: number; wordErrorRate: number };
}

type Resolved = TrainArgs & { seed: number; epochs: number; batchSize: number; lr: number; lrDecay: number; optimizer: string };

const rate = (v: number): string => `${(100 * v).toFixed(1)}%`;

/** Trains the g2p model; prints progress (a bar on a terminal), the error rates and a few predictions; writes --out files. */
export async function trainG2PCommand(spec: ModelSpec, args: Resolved & { attention?: boolean }, io: Output, backend: string): Promise<G2PTrainResult> {
  const attention = args.attention ?? true;
  const data = await g2pData({ limit: args.limit, testLimit: args.testLimit, seed: 0 });
  const train = g2pPairs(data, data.train);
  const test = g2pPairs(data, data.test);
  nb.seed(args.seed);
  const model = new G2P(data.letters.size, data.phonemes.size, 32, 128, attention);
  const nTrain = data.train.length;
  const nTest = data.test.length;
  io.say(`nabla · ${spec.name}: ${spec.description}`);
  io.say(`  ${nTrain} training and ${nTest} held-out words from CMUdict · ${attention ? 'with' : 'without'} attention · ${data.letters.size} letter and ${data.phonemes.size} phoneme ids · backend ${backend} · ${args.optimizer} lr ${args.lr}${args.lrDecay ? `·e^(-${args.lrDecay}·epoch)` : ''} · batch ${args.batchSize} · ${args.epochs} epoch${args.epochs > 1 ? 's' : ''} · seed ${args.seed} · ${model.numParameters().toLocaleString('en-US')} parameters`);
  const progress = await nb.train.createProgress(args.quiet ? 0 : 1, args.json ? io.progress : undefined);
  const epochs: nb.train.EpochLogs[] = [];
  try {
    const t0 = performance.now();
    trainG2P(model, train, {
      epochs: args.epochs,
      batchSize: args.batchSize,
      lr: args.lr,
      lrDecay: args.lrDecay,
      seed: args.seed,
      optimizer: optimizerByName(args.optimizer, args.lr),
      onEpochBegin: (e, batches) => progress.epochBegin(e, args.epochs, batches),
      onBatch: (batch, batches, loss) => progress.batchEnd({ batch, batches, loss }),
      onEpoch: (e, loss, seconds) => {
        const lr = args.lr * Math.exp(-args.lrDecay * e);
        epochs.push({ epoch: e, loss, lr, seconds, samplesPerSecond: nTrain / seconds, samples: nTrain });
        progress.epochEnd(`epoch ${e + 1}/${args.epochs} · ${seconds.toFixed(1)}s · ${Math.round(nTrain / seconds)} words/s · loss ${loss.toFixed(4)} (nats per phoneme)`);
      },
    });
    progress.close();
    const testLoss = g2pLoss(model, test);
    const greedy = scoreG2P(model, test);
    const beam = scoreG2P(model, test, { beamWidth: G2P_EVAL_BEAM });
    const seconds = (performance.now() - t0) / 1000;
    const history: nb.train.History = { epochs, metrics: { loss: epochs.map((e) => e.loss) }, stepLoss: [], seconds };
    const result: G2PTrainResult = {
      ...summary(spec, { backend, optName: args.optimizer, lr: args.lr, lrDecay: args.lrDecay, batchSize: args.batchSize, seed: args.seed, nTrain, nTest, history, test: { loss: testLoss, accuracy: NaN } }),
      testAccuracy: 1 - greedy.wer,
      trainAccuracy: null,
      attention,
      phonemeErrorRate: greedy.per,
      wordErrorRate: greedy.wer,
      beam: { width: G2P_EVAL_BEAM, phonemeErrorRate: beam.per, wordErrorRate: beam.wer },
    };
    io.say(`held-out words: greedy PER ${rate(greedy.per)} · WER ${rate(greedy.wer)} · beam ${G2P_EVAL_BEAM} PER ${rate(beam.per)} · WER ${rate(beam.wer)} · test loss ${testLoss.toFixed(4)} · ${result.epochs} epoch${result.epochs > 1 ? 's' : ''} in ${result.seconds.toFixed(1)} s`);
    const shown = data.test.slice(0, 3);
    const predicted = transcribe(model, test.letters.slice(0, shown.length));
    shown.forEach((e, i) => io.say(`  ${e.word}: ${data.phonemes.decodeTokens(predicted[i]!).join(' ')} (dictionary: ${e.phonemes.join(' ')})`));
    if (args.out) {
      result.out = args.out;
      await writeOutputs(args.out, spec, model, history, result, {
        letters: data.letters.toJSON() as unknown as JsonValue,
        phonemes: data.phonemes.toJSON() as unknown as JsonValue,
      });
      io.say(`saved ${args.out}/model.nabla (with its letter and phoneme vocabularies), metrics.json and curves.svg`);
    }
    if (args.json) process.stdout.write(`${JSON.stringify(result)}\n`);
    return result;
  } finally {
    progress.close();
    model.dispose();
  }
}

export interface G2PArgs {
  /** Beam width (default 1: greedy decoding). */
  beam?: number;
  /** Write the attention matrix of each prediction as a heat-map SVG here (several words: one file each, the word before the extension). */
  attentionMap?: string;
  backend?: string;
  /** Print one JSON line. */
  json?: boolean;
}

export interface G2PResult {
  file: string;
  model: string;
  attention: boolean;
  beam: number;
  predictions: { word: string; phonemes: string[] }[];
  /** The heat-map files written (with --attention-map). */
  attentionMaps: string[];
}

/** A g2p model file from `nabla train g2p --out`, with its two vocabularies, checked. */
export async function loadG2P(file: string): Promise<{ model: G2P; letters: nb.data.text.Vocabulary; phonemes: nb.data.text.Vocabulary; metadata: Record<string, unknown> }> {
  const stat = await nodeBuiltin('node:fs/promises', 'nabla g2p').stat(file).catch(() => null);
  if (stat?.isDirectory()) throw new Error(`g2p: ${file} is a folder, not a model file (nabla train g2p --out DIR writes DIR/model.nabla)`);
  const { model, metadata } = await nb.io.loadFile(file);
  try {
    if (!(model instanceof G2P)) throw new Error(`g2p: ${file} holds a ${model.typeName}, not a g2p model (train one with: nabla train g2p --out DIR)`);
    const vocab = (key: 'letters' | 'phonemes'): nb.data.text.Vocabulary => {
      if (metadata[key] === undefined) throw new Error(`g2p: ${file}: the file's metadata has no ${key} vocabulary (nabla train g2p --out stores both; from code, save with { metadata: { letters: letters.toJSON(), phonemes: phonemes.toJSON() } })`);
      try {
        return nb.data.text.Vocabulary.fromJSON(metadata[key] as unknown as VocabularyJSON);
      } catch (e) {
        throw new Error(`g2p: ${file}: the ${key} vocabulary in the file's metadata is damaged: ${(e as Error).message}`, { cause: e });
      }
    };
    const letters = vocab('letters');
    const phonemes = vocab('phonemes');
    if (letters.size !== model.letters) throw new Error(`g2p: ${file}: the letter vocabulary has ${letters.size} tokens but the model ${model.letters}`);
    if (phonemes.size !== model.phonemes) throw new Error(`g2p: ${file}: the phoneme vocabulary has ${phonemes.size} tokens but the model ${model.phonemes}`);
    return { model, letters, phonemes, metadata };
  } catch (e) {
    model.dispose();
    throw e;
  }
}

/** The file for one word's heat-map: `out` itself for one word, else the word before the extension. */
function mapFile(out: string, word: string, count: number): string {
  if (count === 1) return out;
  const dot = out.lastIndexOf('.');
  const slash = Math.max(out.lastIndexOf('/'), out.lastIndexOf('\\'));
  const safe = word.toLowerCase().replace(/[^\p{L}\p{N}_-]+/gu, '_');
  return dot > slash ? `${out.slice(0, dot)}-${safe}${out.slice(dot)}` : `${out}-${safe}.svg`;
}

/** Pronounces words with a saved g2p model and prints `word  PH O N E M E S`, one word a line. */
export async function g2p(file: string, words: readonly string[], args: G2PArgs = {}): Promise<G2PResult> {
  checkPositive(args.beam, '--beam', true);
  if (words.length === 0) throw new Error('g2p: give at least one word to pronounce');
  await selectBackend(args.backend);
  const { model, letters, phonemes, metadata } = await loadG2P(file);
  try {
    if (args.attentionMap !== undefined && !model.attention) {
      throw new Error(`g2p: --attention-map needs a model with attention; ${file} was trained with --no-attention`);
    }
    const ids = words.map((w) => encodeWord(letters, w));
    const beam = args.beam ?? 1;
    const predicted = transcribe(model, ids, { beamWidth: beam });
    const predictions = words.map((word, i) => ({ word, phonemes: phonemes.decodeTokens(predicted[i]!) }));
    const attentionMaps: string[] = [];
    if (args.attentionMap !== undefined) {
      for (let i = 0; i < words.length; i++) {
        const out = mapFile(args.attentionMap, words[i]!, words.length);
        const weights = attentionMatrix(model, ids[i]!, predicted[i]!)!;
        await nb.io.writeFileAtomic(out, attentionSvg(words[i]!.toLowerCase(), predictions[i]!.phonemes, weights));
        attentionMaps.push(out);
      }
    }
    const r: G2PResult = { file, model: typeof metadata.model === 'string' ? metadata.model : model.typeName, attention: model.attention, beam, predictions, attentionMaps };
    if (args.json) {
      process.stdout.write(`${JSON.stringify(r)}\n`);
    } else {
      const width = Math.max(...words.map((w) => w.length));
      process.stdout.write(predictions.map((p) => `${p.word.padEnd(width)}  ${p.phonemes.join(' ')}\n`).join(''));
      for (const f of attentionMaps) process.stdout.write(`attention heat-map: ${f}\n`);
    }
    return r;
  } finally {
    model.dispose();
  }
}

