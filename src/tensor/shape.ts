/** Shape helpers: sizes, strides, NumPy broadcasting and axis normalisation. All checks throw errors naming the op. */
import { describe } from '../validate.js';

export type Shape = readonly number[];

/** The most elements one tensor may hold (the largest int32: kernels index with 32-bit integers). */
export const MAX_SIZE = 2 ** 31 - 1;

/** Throws `<op>: shape [..] has N elements, more than a tensor can hold (…)` for shapes too large to allocate. */
export function checkSize(op: string, shape: Shape): void {
  const n = sizeOf(shape);
  if (n > MAX_SIZE) throw new Error(`${op}: shape ${fmt(shape)} has ${n} elements, more than a tensor can hold (${MAX_SIZE})`);
}

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function stridesOf(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i] as number;
  }
  return s;
}

export function fmt(shape: Shape): string {
  return `[${shape.join(',')}]`;
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** NumPy broadcasting of two shapes; throws `op: cannot broadcast a [..] with b [..]`. */
export function broadcastShapes(a: Shape, b: Shape, op: string, names: [string, string] = ['a', 'b']): Shape {
  if (shapesEqual(a, b)) return a; // the common case allocates nothing (tensor shapes are frozen)
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new Error(`${op}: shapes cannot be broadcast together: ${names[0]} is ${fmt(a)}, ${names[1]} is ${fmt(b)}`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** The axes of `outShape` along which `inShape` was broadcast (to sum a gradient back to `inShape`). */
export function broadcastedAxes(inShape: Shape, outShape: Shape): number[] {
  const axes: number[] = [];
  const off = outShape.length - inShape.length;
  for (let i = 0; i < outShape.length; i++) {
    const d = i < off ? 1 : (inShape[i - off] as number);
    if (d === 1 && outShape[i] !== 1) axes.push(i);
  }
  return axes;
}

/** Normalises one possibly negative axis against `rank`. */
export function normAxis(axis: number, rank: number, op: string, arg = 'axis'): number {
  if (!Number.isInteger(axis)) throw new Error(`${op}: ${arg} must be an integer, got ${describe(axis)}`);
  if (axis < -rank || axis >= rank) {
    throw new Error(`${op}: ${arg} ${axis} is out of range for a tensor of rank ${rank} (valid: ${-rank}..${rank - 1})`);
  }
  return axis < 0 ? axis + rank : axis;
}

/** Normalises `axes` (undefined = all) into a sorted list of distinct non-negative axes. */
export function normAxes(axes: number | readonly number[] | undefined | null, rank: number, op: string): number[] {
  if (axes === undefined || axes === null) return Array.from({ length: rank }, (_, i) => i);
  if (typeof axes !== 'number' && !Array.isArray(axes)) {
    throw new Error(`${op}: axes must be a number or an array of numbers, got ${describe(axes)}`);
  }
  const list: readonly number[] = typeof axes === 'number' ? [axes] : axes;
  const out = list.map((a) => normAxis(a, rank, op));
  const sorted = [...new Set(out)].sort((x, y) => x - y);
  if (sorted.length !== out.length) throw new Error(`${op}: axes [${list.join(',')}] contain a repeated axis`);
  return sorted;
}

/** Shape after reducing `axes`, keeping them as size 1 when `keepDims`. */
export function reducedShape(shape: Shape, axes: readonly number[], keepDims: boolean): number[] {
  const out: number[] = [];
  for (let i = 0; i < shape.length; i++) {
    if (axes.includes(i)) {
      if (keepDims) out.push(1);
    } else out.push(shape[i] as number);
  }
  return out;
}

/** Throws unless `v` is an array of integers (each ≥ `min` when given). */
export function assertIntArray(v: unknown, op: string, arg: string, min?: number): asserts v is readonly number[] {
  if (!Array.isArray(v)) throw new Error(`${op}: ${arg} must be an array of integers, got ${describe(v)}`);
  for (const d of v) {
    if (!Number.isInteger(d) || (min !== undefined && d < min)) {
      throw new Error(`${op}: ${arg} ${listText(v)} must hold integers${min !== undefined ? ` ≥ ${min}` : ''}`);
    }
  }
}

/** Throws unless `shape` is an array of non-negative integers with at most MAX_SIZE elements in all. */
export function assertShape(shape: readonly number[], op: string, arg = 'shape'): void {
  if (!Array.isArray(shape)) throw new Error(`${op}: ${arg} must be an array of non-negative integers, got ${describe(shape)}`);
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new Error(`${op}: ${arg} ${listText(shape)} must hold non-negative integers`);
  }
  checkSize(op, shape);
}

/** `[1,2,3]` for an array of numbers; other items (strings, null, objects) described briefly. */
function listText(v: readonly unknown[]): string {
  return `[${v.map((x) => (typeof x === 'number' ? String(x) : x === null ? 'null' : typeof x === 'string' ? JSON.stringify(x) : typeof x)).join(',')}]`;
}
