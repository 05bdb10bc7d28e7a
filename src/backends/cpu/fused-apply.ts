/** The cpu backend's Adam step with a run-time step size (see `adamStepTensorLr` in ../interface.ts). */
import type { AdamHyper, KTensor } from '../interface.js';
import { arr, type Alloc, type Arr } from './device.js';
import { adamStep } from './fused.js';

export function adamStepTensorLr(out: Alloc, p: KTensor, g: KTensor, m: KTensor, v: KTensor, lrT: KTensor, h: Omit<AdamHyper, 'lrT'>): [Arr, Arr, Arr] {
  return adamStep(out, p, g, m, v, { ...h, lrT: arr(lrT)[0]! });
}
