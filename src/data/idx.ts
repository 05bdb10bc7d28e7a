/**
 * The IDX file format (used by MNIST): a 4-byte magic number `0x00 0x00 <type> <ndims>`, then
 * `ndims` big-endian uint32 dimension sizes, then the values, big-endian, row-major.
 *
 * Pure TypeScript (no Node imports): it parses bytes, wherever they came from.
 */
import { checkArray, checkInt, checkOneOf, checkString, fail } from '../validate.js';

/** The element types IDX can hold, by their type byte. */
const TYPES = {
  0x08: { name: 'uint8', bytes: 1 },
  0x09: { name: 'int8', bytes: 1 },
  0x0b: { name: 'int16', bytes: 2 },
  0x0c: { name: 'int32', bytes: 4 },
  0x0d: { name: 'float32', bytes: 4 },
  0x0e: { name: 'float64', bytes: 8 },
} as const;

export type IdxType = (typeof TYPES)[keyof typeof TYPES]['name'];

/** A parsed IDX file: its element type, its dimensions and its values (uint8 data is not copied). */
export interface IdxArray {
  readonly type: IdxType;
  readonly dims: readonly number[];
  readonly data: Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;
}

/** The error every malformed IDX input raises; its message names the file and what is wrong. */
export class IdxError extends Error {
  constructor(
    readonly file: string,
    readonly problem: string,
  ) {
    super(`${file}: ${problem}`);
    this.name = 'IdxError';
  }
}

const TYPE_NAMES = ['uint8', 'int8', 'int16', 'int32', 'float32', 'float64'] as const;

const hex = (n: number, width = 2): string => `0x${n.toString(16).padStart(width, '0')}`;

/**
 * Parses an IDX file. `name` (the file's path) goes into error messages. Throws `IdxError` for a
 * bad magic number, an unknown type byte, a zero or missing dimension, a truncated payload or
 * trailing bytes.
 */
export function parseIdx(bytes: Uint8Array, name = 'IDX data'): IdxArray {
  if (!(bytes instanceof Uint8Array)) fail('parseIdx', 'bytes', 'a Uint8Array', bytes);
  checkString('parseIdx', 'name', name);
  const bad = (problem: string): never => {
    throw new IdxError(name, problem);
  };
  if (bytes.length < 4) bad(`too short to be an IDX file (${bytes.length} bytes; the header alone needs at least 4)`);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    bad(`bad magic number ${hex(((bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!) >>> 0, 8)}: an IDX file starts with two zero bytes`);
  }
  const typeCode = bytes[2]!;
  const type = (TYPES as Record<number, { name: IdxType; bytes: number } | undefined>)[typeCode];
  if (!type) bad(`unknown element type byte ${hex(typeCode)} (expected one of 0x08, 0x09, 0x0b, 0x0c, 0x0d, 0x0e)`);
  const ndims = bytes[3]!;
  if (ndims === 0) bad('the header declares 0 dimensions');
  const headerLen = 4 + 4 * ndims;
  if (bytes.length < headerLen) bad(`truncated header: ${ndims} dimensions need ${headerLen} header bytes, the file has ${bytes.length}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  let count = 1;
  for (let i = 0; i < ndims; i++) {
    const d = view.getUint32(4 + 4 * i, false);
    if (d === 0) bad(`dimension ${i} is 0`);
    dims.push(d);
    count *= d;
  }
  const t = type!;
  const expected = count * t.bytes;
  const actual = bytes.length - headerLen;
  if (actual < expected) {
    bad(`truncated: dimensions [${dims.join(', ')}] of ${t.name} need ${expected} data bytes, the file has ${actual} (missing ${expected - actual})`);
  }
  if (actual > expected) {
    bad(`${actual - expected} unexpected trailing bytes after the ${expected} data bytes that dimensions [${dims.join(', ')}] of ${t.name} need`);
  }
  return { type: t.name, dims, data: decode(t.name, view, headerLen, count, bytes) };
}

function decode(type: IdxType, view: DataView, off: number, n: number, bytes: Uint8Array): IdxArray['data'] {
  switch (type) {
    case 'uint8':
      return bytes.subarray(off, off + n);
    case 'int8':
      return new Int8Array(bytes.buffer, bytes.byteOffset + off, n);
    case 'int16': {
      const out = new Int16Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getInt16(off + 2 * i, false);
      return out;
    }
    case 'int32': {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getInt32(off + 4 * i, false);
      return out;
    }
    case 'float32': {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getFloat32(off + 4 * i, false);
      return out;
    }
    case 'float64': {
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getFloat64(off + 8 * i, false);
      return out;
    }
  }
}

/** Encodes an array as IDX bytes (big-endian), the inverse of `parseIdx`. Useful for tests and for writing data sets. */
export function encodeIdx(type: IdxType, dims: readonly number[], values: ArrayLike<number>): Uint8Array {
  checkOneOf('encodeIdx', 'type', type, TYPE_NAMES);
  checkArray('encodeIdx', 'dims', dims).forEach((d, i) => checkInt('encodeIdx', `dims[${i}]`, d, { min: 1 }));
  if (!Array.isArray(values) && !(ArrayBuffer.isView(values) && !(values instanceof DataView))) fail('encodeIdx', 'values', 'an array or a typed array of numbers', values);
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as unknown;
    if (typeof v !== 'number' || !Number.isFinite(v)) fail('encodeIdx', `values[${i}]`, 'a finite number', v);
  }
  const entry = Object.entries(TYPES).find(([, t]) => t.name === type);
  if (!entry) throw new Error(`encodeIdx: unknown type '${type}'`);
  const code = Number(entry[0]);
  const size = entry[1].bytes;
  const count = dims.reduce((a, b) => a * b, 1);
  if (values.length !== count) throw new Error(`encodeIdx: ${values.length} values do not fill dimensions [${dims.join(', ')}] (${count})`);
  if (dims.length < 1 || dims.length > 255) throw new Error(`encodeIdx: need 1..255 dimensions, got ${dims.length}`);
  const headerLen = 4 + 4 * dims.length;
  const out = new Uint8Array(headerLen + count * size);
  const view = new DataView(out.buffer);
  out[2] = code;
  out[3] = dims.length;
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  for (let i = 0; i < count; i++) {
    const v = values[i]!;
    const o = headerLen + i * size;
    switch (type) {
      case 'uint8': view.setUint8(o, v); break;
      case 'int8': view.setInt8(o, v); break;
      case 'int16': view.setInt16(o, v, false); break;
      case 'int32': view.setInt32(o, v, false); break;
      case 'float32': view.setFloat32(o, v, false); break;
      case 'float64': view.setFloat64(o, v, false); break;
    }
  }
  return out;
}
