/** Shared helpers for op definitions: operand conversion, dtype promotion, reducing gradients to a shape. */
import { Tensor, type TensorLike } from '../tensor/tensor.js';
import { apply, getBackend, Storage, type GradFn } from '../engine.js';
import { defineOp, type OpDef } from '../registry.js';
import type { UnaryOp } from '../backends/interface.js';
import { allocArray, INT32_MAX, INT32_MIN, isFloat, promote, storedValue, type DType } from '../tensor/dtype.js';
import { broadcastedAxes, fmt, shapesEqual, type Shape } from '../tensor/shape.js';
import { reshape } from './shape.js';
import { sum } from './reduce.js';
import { cast } from './elementwise.js';

/** A scalar constant of `dtype` on `like`'s backend (the current one without `like`); the value is already checked. */
export function constant(value: number, dtype: DType, like?: Tensor): Tensor {
  const arr = allocArray(dtype, 1);
  arr[0] = storedValue(value, dtype);
  const be = like ? like.backend : getBackend();
  return Tensor.fromStorage(new Storage(be, be.upload(arr, dtype), dtype, 1), EMPTY);
}
const EMPTY: Shape = Object.freeze([]);

export function assertTensor(x: unknown, op: string, arg: string): Tensor {
  if (x instanceof Tensor) {
    if (x.isDisposed) x.assertAlive(`${op}: ${arg}`); // builds the message only when it throws
    return x;
  }
  throw new Error(`${op}: ${arg} must be a Tensor, got ${x === null ? 'null' : typeof x}`);
}

/** Composite ops check this themselves, so that the error names them rather than an inner op. */
export function assertSameBackend(op: string, a: Tensor, b: Tensor): void {
  if (a.backend !== b.backend) throw new Error(`${op}: inputs live on different backends ('${a.backend.name}' and '${b.backend.name}'); move one with x.to(name)`);
}

/** For arguments that also accept a plain number. */
function assertTensorLike(x: unknown, op: string, arg: string): void {
  if (x instanceof Tensor) {
    if (x.isDisposed) x.assertAlive(`${op}: ${arg}`);
    return;
  }
  throw new Error(`${op}: ${arg} must be a Tensor or a number, got ${x === null ? 'null' : typeof x}`);
}

/** The dtype a plain number takes beside a tensor of dtype `other`: the same float type, int32 for integers int32 holds, else float32. */
function numberDType(v: number, other: DType): DType {
  if (isFloat(other)) return other;
  return Number.isInteger(v) && v >= INT32_MIN && v <= INT32_MAX ? 'int32' : 'float32';
}

/**
 * How an op promotes its operands' dtype before its kernel runs — the one place the dtype rule
 * lives (see docs/ARCHITECTURE.md, "Tensors"):
 * - `'arith'`: arithmetic; bool computes as int32 (true + true = 2, −true = −1), so no kernel ever
 *   does arithmetic on bool storage;
 * - `'float'`: true division and transcendental functions; integers and bool compute as float32;
 * - `'keep'`: comparisons, logic, where, maximum/minimum: bool stays bool.
 */
export type Promotion = 'arith' | 'float' | 'keep';

/** The dtype an operand of dtype `d` computes in under `p`. */
export function computeDType(d: DType, p: Promotion): DType {
  if (p === 'float') return isFloat(d) ? d : 'float32';
  if (p === 'arith' && d === 'bool') return 'int32';
  return d;
}

