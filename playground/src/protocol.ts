/**
 * Messages between the page and the training worker (train-worker.ts). The page sends the
 * settings and commands; the worker trains and answers with frames: everything the page draws
 * (losses, the network's activations over the heat-map grid, the weights, the inspected neuron).
 * At most one frame is in flight: the worker sends the next once the page acknowledged the last.
 */
import type { Split } from './datasets.js';
import type { History, NeuronReport } from './trainer.js';
import type { OutputKind } from './model.js';
import type { State } from './state.js';

/** The backends the page offers: `wasm` (threads where the page is cross-origin isolated), `cpu`, `webgpu` (where navigator.gpu exists). */
export type BackendChoice = 'wasm' | 'cpu' | 'webgpu';

export type ToWorker = { seq: number } & (
  /** First message: the backend to train on; `threads` for wasm (0 = one per core). */
  | { type: 'init'; backend: BackendChoice; threads: number; grid: Float32Array }
  /** A new run (the same run again when the state is the same). */
  | { type: 'reset'; state: State }
  | { type: 'play'; on: boolean }
  /** Trains the rest of the current epoch. */
  | { type: 'step' }
  | { type: 'learningRate'; value: number }
  /** The neuron (and training point) the inspector shows; null: none. */
  | { type: 'select'; neuron: [number, number] | null; point: number }
  /** The page drew the last frame. */
  | { type: 'ack' }
  /** The prediction at one point, for the tooltip. */
  | { type: 'predict'; id: number; xy: [number, number] }
);

/** What the worker trains on, once it started. */
export interface BackendInfo {
  /** The backend training runs on ('wasm', 'cpu' or 'webgpu'). */
  name: string;
  /** Threads the wasm kernels run on (1 for the other backends). */
  threads: number;
  crossOriginIsolated: boolean;
  /** Why fewer threads than asked for run, or why the backend asked for is not the one used; empty when none. */
  note: string;
  /** Whether values are read synchronously (not on webgpu, where the neuron inspector is off). */
  syncReads: boolean;
}

/** The network's shape, sent with the first frame of a run. */
export interface NetInfo {
  units: number[];
  pieces: number[];
  sizes: number[];
  output: OutputKind;
}

export interface Frame {
  type: 'frame';
  /** The last command the worker handled (acks and predictions are not counted). */
  seq: number;
  /** Whether the worker is training on. */
  playing: boolean;
  /** Set on a run's first frame. */
  run?: { data: Split; net: NetInfo };
  epoch: number;
  learningRate: number;
  history: History;
  /** Per layer, [grid points, units] activations over the heat-map grid (the last as predictions). */
  layers: Float32Array[];
  W: Float32Array[];
  b: Float32Array[];
  /** Mini-batches trained since the last frame, and the milliseconds spent on them. */
  batches: number;
  trainMs: number;
  /** The inspected neuron: null when none is selected, absent when unchanged (recomputed only now and then while training). */
  report?: NeuronReport | null;
}

export type FromWorker =
  | ({ type: 'backend' } & BackendInfo)
  | Frame
  | { type: 'prediction'; id: number; out: number[] }
  | { type: 'error'; message: string };
