/** Linear algebra built from other ops: vector norms and einsum (transpose/reshape/matmul/sum). */
import { scoped } from '../engine.js';
import { defineOp } from '../registry.js';
import type { Tensor } from '../tensor/tensor.js';
import { isFloat } from '../tensor/dtype.js';
import { arange } from '../tensor/creation.js';
import { fmt, normAxes, reducedShape, sizeOf } from '../tensor/shape.js';
import { checkNumber, checkOptions, checkString, optBoolean } from '../validate.js';
import { assertSameBackend, assertTensor } from './util.js';
import { abs, cast, eq, mul, ne, pow, sqrt, square, where } from './elementwise.js';
import { max, min, sum, type Axes } from './reduce.js';
import { matmul } from './matmul.js';
import { permute, reshape } from './shape.js';
import { gather } from './indexing.js';

const F = 'linalg';

export interface NormOptions {
  /** The order: 2 (default), 1, Infinity (max |x|), -Infinity (min |x|), 0 (count of non-zeros), any other number, or 'fro' (= 2). */
  p?: number | 'fro';
  /** Axes to reduce (negative count from the end); default all. */
  axis?: Axes;
  /** Keep the reduced axes as size 1. Default false. */
  keepDims?: boolean;
}

defineOp({ name: 'norm', kernels: [], grad: 'composite', family: F });
/**
 * The vector p-norm (Σ|x|ᵖ)^(1/p) over `axis` (default all axes), like PyTorch's
 * torch.linalg.vector_norm; integer and bool inputs compute in float32. The gradient at x = 0 is
 * 0 (PyTorch's subgradient), not NaN.
 */
export function norm(x: Tensor, opts?: NormOptions): Tensor {
  const op = 'norm';
  assertTensor(x, op, 'x');
  const o = checkOptions(op, opts, ['p', 'axis', 'keepDims']);
  const p = o.p === undefined || o.p === 'fro' ? 2 : checkNumber(op, 'options.p', o.p, { infinite: true });
  const keepDims = optBoolean(op, 'options.keepDims', o.keepDims, false);
  const ax = normAxes(o.axis, x.rank, op);
  if (!Number.isFinite(p) && x.size === 0 && sizeOf(reducedShape(x.shape, ax, false)) > 0) {
    throw new Error(`${op}: the ${p}-norm of empty axes [${ax.join(',')}] of ${fmt(x.shape)} is undefined (no identity for ${p > 0 ? 'max' : 'min'})`);
  }
  return scoped(() => {
    const t = isFloat(x.dtype) ? x : cast(x, 'float32');
    if (p === Infinity) return max(abs(t), ax, keepDims);
    if (p === -Infinity) return min(abs(t), ax, keepDims);
    if (p === 1) return sum(abs(t), ax, keepDims);
    // a count: 1 per non-zero (NaN included); the zeros' branch keeps the result differentiable (gradient 0, as in PyTorch)
    if (p === 0) return sum(where(ne(t, 0), 1, mul(t, 0)), ax, keepDims);
    const s = sum(p === 2 ? square(t) : pow(abs(t), p), ax, keepDims);
    // s^(1/p) has an infinite slope at s = 0 (∞·0 = NaN in the gradient): route s = 0 around it
    const zero = eq(s, 0);
    const safe = where(zero, 1, s);
    return where(zero, 0, p === 2 ? sqrt(safe) : pow(safe, 1 / p));
  });
}

// ---- einsum -----------------------------------------------------------------------------------

interface Term {
  t: Tensor;
  labels: string[];
}

/** The labels of one term: letters, with '...' standing for `ell` axes labelled '.0', '.1', … (right-aligned to `total`). */
function parseTerm(equation: string, term: string, what: string): { letters: string[]; ellipsisAt: number } {
  const letters: string[] = [];
  let ellipsisAt = -1;
  for (let i = 0; i < term.length; i++) {
    const c = term[i] as string;
    if (c === '.') {
      if (term.slice(i, i + 3) !== '...' || ellipsisAt >= 0) throw new Error(`einsum: ${what} "${term}" of "${equation}" has a '.' outside one '...'`);
      ellipsisAt = letters.length;
      i += 2;
    } else if (/^[a-zA-Z]$/.test(c)) letters.push(c);
    else throw new Error(`einsum: ${what} "${term}" of "${equation}" holds ${JSON.stringify(c)}; subscripts are letters a-z, A-Z and one '...'`);
  }
  return { letters, ellipsisAt };
}

function expandEllipsis(letters: string[], ellipsisAt: number, dims: number, total: number): string[] {
  if (ellipsisAt < 0) return letters;
  const ell = Array.from({ length: dims }, (_, k) => `.${total - dims + k}`);
  return [...letters.slice(0, ellipsisAt), ...ell, ...letters.slice(ellipsisAt)];
}

