import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { forEachBackend } from './backends.js';
import { check, expectTensor, rnd, vals } from './helpers.js';

interface Geo { stride?: [number, number]; pads?: [number, number, number, number]; dilation?: [number, number]; groups?: number }

/** Direct-definition convolution (cross-correlation) over NCHW/OIHW, written independently of any kernel. */
function naiveConv(x: number[], xs: number[], w: number[], ws: number[], g: Geo): { out: number[]; shape: number[] } {
  const [N, C, H, W] = xs as [number, number, number, number];
  const [O, Cg, KH, KW] = ws as [number, number, number, number];
  const [sh, sw] = g.stride ?? [1, 1];
  const [pt, pb, pl, pr] = g.pads ?? [0, 0, 0, 0];
  const [dh, dw] = g.dilation ?? [1, 1];
  const G = g.groups ?? 1;
  const OH = Math.floor((H + pt + pb - (dh * (KH - 1) + 1)) / sh) + 1;
  const OW = Math.floor((W + pl + pr - (dw * (KW - 1) + 1)) / sw) + 1;
  const padded = (n: number, c: number, i: number, j: number): number => {
    const hi = i - pt, wj = j - pl;
    return hi < 0 || hi >= H || wj < 0 || wj >= W ? 0 : x[((n * C + c) * H + hi) * W + wj]!;
  };
  const out: number[] = [];
  for (let n = 0; n < N; n++)
    for (let o = 0; o < O; o++)
      for (let i = 0; i < OH; i++)
        for (let j = 0; j < OW; j++) {
          let s = 0;
          const grp = Math.floor(o / (O / G));
          for (let c = 0; c < Cg; c++)
            for (let a = 0; a < KH; a++)
              for (let b = 0; b < KW; b++) s += padded(n, grp * Cg + c, i * sh + a * dh, j * sw + b * dw) * w[((o * Cg + c) * KH + a) * KW + b]!;
          out.push(s);
        }
  return { out, shape: [N, O, OH, OW] };
}

/** Transposed convolution by its definition: every input pixel scatters filter·value into the output. */
function naiveConvT(x: number[], xs: number[], w: number[], ws: number[], s: [number, number], p: [number, number], op: [number, number], groups: number): { out: number[]; shape: number[] } {
  const [N, Cin, H, W] = xs as [number, number, number, number];
  const [, Cog, KH, KW] = ws as [number, number, number, number];
  const Cout = Cog * groups;
  const OH = (H - 1) * s[0] - 2 * p[0] + KH + op[0];
  const OW = (W - 1) * s[1] - 2 * p[1] + KW + op[1];
  const out = new Array<number>(N * Cout * OH * OW).fill(0);
  const cinG = Cin / groups;
  for (let n = 0; n < N; n++)
    for (let ci = 0; ci < Cin; ci++) {
      const grp = Math.floor(ci / cinG);
      for (let i = 0; i < H; i++)
        for (let j = 0; j < W; j++)
          for (let co = 0; co < Cog; co++)
            for (let a = 0; a < KH; a++)
              for (let b = 0; b < KW; b++) {
                const oi = i * s[0] - p[0] + a, oj = j * s[1] - p[1] + b;
                if (oi < 0 || oi >= OH || oj < 0 || oj >= OW) continue;
                out[((n * Cout + grp * Cog + co) * OH + oi) * OW + oj]! += x[((n * Cin + ci) * H + i) * W + j]! * w[((ci * Cog + co) * KH + a) * KW + b]!;
              }
    }
  return { out, shape: [N, Cout, OH, OW] };
}

