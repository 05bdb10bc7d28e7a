/**
 * Elementwise ops with NumPy broadcasting. Each op's gradient rule sits beside its forward and is
 * written with other ops, so it runs on every backend and can itself be differentiated.
 */
import { apply, findBackend, record, scoped, type GradFn } from '../engine.js';
import { fromArray } from '../tensor/creation.js';
import { defineOp, type OpDef } from '../registry.js';
import type { BinaryOp } from '../backends/interface.js';
import { Tensor, type TensorLike } from '../tensor/tensor.js';
import { isFloat, type DType, type TypedArray } from '../tensor/dtype.js';
import { checkDType, checkNumber, checkString, fail } from '../validate.js';
import { broadcastShapes, fmt } from '../tensor/shape.js';
import { assertSameBackend, assertTensor, constant, operand, operands, releasingOnThrow, sumTo, unaryDef, unaryOp, withTemps, type Promotion } from './util.js';

const F = 'elementwise';

// ---- binary arithmetic ----------------------------------------------------------------------

function binary(def: OpDef, kop: BinaryOp, a: TensorLike, b: TensorLike, grad: GradFn | undefined, promotion: Promotion = 'arith', outDtype?: DType): Tensor {
  const [x, y] = operands(def.name, a, b, promotion);
  const run = (): Tensor => {
    const outShape = broadcastShapes(x.shape, y.shape, def.name);
    const dtype = outDtype ?? x.dtype;
    return apply(def, [x, y], outShape, dtype, (be, [ka, kb]) => be.binary(kop, ka!, kb!, outShape, dtype), grad);
  };
  return x === a && y === b ? run() : withTemps([x, y], [a, b], run);
}

const Add = defineOp({ name: 'add', kernels: ['binary'], grad: 'rule', family: F });
/** a + b. */
export function add(a: TensorLike, b: TensorLike): Tensor {
  return binary(Add, 'add', a, b, (dy, [x, y]) => [sumTo(dy, x!.shape), sumTo(dy, y!.shape)]);
}

const Sub = defineOp({ name: 'sub', kernels: ['binary'], grad: 'rule', family: F });
/** a − b. */
export function sub(a: TensorLike, b: TensorLike): Tensor {
  return binary(Sub, 'sub', a, b, (dy, [x, y]) => [sumTo(dy, x!.shape), sumTo(neg(dy), y!.shape)]);
}

const Mul = defineOp({ name: 'mul', kernels: ['binary'], grad: 'rule', family: F });
/** a · b (elementwise). */
export function mul(a: TensorLike, b: TensorLike): Tensor {
  return binary(Mul, 'mul', a, b, (dy, [x, y]) => [sumTo(mul(dy, y!), x!.shape), sumTo(mul(dy, x!), y!.shape)]);
}

const MulNoNan = defineOp({ name: 'mulNoNan', kernels: ['binary'], grad: 'rule', family: F });
/**
 * w·x, but 0 wherever w is 0 — even where x is ±∞ or NaN (TensorFlow's multiply_no_nan). For
 * weighted sums of logarithms: a cross-entropy Σ t·log p with t = 0 beside p = 0 gives 0, not NaN.
 * d/dw = x, d/dx = w.
 */
export function mulNoNan(w: TensorLike, x: TensorLike): Tensor {
  return binary(MulNoNan, 'mulNoNan', w, x, (dy, [a, b]) => [sumTo(mul(dy, b!), a!.shape), sumTo(mul(dy, a!), b!.shape)]);
}

const Div = defineOp({ name: 'div', kernels: ['binary'], grad: 'rule', family: F });
/** a / b (true division: integer inputs give float32). */
export function div(a: TensorLike, b: TensorLike): Tensor {
  return binary(Div, 'div', a, b, (dy, [x, y]) => [
    sumTo(div(dy, y!), x!.shape),
    sumTo(neg(div(mul(dy, x!), square(y!))), y!.shape),
  ], 'float');
}

const Pow = defineOp({ name: 'pow', kernels: ['binary'], grad: 'rule', family: F });
/** a ** b. d/da = b·a^(b−1) (0 where b = 0, also at 0⁰); d/db = a^b·ln a (taken as 0 where a ≤ 0). */
export function pow(a: TensorLike, b: TensorLike): Tensor {
  return binary(Pow, 'pow', a, b, (dy, [x, y], out) => {
    // b·a^(b−1) is 0·∞ = NaN at a = 0, b = 0; a^0 is constant, so its derivative is 0 (like PyTorch).
    const dx = where(eq(y!, 0), 0, mul(dy, mul(y!, pow(x!, sub(y!, 1)))));
    const safeLog = where(gt(x!, 0), log(where(gt(x!, 0), x!, 1)), 0);
    const dyy = mul(dy, mul(out, safeLog));
    return [sumTo(dx, x!.shape), sumTo(dyy, y!.shape)];
  }, 'float');
}

