/** The benchmark's MNIST loader (bench/common.mjs): nabla's images come from the bytes via fromUint8, the same values as the float32 images the other frameworks get. */
import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';

interface BenchMnist {
  pixels: Uint8Array;
  labels: Int32Array;
  n: number;
  readonly images: Float32Array;
}
interface BenchCommon {
  loadMnist(limit?: number): Promise<BenchMnist>;
  mnistImages(m: typeof nb, data: BenchMnist): nb.Tensor;
}

describe('bench/common.mjs loadMnist', () => {
  it('gives nabla the same [n, 784] images as the float32 array, bit for bit', async () => {
    const common = (await import(new URL('../../bench/common.mjs', import.meta.url).href)) as BenchCommon;
    const data = await common.loadMnist(300);
    expect(data.n).toBe(300);
    expect(data.pixels.length).toBe(300 * 784);
    const x = common.mnistImages(nb, data);
    expect(x.shape).toEqual([300, 784]);
    expect(x.dtype).toBe('float32');
    expect(new Uint32Array(x.dataSync().buffer)).toEqual(new Uint32Array(data.images.buffer));
    expect(data.images[0]).toBe(0);
    expect(data.images.reduce((a, b) => Math.max(a, b), 0)).toBe(1);
    x.dispose();
  });
});
