/**
 * Import of ONNX models (opsets 13–21 of the default domain) as a nabla Module: `OnnxModel` runs
 * the graph's nodes in order with nabla ops, so it runs on every backend and is differentiable.
 * Float initializers become the module's parameters (trainable: fine-tune with any optimizer;
 * batch norm statistics are buffers), Constant nodes and integer initializers are constants.
 * int64 values (shapes, indices, axes) become int32. Browser-safe: bytes in; `importOnnxFile`
 * (file.ts) adds the file system and external data.
 */
import { Module } from '../../nn/module.js';
import { Upsample } from '../../nn/layers/upsample.js';
import { Tensor } from '../../tensor/tensor.js';
import { fromArray, full, tensor, zeros } from '../../tensor/creation.js';
import { dispose, keep } from '../../engine.js';
import * as ops from '../../ops/index.js';
import { padWith, type PadMode } from '../../ops/padding.js';
import { fmt } from '../../tensor/shape.js';
import { checkOptions, checkString, fail as failArg } from '../../validate.js';
import { DT, decodeOnnx, encodeOnnx, OnnxFormatError, type OnnxAttribute, type OnnxData, type OnnxGraph, type OnnxModel as OnnxProto, type OnnxNode, type OnnxTensor } from './proto.js';

/** The ops `importOnnx` reads (default domain). */
export const ONNX_IMPORT_OPS: readonly string[] = [
  'Abs', 'Add', 'And', 'ArgMax', 'ArgMin', 'AveragePool', 'BatchNormalization', 'Cast', 'Ceil', 'Clip', 'Concat', 'Constant', 'ConstantOfShape', 'Conv', 'ConvTranspose', 'Cos',
  'Div', 'Dropout', 'Elu', 'Equal', 'Erf', 'Exp', 'Expand', 'Flatten', 'Floor', 'GRU', 'Gather', 'Gelu', 'Gemm', 'GlobalAveragePool', 'GlobalMaxPool', 'Greater', 'GreaterOrEqual',
  'HardSigmoid', 'HardSwish', 'Identity', 'LSTM', 'LayerNormalization', 'LeakyRelu', 'Less', 'LessOrEqual', 'Log', 'LogSoftmax', 'MatMul', 'Max', 'MaxPool', 'Mean', 'Min', 'Mish', 'Mul',
  'Neg', 'Not', 'Or', 'PRelu', 'Pad', 'Pow', 'RNN', 'Reciprocal', 'ReduceL2', 'ReduceMax', 'ReduceMean', 'ReduceMin', 'ReduceProd', 'ReduceSum', 'Relu', 'Reshape', 'Resize', 'Selu', 'Shape',
  'Sigmoid', 'Sign', 'Sin', 'Size', 'Slice', 'Softmax', 'Softplus', 'Softsign', 'Split', 'Sqrt', 'Squeeze', 'Sub', 'Sum', 'Tanh', 'Tile', 'Transpose', 'Unsqueeze', 'Where', 'Xor',
];
const SUPPORTED = new Set(ONNX_IMPORT_OPS);

/** Options of `importOnnx`. */
export interface ImportOnnxOptions {
  /** The name used for the model in error messages (default 'model.onnx'). */
  file?: string;
}

/** Resolves an initializer stored outside the model (external data); importOnnxFile passes one. */
export type ExternalLoader = (t: OnnxTensor) => OnnxData;

type Value = Tensor;

/** Attribute access for one node, with defaults. */
class Attrs {
  private readonly m = new Map<string, OnnxAttribute>();
  constructor(readonly node: OnnxNode, private readonly err: (msg: string) => never) {
    for (const a of node.attributes) this.m.set(a.name, a);
  }
  has(n: string): boolean {
    return this.m.has(n);
  }
  i(n: string, d: number): number {
    const a = this.m.get(n);
    return a?.i ?? d;
  }
  f(n: string, d: number): number {
    const a = this.m.get(n);
    return a?.f ?? d;
  }
  s(n: string, d: string): string {
    const a = this.m.get(n);
    return a?.s ?? d;
  }
  ints(n: string): number[] | null {
    const a = this.m.get(n);
    return a?.ints ?? null;
  }
  floats(n: string): number[] | null {
    return this.m.get(n)?.floats ?? null;
  }
  strings(n: string): string[] | null {
    return this.m.get(n)?.strings ?? null;
  }
  t(n: string): OnnxTensor | null {
    return this.m.get(n)?.t ?? null;
  }
  /** Throws unless the attribute is absent or has value `ok`. */
  only(n: string, ok: number | string, what: string): void {
    const a = this.m.get(n);
    if (a && (a.i ?? a.s) !== ok) this.err(`${what} is not supported (${n} = ${String(a.i ?? a.s)})`);
  }
}

/** An ONNX tensor as a nabla tensor: floats → float32, integers → int32 (clamped), bool → bool. */
function toTensor(t: OnnxTensor, data: OnnxData): Tensor {
  const shape = t.dims;
  if (t.dataType === DT.BOOL) return tensor(Array.from(data as ArrayLike<number>, (v) => v !== 0), { shape, dtype: 'bool' });
  if (t.dataType === DT.FLOAT || t.dataType === DT.DOUBLE || t.dataType === DT.FLOAT16) return fromArray(data instanceof Float32Array ? data : Float32Array.from(data as ArrayLike<number>), shape);
  const a = new Int32Array(data.length);
  for (let k = 0; k < data.length; k++) a[k] = Math.max(-2147483648, Math.min(2147483647, data[k] as number));
  return fromArray(a, shape);
}

function isFloatType(dt: number): boolean {
  return dt === DT.FLOAT || dt === DT.DOUBLE || dt === DT.FLOAT16;
}

/** Integer values of a (small) tensor: shapes, axes, indices. */
function intsOf(t: Tensor): number[] {
  return Array.from(t.dataSync() as ArrayLike<number>, Number);
}

/** Normalizes a possibly negative axis. */
function axisOf(a: number, rank: number, err: (m: string) => never): number {
  const r = a < 0 ? a + rank : a;
  if (!Number.isInteger(r) || r < 0 || r >= rank) err(`axis ${a} is out of range for rank ${rank}`);
  return r;
}

