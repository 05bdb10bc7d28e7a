/**
 * Persistence: a graph as JSON (`toJSON` / `fromJSON`, `exportGraph` / `importGraph`) and a
 * session's variable values as a checkpoint (`Saver`, TensorFlow's `tf.train.Saver`). Files are
 * written atomically (src/io's writer: a temporary file renamed into place), so a crash never
 * leaves half a checkpoint. A trained program reloads with `importGraph` + `Saver.restore` and
 * runs on new data, looking tensors up by name (`graph.tensor('Softmax:0')`).
 */
import { Tensor } from '../tensor/tensor.js';
import { tensor } from '../tensor/creation.js';
import type { DType } from '../tensor/dtype.js';
import { keep } from '../engine.js';
import { writeFileAtomic } from '../io/file.js';
import { nodeBuiltin } from '../io/node.js';
import { checkString, fail } from '../validate.js';
import { addOutput, Graph, named, Node, Ref, SymbolicTensor, traceables, Variable, type NodeAttrs } from './graph.js';
import type { Session } from './session.js';

const FORMAT = 'nabla-graph';
const CKPT = 'nabla-checkpoint';

interface TensorJson {
  dtype: DType;
  shape: number[];
  data: number[];
}

export interface NodeJson {
  name: string;
  kind: Node['kind'];
  type: string;
  inputs: string[];
  control: string[];
  outputs: { shape: (number | null)[]; dtype: DType }[];
  attrs: Record<string, unknown>;
}

export interface GraphJson {
  format: typeof FORMAT;
  version: 1;
  nodes: NodeJson[];
}

function tensorJson(t: Tensor): TensorJson {
  return { dtype: t.dtype, shape: [...t.shape], data: Array.from(t.dataSync() as ArrayLike<number>, Number) };
}

function tensorFrom(op: string, j: unknown): Tensor {
  const t = j as TensorJson;
  if (!t || typeof t !== 'object' || !Array.isArray(t.shape) || !Array.isArray(t.data) || typeof t.dtype !== 'string') fail(op, 'a tensor entry', '{ dtype, shape, data }', j);
  return tensor(t.dtype === 'bool' ? t.data.map(Boolean) : t.data, { dtype: t.dtype, shape: t.shape });
}

function encodeValue(op: string, node: string, v: unknown): unknown {
  if (v instanceof Ref) return { $ref: v.i };
  if (v === undefined) return { $undefined: true };
  if (v === null || typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') {
    if (typeof v === 'number' && !Number.isFinite(v)) return { $number: String(v) };
    return v;
  }
  if (Array.isArray(v)) return v.map((x) => encodeValue(op, node, x));
  if (typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) o[k] = encodeValue(op, node, x);
    return o;
  }
  throw new Error(`${op}: node '${node}' has an argument that cannot be saved as JSON (${typeof v === 'object' ? (v as object).constructor?.name ?? 'object' : typeof v})`);
}

function decodeValue(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(decodeValue);
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (typeof o.$ref === 'number') return new Ref(o.$ref);
    if (o.$undefined === true) return undefined;
    if (typeof o.$number === 'string') return Number(o.$number);
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(o)) out[k] = decodeValue(x);
    return out;
  }
  return v;
}

/** The graph as a JSON-ready object: every node, its inputs by tensor name, its attributes and constants' values. */
export function graphToJSON(g: Graph): GraphJson {
  return toJson(g, 'graph.graphToJSON');
}

