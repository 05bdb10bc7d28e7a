/**
 * The WebGPU backend: every kernel of src/backends/interface.ts as a WGSL compute shader, with
 * storage in GPU buffers (float32, int32 and bool; no float64). Reading back is asynchronous
 * only (`await t.data()`). Created asynchronously by `createWebGpuBackend()`, which
 * `nb.setBackendAsync('webgpu')` calls once.
 */
import type { AdamHyper, ArgReduceOp, Backend, BackendMemory, BinaryOp, Conv2dParams, CumulativeOp, KTensor, Pool2dParams, ReduceOp, UnaryOp } from '../interface.js';
import type { DType, TypedArray } from '../../tensor/dtype.js';
import type { Shape } from '../../tensor/shape.js';
import { float64Error, fromWords, requestGpu, toWords, type Buf, type Gpu } from './device.js';
import * as ew from './elementwise.js';
import * as red from './reduce.js';
import * as idx from './indexing.js';
import * as mm from './matmul.js';
import * as cv from './conv.js';
import * as pl from './pool.js';
import * as fu from './fused.js';
import * as up from './upload.js';
import { adamStepTensorLr } from './fused-apply.js';
import * as ls from './loss.js';
import { lstmSequenceBackwardSteps, lstmSequenceSteps } from '../recurrent-steps.js';

export class WebGpuBackend implements Backend {
  readonly name: string;
  readonly supportsFloat64 = false;

  constructor(readonly gpu: Gpu, name = 'webgpu') {
    this.name = name;
  }

  /** The adapter this backend runs on, in words. */
  get adapter(): string {
    return this.gpu.adapterName;
  }

  upload(values: TypedArray, dtype: DType): unknown {
    if (dtype === 'float64') throw float64Error();
    return this.gpu.upload(toWords(values, dtype));
  }
  uploadUint8(bytes: Uint8Array | Uint8ClampedArray, scale: number, dtype: DType): unknown {
    return up.uploadUint8(this.gpu, bytes, scale, dtype);
  }
  async download(t: KTensor): Promise<TypedArray> {
    const words = await this.gpu.read(t.data as Buf, t.size);
    return fromWords(words, t.dtype, t.size);
  }
  free(data: unknown): void {
    this.gpu.release(data as Buf);
  }
  memory(): BackendMemory {
    return { numBuffers: this.gpu.liveBuffers, numBytes: this.gpu.liveBytes };
  }
  /** Submits the commands recorded so far (reads do this themselves). */
  flush(): void {
    this.gpu.flush();
  }

