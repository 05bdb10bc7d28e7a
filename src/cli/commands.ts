/**
 * What `nabla train` and `nabla eval` do, as functions (main.ts wires them to the command line).
 */
import * as nb from '../index.js';
import type { Tensor } from '../tensor/tensor.js';
import type { JsonValue } from '../nn/module.js';
import { nodeBuiltin } from '../io/node.js';
import { isTextKind, trainText } from './train-text.js';
import { GATE_NAMES, gatesData, modelSpec, optimizerByName, xorData, type DataKind, type ModelSpec } from './models.js';
import { trainAutoencoder, type AutoencoderKind, type AutoencoderResult } from './autoencoders.js';
import { trainGanCommand, type GanResult } from './gan.js';
import { selectBackend } from './backend.js';

export interface TrainArgs {
  epochs?: number;
  batchSize?: number;
  lr?: number;
  /** Exponential learning-rate decay per epoch, η_e = η₀·e^(−k·e); 0 = constant (default: per model). */
  lrDecay?: number;
  optimizer?: string;
  seed?: number;
  /** Train on the first N training samples. */
  limit?: number;
  /** Test on the first N test samples. */
  testLimit?: number;
  backend?: string;
  /** A folder for model.nabla, metrics.json and curves.svg. */
  out?: string;
  /** Print one final JSON line on stdout (progress goes to stderr). */
  json?: boolean;
  /** No progress output. */
  quiet?: boolean;
  /** g2p only: with (default) or without attention. */
  attention?: boolean;
  /** acgan only: the weight of the generated images' class term in D's loss. */
  fakeClassWeight?: number;
}

/** The summary of a training run (what `--json` prints). */
export interface TrainResult {
  model: string;
  backend: string;
  optimizer: string;
  lr: number;
  lrDecay: number;
  batchSize: number;
  seed: number;
  epochs: number;
  trainSamples: number;
  testSamples: number;
  trainAccuracy: number | null;
  trainLoss: number | null;
  /** Test accuracy (null for the language model, which reports bits per character). */
  testAccuracy: number | null;
  /** Test (validation, for the language model) loss: cross-entropy in nats per sample, or bits per character for char-lstm. */
  testLoss: number;
  /** char-lstm: validation cross-entropy in bits per character, and the bigram baseline's. */
  bitsPerChar?: number;
  bigramBitsPerChar?: number;
  /** The text classifiers: the test accuracy of always answering the most frequent class. */
  majorityAccuracy?: number;
  /** Wall-clock seconds of training (validation included), data loading excluded. */
  seconds: number;
  /** Training samples per second (optimizer steps only). */
  samplesPerSecond: number;
  stopReason: string | null;
  out: string | null;
  /** Autoencoders: their own figures (test MSE, denoising, stacked-vs-random accuracies). */
  autoencoder?: AutoencoderResult;
  /** GANs: the per-epoch losses and D's outputs. */
  gan?: GanResult;
}

export interface Output {
  /** Human-readable lines (stdout; silent with --json). */
  say(line: string): void;
  /** Progress lines (stdout, or stderr with --json). */
  progress(line: string): void;
}

function output(args: TrainArgs): Output {
  const err = (l: string): void => void process.stderr.write(`${l}\n`);
  const out = (l: string): void => void process.stdout.write(`${l}\n`);
  return { say: args.json ? () => undefined : out, progress: args.json ? err : out };
}

async function loadData(kind: DataKind, args: TrainArgs): Promise<{ train: { x: Tensor; y: Tensor }; test: { x: Tensor; y: Tensor }; name: string }> {
  if (kind === 'mnist') {
    const { train, test } = await nb.data.mnist({ limit: args.limit, testLimit: args.testLimit });
    return { train, test, name: 'MNIST' };
  }
  if (kind === 'seq-mnist') {
    const { train, test } = await nb.data.text.sequentialMnist({ limit: args.limit, testLimit: args.testLimit });
    return { train, test, name: 'MNIST read row by row (28 steps × 28 pixels)' };
  }
  const d = kind === 'gates' ? gatesData() : xorData();
  return { train: d, test: d, name: kind === 'gates' ? 'the gates truth table' : 'the XOR truth table' };
}

