/**
 * The reference backend: plain TypeScript loops over typed arrays, written to be obviously
 * correct rather than fast. Storage handles are the typed arrays themselves. Supports float64.
 *
 * The kernels live in one file per family, named as on the other backends: elementwise.ts,
 * reduce.ts (and scans, sorting), matmul.ts, conv.ts, pool.ts, indexing.ts, fused.ts (Adam,
 * recurrent cells), loss.ts (softmax cross-entropy); device.ts holds what they share. This file
 * assembles the backend object.
 */
import type { FusedProgram } from '../fused-elementwise.js';
import type { AdamHyper, ArgReduceOp, Backend, BinaryOp, Conv2dParams, CumulativeOp, KTensor, Pool2dParams, ReduceOp, UnaryOp } from '../interface.js';
import { allocArray, bytesPerElement, type DType, type TypedArray } from '../../tensor/dtype.js';
import type { Shape } from '../../tensor/shape.js';
import { convertUint8, uint8Table } from '../uint8.js';
import { lstmSequenceBackwardSteps, lstmSequenceSteps } from '../recurrent-steps.js';
import { arr, type Alloc, type Arr } from './device.js';
import * as ew from './elementwise.js';
import * as red from './reduce.js';
import * as idx from './indexing.js';
import * as mm from './matmul.js';
import * as cv from './conv.js';
import * as pl from './pool.js';
import * as fu from './fused.js';
import { adamStepTensorLr } from './fused-apply.js';
import * as ls from './loss.js';

class CpuBackend implements Backend {
  readonly name = 'cpu';
  readonly supportsFloat64 = true;
  private buffers = 0;
  private bytes = 0;

  /** A new output array, counted as a live buffer (what every kernel allocates with). */
  private readonly out: Alloc = (dtype: DType, size: number): Arr => {
    let a: Arr;
    try {
      a = allocArray(dtype, size);
    } catch (e) {
      // Ops refuse shapes beyond MAX_SIZE; what is left is running out of memory.
      throw new Error(`cpu: cannot allocate ${size} ${dtype} elements (${size * bytesPerElement(dtype)} bytes): ${(e as Error).message}`);
    }
    this.buffers++; // counted once the buffer exists
    this.bytes += size * bytesPerElement(dtype);
    return a;
  };

  upload(values: TypedArray, dtype: DType): unknown {
    this.buffers++;
    this.bytes += values.length * bytesPerElement(dtype);
    return values;
  }
  uploadUint8(bytes: Uint8Array | Uint8ClampedArray, scale: number, dtype: DType): unknown {
    const out = this.out(dtype, bytes.length) as Float32Array | Float64Array;
    convertUint8(bytes, uint8Table(scale, dtype), out, 0, 0, bytes.length);
    return out;
  }
  download(t: KTensor): Promise<TypedArray> {
    return Promise.resolve(this.downloadSync(t));
  }
  downloadSync(t: KTensor): TypedArray {
    return arr(t).slice();
  }
  free(_data: unknown, dtype: DType, size: number): void {
    this.buffers--;
    this.bytes -= size * bytesPerElement(dtype);
  }
  memory(): { numBuffers: number; numBytes: number } {
    return { numBuffers: this.buffers, numBytes: this.bytes };
  }

