/**
 * The webgpu backend's Adam step with a run-time step size (see `adamStepTensorLr` in
 * ../interface.ts): fused.ts's Adam kernel, reading lrT from its one-element buffer when it runs.
 */
import type { AdamHyper, KTensor } from '../interface.js';
import type { Buf, Gpu } from './device.js';
import { adamKernel } from './fused.js';

export function adamStepTensorLr(gpu: Gpu, p: KTensor, g: KTensor, m: KTensor, v: KTensor, lrT: KTensor, h: Omit<AdamHyper, 'lrT'>): [Buf, Buf, Buf] {
  return adamKernel(gpu, p, g, m, v, h, lrT);
}
