/**
 * Export of nabla models to ONNX (opset 17 by default). The exporter walks the module tree and
 * runs each layer once on a zero input of `inputShape` (in evaluation mode, without gradients), so
 * every layer's input shape is known — 'same' padding, pooling geometry and reshapes are resolved
 * from it — and emits the ONNX nodes for that layer. Browser-safe: returns bytes.
 */
import { Module, type AnyModule } from '../../nn/module.js';
import { Linear, Maxout } from '../../nn/layers/linear.js';
import { Activation, PReLU } from '../../nn/layers/activation.js';
import { Conv1d, Conv2d, Conv2dTranspose, Conv3d, Pool2d, Subsampling } from '../../nn/layers/conv.js';
import { AdaptivePool, GlobalPool2d, PoolNd } from '../../nn/layers/pool.js';
import { Dropout, Flatten, Reshape } from '../../nn/layers/shape.js';
import { Pick, Residual, Sequential } from '../../nn/layers/containers.js';
import { BatchNorm, LayerNorm } from '../../nn/layers/norm.js';
import { Upsample } from '../../nn/layers/upsample.js';
import { Embedding } from '../../nn/layers/embedding.js';
import { GRU, LSTM, RecurrentLayer } from '../../nn/layers/recurrent.js';
import { perAxis, resolvePadding, resolvePaddingNd } from '../../ops/conv.js';
import { Tensor } from '../../tensor/tensor.js';
import { zeros } from '../../tensor/creation.js';
import { noGrad, tidy } from '../../engine.js';
import { fmt } from '../../tensor/shape.js';
import { checkArray, checkInt, checkOptions, fail, optBoolean } from '../../validate.js';
import { OnnxModel } from './import.js';
import { AT, DT, encodeOnnx, type OnnxAttribute, type OnnxNode, type OnnxTensor, type OnnxValueInfo } from './proto.js';

/** Options of `exportOnnx`. */
export interface ExportOnnxOptions {
  /**
   * The input's full shape, batch first, e.g. [1, 3, 32, 32] (ids [1, 12] for an embedding).
   * Required, except for a model read with importOnnx (written back as its own graph).
   */
  inputShape?: readonly number[];
  /** The ONNX opset (17 to 21; default 17). */
  opset?: number;
  /** Mark the batch axis as symbolic ('batch'), so the model takes any batch size (default true). */
  dynamicBatch?: boolean;
  /** Names of the graph's input and first output (default 'input' and 'output'). */
  inputName?: string;
  outputName?: string;
}

type Attr = Omit<OnnxAttribute, 'name'>;
const i = (v: number): Attr => ({ type: AT.INT, i: v });
const f = (v: number): Attr => ({ type: AT.FLOAT, f: v });
const s = (v: string): Attr => ({ type: AT.STRING, s: v });
const ints = (v: readonly number[]): Attr => ({ type: AT.INTS, ints: [...v] });
const strs = (v: readonly string[]): Attr => ({ type: AT.STRINGS, strings: [...v] });

const OP = 'exportOnnx';

/** The graph being built: nodes, initializers, unique names. */
class Builder {
  readonly nodes: OnnxNode[] = [];
  readonly inits: OnnxTensor[] = [];
  private readonly used = new Set<string>();
  private readonly consts = new Map<string, string>();

  constructor(readonly opset: number) {}

  name(base: string): string {
    const b = base.replace(/[^A-Za-z0-9_./-]/g, '_') || 'v';
    let n = b;
    for (let k = 1; this.used.has(n); k++) n = `${b}_${k}`;
    this.used.add(n);
    return n;
  }

  /** A float32 initializer. */
  floats(base: string, dims: readonly number[], data: ArrayLike<number>): string {
    const name = this.name(base);
    this.inits.push({ name, dims: [...dims], dataType: DT.FLOAT, data: Float32Array.from(data) });
    return name;
  }

  /** A tensor's values as a float32 initializer. */
  param(base: string, t: Tensor, dims: readonly number[] = t.shape): string {
    return this.floats(base, dims, t.dataSync() as ArrayLike<number>);
  }

