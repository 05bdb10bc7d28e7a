/** NumPy-like printing of tensors. */
import type { DType, TypedArray } from './dtype.js';
import type { Shape } from './shape.js';

const EDGE = 3; // items shown at each end of a summarised axis
const THRESHOLD = 1000; // summarise above this many elements

function formatFloats(values: number[]): (v: number) => string {
  const finite = values.filter((v) => Number.isFinite(v));
  const maxAbs = finite.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  const minAbs = finite.reduce((m, v) => (v !== 0 ? Math.min(m, Math.abs(v)) : m), Infinity);
  const sci = maxAbs >= 1e8 || (minAbs < 1e-4 && minAbs !== Infinity);
  const allInt = finite.every((v) => Number.isInteger(v));
  return (v: number): string => {
    if (Number.isNaN(v)) return 'nan';
    if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
    if (sci) return v.toExponential(4).replace(/e([+-])(\d)$/, 'e$10$2');
    if (allInt) return `${v}.`;
    return Number(v.toFixed(4)).toString();
  };
}

/** Flat indices of the elements a summarised print shows (EDGE at each end of every long axis). */
function shownIndices(shape: Shape): number[] {
  const out: number[] = [];
  const rec = (dim: number, offset: number): void => {
    if (dim === shape.length) {
      out.push(offset);
      return;
    }
    const n = shape[dim] as number;
    let stride = 1;
    for (let i = dim + 1; i < shape.length; i++) stride *= shape[i] as number;
    const idx: number[] = [];
    if (n > 2 * EDGE) for (let i = 0; i < n; i++) { if (i < EDGE || i >= n - EDGE) idx.push(i); }
    else for (let i = 0; i < n; i++) idx.push(i);
    for (const i of idx) rec(dim + 1, offset + i * stride);
  };
  rec(0, 0);
  return out;
}

export function formatTensor(data: TypedArray, shape: Shape, dtype: DType, requiresGrad: boolean): string {
  const size = data.length;
  const summarise = size > THRESHOLD;
  // Only the elements that will be printed are formatted (and decide the width and notation).
  const shown = summarise ? shownIndices(shape) : null;
  const nums = shown ? shown.map((i) => data[i] as number) : Array.from(data as ArrayLike<number>);
  let f: (v: number) => string;
  if (dtype === 'bool') f = (v) => (v ? 'true' : 'false');
  else if (dtype === 'int32') f = (v) => String(v);
  else f = formatFloats(nums);
  const strs: string[] = shown ? [] : nums.map(f);
  if (shown) shown.forEach((idx, k) => (strs[idx] = f(nums[k] as number)));
  const width = Object.values(strs).reduce((m, s) => Math.max(m, s.length), 0);
  const pad = (s: string): string => s.padStart(width);
  const prefix = 'tensor(';
  const rec = (dim: number, offset: number, indent: string): string => {
    if (shape.length === 0) return strs[0] as string;
    const n = shape[dim] as number;
    let stride = 1;
    for (let i = dim + 1; i < shape.length; i++) stride *= shape[i] as number;
    const idx: (number | null)[] = [];
    if (summarise && n > 2 * EDGE) {
      for (let i = 0; i < EDGE; i++) idx.push(i);
      idx.push(null);
      for (let i = n - EDGE; i < n; i++) idx.push(i);
    } else for (let i = 0; i < n; i++) idx.push(i);
    if (dim === shape.length - 1) {
      return `[${idx.map((i) => (i === null ? '...' : pad(strs[offset + i] as string))).join(', ')}]`;
    }
    const sep = ',' + '\n'.repeat(shape.length - dim - 1) + indent + ' ';
    return `[${idx.map((i) => (i === null ? '...' : rec(dim + 1, offset + i * stride, indent + ' '))).join(sep)}]`;
  };
  const body = rec(0, 0, ' '.repeat(prefix.length));
  const extras: string[] = [];
  if (dtype !== 'float32') extras.push(`dtype=${dtype}`);
  if (requiresGrad) extras.push('requiresGrad=true');
  return `${prefix}${body}${extras.length ? ', ' + extras.join(', ') : ''})`;
}
