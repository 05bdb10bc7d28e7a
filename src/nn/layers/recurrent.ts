/**
 * Recurrent layers: the cells RNNCell, LSTMCell, GRUCell (one time step) and the sequence layers
 * RNN, LSTM, GRU (stacked, optionally bidirectional, with variable-length batches).
 *
 * Sequences are batch-first, [batch, time, features] (`batchFirst: false` takes [time, batch,
 * features]). States are PyTorch's: h (and c) of shape [numLayers·directions, batch, hidden],
 * layer-major, the reverse direction after the forward one. Parameters have PyTorch's names,
 * shapes and gate order, so a PyTorch state dict loads as it is (nb.io.loadTorchStateDict):
 * `weight_ih_l{k}` [gates·hidden, in], `weight_hh_l{k}` [gates·hidden, hidden], `bias_ih_l{k}`,
 * `bias_hh_l{k}`, with the suffix `_reverse` for the reverse direction; LSTM gates i, f, g, o;
 * GRU gates r, z, n. Initialization is PyTorch's: every parameter U(−1/√hidden, 1/√hidden).
 *
 * The cells are composed of existing ops (`cellStep` below); that formula is the reference that
 * the fused path is tested against: LSTM and GRU layers run each direction of a layer as one op
 * (src/ops/recurrent.ts: one GEMM for all gates of a step, the gate math in a backend kernel),
 * unless `layer.fused` is false or the batch is padded (lengths shorter than the time axis).
 */
import type { Tensor } from '../../tensor/tensor.js';
import { fmt } from '../../tensor/shape.js';
import { arange, tensor, zeros } from '../../tensor/creation.js';
import { deferCheck } from '../deferred.js';
import * as ops from '../../ops/index.js';
import { gruSequence, lstmSequence } from '../../ops/recurrent.js';
import * as init from '../init.js';
import type { FloatDType } from '../init.js';
import { cfgBool, cfgNumber, Module, registerLayer, type LayerConfig } from '../module.js';
import { checkArray, checkInt, checkNumber, checkOneOf, checkOptions, fail, optBoolean } from '../../validate.js';
import { checkPositiveInt, checkTensor, checkWeightCount, matchDtype, optFloatDType } from './common.js';
import { Dropout } from './shape.js';

/** The recurrence of a layer: a vanilla RNN with tanh or ReLU, an LSTM or a GRU. */
export type RecurrentMode = 'rnn_tanh' | 'rnn_relu' | 'lstm' | 'gru';

/** An LSTM's state: [h, c]. */
export type LSTMState = [h: Tensor, c: Tensor];

/** Sequence lengths of a padded batch: an int32 (or integer-valued) tensor [batch] or an array of numbers. */
export type Lengths = Tensor | readonly number[];

const GATES: Record<RecurrentMode, number> = { rnn_tanh: 1, rnn_relu: 1, lstm: 4, gru: 3 };

/** One cell's weights: W_ih [G·H, I], W_hh [G·H, H], b_ih, b_hh [G·H] (null without bias). */
interface CellWeights {
  wih: Tensor;
  whh: Tensor;
  bih: Tensor | null;
  bhh: Tensor | null;
}

/** x·W_ihᵀ + b_ih for x [..., I]: the input part of every gate, computed for all steps at once. */
function inputProjection(x: Tensor, w: CellWeights, extraBias: Tensor | null = null): Tensor {
  const lead = x.shape.slice(0, -1);
  const x2 = ops.reshape(x, [-1, x.shape[x.rank - 1] as number]);
  let y = ops.matmul(x2, ops.matrixTranspose(w.wih));
  const bias = w.bih && extraBias ? ops.add(w.bih, extraBias) : w.bih ?? extraBias;
  if (bias) y = ops.add(y, bias);
  return ops.reshape(y, [...lead, w.wih.shape[0] as number]);
}

/**
 * One time step, the reference formula (PyTorch's): `gi` = x·W_ihᵀ + b_ih [batch, G·H], h and c
 * the previous state [batch, H], `whhT` = W_hhᵀ [H, G·H]. Returns the new h and (LSTM) c.
 *
 * - RNN: h' = act(gi + h·W_hhᵀ + b_hh)
 * - LSTM: i, f, g, o = split(gi + h·W_hhᵀ + b_hh); c' = σ(f)⊙c + σ(i)⊙tanh(g); h' = σ(o)⊙tanh(c')
 * - GRU: r = σ(gi_r + gh_r); z = σ(gi_z + gh_z); n = tanh(gi_n + r⊙gh_n); h' = (1 − z)⊙n + z⊙h,
 *   with gh = h·W_hhᵀ + b_hh (the reset gate multiplies W_hn·h + b_hn, as in PyTorch and cuDNN).
 */
