/**
 * nb.io.importOnnx on models exported once from PyTorch (scripts/torch/onnx_models.py, the
 * TorchScript exporter at opset 17): the outputs PyTorch computed must come back within 1e-5.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import * as nb from '../../src/index.js';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'onnx');
interface Flat { shape: number[]; data: number[] }
interface Case { file: string; input: Flat; int: boolean; outputs: Flat[] }
const { cases } = JSON.parse(readFileSync(path.join(dir, 'expected.json'), 'utf8')) as { cases: Case[] };

function close(got: nb.Tensor, want: Flat, tol = 1e-5): void {
  expect([...got.shape]).toEqual(want.shape);
  const g = got.dataSync() as Float32Array;
  want.data.forEach((w, k) => expect(Math.abs((g[k] as number) - w)).toBeLessThan(tol * Math.max(1, Math.abs(w))));
}

describe('importOnnx: models exported from PyTorch', () => {
  for (const c of cases) {
    it(c.file, async () => {
      const m = c.file.includes('external') ? await nb.io.importOnnxFile(path.join(dir, c.file)) : nb.io.importOnnx(readFileSync(path.join(dir, c.file)), { file: c.file });
      const x = nb.tensor(c.input.data, { shape: c.input.shape, dtype: c.int ? 'int32' : 'float32' });
      const outs = m.run(x);
      expect(outs.length).toBe(c.outputs.length);
      c.outputs.forEach((w, k) => close(outs[k]!, w));
      close(m.call(x), c.outputs[0]!);
      m.dispose();
    });
  }

  it('a model with external data needs the path form', () => {
    expect(() => nb.io.importOnnx(readFileSync(path.join(dir, 'mlp_external.onnx')))).toThrow(/importOnnx: model.onnx: initializer '.*' is stored in an external file \('mlp_external.onnx.data'\); load the model with nb.io.importOnnxFile/);
  });

  it('an imported model fine-tunes (its float initializers are parameters) and exports back to ONNX', async () => {
    const m = nb.io.importOnnx(readFileSync(path.join(dir, 'cnn.onnx')));
    expect(m.parameters().length).toBeGreaterThanOrEqual(6);
    const x = nb.randn([4, 2, 9, 9]);
    const labels = nb.tensor([0, 1, 2, 1], { dtype: 'int32' });
    const opt = nb.optim.adam(m.parameters(), { lr: 0.01 });
    const losses: number[] = [];
    for (let step = 0; step < 15; step++) {
      losses.push(nb.tidy(() => {
        const loss = nb.nn.nllLoss(m.call(x), labels);
        loss.backward();
        opt.step();
        opt.zeroGrad();
        return loss.item();
      }));
    }
    expect(losses[14]!).toBeLessThan(losses[0]! * 0.7);
    // Written back to ONNX with the fine-tuned weights: ONNX Runtime computes what nabla does.
    const session = await ort.InferenceSession.create(nb.io.exportOnnx(m));
    const out = await session.run({ input: new ort.Tensor('float32', x.dataSync() as Float32Array, [4, 2, 9, 9]) });
    const want = m.call(x).dataSync() as Float32Array;
    (out.output!.data as Float32Array).forEach((v, k) => expect(Math.abs(v - (want[k] as number))).toBeLessThan(1e-5));
    await session.release();
  });
});
