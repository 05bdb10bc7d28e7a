/**
 * TF.js Layers models in and out: `fromTfjs` turns a TF.js `model.json` + weights (a Sequential
 * model of layers nabla has) into a nabla `sequential`, and `toTfjs` does the reverse, so a TF.js
 * user can move either way. Both work on TF.js's `ModelArtifacts` (what `tf.io.fromMemory` takes
 * and `tf.io.withSaveHandler` gives); `loadTfjs(path | url)` and `saveTfjs(model, dir)` add files.
 *
 * Layouts. TF.js images are NHWC, nabla's NCHW: a converted model takes NCHW input. Kernels are
 * transposed ([kh, kw, in, out] ↔ [out, in, kh, kw]; a Dense kernel is [in, out] in both), and
 * the rows of the first Dense after a Flatten of an image are permuted, since TF.js flattens
 * (h, w, c) and nabla (c, h, w). An LSTM's gates are in the same order (i, f, c/g, o); TF.js keeps
 * one bias (nabla's b_ih + b_hh). TF.js's GRU places the reset gate before the recurrent product
 * (reset_after = false, the only form it supports), nabla's after it (as PyTorch and cuDNN do),
 * so GRUs cannot be converted exactly either way and are refused with that reason; so is an LSTM
 * with TF.js's default recurrent activation, the hard sigmoid (nabla's LSTM uses the logistic one).
 */
import type { Tensor } from '../tensor/tensor.js';
import { fromArray } from '../tensor/creation.js';
import { dispose, noGrad, tidy } from '../engine.js';
import { permute } from '../ops/shape.js';
import { Module, type AnyModule, type LayerConfig } from '../nn/module.js';
import * as nn from '../nn/index.js';
import { fail } from '../validate.js';
import { nodeBuiltin } from './node.js';
import { concat, schemeOf } from './stores.js';
import { writeFileAtomic } from './file.js';

/** One weight of a TF.js model, as its manifest lists it. */
export interface TfjsWeightSpec {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32' | 'bool';
  quantization?: unknown;
}

/** A TF.js Layers model in memory: TF.js's `ModelArtifacts` (the fields nabla reads and writes). */
export interface TfjsArtifacts {
  modelTopology: unknown;
  weightSpecs: TfjsWeightSpec[];
  weightData: ArrayBuffer;
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
}

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Shape after a layer, without the batch axis, in TF.js's layout ([h, w, c] for images). */
type Shape = number[];

/** The most values one weight may declare (checked before anything is allocated). */
const MAX_VALUES = 1 << 28;

// ---------------------------------------------------------------------------------------------
// TF.js → nabla

const ACTIVATION_IN: Record<string, () => Module> = {
  relu: () => nn.relu(),
  sigmoid: () => nn.sigmoid(),
  tanh: () => nn.tanh(),
  softmax: () => nn.softmax(),
  elu: () => nn.activation('elu'),
  selu: () => nn.activation('selu'),
  softplus: () => nn.activation('softplus'),
  softsign: () => nn.activation('softsign'),
  relu6: () => nn.activation('relu6'),
  swish: () => nn.activation('swish'),
  mish: () => nn.activation('mish'),
  gelu: () => nn.activation('gelu'),
};

function activationIn(op: string, where: string, name: unknown): Module | null {
  if (name === undefined || name === null || name === 'linear') return null;
  const make = typeof name === 'string' ? ACTIVATION_IN[name] : undefined;
  if (!make) throw new Error(`${op}: ${where}: activation ${JSON.stringify(name)} has no nabla equivalent (known: linear, ${Object.keys(ACTIVATION_IN).join(', ')})`);
  return make();
}

const pairOf = (v: unknown, dflt: number): [number, number] => (Array.isArray(v) ? [Number(v[0]), Number(v[1])] : typeof v === 'number' ? [v, v] : [dflt, dflt]);

/** Output size of a TF.js convolution/pooling along one axis. */
function outSize(n: number, k: number, s: number, d: number, padding: string): number {
  const eff = d * (k - 1) + 1;
  return padding === 'same' ? Math.ceil(n / s) : Math.floor((n - eff) / s) + 1;
}

/**
 * The weights by name (`<layer>/<weight>`, as TF.js names them; TF.js lists the trainable ones
 * before the others, so the order is not the layers'), each checked for its shape and place in
 * the weight data before it is read.
 */
