/**
 * The safetensors format (Hugging Face's): an 8-byte little-endian header length N, N bytes of
 * JSON `{ name: { dtype, shape, data_offsets: [begin, end] }, __metadata__?: { str: str } }`, then
 * the tensors' bytes, little-endian, row-major. nabla writes and reads it in PyTorch's layout
 * (PyTorch's parameter names; a Linear weight as [out, in]), so `model.state_dict()` saved with
 * `safetensors.torch.save_file` loads into the nabla model with the same names, and back.
 *
 * The reader checks the header length against the file, every entry's offsets against the data
 * and against its dtype and shape, before it allocates a tensor. Browser-safe for the byte forms;
 * `saveSafetensors` / `loadSafetensors` add the file system (writes are atomic).
 */
import { Module, type AnyModule } from '../nn/module.js';
import { Linear } from '../nn/layers/linear.js';
import { PReLU } from '../nn/layers/activation.js';
import type { Tensor } from '../tensor/tensor.js';
import { matrixTranspose } from '../ops/index.js';
import { dispose } from '../engine.js';
import { checkOptions, checkString, fail } from '../validate.js';
import { loadTorchStateDict, type LoadTorchResult } from './torch.js';
import { writeFileAtomic } from './file.js';
import { nodeBuiltin } from './node.js';

/** Raised for bytes that are not a well-formed safetensors file: `<op>: <file>: <problem>`. */
export class SafetensorsError extends Error {
  constructor(readonly op: string, readonly file: string, readonly problem: string) {
    super(`${op}: ${file}: ${problem}`);
    this.name = 'SafetensorsError';
  }
}

const BYTES: Record<string, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };
/** The largest JSON header read (the format's own limit is 100 MB). */
const MAX_HEADER = 100_000_000;

/** One tensor of a safetensors file, as read: its dtype in the file, shape and values. */
export interface SafetensorsEntry {
  dtype: string;
  shape: number[];
  /** Values as float64 numbers (int64 beyond ±2^53 loses precision). */
  data: Float64Array;
}

function half(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (m / 1024);
  if (e === 31) return m ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + m / 1024);
}

/**
 * Parses safetensors bytes: every tensor by name (in the file's layout, values as float64) and the
 * `__metadata__` strings. Damaged or hostile bytes are a SafetensorsError, raised before any
 * tensor is allocated.
 */
export function decodeSafetensors(bytes: Uint8Array, file = 'model.safetensors'): { tensors: Record<string, SafetensorsEntry>; metadata: Record<string, string> } {
  const op = 'decodeSafetensors';
  if (!(bytes instanceof Uint8Array)) fail(op, 'bytes', 'a Uint8Array', bytes);
  checkString(op, 'file', file);
  return decodeWith(op, bytes, file);
}