/** Sums over the axes whose labels `drop` selects. */
function sumOut(x: Term, drop: (l: string) => boolean): Term {
  const axes = x.labels.flatMap((l, i) => (drop(l) ? [i] : []));
  if (axes.length === 0) return x;
  return { t: sum(x.t, axes), labels: x.labels.filter((l) => !drop(l)) };
}

/** Drops a size-1 axis (it broadcasts against the other operand's). */
function dropAxis(x: Term, label: string): Term {
  const i = x.labels.indexOf(label);
  return { t: reshape(x.t, x.t.shape.filter((_, j) => j !== i)), labels: x.labels.filter((_, j) => j !== i) };
}

/** Replaces two axes with one label by their diagonal, until every label is unique. */
function diagonals(x: Term): Term {
  let cur = x;
  for (;;) {
    const q = cur.labels.findIndex((l, i) => cur.labels.indexOf(l) !== i);
    if (q < 0) return cur;
    const label = cur.labels[q] as string;
    const p = cur.labels.indexOf(label);
    const n = cur.t.shape[p] as number;
    const rest = cur.labels.map((_, i) => i).filter((i) => i !== p && i !== q);
    const moved = permute(cur.t, [...rest, p, q]);
    const flat = reshape(moved, [...rest.map((i) => cur.t.shape[i] as number), n * n]);
    const diag = gather(flat, arange(0, n * n, n + 1, { dtype: 'int32', backend: cur.t.backend.name }), flat.rank - 1);
    cur = { t: diag, labels: [...rest.map((i) => cur.labels[i] as string), label] };
  }
}

/** Contracts two terms, keeping the labels in `keep` (the output's and later operands'). */
function contract(a0: Term, b0: Term, keep: ReadonlySet<string>): Term {
  let a = a0;
  let b = b0;
  for (const l of a.labels.filter((m) => b.labels.includes(m))) {
    const da = a.t.shape[a.labels.indexOf(l)] as number;
    const db = b.t.shape[b.labels.indexOf(l)] as number;
    if (da === 1 && db !== 1) a = dropAxis(a, l);
    else if (db === 1 && da !== 1) b = dropAxis(b, l);
  }
  const inA = new Set(a.labels);
  const inB = new Set(b.labels);
  a = sumOut(a, (l) => !inB.has(l) && !keep.has(l));
  b = sumOut(b, (l) => !inA.has(l) && !keep.has(l));
  const batch = a.labels.filter((l) => inB.has(l) && keep.has(l));
  const con = a.labels.filter((l) => inB.has(l) && !keep.has(l));
  const aOnly = a.labels.filter((l) => !inB.has(l));
  const bOnly = b.labels.filter((l) => !inA.has(l));
  const dimOf = (x: Term, l: string): number => x.t.shape[x.labels.indexOf(l)] as number;
  const size = (x: Term, ls: string[]): number => sizeOf(ls.map((l) => dimOf(x, l)));
  const ta = reshape(permute(a.t, [...batch, ...aOnly, ...con].map((l) => a.labels.indexOf(l))), [size(a, batch), size(a, aOnly), size(a, con)]);
  const tb = reshape(permute(b.t, [...batch, ...con, ...bOnly].map((l) => b.labels.indexOf(l))), [size(b, batch), size(b, con), size(b, bOnly)]);
  const out = reshape(matmul(ta, tb), [...batch.map((l) => dimOf(a, l)), ...aOnly.map((l) => dimOf(a, l)), ...bOnly.map((l) => dimOf(b, l))]);
  return { t: out, labels: [...batch, ...aOnly, ...bOnly] };
}

defineOp({ name: 'einsum', kernels: [], grad: 'composite', family: F });
/**
 * Einstein summation, like NumPy's and PyTorch's einsum: `einsum('ij,jk->ik', a, b)` is a matrix
 * product, `'bij,bjk->bik'` a batched one, `'ii->i'` a diagonal, `'ii'` a trace, `'...ij->...ji'`
 * a transpose over any leading axes. Without `->` the output holds the '...' axes, then the
 * letters used once, in alphabetical order. Axes of size 1 broadcast. Operands share one dtype;
 * integer and bool operands compute in float32. Contracts operands left to right with matmul.
 */
