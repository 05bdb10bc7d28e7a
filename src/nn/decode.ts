/**
 * Decoding a sequence from any autoregressive decoder: greedy decoding and beam search.
 *
 * The decoder is given as a step function `step(tokens, state) → [logProbs, state']`: `tokens`
 * (Int32Array, one per row) are the previous tokens of `n` hypotheses, `state` whatever the
 * decoder carries for them (an LSTM's `[h, c]`, plus encoder outputs for attention, …), and
 * `logProbs` the log-probabilities of the next token for each row, `[n, vocab]` (a Tensor or
 * rows of numbers). Beam search reorders the state's rows between steps (hypotheses are
 * dropped and duplicated): by default every Tensor found in the state (in arrays and plain
 * objects; an array is taken as a tuple such as `[h, c]`, not as rows) is gathered along
 * `batchAxis`; a custom `reorder(state, rows)` handles anything else.
 *
 * Decoding records no gradient, and every tensor made during it is disposed at the end (the
 * caller's initial state is left alone).
 */
import { Tensor } from '../tensor/tensor.js';
import { tensor } from '../tensor/creation.js';
import { noGrad, tidy } from '../engine.js';
import { gather } from '../ops/indexing.js';
import { checkFunction, checkInt, checkOptions, describe, fail, optInt, optNumber } from '../validate.js';

/** One decoder step: the next-token log-probabilities `[n, vocab]` of `n` rows, and the new state. */
export type DecodeStep<S> = (tokens: Int32Array, state: S) => readonly [logProbs: Tensor | readonly ArrayLike<number>[], state: S];

/** Options shared by `greedyDecode` and `beamSearch`. */
export interface DecodeOptions<S> {
  /** The token that starts every sequence (fed at the first step). */
  bos: number;
  /** The token that ends a sequence (not included in the result). */
  eos: number;
  /** The most tokens generated per sequence, the end token included. */
  maxLength: number;
  /** The axis of the state's tensors that holds the rows (default 0; 1 for an LSTM's `[h, c]` of `[layers, n, hidden]`). */
  batchAxis?: number;
  /** Picks rows of the state: `reorder(state, rows)` (default: gather every Tensor in it along `batchAxis`). */
  reorder?: (state: S, rows: Int32Array) => S;
}

/** Options of `greedyDecode` (which keeps every row in place, so it never calls `reorder`). */
export interface GreedyOptions<S> extends DecodeOptions<S> {
  /** The number of sequences decoded together (the rows of the initial state; default 1). */
  batchSize?: number;
}

/** Options of `beamSearch`. */
export interface BeamSearchOptions<S> extends DecodeOptions<S> {
  /** Hypotheses kept at each step (default 4; 1 is greedy decoding). */
  beamWidth?: number;
  /** α: hypotheses are ranked by logProb / length^α, length counting the end token (default 0: the plain log-probability). */
  lengthPenalty?: number;
}

/** A decoded sequence. */
export interface Hypothesis {
  /** The generated tokens, without the start and the end token. */
  tokens: number[];
  /** The sum of the log-probabilities of the tokens, the end token included. */
  logProb: number;
  /** The ranking score: logProb / length^α. */
  score: number;
  /** Whether the sequence ended with the end token (false: cut at maxLength). */
  finished: boolean;
}

function checkCommon<S>(op: string, opts: DecodeOptions<S>, extra: string[]): { bos: number; eos: number; maxLength: number; reorder: (s: S, rows: Int32Array) => S } {
  const o = checkOptions(op, opts, ['bos', 'eos', 'maxLength', 'batchAxis', 'reorder', ...extra]);
  const bos = checkInt(op, 'bos', o.bos, { min: 0 });
  const eos = checkInt(op, 'eos', o.eos, { min: 0 });
  const maxLength = checkInt(op, 'maxLength', o.maxLength, { min: 1 });
  const batchAxis = optInt(op, 'batchAxis', o.batchAxis, 0, { min: 0 });
  const reorder = o.reorder === undefined ? (s: S, rows: Int32Array): S => defaultReorder(op, s, rows, batchAxis) as S : checkFunction<(s: S, rows: Int32Array) => S>(op, 'reorder', o.reorder);
  return { bos, eos, maxLength, reorder };
}

