/**
 * Buffers (batch norm's running statistics) in model and weights files: saved beside the
 * parameters under their state-dict names, restored so that eval outputs match exactly, checked
 * by name and shape like parameters; files written before buffers existed still load.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { fileParts } from './helpers.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nabla-buffers-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A small DCGAN-like block with batch norm, trained a few steps so its running statistics are not the defaults. */
function trained(): nb.nn.Sequential {
  nb.seed(11);
  const model = nb.nn.sequential(
    nb.nn.conv2d(1, 4, 3, { padding: 1 }), nb.nn.batchNorm2d(4), nb.nn.leakyRelu(0.2),
    nb.nn.upsample(), nb.nn.globalAvgPool2d(), nb.nn.linear(4, 6), nb.nn.batchNorm1d(6, { momentum: null }), nb.nn.layerNorm(6),
  );
  for (let i = 0; i < 3; i++) nb.tidy(() => void model.call(nb.randn([4, 1, 5, 5])));
  return model.eval();
}

const out = (m: nb.nn.Module, x: nb.Tensor): number[] => Array.from(nb.noGrad(() => m.call(x)).dataSync() as Float32Array);

describe('buffers in .nabla files', () => {
  it('save → load reproduces eval outputs exactly', async () => {
    const model = trained();
    const x = nb.randn([3, 1, 5, 5]);
    const file = path.join(dir, 'bn.nabla');
    await nb.io.save(model, file);
    const loaded = await nb.io.load(file);
    expect(loaded.training).toBe(false);
    expect(out(loaded, x)).toEqual(out(model, x));
    expect(Object.keys(loaded.stateDict())).toEqual(Object.keys(model.stateDict()));
    const bn = (loaded as nb.nn.Sequential).children()[1]![1] as nb.nn.BatchNorm;
    expect(bn.numBatchesTracked!.item()).toBe(3);
    expect(bn.numBatchesTracked!.dtype).toBe('int32');
  });

  it('the file lists the buffers under their state-dict names', async () => {
    const bytes = await nb.io.encodeModel(trained());
    const { header } = fileParts<nb.io.ModelHeader>(bytes);
    const names = header.tensors.map((t) => t.name);
    expect(names).toContain('1.running_mean');
    expect(names).toContain('1.running_var');
    expect(names).toContain('1.num_batches_tracked');
    expect(header.tensors.find((t) => t.name === '1.num_batches_tracked')).toMatchObject({ dtype: 'int32', shape: [] });
    expect(header.version).toBe(1);
  });

  it('saveWeights → loadWeights restores the running statistics', async () => {
    const model = trained();
    const file = path.join(dir, 'bn.weights.nabla');
    await nb.io.saveWeights(model, file);
    nb.seed(99);
    const fresh = nb.nn.fromConfig(model.config()).eval();
    const x = nb.randn([2, 1, 5, 5]);
    expect(out(fresh, x)).not.toEqual(out(model, x));
    expect(await nb.io.loadWeights(fresh, file)).toEqual({ missing: [], unexpected: [] });
    expect(out(fresh, x)).toEqual(out(model, x));
  });

  it('a weights file without the buffers is refused by a strict load and named', async () => {
    const noBn = nb.nn.sequential(nb.nn.linear(2, 3), nb.nn.batchNorm1d(3, { trackRunningStats: false }));
    const file = path.join(dir, 'nobuf.nabla');
    await nb.io.saveWeights(noBn, file);
    const withBn = nb.nn.sequential(nb.nn.linear(2, 3), nb.nn.batchNorm1d(3));
    await expect(nb.io.loadWeights(withBn, file)).rejects.toThrow("the file stores no value for the model's parameters '1.running_mean', '1.running_var', '1.num_batches_tracked'");
    expect(await nb.io.loadWeights(withBn, file, { strict: false })).toEqual({ missing: ['1.running_mean', '1.running_var', '1.num_batches_tracked'], unexpected: [] });
  });

  it('a model file whose buffer has the wrong shape names it', async () => {
    const bytes = await nb.io.encodeModel(nb.nn.batchNorm1d(3));
    const { header, payload } = fileParts<nb.io.ModelHeader>(bytes);
    header.architecture.numFeatures = 2;
    const { assembleFile } = await import('./helpers.js');
    const bad = assembleFile(JSON.stringify(header), payload);
    expect(() => nb.io.decodeModel(bad, 'bad.nabla')).toThrow("decodeModel: bad.nabla: the weights do not fit the architecture: tensors[0] ('weight') has shape [3], the architecture's parameter has [2]");
  });

  it('a model file written before buffers existed (format version 1) still loads', () => {
    const bytes = fs.readFileSync(new URL('../fixtures/model-v1-no-buffers.nabla', import.meta.url));
    const { model, metadata } = nb.io.decodeModel(bytes, 'model-v1-no-buffers.nabla');
    expect(metadata).toEqual({ note: 'written by nabla before buffers existed' });
    expect(model.namedBuffers()).toEqual([]);
    const y = out(model, nb.tensor([[0.5, -1, 2], [1, 0.25, -0.75]]));
    const want = [1.621399998664856, 1.668791651725769, -1.3463948965072632, 0.5635508894920349];
    y.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 6));
  });
});
