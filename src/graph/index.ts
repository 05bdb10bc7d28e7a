/**
 * nb.graph — TensorFlow-1-style graphs built by tracing nabla's own ops: placeholders fed at run
 * time, Variables whose values live in a Session, `Session.run(fetches, feed)`, `gradients`,
 * optimizers whose `minimize` returns a training op, name scopes, DOT/SVG pictures and
 * persistence. See docs/graph.md.
 */
import type { DType } from '../tensor/dtype.js';
import { getDefaultGraph, Node, SymbolicTensor, Variable, type FeedValue } from './graph.js';
import { GradientDescentOptimizer, MomentumOptimizer, AdamOptimizer } from './train.js';
import { Saver } from './persist.js';

export {
  Graph, Node, SymbolicTensor, Variable, getDefaultGraph, resetDefaultGraph, traceable,
  type FeedValue, type StaticShape, type VariableOptions, type NodeKind, type Traced,
} from './graph.js';
export { Session, type Fetches, type Fetched, type Feed } from './session.js';
export { gradients } from './gradients.js';
export { toDot, toSvg, type GraphPictureOptions } from './viz.js';
export { exportGraph, importGraph, graphToJSON, graphFromJSON, Saver, type GraphJson, type NodeJson } from './persist.js';
export { GradientDescentOptimizer, MomentumOptimizer, AdamOptimizer, type LearningRate } from './train.js';
export {
  ops, type GraphOps, truncatedNormal, reduceSum, reduceMean, reduceMax, argmax, equal, cast, matmul, reshape, add, sub, mul, div, multiply, neg, log, exp, square, sqrt, nn,
} from './ops.js';

/** tf.placeholder(dtype, shape, name) in the default graph. */
export function placeholder(dtype: DType, shape: readonly (number | null)[], name?: string): SymbolicTensor {
  return getDefaultGraph().placeholder(dtype, shape, name);
}

/** tf.constant(value) in the default graph. */
export function constant(value: FeedValue, opts: { dtype?: DType; name?: string } = {}): SymbolicTensor {
  return getDefaultGraph().constant(value, opts);
}

/** `with tf.name_scope(name):` in the default graph. */
export function nameScope<T>(name: string, fn: () => T): T {
  return getDefaultGraph().nameScope(name, fn);
}

/** tf.global_variables_initializer() for the default graph. */
export function globalVariablesInitializer(): Node {
  return getDefaultGraph().globalVariablesInitializer();
}

/** tf.group(ops) in the graph of the first op. */
export function group(ops: readonly (Node | SymbolicTensor)[], name?: string): Node {
  const first = ops?.[0];
  const g = first instanceof Node || first instanceof SymbolicTensor ? first.graph : getDefaultGraph();
  return g.group(ops, name);
}

/** tf.trainable_variables() of the default graph. */
export function trainableVariables(): Variable[] {
  return getDefaultGraph().trainableVariables();
}

/** TensorFlow's `tf.train`. */
export const train = { GradientDescentOptimizer, MomentumOptimizer, AdamOptimizer, Saver };


