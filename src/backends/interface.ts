/**
 * The backend interface: the small set of primitive kernels every backend implements.
 *
 * Backends know nothing of autograd, scopes or validation: they receive already-checked,
 * contiguous row-major inputs (`KTensor`) and return a new storage handle for the output.
 * Storage handles are opaque to the engine (a typed array on `cpu`, an offset into linear memory
 * on `wasm`, a GPU buffer on a GPU backend). Reading back is asynchronous; CPU backends may also
 * read synchronously.
 */
import type { DType, TypedArray } from '../tensor/dtype.js';
import type { Shape } from '../tensor/shape.js';

/** An input to a kernel: a storage handle plus its shape and dtype. Always contiguous, row-major. */
export interface KTensor {
  readonly data: unknown;
  readonly shape: Shape;
  readonly dtype: DType;
  readonly size: number;
}

export type UnaryOp =
  | 'neg' | 'exp' | 'log' | 'sqrt' | 'rsqrt' | 'abs' | 'sign' | 'square' | 'reciprocal'
  | 'sigmoid' | 'tanh' | 'relu' | 'softplus' | 'step' | 'floor' | 'ceil' | 'round'
  | 'sin' | 'cos' | 'logicalNot' | 'expm1' | 'log1p' | 'elu' | 'selu';

export type BinaryOp =
  | 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'minimum' | 'mod'
  | 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge' | 'logicalAnd' | 'logicalOr' | 'logicalXor'
  | 'reluGrad' | 'mulNoNan';

export type ReduceOp = 'sum' | 'max' | 'min' | 'prod';
export type ArgReduceOp = 'argmax' | 'argmin';

/** Convolution geometry, NCHW input [N,C,H,W], OIHW filter [O, C/groups, KH, KW]. Padding is explicit. */
export interface Conv2dParams {
  readonly strides: readonly [number, number];
  readonly pads: readonly [number, number, number, number]; // top, bottom, left, right
  readonly dilations: readonly [number, number];
  readonly groups: number;
  /** Input shape [N,C,H,W]. */
  readonly inShape: readonly [number, number, number, number];
  /** Filter shape [O, C/groups, KH, KW]. */
  readonly filterShape: readonly [number, number, number, number];
  /** Output shape [N,O,OH,OW]. */
  readonly outShape: readonly [number, number, number, number];
}

/** Pooling geometry over NCHW. Padded cells never win a max and are excluded from an average when `countIncludePad` is false. */
export interface Pool2dParams {
  readonly kernel: readonly [number, number];
  readonly strides: readonly [number, number];
  readonly pads: readonly [number, number, number, number];
  readonly countIncludePad: boolean;
  readonly inShape: readonly [number, number, number, number];
  readonly outShape: readonly [number, number, number, number];
}

/**
 * One Adam step's constants (see `adamStep`). With t the step, c2 = √(1 − β₂ᵗ):
 * lrT = η·c2/(1 − β₁ᵗ) and epsT = ε·c2, so that lrT·m/(√v + epsT) = η·m̂/(√v̂ + ε).
 */
export interface AdamHyper {
  readonly beta1: number;
  readonly beta2: number;
  readonly lrT: number;
  readonly epsT: number;
  /** Coupled (L2) weight decay added to the gradient: g ← g + l2·p (0 = none). */
  readonly l2: number;
  /** Decoupled (AdamW) decay factor applied to p before the step (1 = none). */
  readonly decay: number;
}

export interface BackendMemory {
  numBuffers: number;
  numBytes: number;
}

export interface Backend {
  readonly name: string;
  /** Whether the backend stores float64 (used for float64 gradient checks). */
  readonly supportsFloat64: boolean;

  // ---- storage ----
  /** Stores `values` (the backend may take ownership of the array) and returns a handle. */
  upload(values: TypedArray, dtype: DType): unknown;
  /**
   * Stores bytes[i]·scale as the float `dtype` (rounded like a Float32Array/Float64Array store),
   * converting into the backend's memory without a full-size float array in JavaScript (see
   * ../backends/uint8.ts). Optional: without it `nb.fromUint8` converts in JavaScript and uploads.
   */
  uploadUint8?(bytes: Uint8Array | Uint8ClampedArray, scale: number, dtype: DType): unknown;
  /** Reads a whole buffer back. Resolves to a fresh array the caller owns. */
  download(t: KTensor): Promise<TypedArray>;
  /** Synchronous read, offered by CPU backends only. */
  downloadSync?(t: KTensor): TypedArray;
  /** Releases a handle. Called exactly once per handle by the engine. */
  free(data: unknown, dtype: DType, size: number): void;
  memory(): BackendMemory;

