/**
 * The playground page: controls ↔ state ↔ URL, and the pictures. Training runs in a dedicated
 * Web Worker (train-worker.ts): the page sends it the settings and commands, and draws the frames
 * it sends back (losses, activations over the grid, weights), so the page never waits for it.
 */
import { DOMAIN, generate, type Split } from './datasets.js';
import { FEATURE_INFO, gridPoints } from './features.js';
import { NetworkView } from './network-view.js';
import { CLASS_COLORS, css, drawAxes, drawChart, drawField, drawPoints, type Field } from './render.js';
import {
  ACTIVATIONS, BATCH_SIZES, CLASS_COUNTS, CLASSIFICATION_SETS, DATASETS, FEATURES, fromHash, INITS, isMultiClassCapable, LEARNING_RATES,
  MAX_LAYERS, MAX_NEURONS, normalize, OPTIMIZERS, PROBLEMS, REG_RATES, REGRESSION_SETS, REGULARIZATIONS, SCHEDULES, toHash,
  type DatasetName, type Feature, type State,
} from './state.js';
import type { NeuronReport } from './trainer.js';
import type { BackendChoice, BackendInfo, Frame, FromWorker, NetInfo, ToWorker } from './protocol.js';

/** Grid cells per side of the heat-maps. */
export const DENSITY = 50;

/** Distributive Omit (keeps each variant of a union). */
type Command = ToWorker extends infer M ? (M extends ToWorker ? Omit<M, 'seq'> : never) : never;

const LABELS: Record<string, string> = {
  circle: 'Circle', xor: 'Exclusive or', gauss: 'Gaussian clusters', spiral: 'Spiral', plane: 'Plane', gaussmix: 'Gaussian mixture',
  tanh: 'Tanh', sigmoid: 'Sigmoid', relu: 'ReLU', linear: 'Linear', ramp: 'Ramp', step: 'Unit step', sign: 'Sign', prelu: 'PReLU',
  elu: 'ELU', selu: 'SELU', swish: 'Swish', maxout: 'Maxout (2 pieces)',
  sgd: 'SGD', momentum: 'Momentum (0.9)', nesterov: 'Nesterov (0.9)', adagrad: 'Adagrad', rmsprop: 'RMSprop', adadelta: 'Adadelta', adam: 'Adam',
  xavier: 'Xavier 1/n_in', 'xavier-avg': 'Glorot 2/(n_in+n_out)', he: 'He 2/n_in', gaussian: 'N(0, 0.2²)',
  uniform: 'U(−0.5, 0.5)', constant: 'Constant 0.1',
  none: 'None', l1: 'L1', l2: 'L2', classification: 'Classification', regression: 'Regression',
};

const LAYER_COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f'];

function $<T extends HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`playground: missing element #${id}`);
  return el as T;
}

function fillSelect(sel: HTMLSelectElement, values: readonly (string | number)[], label: (v: string) => string = (v) => LABELS[v] ?? v): void {
  sel.replaceChildren(...values.map((v) => new Option(label(String(v)), String(v))));
}

function ensureOption(sel: HTMLSelectElement, value: string): void {
  if (![...sel.options].some((o) => o.value === value)) sel.add(new Option(value, value));
  sel.value = value;
}

function fmtNum(v: number, digits = 3): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e4)) return v.toExponential(digits - 1);
  return v.toFixed(digits);
}

export class App {
  state: State;
  playing = false;
  /** The backend the worker trains on (null until it said). */
  backend: BackendInfo | null = null;
  /** The last frame from the worker, its run's data and network shape. */
  private frameData: Frame | null = null;
  private data: Split | null = null;
  private net: NetInfo | null = null;
  private worker!: Worker;
  /** Commands sent to the worker (the frame's seq says how many it has handled). */
  private sent = 0;
  private predictId = 0;
  private predictAt: { id: number; where: string } | null = null;
  private readonly grid = gridPoints(DENSITY, -DOMAIN, DOMAIN);
  private readonly view: NetworkView;
  private selected: [number, number] | null = null;
  /** The neuron under the mouse, whose picture the output heat-map shows meanwhile. */
  private hovered: [number, number] | null = null;
  private point = 0;
  private dirty = true;
  private readonly tooltipEl: HTMLElement;
  /**
   * Timing of the last frame: mini-batches the worker trained for it (and in how many ms), and
   * the milliseconds the page spent drawing it; totalBatches counts every frame's batches.
   */
  readonly stats = { batches: 0, trainMs: 0, renderMs: 0, totalBatches: 0 };

