/**
 * The networks `nabla train` knows, from the lectures: logic gates learned by perceptrons, XOR by
 * a small backprop network, four MNIST classifiers (softmax regression, an MLP, LeNet-5 in its
 * modern and classic forms), and the recurrent networks of the four sequence shapes (a spam
 * classifier, a name → gender classifier, sequential MNIST, a character language model).
 * Examples and benchmarks import them from here.
 *
 * MNIST inputs are NCHW [N, 1, 28, 28]; the dense models start with a flatten layer. Sequences are
 * batch-first: token ids int32 [batch, time], id 0 the padding (nb.data.text's `<pad>`).
 *
 * Importing this module registers the layer types `SequenceClassifier` and `CharLSTM`, so that
 * `nb.io.load` can rebuild them from a file (and, through src/cli/gan.ts, `ACGANGenerator` and
 * `ACGANDiscriminator`).
 */
import * as nn from '../nn/index.js';
import * as ops from '../ops/index.js';
import * as optim from '../optim/index.js';
import { tensor } from '../tensor/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import { G2P } from './g2p.js';
import { AE_DEFAULTS, convAutoencoder, denseAutoencoder, stackedClassifier, type AutoencoderKind } from './autoencoders.js';
import { GAN_DEFAULTS, LATENT, acganGenerator, dcganGenerator, ganGenerator, type GanKind } from './gan.js';

export { AUTOENCODERS, AE_DEFAULTS, convAutoencoder, corrupt, denseAutoencoder, reconstructionMse, stackedClassifier, trainAutoencoder } from './autoencoders.js';
export type { AutoencoderKind, AutoencoderOptions, AutoencoderResult } from './autoencoders.js';
import { cfgNumber, type LayerConfig } from '../nn/module.js';
import { checkOneOf } from '../validate.js';
import { checkPositiveInt, checkTensor } from '../nn/checks.js';

/** Which data a model trains on. */
export type DataKind = 'mnist' | 'gates' | 'xor' | 'spam' | 'names' | 'seq-mnist' | 'char' | 'g2p';

export interface ModelSpec {
  readonly name: string;
  readonly description: string;
  readonly data: DataKind;
  /** One sample's shape (for summaries). */
  readonly inputShape: readonly number[];
  /**
   * A fresh, randomly initialised network (seed with `nb.seed` first). The models of text take
   * the size of their vocabulary (built from the training data).
   */
  build(vocabSize?: number): nn.AnyModule;
  /**
   * Training defaults: what the lectures/targets use. `lrDecay` k > 0 decays the learning rate
   * exponentially per epoch, η_e = η₀·e^(−k·e) (nb.optim.exponentialDecay); 0 keeps it constant.
   */
  readonly defaults: { epochs: number; batchSize: number; lr: number; optimizer: string; lrDecay: number };
  /** The test accuracy the examples reach (for docs and checks). */
  readonly target?: number;
  /** 'autoencoder': trained by `trainAutoencoder` (src/cli/autoencoders.ts) instead of `fit`; 'gan': by `trainGan` (src/cli/gan.ts). */
  readonly task?: 'autoencoder' | 'gan';
}

/** The vocabulary size a text model's `build` needs. */
function needVocab(name: string, vocabSize: number | undefined): number {
  if (vocabSize === undefined) throw new Error(`${name}: build(vocabSize) needs the size of the vocabulary`);
  return vocabSize;
}

/** softmax regression, the lectures' TensorFlow example: 784 → 10, plain gradient descent. */
export function mnistSoftmax(): nn.Module {
  return nn.sequential(nn.flatten(), nn.linear(784, 10, { init: 'zeros' }));
}

/** A multi-layer perceptron 784-256-128-10 with ReLU. */
export function mnistMlp(): nn.Module {
  return nn.sequential(nn.flatten(), nn.linear(784, 256), nn.relu(), nn.linear(256, 128), nn.relu(), nn.linear(128, 10));
}

/** LeNet-5, modern form: ReLU and max pooling; 'same' padding on the first convolution (28×28 in). */
export function lenet5(): nn.Module {
  return nn.sequential(
    nn.conv2d(1, 6, 5, { padding: 'same' }), nn.relu(), nn.maxPool2d(2),
    nn.conv2d(6, 16, 5), nn.relu(), nn.maxPool2d(2),
    nn.flatten(), nn.linear(400, 120), nn.relu(), nn.linear(120, 84), nn.relu(), nn.linear(84, 10),
  );
}

