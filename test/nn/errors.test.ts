/**
 * One case per run-time check of the nn layers, Module methods and initializers: each wrong
 * argument (null, a string, an array, NaN, out of range, a misspelt option) throws a plain
 * Error whose message names the function and the argument — never a raw TypeError/RangeError,
 * and never a silent coercion.
 */
import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { pinBackend } from './helpers.js';

pinBackend('cpu');

// Wrong values reach the functions through `any`-free casts.
const u = <T>(v: unknown): T => v as T;
const x2 = (): nb.Tensor => nb.zeros([2, 3]);
const img = (): nb.Tensor => nb.zeros([1, 1, 4, 4]);

export type Case = [string, () => unknown, string | RegExp];

const CASES: Case[] = [
  // linear / maxout and the weight options
  ['linear inFeatures null', () => nb.nn.linear(u(null), 2), 'linear: inFeatures must be a positive integer, got null'],
  ['linear outFeatures string', () => nb.nn.linear(2, u('3')), 'linear: outFeatures must be a positive integer, got string "3"'],
  ['linear inFeatures huge', () => nb.nn.linear(1e10, 1e10), /linear: a weight of shape .* is too many weights/],
  ['linear options null', () => nb.nn.linear(2, 2, u(null)), 'linear: options must be an object, got null'],
  ['linear options misspelt', () => nb.nn.linear(2, 2, u({ biass: false })), "linear: unknown option 'biass' in options; known options: bias, init, biasInit, l1, l2, dtype"],
  ['linear bias not boolean', () => nb.nn.linear(2, 2, u({ bias: 0 })), 'linear: bias must be true or false, got 0'],
  ['linear init null', () => nb.nn.linear(2, 2, u({ init: null })), 'linear: init must be an initializer, an initializer name or a number, got null'],
  ['linear init bogus name', () => nb.nn.linear(2, 2, u({ init: 'bogus' })), "linear: init must be one of 'zeros'"],
  ['linear init object', () => nb.nn.linear(2, 2, u({ init: {} })), 'linear: init must be an initializer, an initializer name or a number, got an object'],
  ['linear biasInit NaN', () => nb.nn.linear(2, 2, u({ biasInit: NaN })), 'linear: biasInit must be an initializer, an initializer name or a finite number, got NaN'],
  ['linear l1 negative', () => nb.nn.linear(2, 2, { l1: -1 }), 'linear: l1 must be a finite number ≥ 0, got -1'],
  ['linear l2 string', () => nb.nn.linear(2, 2, u({ l2: '0.1' })), 'linear: l2 must be a finite number ≥ 0, got string "0.1"'],
  ['linear l1 null', () => nb.nn.linear(2, 2, u({ l1: null })), 'linear: l1 must be a finite number ≥ 0, got null'],
  ['linear dtype', () => nb.nn.linear(2, 2, u({ dtype: 'int32' })), "linear: dtype must be one of 'float32', 'float64', got string \"int32\""],
  ['linear.call null', () => nb.nn.linear(3, 2).call(u(null)), 'Linear.call: x must be a Tensor, got null'],
  ['linear.call array', () => nb.nn.linear(3, 2).call(u([[1, 2, 3]])), 'Linear.call: x must be a Tensor, got an array'],
  ['linear.forward number', () => nb.nn.linear(3, 2).forward(u(1)), 'linear: x must be a Tensor, got 1'],
  ['linear.call wrong features', () => nb.nn.linear(4, 2).call(x2()), 'linear: input has 3 features, expected 4: x is [2,3]'],
  ['maxout pieces 0', () => nb.nn.maxout(2, 2, 0), 'maxout: pieces must be a positive integer, got 0'],
  ['maxout options misspelt', () => nb.nn.maxout(2, 2, 2, u({ pieces: 2 })), "maxout: unknown option 'pieces'"],
  ['maxout.forward string', () => nb.nn.maxout(3, 2, 2).forward(u('x')), 'maxout: x must be a Tensor, got string "x"'],

  // convolution and pooling
  ['conv2d kernel null', () => nb.nn.conv2d(1, 1, u(null)), 'conv2d: kernel must be an integer ≥ 1 or a pair [h, w] of them, got null'],
  ['conv2d kernel triple', () => nb.nn.conv2d(1, 1, u([1, 2, 3])), 'conv2d: kernel must be an integer ≥ 1 or a pair [h, w] of them, got an array [1,2,3]'],
  ['conv2d kernel huge', () => nb.nn.conv2d(1, 1, 1e10), /conv2d: a weight of shape .* is too many weights/],
  ['conv2d stride string', () => nb.nn.conv2d(1, 1, 3, u({ stride: '2' })), 'conv2d: stride must be an integer ≥ 1 or a pair [h, w] of them, got string "2"'],
  ['conv2d stride 0', () => nb.nn.conv2d(1, 1, 3, { stride: 0 }), 'conv2d: stride must be an integer ≥ 1'],
  ['conv2d dilation 1.5', () => nb.nn.conv2d(1, 1, 3, { dilation: 1.5 }), 'conv2d: dilation must be an integer ≥ 1'],
  ['conv2d padding -1', () => nb.nn.conv2d(1, 1, 3, { padding: -1 }), "conv2d: padding must be an integer ≥ 0, [h, w] or [top, bottom, left, right], 'same' or 'valid', got -1"],
  ['conv2d padding word', () => nb.nn.conv2d(1, 1, 3, u({ padding: 'full' })), 'conv2d: padding must be'],
  ['conv2d groups null', () => nb.nn.conv2d(2, 2, 3, u({ groups: null })), 'conv2d: groups must be a positive integer, got null'],
  ['conv2d options misspelt', () => nb.nn.conv2d(1, 1, 3, u({ strides: 2 })), "conv2d: unknown option 'strides' in options; known options: bias, init, biasInit, l1, l2, dtype, stride, padding, dilation, groups"],
  ['conv2d.call null', () => nb.nn.conv2d(1, 1, 3).call(u(null)), 'Conv2d.call: x must be a Tensor, got null'],
  ['conv2d.call 2-D', () => nb.nn.conv2d(1, 1, 3).call(x2()), 'conv2d: input must be 4-D NCHW'],
  ['conv2dTranspose outputPadding', () => nb.nn.conv2dTranspose(1, 1, 3, u({ stride: 2, outputPadding: 'x' })), 'conv2dTranspose: outputPadding must be an integer ≥ 0 or a pair [h, w] of them, got string "x"'],
  ['conv2dTranspose padding same', () => nb.nn.conv2dTranspose(1, 1, 3, u({ padding: 'same' })), "conv2dTranspose: padding must be an integer ≥ 0, [h, w] or [top, bottom, left, right], got string \"same\""],
  ['conv2dTranspose options misspelt', () => nb.nn.conv2dTranspose(1, 1, 3, u({ outputpadding: 1 })), "conv2dTranspose: unknown option 'outputpadding'"],
  ['conv2dTranspose.forward number', () => nb.nn.conv2dTranspose(1, 1, 3).forward(u(3)), 'conv2dTranspose: x must be a Tensor, got 3'],
  ['maxPool2d kernel undefined', () => nb.nn.maxPool2d(u(undefined)), 'maxPool2d: kernel must be an integer ≥ 1 or a pair [h, w] of them, got undefined'],
  ['maxPool2d options null', () => nb.nn.maxPool2d(2, u(null)), 'maxPool2d: options must be an object, got null'],
  ['maxPool2d stride NaN', () => nb.nn.maxPool2d(2, { stride: NaN }), 'maxPool2d: stride must be an integer ≥ 1 or a pair [h, w] of them, got NaN'],
  ['maxPool2d countIncludePad', () => nb.nn.maxPool2d(2, u({ countIncludePad: true })), "maxPool2d: unknown option 'countIncludePad' in options; known options: stride, padding"],
  ['avgPool2d countIncludePad 1', () => nb.nn.avgPool2d(2, u({ countIncludePad: 1 })), 'avgPool2d: countIncludePad must be true or false, got 1'],
  ['avgPool2d padding array', () => nb.nn.avgPool2d(2, u({ padding: [1, 2, 3] })), 'avgPool2d: padding must be'],
  ['avgPool2d.forward undefined', () => nb.nn.avgPool2d(2).forward(u(undefined)), 'avgPool2d: x must be a Tensor, got undefined'],
  ['subsampling channels', () => nb.nn.subsampling(u('6')), 'subsampling: channels must be a positive integer, got string "6"'],
  ['subsampling options null', () => nb.nn.subsampling(6, u(null)), 'subsampling: options must be an object, got null'],
  ['subsampling activation', () => nb.nn.subsampling(6, u({ activation: 'tan' })), "subsampling: activation must be one of 'step'"],
  ['subsampling dtype', () => nb.nn.subsampling(6, u({ dtype: 'int32' })), "subsampling: dtype must be one of 'float32', 'float64'"],
  ['subsampling kernel null', () => nb.nn.subsampling(6, u({ kernel: null })), 'subsampling: kernel must be a positive integer, got null'],
  ['subsampling kernel', () => nb.nn.subsampling(6, { kernel: 0 }), 'subsampling: kernel must be a positive integer, got 0'],
  ['subsampling misspelt', () => nb.nn.subsampling(6, u({ kernelSize: 2 })), "subsampling: unknown option 'kernelSize'"],
  ['subsampling.forward null', () => nb.nn.subsampling(1).forward(u(null)), 'subsampling: x must be a Tensor, got null'],
  ['partialConv2d table null', () => nb.nn.partialConv2d(2, 2, 3, u(null)), 'partialConv2d: table must be an array, got null'],
  ['partialConv2d table row', () => nb.nn.partialConv2d(2, 2, 3, u([[0], 1])), 'partialConv2d: table[1] must be an array of input channel indices, got 1'],
  ['partialConv2d table entry', () => nb.nn.partialConv2d(2, 2, 3, u([[0], ['1']])), 'partialConv2d: table row 1 names input channel'],
  ['lenet5C3 options', () => nb.nn.lenet5C3(u(null)), 'lenet5C3: options must be an object, got null'],

  // activations
  ['activation name', () => nb.nn.activation(u('relux')), "activation: name must be one of 'step', 'sign'"],
  ['activation options null', () => nb.nn.activation('elu', u(null)), 'activation: options must be an object, got null'],
  ['activation options misspelt', () => nb.nn.activation('elu', u({ alfa: 1 })), "activation: unknown option 'alfa' in options; known options: alpha, axis, low, high"],
  ['leakyRelu alpha null', () => nb.nn.leakyRelu(u(null)), 'leakyRelu: alpha must be a finite number ≥ 0 and ≤ 1, got null'],
  ['leakyRelu alpha 2', () => nb.nn.leakyRelu(2), 'leakyRelu: alpha must be a finite number ≥ 0 and ≤ 1, got 2'],
  ['activation leakyRelu alpha', () => nb.nn.activation('leakyRelu', { alpha: -1 }), 'activation: alpha must be a finite number ≥ 0 and ≤ 1, got -1'],
  ['elu alpha string', () => nb.nn.elu(u('1')), 'elu: alpha must be a finite number, got string "1"'],
  ['softmax axis 1.5', () => nb.nn.softmax(1.5), 'softmax: axis must be an integer, got 1.5'],
  ['logSoftmax axis null', () => nb.nn.logSoftmax(u(null)), 'logSoftmax: axis must be an integer, got null'],
  ['ramp options null', () => nb.nn.ramp(u(null)), 'ramp: options must be an object, got null'],
  ['ramp low string', () => nb.nn.ramp(u({ low: '0' })), 'ramp: low must be a finite number, got string "0"'],
  ['ramp high below low', () => nb.nn.ramp({ low: 1, high: 0 }), 'ramp: high (0) must exceed low (1)'],
  ['ramp misspelt', () => nb.nn.ramp(u({ min: 0 })), "ramp: unknown option 'min' in options; known options: low, high"],
  ['relu.call null', () => nb.nn.relu().call(u(null)), 'ReLU.call: x must be a Tensor, got null'],
  ['relu.call number', () => nb.nn.relu().call(u(3)), 'ReLU.call: x must be a Tensor, got 3'],
  ['relu.forward string', () => nb.nn.relu().forward(u('x')), 'relu: x must be a Tensor, got string "x"'],
  ['prelu options null', () => nb.nn.prelu(u(null)), 'prelu: options must be an object, got null'],
  ['prelu numParameters', () => nb.nn.prelu({ numParameters: 0 }), 'prelu: numParameters must be a positive integer, got 0'],
  ['prelu init string', () => nb.nn.prelu(u({ init: '0.25' })), 'prelu: init must be a finite number, got string "0.25"'],
  ['prelu init null', () => nb.nn.prelu(u({ init: null })), 'prelu: init must be a finite number, got null'],
  ['prelu dtype', () => nb.nn.prelu(u({ dtype: 'bool' })), "prelu: dtype must be one of 'float32', 'float64'"],
  ['prelu misspelt', () => nb.nn.prelu(u({ slopes: 3 })), "prelu: unknown option 'slopes' in options; known options: numParameters, init, dtype"],
  ['prelu.forward null', () => nb.nn.prelu().forward(u(null)), 'prelu: x must be a Tensor, got null'],
  ['prelu.call channels', () => nb.nn.prelu({ numParameters: 4 }).call(x2()), 'prelu: input has 3 channels on axis 1, expected 4'],

  // shape layers
  ['dropout null', () => nb.nn.dropout(u(null)), 'dropout: rate must be a finite number ≥ 0 and < 1, got null'],
  ['dropout undefined', () => nb.nn.dropout(u(undefined)), 'dropout: rate must be a finite number ≥ 0 and < 1, got undefined'],
  ['dropout string', () => nb.nn.dropout(u('0.5')), 'dropout: rate must be a finite number ≥ 0 and < 1, got string "0.5"'],
  ['dropout 1', () => nb.nn.dropout(1), 'dropout: rate must be a finite number ≥ 0 and < 1, got 1'],
  ['dropout.forward null', () => nb.nn.dropout(0.5).forward(u(null)), 'dropout: x must be a Tensor, got null'],
  ['flatten.forward null', () => nb.nn.flatten().forward(u(null)), 'flatten: x must be a Tensor, got null'],
  ['flatten.call scalar', () => nb.nn.flatten().call(nb.scalar(1)), 'flatten: input needs a batch axis, got a scalar'],
  ['reshape null', () => nb.nn.reshape(u(null)), 'reshape: shape must be an array, got null'],
  ['reshape number', () => nb.nn.reshape(u(4)), 'reshape: shape must be an array, got 4'],
  ['reshape entries', () => nb.nn.reshape(u(['2', 2])), 'reshape: shape must be positive integers with at most one -1, got an array ["2",2]'],
  ['reshape two -1', () => nb.nn.reshape([-1, -1]), 'reshape: shape must be positive integers with at most one -1'],
  ['reshape.forward null', () => nb.nn.reshape([3]).forward(u(null)), 'reshape: x must be a Tensor, got null'],
  ['reshape.call scalar', () => nb.nn.reshape([1]).call(nb.scalar(1)), 'reshape: input needs a batch axis, got a scalar'],
  ['reshape.call size', () => nb.nn.reshape([4]).call(x2()), 'reshape: a sample of shape [3] (3 values) cannot become [4]'],

  // augmentation
  ['randomAffine options null', () => nb.nn.randomAffine(u(null)), 'randomAffine: options must be an object, got null'],
  ['randomAffine maxShift string', () => nb.nn.randomAffine(u({ maxShift: '1' })), 'randomAffine: maxShift must be a finite number ≥ 0, got string "1"'],
  ['randomAffine maxRotation -1', () => nb.nn.randomAffine({ maxRotation: -1 }), 'randomAffine: maxRotation must be a finite number ≥ 0, got -1'],
  ['randomAffine maxShift null', () => nb.nn.randomAffine(u({ maxShift: null })), 'randomAffine: maxShift must be a finite number ≥ 0, got null'],
  ['randomAffine misspelt', () => nb.nn.randomAffine(u({ shift: 1 })), "randomAffine: unknown option 'shift' in options; known options: maxShift, maxRotation"],
  ['randomShift null', () => nb.nn.randomShift(u(null)), 'randomShift: maxShift must be a finite number ≥ 0, got null'],
  ['randomRotation NaN', () => nb.nn.randomRotation(NaN), 'randomRotation: maxDegrees must be a finite number ≥ 0, got NaN'],
  ['randomAffine.forward null', () => nb.nn.randomShift(1).forward(u(null)), 'randomAffine: x must be a Tensor, got null'],
  ['affineTransform x', () => nb.nn.affineTransform(u(null), []), 'affineTransform: x must be a Tensor, got null'],
  ['affineTransform params', () => nb.nn.affineTransform(img(), u(null)), 'affineTransform: params must be an array, got null'],
  ['affineTransform param', () => nb.nn.affineTransform(img(), u([{ dx: '1', dy: 0, angle: 0 }])), 'affineTransform: params[0].dx must be a finite number, got string "1"'],
  ['affineTransform param null', () => nb.nn.affineTransform(img(), u([null])), 'affineTransform: params[0] must be an object, got null'],

  // containers
  ['sequential non-module', () => nb.nn.sequential(nb.nn.relu(), u(3)), 'sequential: layers[1] must be a Module, got 3'],
  ['sequential null', () => nb.nn.sequential(u(null)), 'sequential: layers[0] must be a Module, got null'],
  ['sequential.add', () => nb.nn.sequential().add(u({})), 'sequential: layers[0] must be a Module, got an object'],
  ['sequential.at string', () => nb.nn.sequential(nb.nn.relu()).at(u('0')), 'sequential.at: index must be an integer, got string "0"'],
  ['sequential.at out of range', () => nb.nn.sequential(nb.nn.relu()).at(3), 'sequential.at: no layer 3 (it has 1)'],
  ['sequential.call null', () => nb.nn.sequential(nb.nn.relu()).call(u(null)), 'Sequential.call: x must be a Tensor, got null'],
  ['residual body', () => nb.nn.residual(u(null)), 'residual: body must be a Module, got null'],
  ['residual shortcut', () => nb.nn.residual(nb.nn.relu(), u('x')), 'residual: shortcut must be a Module, got string "x"'],

  // perceptrons
  ['perceptron inFeatures', () => nb.nn.perceptron(u(null)), 'perceptron: inFeatures must be a positive integer, got null'],
  ['perceptron huge', () => nb.nn.perceptron(1e10, 1e10), /perceptron: a weight of shape .* is too many weights/],
  ['perceptron options null', () => nb.nn.perceptron(2, 1, u(null)), 'perceptron: options must be an object, got null'],
  ['perceptron misspelt', () => nb.nn.perceptron(2, 1, u({ weight: [1, 1] })), "perceptron: unknown option 'weight' in options; known options: activation, weights, bias, trainable"],
  ['perceptron activation', () => nb.nn.perceptron(2, 1, u({ activation: 'relu' })), "perceptron: activation must be one of 'sign', 'step', got string \"relu\""],
  ['perceptron weights string', () => nb.nn.perceptron(2, 1, u({ weights: 'ab' })), 'perceptron: weights must be an array, got string "ab"'],
  ['perceptron weights entry', () => nb.nn.perceptron(2, 1, u({ weights: [1, null] })), 'perceptron: weights[1] must be a finite number or an array of them, got null'],
  ['perceptron weights shape', () => nb.nn.perceptron(2, 1, { weights: [1, 2, 3] }), 'perceptron: weights must be [2][1] (in × out)'],
  ['perceptron bias', () => nb.nn.perceptron(2, 1, u({ bias: '1' })), 'perceptron: bias must be a finite number or an array of them, got string "1"'],
  ['perceptron trainable', () => nb.nn.perceptron(2, 1, u({ trainable: 1 })), 'perceptron: trainable must be true or false, got 1'],
  ['perceptron.forward null', () => nb.nn.perceptron(2).forward(u(null)), 'perceptron: x must be a Tensor, got null'],
  ['perceptron.fit x', () => nb.nn.perceptron(2).fit(u(null), nb.zeros([2])), 'perceptron.fit: x must be a Tensor, got null'],
  ['perceptron.fit t', () => nb.nn.perceptron(2).fit(nb.zeros([2, 2]), u([1, 1])), 'perceptron.fit: t must be a Tensor, got an array'],
  ['perceptron.fit options', () => nb.nn.perceptron(2).fit(nb.zeros([2, 2]), nb.zeros([2]), u(null)), 'perceptron.fit: options must be an object, got null'],
  ['perceptron.fit lr', () => nb.nn.perceptron(2).fit(nb.zeros([2, 2]), nb.zeros([2]), u({ lr: '1' })), 'perceptron.fit: lr must be a finite number > 0, got string "1"'],
  ['perceptron.fit maxEpochs', () => nb.nn.perceptron(2).fit(nb.zeros([2, 2]), nb.zeros([2]), { maxEpochs: 1.5 }), 'perceptron.fit: maxEpochs must be a positive integer, got 1.5'],
  ['perceptron.fit misspelt', () => nb.nn.perceptron(2).fit(nb.zeros([2, 2]), nb.zeros([2]), u({ epochs: 3 })), "perceptron.fit: unknown option 'epochs' in options; known options: lr, maxEpochs"],
  ['mpNeuron null', () => nb.nn.mpNeuron(u(null)), 'mpNeuron: weights must be an array, got null'],
  ['mpNeuron entry', () => nb.nn.mpNeuron(u([1, 'a'])), 'mpNeuron: weights[1] must be a finite number, got string "a"'],
  ['mpNeuron options', () => nb.nn.mpNeuron([1, 1], u({ act: 'sign' })), "mpNeuron: unknown option 'act' in options; known options: activation"],

  // Module methods
  ['loadStateDict null', () => nb.nn.linear(2, 2).loadStateDict(u(null)), 'loadStateDict: stateDict must be an object of tensors by name, got null'],
  ['loadStateDict array', () => nb.nn.linear(2, 2).loadStateDict(u([])), 'loadStateDict: stateDict must be an object of tensors by name, got an array'],
  ['loadStateDict value', () => nb.nn.linear(2, 2).loadStateDict(u({ weight: [[1, 2], [3, 4]], bias: nb.zeros([2]) })), "loadStateDict: stateDict['weight'] must be a Tensor, got an array"],
  ['loadStateDict missing key', () => nb.nn.linear(2, 2).loadStateDict({ weight: nb.zeros([2, 2]) }), 'loadStateDict: missing keys: bias'],
  ['summary null', () => nb.nn.linear(2, 2).summary(u(null)), 'summary: inputShape must be an array, got null'],
  ['summary entry', () => nb.nn.linear(2, 2).summary(u(['2'])), 'summary: inputShape[0] must be an integer ≥ 0, got string "2"'],
  ['summary wrong shape', () => nb.nn.linear(2, 2).summary([3]), 'summary: a batch of input shape [3] does not fit the model: linear: input has 3 features, expected 2'],
  ['train mode', () => nb.nn.linear(2, 2).train(u('yes')), 'train: mode must be true or false, got string "yes"'],
  ['requireGrad flag', () => nb.nn.linear(2, 2).requireGrad(u(null)), 'requireGrad: flag must be true or false, got null'],
  ['registerForwardHook', () => nb.nn.linear(2, 2).registerForwardHook(u(null)), 'registerForwardHook: hook must be a function, got null'],
  ['namedModules prefix', () => nb.nn.linear(2, 2).namedModules(u(3)), 'namedModules: prefix must be a string, got 3'],
  ['fromConfig null', () => nb.nn.fromConfig(u(null)), 'fromConfig: config must be an object, got null'],
  ['fromConfig type', () => nb.nn.fromConfig(u({ type: 3 })), "fromConfig: config.type must be a string, got 3"],
  ['fromConfig unknown', () => nb.nn.fromConfig({ type: 'Nope' }), "fromConfig: unknown layer type 'Nope'"],
  ['fromConfig bad argument', () => nb.nn.fromConfig({ type: 'Dropout', rate: 2 }), 'fromConfig: Dropout: dropout: rate must be a finite number ≥ 0 and < 1, got 2'],
  ['fromConfig bad nested', () => nb.nn.fromConfig({ type: 'Sequential', layers: [{ type: 'Linear', inFeatures: 0, outFeatures: 2 }] }), 'fromConfig: Linear: linear: inFeatures must be a positive integer, got 0'],
  ['registerLayer type', () => nb.nn.registerLayer(u(null), () => nb.nn.relu()), 'registerLayer: type must be a non-empty string, got null'],
  ['registerLayer factory', () => nb.nn.registerLayer('X', u(null)), 'registerLayer: factory must be a function, got null'],

  // initializers
  ['init.constant null', () => nb.nn.init.constant(u(null)), 'init.constant: value must be a finite number, got null'],
  ['init.normal std -1', () => nb.nn.init.normal(-1), 'init.normal: std must be a finite number > 0, got -1'],
  ['init.normal mean string', () => nb.nn.init.normal(1, u('0')), 'init.normal: mean must be a finite number, got string "0"'],
  ['init.uniform low null', () => nb.nn.init.uniform(u(null), 1), 'init.uniform: low must be a finite number, got null'],
  ['init.uniform order', () => nb.nn.init.uniform(1, 0), 'init.uniform: high (0) must exceed low (1)'],
  ['init.xavierNormal options', () => nb.nn.init.xavierNormal(u(null)), 'init.xavierNormal: options must be an object, got null'],
  ['init.xavierNormal mode', () => nb.nn.init.xavierNormal(u({ mode: 'fanOut' })), "init.xavierNormal: mode must be one of 'fanIn', 'fanAvg', got string \"fanOut\""],
  ['init.xavierUniform gain', () => nb.nn.init.xavierUniform({ gain: 0 }), 'init.xavierUniform: gain must be a finite number > 0, got 0'],
  ['init.xavierUniform misspelt', () => nb.nn.init.xavierUniform(u({ gian: 1 })), "init.xavierUniform: unknown option 'gian' in options; known options: mode, gain"],
  ['init.heNormal gain', () => nb.nn.init.heNormal(u({ gain: '2' })), 'init.heNormal: gain must be a finite number > 0, got string "2"'],
  ['init.heUniform misspelt', () => nb.nn.init.heUniform(u({ mode: 'fanIn' })), "init.heUniform: unknown option 'mode' in options; known options: gain"],
  ['init create shape', () => nb.nn.init.heUniform().create(u(null), { fanIn: 1, fanOut: 1 }), 'init.heUniform.create: shape must be an array, got null'],
  ['init create shape entry', () => nb.nn.init.zeros().create(u([2, -1]), { fanIn: 1, fanOut: 1 }), 'init.constant.create: shape[1] must be an integer ≥ 0, got -1'],
  ['init create fans', () => nb.nn.init.heNormal().create([2], u(null)), 'init.heNormal.create: fans must be an object, got null'],
  ['init create fanIn', () => nb.nn.init.heNormal().create([2], u({ fanIn: 0, fanOut: 1 })), 'init.heNormal.create: fans.fanIn must be a finite number > 0, got 0'],
  ['init create dtype', () => nb.nn.init.normal().create([2], { fanIn: 1, fanOut: 1 }, u('int32')), "init.normal.create: dtype must be one of 'float32', 'float64', got string \"int32\""],
  ['init.fromConfig null', () => nb.nn.init.fromConfig(u(null)), 'init.fromConfig: config must be an object, got null'],
  ['init.fromConfig kind', () => nb.nn.init.fromConfig(u({ kind: 'bogus' })), "init.fromConfig: config.kind must be one of 'constant', 'normal', 'uniform', 'xavierNormal', 'xavierUniform', 'heNormal', 'heUniform', got string \"bogus\""],
];

describe('nn argument checks: one case per check', () => {
  it.each(CASES)('%s', (_name, fn, expected) => {
    let err: unknown;
    try {
      fn();
    } catch (e) {
      err = e;
    }
    expect(err, 'expected an error').toBeInstanceOf(Error);
    const e = err as Error;
    expect(e.constructor, `a plain Error, got ${e.constructor.name}: ${e.message}`).toBe(Error);
    if (typeof expected === 'string') expect(e.message).toContain(expected);
    else expect(e.message).toMatch(expected);
  });
});