/** erf(x) (Abramowitz & Stegun 7.1.26, |error| < 1.5e-7), built from differentiable ops. */
function erf(x: Tensor): Tensor {
  const ax = ops.abs(x);
  const t = ops.reciprocal(ops.add(ops.mul(ax, 0.3275911), 1));
  let poly = ops.mul(t, 1.061405429);
  poly = ops.mul(ops.add(poly, -1.453152027), t);
  poly = ops.mul(ops.add(poly, 1.421413741), t);
  poly = ops.mul(ops.add(poly, -0.284496736), t);
  poly = ops.mul(ops.add(poly, 0.254829592), t);
  const y = ops.sub(1, ops.mul(poly, ops.exp(ops.neg(ops.square(ax)))));
  return ops.mul(ops.sign(x), y);
}

/** ONNX pads [begins…, ends…] → [before, after] per axis. */
function padPairs(p: readonly number[], nd: number): [number, number][] {
  return Array.from({ length: nd }, (_, k) => [p[k] ?? 0, p[k + nd] ?? 0]);
}

/** Explicit pads for auto_pad SAME_UPPER / SAME_LOWER. */
function autoPads(mode: string, spatial: readonly number[], ek: readonly number[], strides: readonly number[], pads: [number, number][]): [number, number][] {
  if (mode === 'NOTSET' || mode === '') return pads;
  if (mode === 'VALID') return spatial.map(() => [0, 0]);
  return spatial.map((n, k) => {
    const total = Math.max((Math.ceil(n / strides[k]!) - 1) * strides[k]! + ek[k]! - n, 0);
    const small = Math.floor(total / 2);
    return mode === 'SAME_LOWER' ? [total - small, small] : [small, total - small];
  });
}

/** A model imported from ONNX: runs the graph with nabla ops. `call(x, …)` gives the first output; `run(…)` all of them. */
export class OnnxModel extends Module<Tensor[], Tensor> {
  /** The registered layer type. */
  static override readonly layerType: string = 'OnnxModel';
  /** The graph's inputs (initializers excluded), in order, and outputs. */
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /** The opset of the default domain. */
  readonly opset: number;
  private readonly graph: OnnxGraph;
  private readonly proto: OnnxProto;
  private readonly file: string;
  /** Parameters, buffers and constants by their ONNX name. */
  private readonly values = new Map<string, Tensor>();
  private readonly consts: Tensor[] = [];

  /** Use `nb.io.importOnnx`. */
  constructor(proto: OnnxProto, file: string, external: ExternalLoader | null) {
    super();
    const p = proto as Partial<OnnxProto> | null;
    if (p === null || typeof p !== 'object' || !Array.isArray(p.opsets) || p.graph === null || typeof p.graph !== 'object' || !Array.isArray(p.graph.nodes)) {
      failArg('OnnxModel', 'proto', 'a parsed ONNX model (use nb.io.importOnnx(bytes))', proto);
    }
    checkString('OnnxModel', 'file', file);
    if (external !== null && typeof external !== 'function') failArg('OnnxModel', 'external', 'null or a function', external);
    this.file = file;
    const err = (m: string): never => {
      throw new OnnxFormatError('importOnnx', file, m);
    };
    const main = proto.opsets.find((o) => o.domain === '' || o.domain === 'ai.onnx');
    if (!main) err('the model imports no opset of the default ONNX domain');
    this.opset = main!.version;
    if (this.opset < 1 || this.opset > 21) err(`opset ${this.opset} is not supported (nabla reads opsets up to 21)`);
    const g = (this.graph = proto.graph);
    for (const n of g.nodes) {
      const where = `node '${n.name || n.outputs[0] || n.opType}' (${n.opType})`;
      if (n.domain !== '' && n.domain !== 'ai.onnx') err(`${where} is in domain '${n.domain}', which nabla does not read`);
      if (!SUPPORTED.has(n.opType)) err(`${where}: the op ${n.opType} is not supported; nabla reads ${ONNX_IMPORT_OPS.join(', ')}`);
    }
    // Which float initializers are statistics (buffers) or settings (constants) rather than weights.
    const role = new Map<string, 'buffer' | 'const'>();
    for (const n of g.nodes) {
      n.inputs.forEach((name, k) => {
        if (n.opType === 'BatchNormalization' && k >= 3) role.set(name, 'buffer');
        else if (k >= 1 && ['Resize', 'Clip', 'Pad', 'Reshape', 'Expand', 'ConstantOfShape', 'Slice', 'Tile'].includes(n.opType)) role.set(name, 'const');
      });
    }
    const taken = new Set<string>();
    const safe = (n: string): string => {
      const b = n.replace(/[^A-Za-z0-9_]/g, '_') || 'p';
      let s = b;
      for (let k = 1; taken.has(s); k++) s = `${b}_${k}`;
      taken.add(s);
      return s;
    };
    try {
      for (const t of g.initializers) {
        if (!t.name) err('an initializer has no name');
        let data = t.data;
        if (t.external) {
          if (!external) err(`initializer '${t.name}' is stored in an external file ('${t.external.location}'); load the model with nb.io.importOnnxFile(path)`);
          data = external!(t);
        }
        const v = toTensor(t, data);
        const r = role.get(t.name);
        if (isFloatType(t.dataType) && r === undefined) this.values.set(t.name, this.registerParameter(safe(t.name), v));
        else if (isFloatType(t.dataType) && r === 'buffer') this.values.set(t.name, this.registerBuffer(safe(t.name), v));
        else {
          this.values.set(t.name, keep(v));
          this.consts.push(v);
        }
      }
    } catch (e) {
      this.dispose();
      throw e;
    }
    // Keep the model's description for toOnnx(), without the values the module now holds.
    this.proto = { ...proto, graph: { ...g, initializers: g.initializers.map((t) => ({ ...t, data: [], external: undefined })) } };
    const inits = new Set(g.initializers.map((t) => t.name));
    this.inputNames = g.inputs.map((v) => v.name).filter((n) => !inits.has(n));
    this.outputNames = g.outputs.map((v) => v.name);
    if (this.outputNames.length === 0) err('the graph has no outputs');
  }

