/**
 * nb.io.exportOnnx → nb.io.importOnnx round trips (the imported module computes what the nabla
 * model computes), the file forms, and damaged or hostile files: truncated, bit-flipped, absurd
 * dimensions, external data outside the model's folder — each a clear error, before any large
 * allocation.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as nb from '../../src/index.js';
import { DT, encodeOnnx, type OnnxModel } from '../../src/io/onnx/proto.js';

const { nn } = nb;
const tmp = mkdtempSync(path.join(tmpdir(), 'nabla-onnx-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function roundTrip(model: nb.nn.AnyModule, shape: number[], ids = 0): void {
  model.eval();
  const bytes = nb.io.exportOnnx(model, { inputShape: shape });
  const m = nb.io.importOnnx(bytes);
  const x = ids ? nb.randint(0, ids, shape) : nb.randn(shape);
  const want = model.call(x as never) as unknown;
  const w = (Array.isArray(want) ? want[0] : want) as nb.Tensor;
  const got = m.call(x);
  expect([...got.shape]).toEqual([...w.shape]);
  const g = got.dataSync() as Float32Array;
  const e = w.dataSync() as Float32Array;
  for (let k = 0; k < e.length; k++) expect(Math.abs((g[k] as number) - (e[k] as number))).toBeLessThan(1e-5 * Math.max(1, Math.abs(e[k] as number)));
  m.dispose();
}

describe('exportOnnx → importOnnx', () => {
  nb.seed(3);
  it('every exportable layer comes back computing the same values', () => {
    for (const name of nn.ACTIVATIONS) roundTrip(nn.sequential(nn.linear(4, 5), nn.activation(name)), [3, 4]);
    roundTrip(nn.sequential(nn.maxout(4, 3, 2), nn.prelu(), nn.dropout(0.2), nn.linear(3, 2)), [3, 4]);
    roundTrip(nn.sequential(nn.conv2d(2, 4, 3, { padding: [1, 0, 2, 1], stride: 2, groups: 2 }), nn.prelu({ numParameters: 4 }), nn.maxPool2d(2, { ceilMode: true }), nn.flatten(), nn.linear(16, 2)), [2, 2, 7, 6]);
    roundTrip(nn.conv2d(2, 3, 3, { padding: 1, paddingMode: 'circular' }), [1, 2, 5, 5]);
    roundTrip(nn.sequential(nn.conv1d(2, 3, 3, { padding: 'same', paddingMode: 'reflect' }), nn.avgPool1d(2, { padding: 1, countIncludePad: true })), [2, 2, 7]);
    roundTrip(nn.sequential(nn.conv3d(2, 2, 2), nn.maxPool3d(2)), [1, 2, 5, 5, 5]);
    roundTrip(nn.sequential(nn.conv2dTranspose(2, 3, 3, { stride: 2, padding: 1, outputPadding: 1 }), nn.upsample({ mode: 'bilinear' }), nn.upsample({ scaleFactor: [1, 2] })), [1, 2, 3, 3]);
    roundTrip(nn.sequential(nn.batchNorm2d(2), nn.globalAvgPool2d(), nn.layerNorm(2)), [3, 2, 4, 4]);
    roundTrip(nn.residual(nn.sequential(nn.linear(4, 4), nn.relu()), nn.linear(4, 4)), [2, 4]);
    roundTrip(nn.sequential(nn.embedding(9, 4), nn.pick(nn.gru(4, 3, { bidirectional: true, numLayers: 2 })), nn.reshape([-1]), nn.linear(30, 2)), [2, 5], 9);
    roundTrip(nn.lstm(3, 4, { bidirectional: true, numLayers: 2, returnSequences: false }), [2, 5, 3]);
    roundTrip(nn.rnn(3, 4, { nonlinearity: 'relu', batchFirst: false }), [5, 2, 3]);
  });
  it('batch norm statistics come back as buffers, weights as trainable parameters', () => {
    const bn = nn.sequential(nn.conv2d(1, 2, 3), nn.batchNorm2d(2));
    const m = nb.io.importOnnx(nb.io.exportOnnx(bn, { inputShape: [1, 1, 4, 4] }));
    expect(m.namedBuffers().map(([n]) => n)).toEqual(['1_running_mean', '1_running_var']);
    expect(m.namedParameters().map(([n]) => n)).toEqual(['0_weight', '0_bias', '1_weight', '1_bias']);
    expect(m.parameters().every((p) => p.requiresGrad)).toBe(true);
    expect(m.inputNames).toEqual(['input']);
    expect(m.outputNames).toEqual(['output']);
  });
  it('dynamic batch: the exported model takes any batch size', () => {
    const model = nn.sequential(nn.conv2d(1, 2, 3), nn.flatten(), nn.linear(8, 2));
    const m = nb.io.importOnnx(nb.io.exportOnnx(model, { inputShape: [1, 1, 3, 6] }));
    expect(m.call(nb.randn([7, 1, 3, 6])).shape).toEqual([7, 2]);
  });
  it('file forms: exportOnnxFile writes atomically, importOnnxFile reads it back', async () => {
    const model = nn.sequential(nn.linear(3, 4), nn.tanh());
    const file = path.join(tmp, 'm.onnx');
    await nb.io.exportOnnxFile(model, file, { inputShape: [1, 3] });
    const m = await nb.io.importOnnxFile(file);
    const x = nb.randn([2, 3]);
    expect(Array.from(m.call(x).dataSync())).toEqual(Array.from(model.call(x).dataSync()));
    await expect(nb.io.importOnnxFile(path.join(tmp, 'missing.onnx'))).rejects.toThrow(/importOnnxFile: cannot read .*missing.onnx/);
    await expect(nb.io.exportOnnxFile(model, file, { inputShape: [1, 5] })).rejects.toThrow(/exportOnnxFile: .*linear: input has 5 features/);
  });
});

/** A one-node model Identity(x) with one initializer `t`, as bytes. */
function withInitializer(t: OnnxModel['graph']['initializers'][number], op = 'Add'): Uint8Array {
  return encodeOnnx({
    irVersion: 8, opsets: [{ domain: '', version: 17 }], producerName: 't', producerVersion: '', metadata: {},
    graph: {
      name: 'g', nodes: [{ name: 'n', opType: op, domain: '', inputs: ['x', t.name], outputs: ['y'], attributes: [] }], initializers: [t],
      inputs: [{ name: 'x', elemType: DT.FLOAT, shape: [1] }], outputs: [{ name: 'y', elemType: DT.FLOAT, shape: [1] }],
    },
  });
}

