/** Shape ops: reshape (no copy), transpose/permute, squeeze/unsqueeze, broadcast, slice, pad, concat/stack/split, tile/repeat. */
import { apply, record, scoped } from '../engine.js';
import { defineOp } from '../registry.js';
import type { Tensor } from '../tensor/tensor.js';
import { assertIntArray, assertShape, checkSize, fmt, normAxis, shapesEqual, sizeOf, broadcastShapes } from '../tensor/shape.js';
import { checkStorable, storedValue } from '../tensor/dtype.js';
import { checkOptions, describe, fail } from '../validate.js';
import { padWith, type PadOptions } from './padding.js';
import { assertTensor, sumTo } from './util.js';

const F = 'shape';

const Reshape = defineOp({ name: 'reshape', kernels: [], grad: 'rule', family: F });
/** Same values, new shape (one entry may be −1). Shares the buffer: no copy. */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  assertTensor(x, 'reshape', 'x');
  assertIntArray(shape, 'reshape', 'shape', -1);
  const s = shape.slice();
  const unknown = s.indexOf(-1);
  if (unknown >= 0) {
    if (s.indexOf(-1, unknown + 1) >= 0) throw new Error(`reshape: only one dimension may be -1, got ${fmt(shape)}`);
    const known = sizeOf(s.filter((d) => d !== -1));
    if (known === 0 || x.size % known !== 0) throw new Error(`reshape: cannot reshape ${fmt(x.shape)} (${x.size} elements) to ${fmt(shape)}`);
    s[unknown] = x.size / known;
  }
  assertShape(s, 'reshape');
  if (sizeOf(s) !== x.size) throw new Error(`reshape: cannot reshape ${fmt(x.shape)} (${x.size} elements) to ${fmt(shape)} (${sizeOf(s)} elements)`);
  if (shapesEqual(s, x.shape) && !x.requiresGrad) return x.shareAs(s);
  const inShape = x.shape;
  return record(Reshape, [x], x.shareAs(s), (dy) => [reshape(dy, inShape)]);
}

/** Flattens axes `startAxis..endAxis` (inclusive) into one. */
export function flatten(x: Tensor, startAxis = 0, endAxis = -1): Tensor {
  assertTensor(x, 'flatten', 'x');
  if (x.rank === 0) return reshape(x, [1]);
  const a = normAxis(startAxis, x.rank, 'flatten', 'startAxis');
  const b = normAxis(endAxis, x.rank, 'flatten', 'endAxis');
  if (a > b) throw new Error(`flatten: startAxis ${startAxis} comes after endAxis ${endAxis} for ${fmt(x.shape)}`);
  const s = [...x.shape.slice(0, a), sizeOf(x.shape.slice(a, b + 1)), ...x.shape.slice(b + 1)];
  return reshape(x, s);
}
defineOp({ name: 'flatten', kernels: [], grad: 'composite', family: F });

/** Removes size-1 axes (all of them, or the given ones, which must have size 1). */
export function squeeze(x: Tensor, axes?: number | readonly number[]): Tensor {
  assertTensor(x, 'squeeze', 'x');
  let drop: number[];
  if (axes === undefined) drop = x.shape.map((d, i) => (d === 1 ? i : -1)).filter((i) => i >= 0);
  else {
    if (typeof axes !== 'number' && !Array.isArray(axes)) fail('squeeze', 'axes', 'an integer or an array of integers', axes);
    drop = (typeof axes === 'number' ? [axes] : axes).map((a) => normAxis(a, x.rank, 'squeeze'));
    for (const a of drop) if (x.shape[a] !== 1) throw new Error(`squeeze: axis ${a} of ${fmt(x.shape)} has size ${x.shape[a]}, not 1`);
  }
  return reshape(x, x.shape.filter((_, i) => !drop.includes(i)));
}
defineOp({ name: 'squeeze', kernels: [], grad: 'composite', family: F });

/** Inserts a size-1 axis at `axis` (−1 appends). */
export function unsqueeze(x: Tensor, axis: number): Tensor {
  return unsqueezeAs('unsqueeze', x, axis);
}
function unsqueezeAs(op: string, x: Tensor, axis: number): Tensor {
  assertTensor(x, op, 'x');
  const a = normAxis(axis, x.rank + 1, op);
  const s = x.shape.slice();
  s.splice(a, 0, 1);
  return reshape(x, s);
}
defineOp({ name: 'unsqueeze', kernels: [], grad: 'composite', family: F });
/** NumPy's name for `unsqueeze`. */
export function expandDims(x: Tensor, axis: number): Tensor {
  return unsqueezeAs('expandDims', x, axis);
}

