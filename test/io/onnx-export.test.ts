/**
 * nb.io.exportOnnx: every exportable layer, exported and run in ONNX Runtime (onnxruntime-node,
 * CPU), compared with nabla's own outputs within 1e-5.
 */
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import * as nb from '../../src/index.js';

const { nn } = nb;

/** Runs `bytes` in ONNX Runtime on x; returns every output by name. */
async function runOrt(bytes: Uint8Array, feeds: Record<string, ort.Tensor>): Promise<Record<string, ort.Tensor>> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    return await session.run(feeds);
  } finally {
    await session.release();
  }
}

/** Exports `model`, runs it in ORT on random x of `shape` (batch `batch`), compares with nabla. */
async function check(model: nb.nn.AnyModule, shape: number[], opts: { batch?: number; opset?: number; ids?: number; tol?: number; float64?: boolean } = {}): Promise<void> {
  model.eval();
  const bytes = nb.io.exportOnnx(model, { inputShape: shape, opset: opts.opset });
  const runShape = [...shape];
  if (opts.batch) runShape[0] = opts.batch;
  const x = opts.ids ? nb.randint(0, opts.ids, runShape) : nb.randn(runShape, { dtype: opts.float64 ? 'float64' : 'float32' });
  const want = model.call(x as never) as unknown;
  const expected = (Array.isArray(want) ? want[0] : want) as nb.Tensor;
  const xs = x.dataSync();
  const feed = opts.ids ? new ort.Tensor('int64', BigInt64Array.from(Array.from(xs as Int32Array, (v) => BigInt(v))), runShape) : new ort.Tensor('float32', Float32Array.from(xs as Float32Array), runShape);
  const out = await runOrt(bytes, { input: feed });
  const got = out.output!;
  expect([...got.dims]).toEqual([...expected.shape]);
  const e = expected.dataSync() as Float32Array;
  const g = got.data as Float32Array;
  const tol = opts.tol ?? 1e-5;
  let worst = 0;
  for (let k = 0; k < e.length; k++) worst = Math.max(worst, Math.abs((e[k] as number) - (g[k] as number)) / Math.max(1, Math.abs(e[k] as number)));
  expect(worst).toBeLessThan(tol);
  if (Array.isArray(want)) {
    const states = (Array.isArray(want[1]) ? want[1] : [want[1]]) as nb.Tensor[];
    const names = ['h_n', 'c_n'];
    states.forEach((st, k) => {
      const o = out[names[k]!]!;
      expect([...o.dims]).toEqual([...st.shape]);
      const sv = st.dataSync() as Float32Array;
      const ov = o.data as Float32Array;
      for (let j = 0; j < sv.length; j++) expect(Math.abs((sv[j] as number) - (ov[j] as number))).toBeLessThan(tol);
    });
  }
}

