/**
 * The TensorFlow-1-style graph: nodes are operations, edges are symbolic tensors. Nodes are
 * recorded by tracing nabla's own op functions (see `traceable`): the op runs its validation and
 * shape inference on stand-ins (src/graph/abstract.ts) and a node remembers the call, which
 * `Session.run` later replays on real tensors.
 */
import { Tensor, type TensorLike } from '../tensor/tensor.js';
import { tensor, scalar } from '../tensor/creation.js';
import { isFloat, type DType } from '../tensor/dtype.js';
import { keep } from '../engine.js';
import { checkOptions, checkString, describe, fail } from '../validate.js';
import { inferShapes, standIn, type StaticShape } from './abstract.js';

export type { StaticShape } from './abstract.js';

/** What a node is. `op` nodes replay a traced op function; `grad` nodes its gradient rules. */
export type NodeKind = 'placeholder' | 'const' | 'variable' | 'op' | 'grad' | 'assign' | 'group' | 'apply';

/** A reference to the i-th tensor input inside a recorded argument list. */
export class Ref {
  constructor(readonly i: number) {}
}

export interface NodeAttrs {
  /** op: the traced function's name and its arguments with tensors replaced by `Ref`s. */
  fn?: string;
  args?: unknown[];
  /** op: the structure of the result, tensors replaced by `Ref`s to outputs. */
  out?: unknown;
  /** const: the value. */
  value?: Tensor;
  /** variable: trainable or not; its initializer (an assign node). */
  trainable?: boolean;
  initializer?: Node;
  /** assign / apply: the variable node updated. */
  variable?: Node;
  /** grad: the forward node, which of its outputs have a gradient input, and which inputs get one. */
  forward?: Node;
  dyFor?: number[];
  wrt?: number[];
  /** apply: the update rule's name, hyper-parameters and slot variables. */
  rule?: string;
  hyper?: Record<string, number>;
  slots?: Node[];
}

let nextGraphId = 0;

/** An edge of the graph: the `index`-th output of `node`, with a static shape (`null` = unknown dim). */
export class SymbolicTensor {
  constructor(
    readonly node: Node,
    readonly index: number,
    readonly shape: StaticShape,
    readonly dtype: DType,
  ) {}
  get graph(): Graph {
    return this.node.graph;
  }
  /** TensorFlow's tensor name, `<node>:<output>`. */
  get name(): string {
    return `${this.node.name}:${this.index}`;
  }
  /** The node that computes this tensor (TensorFlow's `tensor.op`). */
  get op(): Node {
    return this.node;
  }
  get rank(): number {
    return this.shape.length;
  }
  toString(): string {
    return `SymbolicTensor("${this.name}", shape=[${this.shape.map((d) => d ?? '?').join(',')}], dtype=${this.dtype})`;
  }
}

/** A node (TensorFlow's `Operation`): fetching it runs it and yields `null`. */
export class Node {
  readonly outputs: SymbolicTensor[] = [];
  constructor(
    readonly graph: Graph,
    readonly id: number,
    readonly name: string,
    readonly kind: NodeKind,
    /** The operation's type as TensorFlow names it (`MatMul`, `Placeholder`, `VariableV2`, …). */
    readonly type: string,
    readonly inputs: readonly SymbolicTensor[],
    readonly control: readonly Node[],
    readonly attrs: NodeAttrs,
  ) {}
  toString(): string {
    return `Node("${this.name}", type=${this.type})`;
  }
}

/** What `Session.run` accepts as a fetch: a tensor, a node, or arrays/objects of them. */
export type Fetchable = SymbolicTensor | Node;

/** A value a placeholder accepts: a tensor, a number or nested arrays. */
export type FeedValue = TensorLike | number[] | number[][] | number[][][] | number[][][][] | Float32Array | Int32Array;