class WeightReader {
  private readonly byName = new Map<string, { spec: TfjsWeightSpec; offset: number }>();
  private readonly used = new Set<string>();
  constructor(private readonly op: string, private readonly specs: readonly TfjsWeightSpec[], private readonly data: ArrayBuffer) {
    let offset = 0;
    for (const spec of specs) {
      if (this.byName.has(spec.name)) throw new Error(`${op}: the weight manifest lists '${spec.name}' twice`);
      this.byName.set(spec.name, { spec, offset });
      offset += 4 * spec.shape.reduce((a, b) => a * b, 1);
    }
    if (offset !== data.byteLength) throw new Error(`${op}: the weight data has ${data.byteLength} bytes, the manifest's weights need ${offset}`);
  }

  next(layer: string, suffix: string, shape: readonly number[]): Float32Array {
    const name = `${layer}/${suffix}`;
    const e = this.byName.get(name) ?? [...this.byName.entries()].find(([k]) => k.endsWith(`/${name}`))?.[1];
    if (!e) throw new Error(`${this.op}: layer '${layer}' needs the weight '${name}', which the manifest does not list (it has ${[...this.byName.keys()].join(', ') || 'none'})`);
    const { spec, offset } = e;
    if (spec.shape.join() !== shape.join()) throw new Error(`${this.op}: layer '${layer}': weight '${spec.name}' has shape [${spec.shape.join(',')}], the layer needs [${shape.join(',')}]`);
    this.used.add(spec.name);
    return new Float32Array(this.data.slice(offset, offset + 4 * shape.reduce((a, b) => a * b, 1)));
  }

  done(): void {
    const unused = this.specs.filter((s) => !this.used.has(s.name)).map((s) => s.name);
    if (unused.length) throw new Error(`${this.op}: the manifest has weights no layer uses: ${unused.join(', ')}`);
  }
}

/** The values of a row-major array of `shape`, with its axes permuted by `perm`. */
function transpose(src: Float32Array, shape: readonly number[], perm: readonly number[]): Float32Array {
  // nabla's own permute, on the reference backend (synchronous, and exact: a copy)
  return noGrad(() => tidy(() => Float32Array.from(permute(fromArray(src, shape, { backend: 'cpu' }), perm).dataSync() as Float32Array)));
}

/**
 * The row order of a flattened image: nabla's row r (c·H·W + h·W + w) is TF.js's row
 * (h·W + w)·C + c. Null when the flattened input was not an image.
 */
function flattenOrder(shape: Shape): Int32Array | null {
  if (shape.length !== 3) return null;
  const [H, W, C] = shape as [number, number, number];
  const order = new Int32Array(H * W * C);
  for (let c = 0; c < C; c++) for (let h = 0; h < H; h++) for (let w = 0; w < W; w++) order[c * H * W + h * W + w] = (h * W + w) * C + c;
  return order;
}

function permuteRows(src: Float32Array, cols: number, order: Int32Array, nablaFromTf: boolean): Float32Array {
  const out = new Float32Array(src.length);
  for (let r = 0; r < order.length; r++) {
    const t = order[r]!;
    if (nablaFromTf) out.set(src.subarray(t * cols, (t + 1) * cols), r * cols);
    else out.set(src.subarray(r * cols, (r + 1) * cols), t * cols);
  }
  return out;
}

/** The layers of a Sequential topology (TF.js writes `config.layers`, older files `config` as an array). */
function sequentialLayers(op: string, topology: unknown): Json[] {
  const t = isObj(topology) && isObj(topology.model_config) ? topology.model_config : topology;
  if (!isObj(t)) fail(op, 'modelTopology', 'a TF.js Layers model topology (an object)', topology);
  const cls = (t as Json).class_name;
  if (cls !== 'Sequential') {
    throw new Error(`${op}: only Sequential TF.js models convert (this one is ${JSON.stringify(cls)}); rebuild it as tf.sequential() from the same layers`);
  }
  const cfg = (t as Json).config;
  const layers = Array.isArray(cfg) ? cfg : isObj(cfg) ? cfg.layers : undefined;
  if (!Array.isArray(layers) || !layers.every(isObj)) throw new Error(`${op}: modelTopology: the Sequential model has no list of layers`);
  return layers as Json[];
}

/**
 * Builds the nabla model equivalent to a TF.js Sequential Layers model: its layers, with the
 * weights converted (see the module comment for layouts). The model is in eval mode.
 */
