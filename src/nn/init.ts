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
import { checkArrayOf, checkFunction, checkInt, checkNumber, checkOneOf, checkOptions, fail, optNumber } from '../validate.js';
import { checkObject } from './checks.js';

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
  checkNumber('init.withoutInitialization', 'maxElements', maxElements, { min: 0, infinite: true });
  checkFunction('init.withoutInitialization', 'fn', fn);
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

type Draw = (shape: readonly number[], fans: Fans, dtype: FloatDType) => Tensor;

/** An initializer whose `create` checks its arguments (named `init.<kind>.create`) before drawing. */
function make(config: InitConfig, draw: Draw): Initializer {
  const op = `init.${config.kind}.create`;
  return {
    config,
    create(shape: readonly number[], fans: Fans, dtype?: FloatDType): Tensor {
      const s = checkArrayOf(op, 'shape', shape, (n, v) => checkInt(op, n, v, { min: 0 }));
      const f = checkObject(op, 'fans', fans);
      const fanIn = checkNumber(op, 'fans.fanIn', f.fanIn, { above: 0 });
      const fanOut = checkNumber(op, 'fans.fanOut', f.fanOut, { above: 0 });
      const dt = dtype === undefined ? 'float32' : checkOneOf(op, 'dtype', dtype, ['float32', 'float64'] as const);
      return initialValue(s, dt, () => draw(s, { fanIn, fanOut }, dt));
    },
  };
}

const MODES = ['fanIn', 'fanAvg'] as const;

/** Every value = `value` (e.g. 0 for biases, or the lectures' 0.1). */
export function constant(value: number): Initializer {
  checkNumber('init.constant', 'value', value);
  return make({ kind: 'constant', value }, (shape, _f, dtype) => full(shape, value, { dtype }));
}
export const zeros = (): Initializer => constant(0);
export const ones = (): Initializer => constant(1);

/** Gaussian N(mean, std²), e.g. `normal(0.2)` for the lectures' N(0, 0.2) sigmoid networks. */
export function normal(std = 0.05, mean = 0): Initializer {
  checkNumber('init.normal', 'std', std, { above: 0 });
  checkNumber('init.normal', 'mean', mean);
  return make({ kind: 'normal', mean, std }, (shape, _f, dtype) => randn(shape, { dtype, mean, std }));
}

/** Uniform on [low, high). */
export function uniform(low = -0.05, high = 0.05): Initializer {
  checkNumber('init.uniform', 'low', low);
  checkNumber('init.uniform', 'high', high);
  if (!(high > low)) throw new Error(`init.uniform: high (${high}) must exceed low (${low})`);
  return make({ kind: 'uniform', low, high }, (shape, _f, dtype) => rand(shape, { dtype, low, high }));
}

function xavierVariance(mode: 'fanIn' | 'fanAvg', f: Fans, gain: number): number {
  return (gain * gain) * (mode === 'fanIn' ? 1 / f.fanIn : 2 / (f.fanIn + f.fanOut));
}

/**
 * Xavier/Glorot normal: variance 2/(fanIn + fanOut) (mode 'fanAvg', the default) or 1/fanIn
 * (mode 'fanIn', the lectures' first form, also called LeCun normal), times gain².
 */
export function xavierNormal(opts: { mode?: 'fanIn' | 'fanAvg'; gain?: number } = {}): Initializer {
  const { mode, gain } = xavierOptions('init.xavierNormal', opts);
  return make({ kind: 'xavierNormal', mode, gain }, (shape, f, dtype) => randn(shape, { dtype, std: Math.sqrt(xavierVariance(mode, f, gain)) }));
}

function xavierOptions(op: string, opts: { mode?: 'fanIn' | 'fanAvg'; gain?: number } | undefined): { mode: 'fanIn' | 'fanAvg'; gain: number } {
  const o = checkOptions(op, opts, ['mode', 'gain']);
  return { mode: o.mode === undefined ? 'fanAvg' : checkOneOf(op, 'mode', o.mode, MODES), gain: optNumber(op, 'gain', o.gain, 1, { above: 0 }) };
}

function gainOf(op: string, opts: { gain?: number } | undefined): number {
  return optNumber(op, 'gain', checkOptions(op, opts, ['gain']).gain, 1, { above: 0 });
}