export function checkPositive(v: number | undefined, flag: string, integer: boolean): void {
  if (v === undefined) return;
  if (!Number.isFinite(v) || v <= 0 || (integer && !Number.isInteger(v))) {
    throw new Error(`${flag} must be a positive ${integer ? 'integer' : 'number'}, got ${v}`);
  }
}


export const pct = (v: number): string => `${(100 * v).toFixed(2)}%`;

/** Trains a named model and returns the run's summary (and writes --out files). */
export async function train(modelName: string, args: TrainArgs = {}): Promise<TrainResult> {
  const spec = modelSpec(modelName);
  checkPositive(args.epochs, '--epochs', true);
  checkPositive(args.batchSize, '--batch-size', true);
  checkPositive(args.lr, '--lr', false);
  checkPositive(args.limit, '--limit', true);
  checkPositive(args.testLimit, '--test-limit', true);
  const io = output(args);
  const backend = await selectBackend(args.backend);
  const seed = args.seed ?? 0;
  const epochs = args.epochs ?? spec.defaults.epochs;
  const batchSize = args.batchSize ?? spec.defaults.batchSize;
  const lr = args.lr ?? spec.defaults.lr;
  const lrDecay = args.lrDecay ?? spec.defaults.lrDecay;
  if (!(Number.isFinite(lrDecay) && lrDecay >= 0)) throw new Error(`--lr-decay must be a number ≥ 0, got ${lrDecay}`);
  const optName = args.optimizer ?? spec.defaults.optimizer;
  if (args.fakeClassWeight !== undefined && spec.name !== 'acgan') throw new Error(`--fake-class-weight applies only to acgan, got ${spec.name}`);
  if (spec.task === 'autoencoder') return trainAutoencoderCommand(spec, args, { epochs, batchSize, lr, seed, optName, lrDecay });
  if (spec.task === 'gan') return trainGanCommand(spec, args, { epochs, batchSize, lr, seed, optName, lrDecay });
  if (spec.data === 'gates' && optName !== 'perceptron') throw new Error(`the gates model learns with the perceptron rule; --optimizer ${optName} does not apply`);
  if (spec.data !== 'gates' && optName === 'perceptron') throw new Error(`--optimizer perceptron only applies to the gates model`);
  const optimizer = spec.data === 'gates' ? null : optimizerByName(optName, lr);

  // these train with their own step loops, which read each loss (and the perceptron its weights) synchronously
  if (!nb.getBackend().downloadSync && (spec.data === 'g2p' || spec.data === 'gates' || isTextKind(spec.data))) {
    throw new Error(`${spec.name} trains with a loop that reads values synchronously, and the '${backend}' backend reads asynchronously: use --backend cpu or wasm`);
  }
  if (args.attention !== undefined && spec.data !== 'g2p') throw new Error(`--${args.attention ? '' : 'no-'}attention only applies to the g2p model`);
  if (spec.data === 'g2p') return (await import('./g2p-command.js')).trainG2PCommand(spec, { ...args, seed, epochs, batchSize, lr, lrDecay, optimizer: optName }, io, backend);
  if (isTextKind(spec.data)) return trainText(spec, { ...args, seed, epochs, batchSize, lr, lrDecay, optimizer: optName }, io, backend);

  const data = await loadData(spec.data, args);
  nb.seed(seed);
  const model = spec.build() as nb.nn.Module;
  const nTrain = data.train.x.shape[0]!;
  const nTest = data.test.x.shape[0]!;
  io.say(`nabla · ${spec.name}: ${spec.description}`);
  io.say(`  ${nTrain} training and ${nTest} test samples from ${data.name} · backend ${backend} · ${optName} lr ${lr}${lrDecay ? `·e^(-${lrDecay}·epoch)` : ''} · batch ${batchSize} · ${epochs} epoch${epochs > 1 ? 's' : ''} · seed ${seed} · ${model.numParameters().toLocaleString('en-US')} parameters`);

  let history: nb.train.History;
  let result: TrainResult;
  try {
    if (spec.data === 'gates') {
      const p = model as nb.nn.Perceptron;
      const t0 = performance.now();
      const r = p.fit(data.train.x, data.train.y, { lr, maxEpochs: epochs });
      const seconds = (performance.now() - t0) / 1000;
      const acc = gateAccuracy(p, data.test.x, data.test.y);
      history = { epochs: r.errors.map((e, i) => ({ epoch: i, loss: e / nTrain, accuracy: 1 - e / nTrain, lr, seconds: seconds / r.epochs, samplesPerSecond: nTrain / (seconds / r.epochs), samples: nTrain })), metrics: {}, stepLoss: [], seconds };
      history.metrics.loss = history.epochs.map((e) => e.loss);
      history.metrics.accuracy = history.epochs.map((e) => e.accuracy!);
      io.say(`  the perceptron rule ${r.converged ? 'converged' : 'did not converge'} after ${r.epochs} epoch${r.epochs > 1 ? 's' : ''} (mistakes per epoch: ${r.errors.join(', ')})`);
      io.say(truthTable(p, data.test.x));
      result = summary(spec, { backend, optName, lr, lrDecay, batchSize, seed, nTrain, nTest, history, test: { loss: 1 - acc, accuracy: acc } });
    } else {
      const toy = spec.data !== 'mnist' && spec.data !== 'seq-mnist';
      history = await nb.train.fit(model, data.train, {
        epochs,
        batchSize,
        optimizer: optimizer!,
        schedule: lrDecay > 0 ? nb.optim.exponentialDecay(lr, lrDecay) : undefined,
        validation: toy ? undefined : data.test,
        seed,
        verbose: args.quiet || toy ? 0 : 1,
        log: args.json ? io.progress : undefined,
      });
      const last = history.epochs.at(-1);
      const test =
        last?.val_accuracy !== undefined && last.val_loss !== undefined
          ? { loss: last.val_loss, accuracy: last.val_accuracy }
          : await nb.train.evaluate(model, data.test);
      result = summary(spec, { backend, optName, lr, lrDecay, batchSize, seed, nTrain, nTest, history, test: { loss: test.loss, accuracy: test.accuracy ?? NaN } });
      if (spec.data === 'xor') io.say(await xorTable(model, data.test.x));
    }
    if (history.stopReason) io.say(`  ${history.stopReason}`);
    io.say(`test accuracy ${pct(result.testAccuracy ?? NaN)} · test loss ${result.testLoss.toFixed(4)} · ${result.epochs} epoch${result.epochs > 1 ? 's' : ''} in ${result.seconds.toFixed(1)} s · ${Math.round(result.samplesPerSecond)} samples/s`);
    if (args.out) {
      result.out = args.out;
      await writeOutputs(args.out, spec, model, history, result);
      io.say(`saved ${args.out}/model.nabla, metrics.json and curves.svg`);
    }
  } finally {
    model.dispose();
    nb.dispose(data);
  }
  if (args.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  return result;
}

/** `nabla train autoencoder|stacked-ae|denoising-ae|conv-ae`: trainAutoencoder, its figures printed. */
async function trainAutoencoderCommand(spec: ModelSpec, args: TrainArgs, d: { epochs: number; batchSize: number; lr: number; seed: number; optName: string; lrDecay: number }): Promise<TrainResult> {
  if (d.optName !== 'adam' || d.lrDecay !== 0) throw new Error(`${spec.name} trains with Adam at a constant learning rate; --optimizer and --lr-decay do not apply`);
  const io = output(args);
  io.say(`nabla · ${spec.name}: ${spec.description}`);
  io.say(`  MNIST · backend ${nb.getBackend().name} · adam lr ${d.lr} · batch ${d.batchSize} · ${d.epochs} epoch${d.epochs > 1 ? 's' : ''} · seed ${d.seed}`);
  const r = await trainAutoencoder(spec.name as AutoencoderKind, {
    epochs: d.epochs, batchSize: d.batchSize, lr: d.lr, seed: d.seed, limit: args.limit, testLimit: args.testLimit, out: args.out,
    verbose: args.quiet ? 0 : 1, log: args.json ? io.progress : undefined,
  });
  const st = r.stacked;
  const result: TrainResult = {
    model: spec.name, backend: r.backend, optimizer: 'adam', lr: d.lr, lrDecay: 0, batchSize: d.batchSize, seed: d.seed, epochs: d.epochs,
    trainSamples: r.trainSamples, testSamples: r.testSamples, trainAccuracy: null, trainLoss: null,
    testAccuracy: st ? st.pretrainedAccuracy : NaN, testLoss: st ? NaN : r.testMse,
    seconds: round(r.seconds, 3), samplesPerSecond: 0, stopReason: null, out: args.out ?? null, autoencoder: r,
  };
  if (st) io.say(`test accuracy after fine-tuning on ${st.labelled} labelled images: pre-trained ${pct(st.pretrainedAccuracy)} · random initialisation ${pct(st.randomAccuracy)}`);
  else io.say(`test reconstruction MSE ${r.testMse.toFixed(5)} per pixel on ${r.testSamples} images`);
  if (r.denoising) {
    const n = r.denoising;
    io.say(`  denoising, MSE to the clean image: masking noise ${n.masking.input.toFixed(4)} (input) → ${n.masking.output.toFixed(4)} (output) · Gaussian noise ${n.gaussian.input.toFixed(4)} → ${n.gaussian.output.toFixed(4)}`);
  }
  io.say(`  ${r.seconds.toFixed(1)} s`);
  if (args.out) io.say(`saved ${r.files.join(', ')} and ${args.out}/metrics.json`);
  if (args.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  return result;
}

export function summary(
  spec: ModelSpec,
  r: { backend: string; optName: string; lr: number; lrDecay: number; batchSize: number; seed: number; nTrain: number; nTest: number; history: nb.train.History; test: { loss: number; accuracy: number } },
): TrainResult {
  const eps = r.history.epochs;
  let samples = 0;
  let trainSeconds = 0;
  for (const e of eps) {
    samples += e.samples;
    trainSeconds += e.samples / e.samplesPerSecond;
  }
  const last = eps.at(-1);
  return {
    model: spec.name,
    backend: r.backend,
    optimizer: r.optName,
    lr: r.lr,
    lrDecay: r.lrDecay,
    batchSize: r.batchSize,
    seed: r.seed,
    epochs: eps.length,
    trainSamples: r.nTrain,
    testSamples: r.nTest,
    trainAccuracy: last?.accuracy ?? null,
    trainLoss: last?.loss ?? null,
    testAccuracy: r.test.accuracy,
    testLoss: r.test.loss,
    seconds: round(r.history.seconds, 3),
    samplesPerSecond: round(trainSeconds > 0 ? samples / trainSeconds : 0, 1),
    stopReason: r.history.stopReason ?? null,
    out: null,
  };
}

const round = (v: number, d: number): number => Number(v.toFixed(d));

function gateAccuracy(p: nb.nn.Module, x: Tensor, y: Tensor): number {
  return nb.tidy(() => {
    const out = nb.noGrad(() => p.call(x));
    return nb.eq(out, y).cast('float32').mean().item();
  });
}

function truthTable(p: nb.nn.Module, x: Tensor): string {
  return nb.tidy(() => {
    const out = nb.noGrad(() => p.call(x)).arraySync() as number[][];
    const xs = x.arraySync() as number[][];
    const b = (v: number): string => (v > 0 ? ' 1' : '-1');
    const lines = [`   x₁  x₂ │ ${GATE_NAMES.map((g) => g.padStart(4)).join(' ')}`];
    xs.forEach((row, i) => lines.push(`   ${b(row[0]!)}  ${b(row[1]!)} │ ${out[i]!.map((v) => b(v).padStart(4)).join(' ')}`));
    return lines.join('\n');
  });
}

async function xorTable(model: nb.nn.Module, x: Tensor): Promise<string> {
  const probs = nb.tidy(() => nb.noGrad(() => model.call(x)).softmax(-1));
  const p = (await probs.array()) as number[][];
  probs.dispose();
  const xs = (await x.array()) as number[][];
  return ['   x₁ x₂ │ P(xor = 1)', ...xs.map((r, i) => `   ${r[0]}  ${r[1]}  │ ${p[i]![1]!.toFixed(3)}`)].join('\n');
}

export async function writeOutputs(dir: string, spec: ModelSpec, model: nb.nn.AnyModule, history: nb.train.History, result: TrainResult, extra: { [k: string]: JsonValue } = {}): Promise<void> {
  const fs = nodeBuiltin('node:fs/promises', 'nabla train --out');
  const path = nodeBuiltin('node:path', 'nabla train --out');
  await fs.mkdir(dir, { recursive: true });
  const metadata: { [k: string]: JsonValue } = { model: spec.name, dataset: spec.data, inputShape: [...spec.inputShape], result: result as unknown as JsonValue, ...extra };
  await nb.io.save(model, path.join(dir, 'model.nabla'), { metadata });
  const metrics = { ...result, history: { epochs: history.epochs, stepLoss: history.stepLoss } };
  await nb.io.writeFileAtomic(path.join(dir, 'metrics.json'), `${JSON.stringify(metrics, null, 2)}\n`);
  await nb.io.writeFileAtomic(path.join(dir, 'curves.svg'), nb.viz.historyChart(history, { title: spec.name }));
}

/**
 * What `npm start` runs: the best MNIST training that fits in about 20 s. On a fast backend
 * (wasm, picked when registered and available) the MLP for 2 epochs (≈ 97–98%); on the cpu
 * reference backend softmax regression for 5 epochs (≈ 92%). Flags given override the choice.
 */
export async function demo(args: TrainArgs = {}): Promise<TrainResult> {
  const backend = await selectBackend(args.backend ?? (nb.backendNames().includes('wasm') ? 'wasm' : undefined));
  if (backend === 'cpu') return train('mnist-softmax', { epochs: 5, ...args, backend });
  return train('mnist-mlp', { epochs: 2, ...args, backend });
}

export interface EvalArgs {
  /**
   * The data set whose test split to evaluate on (`mnist`, `xor`, `gates`); default: the one the
   * file's metadata names (files from `nabla train --out`). Needed for models saved through the API.
   */
  dataset?: string;
  testLimit?: number;
  backend?: string;
  batchSize?: number;
  json?: boolean;
}

export interface EvalResult {
  file: string;
  model: string;
  dataset: string;
  backend: string;
  testAccuracy: number;
  testLoss: number;
  testSamples: number;
  seconds: number;
}

/** The data sets `nabla eval` evaluates on. */
export type EvalKind = 'mnist' | 'seq-mnist' | 'xor' | 'gates';

/** The data sets `nabla eval --dataset` knows: one sample's shape and the model's output per sample. */
export const EVAL_DATASETS: Readonly<Record<EvalKind, { sample: readonly number[]; outputs: number }>> = {
  mnist: { sample: [1, 28, 28], outputs: 10 },
  'seq-mnist': { sample: [28, 28], outputs: 10 },
  xor: { sample: [2], outputs: 2 },
  gates: { sample: [2], outputs: GATE_NAMES.length },
};

const isDataKind = (v: unknown): v is EvalKind => typeof v === 'string' && Object.hasOwn(EVAL_DATASETS, v);

/**
 * Runs `model` on the first sample of `x`: an error unless it takes the data set's input and
 * gives one output per class (or gate).
 */
function checkFits(file: string, model: nb.nn.Module, kind: EvalKind, x: Tensor): void {
  const { sample, outputs } = EVAL_DATASETS[kind];
  const want = [1, outputs];
  let shape: number[];
  try {
    shape = nb.tidy(() => nb.noGrad(() => model.call(x.slice([0], [1]))).shape.slice());
  } catch (e) {
    throw new Error(`eval: ${file}: the model does not take ${kind} inputs (one sample has shape [${sample.join(',')}], a batch [N,${sample.join(',')}]): ${(e as Error).message}`, { cause: e });
  }
  if (shape.length !== 2 || shape[0] !== 1 || shape[1] !== outputs) {
    throw new Error(`eval: ${file}: the model's output for one ${kind} sample has shape [${shape.join(',')}]; it needs [${want.join(',')}] (one ${kind === 'gates' ? 'output per gate' : 'score per class'})`);
  }
}

/**
 * Evaluates a saved `.nabla` model on a data set's test split: `args.dataset`, or the one its
 * metadata names (files from `nabla train --out`). The model must take that data set's input.
 */
export async function evaluateFile(file: string, args: EvalArgs = {}): Promise<EvalResult> {
  checkPositive(args.testLimit, '--limit', true);
  checkPositive(args.batchSize, '--batch-size', true);
  if (args.dataset !== undefined && !isDataKind(args.dataset)) {
    throw new Error(`eval: unknown data set '${args.dataset}' for --dataset; known: ${Object.keys(EVAL_DATASETS).join(', ')}`);
  }
  const backend = await selectBackend(args.backend);
  // A run's folder is the common mistake: say so rather than pass on the system's EISDIR.
  const stat = await nodeBuiltin('node:fs/promises', 'nabla eval').stat(file).catch(() => null);
  if (stat?.isDirectory()) throw new Error(`eval: ${file} is a folder, not a model file (nabla train --out DIR writes DIR/model.nabla)`);
  const { model, metadata, header } = await nb.io.loadFile(file);
  try {
    const stored = metadata.dataset;
    const kind = args.dataset ?? stored;
    if (kind === undefined) {
      throw new Error(`eval: ${file}: the model's metadata names no data set (it was not saved by 'nabla train --out'); choose one with --dataset: ${Object.keys(EVAL_DATASETS).join(', ')}`);
    }
    if (!isDataKind(kind)) {
      throw new Error(`eval: ${file}: the model's metadata names a data set nabla eval does not know (dataset: ${JSON.stringify(kind)}); choose one with --dataset: ${Object.keys(EVAL_DATASETS).join(', ')}`);
    }
    const data = await loadData(kind, { testLimit: args.testLimit });
    const t0 = performance.now();
    let accuracy: number;
    let loss: number;
    try {
      checkFits(file, model, kind, data.test.x);
      if (kind === 'gates') {
        accuracy = gateAccuracy(model, data.test.x, data.test.y);
        loss = 1 - accuracy;
      } else {
        const ev = await nb.train.evaluate(model, data.test, { batchSize: args.batchSize ?? 256 });
        accuracy = ev.accuracy!;
        loss = ev.loss;
      }
    } finally {
      nb.dispose(data);
    }
    const r: EvalResult = {
      file,
      model: typeof metadata.model === 'string' ? metadata.model : header.architecture.type,
      dataset: kind,
      backend,
      testAccuracy: accuracy,
      testLoss: loss,
      testSamples: data.test.x.shape[0]!,
      seconds: round((performance.now() - t0) / 1000, 3),
    };
    if (args.json) process.stdout.write(`${JSON.stringify(r)}\n`);
    else process.stdout.write(`${r.model} (${file}): test accuracy ${pct(accuracy)} · test loss ${loss.toFixed(4)} on ${r.testSamples} samples · ${r.seconds.toFixed(1)} s\n`);
    return r;
  } finally {
    model.dispose();
  }
}