function toJson(g: Graph, op: string): GraphJson {
  if (!(g instanceof Graph)) fail(op, 'graph', 'a graph.Graph', g);
  const nodes = g.nodes.map((n): NodeJson => {
    const a = n.attrs;
    const attrs: Record<string, unknown> = {};
    if (a.fn !== undefined) attrs.fn = a.fn;
    if (a.args !== undefined) attrs.args = encodeValue(op, n.name, a.args);
    if (a.out !== undefined) attrs.out = encodeValue(op, n.name, a.out);
    if (a.value !== undefined) attrs.value = tensorJson(a.value);
    if (a.trainable !== undefined) attrs.trainable = a.trainable;
    if (a.initializer) attrs.initializer = a.initializer.name;
    if (a.variable) attrs.variable = a.variable.name;
    if (a.forward) attrs.forward = a.forward.name;
    if (a.dyFor) attrs.dyFor = a.dyFor;
    if (a.wrt) attrs.wrt = a.wrt;
    if (a.rule) attrs.rule = a.rule;
    if (a.hyper) attrs.hyper = a.hyper;
    if (a.slots) attrs.slots = a.slots.map((s) => s.name);
    return {
      name: n.name, kind: n.kind, type: n.type,
      inputs: n.inputs.map((t) => t.name), control: n.control.map((c) => c.name),
      outputs: n.outputs.map((t) => ({ shape: [...t.shape], dtype: t.dtype })), attrs,
    };
  });
  return { format: FORMAT, version: 1, nodes };
}

/** Rebuilds a graph from `graphToJSON`'s object (op nodes replay the ops registered under their names). */
export function graphFromJSON(json: unknown): Graph {
  const op = 'graph.graphFromJSON';
  const j = json as GraphJson;
  if (!j || typeof j !== 'object' || j.format !== FORMAT || !Array.isArray(j.nodes)) fail(op, 'json', `a '${FORMAT}' object (from graph.toJSON)`, json);
  const g = new Graph();
  const byName = new Map<string, Node>();
  const tensorOf = (name: string): SymbolicTensor => {
    const m = /^(.*):(\d+)$/.exec(name);
    const t = m ? byName.get(m[1]!)?.outputs[Number(m[2])] : undefined;
    if (!t) throw new Error(`${op}: input '${name}' is not an output of an earlier node`);
    return t;
  };
  const later: (() => void)[] = [];
  for (const nj of j.nodes) {
    const a = nj.attrs ?? {};
    if (nj.kind === 'op' && !traceables.has(a.fn as string)) throw new Error(`${op}: node '${nj.name}' replays the op '${String(a.fn)}', which this nabla does not have`);
    const attrs: NodeAttrs = {};
    if (a.fn !== undefined) attrs.fn = a.fn as string;
    if (a.args !== undefined) attrs.args = decodeValue(a.args) as unknown[];
    if (a.out !== undefined) attrs.out = decodeValue(a.out);
    if (a.value !== undefined) attrs.value = keep(tensorFrom(op, a.value));
    if (a.trainable !== undefined) attrs.trainable = Boolean(a.trainable);
    if (a.dyFor) attrs.dyFor = a.dyFor as number[];
    if (a.wrt) attrs.wrt = a.wrt as number[];
    if (a.rule) attrs.rule = a.rule as string;
    if (a.hyper) attrs.hyper = a.hyper as Record<string, number>;
    const need = (name: unknown): Node => {
      const n = byName.get(name as string);
      if (!n) throw new Error(`${op}: node '${nj.name}' refers to unknown node '${String(name)}'`);
      return n;
    };
    if (a.variable) attrs.variable = need(a.variable);
    if (a.forward) attrs.forward = need(a.forward);
    if (a.slots) attrs.slots = (a.slots as string[]).map(need);
    const node = g.addNode(nj.kind, nj.type, nj.name, nj.inputs.map(tensorOf), attrs, nj.control.map(need));
    if (node.name !== nj.name) throw new Error(`${op}: duplicate node name '${nj.name}'`);
    byName.set(node.name, node);
    if (nj.kind === 'variable') {
      const out = nj.outputs[0]!;
      const v = Object.create(Variable.prototype) as Variable;
      Object.assign(v, { node, index: 0, shape: Object.freeze(out.shape.slice()), dtype: out.dtype, trainable: attrs.trainable ?? true });
      node.outputs.push(v);
      g.variables.push(v);
      const init = a.initializer as string | undefined;
      later.push(() => {
        const i = init ? byName.get(init) : undefined;
        if (i) {
          node.attrs.initializer = i;
          Object.assign(v, { initializer: i, initialValue: i.inputs[0] });
        }
      });
    } else {
      for (const o of nj.outputs) addOutput(node, o.shape, o.dtype);
    }
  }
  for (const f of later) f();
  return g;
}