export function cellStep(mode: RecurrentMode, gi: Tensor, h: Tensor, c: Tensor | null, whhT: Tensor, bhh: Tensor | null): [Tensor, Tensor | null] {
  let gh = ops.matmul(h, whhT);
  if (bhh) gh = ops.add(gh, bhh);
  switch (mode) {
    case 'rnn_tanh':
      return [ops.tanh(ops.add(gi, gh)), null];
    case 'rnn_relu':
      return [ops.relu(ops.add(gi, gh)), null];
    case 'lstm': {
      const [i, f, g, o] = ops.split(ops.add(gi, gh), 4, 1) as [Tensor, Tensor, Tensor, Tensor];
      const c2 = ops.add(ops.mul(ops.sigmoid(f), c as Tensor), ops.mul(ops.sigmoid(i), ops.tanh(g)));
      return [ops.mul(ops.sigmoid(o), ops.tanh(c2)), c2];
    }
    case 'gru': {
      const [ir, iz, inn] = ops.split(gi, 3, 1) as [Tensor, Tensor, Tensor];
      const [hr, hz, hn] = ops.split(gh, 3, 1) as [Tensor, Tensor, Tensor];
      const r = ops.sigmoid(ops.add(ir, hr));
      const z = ops.sigmoid(ops.add(iz, hz));
      const n = ops.tanh(ops.add(inn, ops.mul(r, hn)));
      return [ops.add(ops.mul(ops.sub(1, z), n), ops.mul(z, h)), null];
    }
  }
}

/** The options every recurrent layer and cell accepts. */
export interface RecurrentCellOptions {
  /** Whether the cell has the biases b_ih and b_hh (default true). */
  bias?: boolean;
  /** Parameter dtype (default float32; float64 for gradient checks). */
  dtype?: FloatDType;
}

/** The vanilla RNN's nonlinearity. */
export type RNNNonlinearity = 'tanh' | 'relu';

/** Registers one cell's four parameters under PyTorch's names (`suffix` = '', '_l0', '_l1_reverse', …). */
function registerCell(
  reg: (name: string, t: Tensor) => Tensor, gates: number, input: number, hidden: number, suffix: string, bias: boolean, dtype: FloatDType,
): CellWeights {
  const k = 1 / Math.sqrt(hidden);
  const u = init.uniform(-k, k);
  const fans = { fanIn: input, fanOut: gates * hidden };
  const wih = reg(`weight_ih${suffix}`, u.create([gates * hidden, input], fans, dtype));
  const whh = reg(`weight_hh${suffix}`, u.create([gates * hidden, hidden], { fanIn: hidden, fanOut: gates * hidden }, dtype));
  const bih = bias ? reg(`bias_ih${suffix}`, u.create([gates * hidden], fans, dtype)) : null;
  const bhh = bias ? reg(`bias_hh${suffix}`, u.create([gates * hidden], fans, dtype)) : null;
  return { wih, whh, bih, bhh };
}

function checkState(layer: string, arg: string, s: unknown, shape: readonly number[]): Tensor {
  const t = checkTensor(layer, arg, s);
  if (t.rank !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
    throw new Error(`${layer}: ${arg} must have shape ${fmt(shape)}, got ${fmt(t.shape)}`);
  }
  return t;
}

// ---------------------------------------------------------------------------------------------
// Cells: one time step, x [batch, input] → the new state.

/** x as [batch, input] in the parameters' dtype. */
function cellInput(layer: string, x: unknown, inputSize: number, w: CellWeights): Tensor {
  const t = checkTensor(layer, 'x', x);
  if (t.rank !== 2) throw new Error(`${layer}: input must be 2-D [batch, features], got ${fmt(t.shape)}`);
  if (t.shape[1] !== inputSize) throw new Error(`${layer}: input has ${t.shape[1]} features, expected ${inputSize}: x is ${fmt(t.shape)}`);
  return matchDtype(layer, t, w.wih);
}

/** A cell's state argument `arg` ([batch, hidden]), or zeros when null/undefined. */
function cellState(layer: string, arg: string, s: unknown, x: Tensor, hidden: number, w: CellWeights): Tensor {
  const batch = x.shape[0] as number;
  if (s === undefined || s === null) return zeros([batch, hidden], { dtype: w.wih.dtype, backend: x.backend.name });
  return matchDtype(layer, checkState(layer, arg, s, [batch, hidden]), w.wih);
}

