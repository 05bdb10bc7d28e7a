/**
 * The `wasm` backend: kernels written in AssemblyScript (asm/, one file per kernel family),
 * compiled to WebAssembly with 128-bit SIMD (and relaxed SIMD's fused multiply-add where the
 * engine has it), running on all cores through worker threads that share one linear memory.
 *
 * Storage handles are byte offsets into that memory; tensors stay there between ops. Buffers come
 * from an arena with size-class free lists (see ./arena.ts), so steady-state training allocates
 * nothing new. float32 and int32 are 4-byte elements, bool is one byte; float64 is not offered.
 * The float32 kernels that dominate training (GEMM, convolution and its two gradients, pooling,
 * elementwise, reductions) run in wasm; a few rarely-hot cases (int32 matmul/convolution/pooling,
 * grouped convolution) run the reference kernels on views of the same memory.
 */
import type { AdamHyper, ArgReduceOp, Backend, BinaryOp, Conv2dParams, CumulativeOp, KTensor, Pool2dParams, ReduceOp, UnaryOp } from '../interface.js';
import type { DType, TypedArray } from '../../tensor/dtype.js';
import type { Shape } from '../../tensor/shape.js';
import type { ArenaStats } from './arena.js';
import { WasmDevice, type WasmBackendOptions } from './device.js';
import { plannedReplay } from './planned-alloc.js';
import type { ReplayMemory } from '../../jit/memplan.js';
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
import type { FusedProgram } from '../fused-elementwise.js';

export { WasmOutOfMemoryError, fetchWasmModules, wasmAvailable, type WasmBackendOptions, type WasmModules } from './device.js';
export { split2d, split3d } from './elementwise.js';

/**
 * The kernels that allocate. Each runs as one transaction: if it throws (out of memory, or any
 * other error) after allocating, everything it allocated is released and nothing stays counted.
 */
const ALLOCATING_KERNELS = [
  'upload', 'uploadUint8', 'fill', 'cast', 'unary', 'binary', 'where', 'reduce', 'argReduce', 'matmul', 'transpose', 'broadcastTo',
  'slice', 'pad', 'concat', 'gather', 'scatterAdd', 'oneHot', 'conv2d', 'conv2dBackpropInput', 'conv2dBackpropFilter',
  'maxPool2d', 'maxPool2dBackward', 'avgPool2d', 'avgPool2dBackward', 'adamStep', 'adamStepTensorLr',
  'cumulative', 'argsort', // scans and sorting
  'fusedElementwise', // nb.jit's fused elementwise chains
  'lstmCell', 'lstmCellBackward', 'gruCell', 'gruCellBackward', 'lstmSequence', 'lstmSequenceBackward', // recurrent cells
  'softmaxCrossEntropy', 'softmaxCrossEntropyBackward', // losses
] as const satisfies readonly (keyof Backend | 'fusedElementwise')[];

/**
 * The backend object: its kernels, one file per family (elementwise.ts, reduce.ts with scans and
 * sorting, matmul.ts, conv.ts, pool.ts, indexing.ts, fused.ts for Adam and the recurrent cells,
 * loss.ts for softmax cross-entropy, each calling its AssemblyScript namesake in asm/), run on the memory and threads of device.ts.
 */
export class WasmBackend implements Backend {
  readonly name: string;
  readonly supportsFloat64 = false;
  /** Whether the relaxed-SIMD (FMA) build is in use. */
  readonly relaxedSimd: boolean;
  /** Threads kernels run on (1 = no workers). */
  readonly threads: number;
  /** Whether the memory is shared (threads possible); false on the single-threaded build. */
  readonly shared: boolean;
  private readonly d: WasmDevice;

  constructor(opts: WasmBackendOptions = {}) {
    this.name = opts.name ?? 'wasm';
    const d = new WasmDevice(opts);
    this.d = d;
    this.relaxedSimd = d.relaxedSimd;
    this.threads = d.threads;
    this.shared = d.shared;
    // every allocating kernel runs as a transaction (see ALLOCATING_KERNELS)
    const self = this as unknown as Record<string, (...a: unknown[]) => unknown>;
    for (const name of ALLOCATING_KERNELS) {
      const kernel = self[name]!;
      self[name] = (...a: unknown[]): unknown => d.transaction(name, a[0], () => kernel.apply(this, a));
    }
  }

