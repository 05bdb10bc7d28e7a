/** The wasm backend's loss kernels: softmax cross-entropy forward and backward (asm/loss.ts), float32. */
import type { KTensor } from '../interface.js';
import type { WasmDevice } from './device.js';

function checkF32(op: string, z: KTensor): void {
  if (z.dtype !== 'float32') throw new Error(`${op}: the wasm backend computes float32 logits, got ${z.dtype}`);
}

export function softmaxCrossEntropy(d: WasmDevice, z: KTensor, t: KTensor, reduce: boolean, scale: number): [number, number] {
  checkF32('softmaxCrossEntropy', z);
  const [N, C] = [z.shape[0]!, z.shape[1]!];
  const loss = d.alloc('float32', reduce ? 1 : N);
  const lse = d.alloc('float32', N);
  d.k.softmaxCrossEntropy(z.data as number, t.data as number, t.shape.length === 1 ? 1 : 0, loss, lse, N, C, reduce ? 1 : 0, scale);
  return [loss, lse];
}

export function softmaxCrossEntropyBackward(d: WasmDevice, dy: KTensor, z: KTensor, t: KTensor, lse: KTensor, reduce: boolean, scale: number): number {
  checkF32('softmaxCrossEntropyBackward', z);
  const [N, C] = [z.shape[0]!, z.shape[1]!];
  const dz = d.alloc('float32', N * C);
  d.k.softmaxCrossEntropyBackward(dy.data as number, z.data as number, t.data as number, t.shape.length === 1 ? 1 : 0, lse.data as number, dz, N, C, reduce ? 1 : 0, scale);
  return dz;
}
