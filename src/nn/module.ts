/**
 * Module: the base of every layer and network. A module owns named parameters (trainable
 * tensors, kept out of `tidy` scopes) and named child modules; names nest with dots
 * ("0.weight", "block.conv.bias"), in registration order.
 */
import { Tensor } from '../tensor/tensor.js';
import { keep, noGrad, tidy } from '../engine.js';
import { zeros } from '../tensor/creation.js';
import { abs, add, mul, square } from '../ops/elementwise.js';
import { sum } from '../ops/reduce.js';
import { cast, to } from '../ops/elementwise.js';
import { fmt, shapesEqual } from '../tensor/shape.js';
import { checkArrayOf, checkBoolean, checkFunction, checkInt, checkOptions, checkString, describe, fail, optNumber } from '../validate.js';
import { checkObject } from './checks.js';

/** A JSON value (what `config()` may contain). */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** A module's architecture as JSON: `{ type, ...constructor arguments }`, rebuilt by `fromConfig`. */
export interface LayerConfig {
  type: string;
  [key: string]: JsonValue;
}

/** Per-parameter options. */
export interface ParameterOptions {
  /** L1 penalty λ₁: adds λ₁·Σ|w| to `regularization()`. */
  l1?: number;
  /** L2 penalty λ₂: adds (λ₂/2)·Σw² to `regularization()` (its gradient λ₂·w is weight decay λ₂). */
  l2?: number;
  /** Whether the parameter requires gradients (default true). Fixed weights (hand-built perceptrons) pass false. */
  trainable?: boolean;
}

interface ParamEntry {
  tensor: Tensor;
  l1: number;
  l2: number;
  trainable: boolean;
}

/** Node's `util.inspect.custom` (a registered symbol: browsers load this file unchanged). */
const INSPECT: unique symbol = Symbol.for('nodejs.util.inspect.custom');

/** Called after a module's forward: `(module, input, output)`. */
export type ForwardHook = (module: Module, input: Tensor, output: Tensor) => void;

export abstract class Module {
  /** The registered layer type of a built-in layer class (see `typeName`); a subclass may set its own. */
  static readonly layerType: string = 'Module';
  /** Training mode (dropout active) or evaluation mode. */
  training = true;
  private readonly params = new Map<string, ParamEntry>();
  private readonly modules = new Map<string, Module>();
  private hooks: ForwardHook[] = [];

  /** The computation: input to output. Call modules with `call(x)`, which also runs hooks. */
  abstract forward(x: Tensor): Tensor;

  /** Runs `forward(x)` and then the forward hooks. */
  call(x: Tensor): Tensor {
    if (!(x instanceof Tensor)) fail(`${this.typeName}.call`, 'x', 'a Tensor', x);
    if (x.isDisposed) throw new Error(`${this.typeName}.call: x (tensor ${fmt(x.shape)}) was disposed`);
    const y = this.forward(x);
    if (this.hooks.length !== 0) for (const h of this.hooks) h(this, x, y);
    return y;
  }

  /** Adds a hook run after every forward; returns a function that removes it. */
  registerForwardHook(hook: ForwardHook): () => void {
    checkFunction('registerForwardHook', 'hook', hook);
    this.hooks.push(hook);
    return () => {
      this.hooks = this.hooks.filter((h) => h !== hook);
    };
  }

  /** A name for tables and errors (the class name unless a layer says otherwise). */
  get typeName(): string {
    // A class's own `layerType` (built-in layers set it) survives minification, which renames
    // classes; a user's subclass without one is named by its class.
    const c = this.constructor as typeof Module;
    return Object.hasOwn(c, 'layerType') ? c.layerType : c.name;
  }

  /** Registers `t` as a parameter: it requires grad (unless `trainable: false`) and is kept out of `tidy`. */
  protected registerParameter(name: string, t: Tensor, opts: ParameterOptions = {}): Tensor {
    checkString('registerParameter', 'name', name);
    if (!(t instanceof Tensor)) fail('registerParameter', 'tensor', 'a Tensor', t);
    if (t.dtype !== 'float32' && t.dtype !== 'float64') fail('registerParameter', 'tensor', 'a float32 or float64 Tensor (parameters take gradients)', t);
    opts = checkOptions('registerParameter', opts, ['l1', 'l2', 'trainable']);
    if (name.includes('.')) throw new Error(`registerParameter: name '${name}' must not contain '.'`);
    if (this.params.has(name) || this.modules.has(name)) throw new Error(`registerParameter: '${name}' is already registered on ${this.typeName}`);
    const l1 = optNumber('registerParameter', 'l1', opts.l1, 0, { min: 0 });
    const l2 = optNumber('registerParameter', 'l2', opts.l2, 0, { min: 0 });
    const trainable = opts.trainable === undefined ? true : checkBoolean('registerParameter', 'trainable', opts.trainable);
    t.requireGrad(trainable);
    t.name ??= name;
    keep(t);
    this.params.set(name, { tensor: t, l1, l2, trainable });
    return t;
  }

