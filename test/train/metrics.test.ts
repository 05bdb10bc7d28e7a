import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';

const { metrics, evaluate, fit } = nb.train;

/** A "model" that returns its input: the inputs are the predictions. */
const identity: nb.train.Model = { call: (x: nb.Tensor) => x, parameters: () => [] };

// 3 classes; confusion matrix (rows: target, columns: prediction) [[1,1,1],[0,2,0],[1,0,2]]
const T = [0, 0, 1, 1, 2, 2, 2, 0];
const P = [0, 1, 1, 1, 2, 0, 2, 2];
const scores = (p: readonly number[], c = 3): nb.Tensor => nb.oneHot(nb.fromArray(Int32Array.from(p)), c).mul(2).sub(1);
const labels = (t: readonly number[]): nb.Tensor => nb.fromArray(Int32Array.from(t));

async function run(m: nb.train.Metric, pred: nb.Tensor, target: nb.Tensor): Promise<number> {
  m.reset();
  await m.update(pred, target);
  return m.result();
}

for (const backend of ['cpu', 'wasm']) {
  describe(`metrics (${backend})`, () => {
    let before = '';
    beforeAll(() => {
      before = nb.getBackend().name;
      nb.setBackend(backend);
    });
    afterAll(() => nb.setBackend(before));

    it('precision, recall and f1 (macro, micro) match hand-computed values', async () => {
      const pred = scores(P);
      const y = labels(T);
      expect(await run(metrics.precision(), pred, y)).toBeCloseTo(11 / 18, 12);
      expect(await run(metrics.precision({ average: 'macro' }), pred, y)).toBeCloseTo(11 / 18, 12);
      expect(await run(metrics.recall({ average: 'macro' }), pred, y)).toBeCloseTo(2 / 3, 12);
      expect(await run(metrics.f1({ average: 'macro' }), pred, y)).toBeCloseTo(28 / 45, 12);
      for (const f of [metrics.precision, metrics.recall, metrics.f1]) expect(await run(f({ average: 'micro' }), pred, y)).toBeCloseTo(5 / 8, 12);
      // one-hot targets give the same values
      expect(await run(metrics.f1(), pred, nb.oneHot(y, 3))).toBeCloseTo(28 / 45, 12);
      const m = metrics.precision();
      await m.update(pred, y);
      expect(m.confusionMatrix()).toEqual([[1, 1, 1], [0, 2, 0], [1, 0, 2]]);
      nb.dispose([pred, y]);
    });

    it('binary precision, recall and f1 for a single output, with a threshold', async () => {
      const pred = nb.tensor([0.9, 0.2, 0.6, 0.4, 0.7], { shape: [5, 1] });
      const y = nb.tensor([1, 0, 0, 1, 0], { shape: [5, 1] });
      // TP 1, FP 2, FN 1
      expect(await run(metrics.precision(), pred, y)).toBeCloseTo(1 / 3, 12);
      expect(await run(metrics.recall(), pred, y)).toBeCloseTo(1 / 2, 12);
      expect(await run(metrics.f1({ average: 'binary' }), pred, y)).toBeCloseTo(0.4, 12);
      expect(await run(metrics.precision({ threshold: 0.65 }), pred, y)).toBeCloseTo(0.5, 12);
      expect(await run(metrics.accuracy(), pred, y)).toBeCloseTo(2 / 5, 12);
      expect(await run(metrics.accuracy({ threshold: 0.65 }), pred, y)).toBeCloseTo(3 / 5, 12);
      nb.dispose([pred, y]);
    });

    it('top-k accuracy', async () => {
      const pred = nb.tensor([0.1, 0.5, 0.4, 0.3, 0.3, 0.4, 0.6, 0.3, 0.1, 0.1, 0.2, 0.7], { shape: [4, 3] });
      const y = labels([2, 0, 1, 0]);
      expect(await run(metrics.topKAccuracy({ k: 1 }), pred, y)).toBe(0);
      expect(await run(metrics.topKAccuracy({ k: 2 }), pred, y)).toBe(0.75);
      expect(await run(metrics.topKAccuracy({ k: 3 }), pred, y)).toBe(1);
      expect(metrics.topKAccuracy({ k: 2 }).name).toBe('top2Accuracy');
      nb.dispose([pred, y]);
    });

    it('mae, mse and r2', async () => {
      const pred = nb.tensor([1, 2, 3, 4], { shape: [4, 1] });
      const y = nb.tensor([1.5, 2, 2, 5], { shape: [4, 1] });
      expect(await run(metrics.mae(), pred, y)).toBeCloseTo(0.625, 6);
      expect(await run(metrics.mse(), pred, y)).toBeCloseTo(0.5625, 6);
      expect(await run(metrics.r2(), pred, y)).toBeCloseTo(1 - 2.25 / 7.6875, 6);
      nb.dispose([pred, y]);
    });

    it('confusionMatrix from scores or class indices', async () => {
      const pred = scores(P);
      const y = labels(T);
      const expected = [[1, 1, 1], [0, 2, 0], [1, 0, 2]];
      const a = metrics.confusionMatrix(pred, y);
      expect(a.dtype).toBe('int32');
      expect(await a.array()).toEqual(expected);
      const b = metrics.confusionMatrix(labels(P), y, 4);
      expect(await b.array()).toEqual([[1, 1, 1, 0], [0, 2, 0, 0], [1, 0, 2, 0], [0, 0, 0, 0]]);
      expect(() => metrics.confusionMatrix(labels(P), y)).toThrow(/confusionMatrix: numClasses/);
      expect(() => metrics.confusionMatrix(pred, labels([0, 1]))).toThrow(/^confusionMatrix: /);
      nb.dispose([pred, y, a, b]);
    });

    it('streams: batched evaluate equals the whole-set value (uneven last batch)', async () => {
      const n = 103;
      const c = 4;
      const r = new nb.Random(7);
      const s = Array.from({ length: n * c }, () => r.uniform());
      const t = Array.from({ length: n }, () => Math.floor(r.uniform() * c));
      const x = nb.tensor(s, { shape: [n, c] });
      const y = labels(t);
      // brute force over the whole set
      const p = Array.from({ length: n }, (_, i) => { const row = s.slice(i * c, i * c + c); return row.indexOf(Math.max(...row)); });
      const cm = Array.from({ length: c }, () => new Array<number>(c).fill(0));
      for (let i = 0; i < n; i++) cm[t[i]!]![p[i]!]! += 1;
      const prec = cm.map((_, k) => cm[k]![k]! / cm.reduce((a, row) => a + row[k]!, 0));
      const rec = cm.map((row, k) => row[k]! / row.reduce((a, v) => a + v, 0));
      const f1 = prec.map((q, k) => (2 * q * rec[k]!) / (q + rec[k]!));
      const mean = (v: number[]): number => v.reduce((a, b) => a + b, 0) / v.length;
      const top2 = t.filter((tk, i) => s.slice(i * c, i * c + c).filter((v) => v > s[i * c + tk]!).length < 2).length / n;
      const acc = t.filter((tk, i) => p[i] === tk).length / n;
      const custom = (pr: nb.Tensor, tg: nb.Tensor): number => pr.shape[0]! * 0 + tg.shape[0]!; // per-batch mean of the batch size
      const ev = await evaluate(identity, { x, y }, { batchSize: 10, metrics: ['accuracy', 'precision', 'recall', 'f1', { topK: 2 }, custom] });
      expect(ev.accuracy).toBe(acc);
      expect(ev.precision).toBeCloseTo(mean(prec), 12);
      expect(ev.recall).toBeCloseTo(mean(rec), 12);
      expect(ev.f1).toBeCloseTo(mean(f1), 12);
      expect(ev.top2Accuracy).toBe(top2);
      expect(ev.custom).toBeCloseTo((10 * 10 * 10 + 3 * 3) / n, 12);
      // the same with one batch
      const whole = await evaluate(identity, { x, y }, { batchSize: n, metrics: ['precision', 'recall', 'f1'] });
      expect(whole.precision).toBe(ev.precision);
      expect(whole.recall).toBe(ev.recall);
      expect(whole.f1).toBe(ev.f1);
      nb.dispose([x, y]);
    });

    it('streams regression metrics: batched equals whole-set', async () => {
      const n = 53;
      const r = new nb.Random(3);
      const pv = Array.from({ length: n }, () => r.uniform() * 4);
      const tv = Array.from({ length: n }, () => r.uniform() * 4 + 1);
      const x = nb.tensor(pv, { shape: [n, 1] });
      const y = nb.tensor(tv, { shape: [n, 1] });
      const e = pv.map((v, i) => v - tv[i]!);
      const my = tv.reduce((a, b) => a + b, 0) / n;
      const sse = e.reduce((a, v) => a + v * v, 0);
      const sst = tv.reduce((a, v) => a + (v - my) ** 2, 0);
      const ev = await evaluate(identity, { x, y }, { batchSize: 8, loss: nb.nn.mse, metrics: ['mae', 'mse', 'r2'] });
      expect(ev.mae).toBeCloseTo(e.reduce((a, v) => a + Math.abs(v), 0) / n, 5);
      expect(ev.mse).toBeCloseTo(sse / n, 5);
      expect(ev.r2).toBeCloseTo(1 - sse / sst, 5);
      nb.dispose([x, y]);
    });
  });
}