  /**
   * How many kernel calls ran the reference (cpu) kernel on views of this memory instead of a
   * wasm kernel (int32 matmul and convolution, grouped convolution, …): a diagnostic that shows
   * whether a model's hot path stays on wasm kernels.
   */
  get referenceCalls(): number {
    return this.d.referenceCalls;
  }

  /**
   * How convolutions run where both ways apply: 'auto' (the default) picks a direct convolution
   * for stride-1 layers with few channels and im2col + GEMM otherwise; 'im2col' and 'direct'
   * force one (for tests and A/B measurements).
   */
  get convAlgorithm(): 'auto' | 'im2col' | 'direct' {
    return this.d.convAlgorithm;
  }
  set convAlgorithm(a: 'auto' | 'im2col' | 'direct') {
    if (a !== 'auto' && a !== 'im2col' && a !== 'direct') throw new Error(`convAlgorithm: must be 'auto', 'im2col' or 'direct', got ${String(a)}`);
    this.d.convAlgorithm = a;
  }

  /** Resolves once the worker threads are up (kernels called earlier run on one thread). */
  ready(): Promise<void> {
    return this.d.ready();
  }

  /** Arena statistics: the heap's extent now and at its peak, and the free blocks below its top (see Arena.stats). */
  arenaStats(): ArenaStats {
    return this.d.arenaStats();
  }

  /** Internal (nb.jit): a memory plan for one compiled plan's replays, served from a slab (see planned-alloc.ts). */
  _memoryPlan(): ReplayMemory {
    return plannedReplay(this.d);
  }

  dispose(): void {
    this.d.dispose();
  }

  upload(values: TypedArray, dtype: DType): unknown { return this.d.upload(values, dtype); }
  uploadUint8(bytes: Uint8Array | Uint8ClampedArray, scale: number, dtype: DType): unknown { return up.uploadUint8(this.d, bytes, scale, dtype); }
  download(t: KTensor): Promise<TypedArray> { return this.d.download(t); }
  downloadSync(t: KTensor): TypedArray { return this.d.downloadSync(t); }
  free(data: unknown, dtype: DType, size: number): void { this.d.free(data, dtype, size); }
  memory(): { numBuffers: number; numBytes: number } { return this.d.memory(); }

