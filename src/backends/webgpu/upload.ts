/** Uploads that convert on the way in: uint8 values (pixels) to float32, staged in small chunks. */
import type { DType } from '../../tensor/dtype.js';
import { convertUint8, UINT8_CHUNK, uint8Table } from '../uint8.js';
import { float64Error, type Buf, type Gpu } from './device.js';

/** bytes[i]·scale as float32 in a new buffer, converted and written one chunk at a time (no full-size float32 copy). */
export function uploadUint8(gpu: Gpu, bytes: Uint8Array | Uint8ClampedArray, scale: number, dtype: DType): Buf {
  if (dtype !== 'float32') throw float64Error();
  const n = bytes.length;
  const b = gpu.alloc(n);
  const table = uint8Table(scale, dtype);
  const chunk = new Float32Array(Math.min(n, UINT8_CHUNK));
  for (let from = 0; from < n; from += UINT8_CHUNK) {
    const to = Math.min(n, from + UINT8_CHUNK);
    convertUint8(bytes, table, chunk, 0, from, to);
    gpu.queue.writeBuffer(b, from * 4, chunk.buffer, 0, (to - from) * 4); // writeBuffer copies the data at once
  }
  return b;
}
