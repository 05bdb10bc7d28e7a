/**
 * A small Protocol Buffers writer and reader for the subset of onnx.proto that nabla reads and
 * writes (ModelProto, GraphProto, NodeProto, AttributeProto, TensorProto, ValueInfoProto and the
 * types inside them). Hand-written rather than generated: it is a few hundred lines, keeps nabla's
 * run-time dependencies to what they were, and lets the reader check every length against the
 * bytes left and every tensor's size against its data before anything is allocated, so a
 * truncated, bit-flipped or hostile file fails with a clear error instead of a huge allocation.
 *
 * Field numbers are onnx.proto's (IR version 8). Browser-safe: bytes in, bytes out.
 */

/** ONNX TensorProto.DataType values nabla handles. */
export const DT = { FLOAT: 1, UINT8: 2, INT8: 3, INT16: 5, INT32: 6, INT64: 7, STRING: 8, BOOL: 9, FLOAT16: 10, DOUBLE: 11, UINT32: 12, UINT64: 13 } as const;

/** AttributeProto.AttributeType values. */
export const AT = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, GRAPH: 5, FLOATS: 6, INTS: 7, STRINGS: 8, TENSORS: 9, GRAPHS: 10 } as const;

/** The values of a tensor, by its ONNX data type. int64 values are kept as numbers (checked to be safe integers). */
export type OnnxData = Float32Array | Float64Array | Int32Array | Uint8Array | number[];

/** Where the values of an initializer stored outside the model file are (TensorProto.external_data). */
export interface ExternalData {
  location: string;
  offset: number;
  /** Bytes, or -1 when the file does not say (then: to the end of the file). */
  length: number;
}

export interface OnnxTensor {
  name: string;
  dims: number[];
  dataType: number;
  /** Values (row-major); empty when `external` is set and not yet resolved. */
  data: OnnxData;
  external?: ExternalData;
}

export interface OnnxAttribute {
  name: string;
  type: number;
  f?: number;
  i?: number;
  s?: string;
  t?: OnnxTensor;
  floats?: number[];
  ints?: number[];
  strings?: string[];
}

export interface OnnxNode {
  name: string;
  opType: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  attributes: OnnxAttribute[];
}

/** A graph input or output: element type and shape (a number, a symbolic name, or null per axis). */
export interface OnnxValueInfo {
  name: string;
  elemType: number;
  shape: (number | string | null)[] | null;
}

export interface OnnxGraph {
  name: string;
  nodes: OnnxNode[];
  initializers: OnnxTensor[];
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
}

export interface OnnxModel {
  irVersion: number;
  opsets: { domain: string; version: number }[];
  producerName: string;
  producerVersion: string;
  graph: OnnxGraph;
  metadata: Record<string, string>;
}

// ---------------------------------------------------------------------------------------------
// Writer

const utf8 = new TextEncoder();