  fill(shape: Shape, value: number, dtype: DType): unknown { return ew.fill(this.d, shape, value, dtype); }
  cast(x: KTensor, dtype: DType): unknown { return ew.cast(this.d, x, dtype); }
  unary(op: UnaryOp, x: KTensor, alpha = 1): unknown { return ew.unary(this.d, op, x, alpha); }
  binary(op: BinaryOp, a: KTensor, b: KTensor, outShape: Shape, outDtype: DType): unknown { return ew.binary(this.d, op, a, b, outShape, outDtype); }
  where(cond: KTensor, a: KTensor, b: KTensor, outShape: Shape): unknown { return ew.where(this.d, cond, a, b, outShape); }
  reduce(op: ReduceOp, x: KTensor, axes: readonly number[]): unknown { return red.reduce(this.d, op, x, axes); }
  argReduce(op: ArgReduceOp, x: KTensor, axis: number): unknown { return red.argReduce(this.d, op, x, axis); }
  cumulative(op: CumulativeOp, x: KTensor, axis: number, exclusive: boolean, reverse: boolean): unknown { return red.cumulative(this.d, op, x, axis, exclusive, reverse); }
  argsort(x: KTensor, axis: number, descending: boolean): unknown { return red.argsort(this.d, x, axis, descending); }
  matmul(a: KTensor, b: KTensor, transA: boolean, transB: boolean, outShape: Shape): unknown { return mm.matmul(this.d, a, b, transA, transB, outShape); }
  transpose(x: KTensor, perm: readonly number[]): unknown { return idx.transpose(this.d, x, perm); }
  broadcastTo(x: KTensor, shape: Shape): unknown { return idx.broadcastTo(this.d, x, shape); }
  slice(x: KTensor, begin: readonly number[], size: readonly number[]): unknown { return idx.slice(this.d, x, begin, size); }
  pad(x: KTensor, pads: readonly (readonly [number, number])[], value: number): unknown { return idx.pad(this.d, x, pads, value); }
  concat(xs: readonly KTensor[], axis: number, outShape: Shape): unknown { return idx.concat(this.d, xs, axis, outShape); }
  gather(x: KTensor, indices: KTensor, axis: number, outShape: Shape): unknown { return idx.gather(this.d, x, indices, axis, outShape); }
  scatterAdd(updates: KTensor, indices: KTensor, axis: number, outShape: Shape): unknown { return idx.scatterAdd(this.d, updates, indices, axis, outShape); }
  oneHot(indices: KTensor, depth: number, onValue: number, offValue: number, dtype: DType): unknown { return idx.oneHot(this.d, indices, depth, onValue, offValue, dtype); }
  conv2d(x: KTensor, w: KTensor, p: Conv2dParams): unknown { return cv.conv2d(this.d, x, w, p); }
  conv2dBackpropInput(dy: KTensor, w: KTensor, p: Conv2dParams): unknown { return cv.conv2dBackpropInput(this.d, dy, w, p); }
  conv2dBackpropFilter(x: KTensor, dy: KTensor, p: Conv2dParams): unknown { return cv.conv2dBackpropFilter(this.d, x, dy, p); }
  maxPool2d(x: KTensor, p: Pool2dParams): unknown { return pl.maxPool2d(this.d, x, p); }
  maxPool2dBackward(dy: KTensor, x: KTensor, p: Pool2dParams): unknown { return pl.maxPool2dBackward(this.d, dy, x, p); }
  avgPool2d(x: KTensor, p: Pool2dParams): unknown { return pl.avgPool2d(this.d, x, p); }
  avgPool2dBackward(dy: KTensor, p: Pool2dParams): unknown { return pl.avgPool2dBackward(this.d, dy, p); }
  /** A chain of float32 elementwise ops in one pass (nb.jit's fusion). */
  fusedElementwise(p: FusedProgram, inputs: readonly KTensor[]): unknown { return ew.fusedElementwise(this.d, p, inputs); }
  adamStep(p: KTensor, g: KTensor, m: KTensor, v: KTensor, h: AdamHyper): [unknown, unknown, unknown] { return fu.adamStep(this.d, p, g, m, v, h); }
  adamStepTensorLr(p: KTensor, g: KTensor, m: KTensor, v: KTensor, lrT: KTensor, h: Omit<AdamHyper, 'lrT'>): [unknown, unknown, unknown] { return adamStepTensorLr(this.d, p, g, m, v, lrT, h); }
  softmaxCrossEntropy(z: KTensor, t: KTensor, reduce: boolean, scale: number): [unknown, unknown] { return ls.softmaxCrossEntropy(this.d, z, t, reduce, scale); }
  softmaxCrossEntropyBackward(dy: KTensor, z: KTensor, t: KTensor, lse: KTensor, reduce: boolean, scale: number): unknown { return ls.softmaxCrossEntropyBackward(this.d, dy, z, t, lse, reduce, scale); }
  lstmCell(gi: KTensor, gh: KTensor, c: KTensor): [unknown, unknown, unknown] { return fu.lstmCell(this.d, gi, gh, c); }
  lstmCellBackward(acts: KTensor, c: KTensor, c2: KTensor, dh: KTensor, dc: KTensor): unknown { return fu.lstmCellBackward(this.d, acts, c, c2, dh, dc); }
  gruCell(gi: KTensor, gh: KTensor, bh: KTensor, h: KTensor): [unknown, unknown] { return fu.gruCell(this.d, gi, gh, bh, h); }
  gruCellBackward(acts: KTensor, h: KTensor, dh: KTensor): unknown { return fu.gruCellBackward(this.d, acts, h, dh); }
  lstmSequence(xp: KTensor, h0: KTensor, c0: KTensor, whh: KTensor, reverse: boolean): unknown { return fu.lstmSequence(this.d, xp, h0, c0, whh, reverse); }
  lstmSequenceBackward(y: KTensor, dy: KTensor, c0: KTensor, whh: KTensor, reverse: boolean, state: boolean): unknown { return fu.lstmSequenceBackward(this.d, y, dy, c0, whh, reverse, state); }
}

/** Creates a wasm backend; throws when WebAssembly threads/SIMD or the built module are unavailable. */
export function createWasmBackend(opts: WasmBackendOptions = {}): WasmBackend {
  return new WasmBackend(opts);
}
