/**
 * Perceptrons (SCOPE §1): the McCulloch–Pitts neuron y = sgn(Σ wᵢxᵢ) with the bias as w₀ on a
 * constant input x₀ = 1, and Rosenblatt's perceptron learning algorithm. The activations (sign
 * or unit step) have zero gradient, so these units are built by hand or trained with the
 * perceptron rule w ← w + η(t − y)x, not by backpropagation.
 */
import type { Tensor } from '../tensor/tensor.js';
import { fmt } from '../tensor/shape.js';
import { tensor, zeros } from '../tensor/creation.js';
import { initialValue } from './init.js';
import { noGrad, tidy } from '../engine.js';
import * as ops from '../ops/index.js';
import { cfgBool, cfgNumber, Module, registerLayer, type LayerConfig } from './module.js';
import { checkPositiveInt, checkTensor, checkWeightCount } from './layers/common.js';
import { checkArray, checkNumber, checkOneOf, checkOptions, fail, optBoolean } from '../validate.js';
import { Sequential } from './layers/containers.js';

export type ThresholdActivation = 'sign' | 'step';

export interface PerceptronOptions {
  /** 'sign' (+1/−1, the MP neuron's sgn; default) or 'step' (1/0). */
  activation?: ThresholdActivation;
  /** Initial weights [in][out] (or [in] for one output); default zeros. */
  weights?: number[][] | number[];
  /** Initial biases [out] (or a number for one output); default zero. */
  bias?: number[] | number;
  /** Whether the weights are parameters with requiresGrad (default false: they have zero gradient anyway). */
  trainable?: boolean;
}

export interface PerceptronFitOptions {
  /** Learning rate η (default 1). */
  lr?: number;
  /** Passes over the data before giving up (default 100). */
  maxEpochs?: number;
}

export interface PerceptronFitResult {
  /** Whether an epoch passed with no misclassified sample. */
  converged: boolean;
  /** Epochs run. */
  epochs: number;
  /** Misclassified samples in each epoch. */
  errors: number[];
}

/**
 * A layer of threshold units: y = f(xW + b), W [in, out], f = sign or unit step. With one output
 * and sign, it is the McCulloch–Pitts neuron. `fit` runs the perceptron learning algorithm.
 */
export class Perceptron extends Module {
  /** The registered layer type: names it in summaries and saved files, also in minified bundles. */
  static override readonly layerType: string = 'Perceptron';
  readonly weight: Tensor;
  readonly bias: Tensor;

  constructor(readonly inFeatures: number, readonly outFeatures = 1, readonly opts: PerceptronOptions = {}) {
    super();
    checkPositiveInt('perceptron', 'inFeatures', inFeatures);
    checkPositiveInt('perceptron', 'outFeatures', outFeatures);
    checkWeightCount('perceptron', [inFeatures, outFeatures]);
    opts = checkOptions('perceptron', opts, ['activation', 'weights', 'bias', 'trainable']);
    if (opts.activation !== undefined) checkOneOf('perceptron', 'activation', opts.activation, ['sign', 'step'] as const);
    const finite = (x: unknown): boolean => typeof x === 'number' && Number.isFinite(x);
    const numbers = (x: unknown): boolean => finite(x) || (Array.isArray(x) && x.every(finite));
    if (opts.weights !== undefined) {
      checkArray('perceptron', 'weights', opts.weights).forEach((r, i) => {
        if (!numbers(r)) fail('perceptron', `weights[${i}]`, 'a finite number or an array of them', r);
      });
    }
    if (opts.bias !== undefined && !numbers(opts.bias)) fail('perceptron', 'bias', 'a finite number or an array of them', opts.bias);
    optBoolean('perceptron', 'trainable', opts.trainable, false);
    const w = opts.weights?.map((r) => (typeof r === 'number' ? [r] : r));
    if (w && (w.length !== inFeatures || !w.every((r) => r.length === outFeatures))) {
      throw new Error(`perceptron: weights must be [${inFeatures}][${outFeatures}] (in × out), got ${JSON.stringify(opts.weights)}`);
    }
    const b = opts.bias === undefined ? undefined : typeof opts.bias === 'number' ? [opts.bias] : opts.bias;
    if (b && b.length !== outFeatures) throw new Error(`perceptron: bias must have ${outFeatures} values, got ${JSON.stringify(opts.bias)}`);
    const trainable = opts.trainable ?? false;
    // Zeros unless given; created through initialValue, so loading a saved perceptron allocates nothing extra.
    const wShape = [inFeatures, outFeatures];
    this.weight = this.registerParameter('weight', initialValue(wShape, 'float32', () => (w ? tensor(w, { shape: wShape }) : zeros(wShape))), { trainable });
    this.bias = this.registerParameter('bias', initialValue([outFeatures], 'float32', () => (b ? tensor(b, { shape: [outFeatures] }) : zeros([outFeatures]))), { trainable });
  }

