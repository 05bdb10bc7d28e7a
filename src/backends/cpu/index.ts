/**
 * The reference backend: plain TypeScript loops over typed arrays, written to be obviously
 * correct rather than fast. Storage handles are the typed arrays themselves. Supports float64.
 */
import { evalFused, type FusedProgram } from '../fused-elementwise.js';
import type { AdamHyper, ArgReduceOp, Backend, BinaryOp, Conv2dParams, CumulativeOp, KTensor, Pool2dParams, ReduceOp, UnaryOp } from '../interface.js';
import { allocArray, bytesPerElement, type DType, type TypedArray } from '../../tensor/dtype.js';
import { sizeOf, stridesOf, type Shape } from '../../tensor/shape.js';
import { SELU_ALPHA, SELU_SCALE } from '../../constants.js';
import { lstmSequenceBackwardSteps, lstmSequenceSteps } from '../recurrent-steps.js';

type Arr = TypedArray;
const arr = (t: KTensor): Arr => t.data as Arr;

/** For each output index of `outShape`, the flat index into an input of `inShape` under broadcasting. */
function broadcastIndex(inShape: Shape, outShape: Shape): Int32Array {
  const n = sizeOf(outShape);
  const idx = new Int32Array(n);
  const rank = outShape.length;
  const inStr = stridesOf(inShape);
  const off = rank - inShape.length;
  const eff = new Array<number>(rank).fill(0);
  for (let i = 0; i < inShape.length; i++) eff[i + off] = inShape[i] === 1 ? 0 : (inStr[i] as number);
  const coord = new Array<number>(rank).fill(0);
  let cur = 0;
  for (let o = 0; o < n; o++) {
    idx[o] = cur;
    // increment the coordinate odometer
    for (let d = rank - 1; d >= 0; d--) {
      coord[d]!++;
      cur += eff[d] as number;
      if ((coord[d] as number) < (outShape[d] as number)) break;
      cur -= (eff[d] as number) * (coord[d] as number);
      coord[d] = 0;
    }
  }
  return idx;
}

function sameShape(a: Shape, b: Shape): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Whether `s` (ignoring leading 1s) equals the last axes of `out`, so it repeats contiguously. */
function isTrailing(s: Shape, out: Shape): boolean {
  let k = 0;
  while (k < s.length && s[k] === 1) k++;
  const len = s.length - k;
  if (len === 0 || len > out.length) return false;
  for (let i = 0; i < len; i++) if (s[k + i] !== out[out.length - len + i]) return false;
  return true;
}

function unaryFn(op: UnaryOp, alpha: number): (x: number) => number {
  switch (op) {
    case 'neg': return (x) => -x;
    case 'exp': return Math.exp;
    case 'log': return Math.log;
    case 'sqrt': return Math.sqrt;
    case 'rsqrt': return (x) => 1 / Math.sqrt(x);
    case 'abs': return Math.abs;
    case 'sign': return (x) => (x > 0 ? 1 : x < 0 ? -1 : x === 0 ? 0 : NaN);
    case 'square': return (x) => x * x;
    case 'reciprocal': return (x) => 1 / x;
    case 'sigmoid': return (x) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));
    case 'tanh': return Math.tanh;
    case 'relu': return (x) => (x > 0 ? x : x === x ? 0 : NaN);
    case 'softplus': return (x) => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x)));
    case 'step': return (x) => (x > 0 ? 1 : x === x ? 0 : NaN);
    case 'floor': return Math.floor;
    case 'ceil': return Math.ceil;
    case 'round': return (x) => {
      const r = Math.round(x);
      return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r; // half to even
    };
    case 'sin': return Math.sin;
    case 'cos': return Math.cos;
    case 'logicalNot': return (x) => (x ? 0 : 1);
    case 'expm1': return Math.expm1;
    case 'log1p': return Math.log1p;
    case 'elu': return (x) => (x > 0 ? x : alpha * Math.expm1(x));
    case 'selu': return (x) => SELU_SCALE * (x > 0 ? x : SELU_ALPHA * Math.expm1(x));
  }
}

