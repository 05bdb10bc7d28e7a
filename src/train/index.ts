/**
 * nabla.train — the training loop.
 *
 * - `fit(model, { x, y }, opts)` → `History`: epochs of seeded, shuffled mini-batches; validation;
 *   loss and accuracy; callbacks; a progress bar on a terminal; per-layer gradient norms.
 * - `evaluate`, `predict`: batched, without gradients.
 * - `loop(data, step, opts)` → `History`: the same machinery around a step you write (GANs, layer-wise pre-training).
 * - Callbacks: `earlyStopping`, `lrScheduler`, `reduceLROnPlateau`, `modelCheckpoint`; a NaN loss stops `fit`.
 */
export { fit, evaluate, predict, correctCount, layerOf } from './fit.js';
export { loop } from './loop.js';
export type { LoopOptions, StepFn, StepInfo, Batch } from './loop.js';
export type { FitOptions, EvaluateOptions, Evaluation } from './fit.js';
export { earlyStopping, lrScheduler, reduceLROnPlateau, modelCheckpoint, callback } from './callbacks.js';
export type { Callback, TrainContext, EarlyStoppingOptions, ReduceLROnPlateauOptions, ModelCheckpointOptions } from './callbacks.js';
export { createProgress, fmtMetric } from './progress.js';
export type { ProgressReporter, BatchProgress, Verbosity } from './progress.js';
export type { Model, OptimizerLike, LossFn, Data, EpochLogs, BatchLogs, History, NaNStop, Checkpoint } from './types.js';
export * as metrics from './metrics.js';
export type { Metric, MetricFn, MetricName, MetricSpec, Average, ClassMetricOptions } from './metrics.js';
