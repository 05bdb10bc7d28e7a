/**
 * The wasm backend's runtime, shared by its kernel families (elementwise.ts, reduce.ts, matmul.ts,
 * conv.ts, pool.ts, indexing.ts, fused.ts): loading the kernel module (asm/kernels.ts), the one
 * linear memory and its arena (./arena.ts), allocation as transactions, the worker threads
 * (./threads.ts), and running the reference (cpu) kernels on views of the memory.
 */
import type { Backend, KTensor } from '../interface.js';
import { createCpuBackend } from '../cpu/index.js';
import type { DType, TypedArray } from '../../tensor/dtype.js';
import { Arena, type ArenaStats } from './arena.js';
import { THREADED_KERNELS, type ThreadPool, type ThreadedKernel } from './threads.js';
import { createThreadPool } from './browser-threads.js';
import { EMBEDDED } from './embedded.js';
import type { SlabAllocs } from './planned-alloc.js';

export interface WasmBackendOptions {
  /** The name the backend is registered under (default 'wasm'); tensors find their backend by it. */
  name?: string;
  /** Threads to run kernels on, the calling one included (default: all cores). 1 = no workers. */
  threads?: number;
  /**
   * Use the relaxed-SIMD (fused multiply-add) build where the engine has relaxed SIMD: browsers,
   * Node ≥ 22, and Node 20, where nabla turns V8's flag on itself. Default true, unless the
   * environment variable NABLA_RELAXED_SIMD is 0.
   */
  relaxedSimd?: boolean;
  /**
   * The compiled kernel modules' bytes (default: the ones the package carries inlined, or, run
   * from the sources, dist/wasm/ read from disk). `fetchWasmModules(url)` fetches them from a URL.
   */
  wasm?: WasmModules;
  /** Force the single-threaded build on unshared memory (what runs where SharedArrayBuffer is missing). */
  unshared?: boolean;
}
export const KERNEL_INDEX = Object.fromEntries(THREADED_KERNELS.map((k, i) => [k, i])) as Record<ThreadedKernel, number>;
export const DT_CODE: Record<DType, number> = { float32: 0, int32: 1, bool: 2, float64: -1 };

/** wasm32's address space: 65536 pages of 64 KiB, 4 GiB. */
const MAX_PAGES = 65536;
const PAGE = 65536;

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
export interface Kernels {
  memory: WebAssembly.Memory;
  heapBase(): number;
  GEMM_SCRATCH: WebAssembly.Global;
  FILTER_CHUNK: WebAssembly.Global;
  fill32(p: number, n: number, bits: number): void;
  fusedElementwise(prog: number, nIn: number, nInstr: number, regs: number, out: number, outer: number, inner: number): void;
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
  // scans and sorting
  cumulative(isProd: number, x: number, dt: number, out: number, outer: number, dim: number, inner: number, exclusive: number, reverse: number): void;
  argsort(x: number, dt: number, out: number, outer: number, dim: number, inner: number, desc: number, tmp: number): void;
  // recurrent cells
  lstmCell(gi: number, gh: number, c: number, h2: number, c2: number, acts: number, B: number, H: number): void;
  lstmCellBackward(acts: number, c: number, c2: number, dh: number, dc: number, out: number, B: number, H: number): void;
  packPanels(K: number, N: number, b: number, rsB: number, csB: number, out: number): void;
  lstmCellBackwardSeq(acts: number, c: number, c2: number, dhA: number, dhB: number, dcA: number, dcB: number, dz: number, dcOut: number, B: number, H: number): void;
  gruCell(gi: number, gh: number, bh: number, h: number, h2: number, acts: number, B: number, H: number): void;
  gruCellBackward(acts: number, h: number, dh: number, out: number, B: number, H: number): void;
  // losses
  softmaxCrossEntropy(z: number, t: number, labels: number, loss: number, lse: number, N: number, C: number, reduce: number, scale: number): void;
  softmaxCrossEntropyBackward(dy: number, z: number, t: number, labels: number, lse: number, dz: number, N: number, C: number, reduce: number, scale: number): void;
}

type Fn = (...a: number[]) => void;

