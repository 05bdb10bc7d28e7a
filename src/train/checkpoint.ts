/**
 * Training checkpoints: everything `fit` needs to continue a run exactly where it stopped.
 *
 * A checkpoint is a `.nabla` container of kind 'nabla-weights' (so `nb.io.loadWeights(model,
 * file, { strict: false })` reads its weights) holding
 * - the model's state dict (parameters and buffers) under their own names;
 * - the optimizer's state slots as `@optimizer/<parameter>/<slot>`;
 * - the per-step losses so far as `@history/stepLoss` (float64, NaN-safe);
 * and, in the header's metadata under `nablaCheckpoint`, the rest as JSON: the position (epoch
 * and the next batch), the optimizer's learning rate, step counts and iteration count, the state
 * of the shuffling generator at the start of the epoch and of the global generator (dropout,
 * augmentation) now, the epoch's running loss, the history's epoch logs and the callbacks' state.
 *
 * Resuming from it replays nothing: the epoch's shuffled order is rebuilt from the saved
 * generator state, the batches already run are skipped, and every generator continues from where
 * it was, so the weights come out bit-identical to a run that was never interrupted.
 */
import type { Tensor } from '../tensor/tensor.js';
import { fromArray } from '../tensor/creation.js';
import { globalRandom, type RandomState } from '../tensor/random.js';
import { dispose } from '../engine.js';
import type { JsonValue } from '../nn/module.js';
import type { Optimizer, OptimizerState } from '../optim/optimizer.js';
import { encodeTensors, FORMAT_VERSION, ModelFileError, readContainer, tensorFrom, type TensorEntry } from '../io/format.js';
import { jsonNum, numOf, type Callback } from './callbacks.js';
import type { EpochLogs, History, Model } from './types.js';

const OPT = '@optimizer/';
const STEP_LOSS = '@history/stepLoss';
const VERSION = 1;

/** What a module must offer to be checkpointed (every nb.nn.Module does). */
export interface CheckpointModel extends Model {
  namedParameters(): [string, Tensor][];
  stateDict(): Record<string, Tensor>;
  loadStateDict(sd: Record<string, Tensor>): void;
}

/** The position and state of a run, besides the tensors. */
export interface TrainingPosition {
  /** The epoch to continue (0-based). */
  epoch: number;
  /** The first batch of `epoch` not yet run (0: the epoch starts afresh). */
  batch: number;
  /** Samples and batch size of the run (a mid-epoch resume needs the same to rebuild the order). */
  samples: number;
  batchSize: number;
  /** The shuffling generator at the start of `epoch`. */
  shuffle: RandomState;
  /** The global generator now. */
  global: RandomState;
  /** The learning rate in force at the start of `epoch` (reported in its logs). */
  epochLr: number;
  /** The epoch's running sums so far. */
  lossSum: number;
  seen: number;
}

/** A checkpoint read back: the position; the history so far; the callbacks' saved state. */
export interface RestoredRun {
  position: TrainingPosition;
  epochs: EpochLogs[];
  stepLoss: number[];
  checkpoints: History['checkpoints'];
  callbacks: (JsonValue | null)[];
}

/** A checkpointable callback: its state as JSON and back (`lrScheduler`, `earlyStopping`, … have them). */
export interface StatefulCallback extends Callback {
  stateDict(): JsonValue;
  loadStateDict(state: JsonValue): void;
}

function isStateful(c: Callback): c is StatefulCallback {
  const s = c as Partial<StatefulCallback>;
  return typeof s.stateDict === 'function' && typeof s.loadStateDict === 'function';
}

/** Numbers JSON cannot hold (NaN, ±Infinity) as strings; everything else as is. */
function toJson(logs: EpochLogs): { [k: string]: JsonValue } {
  const out: { [k: string]: JsonValue } = {};
  for (const [k, v] of Object.entries(logs)) if (v !== undefined) out[k] = jsonNum(v);
  return out;
}

function fromJson(o: { [k: string]: JsonValue }): EpochLogs {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(o)) out[k] = numOf(v);
  return out as unknown as EpochLogs;
}

/** The bytes of a checkpoint of `model` and `optimizer` at `position`. */
export async function encodeCheckpoint(op: string, model: CheckpointModel, optimizer: Optimizer, position: TrainingPosition, history: History, callbacks: readonly Callback[]): Promise<Uint8Array> {
  const named = model.namedParameters();
  const opt: OptimizerState = optimizer.stateDict(named);
  const tensors: [string, Tensor][] = Object.entries(model.stateDict());
  const slots: { [name: string]: JsonValue } = {};
  for (const [name, st] of Object.entries(opt.params)) {
    slots[name] = { step: st.step, slots: st.slots.length };
    st.slots.forEach((t, i) => tensors.push([`${OPT}${name}/${i}`, t]));
  }
  const stepLoss = fromArray(Float64Array.from(history.stepLoss), [history.stepLoss.length], { dtype: 'float64', backend: 'cpu' });
  tensors.push([STEP_LOSS, stepLoss]);
  const meta: { [k: string]: JsonValue } = {
    version: VERSION,
    position: position as unknown as JsonValue,
    optimizer: { config: optimizer.config(), lr: optimizer.lr, iterations: opt.iterations, params: slots },
    epochs: history.epochs.map(toJson),
    checkpoints: (history.checkpoints ?? []) as unknown as JsonValue,
    callbacks: callbacks.map((c) => (isStateful(c) ? c.stateDict() : null)),
  };
  try {
    return await encodeTensors(op, tensors, (entries: TensorEntry[]) => ({ format: 'nabla-weights', version: FORMAT_VERSION, tensors: entries, metadata: { nablaCheckpoint: meta } }));
  } finally {
    stepLoss.dispose();
  }
}

