/**
 * Activation layers, one for every activation of SCOPE §3, and PReLU with a learned slope.
 *
 * `step` (1 if x > 0 else 0) and `sign` (−1, 0, +1) have a zero gradient everywhere: they are for
 * hand-built networks and perceptrons (trained with the perceptron rule, not backpropagation).
 */
import type { Tensor } from '../../tensor/tensor.js';
import { fmt } from '../../tensor/shape.js';
import * as ops from '../../ops/index.js';
import { cfgNumber, Module, registerLayer, type LayerConfig } from '../module.js';
import { checkPositiveInt, checkTensor, checkWeightCount, optFloatDType } from './common.js';
import { checkInt, checkNumber, checkOneOf, checkOptions, optNumber } from '../../validate.js';
import { initialValue, type FloatDType } from '../init.js';
import { full } from '../../tensor/creation.js';

export type ActivationName =
  | 'step' | 'sign' | 'linear' | 'ramp' | 'sigmoid' | 'tanh' | 'relu' | 'leakyRelu'
  | 'elu' | 'selu' | 'swish' | 'softplus' | 'softmax' | 'logSoftmax'
  | 'gelu' | 'hardtanh' | 'relu6' | 'softsign' | 'mish' | 'hardswish' | 'logSigmoid' | 'softmin';

export const ACTIVATIONS: readonly ActivationName[] = [
  'step', 'sign', 'linear', 'ramp', 'sigmoid', 'tanh', 'relu', 'leakyRelu', 'elu', 'selu', 'swish', 'softplus', 'softmax', 'logSoftmax',
  'gelu', 'hardtanh', 'relu6', 'softsign', 'mish', 'hardswish', 'logSigmoid', 'softmin',
];

export interface ActivationOptions {
  /** elu: α (default 1). leakyRelu: the negative slope (default 0.01). */
  alpha?: number;
  /** softmax / logSoftmax / softmin: the axis (default −1). */
  axis?: number;
  /** ramp: the lower and upper saturation values (default 0 and 1). */
  low?: number;
  high?: number;
  /** gelu: 'none' (exact, default) or 'tanh' (PyTorch's approximate='tanh'). */
  approximate?: 'none' | 'tanh';
  /** hardtanh: the lower and upper saturation values (default −1 and 1). */
  min?: number;
  max?: number;
}

/** The options only some activations take, and which. */
const ONLY_FOR: Record<'approximate' | 'min' | 'max', readonly ActivationName[]> = { approximate: ['gelu'], min: ['hardtanh'], max: ['hardtanh'] };

const DISPLAY: Record<ActivationName, string> = {
  step: 'Step', sign: 'Sign', linear: 'Linear', ramp: 'Ramp', sigmoid: 'Sigmoid', tanh: 'Tanh', relu: 'ReLU', leakyRelu: 'LeakyReLU',
  elu: 'ELU', selu: 'SELU', swish: 'Swish', softplus: 'Softplus', softmax: 'Softmax', logSoftmax: 'LogSoftmax',
  gelu: 'GELU', hardtanh: 'Hardtanh', relu6: 'ReLU6', softsign: 'Softsign', mish: 'Mish', hardswish: 'Hardswish', logSigmoid: 'LogSigmoid', softmin: 'Softmin',
};

type Fn = (x: Tensor) => Tensor;

function makeFn(name: ActivationName, o: Required<ActivationOptions>): Fn {
  switch (name) {
    case 'step': return (x) => ops.step(x);
    case 'sign': return (x) => ops.sign(x);
    case 'linear': return (x) => x;
    case 'ramp': return (x) => ops.clip(x, o.low, o.high);
    case 'sigmoid': return (x) => ops.sigmoid(x);
    case 'tanh': return (x) => ops.tanh(x);
    case 'relu': return (x) => ops.relu(x);
    case 'leakyRelu': return (x) => ops.leakyRelu(x, o.alpha);
    case 'elu': return (x) => ops.elu(x, o.alpha);
    case 'selu': return (x) => ops.selu(x);
    case 'swish': return (x) => ops.swish(x);
    case 'softplus': return (x) => ops.softplus(x);
    case 'softmax': return (x) => ops.softmax(x, o.axis);
    case 'logSoftmax': return (x) => ops.logSoftmax(x, o.axis);
    case 'gelu': return (x) => ops.gelu(x, o.approximate);
    case 'hardtanh': return (x) => ops.hardtanh(x, o.min, o.max);
    case 'relu6': return (x) => ops.relu6(x);
    case 'softsign': return (x) => ops.softsign(x);
    case 'mish': return (x) => ops.mish(x);
    case 'hardswish': return (x) => ops.hardswish(x);
    case 'logSigmoid': return (x) => ops.logSigmoid(x);
    case 'softmin': return (x) => ops.softmin(x, o.axis);
    default: throw new Error(`activation: unknown activation '${String(name)}'; known: ${ACTIVATIONS.join(', ')}`);
  }
}