  /**
   * The model as ONNX bytes again, with the current values of its parameters and buffers (after
   * fine-tuning, say): the same graph, opsets and inputs/outputs as the file it was read from.
   */
  toOnnx(): Uint8Array {
    const initializers = this.proto.graph.initializers.map((t): OnnxTensor => {
      const v = this.values.get(t.name)!;
      const vals = v.dataSync() as ArrayLike<number>;
      let data: OnnxData;
      let dataType = t.dataType;
      if (isFloatType(t.dataType)) {
        dataType = t.dataType === DT.DOUBLE ? DT.DOUBLE : DT.FLOAT;
        data = dataType === DT.DOUBLE ? Float64Array.from(vals) : Float32Array.from(vals);
      } else if (t.dataType === DT.BOOL) data = Uint8Array.from(vals, (x) => (x ? 1 : 0));
      else if (t.dataType === DT.INT64 || t.dataType === DT.UINT64) {
        dataType = DT.INT64;
        data = Array.from(vals);
      } else {
        dataType = DT.INT32;
        data = Int32Array.from(vals);
      }
      return { name: t.name, dims: t.dims, dataType, data };
    });
    const g = this.proto.graph;
    // Float16 initializers become float32, and their consumers would see another type: refuse.
    const f16 = g.initializers.find((t) => t.dataType === DT.FLOAT16);
    if (f16) throw new Error(`OnnxModel.toOnnx: initializer '${f16.name}' was float16; nabla writes float32 and float64 only`);
    return encodeOnnx({ ...this.proto, producerName: this.proto.producerName || 'nabla', graph: { ...g, initializers } });
  }

  /** Runs the graph on `inputs` (one per graph input, in order); returns the first output. */
  forward(...inputs: Tensor[]): Tensor {
    return this.run(...inputs)[0]!;
  }

  /** Runs the graph; returns every output, in the graph's order. */
  run(...inputs: Tensor[]): Tensor[] {
    const op = 'OnnxModel';
    if (inputs.length !== this.inputNames.length) {
      throw new Error(`${op}: the model takes ${this.inputNames.length} input${this.inputNames.length === 1 ? '' : 's'} (${this.inputNames.join(', ')}), got ${inputs.length}`);
    }
    const env = new Map<string, Value>(this.values);
    inputs.forEach((x, k) => {
      if (!(x instanceof Tensor)) failArg(op, `inputs[${k}]`, 'a Tensor', x);
      env.set(this.inputNames[k]!, x);
    });
    for (const n of this.graph.nodes) {
      const where = `node '${n.name || n.outputs[0] || n.opType}' (${n.opType})`;
      const err = (m: string): never => {
        throw new Error(`${op}: ${where}: ${m}`);
      };
      const ins = n.inputs.map((name) => {
        if (name === '') return null;
        const v = env.get(name);
        if (!v) err(`input '${name}' is not computed by any earlier node`);
        return v!;
      });
      let outs: (Tensor | null)[];
      try {
        outs = this.node(n, ins, err);
      } catch (e) {
        if (e instanceof Error && !e.message.startsWith(`${op}:`)) throw new Error(`${op}: ${where}: ${e.message}`, { cause: e });
        throw e;
      }
      n.outputs.forEach((name, k) => {
        const v = outs[k];
        if (name === '') return;
        if (!v) err(`output ${k} ('${name}') is not supported`);
        env.set(name, v!);
      });
    }
    return this.outputNames.map((n) => {
      const v = env.get(n);
      if (!v) throw new Error(`${op}: output '${n}' is computed by no node`);
      return v;
    });
  }