  /** Registers a child module under `name` (its parameters become `name.<param>`). */
  protected registerModule<M extends Module>(name: string, m: M): M {
    checkString('registerModule', 'name', name);
    if (!(m instanceof Module)) fail('registerModule', `'${name}'`, 'a Module', m);
    if (name.includes('.')) throw new Error(`registerModule: name '${name}' must not contain '.'`);
    if (this.params.has(name) || this.modules.has(name)) throw new Error(`registerModule: '${name}' is already registered on ${this.typeName}`);
    this.modules.set(name, m);
    return m;
  }

  /** Every parameter of this module and its descendants. */
  parameters(): Tensor[] {
    const out: Tensor[] = [];
    this.visitParams('', (_, e) => out.push(e.tensor));
    return out;
  }

  /** Parameters with dotted names, in registration order. */
  namedParameters(): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    this.visitParams('', (n, e) => out.push([n, e.tensor]));
    return out;
  }

  /** This module's own parameters (not its children's). */
  ownParameters(): [string, Tensor][] {
    return [...this.params].map(([n, e]) => [n, e.tensor]);
  }

  private visitParams(prefix: string, fn: (name: string, e: ParamEntry) => void): void {
    for (const [n, e] of this.params) fn(prefix + n, e);
    for (const [n, m] of this.modules) m.visitParams(`${prefix}${n}.`, fn);
  }

  /** Direct children, in registration order. */
  children(): [string, Module][] {
    return [...this.modules];
  }

  /** This module and all descendants with dotted names ('' for this one). */
  namedModules(prefix = ''): [string, Module][] {
    checkString('namedModules', 'prefix', prefix);
    const out: [string, Module][] = [[prefix, this]];
    for (const [n, m] of this.modules) out.push(...m.namedModules(prefix ? `${prefix}.${n}` : n));
    return out;
  }

  /** Number of trainable values (layers with fixed masks count only their free weights). */
  numParameters(): number {
    let n = this.ownParameterCount();
    for (const [, m] of this.modules) n += m.numParameters();
    return n;
  }

  /** Number of values in this module's own parameters (overridden by masked layers). */
  ownParameterCount(): number {
    let n = 0;
    for (const [, e] of this.params) n += e.tensor.size;
    return n;
  }

  /**
   * Switches gradients for every parameter on or off (`requireGrad(false)` freezes the module:
   * optimizers skip parameters without a gradient). Fixed weights (trainable: false) stay fixed.
   */
  requireGrad(flag = true): this {
    checkBoolean('requireGrad', 'flag', flag);
    for (const [, e] of this.params) if (e.trainable) e.tensor.requireGrad(flag);
    for (const [, m] of this.modules) m.requireGrad(flag);
    return this;
  }

  /** Sets training mode here and in every descendant. */
  train(mode = true): this {
    checkBoolean('train', 'mode', mode);
    this.training = mode;
    for (const [, m] of this.modules) m.train(mode);
    return this;
  }

  /** Evaluation mode (`train(false)`): dropout becomes the identity. */
  eval(): this {
    return this.train(false);
  }

  /** Clears every parameter's gradient. */
  zeroGrad(): void {
    this.visitParams('', (_, e) => e.tensor.zeroGrad());
  }

  /** The parameters by dotted name. The values are the live parameter tensors (not copies). */
  stateDict(): Record<string, Tensor> {
    const out: Record<string, Tensor> = {};
    this.visitParams('', (n, e) => {
      out[n] = e.tensor;
    });
    return out;
  }

  /** Copies values into the parameters. Every key must match a parameter of the same shape. */
  loadStateDict(sd: Record<string, Tensor>): void {
    if (sd === null || typeof sd !== 'object' || Array.isArray(sd) || sd instanceof Tensor || sd instanceof Map) {
      fail('loadStateDict', 'stateDict', 'an object of tensors by name', sd);
    }
    const own = this.stateDict();
    const missing = Object.keys(own).filter((k) => !(k in sd));
    const unexpected = Object.keys(sd).filter((k) => !(k in own));
    if (missing.length || unexpected.length) {
      const parts: string[] = [];
      if (missing.length) parts.push(`missing keys: ${missing.join(', ')}`);
      if (unexpected.length) parts.push(`unexpected keys: ${unexpected.join(', ')}`);
      throw new Error(`loadStateDict: ${parts.join('; ')} (${this.typeName} has ${Object.keys(own).join(', ') || 'no parameters'})`);
    }
    for (const [k, p] of Object.entries(own)) {
      const v = sd[k] as Tensor;
      if (!(v instanceof Tensor)) fail('loadStateDict', `stateDict['${k}']`, 'a Tensor', v);
      if (!shapesEqual(v.shape, p.shape)) throw new Error(`loadStateDict: '${k}' has shape ${fmt(v.shape)}, the parameter has ${fmt(p.shape)}`);
    }
    noGrad(() =>
      tidy(() => {
        for (const [k, p] of Object.entries(own)) {
          const v = sd[k] as Tensor;
          if (v === p) continue;
          // Convert on whichever side stores both dtypes (float64 lives only on backends that have it), then move.
          let t = p.dtype !== 'float64' && v.dtype !== p.dtype ? cast(v, p.dtype) : v;
          t = to(t, p.backend.name);
          if (t.dtype !== p.dtype) t = cast(t, p.dtype);
          p.assign(t === v ? v.clone() : t);
        }
      }),
    );
  }

  /** The architecture as JSON (`{ type, ...arguments }`); `nn.fromConfig` rebuilds the module with fresh weights. */
  config(): LayerConfig {
    throw new Error(`${this.typeName}: config() is not defined; override config() and register the type with nn.registerLayer to save this module`);
  }

  /** The sum of this module's and its descendants' L1/L2 penalties, or null when there are none. */
  regularization(): Tensor | null {
    let total: Tensor | null = null;
    this.visitParams('', (_, e) => {
      if (e.l1 === 0 && e.l2 === 0) return;
      let r: Tensor | null = null;
      if (e.l1 !== 0) r = mul(sum(abs(e.tensor)), e.l1);
      if (e.l2 !== 0) {
        const q = mul(sum(square(e.tensor)), e.l2 / 2);
        r = r ? add(r, q) : q;
      }
      total = total ? add(total, r as Tensor) : r;
    });
    return total;
  }

  /** Disposes every parameter (the module is unusable afterwards). */
  dispose(): void {
    for (const [, e] of this.params) {
      e.tensor.zeroGrad();
      e.tensor.dispose();
    }
    for (const [, m] of this.modules) m.dispose();
  }

  /**
   * The module's structure, one line per module, children indented under their parent:
   * `name: Type (N parameters: weight [4,3], bias [3])`. Needs no input shape (see `summary`
   * for output shapes). What `console.log(module)` shows in Node.
   */
  toString(): string {
    const lines: string[] = [];
    const visit = (label: string, m: Module, indent: string): void => {
      const n = m.numParameters();
      const own = [...m.params].map(([name, e]) => `${name} ${fmt(e.tensor.shape)}`);
      const count = `${n.toLocaleString('en-US')} parameter${n === 1 ? '' : 's'}`;
      const detail = own.length !== 0 ? ` (${count}: ${own.join(', ')})` : n !== 0 || m.modules.size !== 0 ? ` (${count})` : '';
      lines.push(`${indent}${label}${m.typeName}${detail}`);
      for (const [name, c] of m.modules) visit(`${name}: `, c, `${indent}  `);
    };
    visit('', this, '');
    return lines.join('\n');
  }

  /** Writes `toString()` (the structure) to the console; returns this module. */
  print(): this {
    console.log(this.toString());
    return this;
  }

  /** What `console.log(module)` and `util.inspect(module)` show in Node: `toString()`, not internals. */
  [INSPECT](): string {
    return this.toString();
  }

  /**
   * A Keras-like table: each layer's name, type, output shape and parameter count, then totals.
   * `inputShape` is one sample's shape without the batch axis (e.g. [784] or [1, 28, 28]); a
   * batch of one zero sample is run through the network to find the shapes.
   */
  summary(inputShape: readonly number[]): string {
    checkArrayOf('summary', 'inputShape', inputShape, (n, v) => checkInt('summary', n, v, { min: 0 }));
    const rows: { name: string; type: string; shape: string; params: number }[] = [];
    const named = this.namedModules();
    // Leaves, plus any container with parameters of its own (the root included).
    const shown = named.filter(([, m]) => m.modules.size === 0 || m.params.size > 0);
    const removers = shown.map(([name, m]) =>
      m.registerForwardHook((_, __, y) => {
        rows.push({ name: name || '(root)', type: m.typeName, shape: `[batch, ${y.shape.slice(1).join(', ')}]`, params: m.ownParameterCount() });
      }),
    );
    const modes = named.map(([, m]) => m.training);
    let outShape: readonly number[] = [];
    try {
      this.eval();
      noGrad(() =>
        tidy(() => {
          const dtype = this.parameters()[0]?.dtype ?? 'float32';
          outShape = this.call(zeros([1, ...inputShape], { dtype })).shape.slice();
        }),
      );
    } catch (e) {
      throw new Error(`summary: a batch of input shape [${inputShape.join(',')}] does not fit the model: ${(e as Error).message}`, { cause: e });
    } finally {
      for (const r of removers) r();
      named.forEach(([, m], i) => {
        m.training = modes[i] as boolean;
      });
    }
    // A custom root's own row (it finishes last) goes first.
    rows.sort((a, b) => Number(b.name === '(root)') - Number(a.name === '(root)'));
    const header = { name: 'Layer', type: 'Type', shape: 'Output shape', params: 'Params' };
    const cells = rows.map((r) => ({ name: r.name, type: r.type, shape: r.shape.replace(', ]', ']'), params: r.params.toLocaleString('en-US') }));
    const w = {
      name: Math.max(header.name.length, ...cells.map((c) => c.name.length)),
      type: Math.max(header.type.length, ...cells.map((c) => c.type.length)),
      shape: Math.max(header.shape.length, ...cells.map((c) => c.shape.length)),
      params: Math.max(header.params.length, ...cells.map((c) => c.params.length)),
    };
    const line = (c: { name: string; type: string; shape: string; params: string }): string =>
      `${c.name.padEnd(w.name)}  ${c.type.padEnd(w.type)}  ${c.shape.padEnd(w.shape)}  ${c.params.padStart(w.params)}`;
    const width = w.name + w.type + w.shape + w.params + 6;
    const total = this.numParameters();
    let trainable = 0;
    for (const [, m] of named) {
      const own = m.ownParameterCount();
      const allTrainable = [...m.params.values()].every((e) => e.tensor.requiresGrad);
      if (allTrainable) trainable += own;
      else for (const e of m.params.values()) if (e.tensor.requiresGrad) trainable += e.tensor.size;
    }
    return [
      `${this.typeName} (input [batch, ${inputShape.join(', ')}], output [batch, ${outShape.slice(1).join(', ')}])`.replace(', ]', ']'),
      '='.repeat(width),
      line(header),
      '-'.repeat(width),
      ...cells.map(line),
      '='.repeat(width),
      `Total params: ${total.toLocaleString('en-US')}`,
      `Trainable params: ${trainable.toLocaleString('en-US')}`,
      `Non-trainable params: ${(total - trainable).toLocaleString('en-US')}`,
    ].join('\n');
  }
}

