/** Options and helpers shared by the layers with weights. */
import type { Tensor } from '../../tensor/tensor.js';
import { fmt } from '../../tensor/shape.js';
import * as init from '../init.js';
import type { FloatDType, InitArg, InitConfig, Initializer } from '../init.js';
import type { JsonValue, LayerConfig } from '../module.js';
import { checkOneOf, checkOptions, optBoolean, optNumber } from '../../validate.js';

export { checkPositiveInt, checkTensor, checkPair, checkPadding } from '../checks.js';

/** The option keys every layer with weights accepts. */
export const WEIGHT_KEYS = ['bias', 'init', 'biasInit', 'l1', 'l2', 'dtype'] as const;

/** The largest number of values one weight tensor may hold. */
const MAX_WEIGHTS = 2 ** 31 - 1;

/** Throws unless a weight of `shape` can be allocated (names the layer and the shape). */
export function checkWeightCount(layer: string, shape: readonly number[]): void {
  const n = shape.reduce((a, b) => a * b, 1);
  if (n > MAX_WEIGHTS) throw new Error(`${layer}: a weight of shape [${shape.join(',')}] is too many weights (${n.toExponential(2)}; at most ${MAX_WEIGHTS})`);
}

/** 'float32' or 'float64' (undefined gives the default). */
export function optFloatDType(op: string, v: unknown, dflt: FloatDType = 'float32'): FloatDType {
  return v === undefined ? dflt : checkOneOf(op, 'dtype', v, ['float32', 'float64'] as const);
}

export interface WeightOptions {
  /** Whether the layer adds a bias (default true). */
  bias?: boolean;
  /** The weight initializer (default He uniform: U(±√(6/fanIn))). */
  init?: InitArg;
  /** The bias initializer (default zeros). */
  biasInit?: InitArg;
  /** L1 penalty on the weights (not the bias). */
  l1?: number;
  /** L2 penalty on the weights (not the bias): (λ/2)·Σw². */
  l2?: number;
  /** Parameter dtype (default float32; float64 for gradient checks). */
  dtype?: FloatDType;
}

export interface ResolvedWeightOptions {
  bias: boolean;
  init: Initializer;
  biasInit: Initializer;
  l1: number;
  l2: number;
  dtype: FloatDType;
}

/**
 * Checks a layer's options object (`known` = its keys: WEIGHT_KEYS plus the layer's own) and
 * resolves the weight options in it.
 */
export function resolveWeightOptions(layer: string, opts: WeightOptions | undefined, known: readonly string[] = WEIGHT_KEYS): ResolvedWeightOptions {
  const o = checkOptions(layer, opts, known);
  return {
    bias: optBoolean(layer, 'bias', o.bias, true),
    init: init.resolve(o.init, () => init.heUniform(), layer, 'init'),
    biasInit: init.resolve(o.biasInit, () => init.zeros(), layer, 'biasInit'),
    l1: optNumber(layer, 'l1', o.l1, 0, { min: 0 }),
    l2: optNumber(layer, 'l2', o.l2, 0, { min: 0 }),
    dtype: optFloatDType(layer, o.dtype),
  };
}

/** The JSON form of resolved weight options (for config()). */
export function weightConfig(o: ResolvedWeightOptions): { [k: string]: JsonValue } {
  return { bias: o.bias, init: o.init.config as unknown as JsonValue, biasInit: o.biasInit.config as unknown as JsonValue, l1: o.l1, l2: o.l2, dtype: o.dtype };
}

/** Reads weight options back from a config. */
export function weightOptionsFrom(cfg: LayerConfig): WeightOptions {
  const o: WeightOptions = {};
  if (typeof cfg.bias === 'boolean') o.bias = cfg.bias;
  if (cfg.init && typeof cfg.init === 'object') o.init = init.fromConfig(cfg.init as unknown as InitConfig);
  if (cfg.biasInit && typeof cfg.biasInit === 'object') o.biasInit = init.fromConfig(cfg.biasInit as unknown as InitConfig);
  if (typeof cfg.l1 === 'number') o.l1 = cfg.l1;
  if (typeof cfg.l2 === 'number') o.l2 = cfg.l2;
  if (cfg.dtype === 'float32' || cfg.dtype === 'float64') o.dtype = cfg.dtype;
  return o;
}

/**
 * The input in the parameters' dtype: integer/bool inputs are cast; a float input of the other
 * float type is an error naming both (cast it, or build the layer with that dtype).
 */
export function matchDtype(layer: string, x: Tensor, w: Tensor): Tensor {
  if (x.dtype === w.dtype) return x;
  if (x.dtype === 'float32' || x.dtype === 'float64') {
    throw new Error(`${layer}: input is ${x.dtype} but the layer's parameters are ${w.dtype}: x is ${fmt(x.shape)}; cast the input (x.cast('${w.dtype}')) or build the layer with { dtype: '${x.dtype}' }`);
  }
  return x.cast(w.dtype);
}

/** Throws unless x is NCHW with `channels` channels. */
export function checkNCHW(layer: string, x: Tensor, channels: number): void {
  if (x.rank !== 4) throw new Error(`${layer}: input must be 4-D NCHW [batch, channels, height, width], got ${fmt(x.shape)}`);
  if (x.shape[1] !== channels) throw new Error(`${layer}: input has ${x.shape[1]} channels, expected ${channels}: x is ${fmt(x.shape)}`);
}
