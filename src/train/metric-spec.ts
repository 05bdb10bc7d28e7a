/**
 * What `fit`'s and `evaluate`'s `metrics` option takes, turned into Metric objects.
 */
import { Tensor } from '../tensor/tensor.js';
import { fail, optInt } from '../validate.js';
import { METRIC_NAMES, accuracy, f1, fromFunction, mae, mse, precision, r2, recall, topKAccuracy, type Metric, type MetricFn, type MetricName } from './metrics.js';

/** The built-in metric a name or `{ topK }` selects (`threshold` for the thresholded ones). */
export function resolveMetric(op: string, arg: string, v: unknown, threshold: number): Metric {
  if (typeof v === 'string' && (METRIC_NAMES as readonly string[]).includes(v)) {
    const name = v as MetricName;
    if (name === 'accuracy') return accuracy({ threshold });
    if (name === 'precision') return precision({ threshold });
    if (name === 'recall') return recall({ threshold });
    if (name === 'f1') return f1({ threshold });
    if (name === 'topKAccuracy') return topKAccuracy();
    return name === 'mae' ? mae() : name === 'mse' ? mse() : r2();
  }
  if (typeof v === 'function') return fromFunction(v as MetricFn);
  if (v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Tensor)) {
    const o = v as Partial<Metric> & { topK?: unknown };
    if ('topK' in o && Object.keys(o).length === 1) {
      const k = optInt(op, `${arg}.topK`, o.topK, 5, { min: 1 });
      return topKAccuracy({ k });
    }
    if (typeof o.name === 'string' && o.name !== '' && typeof o.update === 'function' && typeof o.result === 'function' && typeof o.reset === 'function') return o as Metric;
  }
  return fail(op, arg, `one of ${METRIC_NAMES.map((n) => `'${n}'`).join(', ')}, { topK: k }, a Metric (name, reset, update, result) or a function (pred, target) => number`, v);
}

/** Metrics from `fit`'s or `evaluate`'s option, with names that are unique and not the loss's. */
export function resolveMetrics(op: string, v: unknown, threshold: number): Metric[] | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v)) fail(op, 'metrics', 'an array', v);
  const out: Metric[] = [];
  const names = new Set(['loss', 'lr', 'seconds', 'samplesPerSecond', 'samples', 'epoch', 'batch', 'size']);
  v.forEach((x, i) => {
    const m = resolveMetric(op, `metrics[${i}]`, x, threshold);
    if (names.has(m.name) || m.name.startsWith('val_')) throw new Error(`${op}: metrics[${i}]: the name '${m.name}' is taken; give the metric another name`);
    names.add(m.name);
    out.push(m);
  });
  return out;
}
