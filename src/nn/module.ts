/**
 * Module: the base of every layer and network. A module owns named parameters (trainable
 * tensors, kept out of `tidy` scopes), named buffers (non-trainable persistent tensors such as
 * batch norm's running statistics, also kept out of `tidy` and saved with the weights) and named
 * child modules; names nest with dots ("0.weight", "block.conv.bias", "bn.running_mean"), in
 * registration order.
 */
import { Tensor } from '../tensor/tensor.js';
import { keep, noGrad, tidy } from '../engine.js';
import { zeros } from '../tensor/creation.js';
import { abs, add, mul, square } from '../ops/elementwise.js';
import { sum } from '../ops/reduce.js';
import { cast, to } from '../ops/elementwise.js';
import { fmt, shapesEqual } from '../tensor/shape.js';
import { checkArray, checkArrayOf, checkBoolean, checkFunction, checkInt, checkOptions, checkString, describe, fail, optNumber } from '../validate.js';
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

/**
 * Called after a module's forward: `(module, input, output, inputs)` — `input` is the first input
 * (the only one of a Tensor→Tensor layer), `inputs` all of them.
 */
export type ForwardHook<In extends unknown[] = [Tensor], Out = Tensor> = (module: AnyModule, input: In[0], output: Out, inputs: In) => void;

/** A hook as the module stores it. */
type StoredHook = (module: AnyModule, input: unknown, output: unknown, inputs: readonly unknown[]) => void;

/**
 * Any module, whatever its inputs and outputs: the type of containers' children, of `nb.io.save`'s
 * model, of `registerModule`. (`Module` without type arguments is a Tensor→Tensor module.)
 */
export type AnyModule = Module<unknown[], unknown>;

/**
 * A module maps inputs to outputs: `Module<In, Out>` has `forward(...inputs: In): Out`. The
 * defaults make `Module` a Tensor→Tensor layer (`forward(x: Tensor): Tensor`), which is what
 * `sequential`, `fit` and most layers are; a recurrent layer is e.g.
 * `Module<[x: Tensor, state?: Tensor | null], [Tensor, Tensor]>`. The first input of every
 * module is a Tensor (call() checks it); the others and the output may be anything (tuples and
 * objects of tensors).
 */
export abstract class Module<In extends unknown[] = [Tensor], Out = Tensor> {
  /** The registered layer type of a built-in layer class (see `typeName`); a subclass may set its own. */
  static readonly layerType: string = 'Module';
  /** Training mode (dropout active) or evaluation mode. */
  training = true;
  private readonly params = new Map<string, ParamEntry>();
  private readonly modules = new Map<string, AnyModule>();
  private readonly bufferMap = new Map<string, Tensor>();
  private hooks: StoredHook[] = [];

  /** The computation: inputs to output. Call modules with `call(...)`, which also runs hooks. */
  abstract forward(...inputs: In): Out;

  /**
   * Runs `forward(...inputs)` and then the forward hooks. Checks that the first input is a live
   * Tensor and that no other input that is a Tensor was disposed.
   */
  call(...inputs: In): Out {
    const x: unknown = inputs[0];
    if (!(x instanceof Tensor)) fail(`${this.typeName}.call`, 'x', 'a Tensor', x);
    if (x.isDisposed) throw new Error(`${this.typeName}.call: x (tensor ${fmt(x.shape)}) was disposed`);
    for (let i = 1; i < inputs.length; i++) {
      const v: unknown = inputs[i];
      if (v instanceof Tensor && v.isDisposed) throw new Error(`${this.typeName}.call: input ${i} (tensor ${fmt(v.shape)}) was disposed`);
    }
    const y = this.forward(...inputs);
    if (this.hooks.length !== 0) for (const h of this.hooks) h(this as AnyModule, inputs[0], y, inputs);
    return y;
  }

