/**
 * The safetensors format (what PyTorch and Hugging Face use to exchange weights): an 8-byte
 * little-endian header length N, N bytes of JSON `{ name: { dtype, shape, data_offsets: [begin,
 * end] }, "__metadata__": { … } }`, then the tensors' bytes. Written and read here by hand: the
 * format is a page long, and a dependency would add more than it saves.
 *
 * `saveSafetensors` / `loadSafetensors` move a nabla model's weights in PyTorch's naming and
 * layout (a Linear weight [out, in], PReLU's `weight`, `num_batches_tracked` as int64), so
 * `model.load_state_dict(load_file(path))` loads them into the matching `torch.nn.Module` — the
 * module `nb.io.exportPytorch` writes — and a PyTorch state dict saved with `save_file` loads back.
 */
import { Module, type AnyModule } from '../nn/module.js';
import { Linear } from '../nn/layers/linear.js';
import { PReLU } from '../nn/layers/activation.js';
import type { Tensor } from '../tensor/tensor.js';
import { fail } from '../validate.js';
import { loadTorchStateDict, type LoadTorchResult } from './torch.js';
import { nodeBuiltin } from './node.js';
import { writeFileAtomic } from './file.js';

/** One tensor of a safetensors file. */
export interface SafeTensor {
  dtype: 'F32' | 'F64' | 'I32' | 'I64' | 'U8' | 'BOOL';
  shape: number[];
  /** Values, row-major (I64 as numbers: exact below 2^53). */
  data: Float32Array | Float64Array | Int32Array | Uint8Array | number[];
}

const BYTES: Record<SafeTensor['dtype'], number> = { F32: 4, F64: 8, I32: 4, I64: 8, U8: 1, BOOL: 1 };
/** The largest header nabla reads (the format's own limit is 100 MB). */
const MAX_HEADER = 100_000_000;

/** The bytes of a safetensors file holding `tensors` (in the given order) and string `metadata`. */
export function encodeSafetensors(tensors: Record<string, SafeTensor>, metadata: Record<string, string> = {}): Uint8Array {
  const op = 'encodeSafetensors';
  if (tensors === null || typeof tensors !== 'object' || Array.isArray(tensors)) fail(op, 'tensors', 'an object of { dtype, shape, data } by name', tensors);
  if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata) || !Object.values(metadata).every((v) => typeof v === 'string')) fail(op, 'metadata', 'an object of strings', metadata);
  for (const [name, t] of Object.entries(tensors)) {
    const e = t as Partial<SafeTensor> | null;
    if (e === null || typeof e !== 'object') fail(op, `tensors['${name}']`, 'a { dtype, shape, data } entry', t);
    if (!Array.isArray(e.shape) || !e.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) fail(op, `tensors['${name}'].shape`, 'an array of integers ≥ 0', e.shape);
    if (!(Array.isArray(e.data) || ArrayBuffer.isView(e.data))) fail(op, `tensors['${name}'].data`, 'an array or typed array of numbers', e.data);
  }
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  let offset = 0;
  const entries = Object.entries(tensors);
  for (const [name, t] of entries) {
    if (typeof t.dtype !== 'string' || !Object.hasOwn(BYTES, t.dtype)) fail(op, `tensors['${name}'].dtype`, `one of ${Object.keys(BYTES).join(', ')}`, t.dtype);
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (t.data.length !== n) throw new Error(`${op}: '${name}' has ${t.data.length} values, its shape [${t.shape.join(',')}] holds ${n}`);
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + n * BYTES[t.dtype]] };
    offset += n * BYTES[t.dtype];
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + new TextEncoder().encode(json).length) % 8)) % 8); // the data starts 8-byte aligned
  const head = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + head.length + offset);
  const dv = new DataView(out.buffer);
  dv.setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  let at = 8 + head.length;
  for (const [, t] of entries) {
    const n = t.data.length;
    for (let i = 0; i < n; i++) {
      const v = Number(t.data[i]);
      switch (t.dtype) {
        case 'F32': dv.setFloat32(at + 4 * i, v, true); break;
        case 'F64': dv.setFloat64(at + 8 * i, v, true); break;
        case 'I32': dv.setInt32(at + 4 * i, v, true); break;
        case 'I64': dv.setBigInt64(at + 8 * i, BigInt(Math.trunc(v)), true); break;
        default: out[at + i] = v;
      }
    }
    at += n * BYTES[t.dtype];
  }
  return out;
}