const Maximum = defineOp({ name: 'maximum', kernels: ['binary'], grad: 'rule', family: F });
/** Elementwise max; at ties the gradient goes to `a`. */
export function maximum(a: TensorLike, b: TensorLike): Tensor {
  return binary(Maximum, 'maximum', a, b, (dy, [x, y]) => {
    const m = ge(x!, y!);
    return [sumTo(where(m, dy, 0), x!.shape), sumTo(where(m, 0, dy), y!.shape)];
  }, 'keep');
}

const Minimum = defineOp({ name: 'minimum', kernels: ['binary'], grad: 'rule', family: F });
/** Elementwise min; at ties the gradient goes to `a`. */
export function minimum(a: TensorLike, b: TensorLike): Tensor {
  return binary(Minimum, 'minimum', a, b, (dy, [x, y]) => {
    const m = le(x!, y!);
    return [sumTo(where(m, dy, 0), x!.shape), sumTo(where(m, 0, dy), y!.shape)];
  }, 'keep');
}

const Mod = defineOp({ name: 'mod', kernels: ['binary'], grad: 'rule', family: F });
/** Remainder with the sign of the divisor (Python's %). d/da = 1, d/db = −floor(a/b). */
export function mod(a: TensorLike, b: TensorLike): Tensor {
  return binary(Mod, 'mod', a, b, (dy, [x, y]) => [sumTo(dy, x!.shape), sumTo(neg(mul(dy, floor(div(x!, y!)))), y!.shape)]);
}

// ---- comparisons and logic (bool results, no gradient) ----------------------------------------

function compare(name: BinaryOp): [OpDef, (a: TensorLike, b: TensorLike) => Tensor] {
  const def = defineOp({ name, kernels: ['binary'], grad: 'none', family: F });
  return [def, (a, b) => binary(def, name, a, b, undefined, 'keep', 'bool')];
}
/** a == b (bool). */ export const eq = compare('eq')[1];
/** a != b (bool). */ export const ne = compare('ne')[1];
/** a < b (bool). */ export const lt = compare('lt')[1];
/** a <= b (bool). */ export const le = compare('le')[1];
/** a > b (bool). */ export const gt = compare('gt')[1];
/** a >= b (bool). */ export const ge = compare('ge')[1];

function logical(name: 'logicalAnd' | 'logicalOr' | 'logicalXor'): (a: Tensor, b: Tensor) => Tensor {
  const def = defineOp({ name, kernels: ['binary'], grad: 'none', family: F });
  return (a, b) => {
    assertTensor(a, name, 'a');
    assertTensor(b, name, 'b');
    const x = a.dtype === 'bool' ? a : ne(a, 0);
    const y = releasingOnThrow([x], [a], () => (b.dtype === 'bool' ? b : ne(b, 0)));
    return withTemps([x, y], [a, b], () => {
      const outShape = broadcastShapes(x.shape, y.shape, name);
      return apply(def, [x, y], outShape, 'bool', (be, [ka, kb]) => be.binary(name, ka!, kb!, outShape, 'bool'));
    });
  };
}
export const logicalAnd = logical('logicalAnd');
export const logicalOr = logical('logicalOr');
export const logicalXor = logical('logicalXor');

const LogicalNot = defineOp({ name: 'logicalNot', kernels: ['unary'], grad: 'none', family: F });
export function logicalNot(a: Tensor): Tensor {
  assertTensor(a, 'logicalNot', 'x');
  const x = a.dtype === 'bool' ? a : ne(a, 0);
  return withTemps([x], [a], () => apply(LogicalNot, [x], x.shape, 'bool', (be, [k]) => be.unary('logicalNot', k!)));
}

// ---- where and cast ---------------------------------------------------------------------------

const Where = defineOp({ name: 'where', kernels: ['where'], grad: 'rule', family: F });
/** Picks `a` where `cond` is true, else `b`; all three broadcast. The gradient flows to the chosen side. */
export function where(cond: Tensor, a: TensorLike, b: TensorLike): Tensor {
  assertTensor(cond, 'where', 'cond');
  const c = cond.dtype === 'bool' ? cond : ne(cond, 0);
  // Two plain numbers take float32 on cond's backend (like `where(mask, 1, 0)` in NumPy).
  const [x, y] = releasingOnThrow([c], [cond], (): [Tensor, Tensor] => (typeof a === 'number' && typeof b === 'number'
    ? [constant(a, 'float32', cond), constant(b, 'float32', cond)]
    : operands('where', a, b, 'keep')));
  return withTemps([c, x, y], [cond, a, b], () => {
    const outShape = broadcastShapes(broadcastShapes(c.shape, x.shape, 'where', ['cond', 'a']), y.shape, 'where', ['cond/a', 'b']);
    return apply(Where, [c, x, y], outShape, x.dtype, (be, [kc, ka, kb]) => be.where(kc!, ka!, kb!, outShape), (dy, [cc, xx, yy]) => [
      null,
      sumTo(where(cc!, dy, 0), xx!.shape),
      sumTo(where(cc!, 0, dy), yy!.shape),
    ]);
  });
}