/** A growable little-endian byte buffer with protobuf encoders. */
export class Writer {
  private buf = new Uint8Array(256);
  private len = 0;

  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + n) cap *= 2;
    const b = new Uint8Array(cap);
    b.set(this.buf.subarray(0, this.len));
    this.buf = b;
  }

  /** An unsigned varint, or a negative int64 in ten bytes of two's complement. */
  varint(v: number): void {
    this.reserve(10);
    if (v < 0) {
      let b = BigInt.asUintN(64, BigInt(v));
      for (let i = 0; i < 10; i++) {
        const byte = Number(b & 0x7fn);
        b >>= 7n;
        this.buf[this.len++] = b === 0n ? byte : byte | 0x80;
        if (b === 0n) break;
      }
      return;
    }
    while (v >= 0x80) {
      this.buf[this.len++] = (v % 128) | 0x80;
      v = Math.floor(v / 128);
    }
    this.buf[this.len++] = v;
  }

  private tag(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }

  int(field: number, v: number): void {
    this.tag(field, 0);
    this.varint(v);
  }

  float(field: number, v: number): void {
    this.tag(field, 5);
    this.reserve(4);
    new DataView(this.buf.buffer).setFloat32(this.len, v, true);
    this.len += 4;
  }

  bytes(field: number, b: Uint8Array): void {
    this.tag(field, 2);
    this.varint(b.length);
    this.reserve(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }

  string(field: number, s: string): void {
    this.bytes(field, utf8.encode(s));
  }

  /** A nested message written by `fn`. */
  message(field: number, fn: (w: Writer) => void): void {
    const w = new Writer();
    fn(w);
    this.bytes(field, w.finish());
  }

  /** Packed repeated varints. */
  packedInts(field: number, vs: readonly number[]): void {
    const w = new Writer();
    for (const v of vs) w.varint(v);
    this.bytes(field, w.finish());
  }

  /** Packed repeated floats. */
  packedFloats(field: number, vs: readonly number[]): void {
    const b = new Uint8Array(vs.length * 4);
    const dv = new DataView(b.buffer);
    vs.forEach((v, i) => dv.setFloat32(i * 4, v, true));
    this.bytes(field, b);
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

/** The little-endian bytes of a tensor's values (raw_data). */
function rawBytes(t: OnnxTensor): Uint8Array {
  const d = t.data;
  if (t.dataType === DT.INT64) {
    const b = new Uint8Array(d.length * 8);
    const dv = new DataView(b.buffer);
    for (let i = 0; i < d.length; i++) dv.setBigInt64(i * 8, BigInt(d[i] as number), true);
    return b;
  }
  if (Array.isArray(d)) throw new Error(`exportOnnx: tensor '${t.name}' has values of the wrong kind for data type ${t.dataType}`);
  // Typed arrays are little-endian on every platform nabla runs on (checked in format.ts as well).
  return new Uint8Array(d.buffer, d.byteOffset, d.byteLength).slice();
}

export function writeTensor(w: Writer, t: OnnxTensor): void {
  for (const d of t.dims) w.int(1, d);
  w.int(2, t.dataType);
  w.string(8, t.name);
  if (t.external) {
    const e = t.external;
    const entries: [string, string][] = [['location', e.location], ['offset', String(e.offset)]];
    if (e.length >= 0) entries.push(['length', String(e.length)]);
    for (const [k, v] of entries) {
      w.message(13, (m) => {
        m.string(1, k);
        m.string(2, v);
      });
    }
    w.int(14, 1);
  } else w.bytes(9, rawBytes(t));
}

function writeAttribute(w: Writer, a: OnnxAttribute): void {
  w.string(1, a.name);
  w.int(20, a.type);
  switch (a.type) {
    case AT.FLOAT: w.float(2, a.f as number); break;
    case AT.INT: w.int(3, a.i as number); break;
    case AT.STRING: w.string(4, a.s as string); break;
    case AT.TENSOR: w.message(5, (m) => writeTensor(m, a.t as OnnxTensor)); break;
    case AT.FLOATS: for (const f of a.floats ?? []) w.float(7, f); break;
    case AT.INTS: for (const i of a.ints ?? []) w.int(8, i); break;
    case AT.STRINGS: for (const s of a.strings ?? []) w.string(9, s); break;
    default: throw new Error(`exportOnnx: attribute '${a.name}' has an unsupported type ${a.type}`);
  }
}

function writeValueInfo(w: Writer, v: OnnxValueInfo): void {
  w.string(1, v.name);
  w.message(2, (tp) =>
    tp.message(1, (tt) => {
      tt.int(1, v.elemType);
      if (v.shape) {
        tt.message(2, (sh) => {
          for (const d of v.shape ?? []) sh.message(1, (dim) => (typeof d === 'number' ? dim.int(1, d) : typeof d === 'string' ? dim.string(2, d) : undefined));
        });
      }
    }),
  );
}

/** The bytes of a ModelProto. */
export function encodeOnnx(m: OnnxModel): Uint8Array {
  const w = new Writer();
  w.int(1, m.irVersion);
  w.string(2, m.producerName);
  w.string(3, m.producerVersion);
  w.message(7, (g) => {
    for (const n of m.graph.nodes) {
      g.message(1, (nw) => {
        for (const i of n.inputs) nw.string(1, i);
        for (const o of n.outputs) nw.string(2, o);
        nw.string(3, n.name);
        nw.string(4, n.opType);
        for (const a of n.attributes) nw.message(5, (aw) => writeAttribute(aw, a));
        if (n.domain) nw.string(7, n.domain);
      });
    }
    g.string(2, m.graph.name);
    for (const t of m.graph.initializers) g.message(5, (tw) => writeTensor(tw, t));
    for (const v of m.graph.inputs) g.message(11, (vw) => writeValueInfo(vw, v));
    for (const v of m.graph.outputs) g.message(12, (vw) => writeValueInfo(vw, v));
  });
  for (const o of m.opsets) {
    w.message(8, (ow) => {
      if (o.domain) ow.string(1, o.domain);
      ow.int(2, o.version);
    });
  }
  for (const [k, v] of Object.entries(m.metadata)) {
    w.message(14, (e) => {
      e.string(1, k);
      e.string(2, v);
    });
  }
  return w.finish();
}

// ---------------------------------------------------------------------------------------------
// Reader

/** Raised for bytes that are not a well-formed ONNX model; `<op>: <file>: <problem>`. */
export class OnnxFormatError extends Error {
  constructor(readonly op: string, readonly file: string, readonly problem: string) {
    super(`${op}: ${file}: ${problem}`);
    this.name = 'OnnxFormatError';
  }
}

/** Limits the reader enforces before allocating. */
export const ONNX_LIMITS = {
  /** Values in one tensor. */
  maxTensorValues: 2 ** 31 - 1,
  /** Rank of a tensor. */
  maxRank: 32,
};

const utf8d = new TextDecoder('utf-8', { fatal: false });

/** One protobuf field: its number, wire type and value (a number for varints/fixed, bytes for length-delimited). */
interface Field {
  no: number;
  wire: number;
  /** Varint (as a number; int64 beyond ±2^53 is refused where it matters), or fixed32/64 as raw offset. */
  num: number;
  big: bigint;
  bytes: Uint8Array;
}

type Fail = (problem: string) => never;

/** Reads a varint at `pos`; returns [value as bigint (unsigned 64-bit), next position]. */
function readVarint(b: Uint8Array, pos: number, fail: Fail): [bigint, number] {
  let result = 0n;
  let shift = 0n;
  for (let i = 0; i < 10; i++) {
    if (pos >= b.length) fail('truncated (a varint runs past the end of a message)');
    const byte = b[pos++] as number;
    result |= BigInt(byte & 0x7f) << shift;
    if (byte < 0x80) return [BigInt.asUintN(64, result), pos];
    shift += 7n;
  }
  return fail('damaged (a varint longer than 10 bytes)');
}

/** The fields of one message, in order. Lengths are checked against the bytes left. */
function fields(b: Uint8Array, fail: Fail): Field[] {
  const out: Field[] = [];
  let pos = 0;
  const empty = new Uint8Array(0);
  while (pos < b.length) {
    const [tag, p1] = readVarint(b, pos, fail);
    pos = p1;
    const no = Number(tag >> 3n);
    const wire = Number(tag & 7n);
    if (no === 0) fail('damaged (field number 0)');
    if (wire === 0) {
      const [v, p2] = readVarint(b, pos, fail);
      pos = p2;
      const s = BigInt.asIntN(64, v);
      out.push({ no, wire, num: Number(s), big: s, bytes: empty });
    } else if (wire === 2) {
      const [l, p2] = readVarint(b, pos, fail);
      if (l > BigInt(b.length - p2)) fail(`truncated (a field of ${l} bytes, but only ${b.length - p2} remain)`);
      const n = Number(l);
      out.push({ no, wire, num: 0, big: 0n, bytes: b.subarray(p2, p2 + n) });
      pos = p2 + n;
    } else if (wire === 5 || wire === 1) {
      const n = wire === 5 ? 4 : 8;
      if (pos + n > b.length) fail('truncated (a fixed-size field runs past the end)');
      out.push({ no, wire, num: 0, big: 0n, bytes: b.subarray(pos, pos + n) });
      pos += n;
    } else fail(`damaged (unknown wire type ${wire})`);
  }
  return out;
}

function str(f: Field, fail: Fail): string {
  if (f.wire !== 2) fail(`damaged (field ${f.no} should be a string)`);
  return utf8d.decode(f.bytes);
}

function int(f: Field, fail: Fail, what: string): number {
  if (f.wire !== 0) fail(`damaged (${what} should be a varint)`);
  if (f.big > BigInt(Number.MAX_SAFE_INTEGER) || f.big < BigInt(Number.MIN_SAFE_INTEGER)) fail(`${what} ${f.big} is beyond the integers nabla can represent`);
  return f.num;
}

/** Repeated int64: packed (wire 2) or one per field. */
function ints(f: Field, fail: Fail, what: string, into: number[]): void {
  if (f.wire === 0) {
    into.push(int(f, fail, what));
    return;
  }
  if (f.wire !== 2) fail(`damaged (${what} has wire type ${f.wire})`);
  let pos = 0;
  while (pos < f.bytes.length) {
    const [v, p] = readVarint(f.bytes, pos, fail);
    pos = p;
    const s = BigInt.asIntN(64, v);
    if (s > BigInt(Number.MAX_SAFE_INTEGER) || s < BigInt(Number.MIN_SAFE_INTEGER)) fail(`${what} ${s} is beyond the integers nabla can represent`);
    into.push(Number(s));
  }
}

/** Repeated float: packed or one per field. */
function floats(f: Field, fail: Fail, what: string, into: number[]): void {
  if (f.wire === 5) {
    into.push(new DataView(f.bytes.buffer, f.bytes.byteOffset, 4).getFloat32(0, true));
    return;
  }
  if (f.wire !== 2 || f.bytes.length % 4) fail(`damaged (${what} is not a list of floats)`);
  const dv = new DataView(f.bytes.buffer, f.bytes.byteOffset, f.bytes.length);
  for (let i = 0; i < f.bytes.length; i += 4) into.push(dv.getFloat32(i, true));
}

const ELEM_BYTES: Record<number, number> = { [DT.FLOAT]: 4, [DT.DOUBLE]: 8, [DT.INT32]: 4, [DT.INT64]: 8, [DT.UINT8]: 1, [DT.INT8]: 1, [DT.BOOL]: 1, [DT.INT16]: 2, [DT.FLOAT16]: 2, [DT.UINT32]: 4, [DT.UINT64]: 8 };

/** Bytes per value of an ONNX data type, or 0 for types nabla does not read (strings, complex…). */
export function elemBytes(dt: number): number {
  return ELEM_BYTES[dt] ?? 0;
}

/** Decodes little-endian `raw` bytes holding `n` values of `dt`. The caller checked raw.length. */
export function fromRaw(raw: Uint8Array, dt: number, n: number, fail: Fail, name: string): OnnxData {
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  switch (dt) {
    case DT.FLOAT: {
      const a = new Float32Array(n);
      for (let i = 0; i < n; i++) a[i] = dv.getFloat32(i * 4, true);
      return a;
    }
    case DT.DOUBLE: {
      const a = new Float64Array(n);
      for (let i = 0; i < n; i++) a[i] = dv.getFloat64(i * 8, true);
      return a;
    }
    case DT.FLOAT16: {
      const a = new Float32Array(n);
      for (let i = 0; i < n; i++) a[i] = halfToFloat(dv.getUint16(i * 2, true));
      return a;
    }
    case DT.INT32: case DT.INT16: case DT.INT8: case DT.UINT8: case DT.UINT32: {
      const a = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        a[i] = dt === DT.INT32 ? dv.getInt32(i * 4, true) : dt === DT.INT16 ? dv.getInt16(i * 2, true) : dt === DT.INT8 ? dv.getInt8(i) : dt === DT.UINT8 ? dv.getUint8(i) : dv.getUint32(i * 4, true);
      }
      return a;
    }
    case DT.INT64: case DT.UINT64: {
      const a: number[] = new Array<number>(n);
      for (let i = 0; i < n; i++) {
        const v = dt === DT.INT64 ? dv.getBigInt64(i * 8, true) : dv.getBigUint64(i * 8, true);
        // Values beyond ±2^53 (INT64_MAX as "to the end" in Slice) are clamped, which keeps their meaning there.
        a[i] = v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : v < BigInt(Number.MIN_SAFE_INTEGER) ? Number.MIN_SAFE_INTEGER : Number(v);
      }
      return a;
    }
    case DT.BOOL: return raw.slice(0, n);
    default: return fail(`tensor '${name}' has data type ${dt}, which nabla does not read`);
  }
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (m / 1024);
  if (e === 31) return m ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + m / 1024);
}

