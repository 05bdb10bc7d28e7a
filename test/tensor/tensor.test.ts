import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { createCpuBackend } from '../../src/backends/cpu/index.js';
import { expectTensor } from '../conformance/helpers.js';

// Core semantics are tested on the reference backend (with float64); every backend's ops are
// tested by test/conformance/, which runs on all of them.
nb.setBackend('cpu');

describe('creation', () => {
  it('tensor from nested arrays infers shape and dtype', async () => {
    const t = nb.tensor([[1, 2, 3], [4, 5, 6]]);
    expect(t.shape).toEqual([2, 3]);
    expect(t.dtype).toBe('float32');
    expect(t.size).toBe(6);
    expect(t.rank).toBe(2);
    expect(t.arraySync()).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(nb.tensor([[[true], [false]]]).dtype).toBe('bool');
    expect(nb.tensor([]).shape).toEqual([0]);
    expect(nb.tensor([[], []]).shape).toEqual([2, 0]);
    expect(nb.tensor([1, 2, 3, 4], { shape: [2, 2] }).arraySync()).toEqual([[1, 2], [3, 4]]);
  });
  it('tensor from typed arrays copies; fromArray takes ownership without copying', async () => {
    const a = new Float32Array([1, 2]);
    const t = nb.tensor(a);
    a[0] = 9;
    expect(t.arraySync()).toEqual([1, 2]);
    expect(nb.tensor(new Int32Array([1, 2])).dtype).toBe('int32');
    expect(nb.tensor(new Float64Array([1, 2])).dtype).toBe('float64');
    const f = nb.fromArray(new Float32Array([1, 2, 3, 4, 5, 6]), [3, 2]);
    expect(f.arraySync()).toEqual([[1, 2], [3, 4], [5, 6]]);
    expect(nb.fromArray(new Float32Array([1.7, -1.7]), [2], { dtype: 'int32' }).arraySync()).toEqual([1, -1]);
    expect(nb.fromArray(new Uint8Array([1, 0])).dtype).toBe('bool');
  });
  it('other typed arrays: nb.tensor converts integer arrays to int32, fromArray refuses them', async () => {
    const px = nb.tensor(new Uint8Array([0, 128, 255]));
    expect(px.dtype).toBe('int32');
    expect(px.arraySync()).toEqual([0, 128, 255]);
    expect(nb.tensor(new Int16Array([-3, 4]), { dtype: 'float32' }).arraySync()).toEqual([-3, 4]);
    expect(nb.tensor(new Uint8Array([1, 2, 3, 4]), { shape: [2, 2] }).shape).toEqual([2, 2]);
    expect(() => nb.fromArray(new Int16Array(2) as unknown as Int32Array)).toThrow(/fromArray: values must be a Float32Array, Float64Array, Int32Array or Uint8Array \(bool\), got Int16Array/);
    expect(() => nb.tensor(new BigInt64Array(1) as unknown as Int32Array)).toThrow(/64-bit integer arrays/);
  });
  it('scalar, zeros, ones, full (+Like)', async () => {
    const s = nb.scalar(3.5);
    expect(s.shape).toEqual([]);
    expect(s.item()).toBe(3.5);
    expect(nb.scalar(true).dtype).toBe('bool');
    expect(nb.zeros([2, 2]).arraySync()).toEqual([[0, 0], [0, 0]]);
    expect(nb.ones([3], { dtype: 'int32' }).arraySync()).toEqual([1, 1, 1]);
    expect(nb.full([2], 7).arraySync()).toEqual([7, 7]);
    expect(nb.full([2], 1, { dtype: 'bool' }).arraySync()).toEqual([true, true]);
    expect(nb.zeros([0]).size).toBe(0);
    const o = nb.onesLike(nb.zeros([2, 1], { dtype: 'int32' }));
    expect(o.dtype).toBe('int32');
    expect(o.shape).toEqual([2, 1]);
    expect(nb.fullLike(nb.zeros([2]), 4).arraySync()).toEqual([4, 4]);
    expect(nb.zerosLike(nb.ones([1])).arraySync()).toEqual([0]);
  });
  it('arange and linspace', async () => {
    const a = nb.arange(5);
    expect(a.dtype).toBe('int32');
    expect(a.arraySync()).toEqual([0, 1, 2, 3, 4]);
    expect(nb.arange(1, 2, 0.25).arraySync()).toEqual([1, 1.25, 1.5, 1.75]);
    expect(nb.arange(5, 0, -2).arraySync()).toEqual([5, 3, 1]);
    expect(nb.arange(3, 3).shape).toEqual([0]);
    const f = nb.arange(0, 2.5);
    expect(f.dtype).toBe('float32');
    expect(f.arraySync()).toEqual([0, 1, 2]);
    expect(nb.arange(3, undefined, 1, { dtype: 'float32' }).dtype).toBe('float32');
    expect(nb.linspace(0, 1, 5).arraySync()).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(nb.linspace(2, 3, 1).arraySync()).toEqual([2]);
    expect(nb.linspace(0, 1, 0).shape).toEqual([0]);
  });
  it('eye', async () => {
    expect(nb.eye(2).arraySync()).toEqual([[1, 0], [0, 1]]);
    expect(nb.eye(2, 3).arraySync()).toEqual([[1, 0, 0], [0, 1, 0]]);
  });
  it('rand, randn, randint: ranges, moments, dtypes', async () => {
    nb.seed(1);
    const u = nb.rand([2000]).dataSync();
    expect(Math.min(...u)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...u)).toBeLessThan(1);
    const r = nb.rand([1000], { low: -2, high: 3 }).dataSync();
    expect(Math.min(...r)).toBeGreaterThanOrEqual(-2);
    expect(Math.max(...r)).toBeLessThan(3);
    const n = Array.from(nb.randn([4000], { mean: 1, std: 2 }).dataSync());
    const m = n.reduce((a, b) => a + b, 0) / n.length;
    const sd = Math.sqrt(n.reduce((a, b) => a + (b - m) ** 2, 0) / n.length);
    expect(m).toBeGreaterThan(0.85);
    expect(m).toBeLessThan(1.15);
    expect(sd).toBeGreaterThan(1.85);
    expect(sd).toBeLessThan(2.15);
    const i = nb.randint(-1, 2, [500]);
    expect(i.dtype).toBe('int32');
    expect(new Set(i.dataSync()).size).toBe(3);
    expect(nb.randn([2], { dtype: 'float64' }).dtype).toBe('float64');
  });
  it('nb.seed makes draws repeat exactly; a Random instance is independent of the global one', async () => {
    nb.seed(42);
    const a = [nb.rand([5]).arraySync(), nb.randn([5]).arraySync(), nb.randint(0, 100, [5]).arraySync()];
    nb.seed(42);
    const b = [nb.rand([5]).arraySync(), nb.randn([5]).arraySync(), nb.randint(0, 100, [5]).arraySync()];
    expect(b).toEqual(a);
    nb.seed(43);
    expect(nb.rand([5]).arraySync()).not.toEqual(a[0]);
    const r1 = nb.rand([3], { random: new nb.Random(7) }).arraySync();
    const r2 = nb.rand([3], { random: new nb.Random(7) }).arraySync();
    expect(r1).toEqual(r2);
  });
  it('requiresGrad option', async () => {
    expect(nb.tensor([1], { requiresGrad: true }).requiresGrad).toBe(true);
    expect(nb.zeros([1], { requiresGrad: true }).requiresGrad).toBe(true);
  });
});

