/** Activation functions (SCOPE §3) and softmax/logSoftmax, each with its derivative. */
import { apply, scoped } from '../engine.js';
import { defineOp } from '../registry.js';
import type { Tensor, TensorLike } from '../tensor/tensor.js';
import { normAxis } from '../tensor/shape.js';
import { abs, add, clip, div, exp, log, mul, neg, sub, where, ge, gt, maximum, square } from './elementwise.js';
import { max, sum } from './reduce.js';
import { SELU_ALPHA, SELU_SCALE } from '../constants.js';
import { assertTensor, operand, unaryDef, unaryOp } from './util.js';
import { checkInt, checkNumber, checkOneOf } from '../validate.js';

const F = 'activations';

const Sigmoid = unaryDef('sigmoid', 'rule', F);
/** σ(x) = 1/(1 + e^−x); σ′ = σ(1 − σ). */
export function sigmoid(x: TensorLike): Tensor {
  return unaryOp(Sigmoid, 'sigmoid', x, (dy, _, y) => [mul(dy, mul(y, sub(1, y)))]);
}

const Tanh = unaryDef('tanh', 'rule', F);
/** tanh x; tanh′ = 1 − tanh². */
export function tanh(x: TensorLike): Tensor {
  return unaryOp(Tanh, 'tanh', x, (dy, _, y) => [mul(dy, sub(1, square(y)))]);
}

const ReluGrad = defineOp({ name: 'reluGrad', kernels: ['binary'], grad: 'rule', family: F });
/** dy where x > 0, else 0 (one fused kernel for ReLU's backward pass). */
function reluGrad(dy: Tensor, x: Tensor): Tensor {
  return apply(ReluGrad, [dy, x], dy.shape, dy.dtype, (be, [a, b]) => be.binary('reluGrad', a!, b!, dy.shape, dy.dtype), (g, [, xx]) => [
    reluGrad(g, xx!),
    null,
  ]);
}

const Relu = unaryDef('relu', 'rule', F);
/** max(0, x); derivative 1 for x > 0, else 0. */
export function relu(x: TensorLike): Tensor {
  return unaryOp(Relu, 'relu', x, (dy, [t]) => [reluGrad(dy, t!)], 'arith');
}

const Softplus = unaryDef('softplus', 'rule', F);
/** ln(1 + eˣ), computed stably; derivative σ(x). */
export function softplus(x: TensorLike): Tensor {
  return unaryOp(Softplus, 'softplus', x, (dy, [t]) => [mul(dy, sigmoid(t!))]);
}

const Step = unaryDef('step', 'rule', F);
/** Unit step: 1 where x > 0, else 0. Its gradient is zero: for hand-built and perceptron networks. */
export function step(x: TensorLike): Tensor {
  return unaryOp(Step, 'step', x, (dy) => [mul(dy, 0)], 'arith');
}

const Elu = unaryDef('elu', 'rule', F);
/** x for x > 0, α(eˣ − 1) otherwise; derivative 1 or y + α. */
export function elu(x: TensorLike, alpha = 1): Tensor {
  checkNumber('elu', 'alpha', alpha);
  return unaryOp(Elu, 'elu', x, (dy, [xi], y) => [where(gt(xi!, 0), dy, mul(dy, add(y, alpha)))], 'float', alpha);
}

const Selu = unaryDef('selu', 'rule', F);
/** scale·(x for x > 0, α(eˣ − 1) otherwise) with the self-normalising constants. */
export function selu(x: TensorLike): Tensor {
  return unaryOp(Selu, 'selu', x, (dy, [xi], y) => [mul(dy, where(gt(xi!, 0), SELU_SCALE, add(y, SELU_SCALE * SELU_ALPHA)))]);
}

/** max(x, slope·x) for 0 ≤ slope ≤ 1. */
export function leakyRelu(x: TensorLike, slope = 0.01): Tensor {
  checkNumber('leakyRelu', 'slope', slope, { min: 0, max: 1 });
  return scoped(() => {
    const t = operand('leakyRelu', x, 'float');
    return maximum(t, mul(t, slope));
  });
}
defineOp({ name: 'leakyRelu', kernels: [], grad: 'composite', family: F });

