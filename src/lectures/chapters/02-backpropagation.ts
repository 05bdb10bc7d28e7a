/**
 * Chapter 2 — backpropagation, explained (SCOPE §2).
 */
import * as nb from 'nabla';
import type { Chapter, ChapterContext } from '../types.js';
import { textFigure } from '../plot.js';

const close = (a: number, b: number, tol: number): boolean => Math.abs(a - b) <= tol;
const list = (v: readonly number[], digits = 9): string => `[${v.map((x) => Number(x.toPrecision(digits))).join(', ')}]`;

/** An SVG drawing of a small graph: nodes at positions, edges labelled with a forward value (green, above) and a gradient (red, below). */
function graphSvg(
  title: string,
  nodes: { id: string; label: string; x: number; y: number; input?: boolean }[],
  edges: { from: string; to: string; value: string; grad: string }[],
  W: number, H: number,
): string {
  const at = new Map(nodes.map((n) => [n.id, n]));
  const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="13">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#444"/></marker></defs>',
    `<text x="${W / 2}" y="20" text-anchor="middle" font-size="15">${esc(title)}</text>`,
    `<text x="12" y="${H - 10}" fill="#137333">green: forward value</text><text x="170" y="${H - 10}" fill="#b3261e">red: gradient ∂f/∂(edge) flowing back</text>`,
  ];
  for (const e of edges) {
    const a = at.get(e.from)!;
    const b = at.get(e.to)!;
    const r = 22;
    const len = Math.hypot(b.x - a.x, b.y - a.y);
    const [ux, uy] = [(b.x - a.x) / len, (b.y - a.y) / len];
    const [x1, y1, x2, y2] = [a.x + ux * (a.input ? 30 : r), a.y + uy * r, b.x - ux * r, b.y - uy * r];
    const [mx, my] = [(x1 + x2) / 2, (y1 + y2) / 2];
    out.push(`<line x1="${x1.toFixed(1)}" y1="${y1.toFixed(1)}" x2="${x2.toFixed(1)}" y2="${y2.toFixed(1)}" stroke="#444" stroke-width="1.5" marker-end="url(#arrow)"/>`);
    out.push(`<text x="${mx.toFixed(1)}" y="${(my - 7).toFixed(1)}" text-anchor="middle" fill="#137333" font-weight="bold">${esc(e.value)}</text>`);
    out.push(`<text x="${mx.toFixed(1)}" y="${(my + 17).toFixed(1)}" text-anchor="middle" fill="#b3261e" font-weight="bold">${esc(e.grad)}</text>`);
  }
  for (const n of nodes) {
    out.push(n.input
      ? `<text x="${n.x}" y="${n.y + 5}" text-anchor="middle" font-size="15">${esc(n.label)}</text>`
      : `<circle cx="${n.x}" cy="${n.y}" r="22" fill="#f4f8fb" stroke="#0072b2" stroke-width="1.5"/><text x="${n.x}" y="${n.y + 5}" text-anchor="middle" font-size="15">${esc(n.label)}</text>`);
  }
  out.push('</svg>');
  return out.join('\n') + '\n';
}

