/**
 * Run-time checks of arguments and options, shared by every public function.
 *
 * TypeScript types vanish at run time, and JavaScript coerces silently ('1' + 2 is '12', null
 * is 0 in arithmetic), so each public entry point checks the runtime type and range of what it
 * is given with these helpers. Every message has one shape:
 *
 *     <function>: <argument> must be <what>, got <what it got>
 *
 * e.g. `linspace: start must be a finite number, got string "1"`. The helpers return the checked
 * value narrowed to its type, so a call site reads `const n = checkInt('linspace', 'num', num, { min: 0 })`.
 */
import { DTYPES, type DType } from './tensor/dtype.js';

const MAX_SHOWN = 40;

/** A short, safe description of any value for an error message. */
export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  switch (typeof v) {
    case 'number': return Number.isNaN(v) ? 'NaN' : String(v);
    case 'string': return `string ${JSON.stringify(v.length > MAX_SHOWN ? `${v.slice(0, MAX_SHOWN)}…` : v)}`;
    case 'boolean': return `boolean ${v}`;
    case 'bigint': return `bigint ${v}n`;
    case 'symbol': return 'a symbol';
    case 'function': return 'a function';
  }
  if (Array.isArray(v)) {
    const items = v.slice(0, 8).map((x) => (typeof x === 'number' ? String(x) : typeof x === 'string' ? JSON.stringify(x) : x === null ? 'null' : typeof x));
    return `an array [${items.join(',')}${v.length > 8 ? ',…' : ''}] of length ${v.length}`;
  }
  if (ArrayBuffer.isView(v)) return `a ${v.constructor.name} of length ${(v as unknown as ArrayLike<unknown>).length ?? v.byteLength}`;
  const ctor = (v as { constructor?: { name?: string } }).constructor?.name;
  if (ctor === 'Tensor') {
    const t = v as { shape?: readonly number[]; dtype?: string };
    return `a Tensor [${(t.shape ?? []).join(',')}] ${t.dtype ?? ''}`.trimEnd();
  }
  return ctor && ctor !== 'Object' ? `a ${ctor}` : 'an object';
}

/** Throws `<op>: <arg> must be <what>, got <describe(v)>`. */
export function fail(op: string, arg: string, what: string, v: unknown): never {
  throw new Error(`${op}: ${arg} must be ${what}, got ${describe(v)}`);
}

export interface NumberRange {
  /** Smallest allowed value (inclusive). */
  min?: number;
  /** Largest allowed value (inclusive). */
  max?: number;
  /** Values must be strictly greater than this. */
  above?: number;
  /** Values must be strictly less than this. */
  below?: number;
  /** Allow ±Infinity (never NaN). Default false. */
  infinite?: boolean;
}

function rangeText(r: NumberRange): string {
  const parts: string[] = [];
  if (r.min !== undefined) parts.push(`≥ ${r.min}`);
  if (r.above !== undefined) parts.push(`> ${r.above}`);
  if (r.max !== undefined) parts.push(`≤ ${r.max}`);
  if (r.below !== undefined) parts.push(`< ${r.below}`);
  return parts.length ? ` ${parts.join(' and ')}` : '';
}

function inRange(v: number, r: NumberRange): boolean {
  return (r.min === undefined || v >= r.min) && (r.max === undefined || v <= r.max)
    && (r.above === undefined || v > r.above) && (r.below === undefined || v < r.below);
}

/** A number (finite unless `range.infinite`) within `range`; never a string, null or NaN. */
export function checkNumber(op: string, arg: string, v: unknown, range: NumberRange = {}): number {
  const finite = typeof v === 'number' && (range.infinite ? !Number.isNaN(v) : Number.isFinite(v));
  if (!finite || !inRange(v, range)) fail(op, arg, `a${range.infinite ? '' : ' finite'} number${rangeText(range)}`, v);
  return v;
}

/** An integer (a safe one) within `range`. */
export function checkInt(op: string, arg: string, v: unknown, range: NumberRange = {}): number {
  if (!Number.isSafeInteger(v) || !inRange(v as number, range)) fail(op, arg, `an integer${rangeText(range)}`, v);
  return v as number;
}

/** `undefined` passes through as `fallback`; anything else is checked like `checkNumber`. */
export function optNumber(op: string, arg: string, v: unknown, fallback: number, range: NumberRange = {}): number {
  return v === undefined ? fallback : checkNumber(op, arg, v, range);
}

/** `undefined` passes through as `fallback`; anything else is checked like `checkInt`. */
export function optInt(op: string, arg: string, v: unknown, fallback: number, range: NumberRange = {}): number {
  return v === undefined ? fallback : checkInt(op, arg, v, range);
}

export function checkBoolean(op: string, arg: string, v: unknown): boolean {
  if (typeof v !== 'boolean') fail(op, arg, 'true or false', v);
  return v;
}

export function optBoolean(op: string, arg: string, v: unknown, fallback: boolean): boolean {
  return v === undefined ? fallback : checkBoolean(op, arg, v);
}

export function checkString(op: string, arg: string, v: unknown): string {
  if (typeof v !== 'string') fail(op, arg, 'a string', v);
  return v;
}

/** One of a fixed set of strings. */
export function checkOneOf<T extends string>(op: string, arg: string, v: unknown, choices: readonly T[]): T {
  if (typeof v !== 'string' || !(choices as readonly string[]).includes(v)) fail(op, arg, `one of ${choices.map((c) => `'${c}'`).join(', ')}`, v);
  return v as T;
}

export function checkDType(op: string, arg: string, v: unknown): DType {
  return checkOneOf(op, arg, v, DTYPES);
}

export function optDType(op: string, arg: string, v: unknown): DType | undefined {
  return v === undefined ? undefined : checkDType(op, arg, v);
}

export function checkFunction<F extends (...args: never[]) => unknown>(op: string, arg: string, v: unknown): F {
  if (typeof v !== 'function') fail(op, arg, 'a function', v);
  return v as F;
}

/**
 * An options object: `undefined` becomes `{}`; anything but a plain object (null, a number, an
 * array, a Tensor) is refused. With `known`, a misspelt key is refused too, naming the keys allowed.
 */
export function checkOptions<T extends object>(op: string, v: T | undefined, known?: readonly string[], arg = 'options'): T {
  if (v === undefined) return {} as T;
  if (v === null || typeof v !== 'object' || Array.isArray(v) || !isPlainObject(v)) fail(op, arg, 'an object', v);
  if (known) {
    for (const k of Object.keys(v)) {
      if (!known.includes(k)) throw new Error(`${op}: unknown option '${k}' in ${arg}; known options: ${known.join(', ')}`);
    }
  }
  return v;
}

function isPlainObject(v: object): boolean {
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/** An array (of any items; check them with `checkArrayOf` or by hand). */
export function checkArray(op: string, arg: string, v: unknown): readonly unknown[] {
  if (!Array.isArray(v)) fail(op, arg, 'an array', v);
  return v;
}

/** An array whose every item passes `item` (given the item's name, e.g. `shape[2]`). */
export function checkArrayOf<T>(op: string, arg: string, v: unknown, item: (name: string, x: unknown) => T): T[] {
  return checkArray(op, arg, v).map((x, i) => item(`${arg}[${i}]`, x));
}
