/** Function transformations: `grad(f)` and `valueAndGrad(f)`, composable for higher derivatives. */
import * as engine from '../engine.js';
import { Tensor } from '../tensor/tensor.js';
import { gradients } from './backward.js';
import { clone } from '../ops/elementwise.js';
import { fmt } from '../tensor/shape.js';
import { isFloat } from '../tensor/dtype.js';
import { checkFunction, describe, fail } from '../validate.js';

/** Gradients for each argument of `f`: one tensor for a one-argument `f`, else a tuple. */
export type Grads<A extends Tensor[]> = A extends [Tensor] ? Tensor : { [K in keyof A]: Tensor };

function prepare(args: readonly Tensor[]): Tensor[] {
  // Arguments that already take part in a recorded graph (an outer grad) stay connected to it.
  return args.map((a) => (a.requiresGrad && engine.isGradEnabled() ? clone(a) : a.detach().requireGrad(true)));
}

function checkScalar(op: string, y: unknown): Tensor {
  if (!(y instanceof Tensor)) throw new Error(`${op}: f must return a Tensor, got ${describe(y)}`);
  if (y.size !== 1) throw new Error(`${op}: f must return a single-element tensor, got shape ${fmt(y.shape)}`);
  return y;
}

/** Whether `value` depends on a tensor requiring grad other than through `inputs` (a closed-over parameter or an outer grad's input). */
function reachesOuterGraph(value: Tensor, inputs: readonly Tensor[]): boolean {
  const stop = new Set(inputs);
  const seen = new Set<Tensor>();
  const stack = [value];
  while (stack.length) {
    const t = stack.pop() as Tensor;
    if (stop.has(t) || seen.has(t) || !t.requiresGrad) continue;
    seen.add(t);
    if (!t.gradFn) return true; // a leaf requiring grad that is not one of ours
    for (const x of t.gradFn.inputs) stack.push(x);
  }
  return false;
}

/**
 * `grad(f)` returns a function computing ∂f/∂x for each argument x (f returns a scalar tensor).
 * Nest it for higher derivatives: `grad(x => grad(f)(x))`.
 */
export function grad<A extends Tensor[]>(f: (...args: A) => Tensor): (...args: A) => Grads<A> {
  checkFunction('grad', 'f', f);
  return (...args: A): Grads<A> => {
    const { value, grads } = run('grad', f, args);
    if (!value.requiresGrad) value.dispose();
    else (Array.isArray(grads) ? (grads[0] as Tensor) : (grads as Tensor)).own(value); // the gradients' graph may read it: it lives as long as they do
    return grads;
  };
}

/**
 * Like `grad`, also returning f's value. Intermediate tensors are disposed, unless the result is
 * itself being differentiated (an outer `grad`, or f closes over tensors that require grad
 * while grad mode is on): then the gradients are built as a differentiable graph.
 */
export function valueAndGrad<A extends Tensor[]>(f: (...args: A) => Tensor): (...args: A) => { value: Tensor; grads: Grads<A> } {
  checkFunction('valueAndGrad', 'f', f);
  return (...args: A) => run('valueAndGrad', f, args);
}

function run<A extends Tensor[]>(op: string, f: (...args: A) => Tensor, args: A): { value: Tensor; grads: Grads<A> } {
  if (args.length === 0) throw new Error(`${op}: the function it returns needs at least one Tensor argument, got none`);
  args.forEach((a, i) => {
    if (!(a instanceof Tensor)) fail(op, `argument ${i}`, 'a Tensor', a);
    a.assertAlive(`${op}: argument ${i}`);
    if (!isFloat(a.dtype)) throw new Error(`${op}: argument ${i} must be a floating tensor (gradients are float), got ${a.dtype} ${fmt(a.shape)}`);
  });
  // The scope disposes f's intermediates; when the result is differentiable (higher), it keeps
  // exactly what the gradients' graph reads (see tidy).
  return engine.tidy(() => {
    const inputs = prepare(args);
    const value = engine.withGrad(true, () => checkScalar(op, f(...(inputs as A))));
    const higher = engine.isGradEnabled() && (args.some((a) => a.requiresGrad) || reachesOuterGraph(value, inputs));
    const gs = gradients(value, inputs, undefined, higher, op);
    // Each argument gets a tensor of its own (one tensor may be the gradient of two arguments).
    const own = gs.map((g, i) => (gs.indexOf(g) === i ? g : clone(g)));
    const grads = (args.length === 1 ? own[0] : own) as Grads<A>;
    return { value: higher ? value : value.detach(), grads };
  });
}