/** A graph: nodes in creation order (which is a topological order), unique names, name scopes. */
export class Graph {
  readonly id = nextGraphId++;
  readonly nodes: Node[] = [];
  private readonly names = new Map<string, Node>();
  private readonly used = new Map<string, number>();
  private scopes: string[] = [];
  /** Every variable, and the trainable ones (TensorFlow's collections). */
  readonly variables: Variable[] = [];

  /** Internal: adds a node with a unique name under the current name scope. */
  addNode(kind: NodeKind, type: string, name: string | undefined, inputs: readonly SymbolicTensor[], attrs: NodeAttrs = {}, control: readonly Node[] = []): Node {
    for (const t of inputs) if (t.graph !== this) throw new Error(`graph: ${type} '${name ?? type}': input '${t.name}' belongs to another graph`);
    for (const c of control) if (c.graph !== this) throw new Error(`graph: ${type} '${name ?? type}': control input '${c.name}' belongs to another graph`);
    const node = new Node(this, this.nodes.length, this.uniqueName(name ?? type), kind, type, inputs, control, attrs);
    this.nodes.push(node);
    this.names.set(node.name, node);
    return node;
  }

  /** Internal: a node's name made unique (`MatMul`, `MatMul_1`, …), prefixed by the name scopes. */
  uniqueName(base: string): string {
    const full = [...this.scopes, base].join('/');
    const n = this.used.get(full);
    if (n === undefined && !this.names.has(full)) {
      this.used.set(full, 0);
      return full;
    }
    let k = (n ?? 0) + 1;
    while (this.names.has(`${full}_${k}`)) k++;
    this.used.set(full, k);
    return `${full}_${k}`;
  }

  /** Runs `fn` with node names prefixed by `name/` (TensorFlow's `with tf.name_scope(name):`). */
  nameScope<T>(name: string, fn: () => T): T {
    checkString('Graph.nameScope', 'name', name);
    if (typeof fn !== 'function') fail('Graph.nameScope', 'fn', 'a function', fn);
    if (!/^[A-Za-z0-9_.\-/]+$/.test(name)) fail('Graph.nameScope', 'name', 'letters, digits, _ . - /', name);
    this.scopes.push(name);
    try {
      return fn();
    } finally {
      this.scopes.pop();
    }
  }

  /** The node named `name` (throws naming the graph's nodes when there is none). */
  node(name: string): Node {
    checkString('Graph.node', 'name', name);
    const n = this.names.get(name);
    if (!n) throw new Error(`Graph.node: no node named '${name}' (nodes: ${this.nodes.slice(0, 20).map((x) => x.name).join(', ')}${this.nodes.length > 20 ? ', …' : ''})`);
    return n;
  }

  /** The tensor named `node:index` (or `node`, meaning output 0). */
  tensor(name: string): SymbolicTensor {
    checkString('Graph.tensor', 'name', name);
    const m = /^(.*?)(?::(\d+))?$/.exec(name)!;
    const node = this.node(m[1]!);
    const t = node.outputs[Number(m[2] ?? 0)];
    if (!t) throw new Error(`Graph.tensor: node '${node.name}' has ${node.outputs.length} outputs, no '${name}'`);
    return t;
  }

  /** Makes this graph the default one while `fn` runs, synchronously (TensorFlow's `with g.as_default():`). */
  asDefault<T>(fn: () => T): T {
    if (typeof fn !== 'function') fail('Graph.asDefault', 'fn', 'a function', fn);
    const prev = swapDefault(this);
    try {
      return fn();
    } finally {
      swapDefault(prev);
    }
  }

  /** A placeholder: fed at run time; `null` dims are unknown until then. */
  placeholder(dtype: DType, shape: readonly (number | null)[], name?: string): SymbolicTensor {
    const op = 'placeholder';
    checkDType(op, dtype);
    if (!Array.isArray(shape) || !shape.every((d) => d === null || (Number.isInteger(d) && d >= 0))) {
      fail(op, 'shape', 'an array of sizes ≥ 0 or null (unknown)', shape);
    }
    if (name !== undefined) checkName(op, name);
    const node = this.addNode('placeholder', 'Placeholder', name, []);
    return addOutput(node, shape.slice(), dtype);
  }