function binaryFn(op: BinaryOp): (a: number, b: number) => number {
  switch (op) {
    case 'add': return (a, b) => a + b;
    case 'sub': return (a, b) => a - b;
    case 'mul': return (a, b) => a * b;
    case 'div': return (a, b) => a / b;
    case 'pow': return Math.pow;
    case 'maximum': return (a, b) => (a >= b || a !== a ? a : b);
    case 'minimum': return (a, b) => (a <= b || a !== a ? a : b);
    case 'mod': return (a, b) => {
      const r = a % b;
      return r !== 0 && (r < 0) !== (b < 0) ? r + b : r;
    };
    case 'eq': return (a, b) => (a === b ? 1 : 0);
    case 'ne': return (a, b) => (a !== b ? 1 : 0);
    case 'lt': return (a, b) => (a < b ? 1 : 0);
    case 'le': return (a, b) => (a <= b ? 1 : 0);
    case 'gt': return (a, b) => (a > b ? 1 : 0);
    case 'ge': return (a, b) => (a >= b ? 1 : 0);
    case 'logicalAnd': return (a, b) => (a && b ? 1 : 0);
    case 'logicalOr': return (a, b) => (a || b ? 1 : 0);
    case 'logicalXor': return (a, b) => (!a !== !b ? 1 : 0);
    case 'reluGrad': return (dy, x) => (x > 0 ? dy : 0);
    case 'mulNoNan': return (w, x) => (w === 0 ? 0 : w * x);
  }
}

/** Splits `shape` around sorted `axes` into (outer-kept, reduced) iteration: returns for each output element the list of input offsets. */
function reduceIter(shape: Shape, axes: readonly number[]): { outSize: number; redSize: number; base: Int32Array; red: Int32Array } {
  const strides = stridesOf(shape);
  const kept = shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const keptShape = kept.map((i) => shape[i] as number);
  const redShape = axes.map((i) => shape[i] as number);
  const outSize = sizeOf(keptShape);
  const redSize = sizeOf(redShape);
  const offsets = (dims: number[], dimShape: number[], n: number): Int32Array => {
    const o = new Int32Array(n);
    const ds = stridesOf(dimShape);
    for (let i = 0; i < n; i++) {
      let off = 0;
      let rem = i;
      for (let d = 0; d < dims.length; d++) {
        const c = Math.floor(rem / (ds[d] as number));
        rem -= c * (ds[d] as number);
        off += c * (strides[dims[d] as number] as number);
      }
      o[i] = off;
    }
    return o;
  };
  return { outSize, redSize, base: offsets(kept, keptShape, outSize), red: offsets(axes.slice(), redShape, redSize) };
}

class CpuBackend implements Backend {
  readonly name = 'cpu';
  readonly supportsFloat64 = true;
  private buffers = 0;
  private bytes = 0;

  private out(dtype: DType, size: number): Arr {
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
  }

