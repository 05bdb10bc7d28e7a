/**
 * The wasm backend's thread pool: Node worker threads that instantiate the same kernel module on
 * the same shared memory and run their share of a kernel when the main thread posts a job.
 *
 * Dispatch is through a small shared control block: the main thread writes the job (kernel index,
 * arguments, thread count), bumps a generation counter and notifies; workers spin briefly on the
 * counter, then sleep in Atomics.wait. The main thread runs share 0 itself and waits for the
 * workers' done count. Workers are unref'd, so they never keep the process alive.
 */

// control block layout (Int32Array)
const GEN = 0;
const FN = 1;
const NTH = 2;
const NARGS = 3;
const DONE = 4;
const ERR = 5;
const READY = 16; // READY + i: worker i is up
const CTRL_INTS = 16 + 256;
const MAX_ARGS = 32;

/** Kernels that run on several threads; index = position. */
export const THREADED_KERNELS = [
  'gemm', 'conv2d', 'conv2dBackpropInput', 'conv2dBackpropFilter', 'maxPool2d', 'maxPool2dBackward',
  'avgPool2d', 'avgPool2dBackward', 'unary', 'binary',
] as const;
export type ThreadedKernel = (typeof THREADED_KERNELS)[number];

// Runs in each worker (as an eval'd CommonJS script).
const WORKER_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
const { module, memory, ctrlBuf, argsBuf, tid, names, spin } = workerData;
const inst = new WebAssembly.Instance(module, { env: { memory } });
const fns = names.map((n) => inst.exports[n]);
const ctrl = new Int32Array(ctrlBuf);
const args = new Float64Array(argsBuf);
let gen = Atomics.load(ctrl, ${GEN});
Atomics.store(ctrl, ${READY} + tid, 1);
parentPort.postMessage('ready');
for (;;) {
  let n = 0;
  while (Atomics.load(ctrl, ${GEN}) === gen) {
    if (++n > spin) { Atomics.wait(ctrl, ${GEN}, gen); n = 0; }
  }
  gen = Atomics.load(ctrl, ${GEN});
  const fn = ctrl[${FN}];
  if (fn < 0) break;
  const nth = ctrl[${NTH}];
  if (tid < nth) {
    try {
      const a = [];
      for (let i = 0; i < ctrl[${NARGS}]; i++) a.push(args[i]);
      a.push(tid, nth);
      fns[fn](...a);
    } catch (e) {
      Atomics.store(ctrl, ${ERR}, 1);
    }
    Atomics.add(ctrl, ${DONE}, 1);
    Atomics.notify(ctrl, ${DONE});
  }
}
`;

interface WorkerLike {
  unref(): void;
  terminate(): Promise<number>;
  on(ev: 'message' | 'error', fn: (v: unknown) => void): void;
}
interface WorkerThreadsModule {
  Worker: new (src: string, opts: { eval: boolean; workerData: unknown }) => WorkerLike;
}

/** How long (iterations) a waiting thread spins before sleeping. */
const SPIN = 20000;

export class ThreadPool {
  private readonly ctrl: Int32Array;
  private readonly args: Float64Array;
  private readonly workers: WorkerLike[] = [];
  private allReady = false;
  private readonly readyPromise: Promise<void>;

  /** `size` = total threads including the calling one; needs `size - 1` workers. */
  constructor(
    readonly size: number,
    module: WebAssembly.Module,
    memory: WebAssembly.Memory,
    private readonly fns: readonly ((...a: number[]) => void)[],
  ) {
    const wt = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule?.('node:worker_threads') as
      | WorkerThreadsModule
      | undefined;
    if (!wt) throw new Error('worker_threads unavailable');
    this.ctrl = new Int32Array(new SharedArrayBuffer(CTRL_INTS * 4));
    this.args = new Float64Array(new SharedArrayBuffer(MAX_ARGS * 8));
    const promises: Promise<void>[] = [];
    for (let tid = 1; tid < size; tid++) {
      const w = new wt.Worker(WORKER_SOURCE, {
        eval: true,
        workerData: { module, memory, ctrlBuf: this.ctrl.buffer, argsBuf: this.args.buffer, tid, names: THREADED_KERNELS, spin: SPIN },
      });
      promises.push(
        new Promise<void>((resolve, reject) => {
          w.on('message', () => {
            w.unref(); // up and waiting for jobs: no longer keeps the process alive
            resolve();
          });
          w.on('error', (e) => reject(e instanceof Error ? e : new Error(String(e))));
        }),
      );
      this.workers.push(w);
    }
    this.readyPromise = Promise.all(promises).then(() => {
      this.allReady = true;
    });
    this.readyPromise.catch(() => undefined);
  }

  /** Resolves once every worker has instantiated the module (jobs before that run on one thread). */
  ready(): Promise<void> {
    return this.readyPromise;
  }

  private checkReady(): boolean {
    if (this.allReady) return true;
    for (let i = 1; i < this.size; i++) if (Atomics.load(this.ctrl, READY + i) !== 1) return false;
    this.allReady = true;
    return true;
  }

  /** Runs kernel `k` on min(nth, size) threads (the caller's included) and waits for all. */
  run(k: number, args: readonly number[], nth: number): void {
    let n = Math.min(nth, this.size);
    if (n > 1 && !this.checkReady()) n = 1;
    const fn = this.fns[k]!;
    if (n <= 1) {
      fn(...args, 0, 1);
      return;
    }
    const c = this.ctrl;
    for (let i = 0; i < args.length; i++) this.args[i] = args[i]!;
    c[FN] = k;
    c[NTH] = n;
    c[NARGS] = args.length;
    Atomics.store(c, DONE, 0);
    Atomics.add(c, GEN, 1);
    Atomics.notify(c, GEN);
    fn(...args, 0, n);
    const want = n - 1;
    let spins = 0;
    for (;;) {
      const d = Atomics.load(c, DONE);
      if (d >= want) break;
      if (++spins > SPIN) {
        Atomics.wait(c, DONE, d, 1);
        spins = 0;
      }
    }
    if (Atomics.load(c, ERR) !== 0) {
      Atomics.store(c, ERR, 0);
      throw new Error(`wasm backend: kernel '${THREADED_KERNELS[k]}' failed on a worker thread`);
    }
  }

  dispose(): void {
    const c = this.ctrl;
    c[FN] = -1;
    Atomics.add(c, GEN, 1);
    Atomics.notify(c, GEN);
    for (const w of this.workers) void w.terminate();
    this.workers.length = 0;
  }
}
