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
 *       28     4  reserved: zero (readers reject anything else, as the CRC does not cover them)
 *       32     H  header: { format, version, architecture, tensors: [{ name, dtype, shape, offset, byteLength }], metadata }
 *                 (tensors: the model's stateDict(), parameters and buffers such as batch norm's
 *                 running statistics alike; a model without buffers writes exactly what
 *                 version 1 always wrote, so the format version is unchanged)
 *   32 + H     P  payload: each tensor's values, little-endian, starting on an 8-byte boundary
 */
import { Module, type AnyModule, type LayerConfig, type JsonValue } from '../nn/module.js';
import { fromConfig } from '../nn/index.js';
import { ParameterBudgetError, withoutInitialization } from '../nn/init.js';
import { fromArray } from '../tensor/creation.js';
import { globalRandom } from '../tensor/random.js';
import type { Tensor } from '../tensor/tensor.js';
import type { DType, TypedArray } from '../tensor/dtype.js';
import { dispose } from '../engine.js';
import { checkInt, checkOptions, checkString, describe, fail, optBoolean } from '../validate.js';

export const MAGIC = Uint8Array.from([0x89, 0x4e, 0x41, 0x42, 0x4c, 0x41, 0x0d, 0x0a]);
export const FORMAT_VERSION = 1;
const PREFIX = 32;
/** Bytes before the JSON header. */
export const PREFIX_BYTES = PREFIX;

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

/**
 * The JSON header of a weights-only file (`nb.io.saveWeights`): the same container and tensor list
 * as a model file, with `format: 'nabla-weights'` and no architecture.
 */
export interface WeightsHeader {
  format: 'nabla-weights';
  version: number;
  tensors: TensorEntry[];
  metadata: { [key: string]: JsonValue };
}

/** What `nb.io.loadWeights` and `decodeWeights` report: the names only one side has. */
export interface LoadWeightsResult {
  /** The model's parameters and buffers the file stores no value for (these keep their values). */
  missing: string[];
  /** The file's tensors the model has no parameter or buffer for (these are ignored). */
  unexpected: string[];
}

/**
 * Raised for a file that is not a nabla model or is damaged; the message says which and why:
 * `<op>: <file>: <problem>`, e.g. `load: model.nabla: damaged: checksum mismatch (…)`.
 */
export class ModelFileError extends Error {
  /** The file's name, as the caller gave it. */
  readonly file: string;
  /** What is wrong with it. */
  readonly problem: string;
  /** The nb.io function that was reading it (`load`, `decodeModel`, …), when known. */
  readonly op: string | undefined;

  constructor(file: string, problem: string, op?: string) {
    checkString('ModelFileError', 'file', file);
    checkString('ModelFileError', 'problem', problem);
    if (op !== undefined) checkString('ModelFileError', 'op', op);
    super(`${op === undefined ? '' : `${op}: `}${file}: ${problem}`);
    this.name = 'ModelFileError';
    this.file = file;
    this.problem = problem;
    this.op = op;
  }
}

// ---------------------------------------------------------------------------------------------
// Argument checks shared by the public functions here and in file.ts. Each names the public
// function (`op`) and the argument; every failure is a plain Error.

const MODULE = 'a nabla Module (nn.sequential(...), a layer, …)';
const JSON_VALUE = 'a JSON value (null, true or false, a finite number, a string, an array or a plain object)';

/** A nabla Module (an instance of nn.Module: a layer, nn.sequential(...), a registered custom layer). */
export function checkModule(op: string, v: unknown): AnyModule {
  if (!(v instanceof Module)) fail(op, 'model', MODULE, v);
  return v;
}

/** The name a file goes by in messages (`file` arguments): a non-empty string. */
export function checkFileName(op: string, v: unknown): string {
  if (typeof v !== 'string' || v.length === 0) fail(op, 'file', 'a non-empty string (the name used in messages)', v);
  return v;
}

/** The bytes of a model file: a Uint8Array (a Node Buffer is one) or an ArrayBuffer. */
function checkBytes(op: string, v: unknown): Uint8Array {
  if (v instanceof Uint8Array) return v;
  if (v instanceof ArrayBuffer) return new Uint8Array(v);
  return fail(op, 'bytes', 'a Uint8Array or ArrayBuffer', v);
}