/** f = (x + y)·z by reverse-mode autodiff: the lectures' first computational graph. */
function computationalGraph(ctx: ChapterContext): void {
  const r = nb.tidy(() => {
    const x = nb.scalar(-2, { requiresGrad: true });
    const y = nb.scalar(5, { requiresGrad: true });
    const z = nb.scalar(-4, { requiresGrad: true });
    const q = x.add(y);
    const f = q.mul(z);
    f.backward();
    // ∂f/∂q, the gradient on the edge from + to ×: f as a function of q alone.
    const dq = nb.grad((qq: nb.Tensor) => qq.mul(z.detach()))(q.detach()).item();
    return { q: q.item(), f: f.item(), dx: x.grad!.item(), dy: y.grad!.item(), dz: z.grad!.item(), dq };
  });
  ctx.number('f = (x + y)·z at x = −2, y = 5, z = −4', r.f);
  ctx.number('∂f/∂x, ∂f/∂y, ∂f/∂z', `${r.dx}, ${r.dy}, ${r.dz}`);
  ctx.check(r.q === 3 && r.f === -12, 'forward: q = x + y = 3, f = q·z = −12');
  ctx.check(r.dq === -4 && r.dx === -4 && r.dy === -4 && r.dz === 3,
    'backward: ∂f/∂z = q = 3, ∂f/∂q = z = −4, and + passes −4 on to both x and y', `got ∂f/∂x = ${r.dx}, ∂f/∂y = ${r.dy}, ∂f/∂z = ${r.dz}`);
  ctx.figure('computational-graph', 'f = (x + y)·z: forward values (green) on the edges, the gradients autodiff sends back (red) below them.',
    graphSvg('f = (x + y)·z', [
      { id: 'x', label: 'x', x: 50, y: 70, input: true }, { id: 'y', label: 'y', x: 50, y: 170, input: true }, { id: 'z', label: 'z', x: 50, y: 260, input: true },
      { id: 'add', label: '+', x: 230, y: 120 }, { id: 'mul', label: '×', x: 410, y: 190 }, { id: 'f', label: 'f', x: 560, y: 190, input: true },
    ], [
      { from: 'x', to: 'add', value: String(-2), grad: String(r.dx) },
      { from: 'y', to: 'add', value: String(5), grad: String(r.dy) },
      { from: 'add', to: 'mul', value: `q = ${r.q}`, grad: String(r.dq) },
      { from: 'z', to: 'mul', value: String(-4), grad: String(r.dz) },
      { from: 'mul', to: 'f', value: String(r.f), grad: '1' },
    ], 600, 310));
}

/** The sigmoid neuron 1/(1 + e^−(w₀x₀ + w₁x₁ + w₂)) built from primitive nodes, against its closed form. */
function sigmoidNeuron(ctx: ChapterContext): void {
  const [w0, x0] = [[2, -3, -3], [-1, -2]];
  const r = nb.tidy(() => {
    const w = nb.tensor(w0, { dtype: 'float64', requiresGrad: true });
    const x = nb.tensor(x0, { dtype: 'float64', requiresGrad: true });
    const s = nb.add(nb.sum(nb.mul(nb.slice(w, [0], [2]), x)), nb.slice(w, [2], [1]).reshape([]));
    const f = nb.reciprocal(nb.add(nb.exp(nb.neg(s)), 1)); // *, +, neg, exp, +1, 1/x
    f.backward();
    return { f: f.item(), dw: Array.from(w.grad!.dataSync() as ArrayLike<number>, Number), dx: Array.from(x.grad!.dataSync() as ArrayLike<number>, Number) };
  });
  const sig = 1 / (1 + Math.exp(-1)); // s = 2·(−1) + (−3)·(−2) − 3 = 1
  const d = sig * (1 - sig);
  const want = { dw: [d * x0[0]!, d * x0[1]!, d], dx: [d * w0[0]!, d * w0[1]!] };
  ctx.number('sigmoid neuron: f at w = [2, −3, −3], x = [−1, −2]', r.f);
  ctx.number('sigmoid neuron: ∂f/∂w', list(r.dw, 6));
  ctx.number('sigmoid neuron: ∂f/∂x', list(r.dx, 6));
  const ok = close(r.f, sig, 1e-15) && r.dw.every((v, i) => close(v, want.dw[i]!, 1e-15)) && r.dx.every((v, i) => close(v, want.dx[i]!, 1e-15));
  ctx.check(ok, 'the sigmoid neuron: autodiff through *, +, exp, 1/x gives σ′(s)·[x₀, x₁, 1] and σ′(s)·[w₀, w₁], with σ′ = σ(1 − σ)');
}

