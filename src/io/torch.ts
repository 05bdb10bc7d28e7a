/**
 * Loading PyTorch weights: a `state_dict()` exported as JSON by a few lines of Python
 * (docs/sequences.md shows them) loads into the nabla model with the same parameter names.
 * Browser-safe (no file system): read and parse the JSON yourself.
 */
import { Module, type AnyModule } from '../nn/module.js';
import { Linear } from '../nn/layers/linear.js';
import { tensor } from '../tensor/creation.js';
import { Tensor } from '../tensor/tensor.js';
import { dispose } from '../engine.js';
import { matrixTranspose } from '../ops/index.js';
import { fmt } from '../tensor/shape.js';
import { checkOptions, fail, optBoolean } from '../validate.js';

/** One tensor of an exported state dict: `{ shape, data }` (data flat, row-major) or nested arrays of numbers. */
export type TorchTensorJson = { shape: number[]; data: number[] } | number | NestedNumbers;
/** Nested arrays of numbers (`tensor.tolist()`). */
export type NestedNumbers = number[] | NestedNumbers[];

/** Options of `loadTorchStateDict`. */
export interface LoadTorchOptions {
  /** Every parameter of the model must be in the dict and every entry must be a parameter (default true). */
  strict?: boolean;
}

/** What `loadTorchStateDict` did: the names loaded, the model's parameters it did not find, the entries it ignored. */
export interface LoadTorchResult {
  loaded: string[];
  missing: string[];
  unexpected: string[];
}

const OP = 'loadTorchStateDict';

/** Values and shape of one entry. */
function readEntry(name: string, v: unknown): { shape: number[]; data: number[] } {
  const arg = `stateDict['${name}']`;
  if (typeof v === 'number') return { shape: [], data: [v] };
  if (Array.isArray(v)) {
    const shape: number[] = [];
    for (let a: unknown = v; Array.isArray(a); a = a[0]) shape.push(a.length);
    const data: number[] = [];
    const walk = (a: unknown, depth: number): void => {
      if (depth === shape.length) {
        if (typeof a !== 'number') fail(OP, arg, 'nested arrays of numbers of one shape', v);
        data.push(a);
        return;
      }
      if (!Array.isArray(a) || a.length !== shape[depth]) fail(OP, arg, `nested arrays of numbers of one shape (${fmt(shape)})`, v);
      for (const e of a) walk(e, depth + 1);
    };
    walk(v, 0);
    return { shape, data };
  }
  if (v !== null && typeof v === 'object') {
    const o = v as { shape?: unknown; data?: unknown };
    const shape = o.shape;
    const data = o.data;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) fail(OP, `${arg}.shape`, 'an array of integers ≥ 0', shape);
    if (!Array.isArray(data) || !data.every((d) => typeof d === 'number')) fail(OP, `${arg}.data`, 'a flat array of numbers', data);
    const n = (shape as number[]).reduce((a, b) => a * b, 1);
    if (data.length !== n) throw new Error(`${OP}: ${arg} has ${data.length} values, but its shape ${fmt(shape as number[])} holds ${n}`);
    return { shape: shape as number[], data: data as number[] };
  }
  return fail(OP, arg, '{ shape, data } or nested arrays of numbers', v);
}

/**
 * Copies a PyTorch state dict, given as JSON (`{ name: { shape, data } }` or `{ name: nested
 * arrays }`), into `model`'s parameters and buffers (batch norm's `running_mean`, `running_var`,
 * `num_batches_tracked`) of the same names. Recurrent layers, embeddings and
 * convolutions store their weights as PyTorch does; a `Linear` weight, which nabla stores as
 * [in, out], is transposed from PyTorch's [out, in]. Shapes must match; with `strict` (default)
 * the names must match both ways. Values are converted to each parameter's dtype and backend.
 */
export function loadTorchStateDict(model: AnyModule, stateDict: Record<string, unknown>, options: LoadTorchOptions = {}): LoadTorchResult {
  if (!(model instanceof Module)) fail(OP, 'model', 'a nabla Module', model);
  if (stateDict === null || typeof stateDict !== 'object' || Array.isArray(stateDict) || stateDict instanceof Tensor) fail(OP, 'stateDict', 'an object of tensors by name ({ name: { shape, data } })', stateDict);
  const o = checkOptions(OP, options, ['strict']);
  const strict = optBoolean(OP, 'strict', o.strict, true);
  const own = model.stateDict();
  const missing = Object.keys(own).filter((k) => !Object.hasOwn(stateDict, k));
  const unexpected = Object.keys(stateDict).filter((k) => !Object.hasOwn(own, k));
  if (strict && (missing.length || unexpected.length)) {
    const parts: string[] = [];
    if (missing.length) parts.push(`missing keys: ${missing.join(', ')}`);
    if (unexpected.length) parts.push(`unexpected keys: ${unexpected.join(', ')}`);
    throw new Error(`${OP}: ${parts.join('; ')} (${model.typeName} has ${Object.keys(own).join(', ') || 'no parameters'}; pass { strict: false } to load the common names)`);
  }
  // Parameters whose PyTorch layout is the transpose of nabla's: Linear weights.
  const transposed = new Set<string>();
  for (const [prefix, m] of model.namedModules()) if (m instanceof Linear) transposed.add(prefix ? `${prefix}.weight` : 'weight');
  const made: Tensor[] = [];
  const full: Record<string, Tensor> = { ...own };
  const loaded: string[] = [];
  try {
    for (const [k, p] of Object.entries(own)) {
      if (!Object.hasOwn(stateDict, k)) continue;
      const e = readEntry(k, stateDict[k]);
      const flip = transposed.has(k) && e.shape.length === 2;
      const shape = flip ? [e.shape[1] as number, e.shape[0] as number] : e.shape;
      if (shape.length !== p.rank || shape.some((d, i) => d !== p.shape[i])) {
        const torchShape = flip ? `${fmt(e.shape)} (PyTorch's [out, in] of a Linear weight [in, out])` : fmt(e.shape);
        throw new Error(`${OP}: '${k}' has shape ${torchShape}, the parameter has ${fmt(p.shape)}`);
      }
      let t = tensor(e.data, { shape: e.shape, dtype: p.dtype, backend: p.backend.name });
      made.push(t);
      if (flip) {
        t = matrixTranspose(t);
        made.push(t);
      }
      full[k] = t;
      loaded.push(k);
    }
    model.loadStateDict(full);
  } catch (err) {
    if (err instanceof Error && !err.message.startsWith(`${OP}:`)) throw new Error(`${OP}: ${err.message}`, { cause: err });
    throw err;
  } finally {
    dispose(made);
  }
  return { loaded, missing, unexpected };
}
