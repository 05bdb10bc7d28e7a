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
  ['cast dtype', () => nb.cast(t([1]), bad('float16')), `cast: dtype must be one of 'float32', 'float64', 'int32', 'bool', got string "float16"`],
  ['eq broadcast', () => nb.eq(t([2]), t([3])), 'eq: shapes cannot be broadcast together: a is [2], b is [3]'],
  // reductions
  ['sum axis range', () => nb.sum(t([2]), 1), 'sum: axis 1 is out of range for a tensor of rank 1'],
  ['sum axis type', () => nb.sum(t([2]), bad('a')), 'sum: axes must be a number or an array of numbers, got string "a"'],
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
  ['leakyRelu slope', () => nb.leakyRelu(t([2]), 2), 'leakyRelu: slope must be a finite number ≥ 0 and ≤ 1, got 2'],
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
  ['zeros negative', () => nb.zeros([-1]), 'zeros: shape [-1] must hold non-negative integers'],
  ['fromArray size', () => nb.fromArray(new Float32Array(3), [2, 2]), 'fromArray: 3 values cannot have shape [2,2] (4 elements)'],
  ['arange step', () => nb.arange(0, 1, 0), 'arange: step must be a non-zero finite number, got 0'],
  ['linspace num', () => nb.linspace(0, 1, -1), 'linspace: num must be a non-negative integer, got -1'],
  ['eye', () => nb.eye(-1), 'eye: n must be an integer ≥ 0, got -1'],
  ['rand range', () => nb.rand([2], { low: 1, high: 0 }), 'rand: high (0) must be greater than low (1)'],
  ['randn std', () => nb.randn([2], { std: -1 }), 'randn: std must be non-negative, got -1'],
  ['randn dtype', () => nb.randn([2], { dtype: 'int32' }), 'randn: dtype must be float32 or float64, got int32'],
  ['randint', () => nb.randint(3, 1, [2]), 'randint: need integers low < high, got low=3, high=1'],
  ['setBackend', () => nb.setBackend('nope'), "setBackend: unknown backend 'nope'; registered: cpu"],
  // non-array and non-number arguments
  ['reshape shape type', () => nb.reshape(t([2, 3]), bad('ab')), 'reshape: shape must be an array of integers, got string "ab"'],
  ['zeros shape type', () => nb.zeros(bad(3)), 'zeros: shape must be an array of non-negative integers, got 3'],
  ['rand shape type', () => nb.rand(bad(2)), 'rand: shape must be an array of non-negative integers, got 2'],
  ['tile reps type', () => nb.tile(t([2]), bad(2)), 'tile: reps must be an array of integers, got 2'],
  ['slice begin type', () => nb.slice(t([2]), bad(1)), 'slice: begin must be an array of integers, got 1'],
  ['pad pads type', () => nb.pad(t([2, 3]), bad(1)), 'pad: pads must be an array of [before, after] pairs, one per axis of x [2,3]'],
  ['transpose perm type', () => nb.transpose(t([2, 3]), bad('10')), 'transpose: perm must be an array of integers, got string "10"'],
  ['broadcastTo shape type', () => nb.broadcastTo(t([2]), bad(3)), 'broadcastTo: shape must be an array of non-negative integers, got 3'],
  ['split sections type', () => nb.split(t([2]), bad('2')), 'split: sections must be a number of equal parts or an array of sizes, got string "2"'],
  ['pow exponent type', () => nb.pow(t([2]), bad('2')), 'pow: b must be a Tensor or a number, got string'],
  ['softmax axis type', () => nb.softmax(t([2]), bad('0')), 'softmax: axis must be an integer, got string "0"'],
  ['variance correction', () => nb.variance(t([2]), 0, false, bad('1')), 'variance: correction must be an integer ≥ 0, got string "1"'],
  ['arange bound', () => nb.arange(0, Infinity), 'arange: start and stop must be finite numbers, got 0 and Infinity'],
  ['full value', () => nb.full([2], bad('1')), 'full: value must be a number or a boolean, got string "1"'],
  ['seed', () => nb.seed(bad('x')), 'seed: n must be a finite number, got string "x"'],
  ['oneHot indices type', () => nb.oneHot(bad([1]), 3), 'oneHot: indices must be a Tensor, got object'],
  ['stack element type', () => nb.stack([t([2]), bad(3)]), 'stack: xs[1] must be a Tensor, got number'],
  // tensors and autograd
  ['item', () => t([2]).item(), 'item: tensor has 2 elements [2], expected 1'],
  ['assign shape', () => t([2]).assign(t([3])), 'assign: shapes differ: target is [2], value is [3]'],
  ['requireGrad int', () => nb.zeros([1], { dtype: 'int32' }).requireGrad(), 'requireGrad: only floating tensors can require gradients, got int32'],
  ['backward non-scalar', () => nb.tensor([1, 2], { requiresGrad: true }).mul(2).backward(), 'backward: output has shape [2]; backward() without a gradient needs a single-element output'],
  ['backward no grad', () => t([1]).backward(), 'backward: the output [1] does not require grad'],
  ['grad non-scalar', () => nb.grad((x: nb.Tensor) => x)(t([2])), 'grad: f must return a single-element tensor, got shape [2]'],
  // int32 range at creation (values that would wrap, or silently become 0)
  ['tensor int32 overflow', () => nb.tensor([1, 3e9], { dtype: 'int32' }), 'tensor: value 3000000000 at index 1 does not fit in int32'],
  ['tensor int32 NaN', () => nb.tensor([NaN], { dtype: 'int32' }), 'tensor: value NaN at index 0 does not fit in int32'],
  ['tensor int32 Infinity', () => nb.tensor([[0, -Infinity]], { dtype: 'int32' }), 'tensor: value -Infinity at index 1 does not fit in int32'],
  ['tensor typed array to int32', () => nb.tensor(new Float64Array([1, 2, 1e10]), { dtype: 'int32' }), 'tensor: value 10000000000 at index 2 does not fit in int32'],
  ['fromArray conversion to int32', () => nb.fromArray(new Float32Array([0, NaN]), [2], { dtype: 'int32' }), 'fromArray: value NaN at index 1 does not fit in int32'],
  ['full int32', () => nb.full([2], 2 ** 31, { dtype: 'int32' }), 'full: value 2147483648 does not fit in int32'],
  ['fullLike int32', () => nb.fullLike(i32([1]), Infinity), 'fullLike: value Infinity does not fit in int32'],
  ['arange int32', () => nb.arange(2 ** 31 - 2, 2 ** 31 + 1), 'arange: value 2147483648 at index 2 does not fit in int32'],
  ['linspace int32', () => nb.linspace(0, 5e9, 3, { dtype: 'int32' }), 'linspace: stop 5000000000 does not fit in int32'],
  ['randint high', () => nb.randint(0, 1e10, [2]), 'randint: low and high must lie in int32\'s range [-2147483648, 2147483648], got low=0, high=10000000000'],
  ['randint dtype', () => nb.randint(0, 2, [2], { dtype: 'float32' }), 'randint: dtype must be int32, got float32'],
  ['oneHot int32 onValue', () => nb.oneHot(i32([1]), 2, { dtype: 'int32', onValue: 1e10 }), 'oneHot: options.onValue 10000000000 does not fit in int32'],
  ['pad int32 value', () => nb.pad(i32([1]), [[1, 1]], NaN), 'pad: value NaN does not fit in int32'],
  // sizes no tensor can hold
  ['zeros huge', () => nb.zeros([1e5, 1e5]), 'zeros: shape [100000,100000] has 10000000000 elements, more than a tensor can hold (2147483647)'],
  ['arange huge', () => nb.arange(0, 1e10), 'arange: shape [10000000000] has 10000000000 elements, more than a tensor can hold'],
  ['linspace huge', () => nb.linspace(0, 1, 1e10), 'linspace: shape [10000000000] has 10000000000 elements'],
  ['eye huge', () => nb.eye(1e5), 'eye: shape [100000,100000] has 10000000000 elements'],
  ['tensor huge', () => nb.tensor([1], { shape: [1e5, 1e5] }), 'tensor: shape [100000,100000] has 10000000000 elements'],
  ['tile huge', () => nb.tile(t([2]), [1e10]), 'tile: shape [20000000000] has 20000000000 elements'],
  ['repeat huge', () => nb.repeat(t([2]), 1e10), 'repeat: shape [20000000000] has 20000000000 elements'],
  ['broadcastTo huge', () => nb.broadcastTo(t([1]), [1e10]), 'broadcastTo: shape [10000000000] has 10000000000 elements'],
  ['pad huge', () => nb.pad(t([2]), [[0, 1e10]]), 'pad: shape [10000000002] has 10000000002 elements'],
  ['oneHot huge', () => nb.oneHot(i32([1, 2]), 2 ** 31), 'oneHot: shape [2,2147483648] has 4294967296 elements'],
  ['conv2dTranspose huge', () => nb.conv2dTranspose(t([1, 1, 3, 3]), t([1, 1, 1, 1]), { stride: 1e6 }), 'conv2dTranspose: shape [1,1,2000001,2000001] has'],
  ['rand huge', () => nb.rand([1e10]), 'rand: shape [10000000000] has 10000000000 elements'],
  // creation arguments and options
  ['linspace string start', () => nb.linspace(bad('1'), 2, 3), 'linspace: start must be a finite number, got string "1"'],
  ['linspace stop', () => nb.linspace(0, bad(undefined), 3), 'linspace: stop must be a finite number, got undefined'],
  ['linspace num type', () => nb.linspace(0, 1, bad('3')), 'linspace: num must be a non-negative integer, got string "3"'],
  ['arange string', () => nb.arange(bad('5')), 'arange: stop must be a finite number, got string "5"'],
  ['arange step type', () => nb.arange(0, 5, bad(null)), 'arange: step must be a non-zero finite number, got null'],
  ['zeros bogus dtype', () => nb.zeros([2], { dtype: bad('bogus') }), `zeros: options.dtype must be one of 'float32', 'float64', 'int32', 'bool', got string "bogus"`],
  ['tensor bogus dtype', () => nb.tensor([1], { dtype: bad('float16') }), `tensor: options.dtype must be one of`],
  ['ones options type', () => nb.ones([2], bad(null)), 'ones: options must be an object, got null'],
  ['full unknown option', () => nb.full([2], 1, bad({ dtpye: 'int32' })), "full: unknown option 'dtpye' in options; known options: dtype, requiresGrad, backend"],
  ['zeros backend type', () => nb.zeros([2], { backend: bad(3) }), 'zeros: options.backend must be a string, got 3'],
  ['zeros backend name', () => nb.zeros([2], { backend: 'nope' }), "zeros: unknown backend 'nope'"],
  ['zeros requiresGrad type', () => nb.zeros([2], { requiresGrad: bad('yes') }), 'zeros: options.requiresGrad must be true or false, got string "yes"'],
  ['zeros requiresGrad int', () => nb.zeros([2], { dtype: 'int32', requiresGrad: true }), 'zeros: only floating tensors can require gradients, got dtype int32'],
  ['scalar value', () => nb.scalar(bad('1')), 'scalar: value must be a number or a boolean, got string "1"'],
  ['tensor null', () => nb.tensor(bad(null)), 'tensor: values must be numbers or booleans, got null'],
  ['tensor object', () => nb.tensor(bad({})), 'tensor: values must be numbers or booleans, got an object'],
  ['tensor options shape', () => nb.tensor([1], { shape: bad('1') }), 'tensor: options.shape must be an array of non-negative integers, got string "1"'],
  ['fromArray values', () => nb.fromArray(bad([1, 2])), 'fromArray: values must be a Float32Array, Float64Array, Int32Array or Uint8Array (bool), got Array'],
  ['zerosLike null', () => nb.zerosLike(bad(null)), 'zerosLike: t must be a Tensor, got null'],
  ['onesLike array', () => nb.onesLike(bad([1])), 'onesLike: t must be a Tensor, got an array [1] of length 1'],
  ['fullLike value', () => nb.fullLike(t([2]), bad(undefined)), 'fullLike: value must be a number or a boolean, got undefined'],
  ['eye m', () => nb.eye(2, bad('3')), 'eye: m must be an integer ≥ 0, got string "3"'],
  ['rand low', () => nb.rand([2], { low: bad('0') }), 'rand: options.low must be a finite number, got string "0"'],
  ['rand random', () => nb.rand([2], { random: bad(3) }), 'rand: options.random must be an nb.Random, got 3'],
  ['randn mean', () => nb.randn([2], { mean: NaN }), 'randn: options.mean must be a finite number, got NaN'],
  ['randint low', () => nb.randint(bad('0'), 5, [2]), 'randint: need integers low < high, got low=string "0", high=5'],
  ['randint shape', () => nb.randint(0, 5, bad(null)), 'randint: shape must be an array of non-negative integers, got null'],
  ['Random seed', () => new nb.Random(bad('x')), 'Random: seed must be a finite number, got string "x"'],
  ['Random.seed', () => new nb.Random(1).seed(bad(null)), 'Random.seed: n must be a finite number, got null'],
  ['Random.setState', () => new nb.Random(1).setState(bad({ words: [1, 2], spare: null })), 'Random.setState: state.words must be an array of four 32-bit integers, got an array [1,2] of length 2'],
  ['Random.permutation', () => new nb.Random(1).permutation(-1), 'Random.permutation: n must be an integer ≥ 0 and ≤ 2147483647, got -1'],
  ['Random.int', () => new nb.Random(1).int(bad('0'), 5), 'Random.int: need integers low < high, got low=string "0", high=5'],
  // ops: types of tensors, numbers and options
  ['sum keepDims', () => nb.sum(t([2, 2]), 0, bad('yes')), 'sum: keepDims must be true or false, got string "yes"'],
  ['mean keepDims', () => nb.mean(t([2, 2]), 0, bad(1)), 'mean: keepDims must be true or false, got 1'],
  ['max keepDims', () => nb.max(t([2, 2]), 0, bad(null)), 'max: keepDims must be true or false, got null'],
  ['argmax keepDims', () => nb.argmax(t([2, 2]), 0, bad('no')), 'argmax: keepDims must be true or false, got string "no"'],
  ['logsumexp keepDims', () => nb.logsumexp(t([2, 2]), 0, bad(0)), 'logsumexp: keepDims must be true or false, got 0'],
  ['variance keepDims', () => nb.variance(t([2, 2]), 0, bad('false')), 'variance: keepDims must be true or false, got string "false"'],
  ['sum NaN axis', () => nb.sum(t([2]), NaN), 'sum: axis must be an integer, got NaN'],
  ['sum tensor axes', () => nb.sum(t([2]), bad(t([1]))), 'sum: axes must be a number or an array of numbers, got a Tensor [1] float32'],
  ['argmin axis type', () => nb.argmin(t([2]), bad('0')), 'argmin: axis must be an integer, got string "0"'],
  ['clip min type', () => nb.clip(t([2]), bad('0'), 1), 'clip: min must be a number, got string "0"'],
  ['clip max NaN', () => nb.clip(t([2]), 0, NaN), 'clip: max must be a number, got NaN'],
  ['clip x', () => nb.clip(bad(null), 0, 1), 'clip: x must be a Tensor or a number, got null'],
  ['leakyRelu x', () => nb.leakyRelu(bad('x')), 'leakyRelu: x must be a Tensor or a number, got string'],
  ['leakyRelu slope type', () => nb.leakyRelu(t([2]), bad(null)), 'leakyRelu: slope must be a finite number ≥ 0 and ≤ 1, got null'],
  ['elu alpha type', () => nb.elu(t([2]), bad('1')), 'elu: alpha must be a finite number, got string "1"'],
  ['std x', () => nb.std(bad(null)), 'std: x must be a Tensor, got null'],
  ['std axis', () => nb.std(t([2, 3]), 2), 'std: axis 2 is out of range for a tensor of rank 2'],
  ['std correction', () => nb.std(t([2]), 0, false, -1), 'std: correction must be an integer ≥ 0, got -1'],
  ['std dof', () => nb.std(t([1]), 0, false, 1), 'std: 1 elements over axes [0] of [1] leave no degrees of freedom with correction 1'],
  ['std keepDims', () => nb.std(t([2]), 0, bad('yes')), 'std: keepDims must be true or false, got string "yes"'],
  ['cast float64 on a backend without it', () => nb.cast(nb.zeros([1], { backend: 'wasm' }), 'float64'), "cast: backend 'wasm' has no float64"],
  ['to name type', () => nb.to(t([1]), bad(3)), "to: name must be a string, got 3"],
  ['to name', () => nb.to(t([1]), 'nope'), "to: unknown backend 'nope'"],
  ['matmulT flag', () => nb.matmulT(t([2, 3]), t([2, 3]), bad('x'), true), 'matmulT: transA must be true or false, got string "x"'],
  ['matmulT inner', () => nb.matmulT(t([2, 3]), t([2, 3]), false, false), 'matmulT: inner dimensions differ: a is [2,3], b is [2,3]'],
  ['dot dtypes', () => nb.dot(t([2]), i32([1, 2])), 'dot: dtypes differ: a is float32, b is int32'],
  ['outer dtypes', () => nb.outer(t([2]), i32([1, 2])), 'outer: dtypes differ: a is float32, b is int32'],
  ['squeeze axes type', () => nb.squeeze(t([1, 2]), bad('0')), 'squeeze: axes must be an integer or an array of integers, got string "0"'],
  ['permute perm', () => nb.permute(t([2, 3]), bad(undefined)), 'permute: perm must be an array of integers, got undefined'],
  ['permute not a permutation', () => nb.permute(t([2, 3]), [1, 1]), 'permute: perm [1,1] is not a permutation of the 2 axes of [2,3]'],
  ['permute x', () => nb.permute(bad(null), [0]), 'permute: x must be a Tensor, got null'],
  ['pad pair type', () => nb.pad(t([2]), bad([1])), 'pad: each pad must be [before, after] with non-negative integers, got 1'],
  ['pad value type', () => nb.pad(t([2]), [[1, 1]], bad('0')), 'pad: value must be a number, got string "0"'],
  ['stack dtypes', () => nb.stack([t([2]), i32([1, 2])]), 'stack: xs[1] is int32, xs[0] is float32'],
  ['stack xs', () => nb.stack(bad(null)), 'stack: needs a non-empty array of tensors, got null'],
  ['concat xs', () => nb.concat(bad(t([2]))), 'concat: needs a non-empty array of tensors, got a Tensor [2] float32'],
  ['indexSelect axis', () => nb.indexSelect(t([3]), 1, i32([0])), 'indexSelect: axis 1 is out of range for a tensor of rank 1'],
  ['indexSelect x', () => nb.indexSelect(bad(null), 0, i32([0])), 'indexSelect: x must be a Tensor, got null'],
  ['indexSelect float indices', () => nb.indexSelect(t([3]), 0, t([1])), 'indexSelect: indices must be int32, got float32 [1]'],
  ['indexSelect index range', () => nb.indexSelect(t([3]), 0, i32([3])), 'indexSelect: index 3 is out of range for axis 0 of size 3'],
  ['oneHot dtype', () => nb.oneHot(i32([1]), 2, { dtype: bad('bool') }), `oneHot: options.dtype must be one of 'float32', 'float64', 'int32', got string "bool"`],
  ['oneHot onValue', () => nb.oneHot(i32([1]), 2, { onValue: bad('1') }), 'oneHot: options.onValue must be a number, got string "1"'],
  ['oneHot options', () => nb.oneHot(i32([1]), 2, bad(3)), 'oneHot: options must be an object, got 3'],
  ['conv2d options', () => nb.conv2d(t([1, 1, 3, 3]), t([1, 1, 1, 1]), bad(null)), 'conv2d: options must be an object, got null'],
  ['conv2d unknown option', () => nb.conv2d(t([1, 1, 3, 3]), t([1, 1, 1, 1]), bad({ strides: 2 })), "conv2d: unknown option 'strides' in options"],
  ['conv2d groups type', () => nb.conv2d(t([1, 1, 3, 3]), t([1, 1, 1, 1]), { groups: bad('1') }), 'conv2d: groups must be an integer ≥ 1, got string "1"'],
  ['conv2d stride type', () => nb.conv2d(t([1, 1, 3, 3]), t([1, 1, 1, 1]), { stride: bad(null) }), 'conv2d: stride must be integers ≥ 1 (a number or [h, w]), got null'],
  ['conv2dTranspose groups', () => nb.conv2dTranspose(t([1, 1, 3, 3]), t([1, 1, 1, 1]), { groups: 0 }), 'conv2dTranspose: groups must be an integer ≥ 1, got 0'],
  ['maxPool2d kernel missing', () => nb.maxPool2d(t([1, 1, 4, 4]), bad(undefined)), 'maxPool2d: kernel must be an integer ≥ 1 or [kH, kW], got undefined'],
  ['avgPool2d kernel null', () => nb.avgPool2d(t([1, 1, 4, 4]), bad(null)), 'avgPool2d: kernel must be integers ≥ 1 (a number or [h, w]), got null'],
  ['avgPool2d countIncludePad', () => nb.avgPool2d(t([1, 1, 4, 4]), 2, { countIncludePad: bad(1) }), 'avgPool2d: countIncludePad must be true or false, got 1'],
  ['maxPool2d options', () => nb.maxPool2d(t([1, 1, 4, 4]), 2, bad('same')), 'maxPool2d: options must be an object, got string "same"'],
  ['adamStep hyper-parameters', () => nb.adamStep(t([1]), t([1]), t([1]), t([1]), bad({ beta1: 0.9 })), 'adamStep: h.beta2 must be a number, got undefined'],
  // Tensor methods
  ['method add string', () => t([2]).add(bad('1')), 'add: b must be a Tensor or a number, got string'],
  ['method reshape null', () => t([2]).reshape(bad(null)), 'reshape: shape must be an array of integers, got null'],
  ['method assign', () => t([2]).assign(bad(null)), 'assign: value must be a Tensor, got null'],
  ['method requireGrad', () => t([2]).requireGrad(bad('yes')), 'requireGrad: flag must be true or false, got string "yes"'],
  ['method item disposed', () => { const x = t([1]); x.dispose(); return x.item(); }, 'item: tensor [1] was disposed'],
  ['method dataSync disposed', () => { const x = t([1]); x.dispose(); return x.dataSync(); }, 'dataSync: tensor [1] was disposed'],
  ['method detach disposed', () => { const x = t([1]); x.dispose(); return x.detach(); }, 'detach: tensor [1] was disposed'],
  // autograd and the engine
  ['grad f', () => nb.grad(bad<(x: nb.Tensor) => nb.Tensor>(null)), 'grad: f must be a function, got null'],
  ['valueAndGrad f', () => nb.valueAndGrad(bad<(x: nb.Tensor) => nb.Tensor>('f')), 'valueAndGrad: f must be a function, got string "f"'],
  ['grad argument', () => nb.grad((x: nb.Tensor) => x.sum())(bad([1, 2])), 'grad: argument 0 must be a Tensor, got an array [1,2] of length 2'],
  ['valueAndGrad argument', () => nb.valueAndGrad((x: nb.Tensor) => x.sum())(bad(null)), 'valueAndGrad: argument 0 must be a Tensor, got null'],
  ['grad int argument', () => nb.grad((x: nb.Tensor) => x.sum())(i32([1])), 'grad: argument 0 must be a floating tensor (gradients are float), got int32 [1]'],
  ['grad no argument', () => nb.grad(() => t([1]).sum())(), 'grad: the function it returns needs at least one Tensor argument, got none'],
  ['valueAndGrad result', () => nb.valueAndGrad((_x: nb.Tensor) => bad<nb.Tensor>(3))(t([1])), 'valueAndGrad: f must return a Tensor, got 3'],
  ['backward gradient', () => nb.tensor([1], { requiresGrad: true }).mul(2).backward(bad('1')), 'backward: gradient must be a Tensor (or omitted), got string "1"'],
  ['backward options', () => nb.tensor([1], { requiresGrad: true }).mul(2).backward(undefined, bad(null)), 'backward: options must be an object, got null'],
  ['backward createGraph', () => nb.tensor([1], { requiresGrad: true }).mul(2).backward(undefined, { createGraph: bad(1) }), 'backward: options.createGraph must be true or false, got 1'],
  ['gradcheck f', () => nb.testing.gradcheck(bad(null), [t([1])]), 'gradcheck: f must be a function, got null'],
  ['gradcheck inputs', () => nb.testing.gradcheck((x) => x, bad(t([1]))), 'gradcheck: inputs must be a non-empty array of Tensors, got a Tensor [1] float32'],
  ['gradcheck eps', () => nb.testing.gradcheck((x) => x, [t([1])], { eps: -1 }), 'gradcheck: options.eps must be a finite number > 0, got -1'],
  ['tidy fn', () => nb.tidy(bad(null)), 'tidy: fn must be a function, got null'],
  ['noGrad fn', () => nb.noGrad(bad(1)), 'noGrad: fn must be a function, got 1'],
  ['withGrad enabled', () => nb.withGrad(bad('yes'), () => 1), 'withGrad: enabled must be true or false, got string "yes"'],
  ['keep', () => nb.keep(bad({})), 'keep: t must be a Tensor, got an object'],
  ['setBackend type', () => nb.setBackend(bad(3)), "setBackend: name must be a backend name (one of 'cpu'"],
  ['registerBackend factory', () => nb.registerBackend('x', bad(null)), 'registerBackend: factory must be a function, got null'],
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
    // composite ops name themselves
    expect(() => nb.dot(a, nb.ones([2]))).toThrow("dot: inputs live on different backends ('cpu-b' and 'cpu')");
    expect(() => nb.outer(nb.ones([2]), a)).toThrow("outer: inputs live on different backends ('cpu' and 'cpu-b')");
    expect(() => nb.scatterAdd(nb.ones([2]), nb.tensor([0, 1], { dtype: 'int32' }), a)).toThrow("scatterAdd: inputs live on different backends ('cpu' and 'cpu-b')");
  });

  it('no silent truncation of indices, no hang on a huge request', () => {
    expect(() => nb.oneHot(nb.tensor([0.5]), 2)).toThrow(/oneHot: indices must be int32, got float32/);
    expect(() => nb.zeros([1e6, 1e6])).toThrow();
  });
});
