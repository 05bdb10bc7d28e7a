/**
 * TF.js Layers models in and out, checked against TF.js itself (@tensorflow/tfjs on its CPU
 * backend) on the same inputs: TF.js → nabla (fromTfjs) and nabla → TF.js (toTfjs, loaded by
 * tf.loadLayersModel), for dense, convolutional (NHWC ↔ NCHW, the Flatten→Dense row order),
 * batch-norm and LSTM models; plus the files (saveTfjs/loadTfjs) and the refusals.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as nb from '../../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'nabla-tfjs-'));
beforeAll(async () => {
  nb.setBackend('cpu');
  await tf.setBackend('cpu');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The artifacts TF.js saves for `model`. */
async function artifactsOf(model: tf.LayersModel): Promise<nb.io.TfjsArtifacts> {
  let out: nb.io.TfjsArtifacts | undefined;
  await model.save(tf.io.withSaveHandler(async (a) => {
    out = { modelTopology: a.modelTopology, weightSpecs: a.weightSpecs as nb.io.TfjsWeightSpec[], weightData: a.weightData as ArrayBuffer };
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  return out!;
}

/** Deterministic inputs in [-1, 1). */
function inputs(shape: number[], seed = 1): Float32Array {
  let s = seed;
  return Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1);
}

const nhwcToNchw = (x: Float32Array, [n, h, w, c]: number[]): Float32Array => {
  const out = new Float32Array(x.length);
  for (let b = 0; b < n!; b++) for (let i = 0; i < h!; i++) for (let j = 0; j < w!; j++) for (let k = 0; k < c!; k++) out[((b * c! + k) * h! + i) * w! + j] = x[((b * h! + i) * w! + j) * c! + k]!;
  return out;
};

function close(a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-5): void {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / Math.max(1, Math.abs(b[i]!)));
  expect(worst).toBeLessThan(tol);
}

function convNet(): tf.Sequential {
  const m = tf.sequential();
  m.add(tf.layers.conv2d({ inputShape: [10, 10, 2], filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }), biasInitializer: tf.initializers.randomNormal({ seed: 2 }) }));
  m.add(tf.layers.batchNormalization({ betaInitializer: tf.initializers.randomNormal({ seed: 3 }), gammaInitializer: tf.initializers.randomUniform({ minval: 0.5, maxval: 1.5, seed: 4 }), movingMeanInitializer: tf.initializers.randomNormal({ seed: 5 }), movingVarianceInitializer: tf.initializers.randomUniform({ minval: 0.5, maxval: 2, seed: 6 }) }));
  m.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  m.add(tf.layers.conv2d({ filters: 3, kernelSize: [3, 2], strides: [1, 2], padding: 'valid', kernelInitializer: tf.initializers.glorotUniform({ seed: 7 }) }));
  m.add(tf.layers.averagePooling2d({ poolSize: 2, strides: 1, padding: 'same' }));
  m.add(tf.layers.flatten());
  m.add(tf.layers.dropout({ rate: 0.3 }));
  m.add(tf.layers.dense({ units: 5, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 8 }), biasInitializer: tf.initializers.randomNormal({ seed: 9 }) }));
  return m;
}

