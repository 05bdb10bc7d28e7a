/**
 * The network diagram: feature nodes, one column of neurons per layer, each with a small
 * heat-map of what it computes over the input plane, and links drawn by weight sign and size.
 */
import { FEATURE_INFO } from './features.js';
import { drawField } from './render.js';
import { FEATURES, type Feature } from './state.js';

const NODE = 36;
const ROW = 50;
const SVG_NS = 'http://www.w3.org/2000/svg';

export interface NetworkViewHandlers {
  toggleFeature(f: Feature): void;
  selectNeuron(layer: number, unit: number): void;
  addNeuron(layer: number): void;
  removeNeuron(layer: number): void;
  /** The mouse entered (or, with null, left) a neuron: the output heat-map shows that neuron meanwhile. */
  hoverNeuron(neuron: [number, number] | null): void;
  /** Shows a tooltip at the mouse (null hides it). */
  tooltip(text: string | null, ev?: MouseEvent): void;
}

export interface Architecture {
  /** The chosen input features, in canonical order. */
  features: Feature[];
  /** Units per layer after the input: hidden layers, then the output layer. */
  units: number[];
  pieces: number[];
  activation: string;
  /** The output layer's label ('sigmoid', 'softmax', 'linear'). */
  outputKind: string;
}

interface NodeEl {
  el: HTMLDivElement;
  canvas: HTMLCanvasElement;
}

export class NetworkView {
  private featureNodes = new Map<Feature, NodeEl>();
  /** nodes[l][u] for the layers after the input. */
  private nodes: NodeEl[][] = [];
  /** links[l][j][u]: from node j of layer l−1 (feature j for l = 0) to unit u of layer l. */
  private links: { line: SVGPathElement; hit: SVGPathElement }[][][] = [];
  private arch: Architecture | null = null;
  private selected: [number, number] | null = null;

  constructor(private readonly root: HTMLElement, private readonly h: NetworkViewHandlers) {}

  /** Rebuilds the diagram for a new architecture. */
  build(arch: Architecture): void {
    this.arch = arch;
    this.root.replaceChildren();
    this.featureNodes.clear();
    this.nodes = [];
    this.links = [];
    const cols = arch.units.length + 1;
    const width = Math.max(420, this.root.clientWidth || 520);
    const x0 = 70;
    const colX = (c: number): number => x0 + ((width - x0 - NODE - 10) * c) / (cols - 1);
    const top = 34;
    const height = top + Math.max(FEATURES.length, ...arch.units) * ROW + 10;
    this.root.style.height = `${height}px`;

    const svg = document.createElementNS(SVG_NS, 'svg');
    svg.setAttribute('width', String(width));
    svg.setAttribute('height', String(height));
    this.root.append(svg);

    const centre = new Map<string, [number, number]>();
    // Input features: all of them listed, the chosen ones switched on.
    const title = (c: number, text: string): void => {
      const t = document.createElement('div');
      t.className = 'layer-title';
      t.style.left = `${colX(c) + NODE / 2 - 40}px`;
      t.style.top = '0px';
      t.textContent = text;
      this.root.append(t);
    };
    title(0, 'Features');
    FEATURES.forEach((f, i) => {
      const node = this.makeNode(colX(0), top + i * ROW, `feature-${f}`);
      node.el.classList.toggle('off', !arch.features.includes(f));
      const name = document.createElement('span');
      name.className = 'name';
      name.textContent = FEATURE_INFO[f].label;
      node.el.append(name);
      node.el.title = `${FEATURE_INFO[f].label}: click to switch ${arch.features.includes(f) ? 'off' : 'on'}`;
      node.el.addEventListener('click', () => this.h.toggleFeature(f));
      this.featureNodes.set(f, node);
      centre.set(`in-${f}`, [colX(0) + NODE / 2, top + i * ROW + NODE / 2]);
    });

    arch.units.forEach((units, l) => {
      const c = l + 1;
      const isOut = l === arch.units.length - 1;
      const colTop = top + ((Math.max(FEATURES.length, ...arch.units) - units) * ROW) / 2;
      title(c, isOut ? `Output (${arch.outputKind})` : `${units} neuron${units > 1 ? 's' : ''}`);
      if (!isOut) {
        const ctl = document.createElement('div');
        ctl.className = 'layer-ctl';
        ctl.style.left = `${colX(c) + NODE / 2 - 24}px`;
        ctl.style.top = '14px';
        const plus = document.createElement('button');
        plus.textContent = '+';
        plus.id = `add-neuron-${l}`;
        plus.title = 'Add a neuron';
        plus.addEventListener('click', () => this.h.addNeuron(l));
        const minus = document.createElement('button');
        minus.textContent = '−';
        minus.id = `remove-neuron-${l}`;
        minus.title = 'Remove a neuron';
        minus.addEventListener('click', () => this.h.removeNeuron(l));
        ctl.append(plus, minus);
        this.root.append(ctl);
      }
      const col: NodeEl[] = [];
      for (let u = 0; u < units; u++) {
        const y = colTop + u * ROW + 10;
        const node = this.makeNode(colX(c), y, `neuron-${l}-${u}`);
        node.el.dataset.layer = String(l);
        node.el.dataset.unit = String(u);
        node.el.addEventListener('click', () => this.h.selectNeuron(l, u));
        node.el.addEventListener('mousemove', (ev) => this.h.tooltip(node.el.dataset.tip ?? null, ev));
        node.el.addEventListener('mouseenter', () => this.h.hoverNeuron([l, u]));
        node.el.addEventListener('mouseleave', () => {
          this.h.tooltip(null);
          this.h.hoverNeuron(null);
        });
        col.push(node);
        centre.set(`${l}-${u}`, [colX(c) + NODE / 2, y + NODE / 2]);
      }
      this.nodes.push(col);
    });

    // Links.
    arch.units.forEach((units, l) => {
      const from = l === 0 ? arch.features.map((f) => `in-${f}`) : Array.from({ length: arch.units[l - 1]! }, (_, j) => `${l - 1}-${j}`);
      const layerLinks: { line: SVGPathElement; hit: SVGPathElement }[][] = [];
      from.forEach((key, j) => {
        const row: { line: SVGPathElement; hit: SVGPathElement }[] = [];
        const [ax, ay] = centre.get(key)!;
        for (let u = 0; u < units; u++) {
          const [bx, by] = centre.get(`${l}-${u}`)!;
          const sx = ax + NODE / 2 + 1;
          const ex = bx - NODE / 2 - 1;
          const mx = (sx + ex) / 2;
          const d = `M${sx},${ay} C${mx},${ay} ${mx},${by} ${ex},${by}`;
          const line = document.createElementNS(SVG_NS, 'path');
          line.setAttribute('d', d);
          line.setAttribute('class', 'link');
          line.id = `link-${l}-${j}-${u}`;
          const hit = document.createElementNS(SVG_NS, 'path');
          hit.setAttribute('d', d);
          hit.setAttribute('class', 'hit');
          hit.addEventListener('mousemove', (ev) => this.h.tooltip(line.dataset.tip ?? null, ev));
          hit.addEventListener('mouseleave', () => this.h.tooltip(null));
          svg.append(line, hit);
          row.push({ line, hit });
        }
        layerLinks.push(row);
      });
      this.links.push(layerLinks);
    });
    this.select(this.selected);
  }

