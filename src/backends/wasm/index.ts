/**
 * The `wasm` backend: kernels written in AssemblyScript (asm/kernels.ts), compiled to WebAssembly
 * with 128-bit SIMD (and relaxed SIMD's fused multiply-add where the engine has it), running on
 * all cores through worker threads that share one linear memory.
 *
 * Storage handles are byte offsets into that memory; tensors stay there between ops. Buffers come
 * from an arena with size-class free lists (see ./arena.ts), so steady-state training allocates
 * nothing new. float32 and int32 are 4-byte elements, bool is one byte; float64 is not offered.
 * The float32 kernels that dominate training (GEMM, convolution and its two gradients, pooling,
 * elementwise, reductions) run in wasm; a few rarely-hot cases (int32 matmul/convolution/pooling,
 * grouped convolution) run the reference kernels on views of the same memory.
 */
import type { AdamHyper, ArgReduceOp, Backend, BinaryOp, Conv2dParams, CumulativeOp, KTensor, Pool2dParams, ReduceOp, UnaryOp } from '../interface.js';
import { createCpuBackend } from '../cpu/index.js';
import type { DType, TypedArray } from '../../tensor/dtype.js';
import { sizeOf, stridesOf, type Shape } from '../../tensor/shape.js';
import { Arena, type ArenaStats } from './arena.js';
import { THREADED_KERNELS, type ThreadPool, type ThreadedKernel } from './threads.js';
import { createThreadPool } from './browser-threads.js';
import { EMBEDDED } from './embedded.js';
import { fusedElementwiseWasm, type WasmFusedHost } from './fused-elementwise.js';
import type { FusedProgram } from '../fused-elementwise.js';

export interface WasmBackendOptions {
  /** The name the backend is registered under (default 'wasm'); tensors find their backend by it. */
  name?: string;
  /** Threads to run kernels on, the calling one included (default: all cores). 1 = no workers. */
  threads?: number;
  /** Use the relaxed-SIMD build when the engine validates it (default true). */
  relaxedSimd?: boolean;
  /**
   * The compiled kernel modules' bytes (default: the ones the package carries inlined, or, run
   * from the sources, dist/wasm/ read from disk). `fetchWasmModules(url)` fetches them from a URL.
   */
  wasm?: WasmModules;
  /** Force the single-threaded build on unshared memory (what runs where SharedArrayBuffer is missing). */
  unshared?: boolean;
}

const UNARY_OPS: readonly UnaryOp[] = [
  'neg', 'exp', 'log', 'sqrt', 'rsqrt', 'abs', 'sign', 'square', 'reciprocal', 'sigmoid', 'tanh', 'relu',
  'softplus', 'step', 'floor', 'ceil', 'round', 'sin', 'cos', 'logicalNot', 'expm1', 'log1p', 'elu', 'selu',
];
const BINARY_OPS: readonly BinaryOp[] = [
  'add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum', 'mod', 'eq', 'ne', 'lt', 'le', 'gt', 'ge',
  'logicalAnd', 'logicalOr', 'logicalXor', 'reluGrad', 'mulNoNan',
];
const REDUCE_OPS: readonly ReduceOp[] = ['sum', 'max', 'min', 'prod'];

const BINARY_FN = THREADED_KERNELS.indexOf('binary');
const UNARY_FN = THREADED_KERNELS.indexOf('unary');
const KERNEL_INDEX = Object.fromEntries(THREADED_KERNELS.map((k, i) => [k, i])) as Record<ThreadedKernel, number>;
const UNARY_CODE = Object.fromEntries(UNARY_OPS.map((k, i) => [k, i])) as Record<UnaryOp, number>;
const BINARY_CODE = Object.fromEntries(BINARY_OPS.map((k, i) => [k, i])) as Record<BinaryOp, number>;
const DT_CODE: Record<DType, number> = { float32: 0, int32: 1, bool: 2, float64: -1 };

/** wasm32's address space: 65536 pages of 64 KiB, 4 GiB. */
const MAX_PAGES = 65536;
const PAGE = 65536;

/**
 * The kernels that allocate. Each runs as one transaction: if it throws (out of memory, or any
 * other error) after allocating, everything it allocated is released and nothing stays counted.
 */
const ALLOCATING_KERNELS = [
  'upload', 'fill', 'cast', 'unary', 'binary', 'where', 'reduce', 'argReduce', 'matmul', 'transpose', 'broadcastTo',
  'slice', 'pad', 'concat', 'gather', 'scatterAdd', 'oneHot', 'conv2d', 'conv2dBackpropInput', 'conv2dBackpropFilter',
  'maxPool2d', 'maxPool2dBackward', 'avgPool2d', 'avgPool2dBackward', 'adamStep',
  'cumulative', 'argsort', // scans and sorting
  'lstmCell', 'lstmCellBackward', 'gruCell', 'gruCellBackward', 'lstmSequence', 'lstmSequenceBackward', // recurrent cells
] as const satisfies readonly (keyof Backend)[];

/** Thrown when a wasm allocation cannot be met: WebAssembly memory is limited to 4 GiB. */
export class WasmOutOfMemoryError extends Error {
  constructor(
    /** The op (or kernel) that asked. */
    readonly op: string,
    /** The bytes it asked for. */
    readonly bytes: number,
    message: string,
  ) {
    super(message);
    this.name = 'WasmOutOfMemoryError';
  }
}

/** The built kernel modules: threaded SIMD, threaded relaxed SIMD, single-threaded SIMD on unshared memory. */
export interface WasmModules {
  simd: BufferSource;
  relaxed?: BufferSource;
  singleThreaded?: BufferSource;
}

/** The kernel module's exports (see asm/kernels.ts). */
interface Kernels {
  memory: WebAssembly.Memory;
  heapBase(): number;
  GEMM_SCRATCH: WebAssembly.Global;
  FILTER_CHUNK: WebAssembly.Global;
  fill32(p: number, n: number, bits: number): void;
  fill8(p: number, n: number, v: number): void;
  cast(x: number, dtx: number, out: number, dto: number, n: number): void;
  where(c: number, a: number, b: number, out: number, n: number, esize: number): void;
  reduce(op: number, x: number, dt: number, out: number, outer: number, red: number, inner: number, acc: number): void;
  argReduce(isMax: number, x: number, dt: number, out: number, outer: number, red: number, inner: number): void;
  copyStrided(dst: number, src: number, es: number, rank: number, shapeP: number, dstrP: number, sstrP: number): void;
  transpose2d(x: number, out: number, rows: number, cols: number): void;
  gather(x: number, idx: number, out: number, outer: number, dim: number, nidx: number, innerBytes: number): void;
  scatterAdd(upd: number, idx: number, out: number, dt: number, outer: number, dim: number, nidx: number, inner: number): void;
  oneHot(idx: number, out: number, dt: number, n: number, depth: number, on: number): void;
  sumParts(partials: number, parts: number, len: number, out: number): void;
  adamStep(p: number, g: number, m: number, v: number, po: number, mo: number, vo: number, n: number,
    b1: number, c1: number, b2: number, c2: number, lrT: number, epsT: number, l2: number, decay: number): void;
}

type Fn = (...a: number[]) => void;

/** One element's byte size in this backend's memory. */
function esize(dtype: DType): number {
  return dtype === 'bool' ? 1 : 4;
}

const FILES = { simd: 'nabla-simd.wasm', relaxed: 'nabla-relaxed.wasm', singleThreaded: 'nabla-simd-st.wasm' } as const;