  upload(values: TypedArray, dtype: DType): unknown {
    this.buffers++;
    this.bytes += values.length * bytesPerElement(dtype);
    return values;
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

  fill(shape: Shape, value: number, dtype: DType): unknown {
    const o = this.out(dtype, sizeOf(shape));
    o.fill(dtype === 'bool' ? (value ? 1 : 0) : value);
    return o;
  }

  cast(x: KTensor, dtype: DType): unknown {
    const a = arr(x);
    const o = this.out(dtype, x.size);
    if (dtype === 'bool') for (let i = 0; i < a.length; i++) o[i] = a[i] !== 0 ? 1 : 0;
    else if (dtype === 'int32') for (let i = 0; i < a.length; i++) o[i] = Math.trunc(a[i] as number);
    else o.set(a);
    return o;
  }

  /** A chain of float32 elementwise ops in one pass (the reference of ../fused-elementwise.ts). */
  fusedElementwise(p: FusedProgram, inputs: readonly KTensor[]): unknown {
    const o = this.out('float32', p.outer * p.inner) as Float32Array;
    evalFused(p, inputs.map(arr), o, (op) => unaryFn(op, 1), binaryFn);
    return o;
  }

  unary(op: UnaryOp, x: KTensor, alpha = 1): unknown {
    const f = unaryFn(op, alpha);
    const a = arr(x);
    const o = this.out(op === 'logicalNot' ? 'bool' : x.dtype, x.size);
    for (let i = 0; i < a.length; i++) o[i] = f(a[i] as number);
    return o;
  }

  binary(op: BinaryOp, a: KTensor, b: KTensor, outShape: Shape, outDtype: DType): unknown {
    const f = binaryFn(op);
    const n = sizeOf(outShape);
    const o = this.out(outDtype, n);
    const x = arr(a);
    const y = arr(b);
    const aFull = sameShape(a.shape, outShape);
    const bFull = sameShape(b.shape, outShape);
    if (aFull && bFull) {
      for (let i = 0; i < n; i++) o[i] = f(x[i] as number, y[i] as number);
    } else if (aFull && b.size === 1) {
      // tensor ∘ scalar (learning rates, constants): no index arrays
      const s = y[0] as number;
      for (let i = 0; i < n; i++) o[i] = f(x[i] as number, s);
    } else if (bFull && a.size === 1) {
      const s = x[0] as number;
      for (let i = 0; i < n; i++) o[i] = f(s, y[i] as number);
    } else if (aFull && isTrailing(b.shape, outShape)) {
      // a row vector over the last axes (a bias): b repeats every b.size elements
      const m = b.size;
      for (let i = 0, j = 0; i < n; i++, j = j + 1 === m ? 0 : j + 1) o[i] = f(x[i] as number, y[j] as number);
    } else if (bFull && isTrailing(a.shape, outShape)) {
      const m = a.size;
      for (let i = 0, j = 0; i < n; i++, j = j + 1 === m ? 0 : j + 1) o[i] = f(x[j] as number, y[i] as number);
    } else {
      const ia = broadcastIndex(a.shape, outShape);
      const ib = broadcastIndex(b.shape, outShape);
      for (let i = 0; i < n; i++) o[i] = f(x[ia[i] as number] as number, y[ib[i] as number] as number);
    }
    return o;
  }

  where(cond: KTensor, a: KTensor, b: KTensor, outShape: Shape): unknown {
    const n = sizeOf(outShape);
    const o = this.out(a.dtype, n);
    // Per input: null = same shape as the output (index i), else a broadcast index (all zeros for one element).
    const index = (t: KTensor): Int32Array | null => (sameShape(t.shape, outShape) ? null : t.size === 1 ? new Int32Array(n) : broadcastIndex(t.shape, outShape));
    const ic = index(cond);
    const ia = index(a);
    const ib = index(b);
    const c = arr(cond);
    const x = arr(a);
    const y = arr(b);
    for (let i = 0; i < n; i++) {
      const take = c[ic ? (ic[i] as number) : i];
      o[i] = take ? (x[ia ? (ia[i] as number) : i] as number) : (y[ib ? (ib[i] as number) : i] as number);
    }
    return o;
  }

  reduce(op: ReduceOp, x: KTensor, axes: readonly number[]): unknown {
    const { outSize, redSize, base, red } = reduceIter(x.shape, axes);
    const o = this.out(x.dtype, outSize);
    const a = arr(x);
    for (let i = 0; i < outSize; i++) {
      const b = base[i] as number;
      let acc = op === 'sum' ? 0 : op === 'prod' ? 1 : op === 'max' ? -Infinity : Infinity;
      for (let j = 0; j < redSize; j++) {
        const v = a[b + (red[j] as number)] as number;
        if (op === 'sum') acc += v;
        else if (op === 'prod') acc *= v;
        else if (op === 'max') acc = v > acc || v !== v ? v : acc;
        else acc = v < acc || v !== v ? v : acc;
        if (acc !== acc && (op === 'max' || op === 'min')) break; // NaN propagates
      }
      o[i] = acc;
    }
    return o;
  }

  argReduce(op: ArgReduceOp, x: KTensor, axis: number): unknown {
    const { outSize, redSize, base, red } = reduceIter(x.shape, [axis]);
    const o = this.out('int32', outSize);
    const a = arr(x);
    for (let i = 0; i < outSize; i++) {
      let best = 0;
      let bv = a[base[i] as number] as number;
      for (let j = 1; j < redSize; j++) {
        const v = a[(base[i] as number) + (red[j] as number)] as number;
        if (bv !== bv) break;
        if (op === 'argmax' ? v > bv || v !== v : v < bv || v !== v) {
          bv = v;
          best = j;
        }
      }
      o[i] = best;
    }
    return o;
  }

  matmul(a: KTensor, b: KTensor, transA: boolean, transB: boolean, outShape: Shape): unknown {
    const r = outShape.length;
    const M = outShape[r - 2] as number;
    const N = outShape[r - 1] as number;
    const K = a.shape[a.shape.length - (transA ? 2 : 1)] as number;
    const batchShape = outShape.slice(0, -2);
    const batch = sizeOf(batchShape);
    const ia = broadcastIndex(a.shape.slice(0, -2), batchShape);
    const ib = broadcastIndex(b.shape.slice(0, -2), batchShape);
    const x = arr(a);
    const y = arr(b);
    const o = this.out(a.dtype, batch * M * N);
    const row = new Float64Array(N); // accumulate one output row in float64
    for (let bi = 0; bi < batch; bi++) {
      const ao = (ia[bi] as number) * M * K;
      const bo = (ib[bi] as number) * K * N;
      const oo = bi * M * N;
      for (let i = 0; i < M; i++) {
        row.fill(0);
        for (let k = 0; k < K; k++) {
          const av = x[ao + (transA ? k * M + i : i * K + k)] as number;
          if (transB) for (let j = 0; j < N; j++) row[j] += av * (y[bo + j * K + k] as number);
          else {
            const off = bo + k * N;
            for (let j = 0; j < N; j++) row[j] += av * (y[off + j] as number);
          }
        }
        for (let j = 0; j < N; j++) o[oo + i * N + j] = row[j] as number;
      }
    }
    return o;
  }

  transpose(x: KTensor, perm: readonly number[]): unknown {
    const outShape = perm.map((p) => x.shape[p] as number);
    const inStr = stridesOf(x.shape);
    const permStr = perm.map((p) => inStr[p] as number);
    const o = this.out(x.dtype, x.size);
    const a = arr(x);
    const rank = outShape.length;
    const coord = new Array<number>(rank).fill(0);
    let src = 0;
    for (let i = 0; i < x.size; i++) {
      o[i] = a[src] as number;
      for (let d = rank - 1; d >= 0; d--) {
        coord[d]!++;
        src += permStr[d] as number;
        if ((coord[d] as number) < (outShape[d] as number)) break;
        src -= (permStr[d] as number) * (coord[d] as number);
        coord[d] = 0;
      }
    }
    return o;
  }

  broadcastTo(x: KTensor, shape: Shape): unknown {
    const idx = broadcastIndex(x.shape, shape);
    const o = this.out(x.dtype, idx.length);
    const a = arr(x);
    for (let i = 0; i < idx.length; i++) o[i] = a[idx[i] as number] as number;
    return o;
  }

  slice(x: KTensor, begin: readonly number[], size: readonly number[]): unknown {
    const n = sizeOf(size);
    const o = this.out(x.dtype, n);
    const inStr = stridesOf(x.shape);
    const outStr = stridesOf(size);
    const a = arr(x);
    for (let i = 0; i < n; i++) {
      let rem = i;
      let src = 0;
      for (let d = 0; d < size.length; d++) {
        const c = Math.floor(rem / (outStr[d] as number));
        rem -= c * (outStr[d] as number);
        src += (c + (begin[d] as number)) * (inStr[d] as number);
      }
      o[i] = a[src] as number;
    }
    return o;
  }

  pad(x: KTensor, pads: readonly (readonly [number, number])[], value: number): unknown {
    const outShape = x.shape.map((d, i) => d + pads[i]![0] + pads[i]![1]);
    const o = this.out(x.dtype, sizeOf(outShape));
    o.fill(value);
    const outStr = stridesOf(outShape);
    const inStr = stridesOf(x.shape);
    const a = arr(x);
    for (let i = 0; i < x.size; i++) {
      let rem = i;
      let dst = 0;
      for (let d = 0; d < x.shape.length; d++) {
        const c = Math.floor(rem / (inStr[d] as number));
        rem -= c * (inStr[d] as number);
        dst += (c + pads[d]![0]) * (outStr[d] as number);
      }
      o[dst] = a[i] as number;
    }
    return o;
  }

  concat(xs: readonly KTensor[], axis: number, outShape: Shape): unknown {
    const o = this.out(xs[0]!.dtype, sizeOf(outShape));
    const outer = sizeOf(outShape.slice(0, axis));
    const innerOut = sizeOf(outShape.slice(axis));
    let off = 0;
    for (const t of xs) {
      const inner = sizeOf(t.shape.slice(axis));
      const a = arr(t);
      for (let i = 0; i < outer; i++) o.set(a.subarray(i * inner, (i + 1) * inner), i * innerOut + off);
      off += inner;
    }
    return o;
  }

  gather(x: KTensor, indices: KTensor, axis: number, outShape: Shape): unknown {
    const outer = sizeOf(x.shape.slice(0, axis));
    const dim = x.shape[axis] as number;
    const inner = sizeOf(x.shape.slice(axis + 1));
    const idx = arr(indices);
    const o = this.out(x.dtype, sizeOf(outShape));
    const a = arr(x);
    for (const v of idx) {
      if (v < 0 || v >= dim) throw new Error(`gather: index ${v} is out of range for axis ${axis} of size ${dim}`);
    }
    for (let i = 0; i < outer; i++) {
      for (let j = 0; j < idx.length; j++) {
        const src = (i * dim + (idx[j] as number)) * inner;
        o.set(a.subarray(src, src + inner), (i * idx.length + j) * inner);
      }
    }
    return o;
  }

  scatterAdd(updates: KTensor, indices: KTensor, axis: number, outShape: Shape): unknown {
    const outer = sizeOf(outShape.slice(0, axis));
    const dim = outShape[axis] as number;
    const inner = sizeOf(outShape.slice(axis + 1));
    const idx = arr(indices);
    const o = this.out(updates.dtype, sizeOf(outShape));
    const u = arr(updates);
    for (const v of idx) {
      if (v < 0 || v >= dim) throw new Error(`scatterAdd: index ${v} is out of range for axis ${axis} of size ${dim}`);
    }
    for (let i = 0; i < outer; i++) {
      for (let j = 0; j < idx.length; j++) {
        const dst = (i * dim + (idx[j] as number)) * inner;
        const src = (i * idx.length + j) * inner;
        for (let k = 0; k < inner; k++) o[dst + k] = (o[dst + k] as number) + (u[src + k] as number);
      }
    }
    return o;
  }

  oneHot(indices: KTensor, depth: number, onValue: number, offValue: number, dtype: DType): unknown {
    const idx = arr(indices);
    const o = this.out(dtype, idx.length * depth);
    o.fill(offValue);
    for (let i = 0; i < idx.length; i++) {
      const v = idx[i] as number;
      if (v >= 0 && v < depth) o[i * depth + v] = onValue;
    }
    return o;
  }

  adamStep(p: KTensor, g: KTensor, m: KTensor, v: KTensor, h: AdamHyper): [unknown, unknown, unknown] {
    // r rounds every intermediate to the dtype, as separate float32 ops would.
    const r = p.dtype === 'float32' ? Math.fround : (x: number): number => x;
    const [b1, c1, b2, c2, lrT, epsT, l2, decay] = [h.beta1, 1 - h.beta1, h.beta2, 1 - h.beta2, h.lrT, h.epsT, h.l2, h.decay].map(r) as number[] as [number, number, number, number, number, number, number, number];
    const pa = arr(p);
    const ga = arr(g);
    const ma = arr(m);
    const va = arr(v);
    const po = this.out(p.dtype, p.size);
    const mo = this.out(p.dtype, p.size);
    const vo = this.out(p.dtype, p.size);
    for (let i = 0; i < pa.length; i++) {
      const w = pa[i] as number;
      const gi = h.l2 ? r(ga[i]! + r(w * l2)) : (ga[i] as number);
      const mi = r(r(ma[i]! * b1) + r(gi * c1));
      const vi = r(r(va[i]! * b2) + r(r(gi * gi) * c2));
      const base = h.decay !== 1 ? r(w * decay) : w;
      po[i] = r(base - r(r(mi / r(r(Math.sqrt(vi)) + epsT)) * lrT));
      mo[i] = mi;
      vo[i] = vi;
    }
    return [po, mo, vo];
  }

  // ---- convolution: direct loops over NCHW / OIHW ----

  conv2d(x: KTensor, w: KTensor, p: Conv2dParams): unknown {
    const [N, C, H, W] = p.inShape;
    const [O, Cg, KH, KW] = p.filterShape;
    const [, , OH, OW] = p.outShape;
    const G = p.groups;
    const Og = O / G;
    const xa = arr(x);
    const wa = arr(w);
    const o = this.out(x.dtype, N * O * OH * OW);
    for (let n = 0; n < N; n++)
      for (let oc = 0; oc < O; oc++) {
        const g = Math.floor(oc / Og);
        for (let oh = 0; oh < OH; oh++)
          for (let ow = 0; ow < OW; ow++) {
            let acc = 0;
            for (let c = 0; c < Cg; c++) {
              const ic = g * Cg + c;
              for (let kh = 0; kh < KH; kh++) {
                const ih = oh * p.strides[0] - p.pads[0] + kh * p.dilations[0];
                if (ih < 0 || ih >= H) continue;
                for (let kw = 0; kw < KW; kw++) {
                  const iw = ow * p.strides[1] - p.pads[2] + kw * p.dilations[1];
                  if (iw < 0 || iw >= W) continue;
                  acc += (xa[((n * C + ic) * H + ih) * W + iw] as number) * (wa[((oc * Cg + c) * KH + kh) * KW + kw] as number);
                }
              }
            }
            o[((n * O + oc) * OH + oh) * OW + ow] = acc;
          }
      }
    return o;
  }

  conv2dBackpropInput(dy: KTensor, w: KTensor, p: Conv2dParams): unknown {
    const [N, C, H, W] = p.inShape;
    const [O, Cg, KH, KW] = p.filterShape;
    const [, , OH, OW] = p.outShape;
    const Og = O / p.groups;
    const da = arr(dy);
    const wa = arr(w);
    const o = this.out(dy.dtype, N * C * H * W);
    for (let n = 0; n < N; n++)
      for (let oc = 0; oc < O; oc++) {
        const g = Math.floor(oc / Og);
        for (let oh = 0; oh < OH; oh++)
          for (let ow = 0; ow < OW; ow++) {
            const d = da[((n * O + oc) * OH + oh) * OW + ow] as number;
            for (let c = 0; c < Cg; c++) {
              const ic = g * Cg + c;
              for (let kh = 0; kh < KH; kh++) {
                const ih = oh * p.strides[0] - p.pads[0] + kh * p.dilations[0];
                if (ih < 0 || ih >= H) continue;
                for (let kw = 0; kw < KW; kw++) {
                  const iw = ow * p.strides[1] - p.pads[2] + kw * p.dilations[1];
                  if (iw < 0 || iw >= W) continue;
                  const i = ((n * C + ic) * H + ih) * W + iw;
                  o[i] = (o[i] as number) + d * (wa[((oc * Cg + c) * KH + kh) * KW + kw] as number);
                }
              }
            }
          }
      }
    return o;
  }

  conv2dBackpropFilter(x: KTensor, dy: KTensor, p: Conv2dParams): unknown {
    const [N, C, H, W] = p.inShape;
    const [O, Cg, KH, KW] = p.filterShape;
    const [, , OH, OW] = p.outShape;
    const Og = O / p.groups;
    const xa = arr(x);
    const da = arr(dy);
    const o = this.out(x.dtype, O * Cg * KH * KW);
    for (let n = 0; n < N; n++)
      for (let oc = 0; oc < O; oc++) {
        const g = Math.floor(oc / Og);
        for (let oh = 0; oh < OH; oh++)
          for (let ow = 0; ow < OW; ow++) {
            const d = da[((n * O + oc) * OH + oh) * OW + ow] as number;
            for (let c = 0; c < Cg; c++) {
              const ic = g * Cg + c;
              for (let kh = 0; kh < KH; kh++) {
                const ih = oh * p.strides[0] - p.pads[0] + kh * p.dilations[0];
                if (ih < 0 || ih >= H) continue;
                for (let kw = 0; kw < KW; kw++) {
                  const iw = ow * p.strides[1] - p.pads[2] + kw * p.dilations[1];
                  if (iw < 0 || iw >= W) continue;
                  const i = ((oc * Cg + c) * KH + kh) * KW + kw;
                  o[i] = (o[i] as number) + d * (xa[((n * C + ic) * H + ih) * W + iw] as number);
                }
              }
            }
          }
      }
    return o;
  }

  // ---- pooling ----

  /** Visits each output cell with the in-bounds input offsets of its window. */
  private pool(p: Pool2dParams, visit: (outIdx: number, inBase: number, cells: number[], windowSize: number) => void): void {
    const [N, C, H, W] = p.inShape;
    const [, , OH, OW] = p.outShape;
    const cells: number[] = [];
    for (let nc = 0; nc < N * C; nc++)
      for (let oh = 0; oh < OH; oh++)
        for (let ow = 0; ow < OW; ow++) {
          cells.length = 0;
          const h0 = oh * p.strides[0] - p.pads[0];
          const w0 = ow * p.strides[1] - p.pads[2];
          let windowSize = 0;
          for (let kh = 0; kh < p.kernel[0]; kh++) {
            const ih = h0 + kh;
            for (let kw = 0; kw < p.kernel[1]; kw++) {
              const iw = w0 + kw;
              // cells inside the padded extent count towards an average that includes padding
              if (ih < H + p.pads[1] && iw < W + p.pads[3]) windowSize++;
              if (ih >= 0 && ih < H && iw >= 0 && iw < W) cells.push(ih * W + iw);
            }
          }
          visit((nc * OH + oh) * OW + ow, nc * H * W, cells, windowSize);
        }
  }

  maxPool2d(x: KTensor, p: Pool2dParams): unknown {
    const a = arr(x);
    const o = this.out(x.dtype, sizeOf(p.outShape));
    this.pool(p, (oi, base, cells) => {
      let m = -Infinity;
      for (const c of cells) {
        const v = a[base + c] as number;
        if (v > m || v !== v) m = v;
        if (m !== m) break;
      }
      o[oi] = m;
    });
    return o;
  }

  maxPool2dBackward(dy: KTensor, x: KTensor, p: Pool2dParams): unknown {
    const a = arr(x);
    const d = arr(dy);
    const o = this.out(x.dtype, x.size);
    this.pool(p, (oi, base, cells) => {
      let m = -Infinity;
      let arg = -1;
      for (const c of cells) {
        const v = a[base + c] as number;
        if (v > m || arg < 0) {
          m = v;
          arg = c;
        }
      }
      if (arg >= 0) o[base + arg] = (o[base + arg] as number) + (d[oi] as number);
    });
    return o;
  }

  avgPool2d(x: KTensor, p: Pool2dParams): unknown {
    const a = arr(x);
    const o = this.out(x.dtype, sizeOf(p.outShape));
    this.pool(p, (oi, base, cells, windowSize) => {
      let s = 0;
      for (const c of cells) s += a[base + c] as number;
      const n = p.countIncludePad ? windowSize : cells.length;
      o[oi] = n > 0 ? s / n : 0;
    });
    return o;
  }

  avgPool2dBackward(dy: KTensor, p: Pool2dParams): unknown {
    const d = arr(dy);
    const o = this.out(dy.dtype, sizeOf(p.inShape));
    this.pool(p, (oi, base, cells, windowSize) => {
      const n = p.countIncludePad ? windowSize : cells.length;
      if (n === 0) return;
      const g = (d[oi] as number) / n;
      for (const c of cells) o[base + c] = (o[base + c] as number) + g;
    });
    return o;
  }

  // ---- scans and sorting (cumsum/cumprod, sort/argsort/topk) ----

  cumulative(op: CumulativeOp, x: KTensor, axis: number, exclusive: boolean, reverse: boolean): unknown {
    const outer = sizeOf(x.shape.slice(0, axis));
    const dim = x.shape[axis] as number;
    const inner = sizeOf(x.shape.slice(axis + 1));
    const a = arr(x);
    const o = this.out(x.dtype, x.size);
    const int = x.dtype === 'int32';
    const prod = op === 'prod';
    for (let i = 0; i < outer; i++) {
      for (let k = 0; k < inner; k++) {
        let acc = prod ? 1 : 0;
        for (let r = 0; r < dim; r++) {
          const at = (i * dim + (reverse ? dim - 1 - r : r)) * inner + k;
          const v = a[at] as number;
          if (exclusive) o[at] = acc;
          // int32 wraps like the stored Int32Array would at every step; floats accumulate in float64
          acc = prod ? (int ? Math.imul(acc, v) : acc * v) : int ? (acc + v) | 0 : acc + v;
          if (!exclusive) o[at] = acc;
        }
      }
    }
    return o;
  }

  argsort(x: KTensor, axis: number, descending: boolean): unknown {
    const outer = sizeOf(x.shape.slice(0, axis));
    const dim = x.shape[axis] as number;
    const inner = sizeOf(x.shape.slice(axis + 1));
    const a = arr(x);
    const o = this.out('int32', x.size);
    const row = new Float64Array(dim);
    const order = new Array<number>(dim);
    // NaN is the largest value; Array.prototype.sort is stable
    const asc = (p: number, q: number): number => {
      const u = row[p] as number;
      const v = row[q] as number;
      return u < v ? -1 : u > v ? 1 : u !== u ? (v !== v ? 0 : 1) : v !== v ? -1 : 0;
    };
    const cmp = descending ? (p: number, q: number): number => asc(q, p) : asc;
    for (let i = 0; i < outer; i++) {
      for (let k = 0; k < inner; k++) {
        for (let r = 0; r < dim; r++) {
          row[r] = a[(i * dim + r) * inner + k] as number;
          order[r] = r;
        }
        order.sort(cmp);
        for (let r = 0; r < dim; r++) o[(i * dim + r) * inner + k] = order[r] as number;
      }
    }
    return o;
  }

  // ===========================================================================================
  // Recurrent cells (see the end of ../interface.ts): plain loops, the gate order of PyTorch.

  lstmCell(gi: KTensor, gh: KTensor, c: KTensor): [unknown, unknown, unknown] {
    const [B, H] = [c.shape[0]!, c.shape[1]!];
    const [a, b, cp] = [arr(gi), arr(gh), arr(c)];
    const h2 = this.out(c.dtype, B * H);
    const c2 = this.out(c.dtype, B * H);
    const acts = this.out(c.dtype, B * 4 * H);
    for (let n = 0; n < B; n++) {
      for (let j = 0; j < H; j++) {
        const r = n * 4 * H + j;
        const i = sigmoid(a[r]! + b[r]!);
        const f = sigmoid(a[r + H]! + b[r + H]!);
        const g = Math.tanh(a[r + 2 * H]! + b[r + 2 * H]!);
        const o = sigmoid(a[r + 3 * H]! + b[r + 3 * H]!);
        acts[r] = i;
        acts[r + H] = f;
        acts[r + 2 * H] = g;
        acts[r + 3 * H] = o;
        // read back what was stored, so float32 rounds each step like the composite ops
        c2[n * H + j] = acts[r + H]! * cp[n * H + j]! + acts[r]! * acts[r + 2 * H]!;
        h2[n * H + j] = acts[r + 3 * H]! * Math.tanh(c2[n * H + j]!);
      }
    }
    return [h2, c2, acts];
  }

  lstmSequence(xp: KTensor, h0: KTensor, c0: KTensor, whh: KTensor, reverse: boolean): unknown {
    return lstmSequenceSteps(this, xp, h0, c0, whh, reverse);
  }

  lstmSequenceBackward(y: KTensor, dy: KTensor, c0: KTensor, whh: KTensor, reverse: boolean, state: boolean): unknown {
    return lstmSequenceBackwardSteps(this, y, dy, c0, whh, reverse, state);
  }

  lstmCellBackward(acts: KTensor, c: KTensor, c2: KTensor, dh: KTensor, dc: KTensor): unknown {
    const [B, H] = [c.shape[0]!, c.shape[1]!];
    const [a, cp, cn, dhv, dcv] = [arr(acts), arr(c), arr(c2), arr(dh), arr(dc)];
    const o5 = this.out(c.dtype, B * 5 * H);
    for (let n = 0; n < B; n++) {
      for (let j = 0; j < H; j++) {
        const r = n * 4 * H + j;
        const q = n * 5 * H + j;
        const s = n * H + j;
        const [i, f, g, o] = [a[r]!, a[r + H]!, a[r + 2 * H]!, a[r + 3 * H]!];
        const tc = Math.tanh(cn[s]!);
        const dct = dcv[s]! + dhv[s]! * o * (1 - tc * tc);
        o5[q] = dct * g * (i * (1 - i));
        o5[q + H] = dct * cp[s]! * (f * (1 - f));
        o5[q + 2 * H] = dct * i * (1 - g * g);
        o5[q + 3 * H] = dhv[s]! * tc * (o * (1 - o));
        o5[q + 4 * H] = dct * f;
      }
    }
    return o5;
  }

  gruCell(gi: KTensor, gh: KTensor, bh: KTensor, h: KTensor): [unknown, unknown] {
    const [B, H] = [h.shape[0]!, h.shape[1]!];
    const [a, b, bb, hp] = [arr(gi), arr(gh), arr(bh), arr(h)];
    const h2 = this.out(h.dtype, B * H);
    const acts = this.out(h.dtype, B * 4 * H);
    const t = allocArray(h.dtype, 3); // rounds like the composite's stored intermediates
    for (let n = 0; n < B; n++) {
      for (let j = 0; j < H; j++) {
        const r3 = n * 3 * H + j;
        const r4 = n * 4 * H + j;
        t[0] = b[r3]! + bb[j]!;
        t[1] = b[r3 + H]! + bb[H + j]!;
        t[2] = b[r3 + 2 * H]! + bb[2 * H + j]!;
        acts[r4] = sigmoid(a[r3]! + t[0]!);
        acts[r4 + H] = sigmoid(a[r3 + H]! + t[1]!);
        acts[r4 + 3 * H] = t[2]!;
        t[0] = acts[r4]! * t[2]!;
        acts[r4 + 2 * H] = Math.tanh(a[r3 + 2 * H]! + t[0]!);
        const z = acts[r4 + H]!;
        const nn = acts[r4 + 2 * H]!;
        t[0] = 1 - z;
        t[1] = t[0]! * nn;
        t[2] = z * hp[n * H + j]!;
        h2[n * H + j] = t[1]! + t[2]!;
      }
    }
    return [h2, acts];
  }

  gruCellBackward(acts: KTensor, h: KTensor, dh: KTensor): unknown {
    const [B, H] = [h.shape[0]!, h.shape[1]!];
    const [a, hp, d] = [arr(acts), arr(h), arr(dh)];
    const o7 = this.out(h.dtype, B * 7 * H);
    for (let n = 0; n < B; n++) {
      for (let j = 0; j < H; j++) {
        const r4 = n * 4 * H + j;
        const q = n * 7 * H + j;
        const s = n * H + j;
        const [r, z, nn, hn] = [a[r4]!, a[r4 + H]!, a[r4 + 2 * H]!, a[r4 + 3 * H]!];
        const dnp = d[s]! * (1 - z) * (1 - nn * nn);
        const dzp = d[s]! * (hp[s]! - nn) * (z * (1 - z));
        const drp = dnp * hn * (r * (1 - r));
        o7[q] = drp;
        o7[q + H] = dzp;
        o7[q + 2 * H] = dnp;
        o7[q + 3 * H] = drp;
        o7[q + 4 * H] = dzp;
        o7[q + 5 * H] = dnp * r;
        o7[q + 6 * H] = d[s]! * z;
      }
    }
    return o7;
  }
}

/** The logistic function, as the `sigmoid` unary kernel computes it. */
function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

export function createCpuBackend(): Backend {
  return new CpuBackend();
}
