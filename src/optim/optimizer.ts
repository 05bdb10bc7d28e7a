/**
 * Optimizers (SCOPE §5). Each `step(params)` reads every parameter's `.grad` (parameters without
 * one are skipped), computes the update with tensor ops under `noGrad` inside `tidy`, and writes
 * it with `p.assign(...)`. Per-parameter state (velocities, moment estimates) lives in a Map
 * keyed by the parameter tensor and is kept out of `tidy` scopes.
 *
 * Weight decay λ: SGD-family optimizers add λ·w to the gradient before the update, which for
 * plain SGD is exactly w ← (1 − ηλ)w − η∇ (the L2 penalty (λ/2)‖w‖²). `adamw` decouples it.
 */
import { jitTracing } from '../jit/hooks.js';
import type { AdamHyper } from '../backends/interface.js';
import type { Tensor } from '../tensor/tensor.js';
import { keep, noGrad, noteOptimizerStep, tidy } from '../engine.js';
import { fullLike, zerosLike } from '../tensor/creation.js';
import * as ops from '../ops/index.js';
import { checkArray, checkBoolean, checkInt, checkNumber, checkOneOf, checkOptions, fail, optBoolean, optNumber } from '../validate.js';
import { checkNamedTensors, checkObject, checkTensorList } from '../nn/checks.js';
import { Tensor as TensorClass } from '../tensor/tensor.js';

export interface Optimizer {
  /** The learning rate η used by the next step (schedules set it). */
  lr: number;
  /** Steps taken so far. */
  readonly iterations: number;
  /** Updates every parameter that has a gradient: `params`, or those given at construction. */
  step(params?: readonly Tensor[]): void;
  /** Clears the gradients of `params`, or of those given at construction. */
  zeroGrad(params?: readonly Tensor[]): void;
  /** The optimizer's name and hyper-parameters (JSON). */
  config(): { type: string; lr: number; [k: string]: number | boolean | string };
  /** Drops all per-parameter state (and disposes it). */
  reset(): void;
  /** Per-parameter state by name, for checkpoints. */
  stateDict(named: readonly [string, Tensor][]): OptimizerState;
  /** Restores `stateDict` output onto the same-named parameters. */
  loadStateDict(named: readonly [string, Tensor][], sd: OptimizerState): void;
}

/** An optimizer's state by parameter name (for checkpoints): step counts and state slots (live tensors). */
export interface OptimizerState {
  iterations: number;
  params: Record<string, { step: number; slots: Tensor[] }>;
}

/** Parameters with a learning rate of their own (`lr` unset: the optimizer's `lr`). */
export interface ParamGroup {
  params: readonly Tensor[];
  lr?: number;
}

/** What an optimizer can be given at construction: parameters, or groups of them. */
export type Params = readonly Tensor[] | readonly ParamGroup[];

function checkLr(name: string, lr: unknown): number {
  return checkNumber(name, 'lr', lr, { min: 0 });
}
/** A decay rate (momentum, β, ρ): in [0, 1). */
const DECAY = { min: 0, below: 1 } as const;
/** ε, weight decay, accumulators: ≥ 0 (ε = 0 is the textbook rule, as in PyTorch). */
const NON_NEGATIVE = { min: 0 } as const;

/** The shared loop: state slots per parameter, update under noGrad + tidy. */
export abstract class BaseOptimizer implements Optimizer {
  iterations = 0;
  private readonly state = new Map<Tensor, Tensor[]>();
  private readonly steps = new Map<Tensor, number>();
  private _lr: number;
  /** The learning rate of the update being computed (the group's, or `lr`): what `update` uses. */
  protected stepLr: number;
  /** The parameters given at construction (PyTorch style), in groups; empty otherwise. */
  readonly paramGroups: ParamGroup[] = [];

  constructor(readonly name: string, lr: number, protected readonly slots: number) {
    checkLr(name, lr);
    this._lr = lr;
    this.stepLr = lr;
  }

  /**
   * Adds parameters (an array of Tensors, or of `{ params, lr }` groups) to those `step()` and
   * `zeroGrad()` use when called without any — what the factories' PyTorch form does.
   */
  addParams(params: Params): this {
    const known = new Map<Tensor, string>();
    this.paramGroups.forEach((g, i) => g.params.forEach((p, j) => known.set(p, `paramGroups[${i}].params[${j}]`)));
    this.paramGroups.push(...paramGroupsOf(this.name, params, known));
    return this;
  }

