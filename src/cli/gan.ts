/**
 * Generative adversarial networks on MNIST (`nabla train gan|dcgan|acgan`, the examples of the
 * same names, `nabla sample --digit`, `nabla eval-gan`): the networks, their training with
 * `nb.train.loop` (two models, two Adam optimizers, lr 2e-4, β1 0.5), pictures of samples after
 * every epoch, curves of the losses and of D's outputs, and the measured quality (a Fréchet
 * distance between LeNet-5 features of generated and test images).
 *
 * The losses, with D(x) = σ(l(x)) for D's logit l, in their stable forms from logits
 * (−log σ(l) = softplus(−l), −log(1 − σ(l)) = softplus(l)):
 *   D:  −E[log D(x)] − E[log(1 − D(G(z)))]          (G(z) detached)
 *   G:  −E[log D(G(z))]                              (the non-saturating loss)
 * AC-GAN adds a class head C(·) to D and a class c to G's input:
 *   D:  −E[log D(x)] − E[log(1 − D(G(z, c)))] + CE(C(x), y) + λ·CE(C(G(z, c)), c)
 *   G:  −E[log D(G(z, c))] + CE(C(G(z, c)), c)
 * with λ = 1 in the lectures; the default here is λ = 0 (`fakeClassWeight`, see ACGAN_FAKE_CLASS_WEIGHT).
 *
 * Images are scaled to [−1, 1]; the generators end in tanh.
 */
import * as nb from '../index.js';
import type { Tensor } from '../tensor/tensor.js';
import { Module, cfgNumber, type LayerConfig } from '../nn/module.js';
import { registerLayer } from '../nn/index.js';
import { checkPositiveInt, checkTensor } from '../nn/checks.js';
import { nodeBuiltin } from '../io/node.js';
import type { ModelSpec } from './models.js';
import type { TrainArgs, TrainResult } from './commands.js';
import { selectBackend } from './backend.js';

export const GANS = ['gan', 'dcgan', 'acgan'] as const;
export type GanKind = (typeof GANS)[number];

/** The latent size of every generator here. */
export const LATENT = 100;
/** MNIST's classes (the AC-GAN's conditions). */
export const CLASSES = 10;

/** Fully connected generator: z 100 → 256 → 512 → 784 (leaky ReLU 0.2, tanh out) → [1, 28, 28]. */
export function ganGenerator(latent = LATENT): nb.nn.Sequential {
  return nb.nn.sequential(
    nb.nn.linear(latent, 256), nb.nn.leakyRelu(0.2), nb.nn.linear(256, 512), nb.nn.leakyRelu(0.2),
    nb.nn.linear(512, 784), nb.nn.tanh(), nb.nn.reshape([1, 28, 28]),
  );
}

/** Fully connected discriminator: 784 → 512 → 256 → 1 logit (leaky ReLU 0.2). */
export function ganDiscriminator(): nb.nn.Sequential {
  return nb.nn.sequential(nb.nn.flatten(), nb.nn.linear(784, 512), nb.nn.leakyRelu(0.2), nb.nn.linear(512, 256), nb.nn.leakyRelu(0.2), nb.nn.linear(256, 1));
}

/**
 * DCGAN generator: z(100) → linear 128·7·7 → batchNorm1d → ReLU → [128, 7, 7] →
 * conv2dTranspose(128→64, k4, s2, p1) → batchNorm2d → ReLU → conv2dTranspose(64→1, k4, s2, p1) → tanh.
 */
export function dcganGenerator(latent = LATENT): nb.nn.Sequential {
  return nb.nn.sequential(
    nb.nn.linear(latent, 128 * 7 * 7), nb.nn.batchNorm1d(128 * 7 * 7), nb.nn.relu(), nb.nn.reshape([128, 7, 7]),
    nb.nn.conv2dTranspose(128, 64, 4, { stride: 2, padding: 1 }), nb.nn.batchNorm2d(64), nb.nn.relu(), // 14×14
    nb.nn.conv2dTranspose(64, 1, 4, { stride: 2, padding: 1 }), nb.nn.tanh(), // 28×28
  );
}

/** The DCGAN discriminator's convolutional trunk: 1×28×28 → 64×14×14 → 128×7×7, flattened. */
function dcganTrunk(): nb.nn.Sequential {
  return nb.nn.sequential(
    nb.nn.conv2d(1, 64, 4, { stride: 2, padding: 1 }), nb.nn.leakyRelu(0.2),
    nb.nn.conv2d(64, 128, 4, { stride: 2, padding: 1 }), nb.nn.batchNorm2d(128), nb.nn.leakyRelu(0.2),
    nb.nn.flatten(),
  );
}

/**
 * DCGAN discriminator: conv2d(1→64, k4, s2, p1) → leakyRelu 0.2 → conv2d(64→128, k4, s2, p1) →
 * batchNorm2d → leakyRelu 0.2 → flatten → linear(128·7·7 → 1), a logit.
 */
export function dcganDiscriminator(): nb.nn.Sequential {
  const d = dcganTrunk();
  d.add(nb.nn.linear(128 * 7 * 7, 1));
  return d;
}