/** Decodes base64 (`atob`: a global in browsers and in Node). */
function fromBase64(s: string): Uint8Array<ArrayBuffer> {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

let embeddedCache: WasmModules | null = null;

/** The modules the built package carries inlined (dist/backends/wasm/embedded.js); null in src/. */
function embeddedModules(): WasmModules | null {
  if (!EMBEDDED) return null;
  if (embeddedCache) return embeddedCache;
  const simd = fromBase64(EMBEDDED.simd);
  const st = EMBEDDED.singleThreaded;
  let singleThreaded: Uint8Array<ArrayBuffer> | undefined;
  if (typeof st === 'string') singleThreaded = fromBase64(st);
  else if (st) {
    singleThreaded = simd.slice();
    singleThreaded[st.patch] = st.byte;
  }
  embeddedCache = { simd, relaxed: EMBEDDED.relaxed === undefined ? undefined : fromBase64(EMBEDDED.relaxed), singleThreaded };
  return embeddedCache;
}

/**
 * dist/wasm/ of this package: src/backends/wasm/ and dist/backends/wasm/ both sit three levels
 * below its root. Through a variable, so that bundlers do not take `new URL(…, import.meta.url)`
 * for an asset to emit: the built package carries the modules inlined and never reads this.
 */
function distWasmDir(): URL {
  const here = import.meta.url;
  return new URL('../../../dist/wasm/', here);
}

/** Node, run from the sources: read the built modules next to the package (dist/wasm/). */
function readBuiltModules(): WasmModules {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const fs = proc?.getBuiltinModule?.('node:fs') as { readFileSync(p: URL): Uint8Array<ArrayBuffer>; existsSync(p: URL): boolean } | undefined;
  if (!fs) throw new Error('no kernel module given, none inlined in this build of nabla, and no file system to read dist/wasm/ from (see fetchWasmModules)');
  const dir = distWasmDir();
  const simdUrl = new URL(FILES.simd, dir);
  if (!fs.existsSync(simdUrl)) throw new Error(`${simdUrl.pathname} is missing; run \`npm run build:wasm\``);
  const opt = (f: string): BufferSource | undefined => {
    const u = new URL(f, dir);
    return fs.existsSync(u) ? fs.readFileSync(u) : undefined;
  };
  return { simd: fs.readFileSync(simdUrl), relaxed: opt(FILES.relaxed), singleThreaded: opt(FILES.singleThreaded) };
}

/**
 * Fetches the kernel modules from a folder URL holding the files of the package's dist/wasm/
 * (nabla-simd.wasm, and where present nabla-relaxed.wasm and nabla-simd-st.wasm), for
 * `createWasmBackend({ wasm })`: for a host that must not carry them inlined, or a build of nabla
 * run from its sources. A relative `base` resolves against the page (`document.baseURI`).
 */
export async function fetchWasmModules(base: string | URL): Promise<WasmModules> {
  if (typeof base !== 'string' && !(base instanceof URL)) {
    throw new Error(`fetchWasmModules: base must be a URL or a string, got ${base === null ? 'null' : typeof base}`);
  }
  const g = globalThis as { document?: { baseURI?: string }; location?: { href?: string } };
  let dir: URL;
  try {
    dir = new URL(String(base).endsWith('/') ? String(base) : `${String(base)}/`, g.document?.baseURI ?? g.location?.href);
  } catch {
    throw new Error(`fetchWasmModules: base must be a URL of a folder, got '${String(base)}'`);
  }
  const fs = dir.protocol === 'file:'
    ? (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule?.('node:fs/promises') as
      | { readFile(p: URL): Promise<Uint8Array<ArrayBuffer>> }
      | undefined
    : undefined;
  const get = async (file: string, required: boolean): Promise<Uint8Array<ArrayBuffer> | undefined> => {
    const url = new URL(file, dir);
    if (fs) {
      // Node's fetch does not read file: URLs
      try {
        return new Uint8Array(await fs.readFile(url));
      } catch (e) {
        if (!required) return undefined;
        throw new Error(`fetchWasmModules: cannot read ${url.href} (${(e as Error).message})`);
      }
    }
    let res: Response;
    try {
      res = await fetch(url);
    } catch (e) {
      if (!required) return undefined;
      throw new Error(`fetchWasmModules: cannot fetch ${url.href} (${(e as Error).message})`);
    }
    if (!res.ok) {
      if (!required) return undefined;
      throw new Error(`fetchWasmModules: ${url.href} answered ${res.status}`);
    }
    return new Uint8Array(await res.arrayBuffer());
  };
  const [simd, relaxed, singleThreaded] = await Promise.all([get(FILES.simd, true), get(FILES.relaxed, false), get(FILES.singleThreaded, false)]);
  return { simd: simd!, relaxed, singleThreaded };
}

function defaultThreads(): number {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.NABLA_WASM_THREADS;
  if (env && Number(env) >= 1) return Math.floor(Number(env));
  const os = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule?.('node:os') as
    | { availableParallelism?: () => number; cpus(): unknown[] }
    | undefined;
  if (os) return os.availableParallelism?.() ?? os.cpus().length;
  return (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 1;
}

/** Work (in multiply-adds or elements) below which a kernel stays on one thread. */
const MIN_PARALLEL_FLOPS = 1 << 17;
const MIN_PARALLEL_ELEMS = 1 << 16;
/** Elementwise ops are memory-bound: threads only pay off on big arrays. */
const MIN_PARALLEL_ELEMENTWISE = 1 << 20;

export class WasmBackend implements Backend {
  readonly name: string;
  readonly supportsFloat64 = false;
  /** Whether the relaxed-SIMD (FMA) build is in use. */
  readonly relaxedSimd: boolean;
  /** Threads kernels run on (1 = no workers). */
  readonly threads: number;
  /** Whether the memory is shared (threads possible); false on the single-threaded build. */
  readonly shared: boolean;

  private readonly mem: WebAssembly.Memory;
  private readonly k: Kernels;
  private readonly fns: Fn[];
  private readonly pool: ThreadPool | null;
  private readonly arena: Arena;
  private readonly cpu = createCpuBackend();
  /**
   * How many kernel calls ran the reference (cpu) kernel on views of this memory instead of a
   * wasm kernel (int32 matmul and convolution, grouped convolution, …): a diagnostic that shows
   * whether a model's hot path stays on wasm kernels.
   */
  referenceCalls = 0;
  private readonly params: number; // 4 KiB of i32 geometry for kernels
  private readonly gemmScratch: number;
  private readonly gemmScratchBytes: number;
  private readonly filterChunk: number;
  private u8!: Uint8Array;
  private i32!: Int32Array;
  private f32!: Float32Array;
  private liveBuffers = 0;
  /** im2col columns kept by conv2d for the filter gradient, by input handle. */
  private readonly colsCache = new Map<number, { key: string; ptr: number; bytes: number }>();
  private liveBytes = 0;
  private disposed = false;
  /** Nesting of allocating kernels (they call each other), the op of the outermost, and what it allocated: (offset, bytes, live) triples. */
  private depth = 0;
  private op = '';
  private readonly journal: number[] = [];
  /** Why the last growth failed, when the host refused it below 4 GiB. */
  private growFailure: string | null = null;

  constructor(opts: WasmBackendOptions = {}) {
    this.name = opts.name ?? 'wasm';
    const mods = opts.wasm ?? embeddedModules() ?? readBuiltModules();
    const canShare = typeof SharedArrayBuffer === 'function' && !opts.unshared;
    let module: WebAssembly.Module;
    let mem: WebAssembly.Memory | null = null;
    let useRelaxed = false;
    if (canShare) {
      try {
        mem = new WebAssembly.Memory({ initial: 256, maximum: MAX_PAGES, shared: true });
      } catch {
        mem = null; // shared memory refused (e.g. no cross-origin isolation)
      }
    }
    if (mem) {
      useRelaxed = (opts.relaxedSimd ?? true) && mods.relaxed !== undefined && WebAssembly.validate(mods.relaxed);
      module = new WebAssembly.Module(useRelaxed ? mods.relaxed! : mods.simd);
    } else {
      if (!mods.singleThreaded) throw new Error('no shared memory here and no single-threaded kernel module (nabla-simd-st.wasm)');
      module = new WebAssembly.Module(mods.singleThreaded);
      mem = new WebAssembly.Memory({ initial: 256, maximum: MAX_PAGES });
    }
    this.relaxedSimd = useRelaxed;
    this.shared = typeof SharedArrayBuffer === 'function' && mem.buffer instanceof SharedArrayBuffer;
    this.mem = mem;
    const inst = new WebAssembly.Instance(module, { env: { memory: this.mem } });
    this.k = inst.exports as unknown as Kernels;
    const ex = inst.exports as Record<string, unknown>;
    this.fns = THREADED_KERNELS.map((n) => ex[n] as Fn);
    this.refreshViews();
    this.arena = new Arena(this.k.heapBase() >>> 0, this.u8.length, (end) => this.grow(end), MAX_PAGES * PAGE);
    for (const name of ALLOCATING_KERNELS) this.transactional(name);
    this.params = this.take(4096);
    let threads = this.shared ? Math.max(1, Math.floor(opts.threads ?? defaultThreads())) : 1;
    let pool: ThreadPool | null = null;
    if (threads > 1) {
      try {
        pool = createThreadPool(threads, module, this.mem, this.fns); // Node worker threads or Web Workers
      } catch {
        threads = 1; // no worker threads here (e.g. a browser without cross-origin isolation)
      }
    }
    this.pool = pool;
    this.threads = threads;
    this.gemmScratchBytes = this.k.GEMM_SCRATCH.value as number;
    this.filterChunk = this.k.FILTER_CHUNK.value as number;
    this.gemmScratch = this.take(this.gemmScratchBytes * threads);
  }

  /** Resolves once the worker threads are up (kernels called earlier run on one thread). */
  ready(): Promise<void> {
    return this.pool ? this.pool.ready() : Promise.resolve();
  }

  /** Arena statistics: the heap's extent now and at its peak, and the free blocks below its top (see Arena.stats). */
  arenaStats(): ArenaStats {
    return this.arena.stats();
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.pool?.dispose();
  }

  // ---- memory ----

  /**
   * Makes the memory at least `end` bytes long and returns its new size: grows by at least 25%
   * (fewer, larger steps), but never past the 4 GiB limit, and by exactly what is needed when
   * the host refuses more. Returns -1 when even that fails. Workers see the growth by
   * themselves: they run the same WebAssembly.Memory, and only this thread keeps typed-array
   * views over it.
   */
  private grow(end: number): number {
    const have = this.mem.buffer.byteLength;
    if (end <= have) return have;
    const havePages = have / PAGE;
    const need = Math.ceil((end - have) / PAGE);
    const room = MAX_PAGES - havePages;
    if (need > room) return -1;
    const want = Math.min(room, Math.max(need, Math.ceil(havePages / 4)));
    try {
      this.mem.grow(want);
    } catch (e) {
      try {
        if (want === need) throw e;
        this.mem.grow(need);
      } catch (e2) {
        this.growFailure = `the host refused to grow WebAssembly memory to ${formatBytes(have + need * PAGE)} (${e2 instanceof Error ? e2.message : String(e2)})`;
        return -1;
      }
    }
    this.refreshViews();
    return this.mem.buffer.byteLength;
  }

  private refreshViews(): void {
    const buf = this.mem.buffer;
    this.u8 = new Uint8Array(buf);
    this.i32 = new Int32Array(buf);
    this.f32 = new Float32Array(buf);
  }

  /** Wraps kernel `name` so that a failure releases what it allocated (see ALLOCATING_KERNELS). */
  private transactional(name: (typeof ALLOCATING_KERNELS)[number]): void {
    const self = this as unknown as Record<string, (...a: unknown[]) => unknown>;
    const kernel = self[name]!;
    self[name] = (...a: unknown[]): unknown => {
      if (this.depth++ === 0) this.op = typeof a[0] === 'string' ? a[0] : name; // unary/binary/reduce/argReduce: the op
      try {
        return kernel.apply(this, a);
      } catch (e) {
        if (this.depth === 1) this.rollback();
        throw e;
      } finally {
        if (--this.depth === 0) this.journal.length = 0;
      }
    };
  }

  /** Releases everything the failed kernel allocated and uncounts its outputs. */
  private rollback(): void {
    const j = this.journal;
    for (let i = j.length - 3; i >= 0; i -= 3) {
      this.arena.release(j[i]!, j[i + 1]!);
      if (j[i + 2] === 1) {
        this.liveBuffers--;
        this.liveBytes -= j[i + 1]!;
      }
    }
    j.length = 0;
  }

  /** Forgets a block released during the kernel (it must not be released again on failure). */
  private unjournal(p: number): void {
    const j = this.journal;
    for (let i = j.length - 3; i >= 0; i -= 3) {
      if (j[i] === p) {
        j.splice(i, 3);
        return;
      }
    }
  }

  /** A block of `bytes` from the arena, or a WasmOutOfMemoryError. */
  private take(bytes: number): number {
    const p = this.arena.alloc(bytes);
    if (p < 0) throw this.outOfMemory(bytes);
    return p;
  }

  private outOfMemory(bytes: number): WasmOutOfMemoryError {
    const why = this.growFailure ?? 'WebAssembly memory is limited to 4 GiB';
    this.growFailure = null;
    const op = this.op || 'wasm backend';
    return new WasmOutOfMemoryError(op, bytes,
      `${op}: out of memory on the wasm backend: cannot allocate ${bytes} bytes (${formatBytes(bytes)}); ${why}, ` +
      `${formatBytes(this.liveBytes)} is held by ${this.liveBuffers} live buffers and the largest block left is ` +
      `${formatBytes(this.arena.largestFit())}. Dispose tensors you no longer need (t.dispose(), nb.tidy) or use smaller batches`);
  }

  /** An output buffer of `n` elements, counted as live. */
  private alloc(dtype: DType, n: number): number {
    if (n > 0x7fffffff) {
      throw new Error(`${this.op || 'wasm backend'}: ${n} elements is more than the wasm kernels index (2³¹ − 1); use fewer elements or the cpu backend`);
    }
    const bytes = n * esize(dtype);
    const p = this.take(bytes);
    this.liveBuffers++;
    this.liveBytes += bytes;
    if (this.depth > 0) this.journal.push(p, bytes, 1);
    return p;
  }

  /** An output buffer filled with `value`; memory never used since it grew is zero already and is not written. */
  private allocFilled(dtype: DType, n: number, value: number): number {
    const p = this.alloc(dtype, n);
    const bits = dtype === 'float32' ? f32Bits(value) : dtype === 'bool' ? (value ? 1 : 0) : value | 0;
    const es = esize(dtype);
    const m = bits === 0 ? Math.min(n, Math.ceil((this.arena.lastZeroFrom() - p) / es)) : n;
    if (dtype === 'bool') this.k.fill8(p, m, bits);
    else this.k.fill32(p, m, bits);
    return p;
  }

  /** Scratch memory for one kernel call (not counted as live). */
  private scratch(bytes: number): number {
    const p = this.take(bytes);
    if (this.depth > 0) this.journal.push(p, bytes, 0);
    return p;
  }

  private release(p: number, bytes: number): void {
    if (this.depth > 0) this.unjournal(p);
    this.arena.release(p, bytes);
  }

  private view(p: number, dtype: DType, n: number): TypedArray {
    const buf = this.mem.buffer;
    switch (dtype) {
      case 'float32': return new Float32Array(buf, p, n);
      case 'int32': return new Int32Array(buf, p, n);
      case 'bool': return new Uint8Array(buf, p, n);
      case 'float64': throw noF64();
    }
  }

  /** Runs a threaded kernel in `parts` parts (on one thread when the work is small). */
  private run(k: ThreadedKernel, args: number[], parts: number, work: number, minWork: number): void {
    const idx = KERNEL_INDEX[k];
    if (this.pool && work >= minWork && parts > 1) this.pool.run(idx, args, parts);
    else this.fns[idx]!(...args, 0, 0, 1);
  }

  /** Parts for `units` independent units of work: a few per thread, for balance. */
  private partsFor(units: number): number {
    return Math.max(1, Math.min(units, 4 * this.threads));
  }

  upload(values: TypedArray, dtype: DType): unknown {
    if (dtype === 'float64') throw noF64();
    const p = this.alloc(dtype, values.length);
    if (dtype === 'bool') this.u8.set(values as Uint8Array, p);
    else if (dtype === 'int32') this.i32.set(values as Int32Array, p >>> 2);
    else this.f32.set(values as Float32Array, p >>> 2);
    return p;
  }

  download(t: KTensor): Promise<TypedArray> {
    return Promise.resolve(this.downloadSync(t));
  }

  downloadSync(t: KTensor): TypedArray {
    return this.view(t.data as number, t.dtype, t.size).slice();
  }

  /** Releases the columns kept for input `x`, if any. */
  private dropCols(x: number): void {
    const c = this.colsCache.get(x);
    if (c) {
      this.colsCache.delete(x);
      this.release(c.ptr, c.bytes);
    }
  }

  free(data: unknown, dtype: DType, size: number): void {
    if (this.colsCache.size > 0) this.dropCols(data as number);
    const bytes = size * esize(dtype);
    this.liveBuffers--;
    this.liveBytes -= bytes;
    this.arena.release(data as number, bytes);
  }

  memory(): { numBuffers: number; numBytes: number } {
    return { numBuffers: this.liveBuffers, numBytes: this.liveBytes };
  }

  /** Runs the reference kernel on views of this memory and copies its result in. */
  private viaReference(outDtype: DType, call: (cpu: Backend, view: (t: KTensor) => KTensor) => unknown): number {
    this.referenceCalls++;
    const res = call(this.cpu, (t) => ({ ...t, data: this.view(t.data as number, t.dtype, t.size) })) as TypedArray;
    const out = this.upload(res, outDtype) as number;
    this.cpu.free(res, outDtype, res.length);
    return out;
  }

  // ---- kernels ----

  adamStep(p: KTensor, g: KTensor, m: KTensor, v: KTensor, h: AdamHyper): [unknown, unknown, unknown] {
    if (p.dtype !== 'float32') throw new Error(`adamStep: the wasm backend updates float32 parameters, got ${p.dtype}`);
    const [po, mo, vo] = [this.alloc('float32', p.size), this.alloc('float32', p.size), this.alloc('float32', p.size)];
    const f = Math.fround;
    this.k.adamStep(p.data as number, g.data as number, m.data as number, v.data as number, po, mo, vo, p.size,
      f(h.beta1), f(1 - h.beta1), f(h.beta2), f(1 - h.beta2), f(h.lrT), f(h.epsT), f(h.l2), f(h.decay));
    return [po, mo, vo];
  }

  fill(shape: Shape, value: number, dtype: DType): unknown {
    if (dtype === 'float64') throw noF64();
    return this.allocFilled(dtype, sizeOf(shape), value);
  }

  cast(x: KTensor, dtype: DType): unknown {
    if (dtype === 'float64') throw noF64();
    const p = this.alloc(dtype, x.size);
    if (dtype === x.dtype) this.u8.copyWithin(p, x.data as number, (x.data as number) + x.size * esize(dtype));
    else this.k.cast(x.data as number, DT_CODE[x.dtype], p, DT_CODE[dtype], x.size);
    return p;
  }

  /** A chain of float32 elementwise ops in one pass (./fused-elementwise.ts). */
  fusedElementwise(p: FusedProgram, inputs: readonly KTensor[]): unknown {
    return fusedElementwiseWasm(this as unknown as WasmFusedHost, p, inputs);
  }

  unary(op: UnaryOp, x: KTensor, alpha = 1): unknown {
    const outDtype: DType = op === 'logicalNot' ? 'bool' : x.dtype;
    const p = this.alloc(outDtype, x.size);
    if (!this.pool || x.size < MIN_PARALLEL_ELEMENTWISE) this.fns[UNARY_FN]!(UNARY_CODE[op], x.data as number, DT_CODE[x.dtype], p, DT_CODE[outDtype], x.size, alpha, 0, 0, 1);
    else this.run('unary', [UNARY_CODE[op], x.data as number, DT_CODE[x.dtype], p, DT_CODE[outDtype], x.size, alpha], this.partsFor(Math.ceil(x.size / 1024)), x.size, MIN_PARALLEL_ELEMENTWISE);
    return p;
  }

  binary(op: BinaryOp, a: KTensor, b: KTensor, outShape: Shape, outDtype: DType): unknown {
    const n = sizeOf(outShape);
    const p = this.alloc(outDtype, n);
    const aFull = a.size === n && sameShape(a.shape, outShape);
    const bFull = b.size === n && sameShape(b.shape, outShape);
    let split =
      aFull && bFull ? { outer: 1, inner: n, modes: [0, 0] }
        : aFull && b.size === 1 ? { outer: 1, inner: n, modes: [0, 1] }
          : bFull && a.size === 1 ? { outer: 1, inner: n, modes: [1, 0] }
            : split2d([a.shape, b.shape], outShape);
    let av = a.data as number;
    let bv = b.data as number;
    const tmp: [number, number][] = [];
    if (!split) {
      const s3 = split3d([a.shape, b.shape], outShape);
      if (s3) {
        // [outer, mid, inner] (e.g. a per-channel bias over NCHW): one 2-D call per outer index
        const opi = BINARY_CODE[op];
        const { outer, mid, inner, modes, outerFull } = s3;
        const step = (k: number, t: KTensor): number => (outerFull[k] ? (t.size / outer) * esize(t.dtype) : 0);
        const sa = step(0, a);
        const sb = step(1, b);
        const so = mid * inner * esize(outDtype);
        for (let o = 0; o < outer; o++) {
          this.fns[BINARY_FN]!(opi, av + o * sa, DT_CODE[a.dtype], modes[0]!, bv + o * sb, DT_CODE[b.dtype], modes[1]!, p + o * so, DT_CODE[outDtype], mid, inner, 0, 0, 1);
        }
        return p;
      }
      // an irregular broadcast: materialise the broadcast operands
      if (!sameShape(a.shape, outShape)) {
        av = this.broadcastTo(a, outShape) as number;
        tmp.push([av, n * esize(a.dtype)]);
      }
      if (!sameShape(b.shape, outShape)) {
        bv = this.broadcastTo(b, outShape) as number;
        tmp.push([bv, n * esize(b.dtype)]);
      }
      split = { outer: 1, inner: n, modes: [0, 0] };
    }
    const { outer, inner, modes } = split;
    const opi = BINARY_CODE[op];
    if (!this.pool || n < MIN_PARALLEL_ELEMENTWISE) {
      this.fns[BINARY_FN]!(opi, av, DT_CODE[a.dtype], modes[0]!, bv, DT_CODE[b.dtype], modes[1]!, p, DT_CODE[outDtype], outer, inner, 0, 0, 1);
    } else {
      const units = outer >= 4 * this.threads ? outer : Math.ceil(inner / 1024);
      this.run('binary', [opi, av, DT_CODE[a.dtype], modes[0]!, bv, DT_CODE[b.dtype], modes[1]!, p, DT_CODE[outDtype], outer, inner], this.partsFor(units), n, MIN_PARALLEL_ELEMENTWISE);
    }
    for (const [q, bytes] of tmp) this.freeTemp(q, bytes);
    return p;
  }

  /** Frees a temporary made by one of this backend's own kernels (counted as live). */
  private freeTemp(p: number, bytes: number): void {
    this.liveBuffers--;
    this.liveBytes -= bytes;
    this.release(p, bytes);
  }

  where(cond: KTensor, a: KTensor, b: KTensor, outShape: Shape): unknown {
    const n = sizeOf(outShape);
    const tmp: [number, number][] = [];
    const full = (t: KTensor): number => {
      if (sameShape(t.shape, outShape)) return t.data as number;
      const q = this.broadcastTo(t, outShape) as number;
      tmp.push([q, n * esize(t.dtype)]);
      return q;
    };
    const c = full(cond);
    const x = full(a);
    const y = full(b);
    const p = this.alloc(a.dtype, n);
    this.k.where(c, x, y, p, n, esize(a.dtype));
    for (const [q, bytes] of tmp) this.freeTemp(q, bytes);
    return p;
  }

  reduce(op: ReduceOp, x: KTensor, axes: readonly number[]): unknown {
    const shape = x.shape;
    let src = x.data as number;
    let tmp = -1;
    let outer: number;
    let red: number;
    let inner: number;
    const contiguous = axes.every((a, i) => i === 0 || a === axes[i - 1]! + 1);
    if (axes.length === 0) {
      outer = x.size;
      red = 1;
      inner = 1;
    } else if (contiguous) {
      outer = sizeOf(shape.slice(0, axes[0]));
      red = sizeOf(shape.slice(axes[0], axes[axes.length - 1]! + 1));
      inner = sizeOf(shape.slice(axes[axes.length - 1]! + 1));
    } else if (x.dtype === 'float32') {
      // reduce the last contiguous run of axes, then the rest (no transpose)
      let first = axes.length - 1;
      while (first > 0 && axes[first - 1] === axes[first]! - 1) first--;
      const lastRun = axes.slice(first);
      const partShape = shape.filter((_, i) => !lastRun.includes(i));
      const part = this.reduce(op, x, lastRun) as number;
      const partT: KTensor = { data: part, shape: partShape, dtype: x.dtype, size: sizeOf(partShape) };
      const res = this.reduce(op, partT, axes.slice(0, first));
      this.freeTemp(part, partT.size * 4);
      return res;
    } else {
      const kept = shape.map((_, i) => i).filter((i) => !axes.includes(i));
      tmp = this.transpose(x, [...kept, ...axes]) as number;
      src = tmp;
      outer = sizeOf(kept.map((i) => shape[i]!));
      red = sizeOf(axes.map((i) => shape[i]!));
      inner = 1;
    }
    const p = this.alloc(x.dtype, outer * inner);
    const acc = this.scratch(inner * 8);
    this.k.reduce(REDUCE_OPS.indexOf(op), src, DT_CODE[x.dtype], p, outer, red, inner, acc);
    this.release(acc, inner * 8);
    if (tmp >= 0) this.freeTemp(tmp, x.size * esize(x.dtype));
    return p;
  }

  argReduce(op: ArgReduceOp, x: KTensor, axis: number): unknown {
    const outer = sizeOf(x.shape.slice(0, axis));
    const red = x.shape[axis]!;
    const inner = sizeOf(x.shape.slice(axis + 1));
    const p = this.alloc('int32', outer * inner);
    this.k.argReduce(op === 'argmax' ? 1 : 0, x.data as number, DT_CODE[x.dtype], p, outer, red, inner);
    return p;
  }

  matmul(a: KTensor, b: KTensor, transA: boolean, transB: boolean, outShape: Shape): unknown {
    if (a.dtype !== 'float32') return this.viaReference(a.dtype, (cpu, v) => cpu.matmul(v(a), v(b), transA, transB, outShape));
    const r = outShape.length;
    const M = outShape[r - 2]!;
    const N = outShape[r - 1]!;
    const K = a.shape[a.shape.length - (transA ? 2 : 1)]!;
    const batchShape = outShape.slice(0, -2);
    const batch = sizeOf(batchShape);
    const p = this.alloc('float32', batch * M * N);
    const ia = batchIndex(a.shape.slice(0, -2), batchShape);
    const ib = batchIndex(b.shape.slice(0, -2), batchShape);
    const rsA = transA ? 1 : K;
    const csA = transA ? M : 1;
    const rsB = transB ? 1 : N;
    const csB = transB ? K : 1;
    for (let bi = 0; bi < batch; bi++) {
      const ap = (a.data as number) + ia[bi]! * M * K * 4;
      const bp = (b.data as number) + ib[bi]! * K * N * 4;
      const cp = p + bi * M * N * 4;
      this.run('gemm', [M, N, K, ap, rsA, csA, bp, rsB, csB, cp, N, 0, this.gemmScratch], this.partsFor(M >= N ? Math.ceil(M / 6) : Math.ceil(N / 8)), M * N * K, MIN_PARALLEL_FLOPS);
    }
    return p;
  }

  transpose(x: KTensor, perm: readonly number[]): unknown {
    const outShape = perm.map((q) => x.shape[q]!);
    const p = this.alloc(x.dtype, x.size);
    const es = esize(x.dtype);
    if (es === 4 && perm.length === 2 && perm[0] === 1) {
      this.k.transpose2d(x.data as number, p, x.shape[0]!, x.shape[1]!);
      return p;
    }
    const inStr = stridesOf(x.shape);
    this.strided(p, x.data as number, es, outShape, stridesOf(outShape), perm.map((q) => inStr[q]!));
    return p;
  }

  /** copyStrided over `shape`, writing dst at `dstStr` and reading src at `srcStr` (element strides). */
  private strided(dst: number, src: number, es: number, shape: readonly number[], dstStr: readonly number[], srcStr: readonly number[]): void {
    const r = shape.length;
    if (r * 4 > 1000) throw new Error(`wasm backend: rank ${r} is too large`);
    const base = this.params >>> 2;
    for (let i = 0; i < r; i++) {
      this.i32[base + i] = shape[i]!;
      this.i32[base + r + i] = dstStr[i]!;
      this.i32[base + 2 * r + i] = srcStr[i]!;
    }
    this.k.copyStrided(dst, src, es, r, this.params, this.params + 4 * r, this.params + 8 * r);
  }

  broadcastTo(x: KTensor, shape: Shape): unknown {
    const n = sizeOf(shape);
    const p = this.alloc(x.dtype, n);
    const off = shape.length - x.shape.length;
    const inStr = stridesOf(x.shape);
    const src = shape.map((_, i) => (i < off || x.shape[i - off] === 1 ? 0 : inStr[i - off]!));
    this.strided(p, x.data as number, esize(x.dtype), shape, stridesOf(shape), src);
    return p;
  }

  slice(x: KTensor, begin: readonly number[], size: readonly number[]): unknown {
    const n = sizeOf(size);
    const p = this.alloc(x.dtype, n);
    const es = esize(x.dtype);
    const inStr = stridesOf(x.shape);
    let start = 0;
    for (let i = 0; i < begin.length; i++) start += begin[i]! * inStr[i]!;
    if (n > 0) this.strided(p, (x.data as number) + start * es, es, size, stridesOf(size), inStr);
    return p;
  }

  pad(x: KTensor, pads: readonly (readonly [number, number])[], value: number): unknown {
    const outShape = x.shape.map((d, i) => d + pads[i]![0] + pads[i]![1]);
    const p = this.allocFilled(x.dtype, sizeOf(outShape), value);
    const es = esize(x.dtype);
    const outStr = stridesOf(outShape);
    let start = 0;
    for (let i = 0; i < pads.length; i++) start += pads[i]![0] * outStr[i]!;
    if (x.size > 0) this.strided(p + start * es, x.data as number, es, x.shape, outStr, stridesOf(x.shape));
    return p;
  }

  concat(xs: readonly KTensor[], axis: number, outShape: Shape): unknown {
    const dtype = xs[0]!.dtype;
    const es = esize(dtype);
    const p = this.alloc(dtype, sizeOf(outShape));
    const outer = sizeOf(outShape.slice(0, axis));
    const innerOut = sizeOf(outShape.slice(axis));
    let off = 0;
    for (const t of xs) {
      const inner = sizeOf(t.shape.slice(axis));
      if (inner > 0 && outer > 0) this.strided(p + off * es, t.data as number, es, [outer, inner], [innerOut, 1], [inner, 1]);
      off += inner;
    }
    return p;
  }

  private checkIndices(op: string, indices: KTensor, axis: number, dim: number): void {
    const idx = this.view(indices.data as number, 'int32', indices.size) as Int32Array;
    for (let i = 0; i < idx.length; i++) {
      const v = idx[i]!;
      if (v < 0 || v >= dim) throw new Error(`${op}: index ${v} is out of range for axis ${axis} of size ${dim}`);
    }
  }

  gather(x: KTensor, indices: KTensor, axis: number, outShape: Shape): unknown {
    const outer = sizeOf(x.shape.slice(0, axis));
    const dim = x.shape[axis]!;
    const inner = sizeOf(x.shape.slice(axis + 1));
    this.checkIndices('gather', indices, axis, dim);
    const p = this.alloc(x.dtype, sizeOf(outShape));
    this.k.gather(x.data as number, indices.data as number, p, outer, dim, indices.size, inner * esize(x.dtype));
    return p;
  }

  scatterAdd(updates: KTensor, indices: KTensor, axis: number, outShape: Shape): unknown {
    const dim = outShape[axis]!;
    this.checkIndices('scatterAdd', indices, axis, dim);
    if (updates.dtype === 'bool') return this.viaReference('bool', (cpu, v) => cpu.scatterAdd(v(updates), v(indices), axis, outShape));
    const n = sizeOf(outShape);
    const p = this.alloc(updates.dtype, n);
    this.k.fill32(p, n, 0);
    const outer = sizeOf(outShape.slice(0, axis));
    const inner = sizeOf(outShape.slice(axis + 1));
    this.k.scatterAdd(updates.data as number, indices.data as number, p, DT_CODE[updates.dtype], outer, dim, indices.size, inner);
    return p;
  }

  oneHot(indices: KTensor, depth: number, onValue: number, offValue: number, dtype: DType): unknown {
    if (dtype === 'float64') throw noF64();
    const p = this.allocFilled(dtype, indices.size * depth, offValue);
    this.k.oneHot(indices.data as number, p, DT_CODE[dtype], indices.size, depth, onValue);
    return p;
  }

  // ---- convolution: im2col + GEMM, threads split the batch ----

  private convGeometry(p: Conv2dParams, perImageCols = false, transposedFilter = false): number {
    const [N, C, H, W] = p.inShape;
    const [O, , KH, KW] = p.filterShape;
    const [, , OH, OW] = p.outShape;
    const g = [N, C, H, W, O, KH, KW, OH, OW, p.strides[0], p.strides[1], p.pads[0], p.pads[2], p.dilations[0], p.dilations[1], perImageCols ? 1 : 0, transposedFilter ? 1 : 0];
    this.i32.set(g, this.params >>> 2);
    return this.params;
  }

  /** Whether a convolution is big enough for the worker threads. */
  private convParallel(p: Conv2dParams): boolean {
    const [N, C] = p.inShape;
    const [O, , KH, KW] = p.filterShape;
    return this.pool !== null && N * O * C * KH * KW * p.outShape[2] * p.outShape[3] >= MIN_PARALLEL_FLOPS;
  }

  /** Runs a convolution kernel in `parts` parts, `slots` threads' scratch being available. */
  private runConv(k: ThreadedKernel, args: number[], parts: number, slots: number): void {
    const idx = KERNEL_INDEX[k];
    if (this.pool && slots > 1 && parts > 1) this.pool.run(idx, args, parts);
    else this.fns[idx]!(...args, 0, 0, 1);
  }

  conv2d(x: KTensor, w: KTensor, p: Conv2dParams): unknown {
    if (p.groups !== 1 || x.dtype !== 'float32') return this.viaReference(x.dtype, (cpu, v) => cpu.conv2d(v(x), v(w), p));
    const [N, C] = p.inShape;
    const [O, , KH, KW] = p.filterShape;
    const P = p.outShape[2] * p.outShape[3];
    const out = this.alloc('float32', N * O * P);
    const nth = this.convParallel(p) ? this.threads : 1;
    const colsBytes = align64(C * KH * KW * P * 4);
    // Keep every image's columns for the filter gradient of the backward pass (x's storage is
    // immutable while alive; the entry goes when x is freed or the gradient has used it).
    const keep = colsBytes * N <= COLS_CACHE_LIMIT;
    const colsTotal = colsBytes * (keep ? N : nth);
    const cols = this.scratch(colsTotal);
    this.runConv('conv2d', [x.data as number, w.data as number, out, this.convGeometry(p, keep), cols, colsBytes, this.gemmScratch], N, nth);
    if (keep) {
      this.dropCols(x.data as number);
      this.colsCache.set(x.data as number, { key: convKey(p), ptr: cols, bytes: colsTotal });
    } else this.release(cols, colsTotal);
    return out;
  }

  conv2dBackpropInput(dy: KTensor, w: KTensor, p: Conv2dParams): unknown {
    if (p.groups !== 1 || dy.dtype !== 'float32') return this.viaReference(dy.dtype, (cpu, v) => cpu.conv2dBackpropInput(v(dy), v(w), p));
    const [N, C, H, W] = p.inShape;
    const [, , KH, KW] = p.filterShape;
    const P = p.outShape[2] * p.outShape[3];
    const out = this.alloc('float32', N * C * H * W);
    const nth = this.convParallel(p) ? this.threads : 1;
    const colsBytes = align64(C * KH * KW * P * 4);
    const cols = this.scratch(colsBytes * nth);
    this.runConv('conv2dBackpropInput', [dy.data as number, w.data as number, out, this.convGeometry(p), cols, colsBytes, this.gemmScratch], N, nth);
    this.release(cols, colsBytes * nth);
    return out;
  }

  conv2dBackpropFilter(x: KTensor, dy: KTensor, p: Conv2dParams): unknown {
    if (p.groups !== 1 || x.dtype !== 'float32') return this.viaReference(x.dtype, (cpu, v) => cpu.conv2dBackpropFilter(v(x), v(dy), p));
    const [N, C] = p.inShape;
    const [O, , KH, KW] = p.filterShape;
    const K = C * KH * KW;
    const P = p.outShape[2] * p.outShape[3];
    const out = this.alloc('float32', O * K);
    const chunks = Math.ceil(N / this.filterChunk);
    if (chunks === 0) {
      this.k.fill32(out, O * K, 0);
      return out;
    }
    const nth = this.convParallel(p) ? this.threads : 1;
    const colsBytes = align64(K * P * 4);
    const cached = this.colsCache.get(x.data as number);
    const stored = cached !== undefined && cached.key === convKey(p);
    const cols = stored ? cached.ptr : this.scratch(colsBytes * nth);
    const partBytes = chunks * O * K * 4;
    const parts = this.scratch(partBytes);
    // with O a multiple of the 8-wide panel, compute dW^T = cols . dy^T (less packing)
    const transposed = O % 8 === 0;
    this.runConv('conv2dBackpropFilter', [x.data as number, dy.data as number, parts, this.convGeometry(p, stored, transposed), cols, colsBytes, this.gemmScratch], chunks, nth);
    if (transposed) {
      const t = this.scratch(O * K * 4);
      this.k.sumParts(parts, chunks, O * K, t);
      this.k.transpose2d(t, out, K, O);
      this.release(t, O * K * 4);
    } else this.k.sumParts(parts, chunks, O * K, out);
    this.release(parts, partBytes);
    if (stored) this.dropCols(x.data as number);
    else this.release(cols, colsBytes * nth);
    return out;
  }

  // ---- pooling ----

  private poolGeometry(p: Pool2dParams): number {
    const [N, C, H, W] = p.inShape;
    const [, , OH, OW] = p.outShape;
    const g = [N, C, H, W, OH, OW, p.kernel[0], p.kernel[1], p.strides[0], p.strides[1], p.pads[0], p.pads[1], p.pads[2], p.pads[3], p.countIncludePad ? 1 : 0];
    this.i32.set(g, this.params >>> 2);
    return this.params;
  }

  maxPool2d(x: KTensor, p: Pool2dParams): unknown {
    if (x.dtype !== 'float32') return this.viaReference(x.dtype, (cpu, v) => cpu.maxPool2d(v(x), p));
    const n = sizeOf(p.outShape);
    const out = this.alloc('float32', n);
    this.run('maxPool2d', [x.data as number, out, this.poolGeometry(p)], this.partsFor(p.inShape[0] * p.inShape[1]), x.size, MIN_PARALLEL_ELEMS);
    return out;
  }

  maxPool2dBackward(dy: KTensor, x: KTensor, p: Pool2dParams): unknown {
    if (x.dtype !== 'float32') return this.viaReference(x.dtype, (cpu, v) => cpu.maxPool2dBackward(v(dy), v(x), p));
    const out = this.alloc('float32', x.size);
    this.run('maxPool2dBackward', [dy.data as number, x.data as number, out, this.poolGeometry(p)], this.partsFor(p.inShape[0] * p.inShape[1]), x.size, MIN_PARALLEL_ELEMS);
    return out;
  }

  avgPool2d(x: KTensor, p: Pool2dParams): unknown {
    if (x.dtype !== 'float32') return this.viaReference(x.dtype, (cpu, v) => cpu.avgPool2d(v(x), p));
    const out = this.alloc('float32', sizeOf(p.outShape));
    this.run('avgPool2d', [x.data as number, out, this.poolGeometry(p)], this.partsFor(p.inShape[0] * p.inShape[1]), x.size, MIN_PARALLEL_ELEMS);
    return out;
  }

  avgPool2dBackward(dy: KTensor, p: Pool2dParams): unknown {
    if (dy.dtype !== 'float32') return this.viaReference(dy.dtype, (cpu, v) => cpu.avgPool2dBackward(v(dy), p));
    const n = sizeOf(p.inShape);
    const out = this.alloc('float32', n);
    this.run('avgPool2dBackward', [dy.data as number, out, this.poolGeometry(p)], this.partsFor(p.inShape[0] * p.inShape[1]), n, MIN_PARALLEL_ELEMS);
    return out;
  }

  // ---- scans and sorting (cumsum/cumprod, sort/argsort/topk) ----

  cumulative(op: CumulativeOp, x: KTensor, axis: number, exclusive: boolean, reverse: boolean): unknown {
    if (x.dtype === 'bool') return this.viaReference('bool', (cpu, v) => cpu.cumulative(op, v(x), axis, exclusive, reverse));
    const p = this.alloc(x.dtype, x.size);
    const outer = sizeOf(x.shape.slice(0, axis));
    const inner = sizeOf(x.shape.slice(axis + 1));
    (this.k as Kernels & ScanKernels).cumulative(op === 'prod' ? 1 : 0, x.data as number, DT_CODE[x.dtype], p, outer, x.shape[axis]!, inner, exclusive ? 1 : 0, reverse ? 1 : 0);
    return p;
  }

  argsort(x: KTensor, axis: number, descending: boolean): unknown {
    const p = this.alloc('int32', x.size);
    const dim = x.shape[axis]!;
    const bytes = dim * 16; // dim f64 values and two dim-long i32 index runs
    const tmp = this.scratch(bytes);
    (this.k as Kernels & ScanKernels).argsort(x.data as number, DT_CODE[x.dtype], p, sizeOf(x.shape.slice(0, axis)), dim, sizeOf(x.shape.slice(axis + 1)), descending ? 1 : 0, tmp);
    this.release(tmp, bytes);
    return p;
  }

  // ===========================================================================================
  // Recurrent cells (see the end of ../interface.ts; asm/kernels.ts, "Recurrent cells"): float32,
  // SIMD over the hidden units. Like every allocating kernel they run as transactions
  // (ALLOCATING_KERNELS): a failure releases the outputs allocated so far.

  /** float32 output buffers of the given sizes. */
  private allocCell(op: string, dtype: DType, sizes: readonly number[]): number[] {
    if (dtype !== 'float32') throw new Error(`${op}: the wasm backend runs recurrent cells in float32, got ${dtype}`);
    return sizes.map((n) => this.alloc('float32', n));
  }

  lstmCell(gi: KTensor, gh: KTensor, c: KTensor): [unknown, unknown, unknown] {
    const [B, H] = [c.shape[0]!, c.shape[1]!];
    const [h2, c2, acts] = this.allocCell('lstmCell', c.dtype, [B * H, B * H, 4 * B * H]) as [number, number, number];
    this.k.lstmCell(gi.data as number, gh.data as number, c.data as number, h2, c2, acts, B, H);
    return [h2, c2, acts];
  }

  lstmCellBackward(acts: KTensor, c: KTensor, c2: KTensor, dh: KTensor, dc: KTensor): unknown {
    const [B, H] = [c.shape[0]!, c.shape[1]!];
    const [out] = this.allocCell('lstmCellBackward', c.dtype, [5 * B * H]) as [number];
    this.k.lstmCellBackward(acts.data as number, c.data as number, c2.data as number, dh.data as number, dc.data as number, out, B, H);
    return out;
  }

  /** C [M,N] (ldc) = or += A·B, A and B given by element strides (B prepacked by packPanels: csB = 0); threaded when big enough. */
  private gemmInto(M: number, N: number, K: number, a: number, rsA: number, csA: number, b: number, rsB: number, csB: number, c: number, ldc: number, accumulate: boolean): void {
    this.run('gemm', [M, N, K, a, rsA, csA, b, rsB, csB, c, ldc, accumulate ? 1 : 0, this.gemmScratch], this.partsFor(M >= N ? Math.ceil(M / 6) : Math.ceil(N / 8)), M * N * K, MIN_PARALLEL_FLOPS);
  }

  // The whole-sequence LSTM: per step one GEMM h·W_hhᵀ into a reused buffer and the cell kernel
  // writing h′, c′ and the activations straight into the step's blocks of Y; the backward pass
  // writes each step's dz into its rows of the result and the next step's dh by a GEMM, with no
  // per-step allocation, slice or concatenation.

  lstmSequence(xp: KTensor, h0: KTensor, c0: KTensor, whh: KTensor, reverse: boolean): unknown {
    const [T, B, G] = [xp.shape[0]!, xp.shape[1]!, xp.shape[2]!];
    const H = G / 4;
    const BH = B * H;
    const [y] = this.allocCell('lstmSequence', xp.dtype, [T * 6 * BH]) as [number];
    const gh = this.scratch(B * G * 4);
    // W_hhᵀ packed once for all steps' GEMMs (instead of by every one)
    const packedBytes = H * roundUp8(G) * 4;
    const whhT = this.scratch(packedBytes);
    this.k.packPanels(H, G, whh.data as number, 1, H, whhT);
    let h = h0.data as number;
    let c = c0.data as number;
    for (let s = 0; s < T; s++) {
      const t = reverse ? T - 1 - s : s;
      const base = y + t * 24 * BH;
      this.gemmInto(B, G, H, h, H, 1, whhT, 0, 0, gh, G, false);
      this.k.lstmCell((xp.data as number) + t * B * G * 4, gh, c, base, base + 4 * BH, base + 8 * BH, B, H);
      h = base;
      c = base + 4 * BH;
    }
    this.release(whhT, packedBytes);
    this.release(gh, B * G * 4);
    return y;
  }

  lstmSequenceBackward(y: KTensor, dy: KTensor, c0: KTensor, whh: KTensor, reverse: boolean, state: boolean): unknown {
    const T = y.shape[0]!;
    const [B, H] = [c0.shape[0]!, c0.shape[1]!];
    const BH = B * H;
    const G = 4 * H;
    const [dz] = this.allocCell('lstmSequenceBackward', y.dtype, [T * B * G + (state ? 2 * BH : 0)]) as [number];
    // dh (the GEMM's output), dc, and zeros for the last step's missing terms
    const work = this.scratch(3 * BH * 4);
    const packedBytes = G * roundUp8(H) * 4;
    const whhP = this.scratch(packedBytes); // W_hh [4H, H] packed once for the dh GEMMs
    this.k.packPanels(G, H, whh.data as number, H, 1, whhP);
    const dh = work;
    const dc = work + 4 * BH;
    const zero = work + 8 * BH;
    this.k.fill32(work, 3 * BH, 0);
    const yp = y.data as number;
    const dyp = dy.data as number;
    for (let s = T - 1; s >= 0; s--) {
      const t = reverse ? T - 1 - s : s;
      const prev = reverse ? t + 1 : t - 1;
      const base = yp + t * 24 * BH;
      const cPrev = s === 0 ? (c0.data as number) : yp + prev * 24 * BH + 4 * BH;
      const dzt = dz + t * B * G * 4;
      const last = s === T - 1;
      this.k.lstmCellBackwardSeq(base + 8 * BH, cPrev, base + 4 * BH, dyp + t * 24 * BH, last ? zero : dh, dyp + t * 24 * BH + 4 * BH, last ? zero : dc, dzt, dc, B, H);
      // dh for the step before: dz·W_hh
      if (s > 0 || state) this.gemmInto(B, H, G, dzt, G, 1, whhP, 0, 0, dh, H, false);
    }
    if (state) {
      const tail = dz + T * B * G * 4;
      this.u8.copyWithin(tail, dh, dh + 4 * BH);
      this.u8.copyWithin(tail + 4 * BH, dc, dc + 4 * BH);
    }
    this.release(whhP, packedBytes);
    this.release(work, 3 * BH * 4);
    return dz;
  }

  gruCell(gi: KTensor, gh: KTensor, bh: KTensor, h: KTensor): [unknown, unknown] {
    const [B, H] = [h.shape[0]!, h.shape[1]!];
    const [h2, acts] = this.allocCell('gruCell', h.dtype, [B * H, 4 * B * H]) as [number, number];
    this.k.gruCell(gi.data as number, gh.data as number, bh.data as number, h.data as number, h2, acts, B, H);
    return [h2, acts];
  }

  gruCellBackward(acts: KTensor, h: KTensor, dh: KTensor): unknown {
    const [B, H] = [h.shape[0]!, h.shape[1]!];
    const [out] = this.allocCell('gruCellBackward', h.dtype, [7 * B * H]) as [number];
    this.k.gruCellBackward(acts.data as number, h.data as number, dh.data as number, out, B, H);
    return out;
  }
}

/** The scan and sort kernels' exports (asm/kernels.ts). */
interface ScanKernels {
  cumulative(isProd: number, x: number, dt: number, out: number, outer: number, dim: number, inner: number, exclusive: number, reverse: number): void;
  argsort(x: number, dt: number, out: number, outer: number, dim: number, inner: number, desc: number, tmp: number): void;
}

/** The recurrent cells' exports of asm/kernels.ts. */
interface Kernels {
  lstmCell(gi: number, gh: number, c: number, h2: number, c2: number, acts: number, B: number, H: number): void;
  lstmCellBackward(acts: number, c: number, c2: number, dh: number, dc: number, out: number, B: number, H: number): void;
  packPanels(K: number, N: number, b: number, rsB: number, csB: number, out: number): void;
  lstmCellBackwardSeq(acts: number, c: number, c2: number, dhA: number, dhB: number, dcA: number, dcB: number, dz: number, dcOut: number, B: number, H: number): void;
  gruCell(gi: number, gh: number, bh: number, h: number, h2: number, acts: number, B: number, H: number): void;
  gruCellBackward(acts: number, h: number, dh: number, out: number, B: number, H: number): void;
}

const roundUp8 = (n: number): number => Math.ceil(n / 8) * 8;

/** Largest im2col buffer (all images of a batch) conv2d keeps for the backward pass. */
const COLS_CACHE_LIMIT = 64 << 20;

function convKey(p: Conv2dParams): string {
  return `${p.inShape}|${p.filterShape}|${p.strides}|${p.pads}|${p.dilations}|${p.groups}`;
}

/** Bytes in decimal units, as `nb.memory()` users read them: 600 MB, 3.49 GB. */
function formatBytes(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} GB`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} MB`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} kB`;
  return `${n} B`;
}

function noF64(): Error {
  return new Error("wasm backend: float64 is not supported (use float32, or setBackend('cpu') for float64)");
}

const f32buf = new Float32Array(1);
const i32buf = new Int32Array(f32buf.buffer);
function f32Bits(v: number): number {
  f32buf[0] = v;
  return i32buf[0]!;
}

function align64(n: number): number {
  return Math.ceil(n / 64) * 64;
}

function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** For each broadcast batch index, the flat batch index into an operand with batch shape `inShape`. */
function batchIndex(inShape: Shape, outShape: Shape): number[] {
  const n = sizeOf(outShape);
  const res: number[] = [];
  const off = outShape.length - inShape.length;
  const inStr = stridesOf(inShape);
  const outStr = stridesOf(outShape);
  for (let o = 0; o < n; o++) {
    let rem = o;
    let idx = 0;
    for (let d = 0; d < outShape.length; d++) {
      const c = Math.floor(rem / outStr[d]!);
      rem -= c * outStr[d]!;
      if (d >= off && inShape[d - off] !== 1) idx += c * inStr[d - off]!;
    }
    res.push(idx);
  }
  return res;
}

/**
 * Views a broadcast of operands to `out` as [outer, inner] with each operand full (0), scalar (1),
 * a row repeated over outer (2) or a column repeated over inner (3); null when no split fits.
 */
export function split2d(shapes: readonly Shape[], out: Shape): { outer: number; inner: number; modes: number[] } | null {
  const r = out.length;
  // present[k][d]: operand k has out's extent at dim d (dims where out is 1 count as both)
  const present = shapes.map((s) => out.map((d, i) => {
    const j = i - (r - s.length);
    const e = j >= 0 ? s[j]! : 1;
    return e === d ? (d === 1 ? 2 : 1) : 0; // 2 = either
  }));
  for (let cut = 0; cut <= r; cut++) {
    const modes: number[] = [];
    let ok = true;
    for (const pr of present) {
      const uni = (lo: number, hi: number): number => {
        let v = 2;
        for (let d = lo; d < hi; d++) {
          const x = pr[d]!;
          if (x === 2) continue;
          if (v === 2) v = x;
          else if (v !== x) return -1;
        }
        return v;
      };
      const o = uni(0, cut);
      const i = uni(cut, r);
      if (o < 0 || i < 0) {
        ok = false;
        break;
      }
      const outerFull = o !== 0;
      const innerFull = i !== 0;
      modes.push(outerFull && innerFull ? 0 : !outerFull && !innerFull ? 1 : !outerFull ? 2 : 3);
    }
    if (ok) return { outer: sizeOf(out.slice(0, cut)), inner: sizeOf(out.slice(cut)), modes };
  }
  return null;
}

/**
 * Whether a wasm backend can be made here without trying: WebAssembly exists and the kernel
 * modules are at hand, inlined in the built package or (run from the sources, in Node) on disk
 * (npm run build:wasm). Without SharedArrayBuffer it runs single-threaded.
 */
export function wasmAvailable(): boolean {
  const g = globalThis as { WebAssembly?: unknown; SharedArrayBuffer?: unknown; process?: { getBuiltinModule?: (id: string) => unknown } };
  if (typeof g.WebAssembly !== 'object') return false;
  if (EMBEDDED) return true;
  const fs = g.process?.getBuiltinModule?.('node:fs') as { existsSync(p: URL): boolean } | undefined;
  return fs ? fs.existsSync(new URL(FILES.simd, distWasmDir())) : false;
}

/**
 * Views a broadcast as [outer, mid, inner] where each operand is, over outer, either full or
 * repeated, and over [mid, inner] one of split2d's modes; null when no such split exists.
 */
export function split3d(shapes: readonly Shape[], out: Shape): { outer: number; mid: number; inner: number; modes: number[]; outerFull: boolean[] } | null {
  const r = out.length;
  for (let cut = 1; cut < r; cut++) {
    const outerShape = out.slice(0, cut);
    const restShape = out.slice(cut);
    const outerFull: boolean[] = [];
    let ok = true;
    const rests: Shape[] = [];
    for (const sh of shapes) {
      const padded = [...new Array<number>(Math.max(0, r - sh.length)).fill(1), ...sh];
      const o = padded.slice(0, cut);
      const full = o.every((d, i) => d === outerShape[i]);
      const rep = o.every((d) => d === 1);
      if (!full && !rep) {
        ok = false;
        break;
      }
      outerFull.push(full && sizeOf(outerShape) > 1);
      rests.push(padded.slice(cut));
    }
    if (!ok) continue;
    const s2 = split2d(rests, restShape);
    if (s2) return { outer: sizeOf(outerShape), mid: s2.outer, inner: s2.inner, modes: s2.modes, outerFull };
  }
  return null;
}

/** Creates a wasm backend; throws when WebAssembly threads/SIMD or the built module are unavailable. */
export function createWasmBackend(opts: WasmBackendOptions = {}): WasmBackend {
  return new WasmBackend(opts);
}

