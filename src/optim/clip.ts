/** Gradient clipping (call between backward() and step()) and per-parameter gradient norms. */
import type { Tensor } from '../tensor/tensor.js';
import { noGrad, tidy, keep } from '../engine.js';
import * as ops from '../ops/index.js';
import { checkNumber } from '../validate.js';
import { checkNamedTensors, checkTensorList } from '../nn/checks.js';

function gradsOf(params: readonly Tensor[]): Tensor[] {
  return params.filter((p) => p.grad && !p.grad.isDisposed);
}

/** Replaces each parameter's gradient by f(gradient), once per distinct gradient tensor. */
function mapGrads(params: readonly Tensor[], f: (g: Tensor) => Tensor): void {
  const replaced = new Map<Tensor, Tensor>();
  for (const p of params) {
    const g = p.grad as Tensor;
    let n = replaced.get(g);
    if (!n) {
      n = keep(f(g));
      replaced.set(g, n);
    }
    p.grad = n;
  }
  for (const g of replaced.keys()) g.dispose();
}

/**
 * Scales every gradient by min(1, maxNorm/‖g‖), ‖g‖ being the L2 norm of all gradients of
 * `params` together. Returns that norm (before clipping).
 *
 * On a backend that reads only asynchronously (webgpu) the norm and the scaling are computed on
 * the device without reading anything back, and the return value is NaN (the norm is not read).
 */
export function clipGradNorm(params: readonly Tensor[], maxNorm: number): number {
  checkTensorList('clipGradNorm', 'params', params);
  checkNumber('clipGradNorm', 'maxNorm', maxNorm, { above: 0 });
  const withGrad = gradsOf(params);
  if (withGrad.length === 0) return 0;
  if (!withGrad[0]!.grad!.backend.downloadSync) {
    noGrad(() =>
      tidy(() => {
        let sq: Tensor | null = null;
        for (const g of new Set(withGrad.map((p) => p.grad as Tensor))) {
          const s = ops.sum(ops.square(g));
          sq = sq ? ops.add(sq, s) : s;
        }
        const norm = ops.sqrt(sq as Tensor);
        const scale = ops.where(ops.gt(norm, maxNorm), ops.div(maxNorm, ops.add(norm, 1e-12)), 1);
        mapGrads(withGrad, (g) => ops.mul(g, scale));
      }),
    );
    return NaN;
  }
  return noGrad(() =>
    tidy(() => {
      let sq = 0;
      for (const g of new Set(withGrad.map((p) => p.grad as Tensor))) sq += ops.sum(ops.square(g)).item();
      const norm = Math.sqrt(sq);
      if (norm > maxNorm) {
        const scale = maxNorm / (norm + 1e-12);
        mapGrads(withGrad, (g) => ops.mul(g, scale));
      }
      return norm;
    }),
  );
}

/** Clamps every gradient element to [−maxValue, maxValue]. */
export function clipGradValue(params: readonly Tensor[], maxValue: number): void {
  checkTensorList('clipGradValue', 'params', params);
  checkNumber('clipGradValue', 'maxValue', maxValue, { above: 0 });
  const withGrad = gradsOf(params);
  noGrad(() => tidy(() => mapGrads(withGrad, (g) => ops.clip(g, -maxValue, maxValue))));
}

/**
 * The L2 norm of each parameter's gradient (0 where there is none), e.g.
 * `gradNorms(model.namedParameters())`: the per-layer "learning speed" of the vanishing-gradient
 * lessons. Reads values synchronously (CPU backends).
 */
export function gradNorms(named: readonly [string, Tensor][]): Record<string, number> {
  checkNamedTensors('gradNorms', 'named', named);
  for (const [n, p] of named) {
    if (p.grad && !p.grad.isDisposed && !p.grad.backend.downloadSync) throw new Error(`gradNorms: the gradient of ${n} is on backend '${p.grad.backend.name}', which reads asynchronously; fit's recordGradNorms reads them asynchronously`);
  }
  const out: Record<string, number> = {};
  noGrad(() =>
    tidy(() => {
      for (const [n, p] of named) out[n] = p.grad && !p.grad.isDisposed ? Math.sqrt(ops.sum(ops.square(p.grad)).item()) : 0;
    }),
  );
  return out;
}