/**
 * LeNet-5, classic form (LeCun et al. 1998): C1 6@28×28 (5×5 on the 28×28 image padded by 2, i.e.
 * the paper's 32×32 input), S2 trainable subsampling, C3 16 maps with the partial connection
 * table, S4 trainable subsampling, C5 120 maps of 1×1, F6 84, output 10 — tanh throughout. The
 * paper's RBF output layer is replaced by a linear layer with softmax cross-entropy.
 */
export function lenet5Classic(): nn.Module {
  return nn.sequential(
    nn.conv2d(1, 6, 5, { padding: 2 }), nn.tanh(), nn.subsampling(6),
    nn.lenet5C3(), nn.tanh(), nn.subsampling(16),
    nn.conv2d(16, 120, 5), nn.tanh(), nn.flatten(),
    nn.linear(120, 84), nn.tanh(), nn.linear(84, 10),
  );
}

/** A 2-4-2 tanh network for XOR (trained by backprop; two logits). */
export function xorNet(): nn.Module {
  return nn.sequential(nn.linear(2, 4), nn.tanh(), nn.linear(4, 2));
}

/** One layer of three sign perceptrons on ±1 inputs, learning AND, OR and NAND at once. */
export function gatesNet(): nn.Module {
  return nn.perceptron(2, 3, { activation: 'sign' });
}

export const GATE_NAMES = ['AND', 'OR', 'NAND'] as const;

/** The gates' truth table on ±1 inputs (true = +1): x [4, 2], targets [4, 3] for AND, OR, NAND. */
export function gatesData(): { x: Tensor; y: Tensor } {
  const inputs = [[-1, -1], [-1, 1], [1, -1], [1, 1]];
  const t = inputs.map(([a, b]) => {
    const and = a! > 0 && b! > 0;
    const or = a! > 0 || b! > 0;
    return [and ? 1 : -1, or ? 1 : -1, and ? -1 : 1];
  });
  return { x: tensor(inputs), y: tensor(t) };
}

/** XOR on 0/1 inputs with class labels: x [4, 2], y int32 [4]. */
export function xorData(): { x: Tensor; y: Tensor } {
  return { x: tensor([[0, 0], [0, 1], [1, 0], [1, 1]]), y: tensor([0, 1, 1, 0], { dtype: 'int32' }) };
}

/** The recurrent layer of a sequence model. */
export type SequenceCell = 'lstm' | 'gru';

/**
 * Many-to-one: token ids [batch, time] (0 = padding, at the end) → an embedding → an LSTM or GRU
 * → its state after each sequence's last real token → a linear layer → class scores
 * [batch, classes]. The lengths are read from the ids (the non-zero ones), so the model is a
 * Tensor→Tensor layer that `fit`, `evaluate` and `nb.io.save` take as it is, and padding changes
 * nothing.
 */
export class SequenceClassifier extends nn.Module {
  static override readonly layerType: string = 'SequenceClassifier';
  readonly vocabSize: number;
  readonly embedDim: number;
  readonly hidden: number;
  readonly classes: number;
  readonly cell: SequenceCell;
  readonly embed: nn.Embedding;
  readonly rnn: nn.LSTM | nn.GRU;
  readonly out: nn.Linear;

  constructor(vocabSize: number, embedDim: number, hidden: number, classes: number, cell: SequenceCell = 'lstm') {
    super();
    const op = 'SequenceClassifier';
    this.vocabSize = checkPositiveInt(op, 'vocabSize', vocabSize);
    this.embedDim = checkPositiveInt(op, 'embedDim', embedDim);
    this.hidden = checkPositiveInt(op, 'hidden', hidden);
    this.classes = checkPositiveInt(op, 'classes', classes);
    this.cell = checkOneOf(op, 'cell', cell, ['lstm', 'gru']);
    this.embed = this.registerModule('embed', nn.embedding(vocabSize, embedDim, { paddingIdx: 0 }));
    const opts = { returnSequences: false };
    this.rnn = this.registerModule('rnn', cell === 'lstm' ? nn.lstm(embedDim, hidden, opts) : nn.gru(embedDim, hidden, opts));
    this.out = this.registerModule('out', nn.linear(hidden, classes));
  }