  /** A shared int64 constant (shapes, axes, indices). */
  i64(values: readonly number[], dims: readonly number[] = [values.length]): string {
    const key = `i:${dims.join(',')}:${values.join(',')}`;
    let n = this.consts.get(key);
    if (!n) {
      n = this.name('const_i64');
      this.inits.push({ name: n, dims: [...dims], dataType: DT.INT64, data: [...values] });
      this.consts.set(key, n);
    }
    return n;
  }

  /** A shared float constant (a scalar unless dims are given). */
  f32(values: readonly number[], dims: readonly number[] = []): string {
    const key = `f:${dims.join(',')}:${values.join(',')}`;
    let n = this.consts.get(key);
    if (!n) {
      n = this.floats('const', dims, values);
      this.consts.set(key, n);
    }
    return n;
  }

  /** Appends a node; returns its outputs' names. */
  node(op: string, inputs: readonly string[], attrs: Record<string, Attr> = {}, outputs = 1, base = op.toLowerCase()): string[] {
    const outs = Array.from({ length: outputs }, () => this.name(base));
    this.nodes.push({
      name: this.name(`${op}_node`), opType: op, domain: '', inputs: [...inputs], outputs: outs,
      attributes: Object.entries(attrs).map(([name, a]) => ({ name, ...a })),
    });
    return outs;
  }

  one(op: string, inputs: readonly string[], attrs: Record<string, Attr> = {}): string {
    return this.node(op, inputs, attrs)[0]!;
  }

  /** A reduction over `axes` (attribute before opset 18, input from 18 on; ReduceSum takes an input from 13). */
  reduce(op: 'ReduceMean' | 'ReduceMax', x: string, axes: readonly number[], keepdims: boolean): string {
    if (this.opset >= 18) return this.one(op, [x, this.i64(axes)], { keepdims: i(keepdims ? 1 : 0) });
    return this.one(op, [x], { axes: ints(axes), keepdims: i(keepdims ? 1 : 0) });
  }
}

/** What a layer gives: its output's name and value, and, for recurrent layers, the state's names. */
interface Out {
  name: string;
  value: Tensor;
  state?: string[];
}

function unsupported(path: string, m: AnyModule, why = ''): never {
  throw new Error(`${OP}: layer ${path ? `'${path}' ` : ''}(${m.typeName}) cannot be exported to ONNX${why ? `: ${why}` : ''}; exportable layers: linear, maxout, activations, prelu, conv1d/2d/3d, conv2dTranspose, pooling, flatten, reshape, dropout, residual, sequential, batchNorm, layerNorm, upsample, embedding, rnn, lstm, gru (pick), subsampling`);
}