  /** The bound groups, or an error saying how to give parameters. */
  #boundGroups(method: string): readonly ParamGroup[] {
    if (this.paramGroups.length === 0) {
      throw new Error(`${this.name}.${method}: no parameters: pass them (opt.${method}(model.parameters())) or give them when creating the optimizer (nb.optim.${this.name}(model.parameters(), { lr }))`);
    }
    return this.paramGroups;
  }

  get lr(): number {
    return this._lr;
  }
  set lr(v: number) {
    checkLr(this.name, v);
    this._lr = v;
  }

  /** A state slot's starting value (zeros unless overridden). */
  protected initSlot(p: Tensor, _slot: number): Tensor {
    return zerosLike(p);
  }

  /** Computes the new value of `p` from its gradient `g`, reading/writing its state slots in `s` (replace entries; old ones are disposed). */
  protected abstract update(p: Tensor, g: Tensor, s: Tensor[], t: number): Tensor;

  step(params?: readonly Tensor[]): void {
    let groups: readonly ParamGroup[];
    if (params === undefined) {
      groups = this.#boundGroups('step');
      groups.forEach((g, i) => {
        if (g.lr !== undefined) checkLr(this.name, g.lr);
        checkTensorList(`${this.name}.step`, `paramGroups[${i}].params`, g.params);
      });
    } else groups = [{ params: checkTensorList(`${this.name}.step`, 'params', params) }];
    this.iterations++;
    const tr = jitTracing();
    if (tr) {
      // nb.jit replays this step without running it: the counters advance on replay, and a change
      // of the hyper-parameters baked into the plan (lr, betas, momentum, group lrs) retraces
      const key = (): string => JSON.stringify([this.config(), groups.map((g) => g.lr ?? null)]);
      tr.guard(key, key());
      tr.onReplay(() => { this.iterations++; });
    }
    noGrad(() =>
      tidy(() => {
        for (const group of groups) {
          this.stepLr = group.lr ?? this.lr;
          for (const p of group.params) this.#stepOne(p);
        }
        this.stepLr = this.lr;
      }),
    );
    noteOptimizerStep(this);
  }

  #stepOne(p: Tensor): void {
    const g = p.grad;
    if (!g || g.isDisposed) return;
    let s = this.state.get(p);
    if (!s) {
      s = [];
      for (let i = 0; i < this.slots; i++) s.push(keep(this.initSlot(p, i)));
      this.state.set(p, s);
    }
    const t = (this.steps.get(p) ?? 0) + 1;
    const tr = jitTracing();
    if (tr) {
      const stable = this.jitStepKey(t);
      tr.guard(() => this.jitStepKey((this.steps.get(p) ?? 0) + 1), stable);
      tr.onReplay(() => { this.steps.set(p, (this.steps.get(p) ?? 0) + 1); });
    }
    this.steps.set(p, t);
    const old = s.slice();
    const next = this.update(p, g, s, t);
    // the slots keep their tensors and take the new values (assign): state updated in place, which
    // is what nb.jit's plans update on replay
    for (let i = 0; i < s.length; i++) {
      const o = old[i] as Tensor;
      if (s[i] !== o) {
        o.assign(s[i] as Tensor);
        s[i] = o;
      }
    }
    p.assign(next);
  }

  /**
   * What of the step count `t` the update bakes into an `nb.jit` plan: the plan is traced again when
   * it differs at replay. By default t itself (a trace per step: correct, not fast); optimizers
   * whose update does not depend on t, or refresh it on replay, return less.
   */
  protected jitStepKey(t: number): unknown {
    return t;
  }

  zeroGrad(params?: readonly Tensor[]): void {
    if (params === undefined) {
      for (const g of this.#boundGroups('zeroGrad')) for (const p of g.params) p.zeroGrad();
      return;
    }
    checkTensorList(`${this.name}.zeroGrad`, 'params', params);
    for (const p of params) p.zeroGrad();
  }

  /** How many updates `p` has received (Adam's t). */
  stepsOf(p: Tensor): number {
    return this.steps.get(p) ?? 0;
  }

  /** The state slots of `p` (empty before its first step). */
  stateOf(p: Tensor): readonly Tensor[] {
    return this.state.get(p) ?? [];
  }

  /** The state of the named parameters (e.g. `opt.stateDict(model.namedParameters())`); the slot tensors are live, not copies. */
  stateDict(named: readonly [string, Tensor][]): OptimizerState {
    checkNamedTensors(`${this.name}.stateDict`, 'named', named);
    const params: OptimizerState['params'] = {};
    for (const [n, p] of named) {
      const s = this.state.get(p);
      if (s) params[n] = { step: this.steps.get(p) ?? 0, slots: s.slice() };
    }
    return { iterations: this.iterations, params };
  }

  /** Restores state saved by `stateDict` onto the parameters with the same names (copies the tensors). */
  loadStateDict(named: readonly [string, Tensor][], sd: OptimizerState): void {
    const op = `${this.name}.loadStateDict`;
    checkNamedTensors(op, 'named', named);
    checkObject(op, 'state', sd);
    checkInt(op, 'state.iterations', sd.iterations, { min: 0 });
    checkObject(op, 'state.params', sd.params);
    for (const [n, st] of Object.entries(sd.params)) {
      const e = `state.params['${n}']`;
      checkObject(op, e, st);
      checkInt(op, `${e}.step`, st.step, { min: 0 });
      checkTensorList(op, `${e}.slots`, st.slots);
    }
    const byName = new Map(named);
    for (const [n, st] of Object.entries(sd.params)) {
      const p = byName.get(n);
      if (!p) throw new Error(`${this.name}.loadStateDict: state for '${n}', which is not among the parameters (${[...byName.keys()].join(', ')})`);
      if (st.slots.length !== this.slots) throw new Error(`${this.name}.loadStateDict: '${n}' has ${st.slots.length} state slots, ${this.name} keeps ${this.slots}`);
      for (const t of st.slots) {
        if (t.shape.join() !== p.shape.join()) throw new Error(`${this.name}.loadStateDict: state of '${n}' has shape [${t.shape.join(',')}], the parameter has [${p.shape.join(',')}]`);
      }
    }
    for (const [n, st] of Object.entries(sd.params)) {
      const p = byName.get(n) as Tensor;
      const old = this.state.get(p);
      const next = noGrad(() => st.slots.map((t) => keep(t.dtype === p.dtype ? t.clone() : ops.cast(t, p.dtype))));
      if (old) for (const t of old) t.dispose();
      this.state.set(p, next);
      this.steps.set(p, st.step);
    }
    this.iterations = sd.iterations;
  }

  reset(): void {
    for (const s of this.state.values()) for (const t of s) t.dispose();
    this.state.clear();
    this.steps.clear();
    this.iterations = 0;
  }

  abstract config(): { type: string; lr: number; [k: string]: number | boolean | string };
}