  /** The backend to train on and, for wasm, the threads (0: one per core); startWorker() applies a change. */
  constructor(public options: { backend: BackendChoice; threads: number } = { backend: 'wasm', threads: 0 }) {
    this.state = fromHash(location.hash);
    this.tooltipEl = $('tooltip');
    this.view = new NetworkView($('network'), {
      toggleFeature: (f) => this.toggleFeature(f),
      selectNeuron: (l, u) => this.selectNeuron(l, u),
      addNeuron: (l) => this.changeNeurons(l, +1),
      removeNeuron: (l) => this.changeNeurons(l, -1),
      tooltip: (text, ev) => this.tooltip(text, ev),
      hoverNeuron: (n) => {
        this.hovered = n;
        this.dirty = true;
      },
    });
    this.setupControls();
    this.startWorker();
    window.addEventListener('hashchange', () => {
      if (location.hash.slice(1) === toHash(this.state)) return;
      this.state = fromHash(location.hash);
      this.syncControls();
      this.reset();
    });
    // Space runs and pauses (unless typing in a control).
    window.addEventListener('keydown', (ev) => {
      const target = ev.target as HTMLElement | null;
      if (ev.key !== ' ' || (target && /^(INPUT|SELECT|TEXTAREA|BUTTON)$/.test(target.tagName))) return;
      ev.preventDefault();
      this.setPlaying(!this.playing);
    });
    requestAnimationFrame(() => this.frame());
  }

  // ---- state ----------------------------------------------------------------------------

  /** Applies a change: the URL follows, and the run restarts (except for the learning rate and view options). */
  update(patch: Partial<State>): void {
    const before = this.state;
    this.state = normalize({ ...before, ...patch });
    history.replaceState(null, '', `#${toHash(this.state)}`);
    this.syncControls();
    const same = (a: State, b: State): boolean => toHash(a) === toHash(b);
    const viewOnly = same({ ...before, showTest: this.state.showTest, discretize: this.state.discretize }, this.state);
    const lrOnly = same({ ...before, learningRate: this.state.learningRate }, this.state);
    if (viewOnly) {
      this.dirty = true;
    } else if (lrOnly) {
      this.send({ type: 'learningRate', value: this.state.learningRate });
    } else {
      this.reset();
    }
  }

  // ---- the training worker ---------------------------------------------------------------

  /** Starts the training worker on the chosen backend (again, after a change of backend). */
  startWorker(): void {
    this.worker?.terminate();
    this.setPlaying(false, false);
    this.backend = null;
    this.sent = 0;
    this.showBackend();
    this.worker = new Worker(new URL('./train-worker.ts', import.meta.url), { type: 'module', name: 'nabla-playground-training' });
    this.worker.onmessage = (e: MessageEvent<FromWorker>) => this.onWorker(e.data);
    this.worker.onerror = (e) => console.error(`playground: the training worker failed: ${e.message}`);
    this.send({ type: 'init', backend: this.options.backend, threads: this.options.threads, grid: this.grid });
    this.reset();
  }

  private send(cmd: Command): void {
    const seq = cmd.type === 'ack' || cmd.type === 'predict' ? 0 : ++this.sent;
    this.worker.postMessage({ ...cmd, seq } as ToWorker);
    if (seq) document.body.dataset.worker = 'busy';
  }

  private onWorker(msg: FromWorker): void {
    switch (msg.type) {
      case 'backend':
        this.backend = { name: msg.name, threads: msg.threads, crossOriginIsolated: msg.crossOriginIsolated, note: msg.note, syncReads: msg.syncReads };
        this.showBackend();
        break;
      case 'frame':
        this.onFrame(msg);
        break;
      case 'prediction':
        if (this.predictAt?.id === msg.id && !this.tooltipEl.hidden) this.tooltipEl.textContent = this.describePrediction(this.predictAt.where, msg.out);
        break;
      case 'error':
        console.error(`playground: training failed: ${msg.message}`);
        this.setPlaying(false);
        break;
    }
  }