/** x → ONNX nodes of activation `a`. */
function activation(b: Builder, a: Activation, x: string, rank: number): string {
  const c = a.config();
  const axis = (c.axis as number | undefined) ?? -1;
  const ax = axis < 0 ? axis + rank : axis;
  switch (a.activation) {
    case 'step': return b.one('Cast', [b.one('Greater', [x, b.f32([0])])], { to: i(DT.FLOAT) });
    case 'sign': return b.one('Sign', [x]);
    case 'linear': return b.one('Identity', [x]);
    case 'ramp': return b.one('Clip', [x, b.f32([c.low as number]), b.f32([c.high as number])]);
    case 'hardtanh': return b.one('Clip', [x, b.f32([c.min as number]), b.f32([c.max as number])]);
    case 'relu6': return b.one('Clip', [x, b.f32([0]), b.f32([6])]);
    case 'sigmoid': return b.one('Sigmoid', [x]);
    case 'tanh': return b.one('Tanh', [x]);
    case 'relu': return b.one('Relu', [x]);
    case 'leakyRelu': return b.one('LeakyRelu', [x], { alpha: f(c.alpha as number) });
    case 'elu': return b.one('Elu', [x], { alpha: f(c.alpha as number) });
    case 'selu': return b.one('Selu', [x], { alpha: f(1.6732632423543772), gamma: f(1.0507009873554805) });
    case 'swish': return b.one('Mul', [x, b.one('Sigmoid', [x])]);
    case 'softplus': return b.one('Softplus', [x]);
    case 'softsign': return b.one('Softsign', [x]);
    case 'softmax': return b.one('Softmax', [x], { axis: i(ax) });
    case 'logSoftmax': return b.one('LogSoftmax', [x], { axis: i(ax) });
    case 'softmin': return b.one('Softmax', [b.one('Neg', [x])], { axis: i(ax) });
    case 'mish': return b.one('Mul', [x, b.one('Tanh', [b.one('Softplus', [x])])]);
    case 'hardswish': return b.one('HardSwish', [x]);
    case 'logSigmoid': return b.one('Neg', [b.one('Softplus', [b.one('Neg', [x])])]);
    case 'gelu': {
      // 0.5·x·(1 + erf(x/√2)), or the tanh form 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).
      let inner: string;
      if (c.approximate === 'tanh') {
        const x3 = b.one('Mul', [b.one('Mul', [x, x]), x]);
        const u = b.one('Mul', [b.one('Add', [x, b.one('Mul', [x3, b.f32([0.044715])])]), b.f32([Math.sqrt(2 / Math.PI)])]);
        inner = b.one('Tanh', [u]);
      } else inner = b.one('Erf', [b.one('Div', [x, b.f32([Math.SQRT2])])]);
      return b.one('Mul', [b.one('Mul', [x, b.f32([0.5])]), b.one('Add', [inner, b.f32([1])])]);
    }
  }
}

/** Pads [[before, after] per axis] → ONNX pads [begins…, ends…]. */
const onnxPads = (p: readonly (readonly [number, number])[]): number[] => [...p.map((q) => q[0]), ...p.map((q) => q[1])];

/** x padded in a non-zero mode over the spatial axes (circular: built from Slice and Concat). */
function padMode(b: Builder, x: string, pads: readonly (readonly [number, number])[], mode: 'reflect' | 'replicate' | 'circular', shape: readonly number[]): string {
  if (mode !== 'circular') {
    const all = [[0, 0], [0, 0], ...pads] as [number, number][];
    return b.one('Pad', [x, b.i64(onnxPads(all))], { mode: s(mode === 'reflect' ? 'reflect' : 'edge') });
  }
  let y = x;
  pads.forEach(([before, after], k) => {
    const axis = k + 2;
    const n = shape[axis] as number;
    const parts: string[] = [];
    if (before) parts.push(b.one('Slice', [y, b.i64([n - before]), b.i64([n]), b.i64([axis])]));
    parts.push(y);
    if (after) parts.push(b.one('Slice', [y, b.i64([0]), b.i64([after]), b.i64([axis])]));
    if (parts.length > 1) y = b.one('Concat', parts, { axis: i(axis) });
  });
  return y;
}

function convNode(b: Builder, path: string, m: Conv1d | Conv2d | Conv3d, x: string, xv: Tensor): string {
  const c = m.config();
  const nd = xv.rank - 2;
  const kernel = m.kernelSize;
  const strides = perAxis(OP, 'stride', c.stride, nd, 1);
  const dil = perAxis(OP, 'dilation', c.dilation, nd, 1);
  const ek = kernel.map((k, j) => (k - 1) * dil[j]! + 1);
  const spatial = xv.shape.slice(2);
  let pads: [number, number][];
  if (nd === 2) {
    const p = resolvePadding(OP, c.padding as never, spatial[0]!, spatial[1]!, ek[0]!, ek[1]!, strides[0]!, strides[1]!);
    pads = [[p[0], p[1]], [p[2], p[3]]];
  } else pads = resolvePaddingNd(OP, c.padding, spatial, ek, strides);
  let input = x;
  if (m.paddingMode !== 'zeros' && pads.some((p) => p[0] || p[1])) {
    input = padMode(b, x, pads, m.paddingMode, xv.shape);
    pads = pads.map(() => [0, 0]);
  }
  const ins = [input, b.param(`${path}.weight`, m.weight)];
  if (m.bias) ins.push(b.param(`${path}.bias`, m.bias));
  return b.one('Conv', ins, { kernel_shape: ints(kernel), strides: ints(strides), dilations: ints(dil), pads: ints(onnxPads(pads)), group: i((c.groups as number | undefined) ?? 1) });
}