  /** One node. */
  private node(n: OnnxNode, ins: (Tensor | null)[], err: (m: string) => never): (Tensor | null)[] {
    const a = new Attrs(n, err);
    const x = ins[0] as Tensor;
    const need = (k: number): Tensor => {
      const v = ins[k];
      if (!v) err(`input ${k} is missing`);
      return v!;
    };
    const opset = this.opset;
    const floatOf = (t: Tensor): Tensor => (t.dtype === 'float32' || t.dtype === 'float64' ? t : ops.cast(t, 'float32'));
    /** Axes from the attribute (older opsets) or the second input. */
    const axesArg = (fromInput: boolean): number[] | null => (fromInput ? (ins[1] ? intsOf(ins[1]) : null) : a.ints('axes'));
    switch (n.opType) {
      case 'Identity': return [x];
      case 'Dropout': {
        if (ins[2] && intsOf(ins[2]).some((v) => v !== 0)) err('training-mode Dropout is not supported (import runs the inference form)');
        return [x, n.outputs[1] ? ops.ne(zeros(x.shape, { dtype: 'int32' }), 1) : null];
      }
      case 'Add': return [ops.add(need(0), need(1))];
      case 'Sub': return [ops.sub(need(0), need(1))];
      case 'Mul': return [ops.mul(need(0), need(1))];
      case 'Div': {
        const [p, q] = [need(0), need(1)];
        if (p.dtype === 'int32' && q.dtype === 'int32') {
          const d = ops.div(p, q);
          return [ops.cast(ops.mul(ops.sign(d), ops.floor(ops.abs(d))), 'int32')];
        }
        return [ops.div(p, q)];
      }
      case 'Pow': return [ops.pow(need(0), need(1))];
      case 'Neg': return [ops.neg(x)];
      case 'Abs': return [ops.abs(x)];
      case 'Sqrt': return [ops.sqrt(x)];
      case 'Exp': return [ops.exp(x)];
      case 'Log': return [ops.log(x)];
      case 'Reciprocal': return [ops.reciprocal(x)];
      case 'Floor': return [ops.floor(x)];
      case 'Ceil': return [ops.ceil(x)];
      case 'Sin': return [ops.sin(x)];
      case 'Cos': return [ops.cos(x)];
      case 'Sign': return [ops.sign(x)];
      case 'Erf': return [erf(floatOf(x))];
      case 'Relu': return [ops.relu(x)];
      case 'Sigmoid': return [ops.sigmoid(x)];
      case 'Tanh': return [ops.tanh(x)];
      case 'LeakyRelu': return [ops.leakyRelu(x, a.f('alpha', 0.01))];
      case 'Elu': return [ops.elu(x, a.f('alpha', 1))];
      case 'Selu': {
        const al = a.f('alpha', 1.67326319217681884765625);
        const ga = a.f('gamma', 1.05070102214813232421875);
        return [ops.mul(ops.where(ops.gt(x, 0), x, ops.mul(ops.expm1(ops.minimum(x, 0)), al)), ga)];
      }
      case 'Softplus': return [ops.softplus(x)];
      case 'Softsign': return [ops.softsign(x)];
      case 'HardSwish': return [ops.hardswish(x)];
      case 'HardSigmoid': return [ops.clip(ops.add(ops.mul(x, a.f('alpha', 0.2)), a.f('beta', 0.5)), 0, 1)];
      case 'Mish': return [ops.mish(x)];
      case 'Gelu': return [ops.gelu(x, a.s('approximate', 'none') === 'tanh' ? 'tanh' : 'none')];
      case 'PRelu': return [ops.add(ops.relu(x), ops.mul(need(1), ops.minimum(x, 0)))];
      case 'Softmax': case 'LogSoftmax': {
        const fn = n.opType === 'Softmax' ? ops.softmax : ops.logSoftmax;
        if (opset >= 13) return [fn(x, axisOf(a.i('axis', -1), x.rank, err))];
        const ax = axisOf(a.i('axis', 1), x.rank, err);
        const lead = x.shape.slice(0, ax).reduce((p, q) => p * q, 1);
        return [ops.reshape(fn(ops.reshape(x, [lead, -1]), 1), x.shape)];
      }
      case 'Clip': {
        let y = x;
        const lo = opset >= 11 ? (ins[1] ? intsOrFloat(ins[1]) : null) : a.has('min') ? a.f('min', 0) : null;
        const hi = opset >= 11 ? (ins[2] ? intsOrFloat(ins[2]) : null) : a.has('max') ? a.f('max', 0) : null;
        if (lo !== null) y = ops.maximum(y, lo);
        if (hi !== null) y = ops.minimum(y, hi);
        return [y];
      }
      case 'MatMul': return [ops.matmul(need(0), need(1))];
      case 'Gemm': {
        let A = need(0);
        let B = need(1);
        if (a.i('transA', 0)) A = ops.matrixTranspose(A);
        if (a.i('transB', 0)) B = ops.matrixTranspose(B);
        let y = ops.matmul(A, B);
        const alpha = a.f('alpha', 1);
        if (alpha !== 1) y = ops.mul(y, alpha);
        if (ins[2]) {
          const beta = a.f('beta', 1);
          y = ops.add(y, beta === 1 ? ins[2] : ops.mul(ins[2], beta));
        }
        return [y];
      }
      case 'Conv': return [this.conv(a, x, need(1), ins[2] ?? null, err)];
      case 'ConvTranspose': return [this.convTranspose(a, x, need(1), ins[2] ?? null, err)];
      case 'MaxPool': case 'AveragePool': {
        if (n.outputs.length > 1 && n.outputs[1]) err('the indices output of MaxPool is not supported');
        const nd = x.rank - 2;
        if (nd < 1 || nd > 3) err(`pooling needs 1 to 3 spatial axes, got input ${fmt(x.shape)}`);
        const kernel = a.ints('kernel_shape') ?? err('kernel_shape is required');
        const strides = a.ints('strides') ?? kernel.map(() => 1);
        const dil = a.ints('dilations') ?? kernel.map(() => 1);
        const ek = kernel.map((k, j) => (k - 1) * dil[j]! + 1);
        const pads = autoPads(a.s('auto_pad', 'NOTSET'), x.shape.slice(2), ek, strides, padPairs(a.ints('pads') ?? [], nd));
        const o = { stride: strides, padding: pads.flat(), ceilMode: a.i('ceil_mode', 0) === 1 } as Record<string, unknown>;
        const max = n.opType === 'MaxPool';
        if (max) o.dilation = dil;
        else {
          o.countIncludePad = a.i('count_include_pad', 0) === 1;
          if (dil.some((d) => d !== 1)) err('dilated average pooling is not supported');
        }
        if (nd === 1) {
          const o1 = { ...o, stride: strides[0], dilation: max ? dil[0] : undefined, padding: pads[0] };
          if (!max) delete o1.dilation;
          return [max ? ops.maxPool1d(x, kernel[0]!, o1) : ops.avgPool1d(x, kernel[0]!, o1)];
        }
        if (nd === 2) {
          const o2 = { ...o, padding: [pads[0]![0], pads[0]![1], pads[1]![0], pads[1]![1]] } as never;
          return [max ? ops.maxPool2d(x, kernel as [number, number], o2) : ops.avgPool2d(x, kernel as [number, number], o2)];
        }
        return [max ? ops.maxPool3d(x, kernel as [number, number, number], o) : ops.avgPool3d(x, kernel as [number, number, number], o)];
      }
      case 'GlobalAveragePool': return [ops.mean(x, Array.from({ length: x.rank - 2 }, (_, k) => k + 2), true)];
      case 'GlobalMaxPool': return [ops.max(x, Array.from({ length: x.rank - 2 }, (_, k) => k + 2), true)];
      case 'BatchNormalization': {
        if (a.i('training_mode', 0)) err('training_mode = 1 is not supported (import runs the inference form)');
        const bs = [x.shape[1] as number, ...new Array<number>(Math.max(0, x.rank - 2)).fill(1)];
        const r = (t: Tensor): Tensor => ops.reshape(t, bs);
        const y = ops.mul(ops.sub(x, r(need(3))), ops.rsqrt(ops.add(r(need(4)), a.f('epsilon', 1e-5))));
        return [ops.add(ops.mul(y, r(need(1))), r(need(2)))];
      }
      case 'LayerNormalization': {
        const ax = axisOf(a.i('axis', -1), x.rank, err);
        const axes = Array.from({ length: x.rank - ax }, (_, k) => ax + k);
        const d = ops.sub(x, ops.mean(x, axes, true));
        let y = ops.mul(d, ops.rsqrt(ops.add(ops.mean(ops.square(d), axes, true), a.f('epsilon', 1e-5))));
        y = ops.mul(y, need(1));
        if (ins[2]) y = ops.add(y, ins[2]);
        if (!n.outputs[1] && !n.outputs[2]) return [y];
        const mu = ops.mean(x, axes, true);
        return [y, mu, ops.rsqrt(ops.add(ops.mean(ops.square(ops.sub(x, mu)), axes, true), a.f('epsilon', 1e-5)))];
      }
      case 'Flatten': {
        const ax = a.i('axis', 1);
        const r = ax < 0 ? ax + x.rank : ax;
        const lead = x.shape.slice(0, r).reduce((p, q) => p * q, 1);
        return [ops.reshape(x, [lead, x.shape.slice(r).reduce((p, q) => p * q, 1)])];
      }
      case 'Reshape': {
        const target = intsOf(need(1));
        const allowZero = a.i('allowzero', 0) === 1;
        return [ops.reshape(x, target.map((d, k) => (d === 0 && !allowZero ? (x.shape[k] ?? err(`shape has 0 at axis ${k} beyond the input's rank`)) : d)))];
      }
      case 'Transpose': return [ops.transpose(x, a.ints('perm') ?? Array.from({ length: x.rank }, (_, k) => x.rank - 1 - k))];
      case 'Squeeze': {
        const axes = axesArg(opset >= 13);
        return [axes ? ops.squeeze(x, axes.map((q) => axisOf(q, x.rank, err))) : ops.squeeze(x)];
      }
      case 'Unsqueeze': {
        const axes = axesArg(opset >= 13) ?? err('axes are required');
        const rank = x.rank + axes.length;
        let y = x;
        for (const q of axes.map((v) => axisOf(v, rank, err)).sort((p, q) => p - q)) y = ops.unsqueeze(y, q);
        return [y];
      }
      case 'Concat': {
        const all = ins.filter((t): t is Tensor => t !== null);
        const xs = all.filter((t) => t.size > 0);
        const ax = axisOf(a.i('axis', 0), need(0).rank, err);
        if (xs.length === 0) return [all[0]!];
        return [xs.length === 1 ? xs[0]! : ops.concat(xs, ax)];
      }
      case 'Split': {
        const ax = axisOf(a.i('axis', 0), x.rank, err);
        const sizes = opset >= 13 ? (ins[1] ? intsOf(ins[1]) : null) : a.ints('split');
        if (sizes) return ops.split(x, sizes, ax);
        const parts = a.i('num_outputs', n.outputs.length);
        const dim = x.shape[ax] as number;
        const each = Math.ceil(dim / parts);
        const secs = Array.from({ length: parts }, (_, k) => Math.max(0, Math.min(each, dim - k * each)));
        return ops.split(x, secs, ax);
      }
      case 'Slice': return [this.slice(x, ins, err)];
      case 'Gather': {
        const ax = axisOf(a.i('axis', 0), x.rank, err);
        const idx = need(1);
        const dim = x.shape[ax] as number;
        const iv = intsOf(idx);
        if (iv.some((v) => v < -dim || v >= dim)) err(`an index is outside [${-dim}, ${dim}) for axis ${ax} of ${fmt(x.shape)}`);
        const fixed = iv.some((v) => v < 0) ? tensor(iv.map((v) => (v < 0 ? v + dim : v)), { shape: idx.shape, dtype: 'int32' }) : idx.dtype === 'int32' ? idx : ops.cast(idx, 'int32');
        return [ops.gather(x, fixed, ax)];
      }
      case 'Shape': {
        const r = x.rank;
        let st = a.i('start', 0);
        let en = a.i('end', r);
        st = Math.max(0, Math.min(r, st < 0 ? st + r : st));
        en = Math.max(0, Math.min(r, en < 0 ? en + r : en));
        return [tensor(x.shape.slice(st, en), { shape: [Math.max(0, en - st)], dtype: 'int32' })];
      }
      case 'Size': return [full([], x.size, { dtype: 'int32' })];
      case 'Constant': {
        const t = a.t('value');
        if (t) {
          if (t.external) err('a Constant with external data is not supported');
          return [toTensor(t, t.data)];
        }
        if (a.has('value_float')) return [full([], a.f('value_float', 0))];
        if (a.has('value_floats')) return [tensor(a.floats('value_floats')!, { dtype: 'float32' })];
        if (a.has('value_int')) return [full([], a.i('value_int', 0), { dtype: 'int32' })];
        if (a.has('value_ints')) return [tensor(a.ints('value_ints')!, { dtype: 'int32' })];
        return err('only tensor, float(s) and int(s) constants are supported');
      }
      case 'ConstantOfShape': {
        const shape = intsOf(x);
        checkShape(shape, err);
        const t = a.t('value');
        const v = t ? Number(t.data[0] ?? 0) : 0;
        const dtype = t && !isFloatType(t.dataType) ? (t.dataType === DT.BOOL ? 'bool' : 'int32') : 'float32';
        return [dtype === 'bool' ? ops.eq(zeros(shape, { dtype: 'int32' }), v ? 0 : 1) : full(shape, v, { dtype })];
      }
      case 'Expand': {
        const shape = intsOf(need(1));
        checkShape(shape, err);
        const r = Math.max(shape.length, x.rank);
        const xs = [...new Array<number>(r - x.rank).fill(1), ...x.shape];
        const ss = [...new Array<number>(r - shape.length).fill(1), ...shape];
        const out = xs.map((d, k) => (d === 1 ? ss[k]! : d));
        checkShape(out, err);
        return [ops.broadcastTo(ops.reshape(x, xs), out)];
      }
      case 'Tile': {
        const reps = intsOf(need(1));
        checkShape(x.shape.map((d, k) => d * (reps[k] ?? 1)), err);
        return [ops.tile(x, reps)];
      }
      case 'Cast': {
        const to = a.i('to', DT.FLOAT);
        return [ops.cast(x, isFloatType(to) ? 'float32' : to === DT.BOOL ? 'bool' : 'int32')];
      }
      case 'Equal': return [ops.eq(need(0), need(1))];
      case 'Greater': return [ops.gt(need(0), need(1))];
      case 'GreaterOrEqual': return [ops.ge(need(0), need(1))];
      case 'Less': return [ops.lt(need(0), need(1))];
      case 'LessOrEqual': return [ops.le(need(0), need(1))];
      case 'Not': return [ops.logicalNot(x)];
      case 'And': return [ops.logicalAnd(need(0), need(1))];
      case 'Or': return [ops.logicalOr(need(0), need(1))];
      case 'Xor': return [ops.logicalXor(need(0), need(1))];
      case 'Where': return [ops.where(need(0), need(1), need(2))];
      case 'Max': case 'Min': case 'Sum': case 'Mean': {
        const xs = ins.filter((t): t is Tensor => t !== null);
        let y = xs[0]!;
        for (const t of xs.slice(1)) y = n.opType === 'Max' ? ops.maximum(y, t) : n.opType === 'Min' ? ops.minimum(y, t) : ops.add(y, t);
        return [n.opType === 'Mean' ? ops.div(y, xs.length) : y];
      }
      case 'ArgMax': case 'ArgMin': {
        const ax = axisOf(a.i('axis', 0), x.rank, err);
        const keepDims = a.i('keepdims', 1) === 1;
        const fn = n.opType === 'ArgMax' ? ops.argmax : ops.argmin;
        if (!a.i('select_last_index', 0)) return [fn(x, ax, keepDims)];
        // The last index of the extreme value: the first one of the reversed axis, mirrored.
        const dim = x.shape[ax] as number;
        const rev = ops.gather(x, tensor(Array.from({ length: dim }, (_, k) => dim - 1 - k), { shape: [dim], dtype: 'int32' }), ax);
        return [ops.sub(dim - 1, fn(rev, ax, keepDims))];
      }
      case 'ReduceMean': case 'ReduceMax': case 'ReduceMin': case 'ReduceSum': case 'ReduceProd': case 'ReduceL2': {
        const fromInput = n.opType === 'ReduceSum' ? opset >= 13 : opset >= 18;
        let axes = axesArg(fromInput);
        const keepDims = a.i('keepdims', 1) === 1;
        if (!axes || axes.length === 0) {
          if (a.i('noop_with_empty_axes', 0)) return [x];
          axes = Array.from({ length: x.rank }, (_, k) => k);
        }
        const ax = axes.map((q) => axisOf(q, x.rank, err));
        switch (n.opType) {
          case 'ReduceMean': return [ops.mean(x, ax, keepDims)];
          case 'ReduceMax': return [ops.max(x, ax, keepDims)];
          case 'ReduceMin': return [ops.min(x, ax, keepDims)];
          case 'ReduceSum': return [ops.sum(x, ax, keepDims)];
          case 'ReduceProd': return [ops.prod(x, ax, keepDims)];
          default: return [ops.sqrt(ops.sum(ops.square(x), ax, keepDims))];
        }
      }
      case 'Pad': {
        const mode = a.s('mode', 'constant');
        const raw = opset >= 11 ? intsOf(need(1)) : (a.ints('pads') ?? []);
        const value = opset >= 11 ? (ins[2] ? Number(ins[2].dataSync()[0] ?? 0) : 0) : a.f('value', 0);
        let pairs: [number, number][];
        if (opset >= 18 && ins[3]) {
          const axes = intsOf(ins[3]).map((q) => axisOf(q, x.rank, err));
          pairs = x.shape.map(() => [0, 0]);
          axes.forEach((ax, k) => (pairs[ax] = [raw[k] ?? 0, raw[k + axes.length] ?? 0]));
        } else pairs = padPairs(raw, x.rank);
        if (pairs.some(([p, q]) => p < 0 || q < 0)) err('negative pads are not supported');
        checkShape(x.shape.map((d, k) => d + pairs[k]![0] + pairs[k]![1]), err);
        const m = mode === 'edge' ? 'replicate' : mode === 'wrap' ? 'circular' : mode;
        if (m !== 'constant' && m !== 'reflect' && m !== 'replicate' && m !== 'circular') err(`mode '${mode}' is not supported`);
        return [padWith('Pad', x, pairs, m as PadMode, value)];
      }
      case 'Resize': return [this.resize(a, x, ins, err)];
      case 'RNN': case 'LSTM': case 'GRU': return this.recurrent(n.opType, a, ins, err);
      default: return err(`the op ${n.opType} is not supported`);
    }
  }