  private onFrame(f: Frame): void {
    if (f.report === undefined) f.report = this.frameData?.report ?? null;
    this.frameData = f;
    if (f.run) this.newRun(f.run.data, f.run.net);
    this.stats.batches = f.batches;
    this.stats.trainMs = f.trainMs;
    this.stats.totalBatches += f.batches;
    const t0 = performance.now();
    this.render();
    this.stats.renderMs = performance.now() - t0;
    this.dirty = false;
    this.send({ type: 'ack' });
    document.body.dataset.worker = f.seq === this.sent && !f.playing ? 'idle' : 'busy';
  }

  /** Shows the backend the worker trains on, its threads, and why fewer than asked for. */
  private showBackend(): void {
    const b = this.backend;
    $('backend').textContent = b ? b.name : '…';
    const threads = $('threads-used');
    threads.dataset.value = b ? String(b.threads) : '';
    threads.textContent = !b ? '' : b.name === 'wasm'
      ? `${b.threads} thread${b.threads === 1 ? '' : 's'}${b.threads > 1 ? ' (Web Workers sharing the memory)' : ''}`
      : '';
    const note = $('backend-note');
    note.textContent = b?.note ?? '';
    note.hidden = !b?.note;
  }

  /** A fresh network and optimizer from the state's seed (the same run again). */
  reset(): void {
    this.send({ type: 'reset', state: { ...this.state, features: [...this.state.features], hidden: [...this.state.hidden] } });
  }

  /** The first frame of a run: the network's picture and the legends. */
  private newRun(data: Split, net: NetInfo): void {
    this.data = data;
    this.net = net;
    this.point = Math.min(this.point, Math.max(0, data.train.count - 1));
    if (this.selected && (this.selected[0] >= net.units.length || this.selected[1] >= net.units[this.selected[0]]!)) {
      this.selected = null;
      this.send({ type: 'select', neuron: null, point: this.point });
    }
    this.view.build({
      features: this.state.features,
      units: net.units,
      pieces: net.pieces,
      activation: this.state.activation,
      outputKind: net.output === 'binary' ? 'sigmoid' : net.output,
    });
    this.view.select(this.selected);
    const fv = new Map<Feature, Float32Array>();
    for (const f of FEATURES) {
      const v = new Float32Array(DENSITY * DENSITY);
      for (let i = 0; i < v.length; i++) v[i] = FEATURE_INFO[f].fn(this.grid[2 * i]!, this.grid[2 * i + 1]!) / (f === 'x1sq' || f === 'x2sq' || f === 'x1x2' ? 18 : f.startsWith('sin') ? 1 : DOMAIN);
      fv.set(f, v);
    }
    this.view.drawFeatures(fv, DENSITY);
    $('layer-count').textContent = `${this.state.hidden.length} hidden layer${this.state.hidden.length === 1 ? '' : 's'}`;
    this.drawLegends();
    this.dirty = true;
  }

  // ---- controls -------------------------------------------------------------------------