/** A drawing of the 2-2-2 network: each unit with its a and δ, each weight with its value and ∂E/∂w. */
function networkSvg(e: nb.Explanation): string {
  const col = [70, 300, 530];
  const rowY = [110, 250];
  const out = [
    '<svg xmlns="http://www.w3.org/2000/svg" width="640" height="340" viewBox="0 0 640 340" font-family="sans-serif" font-size="12">',
    '<rect width="640" height="340" fill="white"/>',
    '<text x="320" y="22" text-anchor="middle" font-size="15">the 2-2-2 sigmoid network: forward a, backward δ and ∂E/∂w</text>',
  ];
  const f = (v: number): string => Number(v.toPrecision(4)).toString();
  e.layers.forEach((l, li) => {
    l.weight.forEach((row, i) => row.forEach((w, j) => {
      const [x1, y1, x2, y2] = [col[li]! + 26, rowY[i]!, col[li + 1]! - 26, rowY[j]!];
      const t = i === j ? 0.3 : 0.22;
      const [mx, my] = [x1 + (x2 - x1) * t, y1 + (y2 - y1) * t];
      out.push(`<line x1="${x1}" y1="${y1}" x2="${x2}" y2="${y2}" stroke="#999"/>`);
      out.push(`<text x="${mx.toFixed(1)}" y="${(my - 5).toFixed(1)}" text-anchor="middle" fill="#0060a0">w=${f(w)}</text>`);
      out.push(`<text x="${mx.toFixed(1)}" y="${(my + 12).toFixed(1)}" text-anchor="middle" fill="#b3261e">${f(l.dW[i]![j]!)}</text>`);
    }));
  });
  const units = [e.layers[0]!.input.map((a) => ({ a, d: NaN })), ...e.layers.map((l) => l.a.map((a, j) => ({ a, d: l.delta[j]! })))];
  units.forEach((layer, li) => layer.forEach((u, j) => {
    out.push(`<circle cx="${col[li]}" cy="${rowY[j]}" r="26" fill="#f4f8fb" stroke="#0072b2" stroke-width="1.5"/>`);
    out.push(`<text x="${col[li]}" y="${rowY[j]! + 4}" text-anchor="middle">${f(u.a)}</text>`);
    if (!Number.isNaN(u.d)) out.push(`<text x="${col[li]}" y="${rowY[j]! + 44}" text-anchor="middle" fill="#b3261e">δ=${f(u.d)}</text>`);
  }));
  out.push('<text x="70" y="310" text-anchor="middle">input x</text><text x="300" y="310" text-anchor="middle">hidden a¹</text><text x="530" y="310" text-anchor="middle">output a²</text>');
  out.push('</svg>');
  return out.join('\n') + '\n';
}