const Transpose = defineOp({ name: 'transpose', kernels: ['transpose'], grad: 'rule', family: F });
/** Permutes axes: output axis i is input axis perm[i]. Without `perm`, reverses the axes (like NumPy). */
export function transpose(x: Tensor, perm?: readonly number[]): Tensor {
  return transposeAs('transpose', x, perm);
}

function transposeAs(op: string, x: Tensor, perm: readonly number[] | undefined): Tensor {
  assertTensor(x, op, 'x');
  if (perm !== undefined) assertIntArray(perm, op, 'perm');
  const p = perm ? perm.map((a) => normAxis(a, x.rank, op, 'perm')) : x.shape.map((_, i) => x.rank - 1 - i);
  if (p.length !== x.rank || new Set(p).size !== p.length) {
    throw new Error(`${op}: perm [${perm?.join(',')}] is not a permutation of the ${x.rank} axes of ${fmt(x.shape)}`);
  }
  const outShape = p.map((a) => x.shape[a] as number);
  if (p.every((a, i) => a === i) || x.size <= 1) return reshape(x, outShape);
  const inv = new Array<number>(p.length);
  p.forEach((a, i) => (inv[a] = i));
  return apply(Transpose, [x], outShape, x.dtype, (be, [k]) => be.transpose(k!, p), (dy) => [transpose(dy, inv)]);
}
/** Alias of transpose with an explicit permutation. */
export function permute(x: Tensor, perm: readonly number[]): Tensor {
  assertTensor(x, 'permute', 'x');
  assertIntArray(perm, 'permute', 'perm');
  return transposeAs('permute', x, perm);
}
defineOp({ name: 'permute', kernels: [], grad: 'composite', family: F });
/** Swaps the last two axes (matrix transpose of a batch). */
export function matrixTranspose(x: Tensor): Tensor {
  assertTensor(x, 'matrixTranspose', 'x');
  if (x.rank < 2) throw new Error(`matrixTranspose: needs rank ≥ 2, got ${fmt(x.shape)}`);
  const p = x.shape.map((_, i) => i);
  p[x.rank - 1] = x.rank - 2;
  p[x.rank - 2] = x.rank - 1;
  return transpose(x, p);
}
defineOp({ name: 'matrixTranspose', kernels: [], grad: 'composite', family: F });

const BroadcastTo = defineOp({ name: 'broadcastTo', kernels: ['broadcastTo'], grad: 'rule', family: F });
/** Repeats size-1 (and missing leading) axes to reach `shape`. */
export function broadcastTo(x: Tensor, shape: readonly number[]): Tensor {
  assertTensor(x, 'broadcastTo', 'x');
  assertShape(shape, 'broadcastTo');
  const s = broadcastShapes(x.shape, shape, 'broadcastTo', ['x', 'shape']);
  if (!shapesEqual(s, shape)) throw new Error(`broadcastTo: cannot broadcast ${fmt(x.shape)} to ${fmt(shape)}`);
  if (shapesEqual(x.shape, s)) return reshape(x, s);
  const inShape = x.shape;
  return apply(BroadcastTo, [x], s, x.dtype, (be, [k]) => be.broadcastTo(k!, s), (dy) => [sumTo(dy, inShape)]);
}

const Slice = defineOp({ name: 'slice', kernels: ['slice'], grad: 'rule', family: F });
/**
 * A contiguous block: `begin[i]` (negative counts from the end) and `size[i]` (−1 = to the end)
 * per leading axis; missing axes are taken whole.
 */