function isPlainObject(v: object): boolean {
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/** `at` followed by property `k`: `.k` for a plain identifier, `["k"]` otherwise. */
const member = (at: string, k: string): string => (/^[A-Za-z_$][\w$]*$/.test(k) ? `${at}.${k}` : `${at}[${JSON.stringify(k)}]`);

/**
 * Checks that `root` is JSON that survives a round trip unchanged: null, booleans, finite
 * numbers, strings, arrays and plain objects, without cycles (shared references are fine). The
 * walk uses its own stack, so deep nesting cannot overflow JavaScript's. Names the offending
 * value by its path from `arg` (`options.metadata.runs[2].loss`).
 */
export function checkJson(op: string, arg: string, root: unknown): void {
  /** Objects on the path from the root to the value being checked, with their paths. */
  const onPath = new Map<object, string>();
  type Item = { v: unknown; at: string } | { leave: object };
  const stack: Item[] = [{ v: root, at: arg }];
  while (stack.length) {
    const item = stack.pop()!;
    if ('leave' in item) {
      onPath.delete(item.leave);
      continue;
    }
    const { v, at } = item;
    if (v === null || typeof v === 'string' || typeof v === 'boolean') continue;
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) fail(op, at, 'a finite number (JSON has no NaN or Infinity)', v);
      continue;
    }
    if (typeof v !== 'object' || !(Array.isArray(v) || isPlainObject(v))) fail(op, at, JSON_VALUE, v);
    const ancestor = onPath.get(v);
    if (ancestor !== undefined) throw new Error(`${op}: ${at} must be a JSON value, got a reference back to ${ancestor} (a cycle)`);
    onPath.set(v, at);
    stack.push({ leave: v });
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ v: v[i] as unknown, at: `${at}[${i}]` });
    } else {
      const keys = Object.keys(v);
      for (let i = keys.length - 1; i >= 0; i--) stack.push({ v: (v as Record<string, unknown>)[keys[i]!], at: member(at, keys[i]!) });
    }
  }
}

/** Metadata to store: `undefined` becomes `{}`; otherwise a plain object of JSON values (checkJson). */
export function checkMetadata(op: string, arg: string, v: unknown): { [key: string]: JsonValue } {
  if (v === undefined) return {};
  if (typeof v !== 'object' || v === null || Array.isArray(v) || !isPlainObject(v)) fail(op, arg, 'a plain object of JSON values', v);
  checkJson(op, arg, v);
  return v as { [key: string]: JsonValue };
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
  if (!(bytes instanceof Uint8Array)) fail('crc32', 'bytes', 'a Uint8Array', bytes);
  checkInt('crc32', 'crc', crc, { min: 0, max: 0xffffffff });
  return crc32Of(bytes, crc);
}

