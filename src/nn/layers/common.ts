/** Options and helpers shared by the layers with weights. */
import type { Tensor } from '../../tensor/tensor.js';
import { fmt } from '../../tensor/shape.js';
import * as init from '../init.js';
import type { FloatDType, InitArg, InitConfig, Initializer } from '../init.js';
import type { JsonValue, LayerConfig } from '../module.js';

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

export function resolveWeightOptions(o: WeightOptions): ResolvedWeightOptions {
  return {
    bias: o.bias ?? true,
    init: init.resolve(o.init, () => init.heUniform()),
    biasInit: init.resolve(o.biasInit, () => init.zeros()),
    l1: o.l1 ?? 0,
    l2: o.l2 ?? 0,
    dtype: o.dtype ?? 'float32',
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

export function checkPositiveInt(layer: string, arg: string, v: number): void {
  if (!Number.isInteger(v) || v < 1) throw new Error(`${layer}: ${arg} must be a positive integer, got ${v}`);
}

/** Throws unless x is NCHW with `channels` channels. */
export function checkNCHW(layer: string, x: Tensor, channels: number): void {
  if (x.rank !== 4) throw new Error(`${layer}: input must be 4-D NCHW [batch, channels, height, width], got ${fmt(x.shape)}`);
  if (x.shape[1] !== channels) throw new Error(`${layer}: input has ${x.shape[1]} channels, expected ${channels}: x is ${fmt(x.shape)}`);
}
