/**
 * Every public op validates its inputs: a wrong shape, dtype, axis or argument throws an Error
 * whose message names the op, the argument and the shapes involved. Nothing returns NaN or hangs.
 */
import { describe, expect, it } from 'vitest';
import * as nb from '../src/index.js';

// Core semantics are tested on the reference backend (with float64); every backend's ops are
// tested by test/conformance/, which runs on all of them.
nb.setBackend('cpu');

const t = (s: number[]): nb.Tensor => nb.zeros(s);
const i32 = (v: number[]): nb.Tensor => nb.tensor(v, { dtype: 'int32' });
const bad = <T>(v: unknown): T => v as T;

/** [what, call, expected message (exact substring or pattern)]. */
const cases: [string, () => unknown, string | RegExp][] = [
  // elementwise
  ['add broadcast', () => nb.add(t([2, 3]), t([4])), 'add: shapes cannot be broadcast together: a is [2,3], b is [4]'],
  ['mul broadcast', () => nb.mul(t([2]), t([3, 3])), 'mul: shapes cannot be broadcast together: a is [2], b is [3,3]'],
  ['pow broadcast', () => nb.pow(t([2]), t([3])), 'pow: shapes cannot be broadcast together: a is [2], b is [3]'],
  ['add non-tensor', () => nb.add(bad('x'), t([1])), 'add: a must be a Tensor or a number, got string'],
  ['sub null', () => nb.sub(t([1]), bad(null)), 'sub: b must be a Tensor or a number, got null'],
  ['two numbers', () => nb.add(bad(1), bad(2)), 'add: at least one operand must be a Tensor, got two numbers'],
  ['exp undefined', () => nb.exp(bad(undefined)), 'exp: x must be a Tensor or a number, got undefined'],
  ['clip min > max', () => nb.clip(t([2]), 1, 0), 'clip: min (1) must not exceed max (0)'],
  ['where shapes', () => nb.where(nb.tensor([true, false]), t([3]), t([3])), 'where: shapes cannot be broadcast together: cond is [2], a is [3]'],
  ['where cond', () => nb.where(bad(null), t([3]), t([3])), 'where: cond must be a Tensor, got null'],
  ['logicalAnd shapes', () => nb.logicalAnd(nb.tensor([true, false]), nb.tensor([true, false, true])), 'logicalAnd: shapes cannot be broadcast together: a is [2], b is [3]'],
  ['cast dtype', () => nb.cast(t([1]), bad('float16')), 'cast: dtype must be one of float32, float64, int32, bool, got "float16"'],
  ['eq broadcast', () => nb.eq(t([2]), t([3])), 'eq: shapes cannot be broadcast together: a is [2], b is [3]'],
  // reductions
  ['sum axis range', () => nb.sum(t([2]), 1), 'sum: axis 1 is out of range for a tensor of rank 1'],
  ['sum axis type', () => nb.sum(t([2]), bad('a')), 'sum: axes must be a number or an array of numbers, got "a"'],
  ['mean non-integer axis', () => nb.mean(t([2, 2]), 0.5), 'mean: axis must be an integer, got 0.5'],
  ['max repeated axes', () => nb.max(t([2, 2]), [0, -2]), 'max: axes [0,-2] contain a repeated axis'],
  ['max empty', () => nb.max(t([2, 0]), 1), 'max: cannot reduce empty axes [1] of [2,0]'],
  ['argmax axis', () => nb.argmax(t([2]), 2), 'argmax: axis 2 is out of range for a tensor of rank 1'],
  ['argmin empty', () => nb.argmin(t([0])), 'argmin: axis -1 of [0] is empty'],
  ['variance dof', () => nb.variance(t([1]), 0, false, 1), 'variance: 1 elements over axes [0] of [1] leave no degrees of freedom with correction 1'],
  ['logsumexp axis', () => nb.logsumexp(t([2]), 3), 'logsumexp: axis 3 is out of range'],
  // matmul
  ['matmul inner', () => nb.matmul(t([2, 3]), t([4, 5])), 'matmul: inner dimensions differ: a is [2,3], b is [4,5]'],
  ['matmul rank 0', () => nb.matmul(nb.scalar(1), t([4, 5])), 'matmul: operands must have rank ≥ 1: a is [], b is [4,5]'],
  ['matmul batch', () => nb.matmul(t([2, 2, 3]), t([3, 3, 1])), 'matmul: batch dimensions cannot be broadcast together: a is [2,2,3], b is [3,3,1]'],
  ['matmul dtypes', () => nb.matmul(t([2, 3]), nb.zeros([3, 1], { dtype: 'float64' })), 'matmul: dtypes differ: a is float32, b is float64'],
  ['matmul vector', () => nb.matmul(t([3]), t([2, 2])), 'matmul: inner dimensions differ: a is [3], b is [2,2]'],
  ['matmulT rank', () => nb.matmulT(t([3]), t([3, 2]), false, false), 'matmulT: operands must have rank ≥ 2: a is [3], b is [3,2]'],
  ['dot', () => nb.dot(t([2]), t([3])), 'dot: needs two vectors of one length: a is [2], b is [3]'],
  ['outer', () => nb.outer(t([2, 1]), t([3])), 'outer: needs two vectors: a is [2,1], b is [3]'],
  // shape
  ['reshape size', () => nb.reshape(t([2, 3]), [4]), 'reshape: cannot reshape [2,3] (6 elements) to [4] (4 elements)'],
  ['reshape two -1', () => nb.reshape(t([2, 3]), [-1, -1]), 'reshape: only one dimension may be -1, got [-1,-1]'],
  ['reshape -1 misfit', () => nb.reshape(t([2, 3]), [4, -1]), 'reshape: cannot reshape [2,3] (6 elements) to [4,-1]'],
  ['reshape fraction', () => nb.reshape(t([2, 3]), [1.5, 4]), 'reshape: shape [1.5,4] must hold integers ≥ -1'],
  ['transpose perm', () => nb.transpose(t([2, 3]), [0, 0]), 'transpose: perm [0,0] is not a permutation of the 2 axes of [2,3]'],
  ['transpose perm range', () => nb.transpose(t([2, 3]), [0, 2]), 'transpose: perm 2 is out of range for a tensor of rank 2'],
  ['matrixTranspose rank', () => nb.matrixTranspose(t([3])), 'matrixTranspose: needs rank ≥ 2, got [3]'],
  ['squeeze size', () => nb.squeeze(t([2, 3]), 0), 'squeeze: axis 0 of [2,3] has size 2, not 1'],
  ['unsqueeze axis', () => nb.unsqueeze(t([2, 3]), 4), 'unsqueeze: axis 4 is out of range for a tensor of rank 3'],
  ['flatten axes', () => nb.flatten(t([2, 3]), 1, 0), 'flatten: startAxis 1 comes after endAxis 0 for [2,3]'],
  ['broadcastTo', () => nb.broadcastTo(t([2, 3]), [3, 3]), 'broadcastTo: shapes cannot be broadcast together: x is [2,3], shape is [3,3]'],
  ['broadcastTo rank', () => nb.broadcastTo(t([2, 3]), [3]), 'broadcastTo: cannot broadcast [2,3] to [3]'],
  ['slice range', () => nb.slice(t([2, 3]), [0, 2], [1, 2]), 'slice: begin [0,2] size [1,2] is out of range for [2,3] at axis 1'],
  ['slice too many', () => nb.slice(t([2]), [0, 0]), 'slice: begin [0,0] has more entries than [2] has axes'],
  ['slice lengths', () => nb.slice(t([2, 2]), [0, 0], [1]), 'slice: begin [0,0] and size [1] differ in length'],
  ['pad entries', () => nb.pad(t([2]), [[1, 1], [1, 1]]), 'pad: pads has 2 entries, x [2] has 1 axes'],
  ['pad negative', () => nb.pad(t([2]), [[-1, 1]]), 'pad: each pad must be [before, after] with non-negative integers, got [-1,1]'],
  ['concat shapes', () => nb.concat([t([2, 3]), t([2, 4])]), 'concat: xs[1] has shape [2,4], incompatible with xs[0] [2,3] along axis 0'],
  ['concat dtypes', () => nb.concat([t([2]), nb.zeros([2], { dtype: 'int32' })]), 'concat: xs[1] is int32, xs[0] is float32'],
  ['concat empty', () => nb.concat([]), 'concat: needs a non-empty array of tensors'],
  ['concat axis', () => nb.concat([t([2]), t([2])], 1), 'concat: axis 1 is out of range for a tensor of rank 1'],
  ['stack shapes', () => nb.stack([t([2, 3]), t([3, 2])]), 'stack: xs[1] has shape [3,2], xs[0] has [2,3]'],
  ['split equal', () => nb.split(t([5]), 2), 'split: axis 0 of [5] (size 5) cannot be split into 2 equal parts'],
  ['split sizes', () => nb.split(t([5]), [2, 2]), 'split: sizes [2,2] must be non-negative and sum to 5 (axis 0 of [5])'],
  ['tile reps', () => nb.tile(t([2]), [-1]), 'tile: reps [-1] must be non-negative integers'],
  ['repeat count', () => nb.repeat(t([2]), 1.5), 'repeat: repeats must be a non-negative integer, got 1.5'],
  // indexing
  ['gather float indices', () => nb.gather(t([3]), nb.tensor([1.5])), "gather: indices must be int32, got float32 [1]"],
  ['gather bool indices', () => nb.gather(t([3]), nb.tensor([true])), 'gather: indices must be int32, got bool [1]'],
  ['gather range', () => nb.gather(t([3]), i32([5])), 'gather: index 5 is out of range for axis 0 of size 3'],
  ['gather axis', () => nb.gather(t([3]), i32([1]), 1), 'gather: axis 1 is out of range for a tensor of rank 1'],
  ['indexSelect rank', () => nb.indexSelect(t([3]), 0, nb.tensor([[1]], { dtype: 'int32' })), 'indexSelect: indices must be 1-D, got [1,1]'],
  ['scatterAdd shape', () => nb.scatterAdd(t([3, 2]), i32([1]), t([2, 2])), 'scatterAdd: updates has shape [2,2], expected [1,2] for target [3,2], indices [1], axis 0'],
  ['scatterAdd dtype', () => nb.scatterAdd(t([3]), i32([1]), nb.zeros([1], { dtype: 'float64' })), 'scatterAdd: updates is float64, target is float32'],
  ['oneHot depth', () => nb.oneHot(i32([1]), 0), 'oneHot: depth must be a positive integer, got 0'],
  // activations
  ['softmax axis', () => nb.softmax(t([2, 3]), 2), 'softmax: axis 2 is out of range for a tensor of rank 2'],
  ['logSoftmax axis', () => nb.logSoftmax(t([2, 3]), -3), 'logSoftmax: axis -3 is out of range for a tensor of rank 2'],
  ['leakyRelu slope', () => nb.leakyRelu(t([2]), 2), 'leakyRelu: slope must be in [0, 1], got 2'],
  ['elu alpha', () => nb.elu(t([2]), NaN), 'elu: alpha must be a finite number, got NaN'],
  // convolution and pooling
  ['conv2d rank', () => nb.conv2d(t([1, 3, 4]), t([2, 3, 3, 3])), 'conv2d: x must be 4-D NCHW [batch, channels, height, width], got [1,3,4]'],
  ['conv2d filter rank', () => nb.conv2d(t([1, 3, 4, 4]), t([3, 3, 3])), 'conv2d: filter must be 4-D [outChannels, inChannels/groups, kH, kW], got [3,3,3]'],
  ['conv2d channels', () => nb.conv2d(t([1, 3, 4, 4]), t([2, 2, 3, 3])), 'conv2d: filter expects 2 input channels (2 per group × 1 groups) but x has 3: x is [1,3,4,4], filter is [2,2,3,3]'],
  ['conv2d kernel too big', () => nb.conv2d(t([1, 3, 4, 4]), t([2, 3, 5, 5])), 'conv2d: kernel 5×5 (dilation 1×1) is larger than the padded input: x is [1,3,4,4], filter is [2,3,5,5]'],
  ['conv2d stride', () => nb.conv2d(t([1, 3, 4, 4]), t([2, 3, 3, 3]), { stride: 0 }), 'conv2d: stride must be integers ≥ 1, got 0'],
  ['conv2d dilation', () => nb.conv2d(t([1, 3, 4, 4]), t([2, 3, 3, 3]), { dilation: [1, 0] }), 'conv2d: dilation must be integers ≥ 1, got [1,0]'],
  ['conv2d padding', () => nb.conv2d(t([1, 3, 4, 4]), t([2, 3, 3, 3]), { padding: bad('full') }), `conv2d: padding must be a number, [h, w], [top, bottom, left, right], 'same' or 'valid', got "full"`],
  ['conv2d negative padding', () => nb.conv2d(t([1, 3, 4, 4]), t([2, 3, 3, 3]), { padding: -1 }), 'conv2d: padding must be non-negative integers, got -1'],
  ['conv2d groups', () => nb.conv2d(t([1, 3, 4, 4]), t([2, 3, 3, 3]), { groups: 2 }), 'conv2d: groups 2 must divide input channels (x is [1,3,4,4]) and output channels (filter is [2,3,3,3])'],
  ['conv2d dtype', () => nb.conv2d(nb.zeros([1, 1, 3, 3], { dtype: 'int32' }), t([1, 1, 1, 1])), 'conv2d: x must be float32 or float64, got int32'],
  ['conv2d dtypes differ', () => nb.conv2d(t([1, 1, 3, 3]), nb.zeros([1, 1, 1, 1], { dtype: 'float64' })), 'conv2d: dtypes differ: x is float32, filter is float64'],
  ['conv2dTranspose channels', () => nb.conv2dTranspose(t([1, 3, 4, 4]), t([2, 3, 3, 3])), 'conv2dTranspose: filter has 2 input channels, x has 3: x is [1,3,4,4], filter is [2,3,3,3]'],
  ['conv2dTranspose outputPadding', () => nb.conv2dTranspose(t([1, 2, 4, 4]), t([2, 3, 3, 3]), { outputPadding: 1 }), 'conv2dTranspose: outputPadding must be smaller than stride or dilation, got 1×1'],
  ['maxPool2d rank', () => nb.maxPool2d(t([3, 4, 4]), 2), 'maxPool2d: x must be 4-D NCHW [batch, channels, height, width], got [3,4,4]'],
  ['maxPool2d kernel', () => nb.maxPool2d(t([1, 1, 4, 4]), 5), 'maxPool2d: kernel 5×5 is larger than the padded input [1,1,4,4]'],
  ['maxPool2d kernel 0', () => nb.maxPool2d(t([1, 1, 4, 4]), 0), 'maxPool2d: kernel must be integers ≥ 1, got 0'],
  ['maxPool2d stride', () => nb.maxPool2d(t([1, 1, 4, 4]), 2, { stride: 1.5 }), 'maxPool2d: stride must be integers ≥ 1, got 1.5'],
  ['avgPool2d padding', () => nb.avgPool2d(t([1, 1, 4, 4]), 2, { padding: 2 }), 'avgPool2d: padding [2,2,2,2] must be smaller than the kernel 2×2'],
  ['avgPool2d dtype', () => nb.avgPool2d(nb.zeros([1, 1, 2, 2], { dtype: 'int32' }), 2), 'avgPool2d: x must be float32 or float64, got int32'],
  // creation
  ['tensor ragged', () => nb.tensor([[1, 2], [3]]), 'tensor: ragged nested array: expected length 2 at depth 1, got 1'],
  ['tensor strings', () => nb.tensor(bad(['a'])), 'tensor: values must be numbers or booleans, got string'],
  ['tensor shape', () => nb.tensor([1, 2, 3], { shape: [2, 2] }), 'tensor: 3 values cannot have shape [2,2]'],
  ['zeros negative', () => nb.zeros([-1]), 'full: shape [-1] must hold non-negative integers'],
  ['fromArray size', () => nb.fromArray(new Float32Array(3), [2, 2]), 'fromArray: 3 values cannot have shape [2,2] (4 elements)'],
  ['arange step', () => nb.arange(0, 1, 0), 'arange: step must be a non-zero finite number, got 0'],
  ['linspace num', () => nb.linspace(0, 1, -1), 'linspace: num must be a non-negative integer, got -1'],
  ['eye', () => nb.eye(-1), 'eye: shape [-1,-1] must hold non-negative integers'],
  ['rand range', () => nb.rand([2], { low: 1, high: 0 }), 'rand: high (0) must be greater than low (1)'],
  ['randn std', () => nb.randn([2], { std: -1 }), 'randn: std must be non-negative, got -1'],
  ['randn dtype', () => nb.randn([2], { dtype: 'int32' }), 'randn: dtype must be float32 or float64, got int32'],
  ['randint', () => nb.randint(3, 1, [2]), 'randint: need integers low < high, got low=3, high=1'],
  ['setBackend', () => nb.setBackend('nope'), "setBackend: unknown backend 'nope'; registered: cpu"],
  // non-array and non-number arguments
  ['reshape shape type', () => nb.reshape(t([2, 3]), bad('ab')), 'reshape: shape must be an array of integers, got "ab"'],
  ['zeros shape type', () => nb.zeros(bad(3)), 'full: shape must be an array of non-negative integers, got 3'],
  ['rand shape type', () => nb.rand(bad(2)), 'rand: shape must be an array of non-negative integers, got 2'],
  ['tile reps type', () => nb.tile(t([2]), bad(2)), 'tile: reps must be an array of integers, got 2'],
  ['slice begin type', () => nb.slice(t([2]), bad(1)), 'slice: begin must be an array of integers, got 1'],
  ['pad pads type', () => nb.pad(t([2, 3]), bad(1)), 'pad: pads must be an array of [before, after] pairs, one per axis of x [2,3]'],
  ['transpose perm type', () => nb.transpose(t([2, 3]), bad('10')), 'transpose: perm must be an array of integers, got "10"'],
  ['broadcastTo shape type', () => nb.broadcastTo(t([2]), bad(3)), 'broadcastTo: shape must be an array of non-negative integers, got 3'],
  ['split sections type', () => nb.split(t([2]), bad('2')), 'split: sections must be a number of equal parts or an array of sizes, got "2"'],
  ['pow exponent type', () => nb.pow(t([2]), bad('2')), 'pow: b must be a Tensor or a number, got string'],
  ['softmax axis type', () => nb.softmax(t([2]), bad('0')), 'softmax: axis must be an integer, got "0"'],
  ['variance correction', () => nb.variance(t([2]), 0, false, bad('1')), 'variance: correction must be a non-negative integer (0 or 1), got "1"'],
  ['arange bound', () => nb.arange(0, Infinity), 'arange: start and stop must be finite numbers, got 0 and Infinity'],
  ['full value', () => nb.full([2], bad('1')), 'full: value must be a number, got string'],
  ['seed', () => nb.seed(bad('x')), 'seed: n must be a finite number, got "x"'],
  ['oneHot indices type', () => nb.oneHot(bad([1]), 3), 'oneHot: indices must be a Tensor, got object'],
  ['stack element type', () => nb.stack([t([2]), bad(3)]), 'stack: xs[1] must be a Tensor, got number'],
  // tensors and autograd
  ['item', () => t([2]).item(), 'item: tensor has 2 elements [2], expected 1'],
  ['assign shape', () => t([2]).assign(t([3])), 'assign: shapes differ: target is [2], value is [3]'],
  ['requireGrad int', () => nb.zeros([1], { dtype: 'int32' }).requireGrad(), 'requireGrad: only floating tensors can require gradients, got int32'],
  ['backward non-scalar', () => nb.tensor([1, 2], { requiresGrad: true }).mul(2).backward(), 'backward: output has shape [2]; backward() without a gradient needs a single-element output'],
  ['backward no grad', () => t([1]).backward(), 'backward: the output [1] does not require grad'],
  ['grad non-scalar', () => nb.grad((x: nb.Tensor) => x)(t([2])), 'grad: f must return a single-element tensor, got shape [2]'],
];

