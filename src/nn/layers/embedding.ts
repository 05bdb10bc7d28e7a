/** Embedding: a lookup table of vectors, one row per token id. */
import { validationRead } from '../../jit/hooks.js';
import type { Tensor } from '../../tensor/tensor.js';
import { fmt } from '../../tensor/shape.js';
import * as ops from '../../ops/index.js';
import { arange } from '../../tensor/creation.js';
import * as init from '../init.js';
import type { FloatDType, InitArg } from '../init.js';
import { cfgNumber, Module, registerLayer, type LayerConfig, type JsonValue } from '../module.js';
import { checkInt, checkOptions } from '../../validate.js';
import { checkPositiveInt, checkTensor, checkWeightCount, optFloatDType } from './common.js';
import { deferCheck } from '../deferred.js';

/** Options of `embedding`. */
export interface EmbeddingOptions {
  /** A token id whose vector gets no gradient (and starts at zero): the padding token. Negative counts from the end. */
  paddingIdx?: number | null;
  /** The initializer of the table (default N(0, 1), as PyTorch). */
  init?: InitArg;
  /** Parameter dtype (default float32). */
  dtype?: FloatDType;
}

/**
 * A table `weight` [numEmbeddings, dim]: token ids of any shape [...] give vectors [..., dim]
 * (a gather; its gradient is a scatter-add into the rows used). Ids are int32, or floats holding
 * integers; an id outside [0, numEmbeddings) is an error, never a read of other memory. The
 * `paddingIdx` row starts at zero and never receives a gradient.
 */
export class Embedding extends Module {
  /** The registered layer type: names it in summaries and saved files, also in minified bundles. */
  static override readonly layerType: string = 'Embedding';
  readonly weight: Tensor;
  readonly paddingIdx: number | null;
  private readonly initializer: init.Initializer;

  constructor(readonly numEmbeddings: number, readonly dim: number, opts: EmbeddingOptions = {}) {
    super();
    checkPositiveInt('embedding', 'numEmbeddings', numEmbeddings);
    checkPositiveInt('embedding', 'dim', dim);
    const o = checkOptions('embedding', opts, ['paddingIdx', 'init', 'dtype']);
    checkWeightCount('embedding', [numEmbeddings, dim]);
    const p = o.paddingIdx === undefined || o.paddingIdx === null ? null : checkInt('embedding', 'paddingIdx', o.paddingIdx, { min: -numEmbeddings, max: numEmbeddings - 1 });
    this.paddingIdx = p === null ? null : p < 0 ? p + numEmbeddings : p;
    this.initializer = init.resolve(o.init, () => init.normal(1, 0), 'embedding', 'init');
    const dtype = optFloatDType('embedding', o.dtype);
    let w = this.initializer.create([numEmbeddings, dim], { fanIn: numEmbeddings, fanOut: dim }, dtype);
    if (this.paddingIdx !== null) {
      const keep = ops.ne(ops.reshape(arange(0, numEmbeddings, 1, { dtype: 'int32', backend: w.backend.name }), [numEmbeddings, 1]), this.paddingIdx);
      const z = ops.where(keep, w, 0);
      w.dispose();
      keep.dispose();
      w = z;
    }
    this.weight = this.registerParameter('weight', w);
  }

  /** ids [...] → vectors [..., dim]. */
  forward(ids: Tensor): Tensor {
    checkTensor('embedding', 'ids', ids);
    const n = this.numEmbeddings;
    if (ids.dtype === 'bool') throw new Error(`embedding: ids must be int32 token ids, got bool ${fmt(ids.shape)}`);
    const shape = ids.shape;
    const check = (values: ArrayLike<number>): void => {
      for (let i = 0; i < values.length; i++) {
        const v = values[i] as number;
        if (!(Number.isInteger(v) && v >= 0 && v < n)) {
          const at = unravel(i, shape);
          const what = Number.isInteger(v) ? `is outside the vocabulary [0, ${n})` : 'is not an integer token id';
          throw new Error(`embedding: ids${at} = ${v} ${what}: ids is ${fmt(shape)}, the table is [${n},${this.dim}]`);
        }
      }
    };
    // on a backend that reads only asynchronously (webgpu) the ids are checked after the step
    // (fit and evaluate settle the check; see src/nn/deferred.ts)
    if (ids.backend.downloadSync) check(validationRead(() => ids.dataSync()) as ArrayLike<number>); // a check only: nb.jit runs it at tracing time
    else deferCheck(ids, check);
    const idx = ids.dtype === 'int32' ? ids : ops.cast(ids, 'int32');
    const out = ops.gather(this.weight, idx, 0);
    if (this.paddingIdx === null) return out;
    // The padding row's value, without its gradient.
    const pad = ops.unsqueeze(ops.eq(idx, this.paddingIdx), -1);
    return ops.where(pad, out.detach(), out);
  }

  override config(): LayerConfig {
    return { type: 'Embedding', numEmbeddings: this.numEmbeddings, dim: this.dim, paddingIdx: this.paddingIdx, init: this.initializer.config as unknown as JsonValue, dtype: this.weight.dtype };
  }
}
registerLayer('Embedding', (c) => {
  const o: EmbeddingOptions = {};
  if (typeof c.paddingIdx === 'number') o.paddingIdx = c.paddingIdx;
  if (c.init && typeof c.init === 'object') o.init = init.fromConfig(c.init as unknown as init.InitConfig);
  if (c.dtype === 'float32' || c.dtype === 'float64') o.dtype = c.dtype;
  return new Embedding(cfgNumber(c, 'numEmbeddings'), cfgNumber(c, 'dim'), o);
});

/** "[1,3]" for flat index i of shape. */
function unravel(i: number, shape: readonly number[]): string {
  const at: number[] = [];
  for (let a = shape.length - 1; a >= 0; a--) {
    const d = shape[a] as number;
    at.unshift(i % d);
    i = Math.floor(i / d);
  }
  return `[${at.join(',')}]`;
}

/** A lookup table of `numEmbeddings` vectors of size `dim`: ids [...] → [..., dim]. */
export function embedding(numEmbeddings: number, dim: number, opts: EmbeddingOptions = {}): Embedding {
  return new Embedding(numEmbeddings, dim, opts);
}