export function fromTfjs(artifacts: TfjsArtifacts): Module {
  const op = 'fromTfjs';
  if (!isObj(artifacts)) fail(op, 'artifacts', 'TF.js model artifacts { modelTopology, weightSpecs, weightData }', artifacts);
  const { modelTopology, weightSpecs, weightData } = artifacts;
  if (!Array.isArray(weightSpecs)) fail(op, 'artifacts.weightSpecs', 'an array of { name, shape, dtype }', weightSpecs);
  if (!(weightData instanceof ArrayBuffer)) fail(op, 'artifacts.weightData', 'an ArrayBuffer', weightData);
  weightSpecs.forEach((s, i) => {
    if (!isObj(s) || typeof s.name !== 'string' || !Array.isArray(s.shape) || !s.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) fail(op, `artifacts.weightSpecs[${i}]`, 'a { name, shape, dtype } entry', s);
    if (s.shape.reduce((a, b) => a * b, 1) > MAX_VALUES) throw new Error(`${op}: weight '${s.name}' declares ${s.shape.join('×')} values, more than the ${MAX_VALUES} nabla reads`);
    if (s.dtype !== 'float32' || s.quantization !== undefined) throw new Error(`${op}: weight '${s.name}' is ${s.quantization !== undefined ? 'quantized' : String(s.dtype)}; only unquantized float32 weights convert`);
  });
  const layers = sequentialLayers(op, modelTopology);
  const reader = new WeightReader(op, weightSpecs, weightData);
  const out: Module[] = [];
  const weights: [AnyModule, Record<string, Float32Array>][] = [];
  let shape: Shape | null = null;
  let order: Int32Array | null = null; // pending row permutation after a Flatten of an image
  let pad: [number, number, number, number] | null = null; // a ZeroPadding2D, folded into the next Conv2D
  layers.forEach((layer, li) => {
    const cls = String(layer.class_name);
    const c = isObj(layer.config) ? layer.config : {};
    const name = typeof c.name === 'string' ? c.name : `layers[${li}]`;
    const where = `layer '${name}' (${cls})`;
    const input = c.batch_input_shape ?? c.batchInputShape;
    if (Array.isArray(input)) shape = input.slice(1).map(Number);
    if (cls === 'InputLayer') return;
    if (!shape) throw new Error(`${op}: ${where}: the first layer gives no batch_input_shape, so the input's shape is unknown`);
    const s: Shape = shape;
    const act = (): void => {
      const a = activationIn(op, where, c.activation);
      if (a) out.push(a);
    };
    if (pad && cls !== 'Conv2D') throw new Error(`${op}: ${where}: a ZeroPadding2D converts only right before a Conv2D with padding 'valid'`);
    if (c.data_format !== undefined && c.data_format !== 'channels_last') throw new Error(`${op}: ${where}: data_format ${JSON.stringify(c.data_format)}; only channels_last (NHWC) TF.js models convert`);
    switch (cls) {
      case 'Dense': {
        const units = Number(c.units);
        const inF = s[s.length - 1]!;
        const bias = c.use_bias !== false;
        const m = nn.linear(inF, units, { bias });
        let kernel = reader.next(name, 'kernel', [inF, units]);
        if (order && s.length === 1) kernel = permuteRows(kernel, units, order, true);
        const w: Record<string, Float32Array> = { weight: kernel };
        if (bias) w.bias = reader.next(name, 'bias', [units]);
        out.push(m);
        weights.push([m, w]);
        act();
        shape = [...s.slice(0, -1), units];
        order = null;
        return;
      }
      case 'Conv2D': {
        if (s.length !== 3) throw new Error(`${op}: ${where}: expects images [h, w, c], its input is [${s.join(',')}]`);
        const [kh, kw] = pairOf(c.kernel_size, 1);
        const [sh, sw] = pairOf(c.strides, 1);
        const [dh, dw] = pairOf(c.dilation_rate, 1);
        let padding: 'same' | 'valid' | [number, number, number, number] = c.padding === 'same' ? 'same' : 'valid';
        let [inH, inW] = [s[0]!, s[1]!];
        if (pad) {
          if (padding === 'same') throw new Error(`${op}: ${where}: a ZeroPadding2D before a convolution with padding 'same' does not convert`);
          padding = pad;
          inH += pad[0] + pad[1];
          inW += pad[2] + pad[3];
          pad = null;
        }
        if (Number(c.groups ?? 1) !== 1) throw new Error(`${op}: ${where}: grouped convolutions do not convert`);
        const cin = s[2]!;
        const cout = Number(c.filters);
        const bias = c.use_bias !== false;
        const m = nn.conv2d(cin, cout, [kh, kw], { stride: [sh, sw], dilation: [dh, dw], padding, bias });
        const k = reader.next(name, 'kernel', [kh, kw, cin, cout]);
        const w: Record<string, Float32Array> = { weight: transpose(k, [kh, kw, cin, cout], [3, 2, 0, 1]) };
        if (bias) w.bias = reader.next(name, 'bias', [cout]);
        out.push(m);
        weights.push([m, w]);
        act();
        const mode = padding === 'same' ? 'same' : 'valid';
        shape = [outSize(inH, kh, sh, dh, mode), outSize(inW, kw, sw, dw, mode), cout];
        return;
      }
      case 'ZeroPadding2D': {
        const p = c.padding;
        const v = (x: unknown): number => Number(x);
        pad = typeof p === 'number' ? [p, p, p, p]
          : Array.isArray(p) && Array.isArray(p[0]) && Array.isArray(p[1]) ? [v(p[0][0]), v(p[0][1]), v(p[1][0]), v(p[1][1])]
          : Array.isArray(p) ? [v(p[0]), v(p[0]), v(p[1]), v(p[1])] : [1, 1, 1, 1];
        if (!pad.every((x) => Number.isInteger(x) && x >= 0)) throw new Error(`${op}: ${where}: padding ${JSON.stringify(p)} must be non-negative integers`);
        return;
      }
      case 'MaxPooling2D':
      case 'AveragePooling2D': {
        if (s.length !== 3) throw new Error(`${op}: ${where}: expects images [h, w, c], its input is [${s.join(',')}]`);
        const [kh, kw] = pairOf(c.pool_size, 2);
        const [sh, sw] = c.strides === null || c.strides === undefined ? [kh, kw] : pairOf(c.strides, 1);
        const padding = c.padding === 'same' ? 'same' : 'valid';
        // TF.js's 'same' average leaves the padded cells out of each window's count, as nabla's default does
        out.push(cls === 'MaxPooling2D' ? nn.maxPool2d([kh, kw], { stride: [sh, sw], padding }) : nn.avgPool2d([kh, kw], { stride: [sh, sw], padding }));
        shape = [outSize(s[0]!, kh, sh, 1, padding), outSize(s[1]!, kw, sw, 1, padding), s[2]!];
        return;
      }
      case 'GlobalAveragePooling2D':
      case 'GlobalMaxPooling2D':
        if (s.length !== 3) throw new Error(`${op}: ${where}: expects images [h, w, c], its input is [${s.join(',')}]`);
        out.push(cls === 'GlobalAveragePooling2D' ? nn.globalAvgPool2d() : nn.globalMaxPool2d());
        shape = [s[2]!];
        return;
      case 'Flatten':
        out.push(nn.flatten());
        order = flattenOrder(s);
        shape = [s.reduce((a, b) => a * b, 1)];
        return;
      case 'Dropout':
        out.push(nn.dropout(Number(c.rate ?? 0)));
        return;
      case 'Activation':
        act();
        return;
      case 'ReLU':
        out.push(nn.relu());
        return;
      case 'LeakyReLU':
        out.push(nn.activation('leakyRelu', { alpha: Number(c.alpha ?? 0.3) }));
        return;
      case 'BatchNormalization': {
        const axis = Number(c.axis ?? -1);
        if (axis !== -1 && axis !== s.length) throw new Error(`${op}: ${where}: normalizes axis ${axis}; only the channel (last) axis converts`);
        if (s.length !== 1 && s.length !== 3) throw new Error(`${op}: ${where}: inputs of shape [${s.join(',')}] have no nabla batch norm (features [f] or images [h, w, c])`);
        if (order) throw new Error(`${op}: ${where}: a batch norm right after flattening an image does not convert (its features are in another order)`);
        const n = s[s.length - 1]!;
        const m = s.length === 1 ? nn.batchNorm1d(n, { eps: Number(c.epsilon ?? 1e-3), momentum: 1 - Number(c.momentum ?? 0.99) }) : nn.batchNorm2d(n, { eps: Number(c.epsilon ?? 1e-3), momentum: 1 - Number(c.momentum ?? 0.99) });
        const w: Record<string, Float32Array> = {};
        w.weight = c.scale === false ? new Float32Array(n).fill(1) : reader.next(name, 'gamma', [n]);
        w.bias = c.center === false ? new Float32Array(n) : reader.next(name, 'beta', [n]);
        w.running_mean = reader.next(name, 'moving_mean', [n]);
        w.running_var = reader.next(name, 'moving_variance', [n]);
        out.push(m);
        weights.push([m, w]);
        return;
      }
      case 'Embedding': {
        const v = Number(c.input_dim);
        const d = Number(c.output_dim);
        const m = nn.embedding(v, d);
        out.push(m);
        weights.push([m, { weight: reader.next(name, 'embeddings', [v, d]) }]);
        shape = [...s, d];
        return;
      }
      case 'LSTM': {
        if (s.length !== 2) throw new Error(`${op}: ${where}: expects sequences [time, features], its input is [${s.join(',')}]`);
        const ra = c.recurrent_activation ?? 'hard_sigmoid';
        if (ra !== 'sigmoid') throw new Error(`${op}: ${where}: recurrent_activation ${JSON.stringify(ra)} (TF.js's default is the hard sigmoid); nabla's LSTM uses the logistic sigmoid — build the TF.js LSTM with recurrentActivation: 'sigmoid'`);
        if ((c.activation ?? 'tanh') !== 'tanh') throw new Error(`${op}: ${where}: activation ${JSON.stringify(c.activation)}; nabla's LSTM uses tanh`);
        for (const k of ['go_backwards', 'stateful', 'return_state'] as const) if (c[k] === true) throw new Error(`${op}: ${where}: ${k} does not convert`);
        const I = s[1]!;
        const H = Number(c.units);
        const seq = c.return_sequences === true;
        const bias = c.use_bias !== false;
        const l = nn.lstm(I, H, { returnSequences: seq, bias });
        const k = reader.next(name, 'kernel', [I, 4 * H]);
        const rk = reader.next(name, 'recurrent_kernel', [H, 4 * H]);
        const w: Record<string, Float32Array> = { weight_ih_l0: transpose(k, [I, 4 * H], [1, 0]), weight_hh_l0: transpose(rk, [H, 4 * H], [1, 0]) };
        if (bias) {
          w.bias_ih_l0 = reader.next(name, 'bias', [4 * H]);
          w.bias_hh_l0 = new Float32Array(4 * H);
        }
        out.push(nn.pick(l));
        weights.push([l, w]);
        shape = seq ? [s[0]!, H] : [H];
        return;
      }
      case 'GRU':
        throw new Error(`${op}: ${where}: TF.js's GRU applies the reset gate before the recurrent product (reset_after = false, the only form TF.js has); nabla's GRU applies it after (as PyTorch and cuDNN do), so its weights cannot give the same outputs`);
      default:
        throw new Error(`${op}: ${where} has no nabla equivalent; convertible layers: InputLayer, Dense, Conv2D, ZeroPadding2D (before a Conv2D), MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D, GlobalMaxPooling2D, Flatten, Dropout, Activation, ReLU, LeakyReLU, BatchNormalization, Embedding, LSTM`);
    }
  });
  if (pad) throw new Error(`${op}: the model ends with a ZeroPadding2D, which converts only right before a Conv2D`);
  reader.done();
  const model = nn.sequential(...out);
  const made: Tensor[] = [];
  try {
    noGrad(() => {
      for (const [m, w] of weights) {
        const own = m.stateDict();
        const sd: Record<string, Tensor> = { ...own };
        for (const [k, v] of Object.entries(w)) made.push((sd[k] = fromArray(v, own[k]!.shape)));
        m.loadStateDict(sd);
      }
    });
  } finally {
    dispose(made);
  }
  return model.eval();
}