  fill(shape: Shape, value: number, dtype: DType): unknown { return ew.fill(this.out, shape, value, dtype); }
  cast(x: KTensor, dtype: DType): unknown { return ew.cast(this.out, x, dtype); }
  unary(op: UnaryOp, x: KTensor, alpha = 1): unknown { return ew.unary(this.out, op, x, alpha); }
  fusedElementwise(p: FusedProgram, inputs: readonly KTensor[]): unknown { return ew.fusedElementwise(this.out, p, inputs); }
  binary(op: BinaryOp, a: KTensor, b: KTensor, outShape: Shape, outDtype: DType): unknown { return ew.binary(this.out, op, a, b, outShape, outDtype); }
  where(cond: KTensor, a: KTensor, b: KTensor, outShape: Shape): unknown { return ew.where(this.out, cond, a, b, outShape); }
  reduce(op: ReduceOp, x: KTensor, axes: readonly number[]): unknown { return red.reduce(this.out, op, x, axes); }
  argReduce(op: ArgReduceOp, x: KTensor, axis: number): unknown { return red.argReduce(this.out, op, x, axis); }
  cumulative(op: CumulativeOp, x: KTensor, axis: number, exclusive: boolean, reverse: boolean): unknown { return red.cumulative(this.out, op, x, axis, exclusive, reverse); }
  argsort(x: KTensor, axis: number, descending: boolean): unknown { return red.argsort(this.out, x, axis, descending); }
  matmul(a: KTensor, b: KTensor, transA: boolean, transB: boolean, outShape: Shape): unknown { return mm.matmul(this.out, a, b, transA, transB, outShape); }
  transpose(x: KTensor, perm: readonly number[]): unknown { return idx.transpose(this.out, x, perm); }
  broadcastTo(x: KTensor, shape: Shape): unknown { return idx.broadcastTo(this.out, x, shape); }
  slice(x: KTensor, begin: readonly number[], size: readonly number[]): unknown { return idx.slice(this.out, x, begin, size); }
  pad(x: KTensor, pads: readonly (readonly [number, number])[], value: number): unknown { return idx.pad(this.out, x, pads, value); }
  concat(xs: readonly KTensor[], axis: number, outShape: Shape): unknown { return idx.concat(this.out, xs, axis, outShape); }
  gather(x: KTensor, indices: KTensor, axis: number, outShape: Shape): unknown { return idx.gather(this.out, x, indices, axis, outShape); }
  scatterAdd(updates: KTensor, indices: KTensor, axis: number, outShape: Shape): unknown { return idx.scatterAdd(this.out, updates, indices, axis, outShape); }
  oneHot(indices: KTensor, depth: number, onValue: number, offValue: number, dtype: DType): unknown { return idx.oneHot(this.out, indices, depth, onValue, offValue, dtype); }
  conv2d(x: KTensor, w: KTensor, p: Conv2dParams): unknown { return cv.conv2d(this.out, x, w, p); }
  conv2dBackpropInput(dy: KTensor, w: KTensor, p: Conv2dParams): unknown { return cv.conv2dBackpropInput(this.out, dy, w, p); }
  conv2dBackpropFilter(x: KTensor, dy: KTensor, p: Conv2dParams): unknown { return cv.conv2dBackpropFilter(this.out, x, dy, p); }
  maxPool2d(x: KTensor, p: Pool2dParams): unknown { return pl.maxPool2d(this.out, x, p); }
  maxPool2dBackward(dy: KTensor, x: KTensor, p: Pool2dParams): unknown { return pl.maxPool2dBackward(this.out, dy, x, p); }
  avgPool2d(x: KTensor, p: Pool2dParams): unknown { return pl.avgPool2d(this.out, x, p); }
  avgPool2dBackward(dy: KTensor, p: Pool2dParams): unknown { return pl.avgPool2dBackward(this.out, dy, p); }
  adamStep(p: KTensor, g: KTensor, m: KTensor, v: KTensor, h: AdamHyper): [unknown, unknown, unknown] { return fu.adamStep(this.out, p, g, m, v, h); }
  adamStepTensorLr(p: KTensor, g: KTensor, m: KTensor, v: KTensor, lrT: KTensor, h: Omit<AdamHyper, 'lrT'>): [unknown, unknown, unknown] { return adamStepTensorLr(this.out, p, g, m, v, lrT, h); }
  softmaxCrossEntropy(z: KTensor, t: KTensor, reduce: boolean, scale: number): [unknown, unknown] { return ls.softmaxCrossEntropy(this.out, z, t, reduce, scale); }
  softmaxCrossEntropyBackward(dy: KTensor, z: KTensor, t: KTensor, lse: KTensor, reduce: boolean, scale: number): unknown { return ls.softmaxCrossEntropyBackward(this.out, dy, z, t, lse, reduce, scale); }
  lstmCell(gi: KTensor, gh: KTensor, c: KTensor): [unknown, unknown, unknown] { return fu.lstmCell(this.out, gi, gh, c); }
  lstmCellBackward(acts: KTensor, c: KTensor, c2: KTensor, dh: KTensor, dc: KTensor): unknown { return fu.lstmCellBackward(this.out, acts, c, c2, dh, dc); }
  gruCell(gi: KTensor, gh: KTensor, bh: KTensor, h: KTensor): [unknown, unknown] { return fu.gruCell(this.out, gi, gh, bh, h); }
  gruCellBackward(acts: KTensor, h: KTensor, dh: KTensor): unknown { return fu.gruCellBackward(this.out, acts, h, dh); }
  // the whole-sequence LSTM kernels, composed from the step kernels
  lstmSequence(xp: KTensor, h0: KTensor, c0: KTensor, whh: KTensor, reverse: boolean): unknown { return lstmSequenceSteps(this, xp, h0, c0, whh, reverse); }
  lstmSequenceBackward(y: KTensor, dy: KTensor, c0: KTensor, whh: KTensor, reverse: boolean, state: boolean): unknown { return lstmSequenceBackwardSteps(this, y, dy, c0, whh, reverse, state); }
}

export function createCpuBackend(): Backend {
  return new CpuBackend();
}
