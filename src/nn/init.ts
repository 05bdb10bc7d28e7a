/**
 * Weight initializers (SCOPE §6). Each is a small object: `create(shape, fans, dtype)` draws the
 * values from the global seeded generator (`nb.seed`), and `config` is its JSON description, so
 * a layer's `config()` can record how it was initialized.
 *
 * Fans: for a linear weight [in, out], fanIn = in and fanOut = out; for a conv filter
 * [out, in/groups, kH, kW], fanIn = in/groups·kH·kW and fanOut = out/groups·kH·kW.
 */
import type { Tensor } from '../tensor/tensor.js';
import { full, rand, randn } from '../tensor/creation.js';
import { fmt } from '../tensor/shape.js';

export type FloatDType = 'float32' | 'float64';

export interface Fans {
  fanIn: number;
  fanOut: number;
}

export type InitConfig =
  | { kind: 'constant'; value: number }
  | { kind: 'normal'; mean: number; std: number }
  | { kind: 'uniform'; low: number; high: number }
  | { kind: 'xavierNormal'; mode: 'fanIn' | 'fanAvg'; gain: number }
  | { kind: 'xavierUniform'; mode: 'fanIn' | 'fanAvg'; gain: number }
  | { kind: 'heNormal'; gain: number }
  | { kind: 'heUniform'; gain: number };

export interface Initializer {
  readonly config: InitConfig;
  create(shape: readonly number[], fans: Fans, dtype?: FloatDType): Tensor;
}

// ---------------------------------------------------------------------------------------------
// Building modules whose weights are about to be overwritten (loading a saved model).

interface SkipScope {
  readonly maxElements: number;
  used: number;
  readonly created: Tensor[];
}
let skipping: SkipScope | null = null;

/** Thrown inside `withoutInitialization` when the parameters would exceed its `maxElements`. */
export class ParameterBudgetError extends Error {
  constructor(
    readonly shape: readonly number[],
    readonly maxElements: number,
    readonly used: number,
  ) {
    super(`init: a parameter of shape ${fmt(shape)} would bring the parameters to more than the ${maxElements} values allowed here (${used} created so far)`);
    this.name = 'ParameterBudgetError';
  }
}

/**
 * Runs `fn` (typically `nn.fromConfig`) so that every parameter it creates is zero-filled instead
 * of initialized (no random values are drawn), and so that the parameters together hold at most
 * `maxElements` values: a parameter that would exceed it throws a ParameterBudgetError before
 * anything is allocated. `nb.io` builds a stored architecture this way, with the stored values'
 * count as the limit, then overwrites the parameters. If `fn` throws, the parameters created so
 * far are disposed.
 */
export function withoutInitialization<T>(maxElements: number, fn: () => T): T {
  if (!(maxElements >= 0)) throw new Error(`init.withoutInitialization: maxElements must be a non-negative number, got ${maxElements}`);
  const outer = skipping;
  const scope: SkipScope = { maxElements, used: 0, created: [] };
  skipping = scope;
  try {
    return fn();
  } catch (e) {
    for (const t of scope.created) if (!t.isDisposed) t.dispose();
    throw e;
  } finally {
    skipping = outer;
  }
}

/**
 * A new parameter's initial value: `make()`, or zeros of `shape` inside `withoutInitialization`
 * (after checking its budget). Initializers and layers that fill their parameters themselves
 * create them through this.
 */
export function initialValue(shape: readonly number[], dtype: FloatDType, make: () => Tensor): Tensor {
  const scope = skipping;
  if (!scope) return make();
  let n = 1;
  for (const d of shape) n *= d;
  if (!(n <= scope.maxElements - scope.used)) throw new ParameterBudgetError(shape, scope.maxElements, scope.used);
  scope.used += n;
  const t = full(shape, 0, { dtype });
  scope.created.push(t);
  return t;
}

function check(name: string, v: number, positive = false): void {
  if (!Number.isFinite(v) || (positive && !(v > 0))) throw new Error(`init.${name}: expected a ${positive ? 'positive ' : ''}finite number, got ${v}`);
}

/** Every value = `value` (e.g. 0 for biases, or the lectures' 0.1). */
export function constant(value: number): Initializer {
  check('constant', value);
  return { config: { kind: 'constant', value }, create: (shape, _f, dtype = 'float32') => initialValue(shape, dtype, () => full(shape, value, { dtype })) };
}
export const zeros = (): Initializer => constant(0);
export const ones = (): Initializer => constant(1);

/** Gaussian N(mean, std²), e.g. `normal(0.2)` for the lectures' N(0, 0.2) sigmoid networks. */
export function normal(std = 0.05, mean = 0): Initializer {
  check('normal', std, true);
  check('normal', mean);
  return { config: { kind: 'normal', mean, std }, create: (shape, _f, dtype = 'float32') => initialValue(shape, dtype, () => randn(shape, { dtype, mean, std })) };
}

