/** Taking `.nabla` files apart and putting crafted ones together with consistent lengths and CRC-32. */
import * as nb from '../../src/index.js';

/** The JSON header and the payload of a model or weights file. */
export function fileParts<H>(bytes: Uint8Array): { header: H; payload: Uint8Array } {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const h = dv.getUint32(12, true);
  return { header: JSON.parse(new TextDecoder().decode(bytes.subarray(32, 32 + h))) as H, payload: bytes.subarray(32 + h) };
}

/** The bytes of a file with `headerText` and `payload`, lengths and CRC-32 made consistent. */
export function assembleFile(headerText: string, payload: Uint8Array, reserved = 0): Uint8Array {
  const hb = new TextEncoder().encode(headerText);
  const out = new Uint8Array(32 + hb.length + payload.length);
  out.set(nb.io.MAGIC, 0);
  const dv = new DataView(out.buffer);
  dv.setUint32(8, nb.io.FORMAT_VERSION, true);
  dv.setUint32(12, hb.length, true);
  dv.setBigUint64(16, BigInt(payload.length), true);
  dv.setUint32(28, reserved, true);
  out.set(hb, 32);
  out.set(payload, 32 + hb.length);
  dv.setUint32(24, nb.io.crc32(out.subarray(32)), true);
  return out;
}