const isObj = (v: unknown): v is { [k: string]: JsonValue } => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Reads a checkpoint into `model` and `optimizer` (weights, buffers, optimizer slots, step
 * counts, learning rate) and returns the run's position and history. Every check comes before
 * anything changes: a file that is not a checkpoint, or one of another model or optimizer, is
 * refused with the reason.
 */
export function decodeCheckpoint(op: string, bytes: Uint8Array, file: string, model: CheckpointModel, optimizer: Optimizer, callbacks: readonly Callback[]): RestoredRun {
  const bad = (problem: string): never => {
    throw new ModelFileError(file, problem, op);
  };
  const { header, payload } = readContainer(op, bytes, file);
  const meta = header.metadata.nablaCheckpoint;
  if (!isObj(meta)) return bad('not a training checkpoint (written by fit with the checkpoint option): it has no nablaCheckpoint metadata');
  if (meta.version !== VERSION) bad(`checkpoint version must be ${VERSION}, got ${JSON.stringify(meta.version)}`);
  const pos = meta.position as unknown as TrainingPosition;
  const optMeta = meta.optimizer;
  if (!isObj(pos) || !isObj(optMeta) || !isObj(optMeta.params) || !isObj(optMeta.config) || !Array.isArray(meta.epochs) || !Array.isArray(meta.callbacks)) {
    return bad('damaged: the checkpoint metadata lacks its position, optimizer, epochs or callbacks');
  }
  for (const k of ['epoch', 'batch', 'samples', 'batchSize', 'seen'] as const) {
    if (!Number.isSafeInteger(pos[k]) || pos[k] < 0) bad(`damaged: position.${k} must be a non-negative integer, got ${JSON.stringify(pos[k])}`);
  }
  const cfg = optMeta.config as { type?: unknown };
  const mine = optimizer.config();
  if (cfg.type !== mine.type) bad(`it was written with a ${String(cfg.type)} optimizer, this run uses ${mine.type}`);
  if (meta.callbacks.length !== callbacks.length) bad(`it holds the state of ${meta.callbacks.length} callbacks, this run has ${callbacks.length} (the schedule counts as one): give the same callbacks`);

  // the model's tensors, and the optimizer's slots by parameter
  const own = model.stateDict();
  const byName = new Map(header.tensors.map((e) => [e.name, e]));
  const missing = Object.keys(own).filter((k) => !byName.has(k));
  if (missing.length) bad(`it stores no value for the model's ${missing.map((k) => `'${k}'`).join(', ')}: it is a checkpoint of another model`);
  for (const [k, t] of Object.entries(own)) {
    const e = byName.get(k)!;
    if (e.shape.join() !== t.shape.join()) bad(`'${k}' has shape [${e.shape.join(',')}] in the checkpoint, the model's has [${t.shape.join(',')}]`);
  }
  const params = new Set(model.namedParameters().map(([n]) => n));
  for (const e of header.tensors) {
    if (e.name === STEP_LOSS || Object.hasOwn(own, e.name)) continue;
    if (!e.name.startsWith(OPT)) bad(`it holds '${e.name}', which the model (${(model as { typeName?: string }).typeName ?? 'model'}) does not have`);
  }
  const slotMeta = optMeta.params;
  for (const [name, s] of Object.entries(slotMeta)) {
    if (!params.has(name)) bad(`it holds optimizer state for '${name}', which is not a parameter of the model`);
    const n = isObj(s) ? s.slots : undefined;
    if (!Number.isSafeInteger(n) || (n as number) < 0 || !isObj(s) || !Number.isSafeInteger(s.step)) bad(`damaged: optimizer state of '${name}'`);
    for (let i = 0; i < (n as number); i++) if (!byName.has(`${OPT}${name}/${i}`)) bad(`damaged: optimizer slot ${i} of '${name}' is missing`);
  }
  const lossEntry = byName.get(STEP_LOSS);
  if (!lossEntry || lossEntry.dtype !== 'float64' || lossEntry.shape.length !== 1) return bad('damaged: the step losses are missing');

  // read everything, then change the model and optimizer
  const made: Tensor[] = [];
  try {
    const sd: Record<string, Tensor> = {};
    for (const k of Object.keys(own)) made.push((sd[k] = tensorFrom(byName.get(k)!, payload)));
    const state: OptimizerState = { iterations: Number(optMeta.iterations), params: {} };
    for (const [name, s] of Object.entries(slotMeta) as [string, { step: number; slots: number }][]) {
      const list: Tensor[] = [];
      for (let i = 0; i < s.slots; i++) {
        const t = tensorFrom(byName.get(`${OPT}${name}/${i}`)!, payload);
        made.push(t);
        list.push(t);
      }
      state.params[name] = { step: s.step, slots: list };
    }
    const lossBytes = payload.slice(lossEntry.offset, lossEntry.offset + lossEntry.byteLength);
    const stepLoss = Array.from(new Float64Array(lossBytes.buffer, 0, lossEntry.shape[0]));
    model.loadStateDict(sd);
    optimizer.loadStateDict(model.namedParameters(), state);
    optimizer.lr = Number(optMeta.lr);
    callbacks.forEach((c, i) => {
      const s = (meta.callbacks as JsonValue[])[i] ?? null;
      if (s !== null && isStateful(c)) c.loadStateDict(s);
    });
    globalRandom.setState(pos.global);
    return {
      position: pos,
      epochs: (meta.epochs as { [k: string]: JsonValue }[]).map(fromJson),
      stepLoss,
      checkpoints: (meta.checkpoints ?? []) as unknown as History['checkpoints'],
      callbacks: meta.callbacks as (JsonValue | null)[],
    };
  } finally {
    dispose(made);
  }
}
