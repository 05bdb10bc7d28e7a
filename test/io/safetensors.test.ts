/**
 * nb.io safetensors: a PyTorch state_dict saved with safetensors.torch.save_file
 * (scripts/torch/safetensors_model.py) loads into the same nabla model and gives PyTorch's output;
 * nabla's own files round-trip; damaged and hostile files are clear errors.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as nb from '../../src/index.js';

const { nn } = nb;
const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'safetensors');
const tmp = mkdtempSync(path.join(tmpdir(), 'nabla-st-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const cnn = (): nb.nn.Sequential => nn.sequential(nn.conv2d(1, 2, 3), nn.batchNorm2d(2), nn.relu(), nn.flatten(), nn.linear(8, 3));

/** The bytes of a file with `header` (JSON) and `data`. */
function file(header: unknown, data = new Uint8Array(0)): Uint8Array {
  const h = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

describe('safetensors', () => {
  it('loads a PyTorch state dict and reproduces PyTorch\'s output', async () => {
    const { input, output } = JSON.parse(readFileSync(path.join(dir, 'cnn.json'), 'utf8')) as Record<string, { shape: number[]; data: number[] }>;
    const model = cnn();
    const r = await nb.io.loadSafetensors(model, path.join(dir, 'cnn.safetensors'));
    expect(r.missing).toEqual([]);
    expect(r.unexpected).toEqual([]);
    model.eval();
    const y = model.call(nb.tensor(input!.data, { shape: input!.shape })).dataSync() as Float32Array;
    output!.data.forEach((w, k) => expect(Math.abs((y[k] as number) - w)).toBeLessThan(1e-5));
    expect(nb.io.decodeSafetensors(readFileSync(path.join(dir, 'cnn.safetensors'))).metadata).toEqual({ producer: 'pytorch' });
  });

  it('round-trips nabla models in PyTorch\'s layout', async () => {
    const a = nn.sequential(nn.linear(3, 4), nn.batchNorm1d(4), nn.pick(nn.lstm(4, 2)));
    const f = path.join(tmp, 'a.safetensors');
    await nb.io.saveSafetensors(nn.sequential(nn.linear(3, 4)), path.join(tmp, 'small.safetensors'), { metadata: { note: 'x' } });
    await nb.io.saveSafetensors(a, f);
    const d = nb.io.decodeSafetensors(readFileSync(f));
    expect(d.tensors['0.weight']!.shape).toEqual([4, 3]);
    expect(d.tensors['1.num_batches_tracked']!.dtype).toBe('I64');
    const b = nn.sequential(nn.linear(3, 4), nn.batchNorm1d(4), nn.pick(nn.lstm(4, 2)));
    await nb.io.loadSafetensors(b, f);
    for (const [k, t] of Object.entries(a.stateDict())) expect(Array.from(b.stateDict()[k]!.dataSync())).toEqual(Array.from(t.dataSync()));
    const bytes = nb.io.encodeSafetensors(a);
    expect(nb.io.loadSafetensorsBytes(b, bytes).missing).toEqual([]);
  });

  it('a mismatched model is named in the error; strict: false loads the common names', () => {
    const bytes = nb.io.encodeSafetensors(nn.sequential(nn.linear(3, 4), nn.linear(4, 2)));
    expect(() => nb.io.loadSafetensorsBytes(nn.sequential(nn.linear(3, 5)), bytes, { file: 'w.safetensors' })).toThrow(/loadSafetensorsBytes: w.safetensors: unexpected keys: 1.weight, 1.bias/);
    expect(() => nb.io.loadSafetensorsBytes(nn.sequential(nn.linear(3, 5), nn.linear(5, 2)), bytes)).toThrow(/'0.weight' has shape \[4,3\]/);
    expect(nb.io.loadSafetensorsBytes(nn.sequential(nn.linear(3, 4)), bytes, { strict: false }).unexpected).toEqual(['1.weight', '1.bias']);
  });

  it('damaged and hostile files are refused before allocating', () => {
    const m = nn.linear(2, 2);
    const load = (b: Uint8Array): unknown => nb.io.loadSafetensorsBytes(m, b, { file: 'bad.safetensors' });
    expect(() => load(new Uint8Array(3))).toThrow(/bad.safetensors: truncated/);
    const huge = new Uint8Array(16);
    new DataView(huge.buffer).setBigUint64(0, 2n ** 60n, true);
    expect(() => load(huge)).toThrow(/a header of 1152921504606846976 bytes, but only 8 follow/);
    expect(() => load(file('not json'.split('')))).toThrow(/the header is not a JSON object/);
    expect(() => load(file({ weight: { dtype: 'F32', shape: [1e6, 1e6], data_offsets: [0, 16] } }, new Uint8Array(16)))).toThrow(/entry 'weight' of shape \[1000000,1000000\] is too large/);
    expect(() => load(file({ weight: { dtype: 'F32', shape: [2, 2], data_offsets: [0, 16] } }, new Uint8Array(8)))).toThrow(/runs past the end of the data .*truncated/);
    expect(() => load(file({ weight: { dtype: 'F32', shape: [2, 2], data_offsets: [0, 12] } }, new Uint8Array(16)))).toThrow(/needs 16 bytes, but its data_offsets span 12/);
    expect(() => load(file({ weight: { dtype: 'C64', shape: [2], data_offsets: [0, 16] } }, new Uint8Array(16)))).toThrow(/dtype "C64"; nabla reads/);
    expect(() => load(file({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } }, new Uint8Array(16)))).toThrow(/entries 'a' and 'b' overlap/);
    const good = nb.io.encodeSafetensors(m);
    for (let n = 0; n < good.length; n += 7) expect(() => load(good.subarray(0, n))).toThrow(/loadSafetensorsBytes: bad.safetensors: /);
  });
});