  fill(shape: Shape, value: number, dtype: DType): unknown { return ew.fill(this.gpu, shape, value, dtype); }
  cast(x: KTensor, dtype: DType): unknown { return ew.cast(this.gpu, x, dtype); }
  unary(op: UnaryOp, x: KTensor, alpha?: number): unknown { return ew.unary(this.gpu, op, x, alpha); }
  binary(op: BinaryOp, a: KTensor, b: KTensor, outShape: Shape, outDtype: DType): unknown { return ew.binary(this.gpu, op, a, b, outShape, outDtype); }
  where(cond: KTensor, a: KTensor, b: KTensor, outShape: Shape): unknown { return ew.where(this.gpu, cond, a, b, outShape); }
  reduce(op: ReduceOp, x: KTensor, axes: readonly number[]): unknown { return red.reduce(this.gpu, op, x, axes); }
  argReduce(op: ArgReduceOp, x: KTensor, axis: number): unknown { return red.argReduce(this.gpu, op, x, axis); }
  cumulative(op: CumulativeOp, x: KTensor, axis: number, exclusive: boolean, reverse: boolean): unknown { return red.cumulative(this.gpu, op, x, axis, exclusive, reverse); }
  argsort(x: KTensor, axis: number, descending: boolean): unknown { return red.argsort(this.gpu, x, axis, descending); }
  matmul(a: KTensor, b: KTensor, transA: boolean, transB: boolean, outShape: Shape): unknown { return mm.matmul(this.gpu, a, b, transA, transB, outShape); }
  transpose(x: KTensor, perm: readonly number[]): unknown { return idx.transpose(this.gpu, x, perm); }
  broadcastTo(x: KTensor, shape: Shape): unknown { return idx.broadcastTo(this.gpu, x, shape); }
  slice(x: KTensor, begin: readonly number[], size: readonly number[]): unknown { return idx.slice(this.gpu, x, begin, size); }
  pad(x: KTensor, pads: readonly (readonly [number, number])[], value: number): unknown { return idx.pad(this.gpu, x, pads, value); }
  concat(xs: readonly KTensor[], axis: number, outShape: Shape): unknown { return idx.concat(this.gpu, xs, axis, outShape); }
  gather(x: KTensor, indices: KTensor, axis: number, outShape: Shape): unknown { return idx.gather(this.gpu, x, indices, axis, outShape); }
  scatterAdd(updates: KTensor, indices: KTensor, axis: number, outShape: Shape): unknown { return idx.scatterAdd(this.gpu, updates, indices, axis, outShape); }
  oneHot(indices: KTensor, depth: number, onValue: number, offValue: number, dtype: DType): unknown { return idx.oneHot(this.gpu, indices, depth, onValue, offValue, dtype); }
  conv2d(x: KTensor, w: KTensor, p: Conv2dParams): unknown { return cv.conv2d(this.gpu, x, w, p); }
  conv2dBackpropInput(dy: KTensor, w: KTensor, p: Conv2dParams): unknown { return cv.conv2dBackpropInput(this.gpu, dy, w, p); }
  conv2dBackpropFilter(x: KTensor, dy: KTensor, p: Conv2dParams): unknown { return cv.conv2dBackpropFilter(this.gpu, x, dy, p); }
  maxPool2d(x: KTensor, p: Pool2dParams): unknown { return pl.maxPool2d(this.gpu, x, p); }
  maxPool2dBackward(dy: KTensor, x: KTensor, p: Pool2dParams): unknown { return pl.maxPool2dBackward(this.gpu, dy, x, p); }
  avgPool2d(x: KTensor, p: Pool2dParams): unknown { return pl.avgPool2d(this.gpu, x, p); }
  avgPool2dBackward(dy: KTensor, p: Pool2dParams): unknown { return pl.avgPool2dBackward(this.gpu, dy, p); }
  adamStep(p: KTensor, g: KTensor, m: KTensor, v: KTensor, h: AdamHyper): [unknown, unknown, unknown] { return fu.adamStep(this.gpu, p, g, m, v, h); }
  adamStepTensorLr(p: KTensor, g: KTensor, m: KTensor, v: KTensor, lrT: KTensor, h: Omit<AdamHyper, 'lrT'>): [unknown, unknown, unknown] { return adamStepTensorLr(this.gpu, p, g, m, v, lrT, h); }
  softmaxCrossEntropy(z: KTensor, t: KTensor, reduce: boolean, scale: number): [unknown, unknown] { return ls.softmaxCrossEntropy(this.gpu, z, t, reduce, scale); }
  softmaxCrossEntropyBackward(dy: KTensor, z: KTensor, t: KTensor, lse: KTensor, reduce: boolean, scale: number): unknown { return ls.softmaxCrossEntropyBackward(this.gpu, dy, z, t, lse, reduce, scale); }
  lstmCell(gi: KTensor, gh: KTensor, c: KTensor): [unknown, unknown, unknown] { return fu.lstmCell(this.gpu, gi, gh, c); }
  lstmCellBackward(acts: KTensor, c: KTensor, c2: KTensor, dh: KTensor, dc: KTensor): unknown { return fu.lstmCellBackward(this.gpu, acts, c, c2, dh, dc); }
  gruCell(gi: KTensor, gh: KTensor, bh: KTensor, h: KTensor): [unknown, unknown] { return fu.gruCell(this.gpu, gi, gh, bh, h); }
  gruCellBackward(acts: KTensor, h: KTensor, dh: KTensor): unknown { return fu.gruCellBackward(this.gpu, acts, h, dh); }
  // the whole-sequence LSTM kernels, composed from the step kernels (as on cpu)
  lstmSequence(xp: KTensor, h0: KTensor, c0: KTensor, whh: KTensor, reverse: boolean): unknown { return lstmSequenceSteps(this, xp, h0, c0, whh, reverse); }
  lstmSequenceBackward(y: KTensor, dy: KTensor, c0: KTensor, whh: KTensor, reverse: boolean, state: boolean): unknown { return lstmSequenceBackwardSteps(this, y, dy, c0, whh, reverse, state); }

  dispose(): void {
    this.gpu.flush();
    this.gpu.trim();
  }
}

/**
 * Creates the WebGPU backend on this process's one device (requested on first call). Rejects
 * with a readable reason when WebGPU is unavailable: no `navigator.gpu` and no `webgpu` package,
 * or no adapter.
 */
export async function createWebGpuBackend(opts: { name?: string } = {}): Promise<WebGpuBackend> {
  const gpu = await requestGpu();
  return new WebGpuBackend(gpu, opts.name ?? 'webgpu');
}
