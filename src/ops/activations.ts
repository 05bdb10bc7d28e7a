/** Activation functions (SCOPE §3) and softmax/logSoftmax, each with its derivative. */
import { apply, scoped } from '../engine.js';
import { defineOp } from '../registry.js';
import type { Tensor, TensorLike } from '../tensor/tensor.js';
import { normAxis } from '../tensor/shape.js';
import { add, div, exp, log, mul, sub, where, gt, maximum, square } from './elementwise.js';
import { max, sum } from './reduce.js';
import { SELU_ALPHA, SELU_SCALE } from '../constants.js';
import { assertTensor, operand, unaryDef, unaryOp } from './util.js';
import { checkNumber } from '../validate.js';

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