/** Converts two operands to tensors of one promoted dtype (numbers adopt the tensor's dtype where they fit). */
export function operands(op: string, a: TensorLike, b: TensorLike, promotion: Promotion = 'arith'): [Tensor, Tensor] {
  if (typeof a === 'number' && typeof b === 'number') {
    throw new Error(`${op}: at least one operand must be a Tensor, got two numbers`);
  }
  if (typeof a !== 'number') assertTensorLike(a, op, 'a');
  if (typeof b !== 'number') assertTensorLike(b, op, 'b');
  const ta = typeof a === 'number' ? null : a;
  const tb = typeof b === 'number' ? null : b;
  let dtype: DType;
  if (ta && tb) dtype = promote(ta.dtype, tb.dtype);
  else if (ta) dtype = promote(ta.dtype, numberDType(b as number, ta.dtype));
  else dtype = promote((tb as Tensor).dtype, numberDType(a as number, (tb as Tensor).dtype));
  dtype = computeDType(dtype, promotion);
  const like = (ta ?? tb) as Tensor;
  const conv = (v: TensorLike): Tensor => (typeof v === 'number' ? constant(v, dtype, like) : v.dtype === dtype ? v : cast(v, dtype));
  return [conv(a), conv(b)];
}

/** Converts one operand to the dtype it computes in under `promotion` (a plain number becomes float32). */
export function operand(op: string, x: TensorLike, promotion: Promotion = 'arith'): Tensor {
  if (typeof x === 'number') return constant(x, computeDType('float32', promotion));
  assertTensorLike(x, op, 'x');
  const d = computeDType(x.dtype, promotion);
  return d === x.dtype ? x : cast(x, d);
}

/**
 * Disposes the temporaries an op made from its arguments (number constants, dtype casts) once
 * the op has run; when the output's autograd record reads them, the output owns them instead.
 */
export function releaseTemps(out: Tensor, made: readonly Tensor[], given: readonly unknown[]): Tensor {
  for (let i = 0; i < made.length; i++) {
    const t = made[i] as Tensor;
    if (t === given[i] || t === out) continue;
    if (out.gradFn) out.own(t);
    else t.dispose();
  }
  return out;
}

/**
 * Runs `run` while the temporaries in `made` (made from the op's arguments `given`) are alive;
 * if it throws, releases them before rethrowing. For a step of an op that makes more temporaries.
 */
export function releasingOnThrow<T>(made: readonly Tensor[], given: readonly unknown[], run: () => T): T {
  try {
    return run();
  } catch (e) {
    for (let i = 0; i < made.length; i++) {
      const t = made[i] as Tensor;
      if (t !== given[i] && !t.isDisposed) t.dispose();
    }
    throw e;
  }
}

/**
 * Runs the rest of an op (`run`: its shape checks and kernel call) on temporaries it made from
 * its arguments, and releases them as `releaseTemps` does — also when `run` throws, so that a
 * failing op (shapes that do not broadcast, out of memory) leaves nothing behind.
 */
export function withTemps(made: readonly Tensor[], given: readonly unknown[], run: () => Tensor): Tensor {
  return releaseTemps(releasingOnThrow(made, given, run), made, given);
}

/** Sums a gradient over broadcast axes so that it has `shape` again. */
export function sumTo(g: Tensor, shape: Shape): Tensor {
  if (shapesEqual(g.shape, shape)) return g;
  const axes = broadcastedAxes(shape, g.shape);
  const s = axes.length ? sum(g, axes, true) : g;
  if (shapesEqual(s.shape, shape)) return s;
  const r = reshape(s, shape);
  if (!shapesEqual(r.shape, shape)) throw new Error(`sumTo: cannot reduce ${fmt(g.shape)} to ${fmt(shape)}`);
  return r;
}

/** Runs an elementwise unary kernel on `x` promoted by `promotion` (default `'float'`: integers become float32). */
export function unaryOp(def: OpDef, kop: UnaryOp, x: TensorLike, grad: GradFn | undefined, promotion: Promotion = 'float', alpha?: number): Tensor {
  const t = operand(def.name, x, promotion);
  const run = (): Tensor => apply(def, [t], t.shape, t.dtype, (be, [k]) => be.unary(kop, k!, alpha), grad);
  return t === x ? run() : withTemps([t], [x], run);
}

/** Defines an elementwise unary op (one `unary` kernel) of `family`. */
export function unaryDef(name: string, grad: 'rule' | 'none' = 'rule', family = 'elementwise'): OpDef {
  return defineOp({ name, kernels: ['unary'], grad, family });
}