/** Checks `params` (Tensors, or `{ params, lr }` groups) into groups; a parameter may appear once (`known` holds those already bound). */
function paramGroupsOf(op: string, params: unknown, known = new Map<Tensor, string>()): ParamGroup[] {
  const a = checkArray(op, 'params', params);
  if (a.length === 0) throw new Error(`${op}: params is an empty array: give the parameters to optimize (model.parameters())`);
  const seen = (p: Tensor, where: string): void => {
    const first = known.get(p);
    if (first !== undefined) throw new Error(`${op}: ${where} is the same tensor as ${first}: a parameter may be given once`);
    known.set(p, where);
  };
  if (a[0] instanceof TensorClass) {
    const list = checkTensorList(op, 'params', a);
    list.forEach((p, i) => seen(p, `params[${i}]`));
    return [{ params: list.slice() }];
  }
  return a.map((g, i) => {
    const name = `params[${i}]`;
    if (g instanceof TensorClass) fail(op, name, 'a { params, lr } group like the other items', g);
    if (g === null || typeof g !== 'object' || Array.isArray(g)) fail(op, name, 'a Tensor or a { params, lr } group', g);
    const o = checkOptions<{ params?: unknown; lr?: unknown }>(op, g, ['params', 'lr'], name);
    const list = checkTensorList(op, `${name}.params`, o.params);
    list.forEach((p, j) => seen(p, `${name}.params[${j}]`));
    const group: ParamGroup = { params: list.slice() };
    if (o.lr !== undefined) group.lr = checkNumber(op, `${name}.lr`, o.lr, { min: 0 });
    return group;
  });
}

/** The options of the PyTorch form: the optimizer's own, plus `lr`. */
type WithLr<O> = O & { lr?: number };

/**
 * The two ways to call a factory: `adam(lr, opts)`, or PyTorch's `adam(params, { lr, ...opts })`
 * (`defaultLr` undefined: `lr` must be given).
 */
function factoryArgs<O extends object>(op: string, first: unknown, opts: WithLr<O> | undefined, defaultLr: number | undefined): { lr: number; opts: O | undefined; params: Params | null } {
  if (!Array.isArray(first)) {
    const lr = first === undefined && defaultLr !== undefined ? defaultLr : first;
    if (lr !== null && typeof lr === 'object') fail(op, 'lr', 'a finite number ≥ 0 (or the parameters to optimize: an array of Tensors or of { params, lr } groups)', lr);
    return { lr: checkLr(op, lr), opts, params: null };
  }
  const o = checkOptions<WithLr<O>>(op, opts);
  const { lr, ...rest } = o;
  if (lr === undefined && defaultLr === undefined) fail(op, 'options.lr', `a finite number ≥ 0 (${op} has no default learning rate)`, lr);
  return { lr: lr === undefined ? (defaultLr as number) : checkNumber(op, 'options.lr', lr, { min: 0 }), opts: rest as O, params: first as Params };
}

