/**
 * TensorFlow-1 optimizers: `minimize(loss, varList?)` adds the gradient nodes (`gradients`) and
 * one update node per variable (`ApplyGradientDescent`, `ApplyMomentum`, `ApplyAdam`), grouped
 * into the training op that `Session.run` executes. The learning rate may be a number or a graph
 * tensor (a placeholder, for decay schedules). Slot variables (momentum, Adam's moments) are
 * ordinary non-trainable variables, initialised by `globalVariablesInitializer()`.
 *
 * As TensorFlow's Apply* ops are single kernels, each ApplyAdam node runs the fused `adamStep`
 * kernel (one pass over the variable, its gradient and moments), with the step size
 * lr_t = lr·√(1 − β₂ᵗ)/(1 − β₁ᵗ) computed once per step by graph ops (`Adam/lr_t`) and read by
 * the kernel when it runs. The same update written with ordinary elementwise ops (about 17 per
 * variable) is kept as the reference it is tested against (`referenceUpdates`).
 */
import { full, zeros } from '../tensor/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import { add, adamStep, div, mul, sqrt, square, sub } from '../ops/index.js';
import { checkNumber, fail } from '../validate.js';
import { addOutput, assertSymbolic, Node, SymbolicTensor, Variable, type Graph } from './graph.js';
import { gradients } from './gradients.js';
import * as gops from './ops.js';
import { applyRules, type SessionState } from './session.js';

export type LearningRate = number | SymbolicTensor;

/** Optimizers that build the composite reference update instead of the fused one. */
const reference = new WeakSet<object>();

/**
 * Internal (tests): makes `opt` build its updates from ordinary elementwise ops, the reference the
 * fused update kernels are checked against. Returns `opt`.
 */
export function referenceUpdates<T extends GradientDescentOptimizer | MomentumOptimizer | AdamOptimizer>(opt: T): T {
  reference.add(opt);
  return opt;
}

abstract class Optimizer {
  protected readonly lr: LearningRate;
  constructor(
    protected readonly opName: string,
    learningRate: LearningRate,
  ) {
    if (!(learningRate instanceof SymbolicTensor)) checkNumber(`train.${opName}Optimizer`, 'learningRate', learningRate);
    else if (learningRate.shape.length !== 0) throw new Error(`train.${opName}Optimizer: learningRate '${learningRate.name}' must be a scalar, has shape [${learningRate.shape.map((d) => d ?? '?').join(',')}]`);
    this.lr = learningRate;
  }

  /** [gradient, variable] pairs for `loss` (TensorFlow's `compute_gradients`). */
  computeGradients(loss: SymbolicTensor, varList?: readonly Variable[]): [SymbolicTensor, Variable][] {
    const op = `${this.opName}.computeGradients`;
    assertSymbolic(op, 'loss', loss);
    const vars = varList ?? loss.graph.trainableVariables();
    if (!Array.isArray(vars)) fail(op, 'varList', 'an array of graph Variables', vars);
    vars.forEach((v, i) => {
      if (!(v instanceof Variable)) fail(op, `varList[${i}]`, 'a graph Variable', v);
      if (v.graph !== loss.graph) throw new Error(`${op}: variable '${v.node.name}' belongs to another graph than loss '${loss.name}'`);
    });
    if (vars.length === 0) throw new Error(`${op}: no variables to optimise (the graph of '${loss.name}' has no trainable variables)`);
    const gs = gradients(loss, vars);
    return gs.map((g, i) => [g, vars[i]!]);
  }

