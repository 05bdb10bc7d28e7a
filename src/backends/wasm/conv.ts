/**
 * The wasm backend's 2-D convolution and its gradients (asm/conv.ts), threads split the batch:
 * im2col + GEMM, or, for the forward pass (and, up to 64 taps, the filter gradient) of stride-1 layers with few
 * channels, a direct convolution (see useDirect).
 */
import type { Conv2dParams, KTensor } from '../interface.js';
import type { ThreadedKernel } from './threads.js';
import { KERNEL_INDEX, MIN_PARALLEL_FLOPS, align64, type WasmDevice } from './device.js';

/** Largest im2col buffer (all images of a batch) conv2d keeps for the backward pass. */
const COLS_CACHE_LIMIT = 64 << 20;

function convKey(p: Conv2dParams): string {
  return `${p.inShape}|${p.filterShape}|${p.strides}|${p.pads}|${p.dilations}|${p.groups}`;
}

function convGeometry(d: WasmDevice, p: Conv2dParams, perImageCols = false, transposedFilter = false): number {
  const [N, C, H, W] = p.inShape;
  const [O, , KH, KW] = p.filterShape;
  const [, , OH, OW] = p.outShape;
  const g = [N, C, H, W, O, KH, KW, OH, OW, p.strides[0], p.strides[1], p.pads[0], p.pads[2], p.dilations[0], p.dilations[1], perImageCols ? 1 : 0, transposedFilter ? 1 : 0];
  d.i32.set(g, d.params >>> 2);
  return d.params;
}

/** The geometry block of the direct kernels: N C H W O KH KW OH OW pt pl. */
function directGeometry(d: WasmDevice, p: Conv2dParams): number {
  d.i32.set([...p.inShape, p.filterShape[0], p.filterShape[2], p.filterShape[3], p.outShape[2], p.outShape[3], p.pads[0], p.pads[2]], d.params >>> 2);
  return d.params;
}

/** Whether a convolution is big enough for the worker threads. */
function convParallel(d: WasmDevice, p: Conv2dParams): boolean {
  const [N, C] = p.inShape;
  const [O, , KH, KW] = p.filterShape;
  return d.pool !== null && N * O * C * KH * KW * p.outShape[2] * p.outShape[3] >= MIN_PARALLEL_FLOPS;
}

/** Runs a convolution kernel in `parts` parts, `slots` threads' scratch being available. */
function runConv(d: WasmDevice, k: ThreadedKernel, args: number[], parts: number, slots: number): void {
  const idx = KERNEL_INDEX[k];
  if (d.pool && slots > 1 && parts > 1) d.pool.run(idx, args, parts);
  else d.fns[idx]!(...args, 0, 0, 1);
}

export function conv2d(d: WasmDevice, x: KTensor, w: KTensor, p: Conv2dParams): number {
  if (p.groups !== 1 || x.dtype !== 'float32') return d.viaReference(x.dtype, (cpu, v) => cpu.conv2d(v(x), v(w), p));
  const [N, C] = p.inShape;
  const [O, , KH, KW] = p.filterShape;
  const [, , OH, OW] = p.outShape;
  const P = OH * OW;
  const out = d.alloc('float32', N * O * P);
  const nth = convParallel(d, p) ? d.threads : 1;
  if (useDirect(d, p)) {
    // no columns kept: the filter gradient is direct too for few taps, else builds its own
    const OWr = Math.ceil(OW / 8) * 8;
    const perThread = align64((Math.ceil(O / 4) * C * KH * KW * 4 + C * (OH + KH - 1) * (OWr + KW - 1) + 32) * 4);
    const scratch = d.scratch(perThread * nth);
    runConv(d, 'conv2dDirect', [x.data as number, w.data as number, out, directGeometry(d, p), scratch, perThread], d.partsFor(N), nth);
    d.release(scratch, perThread * nth);
    return out;
  }
  const colsBytes = align64(C * KH * KW * P * 4);
  // Keep every image's columns for the filter gradient of the backward pass (x's storage is
  // immutable while alive; the entry goes when x is freed or the gradient has used it).
  const keep = colsBytes * N <= COLS_CACHE_LIMIT;
  const colsTotal = colsBytes * (keep ? N : nth);
  const cols = d.scratch(colsTotal);
  runConv(d, 'conv2d', [x.data as number, w.data as number, out, convGeometry(d, p, keep), cols, colsBytes, d.gemmScratch], N, nth);
  if (keep) keepCols(d, x, p, cols, colsTotal);
  else d.release(cols, colsTotal);
  return out;
}

/** Keeps the im2col columns of input `x` for its filter gradient. */
function keepCols(d: WasmDevice, x: KTensor, p: Conv2dParams, ptr: number, bytes: number): void {
  d.dropCols(x.data as number);
  d.colsCache.set(x.data as number, { key: convKey(p), ptr, bytes });
}