  private setupControls(): void {
    fillSelect($('learningRate'), LEARNING_RATES);
    fillSelect($('optimizer'), OPTIMIZERS);
    const scheduleLabels: Record<string, string> = { constant: 'Constant', step: 'Step ×½ / 100 ep.', exp: 'Exp. e^(−0.01t)' };
    fillSelect($('schedule'), SCHEDULES, (v) => scheduleLabels[v] ?? v);
    fillSelect($('activation'), ACTIVATIONS);
    fillSelect($('init'), INITS);
    fillSelect($('regularization'), REGULARIZATIONS);
    fillSelect($('regRate'), REG_RATES);
    fillSelect($('problem'), PROBLEMS);
    fillSelect($('classes'), CLASS_COUNTS, (v) => (v === '2' ? '2 (sigmoid)' : `${v} (softmax)`));

    const onSelect = (id: string, apply: (v: string) => Partial<State>): void => {
      const sel = $<HTMLSelectElement>(id);
      sel.addEventListener('change', () => this.update(apply(sel.value)));
    };
    onSelect('learningRate', (v) => ({ learningRate: Number(v) }));
    onSelect('optimizer', (v) => ({ optimizer: v as State['optimizer'] }));
    onSelect('schedule', (v) => ({ schedule: v as State['schedule'] }));
    onSelect('activation', (v) => ({ activation: v as State['activation'] }));
    onSelect('init', (v) => ({ init: v as State['init'] }));
    onSelect('regularization', (v) => ({ regularization: v as State['regularization'] }));
    onSelect('regRate', (v) => ({ regRate: Number(v) }));
    onSelect('problem', (v) => ({ problem: v as State['problem'] }));
    onSelect('classes', (v) => ({ classes: Number(v) }));

    const onRange = (id: string, apply: (v: number) => Partial<State>): void => {
      const input = $<HTMLInputElement>(id);
      input.addEventListener('input', () => this.syncRangeLabels());
      input.addEventListener('change', () => this.update(apply(Number(input.value))));
    };
    onRange('trainRatio', (v) => ({ trainRatio: v }));
    onRange('noise', (v) => ({ noise: v }));
    onRange('batchSize', (v) => ({ batchSize: BATCH_SIZES[v] ?? 10 }));
    const seed = $<HTMLInputElement>('seed');
    seed.addEventListener('change', () => {
      const v = Math.floor(Number(seed.value));
      if (Number.isFinite(v) && v >= 0) this.update({ seed: v >>> 0 });
    });
    $('regenerate').addEventListener('click', () => this.update({ seed: (Math.random() * 2 ** 31) >>> 0 }));
    $<HTMLInputElement>('showTest').addEventListener('change', (e) => this.update({ showTest: (e.target as HTMLInputElement).checked }));
    $<HTMLInputElement>('discretize').addEventListener('change', (e) => this.update({ discretize: (e.target as HTMLInputElement).checked }));

    $('play').addEventListener('click', () => this.setPlaying(!this.playing));
    $('step').addEventListener('click', () => {
      this.setPlaying(false, false);
      this.send({ type: 'step' });
    });
    $('reset').addEventListener('click', () => {
      this.setPlaying(false);
      this.reset();
    });
    $('add-layer').addEventListener('click', () => {
      if (this.state.hidden.length < MAX_LAYERS) this.update({ hidden: [...this.state.hidden, this.state.hidden.at(-1) ?? 2] });
    });
    $('remove-layer').addEventListener('click', () => {
      if (this.state.hidden.length > 0) this.update({ hidden: this.state.hidden.slice(0, -1) });
    });

    // Data set thumbnails.
    const box = $('datasets');
    for (const name of DATASETS) {
      const b = document.createElement('button');
      b.id = `dataset-${name}`;
      b.dataset.dataset = name;
      b.title = LABELS[name] ?? name;
      const c = document.createElement('canvas');
      c.width = 96;
      c.height = 96;
      b.append(c);
      box.append(b);
      this.drawThumbnail(c, name);
      b.addEventListener('click', () => this.update({ dataset: name }));
    }

    const heat = $<HTMLCanvasElement>('heatmap');
    heat.addEventListener('click', (ev) => this.pickPoint(ev, heat));
    heat.addEventListener('mousemove', (ev) => this.tooltip(this.describePoint(ev, heat), ev));
    heat.addEventListener('mouseleave', () => this.tooltip(null));
    this.syncControls();
  }

  private drawThumbnail(c: HTMLCanvasElement, name: DatasetName): void {
    const d = generate(name, 200, 0, 1, 2);
    const ctx = c.getContext('2d')!;
    ctx.fillStyle = '#f3f3f3';
    ctx.fillRect(0, 0, c.width, c.height);
    const labels = d.task === 'classification' ? Float32Array.from(d.labels) : d.targets;
    drawPoints(c, { xy: d.points, labels, count: d.n }, DOMAIN, { classes: d.task === 'classification' ? 2 : 0 });
  }