/** x·σ(x). */
export function swish(x: TensorLike): Tensor {
  return scoped(() => {
    const t = operand('swish', x, 'float');
    return mul(t, sigmoid(t));
  });
}
defineOp({ name: 'swish', kernels: [], grad: 'composite', family: F });

/**
 * Chebyshev coefficients of g(t) = ln(erfc(x)/t) + x² on t = 2/(2 + x), x ≥ 0, in u = 2t − 1
 * (fitted at 28 Chebyshev nodes in 40-digit arithmetic). erfc(x) = t·e^(−x² + g(t)) then holds to a
 * relative error below 3e-13 for all x ≥ 0 (float64); float32 uses the first 16 terms (below 1e-10).
 */
const ERFC_CHEB = [
  -0.6513268598908547, 0.6419697923564902, 0.019476473204185836, -0.009561514786808632, -0.0009465953444820369,
  0.00036683949785276145, 4.252332480690777e-05, -2.0278578112534242e-05, -1.6242900046470256e-06, 1.3036558355805232e-06,
  1.5626441722066142e-08, -8.523809591492654e-08, 6.5290544390988515e-09, 5.0593434955514685e-09, -9.913641564930322e-10,
  -2.2736512229318417e-10, 9.646791102014962e-11, 2.394038083065756e-12, -6.886027526536277e-12, 8.944879271730368e-13,
  3.130921408127142e-13, -1.1270822525221733e-13, 3.8108713588528985e-16, 7.106125536922576e-15, -1.5230878975373303e-15,
  -9.464871412184462e-17, 1.218683266906788e-16, -3.0494735135424696e-17,
];

/**
 * erfc(x) for any x, from existing ops: erfc(|x|) by the Chebyshev fit above (Clenshaw's
 * recurrence), and erfc(x) = 2 − erfc(−x) for x < 0. |x| is taken with `where`, so the gradient
 * at 0 is the true −2/√π. Differentiable through the ops (its derivative is accurate to about the
 * same relative error).
 */
function erfc(x: Tensor): Tensor {
  const pos = ge(x, 0);
  const a = where(pos, x, neg(x));
  const t = div(2, add(a, 2));
  const u = sub(mul(t, 2), 1);
  const u2 = mul(u, 2);
  const n = x.dtype === 'float64' ? ERFC_CHEB.length : 16;
  let b2 = mul(u, 0);
  let b1 = add(b2, ERFC_CHEB[n - 1] as number);
  for (let j = n - 2; j >= 1; j--) {
    const b = add(sub(mul(u2, b1), b2), ERFC_CHEB[j] as number);
    b2 = b1;
    b1 = b;
  }
  const g = add(sub(mul(u, b1), b2), ERFC_CHEB[0] as number);
  const e = mul(t, exp(sub(g, square(a))));
  return where(pos, e, sub(2, e));
}

/**
 * GELU, x·Φ(x). `approximate` 'none' (default) is the exact form ½x·erfc(−x/√2), with erfc from
 * a high-accuracy Chebyshev fit (relative error < 3e-13 in float64); 'tanh' is PyTorch's
 * approximate='tanh': ½x(1 + tanh(√(2/π)(x + 0.044715x³))).
 */
export function gelu(x: TensorLike, approximate: 'none' | 'tanh' = 'none'): Tensor {
  checkOneOf('gelu', 'approximate', approximate, ['none', 'tanh'] as const);
  return scoped(() => {
    const t = operand('gelu', x, 'float');
    if (approximate === 'tanh') {
      const inner = mul(add(t, mul(mul(square(t), t), 0.044715)), Math.sqrt(2 / Math.PI));
      return mul(mul(t, 0.5), add(tanh(inner), 1));
    }
    return mul(mul(t, 0.5), erfc(mul(t, -Math.SQRT1_2)));
  });
}
defineOp({ name: 'gelu', kernels: [], grad: 'composite', family: F });

