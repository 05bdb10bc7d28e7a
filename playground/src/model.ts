/**
 * The network the playground trains, built from nabla.nn: fully connected layers in the row
 * convention z = a·W + b (batch first), each hidden one followed by the chosen activation, and
 * an output that follows from the problem (one logit + sigmoid for two classes, softmax over k
 * classes, linear for regression). Maxout layers replace linear + activation.
 */
import * as nb from 'nabla';
import type { Activation, InitName, Regularization, State } from './state.js';
import { outputSize } from './state.js';

export type Tensor = nb.Tensor;

/** Pieces per maxout unit. */
export const MAXOUT_K = 2;

export type OutputKind = 'binary' | 'softmax' | 'linear';

export interface Layer {
  /** The affine part: a linear layer, or maxout (k pieces per unit). */
  affine: nb.nn.Linear | nb.nn.Maxout;
  /** The activation (null for the output layer and for maxout, whose max is its activation). */
  act: nb.nn.Module | null;
  /** [fanIn, units·pieces] */
  W: Tensor;
  /** [units·pieces] */
  b: Tensor;
  units: number;
  /** Affine pieces per unit: MAXOUT_K for maxout, else 1. */
  pieces: number;
  activation: Activation | 'output';
}

export interface ForwardResult {
  /** Per layer [n, units]: the pre-activation (for maxout: the largest piece). */
  zs: Tensor[];
  /** Per layer [n, units]: the activation; the last is the network's raw output (logits). */
  as: Tensor[];
}

/** The initializer behind each choice of the "initialization" control (SCOPE §6). */
export function initializer(name: InitName): nb.nn.Initializer {
  switch (name) {
    case 'xavier': return nb.nn.init.xavierNormal({ mode: 'fanIn' });
    case 'xavier-avg': return nb.nn.init.xavierNormal({ mode: 'fanAvg' });
    case 'he': return nb.nn.init.heNormal();
    case 'gaussian': return nb.nn.init.normal(0.2);
    case 'uniform': return nb.nn.init.uniform(-0.5, 0.5);
    case 'constant': return nb.nn.init.constant(0.1);
  }
}

function activationModule(kind: Activation, units: number): nb.nn.Module | null {
  switch (kind) {
    case 'maxout': return null;
    case 'prelu': return nb.nn.prelu({ numParameters: units });
    default: return nb.nn.activation(kind);
  }
}

export class Network {
  readonly layers: Layer[];
  readonly sizes: number[];
  /** The whole network as one module (its parameters and L1/L2 penalties). */
  readonly module: nb.nn.Sequential;

  constructor(readonly inputs: number, hidden: readonly number[], outputs: number, readonly activation: Activation,
    init: InitName, readonly output: OutputKind, reg: Regularization = 'none', regRate = 0) {
    this.sizes = [inputs, ...hidden, outputs];
    this.layers = [];
    this.module = nb.nn.sequential();
    const wopts: nb.nn.WeightOptions = {
      init: initializer(init),
      biasInit: init === 'constant' ? 0.1 : 0,
      l1: reg === 'l1' ? regRate : 0,
      l2: reg === 'l2' ? regRate : 0,
    };
    for (let l = 1; l < this.sizes.length; l++) {
      const isOut = l === this.sizes.length - 1;
      const fanIn = this.sizes[l - 1]!;
      const units = this.sizes[l]!;
      const kind = isOut ? 'output' : activation;
      const affine = kind === 'maxout' ? nb.nn.maxout(fanIn, units, MAXOUT_K, wopts) : nb.nn.linear(fanIn, units, wopts);
      const act = kind === 'output' ? null : activationModule(kind, units);
      this.module.add(affine);
      if (act) this.module.add(act);
      const pieces = affine instanceof nb.nn.Maxout ? MAXOUT_K : 1;
      this.layers.push({ affine, act, W: affine.weight, b: affine.bias!, units, pieces, activation: kind });
    }
  }

  static fromState(s: State, inputs: number): Network {
    const outputs = outputSize(s);
    const kind: OutputKind = s.problem === 'regression' ? 'linear' : outputs === 1 ? 'binary' : 'softmax';
    return new Network(inputs, s.hidden, outputs, s.activation, s.init, kind, s.regularization, s.regRate);
  }

  /** Every trainable tensor. */
  params(): Tensor[] {
    return this.module.parameters();
  }

  /**
   * Runs the network on x [n, inputs]. `probes`, one zero tensor per layer shaped like z, are
   * added to the pre-activations: after `backward()` their gradients are δˡ = ∂L/∂zˡ.
   */
  forward(x: Tensor, probes?: readonly Tensor[]): ForwardResult {
    const zs: Tensor[] = [];
    const as: Tensor[] = [];
    let a = x;
    this.layers.forEach((layer, l) => {
      let z = layer.affine.call(a);
      if (probes) z = z.add(probes[l]!);
      zs.push(z);
      a = activateLayer(layer, z);
      as.push(a);
    });
    return { zs, as };
  }

  /** The output layer's values turned into predictions: P(class 1), class probabilities, or values. */
  predict(logits: Tensor): Tensor {
    if (this.output === 'binary') return nb.sigmoid(logits);
    if (this.output === 'softmax') return nb.softmax(logits, -1);
    return logits;
  }

  /**
   * The data loss, mean over the points: binary cross-entropy on the sigmoid of the logit,
   * softmax cross-entropy, or the squared error ½(y − t)².
   * `targets` holds class indices (classification) or values (regression), shape [n].
   */
  loss(logits: Tensor, targets: Tensor): Tensor {
    const n = logits.shape[0]!;
    if (this.output === 'binary') return nb.nn.binaryCrossEntropyWithLogits(logits, targets.reshape([n, 1]));
    if (this.output === 'softmax') return nb.nn.softmaxCrossEntropy(logits, targets);
    return nb.nn.squaredError(logits, targets.reshape([n, 1]), { reduction: 'mean' });
  }

  /** The L1/L2 penalty λΩ(W) of the weights (null when regularization is off). */
  penalty(): Tensor | null {
    return this.module.regularization();
  }

  dispose(): void {
    this.module.dispose();
  }
}

/** The layer's activation applied to its pre-activation z (output and maxout layers pass z through). */
export function activateLayer(layer: Layer, z: Tensor): Tensor {
  return layer.act ? layer.act.call(z) : z;
}
