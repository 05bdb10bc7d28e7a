/**
 * Symbolic differentiation of a graph: `gradients(ys, xs)` adds, for each op node between them,
 * one gradient node (`gradients/<op>_grad`) whose outputs are the gradients of that op's inputs.
 * At run time a gradient node applies the op's own eager gradient rules (the forward op is
 * replayed with its inputs marked as requiring gradients, and the eager backward pass runs from
 * its outputs), so graph and eager gradients come from the same definitions.
 */
import { isFloat } from '../tensor/dtype.js';
import { addOutput, assertSymbolic, Node, SymbolicTensor, traceCall, type Graph } from './graph.js';

function list(op: string, arg: string, v: unknown): SymbolicTensor[] {
  const xs = Array.isArray(v) ? v : [v];
  if (xs.length === 0) throw new Error(`${op}: ${arg} must not be empty`);
  return xs.map((x, i) => assertSymbolic(op, Array.isArray(v) ? `${arg}[${i}]` : arg, x));
}

/** Sums gradient contributions with the traced `add` op. */
function addAll(ts: SymbolicTensor[]): SymbolicTensor {
  let s = ts[0]!;
  for (let i = 1; i < ts.length; i++) s = traceCall('add', [s, ts[i]]) as SymbolicTensor;
  return s;
}

/**
 * Graph nodes computing d(Σ ys)/d(x) for each x of `xs` (TensorFlow's `tf.gradients`). `gradYs`
 * weights each y (default ones). An x that ys do not depend on gets zeros.
 */
export function gradients(ys: SymbolicTensor | readonly SymbolicTensor[], xs: SymbolicTensor | readonly SymbolicTensor[], gradYs?: readonly SymbolicTensor[]): SymbolicTensor[] {
  const op = 'gradients';
  const yl = list(op, 'ys', ys);
  const xl = list(op, 'xs', xs);
  const g: Graph = yl[0]!.graph;
  for (const [i, t] of [...yl, ...xl].entries()) {
    if (t.graph !== g) throw new Error(`${op}: '${t.name}' belongs to another graph than '${yl[0]!.name}'`);
    if (!isFloat(t.dtype)) throw new Error(`${op}: ${i < yl.length ? 'ys' : 'xs'} must be floating-point tensors, '${t.name}' is ${t.dtype}`);
  }
  if (gradYs !== undefined) {
    if (!Array.isArray(gradYs) || gradYs.length !== yl.length) throw new Error(`${op}: gradYs must be an array of ${yl.length} graph tensors (one per y)`);
    gradYs.forEach((t, i) => assertSymbolic(op, `gradYs[${i}]`, t));
  }
  // Nodes that depend on some x (forward) and that some y depends on (backward).
  const xNodes = new Set(xl.map((x) => x.node));
  const fromX = new Set<Node>();
  for (const n of g.nodes) {
    if (xNodes.has(n) || n.inputs.some((t) => fromX.has(t.node))) fromX.add(n);
  }
  const toY = new Set<Node>();
  const stack = yl.map((y) => y.node);
  while (stack.length) {
    const n = stack.pop()!;
    if (toY.has(n) || !fromX.has(n)) continue;
    toY.add(n);
    if (!xNodes.has(n)) for (const t of n.inputs) stack.push(t.node);
  }
  return g.nameScope('gradients', () => {
    const contrib = new Map<SymbolicTensor, SymbolicTensor[]>();
    const push = (t: SymbolicTensor, d: SymbolicTensor): void => {
      const l = contrib.get(t);
      if (l) l.push(d);
      else contrib.set(t, [d]);
    };
    yl.forEach((y, i) => push(y, gradYs?.[i] ?? (traceCall('onesLike', [y]) as SymbolicTensor)));
    const order = [...toY].sort((a, b) => b.id - a.id);
    for (const n of order) {
      if (xNodes.has(n)) continue;
      const dyFor: number[] = [];
      const dys: SymbolicTensor[] = [];
      n.outputs.forEach((o, k) => {
        const c = contrib.get(o);
        if (c && isFloat(o.dtype)) {
          dyFor.push(k);
          dys.push(addAll(c));
        }
      });
      if (dys.length === 0) continue;
      const wrt = n.inputs.map((t, i) => (isFloat(t.dtype) && toY.has(t.node) ? i : -1)).filter((i) => i >= 0);
      if (wrt.length === 0) continue;
      if (n.kind === 'grad') {
        throw new Error(`${op}: second derivatives are not supported: '${n.name}' is a gradient node (nb.graph differentiates ops only; eager nb.grad(nb.grad(f)) gives higher-order derivatives)`);
      }
      if (n.kind !== 'op') {
        throw new Error(`${op}: cannot differentiate through '${n.name}' (${n.type}); gradients flow through ops, not through ${n.kind} nodes`);
      }
      const gn = g.addNode('grad', `${n.type}Grad`, `${n.name.split('/').pop()}_grad`, [...n.outputs, ...dys], { forward: n, dyFor, wrt });
      for (const i of wrt) {
        const x = n.inputs[i]!;
        push(x, addOutput(gn, x.shape, x.dtype));
      }
    }
    return xl.map((x) => {
      const c = contrib.get(x);
      return c ? addAll(c) : (traceCall('zerosLike', [x]) as SymbolicTensor);
    });
  });
}
