/** Uploads that convert on the way in: uint8 values (pixels) to float32, written straight into linear memory. */
import type { DType } from '../../tensor/dtype.js';
import { convertUint8, uint8Table } from '../uint8.js';
import type { WasmDevice } from './device.js';

/** bytes[i]·scale as float32 in a new buffer: converted in place in the heap, with no float32 copy in JavaScript. */
export function uploadUint8(d: WasmDevice, bytes: Uint8Array | Uint8ClampedArray, scale: number, dtype: DType): number {
  if (dtype !== 'float32') throw new Error(`uploadUint8: the wasm backend converts bytes to float32 only, got ${dtype}`);
  const n = bytes.length;
  const p = d.alloc('float32', n);
  convertUint8(bytes, uint8Table(scale, dtype), d.view(p, 'float32', n) as Float32Array, 0, 0, n);
  return p;
}
