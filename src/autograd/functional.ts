/** Function transformations: `grad(f)` and `valueAndGrad(f)`, composable for higher derivatives. */
import * as engine from '../engine.js';
import { Tensor } from '../tensor/tensor.js';
import { gradients } from './backward.js';
import { clone } from '../ops/elementwise.js';
import { fmt } from '../tensor/shape.js';
import { isFloat } from '../tensor/dtype.js';
import { checkFunction, checkInt, checkOptions, describe, fail } from '../validate.js';

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

/** Options of `grad` and `valueAndGrad`. */
export interface GradOptions<N extends number | readonly number[] = number | readonly number[]> {
  /**
   * Which arguments to differentiate (JAX's `argnums`): an index gives that argument's gradient
   * alone, an array of indices an array of gradients in that order. The other arguments are
   * constants (integer labels, numbers, anything f takes). Default: every argument.
   */
  argnums?: N;
}

const ARGNUMS = 'an integer ≥ 0 or an array of them';

/** The checked argnums: a list of distinct argument indices, and whether a single one was asked for. */
function checkArgnums(op: string, opts: unknown): { which: number[]; single: boolean } | null {
  const o = checkOptions(op, opts as GradOptions | undefined, ['argnums']);
  const a: unknown = o.argnums;
  if (a === undefined) return null;
  if (!Array.isArray(a)) {
    if (!Number.isSafeInteger(a) || (a as number) < 0) fail(op, 'argnums', ARGNUMS, a);
    return { which: [a as number], single: true };
  }
  if (a.length === 0) throw new Error(`${op}: argnums must not be empty`);
  const which = a.map((v: unknown, i) => checkInt(op, `argnums[${i}]`, v, { min: 0 }));
  which.forEach((v, i) => {
    if (which.indexOf(v) !== i) throw new Error(`${op}: argnums[${i}] repeats argument ${v}`);
  });
  return { which, single: false };
}

/**
 * `grad(f)` returns a function computing ∂f/∂x for each argument x (f returns a scalar tensor).
 * With `{ argnums }` only the arguments named are differentiated (`grad(loss, { argnums: 0 })(w, x,
 * labels)` → ∂loss/∂w), the others are passed through as constants.
 * Nest it for higher derivatives: `grad(x => grad(f)(x))`.
 */
export function grad<A extends Tensor[]>(f: (...args: A) => Tensor): (...args: A) => Grads<A>;
export function grad<A extends unknown[]>(f: (...args: A) => Tensor, opts: GradOptions<number>): (...args: A) => Tensor;
export function grad<A extends unknown[]>(f: (...args: A) => Tensor, opts: GradOptions<readonly number[]>): (...args: A) => Tensor[];
export function grad<A extends Tensor[]>(f: (...args: A) => Tensor, opts?: GradOptions): (...args: A) => Grads<A> | Tensor | Tensor[];
export function grad(f: (...args: unknown[]) => Tensor, opts?: GradOptions): (...args: unknown[]) => Tensor | Tensor[] {
  checkFunction('grad', 'f', f);
  const argnums = checkArgnums('grad', opts);
  return (...args: unknown[]): Tensor | Tensor[] => {
    const { value, grads } = run('grad', f, args, argnums);
    if (!value.requiresGrad) value.dispose();
    else (Array.isArray(grads) ? (grads[0] as Tensor) : grads).own(value); // the gradients' graph may read it: it lives as long as they do
    return grads;
  };
}

/**
 * Like `grad` (with the same `argnums`), also returning f's value. Intermediate tensors are
 * disposed, unless the result is itself being differentiated (an outer `grad`, or f closes over
 * tensors that require grad while grad mode is on): then the gradients are built as a
 * differentiable graph.
 */
export function valueAndGrad<A extends Tensor[]>(f: (...args: A) => Tensor): (...args: A) => { value: Tensor; grads: Grads<A> };
export function valueAndGrad<A extends unknown[]>(f: (...args: A) => Tensor, opts: GradOptions<number>): (...args: A) => { value: Tensor; grads: Tensor };
export function valueAndGrad<A extends unknown[]>(f: (...args: A) => Tensor, opts: GradOptions<readonly number[]>): (...args: A) => { value: Tensor; grads: Tensor[] };
export function valueAndGrad<A extends Tensor[]>(f: (...args: A) => Tensor, opts?: GradOptions): (...args: A) => { value: Tensor; grads: Grads<A> | Tensor | Tensor[] };
export function valueAndGrad(f: (...args: unknown[]) => Tensor, opts?: GradOptions): (...args: unknown[]) => { value: Tensor; grads: Tensor | Tensor[] } {
  checkFunction('valueAndGrad', 'f', f);
  const argnums = checkArgnums('valueAndGrad', opts);
  return (...args: unknown[]) => run('valueAndGrad', f, args, argnums);
}

function run(op: string, f: (...args: unknown[]) => Tensor, args: unknown[], argnums: { which: number[]; single: boolean } | null): { value: Tensor; grads: Tensor | Tensor[] } {
  if (args.length === 0) throw new Error(`${op}: the function it returns needs at least one Tensor argument, got none`);
  argnums?.which.forEach((k, i) => {
    if (k >= args.length) throw new Error(`${op}: ${argnums.single ? 'argnums' : `argnums[${i}] =`} ${k} is out of range: the function got ${args.length} argument${args.length > 1 ? 's' : ''}`);
  });
  const which = argnums ? argnums.which : args.map((_a, i) => i);
  const diff = which.map((i) => {
    const a = args[i];
    if (!(a instanceof Tensor)) fail(op, `argument ${i}`, 'a Tensor', a);
    a.assertAlive(`${op}: argument ${i}`);
    if (!isFloat(a.dtype)) throw new Error(`${op}: argument ${i} must be a floating tensor (gradients are float), got ${a.dtype} ${fmt(a.shape)}`);
    return a;
  });
  // The scope disposes f's intermediates; when the result is differentiable (higher), it keeps
  // exactly what the gradients' graph reads (see tidy).
  return engine.tidy(() => {
    const inputs = prepare(diff);
    const all = args.slice();
    which.forEach((k, j) => (all[k] = inputs[j]));
    const value = engine.withGrad(true, () => checkScalar(op, f(...all)));
    // a constant argument that takes part in an outer graph is reached like a closed-over tensor
    const higher = engine.isGradEnabled() && (diff.some((a) => a.requiresGrad) || reachesOuterGraph(value, inputs));
    const gs = gradients(value, inputs, undefined, higher, op);
    // Each argument gets a tensor of its own (one tensor may be the gradient of two arguments).
    const own = gs.map((g, i) => (gs.indexOf(g) === i ? g : clone(g)));
    const grads = argnums ? (argnums.single ? own[0]! : own) : args.length === 1 ? own[0]! : own;
    return { value: higher ? value : value.detach(), grads };
  });
}