function defaultReorder(op: string, s: unknown, rows: Int32Array, axis: number): unknown {
  if (s === null || s === undefined) return s;
  if (s instanceof Tensor) {
    if (axis >= s.rank) throw new Error(`${op}: batchAxis (${axis}) is outside a state tensor of shape [${s.shape.join(',')}]`);
    return gather(s, tensor(rows, { dtype: 'int32', shape: [rows.length] }), axis);
  }
  if (Array.isArray(s)) return s.map((x) => defaultReorder(op, x, rows, axis));
  if (typeof s === 'object' && Object.getPrototypeOf(s) === Object.prototype) {
    return Object.fromEntries(Object.entries(s as Record<string, unknown>).map(([k, v]) => [k, defaultReorder(op, v, rows, axis)]));
  }
  if (typeof s === 'number' || typeof s === 'string' || typeof s === 'boolean') return s;
  throw new Error(`${op}: cannot reorder a state holding ${describe(s)}; pass options.reorder(state, rows)`);
}

/** Calls the step and reads its log-probabilities as n rows of `vocab` numbers. */
function runStep<S>(op: string, step: DecodeStep<S>, tokens: Int32Array, state: S): [Float64Array[], S] {
  const out = step(tokens, state) as unknown;
  if (!Array.isArray(out) || out.length !== 2) fail(op, 'step', 'a function returning [logProbs, state]', out);
  const [lp, next] = out as [unknown, S];
  const n = tokens.length;
  let rows: Float64Array[];
  if (lp instanceof Tensor) {
    if (lp.rank !== 2 || lp.shape[0] !== n || lp.shape[1]! < 1) {
      throw new Error(`${op}: step must return logProbs of shape [${n}, vocab] for ${n} tokens, got [${lp.shape.join(',')}]`);
    }
    if (!lp.backend.downloadSync) throw new Error(`${op}: step returned logProbs on backend '${lp.backend.name}', which reads asynchronously; return them on cpu or as arrays of numbers`);
    const data = lp.dataSync();
    const V = lp.shape[1]!;
    rows = Array.from({ length: n }, (_, i) => Float64Array.from(data.subarray(i * V, (i + 1) * V) as ArrayLike<number>));
  } else if (Array.isArray(lp) && lp.length === n) {
    rows = lp.map((r: unknown, i) => {
      if (r === null || typeof r !== 'object' || typeof (r as ArrayLike<number>).length !== 'number' || (r as ArrayLike<number>).length < 1) {
        fail(op, `logProbs[${i}]`, 'a non-empty row of numbers', r);
      }
      return Float64Array.from(r as ArrayLike<number>);
    });
    if (rows.some((r) => r.length !== rows[0]!.length)) throw new Error(`${op}: step returned logProbs rows of different lengths`);
  } else {
    fail(op, 'logProbs', `a Tensor [${n}, vocab] or ${n} rows of numbers (the step's first result)`, lp);
  }
  for (const r of rows) for (const v of r) if (Number.isNaN(v) || v > 1e-6) throw new Error(`${op}: step returned a log-probability that is NaN or positive (${v})`);
  return [rows, next];
}

/**
 * Greedy decoding: at every step each row takes its most probable token, until every row has
 * produced `eos` or `maxLength` tokens. Decodes `batchSize` sequences at once (the rows of the
 * initial state). Returns one `Hypothesis` per row.
 */
export function greedyDecode<S>(step: DecodeStep<S>, state: S, opts: GreedyOptions<S>): Hypothesis[] {
  const op = 'greedyDecode';
  checkFunction(op, 'step', step);
  const { bos, eos, maxLength } = checkCommon(op, opts, ['batchSize']);
  const n = optInt(op, 'batchSize', opts.batchSize, 1, { min: 1 });
  return noGrad(() => tidy(() => {
    const out: Hypothesis[] = Array.from({ length: n }, () => ({ tokens: [], logProb: 0, score: 0, finished: false }));
    let tokens = new Int32Array(n).fill(bos);
    let s = state;
    for (let t = 0; t < maxLength && out.some((h) => !h.finished); t++) {
      const [rows, next] = runStep(op, step, tokens, s);
      s = next;
      tokens = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const r = rows[i]!;
        let best = 0;
        for (let v = 1; v < r.length; v++) if (r[v]! > r[best]!) best = v;
        tokens[i] = best;
        const h = out[i]!;
        if (h.finished) continue;
        h.logProb += r[best]!;
        if (best === eos) h.finished = true;
        else h.tokens.push(best);
      }
    }
    for (const h of out) h.score = h.logProb;
    return out;
  }));
}

