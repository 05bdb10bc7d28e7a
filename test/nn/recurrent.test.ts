/**
 * Embedding and the recurrent layers: PyTorch's parameter layout and values (fixtures from
 * scripts/torch/rnn.py), float64 gradient checks of cells and layers (through lengths and both
 * directions), variable-length batches, config/save/load, summary and bad input.
 */
import { describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as nb from '../../src/index.js';
import { checkParamGrads as checkParams, expectClose, expectPlainError, onBackend, pinBackend, values } from './helpers.js';

pinBackend('cpu');

interface Flat { shape: number[]; data: number[] }
interface Case {
  config: { inputSize: number; hiddenSize: number; numLayers: number; bidirectional: boolean };
  lengths: number[];
  x: Flat; h0: Flat; c0?: Flat;
  stateDict: Record<string, Flat>;
  output: Flat; hn: Flat; cn?: Flat;
  wy: Flat; wh: Flat; wc?: Flat;
  grads: Record<string, Flat>;
}
const fixture = JSON.parse(fs.readFileSync(new URL('../fixtures/torch/rnn.json', import.meta.url), 'utf8')) as { lstm: Case; gru: Case };
const t = (f: Flat, dtype: 'float32' | 'float64' = 'float32'): nb.Tensor => nb.tensor(f.data, { shape: f.shape, dtype });

/** A random float64 tensor. */
function r64(shape: number[], seed: number): nb.Tensor {
  const r = new nb.Random(seed);
  let n = 1;
  for (const d of shape) n *= d;
  return nb.fromArray(Float64Array.from({ length: n }, () => r.uniform() * 2 - 1), shape);
}

/** Central differences of `objective` in every parameter of `m` against its backward gradients. */
function checkParamGrads(m: nb.nn.AnyModule, objective: () => nb.Tensor, tol = 1e-6): void {
  checkParams(m, objective, { atol: tol, rtol: 1e-5 });
}

describe('PyTorch parity (fixtures from scripts/torch/rnn.py)', () => {
  for (const [kind, backend] of (['lstm', 'gru'] as const).flatMap((k) => nb.backendNames().map((b) => [k, b] as const))) {
    it(`${kind} on ${backend}: a PyTorch state dict loads and gives PyTorch's outputs, final states and gradients`, () => onBackend(backend, () => {
      const c = fixture[kind];
      const opts = { numLayers: c.config.numLayers, bidirectional: c.config.bidirectional };
      const layer = kind === 'lstm' ? nb.nn.lstm(c.config.inputSize, c.config.hiddenSize, opts) : nb.nn.gru(c.config.inputSize, c.config.hiddenSize, opts);
      // Names, order and shapes are PyTorch's.
      expect(layer.namedParameters().map(([n, p]) => [n, p.shape])).toEqual(Object.entries(c.stateDict).map(([n, f]) => [n, f.shape]));
      const res = nb.io.loadTorchStateDict(layer, c.stateDict);
      expect(res.loaded.length).toBe(Object.keys(c.stateDict).length);
      const x = t(c.x).requireGrad();
      const h0 = t(c.h0).requireGrad();
      const c0 = c.c0 ? t(c.c0).requireGrad() : null;
      let loss: nb.Tensor;
      if (layer instanceof nb.nn.LSTM) {
        const [y, [hn, cn]] = layer.call(x, [h0, c0!], c.lengths);
        expectClose(y, c.output.data, 1e-5, c.output.shape);
        expectClose(hn, c.hn.data, 1e-5, c.hn.shape);
        expectClose(cn, c.cn!.data, 1e-5, c.cn!.shape);
        loss = nb.add(nb.add(nb.sum(nb.mul(y, t(c.wy))), nb.sum(nb.mul(hn, t(c.wh)))), nb.sum(nb.mul(cn, t(c.wc!))));
      } else {
        const [y, hn] = (layer as nb.nn.GRU).call(x, h0, c.lengths);
        expectClose(y, c.output.data, 1e-5, c.output.shape);
        expectClose(hn, c.hn.data, 1e-5, c.hn.shape);
        loss = nb.add(nb.sum(nb.mul(y, t(c.wy))), nb.sum(nb.mul(hn, t(c.wh))));
      }
      loss.backward();
      expectClose(x.grad!, c.grads['x']!.data, 1e-4);
      expectClose(h0.grad!, c.grads['h0']!.data, 1e-4);
      if (c0) expectClose(c0.grad!, c.grads['c0']!.data, 1e-4);
      for (const [n, p] of layer.namedParameters()) expectClose(p.grad!, c.grads[n]!.data, 1e-4);
    }));
  }

  it('loadTorchStateDict: nested arrays, Linear weights transposed, strict names and shapes', () => {
    const m = nb.nn.sequential(nb.nn.linear(2, 3), nb.nn.relu());
    nb.io.loadTorchStateDict(m, { '0.weight': [[1, 2], [3, 4], [5, 6]], '0.bias': [0, 0, 1] });
    expectClose(m.call(nb.tensor([[1, 1]])), [3, 7, 12]);
    expectPlainError(() => nb.io.loadTorchStateDict(m, { '0.weight': [[1, 2], [3, 4], [5, 6]] }), /loadTorchStateDict: missing keys: 0\.bias/);
    expect(nb.io.loadTorchStateDict(m, { '0.bias': [1, 1, 1], extra: [1] }, { strict: false })).toEqual({ loaded: ['0.bias'], missing: ['0.weight'], unexpected: ['extra'] });
    expectPlainError(() => nb.io.loadTorchStateDict(m, { '0.weight': [[1, 2, 3], [4, 5, 6]], '0.bias': [0, 0, 1] }), /loadTorchStateDict: '0\.weight' has shape \[2,3\]/);
    expectPlainError(() => nb.io.loadTorchStateDict(m, { '0.weight': { shape: [3, 2], data: [1] }, '0.bias': [0, 0, 1] }), /loadTorchStateDict: stateDict\['0\.weight'\] has 1 values, but its shape \[3,2\] holds 6/);
  });
});

describe('cells (float64 gradient checks)', () => {
  const B = 2, I = 3, H = 2;
  for (const kind of ['rnn_tanh', 'rnn_relu', 'lstm', 'gru'] as const) {
    it(`${kind} cell: input, state and parameter gradients`, () => {
      nb.seed(3);
      const x = r64([B, I], 1);
      const h = r64([B, H], 2);
      const c = r64([B, H], 3);
      const wh = r64([B, H], 4);
      const wc = r64([B, H], 5);
      if (kind === 'lstm') {
        const cell = nb.nn.lstmCell(I, H, { dtype: 'float64' });
        expect(cell.namedParameters().map(([n, p]) => [n, p.shape])).toEqual([['weight_ih', [8, 3]], ['weight_hh', [8, 2]], ['bias_ih', [8]], ['bias_hh', [8]]]);
        const f = (xx: nb.Tensor, hh: nb.Tensor, cc: nb.Tensor): nb.Tensor => {
          const [h2, c2] = cell.call(xx, [hh, cc]);
          return nb.add(nb.sum(nb.mul(h2, wh)), nb.sum(nb.mul(c2, wc)));
        };
        nb.testing.gradcheck(f, [x, h, c]);
        checkParamGrads(cell, () => f(x, h, c));
      } else {
        const cell = kind === 'gru' ? nb.nn.gruCell(I, H, { dtype: 'float64' }) : nb.nn.rnnCell(I, H, { dtype: 'float64', nonlinearity: kind === 'rnn_relu' ? 'relu' : 'tanh' });
        const f = (xx: nb.Tensor, hh: nb.Tensor): nb.Tensor => nb.sum(nb.mul(cell.call(xx, hh), wh));
        nb.testing.gradcheck(f, [x, h]);
        checkParamGrads(cell, () => f(x, h));
      }
    });
  }

  it('an absent state is zeros', () => {
    const cell = nb.nn.gruCell(3, 2);
    const x = nb.randn([2, 3]);
    expectClose(cell.call(x), values(cell.call(x, nb.zeros([2, 2]))), 0);
  });
});

describe('sequence layers', () => {
  it('float64 gradient checks through lengths, two layers and both directions (input, state, parameters)', () => {
    nb.seed(5);
    const B = 2, T = 3, I = 2, H = 2;
    for (const kind of ['rnn', 'lstm', 'gru'] as const) {
      const opts = { numLayers: 2, bidirectional: true, dtype: 'float64' as const };
      const layer = kind === 'lstm' ? nb.nn.lstm(I, H, opts) : kind === 'gru' ? nb.nn.gru(I, H, opts) : nb.nn.rnn(I, H, opts);
      const x = r64([B, T, I], 11);
      const h0 = r64([4, B, H], 12);
      const wy = r64([B, T, 2 * H], 13);
      const wh = r64([4, B, H], 14);
      const lengths = [3, 2];
      const f = (xx: nb.Tensor, hh: nb.Tensor): nb.Tensor => {
        if (layer instanceof nb.nn.LSTM) {
          const [y, [hn, cn]] = layer.call(xx, [hh, nb.mul(hh, 0.5)], lengths);
          return nb.add(nb.add(nb.sum(nb.mul(y, wy)), nb.sum(nb.mul(hn, wh))), nb.sum(cn));
        }
        const [y, hn] = (layer as nb.nn.GRU).call(xx, hh, lengths);
        return nb.add(nb.sum(nb.mul(y, wy)), nb.sum(nb.mul(hn, wh)));
      };
      nb.testing.gradcheck(f, [x, h0]);
      checkParamGrads(layer, () => f(x, h0));
    }
  });

  it('padded steps change neither outputs, final states nor gradients, and output zero', () => {
    nb.seed(1);
    const layer = nb.nn.lstm(3, 4, { numLayers: 2, bidirectional: true });
    const B = 2, T = 5;
    const x = nb.randn([B, T, 3]);
    const lengths = [5, 2];
    const run = (fill: number): { y: number[]; h: number[]; c: number[]; gx: number[]; gw: number[] } => {
      // Sequence 1's steps 2..4 are padding, filled with `fill`.
      const data = Float32Array.from(x.dataSync());
      for (let tt = 2; tt < T; tt++) for (let f = 0; f < 3; f++) data[(1 * T + tt) * 3 + f] = fill;
      const xi = nb.fromArray(data, [B, T, 3]).requireGrad();
      layer.zeroGrad();
      const [y, [h, c]] = layer.call(xi, null, lengths);
      nb.add(nb.sum(nb.square(y)), nb.add(nb.sum(h), nb.sum(c))).backward();
      const gx = values(xi.grad!).slice(0, T * 3).concat(values(xi.grad!).slice(T * 3, T * 3 + 6));
      return { y: values(y), h: values(h), c: values(c), gx, gw: layer.parameters().flatMap((p) => values(p.grad!)) };
    };
    const a = run(0);
    const b = run(NaN);
    expect(b).toEqual(a);
    // Outputs at padded steps are zero; the padded inputs get a zero gradient.
    const [y] = layer.call(x, null, lengths);
    expect(values(nb.slice(y, [1, 2, 0], [1, 3, 8])).every((v) => v === 0)).toBe(true);
    // A sequence of length 2 in a padded batch gives what it gives alone.
    const alone = nb.slice(x, [1, 0, 0], [1, 2, 3]);
    const [ya, [ha]] = layer.call(alone);
    expectClose(nb.slice(y, [1, 0, 0], [1, 2, 8]), values(ya), 1e-6);
    const [, [hp]] = layer.call(x, null, nb.tensor(lengths, { dtype: 'int32' }));
    expectClose(nb.slice(hp, [0, 1, 0], [4, 1, 4]), values(ha), 1e-6);
  });

  it('returnSequences: false gives each sequence\'s last output (both directions); batchFirst: false takes [time, batch, features]', () => {
    nb.seed(2);
    const seq = nb.nn.gru(3, 4, { bidirectional: true });
    const last = nb.nn.gru(3, 4, { bidirectional: true, returnSequences: false });
    last.loadStateDict(seq.stateDict());
    const x = nb.randn([2, 4, 3]);
    const [y] = seq.call(x, null, [4, 3]);
    const [yl, h] = last.call(x, null, [4, 3]);
    expect(yl.shape).toEqual([2, 8]);
    expectClose(nb.slice(yl, [0, 0], [2, 4]), values(nb.reshape(nb.slice(h, [0, 0, 0], [1, 2, 4]), [2, 4])), 0);
    expectClose(nb.slice(yl, [1, 0], [1, 4]), values(nb.slice(y, [1, 2, 0], [1, 1, 4])), 0);
    expectClose(nb.slice(yl, [0, 4], [2, 4]), values(nb.reshape(nb.slice(y, [0, 0, 4], [2, 1, 4]), [2, 4])), 0);
    const tf = nb.nn.gru(3, 4, { bidirectional: true, batchFirst: false });
    tf.loadStateDict(seq.stateDict());
    const [yt] = tf.call(nb.transpose(x, [1, 0, 2]));
    expectClose(nb.transpose(yt, [1, 0, 2]), values(seq.call(x)[0]), 1e-7);
  });

  it('the final state continues the sequence (truncated BPTT carries it)', () => {
    nb.seed(4);
    const l = nb.nn.lstm(2, 3);
    const x = nb.randn([1, 6, 2]);
    const [yAll] = l.call(x);
    const [y1, s1] = l.call(nb.slice(x, [0, 0, 0], [1, 3, 2]));
    const [y2] = l.call(nb.slice(x, [0, 3, 0], [1, 3, 2]), [s1[0].detach(), s1[1].detach()]);
    expectClose(nb.concat([y1, y2], 1), values(yAll), 1e-6);
  });

  it('a training step inside tidy leaves no tensors behind (state carried and detached, lengths, dropout, embedding)', () => {
    nb.seed(8);
    const embed = nb.nn.embedding(6, 3, { paddingIdx: 0 });
    const l = nb.nn.lstm(3, 4, { numLayers: 2, bidirectional: true, dropout: 0.2 });
    const params = [...embed.parameters(), ...l.parameters()];
    const ids = nb.tensor([[1, 2, 3, 0], [4, 5, 0, 0]], { dtype: 'int32' });
    let state: nb.nn.LSTMState = [nb.zeros([4, 2, 4]), nb.zeros([4, 2, 4])];
    let before = 0;
    for (let step = 0; step < 6; step++) {
      if (step === 2) before = nb.memory().numTensors;
      const next = nb.tidy(() => {
        const [y, [h, c]] = l.call(embed.call(ids), state, [4, 2]);
        nb.sum(nb.square(y)).backward();
        nb.noGrad(() => {
          for (const p of params) {
            p.assign(nb.sub(p, nb.mul(p.grad!, 0.01)));
            p.zeroGrad();
          }
        });
        return [h.detach(), c.detach()] as nb.nn.LSTMState;
      });
      nb.dispose(state);
      state = next;
    }
    expect(nb.memory().numTensors).toBe(before);
  });

  it('inter-layer dropout is active only in training mode', () => {
    nb.seed(6);
    const l = nb.nn.rnn(3, 5, { numLayers: 2, dropout: 0.5 });
    const x = nb.randn([2, 4, 3]);
    const a = values(l.call(x)[0]);
    const b = values(l.call(x)[0]);
    expect(a).not.toEqual(b);
    l.eval();
    expect(values(l.call(x)[0])).toEqual(values(l.call(x)[0]));
  });

  it('PyTorch init: every parameter in U(−1/√H, 1/√H)', () => {
    const l = nb.nn.lstm(5, 16, { numLayers: 2, bidirectional: true });
    for (const [, p] of l.namedParameters()) expect(values(p).every((v) => Math.abs(v) <= 0.25)).toBe(true);
    expect(l.namedParameters().map(([n]) => n).slice(0, 8)).toEqual([
      'weight_ih_l0', 'weight_hh_l0', 'bias_ih_l0', 'bias_hh_l0', 'weight_ih_l0_reverse', 'weight_hh_l0_reverse', 'bias_ih_l0_reverse', 'bias_hh_l0_reverse',
    ]);
    expect(l.stateDict()['weight_ih_l1']!.shape).toEqual([64, 32]);
  });
});

describe('embedding', () => {
  it('looks rows up; the gradient is a scatter-add into the rows used; the padding row gets none', () => {
    const e = nb.nn.embedding(5, 2, { paddingIdx: 0, dtype: 'float64' });
    expect(values(e.weight).slice(0, 2)).toEqual([0, 0]);
    const w = nb.tensor([[0, 0], [1, 2], [3, 4], [5, 6], [7, 8]], { dtype: 'float64' });
    e.loadStateDict({ weight: w });
    const ids = nb.tensor([[1, 0, 3], [3, 3, 0]], { dtype: 'int32' });
    const y = e.call(ids);
    expect(y.shape).toEqual([2, 3, 2]);
    expectClose(y, [1, 2, 0, 0, 5, 6, 5, 6, 5, 6, 0, 0]);
    nb.sum(nb.mul(y, nb.arange(0, 12, 1, { dtype: 'float64' }).reshape([2, 3, 2]))).backward();
    // rows: 0 (padding) none; 1 gets [0,1]; 3 gets [4,5]+[6,7]+[8,9]; 2 and 4 unused.
    expectClose(e.weight.grad!, [0, 0, 0, 1, 0, 0, 18, 21, 0, 0]);
    nb.testing.gradcheck((ww) => nb.sum(nb.square(nb.gather(ww, ids, 0))), [w]);
  });

  it('accepts integer-valued float ids; rejects ids outside the vocabulary, fractions and bool', () => {
    const e = nb.nn.embedding(4, 3);
    expect(e.call(nb.tensor([0, 3])).shape).toEqual([2, 3]);
    expectPlainError(() => e.call(nb.tensor([[1, 4]], { dtype: 'int32' })), 'embedding: ids[0,1] = 4 is outside the vocabulary [0, 4): ids is [1,2], the table is [4,3]');
    expectPlainError(() => e.call(nb.tensor([-1], { dtype: 'int32' })), 'embedding: ids[0] = -1 is outside the vocabulary [0, 4): ids is [1], the table is [4,3]');
    expectPlainError(() => e.call(nb.tensor([0.5])), 'embedding: ids[0] = 0.5 is not an integer token id');
    expectPlainError(() => e.call(nb.tensor([true])), 'embedding: ids must be int32 token ids, got bool [1]');
    expectPlainError(() => nb.nn.embedding(4, 3, { paddingIdx: 4 }), /embedding: paddingIdx must be/);
  });
});

describe('config, save/load, summary, sequential', () => {
  it('every layer round-trips through config and nb.io.encodeModel/decodeModel', async () => {
    const layers: nb.nn.AnyModule[] = [
      nb.nn.embedding(7, 3, { paddingIdx: 1 }), nb.nn.rnnCell(3, 2, { nonlinearity: 'relu' }), nb.nn.lstmCell(3, 2), nb.nn.gruCell(3, 2, { bias: false }),
      nb.nn.rnn(3, 2, { nonlinearity: 'relu', numLayers: 2 }), nb.nn.lstm(3, 2, { bidirectional: true, dropout: 0.1, returnSequences: false }), nb.nn.gru(3, 2, { batchFirst: false }),
      nb.nn.pick(nb.nn.lstm(3, 2)),
    ];
    for (const l of layers) {
      const again = nb.nn.fromConfig<nb.nn.AnyModule>(l.config());
      expect(again.config()).toEqual(l.config());
      const back = nb.io.decodeModel(await nb.io.encodeModel(l)).model as nb.nn.AnyModule;
      expect(back.constructor).toBe(l.constructor);
      for (const [n, p] of l.namedParameters()) expect(values(back.stateDict()[n]!)).toEqual(values(p));
    }
  });

  it('a model: embedding → pick(lstm) → linear trains with fit and shows in summary', async () => {
    nb.seed(1);
    const model = nb.nn.sequential(nb.nn.embedding(6, 4), nb.nn.pick(nb.nn.lstm(4, 8, { returnSequences: false })), nb.nn.linear(8, 2));
    const s = model.summary([5]);
    expect(s).toContain('Embedding');
    expect(s).toMatch(/layer\s+LSTM\s+\(\[batch, 8\], \(\[1, batch, 8\], \[1, batch, 8\]\)\)/);
    expect(s).toContain('Sequential (input [batch, 5], output [batch, 2])');
    const x = nb.tensor([[1, 2, 3, 4, 5], [5, 4, 3, 2, 1], [1, 1, 2, 2, 3], [5, 5, 4, 4, 3]], { dtype: 'int32' });
    const y = nb.tensor([0, 1, 0, 1], { dtype: 'int32' });
    const h = await nb.train.fit(model, { x, y }, { epochs: 30, batchSize: 4, optimizer: nb.optim.adam(0.05), loss: nb.nn.softmaxCrossEntropy, verbose: 0 });
    const loss = h.metrics['loss']!;
    expect(loss.at(-1)!).toBeLessThan(loss[0]! / 2);
  });

  it('summary shows the shapes of tuple outputs', () => {
    const s = nb.nn.lstm(3, 5, { numLayers: 2, bidirectional: true }).summary([7, 3]);
    expect(s).toContain('LSTM (input [batch, 7, 3], output ([batch, 7, 10], ([4, batch, 5], [4, batch, 5])))');
  });

  it('sequential refuses a layer with several outputs at run time, naming it', () => {
    const m = nb.nn.sequential(nb.nn.lstm(3, 4) as unknown as nb.nn.Module);
    expectPlainError(() => m.call(nb.randn([1, 2, 3])), /sequential: layer 0 \(LSTM\) returned a tuple of 2, not a Tensor; .*nn\.pick/);
  });
});

describe('bad input', () => {
  const l = nb.nn.lstm(3, 4, { numLayers: 2 });
  it.each([
    ['rank', () => l.call(nb.randn([2, 3])), 'lstm: input must be 3-D [batch, time, features], got [2,3]'],
    ['features', () => l.call(nb.randn([2, 5, 2])), 'lstm: input has 2 features, expected 3: x is [2,5,2]'],
    ['lengths too long', () => l.call(nb.randn([2, 5, 3]), null, [5, 6]), 'lstm: lengths[1] is 6, longer than the time axis (5): x is [2,5,3]'],
    ['lengths count', () => l.call(nb.randn([2, 5, 3]), null, [5]), 'lstm: lengths has 1 entries, but the batch has 2 sequences: x is [2,5,3]'],
    ['lengths negative', () => l.call(nb.randn([2, 5, 3]), null, [5, -1]), 'lstm: lengths[1] must be an integer ≥ 0, got -1'],
    ['state shape', () => l.call(nb.randn([2, 5, 3]), [nb.zeros([1, 2, 4]), nb.zeros([2, 2, 4])]), 'lstm: state[0] (h0) must have shape [2,2,4], got [1,2,4]'],
    ['state form', () => l.call(nb.randn([2, 5, 3]), nb.zeros([2, 2, 4]) as unknown as nb.nn.LSTMState), 'lstm: state must be an array [h0, c0] of two Tensors'],
    ['gru state', () => nb.nn.gru(3, 4).call(nb.randn([2, 5, 3]), nb.zeros([1, 3, 4])), 'gru: state (h0) must have shape [1,2,4], got [1,3,4]'],
    ['cell rank', () => nb.nn.gruCell(3, 4).call(nb.randn([2, 5, 3])), 'gruCell: input must be 2-D [batch, features], got [2,5,3]'],
    ['cell state', () => nb.nn.rnnCell(3, 4).call(nb.randn([2, 3]), nb.zeros([2, 3])), 'rnnCell: h must have shape [2,4], got [2,3]'],
    ['options', () => nb.nn.lstm(3, 4, { layers: 2 } as never), /lstm: unknown option 'layers'/],
    ['hidden', () => nb.nn.gru(3, 0), 'gru: hiddenSize must be a positive integer, got 0'],
  ])('%s', (_, fn, msg) => expectPlainError(fn, msg));
});