export function slice(x: Tensor, begin: readonly number[], size?: readonly number[]): Tensor {
  assertTensor(x, 'slice', 'x');
  assertIntArray(begin, 'slice', 'begin');
  if (size !== undefined) assertIntArray(size, 'slice', 'size', -1);
  if (begin.length > x.rank) throw new Error(`slice: begin [${begin.join(',')}] has more entries than ${fmt(x.shape)} has axes`);
  if (size && size.length !== begin.length) throw new Error(`slice: begin [${begin.join(',')}] and size [${size.join(',')}] differ in length`);
  const b: number[] = [];
  const sz: number[] = [];
  for (let i = 0; i < x.rank; i++) {
    const dim = x.shape[i] as number;
    let bi = begin[i] ?? 0;
    if (bi < 0) bi += dim;
    const si = size?.[i] ?? -1;
    const len = si === -1 ? dim - bi : si;
    if (!Number.isInteger(bi) || bi < 0 || bi > dim || !Number.isInteger(len) || len < 0 || bi + len > dim) {
      throw new Error(`slice: begin [${begin.join(',')}] size [${(size ?? []).join(',')}] is out of range for ${fmt(x.shape)} at axis ${i}`);
    }
    b.push(bi);
    sz.push(len);
  }
  if (shapesEqual(sz, x.shape)) return reshape(x, sz);
  const inShape = x.shape;
  return apply(Slice, [x], sz, x.dtype, (be, [k]) => be.slice(k!, b, sz), (dy) => [
    pad(dy, inShape.map((d, i) => [b[i] as number, d - (b[i] as number) - (sz[i] as number)] as [number, number])),
  ]);
}

const Pad = defineOp({ name: 'pad', kernels: ['pad'], grad: 'rule', family: F });
/**
 * Pads with a constant: `pads[i] = [before, after]` for each axis. The third argument is the
 * constant (default 0) or `{ mode, value }` with mode 'constant', 'reflect', 'replicate' or
 * 'circular' (see `padMode`).
 */
export function pad(x: Tensor, pads: readonly (readonly [number, number])[], value: number | PadOptions = 0): Tensor {
  assertTensor(x, 'pad', 'x');
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const o = checkOptions('pad', value, ['mode', 'value']);
    return padWith('pad', x, pads, o.mode ?? 'constant', o.value ?? 0);
  }
  if (!Array.isArray(pads)) throw new Error(`pad: pads must be an array of [before, after] pairs, one per axis of x ${fmt(x.shape)}, got ${describe(pads)}`);
  if (typeof value !== 'number') fail('pad', 'value', 'a number', value);
  checkStorable('pad', value, x.dtype);
  if (pads.length !== x.rank) throw new Error(`pad: pads has ${pads.length} entries, x ${fmt(x.shape)} has ${x.rank} axes`);
  for (const p of pads) {
    if (!Array.isArray(p) || p.length !== 2 || !p.every((v) => Number.isInteger(v) && v >= 0)) {
      throw new Error(`pad: each pad must be [before, after] with non-negative integers, got ${Array.isArray(p) ? `[${p.join(',')}]` : describe(p)}`);
    }
  }
  const outShape = x.shape.map((d, i) => d + (pads[i]![0]) + (pads[i]![1]));
  checkSize('pad', outShape);
  const v = storedValue(value, x.dtype);
  if (pads.every((p) => p[0] === 0 && p[1] === 0)) return reshape(x, outShape);
  return apply(Pad, [x], outShape, x.dtype, (be, [k]) => be.pad(k!, pads, v), (dy, [xi]) => [
    slice(dy, pads.map((p) => p[0]), xi!.shape),
  ]);
}

const Concat = defineOp({ name: 'concat', kernels: ['concat'], grad: 'rule', family: F });
/** Joins tensors along an existing axis; all other axes must match. */
export function concat(xs: readonly Tensor[], axis = 0): Tensor {
  if (!Array.isArray(xs) || xs.length === 0) throw new Error(`concat: needs a non-empty array of tensors, got ${describe(xs)}`);
  xs.forEach((t, i) => assertTensor(t, 'concat', `xs[${i}]`));
  const first = xs[0] as Tensor;
  const a = normAxis(axis, first.rank, 'concat');
  xs.forEach((t, i) => {
    if (t.rank !== first.rank || t.shape.some((d: number, j: number) => j !== a && d !== first.shape[j])) {
      throw new Error(`concat: xs[${i}] has shape ${fmt(t.shape)}, incompatible with xs[0] ${fmt(first.shape)} along axis ${a}`);
    }
    if (t.dtype !== first.dtype) throw new Error(`concat: xs[${i}] is ${t.dtype}, xs[0] is ${first.dtype}`);
  });
  if (xs.length === 1) return reshape(first, first.shape);
  const outShape = first.shape.slice();
  outShape[a] = xs.reduce((n, t) => n + (t.shape[a] as number), 0);
  return apply(Concat, xs, outShape, first.dtype, (be, ks) => be.concat(ks, a, outShape), (dy, inputs) =>
    split(dy, inputs.map((t: Tensor) => t.shape[a] as number), a),
  );
}