/**
 * Beam search: keeps the `beamWidth` best partial hypotheses (by summed log-probability); at each
 * step every one is extended by every token, a hypothesis that takes `eos` is set aside as
 * finished, and the best `beamWidth` others go on. Stops when `beamWidth` hypotheses have
 * finished, none is left, or after `maxLength` steps (the unfinished ones then count, with
 * `finished: false`). Returns the hypotheses found, best first by `logProb / length^α`
 * (α = `lengthPenalty`, length counting the end token).
 *
 * Decodes one sequence: the initial state has one row (it is expanded to the beam's rows by the
 * reorder). With beamWidth 1 it is greedy decoding.
 */
export function beamSearch<S>(step: DecodeStep<S>, state: S, opts: BeamSearchOptions<S>): Hypothesis[] {
  const op = 'beamSearch';
  checkFunction(op, 'step', step);
  const { bos, eos, maxLength, reorder } = checkCommon(op, opts, ['beamWidth', 'lengthPenalty']);
  const K = optInt(op, 'beamWidth', opts.beamWidth, 4, { min: 1, max: 1 << 16 });
  const alpha = optNumber(op, 'lengthPenalty', opts.lengthPenalty, 0);
  const score = (logProb: number, length: number): number => (alpha === 0 ? logProb : logProb / Math.pow(Math.max(1, length), alpha));
  return noGrad(() => tidy(() => {
    let beams: { tokens: number[]; logProb: number }[] = [{ tokens: [], logProb: 0 }];
    const finished: Hypothesis[] = [];
    let s = state;
    for (let t = 0; t < maxLength && beams.length > 0 && finished.length < K; t++) {
      const last = Int32Array.from(beams, (b) => (b.tokens.length === 0 ? bos : b.tokens.at(-1)!));
      const [rows, next] = runStep(op, step, last, s);
      // The best 2K extensions (at most K end with eos, so at least K continue when there are enough).
      const cand: { row: number; token: number; logProb: number }[] = [];
      const keep = 2 * K;
      for (let i = 0; i < rows.length; i++) {
        const r = rows[i]!;
        for (let v = 0; v < r.length; v++) {
          const lp = beams[i]!.logProb + r[v]!;
          if (lp === -Infinity) continue;
          if (cand.length < keep) {
            cand.push({ row: i, token: v, logProb: lp });
            if (cand.length === keep) cand.sort((a, b) => b.logProb - a.logProb);
          } else if (lp > cand[keep - 1]!.logProb) {
            let j = keep - 1;
            while (j > 0 && cand[j - 1]!.logProb < lp) { cand[j] = cand[j - 1]!; j--; }
            cand[j] = { row: i, token: v, logProb: lp };
          }
        }
      }
      cand.sort((a, b) => b.logProb - a.logProb);
      const alive: { tokens: number[]; logProb: number }[] = [];
      const rowsKept: number[] = [];
      for (const [rank, c] of cand.entries()) {
        const tokens = [...beams[c.row]!.tokens];
        if (c.token === eos) {
          // An ending counts only when it ranks among the K best extensions (so width 1 is greedy).
          if (rank < K && finished.length < K) finished.push({ tokens, logProb: c.logProb, score: score(c.logProb, tokens.length + 1), finished: true });
        } else if (alive.length < K) {
          tokens.push(c.token);
          alive.push({ tokens, logProb: c.logProb });
          rowsKept.push(c.row);
        }
      }
      beams = alive;
      if (alive.length > 0 && finished.length < K && t + 1 < maxLength) s = reorder(next, Int32Array.from(rowsKept));
    }
    if (finished.length < K) {
      for (const b of beams) finished.push({ tokens: b.tokens, logProb: b.logProb, score: score(b.logProb, b.tokens.length), finished: false });
    }
    return finished.sort((a, b) => b.score - a.score || Number(b.finished) - Number(a.finished));
  }));
}
