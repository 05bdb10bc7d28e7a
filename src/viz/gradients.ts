/**
 * The vanishing gradient through time, measured: how strongly a recurrent layer's last output
 * depends on each input step, ‖∂L/∂x_t‖, and a chart of it.
 */
import { Tensor } from '../tensor/tensor.js';
import { fmt } from '../tensor/shape.js';
import { tidy } from '../engine.js';
import * as ops from '../ops/index.js';
import { Module, type AnyModule } from '../nn/module.js';
import { checkOptions, checkString, fail } from '../validate.js';
import { lineChart, type ChartOptions } from './chart.js';

/**
 * For a sequence layer (`nn.rnn`, `nn.lstm`, `nn.gru`, or any module whose first output is
 * [batch, time, features] or its last step [batch, features]) and a batch-first input x
 * [batch, time, input]: ‖∂L/∂x_t‖ for every step t, where L = Σ y_T (the sum of the last step's
 * outputs over the batch and the features) depends on the last output only. The norm at t is
 * taken over the batch and the input features. The layer's parameter gradients are left as
 * they were (no gradient is accumulated into them).
 */
export function gradientNormsThroughTime(layer: AnyModule, x: Tensor): number[] {
  const op = 'gradientNormsThroughTime';
  if (!(layer instanceof Module)) fail(op, 'layer', 'a Module (a recurrent layer)', layer);
  if (!(x instanceof Tensor)) fail(op, 'x', 'a Tensor [batch, time, features]', x);
  x.assertAlive(`${op}: x`);
  if (x.rank !== 3 || x.shape[0] === 0 || x.shape[1] === 0) fail(op, 'x', 'a Tensor [batch, time, features] with batch, time ≥ 1', x);
  if (x.dtype !== 'float32' && x.dtype !== 'float64') throw new Error(`${op}: x must be float32 or float64, got ${x.dtype} ${fmt(x.shape)}`);
  const T = x.shape[1] as number;
  // Parameters stop requiring gradients meanwhile, so that none accumulates into them.
  const params = layer.parameters();
  const flags = params.map((p) => p.requiresGrad);
  for (const p of params) p.requireGrad(false);
  try {
    return tidy(() => {
      const xi = x.detach().clone().requireGrad();
      const out: unknown = layer.call(xi);
      const y = out instanceof Tensor ? out : Array.isArray(out) && out[0] instanceof Tensor ? out[0] : null;
      if (!y) throw new Error(`${op}: the layer must return a Tensor or an array whose first element is a Tensor (its outputs), got ${out === null ? 'null' : typeof out}`);
      if (y.rank !== 2 && y.rank !== 3) throw new Error(`${op}: the layer's output must be [batch, time, features] or [batch, features], got ${fmt(y.shape)}`);
      const last = y.rank === 3 ? ops.slice(y, [0, (y.shape[1] as number) - 1, 0], [y.shape[0] as number, 1, y.shape[2] as number]) : y;
      ops.sum(last).backward();
      const g = xi.grad;
      if (!g) return new Array<number>(T).fill(0);
      const norms = ops.sqrt(ops.sum(ops.square(g), [0, 2]));
      return Array.from(norms.dataSync() as ArrayLike<number>, Number);
    });
  } finally {
    params.forEach((p, i) => p.requireGrad(flags[i]));
  }
}

/**
 * The per-step gradient norms of several layers (`{ name: gradientNormsThroughTime(...) }`) as
 * a line chart on a log scale over the time step t (0 = the first input).
 */
export function gradientNormsChart(norms: Readonly<Record<string, readonly number[]>>, opts: Pick<ChartOptions, 'title' | 'width' | 'height'> = {}): string {
  const op = 'gradientNormsChart';
  if (norms === null || typeof norms !== 'object' || Array.isArray(norms)) fail(op, 'norms', 'an object { name: number[] }', norms);
  const o = checkOptions(op, opts, ['title', 'width', 'height']);
  if (o.title !== undefined) checkString(op, 'title', o.title);
  const series = Object.entries(norms).map(([name, values]) => {
    if (!Array.isArray(values)) fail(op, `norms.${name}`, 'an array of numbers', values);
    return { name, values, x: values.map((_, t) => t) };
  });
  return lineChart(series, {
    title: o.title ?? '‖∂L/∂x_t‖: how much the last output depends on step t',
    xLabel: 'time step t', yLabel: '‖∂L/∂x_t‖ (log scale)', logY: true, ...(o.width !== undefined ? { width: o.width } : {}), ...(o.height !== undefined ? { height: o.height } : {}),
  });
}