/** The number of values of `dims`, refusing negative dims and sizes beyond the limit before any allocation. */
export function checkedSize(dims: readonly number[], fail: Fail, name: string): number {
  if (dims.length > ONNX_LIMITS.maxRank) fail(`tensor '${name}' has rank ${dims.length} (at most ${ONNX_LIMITS.maxRank})`);
  let n = 1;
  for (const d of dims) {
    if (!Number.isSafeInteger(d) || d < 0) fail(`tensor '${name}' has a bad dimension ${d} in [${dims.join(',')}]`);
    n *= d;
    if (n > ONNX_LIMITS.maxTensorValues) fail(`tensor '${name}' of shape [${dims.join(',')}] is too large (more than ${ONNX_LIMITS.maxTensorValues} values)`);
  }
  return n;
}

export function readTensor(b: Uint8Array, fail: Fail): OnnxTensor {
  const dims: number[] = [];
  let dataType = 0;
  let name = '';
  let raw: Uint8Array | null = null;
  const fl: number[] = [];
  const i32: number[] = [];
  const i64: number[] = [];
  const f64: number[] = [];
  const ext: Record<string, string> = {};
  let location = 0;
  for (const f of fields(b, fail)) {
    switch (f.no) {
      case 1: ints(f, fail, 'a tensor dimension', dims); break;
      case 2: dataType = int(f, fail, 'data_type'); break;
      case 4: floats(f, fail, 'float_data', fl); break;
      case 5: ints(f, fail, 'int32_data', i32); break;
      case 7: ints(f, fail, 'int64_data', i64); break;
      case 8: name = str(f, fail); break;
      case 9: if (f.wire !== 2) fail('damaged (raw_data should be bytes)'); raw = f.bytes; break;
      case 10: {
        if (f.wire === 1) f64.push(new DataView(f.bytes.buffer, f.bytes.byteOffset, 8).getFloat64(0, true));
        else if (f.wire === 2 && f.bytes.length % 8 === 0) {
          const dv = new DataView(f.bytes.buffer, f.bytes.byteOffset, f.bytes.length);
          for (let i = 0; i < f.bytes.length; i += 8) f64.push(dv.getFloat64(i, true));
        } else fail('damaged (double_data)');
        break;
      }
      case 13: {
        let k = '';
        let v = '';
        for (const e of fields(f.bytes, fail)) {
          if (e.no === 1) k = str(e, fail);
          else if (e.no === 2) v = str(e, fail);
        }
        ext[k] = v;
        break;
      }
      case 14: location = int(f, fail, 'data_location'); break;
      default: break;
    }
  }
  const label = name || '(unnamed)';
  const n = checkedSize(dims, fail, label);
  const eb = elemBytes(dataType);
  if (!eb) fail(`tensor '${label}' has data type ${dataType}, which nabla does not read`);
  if (location === 1) {
    if (!ext.location) fail(`tensor '${label}' is stored outside the file but names no location`);
    const offset = ext.offset === undefined ? 0 : Number(ext.offset);
    const length = ext.length === undefined ? -1 : Number(ext.length);
    if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < -1) fail(`tensor '${label}' has a bad external offset or length`);
    if (length >= 0 && length !== n * eb) fail(`tensor '${label}' of shape [${dims.join(',')}] needs ${n * eb} bytes, but its external data has ${length}`);
    return { name, dims, dataType, data: [], external: { location: ext.location, offset, length } };
  }
  let data: OnnxData;
  if (raw) {
    if (raw.length !== n * eb) fail(`tensor '${label}' of shape [${dims.join(',')}] needs ${n * eb} bytes of data, but has ${raw.length}`);
    data = fromRaw(raw, dataType, n, fail, label);
  } else {
    const src = dataType === DT.FLOAT ? fl : dataType === DT.DOUBLE ? f64 : dataType === DT.INT64 ? i64 : dataType === DT.UINT64 ? i64 : i32;
    if (src.length !== n) fail(`tensor '${label}' of shape [${dims.join(',')}] holds ${src.length} values instead of ${n}`);
    if (dataType === DT.FLOAT) data = Float32Array.from(src);
    else if (dataType === DT.DOUBLE) data = Float64Array.from(src);
    else if (dataType === DT.INT64 || dataType === DT.UINT64) data = src;
    else if (dataType === DT.BOOL) data = Uint8Array.from(src);
    else if (dataType === DT.FLOAT16) data = Float32Array.from(src, halfToFloat);
    else data = Int32Array.from(src);
  }
  return { name, dims, dataType, data };
}

