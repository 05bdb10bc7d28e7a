/**
 * Error rates of predicted token sequences against references, by edit distance (Levenshtein:
 * insertions, deletions and substitutions each cost 1): `editDistance`, `phonemeErrorRate` (the
 * token error rate of speech recognition and grapheme-to-phoneme) and `wordErrorRate` (the
 * fraction of words whose predicted sequence is not exactly the reference).
 */
import { checkArray, fail } from '../../validate.js';

/** A sequence of tokens: phonemes, ids or characters (a string compares its characters). */
export type TokenSeq = string | readonly (string | number)[] | ArrayLike<number>;

function seq(op: string, arg: string, v: unknown): ArrayLike<string | number> {
  if (typeof v === 'string') return v;
  if (Array.isArray(v) || ArrayBuffer.isView(v)) {
    const a = v as ArrayLike<unknown>;
    for (let i = 0; i < a.length; i++) {
      const x = a[i];
      if (typeof x !== 'string' && typeof x !== 'number') fail(op, `${arg}[${i}]`, 'a string or a number', x);
    }
    return a as ArrayLike<string | number>;
  }
  return fail(op, arg, 'a sequence of tokens (an array, a typed array or a string)', v);
}

function levenshtein(a: ArrayLike<string | number>, b: ArrayLike<string | number>): number {
  if (a.length === 0) return b.length;
  if (b.length === 0) return a.length;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  let cur = new Array<number>(b.length + 1);
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    [prev, cur] = [cur, prev];
  }
  return prev[b.length]!;
}

/** The least number of insertions, deletions and substitutions that turn `a` into `b`. */
export function editDistance(a: TokenSeq, b: TokenSeq): number {
  return levenshtein(seq('editDistance', 'a', a), seq('editDistance', 'b', b));
}

function pairs(op: string, references: unknown, predictions: unknown): [ArrayLike<string | number>, ArrayLike<string | number>][] {
  const refs = checkArray(op, 'references', references);
  const preds = checkArray(op, 'predictions', predictions);
  if (refs.length !== preds.length) throw new Error(`${op}: references and predictions must have the same length, got ${refs.length} and ${preds.length}`);
  if (refs.length === 0) fail(op, 'references', 'a non-empty array', references);
  return refs.map((r, i) => [seq(op, `references[${i}]`, r), seq(op, `predictions[${i}]`, preds[i])]);
}

/**
 * Phoneme (token) error rate: the summed edit distances between each prediction and its
 * reference, divided by the summed reference lengths. 0 is perfect; it can exceed 1 when
 * predictions are longer than the references.
 */
export function phonemeErrorRate(references: readonly TokenSeq[], predictions: readonly TokenSeq[]): number {
  const op = 'phonemeErrorRate';
  let edits = 0;
  let total = 0;
  for (const [r, p] of pairs(op, references, predictions)) {
    edits += levenshtein(r, p);
    total += r.length;
  }
  if (total === 0) throw new Error(`${op}: the references are all empty (no token to count errors against)`);
  return edits / total;
}

/** Word error rate: the fraction of predictions that differ from their reference in any token. */
export function wordErrorRate(references: readonly TokenSeq[], predictions: readonly TokenSeq[]): number {
  const ps = pairs('wordErrorRate', references, predictions);
  let wrong = 0;
  for (const [r, p] of ps) {
    let same = r.length === p.length;
    for (let i = 0; same && i < r.length; i++) same = r[i] === p[i];
    if (!same) wrong++;
  }
  return wrong / ps.length;
}