  private conv(a: Attrs, x: Tensor, w: Tensor, b: Tensor | null, err: (m: string) => never): Tensor {
    const nd = x.rank - 2;
    if (nd < 1 || nd > 3) err(`convolution needs 1 to 3 spatial axes, got input ${fmt(x.shape)}`);
    const kernel = a.ints('kernel_shape') ?? w.shape.slice(2);
    const strides = a.ints('strides') ?? kernel.map(() => 1);
    const dil = a.ints('dilations') ?? kernel.map(() => 1);
    const ek = kernel.map((k, j) => (k - 1) * dil[j]! + 1);
    const pads = autoPads(a.s('auto_pad', 'NOTSET'), x.shape.slice(2), ek, strides, padPairs(a.ints('pads') ?? [], nd));
    const groups = a.i('group', 1);
    let y: Tensor;
    if (nd === 1) y = ops.conv1d(x, w, { stride: strides[0], dilation: dil[0], padding: pads[0], groups });
    else if (nd === 2) y = ops.conv2d(x, w, { stride: strides as [number, number], dilation: dil as [number, number], padding: [pads[0]![0], pads[0]![1], pads[1]![0], pads[1]![1]], groups });
    else y = ops.conv3d(x, w, { stride: strides as [number, number, number], dilation: dil as [number, number, number], padding: pads.flat() as never, groups });
    return b ? ops.add(y, ops.reshape(b, [b.size, ...new Array<number>(nd).fill(1)])) : y;
  }