describe('metrics in fit', () => {
  it('logs Keras-style keys for every metric, training and validation', async () => {
    nb.seed(3);
    const data = nb.data.toyTensors(nb.data.xor({ n: 64, seed: 1 }));
    const model = nb.nn.sequential(nb.nn.linear(2, 8), nb.nn.relu(), nb.nn.linear(8, 2));
    function meanPrediction(pred: nb.Tensor): number {
      return pred.shape[1]!;
    }
    const h = await fit(model, data, {
      epochs: 2,
      verbose: 0,
      validation: data,
      metrics: ['accuracy', 'precision', metrics.f1({ average: 'micro' }), 'topKAccuracy', meanPrediction],
    });
    for (const k of ['accuracy', 'precision', 'f1', 'top5Accuracy', 'meanPrediction']) {
      expect(h.metrics[k]!.length, k).toBe(2);
      expect(h.metrics[`val_${k}`]!.length, k).toBe(2);
    }
    const lines: string[] = [];
    await fit(model, data, { epochs: 1, verbose: 2, log: (l) => lines.push(l), validation: data, metrics: ['accuracy', 'f1'] });
    expect(lines[0]).toMatch(/ · loss \d\.\d{4} · accuracy \d\.\d{4} · f1 \d\.\d{4} · val_loss \d\.\d{4} · val_accuracy \d\.\d{4} · val_f1 \d\.\d{4}$/);
    // micro f1 of single-label classes is the accuracy
    expect(h.metrics.f1![1]).toBeCloseTo(h.metrics.accuracy![1]!, 12);
    expect(h.metrics.val_top5Accuracy![1]).toBe(1);
    expect(h.metrics.meanPrediction![0]).toBe(2);
    const ev = await evaluate(model, data, { metrics: ['precision'] });
    expect(ev.precision).toBeCloseTo(h.metrics.val_precision![1]!, 12);
    nb.dispose(data);
    model.dispose();
  });

  it('keeps nb.memory() flat with every kind of metric, and leaves the data alive', async () => {
    nb.seed(4);
    const data = nb.data.toyTensors(nb.data.xor({ n: 40, seed: 2 }));
    const model = nb.nn.sequential(nb.nn.linear(2, 4), nb.nn.relu(), nb.nn.linear(4, 2));
    const counts: number[] = [];
    const all = (): nb.train.MetricSpec[] => ['accuracy', 'precision', 'recall', 'f1', { topK: 1 }, metrics.fromFunction((p) => p.mean().mul(1), { name: 'meanOut' }), (p: nb.Tensor) => p.shape[0]!];
    await fit(model, data, {
      epochs: 4,
      batchSize: 40,
      verbose: 0,
      validation: data,
      metrics: all(),
      callbacks: [{ onEpochEnd: () => void counts.push(nb.memory().numTensors) }],
    });
    expect(new Set(counts).size).toBe(1);
    const before = nb.memory().numTensors;
    await evaluate(model, data, { batchSize: 40, metrics: all() });
    expect(nb.memory().numTensors).toBe(before);
    expect(data.x.isDisposed || data.y.isDisposed).toBe(false);
    nb.dispose(data);
    model.dispose();
  });

  it("works by hand in a loop (docs/training.md's snippet), leaving nothing behind", async () => {
    nb.seed(5);
    const test = nb.data.toyTensors(nb.data.xor({ n: 50, seed: 3 }));
    const model = nb.nn.sequential(nb.nn.linear(2, 4), nb.nn.relu(), nb.nn.linear(4, 2));
    const before = nb.memory().numTensors;
    const f1 = nb.train.metrics.f1({ average: 'macro' });
    for (const { x, y } of nb.data.batches(test, { batchSize: 16 })) {
      const pred = nb.noGrad(() => nb.tidy(() => model.call(x)));
      await f1.update(pred, y);
      nb.dispose([pred, x, y]);
    }
    expect(nb.memory().numTensors).toBe(before);
    const ev = await evaluate(model, test, { metrics: ['f1'] });
    expect(f1.result()).toBeCloseTo(ev.f1!, 12);
    expect(f1.confusionMatrix().flat().reduce((a, b) => a + b, 0)).toBe(50);
    nb.dispose(test);
    model.dispose();
  });

  it('rejects unknown metrics and clashing names', async () => {
    const data = nb.data.toyTensors(nb.data.xor({ n: 8, seed: 1 }));
    const model = nb.nn.sequential(nb.nn.linear(2, 2));
    // @ts-expect-error not a metric
    await expect(evaluate(model, data, { metrics: ['auc'] })).rejects.toThrow(/^evaluate: metrics\[0\] must be/);
    await expect(evaluate(model, data, { metrics: ['precision', metrics.precision()] })).rejects.toThrow(/^evaluate: metrics\[1\]: the name 'precision' is taken/);
    await expect(fit(model, data, { metrics: [{ topK: 0 }], verbose: 0 })).rejects.toThrow(/^fit: metrics\[0\]\.topK must be/);
    expect(() => metrics.f1({ average: 'weighted' as 'macro' })).toThrow(/^f1: options.average must be/);
    nb.dispose(data);
    model.dispose();
  });
});

describe('confusionMatrixChart', () => {
  it('draws one cell per entry with its count, labels escaped', () => {
    const svg = nb.viz.confusionMatrixChart([[5, 1], [0, 7]], ['cat', '<dog>']);
    expect(svg.startsWith('<svg')).toBe(true);
    expect((svg.match(/<rect class="cell"/g) ?? []).length).toBe(4);
    expect(svg).toContain('>7</text>');
    expect(svg).toContain('&lt;dog&gt;');
    expect(() => nb.viz.confusionMatrixChart([[1, 2], [3]])).toThrow(/^confusionMatrixChart: matrix must be/);
    expect(() => nb.viz.confusionMatrixChart([[1]], ['a', 'b'])).toThrow(/^confusionMatrixChart: labels must be/);
  });
});
