/** The wasm backend's 2-D max and average pooling and their gradients: asm/pool.ts, threads split the N·C planes. */
import type { KTensor, Pool2dParams } from '../interface.js';
import { sizeOf } from '../../tensor/shape.js';
import { MIN_PARALLEL_ELEMS, type WasmDevice } from './device.js';

function poolGeometry(d: WasmDevice, p: Pool2dParams): number {
  const [N, C, H, W] = p.inShape;
  const [, , OH, OW] = p.outShape;
  const g = [N, C, H, W, OH, OW, p.kernel[0], p.kernel[1], p.strides[0], p.strides[1], p.pads[0], p.pads[1], p.pads[2], p.pads[3], p.countIncludePad ? 1 : 0];
  d.i32.set(g, d.params >>> 2);
  return d.params;
}

export function maxPool2d(d: WasmDevice, x: KTensor, p: Pool2dParams): number {
  if (x.dtype !== 'float32') return d.viaReference(x.dtype, (cpu, v) => cpu.maxPool2d(v(x), p));
  const n = sizeOf(p.outShape);
  const out = d.alloc('float32', n);
  d.run('maxPool2d', [x.data as number, out, poolGeometry(d, p)], d.partsFor(p.inShape[0] * p.inShape[1]), x.size, MIN_PARALLEL_ELEMS);
  return out;
}

export function maxPool2dBackward(d: WasmDevice, dy: KTensor, x: KTensor, p: Pool2dParams): number {
  if (x.dtype !== 'float32') return d.viaReference(x.dtype, (cpu, v) => cpu.maxPool2dBackward(v(dy), v(x), p));
  const out = d.alloc('float32', x.size);
  d.run('maxPool2dBackward', [dy.data as number, x.data as number, out, poolGeometry(d, p)], d.partsFor(p.inShape[0] * p.inShape[1]), x.size, MIN_PARALLEL_ELEMS);
  return out;
}

export function avgPool2d(d: WasmDevice, x: KTensor, p: Pool2dParams): number {
  if (x.dtype !== 'float32') return d.viaReference(x.dtype, (cpu, v) => cpu.avgPool2d(v(x), p));
  const out = d.alloc('float32', sizeOf(p.outShape));
  d.run('avgPool2d', [x.data as number, out, poolGeometry(d, p)], d.partsFor(p.inShape[0] * p.inShape[1]), x.size, MIN_PARALLEL_ELEMS);
  return out;
}

export function avgPool2dBackward(d: WasmDevice, dy: KTensor, p: Pool2dParams): number {
  if (dy.dtype !== 'float32') return d.viaReference(dy.dtype, (cpu, v) => cpu.avgPool2dBackward(v(dy), p));
  const n = sizeOf(p.inShape);
  const out = d.alloc('float32', n);
  d.run('avgPool2dBackward', [dy.data as number, out, poolGeometry(d, p)], d.partsFor(p.inShape[0] * p.inShape[1]), n, MIN_PARALLEL_ELEMS);
  return out;
}