/** crc32 without the argument checks, for callers that made the bytes themselves. */
function crc32Of(bytes: Uint8Array, crc: number): number {
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
function assertLittleEndian(op: string): void {
  if (!LITTLE_ENDIAN) throw new Error(`${op}: big-endian hosts are not supported (nabla model files are little-endian)`);
}

const BYTES: Record<DType, number> = { float32: 4, float64: 8, int32: 4, bool: 1 };

function view(a: TypedArray): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/**
 * Serializes a model (architecture from `model.config()`, weights from `model.stateDict()`) and
 * optional JSON `metadata` into the bytes of a `.nabla` file.
 */
export async function encodeModel(model: AnyModule, metadata: { [key: string]: JsonValue } = {}): Promise<Uint8Array> {
  const op = 'encodeModel';
  return encodeWith(op, checkModule(op, model), checkMetadata(op, 'metadata', metadata));
}

/**
 * encodeModel for an already checked model and metadata; `op` (the public function called) names
 * it in errors. Checks what the model itself supplies: a JSON `config()`, live parameters, and a
 * header that a reader accepts (MODEL_FILE_LIMITS.headerBytes).
 */
export async function encodeWith(op: string, model: AnyModule, metadata: { [key: string]: JsonValue }): Promise<Uint8Array> {
  assertLittleEndian(op);
  let architecture: LayerConfig;
  try {
    architecture = model.config();
  } catch (e) {
    throw new Error(`${op}: cannot save this model: ${e instanceof Error ? e.message : describe(e)}`, { cause: e });
  }
  const arch: unknown = architecture;
  if (typeof arch !== 'object' || arch === null || Array.isArray(arch) || typeof (arch as { type?: unknown }).type !== 'string') {
    fail(op, 'model.config()', "an object with a string 'type'", arch);
  }
  checkJson(op, 'model.config()', arch);
  return encodeContainer(op, model, (tensors) => ({ format: 'nabla-model', version: FORMAT_VERSION, architecture, tensors, metadata }));
}

/**
 * Serializes `model.stateDict()` alone (no architecture) into the bytes of a weights-only file:
 * the container of a `.nabla` file with a 'nabla-weights' header. Works for any Module, including
 * custom ones without `config()`; `decodeWeights` loads the bytes into a model built in code.
 */
export async function encodeWeights(model: AnyModule): Promise<Uint8Array> {
  const op = 'encodeWeights';
  return encodeWeightsWith(op, checkModule(op, model));
}

/** encodeWeights for a checked model; `op` (the public function called) names it in errors. */
export async function encodeWeightsWith(op: string, model: AnyModule): Promise<Uint8Array> {
  assertLittleEndian(op);
  return encodeContainer(op, model, (tensors) => ({ format: 'nabla-weights', version: FORMAT_VERSION, tensors, metadata: {} }));
}

/** The bytes of a file holding `model.stateDict()` under the header `head(tensors)` makes. */
async function encodeContainer(op: string, model: AnyModule, head: (tensors: TensorEntry[]) => ModelHeader | WeightsHeader): Promise<Uint8Array> {
  const state = Object.entries(model.stateDict());
  for (const [name, t] of state) {
    if (t.isDisposed) throw new Error(`${op}: model's parameter '${name}' (tensor [${t.shape.join(',')}]) was disposed`);
  }
  return encodeTensors(op, state, head);
}

/** The bytes of a container file holding the named tensors under the header `head(tensors)` makes. */
export async function encodeTensors(op: string, state: readonly (readonly [string, Tensor])[], head: (tensors: TensorEntry[]) => ModelHeader | WeightsHeader): Promise<Uint8Array> {
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
  const header = head(tensors);
  let headerText: string;
  try {
    headerText = JSON.stringify(header);
  } catch (e) {
    throw new Error(`${op}: cannot write the header as JSON: ${e instanceof Error ? e.message : describe(e)}`, { cause: e });
  }
  const headerBytes = new TextEncoder().encode(headerText);
  if (headerBytes.length > MODEL_FILE_LIMITS.headerBytes) {
    throw new Error(`${op}: the header would have ${headerBytes.length} bytes (${header.format === 'nabla-model' ? 'architecture, tensor list and metadata' : 'the tensor list'}), more than the ${MODEL_FILE_LIMITS.headerBytes} a model file may have`);
  }
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
  dv.setUint32(24, crc32Of(out.subarray(PREFIX), 0), true);
  return out;
}

/**
 * Bounds on what a model file may declare. A reader checks them before allocating anything, so a
 * small crafted file cannot make it allocate or work in proportion to numbers it merely states.
 */
export const MODEL_FILE_LIMITS = Object.freeze({
  /** Bytes of JSON header (architecture, tensor list and metadata together). */
  headerBytes: 4 * 1024 * 1024,
  /** Tensor entries. */
  tensors: 16_384,
  /** Dimensions of one tensor. */
  rank: 16,
  /** Characters of a tensor name. */
  nameLength: 1024,
  /** Nesting of JSON objects and arrays in the architecture. */
  architectureDepth: 100,
  /** JSON objects and arrays in the architecture. */
  architectureNodes: 20_000,
});

/**
 * Checks a model file's 32-byte prefix against the file's length: magic bytes, format version,
 * reserved bytes, header and payload lengths (the header within MODEL_FILE_LIMITS). `file` and
 * `op` (the public function reading it) name it in errors. Reading a file, `load` calls this
 * before reading more than the prefix. Internal: its callers check their arguments.
 */
export function checkPrefix(prefix: Uint8Array, fileLength: number, file: string, op: string): { headerLength: number; payloadLength: number } {
  const fail = (problem: string): never => {
    throw new ModelFileError(file, problem, op);
  };
  if (fileLength < PREFIX || prefix.length < PREFIX) fail(`not a nabla model file: only ${fileLength} bytes (a model file starts with a ${PREFIX}-byte prefix)`);
  for (let i = 0; i < MAGIC.length; i++) if (prefix[i] !== MAGIC[i]) fail('not a nabla model file (bad magic bytes)');
  const dv = new DataView(prefix.buffer, prefix.byteOffset, PREFIX);
  const version = dv.getUint32(8, true);
  if (version > FORMAT_VERSION) fail(`format version ${version} was written by a newer nabla (this one reads version ${FORMAT_VERSION})`);
  if (version < 1) fail(`invalid format version ${version}`);
  // Bytes 28–31 are outside the checksum: only zero is accepted, so no byte of a file goes unchecked.
  const reserved = dv.getUint32(28, true);
  if (reserved !== 0) fail(`damaged: reserved bytes 28–31 must be zero, found ${hex(reserved)}`);
  const headerLength = dv.getUint32(12, true);
  const payloadLength = Number(dv.getBigUint64(16, true));
  const expected = PREFIX + headerLength + payloadLength;
  if (fileLength < expected) fail(`truncated: expected ${expected} bytes, the file has ${fileLength} (missing ${expected - fileLength})`);
  if (fileLength > expected) fail(`damaged: ${fileLength - expected} unexpected bytes after the end of the model (expected ${expected} bytes)`);
  if (headerLength > MODEL_FILE_LIMITS.headerBytes) fail(`damaged: the header has ${headerLength} bytes, more than the ${MODEL_FILE_LIMITS.headerBytes} a model file may have`);
  return { headerLength, payloadLength };
}

/**
 * Checks the bytes of a model file (a Uint8Array or an ArrayBuffer) and returns its header and
 * payload; throws ModelFileError naming `file`.
 */
export function readModelBytes(bytes: Uint8Array | ArrayBuffer, file = 'model'): { header: ModelHeader; payload: Uint8Array } {
  const op = 'readModelBytes';
  const b = checkBytes(op, bytes);
  return readModelBytesWith(op, b, checkFileName(op, file));
}

/** readModelBytes for checked arguments; `op` (the public function called) names it in errors. */
export function readModelBytesWith(op: string, bytes: Uint8Array, file: string): { header: ModelHeader; payload: Uint8Array } {
  const { header, payload } = readContainer(op, bytes, file);
  return { header: modelHeaderOnly(op, header, file), payload };
}

/** `header` if it is a model file's; a weights-only file is refused with a pointer to loadWeights. */
function modelHeaderOnly(op: string, header: ModelHeader | WeightsHeader, file: string): ModelHeader {
  if (header.format === 'nabla-model') return header;
  throw new ModelFileError(
    file,
    'this file stores weights only (written by nb.io.saveWeights), no architecture to build a model from: create the model in code and load the weights into it with nb.io.loadWeights(model, path) (decodeWeights for bytes)',
    op,
  );
}

/**
 * Checks the bytes of a model or weights file (prefix, CRC-32, header) and returns its header and
 * payload; throws ModelFileError naming `file`.
 */
export function readContainer(op: string, bytes: Uint8Array, file: string): { header: ModelHeader | WeightsHeader; payload: Uint8Array } {
  const fail = (problem: string): never => {
    throw new ModelFileError(file, problem, op);
  };
  const { headerLength: headerLen, payloadLength: payloadLen } = checkPrefix(bytes, bytes.length, file, op);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const stored = dv.getUint32(24, true);
  const actual = crc32Of(bytes.subarray(PREFIX), 0);
  if (stored !== actual) fail(`damaged: checksum mismatch (stored CRC-32 ${hex(stored)}, computed ${hex(actual)}); the file was modified or corrupted`);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(PREFIX, PREFIX + headerLen)));
  } catch (e) {
    return fail(`damaged: the header is not valid JSON (${(e as Error).message})`);
  }
  const header = validateHeaderWith(op, json, payloadLen, file);
  return { header, payload: bytes.subarray(PREFIX + headerLen) };
}