describe('dtypes and promotion', () => {
  const i = (): nb.Tensor => nb.tensor([1, 2], { dtype: 'int32' });
  const f = (): nb.Tensor => nb.tensor([0.5, 0.5]);
  const b = (): nb.Tensor => nb.tensor([true, false]);
  const d = (): nb.Tensor => nb.tensor([1, 1], { dtype: 'float64' });
  it('bool < int32 < float32 < float64', async () => {
    expect(nb.add(b(), i()).dtype).toBe('int32');
    expect(nb.add(i(), f()).dtype).toBe('float32');
    expect(nb.add(f(), d()).dtype).toBe('float64');
    expect(nb.add(b(), b()).dtype).toBe('int32'); // arithmetic on bool computes as int32
    expect(nb.maximum(b(), b()).dtype).toBe('bool');
    expect(nb.mul(i(), d()).dtype).toBe('float64');
  });
  it('numbers adopt the tensor dtype where they fit', async () => {
    expect(nb.add(i(), 2).dtype).toBe('int32');
    expect(nb.add(i(), 2.5).dtype).toBe('float32');
    expect(nb.add(d(), 2).dtype).toBe('float64');
    expect(nb.add(f(), 2).dtype).toBe('float32');
  });
  it('cast between all dtypes', async () => {
    expect(nb.cast(nb.tensor([1.9, -1.9, 0]), 'int32').arraySync()).toEqual([1, -1, 0]);
    expect(nb.cast(nb.tensor([2, 0, -0.5]), 'bool').arraySync()).toEqual([true, false, true]);
    expect(nb.cast(b(), 'float32').arraySync()).toEqual([1, 0]);
    expect(nb.cast(f(), 'float64').dtype).toBe('float64');
    const c = nb.cast(f(), 'float32');
    expect(c).not.toBe(f());
  });
  it('float64 keeps double precision on cpu', async () => {
    const x = nb.tensor([1e-10], { dtype: 'float64' });
    expect(nb.add(x, 1).dataSync()[0]).toBe(1 + 1e-10);
    expect(nb.add(nb.tensor([1e-10]), 1).dataSync()[0]).toBe(1);
  });
  it('int32 wraps and truncates like typed arrays', async () => {
    expect(nb.tensor([2.7], { dtype: 'int32' }).arraySync()).toEqual([2]);
  });
});

