/**
 * `explain(model, x, target)`: backpropagation for one sample, written out as the lectures'
 * four equations and checked against autodiff (SCOPE §2).
 *
 * For layers l = 1 … L of fully connected units z = a·W + b, a = f(z) (nabla's row convention,
 * W [in, out]; the lectures' column form is z = Wᵀa + b):
 *
 *   (BP1) δᴸ = ∇ₐL ⊙ f′(zᴸ)                 the output layer's error
 *   (BP2) δˡ = (δˡ⁺¹ Wˡ⁺¹ᵀ) ⊙ f′(zˡ)         the error one layer down (the lectures' Wᵀδ in columns)
 *   (BP3) ∂L/∂bˡ = δˡ
 *   (BP4) ∂L/∂Wˡ = (aˡ⁻¹)ᵀ δˡ                 ∂L/∂Wˡ[i][j] = aˡ⁻¹ᵢ δˡⱼ
 *
 * ∇ₐL and f′(z) are the only derivatives taken by autodiff (of the loss alone and of the
 * activation alone); everything else is the equations evaluated in float64. The same gradients
 * are then taken by autodiff through the whole network and compared.
 */
import { Tensor } from '../tensor/tensor.js';
import { tidy } from '../engine.js';
import { valueAndGrad, grad } from '../autograd/functional.js';
import * as ops from '../ops/index.js';
import { fmt } from '../tensor/shape.js';
import { tensor, zeros } from '../tensor/creation.js';
import { checkFunction, checkOptions, describe, fail, optNumber } from '../validate.js';
import { checkTensor } from './checks.js';
import { Module } from './module.js';
import { Linear } from './layers/linear.js';
import { Activation } from './layers/activation.js';
import { Sequential } from './layers/containers.js';
import { squaredError, type Loss } from './losses.js';

export interface ExplainOptions {
  /** The loss of the sample, (prediction, target) → scalar (default `nb.nn.squaredError`, ½Σ(y − t)²). */
  loss?: Loss;
  /** The largest |equations − autodiff| still called agreement, relative to max(1, |gradient|) (default 1e-6; float32 models need about 1e-4). */
  tolerance?: number;
}

/** One layer l: z = aˡ⁻¹W + b, a = f(z), its error δ and gradients. */
export interface LayerExplanation {
  /** l, from 1 (the first hidden layer) to L (the output layer). */
  layer: number;
  /** e.g. `Linear(2→2) + Sigmoid`. */
  name: string;
  /** The activation's name (`linear` when the Linear layer has none after it). */
  activation: string;
  /** W [in][out] and b. */
  weight: number[][];
  bias: number[];
  /** aˡ⁻¹, the layer's input (x for l = 1). */
  input: number[];
  z: number[];
  a: number[];
  /** f′(zˡ) (elementwise activations); null for softmax-like ones, whose δ uses the Jacobian. */
  fPrime: number[] | null;
  delta: number[];
  /** ∂L/∂W by BP4 and ∂L/∂b by BP3. */
  dW: number[][];
  db: number[];
  /** The same gradients by autodiff through the whole network. */
  autodiff: { dW: number[][]; db: number[] };
  /** max |equations − autodiff| over this layer's gradients. */
  maxError: number;
}

export interface Explanation {
  /** The sample's loss. */
  loss: number;
  /** ∇ₐL at the output aᴸ. */
  gradOutput: number[];
  layers: LayerExplanation[];
  /** max |equations − autodiff| over all gradients. */
  maxError: number;
  /** Whether every gradient of the equations matches autodiff within the tolerance. */
  agrees: boolean;
  /** The forward and backward pass written out, one equation a line. */
  toString(): string;
  /** Prints toString() (console.log) and returns the explanation. */
  print(): Explanation;
}

const SOFTMAX_LIKE = new Set(['softmax', 'logSoftmax', 'softmin']);

function vec(t: Tensor): number[] {
  return Array.from(t.dataSync() as ArrayLike<number>, Number);
}

function rows(t: Tensor): number[][] {
  const [r, c] = t.shape as [number, number];
  const v = vec(t);
  return Array.from({ length: r }, (_, i) => v.slice(i * c, (i + 1) * c));
}

/** The network as (Linear, activation | null) pairs. */
function layersOf(model: Module): { linear: Linear; act: Activation | null }[] {
  const op = 'explain';
  const modules: Module[] = model instanceof Sequential ? [...model] : [model];
  const out: { linear: Linear; act: Activation | null }[] = [];
  modules.forEach((m, i) => {
    if (m instanceof Linear) out.push({ linear: m, act: null });
    else if (m instanceof Activation && out.length && out[out.length - 1]!.act === null) out[out.length - 1]!.act = m;
    else {
      const what = m instanceof Activation ? 'an activation not directly after a Linear layer' : `a ${m.typeName} layer`;
      throw new Error(`${op}: model must be a Sequential of Linear layers, each followed by at most one activation; layer ${i} is ${what}`);
    }
  });
  if (!out.length) throw new Error(`${op}: model has no Linear layer`);
  return out;
}