  // ---- kernels ----
  fill(shape: Shape, value: number, dtype: DType): unknown;
  cast(x: KTensor, dtype: DType): unknown;
  /** Elementwise unary op; output dtype is `outDtype` (bool for logicalNot, else x.dtype). */
  unary(op: UnaryOp, x: KTensor, alpha?: number): unknown;
  /** Elementwise binary op with NumPy broadcasting of `a` and `b` to `outShape`; comparisons give bool. */
  binary(op: BinaryOp, a: KTensor, b: KTensor, outShape: Shape, outDtype: DType): unknown;
  /** where(cond, a, b) with broadcasting of all three to `outShape`. */
  where(cond: KTensor, a: KTensor, b: KTensor, outShape: Shape): unknown;
  /** Reduces over sorted `axes`; the output shape drops them. */
  reduce(op: ReduceOp, x: KTensor, axes: readonly number[]): unknown;
  /** Index (int32) of the max/min along `axis` (first occurrence); the output drops `axis`. */
  argReduce(op: ArgReduceOp, x: KTensor, axis: number): unknown;
  /** Batched matmul: a [...,M,K] (or [...,K,M] when transA), b [...,K,N] (or [...,N,K]); batch dims broadcast to `outShape`. */
  matmul(a: KTensor, b: KTensor, transA: boolean, transB: boolean, outShape: Shape): unknown;
  transpose(x: KTensor, perm: readonly number[]): unknown;
  broadcastTo(x: KTensor, shape: Shape): unknown;
  slice(x: KTensor, begin: readonly number[], size: readonly number[]): unknown;
  /** Constant padding; `pads[i] = [before, after]`. */
  pad(x: KTensor, pads: readonly (readonly [number, number])[], value: number): unknown;
  concat(xs: readonly KTensor[], axis: number, outShape: Shape): unknown;
  /** out[..., j, ...] = x[..., indices[j], ...] along `axis`; indices int32 of any shape (flattened into the axis position). */
  gather(x: KTensor, indices: KTensor, axis: number, outShape: Shape): unknown;
  /** The adjoint of gather: out = zeros(outShape); out[..., indices[j], ...] += updates[..., j, ...]. */
  scatterAdd(updates: KTensor, indices: KTensor, axis: number, outShape: Shape): unknown;
  oneHot(indices: KTensor, depth: number, onValue: number, offValue: number, dtype: DType): unknown;

  conv2d(x: KTensor, w: KTensor, p: Conv2dParams): unknown;
  /** dL/dx of conv2d given dy [N,O,OH,OW]: also the forward of transposed convolution. */
  conv2dBackpropInput(dy: KTensor, w: KTensor, p: Conv2dParams): unknown;
  /** dL/dw of conv2d given x and dy. */
  conv2dBackpropFilter(x: KTensor, dy: KTensor, p: Conv2dParams): unknown;
  maxPool2d(x: KTensor, p: Pool2dParams): unknown;
  /** Routes dy to the first arg-max of each window (gradient of maxPool2d w.r.t. x). */
  maxPool2dBackward(dy: KTensor, x: KTensor, p: Pool2dParams): unknown;
  avgPool2d(x: KTensor, p: Pool2dParams): unknown;
  /** Spreads dy evenly over each window (gradient of avgPool2d w.r.t. x). */
  avgPool2dBackward(dy: KTensor, p: Pool2dParams): unknown;

  /**
   * One fused Adam update over a parameter (all four inputs share one shape and float dtype):
   * g′ = g + l2·p; m′ = β₁m + (1 − β₁)g′; v′ = β₂v + (1 − β₂)g′²; p′ = decay·p − lrT·m′/(√v′ + epsT).
   * Each step rounds like the separate elementwise ops it replaces (constants in p's dtype), so
   * the result equals the composite formula's. Returns new handles [p′, m′, v′].
   */
  adamStep(p: KTensor, g: KTensor, m: KTensor, v: KTensor, h: AdamHyper): [unknown, unknown, unknown];
  /**
   * `adamStep` whose step size is a one-element tensor of p's dtype, read when the kernel runs
   * (`h.lrT` is not used): a graph's run-time learning rate (TensorFlow 1's ApplyAdam), also
   * under a compiled plan, which replays the kernel on the current value.
   */
  adamStepTensorLr(p: KTensor, g: KTensor, m: KTensor, v: KTensor, lrT: KTensor, h: Omit<AdamHyper, 'lrT'>): [unknown, unknown, unknown];

  /** Optional: release resources (worker threads, devices). */
  dispose?(): void;

  // ---- scans and sorting (cumsum/cumprod, sort/argsort/topk) ----
  /**
   * Running sum or product along `axis` (same shape and dtype as x; int32 wraps like Int32Array).
   * `exclusive`: element i holds the result over the elements before i (0 or 1 first);
   * `reverse`: runs from the end of the axis towards its start.
   */
  cumulative(op: CumulativeOp, x: KTensor, axis: number, exclusive: boolean, reverse: boolean): unknown;
  /**
   * The int32 permutation that sorts x along `axis`, stably (equal values keep their order);
   * NaN sorts as the largest value (last ascending, first descending), and −0 equals +0.
   */
  argsort(x: KTensor, axis: number, descending: boolean): unknown;
}