  /** The training op applying `gradsAndVars` (TensorFlow's `apply_gradients`). */
  applyGradients(gradsAndVars: readonly [SymbolicTensor, Variable][], name?: string): Node {
    const g = gradsAndVars[0]?.[1].graph;
    if (!g) throw new Error(`${this.opName}.applyGradients: no gradients`);
    return g.asDefault(() => g.nameScope(this.opName, () => {
      const lr = this.lr instanceof SymbolicTensor ? this.lr : g.constant(this.lr, { name: 'learning_rate' });
      if (lr.graph !== g) throw new Error(`${this.opName}: learningRate '${lr.name}' belongs to another graph than the variables`);
      const shared = this.sharedSlots(g, gradsAndVars[0]![1]);
      const fused = !reference.has(this);
      const rate = fused ? this.stepSize(g, lr, shared) : lr;
      const rule = fused ? this.fusedRule() : this.applyType();
      const updates = gradsAndVars.map(([grad, v]) => {
        const slots = this.slotNames().map((s) => new Variable(zeros([...v.shape] as number[], { dtype: v.dtype }), { trainable: false, name: `${v.node.name.replace(/\//g, '_')}_${s}` }).node);
        return g.addNode('apply', this.applyType(), `update_${v.node.name.replace(/\//g, '_')}`, [grad, rate], { variable: v.node, rule, hyper: this.hyper(), slots: [...slots, ...shared] });
      });
      // created after the updates, so a run executes it after them (nodes run in creation order)
      const finish = this.finish(g, shared);
      return g.group(finish ? [...updates, finish] : updates, name ?? 'train');
    }));
  }

  /** Variables the optimizer keeps once per graph, not per variable (Adam's β powers). */
  protected sharedSlots(_g: Graph, _first: Variable): Node[] {
    return [];
  }

  /** The step size the fused update rule reads (Adam: lr_t, from its β powers); the learning rate by default. */
  protected stepSize(_g: Graph, lr: SymbolicTensor, _shared: Node[]): SymbolicTensor {
    return lr;
  }

  /** The update rule run by `Session.run` (the composite's when no fused kernel does better). */
  protected fusedRule(): string {
    return this.applyType();
  }

  /** A node run once per training step after every update (Adam advances its β powers). */
  protected finish(_g: Graph, _shared: Node[]): Node | null {
    return null;
  }

  /** The training op: gradients of `loss` and an update of each variable (trainable ones by default). */
  minimize(loss: SymbolicTensor, varList?: readonly Variable[], name?: string): Node {
    return this.applyGradients(this.computeGradients(loss, varList), name);
  }

  protected abstract applyType(): string;
  protected abstract slotNames(): string[];
  protected abstract hyper(): Record<string, number>;
}

/** v ← v − η·g */
export class GradientDescentOptimizer extends Optimizer {
  constructor(learningRate: LearningRate) {
    super('GradientDescent', learningRate);
  }
  protected applyType(): string { return 'ApplyGradientDescent'; }
  protected slotNames(): string[] { return []; }
  protected hyper(): Record<string, number> { return {}; }
}

/** a ← μ·a + g; v ← v − η·a (TensorFlow's MomentumOptimizer). */
export class MomentumOptimizer extends Optimizer {
  constructor(learningRate: LearningRate, readonly momentum: number) {
    super('Momentum', learningRate);
    checkNumber('train.MomentumOptimizer', 'momentum', momentum);
  }
  protected applyType(): string { return 'ApplyMomentum'; }
  protected slotNames(): string[] { return ['Momentum']; }
  protected hyper(): Record<string, number> { return { momentum: this.momentum }; }
}

/**
 * Adam with TensorFlow's defaults (β₁ = 0.9, β₂ = 0.999, ε = 1e-8) and update rule. As in
 * TensorFlow 1, the step count lives in two variables per optimizer (`beta1_power`,
 * `beta2_power`, starting at β₁ and β₂), shared by all its training ops and advanced once per step.
 */
export class AdamOptimizer extends Optimizer {
  private readonly powers = new Map<Graph, Node[]>();
  constructor(learningRate: LearningRate = 0.001, readonly beta1 = 0.9, readonly beta2 = 0.999, readonly epsilon = 1e-8) {
    super('Adam', learningRate);
    for (const [k, v] of [['beta1', beta1], ['beta2', beta2], ['epsilon', epsilon]] as const) checkNumber('train.AdamOptimizer', k, v);
  }
  protected applyType(): string { return 'ApplyAdam'; }
  protected slotNames(): string[] { return ['Adam', 'Adam_1']; }
  protected hyper(): Record<string, number> { return { beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon }; }
  protected override sharedSlots(g: Graph, first: Variable): Node[] {
    let p = this.powers.get(g);
    if (!p) {
      const dtype = first.dtype;
      p = [['beta1_power', this.beta1], ['beta2_power', this.beta2]].map(([name, b]) => new Variable(full([], b as number, { dtype }), { trainable: false, name: name as string }).node);
      this.powers.set(g, p);
    }
    return p;
  }
  protected override stepSize(g: Graph, lr: SymbolicTensor, shared: Node[]): SymbolicTensor {
    // lr_t = lr·√(1 − β₂ᵗ)/(1 − β₁ᵗ), once per step for all the variables (the ops the reference rule runs per variable)
    const [b1p, b2p] = shared.map((n) => n.outputs[0]!) as [SymbolicTensor, SymbolicTensor];
    return g.nameScope('lr_t', () => gops.div(gops.mul(lr, gops.sqrt(gops.sub(1, b2p))), gops.sub(1, b1p)));
  }
  protected override fusedRule(): string {
    return 'ApplyAdamFused';
  }
  protected override finish(g: Graph, shared: Node[]): Node {
    return g.addNode('apply', 'AdamUpdatePowers', 'update_beta_powers', [], { rule: 'AdamUpdatePowers', hyper: this.hyper(), slots: shared });
  }
}