function poolAttrs(kernel: number[], strides: number[], pads: [number, number][], ceil: boolean): Record<string, Attr> {
  return { kernel_shape: ints(kernel), strides: ints(strides), pads: ints(onnxPads(pads)), ceil_mode: i(ceil ? 1 : 0) };
}

function poolNode(b: Builder, mode: 'max' | 'avg', x: string, xv: Tensor, kernelArg: unknown, o: Record<string, unknown>): string {
  const nd = xv.rank - 2;
  const kernel = perAxis(OP, 'kernel', kernelArg, nd, 1);
  const strides = o.stride === undefined ? kernel : perAxis(OP, 'stride', o.stride, nd, 1);
  const dil = perAxis(OP, 'dilation', o.dilation, nd, 1);
  const ek = kernel.map((k, j) => (k - 1) * dil[j]! + 1);
  let pads: [number, number][];
  if (nd === 2) {
    const p = resolvePadding(OP, o.padding as never, xv.shape[2]!, xv.shape[3]!, ek[0]!, ek[1]!, strides[0]!, strides[1]!);
    pads = [[p[0], p[1]], [p[2], p[3]]];
  } else pads = resolvePaddingNd(OP, o.padding, xv.shape.slice(2), ek, strides);
  const attrs = poolAttrs(kernel, strides, pads, o.ceilMode === true);
  if (mode === 'max') return b.one('MaxPool', [x], { ...attrs, dilations: ints(dil) });
  return b.one('AveragePool', [x], { ...attrs, count_include_pad: i(o.countIncludePad === true ? 1 : 0) });
}

/** PyTorch gate blocks → ONNX gate blocks: rows of [G·H, …] regrouped. */
function reorderGates(data: ArrayLike<number>, rowsPerGate: number, rowLen: number, order: readonly number[]): Float32Array {
  const out = new Float32Array(order.length * rowsPerGate * rowLen);
  const block = rowsPerGate * rowLen;
  order.forEach((g, k) => {
    for (let j = 0; j < block; j++) out[k * block + j] = data[g * block + j] as number;
  });
  return out;
}