  get activation(): ThresholdActivation {
    return this.opts.activation ?? 'sign';
  }

  forward(x: Tensor): Tensor {
    checkTensor('perceptron', 'x', x);
    if (x.rank !== 2 || x.shape[1] !== this.inFeatures) {
      throw new Error(`perceptron: input has ${x.shape[x.rank - 1] ?? 0} features, expected ${this.inFeatures}: x is ${fmt(x.shape)} (expected [batch, ${this.inFeatures}])`);
    }
    const xf = x.dtype === this.weight.dtype ? x : ops.cast(x, this.weight.dtype);
    const z = ops.add(ops.matmul(xf, this.weight), this.bias);
    return this.activation === 'sign' ? ops.sign(z) : ops.step(z);
  }

  /**
   * The perceptron learning algorithm: for each sample in order, y = f(x·w + b); where y ≠ t,
   * w ← w + η(t − y)x and b ← b + η(t − y). Stops after an epoch without mistakes (guaranteed for
   * linearly separable data) or after `maxEpochs`. Targets are ±1 for sign units, 1/0 for step units.
   */
  fit(x: Tensor, t: Tensor, opts: PerceptronFitOptions = {}): PerceptronFitResult {
    checkTensor('perceptron.fit', 'x', x);
    checkTensor('perceptron.fit', 't', t);
    const o = checkOptions('perceptron.fit', opts, ['lr', 'maxEpochs']);
    const lr = o.lr === undefined ? 1 : checkNumber('perceptron.fit', 'lr', o.lr, { above: 0 });
    const maxEpochs = o.maxEpochs === undefined ? 100 : checkPositiveInt('perceptron.fit', 'maxEpochs', o.maxEpochs);
    const [n, d] = x.shape as [number, number];
    const m = this.outFeatures;
    if (x.rank !== 2 || d !== this.inFeatures) throw new Error(`perceptron.fit: x must be [batch, ${this.inFeatures}], got ${fmt(x.shape)}`);
    const tShape = t.rank === 1 ? [t.shape[0], 1] : t.shape;
    if (tShape[0] !== n || tShape[1] !== m) throw new Error(`perceptron.fit: targets must be [${n}, ${m}]${m === 1 ? ` or [${n}]` : ''}, got ${fmt(t.shape)}`);
    for (const [name, v] of [['x', x], ['targets', t], ['weight', this.weight]] as const) {
      if (!v.backend.downloadSync) throw new Error(`perceptron.fit: ${name} is on backend '${v.backend.name}', which reads asynchronously; the perceptron rule updates sample by sample on the host: run it on cpu or wasm`);
    }
    const X = Float64Array.from(x.dataSync() as ArrayLike<number>);
    const T = Float64Array.from(t.dataSync() as ArrayLike<number>);
    const W = Float64Array.from(this.weight.dataSync() as ArrayLike<number>);
    const B = Float64Array.from(this.bias.dataSync() as ArrayLike<number>);
    const f = this.activation === 'sign' ? Math.sign : (z: number) => (z > 0 ? 1 : 0);
    const errors: number[] = [];
    let converged = false;
    for (let epoch = 0; epoch < maxEpochs && !converged; epoch++) {
      let wrong = 0;
      for (let i = 0; i < n; i++) {
        let miss = false;
        for (let o = 0; o < m; o++) {
          let z = B[o] as number;
          for (let j = 0; j < d; j++) z += (X[i * d + j] as number) * (W[j * m + o] as number);
          const err = (T[i * m + o] as number) - f(z);
          if (err !== 0) {
            miss = true;
            for (let j = 0; j < d; j++) W[j * m + o] = (W[j * m + o] as number) + lr * err * (X[i * d + j] as number);
            B[o] = (B[o] as number) + lr * err;
          }
        }
        if (miss) wrong++;
      }
      errors.push(wrong);
      converged = wrong === 0;
    }
    noGrad(() =>
      tidy(() => {
        this.weight.assign(tensor(W, { shape: this.weight.shape, dtype: this.weight.dtype }));
        this.bias.assign(tensor(B, { shape: this.bias.shape, dtype: this.bias.dtype }));
      }),
    );
    return { converged, epochs: errors.length, errors };
  }

