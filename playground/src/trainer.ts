/**
 * Training state of one run: data as tensors, the network, the optimizer, the batch order,
 * the epoch counter and the history of losses and per-layer gradient norms.
 *
 * Everything is seeded from the state's seed, and an epoch is always the same sequence of
 * mini-batches, so a run repeats exactly however the page splits it into animation frames.
 */
import * as nb from 'nabla';
import { featureMatrix } from './features.js';
import { makeData, type Points, type Split } from './datasets.js';
import { activateLayer, Network, type Layer, type Tensor } from './model.js';
import { makeOptimizer, makeSchedule, type Optimizer } from './optimizers.js';
import type { State } from './state.js';

export interface History {
  /** Loss on the training points after each epoch; index 0 is before training. */
  train: number[];
  test: number[];
  /** gradNorms[l][e]: ‖∂L/∂bˡ‖ (the layer's ‖δˡ‖ summed over the batch), averaged over epoch e's batches. */
  gradNorms: number[][];
}

export interface NeuronReport {
  layer: number;
  unit: number;
  /** The point the per-point values are for. */
  point: [number, number];
  z: number;
  a: number;
  /** δ = ∂L/∂z for that point (its own loss). */
  delta: number;
  /** BP1 (output layer) or BP2 (hidden layer) evaluated by hand from the next layer's δ, to compare with δ. */
  deltaByHand: number;
  equation: 'BP1' | 'BP2';
  /** ∂L/∂b over the training set (BP3: the mean of δ). */
  gradBias: number;
  /** ∂L/∂w for each incoming weight over the training set (BP4: mean of δ·aˡ⁻¹); for maxout, of the winning pieces. */
  gradWeights: number[];
  weights: number[];
  bias: number;
}

function toTensor(p: Points, features: State['features']): { x: Tensor; y: Tensor } {
  const f = featureMatrix(p.xy, features);
  const x = nb.fromArray(f, [p.count, features.length]);
  const y = nb.fromArray(p.labels.slice(), [p.count]);
  return { x: nb.keep(x), y: nb.keep(y) };
}

export class Trainer {
  readonly data: Split;
  readonly net: Network;
  readonly history: History;
  epoch = 0;
  private readonly train: { x: Tensor; y: Tensor };
  private readonly test: { x: Tensor; y: Tensor };
  private optimizer: Optimizer;
  private schedule: nb.optim.LRSchedule;
  private readonly rng: nb.Random;
  private order: Int32Array;
  private cursor = 0;
  private normSums: number[];
  private normCount = 0;

  /**
   * A run on a backend that reads synchronously (wasm, cpu); `Trainer.create` also serves the
   * ones that read only asynchronously (webgpu).
   */
  constructor(readonly state: State, data?: Split, asyncReads = false) {
    this.data = data ?? makeData(state);
    this.train = toTensor(this.data.train, state.features);
    this.test = toTensor(this.data.test, state.features);
    nb.seed(state.seed);
    this.net = Network.fromState(state, state.features.length);
    this.optimizer = makeOptimizer(state.optimizer, state.learningRate);
    this.schedule = makeSchedule(state.schedule, state.learningRate);
    this.schedule.apply(this.optimizer, 0);
    this.rng = new nb.Random((state.seed ^ 0x9e3779b9) >>> 0);
    this.order = this.rng.permutation(this.data.train.count);
    this.normSums = this.net.layers.map(() => 0);
    const [train, test] = asyncReads ? [NaN, NaN] : this.losses();
    this.history = { train: [train], test: [test], gradNorms: this.net.layers.map(() => []) };
  }

  /**
   * A run whose reads are asynchronous, for backends that read only so (webgpu): train with
   * trainBatchAsync, read with lossesAsync, evaluateAsync and snapshotAsync.
   */
  static async create(state: State, data?: Split): Promise<Trainer> {
    const t = new Trainer(state, data, true);
    const [train, test] = await t.lossesAsync();
    t.history.train[0] = train;
    t.history.test[0] = test;
    return t;
  }