function readAttribute(b: Uint8Array, fail: Fail): OnnxAttribute {
  const a: OnnxAttribute = { name: '', type: 0 };
  const fl: number[] = [];
  const is: number[] = [];
  const ss: string[] = [];
  for (const f of fields(b, fail)) {
    switch (f.no) {
      case 1: a.name = str(f, fail); break;
      case 20: a.type = int(f, fail, 'an attribute type'); break;
      case 2: {
        const t: number[] = [];
        floats(f, fail, 'a float attribute', t);
        a.f = t[0];
        break;
      }
      case 3: a.i = int(f, fail, 'an int attribute'); break;
      case 4: a.s = str(f, fail); break;
      case 5: if (f.wire !== 2) fail('damaged (a tensor attribute)'); a.t = readTensor(f.bytes, fail); break;
      case 7: floats(f, fail, 'a floats attribute', fl); break;
      case 8: ints(f, fail, 'an ints attribute', is); break;
      case 9: ss.push(str(f, fail)); break;
      default: break;
    }
  }
  if (fl.length || a.type === AT.FLOATS) a.floats = fl;
  if (is.length || a.type === AT.INTS) a.ints = is;
  if (ss.length || a.type === AT.STRINGS) a.strings = ss;
  return a;
}

function readNode(b: Uint8Array, fail: Fail): OnnxNode {
  const n: OnnxNode = { name: '', opType: '', domain: '', inputs: [], outputs: [], attributes: [] };
  for (const f of fields(b, fail)) {
    switch (f.no) {
      case 1: n.inputs.push(str(f, fail)); break;
      case 2: n.outputs.push(str(f, fail)); break;
      case 3: n.name = str(f, fail); break;
      case 4: n.opType = str(f, fail); break;
      case 5: if (f.wire !== 2) fail('damaged (a node attribute)'); n.attributes.push(readAttribute(f.bytes, fail)); break;
      case 7: n.domain = str(f, fail); break;
      default: break;
    }
  }
  return n;
}