describe('exportOnnx → ONNX Runtime', () => {
  nb.seed(1);
  it('linear, every activation', async () => {
    for (const name of nn.ACTIVATIONS) {
      const opts = name === 'softmax' || name === 'logSoftmax' || name === 'softmin' ? { axis: 1 } : {};
      await check(nn.sequential(nn.linear(4, 6), nn.activation(name, opts), nn.linear(6, 3)), [2, 4], { batch: 5 });
    }
    await check(nn.sequential(nn.linear(4, 6), nn.gelu({ approximate: 'tanh' }), nn.leakyRelu(0.2), nn.elu(0.7), nn.hardtanh({ min: -0.5, max: 2 }), nn.ramp({ low: -1, high: 1 })), [3, 4]);
  });
  it('linear on [batch, time, features], without bias; maxout; prelu', async () => {
    await check(nn.sequential(nn.linear(4, 5, { bias: false }), nn.linear(5, 2)), [2, 3, 4]);
    await check(nn.sequential(nn.maxout(4, 3, 2), nn.prelu(), nn.linear(3, 2)), [3, 4]);
    await check(nn.sequential(nn.conv2d(2, 3, 3), nn.prelu({ numParameters: 3 })), [2, 2, 5, 5]);
  });
  it('conv1d/2d/3d: stride, asymmetric padding, same, dilation, groups, padding modes', async () => {
    await check(nn.conv2d(2, 4, [3, 2], { stride: [2, 1], padding: [1, 0, 2, 1], dilation: [1, 2], groups: 2 }), [2, 2, 9, 8]);
    await check(nn.conv2d(3, 2, 3, { padding: 'same', stride: 2 }), [1, 3, 8, 7]);
    for (const paddingMode of ['reflect', 'replicate', 'circular'] as const) await check(nn.conv2d(2, 3, 3, { padding: [1, 2, 2, 1], paddingMode }), [1, 2, 6, 6]);
    await check(nn.conv1d(3, 4, 3, { padding: [2, 1], stride: 2, paddingMode: 'circular' }), [2, 3, 11]);
    await check(nn.conv1d(4, 4, 3, { padding: 'same', groups: 2, dilation: 2 }), [2, 4, 10]);
    await check(nn.conv3d(2, 3, [2, 3, 3], { padding: [1, 0, 1, 1, 0, 2], stride: [1, 2, 1] }), [1, 2, 4, 6, 5]);
  });
  it('conv2dTranspose: stride, asymmetric padding, outputPadding, groups, dilation', async () => {
    await check(nn.conv2dTranspose(4, 2, 3, { stride: 2, padding: [1, 0, 0, 1], outputPadding: 1, groups: 2 }), [2, 4, 4, 5]);
    await check(nn.conv2dTranspose(2, 3, [2, 3], { dilation: 2, padding: 1 }), [1, 2, 5, 5]);
  });
  it('pooling: max/avg 1d/2d/3d, padding, countIncludePad, ceilMode, dilation, adaptive, global', async () => {
    await check(nn.maxPool2d(3, { stride: 2, padding: 1, ceilMode: true }), [2, 3, 8, 8]);
    await check(nn.maxPool2d([2, 3], { stride: [2, 1], dilation: [2, 1] }), [1, 2, 7, 7]);
    await check(nn.avgPool2d(3, { stride: 2, padding: 1, countIncludePad: true }), [1, 2, 7, 7]);
    await check(nn.avgPool2d(3, { stride: 2, padding: 1, countIncludePad: false, ceilMode: true }), [1, 2, 8, 8]);
    await check(nn.avgPool2d(2, { ceilMode: true }), [1, 2, 7, 7]);
    await check(nn.maxPool1d(3, { stride: 2, padding: 1 }), [2, 3, 10]);
    await check(nn.avgPool1d(3, { stride: 2, padding: 1, countIncludePad: true }), [2, 3, 10]);
    await check(nn.maxPool3d(2), [1, 2, 4, 4, 4]);
    await check(nn.avgPool3d([2, 2, 1], { padding: [1, 0, 0, 1, 0, 0] }), [1, 2, 4, 4, 4]);
    await check(nn.adaptiveAvgPool2d(2), [1, 3, 6, 4]);
    await check(nn.adaptiveMaxPool1d(3), [2, 3, 9]);
    await check(nn.globalAvgPool2d(), [2, 3, 5, 4]);
    await check(nn.globalMaxPool2d({ keepDims: true }), [2, 3, 5, 4]);
  });
  it('flatten, reshape, dropout, residual, subsampling', async () => {
    await check(nn.sequential(nn.conv2d(1, 2, 3), nn.flatten(), nn.dropout(0.5), nn.linear(18, 4), nn.reshape([2, 2]), nn.flatten()), [2, 1, 5, 5], { batch: 3 });
    await check(nn.residual(nn.sequential(nn.linear(4, 4), nn.tanh())), [3, 4]);
    await check(nn.residual(nn.conv2d(2, 3, 3, { padding: 1 }), nn.conv2d(2, 3, 1)), [1, 2, 5, 5]);
    await check(nn.sequential(nn.subsampling(2)), [1, 2, 6, 6]);
  });
  it('batch norm (running statistics, no affine, no running statistics), layer norm', async () => {
    const bn = nn.batchNorm2d(3);
    bn.train();
    bn.call(nb.randn([4, 3, 5, 5]).mul(2).add(1));
    await check(nn.sequential(bn), [2, 3, 5, 5]);
    const bn1 = nn.batchNorm1d(4, { affine: false });
    bn1.train();
    bn1.call(nb.randn([6, 4]));
    await check(nn.sequential(nn.linear(3, 4), bn1), [2, 3]);
    await check(nn.sequential(nn.conv1d(2, 4, 1), nn.batchNorm1d(4, { trackRunningStats: false })), [3, 2, 5]);
    await check(nn.layerNorm(6), [2, 3, 6]);
    await check(nn.layerNorm([3, 4], { elementwiseAffine: false }), [2, 3, 4]);
    await check(nn.layerNorm([3, 4]), [2, 3, 4], { opset: 18 });
  });
  it('upsample nearest and bilinear; embedding', async () => {
    await check(nn.upsample({ scaleFactor: [2, 3] }), [1, 2, 3, 4]);
    await check(nn.upsample({ scaleFactor: 2, mode: 'bilinear' }), [1, 2, 3, 4]);
    await check(nn.sequential(nn.embedding(10, 4), nn.flatten(), nn.linear(12, 2)), [2, 3], { ids: 10, batch: 4 });
  });
  it('rnn, lstm, gru: stacked, bidirectional, batchFirst, returnSequences, the final state', async () => {
    for (const make of [nn.rnn, nn.lstm, nn.gru] as const) {
      await check(make(3, 4), [2, 5, 3], { batch: 3 });
      await check(make(3, 4, { numLayers: 2, bidirectional: true }), [2, 5, 3]);
      await check(make(3, 4, { batchFirst: false, bias: false }), [5, 2, 3]);
      await check(nn.sequential(nn.pick(make(3, 4, { returnSequences: false, bidirectional: true, numLayers: 2 })), nn.linear(8, 2)), [2, 5, 3], { batch: 3 });
    }
    await check(nn.rnn(3, 4, { nonlinearity: 'relu', bidirectional: true }), [2, 5, 3]);
    await check(nn.sequential(nn.embedding(12, 5), nn.pick(nn.lstm(5, 6, { returnSequences: false })), nn.linear(6, 2)), [2, 7], { ids: 12 });
  });
  it('opset 18 (reductions take axes as an input); float64 models are written as float32', async () => {
    await check(nn.sequential(nn.maxout(4, 3, 2), nn.batchNorm1d(3, { trackRunningStats: false })), [3, 4], { opset: 18 });
    const before = nb.getBackend().name;
    nb.setBackend('cpu');
    try {
      await check(nn.sequential(nn.linear(4, 3, { dtype: 'float64' }), nn.tanh()), [2, 4], { float64: true });
    } finally {
      nb.setBackend(before);
    }
  });
  it('a layer ONNX cannot express is named in the error', () => {
    class Twice extends nn.Module {
      forward(x: nb.Tensor): nb.Tensor {
        return x.mul(2);
      }
    }
    const m = nn.sequential(nn.linear(4, 4), nn.residual(new Twice()));
    expect(() => nb.io.exportOnnx(m, { inputShape: [2, 4] })).toThrow(/exportOnnx: layer '1.body' \(Twice\) cannot be exported to ONNX/);
  });
  it('checks its arguments', () => {
    expect(() => nb.io.exportOnnx({} as never, { inputShape: [1] })).toThrow(/exportOnnx: model must be a nabla Module/);
    expect(() => nb.io.exportOnnx(nn.linear(2, 2), { inputShape: [0, 2] })).toThrow(/exportOnnx: options.inputShape\[0\] must be an integer/);
    expect(() => nb.io.exportOnnx(nn.linear(2, 2), { inputShape: [1, 2], opset: 12 })).toThrow(/exportOnnx: options.opset must be/);
    expect(() => nb.io.exportOnnx(nn.linear(2, 2), { inputShape: [1, 3] })).toThrow(/linear: input has 3 features/);
  });
});
