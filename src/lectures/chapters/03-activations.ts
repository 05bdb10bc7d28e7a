/**
 * Chapter 3 — activation functions and their derivatives (SCOPE §3).
 */
import * as nb from 'nabla';
import type { Chapter } from '../types.js';
import { panels } from '../plot.js';

const D = { dtype: 'float64' } as const;

/** One activation as a function of a scalar input, applied to a column of inputs [N, 1] → [N, 1]. */
interface Act {
  name: string;
  f: (x: nb.Tensor) => nb.Tensor;
}

const SELU_ALPHA = 1.6732632423543772; // 1.6732632423543772848170429916717 to double precision
const SELU_SCALE = 1.0507009873554805; // 1.0507009873554804934193349852946

function activations(): Act[] {
  const layer = (m: nb.nn.Module): ((x: nb.Tensor) => nb.Tensor) => (x) => m.call(x) as nb.Tensor;
  // PReLU's slope is a parameter (0.25 at first, then learned).
  const prelu = nb.nn.prelu({ init: 0.25, dtype: 'float64' });
  // Maxout with k = 3 affine pieces of one input: max(−x − 1, 0.3x, 1.2x − 1), a convex piecewise-linear function.
  const maxout = nb.nn.maxout(1, 1, 3, D);
  maxout.loadStateDict({ weight: nb.tensor([[-1, 0.3, 1.2]], D), bias: nb.tensor([-1, 0, -1], D) });
  return [
    { name: 'step', f: layer(nb.nn.step()) },
    { name: 'sign', f: layer(nb.nn.sign()) },
    { name: 'linear', f: layer(nb.nn.identity()) },
    { name: 'ramp', f: layer(nb.nn.ramp()) },
    { name: 'sigmoid', f: layer(nb.nn.sigmoid()) },
    { name: 'tanh', f: layer(nb.nn.tanh()) },
    { name: 'relu', f: layer(nb.nn.relu()) },
    { name: 'prelu', f: layer(prelu) },
    { name: 'elu', f: layer(nb.nn.elu(1)) },
    { name: 'selu', f: layer(nb.nn.selu()) },
    { name: 'swish', f: layer(nb.nn.swish()) },
    { name: 'maxout', f: layer(maxout) },
    // Softmax over the pair (x, 0): its first output, e^x / (e^x + 1).
    { name: 'softmax', f: (x) => nb.slice(nb.softmax(nb.concat([x, nb.zerosLike(x)], 1), -1), [0, 0], [-1, 1]) },
  ];
}

/** f(x) and f′(x) by autodiff at each x (float64, cpu). */
function valuesAndSlopes(a: Act, xs: readonly number[]): { y: number[]; dy: number[] } {
  return nb.tidy(() => {
    const x = nb.tensor(xs.map((v) => [v]), D);
    const y = Array.from(a.f(x).dataSync() as ArrayLike<number>, Number);
    const dy = Array.from(nb.grad((t: nb.Tensor) => nb.sum(a.f(t)))(x).dataSync() as ArrayLike<number>, Number);
    return { y, dy };
  });
}

/** Where |f′| < 0.01 on [−10, 10]: the saturated ends, e.g. "x < −4.6 and x > 4.6", "everywhere", "nowhere". */
function saturation(dy: readonly number[], xs: readonly number[]): { text: string; left: number | null; right: number | null } {
  const flat = dy.map((d) => Math.abs(d) < 0.01);
  if (flat.every(Boolean)) return { text: 'everywhere (f′ = 0)', left: null, right: null };
  let l = 0;
  while (flat[l]) l++;
  let r = xs.length - 1;
  while (flat[r]) r--;
  const left = l > 0 ? xs[l]! : null;
  const right = r < xs.length - 1 ? xs[r]! : null;
  const parts: string[] = [];
  if (left !== null) parts.push(`x < ${Number(left.toFixed(2))}`);
  if (right !== null) parts.push(`x > ${Number(right.toFixed(2))}`);
  return { text: parts.length ? parts.join(' and ') : 'nowhere', left, right };
}

