/** The optimizer behind the "optimizer" control (SCOPE §5), from nabla.optim. */
import * as nb from 'nabla';
import type { OptimizerName, ScheduleName } from './state.js';

export type Optimizer = nb.optim.Optimizer;

/** Momentum α for the momentum and Nesterov choices. */
export const MOMENTUM = 0.9;

export function makeOptimizer(name: OptimizerName, learningRate: number): Optimizer {
  switch (name) {
    case 'sgd': return nb.optim.sgd(learningRate);
    case 'momentum': return nb.optim.sgd(learningRate, { momentum: MOMENTUM });
    case 'nesterov': return nb.optim.sgd(learningRate, { momentum: MOMENTUM, nesterov: true });
    case 'adagrad': return nb.optim.adagrad(learningRate);
    case 'rmsprop': return nb.optim.rmsprop(learningRate);
    case 'adadelta': return nb.optim.adadelta(learningRate);
    case 'adam': return nb.optim.adam(learningRate);
  }
}

/** The learning-rate schedule behind the "schedule" control, per epoch, from nabla.optim. */
export function makeSchedule(name: ScheduleName, learningRate: number): nb.optim.LRSchedule {
  switch (name) {
    case 'constant': return nb.optim.constantSchedule(learningRate);
    case 'step': return nb.optim.stepDecay(learningRate, { factor: 0.5, every: 100 });
    case 'exp': return nb.optim.exponentialDecay(learningRate, 0.01);
  }
}