const chapter: Chapter = {
  id: 'backpropagation',
  order: 2,
  title: 'Backpropagation, explained',
  section: '§2',
  claim:
    'Backpropagation computes every gradient of a network in one backward pass by four equations: the output error ' +
    'δᴸ = ∇ₐL ⊙ f′(zᴸ), the error one layer down δˡ = (Wˡ⁺¹ᵀδˡ⁺¹) ⊙ f′(zˡ), ∂L/∂bˡ = δˡ and ∂L/∂Wˡ = δˡaˡ⁻¹ᵀ. In ' +
    'general it is reverse-mode differentiation of a graph of primitive operations, each passing back its local ' +
    'derivative times the gradient it receives. The worked examples come out exactly: f = (x + y)·z at x = −2, y = 5, ' +
    'z = −4 has gradients −4, −4 and 3; the 2-2-2 sigmoid network has error 0.298371109 and w₅ becomes 0.35891648 after ' +
    'one step with η = 0.5.',

  async run(ctx) {
    computationalGraph(ctx);
    // The worked examples are exact to 9 digits: float64 on the reference backend.
    const previous = nb.getBackend().name;
    nb.setBackend('cpu');
    try {
      sigmoidNeuron(ctx);
      const D = { dtype: 'float64' } as const;
      const net = nb.nn.sequential(nb.nn.linear(2, 2, D), nb.nn.sigmoid(), nb.nn.linear(2, 2, D), nb.nn.sigmoid());
      net.loadStateDict({ // W[i][j] joins input i to unit j: w1, w2 into h1 and w3, w4 into h2 (row convention)
        '0.weight': nb.tensor([[0.15, 0.25], [0.2, 0.3]], D), '0.bias': nb.tensor([0.35, 0.35], D),
        '2.weight': nb.tensor([[0.4, 0.5], [0.45, 0.55]], D), '2.bias': nb.tensor([0.6, 0.6], D),
      });
      const e = nb.explain(net, nb.tensor([0.05, 0.1], D), nb.tensor([0.01, 0.99], D)); // L = ½Σ(t − o)²
      ctx.figure('explain', 'What nb.explain(net, x, t) prints: the forward pass and the four equations, each layer checked against autodiff.', textFigure(e.toString(), 'nb.explain(net, x = [0.05, 0.1], t = [0.01, 0.99]).print()'));
      const [h, o] = e.layers as [nb.LayerExplanation, nb.LayerExplanation];
      ctx.number('E = ½Σ(t − o)²', e.loss);
      ctx.number('hidden z¹, a¹', `${list(h.z)}, ${list(h.a)}`);
      ctx.number('output z², a²', `${list(o.z)}, ${list(o.a)}`);
      ctx.number('BP1: δ² = (a² − t) ⊙ σ′(z²)', list(o.delta));
      ctx.number('BP2: δ¹ = (δ² W²ᵀ) ⊙ σ′(z¹)', list(h.delta));
      ctx.number('BP4: ∂E/∂W² (rows: from h₁, h₂)', `${list(o.dW[0]!)}, ${list(o.dW[1]!)}`);
      ctx.number('BP4: ∂E/∂W¹ (rows: from x₁, x₂)', `${list(h.dW[0]!)}, ${list(h.dW[1]!)}`);
      ctx.number('largest |four equations − autodiff|', e.maxError);
      ctx.check(close(e.loss, 0.298371109, 1e-9), 'the 2-2-2 network\'s error is E = 0.298371109', `E = ${e.loss}`);
      ctx.check(e.agrees && e.maxError < 1e-15, 'the four equations give the same gradients as autodiff', `largest difference ${e.maxError}`);
      // One gradient step on the weights, w ← w − η ∂E/∂w with η = 0.5 (the biases held, as in the example).
      const w5 = o.weight[0]![0]! - 0.5 * o.dW[0]![0]!;
      const w1 = h.weight[0]![0]! - 0.5 * h.dW[0]![0]!;
      ctx.number('w₅ after one step (η = 0.5)', w5);
      ctx.number('w₁ after one step (η = 0.5)', w1);
      ctx.check(close(w5, 0.35891648, 1e-8) && close(w1, 0.149780716, 1e-9), 'after one step w₅ = 0.35891648 and w₁ = 0.149780716', `w₅ = ${w5}, w₁ = ${w1}`);
      ctx.figure('network-2-2-2', 'The worked example: each unit shows its activation a and error δ (red), each weight its value (blue) and ∂E/∂w (red), by the four equations.', networkSvg(e));
      // Autodiff itself, against finite differences.
      const report = nb.testing.gradcheck((w: nb.Tensor) => nb.nn.squaredError(nb.sigmoid(nb.matmul(nb.sigmoid(nb.matmul(nb.tensor([[0.05, 0.1]], D), w)), nb.tensor([[0.4, 0.5], [0.45, 0.55]], D))), nb.tensor([[0.01, 0.99]], D)),
        [nb.tensor([[0.15, 0.25], [0.2, 0.3]], D)]);
      ctx.number('gradient check: largest |autodiff − finite differences|', report.inputs[0]!.maxAbsError);
      ctx.check(report.ok, 'the gradients agree with finite differences (gradient checking)', `largest error ${report.inputs[0]!.maxAbsError}`);
      net.dispose();
    } finally {
      nb.setBackend(previous);
    }
  },
};

export default chapter;
