/**
 * The `.nabla` model file format, version 1: architecture (the model's `config()`) and weights in
 * one binary file, guarded by a CRC-32 checksum. Pure TypeScript (browser-safe): `encodeModel`
 * and `decodeModel` work on bytes; `save`/`load` in file.ts add the file system.
 *
 * Layout (integers little-endian):
 *
 *   offset  size  field
 *        0     8  magic: 0x89 'N' 'A' 'B' 'L' 'A' '\r' '\n' (a 0x89 first byte and CRLF catch
 *                 files mangled by text-mode transfers, as PNG does)
 *        8     4  format version (1)
 *       12     4  header length H (bytes of UTF-8 JSON)
 *       16     8  payload length P (bytes of tensor data)
 *       24     4  CRC-32 of the header and payload bytes
 *       28     4  reserved (0)
 *       32     H  header: { format, version, architecture, tensors: [{ name, dtype, shape, offset, byteLength }], metadata }
 *   32 + H     P  payload: each tensor's values, little-endian, starting on an 8-byte boundary
 */
import type { Module, LayerConfig, JsonValue } from '../nn/module.js';
import { fromConfig } from '../nn/index.js';
import { fromArray } from '../tensor/creation.js';
import { globalRandom } from '../tensor/random.js';
import type { Tensor } from '../tensor/tensor.js';
import type { DType, TypedArray } from '../tensor/dtype.js';
import { dispose } from '../engine.js';

export const MAGIC = Uint8Array.from([0x89, 0x4e, 0x41, 0x42, 0x4c, 0x41, 0x0d, 0x0a]);
export const FORMAT_VERSION = 1;
const PREFIX = 32;

/** One stored tensor, as the header lists it. */
export interface TensorEntry {
  name: string;
  dtype: DType;
  shape: number[];
  /** Byte offset into the payload. */
  offset: number;
  byteLength: number;
}

/** The JSON header of a model file. */
export interface ModelHeader {
  format: 'nabla-model';
  version: number;
  architecture: LayerConfig;
  tensors: TensorEntry[];
  /** Free JSON the caller stored (training metrics, data set, …). */
  metadata: { [key: string]: JsonValue };
}

/** Raised for a file that is not a nabla model or is damaged; the message says which and why. */
export class ModelFileError extends Error {
  constructor(
    readonly file: string,
    readonly problem: string,
  ) {
    super(`${file}: ${problem}`);
    this.name = 'ModelFileError';
  }
}

// ---------------------------------------------------------------------------------------------
// CRC-32 (IEEE 802.3, the one zip and PNG use).

let crcTable: Uint32Array | null = null;
function table(): Uint32Array {
  if (crcTable) return crcTable;
  const t = new Uint32Array(256 * 4);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[i] = c >>> 0;
  }
  // slicing-by-4 tables
  for (let i = 0; i < 256; i++) {
    t[256 + i] = (t[t[i]! & 0xff]! ^ (t[i]! >>> 8)) >>> 0;
    t[512 + i] = (t[t[256 + i]! & 0xff]! ^ (t[256 + i]! >>> 8)) >>> 0;
    t[768 + i] = (t[t[512 + i]! & 0xff]! ^ (t[512 + i]! >>> 8)) >>> 0;
  }
  crcTable = t;
  return t;
}

