/** The optimizer behind the "optimizer" control (SCOPE §5), from nabla.optim. */
import * as nb from 'nabla';
import type { OptimizerName } from './state.js';

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