  /** Adds a hook run after every forward; returns a function that removes it. */
  registerForwardHook(hook: ForwardHook<In, Out>): () => void {
    checkFunction('registerForwardHook', 'hook', hook);
    const stored = hook as StoredHook;
    this.hooks.push(stored);
    return () => {
      this.hooks = this.hooks.filter((h) => h !== stored);
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
    if (this.isRegistered(name)) throw new Error(`registerParameter: '${name}' is already registered on ${this.typeName}`);
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
  protected registerModule<M extends AnyModule>(name: string, m: M): M {
    checkString('registerModule', 'name', name);
    if (!(m instanceof Module)) fail('registerModule', `'${name}'`, 'a Module', m);
    if (name.includes('.')) throw new Error(`registerModule: name '${name}' must not contain '.'`);
    if (this.isRegistered(name)) throw new Error(`registerModule: '${name}' is already registered on ${this.typeName}`);
    this.modules.set(name, m);
    return m;
  }

  private isRegistered(name: string): boolean {
    return this.params.has(name) || this.modules.has(name) || this.bufferMap.has(name);
  }

  /**
   * Registers `t` as a buffer: a persistent tensor that is not trained (no gradient), kept out of
   * `tidy`, listed by `namedBuffers()` and stored in `stateDict()` and in saved files beside the
   * parameters (PyTorch's `register_buffer`). Update it in place with `assign`.
   */
  protected registerBuffer(name: string, t: Tensor): Tensor {
    checkString('registerBuffer', 'name', name);
    if (!(t instanceof Tensor)) fail('registerBuffer', 'tensor', 'a Tensor', t);
    if (t.isDisposed) throw new Error(`registerBuffer: tensor '${name}' (${fmt(t.shape)}) was disposed`);
    if (name.includes('.')) throw new Error(`registerBuffer: name '${name}' must not contain '.'`);
    if (this.isRegistered(name)) throw new Error(`registerBuffer: '${name}' is already registered on ${this.typeName}`);
    if (t.requiresGrad) t.requireGrad(false);
    t.name ??= name;
    keep(t);
    this.bufferMap.set(name, t);
    return t;
  }

  /** Every buffer of this module and its descendants (running statistics, …). */
  buffers(): Tensor[] {
    return this.namedBuffers().map(([, t]) => t);
  }

  /** Buffers with dotted names, in registration order. */
  namedBuffers(): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    this.visitState('', () => undefined, (n, t) => out.push([n, t]));
    return out;
  }

  /** Number of values held in buffers (not counted by `numParameters`). */
  numBufferValues(): number {
    let n = 0;
    for (const [, t] of this.namedBuffers()) n += t.size;
    return n;
  }

  /** Parameters and buffers, module by module: own parameters, own buffers, then each child's. */
  private visitState(prefix: string, onParam: (name: string, e: ParamEntry) => void, onBuffer: (name: string, t: Tensor) => void): void {
    for (const [n, e] of this.params) onParam(prefix + n, e);
    for (const [n, t] of this.bufferMap) onBuffer(prefix + n, t);
    for (const [n, m] of this.modules) m.visitState(`${prefix}${n}.`, onParam, onBuffer);
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
  children(): [string, AnyModule][] {
    return [...this.modules];
  }

  /** This module and all descendants with dotted names ('' for this one). */
  namedModules(prefix = ''): [string, AnyModule][] {
    checkString('namedModules', 'prefix', prefix);
    const out: [string, AnyModule][] = [[prefix, this as AnyModule]];
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

  /**
   * The parameters and buffers by dotted name (each module's parameters, then its buffers, then
   * its children's, as PyTorch orders them). The values are the live tensors (not copies).
   */
  stateDict(): Record<string, Tensor> {
    const out: Record<string, Tensor> = {};
    this.visitState(
      '',
      (n, e) => {
        out[n] = e.tensor;
      },
      (n, t) => {
        out[n] = t;
      },
    );
    return out;
  }

  /** Copies values into the parameters and buffers. Every key must match one of the same shape. */
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

  /** Disposes every parameter and buffer (the module is unusable afterwards). */
  dispose(): void {
    for (const [, e] of this.params) {
      e.tensor.zeroGrad();
      e.tensor.dispose();
    }
    for (const [, t] of this.bufferMap) t.dispose();
    for (const [, m] of this.modules) m.dispose();
  }

  /**
   * The module's structure, one line per module, children indented under their parent:
   * `name: Type (N parameters: weight [4,3], bias [3])`. Needs no input shape (see `summary`
   * for output shapes). What `console.log(module)` shows in Node.
   */
  toString(): string {
    const lines: string[] = [];
    const visit = (label: string, m: AnyModule, indent: string): void => {
      const n = m.numParameters();
      const own = [...m.params].map(([name, e]) => `${name} ${fmt(e.tensor.shape)}`);
      const count = `${n.toLocaleString('en-US')} parameter${n === 1 ? '' : 's'}`;
      const bufs = [...m.bufferMap].map(([name, t]) => `${name} ${fmt(t.shape)}`);
      const bufText = bufs.length !== 0 ? `; buffers: ${bufs.join(', ')}` : '';
      const detail = own.length !== 0 ? ` (${count}: ${own.join(', ')}${bufText})` : n !== 0 || m.modules.size !== 0 || bufs.length !== 0 ? ` (${count}${bufText})` : '';
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
   * module with several tensor inputs takes one shape per input (`[[5, 3], [4]]`). The network
   * runs on zero batches of one and of two samples; the axes that follow the batch size print as
   * `batch`, so tuple outputs show e.g. `([batch, 5, 8], [1, batch, 8])`.
   */
  summary(inputShape: readonly number[] | readonly (readonly number[])[]): string {
    checkArray('summary', 'inputShape', inputShape);
    const several = inputShape.length > 0 && inputShape.every((s) => Array.isArray(s));
    const shapes = (several ? inputShape : [inputShape]) as readonly (readonly number[])[];
    shapes.forEach((s, i) =>
      checkArrayOf('summary', several ? `inputShape[${i}]` : 'inputShape', s, (n, v) => checkInt('summary', several ? n.replace('inputShape', `inputShape[${i}]`) : n, v, { min: 0 })),
    );
    const rows: { name: string; type: string; shapes: ShapeTree[]; params: number }[] = [];
    const named = this.namedModules();
    // Leaves, plus any container with parameters of its own (the root included).
    const shown = named.filter(([, m]) => m.modules.size === 0 || m.params.size > 0 || m.bufferMap.size > 0);
    let run = 0;
    const removers = shown.map(([name, m]) => {
      let seen = 0;
      return (m as Module<unknown[], unknown>).registerForwardHook((_, __, y) => {
        if (run === 0) rows.push({ name: name || '(root)', type: m.typeName, shapes: [shapeTree(y)], params: m.ownParameterCount() });
        else {
          const r = rows.filter((row) => row.name === (name || '(root)'))[seen++];
          r?.shapes.push(shapeTree(y));
        }
      });
    });
    const modes = named.map(([, m]) => m.training);
    const outs: ShapeTree[] = [];
    const describeInput = `${several ? 'shapes' : 'shape'} ${shapes.map((s) => `[${s.join(',')}]`).join(', ')}`;
    try {
      this.eval();
      const dtype = this.parameters()[0]?.dtype ?? 'float32';
      const self = this as unknown as Module<Tensor[], unknown>;
      for (run = 0; run < 2; run++) {
        noGrad(() =>
          tidy(() => {
            outs.push(shapeTree(self.call(...shapes.map((s) => zeros([run + 1, ...s], { dtype })))));
          }),
        );
      }
    } catch (e) {
      throw new Error(`summary: a batch of input ${describeInput} does not fit the model: ${(e as Error).message}`, { cause: e });
    } finally {
      for (const r of removers) r();
      named.forEach(([, m], i) => {
        m.training = modes[i] as boolean;
      });
    }
    // A custom root's own row (it finishes last) goes first.
    rows.sort((a, b) => Number(b.name === '(root)') - Number(a.name === '(root)'));
    const header = { name: 'Layer', type: 'Type', shape: 'Output shape', params: 'Params' };
    const cells = rows.map((r) => ({ name: r.name, type: r.type, shape: formatShapes(r.shapes[0] ?? null, r.shapes[1] ?? null), params: r.params.toLocaleString('en-US') }));
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
    const buffered = this.numBufferValues();
    let trainable = 0;
    for (const [, m] of named) {
      const own = m.ownParameterCount();
      const allTrainable = [...m.params.values()].every((e) => e.tensor.requiresGrad);
      if (allTrainable) trainable += own;
      else for (const e of m.params.values()) if (e.tensor.requiresGrad) trainable += e.tensor.size;
    }
    return [
      `${this.typeName} (input ${several ? `(${shapes.map((sh) => `[${['batch', ...sh].join(', ')}]`).join(', ')})` : `[${['batch', ...shapes[0]!].join(', ')}]`}, output ${formatShapes(outs[0] ?? null, outs[1] ?? null)})`,
      '='.repeat(width),
      line(header),
      '-'.repeat(width),
      ...cells.map(line),
      '='.repeat(width),
      `Total params: ${total.toLocaleString('en-US')}`,
      `Trainable params: ${trainable.toLocaleString('en-US')}`,
      `Non-trainable params: ${(total - trainable).toLocaleString('en-US')}`,
      ...(buffered !== 0 ? [`Buffers: ${buffered.toLocaleString('en-US')} values (running statistics; saved, not trained)`] : []),
    ].join('\n');
  }
}

/** The shapes of a module's output: a tensor's shape, or tuples/objects of them (null for anything else). */
type ShapeTree = readonly number[] | ShapeTree[] | { [key: string]: ShapeTree } | null;

function shapeTree(v: unknown, depth = 0): ShapeTree {
  if (v instanceof Tensor) return v.shape.slice();
  if (depth > 4 || v === null || typeof v !== 'object') return null;
  if (Array.isArray(v)) return v.map((e) => shapeTree(e, depth + 1));
  const out: { [key: string]: ShapeTree } = {};
  for (const [k, e] of Object.entries(v)) out[k] = shapeTree(e, depth + 1);
  return out;
}

function isShape(t: ShapeTree): t is readonly number[] {
  return Array.isArray(t) && t.every((d) => typeof d === 'number');
}

/** `a` (batch of one) formatted with `batch` on the axes that differ in `b` (batch of two). */
function formatShapes(a: ShapeTree, b: ShapeTree): string {
  if (a === null) return '-';
  if (isShape(a) && (a.length > 0 || b === null || isShape(b))) {
    const bb = b !== null && isShape(b) && b.length === a.length ? b : null;
    return `[${a.map((d, i) => (bb && bb[i] !== d ? 'batch' : String(d))).join(', ')}]`;
  }
  if (Array.isArray(a)) {
    const bb = Array.isArray(b) ? (b as ShapeTree[]) : [];
    return `(${(a as ShapeTree[]).map((e, i) => formatShapes(e, bb[i] ?? null)).join(', ')})`;
  }
  const ao = a as { [key: string]: ShapeTree };
  const bo = b !== null && typeof b === 'object' && !Array.isArray(b) ? (b as { [key: string]: ShapeTree }) : {};
  return `{${Object.keys(ao).map((k) => `${k}: ${formatShapes(ao[k] ?? null, bo[k] ?? null)}`).join(', ')}}`;
}

// ---------------------------------------------------------------------------------------------
// The layer registry behind fromConfig.

type LayerFactory = (cfg: LayerConfig) => AnyModule;
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

/**
 * Rebuilds a module from `config()` (weights are freshly initialized: load them with loadStateDict).
 * The result is typed as a Tensor→Tensor `Module` unless you name its type:
 * `fromConfig<nn.LSTM>(cfg)`.
 */
export function fromConfig<M extends AnyModule = Module>(cfg: LayerConfig): M {
  checkObject('fromConfig', 'config', cfg);
  checkString('fromConfig', 'config.type', cfg.type);
  const f = registry.get(cfg.type);
  if (!f) throw new Error(`fromConfig: unknown layer type '${cfg.type}'; known: ${layerTypes().join(', ')}`);
  try {
    return f(cfg) as M;
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