  private makeNode(x: number, y: number, id: string): NodeEl {
    const el = document.createElement('div');
    el.className = 'node';
    el.id = id;
    el.style.left = `${x}px`;
    el.style.top = `${y}px`;
    const canvas = document.createElement('canvas');
    canvas.width = NODE;
    canvas.height = NODE;
    el.append(canvas);
    this.root.append(el);
    return { el, canvas };
  }

  /** Paints each feature's picture (it does not change while training). */
  drawFeatures(values: Map<Feature, Float32Array>, density: number): void {
    for (const [f, v] of values) {
      const node = this.featureNodes.get(f);
      if (node) drawField(node.canvas, { kind: 'values', values: v, discretize: false }, density);
    }
  }

  /**
   * Paints every neuron's picture: `perLayer[l]` is [density², units] row-major (the network
   * evaluated on the grid); output values are mapped to [−1, 1] by `outputMap`.
   */
  drawNeurons(perLayer: readonly Float32Array[], density: number, outputMap: (v: number) => number): void {
    const n = density * density;
    const col = new Float32Array(n);
    perLayer.forEach((vals, l) => {
      const units = this.nodes[l]?.length ?? 0;
      const isOut = l === perLayer.length - 1;
      for (let u = 0; u < units; u++) {
        for (let i = 0; i < n; i++) col[i] = isOut ? outputMap(vals[i * units + u]!) : vals[i * units + u]!;
        drawField(this.nodes[l]![u]!.canvas, { kind: 'values', values: col }, density);
      }
    });
  }

  /** Sets link widths and colours from the weights (W[l] row-major [fanIn, units·pieces]) and the node tooltips. */
  drawWeights(W: readonly Float32Array[], b: readonly Float32Array[]): void {
    const arch = this.arch;
    if (!arch) return;
    this.links.forEach((layerLinks, l) => {
      const units = arch.units[l]!;
      const pieces = arch.pieces[l]!;
      const cols = units * pieces;
      layerLinks.forEach((row, j) => {
        row.forEach(({ line }, u) => {
          const ws: number[] = [];
          for (let p = 0; p < pieces; p++) ws.push(W[l]![j * cols + u * pieces + p]!);
          // For maxout the strongest piece sets the look; the tooltip lists all pieces.
          const w = ws.reduce((a, c) => (Math.abs(c) > Math.abs(a) ? c : a), 0);
          line.setAttribute('stroke', w >= 0 ? '#0877bd' : '#f59322');
          line.setAttribute('stroke-width', String(Math.min(8, 0.4 + 3 * Math.abs(w))));
          line.setAttribute('stroke-opacity', String(Math.min(1, 0.35 + Math.abs(w))));
          line.dataset.w = String(w);
          line.dataset.tip = pieces > 1 ? `weights ${ws.map((v) => v.toFixed(3)).join(', ')} (pieces)` : `weight ${w.toFixed(4)}`;
        });
      });
      const bias = b[l]!;
      this.nodes[l]?.forEach((node, u) => {
        const bs: string[] = [];
        for (let p = 0; p < pieces; p++) bs.push(bias[u * pieces + p]!.toFixed(3));
        node.el.dataset.tip = `bias ${bs.join(', ')} — click to inspect`;
      });
    });
  }

  select(sel: [number, number] | null): void {
    this.selected = sel;
    for (const col of this.nodes) for (const n of col) n.el.classList.remove('selected');
    if (sel) this.nodes[sel[0]]?.[sel[1]]?.el.classList.add('selected');
  }
}