/** x clipped to [min, max] (default [−1, 1]); slope 1 inside, 0 outside. */
export function hardtanh(x: TensorLike, min = -1, max = 1): Tensor {
  checkNumber('hardtanh', 'min', min);
  checkNumber('hardtanh', 'max', max);
  if (!(min < max)) throw new Error(`hardtanh: min (${min}) must be less than max (${max})`);
  return scoped(() => clip(operand('hardtanh', x, 'float'), min, max));
}
defineOp({ name: 'hardtanh', kernels: [], grad: 'composite', family: F });

/** min(max(0, x), 6): hardtanh on [0, 6]. */
export function relu6(x: TensorLike): Tensor {
  return scoped(() => clip(operand('relu6', x, 'float'), 0, 6));
}
defineOp({ name: 'relu6', kernels: [], grad: 'composite', family: F });

/** x / (1 + |x|); d/dx = 1 / (1 + |x|)². */
export function softsign(x: TensorLike): Tensor {
  return scoped(() => {
    const t = operand('softsign', x, 'float');
    return div(t, add(abs(t), 1));
  });
}
defineOp({ name: 'softsign', kernels: [], grad: 'composite', family: F });

/** x·tanh(softplus(x)). */
export function mish(x: TensorLike): Tensor {
  return scoped(() => {
    const t = operand('mish', x, 'float');
    return mul(t, tanh(softplus(t)));
  });
}
defineOp({ name: 'mish', kernels: [], grad: 'composite', family: F });

/** x·relu6(x + 3)/6: 0 for x ≤ −3, x for x ≥ 3. */
export function hardswish(x: TensorLike): Tensor {
  return scoped(() => {
    const t = operand('hardswish', x, 'float');
    return mul(t, div(clip(add(t, 3), 0, 6), 6));
  });
}
defineOp({ name: 'hardswish', kernels: [], grad: 'composite', family: F });

/** ln σ(x) = −softplus(−x), stable for large |x|; d/dx = σ(−x). */
export function logSigmoid(x: TensorLike): Tensor {
  return scoped(() => neg(softplus(neg(operand('logSigmoid', x, 'float')))));
}
defineOp({ name: 'logSigmoid', kernels: [], grad: 'composite', family: F });

/** x − max(x) along `axis` (max detached: the results below do not depend on it); −∞ maxima shift by 0. */
function shiftByMax(x: Tensor, a: number): Tensor {
  if (x.shape[a] === 0) return x; // nothing to normalise
  const m = max(x, a, true).detach();
  return sub(x, where(gt(m, -Infinity), m, 0));
}

/** log softmax along `axis`: (x − max) − log Σ e^(x − max), stable and accurate for large logits. */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  assertTensor(x, 'logSoftmax', 'x');
  const a = normAxis(axis, x.rank, 'logSoftmax');
  return scoped(() => {
    const s = shiftByMax(x, a);
    return sub(s, log(sum(exp(s), a, true)));
  });
}
defineOp({ name: 'logSoftmax', kernels: [], grad: 'composite', family: F });

/** softmax along `axis`: e^(x − max) / Σ e^(x − max). */
export function softmax(x: Tensor, axis = -1): Tensor {
  assertTensor(x, 'softmax', 'x');
  const a = normAxis(axis, x.rank, 'softmax');
  return scoped(() => {
    const e = exp(shiftByMax(x, a));
    return div(e, sum(e, a, true));
  });
}
defineOp({ name: 'softmax', kernels: [], grad: 'composite', family: F });

/** softmin along `axis`: softmax(−x), e^(−xᵢ) / Σ e^(−xⱼ). */
export function softmin(x: Tensor, axis = -1): Tensor {
  assertTensor(x, 'softmin', 'x');
  checkInt('softmin', 'axis', axis);
  normAxis(axis, x.rank, 'softmin');
  return scoped(() => softmax(neg(x), axis));
}
defineOp({ name: 'softmin', kernels: [], grad: 'composite', family: F });