/** Checks class labels: an integer tensor [N] of values in [0, classes). */
function checkLabels(op: string, labels: Tensor, n: number, classes: number): void {
  checkTensor(op, 'labels', labels);
  if (labels.rank !== 1 || labels.shape[0] !== n) throw new Error(`${op}: labels must be class indices [${n}] (one per latent row), got shape [${labels.shape.join(',')}]`);
  const v = labels.dataSync();
  for (let i = 0; i < v.length; i++) {
    const c = v[i]!;
    if (!Number.isInteger(c) || c < 0 || c >= classes) throw new Error(`${op}: labels must be class indices in [0, ${classes}), got ${c} at index ${i}`);
  }
}

/**
 * The AC-GAN generator: G(z, c) — the latent z [N, latent] and a class c [N] (int32), the class
 * through an embedding of size `classes`, concatenated to z, then the DCGAN generator's layers.
 */
export class ACGANGenerator extends Module<[z: Tensor, labels: Tensor], Tensor> {
  static override readonly layerType: string = 'ACGANGenerator';
  readonly latent: number;
  readonly classes: number;
  readonly embed: nb.nn.Embedding;
  readonly net: nb.nn.Sequential;

  constructor(latent = LATENT, classes = CLASSES) {
    super();
    this.latent = checkPositiveInt('ACGANGenerator', 'latent', latent);
    this.classes = checkPositiveInt('ACGANGenerator', 'classes', classes);
    this.embed = this.registerModule('embed', nb.nn.embedding(classes, classes));
    this.net = this.registerModule('net', dcganGenerator(latent + classes));
  }

  forward(z: Tensor, labels: Tensor): Tensor {
    const op = 'ACGANGenerator';
    checkTensor(op, 'z', z);
    if (z.rank !== 2 || z.shape[1] !== this.latent) throw new Error(`${op}: z must be latent vectors [N, ${this.latent}], got shape [${z.shape.join(',')}]`);
    checkLabels(op, labels, z.shape[0]!, this.classes);
    return this.net.call(nb.concat([z, this.embed.call(labels.cast('int32'))], 1));
  }

  override config(): LayerConfig {
    return { type: 'ACGANGenerator', latent: this.latent, classes: this.classes };
  }
}
registerLayer('ACGANGenerator', (c) => new ACGANGenerator(cfgNumber(c, 'latent'), cfgNumber(c, 'classes')));

/**
 * The AC-GAN discriminator: the DCGAN discriminator's trunk and two heads on its 128·7·7
 * features — real/fake (a logit [N, 1]) and the class (logits [N, classes]).
 */
export class ACGANDiscriminator extends Module<[x: Tensor], [Tensor, Tensor]> {
  static override readonly layerType: string = 'ACGANDiscriminator';
  readonly classes: number;
  readonly trunk: nb.nn.Sequential;
  readonly source: nb.nn.Linear;
  readonly cls: nb.nn.Linear;

  constructor(classes = CLASSES) {
    super();
    this.classes = checkPositiveInt('ACGANDiscriminator', 'classes', classes);
    this.trunk = this.registerModule('trunk', dcganTrunk());
    this.source = this.registerModule('source', nb.nn.linear(128 * 7 * 7, 1));
    this.cls = this.registerModule('cls', nb.nn.linear(128 * 7 * 7, classes));
  }

  forward(x: Tensor): [Tensor, Tensor] {
    const h = this.trunk.call(x);
    return [this.source.call(h), this.cls.call(h)];
  }

  override config(): LayerConfig {
    return { type: 'ACGANDiscriminator', classes: this.classes };
  }
}
registerLayer('ACGANDiscriminator', (c) => new ACGANDiscriminator(cfgNumber(c, 'classes')));

export function acganGenerator(latent = LATENT): ACGANGenerator {
  return new ACGANGenerator(latent, CLASSES);
}

export function acganDiscriminator(): ACGANDiscriminator {
  return new ACGANDiscriminator(CLASSES);
}

/** A generator: z → images, or (z, class) → images for the AC-GAN. */
export type Generator = nb.nn.Sequential | ACGANGenerator;

/** A fresh generator of a kind (seed with `nb.seed` first). */
export function buildGenerator(kind: GanKind): Generator {
  return kind === 'gan' ? ganGenerator() : kind === 'dcgan' ? dcganGenerator() : acganGenerator();
}

/** A fresh discriminator of a kind. */
export function buildDiscriminator(kind: GanKind): nb.nn.Sequential | ACGANDiscriminator {
  return kind === 'gan' ? ganDiscriminator() : kind === 'dcgan' ? dcganDiscriminator() : acganDiscriminator();
}

/**
 * Images from a generator in eval mode (batch norm on its running statistics), without gradients:
 * `z` [N, latent]; `labels` [N] for the AC-GAN (required there, refused otherwise).
 */
