#!/usr/bin/env node
/**
 * The `nabla` command:
 *
 *   nabla train <model> [--epochs N] [--batch-size N] [--lr X] [--lr-decay K] [--optimizer NAME] [--seed N]
 *                       [--limit N] [--test-limit N] [--backend NAME] [--out DIR] [--json] [--quiet]
 *   nabla demo [--epochs N] [--backend NAME]     (what npm start runs)
 *   nabla eval <model-file> [--dataset NAME] [--limit N] [--batch-size N] [--backend NAME] [--json]
 *   nabla sample <model-file> [--temperature X] [--top-k N] [--length N] [--seed N] [--prime TEXT] [--count N] [--json]
 *   nabla export <model-file> [--format onnx|pytorch] [--out FILE|DIR] [--input-shape DIMS] [--opset N] [--static-batch]
 *   nabla g2p <model-file> <word...> [--beam K] [--attention-map out.svg] [--json]
 *   nabla sample <generator-file> [--digit D] [--out FILE.png] [--count N] [--seed N]
 *   nabla eval-gan <generator-file> --classifier <lenet5-file> [--count N] [--seed N] [--no-random-init] [--json]
 *   nabla models
 *   nabla playground [--port N] [--no-open]
 *   nabla lectures [chapter…] [--out DIR] [--short] [--seed N] [--quiet]
 */
import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
// The library is loaded in main() (not imported statically) so that an error while it loads,
// e.g. a bad NABLA_BACKEND, is reported like any other: `nabla: error: …`, exit code 1.
import type * as modelsModule from './models.js';
import type * as commandsModule from './commands.js';
import type * as sampleModule from './sample.js';
import type * as g2pModule from './g2p-command.js';
import type * as ganModule from './gan.js';

/** The parts of nabla the commands use. */
export interface CliLibrary {
  MODELS: typeof modelsModule.MODELS;
  demo: typeof commandsModule.demo;
  evaluateFile: typeof commandsModule.evaluateFile;
  train: typeof commandsModule.train;
  sample: typeof sampleModule.sample;
  g2p: typeof g2pModule.g2p;
  evalGan: typeof ganModule.evalGanCommand;
}

/** Loads nabla's models and commands. */
export async function loadLibrary(): Promise<CliLibrary> {
  const [{ MODELS }, { demo, evaluateFile, train }, { sample }, { g2p }, { evalGanCommand }] = await Promise.all([import('./models.js'), import('./commands.js'), import('./sample.js'), import('./g2p-command.js'), import('./gan.js')]);
  return { MODELS, demo, evaluateFile, train, sample, g2p, evalGan: evalGanCommand };
}

function int(flag: string): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!/^\s*\d+\s*$/.test(v) || !Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError(`${flag} needs a positive integer, got '${v}'.`);
    return n;
  };
}

function nonNegInt(flag: string): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!/^\s*\d+\s*$/.test(v) || !Number.isSafeInteger(n)) throw new InvalidArgumentError(`${flag} needs a non-negative integer, got '${v}'.`);
    return n;
  };
}

function nonNegNumber(flag: string): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`${flag} needs a number ≥ 0, got '${v}'.`);
    return n;
  };
}

