/** The shapes `fit` works with: what it needs of a model and an optimizer, the history it returns. */
import type { Tensor } from '../tensor/tensor.js';

/**
 * What `fit` needs of a model. Every `nb.nn.Module` is one; any object with these methods works
 * too (a hand-written network, a function wrapped in an object).
 */
export interface Model {
  /** Input batch to output batch. */
  call(x: Tensor): Tensor;
  /** The trainable tensors. */
  parameters(): Tensor[];
  /** Persistent non-trainable state (batch-norm running statistics): saved and restored with the parameters, e.g. by `earlyStopping({ restoreBestWeights })`. */
  buffers?(): Tensor[];
  /** Parameters with dotted names ("0.weight"); used for per-layer gradient norms. */
  namedParameters?(): [string, Tensor][];
  /** Training mode switch (dropout). */
  train?(mode?: boolean): unknown;
  /** Whether the model is in training mode. */
  training?: boolean;
  /** L1/L2 penalty added to the loss before back-propagation, or null. */
  regularization?(): Tensor | null;
}

/** What `fit` needs of an optimizer (every `nb.optim` optimizer is one). */
export interface OptimizerLike {
  /** The learning rate; schedules and callbacks may change it between steps. */
  lr: number;
  /** Applies one update to `params` from their `.grad`. */
  step(params: readonly Tensor[]): void;
}

/** A loss: prediction and target in, a scalar tensor out. */
export type LossFn = (prediction: Tensor, target: Tensor) => Tensor;

/** A labelled data set: samples along the first axis of `x` and `y`. */
export interface Data {
  x: Tensor;
  y: Tensor;
}

/** The metrics of one epoch. Validation metrics are prefixed `val_`. */
export interface EpochLogs {
  /** 0-based epoch index. */
  epoch: number;
  /** Mean training loss over the epoch's batches (weighted by batch size). */
  loss: number;
  /** Training accuracy over the epoch, when accuracy is a metric. */
  accuracy?: number;
  val_loss?: number;
  val_accuracy?: number;
  /** The learning rate used during the epoch. */
  lr: number;
  /** Wall-clock seconds of the epoch (training and validation). */
  seconds: number;
  /** Training samples per second (optimizer steps only, validation excluded). */
  samplesPerSecond: number;
  /** Training samples processed in the epoch (all of them unless training stopped mid-epoch). */
  samples: number;
  [metric: string]: number | undefined;
}

/** What a batch hook receives. */
export interface BatchLogs {
  /** 0-based batch index within the epoch. */
  batch: number;
  /** Samples in the batch. */
  size: number;
  loss: number;
  accuracy?: number;
  /** `loop`: every loss the step returned, by name. */
  [metric: string]: number | undefined;
}

/** Where a NaN (or infinite) loss stopped `fit`; indices are 0-based. */
export interface NaNStop {
  epoch: number;
  /** The batch within the epoch. */
  batch: number;
  /** The step over all epochs (the index into `history.stepLoss`). */
  step: number;
  /** The loss value read: NaN or ±Infinity. */
  loss: number;
}

/** A model file written by `modelCheckpoint` (only finite weights are ever written). */
export interface Checkpoint {
  path: string;
  /** The 0-based epoch whose weights it holds. */
  epoch: number;
}

/** What `fit` returns. */
export interface History {
  /** One record per finished epoch. */
  epochs: EpochLogs[];
  /** Keras-style columns: `history.metrics.loss[e]`, `history.metrics.val_accuracy[e]`, … */
  metrics: Record<string, number[]>;
  /** The loss of every training step, in order. */
  stepLoss: number[];
  /**
   * With `recordGradNorms`: the L2 norm of each layer's parameter gradients at every step
   * (`gradNorms.layers[name][step]`) and of each parameter's (`gradNorms.parameters[name][step]`).
   */
  gradNorms?: { layers: Record<string, number[]>; parameters: Record<string, number[]> };
  /** Why training ended before `epochs` (early stopping, NaN loss, a callback), else undefined. */
  stopReason?: string;
  /** Set when a NaN or infinite loss stopped training (with `stopOnNaN`, the default). */
  nanStop?: NaNStop;
  /** The files `modelCheckpoint` wrote, in order (present when a modelCheckpoint ran). */
  checkpoints?: Checkpoint[];
  /** On a NaN stop with a modelCheckpoint: the last file written before it, which holds finite weights. */
  lastGoodCheckpoint?: Checkpoint;
  /** The 0-based epoch whose weights `earlyStopping({ restoreBestWeights: true })` put back, if it did. */
  restoredEpoch?: number;
  /** Total wall-clock seconds. */
  seconds: number;
}