/** Joins tensors of one shape along a new axis. */
export function stack(xs: readonly Tensor[], axis = 0): Tensor {
  if (!Array.isArray(xs) || xs.length === 0) throw new Error(`stack: needs a non-empty array of tensors, got ${describe(xs)}`);
  const first = xs[0] as Tensor;
  xs.forEach((t, i) => {
    assertTensor(t, 'stack', `xs[${i}]`);
    if (!shapesEqual(t.shape, first.shape)) throw new Error(`stack: xs[${i}] has shape ${fmt(t.shape)}, xs[0] has ${fmt(first.shape)}`);
    if (t.dtype !== first.dtype) throw new Error(`stack: xs[${i}] is ${t.dtype}, xs[0] is ${first.dtype}`);
    if (t.backend !== first.backend) throw new Error(`stack: inputs live on different backends ('${first.backend.name}' and '${t.backend.name}'); move one with x.to(name)`);
  });
  const a = normAxis(axis, first.rank + 1, 'stack');
  return scoped(() => concat(xs.map((t) => unsqueeze(t, a)), a));
}
defineOp({ name: 'stack', kernels: [], grad: 'composite', family: F });

/** Splits along `axis` into `sections` equal parts, or into parts of the given sizes. */
export function split(x: Tensor, sections: number | readonly number[], axis = 0): Tensor[] {
  assertTensor(x, 'split', 'x');
  const a = normAxis(axis, x.rank, 'split');
  const dim = x.shape[a] as number;
  let sizes: number[];
  if (typeof sections === 'number') {
    if (!Number.isInteger(sections) || sections <= 0 || dim % sections !== 0) {
      throw new Error(`split: axis ${a} of ${fmt(x.shape)} (size ${dim}) cannot be split into ${sections} equal parts`);
    }
    sizes = new Array<number>(sections).fill(dim / sections);
  } else {
    if (!Array.isArray(sections)) throw new Error(`split: sections must be a number of equal parts or an array of sizes, got ${describe(sections)}`);
    sizes = sections.slice();
    if (sizes.some((s) => !Number.isInteger(s) || s < 0) || sizes.reduce((p, s) => p + s, 0) !== dim) {
      throw new Error(`split: sizes [${sizes.join(',')}] must be non-negative and sum to ${dim} (axis ${a} of ${fmt(x.shape)})`);
    }
  }
  let off = 0;
  return sizes.map((s) => {
    const begin = x.shape.map((_, i) => (i === a ? off : 0));
    const size = x.shape.map((d, i) => (i === a ? s : d));
    off += s;
    return slice(x, begin, size);
  });
}
defineOp({ name: 'split', kernels: [], grad: 'composite', family: F });

/** Repeats the whole tensor `reps[i]` times along each axis (like NumPy's tile). */
export function tile(x: Tensor, reps: readonly number[]): Tensor {
  assertTensor(x, 'tile', 'x');
  assertIntArray(reps, 'tile', 'reps');
  if (reps.some((r) => !Number.isInteger(r) || r < 0)) throw new Error(`tile: reps [${reps.join(',')}] must be non-negative integers`);
  const rank = Math.max(x.rank, reps.length);
  const shape = [...new Array<number>(rank - x.rank).fill(1), ...x.shape];
  const r = [...new Array<number>(rank - reps.length).fill(1), ...reps];
  checkSize('tile', shape.map((d, i) => d * (r[i] as number)));
  const interleaved: number[] = [];
  const target: number[] = [];
  shape.forEach((d, i) => {
    interleaved.push(1, d);
    target.push(r[i] as number, d);
  });
  return scoped(() => reshape(broadcastTo(reshape(x, interleaved), target), shape.map((d, i) => d * (r[i] as number))));
}
defineOp({ name: 'tile', kernels: [], grad: 'composite', family: F });

/** Repeats each element `repeats` times along `axis` (like NumPy's repeat / torch.repeat_interleave). */
export function repeat(x: Tensor, repeats: number, axis = 0): Tensor {
  assertTensor(x, 'repeat', 'x');
  if (!Number.isInteger(repeats) || repeats < 0) throw new Error(`repeat: repeats must be a non-negative integer, got ${describe(repeats)}`);
  const a = normAxis(axis, x.rank, 'repeat');
  const target = x.shape.slice();
  target.splice(a + 1, 0, repeats);
  const out = x.shape.slice();
  out[a] = (out[a] as number) * repeats;
  checkSize('repeat', out);
  return scoped(() => reshape(broadcastTo(unsqueeze(x, a + 1), target), out));
}
defineOp({ name: 'repeat', kernels: [], grad: 'composite', family: F });