  forward(ids: Tensor): Tensor {
    checkTensor('SequenceClassifier', 'ids', ids);
    if (ids.rank !== 2) throw new Error(`SequenceClassifier: ids must be token ids [batch, time], got shape [${ids.shape.join(',')}]`);
    const lengths = ops.sum(ops.ne(ids, 0).cast('int32'), -1);
    const [last] = this.rnn.call(this.embed.call(ids), null, lengths);
    return this.out.call(last);
  }

  override config(): LayerConfig {
    return { type: 'SequenceClassifier', vocabSize: this.vocabSize, embedDim: this.embedDim, hidden: this.hidden, classes: this.classes, cell: this.cell };
  }
}
nn.registerLayer('SequenceClassifier', (c) => new SequenceClassifier(cfgNumber(c, 'vocabSize'), cfgNumber(c, 'embedDim'), cfgNumber(c, 'hidden'), cfgNumber(c, 'classes'), c.cell === 'gru' ? 'gru' : 'lstm'));

/** Spam or ham from the words of an e-mail: word embeddings 64 → LSTM 64 → 2 classes. */
export function spamLstm(vocabSize: number): SequenceClassifier {
  return new SequenceClassifier(vocabSize, 64, 64, 2, 'lstm');
}

/** Female or male from the letters of a first name: character embeddings 16 → GRU 64 → 2 classes. */
export function namesGru(vocabSize: number): SequenceClassifier {
  return new SequenceClassifier(vocabSize, 16, 64, 2, 'gru');
}

/** Sequential MNIST: 28 steps of 28 pixels [batch, 28, 28] → LSTM 128 (its last state) → linear 10. */
export function seqMnistLstm(): nn.Module {
  return nn.sequential(nn.pick(nn.lstm(28, 128, { returnSequences: false })), nn.linear(128, 10));
}

/**
 * A character language model (many-to-many, and one-to-many when it samples): token ids
 * [batch, time] → embedding → LSTM → linear → next-token scores [batch, time, vocabSize] at every
 * step, with the LSTM state in and out, so that training can carry it across batches (truncated
 * BPTT) and sampling can feed one character at a time.
 */
export class CharLSTM extends nn.Module<[ids: Tensor, state?: nn.LSTMState | null], [Tensor, nn.LSTMState]> {
  static override readonly layerType: string = 'CharLSTM';
  readonly vocabSize: number;
  readonly embedDim: number;
  readonly hidden: number;
  readonly numLayers: number;
  readonly embed: nn.Embedding;
  readonly rnn: nn.LSTM;
  readonly out: nn.Linear;

  constructor(vocabSize: number, embedDim = 32, hidden = 128, numLayers = 1) {
    super();
    const op = 'CharLSTM';
    this.vocabSize = checkPositiveInt(op, 'vocabSize', vocabSize);
    this.embedDim = checkPositiveInt(op, 'embedDim', embedDim);
    this.hidden = checkPositiveInt(op, 'hidden', hidden);
    this.numLayers = checkPositiveInt(op, 'numLayers', numLayers);
    this.embed = this.registerModule('embed', nn.embedding(vocabSize, embedDim));
    this.rnn = this.registerModule('rnn', nn.lstm(embedDim, hidden, { numLayers }));
    this.out = this.registerModule('out', nn.linear(hidden, vocabSize));
  }

  forward(ids: Tensor, state: nn.LSTMState | null = null): [Tensor, nn.LSTMState] {
    checkTensor('CharLSTM', 'ids', ids);
    if (ids.rank !== 2) throw new Error(`CharLSTM: ids must be token ids [batch, time], got shape [${ids.shape.join(',')}]`);
    const [h, next] = this.rnn.call(this.embed.call(ids), state);
    return [this.out.call(h), next];
  }

  override config(): LayerConfig {
    return { type: 'CharLSTM', vocabSize: this.vocabSize, embedDim: this.embedDim, hidden: this.hidden, numLayers: this.numLayers };
  }
}
nn.registerLayer('CharLSTM', (c) => new CharLSTM(cfgNumber(c, 'vocabSize'), cfgNumber(c, 'embedDim'), cfgNumber(c, 'hidden'), cfgNumber(c, 'numLayers', 1)));

/** A character LSTM: embedding 32 → LSTM 128 → next-character scores. */
export function charLstm(vocabSize: number): CharLSTM {
  return new CharLSTM(vocabSize, 32, 128, 1);
}