export function generate(g: nb.nn.AnyModule, z: Tensor, labels?: Tensor): Tensor {
  const was = g.training;
  g.eval();
  try {
    return nb.noGrad(() => {
      if (g instanceof ACGANGenerator) {
        if (!labels) throw new Error('generate: an AC-GAN generator needs labels (one class per latent row)');
        return g.call(z, labels);
      }
      if (labels) throw new Error(`generate: labels apply only to an AC-GAN generator, got a ${g.typeName}`);
      checkTensor('generate', 'z', z);
      if (z.rank !== 2 || z.shape[1] !== LATENT) throw new Error(`generate: z must be latent vectors [N, ${LATENT}], got shape [${z.shape.join(',')}]`);
      return (g as nb.nn.Module).call(z);
    });
  } finally {
    g.train(was);
  }
}

// ---- losses, as the lectures write them --------------------------------------------------------

/** −E[log D(x)] for D = σ(logit): mean softplus(−logit). */
export function negLogD(logit: Tensor): Tensor {
  return nb.softplus(nb.neg(logit)).mean();
}

/** −E[log(1 − D(x))] for D = σ(logit): mean softplus(logit). */
export function negLog1mD(logit: Tensor): Tensor {
  return nb.softplus(logit).mean();
}

/** The mean of D's probability σ(logit), a number. */
const meanProb = (logit: Tensor): number => nb.sigmoid(logit).mean().item();

// ---- training ------------------------------------------------------------------------------------

export interface GanOptions {
  epochs?: number;
  batchSize?: number;
  /** Adam's learning rate for both models (default 2e-4; β1 0.5, β2 0.999). */
  lr?: number;
  seed?: number;
  /** Train on the first N training images. */
  limit?: number;
  /** A folder for model.nabla (the generator), discriminator.nabla, metrics.json, samples-epoch-NN.png, samples.png, losses.svg, d-outputs.svg. */
  out?: string;
  verbose?: nb.train.Verbosity;
  log?: (line: string) => void;
  /**
   * Pictures of the fixed noise's samples per epoch (default: 1, or 4 when training for a single
   * epoch, so that the digits can be watched appearing): samples-step-NNNNN.png within an epoch.
   */
  picturesPerEpoch?: number;
  /** Called after every epoch's pictures (for tests: memory over epochs). */
  onEpochEnd?: (epoch: number) => void;
  /**
   * AC-GAN: the weight λ of the fourth term of D's loss, the class of generated images,
   * CE(C(x), y) + λ·CE(C(G(z, c)), c) (default 0; 1 is the loss as the lectures write it). With
   * λ = 1 the class head also learns to tell G's own samples' classes apart by whatever marks G
   * leaves on them, and G can satisfy it without drawing the digit asked for.
   */
  fakeClassWeight?: number;
}

export interface GanEpoch {
  epoch: number;
  d: number;
  g: number;
  /** Mean D(x) on real images and D(G(z)) on generated ones (during the D step). */
  dx: number;
  dgz: number;
  /** AC-GAN: D's class accuracy on real images. */
  realClassAccuracy?: number;
  seconds: number;
}

export interface GanResult {
  model: GanKind;
  backend: string;
  seed: number;
  epochs: number;
  batchSize: number;
  lr: number;
  /** AC-GAN: the weight of the generated images' class term in D's loss. */
  fakeClassWeight?: number;
  trainSamples: number;
  history: GanEpoch[];
  seconds: number;
  files: string[];
}

export const GAN_DEFAULTS: Readonly<Record<GanKind, { epochs: number; batchSize: number; lr: number }>> = {
  gan: { epochs: 8, batchSize: 64, lr: 2e-4 },
  dcgan: { epochs: 1, batchSize: 64, lr: 2e-4 },
  acgan: { epochs: 1, batchSize: 64, lr: 2e-4 },
};

/**
 * The AC-GAN's default weight of the generated images' class term in D's loss: 0, D's class
 * head learns from real digits only (as the Keras mnist_acgan example does); measured in
 * docs/generative.md against 1, the lectures' form.
 */
export const ACGAN_FAKE_CLASS_WEIGHT = 0;

/** Per-step curves over steps (x: epochs as fractions). */
interface Curves {
  x: number[];
  d: number[];
  g: number[];
  dx: number[];
  dgz: number[];
}

/** Moving average (window w) of a curve, so that the charts show trends through the noise of single steps. */
function smooth(v: readonly number[], w: number): number[] {
  const out: number[] = [];
  let s = 0;
  for (let i = 0; i < v.length; i++) {
    s += v[i]!;
    if (i >= w) s -= v[i - w]!;
    out.push(s / Math.min(i + 1, w));
  }
  return out;
}

/** The two SVG charts: D and G losses, and D(x), D(G(z)). */
export function ganCharts(kind: string, c: Curves): { losses: string; outputs: string } {
  const w = Math.max(1, Math.round(c.x.length / 200));
  const sm = (v: number[]): number[] => smooth(v, w);
  const label = w > 1 ? ` (moving average of ${w} steps)` : '';
  const losses = nb.viz.lineChart([
    { name: 'D loss', values: sm(c.d), x: c.x },
    { name: 'G loss', values: sm(c.g), x: c.x },
  ], { title: `${kind}: losses${label}`, xLabel: 'epoch', yLabel: 'loss' });
  const outputs = nb.viz.lineChart([
    { name: 'D(x), real', values: sm(c.dx), x: c.x },
    { name: 'D(G(z)), fake', values: sm(c.dgz), x: c.x },
  ], { title: `${kind}: discriminator outputs${label}`, xLabel: 'epoch', yLabel: 'probability of real', yMin: 0, yMax: 1 });
  return { losses, outputs };
}