/** An elementwise (or, for softmax, per-row) activation with no parameters. */
export class Activation extends Module {
  private readonly fn: Fn;
  private readonly opts: Required<ActivationOptions>;

  /** `op` names the calling factory in errors (`activation`, `ramp`, …). */
  constructor(readonly activation: ActivationName, opts: ActivationOptions = {}) {
    super();
    const op = 'activation';
    const known = ['alpha', 'axis', 'low', 'high', 'approximate', 'min', 'max'];
    checkOneOf(op, 'name', activation, ACTIVATIONS);
    const o = checkOptions(op, opts, known);
    for (const k of ['approximate', 'min', 'max'] as const) {
      if (o[k] !== undefined && !ONLY_FOR[k].includes(activation)) throw new Error(`${op}: option '${k}' does not apply to ${activation}`);
    }
    const alpha = optNumber(op, 'alpha', o.alpha, activation === 'leakyRelu' ? 0.01 : 1, activation === 'leakyRelu' ? { min: 0, max: 1 } : {});
    const axis = o.axis === undefined ? -1 : checkInt(op, 'axis', o.axis);
    const approximate = o.approximate === undefined ? 'none' : checkOneOf(activation === 'gelu' ? 'gelu' : op, 'approximate', o.approximate, ['none', 'tanh'] as const);
    this.opts = {
      alpha, axis, low: optNumber(op, 'low', o.low, 0), high: optNumber(op, 'high', o.high, 1),
      approximate, min: optNumber('hardtanh', 'min', o.min, -1), max: optNumber('hardtanh', 'max', o.max, 1),
    };
    if (activation === 'ramp' && !(this.opts.high > this.opts.low)) throw new Error(`ramp: high (${this.opts.high}) must exceed low (${this.opts.low})`);
    if (activation === 'hardtanh' && !(this.opts.min < this.opts.max)) throw new Error(`hardtanh: min (${this.opts.min}) must be less than max (${this.opts.max})`);
    this.fn = makeFn(activation, this.opts);
  }

  override get typeName(): string {
    return DISPLAY[this.activation];
  }

  forward(x: Tensor): Tensor {
    checkTensor(this.activation === 'linear' ? 'identity' : this.activation, 'x', x);
    return this.fn(x);
  }

  override config(): LayerConfig {
    const c: LayerConfig = { type: 'Activation', activation: this.activation };
    if (this.activation === 'elu' || this.activation === 'leakyRelu') c.alpha = this.opts.alpha;
    if (this.activation === 'softmax' || this.activation === 'logSoftmax' || this.activation === 'softmin') c.axis = this.opts.axis;
    if (this.activation === 'gelu') c.approximate = this.opts.approximate;
    if (this.activation === 'hardtanh') Object.assign(c, { min: this.opts.min, max: this.opts.max });
    if (this.activation === 'ramp') Object.assign(c, { low: this.opts.low, high: this.opts.high });
    return c;
  }
}
registerLayer('Activation', (c) => {
  const o: ActivationOptions = {};
  for (const k of ['alpha', 'axis', 'low', 'high', 'min', 'max'] as const) if (typeof c[k] === 'number') o[k] = c[k];
  if (c.approximate === 'none' || c.approximate === 'tanh') o.approximate = c.approximate;
  return new Activation(c.activation as ActivationName, o);
});