function readValueInfo(b: Uint8Array, fail: Fail): OnnxValueInfo {
  const v: OnnxValueInfo = { name: '', elemType: 0, shape: null };
  for (const f of fields(b, fail)) {
    if (f.no === 1) v.name = str(f, fail);
    else if (f.no === 2 && f.wire === 2) {
      for (const t of fields(f.bytes, fail)) {
        if (t.no !== 1 || t.wire !== 2) continue;
        for (const tt of fields(t.bytes, fail)) {
          if (tt.no === 1) v.elemType = int(tt, fail, 'elem_type');
          else if (tt.no === 2 && tt.wire === 2) {
            v.shape = [];
            for (const d of fields(tt.bytes, fail)) {
              if (d.no !== 1 || d.wire !== 2) continue;
              let dim: number | string | null = null;
              for (const x of fields(d.bytes, fail)) {
                if (x.no === 1) dim = int(x, fail, 'a dimension');
                else if (x.no === 2) dim = str(x, fail);
              }
              v.shape.push(dim);
            }
          }
        }
      }
    }
  }
  return v;
}

function readGraph(b: Uint8Array, fail: Fail): OnnxGraph {
  const g: OnnxGraph = { name: '', nodes: [], initializers: [], inputs: [], outputs: [] };
  for (const f of fields(b, fail)) {
    if (f.wire !== 2) continue;
    switch (f.no) {
      case 1: g.nodes.push(readNode(f.bytes, fail)); break;
      case 2: g.name = str(f, fail); break;
      case 5: g.initializers.push(readTensor(f.bytes, fail)); break;
      case 11: g.inputs.push(readValueInfo(f.bytes, fail)); break;
      case 12: g.outputs.push(readValueInfo(f.bytes, fail)); break;
      case 15: fail('sparse initializers are not supported'); break;
      default: break;
    }
  }
  return g;
}