describe('TF.js → nabla (fromTfjs)', () => {
  it('a convolutional network with batch norm, pooling and Flatten→Dense gives TF.js\'s outputs on NCHW input', async () => {
    const m = convNet();
    const x = inputs([3, 10, 10, 2]);
    const want = await (m.predict(tf.tensor(x, [3, 10, 10, 2])) as tf.Tensor).data();
    const ours = nb.io.fromTfjs(await artifactsOf(m));
    expect(ours.summary([2, 10, 10])).toContain('BatchNorm2d');
    close(await ours.call(nb.tensor(nhwcToNchw(x, [3, 10, 10, 2]), { shape: [3, 2, 10, 10] })).data(), want);
  });

  it('a dense network and an embedding + LSTM (sigmoid gates) network', async () => {
    const d = tf.sequential({ layers: [tf.layers.dense({ inputShape: [6], units: 8, activation: 'tanh', biasInitializer: tf.initializers.randomNormal({ seed: 1 }) }), tf.layers.batchNormalization({ movingMeanInitializer: tf.initializers.randomNormal({ seed: 2 }) }), tf.layers.dense({ units: 3, activation: 'elu' })] });
    const x = inputs([4, 6]);
    close(await nb.io.fromTfjs(await artifactsOf(d)).call(nb.tensor(x, { shape: [4, 6] })).data(), await (d.predict(tf.tensor(x, [4, 6])) as tf.Tensor).data());

    const r = tf.sequential({ layers: [
      tf.layers.embedding({ inputDim: 12, outputDim: 5, inputLength: 7 }),
      tf.layers.lstm({ units: 6, recurrentActivation: 'sigmoid', returnSequences: true, biasInitializer: tf.initializers.randomNormal({ seed: 3 }) }),
      tf.layers.lstm({ units: 4, recurrentActivation: 'sigmoid' }),
      tf.layers.dense({ units: 2 }),
    ] });
    const ids = Array.from({ length: 14 }, (_, i) => (i * 5) % 12);
    const want = await (r.predict(tf.tensor(ids, [2, 7])) as tf.Tensor).data();
    close(await nb.io.fromTfjs(await artifactsOf(r)).call(nb.tensor(ids, { shape: [2, 7], dtype: 'int32' })).data(), want);
  });

  it('refuses what does not convert, naming the layer and the reason', async () => {
    const hard = tf.sequential({ layers: [tf.layers.lstm({ inputShape: [3, 2], units: 2 })] });
    await expect(async () => nb.io.fromTfjs(await artifactsOf(hard))).rejects.toThrow(/fromTfjs: layer 'lstm_\w+' \(LSTM\): recurrent_activation "hardSigmoid"|recurrent_activation "hard_sigmoid"/);
    const gru = tf.sequential({ layers: [tf.layers.gru({ inputShape: [3, 2], units: 2, recurrentActivation: 'sigmoid' })] });
    await expect(async () => nb.io.fromTfjs(await artifactsOf(gru))).rejects.toThrow(/TF.js's GRU applies the reset gate before the recurrent product/);
    const a = await artifactsOf(tf.sequential({ layers: [tf.layers.dense({ inputShape: [2], units: 2 })] }));
    expect(() => nb.io.fromTfjs({ ...a, weightData: a.weightData.slice(0, 4) })).toThrow(/fromTfjs: the weight data has 4 bytes, the manifest's weights need 24/);
    expect(() => nb.io.fromTfjs({ ...a, weightSpecs: [{ name: 'w', shape: [1 << 20, 1 << 20], dtype: 'float32' }] })).toThrow(/declares 1048576×1048576 values/);
    expect(() => nb.io.fromTfjs({ ...a, weightSpecs: a.weightSpecs.map((w) => ({ ...w, name: w.name.replace('kernel', 'k') })) })).toThrow(/needs the weight 'dense_\w+\/kernel', which the manifest does not list/);
    expect(() => nb.io.fromTfjs({ ...a, modelTopology: { class_name: 'Model', config: {} } })).toThrow('fromTfjs: only Sequential TF.js models convert (this one is "Model")');
    expect(() => nb.io.fromTfjs(null as unknown as nb.io.TfjsArtifacts)).toThrow('fromTfjs: artifacts must be TF.js model artifacts');
  });
});

describe('nabla → TF.js (toTfjs)', () => {
  it('TF.js loads a nabla CNN and gives its outputs on NHWC input', async () => {
    nb.seed(5);
    const m = nb.nn.sequential(
      nb.nn.conv2d(2, 4, 3, { padding: 1 }), nb.nn.batchNorm2d(4), nb.nn.relu(), nb.nn.maxPool2d(2),
      nb.nn.conv2d(4, 3, [3, 2], { stride: [1, 2] }), nb.nn.avgPool2d(2, { stride: 1 }), nb.nn.flatten(), nb.nn.dropout(0.2), nb.nn.linear(6, 5), nb.nn.softmax(),
    );
    // non-trivial running statistics
    m.train();
    m.call(nb.randn([8, 2, 10, 10]));
    m.eval();
    const x = inputs([3, 10, 10, 2], 7);
    const want = await m.call(nb.tensor(nhwcToNchw(x, [3, 10, 10, 2]), { shape: [3, 2, 10, 10] })).data();
    const artifacts = await nb.io.toTfjs(m, { inputShape: [2, 10, 10] });
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(artifacts as tf.io.ModelArtifacts));
    close(await (loaded.predict(tf.tensor(x, [3, 10, 10, 2])) as tf.Tensor).data(), want);
    // and back: the explicit padding went out as ZeroPadding2D and comes back into the convolution
    close(await nb.io.fromTfjs(artifacts).call(nb.tensor(nhwcToNchw(x, [3, 10, 10, 2]), { shape: [3, 2, 10, 10] })).data(), want);
  });

  it('a dense and an LSTM network, through files (saveTfjs → model.json → TF.js and loadTfjs)', async () => {
    nb.seed(6);
    const m = nb.nn.sequential(nb.nn.embedding(9, 4), nb.nn.pick(nb.nn.lstm(4, 5)), nb.nn.pick(nb.nn.lstm(5, 3, { returnSequences: false })), nb.nn.linear(3, 2), nb.nn.activation('leakyRelu', { alpha: 0.1 }));
    const ids = [1, 2, 3, 4, 5, 6, 7, 8, 0, 1];
    const want = await m.call(nb.tensor(ids, { shape: [2, 5], dtype: 'int32' })).data();
    const out = join(dir, 'lstm');
    await nb.io.saveTfjs(m, out, { inputShape: [5] });
    const json = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8')) as { weightsManifest: { paths: string[] }[] };
    expect(json.weightsManifest[0]!.paths).toEqual(['weights.bin']);
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(await nb.io.toTfjs(m, { inputShape: [5] }) as tf.io.ModelArtifacts));
    close(await (loaded.predict(tf.tensor(ids, [2, 5])) as tf.Tensor).data(), want);
    close(await (await nb.io.loadTfjs(join(out, 'model.json'))).call(nb.tensor(ids, { shape: [2, 5], dtype: 'int32' })).data(), want);
  });

  it('refuses what TF.js cannot hold', async () => {
    await expect(nb.io.toTfjs(nb.nn.sequential(nb.nn.pick(nb.nn.gru(2, 2))), { inputShape: [3, 2] })).rejects.toThrow(/toTfjs: layer Pick: only pick\(lstm\(…\)\) converts/);
    await expect(nb.io.toTfjs(nb.nn.sequential(nb.nn.conv2d(1, 1, 3, { paddingMode: 'reflect', padding: 1 })), { inputShape: [1, 5, 5] })).rejects.toThrow(/padding mode 'reflect' has no TF.js equivalent/);
    await expect(nb.io.toTfjs(nb.nn.sequential(nb.nn.linear(2, 2)), {} as nb.io.ToTfjsOptions)).rejects.toThrow('toTfjs: options.inputShape must be the shape of one sample');
    await expect(nb.io.loadTfjs(join(dir, 'none.json'))).rejects.toThrow(/loadTfjs: cannot read/);
  });
});
