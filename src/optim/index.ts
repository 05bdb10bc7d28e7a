/**
 * nabla.optim — optimizers (SGD with momentum/Nesterov, Adagrad, RMSprop, Adadelta, Adam, AdamW)
 * and learning-rate schedules (step, exponential, multi-step, cosine with warm restarts, one-cycle,
 * warm-up, reduce on plateau). See docs/optim.md.
 */
export { BaseOptimizer, SGD, Adagrad, RMSprop, Adadelta, Adam, sgd, adagrad, rmsprop, adadelta, adam, adamw, fromConfig, byName } from './optimizer.js';
export type { Optimizer, OptimizerState, ParamGroup, Params, SGDOptions, AdagradOptions, RMSpropOptions, AdadeltaOptions, AdamOptions } from './optimizer.js';
export { stepDecay, exponentialDecay, lambdaSchedule, constantSchedule, multiStep, cosineWarmRestarts, oneCycle, warmup, reduceOnPlateau } from './schedules.js';
export type { LRSchedule, ScheduleOptions, ScheduleConfig, OneCycleOptions, OneCycleSchedule, ReduceOnPlateauOptions, PlateauSchedule } from './schedules.js';
export { clipGradNorm, clipGradValue, gradNorms } from './clip.js';
