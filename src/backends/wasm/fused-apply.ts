/**
 * The wasm backend's Adam step with a run-time step size (see `adamStepTensorLr` in
 * ../interface.ts): the one-element tensor is read from linear memory when the kernel runs, then
 * the step is asm/fused.ts's `adamStep`.
 */
import type { AdamHyper, KTensor } from '../interface.js';
import type { WasmDevice } from './device.js';
import { adamStep } from './fused.js';

export function adamStepTensorLr(d: WasmDevice, p: KTensor, g: KTensor, m: KTensor, v: KTensor, lrT: KTensor, h: Omit<AdamHyper, 'lrT'>): [number, number, number] {
  if (lrT.dtype !== 'float32') throw new Error(`adamStepTensorLr: the wasm backend takes a float32 step size, got ${lrT.dtype}`);
  return adamStep(d, p, g, m, v, { ...h, lrT: d.view(lrT.data as number, 'float32', 1)[0]! });
}