/** One step of a cell on x [batch, input]. */
function cellRun(mode: RecurrentMode, x: Tensor, h: Tensor, c: Tensor | null, w: CellWeights): [Tensor, Tensor | null] {
  return cellStep(mode, inputProjection(x, w), h, c, ops.matrixTranspose(w.whh), w.bhh);
}

/** What the cells share: sizes, options and their PyTorch-named weights. */
abstract class CellBase<In extends unknown[], Out> extends Module<In, Out> {
  protected readonly w: CellWeights;
  /** The parameters' dtype. */
  readonly dtype: FloatDType;
  /** Whether the cell has biases. */
  readonly bias: boolean;

  constructor(protected readonly layer: string, readonly mode: RecurrentMode, readonly inputSize: number, readonly hiddenSize: number, opts: RecurrentCellOptions, extra: readonly string[] = []) {
    super();
    checkPositiveInt(layer, 'inputSize', inputSize);
    checkPositiveInt(layer, 'hiddenSize', hiddenSize);
    const o = checkOptions(layer, opts, ['bias', 'dtype', ...extra]);
    this.bias = optBoolean(layer, 'bias', o.bias, true);
    this.dtype = optFloatDType(layer, o.dtype);
    const g = GATES[mode];
    checkWeightCount(layer, [g * hiddenSize, Math.max(inputSize, hiddenSize)]);
    this.w = registerCell((name, t) => this.registerParameter(name, t), g, inputSize, hiddenSize, '', this.bias, this.dtype);
  }
}

function cellConfig(type: string, c: { inputSize: number; hiddenSize: number; bias: boolean; dtype: FloatDType }): LayerConfig {
  return { type, inputSize: c.inputSize, hiddenSize: c.hiddenSize, bias: c.bias, dtype: c.dtype };
}

/** A vanilla RNN cell: h' = tanh(x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh) (or ReLU). Parameters weight_ih [H, I], weight_hh [H, H], bias_ih, bias_hh. */
export class RNNCell extends CellBase<[x: Tensor, h?: Tensor | null], Tensor> {
  /** The registered layer type: names it in summaries and saved files, also in minified bundles. */
  static override readonly layerType: string = 'RNNCell';
  readonly nonlinearity: RNNNonlinearity;
  constructor(inputSize: number, hiddenSize: number, opts: RecurrentCellOptions & { nonlinearity?: RNNNonlinearity } = {}) {
    const nl = opts !== null && typeof opts === 'object' && opts.nonlinearity !== undefined ? checkOneOf('rnnCell', 'nonlinearity', opts.nonlinearity, ['tanh', 'relu'] as const) : 'tanh';
    super('rnnCell', nl === 'relu' ? 'rnn_relu' : 'rnn_tanh', inputSize, hiddenSize, opts, ['nonlinearity']);
    this.nonlinearity = nl;
  }
  /** x [batch, input], h [batch, hidden] (zeros when absent) → h' [batch, hidden]. */
  forward(x: Tensor, h?: Tensor | null): Tensor {
    const xi = cellInput(this.layer, x, this.inputSize, this.w);
    return cellRun(this.mode, xi, cellState(this.layer, 'h', h, xi, this.hiddenSize, this.w), null, this.w)[0];
  }
  override config(): LayerConfig {
    return { ...cellConfig('RNNCell', this), nonlinearity: this.nonlinearity };
  }
}
registerLayer('RNNCell', (c) => new RNNCell(cfgNumber(c, 'inputSize'), cfgNumber(c, 'hiddenSize'), cellOptionsFrom(c, true)));