const hex = (n: number): string => `0x${n.toString(16).padStart(8, '0')}`;

type JsonObject = { [key: string]: JsonValue };

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A JSON value shown in an error message: its JSON, cut short; anything JSON cannot show, described. */
function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  let s: string | undefined;
  try {
    s = JSON.stringify(v) as string | undefined;
  } catch {
    s = undefined;
  }
  if (s === undefined) return describe(v);
  return s.length > 60 ? `${s.slice(0, 57)}…` : s;
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const align8 = (n: number): number => Math.ceil(n / 8) * 8;

/**
 * The one validator of a model file's JSON header, used by every loading path (`load`,
 * `loadFile`, `inspect`, `decodeModel`, `readModelBytes`). It checks every field's JSON type;
 * each tensor's name, dtype, shape, offset and byte length; that the tensors lie inside the
 * payload without overlapping and account for all of it (up to the 8-byte alignment); and the
 * bounds in MODEL_FILE_LIMITS. It allocates nothing in proportion to the numbers it reads.
 * Throws a ModelFileError naming `file` and the field.
 */
export function validateHeader(value: unknown, payloadLength: number, file = 'model'): ModelHeader {
  const op = 'validateHeader';
  checkInt(op, 'payloadLength', payloadLength, { min: 0 });
  const f = checkFileName(op, file);
  return modelHeaderOnly(op, validateHeaderWith(op, value, payloadLength, f), f);
}

