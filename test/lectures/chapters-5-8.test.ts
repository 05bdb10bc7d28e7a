/**
 * Lecture chapters 5–8 run in short mode against an in-memory ChapterContext: every figure is a
 * well-formed SVG document or PNG file with a valid name, numbers are finite, every check holds,
 * and a check that fails makes the chapter fail (a chapter's claims are real assertions).
 */
import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import type { Chapter, ChapterContext } from '../../src/lectures/types.js';
import optimizers, { quadratic, signFlips, trajectory } from '../../src/lectures/chapters/05-optimizers.js';
import initialization, { activations } from '../../src/lectures/chapters/06-initialization.js';
import trainingBehaviour from '../../src/lectures/chapters/07-training-behaviour.js';
import convolutional from '../../src/lectures/chapters/08-convolutional.js';

interface Recorded {
  figures: { name: string; caption: string; content: string | Uint8Array }[];
  numbers: { label: string; value: number | string; unit?: string }[];
  checks: { holds: boolean; claim: string; detail?: string }[];
  logs: string[];
}

/** A ChapterContext that keeps everything in memory and throws on a false check, as the runner does. */
function memoryContext(opts: { short?: boolean; seed?: number } = {}): { ctx: ChapterContext; rec: Recorded } {
  const rec: Recorded = { figures: [], numbers: [], checks: [], logs: [] };
  const ctx: ChapterContext = {
    short: opts.short ?? true,
    seed: opts.seed ?? 0,
    figure(name, caption, content) {
      if (!/^[a-z0-9-]+$/.test(name)) throw new Error(`figure name '${name}' is not [a-z0-9-]+`);
      if (rec.figures.some((f) => f.name === name)) throw new Error(`figure name '${name}' is used twice`);
      rec.figures.push({ name, caption, content });
    },
    number(label, value, unit) {
      rec.numbers.push({ label, value, ...(unit === undefined ? {} : { unit }) });
    },
    check(holds, claim, detail) {
      rec.checks.push({ holds, claim, ...(detail === undefined ? {} : { detail }) });
      if (!holds) throw new Error(`claim failed: ${claim}${detail ? ` (${detail})` : ''}`);
    },
    log(message) {
      rec.logs.push(message);
    },
  };
  return { ctx, rec };
}

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function expectValidFigure(f: Recorded['figures'][number]): void {
  expect(f.caption.length, `caption of ${f.name}`).toBeGreaterThan(10);
  if (typeof f.content === 'string') {
    const svg = f.content.trim();
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"'), f.name).toBe(true);
    expect(svg.endsWith('</svg>'), f.name).toBe(true);
    expect((svg.match(/<svg[\s>]/g) ?? []).length, f.name).toBe(1);
    expect(svg, f.name).not.toMatch(/NaN|undefined|Infinity/);
    // attribute values never hold a raw '<' or '&' (text is escaped)
    expect(svg, f.name).not.toMatch(/="[^"]*[<][^"]*"/);
    expect(svg.replace(/&(lt|gt|amp|quot|apos);/g, ''), f.name).not.toContain('&');
  } else {
    expect([...f.content.subarray(0, 8)], f.name).toEqual(PNG_MAGIC);
    const view = new DataView(f.content.buffer, f.content.byteOffset, f.content.byteLength);
    expect(String.fromCharCode(...f.content.subarray(12, 16)), f.name).toBe('IHDR');
    expect(view.getUint32(16), `${f.name} width`).toBeGreaterThan(0);
    expect(view.getUint32(20), `${f.name} height`).toBeGreaterThan(0);
  }
}

