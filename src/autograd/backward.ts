/**
 * Reverse-mode differentiation over the graph recorded by `apply`. Gradients are built from
 * ordinary (differentiable) ops, so with `createGraph` the result can be differentiated again.
 */
import * as engine from '../engine.js';
import { fmt, shapesEqual } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { onesLike, zerosLike } from '../tensor/creation.js';
import { add, cast } from '../ops/elementwise.js';
import { checkOptions, fail, optBoolean } from '../validate.js';

/** Nodes reachable from `root` through recorded ops, in reverse topological order (root first), not crossing `stops`. */
function reverseTopo(root: Tensor, stops: ReadonlySet<Tensor>): Tensor[] {
  const order: Tensor[] = [];
  const visited = new Set<Tensor>();
  // Iterative post-order DFS (deep networks would overflow a recursive one).
  const stack: [Tensor, number][] = [[root, 0]];
  visited.add(root);
  while (stack.length) {
    const top = stack[stack.length - 1] as [Tensor, number];
    const [t, i] = top;
    const inputs = t.gradFn && !stops.has(t) ? t.gradFn.inputs : [];
    if (i < inputs.length) {
      top[1]++;
      const child = inputs[i] as Tensor;
      if (child.requiresGrad && !visited.has(child)) {
        visited.add(child);
        stack.push([child, 0]);
      }
    } else {
      stack.pop();
      order.push(t);
    }
  }
  return order.reverse();
}

/**
 * Gradients of `output` with respect to `targets` (like `torch.autograd.grad`): a map from each
 * reachable target to its gradient. When `targets` is null, every leaf that requires grad.
 */
function propagate(output: Tensor, targets: readonly Tensor[] | null, outGrad: Tensor, createGraph: boolean): Map<Tensor, Tensor> {
  const stops = new Set(targets ?? []);
  const order = reverseTopo(output, stops);
  const grads = new Map<Tensor, Tensor>([[output, outGrad]]);
  const result = new Map<Tensor, Tensor>();
  engine.withGrad(createGraph, () => {
    for (const t of order) {
      const g = grads.get(t);
      if (!g) continue;
      const isTarget = targets ? stops.has(t) : t.isLeaf;
      if (isTarget) {
        result.set(t, g);
        continue;
      }
      const node = t.gradFn;
      if (!node) continue;
      engine.checkVersions(node);
      const inGrads = node.grad(g, node.inputs, t, node.inputs.map((x) => x.requiresGrad));
      node.inputs.forEach((x, i) => {
        const gx = inGrads[i];
        if (!gx || !x.requiresGrad) return;
        if (!shapesEqual(gx.shape, x.shape)) {
          throw new Error(`backward: gradient of ${node.op.name} for input ${i} has shape ${fmt(gx.shape)}, expected ${fmt(x.shape)} (nabla bug)`);
        }
        const prev = grads.get(x);
        grads.set(x, prev ? add(prev, gx) : gx);
      });
    }
  });
  return result;
}

function seedGrad(op: string, output: Tensor, gradient: Tensor | undefined): Tensor {
  if (!output.requiresGrad) {
    throw new Error(`${op}: the output ${fmt(output.shape)} does not require grad; mark an input with requiresGrad (e.g. nb.tensor(x, { requiresGrad: true }))`);
  }
  if (gradient === undefined) {
    if (output.size !== 1) {
      throw new Error(`${op}: output has shape ${fmt(output.shape)}; backward() without a gradient needs a single-element output, pass one of shape ${fmt(output.shape)}`);
    }
    return onesLike(output);
  }
  if (!(gradient instanceof Tensor)) fail(op, 'gradient', 'a Tensor (or omitted)', gradient);
  if (!shapesEqual(gradient.shape, output.shape)) {
    throw new Error(`${op}: gradient has shape ${fmt(gradient.shape)}, output has shape ${fmt(output.shape)}`);
  }
  gradient.assertAlive(`${op}: gradient`);
  return gradient.dtype === output.dtype ? gradient : cast(gradient, output.dtype);
}

/** `t.backward()`: accumulates d(output)/d(leaf) into every reachable leaf's `.grad`. */
export function backward(output: Tensor, gradient: Tensor | undefined, opts: { createGraph?: boolean } | undefined): void {
  output.assertAlive('backward');
  const o = checkOptions('backward', opts, ['createGraph']);
  const createGraph = optBoolean('backward', 'options.createGraph', o.createGraph, false);
  // Intermediate gradients are disposed on the way unless a graph of them is being built.
  const run = (): [Tensor, Tensor][] => [...propagate(output, null, seedGrad('backward', output, gradient), createGraph)];
  const leafGrads = createGraph ? run() : engine.tidy(run);
  // One gradient tensor may reach several leaves (add's rule passes dy to both sides): each leaf
  // gets a tensor of its own, so that disposing or accumulating one never touches another.
  const used = new Set<Tensor>(); // tensors now serving as some leaf's .grad
  for (const [leaf, g] of leafGrads) {
    const prev = leaf.grad && !leaf.grad.isDisposed ? leaf.grad : null;
    let next: Tensor;
    if (prev) {
      next = engine.withGrad(createGraph, () => add(prev, g));
      if (!createGraph) prev.dispose();
    } else if (g === gradient || used.has(g)) {
      next = engine.withGrad(createGraph, () => g.clone());
    } else {
      next = g;
    }
    used.add(next);
    leaf.grad = engine.keep(next);
  }
  // Gradients that were added into an existing .grad (or copied) are no longer needed.
  if (!createGraph) for (const [, g] of leafGrads) if (!used.has(g) && g !== gradient) g.dispose();
}

/** Gradients of `output` with respect to each of `inputs` (zeros where unreachable). */
export function gradients(output: Tensor, inputs: readonly Tensor[], gradient?: Tensor, createGraph = false, op = 'grad'): Tensor[] {
  const run = (): Tensor[] => {
    const m = propagate(output, inputs, seedGrad(op, output, gradient), createGraph);
    return inputs.map((x) => {
      const g = m.get(x);
      if (!g) return engine.noGrad(() => zerosLike(x));
      return g === gradient ? g.clone() : g;
    });
  };
  return createGraph ? run() : engine.tidy(run);
}