/** CRC-32 of `bytes`, continuing from `crc` (pass the previous result to checksum several pieces). */
export function crc32(bytes: Uint8Array, crc = 0): number {
  const t = table();
  let c = ~crc >>> 0;
  let i = 0;
  const n = bytes.length;
  for (; i + 4 <= n; i += 4) {
    c ^= bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24);
    c = t[768 + (c & 0xff)]! ^ t[512 + ((c >>> 8) & 0xff)]! ^ t[256 + ((c >>> 16) & 0xff)]! ^ t[c >>> 24]!;
  }
  for (; i < n; i++) c = t[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

// ---------------------------------------------------------------------------------------------

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
function assertLittleEndian(): void {
  if (!LITTLE_ENDIAN) throw new Error('nabla model files: big-endian hosts are not supported');
}

const BYTES: Record<DType, number> = { float32: 4, float64: 8, int32: 4, bool: 1 };

function view(a: TypedArray): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/**
 * Serializes a model (architecture from `model.config()`, weights from `model.stateDict()`) and
 * optional JSON `metadata` into the bytes of a `.nabla` file.
 */
export async function encodeModel(model: Module, metadata: { [key: string]: JsonValue } = {}): Promise<Uint8Array> {
  assertLittleEndian();
  const architecture = model.config();
  const state = Object.entries(model.stateDict());
  const tensors: TensorEntry[] = [];
  const datas: Uint8Array[] = [];
  let offset = 0;
  for (const [name, t] of state) {
    const bytes = view(await t.data());
    offset = Math.ceil(offset / 8) * 8;
    tensors.push({ name, dtype: t.dtype, shape: t.shape.slice(), offset, byteLength: bytes.length });
    datas.push(bytes);
    offset += bytes.length;
  }
  const header: ModelHeader = { format: 'nabla-model', version: FORMAT_VERSION, architecture, tensors, metadata };
  const headerBytes = new TextEncoder().encode(JSON.stringify(header));
  const payloadLen = offset;
  const out = new Uint8Array(PREFIX + headerBytes.length + payloadLen);
  out.set(MAGIC, 0);
  const dv = new DataView(out.buffer);
  dv.setUint32(8, FORMAT_VERSION, true);
  dv.setUint32(12, headerBytes.length, true);
  dv.setBigUint64(16, BigInt(payloadLen), true);
  out.set(headerBytes, PREFIX);
  const payloadStart = PREFIX + headerBytes.length;
  tensors.forEach((e, i) => out.set(datas[i]!, payloadStart + e.offset));
  dv.setUint32(24, crc32(out.subarray(PREFIX)), true);
  return out;
}

/** Checks the bytes of a model file and returns its header and payload; throws ModelFileError naming `file`. */
export function readModelBytes(bytes: Uint8Array, file = 'model'): { header: ModelHeader; payload: Uint8Array } {
  const fail = (problem: string): never => {
    throw new ModelFileError(file, problem);
  };
  if (bytes.length < PREFIX) fail(`not a nabla model file: only ${bytes.length} bytes (a model file starts with a ${PREFIX}-byte prefix)`);
  for (let i = 0; i < MAGIC.length; i++) if (bytes[i] !== MAGIC[i]) fail('not a nabla model file (bad magic bytes)');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = dv.getUint32(8, true);
  if (version > FORMAT_VERSION) fail(`format version ${version} was written by a newer nabla (this one reads version ${FORMAT_VERSION})`);
  if (version < 1) fail(`invalid format version ${version}`);
  const headerLen = dv.getUint32(12, true);
  const payloadLen = Number(dv.getBigUint64(16, true));
  const expected = PREFIX + headerLen + payloadLen;
  if (bytes.length < expected) fail(`truncated: expected ${expected} bytes, the file has ${bytes.length} (missing ${expected - bytes.length})`);
  if (bytes.length > expected) fail(`damaged: ${bytes.length - expected} unexpected bytes after the end of the model (expected ${expected} bytes)`);
  const stored = dv.getUint32(24, true);
  const actual = crc32(bytes.subarray(PREFIX));
  if (stored !== actual) fail(`damaged: checksum mismatch (stored CRC-32 ${hex(stored)}, computed ${hex(actual)}); the file was modified or corrupted`);
  let header: ModelHeader;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(PREFIX, PREFIX + headerLen))) as ModelHeader;
  } catch (e) {
    return fail(`damaged: the header is not valid JSON (${(e as Error).message})`);
  }
  if (header?.format !== 'nabla-model' || !Array.isArray(header.tensors) || typeof header.architecture !== 'object') {
    fail('damaged: the header lacks format, architecture or tensors');
  }
  const payload = bytes.subarray(PREFIX + headerLen);
  for (const e of header.tensors) {
    const count = e.shape.reduce((a, b) => a * b, 1);
    if (!(e.dtype in BYTES) || e.byteLength !== count * BYTES[e.dtype] || e.offset < 0 || e.offset + e.byteLength > payloadLen) {
      fail(`damaged: tensor '${e.name}' (${e.dtype} [${e.shape.join(',')}]) does not fit the payload`);
    }
  }
  return { header, payload };
}

const hex = (n: number): string => `0x${n.toString(16).padStart(8, '0')}`;

function tensorFrom(e: TensorEntry, payload: Uint8Array): Tensor {
  // copy into a fresh, aligned buffer (Node's Buffer.slice would share memory instead)
  const bytes = new Uint8Array(e.byteLength);
  bytes.set(payload.subarray(e.offset, e.offset + e.byteLength));
  let arr: TypedArray;
  switch (e.dtype) {
    case 'float32': arr = new Float32Array(bytes.buffer); break;
    case 'float64': arr = new Float64Array(bytes.buffer); break;
    case 'int32': arr = new Int32Array(bytes.buffer); break;
    case 'bool': arr = new Uint8Array(bytes.buffer); break;
  }
  return fromArray(arr, e.shape, { dtype: e.dtype });
}

/** Rebuilds the model stored in `bytes` (from `encodeModel`); `file` names it in errors. */
export function decodeModel(bytes: Uint8Array, file = 'model'): { model: Module; metadata: { [key: string]: JsonValue }; header: ModelHeader } {
  assertLittleEndian();
  const { header, payload } = readModelBytes(bytes, file);
  let model: Module;
  // Rebuilding draws initial weights that the stored ones replace at once: leave the caller's
  // seeded random stream where it was, so loading a model does not change what comes next.
  const rngState = globalRandom.getState();
  try {
    model = fromConfig(header.architecture);
  } catch (e) {
    throw new ModelFileError(file, `cannot rebuild the architecture: ${(e as Error).message}`);
  } finally {
    globalRandom.setState(rngState);
  }
  const sd: Record<string, Tensor> = {};
  try {
    for (const e of header.tensors) sd[e.name] = tensorFrom(e, payload);
    model.loadStateDict(sd);
  } catch (e) {
    model.dispose();
    throw new ModelFileError(file, `the weights do not fit the architecture: ${(e as Error).message}`);
  } finally {
    dispose(sd);
  }
  model.eval();
  return { model, metadata: header.metadata ?? {}, header };
}