export function conv2dBackpropInput(d: WasmDevice, dy: KTensor, w: KTensor, p: Conv2dParams): number {
  if (p.groups !== 1 || dy.dtype !== 'float32') return d.viaReference(dy.dtype, (cpu, v) => cpu.conv2dBackpropInput(v(dy), v(w), p));
  const [N, C, H, W] = p.inShape;
  const [, , KH, KW] = p.filterShape;
  const P = p.outShape[2] * p.outShape[3];
  const out = d.alloc('float32', N * C * H * W);
  const nth = convParallel(d, p) ? d.threads : 1;
  const colsBytes = align64(C * KH * KW * P * 4);
  const cols = d.scratch(colsBytes * nth);
  runConv(d, 'conv2dBackpropInput', [dy.data as number, w.data as number, out, convGeometry(d, p), cols, colsBytes, d.gemmScratch], N, nth);
  d.release(cols, colsBytes * nth);
  return out;
}

export function conv2dBackpropFilter(d: WasmDevice, x: KTensor, dy: KTensor, p: Conv2dParams): number {
  if (p.groups !== 1 || x.dtype !== 'float32') return d.viaReference(x.dtype, (cpu, v) => cpu.conv2dBackpropFilter(v(x), v(dy), p));
  const [N, C] = p.inShape;
  const [O, , KH, KW] = p.filterShape;
  const K = C * KH * KW;
  const P = p.outShape[2] * p.outShape[3];
  const out = d.alloc('float32', O * K);
  const chunks = Math.ceil(N / d.filterChunk);
  if (chunks === 0) {
    d.k.fill32(out, O * K, 0);
    return out;
  }
  const nth = convParallel(d, p) ? d.threads : 1;
  const colsBytes = align64(K * P * 4);
  const cached = d.colsCache.get(x.data as number);
  const stored = cached !== undefined && cached.key === convKey(p);
  if (!stored && useDirect(d, p) && (d.convAlgorithm === 'direct' || C * KH * KW <= DIRECT_FILTER_MAX_K)) {
    const [, , OH, OW] = p.outShape;
    const OWq = Math.ceil(OW / 4) * 4;
    const perThread = align64((C * (OH + KH - 1) * (OWq + KW) + O * OH * OWq) * 4);
    const scratch = d.scratch(perThread * nth);
    const partBytes = chunks * O * K * 4;
    const parts = d.scratch(partBytes);
    runConv(d, 'conv2dBackpropFilterDirect', [x.data as number, dy.data as number, parts, directGeometry(d, p), scratch, perThread], chunks, nth);
    d.k.sumParts(parts, chunks, O * K, out);
    d.release(parts, partBytes);
    d.release(scratch, perThread * nth);
    return out;
  }
  const cols = stored ? cached.ptr : d.scratch(colsBytes * nth);
  const partBytes = chunks * O * K * 4;
  const parts = d.scratch(partBytes);
  // with O a multiple of the 8-wide panel, compute dW^T = cols . dy^T (less packing)
  const transposed = O % 8 === 0;
  runConv(d, 'conv2dBackpropFilter', [x.data as number, dy.data as number, parts, convGeometry(d, p, stored, transposed), cols, colsBytes, d.gemmScratch], chunks, nth);
  if (transposed) {
    const t = d.scratch(O * K * 4);
    d.k.sumParts(parts, chunks, O * K, t);
    d.k.transpose2d(t, out, K, O);
    d.release(t, O * K * 4);
  } else d.k.sumParts(parts, chunks, O * K, out);
  d.release(parts, partBytes);
  if (stored) d.dropCols(x.data as number);
  else d.release(cols, colsBytes * nth);
  return out;
}

/**
 * Whether conv2d runs as a direct convolution: stride 1, dilation 1, groups 1, few input and
 * output channels, where im2col + GEMM packs more memory than the multiply-adds need
 * (d.convAlgorithm 'im2col' or 'direct' forces one where both apply: tests and A/B measurements).
 */
function useDirect(d: WasmDevice, p: Conv2dParams): boolean {
  if (d.convAlgorithm === 'im2col') return false;
  if (p.groups !== 1 || p.strides[0] !== 1 || p.strides[1] !== 1 || p.dilations[0] !== 1 || p.dilations[1] !== 1) return false;
  if (d.convAlgorithm === 'direct') return true;
  return p.inShape[1] * p.filterShape[2] * p.filterShape[3] <= DIRECT_MAX_K && p.filterShape[0] <= DIRECT_MAX_OUT;
}

/** The direct convolution's limits (see useDirect), from A/B measurements on LeNet-sized layers. */
const DIRECT_MAX_K = 512;
/**
 * The direct filter gradient only up to this many taps (C·KH·KW): past it, building the im2col
 * columns and running the relaxed-SIMD GEMM wins (bench/conv-ab.mjs: LeNet's second layer, 150
 * taps, 2.23 ms direct against 1.02 ms with columns; its first, 25 taps, 1.13 against 1.32).
 */
const DIRECT_FILTER_MAX_K = 64;
const DIRECT_MAX_OUT = 32;