/** validateHeader for both kinds of file: a model's header, or a weights-only file's (no architecture). */
function validateHeaderWith(op: string, value: unknown, payloadLength: number, file: string): ModelHeader | WeightsHeader {
  const fail = (problem: string): never => {
    throw new ModelFileError(file, `damaged: ${problem}`, op);
  };
  if (!isObject(value)) return fail(`the header must be a JSON object, got ${show(value)}`);
  if (value.format !== 'nabla-model' && value.format !== 'nabla-weights') fail(`format must be "nabla-model" or "nabla-weights", got ${show(value.format)}`);
  const weightsOnly = value.format === 'nabla-weights';
  if (value.version !== FORMAT_VERSION) fail(`version must be ${FORMAT_VERSION}, got ${show(value.version)}`);
  const metadata = value.metadata ?? {};
  if (!isObject(metadata)) fail(`metadata must be an object, got ${show(value.metadata)}`);
  if (!weightsOnly) checkArchitecture(value.architecture, fail);
  else if (value.architecture !== undefined) fail('a weights-only file ("nabla-weights") has no architecture, but this header has one');

  const list = value.tensors;
  if (!Array.isArray(list)) return fail(`tensors must be an array, got ${show(list)}`);
  if (list.length > MODEL_FILE_LIMITS.tensors) fail(`tensors: ${list.length} entries, more than the ${MODEL_FILE_LIMITS.tensors} a model file may hold`);
  const tensors: TensorEntry[] = [];
  const names = new Map<string, number>();
  list.forEach((e, i) => {
    const at = `tensors[${i}]`;
    if (!isObject(e)) return fail(`${at} must be an object, got ${show(e)}`);
    const { name, dtype, shape, offset, byteLength } = e;
    if (typeof name !== 'string' || name.length === 0 || name.length > MODEL_FILE_LIMITS.nameLength) {
      fail(`${at}.name must be a string of 1 to ${MODEL_FILE_LIMITS.nameLength} characters, got ${show(name)}`);
    }
    const n = name as string;
    const first = names.get(n);
    if (first !== undefined) fail(`${at}.name '${n}' appears more than once (also tensors[${first}])`);
    names.set(n, i);
    if (typeof dtype !== 'string' || !Object.hasOwn(BYTES, dtype)) fail(`${at}.dtype must be one of ${Object.keys(BYTES).join(', ')}, got ${show(dtype)}`);
    const dt = dtype as DType;
    if (!Array.isArray(shape) || !shape.every(isCount)) fail(`${at}.shape must be an array of non-negative integers, got ${show(shape)}`);
    if ((shape as number[]).length > MODEL_FILE_LIMITS.rank) fail(`${at}.shape has ${(shape as number[]).length} dimensions, more than ${MODEL_FILE_LIMITS.rank}`);
    const dims = shape as number[];
    // The count, stopping as soon as it cannot fit the payload (no overflow, no huge numbers).
    let count = 1;
    for (const d of dims) {
      count *= d;
      if (count * BYTES[dt] > payloadLength) {
        count = dims.includes(0) ? 0 : Infinity;
        break;
      }
    }
    if (count === Infinity) fail(`${at}.shape [${dims.join(',')}] of ${dt} ('${n}') needs more bytes than the whole payload (${payloadLength})`);
    if (!isCount(offset) || offset % 8 !== 0) fail(`${at}.offset must be a non-negative multiple of 8, got ${show(offset)}`);
    if (!isCount(byteLength)) fail(`${at}.byteLength must be a non-negative integer, got ${show(byteLength)}`);
    if (byteLength !== count * BYTES[dt]) fail(`${at}.byteLength is ${show(byteLength)}, but '${n}' (${dt} [${dims.join(',')}]) has ${count * BYTES[dt]} bytes`);
    const start = offset as number;
    if (start + count * BYTES[dt] > payloadLength) {
      fail(`${at} ('${n}') ends at byte ${start + count * BYTES[dt]}, beyond the end of the payload (${payloadLength} bytes)`);
    }
    tensors.push({ name: n, dtype: dt, shape: dims, offset: start, byteLength: count * BYTES[dt] });
  });

  // Laid out in offset order, the tensors must neither overlap nor leave bytes unaccounted for.
  const order = tensors.map((_, i) => i).sort((a, b) => tensors[a]!.offset - tensors[b]!.offset || tensors[a]!.byteLength - tensors[b]!.byteLength);
  let end = 0;
  let last = -1;
  for (const i of order) {
    const t = tensors[i]!;
    if (t.offset < end) fail(`tensors[${i}] ('${t.name}', bytes ${t.offset}–${t.offset + t.byteLength}) overlaps tensors[${last}] ('${tensors[last]!.name}', which ends at byte ${end})`);
    if (t.offset > align8(end)) fail(`the payload has ${t.offset - end} bytes no tensor accounts for before tensors[${i}] ('${t.name}') at byte ${t.offset}`);
    end = t.offset + t.byteLength;
    last = i;
  }
  if (payloadLength !== end) fail(`the payload has ${payloadLength} bytes, but its tensors end at byte ${end}`);
  if (weightsOnly) return { format: 'nabla-weights', version: FORMAT_VERSION, tensors, metadata: metadata as JsonObject };
  return { format: 'nabla-model', version: FORMAT_VERSION, architecture: value.architecture as LayerConfig, tensors, metadata: metadata as JsonObject };
}