/** The fixed noise (and classes) of the per-epoch pictures: 64 samples, or 10 of each digit (a row each) for the AC-GAN. */
function fixedInputs(kind: GanKind, seed: number): { z: Tensor; labels?: Tensor; nrow: number } {
  const random = new nb.Random(seed + 7919);
  if (kind === 'acgan') {
    const labels = nb.tensor(Array.from({ length: 100 }, (_, i) => Math.floor(i / 10)), { dtype: 'int32' });
    return { z: nb.randn([100, LATENT], { random }), labels, nrow: 10 };
  }
  return { z: nb.randn([64, LATENT], { random }), nrow: 8 };
}

/** Trains a GAN of a kind on MNIST (see the module comment); returns its per-epoch figures. */
export async function trainGan(kind: GanKind, opts: GanOptions = {}): Promise<GanResult> {
  if (!(GANS as readonly string[]).includes(kind)) throw new Error(`trainGan: kind must be one of ${GANS.join(', ')}, got ${String(kind)}`);
  const dft = GAN_DEFAULTS[kind];
  const epochs = opts.epochs ?? dft.epochs;
  const batchSize = opts.batchSize ?? dft.batchSize;
  const lr = opts.lr ?? dft.lr;
  const seed = opts.seed ?? 0;
  const verbose = opts.verbose ?? 1;
  const fakeClassWeight = opts.fakeClassWeight ?? ACGAN_FAKE_CLASS_WEIGHT;
  if (!(Number.isFinite(fakeClassWeight) && fakeClassWeight >= 0)) throw new Error(`trainGan: fakeClassWeight must be a finite number ≥ 0, got ${fakeClassWeight}`);
  if (opts.fakeClassWeight !== undefined && kind !== 'acgan') throw new Error(`trainGan: fakeClassWeight applies only to the acgan, got kind ${kind}`);
  const { train, test } = await nb.data.mnist({ limit: opts.limit, testLimit: 1 });
  nb.dispose(test);
  const t0 = performance.now();
  nb.seed(seed);
  const G = buildGenerator(kind);
  const D = buildDiscriminator(kind);
  const fixed = fixedInputs(kind, seed);
  const optG = nb.optim.adam(G.parameters(), { lr, beta1: 0.5, beta2: 0.999 });
  const optD = nb.optim.adam(D.parameters(), { lr, beta1: 0.5, beta2: 0.999 });
  const n = train.x.shape[0]!;
  const stepsPerEpoch = Math.ceil(n / batchSize);
  const curves: Curves = { x: [], d: [], g: [], dx: [], dgz: [] };
  const result: GanResult = { model: kind, backend: nb.getBackend().name, seed, epochs, batchSize, lr, ...(kind === 'acgan' ? { fakeClassWeight } : {}), trainSamples: n, history: [], seconds: 0, files: [] };
  const fs = opts.out ? nodeBuiltin('node:fs/promises', 'nabla train --out') : null;
  const path = opts.out ? nodeBuiltin('node:path', 'nabla train --out') : null;
  const file = (name: string): string => path!.join(opts.out!, name);
  const written = new Set<string>();
  const write = async (name: string, bytes: Uint8Array | string): Promise<void> => {
    await nb.io.writeFileAtomic(file(name), bytes);
    if (!written.has(name)) result.files.push(file(name));
    written.add(name);
  };
  if (fs) await fs.mkdir(opts.out!, { recursive: true });
  let epochStart = performance.now();
  let realAcc = 0;
  let realAccN = 0;

  // one step of the GAN and the DCGAN: D on real and (detached) generated images, then G
  const ganStep = (real: Tensor): Record<string, number> => {
    const m = real.shape[0]!;
    const fake = (G as nb.nn.Sequential).call(nb.randn([m, LATENT]));
    const lReal = (D as nb.nn.Sequential).call(real);
    const lFake = (D as nb.nn.Sequential).call(fake.detach());
    // D: −E[log D(x)] − E[log(1 − D(G(z)))]
    const dLoss = nb.add(negLogD(lReal), negLog1mD(lFake));
    dLoss.backward();
    optD.step();
    optD.zeroGrad();
    // G: −E[log D(G(z))], through the updated D
    const gLoss = negLogD((D as nb.nn.Sequential).call(fake));
    gLoss.backward();
    optG.step();
    optG.zeroGrad();
    optD.zeroGrad();
    return { d: dLoss.item(), g: gLoss.item(), 'D(x)': meanProb(lReal), 'D(G(z))': meanProb(lFake) };
  };

  // one step of the AC-GAN: the four-term D loss and the two-term G loss
  const acganStep = (real: Tensor, y: Tensor): Record<string, number> => {
    const m = real.shape[0]!;
    const g = G as ACGANGenerator;
    const d = D as ACGANDiscriminator;
    const c = nb.randint(0, CLASSES, [m]);
    const fake = g.call(nb.randn([m, LATENT]), c);
    const [sReal, cReal] = d.call(real);
    const [sFake, cFake] = d.call(fake.detach());
    // D: −E[log D(x)] − E[log(1 − D(G(z,c)))] + CE(C(x), y) + λ·CE(C(G(z,c)), c)
    const clsReal = nb.nn.softmaxCrossEntropy(cReal, y);
    const dLoss = nb.add(nb.add(negLogD(sReal), negLog1mD(sFake)), fakeClassWeight === 0 ? clsReal : nb.add(clsReal, nb.mul(nb.nn.softmaxCrossEntropy(cFake, c), fakeClassWeight)));
    dLoss.backward();
    optD.step();
    optD.zeroGrad();
    // G: −E[log D(G(z,c))] + CE(C(G(z,c)), c)
    const [sG, cG] = d.call(fake);
    const gLoss = nb.add(negLogD(sG), nb.nn.softmaxCrossEntropy(cG, c));
    gLoss.backward();
    optG.step();
    optG.zeroGrad();
    optD.zeroGrad();
    realAcc += nb.eq(nb.argmax(cReal, -1).cast('int32'), y.cast('int32')).cast('float32').sum().item();
    realAccN += m;
    return { d: dLoss.item(), g: gLoss.item(), 'D(x)': meanProb(sReal), 'D(G(z))': meanProb(sFake) };
  };

  // a picture within an epoch: drawn in the (synchronous) step, written after it (onBatchEnd)
  const pending: { name: string; png: Uint8Array }[] = [];
  const snapshot = (step: number): void => {
    const imgs = generate(G, fixed.z, fixed.labels);
    pending.push({ name: `samples-step-${String(step).padStart(5, '0')}.png`, png: nb.viz.imageGrid(imgs, { nrow: fixed.nrow, range: [-1, 1] }) });
    imgs.dispose();
  };

  const pictures = async (epoch: number): Promise<void> => {
    if (!opts.out) return;
    const imgs = generate(G, fixed.z, fixed.labels);
    const png = nb.viz.imageGrid(imgs, { nrow: fixed.nrow, range: [-1, 1] });
    imgs.dispose();
    await write(`samples-epoch-${String(epoch + 1).padStart(2, '0')}.png`, png);
    await write('samples.png', png);
    const charts = ganCharts(kind, curves);
    await write('losses.svg', charts.losses);
    await write('d-outputs.svg', charts.outputs);
  };

  try {
    const data = kind === 'acgan' ? { x: train.x, y: train.y } : train.x;
    const perEpoch = opts.picturesPerEpoch ?? (epochs === 1 ? 4 : 1);
    const every = perEpoch > 1 ? Math.ceil(stepsPerEpoch / perEpoch) : 0;
    await nb.train.loop(data, ({ x, y }, { step, batch }) => {
      const real = nb.sub(nb.mul(x, 2), 1); // [0, 1] → [−1, 1]
      const r = kind === 'acgan' ? acganStep(real, y!) : ganStep(real);
      curves.x.push((step + 1) / stepsPerEpoch);
      curves.d.push(r.d!);
      curves.g.push(r.g!);
      curves.dx.push(r['D(x)']!);
      curves.dgz.push(r['D(G(z))']!);
      if (opts.out && every > 0 && (batch + 1) % every === 0 && batch + 1 < stepsPerEpoch) snapshot(step + 1);
      return r;
    }, {
      epochs, batchSize, seed, verbose, ...(opts.log ? { log: opts.log } : {}),
      callbacks: [{
        onEpochBegin: () => {
          G.train();
          D.train();
          epochStart = performance.now();
          realAcc = 0;
          realAccN = 0;
        },
        onBatchEnd: async () => {
          for (const p of pending.splice(0)) await write(p.name, p.png);
        },
        onEpochEnd: async (logs, ctx) => {
          if (ctx.nanStop) return;
          const e: GanEpoch = { epoch: logs.epoch, d: (logs.d ?? logs.loss)!, g: logs.g!, dx: logs['D(x)']!, dgz: logs['D(G(z))']!, seconds: (performance.now() - epochStart) / 1000 };
          if (kind === 'acgan') e.realClassAccuracy = realAcc / Math.max(1, realAccN);
          result.history.push(e);
          await pictures(logs.epoch);
          opts.onEpochEnd?.(logs.epoch);
        },
      }],
    });
    G.eval();
    result.seconds = (performance.now() - t0) / 1000;
    if (opts.out) {
      const meta = { model: kind, task: 'gan', role: 'generator', dataset: 'mnist', latent: LATENT, ...(kind === 'acgan' ? { classes: CLASSES } : {}), imageRange: [-1, 1] };
      await nb.io.save(G, file('model.nabla'), { metadata: meta });
      result.files.push(file('model.nabla'));
      await nb.io.save(D, file('discriminator.nabla'), { metadata: { ...meta, role: 'discriminator' } });
      result.files.push(file('discriminator.nabla'));
      await write('metrics.json', `${JSON.stringify(result, null, 2)}\n`);
    }
    return result;
  } finally {
    G.dispose();
    D.dispose();
    nb.dispose([fixed.z, fixed.labels, train.x, train.y]);
  }
}

