/** Matrix products: batched matmul with NumPy-style batch broadcasting, plus dot and outer. */
import { apply, scoped } from '../engine.js';
import { defineOp } from '../registry.js';
import type { Tensor } from '../tensor/tensor.js';
import { broadcastShapes, checkSize, fmt } from '../tensor/shape.js';
import { fail } from '../validate.js';
import { assertSameBackend, assertTensor, sumTo } from './util.js';
import { reshape } from './shape.js';
import { cast } from './elementwise.js';
import { isFloat } from '../tensor/dtype.js';

function broadcastBatch(op: string, a: Tensor, b: Tensor): readonly number[] {
  try {
    return broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2), op);
  } catch {
    throw new Error(`${op}: batch dimensions cannot be broadcast together: a is ${fmt(a.shape)}, b is ${fmt(b.shape)}`);
  }
}

const MatMul = defineOp({ name: 'matmul', kernels: ['matmul'], grad: 'rule', family: 'matmul' });

/**
 * op(a) · op(b) where op transposes the last two axes when the flag is set. Both inputs have
 * rank ≥ 2; batch axes broadcast. Exposed for layers that want a transposed operand without a copy.
 */
export function matmulT(a: Tensor, b: Tensor, transA: boolean, transB: boolean): Tensor {
  assertTensor(a, 'matmulT', 'a');
  assertTensor(b, 'matmulT', 'b');
  if (typeof transA !== 'boolean') fail('matmulT', 'transA', 'true or false', transA);
  if (typeof transB !== 'boolean') fail('matmulT', 'transB', 'true or false', transB);
  if (a.rank < 2 || b.rank < 2) throw new Error(`matmulT: operands must have rank ≥ 2: a is ${fmt(a.shape)}, b is ${fmt(b.shape)}`);
  if (a.dtype !== b.dtype) throw new Error(`matmulT: dtypes differ: a is ${a.dtype}, b is ${b.dtype}`);
  if (!isFloat(a.dtype)) throw new Error(`matmulT: operands must be float32 or float64, got ${a.dtype}`);
  return mm('matmulT', a, b, transA, transB);
}

/** The checked product (inputs of rank ≥ 2, one float dtype); `op` names the public function in errors. */
function mm(op: string, a: Tensor, b: Tensor, transA: boolean, transB: boolean): Tensor {
  const m = a.shape[a.rank - (transA ? 1 : 2)] as number;
  const ka = a.shape[a.rank - (transA ? 2 : 1)] as number;
  const kb = b.shape[b.rank - (transB ? 1 : 2)] as number;
  const n = b.shape[b.rank - (transB ? 2 : 1)] as number;
  if (ka !== kb) {
    throw new Error(`${op}: inner dimensions differ: a is ${fmt(a.shape)}${transA ? ' (transposed)' : ''}, b is ${fmt(b.shape)}${transB ? ' (transposed)' : ''}`);
  }
  const batch = broadcastBatch(op, a, b);
  const outShape = [...batch, m, n];
  checkSize(op, outShape);
  return apply(MatMul, [a, b], outShape, a.dtype, (be, [x, y]) => be.matmul(x!, y!, transA, transB, outShape), (dy, [x, y], _, needs) => [
    // d op(a) = dy · op(b)ᵀ and d op(b) = op(a)ᵀ · dy, written without materialising a transpose
    needs[0] ? sumTo(transA ? mm(op, y!, dy, transB, true) : mm(op, dy, y!, false, !transB), x!.shape) : null,
    needs[1] ? sumTo(transB ? mm(op, dy, x!, true, transA) : mm(op, x!, dy, !transA, false), y!.shape) : null,
  ]);
}

/**
 * Matrix product like NumPy's matmul: 1-D operands are promoted to a row/column and the added
 * axis removed afterwards; batch axes broadcast. `matmul: inner dimensions differ` names both shapes.
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  assertTensor(a, 'matmul', 'a');
  assertTensor(b, 'matmul', 'b');
  if (a.rank === 0 || b.rank === 0) throw new Error(`matmul: operands must have rank ≥ 1: a is ${fmt(a.shape)}, b is ${fmt(b.shape)}`);
  if (a.dtype !== b.dtype) throw new Error(`matmul: dtypes differ: a is ${a.dtype}, b is ${b.dtype}`);
  if (a.rank >= 2 && b.rank >= 2 && isFloat(a.dtype)) return mm('matmul', a, b, false, false); // no temporaries
  return scoped(() => matmulVec('matmul', a, b));
}

function matmulVec(op: string, a: Tensor, b: Tensor): Tensor {
  let x = a;
  let y = b;
  if (!isFloat(a.dtype)) {
    x = cast(a, 'float32');
    y = cast(b, 'float32');
  }
  const aVec = x.rank === 1;
  const bVec = y.rank === 1;
  if (aVec) x = reshape(x, [1, x.shape[0] as number]);
  if (bVec) y = reshape(y, [y.shape[0] as number, 1]);
  if ((x.shape[x.rank - 1] as number) !== (y.shape[y.rank - 2] as number)) {
    throw new Error(`${op}: inner dimensions differ: a is ${fmt(a.shape)}, b is ${fmt(b.shape)}`);
  }
  let out = mm(op, x, y, false, false);
  if (aVec || bVec) {
    const s = out.shape.slice();
    if (bVec) s.splice(s.length - 1, 1);
    if (aVec) s.splice(s.length - (bVec ? 1 : 2), 1);
    out = reshape(out, s);
  }
  return out;
}

/** Inner product of two vectors. */
export function dot(a: Tensor, b: Tensor): Tensor {
  assertTensor(a, 'dot', 'a');
  assertTensor(b, 'dot', 'b');
  if (a.rank !== 1 || b.rank !== 1 || a.shape[0] !== b.shape[0]) {
    throw new Error(`dot: needs two vectors of one length: a is ${fmt(a.shape)}, b is ${fmt(b.shape)}`);
  }
  if (a.dtype !== b.dtype) throw new Error(`dot: dtypes differ: a is ${a.dtype}, b is ${b.dtype}`);
  assertSameBackend('dot', a, b);
  return scoped(() => matmulVec('dot', a, b));
}
defineOp({ name: 'dot', kernels: [], grad: 'composite', family: 'matmul' });

/** Outer product of two vectors: [m] × [n] → [m, n]. */
export function outer(a: Tensor, b: Tensor): Tensor {
  assertTensor(a, 'outer', 'a');
  assertTensor(b, 'outer', 'b');
  if (a.rank !== 1 || b.rank !== 1) throw new Error(`outer: needs two vectors: a is ${fmt(a.shape)}, b is ${fmt(b.shape)}`);
  if (a.dtype !== b.dtype) throw new Error(`outer: dtypes differ: a is ${a.dtype}, b is ${b.dtype}`);
  assertSameBackend('outer', a, b);
  return scoped(() => matmulVec('outer', reshape(a, [a.size, 1]), reshape(b, [1, b.size])));
}
defineOp({ name: 'outer', kernels: [], grad: 'composite', family: 'matmul' });