/** The architecture: an object with a string `type`, nested at most architectureDepth deep (checked without recursion). */
function checkArchitecture(arch: unknown, fail: (problem: string) => never): void {
  if (!isObject(arch)) fail(`architecture must be an object with a string 'type', got ${show(arch)}`);
  const a = arch as JsonObject;
  if (typeof a.type !== 'string') fail(`architecture.type must be a string, got ${show(a.type)}`);
  const stack: [JsonValue, number][] = [[a, 1]];
  let nodes = 0;
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (depth > MODEL_FILE_LIMITS.architectureDepth) fail(`the architecture nests deeper than ${MODEL_FILE_LIMITS.architectureDepth} levels`);
    if (++nodes > MODEL_FILE_LIMITS.architectureNodes) fail(`the architecture has more than ${MODEL_FILE_LIMITS.architectureNodes} objects and arrays`);
    for (const c of Array.isArray(v) ? v : Object.values(v)) if (typeof c === 'object' && c !== null) stack.push([c, depth + 1]);
  }
}

// ---------------------------------------------------------------------------------------------
// Rebuilding the architecture.

/**
 * Rebuilds the architecture without initializing its weights (they are overwritten at once) and
 * with no more parameter values than the file stores. A failure is reported with the layer (and,
 * for an error of JavaScript's own such as a TypeError, the field) it happened in.
 */
function rebuild(op: string, architecture: LayerConfig, storedValues: number, file: string): Module {
  // No initializer draws random values here; a custom layer that draws some itself still leaves
  // the caller's seeded stream where it was.
  const rngState = globalRandom.getState();
  try {
    return withoutInitialization(storedValues, () => fromConfig(architecture));
  } catch (e) {
    if (e instanceof ParameterBudgetError) {
      const where = locate(architecture, storedValues).replace(/: $/, ', ');
      throw new ModelFileError(file, `damaged: the architecture needs more parameter values than the file stores (${storedValues}): ${where}a parameter of shape [${e.shape.join(',')}] with ${e.maxElements - e.used} values left`, op);
    }
    throw new ModelFileError(file, `damaged: cannot rebuild the architecture: ${locate(architecture, storedValues)}${(e as Error).message}`, op);
  } finally {
    globalRandom.setState(rngState);
  }
}

/**
 * Builds `architecture` again through proxies that record which fields are read, to say where
 * the build fails: "in architecture.layers[2] (Conv2d), field kernel (null): ". Only used once a
 * build has failed, so the proxies never reach a model that is returned.
 */