forEachBackend('conv2d', () => {
  describe('forward', () => {
    it('a 3×3 image with a 2×2 filter, by hand', async () => {
      const x = nb.tensor([[[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]]);
      const w = nb.tensor([[[[1, 0], [0, -1]]]]);
      await expectTensor(nb.conv2d(x, w), [[[[-4, -4], [-4, -4]]]], [1, 1, 2, 2]);
      await expectTensor(nb.conv2d(x, w, { padding: 1, stride: 2 }), [[[[-1, -3], [-7, -4]]]], [1, 1, 2, 2]);
    });
    const cases: [string, number[], number[], nb.Conv2dOptions, Geo][] = [
      ['plain', [2, 3, 5, 5], [4, 3, 3, 3], {}, {}],
      ['stride 2, padding 1', [1, 2, 6, 5], [3, 2, 3, 3], { stride: 2, padding: 1 }, { stride: [2, 2], pads: [1, 1, 1, 1] }],
      ["'same' (stride 1, even kernel)", [1, 2, 5, 4], [2, 2, 2, 2], { padding: 'same' }, { pads: [0, 1, 0, 1] }],
      ["'same' with stride 2", [1, 1, 5, 5], [1, 1, 3, 3], { padding: 'same', stride: 2 }, { stride: [2, 2], pads: [1, 1, 1, 1] }],
      ["'valid'", [1, 1, 4, 4], [2, 1, 3, 3], { padding: 'valid' }, {}],
      ['asymmetric padding', [1, 1, 4, 4], [1, 1, 2, 3], { padding: [1, 0, 2, 1] }, { pads: [1, 0, 2, 1] }],
      ['dilation 2', [1, 2, 7, 6], [2, 2, 3, 2], { dilation: 2 }, { dilation: [2, 2] }],
      ['groups 2', [2, 4, 4, 4], [6, 2, 3, 3], { groups: 2, padding: 1 }, { groups: 2, pads: [1, 1, 1, 1] }],
      ['depthwise (groups = channels)', [1, 3, 4, 4], [3, 1, 2, 2], { groups: 3 }, { groups: 3 }],
      ['1×1 filter, rectangular stride', [1, 3, 4, 5], [2, 3, 1, 1], { stride: [1, 2] }, { stride: [1, 2] }],
    ];
    for (const [name, xs, ws, opts, geo] of cases) {
      it(`matches a naive loop: ${name}`, async () => {
        const x = rnd(xs, 130);
        const w = rnd(ws, 131);
        const ref = naiveConv(await vals(x), xs, await vals(w), ws, geo);
        await expectTensor(nb.conv2d(x, w, opts), ref.out, ref.shape, 1e-5);
      });
    }
    it("'same' keeps the spatial size at stride 1", async () => {
      expect(nb.conv2d(nb.zeros([1, 1, 7, 6]), nb.zeros([1, 1, 5, 3]), { padding: 'same' }).shape).toEqual([1, 1, 7, 6]);
    });
    it('conv2dTranspose matches the scatter definition', async () => {
      const confs: [number[], number[], [number, number], [number, number], [number, number], number][] = [
        [[1, 2, 3, 3], [2, 3, 3, 3], [1, 1], [0, 0], [0, 0], 1],
        [[2, 2, 3, 2], [2, 1, 3, 3], [2, 2], [1, 1], [1, 1], 1],
        [[1, 4, 2, 3], [4, 2, 2, 2], [2, 1], [0, 0], [1, 0], 2],
      ];
      for (const [i, [xs, ws, s, p, op, groups]] of confs.entries()) {
        const x = rnd(xs, 140 + i);
        const w = rnd(ws, 150 + i);
        const ref = naiveConvT(await vals(x), xs, await vals(w), ws, s, p, op, groups);
        await expectTensor(nb.conv2dTranspose(x, w, { stride: s, padding: p, outputPadding: op, groups }), ref.out, ref.shape, 1e-5);
      }
    });
    it('conv2dTranspose inverts the shape of a strided conv2d', async () => {
      const y = nb.conv2d(nb.zeros([1, 3, 8, 8]), nb.zeros([5, 3, 3, 3]), { stride: 2, padding: 1 });
      expect(y.shape).toEqual([1, 5, 4, 4]);
      expect(nb.conv2dTranspose(y, nb.zeros([5, 3, 3, 3]), { stride: 2, padding: 1, outputPadding: 1 }).shape).toEqual([1, 3, 8, 8]);
    });
  });

  describe('gradients (gradcheck)', () => {
    const cases: [string, number[], number[], nb.Conv2dOptions][] = [
      ['plain', [1, 2, 4, 4], [2, 2, 3, 3], {}],
      ['stride + padding', [2, 1, 5, 4], [2, 1, 3, 2], { stride: [2, 1], padding: 1 }],
      ["'same'", [1, 2, 4, 4], [1, 2, 2, 2], { padding: 'same' }],
      ['dilation', [1, 1, 5, 5], [2, 1, 2, 2], { dilation: 2 }],
      ['groups', [1, 4, 3, 3], [4, 2, 2, 2], { groups: 2 }],
    ];
    for (const [name, xs, ws, opts] of cases) {
      it(`conv2d in x and filter: ${name}`, async () => await check((x, w) => nb.conv2d(x!, w!, opts), [rnd(xs, 160), rnd(ws, 161)]));
    }
    it('conv2dTranspose in x and filter', async () => {
      await check((x, w) => nb.conv2dTranspose(x!, w!, { stride: 2, padding: 1, outputPadding: 1 }), [rnd([1, 2, 3, 3], 162), rnd([2, 1, 3, 3], 163)]);
      await check((x, w) => nb.conv2dTranspose(x!, w!, { groups: 2 }), [rnd([1, 2, 2, 2], 164), rnd([2, 2, 2, 2], 165)]);
    });
    it('second derivative through conv2d (grad of grad)', async () => {
      const x = rnd([1, 1, 3, 3], 166);
      await check((w) => {
        const g = nb.grad((xx: nb.Tensor) => nb.sum(nb.square(nb.conv2d(xx, w!, { padding: 1 }))))(nb.cast(x, w!.dtype));
        return g;
      }, [rnd([1, 1, 2, 2], 167)]);
    });
  });
});
