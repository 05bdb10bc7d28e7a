/**
 * The PyTorch hand-off. Without Python: the weights in PyTorch's names and layout, the generated
 * source (the safetensors codec itself: safetensors.test.ts). With Python and torch ($NABLA_PYTHON, an active venv, or python3 — skipped cleanly
 * otherwise): nabla → model.py + weights.safetensors → torch `load_state_dict(strict=True)` gives
 * nabla's outputs within 1e-5 for dense, convolutional and recurrent models; and a state dict
 * trained on in PyTorch comes back into nabla with PyTorch's outputs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as nb from '../../src/index.js';
import { findTorchPython } from './torch-python.js';

const dir = mkdtempSync(join(tmpdir(), 'nabla-torch-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeAll(() => nb.setBackend('cpu'));

const python = findTorchPython();
if (!python) console.warn('PyTorch hand-off tests skipped: no Python with torch (set NABLA_PYTHON to a venv python with torch)');

function models(): [string, nb.nn.Module, number[], 'float32' | 'int32'][] {
  nb.seed(7);
  const mlp = nb.nn.sequential(nb.nn.linear(6, 16), nb.nn.batchNorm1d(16), nb.nn.prelu({ numParameters: 16 }), nb.nn.dropout(0.3), nb.nn.linear(16, 8), nb.nn.activation('gelu', { approximate: 'tanh' }), nb.nn.layerNorm(8), nb.nn.residual(nb.nn.sequential(nb.nn.linear(8, 8), nb.nn.tanh())), nb.nn.linear(8, 3), nb.nn.logSoftmax());
  const cnn = nb.nn.sequential(
    nb.nn.conv2d(2, 4, 3, { padding: [1, 0, 1, 2] }), nb.nn.batchNorm2d(4), nb.nn.relu(), nb.nn.maxPool2d(2, { stride: 2, ceilMode: true }),
    nb.nn.conv2d(4, 6, 3, { padding: 1, paddingMode: 'reflect', dilation: 1 }), nb.nn.avgPool2d(3, { stride: 1, padding: 1 }),
    nb.nn.upsample({ scaleFactor: 2 }), nb.nn.conv2dTranspose(6, 3, 4, { stride: 2, padding: 1 }), nb.nn.activation('leakyRelu', { alpha: 0.2 }),
    nb.nn.globalAvgPool2d(), nb.nn.linear(3, 5), nb.nn.softmax(),
  );
  const rnn = nb.nn.sequential(
    nb.nn.embedding(11, 5, { paddingIdx: 0 }),
    nb.nn.pick(nb.nn.lstm(5, 6, { numLayers: 2, bidirectional: true })),
    nb.nn.pick(nb.nn.gru(12, 4, { returnSequences: false, bidirectional: true })),
    nb.nn.linear(8, 2),
  );
  const seq = nb.nn.sequential(nb.nn.pick(nb.nn.rnn(3, 5, { nonlinearity: 'relu', returnSequences: false } as nb.nn.RecurrentOptions)), nb.nn.linear(5, 2));
  // batch norm with non-trivial running statistics
  mlp.train();
  mlp.call(nb.randn([10, 6]));
  cnn.train();
  cnn.call(nb.randn([4, 2, 9, 9]));
  for (const m of [mlp, cnn, rnn, seq]) m.eval();
  return [['mlp', mlp, [4, 6], 'float32'], ['cnn', cnn, [3, 2, 9, 9], 'float32'], ['rnn', rnn, [2, 7], 'int32'], ['seq', seq, [2, 4, 3], 'float32']];
}

function inputOf(shape: number[], dtype: 'float32' | 'int32'): number[] {
  let s = 3;
  return Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => (dtype === 'int32' ? (i * 7) % 11 : ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1));
}

function close(a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-5): void {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / Math.max(1, Math.abs(b[i]!)));
  expect(worst).toBeLessThan(tol);
}

describe('safetensors in PyTorch layout, and the generated source', () => {
  it('saves in PyTorch names and layout, and loads back', async () => {
    const [, mlp] = models()[0]!;
    const path = join(dir, 'mlp.safetensors');
    await nb.io.saveSafetensors(mlp, path);
    const { tensors } = nb.io.decodeSafetensors(new Uint8Array(readFileSync(path)));
    expect(tensors['0.weight']!.shape).toEqual([16, 6]); // [out, in]
    expect(tensors['2.weight']!.shape).toEqual([16]); // PReLU's alpha is PyTorch's weight
    expect(tensors['1.num_batches_tracked']!.dtype).toBe('I64');
    nb.seed(99);
    const [, fresh] = models()[0]!;
    nb.seed(1);
    const other = nb.nn.sequential(...(fresh as nb.nn.Sequential));
    expect((await nb.io.loadSafetensors(other, path)).missing).toEqual([]);
    const x = nb.tensor(inputOf([4, 6], 'float32'), { shape: [4, 6] });
    expect(await other.eval().call(x).data()).toEqual(await mlp.call(x).data());
    await expect(nb.io.loadSafetensors(nb.nn.sequential(nb.nn.linear(2, 2)), path)).rejects.toThrow(/^loadSafetensors: missing keys|^loadSafetensors: unexpected keys|loadSafetensors: .*keys/);
  });

  it('names the layer without a PyTorch form', () => {
    expect(() => nb.io.pytorchSource(nb.nn.sequential(nb.nn.linear(2, 2), nb.nn.activation('step')))).toThrow("pytorchSource: model.1 (Activation): activation 'step' has no torch.nn module");
    expect(() => nb.io.pytorchSource(nb.nn.sequential(nb.nn.maxout(2, 2, 2)))).toThrow(/pytorchSource: model\.0 \(Maxout\) has no PyTorch form here/);
  });
});

describe.skipIf(!python)('PyTorch hand-off (with torch)', () => {
  it('exported models give nabla\'s outputs in PyTorch (load_state_dict strict)', async () => {
    const cases = models();
    const inputs: Record<string, { shape: number[]; dtype: string; data: number[] }> = {};
    const want: Record<string, ArrayLike<number>> = {};
    for (const [name, m, shape, dtype] of cases) {
      await nb.io.exportPytorch(m, join(dir, name));
      const data = inputOf(shape, dtype);
      inputs[name] = { shape, dtype, data };
      want[name] = await m.call(nb.tensor(data, { shape, dtype })).data();
    }
    writeFileSync(join(dir, 'inputs.json'), JSON.stringify(inputs));
    const script = `
import importlib.util, json, sys, torch
inputs = json.load(open(sys.argv[1]))
out = {}
for name, x in inputs.items():
    spec = importlib.util.spec_from_file_location("m_" + name, f"{sys.argv[2]}/{name}/model.py")
    mod = importlib.util.module_from_spec(spec); spec.loader.exec_module(mod)
    net = mod.load_weights(mod.build(), f"{sys.argv[2]}/{name}/weights.safetensors").eval()
    t = torch.tensor(x["data"], dtype=torch.long if x["dtype"] == "int32" else torch.float32).reshape(x["shape"])
    with torch.no_grad():
        out[name] = net(t).flatten().tolist()
print(json.dumps(out))
`;
    const r = spawnSync(python!, ['-c', script, join(dir, 'inputs.json'), dir], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    const got = JSON.parse(r.stdout) as Record<string, number[]>;
    for (const [name] of cases) close(got[name]!, want[name]!);
  }, 120_000);

  it('weights trained in PyTorch come back into nabla', async () => {
    const [, m, shape] = models()[0]!;
    await nb.io.exportPytorch(m, join(dir, 'back'));
    const x = inputOf(shape, 'float32');
    const script = `
import importlib.util, json, struct, sys, torch
spec = importlib.util.spec_from_file_location("m", sys.argv[1] + "/model.py")
mod = importlib.util.module_from_spec(spec); spec.loader.exec_module(mod)
net = mod.load_weights(mod.build(), sys.argv[1] + "/weights.safetensors")
torch.manual_seed(0)
opt = torch.optim.SGD(net.parameters(), lr=0.1)
for _ in range(3):
    opt.zero_grad(); net(torch.randn(8, 6)).sum().backward(); opt.step()
net.eval()
x = torch.tensor(json.loads(sys.argv[2]), dtype=torch.float32).reshape(${JSON.stringify(shape)})
with torch.no_grad():
    y = net(x).flatten().tolist()
# a state dict written as safetensors by hand (no package needed)
sd = {k: v.contiguous() for k, v in net.state_dict().items()}
kinds = {torch.float32: "F32", torch.int64: "I64"}
header, blobs, off = {}, [], 0
for k, v in sd.items():
    b = v.numpy().tobytes(); header[k] = {"dtype": kinds[v.dtype], "shape": list(v.shape), "data_offsets": [off, off + len(b)]}; blobs.append(b); off += len(b)
h = json.dumps(header).encode()
open(sys.argv[1] + "/trained.safetensors", "wb").write(struct.pack("<Q", len(h)) + h + b"".join(blobs))
print(json.dumps(y))
`;
    const r = spawnSync(python!, ['-c', script, join(dir, 'back'), JSON.stringify(x)], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    const y = JSON.parse(r.stdout) as number[];
    const r2 = await nb.io.loadSafetensors(m, join(dir, 'back', 'trained.safetensors'));
    expect(r2.missing).toEqual([]);
    close(await m.eval().call(nb.tensor(x, { shape })).data(), y);
  }, 120_000);
});