/**
 * The tensors and metadata of a safetensors file. Everything is checked before any tensor is
 * allocated: the header's length against the file, its JSON, every dtype and shape, and that the
 * data offsets lie inside the file, in order, without gaps or overlaps.
 */
export function decodeSafetensors(bytes: Uint8Array, file = 'safetensors'): { tensors: Record<string, SafeTensor>; metadata: Record<string, string> } {
  const op = 'decodeSafetensors';
  if (!(bytes instanceof Uint8Array)) fail(op, 'bytes', 'a Uint8Array', bytes);
  const bad = (problem: string): never => {
    throw new Error(`${op}: ${file}: ${problem}`);
  };
  if (bytes.length < 8) bad(`not a safetensors file: only ${bytes.length} bytes`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Number(dv.getBigUint64(0, true));
  if (n > MAX_HEADER || 8 + n > bytes.length) bad(`not a safetensors file, or truncated: the header claims ${n} bytes, the file has ${bytes.length}`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n)));
  } catch (e) {
    return bad(`the header is not JSON (${(e as Error).message})`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) return bad('the header is not a JSON object');
  const dataLen = bytes.length - 8 - n;
  const metadata: Record<string, string> = {};
  const spans: [number, number, string][] = [];
  const specs: [string, SafeTensor['dtype'], number[], number, number][] = [];
  for (const [name, v] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (v !== null && typeof v === 'object') for (const [k, s] of Object.entries(v)) if (typeof s === 'string') metadata[k] = s;
      continue;
    }
    const e = v as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (e === null || typeof e !== 'object') bad(`'${name}' is not a tensor entry`);
    if (typeof e.dtype !== 'string' || !(e.dtype in BYTES)) bad(`'${name}' has dtype ${JSON.stringify(e.dtype)}; nabla reads ${Object.keys(BYTES).join(', ')}`);
    if (!Array.isArray(e.shape) || !e.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) bad(`'${name}' has shape ${JSON.stringify(e.shape)}`);
    const offs = e.data_offsets;
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((d) => Number.isSafeInteger(d) && d >= 0)) bad(`'${name}' has data_offsets ${JSON.stringify(offs)}`);
    const [b, end] = offs as [number, number];
    const dtype = e.dtype as SafeTensor['dtype'];
    const shape = e.shape as number[];
    let count = 1;
    for (const d of shape) count = Math.min(count * d, Number.MAX_SAFE_INTEGER);
    if (end < b || end > dataLen || end - b !== count * BYTES[dtype]) bad(`'${name}' (${dtype} [${shape.join(',')}]) has data_offsets [${b}, ${end}], which do not fit its size or the file's ${dataLen} data bytes`);
    spans.push([b, end, name]);
    specs.push([name, dtype, shape, b, end]);
  }
  spans.sort((x, y) => x[0] - y[0]);
  let at = 0;
  for (const [b, end, name] of spans) {
    if (b !== at) bad(b < at ? `'${name}' overlaps the tensor before it` : `${b - at} data bytes before '${name}' belong to no tensor`);
    at = end;
  }
  if (at !== dataLen) bad(`${dataLen - at} data bytes at the end belong to no tensor`);
  const tensors: Record<string, SafeTensor> = {};
  const base = 8 + n;
  for (const [name, dtype, shape, b, end] of specs) {
    const count = (end - b) / BYTES[dtype];
    const src = bytes.slice(base + b, base + end);
    const sv = new DataView(src.buffer);
    let data: SafeTensor['data'];
    switch (dtype) {
      case 'F32': data = new Float32Array(src.buffer); break;
      case 'F64': data = new Float64Array(src.buffer); break;
      case 'I32': data = new Int32Array(src.buffer); break;
      case 'I64': data = Array.from({ length: count }, (_, i) => Number(sv.getBigInt64(8 * i, true))); break;
      default: data = src;
    }
    tensors[name] = { dtype, shape, data };
  }
  return { tensors, metadata };
}

