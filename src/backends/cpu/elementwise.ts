/** The cpu backend's elementwise kernels: fill, cast, unary, binary, where (float64 and float32 alike). */
import type { BinaryOp, KTensor, UnaryOp } from '../interface.js';
import type { DType } from '../../tensor/dtype.js';
import { sizeOf, type Shape } from '../../tensor/shape.js';
import { SELU_ALPHA, SELU_SCALE } from '../../constants.js';
import { arr, broadcastIndex, isTrailing, sameShape, type Alloc, type Arr } from './device.js';
import { evalFused, type FusedProgram } from '../fused-elementwise.js';

function unaryFn(op: UnaryOp, alpha: number): (x: number) => number {
  switch (op) {
    case 'neg': return (x) => -x;
    case 'exp': return Math.exp;
    case 'log': return Math.log;
    case 'sqrt': return Math.sqrt;
    case 'rsqrt': return (x) => 1 / Math.sqrt(x);
    case 'abs': return Math.abs;
    case 'sign': return (x) => (x > 0 ? 1 : x < 0 ? -1 : x === 0 ? 0 : NaN);
    case 'square': return (x) => x * x;
    case 'reciprocal': return (x) => 1 / x;
    case 'sigmoid': return (x) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));
    case 'tanh': return Math.tanh;
    case 'relu': return (x) => (x > 0 ? x : x === x ? 0 : NaN);
    case 'softplus': return (x) => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x)));
    case 'step': return (x) => (x > 0 ? 1 : x === x ? 0 : NaN);
    case 'floor': return Math.floor;
    case 'ceil': return Math.ceil;
    case 'round': return (x) => {
      const r = Math.round(x);
      return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r; // half to even
    };
    case 'sin': return Math.sin;
    case 'cos': return Math.cos;
    case 'logicalNot': return (x) => (x ? 0 : 1);
    case 'expm1': return Math.expm1;
    case 'log1p': return Math.log1p;
    case 'elu': return (x) => (x > 0 ? x : alpha * Math.expm1(x));
    case 'selu': return (x) => SELU_SCALE * (x > 0 ? x : SELU_ALPHA * Math.expm1(x));
  }
}

function binaryFn(op: BinaryOp): (a: number, b: number) => number {
  switch (op) {
    case 'add': return (a, b) => a + b;
    case 'sub': return (a, b) => a - b;
    case 'mul': return (a, b) => a * b;
    case 'div': return (a, b) => a / b;
    case 'pow': return Math.pow;
    case 'maximum': return (a, b) => (a >= b || a !== a ? a : b);
    case 'minimum': return (a, b) => (a <= b || a !== a ? a : b);
    case 'mod': return (a, b) => {
      const r = a % b;
      return r !== 0 && (r < 0) !== (b < 0) ? r + b : r;
    };
    case 'eq': return (a, b) => (a === b ? 1 : 0);
    case 'ne': return (a, b) => (a !== b ? 1 : 0);
    case 'lt': return (a, b) => (a < b ? 1 : 0);
    case 'le': return (a, b) => (a <= b ? 1 : 0);
    case 'gt': return (a, b) => (a > b ? 1 : 0);
    case 'ge': return (a, b) => (a >= b ? 1 : 0);
    case 'logicalAnd': return (a, b) => (a && b ? 1 : 0);
    case 'logicalOr': return (a, b) => (a || b ? 1 : 0);
    case 'logicalXor': return (a, b) => (!a !== !b ? 1 : 0);
    case 'reluGrad': return (dy, x) => (x > 0 ? dy : 0);
    case 'mulNoNan': return (w, x) => (w === 0 ? 0 : w * x);
  }
}

export function fill(out: Alloc, shape: Shape, value: number, dtype: DType): Arr {
  const o = out(dtype, sizeOf(shape));
  o.fill(dtype === 'bool' ? (value ? 1 : 0) : value);
  return o;
}