export function einsum(equation: string, ...operands: Tensor[]): Tensor;
/** The operands as one array, like `torch.einsum(eq, [a, b])`. */
export function einsum(equation: string, operands: readonly Tensor[]): Tensor;
export function einsum(equation: string, ...args: (Tensor | readonly Tensor[])[]): Tensor {
  const op = 'einsum';
  checkString(op, 'equation', equation);
  const operands = (args.length === 1 && Array.isArray(args[0]) ? args[0] : args) as readonly Tensor[];
  if (operands.length === 0) throw new Error(`einsum: needs at least one operand for "${equation}", got none`);
  operands.forEach((t, i) => assertTensor(t, op, `operands[${i}]`));
  const first = operands[0] as Tensor;
  operands.forEach((t, i) => {
    if (t.dtype !== first.dtype) throw new Error(`einsum: operands[${i}] is ${t.dtype}, operands[0] is ${first.dtype}`);
    assertSameBackend(op, first, t);
  });
  const eqn = equation.replace(/\s+/g, '');
  const parts = eqn.split('->');
  if (parts.length > 2) throw new Error(`einsum: equation "${equation}" has more than one '->'`);
  const terms = (parts[0] as string).split(',');
  if (terms.length !== operands.length) {
    throw new Error(`einsum: equation "${equation}" names ${terms.length} operand${terms.length === 1 ? '' : 's'}, got ${operands.length}`);
  }
  const parsed = terms.map((term, i) => parseTerm(equation, term, `operand ${i}'s subscripts`));
  const ellDims = parsed.map((pt, i) => {
    const t = operands[i] as Tensor;
    const dims = t.rank - pt.letters.length;
    if (pt.ellipsisAt < 0 ? dims !== 0 : dims < 0) {
      throw new Error(`einsum: subscripts "${terms[i]}" name ${pt.letters.length} axes${pt.ellipsisAt >= 0 ? ' besides \'...\'' : ''}, but operands[${i}] is ${fmt(t.shape)} (rank ${t.rank})`);
    }
    return pt.ellipsisAt < 0 ? 0 : dims;
  });
  const ell = Math.max(0, ...ellDims);
  const labels = parsed.map((pt, i) => expandEllipsis(pt.letters, pt.ellipsisAt, ellDims[i] as number, ell));
  // a repeated label within one operand (a diagonal) needs equal sizes
  labels.forEach((ls, i) => ls.forEach((l, j) => {
    const t = operands[i] as Tensor;
    const k = ls.indexOf(l);
    if (k !== j && t.shape[k] !== t.shape[j]) {
      throw new Error(`einsum: subscript '${l}' repeats in operands[${i}] ${fmt(t.shape)} over axes of sizes ${t.shape[k] as number} and ${t.shape[j] as number}; a diagonal needs equal sizes`);
    }
  }));
  // every label's size: equal wherever it appears, or 1 (broadcast)
  const sizes = new Map<string, { d: number; at: number }>();
  labels.forEach((ls, i) => ls.forEach((l, j) => {
    const d = (operands[i] as Tensor).shape[j] as number;
    const seen = sizes.get(l);
    if (!seen || seen.d === 1) sizes.set(l, { d, at: i });
    else if (d !== 1 && d !== seen.d) {
      const name = l.startsWith('.') ? `the '...' axis ${Number(l.slice(1)) - ell}` : `subscript '${l}'`;
      throw new Error(`einsum: ${name} has size ${seen.d} in operands[${seen.at}] ${fmt((operands[seen.at] as Tensor).shape)} but ${d} in operands[${i}] ${fmt((operands[i] as Tensor).shape)} ("${equation}")`);
    }
  }));
  const ellLabels = Array.from({ length: ell }, (_, k) => `.${k}`);
  let out: string[];
  if (parts.length === 2) {
    const rhs = parseTerm(equation, parts[1] as string, 'the output');
    const letters = rhs.letters;
    letters.forEach((l, i) => {
      if (letters.indexOf(l) !== i) throw new Error(`einsum: the output "${parts[1] as string}" of "${equation}" repeats '${l}'`);
      if (!sizes.has(l)) throw new Error(`einsum: the output subscript '${l}' of "${equation}" appears in no operand`);
    });
    out = rhs.ellipsisAt < 0 ? letters : [...letters.slice(0, rhs.ellipsisAt), ...ellLabels, ...letters.slice(rhs.ellipsisAt)];
  } else {
    const count = new Map<string, number>();
    for (const ls of labels) for (const l of ls) if (!l.startsWith('.')) count.set(l, (count.get(l) ?? 0) + 1);
    out = [...ellLabels, ...[...count.keys()].filter((l) => count.get(l) === 1).sort()];
  }
  return scoped(() => {
    const keepOut = new Set(out);
    const cast32 = (t: Tensor): Tensor => (isFloat(t.dtype) ? t : cast(t, 'float32'));
    let acc = diagonals({ t: cast32(first), labels: labels[0] as string[] });
    for (let i = 1; i < operands.length; i++) {
      const keep = new Set(keepOut);
      for (let j = i + 1; j < labels.length; j++) for (const l of labels[j] as string[]) keep.add(l);
      acc = contract(acc, diagonals({ t: cast32(operands[i] as Tensor), labels: labels[i] as string[] }), keep);
    }
    acc = sumOut(acc, (l) => !keepOut.has(l));
    const perm = out.map((l) => acc.labels.indexOf(l));
    const res = perm.every((p, i) => p === i) ? acc.t : permute(acc.t, perm);
    return res === first ? reshape(res, res.shape) : res;
  });
}