/** nabla's state-dict names → PyTorch's, with the Linear weights to transpose. */
export function torchNaming(model: AnyModule): { torchName: Map<string, string>; transposed: Set<string> } {
  const torchName = new Map<string, string>();
  const transposed = new Set<string>();
  const sd = model.stateDict();
  for (const k of Object.keys(sd)) torchName.set(k, k);
  for (const [prefix, m] of model.namedModules()) {
    const at = (n: string): string => (prefix ? `${prefix}.${n}` : n);
    if (m instanceof Linear) transposed.add(at('weight'));
    if (m instanceof PReLU) torchName.set(at('alpha'), at('weight'));
  }
  return { torchName, transposed };
}

async function tensorOf(op: string, name: string, t: Tensor, flip: boolean): Promise<SafeTensor> {
  const v = await t.data();
  if (t.dtype === 'int32') return { dtype: name.endsWith('num_batches_tracked') ? 'I64' : 'I32', shape: t.shape.slice(), data: Array.from(v) };
  if (t.dtype === 'bool') return { dtype: 'BOOL', shape: t.shape.slice(), data: Uint8Array.from(v) };
  const data = t.dtype === 'float64' ? Float64Array.from(v) : Float32Array.from(v);
  if (!flip) return { dtype: t.dtype === 'float64' ? 'F64' : 'F32', shape: t.shape.slice(), data };
  if (t.rank !== 2) throw new Error(`${op}: '${name}' is not a matrix`);
  const [r, c] = t.shape as [number, number];
  const out = t.dtype === 'float64' ? new Float64Array(data.length) : new Float32Array(data.length);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j * r + i] = data[i * c + j]!;
  return { dtype: t.dtype === 'float64' ? 'F64' : 'F32', shape: [c, r], data: out };
}

/** The bytes of `model`'s weights as a safetensors file in PyTorch's names and layout. */
export async function encodeTorchWeights(op: string, model: AnyModule): Promise<Uint8Array> {
  const { torchName, transposed } = torchNaming(model);
  const tensors: Record<string, SafeTensor> = {};
  for (const [k, t] of Object.entries(model.stateDict())) tensors[torchName.get(k)!] = await tensorOf(op, k, t, transposed.has(k));
  return encodeSafetensors(tensors, { format: 'pt', producer: 'nabla' });
}

/** Saves `model`'s weights as a safetensors file that PyTorch's `load_state_dict` reads (see the module comment). */
export async function saveSafetensors(model: AnyModule, path: string): Promise<void> {
  const op = 'saveSafetensors';
  if (!(model instanceof Module)) fail(op, 'model', 'a nabla Module', model);
  if (typeof path !== 'string' || path === '') fail(op, 'path', 'a non-empty file path', path);
  await writeFileAtomic(path, await encodeTorchWeights(op, model));
}

/**
 * Loads a safetensors file of PyTorch weights (a path in Node, or its bytes) into the nabla model
 * with the same structure: names and layouts mapped as `saveSafetensors` writes them; with
 * `strict` (default) every name must match both ways. See `loadTorchStateDict` for the checks.
 */
export async function loadSafetensors(model: AnyModule, source: string | Uint8Array, options: { strict?: boolean } = {}): Promise<LoadTorchResult> {
  const op = 'loadSafetensors';
  if (!(model instanceof Module)) fail(op, 'model', 'a nabla Module', model);
  let bytes: Uint8Array;
  if (source instanceof Uint8Array) bytes = source;
  else if (typeof source === 'string' && source !== '') {
    const fs = nodeBuiltin('node:fs/promises', `nb.io.${op}`);
    try {
      bytes = new Uint8Array(await fs.readFile(source));
    } catch (e) {
      throw new Error(`${op}: cannot read ${source}: ${(e as Error).message}`, { cause: e });
    }
  } else return fail(op, 'source', 'a file path or the bytes of a safetensors file', source);
  const { tensors } = decodeSafetensors(bytes, typeof source === 'string' ? source : 'bytes');
  const { torchName } = torchNaming(model);
  const nablaName = new Map([...torchName].map(([n, t]) => [t, n]));
  const sd: Record<string, { shape: number[]; data: number[] }> = {};
  for (const [k, t] of Object.entries(tensors)) sd[nablaName.get(k) ?? k] = { shape: t.shape, data: Array.from(t.data as ArrayLike<number>) };
  try {
    return loadTorchStateDict(model, sd, options);
  } catch (e) {
    if (e instanceof Error) e.message = e.message.replace(/^loadTorchStateDict:/, `${op}:`);
    throw e;
  }
}