const chapter: Chapter = {
  id: 'activations',
  order: 3,
  title: 'Activation functions and their derivatives',
  section: '§3',
  claim:
    'Each activation has a derivative that backpropagation multiplies into every gradient. The unit step and sign have ' +
    'zero derivative almost everywhere, so gradient descent cannot train them. The sigmoid\'s derivative is at most 1/4 ' +
    'and it saturates on both sides, as tanh does; ReLU passes gradients unchanged for x > 0 but is zero for x < 0; PReLU ' +
    'learns its negative slope; ELU and SELU (α = 1.6733, scale = 1.0507) saturate only for very negative inputs; Swish ' +
    'x·σ(x) is smooth and not monotonic; Maxout is the maximum of k affine pieces; softmax over two inputs is the sigmoid.',

  async run(ctx) {
    const previous = nb.getBackend().name;
    nb.setBackend('cpu');
    try {
      const n = ctx.short ? 201 : 401;
      const xs = Array.from({ length: n }, (_, i) => -5 + (10 * i) / (n - 1));
      const wide = Array.from({ length: 2001 }, (_, i) => -10 + i / 100);
      const h = 1e-5;
      const acts = activations();
      const charts: string[] = [];
      const found = new Map<string, { y: number[]; dy: number[]; sat: ReturnType<typeof saturation> }>();
      let worst = 0;
      for (const a of acts) {
        const { y, dy } = valuesAndSlopes(a, xs);
        charts.push(nb.viz.lineChart([{ name: 'f(x)', values: y, x: xs }, { name: 'f′(x)', values: dy, x: xs, dashed: true }], { title: a.name, width: 300, height: 210 }));
        // f′ by autodiff against central differences, wherever f is smooth (both one-sided differences agree).
        const probe = xs.filter((_, i) => i % 10 === 5);
        const pts = probe.flatMap((x) => [x - h, x, x + h]);
        const { y: yp, dy: dyp } = valuesAndSlopes(a, pts);
        probe.forEach((_, i) => {
          const [l, c, r] = [yp[3 * i]!, yp[3 * i + 1]!, yp[3 * i + 2]!];
          if (Math.abs((c - l) / h - (r - c) / h) > 1e-3) return; // a kink or a jump
          worst = Math.max(worst, Math.abs((r - l) / (2 * h) - dyp[3 * i + 1]!));
        });
        const sat = saturation(valuesAndSlopes(a, wide).dy, wide);
        found.set(a.name, { y, dy, sat });
        const at0 = valuesAndSlopes(a, [1e-9]).dy[0]!;
        ctx.number(`${a.name}: f′(0⁺), saturates (|f′| < 0.01) where`, `${Number(at0.toPrecision(6))}; ${sat.text}`);
      }
      ctx.figure('activations', 'Each activation f (solid) and its derivative f′ by autodiff (dashed) on [−5, 5].', panels(charts, 3));
      ctx.number('largest |autodiff f′ − central difference| (smooth points, all 13)', worst);
      ctx.check(acts.length === 13, 'all 13 activations of the lectures are plotted', `${acts.length}`);
      ctx.check(worst < 1e-6, 'the derivatives by autodiff match finite differences', `largest difference ${worst}`);

      const get = (k: string): { y: number[]; dy: number[]; sat: ReturnType<typeof saturation> } => found.get(k)!;
      const at = (x: number): number => xs.findIndex((v) => Math.abs(v - x) < 1e-9);
      const maxAbs = (v: readonly number[]): number => Math.max(...v.map(Math.abs));
      ctx.check(maxAbs(get('step').dy) === 0 && maxAbs(get('sign').dy) === 0, 'step and sign: f′ = 0 wherever it exists — no gradient to learn from');
      const sig = get('sigmoid');
      ctx.check(Math.abs(maxAbs(sig.dy) - 0.25) < 1e-12 && Math.abs(sig.dy[at(0)]! - 0.25) < 1e-12, 'sigmoid: f′ = σ(1 − σ) ≤ 1/4, its maximum at 0', `max ${maxAbs(sig.dy)}`);
      ctx.check(sig.sat.left !== null && sig.sat.right !== null && sig.sat.left > -5 && sig.sat.right < 5, 'sigmoid saturates on both sides (|f′| < 0.01 beyond |x| ≈ 4.6)', sig.sat.text);
      const tanh = get('tanh');
      ctx.check(Math.abs(tanh.dy[at(0)]! - 1) < 1e-12 && tanh.sat.left !== null && tanh.sat.right !== null && tanh.sat.right < sig.sat.right!, 'tanh: f′(0) = 1, and it saturates on both sides, sooner than the sigmoid', tanh.sat.text);
      const relu = get('relu');
      ctx.check(xs.every((x, i) => (x > 0 ? relu.dy[i] === 1 : x < 0 ? relu.dy[i] === 0 : true)) && relu.sat.right === null, 'ReLU: f′ = 1 for x > 0 (no saturation there), 0 for x < 0');
      ctx.check(get('linear').sat.text === 'nowhere' && get('maxout').sat.text === 'nowhere' && get('prelu').sat.text === 'nowhere', 'linear, PReLU and Maxout never saturate');
      const elu = get('elu');
      const selu = get('selu');
      const seluNeg = valuesAndSlopes(acts[9]!, [-30, 1]).y;
      const eluNeg = valuesAndSlopes(acts[8]!, [-30]).y[0]!;
      ctx.number('ELU(−30), SELU(−30), SELU(1)', `${eluNeg.toPrecision(8)}, ${seluNeg[0]!.toPrecision(8)}, ${seluNeg[1]!.toPrecision(8)}`);
      ctx.check(Math.abs(eluNeg + 1) < 1e-12 && Math.abs(seluNeg[0]! + SELU_SCALE * SELU_ALPHA) < 1e-12 && Math.abs(seluNeg[1]! - SELU_SCALE) < 1e-15,
        'ELU tends to −α, SELU to −scale·α, and SELU(1) = scale (α = 1.6733, scale = 1.0507)');
      ctx.check(elu.sat.left !== null && elu.sat.right === null && selu.sat.left !== null && selu.sat.right === null, 'ELU and SELU saturate only for very negative inputs', `ELU ${elu.sat.text}; SELU ${selu.sat.text}`);
      const sw = get('swish');
      const swMin = Math.min(...sw.y);
      const swArg = xs[sw.y.indexOf(swMin)]!;
      ctx.number('Swish: minimum (value, at x)', `${swMin.toFixed(4)}, ${swArg.toFixed(2)}`);
      ctx.check(sw.y.every((v, i) => Math.abs(v - xs[i]! / (1 + Math.exp(-xs[i]!))) < 1e-12) && swMin < -0.27 && swArg < -1, 'Swish is x·σ(x), not monotonic (a minimum ≈ −0.278 near x ≈ −1.28)');
      const mo = get('maxout');
      ctx.check(mo.y.every((v, i) => v === Math.max(-xs[i]! - 1, 0.3 * xs[i]!, 1.2 * xs[i]! - 1)), 'Maxout is the maximum of its k = 3 affine pieces');
      ctx.check(get('softmax').y.every((v, i) => Math.abs(v - sig.y[i]!) < 1e-12), 'softmax over (x, 0) is the sigmoid of x');
      // PReLU's slope is learned: ∂(Σ f)/∂a = Σ min(0, x).
      const pre = nb.nn.prelu({ init: 0.25, dtype: 'float64' });
      const da = nb.tidy(() => {
        nb.sum(pre.call(nb.tensor(xs, D))).backward();
        return pre.alpha.grad!.item();
      });
      const want = xs.reduce((s, x) => s + Math.min(0, x), 0);
      ctx.number('PReLU: ∂(Σ f)/∂a over the plotted inputs', da);
      ctx.check(Math.abs(da - want) < 1e-9 && da !== 0, 'PReLU: the negative slope a gets a gradient (Σ min(0, x)), so it is learned', `${da} vs ${want}`);
    } finally {
      nb.setBackend(previous);
    }
  },
};

export default chapter;