function locate(architecture: LayerConfig, storedValues: number): string {
  interface Read { layer: string; type: string; field: string; value: unknown }
  let lastRead: Read | null = null;
  const reads: Read[] = [];
  const proxies = new WeakMap<object, object>();
  const wrap = (target: object, path: string, layer: string, type: string): object => {
    const known = proxies.get(target);
    if (known) return known;
    const own = target as Record<string, unknown>;
    const isLayer = !Array.isArray(target) && typeof own.type === 'string';
    const layerPath = isLayer ? path : layer;
    const layerType = isLayer ? (own.type as string) : type;
    const p = new Proxy(target, {
      get(t, key, receiver) {
        const v: unknown = Reflect.get(t, key, receiver);
        if (typeof key !== 'string' || !Object.hasOwn(t, key) || (Array.isArray(t) && key === 'length')) return v;
        const field = Array.isArray(t) ? `${path}[${key}]` : `${path}.${key}`;
        lastRead = { layer: layerPath, type: layerType, field, value: v };
        reads.push(lastRead);
        return typeof v === 'object' && v !== null ? wrap(v, field, layerPath, layerType) : v;
      },
    });
    proxies.set(target, p);
    return p;
  };
  let error: unknown = null;
  try {
    withoutInitialization(storedValues, () => fromConfig(wrap(architecture, 'architecture', 'architecture', architecture.type) as LayerConfig)).dispose();
  } catch (e) {
    error = e;
  }
  const last = lastRead as Read | null;
  if (error === null || last === null) return '';
  const where = `in ${last.layer} (${last.type})`;
  // The latest null read in the failing layer is most often the field at fault.
  const nullRead = [...reads].reverse().find((r) => r.layer === last.layer && r.value === null);
  if (error instanceof TypeError || error instanceof RangeError) {
    // JavaScript's own errors come from a field of the wrong JSON type.
    const suspect = nullRead ?? last;
    return `${where}, field ${suspect.field} (${show(suspect.value)}) has the wrong type or value: `;
  }
  // nabla's own message says what is wrong; name the null field it is most likely about.
  return nullRead ? `${where}, field ${nullRead.field} (null): ` : `${where}: `;
}

