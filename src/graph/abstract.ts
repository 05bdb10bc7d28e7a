/**
 * Shape inference for graph building: an op's own function is run on stand-in tensors that live
 * on a backend which computes nothing. The op validates its arguments and works out its output
 * shapes and dtypes exactly as it does eagerly (same code, same error messages); every kernel
 * call returns a dummy handle, so nothing is allocated or computed.
 *
 * Unknown dimensions (`null`, e.g. the batch of a placeholder) are carried through as one large
 * prime, UNKNOWN_DIM: it survives broadcasting, matmul, reshape(-1), flatten, … and any output
 * dimension that is a multiple of it is reported as unknown again.
 */
import type { Backend, KTensor } from '../backends/interface.js';
import { Storage, withBackendOverride, noGrad, tidy } from '../engine.js';
import { allocArray, type DType, type TypedArray } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';

/** The stand-in for an unknown dimension while an op's shape rule runs. */
export const UNKNOWN_DIM = 65521;

/** A static shape: `null` marks a dimension known only at run time. */
export type StaticShape = readonly (number | null)[];

const DUMMY: unknown = new Proxy(
  {},
  {
    get(_t, prop) {
      if (prop === Symbol.iterator) return function* () { for (;;) yield DUMMY; };
      if (prop === 'then' || typeof prop === 'symbol') return undefined;
      return DUMMY;
    },
  },
);

const READ_LIMIT = 1 << 20;

function zeros(t: KTensor): TypedArray {
  if (t.size > READ_LIMIT) throw new Error('graph: an op read the values of a symbolic tensor while the graph was being built');
  return allocArray(t.dtype, t.size);
}

const base: Record<string, unknown> = {
  name: 'graph (shape inference)',
  supportsFloat64: true,
  upload: () => DUMMY,
  download: (t: KTensor) => Promise.resolve(zeros(t)),
  downloadSync: zeros,
  free: () => undefined,
  memory: () => ({ numBuffers: 0, numBytes: 0 }),
};

/** A backend whose every kernel returns a dummy handle. */
export const abstractBackend: Backend = new Proxy(base, {
  get(t, prop) {
    if (typeof prop === 'symbol') return undefined;
    if (prop in t) return t[prop];
    return () => DUMMY;
  },
}) as unknown as Backend;

/** A stand-in tensor of `shape` (unknown dims as UNKNOWN_DIM) on the abstract backend. */
export function standIn(shape: StaticShape, dtype: DType): Tensor {
  const s = shape.map((d) => (d === null ? UNKNOWN_DIM : d));
  let size = 1;
  for (const d of s) size *= d;
  return Tensor.fromStorage(new Storage(abstractBackend, DUMMY, dtype, size), s);
}

/** A concrete shape as a static one: multiples of UNKNOWN_DIM become null. */
export function toStatic(shape: readonly number[]): (number | null)[] {
  return shape.map((d) => (d !== 0 && d % UNKNOWN_DIM === 0 ? null : d));
}

/**
 * Runs `fn` on the abstract backend: `make` builds its arguments (from stand-ins), and the
 * shapes and dtypes of the tensors `fn` returns (found by `outputs`) come back.
 */
export function inferShapes<R>(fn: () => R, outputs: (r: R) => Tensor[]): { shape: (number | null)[]; dtype: DType }[] {
  return noGrad(() =>
    tidy(() =>
      withBackendOverride(abstractBackend, () => {
        const r = fn();
        return outputs(r).map((t) => ({ shape: toStatic(t.shape), dtype: t.dtype }));
      }),
    ),
  );
}