/** An LSTM cell (gates i, f, g, o): [h, c] → [h', c']. Parameters weight_ih [4H, I], weight_hh [4H, H], bias_ih, bias_hh. */
export class LSTMCell extends CellBase<[x: Tensor, state?: LSTMState | null], LSTMState> {
  /** The registered layer type: names it in summaries and saved files, also in minified bundles. */
  static override readonly layerType: string = 'LSTMCell';
  constructor(inputSize: number, hiddenSize: number, opts: RecurrentCellOptions = {}) {
    super('lstmCell', 'lstm', inputSize, hiddenSize, opts);
  }
  /** x [batch, input], state [h, c] each [batch, hidden] (zeros when absent) → [h', c']. */
  forward(x: Tensor, state?: LSTMState | null): LSTMState {
    const xi = cellInput(this.layer, x, this.inputSize, this.w);
    if (state !== undefined && state !== null && (!Array.isArray(state) || state.length !== 2)) fail('lstmCell', 'state', 'an array [h, c] of two Tensors', state);
    const h = cellState(this.layer, 'state[0] (h)', state?.[0], xi, this.hiddenSize, this.w);
    const c = cellState(this.layer, 'state[1] (c)', state?.[1], xi, this.hiddenSize, this.w);
    const [h2, c2] = cellRun(this.mode, xi, h, c, this.w);
    return [h2, c2 as Tensor];
  }
  override config(): LayerConfig {
    return cellConfig('LSTMCell', this);
  }
}
registerLayer('LSTMCell', (c) => new LSTMCell(cfgNumber(c, 'inputSize'), cfgNumber(c, 'hiddenSize'), cellOptionsFrom(c, false)));

/** A GRU cell (gates r, z, n, PyTorch's placement of the reset gate): h → h'. Parameters weight_ih [3H, I], weight_hh [3H, H], bias_ih, bias_hh. */
export class GRUCell extends CellBase<[x: Tensor, h?: Tensor | null], Tensor> {
  /** The registered layer type: names it in summaries and saved files, also in minified bundles. */
  static override readonly layerType: string = 'GRUCell';
  constructor(inputSize: number, hiddenSize: number, opts: RecurrentCellOptions = {}) {
    super('gruCell', 'gru', inputSize, hiddenSize, opts);
  }
  /** x [batch, input], h [batch, hidden] (zeros when absent) → h' [batch, hidden]. */
  forward(x: Tensor, h?: Tensor | null): Tensor {
    const xi = cellInput(this.layer, x, this.inputSize, this.w);
    return cellRun(this.mode, xi, cellState(this.layer, 'h', h, xi, this.hiddenSize, this.w), null, this.w)[0];
  }
  override config(): LayerConfig {
    return cellConfig('GRUCell', this);
  }
}
registerLayer('GRUCell', (c) => new GRUCell(cfgNumber(c, 'inputSize'), cfgNumber(c, 'hiddenSize'), cellOptionsFrom(c, false)));

function cellOptionsFrom(c: LayerConfig, rnn: boolean): RecurrentCellOptions & { nonlinearity?: RNNNonlinearity } {
  const o: RecurrentCellOptions & { nonlinearity?: RNNNonlinearity } = { bias: cfgBool(c, 'bias', true) };
  if (c.dtype === 'float32' || c.dtype === 'float64') o.dtype = c.dtype;
  if (rnn && (c.nonlinearity === 'tanh' || c.nonlinearity === 'relu')) o.nonlinearity = c.nonlinearity;
  return o;
}

/** A vanilla RNN cell (tanh by default, or `nonlinearity: 'relu'`): `cell.call(x, h)` → h'. */
export function rnnCell(inputSize: number, hiddenSize: number, opts: RecurrentCellOptions & { nonlinearity?: RNNNonlinearity } = {}): RNNCell {
  return new RNNCell(inputSize, hiddenSize, opts);
}
/** An LSTM cell: `cell.call(x, [h, c])` → [h', c']. */
export function lstmCell(inputSize: number, hiddenSize: number, opts: RecurrentCellOptions = {}): LSTMCell {
  return new LSTMCell(inputSize, hiddenSize, opts);
}
/** A GRU cell: `cell.call(x, h)` → h'. */
export function gruCell(inputSize: number, hiddenSize: number, opts: RecurrentCellOptions = {}): GRUCell {
  return new GRUCell(inputSize, hiddenSize, opts);
}

// ---------------------------------------------------------------------------------------------
// Sequence layers.

/** Options of `rnn`, `lstm` and `gru`. */
export interface RecurrentOptions extends RecurrentCellOptions {
  /** Stacked layers (default 1); layer k > 0 reads layer k − 1's outputs. */
  numLayers?: number;
  /** A second direction reading the sequence backwards; outputs concatenate [forward, reverse] (default false). */
  bidirectional?: boolean;
  /** Dropout on the outputs of every layer but the last, in training mode (default 0). */
  dropout?: number;
  /** Sequences as [batch, time, features] (default true) or [time, batch, features]. */
  batchFirst?: boolean;
  /**
   * true (default): the output at every step, [batch, time, directions·hidden]. false: only the
   * last output, [batch, directions·hidden] — each sequence's own last step (its length) for the
   * forward direction, the first step for the reverse one.
   */
  returnSequences?: boolean;
}

