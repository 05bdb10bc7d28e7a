/**
 * Pictures of a graph: Graphviz DOT text and a standalone SVG (a simple layered layout drawn with
 * nb.viz's SVG helpers). Like TensorBoard, name scopes are collapsed into one box each (unless
 * listed in `expand`), variables' initialisation machinery is left out, and the gradient and
 * training subgraph appears only on request (`gradients: true`).
 */
import { checkOptions, fail } from '../validate.js';
import { escapeXml, fix2, svgOpen } from '../viz/svg.js';
import { Graph, type Node } from './graph.js';

export interface GraphPictureOptions {
  /** Also show the gradient nodes and the optimizers' update nodes (default false). */
  gradients?: boolean;
  /** Name scopes to draw node by node instead of as one collapsed box. */
  expand?: readonly string[];
  /** Show the variables' initializers and `init` (default false). */
  initializers?: boolean;
}

type ItemKind = 'placeholder' | 'variable' | 'const' | 'op' | 'scope' | 'grad' | 'other';

interface Item {
  id: string;
  label: string;
  kind: ItemKind;
  members: Node[];
}

interface View {
  items: Item[];
  edges: { from: Item; to: Item; label: string }[];
}

function isInitMachinery(n: Node): boolean {
  if (n.kind === 'assign' && n.attrs.variable?.attrs.initializer === n) return true;
  if (n.kind === 'group' && n.type === 'NoOp' && /(^|\/)init(_\d+)?$/.test(n.name)) return true;
  if (n.kind === 'const' && /\/initial_value(_\d+)?$/.test(n.name)) return true;
  return false;
}

/** Gradient nodes, update nodes, and everything in an optimizer's name scope. */
function trainingTest(g: Graph): (n: Node) => boolean {
  const scopes = new Set(g.nodes.filter((n) => n.kind === 'apply').map((n) => n.name.split('/')[0]!));
  return (n) => n.kind === 'grad' || n.kind === 'apply' || n.name.startsWith('gradients/') || scopes.has(n.name.split('/')[0]!);
}

function kindOf(n: Node): ItemKind {
  if (n.kind === 'placeholder' || n.kind === 'variable' || n.kind === 'const' || n.kind === 'op') return n.kind;
  if (n.kind === 'grad') return 'grad';
  return 'other';
}

function buildView(g: Graph, opts: GraphPictureOptions, fn: string): View {
  if (!(g instanceof Graph)) fail(fn, 'graph', 'a graph.Graph', g);
  const o = checkOptions(fn, opts, ['gradients', 'expand', 'initializers']);
  if (o.gradients !== undefined && typeof o.gradients !== 'boolean') fail(fn, 'options.gradients', 'true or false', o.gradients);
  if (o.initializers !== undefined && typeof o.initializers !== 'boolean') fail(fn, 'options.initializers', 'true or false', o.initializers);
  if (o.expand !== undefined && (!Array.isArray(o.expand) || !o.expand.every((s) => typeof s === 'string'))) fail(fn, 'options.expand', 'an array of scope names', o.expand);
  const expand = new Set(o.expand ?? []);
  const isTraining = trainingTest(g);
  const visible = g.nodes.filter((n) => (o.initializers || !isInitMachinery(n)) && (o.gradients || !isTraining(n)));
  const items = new Map<string, Item>();
  const itemOf = new Map<Node, Item>();
  for (const n of visible) {
    const parts = n.name.split('/');
    // the collapsed scope: the first path segment not listed in `expand`
    let k = 1;
    while (k < parts.length && expand.has(parts.slice(0, k).join('/'))) k++;
    const key = k < parts.length ? parts.slice(0, k).join('/') : n.name;
    let it = items.get(key);
    if (!it) {
      it = { id: `n${items.size}`, label: key, kind: k < parts.length ? 'scope' : kindOf(n), members: [] };
      items.set(key, it);
    }
    // a variable and its own scope (W, W/read, …) stay a variable
    if (key === n.name && it.kind === 'scope') it.kind = kindOf(n);
    it.members.push(n);
    itemOf.set(n, it);
  }
  for (const it of items.values()) {
    if (it.members.length === 1) {
      const n = it.members[0]!;
      it.kind = kindOf(n);
      it.label = n.kind === 'op' || n.kind === 'grad' ? n.name.split('/').pop()!.replace(/_\d+$/, '') : n.name;
      if (n.kind === 'op' && it.label !== n.type) it.label = n.type;
    } else if (it.members.every((m) => isTraining(m))) it.kind = 'grad';
    else if (it.members.some((m) => m.kind === 'variable') && it.members.every((m) => m.kind === 'variable' || isInitMachinery(m))) it.kind = 'variable';
  }
  const edges: View['edges'] = [];
  const seen = new Set<string>();
  for (const n of visible) {
    const to = itemOf.get(n)!;
    for (const t of n.inputs) {
      const from = itemOf.get(t.node);
      if (!from || from === to) continue;
      const key = `${from.id}>${to.id}`;
      if (seen.has(key)) continue;
      seen.add(key);
      edges.push({ from, to, label: t.shape.map((d) => d ?? '?').join('×') || 'scalar' });
    }
  }
  return { items: [...items.values()], edges };
}

const STYLE: Record<ItemKind, { shape: string; fill: string }> = {
  placeholder: { shape: 'box', fill: '#e8f1fb' },
  variable: { shape: 'box', fill: '#fdf0d5' },
  const: { shape: 'box', fill: '#eeeeee' },
  op: { shape: 'ellipse', fill: '#ffffff' },
  scope: { shape: 'box3d', fill: '#e6f4ea' },
  grad: { shape: 'ellipse', fill: '#fbe4e4' },
  other: { shape: 'octagon', fill: '#ffffff' },
};

