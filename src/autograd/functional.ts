/** Function transformations: `grad(f)` and `valueAndGrad(f)`, composable for higher derivatives. */
import * as engine from '../engine.js';
import type { Tensor } from '../tensor/tensor.js';
import { gradients } from './backward.js';
import { clone } from '../ops/elementwise.js';
import { fmt } from '../tensor/shape.js';

/** Gradients for each argument of `f`: one tensor for a one-argument `f`, else a tuple. */
export type Grads<A extends Tensor[]> = A extends [Tensor] ? Tensor : { [K in keyof A]: Tensor };

function prepare(args: readonly Tensor[]): { inputs: Tensor[]; higher: boolean } {
  // Arguments that already take part in a recorded graph (an outer grad) stay connected to it.
  const higher = engine.isGradEnabled() && args.some((a) => a.requiresGrad);
  const inputs = args.map((a) => (a.requiresGrad && engine.isGradEnabled() ? clone(a) : a.detach().requireGrad(true)));
  return { inputs, higher };
}

function checkScalar(op: string, y: unknown): Tensor {
  const t = y as Tensor;
  if (!t || typeof t !== 'object' || !('shape' in t)) throw new Error(`${op}: f must return a Tensor`);
  if (t.size !== 1) throw new Error(`${op}: f must return a single-element tensor, got shape ${fmt(t.shape)}`);
  return t;
}

/**
 * `grad(f)` returns a function computing ∂f/∂x for each argument x (f returns a scalar tensor).
 * Nest it for higher derivatives: `grad(x => grad(f)(x))`.
 */
export function grad<A extends Tensor[]>(f: (...args: A) => Tensor): (...args: A) => Grads<A> {
  return (...args: A): Grads<A> => valueAndGrad(f)(...args).grads;
}

/** Like `grad`, also returning f's value. */
export function valueAndGrad<A extends Tensor[]>(f: (...args: A) => Tensor): (...args: A) => { value: Tensor; grads: Grads<A> } {
  return (...args: A) => {
    const { inputs, higher } = prepare(args);
    const value = engine.withGrad(true, () => checkScalar('grad', f(...(inputs as A))));
    const gs = gradients(value, inputs, undefined, higher);
    const grads = (args.length === 1 ? gs[0] : gs) as Grads<A>;
    return { value: higher ? value : value.detach(), grads };
  };
}