const SEQ_KEYS = ['bias', 'dtype', 'numLayers', 'bidirectional', 'dropout', 'batchFirst', 'returnSequences'] as const;

/**
 * What RNN, LSTM and GRU share. `forward(x, state?, lengths?)` returns `[output, finalState]`:
 * x [batch, time, input]; state h (LSTM: [h, c]) of [numLayers·directions, batch, hidden], zeros
 * when absent; `lengths` [batch] for a padded batch (steps at t ≥ length are ignored: they change
 * neither outputs, states nor gradients, and their outputs are zero).
 */
export abstract class RecurrentLayer<S> extends Module<[x: Tensor, state?: S | null, lengths?: Lengths | null], [Tensor, S]> {
  readonly numLayers: number;
  readonly bidirectional: boolean;
  readonly dropoutRate: number;
  readonly batchFirst: boolean;
  readonly returnSequences: boolean;
  /** Whether the cells have biases. */
  readonly bias: boolean;
  /** The parameters' dtype. */
  readonly dtype: FloatDType;
  /**
   * Whether LSTM and GRU layers run the fused kernels (default true); false runs the composite
   * formula, which is also the one that supports second derivatives. Not part of the config.
   */
  fused = true;
  /** weights[layer][direction]. */
  private readonly weights: CellWeights[][] = [];
  private readonly drop: Dropout;

  constructor(protected readonly layer: string, readonly mode: RecurrentMode, readonly inputSize: number, readonly hiddenSize: number, opts: RecurrentOptions, extra: readonly string[] = []) {
    super();
    checkPositiveInt(layer, 'inputSize', inputSize);
    checkPositiveInt(layer, 'hiddenSize', hiddenSize);
    const o = checkOptions(layer, opts, [...SEQ_KEYS, ...extra]);
    this.numLayers = o.numLayers === undefined ? 1 : checkPositiveInt(layer, 'numLayers', o.numLayers);
    this.bidirectional = optBoolean(layer, 'bidirectional', o.bidirectional, false);
    this.dropoutRate = o.dropout === undefined ? 0 : checkNumber(layer, 'dropout', o.dropout, { min: 0, below: 1 });
    this.batchFirst = optBoolean(layer, 'batchFirst', o.batchFirst, true);
    this.returnSequences = optBoolean(layer, 'returnSequences', o.returnSequences, true);
    this.bias = optBoolean(layer, 'bias', o.bias, true);
    this.dtype = optFloatDType(layer, o.dtype);
    const g = GATES[mode];
    const dirs = this.directions;
    checkWeightCount(layer, [g * hiddenSize, Math.max(inputSize, dirs * hiddenSize)]);
    if (this.numLayers > 1024) fail(layer, 'numLayers', 'at most 1024', this.numLayers);
    const reg = (name: string, t: Tensor): Tensor => this.registerParameter(name, t);
    for (let l = 0; l < this.numLayers; l++) {
      const row: CellWeights[] = [];
      for (let d = 0; d < dirs; d++) row.push(registerCell(reg, g, l === 0 ? inputSize : dirs * hiddenSize, hiddenSize, `_l${l}${d === 1 ? '_reverse' : ''}`, this.bias, this.dtype));
      this.weights.push(row);
    }
    this.drop = new Dropout(this.dropoutRate);
  }

  /** 2 for a bidirectional layer, else 1. */
  get directions(): number {
    return this.bidirectional ? 2 : 1;
  }