  /** A constant: an eager tensor (or number / nested array) held by the graph. */
  constant(value: FeedValue, opts: { dtype?: DType; name?: string } = {}): SymbolicTensor {
    const o = checkOptions('constant', opts, ['dtype', 'name']);
    if (o.name !== undefined) checkName('constant', o.name);
    if (o.dtype !== undefined) checkDType('constant', o.dtype);
    const t = toEager('constant', 'value', value, o.dtype);
    const node = this.addNode('const', 'Const', o.name, [], { value: keep(t) });
    return addOutput(node, t.shape.slice(), t.dtype);
  }

  /** An op grouping others: running it runs them all (TensorFlow's `tf.group`). */
  group(ops: readonly (Node | SymbolicTensor)[], name?: string): Node {
    if (!Array.isArray(ops)) fail('group', 'ops', 'an array of nodes or tensors', ops);
    const control = ops.map((x, i) => {
      if (x instanceof SymbolicTensor) return x.node;
      if (x instanceof Node) return x;
      return fail('group', `ops[${i}]`, 'a graph node or tensor', x);
    });
    return this.addNode('group', 'NoOp', name ?? 'group_deps', [], {}, control);
  }

  /** An op initialising every variable made so far (TensorFlow's `tf.global_variables_initializer()`). */
  globalVariablesInitializer(): Node {
    return this.group(this.variables.map((v) => v.initializer), 'init');
  }

  /** The trainable variables, in creation order. */
  trainableVariables(): Variable[] {
    return this.variables.filter((v) => v.trainable);
  }
}

/** Internal: adds an output tensor to a node. */
export function addOutput(node: Node, shape: StaticShape, dtype: DType): SymbolicTensor {
  const t = new SymbolicTensor(node, node.outputs.length, Object.freeze(shape.slice()), dtype);
  node.outputs.push(t);
  return t;
}

let defaultGraph = new Graph();

function swapDefault(g: Graph): Graph {
  const prev = defaultGraph;
  defaultGraph = g;
  return prev;
}

/** The graph that module-level functions (`nb.graph.placeholder`, …) build into. */
export function getDefaultGraph(): Graph {
  return defaultGraph;
}

/** Replaces the default graph with a new, empty one (TensorFlow's `tf.reset_default_graph()`). */
export function resetDefaultGraph(): Graph {
  defaultGraph = new Graph();
  return defaultGraph;
}

const DTYPES = ['float32', 'float64', 'int32', 'bool'];

function checkDType(op: string, dtype: unknown): asserts dtype is DType {
  if (typeof dtype !== 'string' || !DTYPES.includes(dtype)) fail(op, 'dtype', `one of ${DTYPES.map((d) => `'${d}'`).join(', ')}`, dtype);
}

function checkName(op: string, name: unknown): void {
  if (typeof name !== 'string' || !/^[A-Za-z0-9_.\-/]+$/.test(name)) fail(op, 'name', 'a name of letters, digits, _ . - /', name);
}

/** Internal: a value (tensor, number, nested array, typed array) as an eager tensor of `dtype` (when given). */
export function toEager(op: string, arg: string, value: unknown, dtype?: DType): Tensor {
  if (value instanceof Tensor) {
    value.assertAlive(`${op}: ${arg}`);
    return dtype && value.dtype !== dtype ? value.cast(dtype) : value;
  }
  if (typeof value === 'number' || typeof value === 'boolean') return scalar(value, dtype ? { dtype } : {});
  if (Array.isArray(value) || ArrayBuffer.isView(value)) {
    return tensor(value as number[], dtype ? { dtype } : {});
  }
  if (value instanceof SymbolicTensor) throw new Error(`${op}: ${arg} is the graph tensor '${value.name}', where a value (a Tensor, number or array) is expected`);
  return fail(op, arg, 'a Tensor, a number or an array of numbers', value);
}