/** An activation layer by name (see ACTIVATIONS). */
export function activation(name: ActivationName, opts: ActivationOptions = {}): Activation {
  return new Activation(name, opts);
}
/** Unit step: 1 if x > 0 else 0. Zero gradient: for hand-built and perceptron networks. */
export const step = (): Activation => new Activation('step');
/** Sign: +1, 0 or −1. Zero gradient: for hand-built and perceptron networks. */
export const sign = (): Activation => new Activation('sign');
/** The identity ("linear" activation). */
export const identity = (): Activation => new Activation('linear');
/** Ramp (piecewise linear): x clipped to [low, high] (default [0, 1]); slope 1 between, 0 outside. */
export const ramp = (opts: { low?: number; high?: number } = {}): Activation => {
  const o = checkOptions('ramp', opts, ['low', 'high']);
  return new Activation('ramp', { low: optNumber('ramp', 'low', o.low, 0), high: optNumber('ramp', 'high', o.high, 1) });
};
export const sigmoid = (): Activation => new Activation('sigmoid');
export const tanh = (): Activation => new Activation('tanh');
export const relu = (): Activation => new Activation('relu');
/** max(x, αx), α default 0.01. */
export const leakyRelu = (alpha = 0.01): Activation => new Activation('leakyRelu', { alpha: checkNumber('leakyRelu', 'alpha', alpha, { min: 0, max: 1 }) });
/** x for x > 0, α(eˣ − 1) otherwise. */
export const elu = (alpha = 1): Activation => new Activation('elu', { alpha: checkNumber('elu', 'alpha', alpha) });
/** Scaled ELU with α = 1.6732632423543772, scale = 1.0507009873554805. */
export const selu = (): Activation => new Activation('selu');
/** x·σ(x). */
export const swish = (): Activation => new Activation('swish');
export const softplus = (): Activation => new Activation('softplus');
/** softmax along `axis` (default −1). For training, prefer logits + softmaxCrossEntropy. */
export const softmax = (axis = -1): Activation => new Activation('softmax', { axis: checkInt('softmax', 'axis', axis) });
export const logSoftmax = (axis = -1): Activation => new Activation('logSoftmax', { axis: checkInt('logSoftmax', 'axis', axis) });
/** GELU x·Φ(x): exact (erf form, default) or `{ approximate: 'tanh' }` as PyTorch. */
export const gelu = (opts: { approximate?: 'none' | 'tanh' } = {}): Activation => {
  const o = checkOptions('gelu', opts, ['approximate']);
  return new Activation('gelu', { approximate: o.approximate === undefined ? 'none' : checkOneOf('gelu', 'approximate', o.approximate, ['none', 'tanh'] as const) });
};
/** x clipped to [min, max] (default [−1, 1]). */
export const hardtanh = (opts: { min?: number; max?: number } = {}): Activation => {
  const o = checkOptions('hardtanh', opts, ['min', 'max']);
  return new Activation('hardtanh', { min: optNumber('hardtanh', 'min', o.min, -1), max: optNumber('hardtanh', 'max', o.max, 1) });
};
/** min(max(0, x), 6). */
export const relu6 = (): Activation => new Activation('relu6');
/** x / (1 + |x|). */
export const softsign = (): Activation => new Activation('softsign');
/** x·tanh(softplus(x)). */
export const mish = (): Activation => new Activation('mish');
/** x·relu6(x + 3)/6. */
export const hardswish = (): Activation => new Activation('hardswish');
/** ln σ(x) = −softplus(−x). */
export const logSigmoid = (): Activation => new Activation('logSigmoid');
/** softmax(−x) along `axis` (default −1). */
export const softmin = (axis = -1): Activation => new Activation('softmin', { axis: checkInt('softmin', 'axis', axis) });

/**
 * PReLU: max(0, x) + a·min(0, x) with a learned slope a: one shared slope (default) or one per
 * channel (axis 1: features of [N, C] or channels of NCHW).
 */
export class PReLU extends Module {
  /** The registered layer type: names it in summaries and saved files, also in minified bundles. */
  static override readonly layerType: string = 'PReLU';
  readonly alpha: Tensor;

  constructor(readonly numSlopes: number = 1, readonly initSlope = 0.25, dtype: FloatDType = 'float32') {
    super();
    checkPositiveInt('prelu', 'numParameters', numSlopes);
    checkWeightCount('prelu', [numSlopes]);
    checkNumber('prelu', 'init', initSlope);
    optFloatDType('prelu', dtype);
    this.alpha = this.registerParameter('alpha', initialValue([numSlopes], dtype, () => full([numSlopes], initSlope, { dtype })));
  }

  forward(x: Tensor): Tensor {
    checkTensor('prelu', 'x', x);
    let a = this.alpha;
    const n = this.numSlopes;
    if (n !== 1) {
      if (x.rank < 2) throw new Error(`prelu: input needs a channel axis (axis 1) with ${n} channels: x is ${fmt(x.shape)}`);
      if (x.shape[1] !== n) throw new Error(`prelu: input has ${x.shape[1]} channels on axis 1, expected ${n}: x is ${fmt(x.shape)}`);
      a = ops.reshape(a, [n, ...new Array<number>(x.rank - 2).fill(1)]);
    }
    return ops.add(ops.relu(x), ops.mul(a, ops.minimum(x, 0)));
  }

  override config(): LayerConfig {
    return { type: 'PReLU', numParameters: this.numSlopes, init: this.initSlope, dtype: this.alpha.dtype };
  }
}
registerLayer('PReLU', (c) => new PReLU(cfgNumber(c, 'numParameters', 1), cfgNumber(c, 'init', 0.25), c.dtype === 'float64' ? 'float64' : 'float32'));

/** PReLU with a learned slope (shared, or `numParameters` = channels for one per channel), initialized to `init` (0.25). */
export function prelu(opts: { numParameters?: number; init?: number; dtype?: FloatDType } = {}): PReLU {
  const o = checkOptions('prelu', opts, ['numParameters', 'init', 'dtype']);
  return new PReLU(o.numParameters === undefined ? 1 : o.numParameters, o.init === undefined ? 0.25 : o.init, o.dtype === undefined ? 'float32' : o.dtype);
}