  /** The one live change that keeps the network: the (initial) learning rate. */
  setLearningRate(learningRate: number): void {
    this.state.learningRate = learningRate;
    this.schedule = makeSchedule(this.state.schedule, learningRate);
    this.schedule.apply(this.optimizer, this.epoch);
  }

  /** The learning rate the next step uses (after the schedule). */
  get currentLearningRate(): number {
    return this.optimizer.lr;
  }

  get batchesPerEpoch(): number {
    return Math.ceil(this.data.train.count / this.batchSize);
  }

  private get batchSize(): number {
    return Math.max(1, Math.min(this.state.batchSize, this.data.train.count));
  }

  /** One mini-batch step. Returns true when it completed an epoch (losses are then recorded). */
  trainBatch(): boolean {
    const n = this.data.train.count;
    if (n === 0) return false;
    const from = this.cursor;
    const to = Math.min(n, from + this.batchSize);
    const params = this.step(from, to);
    this.addNorms(this.net.layers.map((layer) => layer.b.grad?.dataSync()));
    for (const p of params) p.zeroGrad();
    this.cursor = to;
    if (this.cursor < n) return false;
    this.endEpoch();
    return true;
  }

  /** trainBatch on a backend that reads asynchronously. */
  async trainBatchAsync(): Promise<boolean> {
    const n = this.data.train.count;
    if (n === 0) return false;
    const from = this.cursor;
    const to = Math.min(n, from + this.batchSize);
    const params = this.step(from, to);
    this.addNorms(await Promise.all(this.net.layers.map((layer) => layer.b.grad?.data())));
    for (const p of params) p.zeroGrad();
    this.cursor = to;
    if (this.cursor < n) return false;
    this.nextEpoch();
    this.recordEpoch(await this.lossesAsync());
    return true;
  }

  /** One optimizer step on the training points order[from, to); the gradients stay for the norms. */
  private step(from: number, to: number): Tensor[] {
    const idx = nb.fromArray(this.order.slice(from, to), [to - from]);
    const params = this.net.params();
    nb.tidy(() => {
      const x = nb.gather(this.train.x, idx, 0);
      const y = nb.gather(this.train.y, idx, 0);
      const { as } = this.net.forward(x);
      let loss = this.net.loss(as[as.length - 1]!, y);
      const pen = this.net.penalty();
      if (pen) loss = loss.add(pen);
      loss.backward();
      this.optimizer.step(params);
    });
    idx.dispose();
    return params;
  }

  /** Adds each layer's ‖∂L/∂b‖ (its bias gradient's values, when it has one) to the epoch's sums. */
  private addNorms(grads: readonly (ArrayLike<number | bigint> | undefined)[]): void {
    grads.forEach((v, l) => {
      if (!v) return;
      let s = 0;
      for (let i = 0; i < v.length; i++) s += Number(v[i]) ** 2;
      this.normSums[l]! += Math.sqrt(s);
    });
    this.normCount++;
  }

  /** Trains the rest of the current epoch. */
  trainEpoch(): void {
    while (!this.trainBatch()) {
      if (this.data.train.count === 0) return;
    }
  }

  private endEpoch(): void {
    this.nextEpoch();
    this.recordEpoch(this.losses());
  }

  private nextEpoch(): void {
    this.epoch++;
    this.cursor = 0;
    this.order = this.rng.permutation(this.data.train.count);
    this.schedule.apply(this.optimizer, this.epoch);
  }

  private recordEpoch([train, test]: [number, number]): void {
    this.history.train.push(train);
    this.history.test.push(test);
    this.net.layers.forEach((_, l) => {
      this.history.gradNorms[l]!.push(this.normCount ? this.normSums[l]! / this.normCount : 0);
      this.normSums[l] = 0;
    });
    this.normCount = 0;
  }

  /** [train loss, test loss]: the data loss without the penalty (NaN for an empty set). */
  losses(): [number, number] {
    return nb.tidy(() =>
      nb.noGrad(() => {
        const one = (d: { x: Tensor; y: Tensor }): number => {
          if (d.x.shape[0] === 0) return NaN;
          const { as } = this.net.forward(d.x);
          return this.net.loss(as[as.length - 1]!, d.y).item();
        };
        return [one(this.train), one(this.test)] as [number, number];
      }),
    );
  }