/** A recurrent layer as one ONNX RNN/LSTM/GRU node per stacked layer. Input x: as the layer takes it. */
function recurrent(b: Builder, path: string, m: RecurrentLayer<unknown>, x: string): { output: string; state: string[] } {
  const H = m.hiddenSize;
  const D = m.directions;
  const kind = m instanceof LSTM ? 'LSTM' : m instanceof GRU ? 'GRU' : 'RNN';
  const G = kind === 'LSTM' ? 4 : kind === 'GRU' ? 3 : 1;
  // PyTorch's i,f,g,o → ONNX's i,o,f,c; PyTorch's r,z,n → ONNX's z,r,h.
  const order = kind === 'LSTM' ? [0, 3, 1, 2] : kind === 'GRU' ? [1, 0, 2] : [0];
  const sd = m.stateDict();
  let seq = m.batchFirst ? b.one('Transpose', [x], { perm: ints([1, 0, 2]) }) : x;
  const hs: string[] = [];
  const cs: string[] = [];
  for (let l = 0; l < m.numLayers; l++) {
    const inSize = l === 0 ? m.inputSize : D * H;
    const W: number[] = [];
    const R: number[] = [];
    const B: number[] = [];
    for (let d = 0; d < D; d++) {
      const sfx = `_l${l}${d === 1 ? '_reverse' : ''}`;
      W.push(...reorderGates(sd[`weight_ih${sfx}`]!.dataSync() as ArrayLike<number>, H, inSize, order));
      R.push(...reorderGates(sd[`weight_hh${sfx}`]!.dataSync() as ArrayLike<number>, H, H, order));
      if (m.bias) {
        B.push(...reorderGates(sd[`bias_ih${sfx}`]!.dataSync() as ArrayLike<number>, H, 1, order));
        B.push(...reorderGates(sd[`bias_hh${sfx}`]!.dataSync() as ArrayLike<number>, H, 1, order));
      } else B.push(...new Array<number>(2 * G * H).fill(0));
    }
    const ins = [seq, b.floats(`${path}.W_l${l}`, [D, G * H, inSize], W), b.floats(`${path}.R_l${l}`, [D, G * H, H], R), b.floats(`${path}.B_l${l}`, [D, 2 * G * H], B)];
    const attrs: Record<string, Attr> = { hidden_size: i(H), direction: s(D === 2 ? 'bidirectional' : 'forward') };
    if (kind === 'GRU') attrs.linear_before_reset = i(1);
    if (kind === 'RNN') attrs.activations = strs(new Array<string>(D).fill(m.config().nonlinearity === 'relu' ? 'Relu' : 'Tanh'));
    const outs = b.node(kind, ins, attrs, kind === 'LSTM' ? 3 : 2, `${kind.toLowerCase()}_y`);
    hs.push(outs[1]!);
    if (kind === 'LSTM') cs.push(outs[2]!);
    // Y [T, D, B, H] → [T, B, D·H].
    seq = b.one('Reshape', [b.one('Transpose', [outs[0]!], { perm: ints([0, 2, 1, 3]) }), b.i64([0, 0, -1])]);
  }
  let output: string;
  if (m.returnSequences) output = m.batchFirst ? b.one('Transpose', [seq], { perm: ints([1, 0, 2]) }) : seq;
  else {
    // The last layer's final h: [D, B, H] → [B, D·H].
    const last = hs[hs.length - 1]!;
    output = b.one('Reshape', [b.one('Transpose', [last], { perm: ints([1, 0, 2]) }), b.i64([0, -1])]);
  }
  const cat = (xs: string[]): string => (xs.length === 1 ? b.one('Identity', [xs[0]!]) : b.one('Concat', xs, { axis: i(0) }));
  return { output, state: kind === 'LSTM' ? [cat(hs), cat(cs)] : [cat(hs)] };
}