/** An autoencoder's spec: MNIST in and out, Adam at a constant rate, trained by trainAutoencoder. */
function autoencoderSpec(name: AutoencoderKind, description: string, build: () => nn.Module): ModelSpec {
  return { name, description, data: 'mnist', inputShape: [1, 28, 28], build, defaults: { ...AE_DEFAULTS[name], optimizer: 'adam', lrDecay: 0 }, task: 'autoencoder' };
}

/** A GAN's spec: MNIST, two Adam optimizers at a constant rate, trained by trainGan; `build` gives the generator. */
function ganSpec(name: GanKind, description: string, build: () => nn.AnyModule): ModelSpec {
  return { name, description, data: 'mnist', inputShape: [LATENT], build, defaults: { ...GAN_DEFAULTS[name], optimizer: 'adam', lrDecay: 0 }, task: 'gan' };
}

export const MODELS: Readonly<Record<string, ModelSpec>> = {
  gates: {
    name: 'gates',
    description: 'AND, OR and NAND learned by three sign perceptrons (the perceptron learning algorithm)',
    data: 'gates',
    inputShape: [2],
    build: gatesNet,
    defaults: { epochs: 20, batchSize: 1, lr: 1, optimizer: 'perceptron', lrDecay: 0 },
    target: 1,
  },
  xor: {
    name: 'xor',
    description: 'XOR learned by a 2-4-2 tanh network with backpropagation',
    data: 'xor',
    inputShape: [2],
    build: xorNet,
    defaults: { epochs: 300, batchSize: 4, lr: 0.1, optimizer: 'adam', lrDecay: 0 },
    target: 1,
  },
  'mnist-softmax': {
    name: 'mnist-softmax',
    description: 'softmax regression 784→10 with gradient descent (the lectures\' TensorFlow example)',
    data: 'mnist',
    inputShape: [1, 28, 28],
    build: mnistSoftmax,
    defaults: { epochs: 5, batchSize: 100, lr: 0.5, optimizer: 'sgd', lrDecay: 0 },
    target: 0.92,
  },
  'mnist-mlp': {
    name: 'mnist-mlp',
    description: 'MLP 784-256-128-10, ReLU, Adam 1e-3 decaying ×e^-0.2 per epoch',
    data: 'mnist',
    inputShape: [1, 28, 28],
    build: mnistMlp,
    defaults: { epochs: 10, batchSize: 64, lr: 1e-3, optimizer: 'adam', lrDecay: 0.2 },
    target: 0.98,
  },
  lenet5: {
    name: 'lenet5',
    description: 'LeNet-5, modern: conv5×5×6 same → ReLU → maxpool → conv5×5×16 → ReLU → maxpool → 120 → 84 → 10',
    data: 'mnist',
    inputShape: [1, 28, 28],
    build: lenet5,
    defaults: { epochs: 10, batchSize: 64, lr: 1e-3, optimizer: 'adam', lrDecay: 0.2 },
    target: 0.99,
  },
  'lenet5-classic': {
    name: 'lenet5-classic',
    description: 'LeNet-5, classic: tanh, trainable subsampling S2/S4, C3 partial connection table, C5 120, F6 84',
    data: 'mnist',
    inputShape: [1, 28, 28],
    build: lenet5Classic,
    defaults: { epochs: 10, batchSize: 64, lr: 1e-3, optimizer: 'adam', lrDecay: 0.2 },
    target: 0.985,
  },
  // autoencoders (unsupervised; `task: 'autoencoder'` trains them with trainAutoencoder)
  autoencoder: autoencoderSpec('autoencoder', 'dense autoencoder 784-256-64-256-784, ReLU, sigmoid output, MSE; pictures of reconstructions and first-layer features', denseAutoencoder),
  'stacked-ae': autoencoderSpec('stacked-ae', 'stacked autoencoder 784-256-64 pre-trained greedily layer by layer, fine-tuned on 1,000 labels vs random initialisation', stackedClassifier),
  'denoising-ae': autoencoderSpec('denoising-ae', 'denoising autoencoder 784-256-64-256-784 trained on masking and Gaussian noise', denseAutoencoder),
  'conv-ae': autoencoderSpec('conv-ae', 'convolutional autoencoder: two stride-2 convolutions down to 32x7x7, two transposed convolutions up', convAutoencoder),
  'spam-lstm': {
    name: 'spam-lstm',
    description: 'SpamAssassin e-mails → spam/ham: word embeddings 64 → LSTM 64 (first 64 words) → 2',
    data: 'spam',
    inputShape: [64],
    build: (v) => spamLstm(needVocab('spam-lstm', v)),
    defaults: { epochs: 2, batchSize: 32, lr: 3e-3, optimizer: 'adam', lrDecay: 0 },
  },
  'names-gru': {
    name: 'names-gru',
    description: 'first name → female/male: character embeddings 16 → GRU 64 → 2',
    data: 'names',
    inputShape: [8],
    build: (v) => namesGru(needVocab('names-gru', v)),
    defaults: { epochs: 10, batchSize: 32, lr: 3e-3, optimizer: 'adam', lrDecay: 0 },
  },
  'seq-mnist': {
    name: 'seq-mnist',
    description: 'sequential MNIST: 28 steps × 28 pixels → LSTM 128 → linear 10',
    data: 'seq-mnist',
    inputShape: [28, 28],
    build: seqMnistLstm,
    defaults: { epochs: 10, batchSize: 64, lr: 1e-3, optimizer: 'adam', lrDecay: 0 },
    target: 0.98,
  },
  'char-lstm': {
    name: 'char-lstm',
    description: 'character language model on first names: embedding 32 → LSTM 128 → next character (nabla sample writes new names)',
    data: 'char',
    inputShape: [8],
    build: (v) => charLstm(needVocab('char-lstm', v)),
    defaults: { epochs: 8, batchSize: 32, lr: 3e-3, optimizer: 'adam', lrDecay: 0 },
  },
  g2p: {
    name: 'g2p',
    description: 'CMUdict word → phonemes: encoder-decoder LSTM 128 with attention (--no-attention: without); greedy and beam search (nabla g2p pronounces words)',
    data: 'g2p',
    inputShape: [8],
    build: (v) => new G2P(needVocab('g2p', v), G2P_PHONEME_IDS, 32, 128, true),
    defaults: { epochs: 3, batchSize: 64, lr: 3e-3, optimizer: 'adam', lrDecay: 0 },
  },
  // GANs (`task: 'gan'` trains them with trainGan; `build` gives the generator)
  gan: ganSpec('gan', 'GAN, fully connected: G z100→256→512→784 tanh, D 784→512→256→1 (leaky ReLU 0.2); samples after every epoch', ganGenerator),
  dcgan: ganSpec('dcgan', 'DCGAN: G linear→128x7x7, two transposed convolutions with batch norm, tanh; D two stride-2 convolutions, batch norm, leaky ReLU', dcganGenerator),
  acgan: ganSpec('acgan', 'AC-GAN: the DCGAN with a class given to G and a 10-class head on D (nabla sample FILE --digit 7)', acganGenerator),
};