// ---- measured quality ----------------------------------------------------------------------------

export interface GanEvalOptions {
  /** A .nabla file of an MNIST classifier whose last layer is linear → 10 (LeNet-5 from `nabla train lenet5 --out DIR`): its penultimate layer gives the features. */
  classifier: string;
  /** Generated images (default 10,000) — and as many MNIST test images (at most 10,000). */
  count?: number;
  /** Seed of the latent vectors (default 0). */
  seed?: number;
  /** Images per forward pass (default 500). */
  batchSize?: number;
  /** Also measure a randomly initialised generator of the same kind (default true). */
  randomInit?: boolean;
  log?: (line: string) => void;
}

export interface GanEvalResult {
  file: string;
  model: string;
  classifier: string;
  backend: string;
  count: number;
  /** The Fréchet distance between the classifier's penultimate features of generated and MNIST test images. */
  fid: number;
  /** The same for a randomly initialised generator of the same kind. */
  randomInitFid: number | null;
  /** The same for `count` MNIST training images against the test images: the floor set by sampling. */
  trainVsTestFid: number;
  /** AC-GAN: the share of samples the classifier puts in the requested class, and its mean probability of that class (overall and per digit). */
  acgan?: { accuracy: number; meanConfidence: number; perClass: { digit: number; accuracy: number; confidence: number }[] };
  seconds: number;
}

