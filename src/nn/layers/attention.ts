/**
 * Attention for encoder–decoder models: Luong's dot and general scores and Bahdanau's additive
 * score, with a softmax over the keys that ignores padded (masked) keys.
 *
 * Layout: batch-first like the recurrent layers. A query [batch, queryDim] (one decoder step) or
 * [batch, Tq, queryDim] (every step) attends over keys [batch, Tk, keyDim] (the encoder's
 * outputs) and returns `[context, weights]`: context [batch, (Tq,) valueDim], the weighted mean
 * of the values (the keys when none are given), and weights [batch, (Tq,) Tk].
 *
 * Scores, in nabla's row convention (x·W):
 * - dot:      s = q·kᵀ (queryDim = keyDim)
 * - general:  s = q·W·kᵀ, `weight` [queryDim, keyDim]
 * - additive: s = v·tanh(q·W_q + k·W_k + b), `queryWeight` [queryDim, hidden], `keyWeight`
 *   [keyDim, hidden], `bias` [hidden], `v` [hidden]
 * and `scale: true` divides dot and general scores by √keyDim.
 */
import { Tensor } from '../../tensor/tensor.js';
import { fmt } from '../../tensor/shape.js';
import { tensor } from '../../tensor/creation.js';
import * as ops from '../../ops/index.js';
import * as init from '../init.js';
import type { FloatDType } from '../init.js';
import { cfgBool, cfgNumber, Module, registerLayer, type LayerConfig } from '../module.js';
import { checkArray, checkInt, checkOneOf, checkOptions, fail, optBoolean } from '../../validate.js';
import { checkPositiveInt, checkTensor, checkWeightCount, optFloatDType } from './common.js';
import type { Lengths } from './recurrent.js';

/** How a query is compared with a key. */
export type AttentionKind = 'dot' | 'general' | 'additive';

/** Options of `attention`. */
export interface AttentionOptions {
  /** 'dot' (Luong: q·k), 'general' (Luong: q·W·k) or 'additive' (Bahdanau: v·tanh(q·W_q + k·W_k + b)). */
  kind: AttentionKind;
  /** Features of a query (the decoder state). */
  queryDim: number;
  /** Features of a key (the encoder outputs); default queryDim. 'dot' needs keyDim = queryDim. */
  keyDim?: number;
  /** The additive score's hidden size (default keyDim); only for 'additive'. */
  hiddenDim?: number;
  /** Divide dot and general scores by √keyDim (default false; not for 'additive'). */
  scale?: boolean;
  /** Whether the additive score has its bias b (default true; only for 'additive'). */
  bias?: boolean;
  /** Parameter dtype (default float32; float64 for gradient checks). */
  dtype?: FloatDType;
}

/**
 * Which keys a query may attend to: `lengths` [batch] (keys at t ≥ length are padding) or `mask`,
 * a bool (or 0/1) tensor [batch, Tk] or [batch, Tq, Tk], true where attending is allowed. Not both.
 */
export interface AttentionMask {
  lengths?: Lengths | null;
  mask?: Tensor | null;
}

/** The finite stand-in for −∞ given to masked scores before the softmax's max. */
const MASKED = -1e30;

/**
 * Luong (dot, general) or Bahdanau (additive) attention:
 * `[context, weights] = att.call(query, keys, values?, { lengths | mask }?)`.
 *
 * Weights are a softmax over the keys: each row sums to 1 over its unmasked keys. A masked key
 * gets weight exactly 0 and no gradient, and is zeroed before use (in keys and values), so that
 * whatever the padding holds, even NaN, changes nothing. A row with no unmasked key at all (length
 * 0) gets all-zero weights and a zero context, and passes no gradient: no NaN.
 */
export class Attention extends Module<[query: Tensor, keys: Tensor, values?: Tensor | null, mask?: AttentionMask | null], [Tensor, Tensor]> {
  /** The registered layer type: names it in summaries and saved files, also in minified bundles. */
  static override readonly layerType: string = 'Attention';
  readonly kind: AttentionKind;
  readonly queryDim: number;
  readonly keyDim: number;
  /** The additive score's hidden size (null for dot and general). */
  readonly hiddenDim: number | null;
  readonly scale: boolean;
  /** Whether the additive score has a bias. */
  readonly bias: boolean;
  /** The parameters' (and outputs') dtype. */
  readonly dtype: FloatDType;
  /** general: W [queryDim, keyDim]. */
  readonly weight: Tensor | null = null;
  /** additive: W_q [queryDim, hidden], W_k [keyDim, hidden], b [hidden], v [hidden]. */
  readonly queryWeight: Tensor | null = null;
  readonly keyWeight: Tensor | null = null;
  readonly biasVector: Tensor | null = null;
  readonly v: Tensor | null = null;

