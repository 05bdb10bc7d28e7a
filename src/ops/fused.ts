/**
 * Fused kernels for hot paths, each equal to a composite of ordinary ops (which stays the
 * reference it is tested against). Not differentiable: they update optimizer state.
 */
import { Storage } from '../engine.js';
import { defineOp } from '../registry.js';
import type { AdamHyper } from '../backends/interface.js';
import { Tensor } from '../tensor/tensor.js';
import { isFloat } from '../tensor/dtype.js';
import { fmt, shapesEqual } from '../tensor/shape.js';
import { assertTensor } from './util.js';
import { fail } from '../validate.js';

const HYPER = ['beta1', 'beta2', 'lrT', 'epsT', 'l2', 'decay'] as const;

defineOp({ name: 'adamStep', kernels: ['adamStep', 'adamStepTensorLr'], grad: 'none', family: 'fused' });

/** Adam's hyper-parameters as `adamStep` takes them: the step size lrT may be a one-element tensor. */
export type AdamStepHyper = Omit<AdamHyper, 'lrT'> & { readonly lrT: number | Tensor };

/**
 * One Adam update of parameter `p` with gradient `g` and moments `m`, `v`, in one pass:
 * returns [p′, m′, v′] with g′ = g + l2·p, m′ = β₁m + (1 − β₁)g′, v′ = β₂v + (1 − β₂)g′²,
 * p′ = decay·p − lrT·m′/(√v′ + epsT). Bit-for-bit the same as those ops run one by one.
 * `h.lrT` may be a one-element tensor of p's dtype, read when the kernel runs (a graph's
 * run-time learning rate: TensorFlow 1's ApplyAdam).
 */
export function adamStep(p: Tensor, g: Tensor, m: Tensor, v: Tensor, h: AdamStepHyper): [Tensor, Tensor, Tensor] {
  const args = { p, g, m, v };
  for (const [name, t] of Object.entries(args)) {
    assertTensor(t, 'adamStep', name);
    if (!shapesEqual(t.shape, p.shape) || t.dtype !== p.dtype || t.backend !== p.backend) {
      throw new Error(`adamStep: ${name} is ${t.dtype} ${fmt(t.shape)} on '${t.backend.name}', p is ${p.dtype} ${fmt(p.shape)} on '${p.backend.name}'`);
    }
  }
  if (!isFloat(p.dtype)) throw new Error(`adamStep: p must be float32 or float64, got ${p.dtype}`);
  if (h === null || typeof h !== 'object') fail('adamStep', 'h', 'an object of Adam hyper-parameters', h);
  const lrT = h.lrT;
  for (const k of HYPER) if (!(k === 'lrT' && lrT instanceof Tensor) && (typeof h[k] !== 'number' || Number.isNaN(h[k]))) fail('adamStep', `h.${k}`, k === 'lrT' ? 'a number or a one-element tensor' : 'a number', h[k]);
  const be = p.backend;
  let outs: [unknown, unknown, unknown];
  if (lrT instanceof Tensor) {
    if (lrT.isDisposed) lrT.assertAlive('adamStep: h.lrT');
    if (lrT.size !== 1 || lrT.dtype !== p.dtype || lrT.backend !== p.backend) {
      throw new Error(`adamStep: h.lrT must be a one-element ${p.dtype} tensor on '${p.backend.name}' (p's), got ${lrT.dtype} ${fmt(lrT.shape)} on '${lrT.backend.name}'`);
    }
    outs = be.adamStepTensorLr(p.kernelView(), g.kernelView(), m.kernelView(), v.kernelView(), lrT.kernelView(), h);
  } else {
    // h itself, not a copy: under nb.jit an optimizer refreshes this object's numbers at each replay
    outs = be.adamStep(p.kernelView(), g.kernelView(), m.kernelView(), v.kernelView(), h as AdamHyper);
  }
  return outs.map((data) => Tensor.fromStorage(new Storage(be, data, p.dtype, p.size), p.shape)) as [Tensor, Tensor, Tensor];
}