  forward(x: Tensor, state?: S | null, lengths?: Lengths | null): [Tensor, S] {
    const name = this.layer;
    checkTensor(name, 'x', x);
    const layout = this.batchFirst ? '[batch, time, features]' : '[time, batch, features]';
    if (x.rank !== 3) throw new Error(`${name}: input must be 3-D ${layout}, got ${fmt(x.shape)}`);
    if (x.shape[2] !== this.inputSize) throw new Error(`${name}: input has ${x.shape[2]} features, expected ${this.inputSize}: x is ${fmt(x.shape)}`);
    const first = this.weights[0]![0]!;
    let xs = matchDtype(name, x, first.wih);
    if (!this.batchFirst) xs = ops.transpose(xs, [1, 0, 2]);
    const B = xs.shape[0] as number;
    const T = xs.shape[1] as number;
    if (B === 0 || T === 0) throw new Error(`${name}: input must have at least one sequence and one time step, got ${fmt(x.shape)}`);
    const H = this.hiddenSize;
    const D = this.directions;
    const stateShape = [this.numLayers * D, B, H];
    let h0: Tensor | null = null;
    let c0: Tensor | null = null;
    if (state !== undefined && state !== null) {
      if (this.mode === 'lstm') {
        if (!Array.isArray(state) || state.length !== 2) fail(name, 'state', 'an array [h0, c0] of two Tensors', state);
        h0 = matchDtype(name, checkState(name, 'state[0] (h0)', state[0], stateShape), first.wih);
        c0 = matchDtype(name, checkState(name, 'state[1] (c0)', state[1], stateShape), first.wih);
      } else h0 = matchDtype(name, checkState(name, 'state (h0)', state, stateShape), first.wih);
    }
    const lens = lengths === undefined || lengths === null ? null : readLengths(name, lengths, B, T, x.shape);
    const be = xs.backend.name;
    const dtype = first.wih.dtype;
    // Per step, which sequences are still running ([batch, 1] bool), when some are shorter than T.
    let masks: Tensor[] | null = null;
    if (lens && !Array.isArray(lens)) {
      // lengths on a backend that reads only asynchronously (webgpu): the masks are made on the
      // device (their values were queued for checking by readLengths)
      const L = ops.reshape(lens.dtype === 'int32' ? lens : ops.cast(lens, 'int32'), [B, 1]);
      const valid = ops.lt(ops.reshape(arange(0, T, 1, { dtype: 'int32', backend: be }), [1, T]), L.backend.name === be ? L : ops.to(L, be));
      masks = [];
      for (let t = 0; t < T; t++) masks.push(ops.slice(valid, [0, t], [B, 1]));
      xs = ops.where(ops.reshape(valid, [B, T, 1]), xs, 0);
    } else if (lens && lens.some((n) => n < T)) {
      masks = [];
      for (let t = 0; t < T; t++) masks.push(tensor(lens.map((n) => t < n), { shape: [B, 1], backend: be }));
      // Padded inputs are zeroed, so that whatever they hold (even NaN) reaches no gradient.
      const valid = tensor(Array.from({ length: B * T }, (_, i) => i % T < (lens[Math.floor(i / T)] as number)), { shape: [B, T, 1], backend: be });
      xs = ops.where(valid, xs, 0);
    }
    const hN: Tensor[] = [];
    const cN: Tensor[] = [];
    let input = xs;
    for (let l = 0; l < this.numLayers; l++) {
      const outs: Tensor[] = [];
      for (let d = 0; d < D; d++) {
        const w = this.weights[l]![d]!;
        const k = l * D + d;
        if (this.fused && !masks && (this.mode === 'lstm' || this.mode === 'gru')) {
          const h = h0 ? ops.reshape(ops.slice(h0, [k, 0, 0], [1, B, H]), [B, H]) : zeros([B, H], { dtype, backend: be });
          const last = d === 0 ? T - 1 : 0;
          let y: Tensor;
          if (this.mode === 'lstm') {
            // time-major [T, B, 4H]: each step's gates are contiguous; both biases added at once
            const xp = inputProjection(ops.transpose(input, [1, 0, 2]), w, w.bhh);
            const c = c0 ? ops.reshape(ops.slice(c0, [k, 0, 0], [1, B, H]), [B, H]) : zeros([B, H], { dtype, backend: be });
            y = lstmSequence(xp, h, c, w.whh, d === 1); // [T, 6·B·H]: per step h, c, gate activations
            cN.push(ops.reshape(ops.slice(y, [last, B * H], [1, B * H]), [B, H]));
            outs.push(ops.transpose(ops.reshape(ops.slice(y, [0, 0], [T, B * H]), [T, B, H]), [1, 0, 2]));
            hN.push(ops.reshape(ops.slice(y, [last, 0], [1, B * H]), [B, H]));
            continue;
          } else {
            const bhh = w.bhh ?? zeros([3 * H], { dtype, backend: be });
            y = gruSequence(inputProjection(input, w), h, w.whh, bhh, d === 1);
          }
          outs.push(ops.transpose(ops.slice(y, [0, 0, 0], [T, B, H]), [1, 0, 2]));
          hN.push(ops.reshape(ops.slice(y, [last, 0, 0], [1, B, H]), [B, H]));
          continue;
        }
        const xp = inputProjection(input, w);
        const whhT = ops.matrixTranspose(w.whh);
        const G = xp.shape[2] as number;
        let h = h0 ? ops.reshape(ops.slice(h0, [k, 0, 0], [1, B, H]), [B, H]) : zeros([B, H], { dtype, backend: be });
        let c: Tensor | null = this.mode !== 'lstm' ? null : c0 ? ops.reshape(ops.slice(c0, [k, 0, 0], [1, B, H]), [B, H]) : zeros([B, H], { dtype, backend: be });
        const steps: Tensor[] = new Array<Tensor>(T);
        for (let s = 0; s < T; s++) {
          const t = d === 0 ? s : T - 1 - s;
          const gi = ops.reshape(ops.slice(xp, [0, t, 0], [B, 1, G]), [B, G]);
          const [h2, c2] = cellStep(this.mode, gi, h, c, whhT, w.bhh);
          if (masks) {
            // A finished sequence keeps its state and outputs zero (PyTorch's pad_packed_sequence).
            const m = masks[t]!;
            steps[t] = ops.where(m, h2, 0);
            h = ops.where(m, h2, h);
            if (c) c = ops.where(m, c2 as Tensor, c);
          } else {
            steps[t] = h2;
            h = h2;
            c = c2;
          }
        }
        outs.push(ops.stack(steps, 1));
        hN.push(h);
        if (c) cN.push(c);
      }
      input = D === 1 ? outs[0]! : ops.concat(outs, 2);
      if (l < this.numLayers - 1 && this.dropoutRate > 0 && this.training) {
        this.drop.training = true;
        input = this.drop.call(input);
      }
    }
    let output: Tensor;
    if (this.returnSequences) output = this.batchFirst ? input : ops.transpose(input, [1, 0, 2]);
    else {
      const L = this.numLayers;
      output = D === 1 ? hN[L - 1]! : ops.concat([hN[2 * L - 2]!, hN[2 * L - 1]!], 1);
    }
    // The state is h, or [h, c] for the LSTM (S is that type).
    const hs = ops.stack(hN, 0);
    return [output, (this.mode === 'lstm' ? [hs, ops.stack(cN, 0)] : hs) as S];
  }
}