/** The phoneme ids of the g2p model: the four special tokens and CMUdict's 39 phonemes without stress. */
const G2P_PHONEME_IDS = 43;

/** The spec of a model by name; a clear error lists the known names. */
export function modelSpec(name: string): ModelSpec {
  const spec = MODELS[name];
  if (!spec) throw new Error(`unknown model '${name}'; known models: ${Object.keys(MODELS).join(', ')}`);
  return spec;
}

/** An optimizer by CLI name (sgd, momentum, nesterov, adagrad, rmsprop, adadelta, adam, adamw). */
export function optimizerByName(name: string, lr: number): optim.Optimizer {
  return optim.byName(name, lr);
}

export { G2P, MAX_PHONEMES, g2pData, g2pPairs, phonemeVocabulary, trainG2P, g2pLoss, transcribe, attentionMatrix, attentionSvg, scoreG2P, encodeWord } from './g2p.js';
export type { G2PState, G2PPairs, G2PData, G2PScore, TranscribeOptions } from './g2p.js';
export { trainClassifier, predictClasses, accuracyOf, trainLanguageModel, sequenceBits, trainStream, streamBits, bigramBits, sampleText } from './sequence.js';
export type { SequenceTrainOptions, StreamTrainOptions, SampleTextOptions } from './sequence.js';

export { GANS, GAN_DEFAULTS, LATENT, ACGANGenerator, ACGANDiscriminator, acganDiscriminator, acganGenerator, buildDiscriminator, buildGenerator, dcganDiscriminator, dcganGenerator, evaluateGan, ganDiscriminator, ganGenerator, generate, loadGenerator, splitClassifier, trainGan } from './gan.js';
export type { GanEpoch, GanEvalOptions, GanEvalResult, GanKind, GanOptions, GanResult, Generator } from './gan.js';