  private convTranspose(a: Attrs, x: Tensor, w: Tensor, b: Tensor | null, err: (m: string) => never): Tensor {
    const nd = x.rank - 2;
    if (nd !== 1 && nd !== 2) err(`nabla reads 1-D and 2-D ConvTranspose, got input ${fmt(x.shape)}`);
    if (a.has('output_shape')) err('output_shape is not supported (give pads and output_padding)');
    const ap = a.s('auto_pad', 'NOTSET');
    if (ap !== 'NOTSET' && ap !== 'VALID') err(`auto_pad ${ap} is not supported`);
    const one = <T>(v: T[] | null, d: T): T[] => v ?? new Array<T>(nd).fill(d);
    const kernel = one(a.ints('kernel_shape'), 0);
    void kernel;
    let strides = one(a.ints('strides'), 1);
    let dil = one(a.ints('dilations'), 1);
    let outPad = one(a.ints('output_padding'), 0);
    let pads = ap === 'VALID' ? new Array<number>(2 * nd).fill(0) : (a.ints('pads') ?? new Array<number>(2 * nd).fill(0));
    let xx = x;
    let ww = w;
    if (nd === 1) {
      xx = ops.unsqueeze(x, 2);
      ww = ops.unsqueeze(w, 2);
      strides = [1, strides[0]!];
      dil = [1, dil[0]!];
      outPad = [0, outPad[0]!];
      pads = [0, pads[0]!, 0, pads[1]!];
    }
    const ks = ww.shape.slice(2);
    checkShape([xx.shape[0]!, ww.shape[1]! * a.i('group', 1), ...[0, 1].map((k) => (xx.shape[k + 2]! - 1) * strides[k]! + (ks[k]! - 1) * dil[k]! + 1 + outPad[k]!)], err);
    let y = ops.conv2dTranspose(xx, ww, {
      stride: strides as [number, number], dilation: dil as [number, number], outputPadding: outPad as [number, number],
      padding: [pads[0]!, pads[2]!, pads[1]!, pads[3]!], groups: a.i('group', 1),
    });
    if (nd === 1) y = ops.squeeze(y, 2);
    return b ? ops.add(y, ops.reshape(b, [b.size, ...new Array<number>(nd).fill(1)])) : y;
  }

