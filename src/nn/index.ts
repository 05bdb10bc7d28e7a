/**
 * nabla.nn — modules and layers, activations, losses, initializers and perceptrons.
 * Row convention (batch-first): a linear layer computes y = xW + b with W [in, out]. Images are NCHW.
 * See docs/nn.md.
 */
export { Module, fromConfig, registerLayer, layerTypes } from './module.js';
export type { LayerConfig, JsonValue, ParameterOptions, ForwardHook, AnyModule } from './module.js';
export * as init from './init.js';
export type { Initializer, InitConfig, InitArg, Fans, FloatDType } from './init.js';
export type { WeightOptions } from './layers/common.js';
export { Linear, linear, Maxout, maxout } from './layers/linear.js';
export {
  Activation, activation, ACTIVATIONS, step, sign, identity, ramp, sigmoid, tanh, relu, leakyRelu, elu, selu, swish, softplus,
  softmax, logSoftmax, gelu, hardtanh, relu6, softsign, mish, hardswish, logSigmoid, softmin, PReLU, prelu,
} from './layers/activation.js';
export type { ActivationName, ActivationOptions } from './layers/activation.js';
export {
  Conv2d, conv2d, Conv2dTranspose, conv2dTranspose, Pool2d, maxPool2d, avgPool2d, Subsampling, subsampling,
  PartialConv2d, partialConv2d, lenet5C3, LENET5_C3_TABLE, Conv1d, conv1d, Conv3d, conv3d, PADDING_MODES,
} from './layers/conv.js';
export type { Conv2dLayerOptions, Conv2dTransposeLayerOptions, PoolLayerOptions, Conv1dLayerOptions, Conv3dLayerOptions, PaddingMode } from './layers/conv.js';
export {
  PoolNd, maxPool1d, avgPool1d, maxPool3d, avgPool3d, AdaptivePool, adaptiveAvgPool1d, adaptiveMaxPool1d, adaptiveAvgPool2d, adaptiveMaxPool2d,
  GlobalPool2d, globalAvgPool2d, globalMaxPool2d,
} from './layers/pool.js';
export type { Pool1dLayerOptions, Pool3dLayerOptions, GlobalPoolLayerOptions } from './layers/pool.js';
export { Flatten, flatten, Reshape, reshape, Dropout, dropout } from './layers/shape.js';
export { Sequential, sequential, Residual, residual, Pick, pick } from './layers/containers.js';
export { Embedding, embedding } from './layers/embedding.js';
export type { EmbeddingOptions } from './layers/embedding.js';
export { RNNCell, rnnCell, LSTMCell, lstmCell, GRUCell, gruCell, RNN, rnn, LSTM, lstm, GRU, gru } from './layers/recurrent.js';
export type { RecurrentLayer, LSTMState, Lengths, RecurrentMode, RecurrentCellOptions, RecurrentOptions, RNNNonlinearity } from './layers/recurrent.js';
export { RandomAffine, randomAffine, randomShift, randomRotation, affineTransform } from './layers/augment.js';
export type { AffineParams } from './layers/augment.js';
export {
  mse, squaredError, binaryCrossEntropy, binaryCrossEntropyWithLogits, softmaxCrossEntropy, crossEntropy, accuracy,
  l1Loss, huberLoss, smoothL1Loss, hingeLoss, klDiv, nllLoss,
} from './losses.js';
export type { Loss, LossOptions, Reduction, KlReduction, SoftmaxCrossEntropyOptions } from './losses.js';
export { sampleCategorical } from './sampling.js';
export type { SampleOptions } from './sampling.js';
export { Perceptron, perceptron, mpNeuron, gates } from './perceptron.js';
export type { PerceptronOptions, PerceptronFitOptions, PerceptronFitResult, ThresholdActivation } from './perceptron.js';
export { Attention, attention } from './layers/attention.js';
export type { AttentionKind, AttentionOptions, AttentionMask } from './layers/attention.js';
export { BatchNorm, batchNorm1d, batchNorm2d, LayerNorm, layerNorm } from './layers/norm.js';
export type { BatchNormOptions, LayerNormOptions } from './layers/norm.js';
export { Upsample, upsample } from './layers/upsample.js';
export type { UpsampleOptions, UpsampleMode } from './layers/upsample.js';
export { greedyDecode, beamSearch } from './decode.js';
export type { DecodeStep, DecodeOptions, GreedyOptions, BeamSearchOptions, Hypothesis } from './decode.js';