/** Binds the PyTorch form's parameters. */
function withParams<T extends BaseOptimizer>(opt: T, params: Params | null): T {
  return params === null ? opt : opt.addParams(params);
}

/** g + λ·w when weight decay is on. */
function decayed(p: Tensor, g: Tensor, wd: number): Tensor {
  return wd ? ops.add(g, ops.mul(p, wd)) : g;
}

export interface SGDOptions {
  /** Momentum μ (default 0): b ← μb + (1 − τ)∇ (b = ∇ at the first step), w ← w − ηb. */
  momentum?: number;
  /** Dampening τ of the momentum (default 0), in [0, 1]: how little of each gradient enters b. */
  dampening?: number;
  /** Nesterov momentum: w ← w − η(∇ + μb) with b updated as above (needs momentum > 0 and dampening 0). */
  nesterov?: boolean;
  /** Weight decay λ: w ← (1 − ηλ)w − η∇ (as ∇ + λw). */
  weightDecay?: number;
}

/** Checks a new momentum of an optimizer that keeps a velocity only when made with momentum > 0. */
function checkMomentum(name: string, v: unknown, hasVelocity: boolean): number {
  const m = checkNumber(name, 'momentum', v, DECAY);
  if (m && !hasVelocity) throw new Error(`${name}: momentum cannot be turned on after creation (got ${m}): this ${name} was made without momentum and keeps no velocity; create it with a momentum > 0`);
  return m;
}

/**
 * Stochastic gradient descent, with optional (Nesterov) momentum, dampening and weight decay, as
 * PyTorch's SGD: the velocity b is kept without the learning rate, so a change of lr (a schedule)
 * applies to the whole step at once.
 */
export class SGD extends BaseOptimizer {
  #momentum: number;
  readonly dampening: number;
  readonly nesterov: boolean;
  readonly weightDecay: number;
  constructor(lr: number, opts: SGDOptions = {}) {
    checkLr('sgd', lr);
    const o = checkOptions('sgd', opts, ['momentum', 'dampening', 'nesterov', 'weightDecay']);
    const momentum = optNumber('sgd', 'momentum', o.momentum, 0, DECAY);
    super('sgd', lr, momentum ? 1 : 0);
    this.#momentum = momentum;
    this.dampening = optNumber('sgd', 'dampening', o.dampening, 0, { min: 0, max: 1 });
    this.nesterov = optBoolean('sgd', 'nesterov', o.nesterov, false);
    if (this.nesterov && !momentum) throw new Error('sgd: nesterov needs a momentum > 0');
    if (this.nesterov && this.dampening) throw new Error(`sgd: nesterov needs dampening 0, got ${this.dampening}`);
    this.weightDecay = optNumber('sgd', 'weightDecay', o.weightDecay, 0, NON_NEGATIVE);
  }
  /** Momentum μ; may change between steps (one-cycle schedules do) on an SGD made with momentum > 0. */
  get momentum(): number {
    return this.#momentum;
  }
  set momentum(v: number) {
    this.#momentum = checkMomentum('sgd', v, this.slots > 0);
  }
  protected override jitStepKey(t: number): unknown {
    return t === 1; // the first step starts the velocity
  }
  protected update(p: Tensor, g0: Tensor, s: Tensor[], t: number): Tensor {
    const g = decayed(p, g0, this.weightDecay);
    const mu = this.#momentum;
    if (!mu) return ops.sub(p, ops.mul(g, this.stepLr));
    // the first step starts the velocity at ∇ (undampened), as PyTorch does
    const b = t === 1 ? (g === g0 ? ops.clone(g) : g) : ops.add(ops.mul(s[0]!, mu), this.dampening ? ops.mul(g, 1 - this.dampening) : g);
    s[0] = b;
    return ops.sub(p, ops.mul(this.nesterov ? ops.add(g, ops.mul(b, mu)) : b, this.stepLr));
  }
  config(): { type: string; lr: number; momentum: number; dampening: number; nesterov: boolean; weightDecay: number } {
    return { type: 'sgd', lr: this.lr, momentum: this.momentum, dampening: this.dampening, nesterov: this.nesterov, weightDecay: this.weightDecay };
  }
}