  /** losses() on a backend that reads asynchronously. */
  async lossesAsync(): Promise<[number, number]> {
    const ts = nb.tidy(() =>
      nb.noGrad(() =>
        [this.train, this.test].map((d) => {
          if (d.x.shape[0] === 0) return null;
          const { as } = this.net.forward(d.x);
          return nb.keep(this.net.loss(as[as.length - 1]!, d.y));
        }),
      ),
    );
    try {
      const v = await Promise.all(ts.map(async (t) => (t ? Number((await t.data())[0]) : NaN)));
      return [v[0]!, v[1]!];
    } finally {
      nb.dispose(ts.filter((t): t is Tensor => t !== null));
    }
  }

  /** evaluate() on a backend that reads asynchronously. */
  async evaluateAsync(xy: Float32Array): Promise<Float32Array[]> {
    const n = xy.length / 2;
    const f = featureMatrix(xy, this.state.features);
    const ts = nb.tidy(() =>
      nb.noGrad(() => {
        const x = nb.fromArray(f, [n, this.state.features.length]);
        const { as } = this.net.forward(x);
        return [...as.slice(0, -1), this.net.predict(as[as.length - 1]!)].map((t) => nb.keep(t));
      }),
    );
    try {
      return await Promise.all(ts.map(async (t) => Float32Array.from(await t.data() as Float32Array)));
    } finally {
      nb.dispose(ts);
    }
  }

  /** snapshot() on a backend that reads asynchronously. */
  async snapshotAsync(): Promise<{ W: Float32Array[]; b: Float32Array[] }> {
    const read = (ts: Tensor[]): Promise<Float32Array[]> => Promise.all(ts.map(async (t) => Float32Array.from(await t.data() as Float32Array)));
    return { W: await read(this.net.layers.map((l) => l.W)), b: await read(this.net.layers.map((l) => l.b)) };
  }

  /**
   * Runs the network over points (interleaved x₁, x₂). Returns, per layer, [n, units] row-major
   * activations (the last layer already turned into predictions: probabilities or values).
   */
  evaluate(xy: Float32Array): Float32Array[] {
    const n = xy.length / 2;
    const f = featureMatrix(xy, this.state.features);
    return nb.tidy(() =>
      nb.noGrad(() => {
        const x = nb.fromArray(f, [n, this.state.features.length]);
        const { as } = this.net.forward(x);
        const out = as.slice(0, -1).map((a) => a.dataSync() as Float32Array);
        out.push(this.net.predict(as[as.length - 1]!).dataSync() as Float32Array);
        return out.map((a) => a.slice());
      }),
    );
  }

  /** The network's current weights and biases as plain arrays: W[l] is [fanIn][units·pieces]. */
  snapshot(): { W: Float32Array[]; b: Float32Array[] } {
    return {
      W: this.net.layers.map((l) => (l.W.dataSync() as Float32Array).slice()),
      b: this.net.layers.map((l) => (l.b.dataSync() as Float32Array).slice()),
    };
  }

