/**
 * The fused softmax cross-entropy behind `nb.nn.softmaxCrossEntropy`: one kernel computes each
 * row's max, log-sum-exp and loss (and the batch's sum or mean), one kernel its gradient
 * (softmax(z) − t)·g from the logits and the saved log-sum-exp [N]. It equals the composite
 * −Σ t·logSoftmax(z) (which stays in src/nn/losses.ts as the reference and for the options the
 * kernel does not take: class weights, ignoreIndex, label smoothing, targets that need a gradient).
 *
 * The gradient rule is an op (`softmaxCrossEntropyBackward`), whose own rule is written with
 * ordinary ops (softmax, sums), so higher derivatives work as for the composite.
 */
import { apply, record, scoped, Storage } from '../engine.js';
import { defineOp } from '../registry.js';
import { Tensor } from '../tensor/tensor.js';
import { mul, neg, sub } from './elementwise.js';
import { oneHot } from './indexing.js';
import { softmax } from './activations.js';
import { sum } from './reduce.js';
import { reshape } from './shape.js';

const F = 'loss';

const SoftmaxCrossEntropy = defineOp({ name: 'softmaxCrossEntropy', kernels: ['softmaxCrossEntropy', 'softmaxCrossEntropyBackward'], grad: 'rule', family: F });
const SoftmaxCrossEntropyBackward = defineOp({ name: 'softmaxCrossEntropyBackward', kernels: ['softmaxCrossEntropyBackward'], grad: 'rule', family: F });

/**
 * Internal (callers check the arguments): the softmax cross-entropy of float logits z [N, C]
 * against int32 labels [N] (values in [0, C)) or rows [N, C] of z's dtype, as per-row losses [N]
 * ('none'), or their sum or mean (a scalar). Differentiable in z only.
 */
export function softmaxCrossEntropyFused(z: Tensor, t: Tensor, reduction: 'mean' | 'sum' | 'none'): Tensor {
  const op = SoftmaxCrossEntropy.name;
  z.assertAlive(op);
  t.assertAlive(op);
  if (t.backend !== z.backend) throw new Error(`${op}: targets live on '${t.backend.name}' but logits on '${z.backend.name}'; move one with x.to(name)`);
  const be = z.backend;
  const N = z.shape[0] as number;
  const reduce = reduction !== 'none';
  const scale = reduction === 'mean' ? 1 / N : 1;
  const [lossH, lseH] = be.softmaxCrossEntropy(z.kernelView(), t.kernelView(), reduce, scale);
  const loss = Tensor.fromStorage(new Storage(be, lossH, z.dtype, reduce ? 1 : N), reduce ? [] : [N]);
  const lse = Tensor.fromStorage(new Storage(be, lseH, z.dtype, N), [N]);
  // lse is an input of the record only so that it lives as long as the backward pass may read it
  record(SoftmaxCrossEntropy, [z, t, lse], loss, (dy, [zi, ti, li]) => [softmaxCrossEntropyBackward(dy, zi!, ti!, li!, reduce, scale), null, null]);
  if (!loss.requiresGrad) lse.dispose();
  return loss;
}

/**
 * dz [N, C] = (softmax(z) − t)·g, g = dy per row, or dy·scale for every row when `reduce`.
 * Its own rule: with p = softmax(z) and G the gradient of dz, d/d dy = Σ_c G·(p − t) per row (and
 * over the rows when reduced, times scale), d/dz = g·p⊙(G − Σ_c G⊙p), d/dt = −g·G (rows), none
 * for lse (a function of z, which p already accounts for).
 */
function softmaxCrossEntropyBackward(dy: Tensor, z: Tensor, t: Tensor, lse: Tensor, reduce: boolean, scale: number): Tensor {
  return apply(SoftmaxCrossEntropyBackward, [dy, z, t, lse], z.shape, z.dtype,
    (be, [kd, kz, kt, kl]) => be.softmaxCrossEntropyBackward(kd!, kz!, kt!, kl!, reduce, scale),
    (G, [dyi, zi, ti], _out, needs) => {
      const want = [needs[0] === true, needs[1] === true, needs[2] === true && ti!.rank === 2];
      const got = scoped(() => {
        const [N, C] = zi!.shape as [number, number];
        const p = softmax(zi!, -1);
        const g = reduce ? mul(dyi!, scale) : reshape(dyi!, [N, 1]);
        const out: Tensor[] = [];
        if (want[0]) {
          const rows = ti!.rank === 1 ? oneHot(ti!, C, { dtype: zi!.dtype === 'float64' ? 'float64' : 'float32' }) : ti!;
          const perRow = sum(mul(G, sub(p, rows)), -1);
          out.push(reduce ? reshape(mul(sum(perRow), scale), dyi!.shape) : perRow);
        }
        if (want[1]) {
          const gp = mul(G, p);
          out.push(mul(sub(gp, mul(p, sum(gp, -1, true))), g));
        }
        if (want[2]) out.push(neg(mul(G, g)));
        return out;
      });
      let k = 0;
      return [...want.map((w) => (w ? (got[k++] as Tensor) : null)), null];
    });
}