const Cast = defineOp({ name: 'cast', kernels: ['cast'], grad: 'rule', family: F });
/** Converts to `dtype` (float→int truncates toward zero; to bool tests ≠ 0). Differentiable between float types. */
export function cast(x: Tensor, dtype: DType): Tensor {
  assertTensor(x, 'cast', 'x');
  if (x.dtype === dtype) return x.clone();
  checkDType('cast', 'dtype', dtype);
  if (dtype === 'float64' && !x.backend.supportsFloat64) throw new Error(`cast: backend '${x.backend.name}' has no float64`);
  const from = x.dtype;
  return apply(Cast, [x], x.shape, dtype, (be, [k]) => be.cast(k!, dtype), isFloat(dtype) && isFloat(from) ? (dy) => [cast(dy, from)] : undefined);
}

const To = defineOp({ name: 'to', kernels: [], grad: 'rule', family: F });
/**
 * A copy of `x` on backend `name` (the same tensor when it already lives there). Differentiable:
 * the gradient travels back to x's backend. Reads x synchronously, so x must be on a CPU backend;
 * from a GPU backend use `await toAsync(x, name)`.
 */
export function to(x: Tensor, name: string): Tensor {
  assertTensor(x, 'to', 'x');
  checkString('to', 'name', name);
  const target = findBackend(name, 'to');
  if (target === x.backend) return x;
  if (!x.backend.downloadSync) throw new Error(`to: backend '${x.backend.name}' reads asynchronously; use await nb.toAsync(x, '${name}')`);
  return moved(x, x.backend.downloadSync(x.kernelView()), name);
}

/** Like `to`, reading x asynchronously (works from every backend). */
export async function toAsync(x: Tensor, name: string): Promise<Tensor> {
  assertTensor(x, 'toAsync', 'x');
  checkString('toAsync', 'name', name);
  const target = findBackend(name, 'toAsync');
  if (target === x.backend) return x;
  return moved(x, await x.data(), name);
}

function moved(x: Tensor, values: TypedArray, name: string): Tensor {
  if (x.dtype === 'float64' && !findBackend(name).supportsFloat64) {
    throw new Error(`to: backend '${name}' has no float64; cast x ${fmt(x.shape)} to float32 first`);
  }
  const from = x.backend.name;
  const out = fromArray(values, x.shape, { dtype: x.dtype, backend: name });
  return record(To, [x], out, (dy) => [to(dy, from)]);
}

const Clone = defineOp({ name: 'clone', kernels: ['cast'], grad: 'rule', family: F });
/** A copy of `x` in a buffer of its own. */
export function clone(x: Tensor): Tensor {
  assertTensor(x, 'clone', 'x');
  return apply(Clone, [x], x.shape, x.dtype, (be, [k]) => be.cast(k!, x.dtype), (dy) => [dy]);
}

// ---- unary ------------------------------------------------------------------------------------

