/** `nabla export model.nabla --format onnx|pytorch`: the CLI writes an ONNX file that ONNX Runtime runs, or model.py + weights.safetensors. */
import { afterAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import * as nb from '../../src/index.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const tmp = mkdtempSync(path.join(tmpdir(), 'nabla-onnx-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function nabla(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', path.join(root, 'src/cli/main.ts'), ...args], { cwd: root, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('nabla export', () => {
  it('writes ONNX that ONNX Runtime runs; infers the input of a linear first layer', async () => {
    const model = nb.nn.sequential(nb.nn.linear(3, 5), nb.nn.relu(), nb.nn.linear(5, 2));
    const file = path.join(tmp, 'mlp.nabla');
    await nb.io.save(model, file);
    const r = await nabla('export', file, '--format', 'onnx');
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/wrote .*mlp\.onnx \(ONNX opset 17, input \[1, 3\], any batch size\)/);
    const session = await ort.InferenceSession.create(path.join(tmp, 'mlp.onnx'));
    const x = nb.randn([4, 3]);
    const out = await session.run({ input: new ort.Tensor('float32', x.dataSync() as Float32Array, [4, 3]) });
    const want = model.call(x).dataSync() as Float32Array;
    (out.output!.data as Float32Array).forEach((v, k) => expect(Math.abs(v - (want[k] as number))).toBeLessThan(1e-5));
    await session.release();
  });
  it('writes model.py and weights.safetensors for --format pytorch', async () => {
    const file = path.join(tmp, 'mlp2.nabla');
    await nb.io.save(nb.nn.sequential(nb.nn.linear(3, 5), nb.nn.relu(), nb.nn.linear(5, 2)), file);
    const r = await nabla('export', file, '--format', 'pytorch');
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/wrote .*mlp2-pytorch\/model\.py and .*mlp2-pytorch\/weights\.safetensors/);
    const { tensors } = nb.io.decodeSafetensors(new Uint8Array(readFileSync(path.join(tmp, 'mlp2-pytorch', 'weights.safetensors'))));
    expect(tensors['0.weight']!.shape).toEqual([5, 3]);
    expect(readFileSync(path.join(tmp, 'mlp2-pytorch', 'model.py'), 'utf8')).toContain('nn.Linear(3, 5, bias=True)');
  });
  it('needs --input-shape for a convolutional model; refuses an unknown format', async () => {
    const file = path.join(tmp, 'cnn.nabla');
    await nb.io.save(nb.nn.sequential(nb.nn.conv2d(1, 2, 3), nb.nn.flatten()), file);
    const r = await nabla('export', file);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/nabla: error: --input-shape is needed for this model \(its first layer is Conv2d\)/);
    const ok = await nabla('export', file, '--input-shape', '1,1,5,5', '--out', path.join(tmp, 'c.onnx'), '--opset', '18');
    expect(ok.code).toBe(0);
    expect(existsSync(path.join(tmp, 'c.onnx'))).toBe(true);
    const bad = await nabla('export', file, '--format', 'tflite');
    expect(bad.stderr).toMatch(/nabla: error: unknown format 'tflite'; known: onnx, pytorch/);
  });
});
