/**
 * Kernel-level tracing for `nb.jit`: runs a function once, eagerly, while the backend's kernel
 * methods are wrapped to record every top-level call (its method, its non-tensor arguments, which
 * buffers it read and wrote). Buffers are numbered as they appear: the function's tensor arguments
 * (`input`), buffers of tensors captured from outside (`external`: parameters, optimizer state,
 * data sets), uploads and kernels whose inputs are all constant (`const`: folded, their values
 * computed once here and kept by the plan), and everything else (`value`).
 */
import type { Backend, KTensor } from '../backends/interface.js';
import type { DType, TypedArray } from '../tensor/dtype.js';
import { Tensor, peekNextTensorId } from '../tensor/tensor.js';
import { Random } from '../tensor/random.js';
import { isValidationRead } from './hooks.js';

export type BufKind = 'input' | 'external' | 'const' | 'value';

export interface Buf {
  readonly id: number;
  kind: BufKind;
  dtype: DType | null;
  size: number;
  /** The trace-time handle (a const's handle is the plan's to free). */
  handle: unknown;
  /** input: the index of the argument tensor. */
  input?: number;
  /** external: the tensor (created before the trace) whose storage is read at each replay. */
  tensor?: Tensor;
  /** The step that produced it (-1: input, external). */
  producer: number;
  /** const: freed by the trace's own code (the plan now owns it). */
  ownedByPlan?: boolean;
}

/** A mutable kernel argument: `data` is set before each call. */
export interface Slot {
  data: unknown;
  readonly shape: KTensor['shape'];
  readonly dtype: DType;
  readonly size: number;
}

export interface Step {
  method: string;
  /** The arguments, with every KTensor replaced by its slot. */
  args: unknown[];
  slots: Slot[];
  /** The buffer each slot reads. */
  ins: number[];
  /** The buffers written (several for tuple-returning kernels). */
  outs: number[];
  tuple: boolean;
  /** upload: the values (copied; uploaded again when the step runs at replay). */
  values?: TypedArray;
}

export class JitTraceError extends Error {
  /** Set when the function itself ran to the end (the plan could not be built): its result. */
  ran?: { result: unknown };
}

const NOT_KERNELS = new Set(['constructor', 'name', 'supportsFloat64', 'memory', 'dispose', 'download', 'downloadSync', 'free', 'upload', 'ready']);

function isKTensor(v: unknown): v is KTensor {
  return v !== null && typeof v === 'object' && 'data' in v && 'shape' in v && 'dtype' in v && 'size' in v && !(v instanceof Tensor);
}

/** The kernel methods of a backend instance (own and inherited functions, less storage and lifecycle). */
export function kernelMethods(be: Backend): string[] {
  const names = new Set<string>();
  for (let o: object | null = be; o && o !== Object.prototype; o = Object.getPrototypeOf(o) as object | null) {
    for (const k of Object.getOwnPropertyNames(o)) {
      if (NOT_KERNELS.has(k) || k.startsWith('_')) continue;
      const d = Object.getOwnPropertyDescriptor(o, k);
      if (d && typeof d.value === 'function') names.add(k);
    }
  }
  return [...names];
}

export interface Recording {
  bufs: Buf[];
  steps: Step[];
  /** Live handle → buffer id, at the end of the trace. */
  byHandle: Map<unknown, number>;
  /** Tensors created while tracing. */
  created: Tensor[];
  /** Tensors assigned while tracing (targets). */
  assigned: Set<Tensor>;
  firstId: number;
}

/** A tensor created before the trace that holds the same storage as `t` (through reshape views). */
function origin(t: Tensor, sharedFrom: Map<Tensor, Tensor>, firstId: number): Tensor {
  let o = t;
  for (let i = 0; i < 1000 && o.id >= firstId; i++) {
    const s = sharedFrom.get(o);
    if (!s) break;
    o = s;
  }
  return o;
}

/**
 * Runs `fn` with `be`'s kernels recorded. `args` are the argument tensors (inputs, by index).
 * Restores everything it patched, also when fn throws.
 */
