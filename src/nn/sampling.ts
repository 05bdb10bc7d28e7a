/**
 * Drawing tokens from a model's output scores: `sampleCategorical(logits, { temperature, topK, rng })`,
 * the sampler of generative sequence models (a character LSTM writing names or prose).
 *
 * Sampling is not differentiable and runs on the host: the logits are read once, each row is
 * divided by the temperature, cut to its k largest scores, turned into probabilities with a stable
 * softmax and sampled by inverse CDF with one uniform draw from `rng` (or nabla's global
 * generator, `nb.seed`). The same generator state gives the same tokens on every backend whose
 * logits agree.
 */
import { fromArray } from '../tensor/creation.js';
import { Random, globalRandom } from '../tensor/random.js';
import type { Tensor } from '../tensor/tensor.js';
import { isFloat } from '../tensor/dtype.js';
import { checkInt, checkNumber, checkOptions, fail } from '../validate.js';
import { tensorArg } from './checks.js';

export interface SampleOptions {
  /**
   * Divides the logits before the softmax (default 1): below 1 sharpens the distribution (safer,
   * more repetitive text), above 1 flattens it (more varied, more mistakes); 0 is greedy decoding
   * (the largest logit, the first one on ties), and draws no random number.
   */
  temperature?: number;
  /** Keep only the k largest logits of each row (ties at the k-th value are all kept); default: all. */
  topK?: number;
  /** The random generator (default: nabla's global one, seeded by `nb.seed`). */
  rng?: Random;
}

const OP = 'sampleCategorical';

/**
 * Draws one class index per row of `logits` ([..., C], float): an int32 tensor of shape
 * `logits.shape[:-1]` (a 0-d tensor for a 1-D input: `.item()` gives the index).
 * Logits of −∞ are never drawn; NaN or +∞ logits, or a row that is all −∞, are errors.
 *
 * ```ts
 * const rng = new nb.Random(7);
 * const next = nb.nn.sampleCategorical(logits, { temperature: 0.8, topK: 5, rng }).item();
 * ```
 */
export function sampleCategorical(logits: Tensor, opts: SampleOptions = {}): Tensor {
  tensorArg(OP, 'logits', logits);
  if (!isFloat(logits.dtype)) fail(OP, 'logits', 'a float tensor of scores [..., classes]', logits);
  if (logits.rank < 1) throw new Error(`${OP}: logits must have at least 1 dimension (the classes), got a scalar`);
  const o = checkOptions(OP, opts, ['temperature', 'topK', 'rng']);
  const temperature = o.temperature === undefined ? 1 : checkNumber(OP, 'options.temperature', o.temperature, { min: 0 });
  const classes = logits.shape[logits.rank - 1] as number;
  if (classes < 1) throw new Error(`${OP}: logits must have at least one class, got shape [${logits.shape.join(',')}]`);
  const topK = o.topK === undefined ? classes : Math.min(checkInt(OP, 'options.topK', o.topK, { min: 1 }), classes);
  if (o.rng !== undefined && !(o.rng instanceof Random)) fail(OP, 'options.rng', 'an nb.Random', o.rng);
  const rng = o.rng ?? globalRandom;
  if (!logits.backend.downloadSync) throw new Error(`${OP}: logits on backend '${logits.backend.name}' cannot be read synchronously; pass await nb.toAsync(logits, 'cpu')`);
  const data = logits.dataSync();
  const rows = data.length / classes;
  const out = new Int32Array(rows);
  const p = new Float64Array(classes);
  for (let r = 0; r < rows; r++) {
    const base = r * classes;
    let best = -1;
    for (let c = 0; c < classes; c++) {
      const v = Number(data[base + c]);
      if (Number.isNaN(v) || v === Infinity) {
        throw new Error(`${OP}: logits must be finite or −∞, got ${v} at row ${r}, class ${c} (logits [${logits.shape.join(',')}])`);
      }
      if (v > -Infinity && (best < 0 || v > Number(data[base + best]))) best = c;
    }
    if (best < 0) throw new Error(`${OP}: row ${r} of logits [${logits.shape.join(',')}] is all −∞: no class can be drawn`);
    if (temperature === 0) {
      out[r] = best;
      continue;
    }
    // the k-th largest value: a class is kept when its logit is at least this
    let threshold = -Infinity;
    if (topK < classes) {
      const sorted = Array.from(data.subarray(base, base + classes), Number).sort((a, b) => b - a);
      threshold = sorted[topK - 1]!;
    }
    const max = Number(data[base + best]) / temperature;
    let total = 0;
    for (let c = 0; c < classes; c++) {
      const v = Number(data[base + c]);
      const e = v === -Infinity || v < threshold ? 0 : Math.exp(v / temperature - max);
      p[c] = e;
      total += e;
    }
    const u = rng.uniform() * total;
    let acc = 0;
    let pick = best;
    for (let c = 0; c < classes; c++) {
      if (p[c] === 0) continue;
      acc += p[c]!;
      if (u < acc) {
        pick = c;
        break;
      }
    }
    out[r] = pick;
  }
  return fromArray(out, logits.shape.slice(0, -1));
}