async function runChapter(ch: Chapter, order: number): Promise<Recorded> {
  expect(ch.order).toBe(order);
  expect(ch.id).toMatch(/^[a-z0-9-]+$/);
  expect(ch.section).toBe(`§${order}`);
  expect(ch.claim.length).toBeGreaterThan(50);
  const { ctx, rec } = memoryContext();
  const t0 = performance.now();
  await ch.run(ctx);
  rec.logs.push(`${ch.id}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  expect(rec.checks.length).toBeGreaterThan(0);
  expect(rec.checks.filter((c) => !c.holds)).toEqual([]);
  expect(rec.figures.length).toBeGreaterThan(0);
  for (const f of rec.figures) expectValidFigure(f);
  for (const n of rec.numbers) {
    expect(n.label.length).toBeGreaterThan(0);
    if (typeof n.value === 'number') expect(Number.isFinite(n.value), n.label).toBe(true);
  }
  return rec;
}

describe('lecture chapters 5–8 (short mode)', () => {
  it('5 optimizers: trajectories over contour lines, schedules, MNIST loss curves; every claim holds', async () => {
    const rec = await runChapter(optimizers, 5);
    expect(rec.figures.map((f) => f.name)).toEqual(['quadratic-trajectories', 'rosenbrock-trajectories', 'saddle-trajectories', 'schedules', 'mnist-loss']);
    expect(rec.checks.length).toBeGreaterThanOrEqual(8);
  }, 300_000);

  it('6 initialization: activation histograms per layer; every claim holds', async () => {
    const rec = await runChapter(initialization, 6);
    expect(rec.figures.map((f) => f.name)).toEqual(['tanh-histograms', 'tanh-std', 'relu-histograms', 'relu-std']);
    // one histogram panel per layer and initialization: 10 layers × 5 initializations
    const panels = (rec.figures[0]!.content as string).match(/fill="#f7f7f7"/g) ?? [];
    expect(panels.length).toBe(50);
  }, 300_000);

  it('7 training behaviour: vanishing gradient, zig-zag, dead ReLUs, depth/width, universal approximation; every claim holds', async () => {
    const rec = await runChapter(trainingBehaviour, 7);
    expect(rec.figures.map((f) => f.name)).toContain('universal-approximation');
    expect(rec.figures.map((f) => f.name)).toContain('vanishing-gradient');
    expect(rec.checks.length).toBeGreaterThanOrEqual(12);
  }, 300_000);

  it('8 convolutional: a convolution and pooling step with numbers, LeNet-5 filters and feature maps (PNG); every claim holds', async () => {
    const rec = await runChapter(convolutional, 8);
    const pngs = rec.figures.filter((f) => f.content instanceof Uint8Array).map((f) => f.name);
    expect(pngs).toEqual(['c1-filters', 'digit', 'maps-c1', 'maps-s2', 'maps-c3', 'maps-s4', 'maps-c5-f6']);
    expect(rec.numbers.find((n) => n.label.startsWith('LeNet-5 (classic) test error'))?.unit).toBe('%');
  }, 300_000);
});

describe('a chapter check can fail', () => {
  it('a false check stops the chapter with the claim in the error', async () => {
    const failing: Chapter = {
      id: 'failing', order: 99, title: 'a failing chapter', section: '§0', claim: 'a claim that does not hold',
      async run(ctx) {
        ctx.check(true, 'one that holds');
        ctx.check(1 + 1 === 3, 'one plus one is three', 'got 2');
        ctx.number('never reached', 1);
      },
    };
    const { ctx, rec } = memoryContext();
    await expect(failing.run(ctx)).rejects.toThrow('claim failed: one plus one is three (got 2)');
    expect(rec.numbers).toEqual([]);
  });

  it("chapter 5's zig-zag claim fails when η is small enough that SGD stops overshooting the steep direction (ηλ < 1)", () => {
    // ½(x² + 20y²): the steep coordinate is multiplied by 1 − 20η per step; it changes sign only when 20η > 1
    expect(signFlips(trajectory(quadratic, nb.optim.sgd(0.06), 20))).toBe(20);
    expect(signFlips(trajectory(quadratic, nb.optim.sgd(0.02), 20))).toBe(0);
  });

  it("chapter 6's He claim fails with Xavier weights in the ReLU network, and its collapse claim fails for He", () => {
    nb.seed(0);
    const x = nb.randn([100, 64]);
    nb.seed(1);
    const he = activations(x, 'relu', () => nb.nn.init.heNormal());
    nb.seed(1);
    const xavier = activations(x, 'relu', () => nb.nn.init.xavierNormal({ mode: 'fanIn' }));
    x.dispose();
    const ratio = (ls: { std: number }[]): number => ls.at(-1)!.std / ls[0]!.std;
    expect(ratio(he)).toBeGreaterThan(0.5);
    expect(ratio(he)).toBeLessThan(2);
    // what the chapter checks for He (within a factor 2) does not hold for Xavier's 1/n_in
    expect(ratio(xavier)).toBeLessThan(0.5);
    // and He does not collapse (the chapter's check for N(0, 0.01²) would fail)
    expect(he.at(-1)!.std).toBeGreaterThan(1e-4);
  });
});