// ---------------------------------------------------------------------------------------------
// Variables.

export interface VariableOptions {
  /** Whether optimizers train it by default (default true). */
  trainable?: boolean;
  name?: string;
  dtype?: DType;
}

/**
 * A variable: a stateful node whose value lives in each `Session`, set by its initializer
 * (an assign of the initial value) and by optimizers. It is itself the tensor that reads it.
 */
export class Variable extends SymbolicTensor {
  readonly trainable: boolean;
  /** The assign op that sets the initial value (run by `globalVariablesInitializer()`). */
  readonly initializer: Node;
  /** The initial value (a constant, or any graph tensor evaluated when initialising). */
  readonly initialValue: SymbolicTensor;

  constructor(initialValue: SymbolicTensor | FeedValue, opts: VariableOptions = {}) {
    const op = 'Variable';
    const o = checkOptions(op, opts, ['trainable', 'name', 'dtype']);
    if (o.trainable !== undefined && typeof o.trainable !== 'boolean') fail(op, 'options.trainable', 'true or false', o.trainable);
    if (o.name !== undefined) checkName(op, o.name);
    if (o.dtype !== undefined) checkDType(op, o.dtype);
    const g = initialValue instanceof SymbolicTensor ? initialValue.graph : defaultGraph;
    const initial = initialValue instanceof SymbolicTensor ? initialValue : toEager(op, 'initialValue', initialValue, o.dtype);
    const base = o.name ?? 'Variable';
    const node = g.addNode('variable', 'VariableV2', base, [], { trainable: o.trainable ?? true });
    const init = g.nameScope(node.name, () => {
      return initial instanceof SymbolicTensor ? initial : g.constant(initial, { name: 'initial_value' });
    });
    if (init.shape.some((d) => d === null)) throw new Error(`Variable '${node.name}': the initial value's shape [${init.shape.map((d) => d ?? '?').join(',')}] must be fully known`);
    super(node, 0, Object.freeze(init.shape.slice()), o.dtype ?? init.dtype);
    node.outputs.push(this);
    this.trainable = o.trainable ?? true;
    this.initialValue = init;
    this.initializer = g.nameScope(node.name, () => g.addNode('assign', 'Assign', 'Assign', [init], { variable: node }));
    addOutput(this.initializer, this.shape, this.dtype);
    node.attrs.initializer = this.initializer;
    g.variables.push(this);
  }

  /** An op setting the variable to `value` (TensorFlow's `v.assign(value)`); its output is the new value. */
  assign(value: SymbolicTensor | FeedValue, name?: string): SymbolicTensor {
    const g = this.graph;
    const v = value instanceof SymbolicTensor ? value : g.constant(value as FeedValue, { dtype: this.dtype });
    if (v.graph !== g) throw new Error(`Variable.assign: value '${v.name}' belongs to another graph than variable '${this.node.name}'`);
    checkShapeCompatible('Variable.assign', `variable '${this.node.name}'`, this.shape, v.shape);
    const node = g.addNode('assign', 'Assign', name ?? `${this.node.name}/Assign`, [v], { variable: this.node });
    return addOutput(node, this.shape, this.dtype);
  }
}

/** Throws unless two static shapes can describe the same value. */
export function checkShapeCompatible(op: string, what: string, want: StaticShape, got: StaticShape): void {
  const ok = want.length === got.length && want.every((d, i) => d === null || got[i] === null || d === got[i]);
  if (!ok) throw new Error(`${op}: ${what} has shape [${want.map((d) => d ?? '?').join(',')}], got a value of shape [${got.map((d) => d ?? '?').join(',')}]`);
}

// ---------------------------------------------------------------------------------------------
// Tracing op functions.

type AnyFn = (...args: never[]) => unknown;

