/**
 * Run-time checks for the arguments of nn, optim and data functions that src/validate.ts does
 * not cover: tensors, lists of tensors, named parameter lists, modules, kernel pairs and paddings.
 * Messages have validate.ts's shape: `<function>: <argument> must be <what>, got <what it got>`.
 */
import { Tensor } from '../tensor/tensor.js';
import { checkArray, checkInt, fail } from '../validate.js';

/** A live Tensor, or `<op>: <arg> must be a Tensor, got …` (a disposed one says so through assertAlive). */
export function tensorArg(op: string, arg: string, v: unknown): Tensor {
  if (!(v instanceof Tensor)) fail(op, arg, 'a Tensor', v);
  if (v.isDisposed) v.assertAlive(`${op}: ${arg}`);
  return v;
}

/** A live Tensor (not a number, array or null, and not disposed). */
export function checkTensor(op: string, arg: string, v: unknown): Tensor {
  if (!(v instanceof Tensor)) fail(op, arg, 'a Tensor', v);
  if (v.isDisposed) throw new Error(`${op}: ${arg} (tensor [${v.shape.join(',')}]) was disposed`);
  return v;
}

/** A positive (safe) integer; the message says "a positive integer". */
export function checkPositiveInt(op: string, arg: string, v: unknown): number {
  if (!Number.isSafeInteger(v) || (v as number) < 1) fail(op, arg, 'a positive integer', v);
  return v as number;
}

/** An array of tensors (parameters). */
export function checkTensorList(op: string, arg: string, v: unknown): readonly Tensor[] {
  const a = checkArray(op, arg, v);
  for (let i = 0; i < a.length; i++) if (!(a[i] instanceof Tensor)) fail(op, `${arg}[${i}]`, 'a Tensor', a[i]);
  return a as readonly Tensor[];
}

/** An array of [name, tensor] pairs, as `module.namedParameters()` gives. */
export function checkNamedTensors(op: string, arg: string, v: unknown): readonly [string, Tensor][] {
  const a = checkArray(op, arg, v);
  for (let i = 0; i < a.length; i++) {
    const e = a[i];
    if (!Array.isArray(e) || e.length !== 2 || typeof e[0] !== 'string' || !(e[1] instanceof Tensor)) {
      fail(op, `${arg}[${i}]`, 'a [name, Tensor] pair (as module.namedParameters() gives)', e);
    }
  }
  return a as readonly [string, Tensor][];
}

/** A plain object (not null, an array, a Tensor or a Map). */
export function checkObject(op: string, arg: string, v: unknown): Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) fail(op, arg, 'an object', v);
  const proto = Object.getPrototypeOf(v) as unknown;
  if (proto !== Object.prototype && proto !== null) fail(op, arg, 'a plain object', v);
  return v as Record<string, unknown>;
}

/** A kernel size, stride or dilation: an integer ≥ min, or a pair [h, w] of them. */
export function checkPair(op: string, arg: string, v: unknown, min = 1): [number, number] {
  const what = `an integer ≥ ${min} or a pair [h, w] of them`;
  const ok = (x: unknown): x is number => Number.isSafeInteger(x) && (x as number) >= min;
  if (ok(v)) return [v, v];
  if (Array.isArray(v) && v.length === 2 && ok(v[0]) && ok(v[1])) return [v[0], v[1]];
  return fail(op, arg, what, v);
}

/** A padding: an integer ≥ 0, [h, w], [top, bottom, left, right], or (where `named`) 'same' / 'valid'. */
export function checkPadding(op: string, arg: string, v: unknown, named = true): void {
  if (named && (v === 'same' || v === 'valid')) return;
  const ok = (x: unknown): boolean => Number.isSafeInteger(x) && (x as number) >= 0;
  if (ok(v)) return;
  if (Array.isArray(v) && (v.length === 2 || v.length === 4) && v.every(ok)) return;
  fail(op, arg, `an integer ≥ 0, [h, w] or [top, bottom, left, right]${named ? ", 'same' or 'valid'" : ''}`, v);
}

/** An integer n with `min` ≤ n ≤ `max` (a size that must also stay allocatable). */
export function checkSize(op: string, arg: string, v: unknown, min: number, max: number): number {
  return checkInt(op, arg, v, { min, max });
}
