/**
 * The wasm backend's thread pool: workers that instantiate the same kernel module on the same
 * shared memory and help with a kernel when the main thread posts a job — Node worker threads
 * here, Web Workers in browsers (browser-threads.ts), both running JOB_LOOP.
 *
 * A job is a kernel split into `parts`; the main thread and the workers claim parts with an
 * atomic counter until none are left, so a worker that wakes late (or is descheduled on a busy
 * machine) simply takes fewer parts and never holds the main thread up by more than one part.
 * Posting uses a sequence lock: SEQ is odd while the main thread writes a job, and the part
 * counter carries the job's tag, so a worker can never claim a part of a job it did not read.
 * Workers spin briefly on SEQ after a job, then sleep in Atomics.wait. On a busy machine, where
 * workers keep arriving late, the caller works alone for a while (results are the same either
 * way). Node's workers are unref'd once started, so they never keep the process alive.
 */

// control block layout (Int32Array)
const SEQ = 0; // 2·(job+1) when job is posted, odd while writing
const FN = 1;
const PARTS = 2;
const NARGS = 3;
const NEXT = 4; // (job tag << 16) | next unclaimed part
const DONE = 5; // parts completed
const ERR = 6;
const CTRL_INTS = 16;
const MAX_ARGS = 32;
/** At most this many parts per job (the part counter has 16 bits). */
export const MAX_PARTS = 65535;

/** Kernels that run on several threads; index = position. */
export const THREADED_KERNELS = [
  'gemm', 'conv2d', 'conv2dBackpropInput', 'conv2dBackpropFilter', 'maxPool2d', 'maxPool2dBackward',
  'avgPool2d', 'avgPool2dBackward', 'unary', 'binary', 'conv2dDirect',
  'conv2dBackpropFilterDirect',
] as const;
export type ThreadedKernel = (typeof THREADED_KERNELS)[number];

/**
 * The loop every worker runs (Node worker thread or browser Web Worker alike), once it has
 * `ctrl`, `args`, `fns` (the threaded kernels of its own instance), `tid`, `spin` and `seen`
 * (SEQ when it started). Keep the claim loop in step with run().
 */
export const JOB_LOOP = `
for (;;) {
  let n = 0;
  let s;
  while ((s = Atomics.load(ctrl, ${SEQ})) === seen || (s & 1) === 1) {
    if (++n > spin && (s & 1) === 0) { Atomics.wait(ctrl, ${SEQ}, s); n = 0; }
  }
  const fn = ctrl[${FN}], parts = ctrl[${PARTS}], nargs = ctrl[${NARGS}];
  const a = [];
  for (let i = 0; i < nargs; i++) a.push(args[i]);
  if (Atomics.load(ctrl, ${SEQ}) !== s) continue; // rewritten while reading: read again
  seen = s;
  if (fn < 0) break;
  const tag = (s >>> 1) & 0x7fff;
  const f = fns[fn];
  a.push(tid, 0, parts);
  const last = a.length - 2;
  for (;;) {
    const v = Atomics.load(ctrl, ${NEXT});
    if ((v >>> 16) !== tag || (v & 0xffff) >= parts) break;
    if (Atomics.compareExchange(ctrl, ${NEXT}, v, v + 1) !== v) continue;
    a[last] = v & 0xffff;
    try { f(...a); } catch (e) { Atomics.store(ctrl, ${ERR}, 1); }
    if (Atomics.add(ctrl, ${DONE}, 1) + 1 === parts) Atomics.notify(ctrl, ${DONE});
  }
}
`;

/**
 * Sets up a worker from its `WorkerData` (named `d`): instantiates the module on the shared
 * memory and reads the job state; the host's script then reports ready and runs JOB_LOOP.
 */
export const WORKER_SETUP = `
const { module, memory, ctrlBuf, argsBuf, tid, names, spin } = d;
const inst = new WebAssembly.Instance(module, { env: { memory } });
const fns = names.map((n) => inst.exports[n]);
const ctrl = new Int32Array(ctrlBuf);
const args = new Float64Array(argsBuf);
let seen = Atomics.load(ctrl, ${SEQ});
`;