describe('every public op validates its inputs', () => {
  for (const [what, call, message] of cases) {
    it(what, () => {
      let err: unknown = null;
      try {
        call();
      } catch (e) {
        err = e;
      }
      expect(err, `${what} did not throw`).toBeInstanceOf(Error);
      const msg = (err as Error).message;
      if (typeof message === 'string') expect(msg).toContain(message);
      else expect(msg).toMatch(message);
    });
  }

  it('a disposed input names the op and the argument', () => {
    const x = nb.ones([2, 2]);
    x.dispose();
    expect(() => nb.matmul(x, nb.ones([2, 2]))).toThrow('matmul: a: tensor [2,2] was disposed');
    expect(() => nb.exp(x)).toThrow('exp: x: tensor [2,2] was disposed');
    expect(() => nb.sum(x)).toThrow('sum: x: tensor [2,2] was disposed');
  });

  it('inputs on different backends are refused', () => {
    nb.registerBackend('cpu-b', () => {
      const be = nb.getBackend();
      return Object.assign(Object.create(Object.getPrototypeOf(be) as object) as nb.Backend, be, { name: 'cpu-b' });
    });
    const a = nb.ones([2], { backend: 'cpu-b' });
    expect(() => nb.add(a, nb.ones([2]))).toThrow("add: inputs live on different backends ('cpu-b' and 'cpu')");
  });

  it('no silent truncation of indices, no hang on a huge request', () => {
    expect(() => nb.oneHot(nb.tensor([0.5]), 2)).toThrow(/oneHot: indices must be int32, got float32/);
    expect(() => nb.zeros([1e6, 1e6])).toThrow();
  });
});