function seqConfig(type: string, l: RecurrentLayer<unknown>): LayerConfig {
  return {
    type, inputSize: l.inputSize, hiddenSize: l.hiddenSize, numLayers: l.numLayers, bidirectional: l.bidirectional,
    dropout: l.dropoutRate, batchFirst: l.batchFirst, returnSequences: l.returnSequences, bias: l.bias, dtype: l.dtype,
  };
}

/**
 * Lengths as numbers, each an integer in [0, T]. A tensor on a backend that reads only
 * asynchronously (webgpu) is returned as it is, its values' checks deferred (src/nn/deferred.ts).
 */
function readLengths(layer: string, v: unknown, B: number, T: number, xShape: readonly number[]): number[] | Tensor {
  const checkValues = (arr: number[]): number[] => {
    if (arr.length !== B) throw new Error(`${layer}: lengths has ${arr.length} entries, but the batch has ${B} sequences: x is ${fmt(xShape)}`);
    arr.forEach((n, i) => {
      if (n > T) throw new Error(`${layer}: lengths[${i}] is ${n}, longer than the time axis (${T}): x is ${fmt(xShape)}`);
    });
    return arr;
  };
  if (Array.isArray(v)) return checkValues(checkArray(layer, 'lengths', v).map((n, i) => checkInt(layer, `lengths[${i}]`, n, { min: 0 })));
  const t = checkTensor(layer, 'lengths', v);
  if (t.rank !== 1) throw new Error(`${layer}: lengths must be 1-D [batch], got ${fmt(t.shape)}`);
  if (t.dtype === 'bool') throw new Error(`${layer}: lengths must be int32 (or integer-valued float), got bool ${fmt(t.shape)}`);
  const fromValues = (values: ArrayLike<number>): number[] => {
    const arr = Array.from(values, Number);
    arr.forEach((n, i) => checkInt(layer, `lengths[${i}]`, n, { min: 0 }));
    return checkValues(arr);
  };
  if (t.backend.downloadSync) return fromValues(t.dataSync() as ArrayLike<number>);
  if (t.shape[0] !== B) throw new Error(`${layer}: lengths has ${t.shape[0]} entries, but the batch has ${B} sequences: x is ${fmt(xShape)}`);
  deferCheck(t, fromValues);
  return t;
}