  /** Puts the state into the controls. */
  private syncControls(): void {
    const s = this.state;
    ensureOption($('learningRate'), String(s.learningRate));
    $<HTMLSelectElement>('optimizer').value = s.optimizer;
    $<HTMLSelectElement>('schedule').value = s.schedule;
    $<HTMLSelectElement>('activation').value = s.activation;
    $<HTMLSelectElement>('init').value = s.init;
    $<HTMLSelectElement>('regularization').value = s.regularization;
    ensureOption($('regRate'), String(s.regRate));
    $<HTMLSelectElement>('problem').value = s.problem;
    $<HTMLSelectElement>('classes').value = String(s.classes);
    $('classes-row').hidden = s.problem !== 'classification' || !isMultiClassCapable(s.dataset);
    $<HTMLInputElement>('trainRatio').value = String(s.trainRatio);
    $<HTMLInputElement>('noise').value = String(s.noise);
    let bi = BATCH_SIZES.findIndex((b) => b >= s.batchSize);
    if (bi < 0) bi = BATCH_SIZES.length - 1;
    $<HTMLInputElement>('batchSize').value = String(bi);
    $<HTMLInputElement>('seed').value = String(s.seed);
    $<HTMLInputElement>('showTest').checked = s.showTest;
    $<HTMLInputElement>('discretize').checked = s.discretize;
    const sets = s.problem === 'regression' ? REGRESSION_SETS : CLASSIFICATION_SETS;
    for (const name of DATASETS) {
      const b = $(`dataset-${name}`);
      b.hidden = !sets.includes(name);
      b.classList.toggle('selected', name === s.dataset);
    }
    this.syncRangeLabels();
  }

  private syncRangeLabels(): void {
    $('trainRatio-out').textContent = $<HTMLInputElement>('trainRatio').value;
    $('noise-out').textContent = $<HTMLInputElement>('noise').value;
    const bi = Number($<HTMLInputElement>('batchSize').value);
    $('batchSize-out').textContent = String(this.state.batchSize === BATCH_SIZES[bi] ? this.state.batchSize : BATCH_SIZES[bi]);
  }

  private toggleFeature(f: Feature): void {
    const on = this.state.features.includes(f);
    if (on && this.state.features.length === 1) return;
    this.update({ features: on ? this.state.features.filter((x) => x !== f) : [...this.state.features, f] });
  }

  private changeNeurons(layer: number, delta: number): void {
    const hidden = [...this.state.hidden];
    const n = (hidden[layer] ?? 1) + delta;
    if (n < 1 || n > MAX_NEURONS) return;
    hidden[layer] = n;
    this.update({ hidden });
  }

  setPlaying(on: boolean, tell = true): void {
    this.playing = on;
    if (tell) this.send({ type: 'play', on });
    const b = $('play');
    b.setAttribute('aria-pressed', String(on));
    b.textContent = on ? '❚❚' : '▶';
  }

  private selectNeuron(layer: number, unit: number): void {
    this.selected = this.selected && this.selected[0] === layer && this.selected[1] === unit ? null : [layer, unit];
    this.view.select(this.selected);
    this.send({ type: 'select', neuron: this.selected, point: this.point });
  }

  /** The input-plane point under the mouse on a heat-map canvas. */
  private planePoint(ev: MouseEvent, canvas: HTMLCanvasElement): [number, number] {
    const r = canvas.getBoundingClientRect();
    return [((ev.clientX - r.left) / r.width) * 2 * DOMAIN - DOMAIN, DOMAIN - ((ev.clientY - r.top) / r.height) * 2 * DOMAIN];
  }

  /** The point under the mouse for the tooltip; the worker is asked for the network's prediction there. */
  private describePoint(ev: MouseEvent, canvas: HTMLCanvasElement): string {
    const [x, y] = this.planePoint(ev, canvas);
    const where = `(x₁, x₂) = (${x.toFixed(2)}, ${y.toFixed(2)})`;
    this.predictAt = { id: ++this.predictId, where };
    this.send({ type: 'predict', id: this.predictId, xy: [x, y] });
    return `${where}: …`;
  }

  private describePrediction(where: string, out: number[]): string {
    const kind = this.net?.output;
    if (kind === 'linear') return `${where}: output ${fmtNum(out[0]!, 3)}`;
    if (kind === 'binary') return `${where}: P(class 1) = ${out[0]!.toFixed(3)}`;
    return `${where}: ${[...out].map((p, k) => `P(${k}) = ${p.toFixed(2)}`).join(', ')}`;
  }