export function tensorFrom(e: TensorEntry, payload: Uint8Array): Tensor {
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

/** Throws unless the stored tensors are exactly the architecture's parameters, with their shapes. */
function checkWeights(op: string, model: AnyModule, tensors: readonly TensorEntry[], file: string): void {
  // Parameters and buffers (running statistics), as stateDict() lists them.
  const own = new Map(Object.entries(model.stateDict()));
  const fail = (problem: string): never => {
    throw new ModelFileError(file, `the weights do not fit the architecture: ${problem}`, op);
  };
  tensors.forEach((e, i) => {
    const p = own.get(e.name);
    if (!p) fail(`tensors[${i}] ('${e.name}') is not a parameter or buffer of the architecture (${model.typeName} has ${[...own.keys()].join(', ') || 'no parameters'})`);
    const ps = p!.shape;
    if (ps.length !== e.shape.length || ps.some((d, k) => d !== e.shape[k])) {
      fail(`tensors[${i}] ('${e.name}') has shape [${e.shape.join(',')}], the architecture's parameter has [${ps.join(',')}]`);
    }
  });
  const stored = new Set(tensors.map((e) => e.name));
  const missing = [...own.keys()].filter((k) => !stored.has(k));
  if (missing.length) fail(`the file stores no value for the architecture's parameter${missing.length > 1 ? 's' : ''} ${missing.map((k) => `'${k}'`).join(', ')}`);
}

/**
 * Rebuilds the model stored in `bytes` (from `encodeModel`; a Uint8Array or an ArrayBuffer);
 * `file` names it in errors. The header is validated first (see validateHeader); the architecture
 * is then built with zero-filled parameters, no more values than the file stores, and no random
 * draws; the stored tensors are checked against its parameters before any is created.
 */
export function decodeModel(bytes: Uint8Array | ArrayBuffer, file = 'model'): { model: Module; metadata: { [key: string]: JsonValue }; header: ModelHeader } {
  const op = 'decodeModel';
  const b = checkBytes(op, bytes);
  return decodeWith(op, b, checkFileName(op, file));
}

/** decodeModel for checked arguments; `op` (the public function called) names it in errors. */
export function decodeWith(op: string, bytes: Uint8Array, file: string): { model: Module; metadata: { [key: string]: JsonValue }; header: ModelHeader } {
  assertLittleEndian(op);
  const { header, payload } = readModelBytesWith(op, bytes, file);
  let storedValues = 0;
  for (const e of header.tensors) storedValues += e.byteLength / BYTES[e.dtype];
  const model = rebuild(op, header.architecture, storedValues, file);
  const sd: Record<string, Tensor> = Object.create(null) as Record<string, Tensor>;
  try {
    checkWeights(op, model, header.tensors, file);
    for (const e of header.tensors) sd[e.name] = tensorFrom(e, payload);
    model.loadStateDict(sd);
  } catch (e) {
    model.dispose();
    if (e instanceof ModelFileError) throw e;
    throw new ModelFileError(file, `the weights do not fit the architecture: ${(e as Error).message}`, op);
  } finally {
    dispose(Object.values(sd));
  }
  model.eval();
  return { model, metadata: header.metadata, header };
}

/**
 * Loads the tensors stored in `bytes` (from `encodeWeights`, or a whole model from `encodeModel`)
 * into `model`'s parameters by name; `options.file` names the bytes in errors. See
 * `nb.io.loadWeights` for what is checked and what `strict` does.
 */
export function decodeWeights(model: AnyModule, bytes: Uint8Array | ArrayBuffer, options: { strict?: boolean; file?: string } = {}): LoadWeightsResult {
  const op = 'decodeWeights';
  checkModule(op, model);
  const b = checkBytes(op, bytes);
  const o = checkOptions(op, options, ['strict', 'file']);
  const strict = optBoolean(op, 'options.strict', o.strict, true);
  const file = o.file === undefined ? 'weights' : checkFileName(op, o.file);
  return decodeWeightsWith(op, model, b, file, strict);
}

/** decodeWeights for checked arguments; `op` (the public function called) names it in errors. */
export function decodeWeightsWith(op: string, model: AnyModule, bytes: Uint8Array, file: string, strict: boolean): LoadWeightsResult {
  assertLittleEndian(op);
  const { header, payload } = readContainer(op, bytes, file);
  const own = model.stateDict();
  const fail = (problem: string): never => {
    throw new ModelFileError(file, `the weights do not fit the model: ${problem}`, op);
  };
  for (const [k, p] of Object.entries(own)) {
    if (p.isDisposed) throw new Error(`${op}: model's parameter '${k}' (tensor [${p.shape.join(',')}]) was disposed`);
  }
  // Every check comes before any tensor is made or any parameter changes.
  const stored = new Set(header.tensors.map((e) => e.name));
  const missing = Object.keys(own).filter((k) => !stored.has(k));
  const unexpected = header.tensors.filter((e) => !Object.hasOwn(own, e.name)).map((e) => e.name);
  const quote = (names: string[]): string => names.map((k) => `'${k}'`).join(', ');
  const problems: string[] = [];
  if (strict && missing.length) problems.push(`the file stores no value for the model's parameter${missing.length > 1 ? 's' : ''} ${quote(missing)}`);
  if (strict && unexpected.length) problems.push(`the model (${model.typeName}) has no parameter${unexpected.length > 1 ? 's' : ''} ${quote(unexpected)}`);
  for (const e of header.tensors) {
    const p = own[e.name];
    if (p === undefined) continue;
    if (p.shape.length !== e.shape.length || p.shape.some((d, i) => d !== e.shape[i])) {
      problems.push(`'${e.name}' has shape [${e.shape.join(',')}] in the file, the model's parameter has [${p.shape.join(',')}]`);
    }
  }
  if (problems.length) fail(`${problems.join('; ')}${strict && (missing.length || unexpected.length) ? ' (pass { strict: false } to load the names both have)' : ''}`);
  // loadStateDict leaves a parameter given as its own tensor unchanged.
  const made: Tensor[] = [];
  const sd: Record<string, Tensor> = Object.create(null) as Record<string, Tensor>;
  try {
    for (const e of header.tensors) {
      if (!Object.hasOwn(own, e.name)) continue;
      const t = tensorFrom(e, payload);
      made.push(t);
      sd[e.name] = t;
    }
    for (const k of missing) sd[k] = own[k]!;
    model.loadStateDict(sd);
  } finally {
    dispose(made);
  }
  return { missing, unexpected };
}
