/**
 * The layers of a DCGAN step (batch normalization, transposed convolution, strided convolution,
 * leaky ReLU, BCE from logits, Adam) run on the wasm backend's own kernels: none of their kernel
 * calls falls back to the reference (cpu) kernels on views of wasm memory.
 */
import { afterAll, describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { createWasmBackend } from '../../src/backends/wasm/index.js';

const wasm = createWasmBackend({ name: 'wasm-no-fallback', threads: 2 });
nb.registerBackend('wasm-no-fallback', () => wasm);
afterAll(() => wasm.dispose());

function onWasm<T>(fn: () => T): T {
  const prev = nb.getBackend().name;
  nb.setBackend('wasm-no-fallback');
  try {
    return fn();
  } finally {
    nb.setBackend(prev);
  }
}

describe('wasm: no reference fallback on the DCGAN path', () => {
  it('counts reference fallbacks (grouped convolution uses one)', () => {
    onWasm(() => nb.tidy(() => {
      const before = wasm.referenceCalls;
      nb.conv2d(nb.ones([1, 4, 5, 5]), nb.ones([4, 2, 3, 3]), { groups: 2 }).dataSync();
      expect(wasm.referenceCalls).toBe(before + 1);
    }));
  });

  it('batchNorm1d/2d and conv2dTranspose, forward and backward, on wasm kernels', () => {
    onWasm(() => nb.tidy(() => {
      nb.seed(1);
      const before = wasm.referenceCalls;
      const bn1 = nb.nn.batchNorm1d(12);
      const bn2 = nb.nn.batchNorm2d(4);
      const ct = nb.nn.conv2dTranspose(4, 3, 4, { stride: 2, padding: 1 });
      const x = nb.randn([5, 12], { requiresGrad: true });
      const img = nb.reshape(bn1.call(x), [5, 3, 2, 2]);
      const y = ct.call(bn2.call(nb.concat([img, img.slice([0, 0, 0, 0], [5, 1, 2, 2])], 1)));
      expect(y.shape).toEqual([5, 3, 4, 4]);
      nb.sum(nb.square(y)).backward();
      expect(x.grad!.shape).toEqual([5, 12]);
      expect(ct.weight.grad!.shape).toEqual([4, 3, 4, 4]);
      x.grad!.dataSync();
      bn2.weight!.grad!.dataSync();
      expect(wasm.referenceCalls).toBe(before);
    }));
  });

  it('one DCGAN step (the bench model M6 at batch 8) on wasm kernels', () => {
    onWasm(() => nb.tidy(() => {
      nb.seed(2);
      const nn = nb.nn;
      const G = nn.sequential(
        nn.linear(100, 128 * 7 * 7), nn.batchNorm1d(128 * 7 * 7), nn.relu(), nn.reshape([128, 7, 7]),
        nn.conv2dTranspose(128, 64, 4, { stride: 2, padding: 1 }), nn.batchNorm2d(64), nn.relu(),
        nn.conv2dTranspose(64, 1, 4, { stride: 2, padding: 1 }), nn.tanh());
      const D = nn.sequential(
        nn.conv2d(1, 64, 4, { stride: 2, padding: 1 }), nn.leakyRelu(0.2),
        nn.conv2d(64, 128, 4, { stride: 2, padding: 1 }), nn.batchNorm2d(128), nn.leakyRelu(0.2),
        nn.flatten(), nn.linear(128 * 7 * 7, 1));
      const optG = nb.optim.adam(2e-4, { beta1: 0.5 });
      const optD = nb.optim.adam(2e-4, { beta1: 0.5 });
      const before = wasm.referenceCalls;
      const B = 8;
      const real = nb.sub(nb.mul(nb.rand([B, 1, 28, 28]), 2), 1);
      const fake = G.call(nb.randn([B, 100]));
      expect(fake.shape).toEqual([B, 1, 28, 28]);
      const bce = nn.binaryCrossEntropyWithLogits;
      optD.zeroGrad(D.parameters());
      const lD = nb.add(bce(D.call(real), nb.ones([B, 1])), bce(D.call(fake.detach()), nb.zeros([B, 1])));
      lD.backward();
      optD.step(D.parameters());
      optG.zeroGrad(G.parameters());
      const lG = bce(D.call(fake), nb.ones([B, 1]));
      lG.backward();
      optG.step(G.parameters());
      expect(Number.isFinite(lD.item() + lG.item())).toBe(true);
      expect(wasm.referenceCalls).toBe(before);
    }));
  });
});
