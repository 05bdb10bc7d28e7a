/**
 * The wasm backend's thread pool in browsers: Web Workers that instantiate the kernel module on
 * the same shared memory and run the same job loop as Node's worker threads (threads.ts), so a
 * kernel split into the same parts gives the same results on either.
 *
 * Browsers share a WebAssembly.Memory between workers only on a cross-origin isolated page
 * (served with `Cross-Origin-Opener-Policy: same-origin` and
 * `Cross-Origin-Embedder-Policy: require-corp`); elsewhere SharedArrayBuffer is missing, the
 * backend runs on unshared memory and one thread, and no pool is made.
 *
 * The workers run a script from a blob: URL (a page with a Content Security Policy must allow
 * `worker-src blob:`). The calling thread helps with every job; in a worker it sleeps in
 * Atomics.wait while it waits for the others, on a page's main thread (where browsers forbid
 * Atomics.wait) it spins — running nabla in a dedicated Worker is the better choice there.
 */
import { JOB_LOOP, ThreadPool, WORKER_SETUP, nodeWorkerHost, type WorkerHost } from './threads.js';

// Runs in each Web Worker (a classic script): the first message carries its WorkerData.
const BROWSER_WORKER_SOURCE = `
self.onmessage = (e) => {
  self.onmessage = null;
  const d = e.data;
  ${WORKER_SETUP}
  self.postMessage('ready');
  ${JOB_LOOP}
  self.close();
};
`;

interface WebWorkerLike {
  postMessage(msg: unknown): void;
  terminate(): void;
  addEventListener(ev: 'message' | 'error', fn: (e: { message?: string }) => void): void;
}

interface BrowserGlobals {
  Worker?: new (url: string, opts?: { name?: string }) => WebWorkerLike;
  Blob?: new (parts: string[], opts: { type: string }) => unknown;
  URL?: { createObjectURL(b: unknown): string; revokeObjectURL(u: string): void };
  crossOriginIsolated?: boolean;
  document?: unknown;
}

/** Whether the calling thread may block in Atomics.wait (browsers refuse it on a page's main thread). */
function mayWait(): boolean {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0); // returns 'not-equal' where allowed
    return true;
  } catch {
    return false;
  }
}

/** Web Workers on shared memory; throws where there are none or the page is not cross-origin isolated. */
export function browserWorkerHost(): WorkerHost {
  const g = globalThis as BrowserGlobals;
  if (typeof g.Worker !== 'function' || typeof g.Blob !== 'function' || !g.URL) throw new Error('no Web Workers here');
  if (g.crossOriginIsolated === false) throw new Error('the page is not cross-origin isolated (COOP same-origin, COEP require-corp)');
  const Worker = g.Worker;
  const url = g.URL.createObjectURL(new g.Blob([BROWSER_WORKER_SOURCE], { type: 'text/javascript' }));
  return {
    canWait: mayWait(),
    spawn(data) {
      const w = new Worker(url, { name: `nabla-wasm-${data.tid}` });
      const ready = new Promise<void>((resolve, reject) => {
        w.addEventListener('message', () => resolve());
        w.addEventListener('error', (e) => reject(new Error(`wasm backend: a worker failed to start${e.message ? ` (${e.message})` : ''}`)));
      });
      w.postMessage(data);
      return { ready, terminate: () => w.terminate() };
    },
  };
}

/**
 * The pool for this platform: Node's worker threads where they exist, else Web Workers on a
 * cross-origin isolated page. Throws where neither is possible (the backend then runs on one thread).
 */
export function createThreadPool(size: number, module: WebAssembly.Module, memory: WebAssembly.Memory, fns: readonly ((...a: number[]) => void)[]): ThreadPool {
  const hasNode = typeof (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule?.('node:worker_threads') === 'object';
  return new ThreadPool(size, module, memory, fns, hasNode ? nodeWorkerHost() : browserWorkerHost());
}