/** The classifier split into its feature layers (all but the last) and its last linear layer → classes. */
export function splitClassifier(model: nb.nn.AnyModule, file = 'classifier'): { features: nb.nn.Sequential; head: nb.nn.Linear } {
  if (!(model instanceof nb.nn.Sequential) || model.length < 2) throw new Error(`eval-gan: ${file} must hold a sequential classifier (e.g. from nabla train lenet5 --out DIR), got a ${model.typeName}`);
  const head = model.at(-1);
  if (!(head instanceof nb.nn.Linear) || head.weight.shape[1] !== CLASSES) {
    throw new Error(`eval-gan: ${file}: the classifier's last layer must be linear with ${CLASSES} outputs (an MNIST classifier such as lenet5), got ${head.typeName}`);
  }
  return { features: nb.nn.sequential(...[...model].slice(0, -1)), head };
}

/** Rows of features (float64 arrays) and the head's softmax of images in [0, 1], in batches. */
function featuresOf(features: nb.nn.Sequential, head: nb.nn.Linear, images: (i: number, n: number) => Tensor, count: number, batch: number): { rows: number[][]; probs: number[][] } {
  const rows: number[][] = [];
  const probs: number[][] = [];
  features.eval();
  head.eval();
  for (let i = 0; i < count; i += batch) {
    const n = Math.min(batch, count - i);
    nb.tidy(() => nb.noGrad(() => {
      const f = features.call(images(i, n));
      rows.push(...(f.reshape([n, -1]).arraySync() as number[][]));
      probs.push(...(nb.softmax(head.call(f), -1).arraySync() as number[][]));
    }));
  }
  return { rows, probs };
}

/**
 * The measured quality of a generator from `nabla train gan|dcgan|acgan --out DIR` (DIR/model.nabla):
 * the Fréchet distance of LeNet-5's penultimate features (84 units, F6) between `count` generated
 * images and as many MNIST test images (an FID with nabla's classifier, not comparable to an
 * Inception FID), the same for a random-init generator and for training images; for the AC-GAN,
 * the share of samples classified as the digit asked for and the mean confidence.
 */