/** One element's byte size in this backend's memory. */
export function esize(dtype: DType): number {
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

/** The default of `relaxedSimd`: on, unless the environment variable NABLA_RELAXED_SIMD is 0 (Node). */
function relaxedByDefault(): boolean {
  return (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.NABLA_RELAXED_SIMD !== '0';
}

/**
 * Whether the engine takes the relaxed-SIMD module. Node before 22 has relaxed SIMD behind
 * `--experimental-wasm-relaxed-simd`; V8 reads wasm feature flags when it validates a module, so
 * setting the flag from inside the process (process-wide, worker threads included) gives every
 * user the fused multiply-add build without Node flags. Browsers ship relaxed SIMD or not.
 */
function relaxedAvailable(module: BufferSource): boolean {
  if (WebAssembly.validate(module)) return true;
  const v8 = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule?.('node:v8') as
    | { setFlagsFromString(flags: string): void }
    | undefined;
  if (!v8) return false;
  v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
  return WebAssembly.validate(module);
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
export const MIN_PARALLEL_FLOPS = 1 << 17;
/**
 * GEMMs below this many multiply-adds stay on one thread. A GEMM of a training step reads data
 * the calling thread has just written (a batch slice, weights fresh from the optimizer): a worker
 * must first pull it from the other core's cache, which costs more than it saves below about a
 * million multiply-adds (M1's 64×784×10 GEMMs ran 2× slower on two threads than on one).
 */
export const MIN_PARALLEL_GEMM = 1 << 20;
export const MIN_PARALLEL_ELEMS = 1 << 16;
/** Elementwise ops are memory-bound: threads only pay off on big arrays. */
export const MIN_PARALLEL_ELEMENTWISE = 1 << 20;

/**
 * The memory, allocator, module instance and threads of one wasm backend; the kernel families
 * take it as their first argument.
 */
export class WasmDevice {
  /** Whether the relaxed-SIMD (FMA) build is in use. */
  readonly relaxedSimd: boolean;
  /** Threads kernels run on (1 = no workers). */
  readonly threads: number;
  /** Whether the memory is shared (threads possible); false on the single-threaded build. */
  readonly shared: boolean;

  private readonly mem: WebAssembly.Memory;
  readonly k: Kernels;
  readonly fns: Fn[];
  readonly pool: ThreadPool | null;
  private readonly arena: Arena;
  private readonly cpu = createCpuBackend();
  /**
   * How many kernel calls ran the reference (cpu) kernel on views of this memory instead of a
   * wasm kernel (int32 matmul and convolution, grouped convolution, …): a diagnostic that shows
   * whether a model's hot path stays on wasm kernels.
   */
  referenceCalls = 0;
  /** How convolutions run where both ways apply (see useDirect in conv.ts): 'auto' picks by shape. */
  convAlgorithm: 'auto' | 'im2col' | 'direct' = 'auto';
  readonly params: number; // 4 KiB of i32 geometry for kernels
  readonly gemmScratch: number;
  private readonly gemmScratchBytes: number;
  readonly filterChunk: number;
  u8!: Uint8Array;
  i32!: Int32Array;
  private f32!: Float32Array;
  private liveBuffers = 0;
  /** im2col columns kept by conv2d for the filter gradient, by input handle. */
  readonly colsCache = new Map<number, { key: string; ptr: number; bytes: number }>();
  private liveBytes = 0;
  private disposed = false;
  /** Nesting of allocating kernels (they call each other), the op of the outermost, and what it allocated: (offset, bytes, live) triples. */
  private depth = 0;
  private op = '';
  private readonly journal: number[] = [];
  /** Why the last growth failed, when the host refused it below 4 GiB. */
  private growFailure: string | null = null;
  /** Serves allocations from the slabs of nb.jit's memory plans while a plan replays (see planned-alloc.ts); null until a plan exists. */
  planned: SlabAllocs | null = null;

  constructor(opts: WasmBackendOptions = {}) {
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
      useRelaxed = (opts.relaxedSimd ?? relaxedByDefault()) && mods.relaxed !== undefined && relaxedAvailable(mods.relaxed);
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

  /**
   * Runs the allocating kernel `name` as one transaction: if it throws (out of memory, or any
   * other error) after allocating, everything it allocated is released and nothing stays counted.
   * `first` is its first argument (unary/binary/reduce/argReduce: the op, named in errors).
   */
  transaction<T>(name: string, first: unknown, kernel: () => T): T {
    if (this.depth++ === 0) this.op = typeof first === 'string' ? first : name;
    try {
      return kernel();
    } catch (e) {
      if (this.depth === 1) this.rollback();
      throw e;
    } finally {
      if (--this.depth === 0) this.journal.length = 0;
    }
  }

  /** Releases everything the failed kernel allocated and uncounts its outputs. */
  private rollback(): void {
    const j = this.journal;
    for (let i = j.length - 3; i >= 0; i -= 3) {
      this.releaseBlock(j[i]!, j[i + 1]!);
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

  /** A block of `bytes`: from a memory plan's slab while a plan replays, else from the arena. */
  private take(bytes: number): number {
    return this.planned !== null ? this.planned.take(bytes) : this.takeFromArena(bytes);
  }

  /** A block of `bytes` from the arena, or a WasmOutOfMemoryError. */
  takeFromArena(bytes: number): number {
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
  alloc(dtype: DType, n: number): number {
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
  allocFilled(dtype: DType, n: number, value: number): number {
    const p = this.alloc(dtype, n);
    const bits = dtype === 'float32' ? f32Bits(value) : dtype === 'bool' ? (value ? 1 : 0) : value | 0;
    const es = esize(dtype);
    const zeroFrom = this.planned !== null && this.planned.inSlab(p) ? p + n * es : this.arena.lastZeroFrom();
    const m = bits === 0 ? Math.min(n, Math.ceil((zeroFrom - p) / es)) : n;
    if (dtype === 'bool') this.k.fill8(p, m, bits);
    else this.k.fill32(p, m, bits);
    return p;
  }

  /** Scratch memory for one kernel call (not counted as live). */
  scratch(bytes: number): number {
    const p = this.take(bytes);
    if (this.depth > 0) this.journal.push(p, bytes, 0);
    return p;
  }

  release(p: number, bytes: number): void {
    if (this.depth > 0) this.unjournal(p);
    this.releaseBlock(p, bytes);
  }

  /** Returns a block to the arena (a block of a memory plan's slab stays in the slab). */
  private releaseBlock(p: number, bytes: number): void {
    if (this.planned !== null && this.planned.release(p)) return;
    this.arena.release(p, bytes);
  }

  /** Returns a block to the arena directly. */
  releaseToArena(p: number, bytes: number): void {
    this.arena.release(p, bytes);
  }

  view(p: number, dtype: DType, n: number): TypedArray {
    const buf = this.mem.buffer;
    switch (dtype) {
      case 'float32': return new Float32Array(buf, p, n);
      case 'int32': return new Int32Array(buf, p, n);
      case 'bool': return new Uint8Array(buf, p, n);
      case 'float64': throw noF64();
    }
  }

  /** Runs a threaded kernel in `parts` parts (on one thread when the work is small). */
  run(k: ThreadedKernel, args: number[], parts: number, work: number, minWork: number): void {
    const idx = KERNEL_INDEX[k];
    if (this.pool && work >= minWork && parts > 1) this.pool.run(idx, args, parts);
    else this.fns[idx]!(...args, 0, 0, 1);
  }

  /** Parts for `units` independent units of work: a few per thread, for balance. */
  partsFor(units: number): number {
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
  dropCols(x: number): void {
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
    this.releaseBlock(data as number, bytes);
  }

  memory(): { numBuffers: number; numBytes: number } {
    return { numBuffers: this.liveBuffers, numBytes: this.liveBytes };
  }

  /** Runs the reference kernel on views of this memory and copies its result in. */
  viaReference(outDtype: DType, call: (cpu: Backend, view: (t: KTensor) => KTensor) => unknown): number {
    this.referenceCalls++;
    const res = call(this.cpu, (t) => ({ ...t, data: this.view(t.data as number, t.dtype, t.size) })) as TypedArray;
    const out = this.upload(res, outDtype) as number;
    this.cpu.free(res, outDtype, res.length);
    return out;
  }

  /** Frees a temporary made by one of this backend's own kernels (counted as live). */
  freeTemp(p: number, bytes: number): void {
    this.liveBuffers--;
    this.liveBytes -= bytes;
    this.release(p, bytes);
  }
}

/** Bytes in decimal units, as `nb.memory()` users read them: 600 MB, 3.49 GB. */
export function formatBytes(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} GB`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} MB`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} kB`;
  return `${n} B`;
}

export function noF64(): Error {
  return new Error("wasm backend: float64 is not supported (use float32, or setBackend('cpu') for float64)");
}

const f32buf = new Float32Array(1);
const i32buf = new Int32Array(f32buf.buffer);
export function f32Bits(v: number): number {
  f32buf[0] = v;
  return i32buf[0]!;
}

export function align64(n: number): number {
  return Math.ceil(n / 64) * 64;
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