  /**
   * BP1–BP4 for one neuron: z, a and δ at one training point (its own loss), the BP1/BP2 value
   * of δ computed by hand, and ∂L/∂b, ∂L/∂w over the whole training set (data loss).
   */
  inspect(layer: number, unit: number, pointIndex: number): NeuronReport {
    const net = this.net;
    const L = net.layers.length;
    const lay = net.layers[layer]!;
    const n = this.data.train.count;
    const i = Math.max(0, Math.min(n - 1, pointIndex));
    return nb.tidy(() => {
      // Per-point values: forward the single point with probes, back-propagate its own loss.
      const x1 = nb.gather(this.train.x, nb.tensor([i], { dtype: 'int32' }), 0);
      const y1 = nb.gather(this.train.y, nb.tensor([i], { dtype: 'int32' }), 0);
      const probes = net.layers.map((l) => nb.zeros([1, l.units]).requireGrad());
      const one = net.forward(x1, probes);
      net.loss(one.as[L - 1]!, y1).backward();
      const z = one.zs[layer]!.dataSync()[unit] as number;
      const a = one.as[layer]!.dataSync()[unit] as number;
      const delta = probes[layer]!.grad!.dataSync()[unit] as number;
      // By hand: f′(z) by autodiff of the activation alone, then BP1 or BP2.
      const scratch: Tensor[] = [];
      let fprime = 1;
      if (lay.activation !== 'output') {
        const zProbe = nb.full([1, lay.units], z).requireGrad();
        activateLayer(lay, zProbe).sum().backward();
        scratch.push(zProbe);
        fprime = zProbe.grad!.dataSync()[unit] as number;
      }
      let deltaByHand: number;
      if (layer === L - 1) {
        // BP1: δᴸ = ∂L/∂aᴸ ⊙ f′(zᴸ); the output layer's a is its z (the loss takes the logits).
        const logits = one.as[L - 1]!.detach().requireGrad();
        net.loss(logits, y1).backward();
        scratch.push(logits);
        deltaByHand = (logits.grad!.dataSync()[unit] as number) * fprime;
      } else {
        // BP2: δˡ = (Wˡ⁺¹ δˡ⁺¹) ⊙ f′(zˡ); in the row convention Wˡ⁺¹ is [units, next units·pieces].
        const next = net.layers[layer + 1]!;
        const dNext = probes[layer + 1]!.grad!.dataSync();
        const Wn = next.W.dataSync();
        const win = winningPieces(next, one.as[layer]!);
        const cols = next.units * next.pieces;
        let s = 0;
        for (let k = 0; k < next.units; k++) s += (Wn[unit * cols + k * next.pieces + win[k]!] as number) * (dNext[k] as number);
        deltaByHand = s * fprime;
      }
      for (const t of [...probes, ...net.params(), ...scratch]) t.zeroGrad();
      // Training-set gradients (BP3, BP4), data loss only.
      const full = net.forward(this.train.x);
      net.loss(full.as[L - 1]!, this.train.y).backward();
      const cols = lay.units * lay.pieces;
      const gW = lay.W.grad!.dataSync();
      const gB = lay.b.grad!.dataSync();
      const Wv = lay.W.dataSync();
      const Bv = lay.b.dataSync();
      const fanIn = net.sizes[layer]!;
      const gradWeights: number[] = [];
      const weights: number[] = [];
      let gradBias = 0;
      let bias = 0;
      for (let p = 0; p < lay.pieces; p++) {
        const c = unit * lay.pieces + p;
        gradBias += gB[c] as number;
        bias += p === 0 ? (Bv[c] as number) : 0;
      }
      for (let j = 0; j < fanIn; j++) {
        let g = 0;
        for (let p = 0; p < lay.pieces; p++) g += gW[j * cols + unit * lay.pieces + p] as number;
        gradWeights.push(g);
        weights.push(Wv[j * cols + unit * lay.pieces] as number);
      }
      for (const p of net.params()) p.zeroGrad();
      const xy = this.data.train.xy;
      return {
        layer, unit, point: [xy[2 * i]!, xy[2 * i + 1]!], z, a, delta, deltaByHand,
        equation: layer === L - 1 ? 'BP1' : 'BP2', gradBias, gradWeights, weights, bias,
      } satisfies NeuronReport;
    });
  }

  dispose(): void {
    this.net.dispose();
    nb.dispose([this.train.x, this.train.y, this.test.x, this.test.y]);
    this.optimizer.reset();
  }
}

/** For a maxout layer fed by `prev` [1, fanIn]: the index of the winning piece of every unit. */
function winningPieces(layer: Layer, prev: Tensor): number[] {
  const z = prev.matmul(layer.W).add(layer.b).dataSync();
  const out: number[] = [];
  for (let k = 0; k < layer.units; k++) {
    let best = 0;
    for (let p = 1; p < layer.pieces; p++) if ((z[k * layer.pieces + p] as number) > (z[k * layer.pieces + best] as number)) best = p;
    out.push(best);
  }
  return out;
}