export function record<T>(be: Backend, args: readonly Tensor[], fn: () => T): { result: T; rec: Recording } {
  const firstId = peekNextTensorId();
  const bufs: Buf[] = [];
  const steps: Step[] = [];
  const byHandle = new Map<unknown, number>();
  const viewer = new Map<unknown, Tensor>();
  const sharedFrom = new Map<Tensor, Tensor>();
  const created: Tensor[] = [];
  const assigned = new Set<Tensor>();
  const argIndex = new Map<Tensor, number>();
  args.forEach((t, i) => { if (!argIndex.has(t)) argIndex.set(t, i); });
  let depth = 0;
  // What makes the run impossible to compile. The run itself goes on to its end (reads and random
  // draws happen as in eager code), so its effects (assignments, optimizer steps) happen exactly
  // once; the error is thrown when fn has returned.
  let refused: string | null = null;
  const refuse = (why: string): void => {
    refused ??= why;
  };

  const newBuf = (kind: BufKind, handle: unknown, producer: number, dtype: DType | null, size: number): Buf => {
    const b: Buf = { id: bufs.length, kind, dtype, size, handle, producer };
    bufs.push(b);
    byHandle.set(handle, b.id);
    return b;
  };
  const bufOf = (k: KTensor, method: string): Buf => {
    const id = byHandle.get(k.data);
    if (id !== undefined) {
      const b = bufs[id] as Buf;
      if (b.dtype === null) {
        b.dtype = k.dtype;
        b.size = k.size;
      }
      return b;
    }
    const t = viewer.get(k.data);
    if (!t) {
      refuse(`nb.jit: a kernel (${method}) read a buffer of no known tensor while tracing`);
      return newBuf('external', k.data, -1, k.dtype, k.size);
    }
    const o = origin(t, sharedFrom, firstId);
    const ai = argIndex.get(o);
    const b = newBuf(ai !== undefined ? 'input' : 'external', k.data, -1, k.dtype, k.size);
    if (ai !== undefined) b.input = ai;
    else b.tensor = o;
    return b;
  };

  const origs = new Map<string, (...a: unknown[]) => unknown>();
  const target = be as unknown as Record<string, unknown>;
  const hadOwn = new Set<string>();
  const patch = (name: string, wrapper: (orig: (...a: unknown[]) => unknown) => (...a: unknown[]) => unknown): void => {
    const orig = target[name] as (...a: unknown[]) => unknown;
    if (Object.prototype.hasOwnProperty.call(target, name)) hadOwn.add(name);
    origs.set(name, orig);
    target[name] = wrapper(orig);
  };

  for (const name of kernelMethods(be)) {
    patch(name, (orig) => function (this: unknown, ...a: unknown[]): unknown {
      if (depth > 0) return orig.apply(this, a);
      depth++;
      try {
        const slots: Slot[] = [];
        const ins: number[] = [];
        let allConst = true;
        const tmpl = (v: unknown): unknown => {
          if (isKTensor(v)) {
            const b = bufOf(v, name);
            if (b.kind !== 'const') allConst = false;
            const s: Slot = { data: null, shape: v.shape, dtype: v.dtype, size: v.size };
            slots.push(s);
            ins.push(b.id);
            return s;
          }
          if (Array.isArray(v) && v.length > 0 && v.every(isKTensor)) return v.map(tmpl);
          return v;
        };
        const targs = a.map(tmpl);
        const r = orig.apply(this, a);
        const tuple = Array.isArray(r);
        const handles = tuple ? (r as unknown[]) : [r];
        const idx = steps.length;
        const outs = handles.map((h) => newBuf(allConst ? 'const' : 'value', h, idx, null, 0).id);
        steps.push({ method: name, args: targs, slots, ins, outs, tuple });
        return r;
      } finally {
        depth--;
      }
    });
  }
  patch('upload', (orig) => function (this: unknown, ...a: unknown[]): unknown {
    if (depth > 0) return orig.apply(this, a);
    const values = (a[0] as TypedArray).slice();
    const r = orig.apply(this, a);
    const idx = steps.length;
    const b = newBuf('const', r, idx, a[1] as DType, values.length);
    steps.push({ method: 'upload', args: [], slots: [], ins: [], outs: [b.id], tuple: false, values });
    return r;
  });
  patch('free', (orig) => function (this: unknown, ...a: unknown[]): unknown {
    if (depth > 0) return orig.apply(this, a);
    const id = byHandle.get(a[0]);
    if (id !== undefined) {
      const b = bufs[id] as Buf;
      if (b.dtype === null) {
        b.dtype = a[1] as DType;
        b.size = a[2] as number;
      }
      byHandle.delete(a[0]);
      if (b.kind === 'const') {
        b.ownedByPlan = true; // the plan keeps the folded value
        return undefined;
      }
    }
    return orig.apply(this, a);
  });
  const refuseRead = (orig: (...a: unknown[]) => unknown) => function (this: unknown, ...a: unknown[]): unknown {
    if (depth === 0 && !isValidationRead()) {
      refuse('nb.jit: the function read tensor values while being traced (item(), data(), arraySync(), …): ' +
        'a compiled plan replays kernels and cannot follow a branch or a number taken from values. ' +
        'Return the tensor from the function and read it after the call, or run this code without nb.jit');
    }
    return orig.apply(this, a);
  };
  patch('download', refuseRead);
  if (typeof target.downloadSync === 'function') patch('downloadSync', refuseRead);

  // tensor-level hooks: which tensor a kernel's buffer belongs to, views, creations, assignments
  const proto = Tensor.prototype as unknown as Record<string, unknown>;
  const origView = proto.kernelView as (this: Tensor) => KTensor;
  const origShare = proto.shareAs as (this: Tensor, ...a: unknown[]) => Tensor;
  const origAssign = proto.assign as (this: Tensor, v: Tensor) => Tensor;
  const T = Tensor as unknown as Record<string, unknown>;
  const origFrom = T.fromStorage as (...a: unknown[]) => Tensor;
  const rproto = Random.prototype as unknown as Record<string, unknown>;
  const origNext = rproto.nextUint32 as () => number;
  proto.kernelView = function (this: Tensor): KTensor {
    const k = origView.call(this);
    if (!viewer.has(k.data) || this.id < firstId) viewer.set(k.data, this);
    return k;
  };
  proto.shareAs = function (this: Tensor, ...a: unknown[]): Tensor {
    const r = origShare.apply(this, a);
    sharedFrom.set(r, this);
    return r;
  };
  proto.assign = function (this: Tensor, v: Tensor): Tensor {
    const r = origAssign.call(this, v);
    assigned.add(this);
    return r;
  };
  T.fromStorage = function (...a: unknown[]): Tensor {
    const t = origFrom.apply(Tensor, a);
    created.push(t);
    return t;
  };
  rproto.nextUint32 = function (this: Random): number {
    refuse('nb.jit: the function draws random numbers while being traced (randn, dropout, shuffling, …): ' +
      'the plan would replay the same numbers at every call. Draw them outside the function and pass them in as arguments, ' +
      'or run this code without nb.jit');
    return origNext.call(this);
  };
  try {
    const result = fn();
    if (refused !== null) {
      const err = new JitTraceError(refused);
      err.ran = { result };
      throw err;
    }
    return { result, rec: { bufs, steps, byHandle, created, assigned, firstId } };
  } catch (e) {
    // the constants whose frees were held back go now
    const free = origs.get('free');
    for (const b of bufs) if (b.kind === 'const' && b.ownedByPlan && free) free.call(be, b.handle, b.dtype ?? 'float32', b.size);
    throw e;
  } finally {
    for (const [name, orig] of origs) {
      if (hadOwn.has(name)) target[name] = orig;
      else delete target[name];
    }
    proto.kernelView = origView;
    proto.shareAs = origShare;
    proto.assign = origAssign;
    T.fromStorage = origFrom;
    rproto.nextUint32 = origNext;
  }
}