  private pickPoint(ev: MouseEvent, canvas: HTMLCanvasElement): void {
    const [x, y] = this.planePoint(ev, canvas);
    if (!this.data) return;
    const tr = this.data.train;
    let best = 0;
    let bestD = Infinity;
    for (let i = 0; i < tr.count; i++) {
      const d = (tr.xy[2 * i]! - x) ** 2 + (tr.xy[2 * i + 1]! - y) ** 2;
      if (d < bestD) {
        bestD = d;
        best = i;
      }
    }
    this.point = best;
    if (this.selected) this.send({ type: 'select', neuron: this.selected, point: this.point });
    this.dirty = true;
  }

  private tooltip(text: string | null, ev?: MouseEvent): void {
    const t = this.tooltipEl;
    if (!text || !ev) {
      t.hidden = true;
      return;
    }
    t.hidden = false;
    t.textContent = text;
    t.style.left = `${ev.clientX + 12}px`;
    t.style.top = `${ev.clientY + 12}px`;
  }

  // ---- drawing --------------------------------------------------------------------------

  /** Redraws between the worker's frames when only the view changed (hover, view options). */
  private frame(): void {
    if (this.dirty && this.frameData) {
      this.dirty = false;
      this.render();
    }
    requestAnimationFrame(() => this.frame());
  }

  /** Redraws everything from the worker's last frame. */
  render(): void {
    const f = this.frameData;
    const net = this.net;
    const data = this.data;
    if (!f || !net || !data) return;
    const s = this.state;
    const layers = f.layers;
    const out = layers[layers.length - 1]!;
    const k = net.sizes.at(-1)!;
    let field: Field = net.output === 'softmax'
      ? { kind: 'classes', probs: out, classes: k, discretize: s.discretize }
      : { kind: 'values', values: net.output === 'binary' ? out.map((p) => 2 * p - 1) : out, discretize: s.discretize };
    const hv = this.hovered;
    if (hv && hv[0] < layers.length && hv[1] < net.units[hv[0]]!) {
      const [l, u] = hv;
      const units = net.units[l]!;
      const isOut = l === layers.length - 1;
      const values = new Float32Array(DENSITY * DENSITY);
      for (let i = 0; i < values.length; i++) {
        const v = layers[l]![i * units + u]!;
        values[i] = isOut && net.output !== 'linear' ? 2 * v - 1 : v;
      }
      field = { kind: 'values', values, discretize: s.discretize };
    }
    const heat = $<HTMLCanvasElement>('heatmap');
    drawField(heat, field, DENSITY, 0.25);
    const classes = data.classes;
    drawPoints(heat, data.train, DOMAIN, { classes, highlight: this.selected ? this.point : undefined });
    if (s.showTest) drawPoints(heat, data.test, DOMAIN, { classes, test: true });
    drawAxes(heat, DOMAIN);

    const outputMap = net.output === 'linear' ? (v: number): number => v : (p: number): number => 2 * p - 1;
    this.view.drawNeurons(layers, DENSITY, outputMap);
    this.view.drawWeights(f.W, f.b);

    const h = f.history;
    const epochEl = $('epoch');
    epochEl.textContent = f.epoch.toLocaleString('en-US', { minimumIntegerDigits: 6 });
    epochEl.dataset.value = String(f.epoch);
    $('lr-now').textContent = `η = ${fmtNum(f.learningRate, 4)}`;
    const lt = h.test.at(-1)!;
    const ll = h.train.at(-1)!;
    const testEl = $('loss-test');
    testEl.textContent = fmtNum(lt);
    testEl.dataset.value = String(lt);
    const trainEl = $('loss-train');
    trainEl.textContent = fmtNum(ll);
    trainEl.dataset.value = String(ll);
    drawChart($('loss-chart'), [
      { values: h.train, color: '#333', label: 'training' },
      { values: h.test, color: '#aaa', label: 'test' },
    ], { legend: true, epochs: f.epoch });
    const gradChart = $<HTMLCanvasElement>('grad-chart');
    gradChart.dataset.last = JSON.stringify(h.gradNorms.map((v) => v.at(-1) ?? null));
    drawChart(gradChart, h.gradNorms.map((v, l) => ({ values: v, color: LAYER_COLORS[l % LAYER_COLORS.length]!, label: `layer ${l + 1}` })), { log: true, epochs: f.epoch });

    if (this.selected && f.report && f.report.layer === this.selected[0] && f.report.unit === this.selected[1]) {
      this.renderInspector(f.report);
    } else if (this.selected && this.backend && !this.backend.syncReads) {
      $('inspector').innerHTML = `<p class="hint">The neuron inspector needs the wasm or cpu backend (${this.backend.name} reads values only asynchronously).</p>`;
    } else if (!this.selected) {
      $('inspector').innerHTML = '<p class="hint">Click a neuron in the network.</p>';
    }
  }