/** SGD: w ← w − η∇ (momentum, dampening, Nesterov and weight decay optional); `sgd(lr, opts)` or `sgd(params, { lr, ...opts })`. */
export function sgd(lr: number, opts?: SGDOptions): SGD;
export function sgd(params: Params, opts?: WithLr<SGDOptions>): SGD;
export function sgd(first?: number | Params, opts?: WithLr<SGDOptions>): SGD {
  const a = factoryArgs('sgd', first, opts, undefined);
  return withParams(new SGD(a.lr, a.opts), a.params);
}

export interface AdagradOptions {
  eps?: number;
  /** The accumulator's starting value (default 0; PyTorch's initial_accumulator_value). */
  initialAccumulator?: number;
  /** Learning-rate decay d (default 0): step t uses η/(1 + (t − 1)·d). */
  lrDecay?: number;
  weightDecay?: number;
}

/** Adagrad: G ← G + ∇², w ← w − η_t·∇/(√G + ε) with η_t = η/(1 + (t − 1)·lrDecay). */
export class Adagrad extends BaseOptimizer {
  readonly eps: number;
  readonly initialAccumulator: number;
  readonly lrDecay: number;
  readonly weightDecay: number;
  constructor(lr: number, opts: AdagradOptions = {}) {
    super('adagrad', lr, 1);
    const o = checkOptions('adagrad', opts, ['eps', 'initialAccumulator', 'lrDecay', 'weightDecay']);
    this.eps = optNumber('adagrad', 'eps', o.eps, 1e-8, NON_NEGATIVE);
    this.initialAccumulator = optNumber('adagrad', 'initialAccumulator', o.initialAccumulator, 0, NON_NEGATIVE);
    this.lrDecay = optNumber('adagrad', 'lrDecay', o.lrDecay, 0, NON_NEGATIVE);
    this.weightDecay = optNumber('adagrad', 'weightDecay', o.weightDecay, 0, NON_NEGATIVE);
  }
  protected override initSlot(p: Tensor): Tensor {
    return fullLike(p, this.initialAccumulator);
  }
  protected override jitStepKey(t: number): unknown {
    return this.lrDecay ? t : 0;
  }
  protected update(p: Tensor, g0: Tensor, s: Tensor[], t: number): Tensor {
    const g = decayed(p, g0, this.weightDecay);
    const G = ops.add(s[0]!, ops.square(g));
    s[0] = G;
    const lr = this.stepLr / (1 + (t - 1) * this.lrDecay);
    return ops.sub(p, ops.mul(ops.div(g, ops.add(ops.sqrt(G), this.eps)), lr));
  }
  config(): { type: string; lr: number; eps: number; initialAccumulator: number; lrDecay: number; weightDecay: number } {
    return { type: 'adagrad', lr: this.lr, eps: this.eps, initialAccumulator: this.initialAccumulator, lrDecay: this.lrDecay, weightDecay: this.weightDecay };
  }
}
/** Adagrad (default η = 0.01); `adagrad(lr, opts)` or `adagrad(params, { lr, ...opts })`. */
export function adagrad(lr?: number, opts?: AdagradOptions): Adagrad;
export function adagrad(params: Params, opts?: WithLr<AdagradOptions>): Adagrad;
export function adagrad(first?: number | Params, opts?: WithLr<AdagradOptions>): Adagrad {
  const a = factoryArgs('adagrad', first, opts, 0.01);
  return withParams(new Adagrad(a.lr, a.opts), a.params);
}

export interface RMSpropOptions {
  /** Decay ρ of the squared-gradient average (default 0.9; PyTorch's alpha). */
  rho?: number;
  eps?: number;
  weightDecay?: number;
  /** Momentum μ (default 0): b ← μb + ∇/(√E + ε), w ← w − ηb. */
  momentum?: number;
  /** Divide by an estimate of the gradient's variance, √(E − ḡ²) + ε with ḡ ← ρḡ + (1 − ρ)∇ (default false). */
  centered?: boolean;
}

/**
 * RMSprop, as PyTorch's: E ← ρE + (1 − ρ)∇², w ← w − η∇/(√E + ε); `centered` uses √(E − ḡ²)
 * (ḡ the running mean of ∇) and `momentum` μ keeps b ← μb + ∇/(√E + ε), w ← w − ηb.
 * State slots: [E, b (with momentum), ḡ (centered)].
 */