function positive(flag: string): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${flag} needs a positive number, got '${v}'.`);
    return n;
  };
}

const OPTIMIZERS = ['sgd', 'momentum', 'nesterov', 'adagrad', 'rmsprop', 'adadelta', 'adam', 'adamw', 'perceptron'];

/** The playground module's entry point (src/cli/playground.ts). */
interface PlaygroundModule {
  servePlayground(opts: { port?: number; open?: boolean }): Promise<{ url: string; close(): Promise<void> }>;
}

export function buildProgram(lib: CliLibrary): Command {
  const { MODELS, demo, evaluateFile, train, sample, g2p, evalGan } = lib;
  const program = new Command();
  program
    .name('nabla')
    .description('nabla (∇): train the lectures\' neural networks from the command line')
    .showHelpAfterError('(run with --help for usage)')
    .version(packageVersion(), '-V, --version', 'print nabla\'s version')
    .configureOutput({ outputError: (s, write) => write(s) });

  const modelList = Object.values(MODELS)
    .map((m) => `  ${m.name.padEnd(15)} ${m.description}`)
    .join('\n');

  program
    .command('train')
    .description('train a model from the lectures and report its test accuracy')
    .argument('<model>', `one of: ${Object.keys(MODELS).join(', ')}`)
    .option('--epochs <n>', 'passes over the training data (default: per model)', int('--epochs'))
    .option('--batch-size <n>', 'samples per optimizer step (default: per model)', int('--batch-size'))
    .option('--lr <x>', 'learning rate (default: per model)', positive('--lr'))
    .option('--lr-decay <k>', 'exponential learning-rate decay per epoch, lr·e^(-k·epoch); 0 = constant (default: per model)', nonNegNumber('--lr-decay'))
    .option('--optimizer <name>', `one of: ${OPTIMIZERS.join(', ')} (default: per model)`)
    .option('--seed <n>', 'seed for initialization and shuffling', nonNegInt('--seed'), 0)
    .option('--limit <n>', 'train on the first N training samples (quick runs)', int('--limit'))
    .option('--test-limit <n>', 'test on the first N test samples', int('--test-limit'))
    .option('--backend <name>', 'compute backend: cpu, wasm or webgpu (default: nabla\'s default, or $NABLA_BACKEND)')
    .option('--out <dir>', 'write model.nabla, metrics.json and curves.svg into DIR')
    .option('--json', 'print one final JSON line (progress goes to stderr)')
    .option('--quiet', 'no progress output')
    .option('--attention', 'g2p: decode with attention over the letters (the default)')
    .option('--no-attention', 'g2p: without attention (the encoder\'s final state only)')
    .option('--fake-class-weight <w>', 'acgan: weight of the generated images\' class term in D\'s loss (default 0: D\'s class head learns from real digits only; 1: the lectures\' four-term loss)', nonNegNumber('--fake-class-weight'))
    .addHelpText('after', `\nModels:\n${modelList}\n\nExample:\n  nabla train mnist-mlp --epochs 2 --out runs/mlp`)
    .action(async (model: string, o: { epochs?: number; batchSize?: number; lr?: number; lrDecay?: number; optimizer?: string; seed: number; limit?: number; testLimit?: number; backend?: string; out?: string; json?: boolean; quiet?: boolean; attention?: boolean; fakeClassWeight?: number }) => {
      if (o.optimizer !== undefined && !OPTIMIZERS.includes(o.optimizer)) {
        throw new Error(`unknown optimizer '${o.optimizer}'; known: ${OPTIMIZERS.join(', ')}`);
      }
      await train(model, o);
    });

  program
    .command('demo')
    .description('train on MNIST for about 20 s: the MLP (2 epochs) on the wasm backend, softmax regression (5 epochs) on cpu')
    .option('--epochs <n>', 'passes over the training data', int('--epochs'))
    .option('--limit <n>', 'train on the first N training samples', int('--limit'))
    .option('--backend <name>', 'compute backend (default: wasm when available)')
    .option('--json', 'print one final JSON line (progress goes to stderr)')
    .action(async (o: { epochs?: number; limit?: number; backend?: string; json?: boolean }) => {
      await demo(o);
    });

  program
    .command('eval')
    .description('evaluate a saved .nabla model on a data set\'s test split')
    .argument('<model-file>', 'a .nabla file (from `nabla train --out` or nb.io.save)')
    .option('--dataset <name>', 'mnist, seq-mnist, xor or gates (default: the data set the file\'s metadata names, as `nabla train --out` stores it)')
    .option('--limit <n>', 'evaluate on the first N test samples', int('--limit'))
    .option('--batch-size <n>', 'samples per batch', int('--batch-size'))
    .option('--backend <name>', 'compute backend')
    .option('--json', 'print one JSON line')
    .addHelpText('after', '\nExamples:\n  nabla eval runs/mlp/model.nabla\n  nabla eval my-model.nabla --dataset mnist   # a model saved with nb.io.save')
    .action(async (file: string, o: { dataset?: string; limit?: number; batchSize?: number; backend?: string; json?: boolean }) => {
      await evaluateFile(file, { dataset: o.dataset, testLimit: o.limit, batchSize: o.batchSize, backend: o.backend, json: o.json });
    });

  program
    .command('sample')
    .description('write text with a character language model from `nabla train char-lstm --out DIR`, or a PNG of images from a GAN generator (`nabla train gan|dcgan|acgan --out DIR`)')
    .argument('<model-file>', 'a .nabla file holding a char-lstm model and its vocabulary, or a GAN generator')
    .option('--temperature <x>', 'softmax temperature: < 1 safer, > 1 more varied, 0 greedy (default 1)', nonNegNumber('--temperature'))
    .option('--top-k <n>', 'draw from the k most likely characters only (default: all)', int('--top-k'))
    .option('--length <n>', 'the most characters per sample (default: 20 for names, else 200)', int('--length'))
    .option('--seed <n>', 'seed of the sampler: the same seed, the same text', nonNegInt('--seed'), 0)
    .option('--prime <text>', 'text each sample starts with')
    .option('--count <n>', 'how many samples, one a line (default: 10 for names, else 1); images: how many in the grid (default 64)', int('--count'))
    .option('--digit <d>', 'AC-GAN generators: the digit (0–9) to draw', nonNegInt('--digit'))
    .option('--out <file>', 'GAN generators: the PNG file to write (default digit-D.png or samples.png)')
    .option('--backend <name>', 'compute backend')
    .option('--json', 'print one JSON line')
    .addHelpText('after', '\nExamples:\n  nabla train char-lstm --out runs/names\n  nabla sample runs/names/model.nabla --temperature 0.8 --top-k 10 --prime "ma"\n  nabla train acgan --out runs/acgan\n  nabla sample runs/acgan/model.nabla --digit 7 --out sevens.png --count 64 --seed 1')
    .action(async (file: string, o: { temperature?: number; topK?: number; length?: number; seed: number; prime?: string; count?: number; digit?: number; out?: string; backend?: string; json?: boolean }) => {
      await sample(file, o);
    });

  program
    .command('export')
    .description('convert a saved .nabla model to another format (ONNX, or PyTorch: model.py + weights.safetensors)')
    .argument('<model-file>', 'a .nabla file (from `nabla train --out` or nb.io.save)')
    .option('--format <name>', 'the output format: onnx or pytorch', 'onnx')
    .option('--out <path>', 'onnx: the file to write (default: the model file with the extension .onnx); pytorch: the folder (default: the model file without .nabla, plus -pytorch)')
    .option('--input-shape <dims>', 'the input shape, batch first, e.g. 1,1,28,28 (default: [1, inFeatures] when the first layer is linear)')
    .option('--opset <n>', 'the ONNX opset, 17 to 21', int('--opset'), 17)
    .option('--static-batch', 'fix the batch size to the one in --input-shape (default: any batch size)')
    .addHelpText('after', '\nExamples:\n  nabla export runs/mlp/model.nabla --format onnx\n  nabla export runs/lenet/model.nabla --input-shape 1,1,28,28 --out lenet.onnx\n  nabla export runs/mlp/model.nabla --format pytorch --out mlp-torch')
    .action(async (file: string, o: { format: string; out?: string; inputShape?: string; opset: number; staticBatch?: boolean }) => {
      await exportModel(file, o);
    });

  program
    .command('g2p')
    .description('pronounce words with a grapheme-to-phoneme model from `nabla train g2p --out DIR`')
    .argument('<model-file>', 'a .nabla file holding a g2p model and its letter and phoneme vocabularies')
    .argument('<word...>', 'the words to pronounce')
    .option('--beam <k>', 'beam search with K hypotheses (default: greedy decoding)', int('--beam'))
    .option('--attention-map <file.svg>', 'write the attention matrix of each prediction as a heat-map SVG (several words: the word is added to the name)')
    .option('--backend <name>', 'compute backend')
    .option('--json', 'print one JSON line')
    .addHelpText('after', '\nExample:\n  nabla train g2p --out runs/g2p\n  nabla g2p runs/g2p/model.nabla nabla tensor --beam 5 --attention-map attention.svg')
    .action(async (file: string, words: string[], o: { beam?: number; attentionMap?: string; backend?: string; json?: boolean }) => {
      await g2p(file, words, o);
    });

  program
    .command('eval-gan')
    .description('measure a GAN generator: Fréchet distance of LeNet-5 features to MNIST test images (and the AC-GAN\'s class accuracy)')
    .argument('<generator-file>', 'DIR/model.nabla from `nabla train gan|dcgan|acgan --out DIR`')
    .option('--classifier <file>', 'an MNIST classifier .nabla whose penultimate layer gives the features (nabla train lenet5 --out runs/lenet5)')
    .option('--count <n>', 'generated images, and as many test images (default 10000, at most 10000)', int('--count'))
    .option('--seed <n>', 'seed of the latent vectors', nonNegInt('--seed'), 0)
    .option('--no-random-init', 'skip the random-init generator\'s distance')
    .option('--backend <name>', 'compute backend')
    .option('--json', 'print one JSON line')
    .addHelpText('after', '\nExample:\n  nabla train lenet5 --out runs/lenet5\n  nabla train acgan --out runs/acgan\n  nabla eval-gan runs/acgan/model.nabla --classifier runs/lenet5/model.nabla')
    .action(async (file: string, o: { classifier?: string; count?: number; seed: number; randomInit: boolean; backend?: string; json?: boolean }) => {
      await evalGan(file, o);
    });

  program
    .command('models')
    .description('list the models `nabla train` knows')
    .action(() => {
      process.stdout.write(`${modelList}\n`);
    });

  program
    .command('playground')
    .description('serve the interactive playground in the browser')
    .option('--port <n>', 'port to listen on', int('--port'))
    .option('--no-open', 'do not open a browser')
    .action(async (o: { port?: number; open: boolean }) => {
      const specifier = './playground.js';
      let mod: PlaygroundModule;
      try {
        mod = (await import(specifier)) as PlaygroundModule;
      } catch (e) {
        const code = (e as { code?: string }).code;
        if (code === 'ERR_MODULE_NOT_FOUND') throw new Error('the playground is not part of this build of nabla (dist/cli/playground.js is missing); build it with `npm run build`');
        throw e;
      }
      const server = await mod.servePlayground({ port: o.port, open: o.open });
      process.stdout.write(`nabla playground at ${server.url} (Ctrl+C to stop)\n`);
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          void server.close().finally(resolve);
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });

  program
    .command('lectures')
    .description('reproduce the lectures\' claims: run the companion\'s chapters and write its pages (fails when a claim does not hold)')
    .argument('[chapter...]', 'chapters by id or number (default: all)')
    .option('--out <dir>', 'folder of the companion\'s pages', 'lectures-out')
    .option('--short', 'fewer samples and epochs, the same checks (what CI runs)')
    .option('--seed <n>', 'seed of every chapter', nonNegInt('--seed'), 0)
    .option('--quiet', 'no progress output')
    .addHelpText('after', '\nExamples:\n  nabla lectures --out lectures-out     # every chapter; open lectures-out/index.html\n  nabla lectures 2 backpropagation --short')
    .action(async (chapters: string[], o: { out: string; short?: boolean; seed: number; quiet?: boolean }) => {
      const { lecturesCommand } = await import('../lectures/companion.js');
      await lecturesCommand({ chapters, out: o.out, short: o.short === true, seed: o.seed, quiet: o.quiet === true });
    });

  return program;
}

/** `nabla export`: a .nabla model to ONNX, or to PyTorch (model.py + weights.safetensors), written atomically. */
async function exportModel(file: string, o: { format: string; out?: string; inputShape?: string; opset: number; staticBatch?: boolean }): Promise<void> {
  if (o.format !== 'onnx' && o.format !== 'pytorch') throw new Error(`unknown format '${o.format}'; known: onnx, pytorch`);
  const nb = await import('../index.js');
  const model = await nb.io.load(file);
  if (o.format === 'pytorch') {
    const dir = o.out ?? `${file.replace(/\.nabla$/, '')}-pytorch`;
    const { source, weights } = await nb.io.exportPytorch(model, dir);
    process.stdout.write(`wrote ${source} and ${weights} (in Python: from model import build, load_weights; net = load_weights(build(), "${weights}"))\n`);
    return;
  }
  let shape: number[];
  if (o.inputShape !== undefined) {
    shape = o.inputShape.split(/[,x ]+/).filter((d) => d !== '').map(Number);
    if (shape.length === 0 || !shape.every((d) => Number.isSafeInteger(d) && d >= 1)) throw new Error(`--input-shape needs positive integers separated by commas, e.g. 1,1,28,28, got '${o.inputShape}'`);
  } else {
    let first: unknown = model;
    while (first instanceof nb.nn.Sequential && first.length > 0) first = first.at(0);
    if (!(first instanceof nb.nn.Linear)) throw new Error(`--input-shape is needed for this model (its first layer is ${(first as { typeName?: string }).typeName ?? 'unknown'}), e.g. --input-shape 1,1,28,28`);
    shape = [1, first.inFeatures];
  }
  const out = o.out ?? `${file.replace(/\.nabla$/, '')}.onnx`;
  await nb.io.exportOnnxFile(model, out, { inputShape: shape, opset: o.opset, dynamicBatch: !o.staticBatch });
  process.stdout.write(`wrote ${out} (ONNX opset ${o.opset}, input [${shape.join(', ')}]${o.staticBatch ? '' : ', any batch size'})\n`);
}

/** The version in nabla's package.json (two folders up from src/cli/ and from dist/cli/). */
function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
  return typeof pkg.version === 'string' ? pkg.version : 'unknown';
}

/**
 * A reader that stops early (`nabla help train | head -5`) closes the pipe: the next write to
 * stdout fails with EPIPE. Nothing more can be shown, so the command ends quietly with exit code
 * 0, as Unix tools do; any other stdout error is rethrown.
 */
function exitQuietlyOnEpipe(err: Error & { code?: string }): void {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
}

/** Runs the CLI; returns the exit code (errors are printed as `nabla: error: …`). */
export async function main(argv: readonly string[]): Promise<number> {
  if (!process.stdout.listeners('error').includes(exitQuietlyOnEpipe)) process.stdout.on('error', exitQuietlyOnEpipe);
  let program: Command;
  try {
    program = buildProgram(await loadLibrary());
  } catch (e) {
    return reportError(e);
  }
  program.exitOverride();
  for (const c of program.commands) c.exitOverride();
  try {
    if (argv.length <= 2) {
      program.outputHelp();
      return 0;
    }
    await program.parseAsync([...argv]);
    return 0;
  } catch (e) {
    const ce = e as { code?: string; exitCode?: number };
    if (typeof ce.code === 'string' && ce.code.startsWith('commander.')) {
      // commander has printed its message (unknown option, missing argument, help, version)
      return ce.exitCode ?? 1;
    }
    return reportError(e);
  }
}

/** Prints `nabla: error: <message>` (without a second `nabla: ` prefix) and returns exit code 1. */
function reportError(e: unknown): number {
  const message = e instanceof Error ? e.message : String(e);
  process.stderr.write(`nabla: error: ${message.replace(/^nabla: /, '')}\n`);
  return 1;
}

const code = await main(process.argv);
process.exitCode = code;