export function cast(out: Alloc, x: KTensor, dtype: DType): Arr {
  const a = arr(x);
  const o = out(dtype, x.size);
  if (dtype === 'bool') for (let i = 0; i < a.length; i++) o[i] = a[i] !== 0 ? 1 : 0;
  else if (dtype === 'int32') for (let i = 0; i < a.length; i++) o[i] = Math.trunc(a[i] as number);
  else o.set(a);
  return o;
}

/** A chain of float32 elementwise ops in one pass (the reference of ../fused-elementwise.ts; nb.jit's fusion). */
export function fusedElementwise(out: Alloc, p: FusedProgram, inputs: readonly KTensor[]): Arr {
  const o = out('float32', p.outer * p.inner) as Float32Array;
  evalFused(p, inputs.map(arr), o, (op) => unaryFn(op, 1), binaryFn);
  return o;
}

export function unary(out: Alloc, op: UnaryOp, x: KTensor, alpha = 1): Arr {
  const f = unaryFn(op, alpha);
  const a = arr(x);
  const o = out(op === 'logicalNot' ? 'bool' : x.dtype, x.size);
  for (let i = 0; i < a.length; i++) o[i] = f(a[i] as number);
  return o;
}

export function binary(out: Alloc, op: BinaryOp, a: KTensor, b: KTensor, outShape: Shape, outDtype: DType): Arr {
  const f = binaryFn(op);
  const n = sizeOf(outShape);
  const o = out(outDtype, n);
  const x = arr(a);
  const y = arr(b);
  const aFull = sameShape(a.shape, outShape);
  const bFull = sameShape(b.shape, outShape);
  if (aFull && bFull) {
    for (let i = 0; i < n; i++) o[i] = f(x[i] as number, y[i] as number);
  } else if (aFull && b.size === 1) {
    // tensor ∘ scalar (learning rates, constants): no index arrays
    const s = y[0] as number;
    for (let i = 0; i < n; i++) o[i] = f(x[i] as number, s);
  } else if (bFull && a.size === 1) {
    const s = x[0] as number;
    for (let i = 0; i < n; i++) o[i] = f(s, y[i] as number);
  } else if (aFull && isTrailing(b.shape, outShape)) {
    // a row vector over the last axes (a bias): b repeats every b.size elements
    const m = b.size;
    for (let i = 0, j = 0; i < n; i++, j = j + 1 === m ? 0 : j + 1) o[i] = f(x[i] as number, y[j] as number);
  } else if (bFull && isTrailing(a.shape, outShape)) {
    const m = a.size;
    for (let i = 0, j = 0; i < n; i++, j = j + 1 === m ? 0 : j + 1) o[i] = f(x[j] as number, y[i] as number);
  } else {
    const ia = broadcastIndex(a.shape, outShape);
    const ib = broadcastIndex(b.shape, outShape);
    for (let i = 0; i < n; i++) o[i] = f(x[ia[i] as number] as number, y[ib[i] as number] as number);
  }
  return o;
}

export function where(out: Alloc, cond: KTensor, a: KTensor, b: KTensor, outShape: Shape): Arr {
  const n = sizeOf(outShape);
  const o = out(a.dtype, n);
  // Per input: null = same shape as the output (index i), else a broadcast index (all zeros for one element).
  const index = (t: KTensor): Int32Array | null => (sameShape(t.shape, outShape) ? null : t.size === 1 ? new Int32Array(n) : broadcastIndex(t.shape, outShape));
  const ic = index(cond);
  const ia = index(a);
  const ib = index(b);
  const c = arr(cond);
  const x = arr(a);
  const y = arr(b);
  for (let i = 0; i < n; i++) {
    const take = c[ic ? (ic[i] as number) : i];
    o[i] = take ? (x[ia ? (ia[i] as number) : i] as number) : (y[ib ? (ib[i] as number) : i] as number);
  }
  return o;
}