/** Parses a ModelProto. Every problem is an OnnxFormatError naming `op` and `file`. */
export function decodeOnnx(bytes: Uint8Array, op: string, file: string): OnnxModel {
  const fail: Fail = (problem) => {
    throw new OnnxFormatError(op, file, problem);
  };
  if (bytes.length === 0) fail('empty (no bytes)');
  const m: OnnxModel = { irVersion: 0, opsets: [], producerName: '', producerVersion: '', graph: { name: '', nodes: [], initializers: [], inputs: [], outputs: [] }, metadata: {} };
  let sawGraph = false;
  for (const f of fields(bytes, fail)) {
    switch (f.no) {
      case 1: m.irVersion = int(f, fail, 'ir_version'); break;
      case 2: m.producerName = str(f, fail); break;
      case 3: m.producerVersion = str(f, fail); break;
      case 7: if (f.wire !== 2) fail('damaged (graph should be a message)'); m.graph = readGraph(f.bytes, fail); sawGraph = true; break;
      case 8: {
        if (f.wire !== 2) fail('damaged (opset_import should be a message)');
        let domain = '';
        let version = 0;
        for (const o of fields(f.bytes, fail)) {
          if (o.no === 1) domain = str(o, fail);
          else if (o.no === 2) version = int(o, fail, 'an opset version');
        }
        m.opsets.push({ domain, version });
        break;
      }
      case 14: {
        if (f.wire !== 2) break;
        let k = '';
        let v = '';
        for (const e of fields(f.bytes, fail)) {
          if (e.no === 1) k = str(e, fail);
          else if (e.no === 2) v = str(e, fail);
        }
        m.metadata[k] = v;
        break;
      }
      default: break;
    }
  }
  if (!sawGraph) fail('not an ONNX model (no graph)');
  if (m.irVersion < 3 || m.irVersion > 12) fail(`not an ONNX model, or an unsupported one (IR version ${m.irVersion})`);
  return m;
}