  private slice(x: Tensor, ins: (Tensor | null)[], err: (m: string) => never): Tensor {
    const starts = intsOf(ins[1] ?? err('starts are required'));
    const ends = intsOf(ins[2] ?? err('ends are required'));
    const axes = ins[3] ? intsOf(ins[3]).map((q) => axisOf(q, x.rank, err)) : starts.map((_, k) => k);
    const steps = ins[4] ? intsOf(ins[4]) : starts.map(() => 1);
    let y = x;
    axes.forEach((ax, k) => {
      const dim = x.shape[ax] as number;
      const step = steps[k]!;
      if (step === 0) err('a step of 0');
      let s = starts[k]!;
      let e = ends[k]!;
      if (s < 0) s += dim;
      if (e < 0) e += dim;
      if (step > 0) {
        s = Math.max(0, Math.min(dim, s));
        e = Math.max(0, Math.min(dim, e));
      } else {
        s = Math.max(-1, Math.min(dim - 1, s));
        e = Math.max(-1, Math.min(dim - 1, e));
      }
      const idx: number[] = [];
      for (let v = s; step > 0 ? v < e : v > e; v += step) idx.push(v);
      if (step === 1) {
        const begin = y.shape.map(() => 0);
        const size = [...y.shape];
        begin[ax] = s;
        size[ax] = idx.length;
        y = ops.slice(y, begin, size);
      } else y = ops.gather(y, tensor(idx, { shape: [idx.length], dtype: 'int32' }), ax);
    });
    return y;
  }

  private resize(a: Attrs, x: Tensor, ins: (Tensor | null)[], err: (m: string) => never): Tensor {
    if (x.rank !== 4) err(`nabla reads Resize of 4-D NCHW input, got ${fmt(x.shape)}`);
    let scales: number[] | null = ins[2] && ins[2].size ? Array.from(ins[2].dataSync() as ArrayLike<number>, Number) : null;
    if (!scales && ins[3] && ins[3].size) scales = intsOf(ins[3]).map((d, k) => d / (x.shape[k] as number));
    if (!scales) err('scales or sizes are required');
    const [sn, sc, sh, sw] = scales!;
    if (sn !== 1 || sc !== 1 || !Number.isInteger(sh) || !Number.isInteger(sw) || sh! < 1 || sw! < 1) err(`nabla reads Resize by integer factors of height and width, got scales [${scales!.join(', ')}]`);
    checkShape([x.shape[0]!, x.shape[1]!, x.shape[2]! * sh!, x.shape[3]! * sw!], err);
    const mode = a.s('mode', 'nearest');
    const ct = a.s('coordinate_transformation_mode', 'half_pixel');
    if (mode === 'nearest') {
      const nm = a.s('nearest_mode', 'round_prefer_floor');
      // With integer factors, asymmetric+floor and the usual PyTorch export give each source pixel repeated.
      if (!(ct === 'asymmetric' && nm === 'floor') && !(ct === 'half_pixel' && (nm === 'round_prefer_ceil' || nm === 'round_prefer_floor')) && !(ct === 'tf_half_pixel_for_nn')) {
        err(`nearest Resize with coordinate_transformation_mode '${ct}' and nearest_mode '${nm}' is not supported`);
      }
      return new Upsample({ scaleFactor: [sh!, sw!], mode: 'nearest' }).forward(x);
    }
    if (mode === 'linear' && (ct === 'half_pixel' || ct === 'pytorch_half_pixel')) return new Upsample({ scaleFactor: [sh!, sw!], mode: 'bilinear' }).forward(x);
    return err(`Resize mode '${mode}' with coordinate_transformation_mode '${ct}' is not supported`);
  }

