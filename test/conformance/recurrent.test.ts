/**
 * The fused recurrent ops (src/ops/recurrent.ts, kernels lstmSequence/lstmSequenceBackward/gruCell/
 * gruCellBackward) on every backend: forward against naive loops written here (H = 6 exercises
 * the SIMD body and its tail, large pre-activations the saturated ends), and gradient checks.
 */
import { expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import * as rec from '../../src/ops/recurrent.js';
import { check, rnd, vals } from './helpers.js';
import { forEachBackend } from './backends.js';

const sig = (x: number): number => 1 / (1 + Math.exp(-x));

/** Naive LSTM over xp [T,B,4H] (time-major) → per step h and c, [T][B][H]. */
function lstmNaive(xp: number[], h0: number[], c0: number[], whh: number[], B: number, T: number, H: number, reverse: boolean): { h: number[][]; c: number[][] } {
  let h = h0.slice();
  let c = c0.slice();
  const hs: number[][] = new Array<number[]>(T);
  const cs: number[][] = new Array<number[]>(T);
  for (let s = 0; s < T; s++) {
    const t = reverse ? T - 1 - s : s;
    const h2 = new Array<number>(B * H);
    const c2 = new Array<number>(B * H);
    for (let b = 0; b < B; b++) {
      const z = (gate: number, j: number): number => {
        let v = xp[(t * B + b) * 4 * H + gate * H + j]!;
        for (let k = 0; k < H; k++) v += h[b * H + k]! * whh[(gate * H + j) * H + k]!;
        return v;
      };
      for (let j = 0; j < H; j++) {
        const cn = sig(z(1, j)) * c[b * H + j]! + sig(z(0, j)) * Math.tanh(z(2, j));
        c2[b * H + j] = cn;
        h2[b * H + j] = sig(z(3, j)) * Math.tanh(cn);
      }
    }
    hs[t] = h2;
    cs[t] = c2;
    h = h2;
    c = c2;
  }
  return { h: hs, c: cs };
}

/** Naive GRU over xp [B,T,3H] (b_ih included), b_hh inside the reset gate's product. */
function gruNaive(xp: number[], h0: number[], whh: number[], bhh: number[], B: number, T: number, H: number, reverse: boolean): number[][] {
  let h = h0.slice();
  const hs: number[][] = new Array<number[]>(T);
  for (let s = 0; s < T; s++) {
    const t = reverse ? T - 1 - s : s;
    const h2 = new Array<number>(B * H);
    for (let b = 0; b < B; b++) {
      const gi = (gate: number, j: number): number => xp[(b * T + t) * 3 * H + gate * H + j]!;
      const gh = (gate: number, j: number): number => {
        let v = bhh[gate * H + j]!;
        for (let k = 0; k < H; k++) v += h[b * H + k]! * whh[(gate * H + j) * H + k]!;
        return v;
      };
      for (let j = 0; j < H; j++) {
        const r = sig(gi(0, j) + gh(0, j));
        const z = sig(gi(1, j) + gh(1, j));
        const n = Math.tanh(gi(2, j) + r * gh(2, j));
        h2[b * H + j] = (1 - z) * n + z * h[b * H + j]!;
      }
    }
    hs[t] = h2;
    h = h2;
  }
  return hs;
}

forEachBackend('fused recurrent ops', (backend) => {
  const [B, T, H] = [2, 3, 6];
  const f64 = backend === 'cpu';
  const tol = f64 ? 1e-12 : 2e-6;
  const cast = (t: nb.Tensor): nb.Tensor => (f64 ? t.cast('float64') : t);

  for (const reverse of [false, true]) {
    it(`lstmSequence equals naive loops (${reverse ? 'reverse' : 'forward'}; large pre-activations saturate cleanly)`, async () => {
      const xp = cast(nb.mul(rnd([T, B, 4 * H], 1), 6)); // ±6: σ and tanh near their ends
      const [h0, c0, whh] = [cast(rnd([B, H], 2)), cast(rnd([B, H], 3)), cast(rnd([4 * H, H], 4))];
      const y = rec.lstmSequence(xp, h0, c0, whh, reverse);
      expect(y.shape).toEqual([T, 6 * B * H]); // per step the blocks h [B,H], c [B,H], acts [B,4H]
      const ref = lstmNaive(await vals(xp), await vals(h0), await vals(c0), await vals(whh), B, T, H, reverse);
      const got = await vals(y);
      for (let t = 0; t < T; t++) {
        for (let i = 0; i < B * H; i++) {
          expect(Math.abs(got[t * 6 * B * H + i]! - ref.h[t]![i]!)).toBeLessThanOrEqual(tol);
          expect(Math.abs(got[t * 6 * B * H + B * H + i]! - ref.c[t]![i]!)).toBeLessThanOrEqual(tol * 4);
        }
      }
    });

    it(`gruSequence equals naive loops (${reverse ? 'reverse' : 'forward'})`, async () => {
      const xp = cast(nb.mul(rnd([B, T, 3 * H], 5), 6));
      const [h0, whh, bhh] = [cast(rnd([B, H], 6)), cast(rnd([3 * H, H], 7)), cast(rnd([3 * H], 8))];
      const y = rec.gruSequence(xp, h0, whh, bhh, reverse);
      expect(y.shape).toEqual([T, B, 5 * H]);
      const ref = gruNaive(await vals(xp), await vals(h0), await vals(whh), await vals(bhh), B, T, H, reverse);
      const got = await vals(y);
      for (let t = 0; t < T; t++) for (let i = 0; i < B * H; i++) {
        expect(Math.abs(got[(t * B + Math.floor(i / H)) * 5 * H + (i % H)]! - ref[t]![i]!)).toBeLessThanOrEqual(tol);
      }
    });
  }

  it('NaN in a pre-activation reaches the outputs (never a silent number)', async () => {
    const xp = cast(nb.where(nb.tensor([true, false, false, false], { shape: [1, 1, 4] }), NaN, nb.zeros([1, 1, 4])));
    const y = rec.lstmSequence(xp, cast(nb.zeros([1, 1])), cast(nb.zeros([1, 1])), cast(nb.zeros([4, 1])), false);
    expect(Number.isNaN((await vals(y))[0]!)).toBe(true);
  });

  it('gradients (gradcheck) of both ops, both directions, in every input', async () => {
    const [b, t, h] = [2, 3, 5];
    for (const reverse of [false, true]) {
      // h and c (the first 2H of each row) are the outputs a layer reads; the rest is saved for backward
      await check((xp, h0, c0, whh) => nb.sum(nb.mul(nb.slice(rec.lstmSequence(xp!, h0!, c0!, whh!, reverse), [0, 0], [t, 2 * b * h]), rnd([t, 2 * b * h], 20))),
        [rnd([t, b, 4 * h], 11), rnd([b, h], 12), rnd([b, h], 13), rnd([4 * h, h], 14)].map(cast));
      await check((xp, h0, whh, bhh) => nb.sum(nb.mul(nb.slice(rec.gruSequence(xp!, h0!, whh!, bhh!, reverse), [0, 0, 0], [t, b, h]), rnd([t, b, h], 21))),
        [rnd([b, t, 3 * h], 15), rnd([b, h], 16), rnd([3 * h, h], 17), rnd([3 * h], 18)].map(cast));
    }
  });
});
