/**
 * Padding modes beyond a constant: `reflect`, `replicate` and `circular` (PyTorch's `F.pad`
 * modes). Each padded axis is one `gather` with a precomputed index vector, so the op needs no
 * kernel of its own, runs on every backend, and differentiates (to any order) through gather's
 * rule: the gradient of a padded cell flows back, summed, to the cell it copies.
 */
import { scoped } from '../engine.js';
import { defineOp } from '../registry.js';
import type { Tensor } from '../tensor/tensor.js';
import { fromArray } from '../tensor/creation.js';
import { checkSize, fmt } from '../tensor/shape.js';
import { checkOneOf, describe, fail } from '../validate.js';
import { gather } from './indexing.js';
import { pad } from './shape.js';
import { assertTensor } from './util.js';

const F = 'padding';

/** How `pad` fills the new cells: a constant, the mirror image without the edge (`reflect`), the edge value (`replicate`) or the wrapped-around other side (`circular`). */
export type PadMode = 'constant' | 'reflect' | 'replicate' | 'circular';
export const PAD_MODES: readonly PadMode[] = ['constant', 'reflect', 'replicate', 'circular'];

/** `pad(x, pads, { mode, value })`: `value` is the constant of mode 'constant' (default 0). */
export interface PadOptions {
  mode?: PadMode;
  value?: number;
}

/** The source index of every cell of one axis of length `d` padded by [before, after]. */
function sourceIndices(mode: Exclude<PadMode, 'constant'>, d: number, before: number, after: number): Int32Array {
  const out = new Int32Array(d + before + after);
  for (let i = 0; i < out.length; i++) {
    const j = i - before;
    let s: number;
    if (mode === 'replicate') s = Math.min(Math.max(j, 0), d - 1);
    else if (mode === 'circular') s = ((j % d) + d) % d;
    else {
      // reflect about the edge cells (which are not repeated): period 2(d − 1)
      const period = 2 * (d - 1);
      const r = period === 0 ? 0 : ((j % period) + period) % period;
      s = r < d ? r : period - r;
    }
    out[i] = s;
  }
  return out;
}

/**
 * Pads `x` with `pads[i] = [before, after]` per axis, filling by `mode`: 'constant' (`value`,
 * default 0), 'reflect' (x[1], x[2], … mirrored about the edge; each pad must be smaller than the
 * axis), 'replicate' (the edge value; the axis must not be empty) or 'circular' (wraps around;
 * each pad at most the axis length). Values and gradients match PyTorch's `F.pad`.
 */
export function padMode(x: Tensor, pads: readonly (readonly [number, number])[], mode: PadMode = 'constant', value = 0): Tensor {
  return padWith('padMode', x, pads, mode, value);
}

/** padMode under the name of the function the user called (pad, padMode, a layer). */
export function padWith(op: string, x: Tensor, pads: readonly (readonly [number, number])[], mode: PadMode, value: number): Tensor {
  assertTensor(x, op, 'x');
  const m = checkOneOf(op, 'mode', mode, PAD_MODES);
  if (typeof value !== 'number') fail(op, 'value', 'a number', value);
  if (!Array.isArray(pads)) throw new Error(`${op}: pads must be an array of [before, after] pairs, one per axis of x ${fmt(x.shape)}, got ${describe(pads)}`);
  if (pads.length !== x.rank) throw new Error(`${op}: pads has ${pads.length} entries, x ${fmt(x.shape)} has ${x.rank} axes`);
  for (const p of pads) {
    if (!Array.isArray(p) || p.length !== 2 || !p.every((v) => Number.isSafeInteger(v) && v >= 0)) {
      throw new Error(`${op}: each pad must be [before, after] with non-negative integers, got ${Array.isArray(p) ? `[${p.join(',')}]` : describe(p)}`);
    }
  }
  if (m === 'constant') return pad(x, pads, value);
  pads.forEach(([b, a], i) => {
    const d = x.shape[i] as number;
    if (b === 0 && a === 0) return;
    const why =
      m === 'reflect' && (b >= d || a >= d) ? `must be smaller than the axis (${d}) in mode 'reflect'`
      : m === 'circular' && (b > d || a > d) ? `must be at most the axis length (${d}) in mode 'circular'`
      : m === 'replicate' && d === 0 ? `needs a non-empty axis in mode 'replicate'`
      : d === 0 ? `needs a non-empty axis in mode '${m}'` : '';
    if (why) throw new Error(`${op}: pad [${b},${a}] of axis ${i} ${why}: x is ${fmt(x.shape)}`);
  });
  checkSize(op, x.shape.map((d, i) => d + pads[i]![0] + pads[i]![1]));
  return scoped(() => {
    let y = x;
    pads.forEach(([b, a], i) => {
      if (b === 0 && a === 0) return;
      const idx = fromArray(sourceIndices(m, x.shape[i] as number, b, a), undefined, { backend: x.backend.name });
      y = gather(y, idx, i);
    });
    return y === x ? pad(x, pads) : y;
  });
}
defineOp({ name: 'padMode', kernels: [], grad: 'composite', family: F });