const Neg = unaryDef('neg');
/** −x. */
export function neg(x: TensorLike): Tensor {
  return unaryOp(Neg, 'neg', x, (dy) => [neg(dy)], 'arith');
}
const Exp = unaryDef('exp');
/** eˣ; d/dx = eˣ. */
export function exp(x: TensorLike): Tensor {
  return unaryOp(Exp, 'exp', x, (dy, _, y) => [mul(dy, y)]);
}
const Log = unaryDef('log');
/** Natural logarithm; d/dx = 1/x. */
export function log(x: TensorLike): Tensor {
  return unaryOp(Log, 'log', x, (dy, [t]) => [div(dy, t!)]);
}
const Sqrt = unaryDef('sqrt');
/** √x; d/dx = 1/(2√x). */
export function sqrt(x: TensorLike): Tensor {
  return unaryOp(Sqrt, 'sqrt', x, (dy, _, y) => [div(dy, mul(y, 2))]);
}
const Rsqrt = unaryDef('rsqrt');
/** 1/√x; d/dx = −½x^(−3/2). */
export function rsqrt(x: TensorLike): Tensor {
  return unaryOp(Rsqrt, 'rsqrt', x, (dy, _, y) => [mul(dy, mul(pow(y, 3), -0.5))]);
}
const Abs = unaryDef('abs');
/** |x|; d/dx = sign(x) (0 at 0). */
export function abs(x: TensorLike): Tensor {
  return unaryOp(Abs, 'abs', x, (dy, [t]) => [mul(dy, sign(t!))], 'arith');
}
const Sign = unaryDef('sign');
/** −1, 0 or 1; gradient zero. */
export function sign(x: TensorLike): Tensor {
  return unaryOp(Sign, 'sign', x, (dy) => [mul(dy, 0)], 'arith');
}
const Square = unaryDef('square');
/** x²; d/dx = 2x. */
export function square(x: TensorLike): Tensor {
  return unaryOp(Square, 'square', x, (dy, [t]) => [mul(dy, mul(t!, 2))], 'arith');
}
const Reciprocal = unaryDef('reciprocal');
/** 1/x; d/dx = −1/x². */
export function reciprocal(x: TensorLike): Tensor {
  return unaryOp(Reciprocal, 'reciprocal', x, (dy, _, y) => [neg(mul(dy, square(y)))]);
}
const Floor = unaryDef('floor');
/** ⌊x⌋; gradient zero. */
export function floor(x: TensorLike): Tensor {
  return unaryOp(Floor, 'floor', x, (dy) => [mul(dy, 0)], 'arith');
}
const Ceil = unaryDef('ceil');
/** ⌈x⌉; gradient zero. */
export function ceil(x: TensorLike): Tensor {
  return unaryOp(Ceil, 'ceil', x, (dy) => [mul(dy, 0)], 'arith');
}
const Round = unaryDef('round');
/** Rounds half to even (like NumPy); gradient zero. */
export function round(x: TensorLike): Tensor {
  return unaryOp(Round, 'round', x, (dy) => [mul(dy, 0)], 'arith');
}
const Sin = unaryDef('sin');
/** sin x; d/dx = cos x. */
export function sin(x: TensorLike): Tensor {
  return unaryOp(Sin, 'sin', x, (dy, [t]) => [mul(dy, cos(t!))]);
}
const Cos = unaryDef('cos');
/** cos x; d/dx = −sin x. */
export function cos(x: TensorLike): Tensor {
  return unaryOp(Cos, 'cos', x, (dy, [t]) => [neg(mul(dy, sin(t!)))]);
}
const Expm1 = unaryDef('expm1');
/** eˣ − 1, accurate near 0. */
export function expm1(x: TensorLike): Tensor {
  return unaryOp(Expm1, 'expm1', x, (dy, _, y) => [mul(dy, add(y, 1))]);
}
const Log1p = unaryDef('log1p');
/** ln(1 + x), accurate near 0. */
export function log1p(x: TensorLike): Tensor {
  return unaryOp(Log1p, 'log1p', x, (dy, [t]) => [div(dy, add(t!, 1))]);
}

/** A bound of `clip`: a number, a tensor (broadcasting against x), or undefined/null for none. */
export type ClipBound = number | Tensor | null | undefined;

/**
 * clip(x, min, max) = min(max(x, min), max), like PyTorch's clamp: either bound may be left out
 * (`clip(x, undefined, 3)`, `clip(x, 0)`), and either may be a tensor that broadcasts against x.
 * The gradient passes to x where min ≤ x ≤ max, and to a tensor bound where it is the result.
 * Where a tensor min exceeds max the result is max (as in PyTorch).
 */
export function clip(x: TensorLike, lo?: ClipBound, hi?: ClipBound): Tensor {
  const bound = (v: ClipBound, arg: string): number | Tensor | null => {
    if (v === undefined || v === null) return null;
    if (v instanceof Tensor) return assertTensor(v, 'clip', arg);
    return checkNumber('clip', arg, v, { infinite: true });
  };
  const a = bound(lo, 'min');
  const b = bound(hi, 'max');
  if (a === null && b === null) throw new Error('clip: at least one of min and max must be given, got neither');
  if (typeof a === 'number' && typeof b === 'number' && !(a <= b)) throw new Error(`clip: min (${a}) must not exceed max (${b})`);
  if (typeof x !== 'number') {
    if (!(x instanceof Tensor)) fail('clip', 'x', 'a Tensor or a number', x);
    assertTensor(x, 'clip', 'x');
  }
  // broadcasting is checked here, so that the error names clip rather than an inner op
  let shape = typeof x === 'number' ? [] : x.shape;
  for (const [t, arg] of [[a, 'min'], [b, 'max']] as const) {
    if (t === null || typeof t === 'number') continue;
    if (typeof x !== 'number') assertSameBackend('clip', x, t);
    shape = broadcastShapes(shape, t.shape, 'clip', [arg === 'min' ? 'x' : 'x/min', arg]);
  }
  return scoped(() => {
    let r = operand('clip', x, 'keep');
    if (a !== null) r = maximum(r, a);
    if (b !== null) r = minimum(r, b);
    return r;
  });
}
defineOp({ name: 'clip', kernels: [], grad: 'composite', family: F });