/** Every traceable function by name: the replay table `Session.run` and `Graph.fromJSON` use. */
export const traceables = new Map<string, AnyFn>();

/** TensorFlow's names for node types where a plain capitalisation would read oddly. */
const TYPE_NAMES: Record<string, string> = {
  matmul: 'MatMul', conv2d: 'Conv2D', maxPool: 'MaxPool', softmaxCrossEntropyWithLogits: 'SoftmaxCrossEntropyWithLogits', conv1d: 'Conv1D', conv3d: 'Conv3D', maxPool2d: 'MaxPool', avgPool2d: 'AvgPool',
  reduceSum: 'Sum', reduceMean: 'Mean', reduceMax: 'Max', argmax: 'ArgMax', argmin: 'ArgMin', eq: 'Equal', equal: 'Equal',
  add: 'Add', sub: 'Sub', mul: 'Mul', div: 'RealDiv', neg: 'Neg', log: 'Log', exp: 'Exp', sum: 'Sum', mean: 'Mean',
};

export function typeName(fn: string): string {
  const base = fn.replace(/^tf\.nn\./, '');
  return TYPE_NAMES[base] ?? base.charAt(0).toUpperCase() + base.slice(1);
}

/** Maps a function's argument types to what its traced form accepts: graph tensors wherever tensors go. */
type InArg<T> = [T] extends [Tensor] ? SymbolicTensor | TensorLike
  : Tensor extends T ? T | SymbolicTensor
  : T extends readonly (infer E)[] ? (Tensor extends E ? readonly (E | SymbolicTensor)[] : T)
  : T;
type InArgs<A extends readonly unknown[]> = { [K in keyof A]: InArg<A[K]> };
/** Tensors in a result become graph tensors. */
export type OutOf<R> = R extends Tensor ? SymbolicTensor
  : R extends readonly (infer E)[] ? (E extends Tensor ? SymbolicTensor[] : R)
  : R extends object ? { [K in keyof R]: R[K] extends Tensor ? SymbolicTensor : R[K] }
  : R;
/** The traced form of a function of tensors. */
export type Traced<F> = F extends (...args: infer A) => infer R ? (...args: InArgs<A>) => OutOf<R> : never;

function isPlain(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype;
}

/** Walks `v`, replacing graph tensors (and eager tensors, made constants) by refs into `inputs`. */
function encodeArgs(op: string, v: unknown, inputs: SymbolicTensor[], graph: () => Graph, path: string): unknown {
  if (v instanceof SymbolicTensor) {
    if (v.graph !== graph()) {
      throw new Error(`${op}: ${path} ('${v.name}') belongs to another graph than the op's other inputs; tensors of two graphs cannot be mixed`);
    }
    let i = inputs.indexOf(v);
    if (i < 0) i = inputs.push(v) - 1;
    return new Ref(i);
  }
  if (v instanceof Tensor) {
    v.assertAlive(`${op}: ${path}`);
    const c = graph().constant(v);
    return new Ref(inputs.push(c) - 1);
  }
  if (v instanceof Node) throw new Error(`${op}: ${path} is the node '${v.name}', not a tensor; pass one of its outputs (node.outputs[0])`);
  if (Array.isArray(v)) return v.map((x, k) => encodeArgs(op, x, inputs, graph, `${path}[${k}]`));
  if (isPlain(v)) {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) o[k] = encodeArgs(op, x, inputs, graph, `${path}.${k}`);
    return o;
  }
  return v;
}

/** The graph an argument list builds into: that of its first graph tensor, else the default graph. */
function findGraph(v: unknown, depth = 0): Graph | null {
  if (v instanceof SymbolicTensor) return v.graph;
  if (depth > 6) return null;
  if (Array.isArray(v)) {
    for (const x of v) {
      const g = findGraph(x, depth + 1);
      if (g) return g;
    }
  } else if (isPlain(v)) {
    for (const x of Object.values(v)) {
      const g = findGraph(x, depth + 1);
      if (g) return g;
    }
  }
  return null;
}