  override config(): LayerConfig {
    return { type: 'Perceptron', inFeatures: this.inFeatures, outFeatures: this.outFeatures, activation: this.activation, trainable: this.opts.trainable ?? false };
  }
}
registerLayer('Perceptron', (c) =>
  new Perceptron(cfgNumber(c, 'inFeatures'), cfgNumber(c, 'outFeatures', 1), { activation: (c.activation ?? 'sign') as ThresholdActivation, trainable: cfgBool(c, 'trainable', false) }),
);

/** A layer of `outFeatures` threshold units (sign by default) on `inFeatures` inputs. */
export function perceptron(inFeatures: number, outFeatures = 1, opts: PerceptronOptions = {}): Perceptron {
  return new Perceptron(inFeatures, outFeatures, opts);
}

/**
 * The McCulloch–Pitts neuron y = sgn(w₀·1 + w₁x₁ + … + wₙxₙ): `weights[0]` is the bias w₀ on
 * the constant input x₀ = 1. Use activation 'step' for 1/0 outputs.
 */
export function mpNeuron(weights: readonly number[], opts: { activation?: ThresholdActivation } = {}): Perceptron {
  checkArray('mpNeuron', 'weights', weights).forEach((w, i) => checkNumber('mpNeuron', `weights[${i}]`, w));
  opts = checkOptions('mpNeuron', opts, ['activation']);
  if (opts.activation !== undefined) checkOneOf('mpNeuron', 'activation', opts.activation, ['sign', 'step'] as const);
  if (weights.length < 2) throw new Error(`mpNeuron: weights are [w₀ (bias), w₁, …, wₙ]: need at least 2, got ${weights.length}`);
  return new Perceptron(weights.length - 1, 1, { activation: opts.activation ?? 'sign', weights: weights.slice(1).map((w) => [w]), bias: [weights[0] as number] });
}

/**
 * Logic gates built by hand from sign perceptrons, on ±1 inputs (true = +1, false = −1):
 * AND = sign(−1 + g₁ + g₂), OR = sign(1 + g₁ + g₂), NOT = sign(−g), and
 * XOR = OR(AND(−g₁, g₂), AND(g₁, −g₂)) as a two-layer network. `xorStep` is the classic
 * two-layer XOR with unit steps on 0/1 inputs: h₁ = f(2x₁ + 2x₂ − 1), h₂ = f(−2x₁ − 2x₂ + 3),
 * o = f(2h₁ + 2h₂ − 3).
 */
export const gates = {
  and: (): Perceptron => perceptron(2, 1, { weights: [[1], [1]], bias: -1 }),
  or: (): Perceptron => perceptron(2, 1, { weights: [[1], [1]], bias: 1 }),
  not: (): Perceptron => perceptron(1, 1, { weights: [[-1]], bias: 0 }),
  xor: (): Sequential =>
    new Sequential(
      // hidden unit 1 = AND(−g₁, g₂), hidden unit 2 = AND(g₁, −g₂)
      perceptron(2, 2, { weights: [[-1, 1], [1, -1]], bias: [-1, -1] }),
      // output = OR(h₁, h₂)
      perceptron(2, 1, { weights: [[1], [1]], bias: 1 }),
    ),
  xorStep: (): Sequential =>
    new Sequential(
      perceptron(2, 2, { activation: 'step', weights: [[2, -2], [2, -2]], bias: [-1, 3] }),
      perceptron(2, 1, { activation: 'step', weights: [[2], [2]], bias: -3 }),
    ),
};