/** Emits `m` applied to x (value xv); returns the output. */
function emit(b: Builder, m: AnyModule, x: string, xv: Tensor, path: string): Out {
  const run = (): Tensor => {
    let y: unknown;
    try {
      y = m.call(xv);
    } catch (e) {
      if (!(e instanceof Error) || e.message.startsWith(`${OP}:`)) throw e;
      throw new Error(`${OP}: layer ${path ? `'${path}' ` : ''}(${m.typeName}) fails on an input of shape ${fmt(xv.shape)}: ${e.message}`, { cause: e });
    }
    if (y instanceof Tensor) return y;
    if (Array.isArray(y) && y[0] instanceof Tensor) return y[0];
    return unsupported(path, m, 'it does not return a Tensor');
  };
  const sub = (name: string): string => (path ? `${path}.${name}` : name);
  if (m instanceof Sequential) {
    let cur: Out = { name: x, value: xv };
    let k = 0;
    for (const l of m) cur = emit(b, l, cur.name, cur.value, sub(String(k++)));
    return cur;
  }
  if (m instanceof Residual) {
    const body = emit(b, m.body, x, xv, sub('body'));
    const sc = m.shortcut ? emit(b, m.shortcut, x, xv, sub('shortcut')).name : x;
    return { name: b.one('Add', [body.name, sc]), value: run() };
  }
  if (m instanceof Pick) {
    const inner = m.layer;
    if (!(inner instanceof RecurrentLayer)) return unsupported(path, m, `it picks from ${inner.typeName}`);
    const r = recurrent(b, sub('layer'), inner, x);
    const name = m.key === 0 ? r.output : m.key === 1 && r.state.length === 1 ? r.state[0]! : unsupported(path, m, `key ${JSON.stringify(m.key)}`);
    return { name, value: run() };
  }
  if (m instanceof RecurrentLayer) {
    const r = recurrent(b, path, m, x);
    return { name: r.output, value: run(), state: r.state };
  }
  const value = run();
  const name = ((): string => {
    if (m instanceof Linear) {
      const w = b.param(`${sub('weight')}`, m.weight);
      const bias = m.bias ? b.param(sub('bias'), m.bias) : null;
      if (xv.rank === 2) return b.one('Gemm', bias ? [x, w, bias] : [x, w]);
      const y = b.one('MatMul', [x, w]);
      return bias ? b.one('Add', [y, bias]) : y;
    }
    if (m instanceof Maxout) {
      let z = b.one('MatMul', [x, b.param(sub('weight'), m.weight)]);
      if (m.bias) z = b.one('Add', [z, b.param(sub('bias'), m.bias)]);
      const lead = new Array<number>(xv.rank - 1).fill(0);
      return b.reduce('ReduceMax', b.one('Reshape', [z, b.i64([...lead, m.outFeatures, m.pieces])]), [-1], false);
    }
    if (m instanceof Activation) return activation(b, m, x, xv.rank);
    if (m instanceof PReLU) {
      const n = m.numSlopes;
      const dims = n === 1 ? [1] : [n, ...new Array<number>(xv.rank - 2).fill(1)];
      return b.one('PRelu', [x, b.param(sub('alpha'), m.alpha, dims)]);
    }
    if (m instanceof Conv1d || m instanceof Conv3d || m instanceof Conv2d) return convNode(b, path || 'conv', m, x, xv);
    if (m instanceof Conv2dTranspose) {
      const c = m.config();
      const st = perAxis(OP, 'stride', c.stride, 2, 1);
      const dil = perAxis(OP, 'dilation', c.dilation, 2, 1);
      const op = perAxis(OP, 'outputPadding', c.outputPadding, 2, 0, 0);
      const p = resolvePadding(OP, (c.padding ?? 0) as never, 1, 1, 1, 1, 1, 1);
      const ins = [x, b.param(sub('weight'), m.weight)];
      if (m.bias) ins.push(b.param(sub('bias'), m.bias));
      return b.one('ConvTranspose', ins, {
        kernel_shape: ints(m.kernelSize), strides: ints(st), dilations: ints(dil), pads: ints([p[0], p[2], p[1], p[3]]),
        output_padding: ints(op), group: i((c.groups as number | undefined) ?? 1),
      });
    }
    if (m instanceof Pool2d) return poolNode(b, m.mode, x, xv, m.kernel, m.opts as Record<string, unknown>);
    if (m instanceof PoolNd) return poolNode(b, m.mode, x, xv, m.kernel, m.opts as Record<string, unknown>);
    if (m instanceof AdaptivePool) {
      const inSz = xv.shape.slice(2);
      const outSz = perAxis(OP, 'outSize', m.outSize, m.nd, 1);
      if (inSz.some((n, j) => n % outSz[j]! !== 0)) return unsupported(path, m, `input size ${fmt(inSz)} is not a multiple of the output size ${fmt(outSz)}`);
      const k = inSz.map((n, j) => n / outSz[j]!);
      return poolNode(b, m.mode, x, xv, m.nd === 1 ? k[0] : k, {});
    }
    if (m instanceof GlobalPool2d) {
      const g = b.one(m.mode === 'max' ? 'GlobalMaxPool' : 'GlobalAveragePool', [x]);
      return m.keepDims ? g : b.one('Flatten', [g], { axis: i(1) });
    }
    if (m instanceof Subsampling) {
      const c = m.config();
      const p = b.one('AveragePool', [x], { kernel_shape: ints([m.kernel, m.kernel]), strides: ints([m.kernel, m.kernel]) });
      const y = b.one('Add', [b.one('Mul', [p, b.param(sub('coefficient'), m.coefficient)]), b.param(sub('bias'), m.bias)]);
      const act = new Activation(c.activation as never);
      return activation(b, act, y, 4);
    }
    if (m instanceof Flatten) return b.one('Flatten', [x], { axis: i(1) });
    if (m instanceof Reshape) return b.one('Reshape', [x, b.i64([0, ...m.targetShape])]);
    if (m instanceof Dropout) return b.one('Identity', [x]);
    if (m instanceof BatchNorm) {
      const C = m.numFeatures;
      const scale = m.weight ? b.param(sub('weight'), m.weight) : b.f32(new Array<number>(C).fill(1), [C]);
      const shift = m.bias ? b.param(sub('bias'), m.bias) : b.f32(new Array<number>(C).fill(0), [C]);
      let xin = x;
      let back: number[] | null = null;
      if (xv.rank === 2) {
        // BatchNormalization wants [N, C, …]: [N, C] → [N, C, 1] and back.
        xin = b.one('Unsqueeze', [x, b.i64([2])]);
        back = [2];
      }
      let y: string;
      if (m.runningMean && m.runningVar) {
        y = b.one('BatchNormalization', [xin, scale, shift, b.param(sub('running_mean'), m.runningMean), b.param(sub('running_var'), m.runningVar)], { epsilon: f(m.eps) });
      } else {
        // No running statistics: the batch's own, as nabla computes them in both modes.
        const axes = [0, ...Array.from({ length: Math.max(xv.rank, 3) - 2 }, (_, j) => j + 2)];
        const d = b.one('Sub', [xin, b.reduce('ReduceMean', xin, axes, true)]);
        const v = b.reduce('ReduceMean', b.one('Mul', [d, d]), axes, true);
        const bs = [C, ...new Array<number>(Math.max(xv.rank, 3) - 2).fill(1)];
        const norm = b.one('Div', [d, b.one('Sqrt', [b.one('Add', [v, b.f32([m.eps])])])]);
        y = b.one('Add', [b.one('Mul', [norm, b.one('Reshape', [scale, b.i64(bs)])]), b.one('Reshape', [shift, b.i64(bs)])]);
      }
      return back ? b.one('Squeeze', [y, b.i64(back)]) : y;
    }
    if (m instanceof LayerNorm) {
      const sh = m.normalizedShape;
      const n = sh.reduce((a, c) => a * c, 1);
      const scale = m.weight ? b.param(sub('weight'), m.weight) : b.f32(new Array<number>(n).fill(1), sh);
      const shift = m.bias ? b.param(sub('bias'), m.bias) : b.f32(new Array<number>(n).fill(0), sh);
      return b.one('LayerNormalization', [x, scale, shift], { axis: i(-sh.length), epsilon: f(m.eps) });
    }
    if (m instanceof Upsample) {
      const [sh, sw] = m.scaleFactor;
      const attrs: Record<string, Attr> = m.mode === 'nearest'
        ? { mode: s('nearest'), coordinate_transformation_mode: s('asymmetric'), nearest_mode: s('floor') }
        : { mode: s('linear'), coordinate_transformation_mode: s('pytorch_half_pixel') };
      return b.one('Resize', [x, '', b.f32([1, 1, sh, sw], [4])], attrs);
    }
    if (m instanceof Embedding) return b.one('Gather', [b.param(sub('weight'), m.weight), x], { axis: i(0) });
    return unsupported(path, m);
  })();
  return { name, value };
}