  constructor(opts: AttentionOptions) {
    super();
    const L = 'attention';
    if (opts === null || typeof opts !== 'object' || Array.isArray(opts)) fail(L, 'options', "an object { kind, queryDim, keyDim? }", opts);
    const o = checkOptions(L, opts, ['kind', 'queryDim', 'keyDim', 'hiddenDim', 'scale', 'bias', 'dtype']);
    this.kind = checkOneOf(L, 'kind', o.kind, ['dot', 'general', 'additive'] as const);
    this.queryDim = checkPositiveInt(L, 'queryDim', o.queryDim);
    this.keyDim = o.keyDim === undefined ? this.queryDim : checkPositiveInt(L, 'keyDim', o.keyDim);
    this.dtype = optFloatDType(L, o.dtype);
    const additive = this.kind === 'additive';
    if (!additive && o.hiddenDim !== undefined) throw new Error(`${L}: hiddenDim is an option of kind 'additive' only, got kind '${this.kind}'`);
    if (!additive && o.bias !== undefined) throw new Error(`${L}: bias is an option of kind 'additive' only, got kind '${this.kind}'`);
    if (additive && o.scale !== undefined) throw new Error(`${L}: scale is an option of kinds 'dot' and 'general' only, got kind 'additive'`);
    this.scale = optBoolean(L, 'scale', o.scale, false);
    this.bias = optBoolean(L, 'bias', o.bias, additive);
    this.hiddenDim = additive ? (o.hiddenDim === undefined ? this.keyDim : checkPositiveInt(L, 'hiddenDim', o.hiddenDim)) : null;
    if (this.kind === 'dot' && this.keyDim !== this.queryDim) {
      throw new Error(`${L}: kind 'dot' needs keyDim = queryDim, got queryDim ${this.queryDim} and keyDim ${this.keyDim}; use kind 'general' or 'additive' for different sizes`);
    }
    const u = (fanIn: number): init.Initializer => init.uniform(-1 / Math.sqrt(fanIn), 1 / Math.sqrt(fanIn));
    if (this.kind === 'general') {
      checkWeightCount(L, [this.queryDim, this.keyDim]);
      this.weight = this.registerParameter('weight', u(this.queryDim).create([this.queryDim, this.keyDim], { fanIn: this.queryDim, fanOut: this.keyDim }, this.dtype));
    } else if (additive) {
      const H = this.hiddenDim as number;
      checkWeightCount(L, [Math.max(this.queryDim, this.keyDim), H]);
      this.queryWeight = this.registerParameter('queryWeight', u(this.queryDim).create([this.queryDim, H], { fanIn: this.queryDim, fanOut: H }, this.dtype));
      this.keyWeight = this.registerParameter('keyWeight', u(this.keyDim).create([this.keyDim, H], { fanIn: this.keyDim, fanOut: H }, this.dtype));
      if (this.bias) this.biasVector = this.registerParameter('bias', u(H).create([H], { fanIn: H, fanOut: H }, this.dtype));
      this.v = this.registerParameter('v', u(H).create([H], { fanIn: H, fanOut: 1 }, this.dtype));
    }
  }

