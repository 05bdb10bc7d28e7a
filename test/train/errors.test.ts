/**
 * Every public function of nb.train checks the run-time type and range of its arguments and
 * options: a bad value throws an Error whose message starts with the function's name and names
 * the argument — never a raw TypeError from deep inside the loop.
 */
import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';

nb.setBackend('cpu');

const { fit, evaluate, predict, earlyStopping, lrScheduler, reduceLROnPlateau, modelCheckpoint, callback, correctCount, createProgress } = nb.train;
const bad = <T>(v: unknown): T => v as T;
const model = nb.nn.sequential(nb.nn.linear(2, 3));
const data = { x: nb.zeros([4, 2]), y: nb.tensor([0, 1, 2, 0], { dtype: 'int32' }) };

type Case = [string, () => unknown, string | RegExp];

/** Synchronous and asynchronous cases: each must throw (or reject) with the message. */
const cases: Case[] = [
  // fit: model and data
  ['fit model null', () => fit(bad(null), data), 'fit: model must be an nb.nn.Module or an object with call(x) and parameters(), got null'],
  ['fit model without call', () => fit(bad({ parameters: () => [] }), data), 'fit: model must be an nb.nn.Module or an object with call(x) and parameters(), got an object'],
  ['fit data null', () => fit(model, bad(null)), 'fit: data must be an object { x, y } of Tensors, got null'],
  ['fit data.x array', () => fit(model, bad({ x: [[1, 2]], y: data.y })), 'fit: data.x must be a Tensor, got an array'],
  ['fit data.y missing', () => fit(model, bad({ x: data.x })), 'fit: data.y must be a Tensor, got undefined'],
  ['fit data.x scalar', () => fit(model, { x: nb.scalar(1), y: data.y }), 'fit: data.x must have a sample axis (rank ≥ 1), got a scalar'],
  ['fit sample counts', () => fit(model, { x: nb.zeros([4, 2]), y: nb.zeros([3], { dtype: 'int32' }) }), 'fit: x [4,2] has 4 samples but y [3] has 3'],
  ['fit empty', () => fit(model, { x: nb.zeros([0, 2]), y: nb.zeros([0], { dtype: 'int32' }) }), 'fit: the data set is empty'],
  ['fit parameters not an array', () => fit(bad({ call: (x: nb.Tensor) => x, parameters: () => null }), data), 'fit: model.parameters() must be an array of Tensors, got null'],
  ['fit parameter not a tensor', () => fit(bad({ call: (x: nb.Tensor) => x, parameters: () => [1] }), data), 'fit: model.parameters()[0] must be a Tensor, got 1'],
  ['fit model.call result', () => fit(bad({ call: () => 5, parameters: () => [] }), data, { verbose: 0 }), 'fit: model.call(x) must be a Tensor, got 5'],
  ['fit loss result', () => fit(model, data, bad({ loss: () => 0.5, verbose: 0 })), 'fit: loss(prediction, target) must be a scalar Tensor, got 0.5'],
  ['fit nothing to train', () => fit(bad({ call: (x: nb.Tensor) => x, parameters: () => [] }), { x: nb.zeros([4, 3]), y: data.y }, { verbose: 0 }), 'fit: the loss does not depend on any parameter that requires a gradient'],
  ['fit error inside a step names fit and the batch', () => fit({ call: (x) => nb.reshape(model.call(x), [-1]), parameters: () => model.parameters() }, data, { verbose: 0, batchSize: 2 }), 'fit: epoch 1, batch 1: softmaxCrossEntropy: logits must be [batch, classes], got [6]'],
  // fit: options
  ['fit options null', () => fit(model, data, bad(null)), 'fit: options must be an object, got null'],
  ['fit unknown option', () => fit(model, data, bad({ epoch: 3 })), "fit: unknown option 'epoch' in options"],
  ['fit epochs string', () => fit(model, data, bad({ epochs: '3' })), 'fit: epochs must be an integer ≥ 0, got string "3"'],
  ['fit epochs fraction', () => fit(model, data, { epochs: 1.5 }), 'fit: epochs must be an integer ≥ 0, got 1.5'],
  ['fit batchSize 0', () => fit(model, data, { batchSize: 0 }), 'fit: batchSize must be an integer ≥ 1, got 0'],
  ['fit verbose 7', () => fit(model, data, bad({ verbose: 7 })), 'fit: verbose must be 0, 1 or 2, got 7'],
  ['fit validation null', () => fit(model, data, bad({ validation: null })), 'fit: validation must be an object { x, y } of Tensors, got null'],
  ['fit validation.y', () => fit(model, data, bad({ validation: { x: data.x, y: 'y' } })), 'fit: validation.y must be a Tensor, got string "y"'],
  ['fit validation samples', () => fit(model, data, { validation: { x: nb.zeros([2, 2]), y: data.y } }), 'fit: validation.x [2,2] has 2 samples but validation.y [4] has 4'],
  ['fit metrics name', () => fit(model, data, bad({ metrics: ['acc'] })), "fit: metrics[0] must be one of 'accuracy', 'precision', 'recall', 'f1', 'topKAccuracy', 'mae', 'mse', 'r2', { topK: k }, a Metric (name, reset, update, result) or a function (pred, target) => number, got string \"acc\""],
  ['fit metrics string', () => fit(model, data, bad({ metrics: 'accuracy' })), 'fit: metrics must be an array, got string "accuracy"'],
  ['fit loss not a function', () => fit(model, data, bad({ loss: 'mse' })), 'fit: loss must be a function, got string "mse"'],
  ['fit optimizer', () => fit(model, data, bad({ optimizer: 'adam' })), 'fit: optimizer must be an optimizer (an object with lr and step(params)), got string "adam"'],
  ['fit optimizer without step', () => fit(model, data, bad({ optimizer: { lr: 0.1 } })), 'fit: optimizer must be an optimizer (an object with lr and step(params)), got an object'],
  ['fit schedule', () => fit(model, data, bad({ schedule: 0.1 })), "fit: schedule must be an nb.optim schedule (with lrAt(t) and per 'epoch' or 'step'), got 0.1"],
  ['fit shuffle', () => fit(model, data, bad({ shuffle: 'yes' })), 'fit: shuffle must be true or false, got string "yes"'],
  ['fit seed', () => fit(model, data, bad({ seed: 'a' })), 'fit: seed must be an integer, got string "a"'],
  ['fit callbacks not an array', () => fit(model, data, bad({ callbacks: {} })), 'fit: callbacks must be an array, got an object'],
  ['fit callback null', () => fit(model, data, bad({ callbacks: [null] })), 'fit: callbacks[0] must be a callback (an object with hook functions), got null'],
  ['fit callback hook', () => fit(model, data, bad({ callbacks: [{ onEpochEnd: 1 }] })), 'fit: callbacks[0].onEpochEnd must be a function, got 1'],
  ['fit callback unknown hook', () => fit(model, data, bad({ callbacks: [{ onEpochStart: () => {} }] })), "fit: unknown hook 'onEpochStart' in callbacks[0]"],
  ['fit log', () => fit(model, data, bad({ log: 'console' })), 'fit: log must be a function, got string "console"'],
  ['fit recordGradNorms', () => fit(model, data, bad({ recordGradNorms: 1 })), 'fit: recordGradNorms must be true or false, got 1'],
  ['fit stopOnNaN', () => fit(model, data, bad({ stopOnNaN: null })), 'fit: stopOnNaN must be true or false, got null'],
  ['fit validationBatchSize', () => fit(model, data, { validationBatchSize: -1 }), 'fit: validationBatchSize must be an integer ≥ 1, got -1'],
  ['fit threshold', () => fit(model, data, { threshold: NaN }), 'fit: threshold must be a finite number, got NaN'],
  // evaluate
  ['evaluate model', () => evaluate(bad(undefined), data), 'evaluate: model must be an nb.nn.Module or an object with call(x) and parameters(), got undefined'],
  ['evaluate data', () => evaluate(model, bad([1, 2])), 'evaluate: data must be an object { x, y } of Tensors, got an array'],
  ['evaluate options', () => evaluate(model, data, bad(5)), 'evaluate: options must be an object, got 5'],
  ['evaluate batchSize', () => evaluate(model, data, { batchSize: 0.5 }), 'evaluate: batchSize must be an integer ≥ 1, got 0.5'],
  ['evaluate loss', () => evaluate(model, data, bad({ loss: {} })), 'evaluate: loss must be a function, got an object'],
  ['evaluate metrics', () => evaluate(model, data, bad({ metrics: ['auc'] })), "evaluate: metrics[0] must be one of 'accuracy', 'precision', 'recall', 'f1', 'topKAccuracy', 'mae', 'mse', 'r2', { topK: k }, a Metric (name, reset, update, result) or a function (pred, target) => number, got string \"auc\""],
  ['evaluate error inside a batch', () => evaluate(model, { x: nb.zeros([4, 2]), y: nb.zeros([4, 5]) }), 'evaluate: batch 1: softmaxCrossEntropy: targets must be int32 labels [4] or one-hot/probabilities [4, 3], got [4,5]'],
  ['evaluate unknown option', () => evaluate(model, data, bad({ epochs: 1 })), "evaluate: unknown option 'epochs'"],
  // predict
  ['predict model', () => predict(bad('m'), data.x), 'predict: model must be an nb.nn.Module or an object with call(x) and parameters(), got string "m"'],
  ['predict x', () => predict(model, bad([[1, 2]])), 'predict: x must be a Tensor, got an array'],
  ['predict x scalar', () => predict(model, nb.scalar(1)), 'predict: x must have a sample axis (rank ≥ 1), got a scalar'],
  ['predict batchSize', () => predict(model, data.x, bad({ batchSize: '8' })), 'predict: batchSize must be an integer ≥ 1, got string "8"'],
  ['predict options', () => predict(model, data.x, bad(null)), 'predict: options must be an object, got null'],
  // callbacks
  ['earlyStopping options', () => earlyStopping(bad(null)), 'earlyStopping: options must be an object, got null'],
  ['earlyStopping patience', () => earlyStopping({ patience: -1 }), 'earlyStopping: patience must be an integer ≥ 0, got -1'],
  ['earlyStopping baseline', () => earlyStopping(bad({ baseline: '0.5' })), 'earlyStopping: baseline must be a finite number, got string "0.5"'],
  ['earlyStopping minDelta', () => earlyStopping({ minDelta: -0.1 }), 'earlyStopping: minDelta must be a finite number ≥ 0, got -0.1'],
  ['earlyStopping monitor', () => earlyStopping(bad({ monitor: 3 })), 'earlyStopping: monitor must be a non-empty string, got 3'],
  ['earlyStopping mode', () => earlyStopping(bad({ mode: 'lower' })), "earlyStopping: mode must be one of 'min', 'max', 'auto', got string \"lower\""],
  ['earlyStopping restoreBestWeights', () => earlyStopping(bad({ restoreBestWeights: 'true' })), 'earlyStopping: restoreBestWeights must be true or false, got string "true"'],
  ['earlyStopping unknown', () => earlyStopping(bad({ patients: 2 })), "earlyStopping: unknown option 'patients'"],
  ['lrScheduler null', () => lrScheduler(bad(null)), "lrScheduler: schedule must be a function (epoch, lr) => lr or an nb.optim schedule (with lrAt(t) and per 'epoch' or 'step'), got null"],
  ['lrScheduler number', () => lrScheduler(bad(0.1)), 'lrScheduler: schedule must be a function (epoch, lr) => lr or an nb.optim schedule'],
  ['lrScheduler per', () => lrScheduler(bad({ lrAt: () => 1, per: 'batch' })), 'lrScheduler: schedule must be a function (epoch, lr) => lr or an nb.optim schedule'],
  ['reduceLROnPlateau factor 2', () => reduceLROnPlateau({ factor: 2 }), 'reduceLROnPlateau: factor must be a finite number > 0 and < 1, got 2'],
  ['reduceLROnPlateau factor string', () => reduceLROnPlateau(bad({ factor: '0.5' })), 'reduceLROnPlateau: factor must be a finite number > 0 and < 1, got string "0.5"'],
  ['reduceLROnPlateau patience', () => reduceLROnPlateau({ patience: 1.5 }), 'reduceLROnPlateau: patience must be an integer ≥ 0, got 1.5'],
  ['reduceLROnPlateau minLr', () => reduceLROnPlateau({ minLr: -1 }), 'reduceLROnPlateau: minLr must be a finite number ≥ 0, got -1'],
  ['reduceLROnPlateau minDelta', () => reduceLROnPlateau({ minDelta: NaN }), 'reduceLROnPlateau: minDelta must be a finite number ≥ 0, got NaN'],
  ['reduceLROnPlateau mode', () => reduceLROnPlateau(bad({ mode: 1 })), "reduceLROnPlateau: mode must be one of 'min', 'max', 'auto', got 1"],
  ['reduceLROnPlateau options', () => reduceLROnPlateau(bad([])), 'reduceLROnPlateau: options must be an object, got an array'],
  ['modelCheckpoint null', () => modelCheckpoint(bad(null)), 'modelCheckpoint: path must be a non-empty string or a function (epoch, logs) => path, got null'],
  ['modelCheckpoint empty', () => modelCheckpoint(''), 'modelCheckpoint: path must be a non-empty string or a function (epoch, logs) => path, got string ""'],
  ['modelCheckpoint options', () => modelCheckpoint('m.nabla', bad('best')), 'modelCheckpoint: options must be an object, got string "best"'],
  ['modelCheckpoint saveBestOnly', () => modelCheckpoint('m.nabla', bad({ saveBestOnly: 1 })), 'modelCheckpoint: saveBestOnly must be true or false, got 1'],
  ['modelCheckpoint monitor', () => modelCheckpoint('m.nabla', bad({ monitor: null })), 'modelCheckpoint: monitor must be a non-empty string, got null'],
  ['modelCheckpoint mode', () => modelCheckpoint('m.nabla', bad({ mode: 'up' })), "modelCheckpoint: mode must be one of 'min', 'max', 'auto', got string \"up\""],
  ['modelCheckpoint template', () => modelCheckpoint('m-{epoch.nabla'), "modelCheckpoint: path 'm-{epoch.nabla' has a '{' without its '}' (write '{{' for a literal brace)"],
  ['callback null', () => callback(bad(null)), 'callback: hooks must be an object, got null'],
  ['callback hook', () => callback(bad({ onTrainEnd: 'x' })), 'callback: hooks.onTrainEnd must be a function, got string "x"'],
  ['callback unknown', () => callback(bad({ onStep: () => {} })), "callback: unknown option 'onStep' in hooks"],
  // helpers
  ['correctCount pred', () => correctCount(bad(null), data.y), 'correctCount: pred must be a Tensor, got null'],
  ['correctCount y', () => correctCount(nb.zeros([4, 3]), bad([0, 1])), 'correctCount: y must be a Tensor, got an array'],
  ['correctCount threshold', () => correctCount(nb.zeros([4, 1]), nb.zeros([4]), bad('0.5')), 'correctCount: threshold must be a finite number, got string "0.5"'],
  ['correctCount mismatch', () => correctCount(nb.zeros([4, 3]), nb.zeros([3], { dtype: 'int32' })), 'correctCount: targets [3] do not match predictions [4,3]'],
  ['createProgress verbose', () => createProgress(bad(3)), 'createProgress: verbose must be 0, 1 or 2, got 3'],
  ['createProgress log', () => createProgress(1, bad('stdout')), 'createProgress: log must be a function, got string "stdout"'],
  ['layerOf', () => nb.train.layerOf(bad(null)), 'layerOf: paramName must be a string, got null'],
  ['fmtMetric', () => nb.train.fmtMetric(bad('1')), 'fmtMetric: v must be a number, got string "1"'],
];

describe('nb.train argument checks', () => {
  it.each(cases)('%s', async (_name, call, message) => {
    let thrown: unknown;
    try {
      await call();
    } catch (e) {
      thrown = e;
    }
    expect(thrown, 'it must throw').toBeInstanceOf(Error);
    expect((thrown as Error).constructor).toBe(Error); // never a raw TypeError or RangeError
    if (typeof message === 'string') expect((thrown as Error).message).toContain(message);
    else expect((thrown as Error).message).toMatch(message);
    expect((thrown as Error).message.startsWith(_name.split(' ')[0]!)).toBe(true);
  });
});