/** Xavier/Glorot uniform: U(−a, a) with a = √(3·variance), the variance as in xavierNormal. */
export function xavierUniform(opts: { mode?: 'fanIn' | 'fanAvg'; gain?: number } = {}): Initializer {
  const { mode, gain } = xavierOptions('init.xavierUniform', opts);
  return make({ kind: 'xavierUniform', mode, gain }, (shape, f, dtype) => {
    const a = Math.sqrt(3 * xavierVariance(mode, f, gain));
    return rand(shape, { dtype, low: -a, high: a });
  });
}
export const glorotNormal = (): Initializer => xavierNormal();
export const glorotUniform = (): Initializer => xavierUniform();

/** He/MSRA normal: N(0, 2/fanIn) (times gain²), for ReLU networks. */
export function heNormal(opts: { gain?: number } = {}): Initializer {
  const gain = gainOf('init.heNormal', opts);
  return make({ kind: 'heNormal', gain }, (shape, f, dtype) => randn(shape, { dtype, std: gain * Math.sqrt(2 / f.fanIn) }));
}

/** He/MSRA uniform: U(−a, a) with a = √(6/fanIn) (variance 2/fanIn), times gain. */
export function heUniform(opts: { gain?: number } = {}): Initializer {
  const gain = gainOf('init.heUniform', opts);
  return make({ kind: 'heUniform', gain }, (shape, f, dtype) => {
    const a = gain * Math.sqrt(6 / f.fanIn);
    return rand(shape, { dtype, low: -a, high: a });
  });
}

/** Rebuilds an initializer from its `config`. */
export function fromConfig(c: InitConfig): Initializer {
  checkObject('init.fromConfig', 'config', c);
  checkOneOf('init.fromConfig', 'config.kind', c.kind, KINDS);
  switch (c.kind) {
    case 'constant': return constant(c.value);
    case 'normal': return normal(c.std, c.mean);
    case 'uniform': return uniform(c.low, c.high);
    case 'xavierNormal': return xavierNormal({ mode: c.mode, gain: c.gain });
    case 'xavierUniform': return xavierUniform({ mode: c.mode, gain: c.gain });
    case 'heNormal': return heNormal({ gain: c.gain });
    case 'heUniform': return heUniform({ gain: c.gain });
  }
}

const KINDS = ['constant', 'normal', 'uniform', 'xavierNormal', 'xavierUniform', 'heNormal', 'heUniform'] as const;
const NAMES = ['zeros', 'ones', 'glorotNormal', 'glorotUniform', 'xavierNormal', 'xavierUniform', 'heNormal', 'heUniform', 'lecunNormal'] as const;

/** A name or an initializer: 'zeros', 'ones', 'glorotNormal', 'glorotUniform', 'heNormal', 'heUniform', 'lecunNormal'. */
export type InitializerName = 'zeros' | 'ones' | 'glorotNormal' | 'glorotUniform' | 'xavierNormal' | 'xavierUniform' | 'heNormal' | 'heUniform' | 'lecunNormal';
export type InitArg = Initializer | InitializerName | number;

/**
 * Resolves an initializer argument: an initializer, a name, or a number (constant). `op` and
 * `argName` name the caller's function and argument in errors (e.g. `linear`, `init`).
 */
export function resolve(arg: InitArg | undefined, dflt: () => Initializer, op = 'init', argName = 'init'): Initializer {
  if (arg === undefined) return dflt();
  if (typeof arg === 'number') {
    if (!Number.isFinite(arg)) fail(op, argName, 'an initializer, an initializer name or a finite number', arg);
    return constant(arg);
  }
  if (typeof arg === 'string') {
    switch (checkOneOf(op, argName, arg, NAMES)) {
      case 'zeros': return zeros();
      case 'ones': return ones();
      case 'glorotNormal': case 'xavierNormal': return xavierNormal();
      case 'glorotUniform': case 'xavierUniform': return xavierUniform();
      case 'heNormal': return heNormal();
      case 'heUniform': return heUniform();
      case 'lecunNormal': return xavierNormal({ mode: 'fanIn' });
    }
  }
  const a = arg as unknown;
  if (a === null || typeof a !== 'object' || typeof (a as Partial<Initializer>).create !== 'function') {
    fail(op, argName, 'an initializer, an initializer name or a number', a);
  }
  return arg;
}