/** Internal: replaces the refs of a recorded argument list (or result structure) by `values`. */
export function decodeArgs<T>(v: unknown, values: readonly T[]): unknown {
  if (v instanceof Ref) return values[v.i];
  if (Array.isArray(v)) return v.map((x) => decodeArgs(x, values));
  if (isPlain(v)) {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) o[k] = decodeArgs(x, values);
    return o;
  }
  return v;
}

/** The tensors of a result structure, and the structure with them replaced by refs. */
function encodeResult(r: unknown, found: Tensor[]): unknown {
  if (r instanceof Tensor) return new Ref(found.push(r) - 1);
  if (Array.isArray(r)) return r.map((x) => encodeResult(x, found));
  if (isPlain(r)) {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(r)) o[k] = encodeResult(x, found);
    return o;
  }
  return r;
}

/** Internal: records a call of the traceable function `name` as an op node; returns its outputs in `fn`'s result structure. */
export function traceCall(name: string, args: readonly unknown[], nodeName?: string, label = name): unknown {
  return named(label, () => record(name, args, nodeName));
}

/** Runs `fn`; an error whose message does not name `label` (an inner op's) is prefixed with it. */
export function named<T>(label: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    if (msg.includes(label)) throw e;
    throw new Error(`${label}: ${msg}`, { cause: e });
  }
}

function record(name: string, args: readonly unknown[], nodeName?: string): unknown {
  const fn = traceables.get(name);
  if (!fn) throw new Error(`graph: no traceable op '${name}'`);
  const g = findGraph(args) ?? defaultGraph;
  const inputs: SymbolicTensor[] = [];
  const tmpl = encodeArgs(name, args, inputs, () => g, 'argument') as unknown[];
  // Run the op itself on stand-ins: its own validation and shape inference, nothing computed.
  let structure: unknown;
  const metas = inferShapes(
    () => (fn as (...a: unknown[]) => unknown)(...(decodeArgs(tmpl, inputs.map((t) => standIn(t.shape, t.dtype))) as unknown[])),
    (r) => {
      const found: Tensor[] = [];
      structure = encodeResult(r, found);
      return found;
    },
  );
  const node = g.addNode('op', typeName(name), nodeName, inputs, { fn: name, args: tmpl, out: structure });
  const outs = metas.map((m) => addOutput(node, m.shape, m.dtype));
  return decodeArgs(structure, outs);
}

/**
 * Makes a function of tensors usable in graphs: called with graph tensors it records one node
 * (named after `name`), whose output shapes come from running `fn` itself on stand-ins; the
 * session replays `fn` on real tensors, and differentiates it with the eager gradient rules.
 * Every nabla op is registered this way automatically (src/graph/ops.ts); use it for your own
 * composite functions too.
 */
export function traceable<F extends AnyFn>(name: string, fn: F): Traced<F> {
  checkString('graph.traceable', 'name', name);
  if (typeof fn !== 'function') fail('graph.traceable', 'fn', 'a function', fn);
  const existing = traceables.get(name);
  if (existing && existing !== fn) throw new Error(`graph.traceable: an op named '${name}' is already registered`);
  traceables.set(name, fn);
  return ((...args: unknown[]) => traceCall(name, args)) as unknown as Traced<F>;
}

/** Internal: checks that `x` is a graph tensor, naming the function and argument otherwise. */
export function assertSymbolic(op: string, arg: string, x: unknown): SymbolicTensor {
  if (x instanceof SymbolicTensor) return x;
  if (x instanceof Tensor) throw new Error(`${op}: ${arg} is an eager Tensor (shape [${x.shape.join(',')}]); a graph tensor (from placeholder, Variable or a graph op) is expected`);
  return fail(op, arg, 'a graph tensor', x);
}

export function isFloatTensor(t: SymbolicTensor): boolean {
  return isFloat(t.dtype);
}

export { describe };