  /** ONNX RNN/LSTM/GRU, gate orders as ONNX's (i,o,f,c; z,r,h). */
  private recurrent(kind: string, a: Attrs, ins: (Tensor | null)[], err: (m: string) => never): (Tensor | null)[] {
    const H = a.i('hidden_size', 0);
    if (H < 1) err('hidden_size is required');
    if (a.has('clip')) err('clip is not supported');
    a.only('input_forget', 0, 'input_forget');
    const dir = a.s('direction', 'forward');
    const D = dir === 'bidirectional' ? 2 : 1;
    const acts = a.strings('activations');
    const dflt = kind === 'LSTM' ? ['Sigmoid', 'Tanh', 'Tanh'] : kind === 'GRU' ? ['Sigmoid', 'Tanh'] : ['Tanh'];
    let rnnAct = 'Tanh';
    if (acts) {
      for (let d = 0; d < D; d++) {
        const mine = acts.slice(d * dflt.length, (d + 1) * dflt.length);
        if (kind === 'RNN' && (mine[0] === 'Relu' || mine[0] === 'Tanh')) rnnAct = mine[0];
        else if (mine.join() !== dflt.join()) err(`activations ${acts.join(', ')} are not supported`);
      }
    }
    const layout = a.i('layout', 0);
    let X = ins[0] as Tensor;
    if (layout === 1) X = ops.transpose(X, [1, 0, 2]);
    const [T, B] = X.shape as [number, number, number];
    const W = ins[1]!;
    const R = ins[2]!;
    const Bias = ins[3] ?? null;
    if (ins[4]) {
      const lens = intsOf(ins[4]);
      if (lens.some((l) => l !== T)) err('sequence_lens shorter than the time axis are not supported');
    }
    if (ins[7]) err('peephole weights (P) are not supported');
    const G = kind === 'LSTM' ? 4 : kind === 'GRU' ? 3 : 1;
    const lbr = a.i('linear_before_reset', 0) === 1;
    const Ys: Tensor[] = [];
    const hs: Tensor[] = [];
    const cs: Tensor[] = [];
    const pick = (t: Tensor, d: number): Tensor => ops.reshape(ops.slice(t, [d, ...t.shape.slice(1).map(() => 0)], [1, ...t.shape.slice(1)]), t.shape.slice(1));
    for (let d = 0; d < D; d++) {
      const reverse = dir === 'reverse' || d === 1;
      const w = pick(W, d);
      const r = pick(R, d);
      const bb = Bias ? pick(Bias, d) : null;
      const wb = bb ? ops.slice(bb, [0], [G * H]) : null;
      const rb = bb ? ops.slice(bb, [G * H], [G * H]) : null;
      let xp = ops.matmul(ops.reshape(X, [T * B, -1]), ops.matrixTranspose(w));
      if (wb) xp = ops.add(xp, wb);
      xp = ops.reshape(xp, [T, B, G * H]);
      let h = ins[5] ? pick(ins[5], d) : zeros([B, H]);
      let c = ins[6] ? pick(ins[6], d) : zeros([B, H]);
      const rT = ops.matrixTranspose(r);
      const steps: Tensor[] = new Array<Tensor>(T);
      for (let s = 0; s < T; s++) {
        const t = reverse ? T - 1 - s : s;
        const gx = ops.reshape(ops.slice(xp, [t, 0, 0], [1, B, G * H]), [B, G * H]);
        if (kind === 'GRU') {
          const [xz, xr, xh] = ops.split(gx, 3, 1) as [Tensor, Tensor, Tensor];
          let gh = ops.matmul(h, rT);
          if (rb) gh = ops.add(gh, rb);
          const [hz, hr, hh] = ops.split(gh, 3, 1) as [Tensor, Tensor, Tensor];
          const z = ops.sigmoid(ops.add(xz, hz));
          const rr = ops.sigmoid(ops.add(xr, hr));
          let cand: Tensor;
          if (lbr) cand = ops.tanh(ops.add(xh, ops.mul(rr, hh)));
          else {
            const rh = ops.slice(rT, [0, 2 * H], [H, H]);
            let u = ops.matmul(ops.mul(rr, h), rh);
            if (rb) u = ops.add(u, ops.slice(rb, [2 * H], [H]));
            cand = ops.tanh(ops.add(xh, u));
          }
          h = ops.add(ops.mul(ops.sub(1, z), cand), ops.mul(z, h));
        } else {
          let g = ops.add(gx, ops.matmul(h, rT));
          if (rb) g = ops.add(g, rb);
          if (kind === 'RNN') h = rnnAct === 'Relu' ? ops.relu(g) : ops.tanh(g);
          else {
            const [gi, go, gf, gc] = ops.split(g, 4, 1) as [Tensor, Tensor, Tensor, Tensor];
            c = ops.add(ops.mul(ops.sigmoid(gf), c), ops.mul(ops.sigmoid(gi), ops.tanh(gc)));
            h = ops.mul(ops.sigmoid(go), ops.tanh(c));
          }
        }
        steps[t] = h;
      }
      Ys.push(ops.stack(steps, 0));
      hs.push(h);
      cs.push(c);
    }
    let Y = ops.stack(Ys, 1);
    let Yh = ops.stack(hs, 0);
    let Yc = ops.stack(cs, 0);
    if (layout === 1) {
      Y = ops.transpose(Y, [2, 0, 1, 3]);
      Yh = ops.transpose(Yh, [1, 0, 2]);
      Yc = ops.transpose(Yc, [1, 0, 2]);
    }
    return kind === 'LSTM' ? [Y, Yh, Yc] : [Y, Yh];
  }

  override dispose(): void {
    super.dispose();
    dispose(this.consts);
  }
}

/** A single number of a scalar tensor (Clip's bounds). */
function intsOrFloat(t: Tensor): number {
  return Number(t.dataSync()[0]);
}

/** Refuses shapes with negative or huge sizes before allocating. */
function checkShape(shape: readonly number[], err: (m: string) => never): void {
  let n = 1;
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) err(`bad shape [${shape.join(',')}]`);
    n *= d;
  }
  if (n > 2 ** 28) err(`shape [${shape.join(',')}] is too large (${n} values)`);
}

/** Checks the bytes argument shared by importOnnx and friends. */
export function checkBytes(op: string, v: unknown): Uint8Array {
  if (v instanceof Uint8Array) return v;
  if (v instanceof ArrayBuffer) return new Uint8Array(v);
  return failArg(op, 'bytes', 'a Uint8Array or an ArrayBuffer (the .onnx file)', v);
}

/** Builds the module from parsed bytes (shared with importOnnxFile). */
export function importParsed(proto: OnnxProto, file: string, external: ExternalLoader | null): OnnxModel {
  return new OnnxModel(proto, file, external);
}

/**
 * An ONNX model (bytes of a .onnx file) as a nabla module that runs and can be fine-tuned:
 * `const m = nb.io.importOnnx(bytes); m.call(x)`. Float initializers are its parameters.
 * Models whose weights are in external data files need `importOnnxFile(path)`. A damaged or
 * foreign file is an OnnxFormatError; an op nabla does not read is named in the error.
 */
export function importOnnx(bytes: Uint8Array | ArrayBuffer, options: ImportOnnxOptions = {}): OnnxModel {
  const op = 'importOnnx';
  const b = checkBytes(op, bytes);
  const o = checkOptions(op, options, ['file']);
  const file = o.file === undefined ? 'model.onnx' : checkString(op, 'options.file', o.file);
  return importParsed(decodeOnnx(b, op, file), file, null);
}