function decodeWith(op: string, bytes: Uint8Array, file: string): { tensors: Record<string, SafetensorsEntry>; metadata: Record<string, string> } {
  const bad = (p: string): never => {
    throw new SafetensorsError(op, file, p);
  };
  if (bytes.length < 8) bad(`truncated (${bytes.length} bytes; a safetensors file starts with an 8-byte header length)`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = dv.getBigUint64(0, true);
  if (n > BigInt(bytes.length - 8)) bad(`truncated or not a safetensors file (a header of ${n} bytes, but only ${bytes.length - 8} follow)`);
  if (n > BigInt(MAX_HEADER)) bad(`the header of ${n} bytes is larger than ${MAX_HEADER}`);
  const hlen = Number(n);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + hlen)));
  } catch (e) {
    return bad(`the header is not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) bad('the header is not a JSON object');
  const data = bytes.subarray(8 + hlen);
  const ddv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const tensors: Record<string, SafetensorsEntry> = {};
  let metadata: Record<string, string> = {};
  const spans: [number, number, string][] = [];
  const entries = Object.entries(header as Record<string, unknown>);
  // Check every entry before allocating any.
  const checked: [string, string, number[], number, number][] = [];
  for (const [name, v] of entries) {
    if (name === '__metadata__') {
      if (v === null || typeof v !== 'object' || Array.isArray(v) || !Object.values(v).every((s) => typeof s === 'string')) bad('__metadata__ must be an object of strings');
      metadata = { ...(v as Record<string, string>) };
      continue;
    }
    const e = v as { dtype?: unknown; shape?: unknown; data_offsets?: unknown } | null;
    if (e === null || typeof e !== 'object') bad(`entry '${name}' is not an object`);
    const dtype = e!.dtype;
    if (typeof dtype !== 'string' || !(dtype in BYTES)) bad(`entry '${name}' has dtype ${JSON.stringify(dtype)}; nabla reads ${Object.keys(BYTES).join(', ')}`);
    const shape = e!.shape;
    if (!Array.isArray(shape) || shape.length > 32 || !shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) bad(`entry '${name}' has a bad shape ${JSON.stringify(shape)}`);
    const off = e!.data_offsets;
    if (!Array.isArray(off) || off.length !== 2 || !off.every((d) => Number.isSafeInteger(d) && (d as number) >= 0) || (off[0] as number) > (off[1] as number)) bad(`entry '${name}' has bad data_offsets ${JSON.stringify(off)}`);
    const [b0, b1] = off as [number, number];
    if (b1 > data.length) bad(`entry '${name}' runs past the end of the data (bytes ${b0}..${b1} of ${data.length}): truncated`);
    let count = 1;
    for (const d of shape as number[]) {
      count *= d;
      if (count > 2 ** 31 - 1) bad(`entry '${name}' of shape [${(shape as number[]).join(',')}] is too large`);
    }
    if (b1 - b0 !== count * BYTES[dtype as string]!) bad(`entry '${name}' of shape [${(shape as number[]).join(',')}] and dtype ${dtype as string} needs ${count * BYTES[dtype as string]!} bytes, but its data_offsets span ${b1 - b0}`);
    spans.push([b0, b1, name]);
    checked.push([name, dtype as string, shape as number[], b0, count]);
  }
  spans.sort((p, q) => p[0] - q[0]);
  for (let k = 1; k < spans.length; k++) if (spans[k]![0] < spans[k - 1]![1]) bad(`entries '${spans[k - 1]![2]}' and '${spans[k]![2]}' overlap`);
  for (const [name, dtype, shape, b0, count] of checked) {
    const out = new Float64Array(count);
    const sz = BYTES[dtype]!;
    for (let k = 0; k < count; k++) {
      const at = b0 + k * sz;
      switch (dtype) {
        case 'F64': out[k] = ddv.getFloat64(at, true); break;
        case 'F32': out[k] = ddv.getFloat32(at, true); break;
        case 'F16': out[k] = half(ddv.getUint16(at, true)); break;
        case 'BF16': out[k] = new Float32Array(new Uint32Array([ddv.getUint16(at, true) << 16]).buffer)[0]!; break;
        case 'I64': out[k] = Number(ddv.getBigInt64(at, true)); break;
        case 'I32': out[k] = ddv.getInt32(at, true); break;
        case 'I16': out[k] = ddv.getInt16(at, true); break;
        case 'I8': out[k] = ddv.getInt8(at); break;
        default: out[k] = ddv.getUint8(at); break;
      }
    }
    tensors[name] = { dtype, shape, data: out };
  }
  return { tensors, metadata };
}

/** Names of the parameters stored transposed (Linear weights: nabla's [in, out] is PyTorch's [out, in]). */
function transposedNames(model: AnyModule): Set<string> {
  const s = new Set<string>();
  for (const [prefix, m] of model.namedModules()) if (m instanceof Linear) s.add(prefix ? `${prefix}.weight` : 'weight');
  return s;
}

/** nabla names whose PyTorch name differs: PReLU's `alpha` is PyTorch's `weight`. */
function torchRenames(model: AnyModule): Map<string, string> {
  const m = new Map<string, string>();
  for (const [prefix, mod] of model.namedModules()) if (mod instanceof PReLU) m.set(prefix ? `${prefix}.alpha` : 'alpha', prefix ? `${prefix}.weight` : 'weight');
  return m;
}

/** Options of `encodeSafetensors` and `saveSafetensors`. */
export interface SafetensorsSaveOptions {
  /** Strings stored in the header's `__metadata__`. */
  metadata?: Record<string, string>;
}

/**
 * The model's state dict (parameters and buffers) as safetensors bytes in PyTorch's layout:
 * PyTorch's names, Linear weights transposed to [out, in], float32 as F32, float64 as F64, int32
 * buffers (batch norm's `num_batches_tracked`) as I64 as PyTorch stores them.
 */
export function encodeSafetensors(model: AnyModule, options: SafetensorsSaveOptions = {}): Uint8Array {
  return encodeWith('encodeSafetensors', model, options);
}

function encodeWith(op: string, model: AnyModule, options: SafetensorsSaveOptions): Uint8Array {
  if (!(model instanceof Module)) fail(op, 'model', 'a nabla Module', model);
  const o = checkOptions(op, options, ['metadata']);
  const meta = o.metadata;
  if (meta !== undefined && (meta === null || typeof meta !== 'object' || Array.isArray(meta) || !Object.values(meta).every((v) => typeof v === 'string'))) fail(op, 'options.metadata', 'an object of strings', meta);
  const flip = transposedNames(model);
  const renames = torchRenames(model);
  const header: Record<string, unknown> = {};
  if (meta && Object.keys(meta).length) header.__metadata__ = { ...meta };
  const chunks: Uint8Array[] = [];
  let offset = 0;
  const made: Tensor[] = [];
  try {
    for (const [name, t0] of Object.entries(model.stateDict())) {
      let t = t0;
      if (flip.has(name) && t.rank === 2) {
        t = matrixTranspose(t);
        made.push(t);
      }
      const values = t.dataSync() as ArrayLike<number>;
      let bytes: Uint8Array;
      let dtype: string;
      if (t.dtype === 'float32' || t.dtype === 'float64') {
        const a = t.dtype === 'float32' ? Float32Array.from(values) : Float64Array.from(values);
        bytes = new Uint8Array(a.buffer);
        dtype = t.dtype === 'float32' ? 'F32' : 'F64';
      } else if (t.dtype === 'int32') {
        const a = new BigInt64Array(values.length);
        for (let k = 0; k < values.length; k++) a[k] = BigInt(values[k] as number);
        bytes = new Uint8Array(a.buffer);
        dtype = 'I64';
      } else {
        bytes = Uint8Array.from(values, (v) => (v ? 1 : 0));
        dtype = 'BOOL';
      }
      header[renames.get(name) ?? name] = { dtype, shape: [...t.shape], data_offsets: [offset, offset + bytes.length] };
      chunks.push(bytes);
      offset += bytes.length;
    }
  } finally {
    dispose(made);
  }
  let json = JSON.stringify(header);
  // Pad the header with spaces to a multiple of 8 bytes, so the data is aligned (as the reference writer does).
  const enc = new TextEncoder();
  while (enc.encode(json).length % 8) json += ' ';
  const hb = enc.encode(json);
  const out = new Uint8Array(8 + hb.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(hb.length), true);
  out.set(hb, 8);
  let at = 8 + hb.length;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** Options of `loadSafetensors`. */
export interface SafetensorsLoadOptions {
  /** Every parameter and buffer of the model must be in the file and every entry must be one (default true). */
  strict?: boolean;
  /** The name used in messages for bytes (default 'model.safetensors'). */
  file?: string;
}

/**
 * Loads safetensors bytes (PyTorch's layout, as `safetensors.torch.save_file(model.state_dict())`
 * writes) into `model`'s parameters and buffers by name, as `loadTorchStateDict` does: shapes must
 * match (Linear weights transposed from [out, in]); with `strict` the names must match both ways.
 */
export function loadSafetensorsBytes(model: AnyModule, bytes: Uint8Array, options: SafetensorsLoadOptions = {}): LoadTorchResult {
  return loadWith('loadSafetensorsBytes', model, bytes, options);
}

function loadWith(op: string, model: AnyModule, bytes: unknown, options: SafetensorsLoadOptions, fileName?: string): LoadTorchResult {
  if (!(model instanceof Module)) fail(op, 'model', 'a nabla Module', model);
  if (!(bytes instanceof Uint8Array)) fail(op, 'bytes', 'a Uint8Array', bytes);
  const o = checkOptions(op, options, ['strict', 'file']);
  const file = fileName ?? (o.file === undefined ? 'model.safetensors' : checkString(op, 'options.file', o.file));
  const { tensors } = decodeWith(op, bytes, file);
  const dict: Record<string, { shape: number[]; data: number[] }> = {};
  const nablaName = new Map([...torchRenames(model)].map(([n, t]) => [t, n]));
  for (const [k, e] of Object.entries(tensors)) dict[nablaName.get(k) ?? k] = { shape: e.shape, data: Array.from(e.data) };
  try {
    return loadTorchStateDict(model, dict, { strict: o.strict });
  } catch (e) {
    if (e instanceof Error && e.message.startsWith('loadTorchStateDict:')) throw new Error(`${op}: ${file}:${e.message.slice('loadTorchStateDict:'.length)}`, { cause: e });
    throw e;
  }
}

/** Saves the model's state dict to `path` in the safetensors format (PyTorch's layout), atomically. */
export async function saveSafetensors(model: AnyModule, path: string, options: SafetensorsSaveOptions = {}): Promise<void> {
  const op = 'saveSafetensors';
  if (typeof path !== 'string' || path.length === 0 || path.includes('\0')) fail(op, 'path', 'a non-empty string without NUL characters', path);
  await writeFileAtomic(path, encodeWith(op, model, options));
}

/** Loads a safetensors file (PyTorch's layout) into `model`, as loadSafetensorsBytes. */
export async function loadSafetensors(model: AnyModule, path: string, options: Omit<SafetensorsLoadOptions, 'file'> = {}): Promise<LoadTorchResult> {
  const op = 'loadSafetensors';
  if (!(model instanceof Module)) fail(op, 'model', 'a nabla Module', model);
  if (typeof path !== 'string' || path.length === 0 || path.includes('\0')) fail(op, 'path', 'a non-empty string without NUL characters', path);
  checkOptions(op, options, ['strict']);
  const fs = nodeBuiltin('node:fs/promises', `nb.io.${op}`);
  let bytes: Uint8Array;
  try {
    bytes = await fs.readFile(path);
  } catch (e) {
    throw new Error(`${op}: cannot read ${path}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  return loadWith(op, model, bytes, options, path);
}