// ---- the update rules Session.run executes (eager ops on the session's variable values) ----

function scalarOf(t: Tensor): number | Tensor {
  return t.size === 1 ? t.reshape([]) : t;
}

/** `x` in `like`'s dtype (a learning rate fed as float64 must not change a float32 variable's dtype). */
function as(x: Tensor, like: Tensor): Tensor {
  return x.dtype === like.dtype ? x : x.cast(like.dtype);
}

applyRules.set('ApplyGradientDescent', (s: SessionState, n: Node, [g, lr]) => {
  const v = n.attrs.variable!;
  const p = s.read(v);
  s.write(v, as(sub(p, mul(g!, scalarOf(lr!))), p));
});

applyRules.set('ApplyMomentum', (s, n, [g, lr]) => {
  const v = n.attrs.variable!;
  const [accN] = n.attrs.slots!;
  const p = s.read(v);
  const acc = add(mul(s.read(accN!), n.attrs.hyper!.momentum!), g!);
  s.write(accN!, acc);
  s.write(v, as(sub(p, mul(acc, scalarOf(lr!))), p));
});

applyRules.set('ApplyAdam', (s, n, [g, lr]) => {
  const v = n.attrs.variable!;
  const [mN, vN, b1pN, b2pN] = n.attrs.slots!;
  const { beta1, beta2, epsilon } = n.attrs.hyper as { beta1: number; beta2: number; epsilon: number };
  const p = s.read(v);
  const m = add(mul(s.read(mN!), beta1), mul(g!, 1 - beta1));
  const vv = add(mul(s.read(vN!), beta2), mul(square(g!), 1 - beta2));
  s.write(mN!, m);
  s.write(vN!, vv);
  // lr_t = lr·√(1 − β₂ᵗ)/(1 − β₁ᵗ), the powers βᵗ read from the optimizer's shared variables
  const lrT = div(mul(scalarOf(lr!), sqrt(sub(1, s.read(b2pN!)))), sub(1, s.read(b1pN!)));
  s.write(v, as(sub(p, div(mul(m, as(lrT, p)), add(sqrt(vv), epsilon))), p));
});

// TF1's ApplyAdam as one fused kernel: var −= lr_t·m/(√v + ε), TensorFlow's ε placement being
// adamStep's with epsT = ε; lr_t (input 1) is a scalar tensor the kernel reads when it runs
applyRules.set('ApplyAdamFused', (s, n, [g, lrT]) => {
  const v = n.attrs.variable!;
  const [mN, vN] = n.attrs.slots!;
  const { beta1, beta2, epsilon } = n.attrs.hyper as { beta1: number; beta2: number; epsilon: number };
  const p = s.read(v);
  const [p2, m, vv] = adamStep(p, as(g!, p), s.read(mN!), s.read(vN!), { beta1, beta2, lrT: as(lrT!.reshape([]), p), epsT: epsilon, l2: 0, decay: 1 });
  s.write(mN!, m);
  s.write(vN!, vv);
  s.write(v, p2);
});

applyRules.set('AdamUpdatePowers', (s, n) => {
  const [b1pN, b2pN] = n.attrs.slots!;
  const { beta1, beta2 } = n.attrs.hyper as { beta1: number; beta2: number };
  s.write(b1pN!, mul(s.read(b1pN!), beta1));
  s.write(b2pN!, mul(s.read(b2pN!), beta2));
});

export { addOutput };