export async function evaluateGan(file: string, opts: GanEvalOptions): Promise<GanEvalResult> {
  const t0 = performance.now();
  const count = opts.count ?? 10000;
  if (!Number.isInteger(count) || count < 2 || count > 10000) throw new Error(`eval-gan: --count must be an integer in [2, 10000], got ${count}`);
  const batch = opts.batchSize ?? 500;
  const seed = opts.seed ?? 0;
  const { generator, kind } = await loadGenerator(file, 'eval-gan');
  const cls = await nb.io.loadFile(opts.classifier).catch((e: Error) => {
    generator.dispose();
    throw new Error(`eval-gan: --classifier ${opts.classifier}: ${e.message}`, { cause: e });
  });
  const toDispose: nb.nn.AnyModule[] = [generator, cls.model];
  const { test, train } = await nb.data.mnist({ limit: count, testLimit: count });
  try {
    const { features, head } = splitClassifier(cls.model, opts.classifier);
    const testF = featuresOf(features, head, (i, n) => nb.slice(test.x, [i], [n]), count, batch);
    const trainF = featuresOf(features, head, (i, n) => nb.slice(train.x, [i], [n]), count, batch);
    const testStats = nb.train.metrics.featureStats(testF.rows);
    const trainVsTestFid = nb.train.metrics.frechetDistance(trainF.rows, testStats);
    const labelsOf = (i: number, n: number): Tensor | undefined => (kind === 'acgan' ? nb.tensor(Array.from({ length: n }, (_, k) => (i + k) % CLASSES), { dtype: 'int32' }) : undefined);
    const fidOf = (g: nb.nn.AnyModule): { fid: number; probs: number[][] } => {
      const random = new nb.Random(seed);
      const genF = featuresOf(features, head, (i, n) => {
        const imgs = generate(g, nb.randn([n, LATENT], { random }), labelsOf(i, n));
        return nb.div(nb.add(imgs, 1), 2); // tanh's [−1, 1] → the classifier's [0, 1]
      }, count, batch);
      return { fid: nb.train.metrics.frechetDistance(genF.rows, testStats), probs: genF.probs };
    };
    opts.log?.(`eval-gan: ${count} generated images vs ${count} MNIST test images`);
    const trained = fidOf(generator);
    let randomInitFid: number | null = null;
    if (opts.randomInit ?? true) {
      nb.seed(seed + 1);
      const rnd = buildGenerator(kind);
      toDispose.push(rnd);
      randomInitFid = fidOf(rnd).fid;
    }
    const r: GanEvalResult = { file, model: kind, classifier: opts.classifier, backend: nb.getBackend().name, count, fid: trained.fid, randomInitFid, trainVsTestFid, seconds: 0 };
    if (kind === 'acgan') {
      const per = Array.from({ length: CLASSES }, (_, digit) => ({ digit, hits: 0, conf: 0, n: 0 }));
      trained.probs.forEach((p, i) => {
        const c = i % CLASSES;
        let best = 0;
        for (let k = 1; k < p.length; k++) if (p[k]! > p[best]!) best = k;
        const s = per[c]!;
        s.n++;
        s.hits += best === c ? 1 : 0;
        s.conf += p[c]!;
      });
      const perClass = per.map((s) => ({ digit: s.digit, accuracy: s.hits / s.n, confidence: s.conf / s.n }));
      const tot = per.reduce((a, s) => ({ hits: a.hits + s.hits, conf: a.conf + s.conf }), { hits: 0, conf: 0 });
      r.acgan = { accuracy: tot.hits / count, meanConfidence: tot.conf / count, perClass };
    }
    r.seconds = (performance.now() - t0) / 1000;
    return r;
  } finally {
    toDispose.forEach((m) => m.dispose());
    nb.dispose([test.x, test.y, train.x, train.y]);
  }
}

/** The generator in a file from `nabla train gan|dcgan|acgan --out DIR` (DIR/model.nabla), checked. */
export async function loadGenerator(file: string, op: string): Promise<{ generator: Generator; kind: GanKind; metadata: Record<string, unknown> }> {
  const stat = await nodeBuiltin('node:fs/promises', op).stat(file).catch(() => null);
  if (stat?.isDirectory()) throw new Error(`${op}: ${file} is a folder, not a model file (nabla train gan|dcgan|acgan --out DIR writes the generator to DIR/model.nabla)`);
  const { model, metadata } = await nb.io.loadFile(file);
  const kind = metadata.model as GanKind;
  if (metadata.task !== 'gan' || metadata.role !== 'generator' || !(GANS as readonly string[]).includes(kind)) {
    model.dispose();
    throw new Error(`${op}: ${file} holds no GAN generator (its metadata names model ${JSON.stringify(metadata.model ?? null)}); train one with: nabla train gan|dcgan|acgan --out DIR, then use DIR/model.nabla`);
  }
  model.eval();
  return { generator: model as Generator, kind, metadata };
}

/** What `nabla sample <generator> --digit D` draws: a grid of `count` images (of one digit for the AC-GAN) as PNG bytes. */
export function sampleGrid(g: Generator, kind: GanKind, o: { count: number; seed: number; digit?: number }): Uint8Array {
  if (o.digit !== undefined && kind !== 'acgan') throw new Error(`sample: --digit needs an AC-GAN generator (nabla train acgan --out DIR); this file holds a ${kind} generator, which takes no class`);
  if (o.digit !== undefined && !(Number.isInteger(o.digit) && o.digit >= 0 && o.digit < CLASSES)) throw new Error(`sample: --digit must be a digit 0–9, got ${o.digit}`);
  return nb.tidy(() => {
    const z = nb.randn([o.count, LATENT], { random: new nb.Random(o.seed) });
    const labels = kind === 'acgan' ? nb.tensor(Array.from({ length: o.count }, (_, i) => o.digit ?? i % CLASSES), { dtype: 'int32' }) : undefined;
    const imgs = generate(g, z, labels);
    return nb.viz.imageGrid(imgs, { nrow: Math.min(o.count, kind === 'acgan' && o.digit === undefined ? CLASSES : 8), range: [-1, 1] });
  });
}

// ---- the commands --------------------------------------------------------------------------------