/** The running reductions of `Backend.cumulative`. */
export type CumulativeOp = 'sum' | 'prod';

/** The names of the kernels, for the generated op × backend table. */
export type KernelName = Exclude<keyof Backend, 'name' | 'supportsFloat64' | 'upload' | 'uploadUint8' | 'download' | 'downloadSync' | 'free' | 'memory' | 'dispose'>;

// =============================================================================================
// Recurrent cells: the pointwise gate math of one LSTM / GRU step, forward and backward (used by
// src/ops/recurrent.ts; the composite formula in src/nn/layers/recurrent.ts is their reference).
// Rows are the batch; gates are blocks of H along a row in PyTorch's order. Float dtypes only.

export interface Backend {
  /**
   * One LSTM step: z = gi + gh [B,4H] (gates i, f, g, o), c [B,H] → [h′, c′, acts] with
   * c′ = σ(f)·c + σ(i)·tanh(g), h′ = σ(o)·tanh(c′) [B,H] and acts = (σ(i), σ(f), tanh(g), σ(o)) [B,4H].
   */
  lstmCell(gi: KTensor, gh: KTensor, c: KTensor): [unknown, unknown, unknown];
  /**
   * lstmCell's backward: acts [B,4H], c (the previous cell state) and c′ [B,H], the gradients
   * dh′, dc′ [B,H] → [B,5H], each row (dz [4H], dc [H]).
   */
  lstmCellBackward(acts: KTensor, c: KTensor, c2: KTensor, dh: KTensor, dc: KTensor): unknown;
  /**
   * One GRU step: gi [B,3H] = x·W_ihᵀ + b_ih, gh [B,3H] = h·W_hhᵀ, bh [3H] = b_hh, h [B,H] →
   * [h′, acts]: r = σ(gi_r + gh_r + b_hr), z = σ(gi_z + gh_z + b_hz), n = tanh(gi_n + r·(gh_n + b_hn)),
   * h′ = (1 − z)·n + z·h [B,H], acts = (r, z, n, gh_n + b_hn) [B,4H].
   */
  gruCell(gi: KTensor, gh: KTensor, bh: KTensor, h: KTensor): [unknown, unknown];
  /** gruCell's backward: acts [B,4H], h (the previous state) [B,H], dh′ [B,H] → [B,7H], each row (dgi [3H], dgh [3H], z·dh′ [H]). */
  gruCellBackward(acts: KTensor, h: KTensor, dh: KTensor): unknown;
  /**
   * A whole LSTM direction (optional: without it src/ops/recurrent.ts steps with slice, matmul,
   * lstmCell and concat, see lstmSequenceSteps there): xp [T,B,4H] time-major (x·W_ihᵀ + biases),
   * h0, c0 [B,H], whh [4H,H] → Y [T, 6·B·H], per step the blocks h′ [B,H], c′ [B,H], acts [B,4H]
   * (as lstmCell returns them); `reverse` runs from the last step to the first.
   */
  lstmSequence?(xp: KTensor, h0: KTensor, c0: KTensor, whh: KTensor, reverse: boolean): unknown;
  /**
   * lstmSequence's backward: y (its output), dy (y's gradient, same layout; the h′ and c′ blocks
   * are read), c0 [B,H], whh [4H,H] → dz [T,B,4H] (the gradient of xp, time-major), followed by
   * dh0 and dc0 [B,H] when `state`.
   */
  lstmSequenceBackward?(y: KTensor, dy: KTensor, c0: KTensor, whh: KTensor, reverse: boolean, state: boolean): unknown;

  // ---- losses ----
  /**
   * Softmax cross-entropy of float logits z [N, C] against targets t: int32 labels [N], or rows
   * [N, C] of z's dtype. Per row, lse = log Σ_c exp z_c (computed as max + log Σ exp(z − max))
   * and the loss −Σ_c t_c·(z_c − lse), where a zero t_c counts 0 whatever z_c (a label y: the
   * loss lse − z_y; a label outside [0, C) gives NaN). Returns [loss, lse]: loss [N], or [1] =
   * scale·Σ of the rows when `reduce`; lse [N], which the backward kernel reads.
   */
  softmaxCrossEntropy(z: KTensor, t: KTensor, reduce: boolean, scale: number): [unknown, unknown];
  /**
   * softmaxCrossEntropy's gradient w.r.t. z: dz [N, C] = (exp(z − lse) − t)·g_i, with g_i = dy[i]
   * (dy [N]), or dy[0]·scale for every row when `reduce` (dy [1]).
   */
  softmaxCrossEntropyBackward(dy: KTensor, z: KTensor, t: KTensor, lse: KTensor, reduce: boolean, scale: number): unknown;
}