  /**
   * query [batch, queryDim] or [batch, Tq, queryDim], keys [batch, Tk, keyDim], values [batch,
   * Tk, valueDim] (default: the keys) → [context [batch, (Tq,) valueDim], weights [batch, (Tq,) Tk]].
   */
  forward(query: Tensor, keys: Tensor, values?: Tensor | null, mask?: AttentionMask | null): [Tensor, Tensor] {
    const L = 'attention';
    checkTensor(L, 'query', query);
    checkTensor(L, 'keys', keys);
    if (query.rank !== 2 && query.rank !== 3) throw new Error(`${L}: query must be 2-D [batch, queryDim] or 3-D [batch, Tq, queryDim], got ${fmt(query.shape)}`);
    if (keys.rank !== 3) throw new Error(`${L}: keys must be 3-D [batch, Tk, keyDim], got ${fmt(keys.shape)}`);
    const B = query.shape[0] as number;
    const Tk = keys.shape[1] as number;
    if (query.shape[query.rank - 1] !== this.queryDim) throw new Error(`${L}: query has ${query.shape[query.rank - 1]} features, expected queryDim ${this.queryDim}: query is ${fmt(query.shape)}`);
    if (keys.shape[2] !== this.keyDim) throw new Error(`${L}: keys have ${keys.shape[2]} features, expected keyDim ${this.keyDim}: keys is ${fmt(keys.shape)}`);
    if (keys.shape[0] !== B) throw new Error(`${L}: query and keys have different batch sizes: query is ${fmt(query.shape)}, keys is ${fmt(keys.shape)}`);
    if (B === 0 || Tk === 0) throw new Error(`${L}: keys must hold at least one sequence and one step, got ${fmt(keys.shape)}`);
    let vals = keys;
    if (values !== undefined && values !== null) {
      vals = checkTensor(L, 'values', values);
      if (vals.rank !== 3 || vals.shape[0] !== B || vals.shape[1] !== Tk) {
        throw new Error(`${L}: values must be 3-D [batch, Tk, valueDim] with the keys' batch and time: values is ${fmt(vals.shape)}, keys is ${fmt(keys.shape)}`);
      }
    }
    const single = query.rank === 2;
    const Tq = single ? 1 : (query.shape[1] as number);
    let q = castInput(this.dtype, 'query', query);
    let k = castInput(this.dtype, 'keys', keys);
    let val = vals === keys ? k : castInput(this.dtype, 'values', vals);
    if (single) q = ops.unsqueeze(q, 1);
    const allowed = mask === undefined || mask === null ? null : readMask(mask, B, Tq, Tk, single, query.shape, keys.shape);
    if (allowed) {
      // Keys no query may attend to are zeroed (whatever they hold reaches neither values nor gradients).
      const used = tensor(allowed.keyUsed, { shape: [B, Tk, 1], backend: k.backend.name });
      k = ops.where(used, k, 0);
      val = vals === keys ? k : ops.where(used, val, 0);
    }
    let scores = scoresOf(this, q, k, B, Tq, Tk);
    if (this.scale) scores = ops.mul(scores, 1 / Math.sqrt(this.keyDim));
    let weights: Tensor;
    if (!allowed) weights = ops.softmax(scores, -1);
    else {
      const m = tensor(allowed.allowed, { shape: allowed.shape, backend: k.backend.name });
      const s = ops.where(m, scores, MASKED);
      const e = ops.where(m, ops.exp(ops.sub(s, ops.max(s, -1, true).detach())), 0);
      const den = ops.sum(e, -1, true);
      weights = ops.div(e, ops.where(ops.eq(den, 0), 1, den));
    }
    let context = ops.matmul(weights, val);
    if (single) {
      context = ops.squeeze(context, 1);
      weights = ops.squeeze(weights, 1);
    }
    return [context, weights];
  }

  override config(): LayerConfig {
    return {
      type: 'Attention', kind: this.kind, queryDim: this.queryDim, keyDim: this.keyDim, hiddenDim: this.hiddenDim,
      scale: this.scale, bias: this.bias, dtype: this.dtype,
    };
  }
}
registerLayer('Attention', (c) => {
  const kind = c.kind;
  if (kind !== 'dot' && kind !== 'general' && kind !== 'additive') throw new Error(`fromConfig: Attention.kind must be 'dot', 'general' or 'additive', got ${JSON.stringify(kind)}`);
  const o: AttentionOptions = { kind, queryDim: cfgNumber(c, 'queryDim'), keyDim: cfgNumber(c, 'keyDim') };
  if (kind === 'additive') {
    o.hiddenDim = cfgNumber(c, 'hiddenDim');
    o.bias = cfgBool(c, 'bias', true);
  } else o.scale = cfgBool(c, 'scale', false);
  if (c.dtype === 'float32' || c.dtype === 'float64') o.dtype = c.dtype;
  return new Attention(o);
});

/** An input in the layer's dtype (integers and bools are cast; the other float dtype is an error). */
function castInput(dtype: FloatDType, arg: string, x: Tensor): Tensor {
  if (x.dtype === dtype) return x;
  if (x.dtype === 'float32' || x.dtype === 'float64') {
    throw new Error(`attention: ${arg} is ${x.dtype} but the layer is ${dtype}: ${arg} is ${fmt(x.shape)}; cast it (x.cast('${dtype}')) or build the layer with { dtype: '${x.dtype}' }`);
  }
  return x.cast(dtype);
}

/** Scores [B, Tq, Tk] of q [B, Tq, Dq] against k [B, Tk, Dk]. */
function scoresOf(a: Attention, q: Tensor, k: Tensor, B: number, Tq: number, Tk: number): Tensor {
  switch (a.kind) {
    case 'dot':
      return ops.matmulT(q, k, false, true);
    case 'general': {
      const qw = ops.reshape(ops.matmul(ops.reshape(q, [B * Tq, a.queryDim]), a.weight as Tensor), [B, Tq, a.keyDim]);
      return ops.matmulT(qw, k, false, true);
    }
    case 'additive': {
      const H = a.hiddenDim as number;
      const hq = ops.reshape(ops.matmul(ops.reshape(q, [B * Tq, a.queryDim]), a.queryWeight as Tensor), [B, Tq, 1, H]);
      let hk = ops.reshape(ops.matmul(ops.reshape(k, [B * Tk, a.keyDim]), a.keyWeight as Tensor), [B, 1, Tk, H]);
      if (a.biasVector) hk = ops.add(hk, a.biasVector);
      const t = ops.tanh(ops.add(hq, hk));
      return ops.reshape(ops.matmul(ops.reshape(t, [B * Tq * Tk, H]), ops.reshape(a.v as Tensor, [H, 1])), [B, Tq, Tk]);
    }
  }
}