/** `nabla train gan|dcgan|acgan`: trainGan, its figures printed (and the TrainResult of `--json`). */
export async function trainGanCommand(spec: ModelSpec, args: TrainArgs, d: { epochs: number; batchSize: number; lr: number; seed: number; optName: string; lrDecay: number }): Promise<TrainResult> {
  if (d.optName !== 'adam' || d.lrDecay !== 0) throw new Error(`${spec.name} trains two models with Adam (β1 0.5) at a constant learning rate; --optimizer and --lr-decay do not apply`);
  const say = args.json ? (): void => undefined : (l: string): void => void process.stdout.write(`${l}\n`);
  const progress = (l: string): void => void (args.json ? process.stderr : process.stdout).write(`${l}\n`);
  say(`nabla · ${spec.name}: ${spec.description}`);
  say(`  MNIST scaled to [−1, 1] · backend ${nb.getBackend().name} · two Adam optimizers lr ${d.lr}, β1 0.5 · batch ${d.batchSize} · ${d.epochs} epoch${d.epochs > 1 ? 's' : ''} · seed ${d.seed}${spec.name === 'acgan' ? ` · weight of the generated images' class term in D's loss ${args.fakeClassWeight ?? ACGAN_FAKE_CLASS_WEIGHT}` : ''}`);
  const r = await trainGan(spec.name as GanKind, {
    epochs: d.epochs, batchSize: d.batchSize, lr: d.lr, seed: d.seed, limit: args.limit, out: args.out,
    verbose: args.quiet ? 0 : 1, log: args.json ? progress : undefined, ...(args.fakeClassWeight === undefined ? {} : { fakeClassWeight: args.fakeClassWeight }),
  });
  const last = r.history.at(-1);
  if (last) {
    say(`after ${r.history.length} epoch${r.history.length > 1 ? 's' : ''}: D loss ${last.d.toFixed(4)} · G loss ${last.g.toFixed(4)} · D(x) ${last.dx.toFixed(3)} · D(G(z)) ${last.dgz.toFixed(3)}${last.realClassAccuracy === undefined ? '' : ` · D's class accuracy on real images ${(100 * last.realClassAccuracy).toFixed(2)}%`}`);
  }
  say(`  ${r.trainSamples} images · ${r.seconds.toFixed(1)} s`);
  if (args.out) say(`saved the generator to ${args.out}/model.nabla (nabla sample ${args.out}/model.nabla${spec.name === 'acgan' ? ' --digit 7' : ''}), samples after every epoch (samples-epoch-NN.png), losses.svg, d-outputs.svg, metrics.json`);
  const result: TrainResult = {
    model: spec.name, backend: r.backend, optimizer: 'adam', lr: d.lr, lrDecay: 0, batchSize: d.batchSize, seed: d.seed, epochs: r.history.length,
    trainSamples: r.trainSamples, testSamples: 0, trainAccuracy: null, trainLoss: last?.d ?? null, testAccuracy: null, testLoss: NaN,
    seconds: Number(r.seconds.toFixed(3)), samplesPerSecond: 0, stopReason: null, out: args.out ?? null, gan: r,
  };
  if (args.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  return result;
}

export interface EvalGanArgs {
  classifier?: string;
  count?: number;
  seed?: number;
  backend?: string;
  json?: boolean;
  /** Skip the random-init generator. */
  randomInit?: boolean;
}

/** `nabla eval-gan <generator.nabla> --classifier lenet5.nabla`: evaluateGan, printed. */
export async function evalGanCommand(file: string, args: EvalGanArgs): Promise<GanEvalResult> {
  if (!args.classifier) throw new Error('eval-gan: --classifier FILE is needed: an MNIST classifier such as LeNet-5 (nabla train lenet5 --out runs/lenet5, then --classifier runs/lenet5/model.nabla)');
  await selectBackend(args.backend);
  const r = await evaluateGan(file, { classifier: args.classifier, count: args.count, seed: args.seed, randomInit: args.randomInit, log: args.json ? undefined : (l) => void process.stdout.write(`${l}\n`) });
  if (args.json) {
    process.stdout.write(`${JSON.stringify(r)}\n`);
    return r;
  }
  const f = (v: number): string => v.toFixed(2);
  const lines = [
    `${r.model} (${file}): Fréchet distance of the classifier's penultimate features to ${r.count} MNIST test images (an FID with nabla's classifier, not comparable to Inception FIDs)`,
    `  trained generator ${f(r.fid)}${r.randomInitFid === null ? '' : ` · random-init generator ${f(r.randomInitFid)}`} · MNIST training images ${f(r.trainVsTestFid)}`,
  ];
  if (r.acgan) {
    lines.push(`  classified as the digit asked for: ${(100 * r.acgan.accuracy).toFixed(2)}% · mean confidence ${(100 * r.acgan.meanConfidence).toFixed(2)}%`);
    lines.push(`  per digit (accuracy / confidence): ${r.acgan.perClass.map((c) => `${c.digit}: ${(100 * c.accuracy).toFixed(1)}/${(100 * c.confidence).toFixed(1)}`).join(' · ')}`);
  }
  lines.push(`  ${r.seconds.toFixed(1)} s`);
  process.stdout.write(`${lines.join('\n')}\n`);
  return r;
}