/** Graphviz DOT text of the graph (`dot -Tsvg`), inputs at the bottom as in TensorBoard. */
export function toDot(g: Graph, opts: GraphPictureOptions = {}): string {
  const v = buildView(g, opts, 'graph.toDot');
  const q = (s: string): string => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  const lines = ['digraph G {', '  rankdir=BT;', '  node [fontname="Helvetica", fontsize=11];', '  edge [fontname="Helvetica", fontsize=9];'];
  for (const it of v.items) {
    const s = STYLE[it.kind];
    const rounded = it.kind === 'variable' || it.kind === 'placeholder' ? ', style="rounded,filled"' : ', style=filled';
    lines.push(`  ${it.id} [label=${q(it.label)}, shape=${s.shape}${rounded}, fillcolor=${q(s.fill)}];`);
  }
  for (const e of v.edges) lines.push(`  ${e.from.id} -> ${e.to.id} [label=${q(e.label)}];`);
  lines.push('}');
  return lines.join('\n') + '\n';
}

/** A standalone SVG picture of the graph: a layered layout, inputs at the bottom, data flowing up. */
export function toSvg(g: Graph, opts: GraphPictureOptions = {}): string {
  const v = buildView(g, opts, 'graph.toSvg');
  // layer = longest path from a source
  const layer = new Map<Item, number>();
  const incoming = new Map<Item, Item[]>();
  for (const e of v.edges) (incoming.get(e.to) ?? incoming.set(e.to, []).get(e.to)!).push(e.from);
  const depth = (it: Item, stack = new Set<Item>()): number => {
    const known = layer.get(it);
    if (known !== undefined) return known;
    if (stack.has(it)) return 0;
    stack.add(it);
    const d = Math.max(-1, ...(incoming.get(it) ?? []).map((p) => depth(p, stack))) + 1;
    stack.delete(it);
    layer.set(it, d);
    return d;
  };
  for (const it of v.items) depth(it);
  const layers: Item[][] = [];
  for (const it of v.items) (layers[layer.get(it)!] ??= []).push(it);
  const BOX_H = 30, GAP_X = 28, GAP_Y = 56, MARGIN = 24;
  const width = (it: Item): number => Math.max(70, 8 * it.label.length + 24);
  const rowW = layers.map((l) => l.reduce((s, it) => s + width(it), 0) + GAP_X * (l.length - 1));
  const W = Math.max(...rowW, 200) + 2 * MARGIN;
  const H = layers.length * (BOX_H + GAP_Y) - GAP_Y + 2 * MARGIN;
  const pos = new Map<Item, { x: number; y: number; w: number }>();
  layers.forEach((l, k) => {
    let x = (W - rowW[k]!) / 2;
    const y = H - MARGIN - BOX_H - k * (BOX_H + GAP_Y);
    for (const it of l) {
      const w = width(it);
      pos.set(it, { x, y, w });
      x += w + GAP_X;
    }
  });
  const out = [svgOpen(W, H)];
  out.push('<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>');
  for (const e of v.edges) {
    const a = pos.get(e.from)!, b = pos.get(e.to)!;
    const x1 = a.x + a.w / 2, y1 = a.y, x2 = b.x + b.w / 2, y2 = b.y + BOX_H;
    out.push(`<line x1="${fix2(x1)}" y1="${fix2(y1)}" x2="${fix2(x2)}" y2="${fix2(y2)}" stroke="#555" stroke-width="1.2" marker-end="url(#arrow)"/>`);
    out.push(`<text x="${fix2((x1 + x2) / 2 + 4)}" y="${fix2((y1 + y2) / 2)}" font-size="10" fill="#666">${escapeXml(e.label)}</text>`);
  }
  for (const it of v.items) {
    const p = pos.get(it)!;
    const s = STYLE[it.kind];
    const stroke = it.kind === 'scope' ? '#2e7d32' : '#333';
    if (s.shape === 'ellipse') {
      out.push(`<ellipse cx="${fix2(p.x + p.w / 2)}" cy="${fix2(p.y + BOX_H / 2)}" rx="${fix2(p.w / 2)}" ry="${BOX_H / 2}" fill="${s.fill}" stroke="${stroke}"/>`);
    } else {
      const r = it.kind === 'scope' ? 2 : 8;
      out.push(`<rect x="${fix2(p.x)}" y="${fix2(p.y)}" width="${fix2(p.w)}" height="${BOX_H}" rx="${r}" fill="${s.fill}" stroke="${stroke}" stroke-width="${it.kind === 'scope' ? 2 : 1}"/>`);
    }
    const title = it.members.map((m) => `${m.name} (${m.type})`).join('\n');
    out.push(`<text x="${fix2(p.x + p.w / 2)}" y="${fix2(p.y + BOX_H / 2 + 4)}" text-anchor="middle"${it.kind === 'scope' ? ' font-weight="bold"' : ''}>${escapeXml(it.label)}<title>${escapeXml(title)}</title></text>`);
  }
  out.push('</svg>');
  return out.join('\n') + '\n';
}

declare module './graph.js' {
  interface Graph {
    /** Graphviz DOT text of this graph (see `graph.toDot`). */
    toDot(opts?: GraphPictureOptions): string;
    /** A standalone SVG picture of this graph (see `graph.toSvg`). */
    toSvg(opts?: GraphPictureOptions): string;
  }
}

Object.defineProperty(Graph.prototype, 'toDot', { value(this: Graph, opts?: GraphPictureOptions) { return toDot(this, opts); }, writable: true, configurable: true });
Object.defineProperty(Graph.prototype, 'toSvg', { value(this: Graph, opts?: GraphPictureOptions) { return toSvg(this, opts); }, writable: true, configurable: true });
