/**
 * The playground's training worker: a dedicated Web Worker that owns the run (Trainer) and trains
 * in slices of about SLICE_MS, handling the page's messages between slices, so the page never
 * waits for training. After a slice it sends a frame with everything the page draws, unless the
 * page has not yet drawn the last one (then it trains on and sends the next when it has).
 *
 * The wasm backend runs its kernels on a pool of Web Workers sharing its memory when the page is
 * cross-origin isolated (and on one thread, which the page then says, when it is not). On webgpu,
 * whose values are read only asynchronously, the worker uses the Trainer's asynchronous reads
 * and the neuron inspector is off. Commands and training slices run one after another, in order.
 */
import * as nb from 'nabla';
import { createWasmBackend } from 'nabla/backends/wasm';
import { Trainer } from './trainer.js';
import type { BackendInfo, Frame, FromWorker, ToWorker } from './protocol.js';

/** Milliseconds of training between two looks at the page's messages. */
const SLICE_MS = 12;
/** While training, the inspected neuron is recomputed at most this often (it is costly). */
const INSPECT_EVERY_MS = 150;

interface WorkerScope {
  postMessage(msg: FromWorker, transfer?: Transferable[]): void;
  onmessage: ((e: MessageEvent<ToWorker>) => void) | null;
  crossOriginIsolated?: boolean;
}
const scope = self as unknown as WorkerScope;

let trainer: Trainer | null = null;
/** The backend reads values only asynchronously (webgpu). */
let asyncReads = false;
let grid: Float32Array = new Float32Array(0);
let seq = 0;
let playing = false;
/** A frame is with the page, not yet drawn. */
let awaiting = false;
/** Something changed since the last frame. */
let dirty = false;
let newRun = false;
let selection: { neuron: [number, number] | null; point: number } = { neuron: null, point: 0 };
let reportDue = true;
let lastReport = 0;
let batches = 0;
let trainMs = 0;

function post(msg: FromWorker, transfer: Transferable[] = []): void {
  scope.postMessage(msg, transfer);
}

async function startBackend(choice: ToWorker & { type: 'init' }): Promise<BackendInfo> {
  const isolated = scope.crossOriginIsolated === true;
  if (choice.backend === 'cpu') {
    nb.setBackend('cpu');
    return { name: 'cpu', threads: 1, crossOriginIsolated: isolated, note: '', syncReads: true };
  }
  if (choice.backend === 'webgpu') {
    try {
      await nb.setBackendAsync('webgpu', { fallback: false });
      asyncReads = true;
      return { name: 'webgpu', threads: 1, crossOriginIsolated: isolated, note: 'the neuron inspector needs wasm or cpu', syncReads: false };
    } catch (e) {
      nb.setBackend('cpu');
      return { name: 'cpu', threads: 1, crossOriginIsolated: isolated, note: `WebGPU could not start here (${(e as Error).message})`, syncReads: true };
    }
  }
  const want = choice.threads > 0 ? choice.threads : Math.max(1, navigator.hardwareConcurrency || 1);
  try {
    const be = createWasmBackend({ name: 'wasm-playground', threads: want });
    await be.ready().catch(() => undefined); // a worker that fails to start leaves its parts to the others
    nb.registerBackend('wasm-playground', () => be);
    nb.setBackend('wasm-playground');
    const note = be.threads >= want ? '' : isolated ? `${want} threads asked for, ${be.threads} available` : 'the page is not cross-origin isolated (no SharedArrayBuffer): one thread';
    if (note) console.info(`nabla playground: wasm on ${be.threads} thread${be.threads === 1 ? '' : 's'}: ${note}`);
    return { name: 'wasm', threads: be.threads, crossOriginIsolated: isolated, note, syncReads: true };
  } catch (e) {
    nb.setBackend('cpu');
    return { name: 'cpu', threads: 1, crossOriginIsolated: isolated, note: `the wasm backend is unavailable (${(e as Error).message})`, syncReads: true };
  }
}