/** Restores every module's training flag after `fn`. */
function inEval<T>(model: AnyModule, fn: () => T): T {
  const modes = model.namedModules().map(([, m]) => [m, m.training] as const);
  model.eval();
  try {
    return fn();
  } finally {
    for (const [m, t] of modes) m.training = t;
  }
}

/**
 * The model as ONNX bytes (a ModelProto, opset 17 by default), in inference form: dropout is the
 * identity, batch norm uses its running statistics. `inputShape` is the full input shape, batch
 * first (it is run once through the model to resolve shapes); with `dynamicBatch` (default) the
 * batch axis is symbolic. Parameters are written as float32. A layer ONNX cannot express throws
 * an error naming it and its path in the model.
 */
export function exportOnnx(model: AnyModule, options: ExportOnnxOptions = {}): Uint8Array {
  if (!(model instanceof Module)) fail(OP, 'model', 'a nabla Module (nn.sequential(...), a layer, …)', model);
  const o = checkOptions(OP, options, ['inputShape', 'opset', 'dynamicBatch', 'inputName', 'outputName']);
  // A model read from ONNX is written back as its own graph, with its current weights.
  if (model instanceof OnnxModel) return model.toOnnx();
  if (o.inputShape === undefined) fail(OP, 'options.inputShape', 'the input\'s full shape, batch first (e.g. [1, 3, 32, 32])', o.inputShape);
  const shape = checkArray(OP, 'options.inputShape', o.inputShape).map((d, k) => checkInt(OP, `options.inputShape[${k}]`, d, { min: 1, max: 2 ** 24 }));
  if (shape.length === 0 || shape.length > 8) fail(OP, 'options.inputShape', 'a shape of 1 to 8 axes, batch first', o.inputShape);
  if (shape.reduce((a, c) => a * c, 1) > 2 ** 26) fail(OP, 'options.inputShape', 'a shape of at most 2^26 values (it is run once through the model)', o.inputShape);
  const opset = o.opset === undefined ? 17 : checkInt(OP, 'options.opset', o.opset, { min: 17, max: 21 });
  const dynamicBatch = optBoolean(OP, 'options.dynamicBatch', o.dynamicBatch, true);
  const inputName = o.inputName === undefined ? 'input' : checkName('options.inputName', o.inputName);
  const outputName = o.outputName === undefined ? 'output' : checkName('options.outputName', o.outputName);
  for (const [n, p] of model.namedParameters()) if (p.dtype !== 'float32' && p.dtype !== 'float64') fail(OP, `parameter '${n}'`, 'float', p.dtype);
  const first = firstLayer(model);
  const ids = first instanceof Embedding;
  const seqMajor = first instanceof RecurrentLayer && !first.batchFirst;
  const b = new Builder(opset);
  b.name(inputName);
  const { out, outShape } = inEval(model, () =>
    noGrad(() =>
      tidy(() => {
        const p0 = model.parameters()[0];
        const xv = zeros(shape, { dtype: ids ? 'int32' : p0?.dtype === 'float64' ? 'float64' : 'float32', backend: p0?.backend.name });
        const r = emit(b, model, inputName, xv, '');
        return { out: { name: r.name, state: r.state }, outShape: [...r.value.shape] };
      }),
    ),
  );
  const batchAxis = seqMajor ? 1 : 0;
  const dims = (sh: readonly number[], batch: number): (number | string)[] => sh.map((d, k) => (dynamicBatch && k === batch ? 'batch' : d));
  // Rename the output: an Identity gives it the requested name.
  b.nodes.push({ name: b.name('output_node'), opType: 'Identity', domain: '', inputs: [out.name], outputs: [outputName], attributes: [] });
  const outputs: OnnxValueInfo[] = [{ name: outputName, elemType: DT.FLOAT, shape: dims(outShape, outShape.length === shape.length || !seqMajor ? batchAxis : 0) }];
  (out.state ?? []).forEach((st, k) => {
    const nm = k === 0 ? 'h_n' : 'c_n';
    b.nodes.push({ name: b.name(`${nm}_node`), opType: 'Identity', domain: '', inputs: [st], outputs: [nm], attributes: [] });
    outputs.push({ name: nm, elemType: DT.FLOAT, shape: null });
  });
  return encodeOnnx({
    irVersion: 8,
    opsets: [{ domain: '', version: opset }],
    producerName: 'nabla',
    producerVersion: '0.1.0',
    graph: { name: model.typeName, nodes: b.nodes, initializers: b.inits, inputs: [{ name: inputName, elemType: ids ? DT.INT64 : DT.FLOAT, shape: dims(shape, batchAxis) }], outputs },
    metadata: {},
  });
}

function checkName(arg: string, v: unknown): string {
  if (typeof v !== 'string' || !/^[A-Za-z_][A-Za-z0-9_.]*$/.test(v)) fail(OP, arg, 'a name of letters, digits, _ and .', v);
  return v;
}

/** The first layer that sees the input (through Sequential, Residual and Pick). */
function firstLayer(m: AnyModule): AnyModule {
  if (m instanceof Sequential && m.length > 0) return firstLayer(m.at(0));
  if (m instanceof Pick) return firstLayer(m.layer);
  return m;
}


