/**
 * `Session.run(fetches, feed)`: works out the nodes the fetches need (stopping at fed tensors),
 * orders them (creation order is topological), and replays them eagerly on the current backend
 * inside one `tidy`. Variables' values live in the session, as in TensorFlow 1.
 */
import { Tensor } from '../tensor/tensor.js';
import { keep, tidy, withGrad, noGrad } from '../engine.js';
import { gradients as eagerGradients } from '../autograd/backward.js';
import { isFloat } from '../tensor/dtype.js';
import { zerosLike } from '../tensor/creation.js';
import { add } from '../ops/index.js';
import { fail } from '../validate.js';
import { jit, type JitStats, type Jitted } from '../jit/jit.js';

/** Ops that draw random numbers: a run that needs one is interpreted, not compiled. */
const RANDOM = /rand|dropout|truncatedNormal|normal|uniform|bernoulli|shuffle|multinomial/i;
import { decodeArgs, Graph, Node, SymbolicTensor, getDefaultGraph, toEager, traceables, type FeedValue } from './graph.js';

/** A fetch structure: a tensor or node, or arrays / plain objects of them. */
export type Fetches = SymbolicTensor | Node | readonly Fetches[] | { readonly [k: string]: Fetches };
/** What a fetch structure yields: tensors for graph tensors, null for nodes, same shape. */
export type Fetched<F> = F extends SymbolicTensor ? Tensor
  : F extends Node ? null
  : F extends readonly unknown[] ? { -readonly [K in keyof F]: Fetched<F[K]> }
  : F extends object ? { -readonly [K in keyof F]: Fetched<F[K]> }
  : never;

/** Feeds: a Map (or array of pairs) from graph tensors to values, or an object keyed by placeholder name. */
export type Feed = ReadonlyMap<SymbolicTensor, FeedValue> | readonly (readonly [SymbolicTensor, FeedValue])[] | { readonly [name: string]: FeedValue };

/** An update rule of an optimizer's apply node: reads inputs, writes variables through `state`. */
export type ApplyRule = (state: SessionState, node: Node, inputs: readonly Tensor[]) => void;
export const applyRules = new Map<string, ApplyRule>();

/** The state an apply rule may change: the session's variable values. */
export interface SessionState {
  read(variable: Node): Tensor;
  write(variable: Node, value: Tensor): void;
}

interface Taped {
  leaves: (Tensor | null)[];
  outs: Tensor[];
}

export class Session implements SessionState {
  readonly graph: Graph;
  private readonly values = new Map<Node, Tensor>();
  private stale: Tensor[] = [];
  private closed = false;

  private readonly compile: boolean;
  private readonly plans = new Map<string, Node[]>();
  private readonly jits = new Map<string, Jitted<Tensor[], (Tensor | null)[]> | null>();

  /** `opts.compile` (default true): runs repeated with one feed signature replay a compiled plan (see nb.jit). */
  constructor(graph: Graph = getDefaultGraph(), opts: { compile?: boolean } = {}) {
    if (!(graph instanceof Graph)) fail('Session', 'graph', 'a graph.Graph', graph);
    if (opts === null || typeof opts !== 'object') fail('Session', 'opts', 'an object', opts);
    if (opts.compile !== undefined && typeof opts.compile !== 'boolean') fail('Session', 'opts.compile', 'a boolean', opts.compile);
    this.graph = graph;
    this.compile = opts.compile ?? true;
  }

  /** A variable's current value in this session (the session keeps ownership). */
  read(variable: Node): Tensor {
    const v = this.values.get(variable);
    if (!v || v.isDisposed) {
      throw new Error(`Session.run: variable '${variable.name}' is not initialised in this session; run its initializer (sess.run(graph.globalVariablesInitializer())) first`);
    }
    return v;
  }

  /** Sets a variable's value: in place (assign) when it has one of the same shape and dtype, so that a compiled run updates it as state. */
  write(variable: Node, value: Tensor): void {
    const prev = this.values.get(variable);
    if (prev && !prev.isDisposed && prev.dtype === value.dtype && prev.backend === value.backend && prev.shape.join() === value.shape.join()) {
      prev.assign(value);
      return;
    }
    if (prev) this.stale.push(prev);
    this.values.set(variable, keep(value.detach()));
  }

  /** Whether `variable` has a value in this session. */
  isInitialized(variable: SymbolicTensor | Node): boolean {
    const n = variable instanceof SymbolicTensor ? variable.node : variable;
    return this.values.has(n);
  }