// Runs in each Node worker (an eval'd CommonJS script).
const NODE_WORKER_SOURCE = `
const { workerData: d, parentPort } = require('node:worker_threads');
${WORKER_SETUP}
parentPort.postMessage('ready');
${JOB_LOOP}
`;

/** What a worker is given: the module, the shared memory and the job block. */
export interface WorkerData {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  ctrlBuf: SharedArrayBuffer;
  argsBuf: SharedArrayBuffer;
  tid: number;
  names: readonly string[];
  spin: number;
}

/** How a pool starts its workers: Node worker threads here, Web Workers in browsers (browser-threads.ts). */
export interface WorkerHost {
  /** Starts a worker that runs WORKER_SETUP and JOB_LOOP on `data`; `ready` resolves once it waits for jobs. */
  spawn(data: WorkerData): { ready: Promise<void>; terminate(): void };
  /** Whether the calling thread may block in Atomics.wait (a browser's main thread may not: it only spins). */
  readonly canWait: boolean;
}

interface WorkerLike {
  unref(): void;
  terminate(): Promise<number>;
  on(ev: 'message' | 'error', fn: (v: unknown) => void): void;
}

interface WorkerThreadsModule {
  Worker: new (src: string, opts: { eval: boolean; workerData: unknown; execArgv?: string[] }) => WorkerLike;
}

/** Node's worker threads; throws where there are none. */
export function nodeWorkerHost(): WorkerHost {
  const wt = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule?.('node:worker_threads') as
    | WorkerThreadsModule
    | undefined;
  if (!wt) throw new Error('worker_threads unavailable');
  return {
    canWait: true,
    spawn(data) {
      const w = new wt.Worker(NODE_WORKER_SOURCE, {
        eval: true,
        // No flags: workers inherit the parent's execArgv, and refuse some of it — V8 options
        // (`--experimental-wasm-relaxed-simd`, `--max-old-space-size`: process-wide, so the worker
        // has them anyway) and `--input-type=module` (the worker script is CommonJS). A refused
        // flag left the backend on one thread.
        execArgv: [],
        workerData: data,
      });
      const ready = new Promise<void>((resolve, reject) => {
        w.on('message', () => {
          w.unref(); // up and waiting for jobs: no longer keeps the process alive
          resolve();
        });
        w.on('error', (e) => reject(e instanceof Error ? e : new Error(String(e))));
      });
      return { ready, terminate: () => void w.terminate() };
    },
  };
}

/** How long (iterations) a waiting thread spins before sleeping. */
const SPIN = 20000;
/** A job whose caller waited more than LATE_MS (and over half the job) for workers was late. */
const LATE_MS = 0.3;
/** After LATE_JOBS late jobs in a row (net), the next COOLDOWN_JOBS jobs run on the caller alone. */
const LATE_JOBS = 3;
const COOLDOWN_JOBS = 200;

export class ThreadPool {
  private readonly ctrl: Int32Array;
  private readonly args: Float64Array;
  private readonly workers: { terminate(): void }[] = [];
  private readonly canWait: boolean;
  private readonly readyPromise: Promise<void>;
  private job = 0;
  private lateJobs = 0;
  private cooldown = 0;

  /**
   * `size` = total threads including the calling one; starts `size - 1` workers through `host`
   * (default: Node's worker threads).
   */
  constructor(
    readonly size: number,
    module: WebAssembly.Module,
    memory: WebAssembly.Memory,
    private readonly fns: readonly ((...a: number[]) => void)[],
    host: WorkerHost = nodeWorkerHost(),
  ) {
    this.canWait = host.canWait;
    this.ctrl = new Int32Array(new SharedArrayBuffer(CTRL_INTS * 4));
    this.args = new Float64Array(new SharedArrayBuffer(MAX_ARGS * 8));
    const promises: Promise<void>[] = [];
    try {
      for (let tid = 1; tid < size; tid++) {
        const w = host.spawn({ module, memory, ctrlBuf: this.ctrl.buffer as SharedArrayBuffer, argsBuf: this.args.buffer as SharedArrayBuffer, tid, names: THREADED_KERNELS, spin: SPIN });
        promises.push(w.ready);
        this.workers.push(w);
      }
    } catch (e) {
      for (const w of this.workers) w.terminate();
      throw e;
    }
    this.readyPromise = Promise.all(promises).then(() => undefined);
    this.readyPromise.catch(() => undefined);
  }