export class RMSprop extends BaseOptimizer {
  readonly rho: number;
  readonly eps: number;
  readonly weightDecay: number;
  readonly centered: boolean;
  #momentum: number;
  readonly #hasVelocity: boolean;
  constructor(lr: number, opts: RMSpropOptions = {}) {
    checkLr('rmsprop', lr);
    const o = checkOptions('rmsprop', opts, ['rho', 'eps', 'weightDecay', 'momentum', 'centered']);
    const momentum = optNumber('rmsprop', 'momentum', o.momentum, 0, DECAY);
    const centered = optBoolean('rmsprop', 'centered', o.centered, false);
    super('rmsprop', lr, 1 + (momentum ? 1 : 0) + (centered ? 1 : 0));
    this.#momentum = momentum;
    this.#hasVelocity = momentum > 0;
    this.centered = centered;
    this.rho = optNumber('rmsprop', 'rho', o.rho, 0.9, DECAY);
    this.eps = optNumber('rmsprop', 'eps', o.eps, 1e-8, NON_NEGATIVE);
    this.weightDecay = optNumber('rmsprop', 'weightDecay', o.weightDecay, 0, NON_NEGATIVE);
  }
  /** Momentum μ; may change between steps (one-cycle schedules do) on an RMSprop made with momentum > 0. */
  get momentum(): number {
    return this.#momentum;
  }
  set momentum(v: number) {
    this.#momentum = checkMomentum('rmsprop', v, this.#hasVelocity);
  }
  protected override jitStepKey(): unknown {
    return 0;
  }
  protected update(p: Tensor, g0: Tensor, s: Tensor[]): Tensor {
    const g = decayed(p, g0, this.weightDecay);
    const rho = this.rho;
    const E = ops.add(ops.mul(s[0]!, rho), ops.mul(ops.square(g), 1 - rho));
    s[0] = E;
    let avg: Tensor;
    if (this.centered) {
      const i = this.#hasVelocity ? 2 : 1;
      const gm = ops.add(s[i]!, ops.mul(ops.sub(g, s[i]!), 1 - rho));
      s[i] = gm;
      avg = ops.sqrt(ops.sub(E, ops.square(gm)));
    } else {
      avg = ops.sqrt(E);
    }
    const scaled = ops.div(g, ops.add(avg, this.eps));
    if (!this.#momentum) return ops.sub(p, ops.mul(scaled, this.stepLr));
    const b = ops.add(ops.mul(s[1]!, this.#momentum), scaled);
    s[1] = b;
    return ops.sub(p, ops.mul(b, this.stepLr));
  }
  config(): { type: string; lr: number; rho: number; eps: number; weightDecay: number; momentum: number; centered: boolean } {
    return { type: 'rmsprop', lr: this.lr, rho: this.rho, eps: this.eps, weightDecay: this.weightDecay, momentum: this.momentum, centered: this.centered };
  }
}
/** RMSprop (default η = 0.001, ρ = 0.9); `rmsprop(lr, opts)` or `rmsprop(params, { lr, ...opts })`. */
export function rmsprop(lr?: number, opts?: RMSpropOptions): RMSprop;
export function rmsprop(params: Params, opts?: WithLr<RMSpropOptions>): RMSprop;
export function rmsprop(first?: number | Params, opts?: WithLr<RMSpropOptions>): RMSprop {
  const a = factoryArgs('rmsprop', first, opts, 0.001);
  return withParams(new RMSprop(a.lr, a.opts), a.params);
}

export interface AdadeltaOptions {
  /** Decay ρ of both running averages (default 0.95). */
  rho?: number;
  eps?: number;
  weightDecay?: number;
}

/**
 * Adadelta: E[g²] ← ρE[g²] + (1 − ρ)g²; Δ = −√(E[Δ²] + ε)/√(E[g²] + ε)·g;
 * E[Δ²] ← ρE[Δ²] + (1 − ρ)Δ²; w ← w + η·Δ (η = 1 in the original method).
 */
export class Adadelta extends BaseOptimizer {
  readonly rho: number;
  readonly eps: number;
  readonly weightDecay: number;
  constructor(lr: number, opts: AdadeltaOptions = {}) {
    super('adadelta', lr, 2);
    const o = checkOptions('adadelta', opts, ['rho', 'eps', 'weightDecay']);
    this.rho = optNumber('adadelta', 'rho', o.rho, 0.95, DECAY);
    this.eps = optNumber('adadelta', 'eps', o.eps, 1e-6, NON_NEGATIVE);
    this.weightDecay = optNumber('adadelta', 'weightDecay', o.weightDecay, 0, NON_NEGATIVE);
  }
  protected override jitStepKey(): unknown {
    return 0;
  }
  protected update(p: Tensor, g0: Tensor, s: Tensor[]): Tensor {
    const g = decayed(p, g0, this.weightDecay);
    const rho = this.rho;
    const Eg = ops.add(ops.mul(s[0]!, rho), ops.mul(ops.square(g), 1 - rho));
    const delta = ops.neg(ops.mul(ops.div(ops.sqrt(ops.add(s[1]!, this.eps)), ops.sqrt(ops.add(Eg, this.eps))), g));
    const Ed = ops.add(ops.mul(s[1]!, rho), ops.mul(ops.square(delta), 1 - rho));
    s[0] = Eg;
    s[1] = Ed;
    return ops.add(p, ops.mul(delta, this.stepLr));
  }
  config(): { type: string; lr: number; rho: number; eps: number; weightDecay: number } {
    return { type: 'adadelta', lr: this.lr, rho: this.rho, eps: this.eps, weightDecay: this.weightDecay };
  }
}
/** Adadelta (default η = 1, ρ = 0.95, ε = 1e-6); `adadelta(lr, opts)` or `adadelta(params, { lr, ...opts })`. */
export function adadelta(lr?: number, opts?: AdadeltaOptions): Adadelta;
export function adadelta(params: Params, opts?: WithLr<AdadeltaOptions>): Adadelta;
export function adadelta(first?: number | Params, opts?: WithLr<AdadeltaOptions>): Adadelta {
  const a = factoryArgs('adadelta', first, opts, 1);
  return withParams(new Adadelta(a.lr, a.opts), a.params);
}

export interface AdamOptions {
  beta1?: number;
  beta2?: number;
  eps?: number;
  /** L2 weight decay added to the gradient (Adam), or decoupled w ← w − ηλw (AdamW). */
  weightDecay?: number;
  /** AMSGrad: divide by the running maximum of v (v̂ = max(v̂, v)/(1 − β₂ᵗ)) instead of v (default false). */
  amsgrad?: boolean;
}

/**
 * Adam with bias-corrected moments: m ← β₁m + (1 − β₁)∇, v ← β₂v + (1 − β₂)∇²,
 * m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ), w ← w − η·m̂/(√v̂ + ε); with `amsgrad` the running maximum
 * of v replaces v in v̂. State slots: [m, v] ([m, v, max v] with amsgrad).
 */
export class Adam extends BaseOptimizer {
  #beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  readonly amsgrad: boolean;
  constructor(lr: number, opts: AdamOptions = {}, readonly decoupled = false) {
    const n = decoupled ? 'adamw' : 'adam';
    checkLr(n, lr);
    const o = checkOptions(n, opts, ['beta1', 'beta2', 'eps', 'weightDecay', 'amsgrad']);
    const amsgrad = optBoolean(n, 'amsgrad', o.amsgrad, false);
    super(n, lr, amsgrad ? 3 : 2);
    checkBoolean(n, 'decoupled', decoupled);
    this.amsgrad = amsgrad;
    this.#beta1 = optNumber(n, 'beta1', o.beta1, 0.9, DECAY);
    this.beta2 = optNumber(n, 'beta2', o.beta2, 0.999, DECAY);
    this.eps = optNumber(n, 'eps', o.eps, 1e-8, NON_NEGATIVE);
    this.weightDecay = optNumber(n, 'weightDecay', o.weightDecay, decoupled ? 0.01 : 0, NON_NEGATIVE);
  }
  /** β₁; may change between steps (one-cycle schedules cycle it as momentum). */
  get beta1(): number {
    return this.#beta1;
  }
  set beta1(v: number) {
    this.#beta1 = checkNumber(this.name, 'beta1', v, DECAY);
  }
  protected override jitStepKey(t: number): unknown {
    return this.amsgrad ? t : 0; // Adam refreshes its bias corrections on replay (update)
  }
  protected update(p: Tensor, g: Tensor, s: Tensor[], t: number): Tensor {
    const b1 = this.#beta1;
    if (this.amsgrad) return this.#amsgrad(p, g, s, t);
    // η·m̂/(√v̂ + ε) = η_t·m/(√v + ε_t) with η_t = η·√(1 − β₂ᵗ)/(1 − β₁ᵗ) and ε_t = ε·√(1 − β₂ᵗ).
    // One fused kernel does what adamReference (test/conformance/fused.test.ts) spells out with a dozen elementwise ops.
    const lr = this.stepLr;
    const hyper = (t: number): AdamHyper => {
      const c2 = Math.sqrt(1 - this.beta2 ** t);
      return {
        beta1: b1,
        beta2: this.beta2,
        lrT: (lr * c2) / (1 - b1 ** t),
        epsT: this.eps * c2,
        l2: this.decoupled ? 0 : this.weightDecay,
        decay: this.decoupled && this.weightDecay ? 1 - lr * this.weightDecay : 1,
      };
    };
    const h = hyper(t);
    // under nb.jit the kernel's hyper-parameters are this object, refreshed with each replay's t
    jitTracing()?.onReplay(() => { Object.assign(h, hyper(this.stepsOf(p) || t)); });
    const [next, m, v] = ops.adamStep(p, g, s[0]!, s[1]!, h);
    s[0] = m;
    s[1] = v;
    return next;
  }
  /** AMSGrad with composite ops: v̂ uses max(v̂_prev, v). */
  #amsgrad(p: Tensor, g0: Tensor, s: Tensor[], t: number): Tensor {
    const b1 = this.#beta1;
    const b2 = this.beta2;
    const wd = this.weightDecay;
    const g = this.decoupled ? g0 : decayed(p, g0, wd);
    const w = this.decoupled && wd ? ops.mul(p, 1 - this.stepLr * wd) : p;
    const m = ops.add(ops.mul(s[0]!, b1), ops.mul(g, 1 - b1));
    const v = ops.add(ops.mul(s[1]!, b2), ops.mul(ops.square(g), 1 - b2));
    const vMax = ops.maximum(s[2]!, v);
    s[0] = m;
    s[1] = v;
    s[2] = vMax;
    const denom = ops.add(ops.div(ops.sqrt(vMax), Math.sqrt(1 - b2 ** t)), this.eps);
    return ops.sub(w, ops.mul(ops.div(m, denom), this.stepLr / (1 - b1 ** t)));
  }
  config(): { type: string; lr: number; beta1: number; beta2: number; eps: number; weightDecay: number; amsgrad: boolean } {
    return { type: this.name, lr: this.lr, beta1: this.beta1, beta2: this.beta2, eps: this.eps, weightDecay: this.weightDecay, amsgrad: this.amsgrad };
  }
}
/** Adam (default η = 0.001, β₁ = 0.9, β₂ = 0.999, ε = 1e-8); `adam(lr, opts)` or `adam(params, { lr, ...opts })`. */
export function adam(lr?: number, opts?: AdamOptions): Adam;
export function adam(params: Params, opts?: WithLr<AdamOptions>): Adam;
export function adam(first?: number | Params, opts?: WithLr<AdamOptions>): Adam {
  const a = factoryArgs('adam', first, opts, 0.001);
  return withParams(new Adam(a.lr, a.opts), a.params);
}
/** AdamW: Adam with decoupled weight decay w ← w − ηλw (default λ = 0.01); `adamw(lr, opts)` or `adamw(params, { lr, ...opts })`. */
export function adamw(lr?: number, opts?: AdamOptions): Adam;
export function adamw(params: Params, opts?: WithLr<AdamOptions>): Adam;
export function adamw(first?: number | Params, opts?: WithLr<AdamOptions>): Adam {
  const a = factoryArgs('adamw', first, opts, 0.001);
  return withParams(new Adam(a.lr, a.opts, true), a.params);
}

/** Rebuilds an optimizer from `config()`. */
const FACTORIES: Record<'sgd' | 'adagrad' | 'rmsprop' | 'adadelta' | 'adam' | 'adamw', (lr: number, opts: never) => Optimizer> = { sgd, adagrad, rmsprop, adadelta, adam, adamw };
const TYPES = Object.keys(FACTORIES) as (keyof typeof FACTORIES)[];

/** Rebuilds an optimizer from `config()`; a wrong hyper-parameter is reported as the optimizer reports it. */
export function fromConfig(c: { type: string; lr: number; [k: string]: number | boolean | string }): Optimizer {
  checkObject('optim.fromConfig', 'config', c);
  const type = checkOneOf('optim.fromConfig', 'config.type', c.type, TYPES);
  const { type: _type, lr, ...rest } = c;
  try {
    return FACTORIES[type](lr, rest as never);
  } catch (e) {
    throw new Error(`optim.fromConfig: ${(e as Error).message}`, { cause: e });
  }
}

const NAMES = ['sgd', 'momentum', 'nesterov', 'adagrad', 'rmsprop', 'adadelta', 'adam', 'adamw'] as const;

/** An optimizer by name with its default hyper-parameters (for CLIs and the playground). */
export function byName(name: string, lr?: number): Optimizer {
  checkOneOf('optim.byName', 'name', name, NAMES);
  if (lr !== undefined) checkLr('optim.byName', lr);
  switch (name) {
    case 'sgd': return sgd(lr ?? 0.01);
    case 'momentum': return sgd(lr ?? 0.01, { momentum: 0.9 });
    case 'nesterov': return sgd(lr ?? 0.01, { momentum: 0.9, nesterov: true });
    case 'adagrad': return adagrad(lr);
    case 'rmsprop': return rmsprop(lr);
    case 'adadelta': return adadelta(lr);
    case 'adam': return adam(lr);
    default: return adamw(lr);
  }
}