  /** Runs `fetches`, feeding placeholders from `feed`; returns the fetched values in the same structure (tensors the caller owns). */
  run<F extends Fetches>(fetches: F, feed?: Feed): Fetched<F> {
    const op = 'Session.run';
    if (this.closed) throw new Error(`${op}: the session is closed`);
    const targets: (SymbolicTensor | Node)[] = [];
    const tmpl = this.encodeFetches(fetches, targets, 'fetches', 0);
    const feeds = this.normalizeFeed(feed);
    // a node's inputs never change once it exists: the nodes a (fetches, fed) pair needs are found once
    const key = runKey(targets, feeds);
    let plan = this.plans.get(key);
    if (!plan) this.plans.set(key, (plan = this.plan(targets, feeds)));
    const result = this.compiled(key, targets, feeds, plan) ?? tidy(() => {
      const vals = this.execute(plan, feeds);
      const out = targets.map((t) => (t instanceof Node ? null : vals.get(t.node)![t.index]!.detach()));
      return out;
    });
    for (const t of this.stale) t.dispose();
    this.stale = [];
    return decode(tmpl, result) as Fetched<F>;
  }

  /**
   * The run through nabla's compiler (nb.jit) for this set of fetches and fed tensors: traced at the
   * second run of a feed signature, replayed as a plan of kernels after. Null: not compiled (the
   * session was made with `{ compile: false }`, the plan draws random numbers, or tracing found
   * something a plan cannot replay; then the run is interpreted).
   */
  private compiled(key: string, targets: readonly (SymbolicTensor | Node)[], feeds: Map<SymbolicTensor, Tensor>, plan: readonly Node[]): (Tensor | null)[] | null {
    if (!this.compile) return null;
    const keys = [...feeds.keys()];
    let j = this.jits.get(key);
    if (j === undefined) {
      const random = plan.some((n) => n.kind === 'op' && RANDOM.test(n.attrs.fn ?? ''));
      j = random ? null : jit((...vals: Tensor[]) => {
        const fm = new Map(keys.map((k, i) => [k, vals[i] as Tensor] as const));
        const out = this.execute(plan, fm);
        return targets.map((t) => (t instanceof Node ? null : out.get(t.node)![t.index]!));
      }, { warmup: 1, fallback: true });
      this.jits.set(key, j);
    }
    if (j === null) return null;
    return j(...keys.map((k) => feeds.get(k) as Tensor));
  }

  /** Compiler statistics of this session's compiled runs (see nb.jit's `stats()`). */
  compileStats(): JitStats[] {
    return [...this.jits.values()].flatMap((j) => (j ? j.stats() : []));
  }

  /** Releases every variable value. */
  close(): void {
    for (const j of this.jits.values()) j?.clear();
    this.jits.clear();
    for (const v of this.values.values()) v.dispose();
    this.values.clear();
    this.closed = true;
  }

  [Symbol.dispose](): void {
    this.close();
  }