describe('importOnnx: damaged and hostile files', () => {
  const good = nb.io.exportOnnx(nn.sequential(nn.conv2d(1, 2, 3), nn.relu(), nn.flatten(), nn.linear(8, 2)), { inputShape: [1, 1, 4, 4] });

  it('refuses empty, foreign and truncated bytes', () => {
    expect(() => nb.io.importOnnx(new Uint8Array(0))).toThrow(/importOnnx: model.onnx: empty/);
    expect(() => nb.io.importOnnx(new TextEncoder().encode('{"not": "onnx"}'))).toThrow(nb.io.OnnxFormatError);
    for (const n of [1, 7, 50, Math.floor(good.length / 2), good.length - 3]) {
      expect(() => nb.io.importOnnx(good.subarray(0, n), { file: 'cut.onnx' })).toThrow(/importOnnx: cut.onnx: /);
    }
    expect(() => nb.io.importOnnx('x' as never)).toThrow(/importOnnx: bytes must be a Uint8Array or an ArrayBuffer/);
  });

  it('bit-flipped files: a clear error or a model that still runs, never a crash', () => {
    const rnd = new nb.Random(7);
    const x = nb.randn([2, 1, 4, 4]);
    for (let trial = 0; trial < 300; trial++) {
      const b = good.slice();
      const flips = 1 + Math.floor(rnd.uniform() * 3);
      for (let k = 0; k < flips; k++) b[Math.floor(rnd.uniform() * b.length)]! ^= 1 << Math.floor(rnd.uniform() * 8);
      try {
        const m = nb.io.importOnnx(b, { file: 'flipped.onnx' });
        try {
          nb.tidy(() => m.call(x));
        } finally {
          m.dispose();
        }
      } catch (e) {
        expect(e).toBeInstanceOf(Error);
        expect((e as Error).message).toMatch(/^(importOnnx: flipped\.onnx: |OnnxModel: )/);
      }
    }
  });

  it('absurd dimensions and sizes are refused before allocating', () => {
    const huge = withInitializer({ name: 'w', dims: [1 << 20, 1 << 20, 1 << 10], dataType: DT.FLOAT, data: new Float32Array(4) });
    expect(() => nb.io.importOnnx(huge)).toThrow(/tensor 'w' of shape \[1048576,1048576,1024\] is too large/);
    const short = withInitializer({ name: 'w', dims: [1000, 1000], dataType: DT.FLOAT, data: new Float32Array(4) });
    expect(() => nb.io.importOnnx(short)).toThrow(/tensor 'w' of shape \[1000,1000\] needs 4000000 bytes of data, but has 16/);
    const neg = withInitializer({ name: 'w', dims: [-3], dataType: DT.FLOAT, data: new Float32Array(0) });
    expect(() => nb.io.importOnnx(neg)).toThrow(/tensor 'w' has a bad dimension -3/);
    const shape = withInitializer({ name: 's', dims: [3], dataType: DT.INT64, data: [100000, 100000, 100000] }, 'Expand');
    expect(() => nb.io.importOnnx(shape).call(nb.ones([1]))).toThrow(/OnnxModel: node 'n' \(Expand\): shape \[100000,100000,100000\] is too large/);
    const tile = withInitializer({ name: 'r', dims: [1], dataType: DT.INT64, data: [1e9] }, 'Tile');
    expect(() => nb.io.importOnnx(tile).call(nb.ones([1]))).toThrow(/OnnxModel: node 'n' \(Tile\): shape \[1000000000\] is too large/);
    const op = withInitializer({ name: 'w', dims: [1], dataType: DT.FLOAT, data: new Float32Array(1) }, 'NonMaxSuppression');
    expect(() => nb.io.importOnnx(op)).toThrow(/importOnnx: model.onnx: node 'n' \(NonMaxSuppression\): the op NonMaxSuppression is not supported/);
  });

  it('external data: outside the model folder, missing, or too short', async () => {
    const write = (name: string, b: Uint8Array): string => {
      const f = path.join(tmp, name);
      writeFileSync(f, b);
      return f;
    };
    const bytes = encodeExternal('../secret.bin');
    await expect(nb.io.importOnnxFile(write('escape.onnx', bytes))).rejects.toThrow(/importOnnxFile: .*escape.onnx: initializer 'w' names external data outside the model's folder \('..\/secret.bin'\)/);
    await expect(nb.io.importOnnxFile(write('nofile.onnx', encodeExternal('none.bin')))).rejects.toThrow(/initializer 'w': cannot read its external data 'none.bin'/);
    write('short.bin', new Uint8Array(8));
    await expect(nb.io.importOnnxFile(write('short.onnx', encodeExternal('short.bin')))).rejects.toThrow(/initializer 'w' needs bytes 0..16 of 'short.bin', which has 8/);
    write('ok.bin', new Uint8Array(new Float32Array([1, 2, 3, 4]).buffer));
    const m = await nb.io.importOnnxFile(write('ok.onnx', encodeExternal('ok.bin')));
    expect(Array.from(m.call(nb.zeros([4])).dataSync())).toEqual([1, 2, 3, 4]);
  });
});

/** A model Add(x, w) whose initializer w [4] float lives in external file `location`. */
function encodeExternal(location: string): Uint8Array {
  return withInitializer({ name: 'w', dims: [4], dataType: DT.FLOAT, data: [], external: { location, offset: 0, length: 16 } });
}