function fmtNum(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 1e5 || a < 1e-4 ? v.toExponential(6) : String(Number(v.toPrecision(9)));
}
const fv = (v: readonly number[]): string => `[${v.map(fmtNum).join(', ')}]`;
const fm = (m: readonly (readonly number[])[]): string => `[${m.map(fv).join(', ')}]`;
const sup = (n: number): string => String(n).split('').map((d) => '⁰¹²³⁴⁵⁶⁷⁸⁹'[Number(d)]).join('');

/**
 * Backpropagation for one sample, by the four equations, checked against autodiff. `model` is a
 * Sequential of Linear layers each followed by at most one activation (or one Linear layer);
 * `x` one sample ([in] or [1, in]); `target` what the loss compares the output with (a vector
 * [out] is taken as one row). Returns every layer's z, a, δ, ∂L/∂W and ∂L/∂b, the autodiff
 * gradients and whether they agree; `print()` writes it out. The model is not changed (its
 * parameters' `.grad` stay as they were).
 */
export function explain(model: Module, x: Tensor, target: Tensor, opts: ExplainOptions = {}): Explanation {
  const op = 'explain';
  if (!(model instanceof Module)) fail(op, 'model', 'a Module', model);
  checkTensor(op, 'x', x);
  checkTensor(op, 'target', target);
  const o = checkOptions(op, opts, ['loss', 'tolerance']);
  const loss: Loss = o.loss === undefined ? squaredError : checkFunction<Loss>(op, 'loss', o.loss);
  const tolerance = optNumber(op, 'tolerance', o.tolerance, 1e-6, { above: 0 });
  const net = layersOf(model);
  const inF = net[0]!.linear.inFeatures;
  if (!((x.rank === 1 && x.shape[0] === inF) || (x.rank === 2 && x.shape[0] === 1 && x.shape[1] === inF))) {
    throw new Error(`${op}: x must be one sample [${inF}] or [1, ${inF}], got ${fmt(x.shape)}`);
  }
  for (let l = 1; l < net.length; l++) {
    if (net[l]!.linear.inFeatures !== net[l - 1]!.linear.outFeatures) throw new Error(`${op}: layer ${l + 1} takes ${net[l]!.linear.inFeatures} features but layer ${l} gives ${net[l - 1]!.linear.outFeatures}`);
  }
  const outF = net[net.length - 1]!.linear.outFeatures;

  return tidy(() => {
    const dtype = net[0]!.linear.weight.dtype;
    const a0 = ops.reshape(x.dtype === dtype ? x : ops.cast(x, dtype), [1, inF]);
    const t = target.rank === 1 && target.shape[0] === outF && target.dtype !== 'int32' ? ops.reshape(target, [1, outF]) : target;
    const params: Tensor[] = [];
    for (const { linear } of net) params.push(linear.weight, linear.bias ?? zeros([linear.outFeatures], { dtype }));
    const forward = (ps: readonly Tensor[], keep?: { z: Tensor[]; a: Tensor[] }): Tensor => {
      let a = a0;
      net.forEach(({ act }, l) => {
        const z = ops.add(ops.matmul(a, ps[2 * l]!), ps[2 * l + 1]!);
        a = act ? act.call(z) : z;
        keep?.z.push(z);
        keep?.a.push(a);
      });
      return a;
    };
    const lossOf = (y: Tensor): Tensor => {
      const v = loss(y, t);
      if (!(v instanceof Tensor) || v.size !== 1) throw new Error(`${op}: loss must return a single-element tensor, got ${v instanceof Tensor ? fmt(v.shape) : describe(v)}`);
      return v;
    };
    // Autodiff through the whole network: the reference.
    const all = params.map((_, i) => i);
    const { value: lossValue, grads: auto } = valueAndGrad((...ps: Tensor[]) => lossOf(forward(ps)), { argnums: all })(...params.map((p) => p.detach()));
    // The forward pass, kept.
    const kept = { z: [] as Tensor[], a: [] as Tensor[] };
    forward(params.map((p) => p.detach()), kept);
    const aL = kept.a[kept.a.length - 1]!;
    const gradOutput = vec(grad((y: Tensor) => lossOf(y))(aL.detach()));
    const W = net.map((_, l) => rows(params[2 * l]!));
    const B = net.map((_, l) => vec(params[2 * l + 1]!));
    const Z = kept.z.map(vec);
    const A = kept.a.map(vec);
    const X0 = vec(a0);
    const input = (l: number): number[] => (l === 0 ? X0 : A[l - 1]!);
    // f′(z) of an elementwise activation: ∂/∂z Σ f(z). Softmax-like: δ = Jᵀ g, a vector-Jacobian product.
    const fPrime = (l: number): number[] | null => {
      const act = net[l]!.act;
      if (!act) return Z[l]!.map(() => 1);
      if (SOFTMAX_LIKE.has(act.activation)) return null;
      return vec(grad((z: Tensor) => ops.sum(act.call(z)))(kept.z[l]!.detach()));
    };
    const jacobianT = (l: number, g: readonly number[]): number[] => {
      const act = net[l]!.act!;
      const gt = ops.reshape(tensor(g, { dtype }), [1, g.length]);
      return vec(grad((z: Tensor) => ops.sum(ops.mul(act.call(z), gt)))(kept.z[l]!.detach()));
    };
    const L = net.length;
    const deltas: number[][] = new Array<number[]>(L);
    const fps: (number[] | null)[] = net.map((_, l) => fPrime(l));
    for (let l = L - 1; l >= 0; l--) {
      // BP1 at the top, BP2 below it: g = ∇ₐL, or δˡ⁺¹Wˡ⁺¹ᵀ (W [in, out]: gᵢ = Σⱼ Wˡ⁺¹ᵢⱼ δˡ⁺¹ⱼ)
      const g = l === L - 1 ? gradOutput : W[l + 1]!.map((row) => row.reduce((s, w, j) => s + w * deltas[l + 1]![j]!, 0));
      const fp = fps[l];
      deltas[l] = fp ? g.map((v, j) => v * fp[j]!) : jacobianT(l, g);
    }
    let maxError = 0;
    const layers: LayerExplanation[] = net.map(({ linear, act }, l) => {
      const aPrev = input(l);
      const delta = deltas[l]!;
      const dW = aPrev.map((ai) => delta.map((dj) => ai * dj)); // BP4
      const db = [...delta]; // BP3
      const autoW = rows(auto[2 * l]!);
      const autoB = vec(auto[2 * l + 1]!);
      let err = 0;
      const cmp = (p: number, q: number): void => void (err = Math.max(err, Math.abs(p - q) / Math.max(1, Math.abs(q))));
      dW.forEach((r, i) => r.forEach((v, j) => cmp(v, autoW[i]![j]!)));
      db.forEach((v, j) => cmp(v, autoB[j]!));
      maxError = Math.max(maxError, err);
      const actName = act ? act.activation : 'linear';
      return {
        layer: l + 1, name: `Linear(${linear.inFeatures}→${linear.outFeatures})${act ? ` + ${act.typeName}` : ''}`, activation: actName,
        weight: W[l]!, bias: B[l]!, input: aPrev, z: Z[l]!, a: A[l]!, fPrime: fps[l]!, delta, dW, db,
        autodiff: { dW: autoW, db: autoB }, maxError: err,
      };
    });
    const lossNumber = lossValue.item();
    const agrees = Number.isFinite(maxError) && maxError <= tolerance;
    const text = (): string => {
      const out: string[] = [`Backpropagation for one sample: L = ${fmtNum(lossNumber)}`, '', 'Forward pass (z = a·W + b, a = f(z); W is [in, out]):'];
      out.push(`  a${sup(0)} = x = ${fv(input(0))}`);
      for (const e of layers) {
        const s = sup(e.layer);
        out.push(`  layer ${e.layer}: ${e.name}`);
        out.push(`    z${s} = a${sup(e.layer - 1)}W${s} + b${s} = ${fv(e.z)}`);
        out.push(`    a${s} = ${e.activation}(z${s}) = ${fv(e.a)}`);
      }
      out.push('', 'Backward pass (the four equations):', `  ∇ₐL = ${fv(gradOutput)}`);
      for (const e of [...layers].reverse()) {
        const s = sup(e.layer);
        const top = e.layer === layers.length;
        const g = top ? '∇ₐL' : `(δ${sup(e.layer + 1)} W${sup(e.layer + 1)}ᵀ)`;
        out.push(e.fPrime
          ? `  ${top ? 'BP1' : 'BP2'}  δ${s} = ${g} ⊙ f′(z${s}) = ${fv(e.delta)}   with f′(z${s}) = ${fv(e.fPrime)}`
          : `  ${top ? 'BP1' : 'BP2'}  δ${s} = J_f(z${s})ᵀ ${g} = ${fv(e.delta)}   (${e.activation} is not elementwise: its Jacobian)`);
        out.push(`  BP3  ∂L/∂b${s} = δ${s} = ${fv(e.db)}`);
        out.push(`  BP4  ∂L/∂W${s} = (a${sup(e.layer - 1)})ᵀ δ${s} = ${fm(e.dW)}`);
        out.push(`       autodiff agrees to ${e.maxError.toExponential(1)}`);
      }
      out.push('', agrees ? `The equations and autodiff agree (largest difference ${maxError.toExponential(1)}).` : `The equations and autodiff DISAGREE: largest difference ${maxError.toExponential(1)} > ${tolerance}.`);
      return out.join('\n');
    };
    const explanation: Explanation = {
      loss: lossNumber, gradOutput, layers, maxError, agrees,
      toString: text,
      print() {
        console.log(text());
        return explanation;
      },
    };
    return explanation;
  });
}