describe('reading values', () => {
  it('data / array (async), dataSync / arraySync, item', async () => {
    const t = nb.tensor([[1, 2], [3, 4]]);
    const d = await t.data();
    expect(d).toBeInstanceOf(Float32Array);
    expect(Array.from(d)).toEqual([1, 2, 3, 4]);
    expect(await t.array()).toEqual([[1, 2], [3, 4]]);
    expect(Array.from(t.dataSync())).toEqual([1, 2, 3, 4]);
    expect(t.arraySync()).toEqual([[1, 2], [3, 4]]);
    expect(nb.scalar(5).arraySync()).toBe(5);
    expect(nb.tensor([7]).item()).toBe(7);
    expect(await nb.tensor([true]).array()).toEqual([true]);
    expect(() => t.item()).toThrow(/item: tensor has 4 elements \[2,2\], expected 1/);
  });
  it('returned arrays are copies', async () => {
    const t = nb.tensor([1, 2]);
    const d = t.dataSync();
    d[0] = 100;
    expect(t.arraySync()).toEqual([1, 2]);
  });
});

describe('toString prints like NumPy', () => {
  it('floats, ints, bools, scalars', async () => {
    expect(nb.tensor([[1, 2], [3, 4]]).toString()).toBe('tensor([[1., 2.],\n        [3., 4.]])');
    expect(nb.tensor([0.5, -1.25]).toString()).toBe('tensor([  0.5, -1.25])');
    expect(nb.tensor([1, 20], { dtype: 'int32' }).toString()).toBe('tensor([ 1, 20], dtype=int32)');
    expect(nb.tensor([true, false]).toString()).toBe('tensor([ true, false], dtype=bool)');
    expect(nb.scalar(2).toString()).toBe('tensor(2.)');
    expect(nb.tensor([1], { requiresGrad: true }).toString()).toBe('tensor([1.], requiresGrad=true)');
    expect(nb.tensor([1], { dtype: 'float64' }).toString()).toBe('tensor([1.], dtype=float64)');
  });
  it('special values and scientific notation', async () => {
    expect(nb.tensor([NaN, Infinity, -Infinity, 1]).toString()).toBe('tensor([ nan,  inf, -inf,   1.])');
    expect(nb.tensor([1e-5, 1]).toString()).toBe('tensor([1.0000e-05, 1.0000e+00])');
  });
  it('rank 3 separates blocks with a blank line; large tensors are summarised', async () => {
    expect(nb.reshape(nb.arange(4), [2, 1, 2]).toString()).toBe('tensor([[[0, 1]],\n\n        [[2, 3]]], dtype=int32)');
    const s = nb.arange(2000).toString();
    expect(s).toBe('tensor([   0,    1,    2, ..., 1997, 1998, 1999], dtype=int32)');
    // Only the printed elements are formatted: a million-element tensor prints at once.
    const big = nb.full([1000, 1000], 0.5);
    const t0 = performance.now();
    const text = big.toString();
    expect(performance.now() - t0).toBeLessThan(300);
    expect(text.split('\n')).toHaveLength(7);
    expect(text.startsWith('tensor([[0.5, 0.5, 0.5, ..., 0.5, 0.5, 0.5],')).toBe(true);
  });
  it('disposed tensors say so', async () => {
    const t = nb.zeros([2]);
    t.dispose();
    expect(t.toString()).toBe('tensor(<disposed> [2])');
  });
});