// ---------------------------------------------------------------------------------------------
// The layer registry behind fromConfig.

type LayerFactory = (cfg: LayerConfig) => Module;
const registry = new Map<string, LayerFactory>();

/** Registers how to rebuild a layer type from its `config()` (custom layers call this too). */
export function registerLayer(type: string, factory: LayerFactory): void {
  if (typeof type !== 'string' || type === '') fail('registerLayer', 'type', 'a non-empty string', type);
  checkFunction('registerLayer', 'factory', factory);
  registry.set(type, factory);
}

/** The registered layer types. */
export function layerTypes(): string[] {
  return [...registry.keys()].sort();
}

/** Rebuilds a module from `config()` (weights are freshly initialized: load them with loadStateDict). */
export function fromConfig(cfg: LayerConfig): Module {
  checkObject('fromConfig', 'config', cfg);
  checkString('fromConfig', 'config.type', cfg.type);
  const f = registry.get(cfg.type);
  if (!f) throw new Error(`fromConfig: unknown layer type '${cfg.type}'; known: ${layerTypes().join(', ')}`);
  try {
    return f(cfg);
  } catch (e) {
    // A layer's own check names the layer's factory; say that it came from this config.
    // Typed errors (e.g. init's ParameterBudgetError, which nb.io reports itself) pass through as they are.
    const msg = e instanceof Error ? e.message : String(e);
    if (msg.startsWith('fromConfig:') || (e instanceof Error && e.constructor !== Error)) throw e;
    throw new Error(`fromConfig: ${cfg.type}: ${msg}`, { cause: e });
  }
}

// Small helpers for reading configs with clear errors.
export function cfgNumber(cfg: LayerConfig, key: string, dflt?: number): number {
  const v = cfg[key];
  if (v === undefined || v === null) {
    if (dflt !== undefined) return dflt;
    throw new Error(`fromConfig: ${cfg.type} config needs a number '${key}'`);
  }
  if (typeof v !== 'number') throw new Error(`fromConfig: ${cfg.type}.${key} must be a number, got ${describe(v)}`);
  return v;
}

export function cfgBool(cfg: LayerConfig, key: string, dflt: boolean): boolean {
  const v = cfg[key];
  if (v === undefined || v === null) return dflt;
  if (typeof v !== 'boolean') throw new Error(`fromConfig: ${cfg.type}.${key} must be a boolean, got ${describe(v)}`);
  return v;
}