function seqOptionsFrom(c: LayerConfig): RecurrentOptions & { nonlinearity?: RNNNonlinearity } {
  const o: RecurrentOptions & { nonlinearity?: RNNNonlinearity } = {
    numLayers: cfgNumber(c, 'numLayers', 1),
    bidirectional: cfgBool(c, 'bidirectional', false),
    dropout: cfgNumber(c, 'dropout', 0),
    batchFirst: cfgBool(c, 'batchFirst', true),
    returnSequences: cfgBool(c, 'returnSequences', true),
    bias: cfgBool(c, 'bias', true),
  };
  if (c.dtype === 'float32' || c.dtype === 'float64') o.dtype = c.dtype;
  if (c.nonlinearity === 'tanh' || c.nonlinearity === 'relu') o.nonlinearity = c.nonlinearity;
  return o;
}

/** A (stacked, optionally bidirectional) vanilla RNN: `[output, h_n] = rnn.call(x, h0?, lengths?)`. */
export class RNN extends RecurrentLayer<Tensor> {
  /** The registered layer type: names it in summaries and saved files, also in minified bundles. */
  static override readonly layerType: string = 'RNN';
  readonly nonlinearity: RNNNonlinearity;
  constructor(inputSize: number, hiddenSize: number, opts: RecurrentOptions & { nonlinearity?: RNNNonlinearity } = {}) {
    const nl = opts !== null && typeof opts === 'object' && opts.nonlinearity !== undefined ? checkOneOf('rnn', 'nonlinearity', opts.nonlinearity, ['tanh', 'relu'] as const) : 'tanh';
    super('rnn', nl === 'relu' ? 'rnn_relu' : 'rnn_tanh', inputSize, hiddenSize, opts, ['nonlinearity']);
    this.nonlinearity = nl;
  }
  override config(): LayerConfig {
    return { ...seqConfig('RNN', this), nonlinearity: this.nonlinearity };
  }
}
registerLayer('RNN', (c) => new RNN(cfgNumber(c, 'inputSize'), cfgNumber(c, 'hiddenSize'), seqOptionsFrom(c)));

/** A (stacked, optionally bidirectional) LSTM: `[output, [h_n, c_n]] = lstm.call(x, [h0, c0]?, lengths?)`. */
export class LSTM extends RecurrentLayer<LSTMState> {
  /** The registered layer type: names it in summaries and saved files, also in minified bundles. */
  static override readonly layerType: string = 'LSTM';
  constructor(inputSize: number, hiddenSize: number, opts: RecurrentOptions = {}) {
    super('lstm', 'lstm', inputSize, hiddenSize, opts);
  }
  override config(): LayerConfig {
    return seqConfig('LSTM', this);
  }
}
registerLayer('LSTM', (c) => new LSTM(cfgNumber(c, 'inputSize'), cfgNumber(c, 'hiddenSize'), seqOptionsFrom(c)));

/** A (stacked, optionally bidirectional) GRU: `[output, h_n] = gru.call(x, h0?, lengths?)`. */
export class GRU extends RecurrentLayer<Tensor> {
  /** The registered layer type: names it in summaries and saved files, also in minified bundles. */
  static override readonly layerType: string = 'GRU';
  constructor(inputSize: number, hiddenSize: number, opts: RecurrentOptions = {}) {
    super('gru', 'gru', inputSize, hiddenSize, opts);
  }
  override config(): LayerConfig {
    return seqConfig('GRU', this);
  }
}
registerLayer('GRU', (c) => new GRU(cfgNumber(c, 'inputSize'), cfgNumber(c, 'hiddenSize'), seqOptionsFrom(c)));

/**
 * A vanilla RNN over sequences [batch, time, input]: `const [y, h] = rnn(3, 8).call(x)`; y is
 * [batch, time, directions·hidden] (or [batch, directions·hidden] with `returnSequences: false`),
 * h is [numLayers·directions, batch, hidden].
 */
export function rnn(inputSize: number, hiddenSize: number, opts: RecurrentOptions & { nonlinearity?: RNNNonlinearity } = {}): RNN {
  return new RNN(inputSize, hiddenSize, opts);
}
/** An LSTM over sequences [batch, time, input]: `const [y, [h, c]] = lstm(3, 8).call(x)`. */
export function lstm(inputSize: number, hiddenSize: number, opts: RecurrentOptions = {}): LSTM {
  return new LSTM(inputSize, hiddenSize, opts);
}
/** A GRU over sequences [batch, time, input]: `const [y, h] = gru(3, 8).call(x)`. */
export function gru(inputSize: number, hiddenSize: number, opts: RecurrentOptions = {}): GRU {
  return new GRU(inputSize, hiddenSize, opts);
}