async function sendFrame(): Promise<void> {
  const tr = trainer;
  if (!tr || awaiting) return;
  const now = performance.now();
  let report: Frame['report'] = null;
  if (selection.neuron && !asyncReads) {
    if (reportDue || !playing || now - lastReport > INSPECT_EVERY_MS) {
      report = tr.inspect(selection.neuron[0], selection.neuron[1], selection.point);
      lastReport = now;
      reportDue = false;
    } else report = undefined;
  }
  const layers = asyncReads ? await tr.evaluateAsync(grid) : tr.evaluate(grid);
  const { W, b } = asyncReads ? await tr.snapshotAsync() : tr.snapshot();
  const frame: Frame = {
    type: 'frame', seq, playing, epoch: tr.epoch, learningRate: tr.currentLearningRate, history: tr.history,
    layers, W, b, batches, trainMs, report,
    run: newRun ? {
      data: tr.data,
      net: { units: tr.net.layers.map((l) => l.units), pieces: tr.net.layers.map((l) => l.pieces), sizes: tr.net.sizes, output: tr.net.output },
    } : undefined,
  };
  newRun = false;
  batches = 0;
  trainMs = 0;
  awaiting = true;
  dirty = false;
  post(frame, [...layers, ...W, ...b].map((a) => a.buffer as ArrayBuffer));
}

// Commands and slices run one after another on this queue; a slice is queued from a task of its
// own (a MessageChannel message), so the page's messages get in between slices.
let queue = Promise.resolve();
let scheduled = false;
const ticker = new MessageChannel();
ticker.port1.onmessage = () => {
  queue = queue.then(tick).catch(() => undefined);
};
function schedule(): void {
  if (scheduled) return;
  scheduled = true;
  ticker.port2.postMessage(null);
}

async function tick(): Promise<void> {
  scheduled = false;
  try {
    if (playing && trainer) {
      const t0 = performance.now();
      do {
        if (asyncReads) await trainer.trainBatchAsync();
        else trainer.trainBatch();
        batches++;
      } while (performance.now() - t0 < SLICE_MS);
      trainMs += performance.now() - t0;
      dirty = true;
    }
    if (dirty) await sendFrame();
  } catch (e) {
    playing = false;
    dirty = false;
    post({ type: 'error', message: (e as Error).message });
  }
  if (playing) schedule();
}

async function handle(msg: ToWorker): Promise<void> {
  switch (msg.type) {
    case 'init':
      grid = msg.grid;
      post({ type: 'backend', ...(await startBackend(msg)) });
      break;
    case 'reset':
      trainer?.dispose();
      trainer = null;
      trainer = asyncReads ? await Trainer.create(msg.state) : new Trainer(msg.state);
      newRun = true;
      // a neuron of the last network that this one lacks: none
      if (selection.neuron && !(selection.neuron[0] < trainer.net.layers.length && selection.neuron[1] < trainer.net.layers[selection.neuron[0]]!.units)) {
        selection = { neuron: null, point: 0 };
      }
      reportDue = true;
      break;
    case 'play':
      playing = msg.on;
      break;
    case 'step':
      playing = false;
      if (asyncReads && trainer && trainer.data.train.count > 0) while (!(await trainer.trainBatchAsync()));
      else trainer?.trainEpoch();
      reportDue = true;
      break;
    case 'learningRate':
      trainer?.setLearningRate(msg.value);
      break;
    case 'select':
      selection = { neuron: msg.neuron, point: msg.point };
      reportDue = true;
      break;
    case 'ack':
      awaiting = false;
      break;
    case 'predict':
      if (trainer) {
        const xy = new Float32Array(msg.xy);
        const layers = asyncReads ? await trainer.evaluateAsync(xy) : trainer.evaluate(xy);
        post({ type: 'prediction', id: msg.id, out: [...layers.at(-1)!] });
      }
      return;
  }
  if (msg.type !== 'ack') {
    seq = msg.seq;
    dirty = true;
  }
  schedule();
}

// Messages are handled in order (init is asynchronous: the others wait for it).
scope.onmessage = (e) => {
  const msg = e.data;
  queue = queue.then(() => handle(msg)).catch((err: unknown) => {
    post({ type: 'error', message: err instanceof Error ? err.message : String(err) });
  });
};