describe('tensor methods', () => {
  it('chainable ops mirror the functions', async () => {
    const t = nb.tensor([[1, -2], [3, -4]]);
    await expectTensor(t.abs().sum(1), [3, 7]);
    await expectTensor(t.maximum(0).mean(), [1]);
    await expectTensor(t.reshape([4]).argmax(), [2]);
    await expectTensor(t.argmin(1, true), [[1], [1]], [2, 1]);
    expect(t.flatten().shape).toEqual([4]);
    expect(t.unsqueeze(0).squeeze().shape).toEqual([2, 2]);
    await expectTensor(t.T, [[1, 3], [-2, -4]]);
    await expectTensor(t.clip(-1, 1), [[1, -1], [1, -1]]);
    expect(t.clone().arraySync()).toEqual(t.arraySync());
  });
  it('assign replaces a parameter value in place, checking shape and dtype', async () => {
    const p = nb.zeros([2], { requiresGrad: true });
    const v = nb.tensor([1, 2]);
    p.assign(v);
    v.dispose();
    expect(p.arraySync()).toEqual([1, 2]);
    expect(p.requiresGrad).toBe(true);
    expect(p.isLeaf).toBe(true);
    expect(() => p.assign(nb.zeros([3]))).toThrow(/assign: shapes differ: target is \[2\], value is \[3\]/);
    expect(() => p.assign(nb.zeros([2], { dtype: 'int32' }))).toThrow(/assign: dtypes differ/);
  });
  it('ids are unique; names show in errors', async () => {
    const a = nb.zeros([1]);
    const b = nb.zeros([1]);
    expect(a.id).not.toBe(b.id);
    a.name = 'weights';
    a.dispose();
    expect(() => a.add(1)).toThrow(/'weights'/);
  });
});

describe('moving between backends', () => {
  nb.registerBackend('cpu-twin', () => {
    const be = createCpuBackend();
    return Object.assign(Object.create(Object.getPrototypeOf(be) as object) as nb.Backend, be, { name: 'cpu-twin' });
  });
  it('to() copies onto another backend, keeps dtype and shape, and is differentiable', async () => {
    const x = nb.tensor([[1, 2], [3, 4]], { requiresGrad: true });
    const y = x.to('cpu-twin');
    expect(y.backend.name).toBe('cpu-twin');
    expect(y.shape).toEqual([2, 2]);
    expect(y.arraySync()).toEqual([[1, 2], [3, 4]]);
    expect(x.to('cpu')).toBe(x);
    const loss = nb.sum(nb.mul(y, nb.tensor([[1, 2], [3, 4]], { backend: 'cpu-twin' })));
    loss.backward();
    expect(x.grad!.backend.name).toBe('cpu');
    expect(x.grad!.arraySync()).toEqual([[1, 2], [3, 4]]);
    const z = await nb.toAsync(nb.tensor([5], { dtype: 'int32' }), 'cpu-twin');
    expect(z.dtype).toBe('int32');
    expect(z.backend.name).toBe('cpu-twin');
  });
  it('errors name the backend', async () => {
    expect(() => nb.tensor([1]).to('nowhere')).toThrow("to: unknown backend 'nowhere'");
    expect(() => nb.add(nb.tensor([1]), nb.tensor([1], { backend: 'cpu-twin' }))).toThrow(/add: inputs live on different backends \('cpu' and 'cpu-twin'\); move one with x.to\(name\)/);
  });
});

describe('cpu allocation failures', () => {
  it('a kernel asked for more than a typed array can hold throws an Error and leaves the accounting as it was', async () => {
    const be = nb.getBackend();
    expect(be.name).toBe('cpu');
    const before = be.memory();
    let err: unknown = null;
    try {
      be.fill([1e12], 0, 'float32');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).constructor).toBe(Error);
    expect((err as Error).message).toBe('cpu: cannot allocate 1000000000000 float32 elements (4000000000000 bytes): Invalid typed array length: 1000000000000');
    expect(be.memory()).toEqual(before);
  });
});