  private drawLegends(): void {
    const net = this.net;
    const data = this.data;
    if (!net || !data) return;
    const legend = $('legend');
    if (net.output === 'linear') legend.innerHTML = `<span><i style="background:${css(CLASS_COLORS[0]!)}"></i>−1</span><span><i style="background:${css(CLASS_COLORS[1]!)}"></i>+1</span>`;
    else legend.innerHTML = Array.from({ length: data.classes }, (_, c) => `<span><i style="background:${css(CLASS_COLORS[c]!)}"></i>class ${c}</span>`).join('');
    const L = net.units.length;
    $('grad-legend').innerHTML = net.units
      .map((_, l) => `<span><i style="background:${LAYER_COLORS[l % LAYER_COLORS.length]}"></i>${l === L - 1 ? 'output' : `hidden ${l + 1}`}</span>`)
      .join('');
  }

  private renderInspector(r: NeuronReport): void {
    const net = this.net!;
    const data = this.data!;
    const L = net.units.length;
    const isOut = r.layer === L - 1;
    const l = r.layer + 1;
    const fromNames = r.layer === 0 ? this.state.features.map((f) => FEATURE_INFO[f].label) : Array.from({ length: r.gradWeights.length }, (_, j) => `a${sup(r.layer)}${sub(j + 1)}`);
    const actName = isOut ? (net.output === 'binary' ? 'logit (σ in the loss)' : net.output === 'softmax' ? 'logit (softmax in the loss)' : 'linear') : (LABELS[this.state.activation] ?? this.state.activation);
    const label = data.train.labels[Math.min(this.point, data.train.count - 1)]!;
    const rows = [
      ['neuron', `${isOut ? 'output' : `hidden layer ${l}`}, unit ${r.unit + 1} — ${actName}`],
      ['point', `#${this.point} (x₁, x₂) = (${r.point[0].toFixed(2)}, ${r.point[1].toFixed(2)}), ${data.classes ? `class ${label}` : `target ${fmtNum(label, 2)}`} — click the output to choose another`],
      [`z${sup(l)} = a${sup(l - 1)}·w + b`, fmtNum(r.z, 4)],
      [`a${sup(l)} = f(z${sup(l)})`, fmtNum(r.a, 4)],
      [`δ${sup(l)} = ∂L/∂z${sup(l)} (autodiff)`, fmtNum(r.delta, 5)],
      [isOut ? `BP1: δᴸ = ∇ₐL ⊙ f′(zᴸ)` : `BP2: δˡ = (Wˡ⁺¹δˡ⁺¹) ⊙ f′(zˡ)`, `${fmtNum(r.deltaByHand, 5)} (by hand)`],
      [`BP3: ∂L/∂b = mean δ (training set)`, fmtNum(r.gradBias, 5)],
    ];
    const wRows = r.gradWeights.map((g, j) => `<tr><td>${fromNames[j]}</td><td>${fmtNum(r.weights[j]!, 4)}</td><td>${fmtNum(g, 5)}</td></tr>`).join('');
    $('inspector').innerHTML = `<table id="inspector-values">${rows.map(([k, v]) => `<tr><th class="eq">${k}</th><td>${v}</td></tr>`).join('')}</table>
      <p class="hint">BP4: ∂L/∂w = mean over the training set of δ·aˡ⁻¹ (data loss, without the penalty)</p>
      <table id="inspector-weights"><tr><th>from</th><th>w</th><th>∂L/∂w</th></tr>${wRows}</table>`;
  }
}

const SUP = '⁰¹²³⁴⁵⁶⁷⁸⁹';
const SUB = '₀₁₂₃₄₅₆₇₈₉';
function sup(n: number): string {
  return String(n).split('').map((d) => SUP[Number(d)]).join('');
}
function sub(n: number): string {
  return String(n).split('').map((d) => SUB[Number(d)]).join('');
}