// ---------------------------------------------------------------------------------------------
// nabla → TF.js

const ACTIVATION_OUT: Record<string, string> = {
  relu: 'relu', sigmoid: 'sigmoid', tanh: 'tanh', softmax: 'softmax', linear: 'linear', elu: 'elu', selu: 'selu',
  softplus: 'softplus', softsign: 'softsign', relu6: 'relu6', swish: 'swish', mish: 'mish', gelu: 'gelu',
};

export interface ToTfjsOptions {
  /**
   * The shape of one input sample in nabla's layout (no batch axis): [c, h, w] for images,
   * [features], [time] of token ids for an embedding, [time, features] for sequences. The
   * TF.js model takes it in TF.js's layout ([h, w, c] for images).
   */
  inputShape: readonly number[];
}

/**
 * The TF.js Layers form of a nabla `sequential` of layers TF.js has: the `ModelArtifacts`
 * `tf.loadLayersModel(tf.io.fromMemory(artifacts))` loads (an image model then takes NHWC input).
 */
export async function toTfjs(model: AnyModule, opts: ToTfjsOptions): Promise<TfjsArtifacts> {
  const op = 'toTfjs';
  if (!(model instanceof Module)) fail(op, 'model', 'an nb.nn.Module (a sequential of layers TF.js has)', model);
  if (!isObj(opts) || !Array.isArray(opts.inputShape) || opts.inputShape.length === 0 || !opts.inputShape.every((d) => Number.isSafeInteger(d) && d > 0)) {
    fail(op, 'options.inputShape', 'the shape of one sample without the batch axis ([c, h, w], [features] or [time, features]), positive integers', isObj(opts) ? opts.inputShape : opts);
  }
  const cfg = model.config();
  const mods: Module[] = cfg.type === 'Sequential' ? [...(model as unknown as { layers: Module[] }).layers] : [model as Module];
  let shape: number[] = opts.inputShape.slice(); // nabla layout
  const layers: Json[] = [];
  const specs: TfjsWeightSpec[] = [];
  const datas: Float32Array[] = [];
  let flatFrom: Shape | null = null; // the [c, h, w] a Flatten just flattened
  let n = 0;
  const add = (className: string, config: Json): string => {
    const name = `${className.toLowerCase()}_${++n}`;
    const c: Json = { name, trainable: true, dtype: 'float32', ...config };
    if (layers.length === 0) c.batch_input_shape = [null, ...(shape.length === 3 ? [shape[1], shape[2], shape[0]] : shape)];
    layers.push({ class_name: className, config: c });
    return name;
  };
  const weight = (layer: string, suffix: string, shp: number[], data: Float32Array): void => {
    specs.push({ name: `${layer}/${suffix}`, shape: shp, dtype: 'float32' });
    datas.push(data);
  };
  const values = async (t: Tensor): Promise<Float32Array> => Float32Array.from(await t.data());
  for (const m of mods) {
    const c: LayerConfig = m.config();
    const where = `layer ${m.typeName}`;
    const sd = m.stateDict();
    switch (c.type) {
      case 'Linear': {
        const inF = Number(c.inFeatures);
        const out = Number(c.outFeatures);
        let w = await values(sd.weight!);
        if (flatFrom) {
          const [C, H, W] = flatFrom as [number, number, number];
          w = permuteRows(w, out, flattenOrder([H, W, C])!, false);
        }
        const name = add('Dense', { units: out, activation: 'linear', use_bias: !!sd.bias, kernel_initializer: { class_name: 'Zeros', config: {} }, bias_initializer: { class_name: 'Zeros', config: {} } });
        weight(name, 'kernel', [inF, out], w);
        if (sd.bias) weight(name, 'bias', [out], await values(sd.bias));
        shape = [...shape.slice(0, -1), out];
        flatFrom = null;
        break;
      }
      case 'Activation': {
        const a = String(c.activation);
        if (a === 'leakyRelu') add('LeakyReLU', { alpha: typeof c.alpha === 'number' ? c.alpha : 0.01 });
        else if (ACTIVATION_OUT[a] && (a !== 'softmax' || c.axis === undefined || c.axis === -1)) add('Activation', { activation: ACTIVATION_OUT[a] });
        else throw new Error(`${op}: ${where}: activation '${a}' has no TF.js equivalent (known: ${Object.keys(ACTIVATION_OUT).join(', ')}, leakyRelu)`);
        break;
      }
      case 'Conv2d': {
        if (shape.length !== 3) throw new Error(`${op}: ${where}: its input is [${shape.join(',')}], not an image [c, h, w] (give options.inputShape)`);
        if (c.groups !== undefined && c.groups !== 1) throw new Error(`${op}: ${where}: grouped convolutions do not convert`);
        if (c.paddingMode !== undefined) throw new Error(`${op}: ${where}: padding mode '${String(c.paddingMode)}' has no TF.js equivalent`);
        const [kh, kw] = pairOf(c.kernel, 1);
        const [sh, sw] = pairOf(c.stride, 1);
        const [dh, dw] = pairOf(c.dilation, 1);
        const cin = Number(c.inChannels);
        const cout = Number(c.outChannels);
        let padding = 'valid';
        let [h, w] = [shape[1]!, shape[2]!];
        if (c.padding === 'same') padding = 'same';
        else if (c.padding !== undefined && c.padding !== 'valid' && c.padding !== 0) {
          const p = c.padding;
          const [t, b, l, r] = typeof p === 'number' ? [p, p, p, p] : Array.isArray(p) && p.length === 2 ? [p[0], p[0], p[1], p[1]] : (p as number[]);
          add('ZeroPadding2D', { padding: [[t, b], [l, r]] });
          h += Number(t) + Number(b);
          w += Number(l) + Number(r);
        }
        const name = add('Conv2D', { filters: cout, kernel_size: [kh, kw], strides: [sh, sw], padding, dilation_rate: [dh, dw], data_format: 'channels_last', activation: 'linear', use_bias: !!sd.bias });
        weight(name, 'kernel', [kh, kw, cin, cout], transpose(await values(sd.weight!), [cout, cin, kh, kw], [2, 3, 1, 0]));
        if (sd.bias) weight(name, 'bias', [cout], await values(sd.bias));
        shape = [cout, outSize(h, kh, sh, dh, padding), outSize(w, kw, sw, dw, padding)];
        break;
      }
      case 'MaxPool2d':
      case 'AvgPool2d': {
        if (shape.length !== 3) throw new Error(`${op}: ${where}: its input is [${shape.join(',')}], not an image [c, h, w]`);
        const padding = c.padding === 'same' ? 'same' : 'valid';
        if (c.padding !== undefined && c.padding !== 'same' && c.padding !== 'valid' && c.padding !== 0) throw new Error(`${op}: ${where}: explicit padding has no TF.js pooling equivalent (use 'same' or none)`);
        if (c.ceilMode === true || (c.dilation !== undefined && c.dilation !== 1) || c.countIncludePad === true) throw new Error(`${op}: ${where}: ceilMode, dilation and countIncludePad have no TF.js equivalent`);
        const [kh, kw] = pairOf(c.kernel, 1);
        const [sh, sw] = c.stride === undefined ? [kh, kw] : pairOf(c.stride, 1);
        add(c.type === 'MaxPool2d' ? 'MaxPooling2D' : 'AveragePooling2D', { pool_size: [kh, kw], strides: [sh, sw], padding, data_format: 'channels_last' });
        shape = [shape[0]!, outSize(shape[1]!, kh, sh, 1, padding), outSize(shape[2]!, kw, sw, 1, padding)];
        break;
      }
      case 'GlobalAvgPool2d':
      case 'GlobalMaxPool2d':
        if (c.keepDims === true) throw new Error(`${op}: ${where}: keepDims has no TF.js equivalent`);
        add(c.type === 'GlobalAvgPool2d' ? 'GlobalAveragePooling2D' : 'GlobalMaxPooling2D', { data_format: 'channels_last' });
        shape = [shape[0]!];
        break;
      case 'Flatten':
        add('Flatten', {});
        flatFrom = shape.length === 3 ? shape.slice() : null;
        shape = [shape.reduce((a, b) => a * b, 1)];
        break;
      case 'Dropout':
        add('Dropout', { rate: Number(c.rate) });
        break;
      case 'BatchNorm1d':
      case 'BatchNorm2d': {
        if (flatFrom) throw new Error(`${op}: ${where}: a batch norm right after flattening an image does not convert (TF.js orders the features differently)`);
        if (c.trackRunningStats === false) throw new Error(`${op}: ${where}: without running statistics it has no TF.js equivalent`);
        const f = Number(c.numFeatures);
        const affine = c.affine !== false;
        const name = add('BatchNormalization', { axis: -1, epsilon: Number(c.eps), momentum: c.momentum === null ? 0.99 : 1 - Number(c.momentum), center: affine, scale: affine });
        if (affine) {
          weight(name, 'gamma', [f], await values(sd.weight!));
          weight(name, 'beta', [f], await values(sd.bias!));
        }
        weight(name, 'moving_mean', [f], await values(sd.running_mean!));
        weight(name, 'moving_variance', [f], await values(sd.running_var!));
        break;
      }
      case 'Embedding': {
        const [v, d] = sd.weight!.shape as [number, number];
        const name = add('Embedding', { input_dim: v, output_dim: d, input_length: shape[0] });
        weight(name, 'embeddings', [v, d], await values(sd.weight!));
        shape = [...shape, d];
        break;
      }
      case 'Pick': {
        const inner = c.layer as LayerConfig;
        if (inner.type !== 'LSTM' || (c.key !== 0 && c.key !== undefined)) throw new Error(`${op}: ${where}: only pick(lstm(…)) converts (TF.js's GRU differs from nabla's; see nb.io.fromTfjs)`);
        if (Number(inner.numLayers ?? 1) !== 1 || inner.bidirectional === true || inner.batchFirst === false) throw new Error(`${op}: ${where}: a stacked, bidirectional or time-major LSTM does not convert; use one batch-first layer per LSTM`);
        const I = Number(inner.inputSize);
        const H = Number(inner.hiddenSize);
        const seq = inner.returnSequences !== false;
        const hasBias = !!sd['layer.bias_ih_l0'];
        const name = add('LSTM', { units: H, activation: 'tanh', recurrent_activation: 'sigmoid', use_bias: hasBias, return_sequences: seq, return_state: false, go_backwards: false, stateful: false, unroll: false, implementation: 1 });
        weight(name, 'kernel', [I, 4 * H], transpose(await values(sd['layer.weight_ih_l0']!), [4 * H, I], [1, 0]));
        weight(name, 'recurrent_kernel', [H, 4 * H], transpose(await values(sd['layer.weight_hh_l0']!), [4 * H, H], [1, 0]));
        if (hasBias) {
          const a = await values(sd['layer.bias_ih_l0']!);
          const b = await values(sd['layer.bias_hh_l0']!);
          weight(name, 'bias', [4 * H], a.map((x, i) => x + b[i]!));
        }
        shape = seq ? [shape[0]!, H] : [H];
        break;
      }
      default:
        throw new Error(`${op}: ${where} has no TF.js Layers equivalent; convertible: Linear, Activation, Conv2d, MaxPool2d, AvgPool2d, GlobalAvgPool2d, GlobalMaxPool2d, Flatten, Dropout, BatchNorm1d, BatchNorm2d, Embedding, pick(lstm(…))`);
    }
  }
  const total = datas.reduce((a, d) => a + d.length, 0);
  const all = new Float32Array(total);
  let off = 0;
  for (const d of datas) {
    all.set(d, off);
    off += d.length;
  }
  return {
    modelTopology: { class_name: 'Sequential', config: { name: 'sequential', layers }, keras_version: 'tfjs-layers 4.22.0', backend: 'tensor_flow.js' },
    format: 'layers-model',
    generatedBy: 'nabla',
    convertedBy: null,
    weightSpecs: specs,
    weightData: all.buffer,
  };
}