  /** Resolves once every worker has instantiated the module (until then the caller does every part itself). */
  ready(): Promise<void> {
    return this.readyPromise;
  }

  /**
   * Runs kernel `k` split into `parts` parts; the calling thread works too and returns when every
   * part is done. Kernel arguments: `args`, then (tid, part, parts).
   */
  run(k: number, args: readonly number[], parts: number): void {
    const fn = this.fns[k]!;
    parts = Math.max(1, Math.min(parts, MAX_PARTS));
    if (parts === 1) {
      fn(...args, 0, 0, 1);
      return;
    }
    if (this.cooldown > 0) {
      // the workers were repeatedly late (a busy machine): work alone for a while
      this.cooldown--;
      for (let p = 0; p < parts; p++) fn(...args, 0, p, parts);
      return;
    }
    const t0 = performance.now();
    // Workers still starting up simply miss this job: the caller claims every part itself.
    const c = this.ctrl;
    const job = ++this.job;
    const seq = 2 * (job & 0x3fffffff);
    Atomics.store(c, SEQ, seq + 1); // writing
    c[FN] = k;
    c[PARTS] = parts;
    c[NARGS] = args.length;
    for (let i = 0; i < args.length; i++) this.args[i] = args[i]!;
    Atomics.store(c, DONE, 0);
    const tag = ((seq + 2) >>> 1) & 0x7fff;
    Atomics.store(c, NEXT, tag << 16);
    Atomics.store(c, SEQ, seq + 2); // posted
    Atomics.notify(c, SEQ);
    // claim parts alongside the workers
    const a = [...args, 0, 0, parts];
    const last = a.length - 2;
    let failure: unknown = null;
    for (;;) {
      const v = Atomics.load(c, NEXT);
      if ((v & 0xffff) >= parts) break;
      if (Atomics.compareExchange(c, NEXT, v, v + 1) !== v) continue;
      a[last] = v & 0xffff;
      try {
        fn(...a);
      } catch (e) {
        failure ??= e; // finish the job (workers may hold parts) before reporting
      }
      Atomics.add(c, DONE, 1);
    }
    const t1 = performance.now();
    let spins = 0;
    for (;;) {
      const d = Atomics.load(c, DONE);
      if (d >= parts) break;
      if (++spins > SPIN && this.canWait) {
        Atomics.wait(c, DONE, d, 1);
        spins = 0;
      }
    }
    // A worker descheduled while it holds a part keeps the caller waiting for a whole time
    // slice; when that happens again and again, run on the caller alone for the next jobs.
    const t2 = performance.now();
    const waited = t2 - t1;
    if (waited > LATE_MS && waited > 0.5 * (t2 - t0)) {
      if (++this.lateJobs >= LATE_JOBS) {
        this.cooldown = COOLDOWN_JOBS;
        this.lateJobs = 0;
      }
    } else if (this.lateJobs > 0) this.lateJobs--;
    if (failure !== null) throw failure;
    if (Atomics.load(c, ERR) !== 0) {
      Atomics.store(c, ERR, 0);
      throw new Error(`wasm backend: kernel '${THREADED_KERNELS[k]}' failed on a worker thread`);
    }
  }

  dispose(): void {
    const c = this.ctrl;
    const job = ++this.job;
    const seq = 2 * (job & 0x3fffffff);
    Atomics.store(c, SEQ, seq + 1);
    c[FN] = -1;
    c[NARGS] = 0;
    Atomics.store(c, SEQ, seq + 2);
    Atomics.notify(c, SEQ);
    for (const w of this.workers) w.terminate();
    this.workers.length = 0;
  }
}