  private encodeFetches(f: unknown, targets: (SymbolicTensor | Node)[], path: string, depth: number): unknown {
    const op = 'Session.run';
    if (f instanceof SymbolicTensor || f instanceof Node) {
      if (f.graph !== this.graph) throw new Error(`${op}: ${path} ('${f.name}') belongs to another graph than the session's`);
      return { $fetch: targets.push(f) - 1 };
    }
    if (f instanceof Tensor) throw new Error(`${op}: ${path} is an eager Tensor (shape [${f.shape.join(',')}]); fetches must be graph tensors or ops`);
    if (depth < 8 && Array.isArray(f)) return f.map((x, i) => this.encodeFetches(x, targets, `${path}[${i}]`, depth + 1));
    if (depth < 8 && f !== null && typeof f === 'object' && Object.getPrototypeOf(f) === Object.prototype) {
      const o: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(f)) o[k] = this.encodeFetches(x, targets, `${path}.${k}`, depth + 1);
      return o;
    }
    return fail(op, path, 'a graph tensor, a graph op, or an array / object of them', f);
  }

  private normalizeFeed(feed: Feed | undefined): Map<SymbolicTensor, Tensor> {
    const op = 'Session.run';
    const m = new Map<SymbolicTensor, Tensor>();
    if (feed === undefined || feed === null) return m;
    let pairs: [unknown, unknown][];
    if (feed instanceof Map) pairs = [...feed.entries()];
    else if (Array.isArray(feed)) pairs = feed.map((p, i) => (Array.isArray(p) && p.length === 2 ? [p[0], p[1]] : fail(op, `feed[${i}]`, 'a [graph tensor, value] pair', p)));
    else if (typeof feed === 'object' && Object.getPrototypeOf(feed) === Object.prototype) {
      pairs = Object.entries(feed).map(([name, v]) => [this.byName(name), v]);
    } else return fail(op, 'feed', 'a Map, an array of [tensor, value] pairs or an object keyed by placeholder name', feed);
    for (const [k, v] of pairs) {
      if (k instanceof Tensor) throw new Error(`${op}: a feed key is an eager Tensor (shape [${k.shape.join(',')}]); feed keys must be graph tensors (placeholders)`);
      if (!(k instanceof SymbolicTensor)) fail(op, 'feed key', 'a graph tensor', k);
      if (k.graph !== this.graph) throw new Error(`${op}: fed tensor '${k.name}' belongs to another graph than the session's`);
      const t = toEager(op, `the value fed to '${k.name}'`, v, v instanceof Tensor ? undefined : k.dtype); // numbers and arrays take the placeholder's dtype
      if (t.dtype !== k.dtype) {
        throw new Error(`${op}: '${k.node.name}' expects ${k.dtype}, got a ${t.dtype} value of shape [${t.shape.join(',')}]`);
      }
      const ok = t.rank === k.shape.length && k.shape.every((d, i) => d === null || d === t.shape[i]);
      if (!ok) {
        throw new Error(`${op}: '${k.node.name}' has shape [${k.shape.map((d) => d ?? '?').join(',')}], got a value of shape [${t.shape.join(',')}]`);
      }
      m.set(k, t);
    }
    return m;
  }

  private byName(name: string): SymbolicTensor {
    const node = this.graph.nodes.find((n) => n.name === name || n.name.endsWith(`/${name}`) && n.kind === 'placeholder');
    if (!node) throw new Error(`Session.run: feed names '${name}', which is no node of the graph`);
    return node.outputs[0]!;
  }

  private plan(targets: readonly (SymbolicTensor | Node)[], feeds: Map<SymbolicTensor, Tensor>): Node[] {
    const fed = new Set<Node>();
    for (const k of feeds.keys()) if (k.node.outputs.length === 1) fed.add(k.node);
    const need = new Set<Node>();
    const why = new Map<Node, Node>(); // node → a node that needs it (for error messages)
    const stack: Node[] = targets.map((t) => (t instanceof Node ? t : t.node));
    while (stack.length) {
      const n = stack.pop()!;
      if (need.has(n)) continue;
      need.add(n);
      if (fed.has(n)) continue;
      if (n.kind === 'placeholder') {
        const by = why.get(n);
        throw new Error(`Session.run: placeholder '${n.name}' (shape [${n.outputs[0]!.shape.map((d) => d ?? '?').join(',')}], ${n.outputs[0]!.dtype}) must be fed${by ? `: '${by.name}' depends on it` : ''}`);
      }
      const deps = [...n.inputs.map((t) => t.node), ...n.control];
      if (n.kind === 'grad') deps.push(n.attrs.forward!);
      for (const d of deps) {
        if (!why.has(d)) why.set(d, n);
        stack.push(d);
      }
    }
    return [...need].sort((a, b) => a.id - b.id);
  }

  private execute(plan: readonly Node[], feeds: Map<SymbolicTensor, Tensor>): Map<Node, Tensor[]> {
    const vals = new Map<Node, Tensor[]>();
    for (const [k, v] of feeds) if (k.node.outputs.length === 1) vals.set(k.node, [v]);
    // forward ops that some gradient node of the plan differentiates: replayed with a tape
    const taped = new Map<Node, Set<number>>();
    for (const n of plan) {
      if (n.kind !== 'grad') continue;
      const f = n.attrs.forward!;
      const s = taped.get(f) ?? new Set<number>();
      for (const i of n.attrs.wrt!) s.add(i);
      taped.set(f, s);
    }
    const tapes = new Map<Node, Taped>();
    const input = (t: SymbolicTensor): Tensor => vals.get(t.node)![t.index]!;
    for (const n of plan) {
      if (vals.has(n)) continue;
      try {
        vals.set(n, this.evalNode(n, n.inputs.map(input), taped.get(n), tapes));
      } catch (e) {
        const err = e as Error;
        if (err.message.startsWith('Session.run:')) throw err;
        throw new Error(`Session.run: node '${n.name}' (${n.type}) failed: ${err.message}`, { cause: e });
      }
    }
    return vals;
  }

  private evalNode(n: Node, ins: Tensor[], wrt: Set<number> | undefined, tapes: Map<Node, Taped>): Tensor[] {
    switch (n.kind) {
      case 'const':
        return [n.attrs.value!];
      case 'variable':
        return [this.read(n).detach()]; // the value at this point of the run (a later assign does not change it)
      case 'group':
        return [];
      case 'assign': {
        const v = n.attrs.variable!;
        const want = v.outputs[0]!;
        const x = ins[0]!;
        const ok = x.rank === want.shape.length && want.shape.every((d, i) => d === null || d === x.shape[i]);
        if (!ok) throw new Error(`Session.run: '${n.name}' assigns a value of shape [${x.shape.join(',')}] to variable '${v.name}' of shape [${want.shape.join(',')}]`);
        const val = x.dtype === want.dtype ? x : x.cast(want.dtype);
        this.write(v, val);
        return [this.read(v)];
      }
      case 'apply': {
        const rule = applyRules.get(n.attrs.rule!);
        if (!rule) throw new Error(`Session.run: unknown update rule '${n.attrs.rule}' of '${n.name}'`);
        noGrad(() => rule(this, n, ins));
        return [];
      }
      case 'op': {
        const fn = traceables.get(n.attrs.fn!) as ((...a: unknown[]) => unknown) | undefined;
        if (!fn) throw new Error(`Session.run: node '${n.name}' replays the op '${n.attrs.fn}', which is not registered`);
        let args = ins;
        let leaves: (Tensor | null)[] = [];
        if (wrt) {
          leaves = ins.map((t, i) => {
            if (!wrt.has(i) || !isFloat(t.dtype)) return null;
            const l = t.detach();
            l.requiresGrad = true;
            return l;
          });
          args = ins.map((t, i) => leaves[i] ?? t);
        }
        const r = wrt ? withGrad(true, () => fn(...(decodeArgs(n.attrs.args, args) as unknown[]))) : noGrad(() => fn(...(decodeArgs(n.attrs.args, args) as unknown[])));
        const outs: Tensor[] = [];
        collectOut(n.attrs.out, r, outs);
        if (wrt) tapes.set(n, { leaves, outs });
        return outs;
      }
      case 'grad': {
        const f = n.attrs.forward!;
        const tape = tapes.get(f);
        if (!tape) throw new Error(`Session.run: the forward op '${f.name}' of '${n.name}' was not replayed with a tape`);
        const dyFor = n.attrs.dyFor!;
        const dys = ins.slice(f.outputs.length);
        const wrtIdx = n.attrs.wrt!;
        const leaves = wrtIdx.map((i) => tape.leaves[i]!);
        const total: (Tensor | null)[] = wrtIdx.map(() => null);
        dyFor.forEach((k, j) => {
          const out = tape.outs[k]!;
          const dy = dys[j]!;
          if (!out.requiresGrad) return; // the output does not depend on any leaf
          const gs = eagerGradients(out, leaves, dy.dtype === out.dtype ? dy : dy.cast(out.dtype));
          gs.forEach((g, i) => {
            total[i] = total[i] ? add(total[i]!, g) : g;
          });
        });
        return total.map((g, i) => g ?? zerosLike(leaves[i]!));
      }
      default:
        throw new Error(`Session.run: cannot run '${n.name}': a ${n.kind} node`);
    }
  }
}