/** Uniform on [low, high). */
export function uniform(low = -0.05, high = 0.05): Initializer {
  if (!(high > low)) throw new Error(`init.uniform: high (${high}) must exceed low (${low})`);
  return { config: { kind: 'uniform', low, high }, create: (shape, _f, dtype = 'float32') => initialValue(shape, dtype, () => rand(shape, { dtype, low, high })) };
}

function xavierVariance(mode: 'fanIn' | 'fanAvg', f: Fans, gain: number): number {
  return (gain * gain) * (mode === 'fanIn' ? 1 / f.fanIn : 2 / (f.fanIn + f.fanOut));
}

/**
 * Xavier/Glorot normal: variance 2/(fanIn + fanOut) (mode 'fanAvg', the default) or 1/fanIn
 * (mode 'fanIn', the lectures' first form, also called LeCun normal), times gain².
 */
export function xavierNormal(opts: { mode?: 'fanIn' | 'fanAvg'; gain?: number } = {}): Initializer {
  const mode = opts.mode ?? 'fanAvg';
  const gain = opts.gain ?? 1;
  check('xavierNormal', gain, true);
  return {
    config: { kind: 'xavierNormal', mode, gain },
    create: (shape, f, dtype = 'float32') => initialValue(shape, dtype, () => randn(shape, { dtype, std: Math.sqrt(xavierVariance(mode, f, gain)) })),
  };
}

/** Xavier/Glorot uniform: U(−a, a) with a = √(3·variance), the variance as in xavierNormal. */
export function xavierUniform(opts: { mode?: 'fanIn' | 'fanAvg'; gain?: number } = {}): Initializer {
  const mode = opts.mode ?? 'fanAvg';
  const gain = opts.gain ?? 1;
  check('xavierUniform', gain, true);
  return {
    config: { kind: 'xavierUniform', mode, gain },
    create: (shape, f, dtype = 'float32') => {
      const a = Math.sqrt(3 * xavierVariance(mode, f, gain));
      return initialValue(shape, dtype, () => rand(shape, { dtype, low: -a, high: a }));
    },
  };
}
export const glorotNormal = (): Initializer => xavierNormal();
export const glorotUniform = (): Initializer => xavierUniform();

/** He/MSRA normal: N(0, 2/fanIn) (times gain²), for ReLU networks. */
export function heNormal(opts: { gain?: number } = {}): Initializer {
  const gain = opts.gain ?? 1;
  check('heNormal', gain, true);
  return { config: { kind: 'heNormal', gain }, create: (shape, f, dtype = 'float32') => initialValue(shape, dtype, () => randn(shape, { dtype, std: gain * Math.sqrt(2 / f.fanIn) })) };
}

/** He/MSRA uniform: U(−a, a) with a = √(6/fanIn) (variance 2/fanIn), times gain. */
export function heUniform(opts: { gain?: number } = {}): Initializer {
  const gain = opts.gain ?? 1;
  check('heUniform', gain, true);
  return {
    config: { kind: 'heUniform', gain },
    create: (shape, f, dtype = 'float32') => {
      const a = gain * Math.sqrt(6 / f.fanIn);
      return initialValue(shape, dtype, () => rand(shape, { dtype, low: -a, high: a }));
    },
  };
}

/** Rebuilds an initializer from its `config`. */
export function fromConfig(c: InitConfig): Initializer {
  switch (c.kind) {
    case 'constant': return constant(c.value);
    case 'normal': return normal(c.std, c.mean);
    case 'uniform': return uniform(c.low, c.high);
    case 'xavierNormal': return xavierNormal(c);
    case 'xavierUniform': return xavierUniform(c);
    case 'heNormal': return heNormal(c);
    case 'heUniform': return heUniform(c);
    default: throw new Error(`init.fromConfig: unknown initializer ${JSON.stringify(c)}`);
  }
}

/** A name or an initializer: 'zeros', 'ones', 'glorotNormal', 'glorotUniform', 'heNormal', 'heUniform', 'lecunNormal'. */
export type InitializerName = 'zeros' | 'ones' | 'glorotNormal' | 'glorotUniform' | 'xavierNormal' | 'xavierUniform' | 'heNormal' | 'heUniform' | 'lecunNormal';
export type InitArg = Initializer | InitializerName | number;

/** Resolves an initializer argument: an initializer, a name, or a number (constant). */
export function resolve(arg: InitArg | undefined, dflt: () => Initializer): Initializer {
  if (arg === undefined) return dflt();
  if (typeof arg === 'number') return constant(arg);
  if (typeof arg === 'string') {
    switch (arg) {
      case 'zeros': return zeros();
      case 'ones': return ones();
      case 'glorotNormal': case 'xavierNormal': return xavierNormal();
      case 'glorotUniform': case 'xavierUniform': return xavierUniform();
      case 'heNormal': return heNormal();
      case 'heUniform': return heUniform();
      case 'lecunNormal': return xavierNormal({ mode: 'fanIn' });
      default: throw new Error(`init: unknown initializer '${String(arg)}'`);
    }
  }
  if (typeof arg.create !== 'function') throw new Error(`init: expected an initializer, a name or a number`);
  return arg;
}