// ---------------------------------------------------------------------------------------------
// Files and URLs

/** Reads a TF.js `model.json` (a path in Node, or an http(s) URL) and its weight files. */
export async function loadTfjs(path: string): Promise<Module> {
  const op = 'loadTfjs';
  if (typeof path !== 'string' || path === '') fail(op, 'path', "a model.json's path or http(s):// URL", path);
  const url = schemeOf(path);
  const read = async (p: string): Promise<Uint8Array> => {
    if (url === 'http' || url === 'https') {
      const res = await fetch(p).catch((e: unknown) => {
        throw new Error(`${op}: cannot fetch ${p}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
      });
      if (!res.ok) throw new Error(`${op}: cannot fetch ${p}: HTTP ${res.status}`);
      return new Uint8Array(await res.arrayBuffer());
    }
    const fs = nodeBuiltin('node:fs/promises', `nb.io.${op}`);
    try {
      return new Uint8Array(await fs.readFile(p));
    } catch (e) {
      throw new Error(`${op}: cannot read ${p}: ${(e as Error).message}`, { cause: e });
    }
  };
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(await read(path)));
  } catch (e) {
    if (e instanceof SyntaxError) throw new Error(`${op}: ${path} is not JSON (${e.message})`, { cause: e });
    throw e;
  }
  if (!isObj(json) || !Array.isArray(json.weightsManifest)) throw new Error(`${op}: ${path} is not a TF.js Layers model.json (no weightsManifest)`);
  const base = path.slice(0, path.lastIndexOf('/') + 1);
  const specs: TfjsWeightSpec[] = [];
  const parts: Uint8Array[] = [];
  for (const group of json.weightsManifest as unknown[]) {
    if (!isObj(group) || !Array.isArray(group.paths) || !Array.isArray(group.weights)) throw new Error(`${op}: ${path}: a weightsManifest entry lacks paths or weights`);
    specs.push(...(group.weights as TfjsWeightSpec[]));
    for (const p of group.paths as unknown[]) {
      if (typeof p !== 'string' || p.includes('..') || p.startsWith('/')) throw new Error(`${op}: ${path}: weight file ${JSON.stringify(p)} must be a name beside model.json`);
      parts.push(await read(base + p));
    }
  }
  const data = concat(parts).slice(); // a buffer of its own, whatever the chunks were
  return fromTfjs({ modelTopology: json.modelTopology, weightSpecs: specs, weightData: data.buffer });
}

/** Writes `model` as a TF.js Layers model: `<dir>/model.json` and `<dir>/weights.bin` (atomically, Node). */
export async function saveTfjs(model: AnyModule, dir: string, opts: ToTfjsOptions): Promise<void> {
  const op = 'saveTfjs';
  if (typeof dir !== 'string' || dir === '') fail(op, 'dir', 'a folder path', dir);
  const a = await toTfjs(model, opts);
  const fs = nodeBuiltin('node:fs/promises', `nb.io.${op}`);
  await fs.mkdir(dir, { recursive: true });
  const { weightSpecs, weightData, ...rest } = a;
  await writeFileAtomic(`${dir}/weights.bin`, new Uint8Array(weightData));
  await writeFileAtomic(`${dir}/model.json`, JSON.stringify({ ...rest, weightsManifest: [{ paths: ['weights.bin'], weights: weightSpecs }] }));
}