/** What identifies a run's plan: the fetched tensors and nodes, and the fed tensors, in order. */
function runKey(targets: readonly (SymbolicTensor | Node)[], feeds: Map<SymbolicTensor, Tensor>): string {
  return targets.map((t) => (t instanceof Node ? `n${t.id}` : `t${t.node.id}:${t.index}`)).join(',') + '|' + [...feeds.keys()].map((k) => `${k.node.id}:${k.index}`).join(',');
}

/** The tensors of `r` at the places the recorded structure `tmpl` has refs, in ref order. */
function collectOut(tmpl: unknown, r: unknown, out: Tensor[]): void {
  if (tmpl !== null && typeof tmpl === 'object' && 'i' in tmpl && r instanceof Tensor) {
    out[(tmpl as { i: number }).i] = r;
    return;
  }
  if (Array.isArray(tmpl) && Array.isArray(r)) tmpl.forEach((t, k) => collectOut(t, r[k], out));
  else if (tmpl !== null && typeof tmpl === 'object' && r !== null && typeof r === 'object') {
    for (const [k, t] of Object.entries(tmpl)) collectOut(t, (r as Record<string, unknown>)[k], out);
  }
}

function decode(tmpl: unknown, values: readonly (Tensor | null)[]): unknown {
  if (tmpl !== null && typeof tmpl === 'object' && '$fetch' in tmpl) return values[(tmpl as { $fetch: number }).$fetch];
  if (Array.isArray(tmpl)) return tmpl.map((x) => decode(x, values));
  if (tmpl !== null && typeof tmpl === 'object') {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(tmpl)) o[k] = decode(x, values);
    return o;
  }
  return tmpl;
}
