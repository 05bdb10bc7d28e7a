/**
 * Converting uint8 values (pixels) to floats inside a backend (`Backend.uploadUint8`): each byte
 * becomes byte·scale, rounded to the target float dtype, written chunk by chunk into the
 * backend's own memory so that no full-size float array exists in JavaScript.
 */
import type { DType } from '../tensor/dtype.js';

/** Elements converted per chunk by backends that stage through a JavaScript array (webgpu). */
export const UINT8_CHUNK = 1 << 16;

/** The 256 values bytes map to: table[v] = v·scale, rounded to `dtype` (float32 or float64). */
export function uint8Table(scale: number, dtype: DType): Float32Array | Float64Array {
  const t = dtype === 'float64' ? new Float64Array(256) : new Float32Array(256);
  for (let v = 0; v < 256; v++) t[v] = v * scale;
  return t;
}

/** out[at + i] = table[src[from + i]] for i in [0, to − from). */
export function convertUint8(src: Uint8Array | Uint8ClampedArray, table: Float32Array | Float64Array, out: Float32Array | Float64Array, at: number, from: number, to: number): void {
  for (let i = from, j = at; i < to; i++, j++) out[j] = table[src[i]!]!;
}