/** The allowed (query, key) pairs as flat booleans of `shape`, and which keys any query may use. */
interface ReadMask {
  allowed: boolean[];
  shape: number[];
  keyUsed: boolean[];
}

function readMask(v: unknown, B: number, Tq: number, Tk: number, single: boolean, qShape: readonly number[], kShape: readonly number[]): ReadMask {
  const L = 'attention';
  if (v instanceof Tensor || Array.isArray(v)) fail(L, 'mask', 'an object { lengths } or { mask } (the fourth argument)', v);
  const o = checkOptions(L, v as AttentionMask, ['lengths', 'mask'], 'mask');
  const hasLengths = o.lengths !== undefined && o.lengths !== null;
  const hasMask = o.mask !== undefined && o.mask !== null;
  if (hasLengths && hasMask) throw new Error(`${L}: pass lengths or mask, not both`);
  if (hasLengths) {
    const lens = readLengths(o.lengths, B, Tk, kShape);
    const keyUsed = Array.from({ length: B * Tk }, (_, i) => i % Tk < (lens[Math.floor(i / Tk)] as number));
    return { allowed: keyUsed, shape: [B, 1, Tk], keyUsed };
  }
  if (!hasMask) return { allowed: new Array<boolean>(B * Tk).fill(true), shape: [B, 1, Tk], keyUsed: new Array<boolean>(B * Tk).fill(true) };
  const m = checkTensor(L, 'mask', o.mask);
  const perQuery = m.rank === 3 && !single;
  const ok = (m.rank === 2 && m.shape[0] === B && m.shape[1] === Tk) || (perQuery && m.shape[0] === B && m.shape[1] === Tq && m.shape[2] === Tk);
  if (!ok) {
    const want = single ? `[${B},${Tk}] ([batch, Tk])` : `[${B},${Tk}] ([batch, Tk]) or [${B},${Tq},${Tk}] ([batch, Tq, Tk])`;
    throw new Error(`${L}: mask must have shape ${want}, got ${fmt(m.shape)}: query is ${fmt(qShape)}, keys is ${fmt(kShape)}`);
  }
  if (!m.backend.downloadSync) throw new Error(`${L}: a mask on backend '${m.backend.name}' cannot be read synchronously; pass lengths as an array of numbers instead`);
  const data = m.dataSync() as ArrayLike<number | boolean>;
  const allowed = Array.from(data, (x) => Number(x) !== 0);
  const keyUsed = new Array<boolean>(B * Tk).fill(false);
  const rows = perQuery ? Tq : 1;
  for (let b = 0; b < B; b++) for (let i = 0; i < rows; i++) for (let j = 0; j < Tk; j++) if (allowed[(b * rows + i) * Tk + j]) keyUsed[b * Tk + j] = true;
  return { allowed, shape: [B, rows, Tk], keyUsed };
}

/** Lengths as numbers, each an integer in [0, Tk]. */
function readLengths(v: unknown, B: number, Tk: number, kShape: readonly number[]): number[] {
  const L = 'attention';
  let arr: number[];
  if (Array.isArray(v)) arr = checkArray(L, 'lengths', v).map((n, i) => checkInt(L, `lengths[${i}]`, n, { min: 0 }));
  else {
    const t = checkTensor(L, 'lengths', v);
    if (t.rank !== 1) throw new Error(`${L}: lengths must be 1-D [batch], got ${fmt(t.shape)}`);
    if (t.dtype === 'bool') throw new Error(`${L}: lengths must be int32 (or integer-valued float), got bool ${fmt(t.shape)}`);
    if (!t.backend.downloadSync) throw new Error(`${L}: lengths on backend '${t.backend.name}' cannot be read synchronously; pass an array of numbers (Array.from(await lengths.data()))`);
    arr = Array.from(t.dataSync() as ArrayLike<number>, Number).map((n, i) => checkInt(L, `lengths[${i}]`, n, { min: 0 }));
  }
  if (arr.length !== B) throw new Error(`${L}: lengths has ${arr.length} entries, but the batch has ${B} sequences: keys is ${fmt(kShape)}`);
  arr.forEach((n, i) => {
    if (n > Tk) throw new Error(`${L}: lengths[${i}] is ${n}, longer than the keys' time axis (${Tk}): keys is ${fmt(kShape)}`);
  });
  return arr;
}

/**
 * Attention over a sequence of keys: `const [context, weights] = nn.attention({ kind: 'general',
 * queryDim: 8, keyDim: 16 }).call(query, keys, values?, { lengths })`.
 */
export function attention(opts: AttentionOptions): Attention {
  return new Attention(opts);
}