/** Writes the graph as JSON to `path` (atomically). */
export async function exportGraph(g: Graph, path: string): Promise<void> {
  const json = toJson(g, 'graph.exportGraph');
  checkString('graph.exportGraph', 'path', path);
  await writeFileAtomic(path, JSON.stringify(json));
}

/** Reads a graph written by `exportGraph`. */
export async function importGraph(path: string): Promise<Graph> {
  checkString('graph.importGraph', 'path', path);
  const fs = nodeBuiltin('node:fs/promises', 'graph.importGraph');
  let text: string;
  try {
    text = await fs.readFile(path, 'utf8');
  } catch (e) {
    throw new Error(`graph.importGraph: cannot read ${path}: ${(e as Error).message}`, { cause: e });
  }
  return named('graph.importGraph', () => graphFromJSON(JSON.parse(text)));
}

/** Saves and restores a session's variable values (TensorFlow's `tf.train.Saver`). */
export class Saver {
  private readonly vars: readonly Variable[] | undefined;
  constructor(varList?: readonly Variable[]) {
    if (varList !== undefined && (!Array.isArray(varList) || !varList.every((v) => v instanceof Variable))) fail('train.Saver', 'varList', 'an array of graph Variables', varList);
    this.vars = varList;
  }

  private list(sess: Session): readonly Variable[] {
    return this.vars ?? sess.graph.variables;
  }

  /** Writes the variables' values in `sess` to `path` (atomically); returns the path. */
  async save(sess: Session, path: string): Promise<string> {
    checkString('Saver.save', 'path', path);
    const variables: Record<string, TensorJson> = {};
    for (const v of this.list(sess)) variables[v.node.name] = tensorJson(sess.read(v.node));
    await writeFileAtomic(path, JSON.stringify({ format: CKPT, version: 1, variables }));
    return path;
  }

  /** Sets the variables of `sess` from a checkpoint written by `save` (by variable name). */
  async restore(sess: Session, path: string): Promise<void> {
    const op = 'Saver.restore';
    checkString(op, 'path', path);
    const fs = nodeBuiltin('node:fs/promises', op);
    let text: string;
    try {
      text = await fs.readFile(path, 'utf8');
    } catch (e) {
      throw new Error(`${op}: cannot read ${path}: ${(e as Error).message}`, { cause: e });
    }
    const j = named(op, () => JSON.parse(text)) as { format?: string; variables?: Record<string, unknown> };
    if (j.format !== CKPT || !j.variables) throw new Error(`${op}: ${path} is not a nabla checkpoint`);
    for (const v of this.list(sess)) {
      const entry = j.variables[v.node.name];
      if (entry === undefined) throw new Error(`${op}: ${path} has no value for variable '${v.node.name}'`);
      const t = tensorFrom(op, entry);
      const ok = t.rank === v.shape.length && v.shape.every((d, i) => d === t.shape[i]);
      if (!ok || t.dtype !== v.dtype) {
        throw new Error(`${op}: variable '${v.node.name}' is ${v.dtype} [${v.shape.join(',')}], the checkpoint holds ${t.dtype} [${t.shape.join(',')}]`);
      }
      sess.write(v.node, t);
      t.dispose();
    }
  }
}

declare module './graph.js' {
  interface Graph {
    /** The graph as a JSON-ready object (see `graph.graphToJSON`). */
    toJSON(): GraphJson;
  }
}
Object.defineProperty(Graph.prototype, 'toJSON', { value(this: Graph) { return toJson(this, 'Graph.toJSON'); }, writable: true, configurable: true });
