/**
 * Elementwise fusion of a plan: chains of float32 `unary` / `binary` kernels, each link's result
 * read by the next link only, become one call of the backend's `fusedElementwise` kernel
 * (src/backends/fused-elementwise.ts), placed where the chain's last link was. Operands other than
 * the chain may be full tensors of the output's shape, scalars, or rows broadcast over the leading
 * axes (a bias). Backends without the kernel (webgpu) keep the chain unfused.
 */
import type { Backend, BinaryOp, KTensor, UnaryOp } from '../backends/interface.js';
import { FUSABLE_BINARY, FUSABLE_UNARY, type FusedInstr, type FusedProgram } from '../backends/fused-elementwise.js';
import type { Shape } from '../tensor/shape.js';
import type { Buf, Slot, Step } from './trace.js';

interface Group {
  steps: Step[];
  outShape: Shape;
  inner: number;
  outer: number;
  inputs: number[];
  modes: (0 | 1 | 2)[];
  slots: Slot[];
  code: FusedInstr[];
  /** The buffer the chain's last link wrote. */
  out: number;
}

const sameShape = (a: Shape, b: Shape): boolean => a.length === b.length && a.every((d, i) => d === b[i]);

/** The output shape of a fusable step, or null. */
function fusable(s: Step): Shape | null {
  if (s.method === 'unary') {
    const [op, x, alpha] = s.args as [UnaryOp, KTensor, number | undefined];
    if (!FUSABLE_UNARY.includes(op) || x.dtype !== 'float32' || (alpha !== undefined && alpha !== 1)) return null;
    return x.shape;
  }
  if (s.method === 'binary') {
    const [op, a, b, outShape, outDtype] = s.args as [BinaryOp, KTensor, KTensor, Shape, string];
    if (!FUSABLE_BINARY.includes(op) || a.dtype !== 'float32' || b.dtype !== 'float32' || outDtype !== 'float32') return null;
    return outShape;
  }
  return null;
}

/** How an operand of shape `s` is read over an output [outer, inner]: full, scalar, row; null: not representable. */
function modeOf(s: Shape, size: number, outShape: Shape, outer: number, inner: number): 0 | 1 | 2 | null {
  if (size === 1) return 1;
  if (sameShape(s, outShape)) return 0;
  if (size === inner && outer > 1) {
    // a row: [..1s.., inner] against the output's last axis
    const k = s.length - 1;
    if (s[k] === outShape[outShape.length - 1] && s.slice(0, k).every((d) => d === 1)) return 2;
  }
  return null;
}

export function fuseElementwise(be: Backend, steps: Step[], bufs: Buf[], escaping: ReadonlySet<number>): { steps: Step[]; fused: number } {
  if (typeof (be as unknown as { fusedElementwise?: unknown }).fusedElementwise !== 'function') return { steps, fused: 0 };
  const uses = new Map<number, number>();
  for (const s of steps) for (const id of s.ins) uses.set(id, (uses.get(id) ?? 0) + 1);
  const groupOf = new Map<number, Group>(); // a group's current output buffer → the group
  const memberOf = new Map<Step, Group>();

  const join = (g: Group, s: Step, chainIn: number | null, other: Group | null = null, otherIn: number | null = null): boolean => {
    // registers: inputs are 0..; instruction k of the group is 1000 + k until the group is emitted
    const chainRef = 1000 + g.code.length - 1;
    const inputs = [...g.inputs];
    const modes = [...g.modes];
    const slots = [...g.slots];
    const inputReg = (id: number, mode: 0 | 1 | 2, slot: Slot): number => {
      for (let k = 0; k < inputs.length; k++) if (inputs[k] === id && modes[k] === mode) return k;
      inputs.push(id);
      modes.push(mode);
      slots.push(slot);
      return inputs.length - 1;
    };
    const code = [...g.code];
    let otherRef = -1;
    if (other) {
      // a second single-reader chain feeding this op: its program joins this one
      const off = code.length;
      const map = (r: number): number => (r >= 1000 ? 1000 + off + (r - 1000) : inputReg(other.inputs[r] as number, other.modes[r] as 0 | 1 | 2, other.slots[r] as Slot));
      for (const c of other.code) code.push(c[0] === 'u' ? ['u', c[1], map(c[2])] : ['b', c[1], map(c[2]), map(c[3])]);
      otherRef = 1000 + code.length - 1;
    }
    const regs: number[] = [];
    for (let j = 0; j < s.ins.length; j++) {
      const id = s.ins[j] as number;
      if (chainIn !== null && id === chainIn) regs.push(chainRef);
      else if (otherIn !== null && id === otherIn) regs.push(otherRef);
      else {
        const slot = s.slots[j] as Slot;
        const mode = modeOf(slot.shape, slot.size, g.outShape, g.outer, g.inner);
        if (mode === null) return false;
        regs.push(inputReg(id, mode, slot));
      }
    }
    if (inputs.length > 8 || code.length >= 24) return false;
    const op = s.args[0] as UnaryOp & BinaryOp;
    code.push(s.method === 'unary' ? ['u', op, regs[0] as number] : ['b', op, regs[0] as number, regs[1] as number]);
    g.inputs = inputs;
    g.modes = modes;
    g.slots = slots;
    g.code = code;
    if (other) {
      g.steps.push(...other.steps);
      for (const t of other.steps) memberOf.set(t, g);
    }
    g.steps.push(s);
    g.out = s.outs[0] as number;
    memberOf.set(s, g);
    return true;
  };

  for (const s of steps) {
    const shape = fusable(s);
    if (!shape) continue;
    let g: Group | null = null;
    let chainIn: number | null = null;
    for (const id of s.ins) {
      const gg = groupOf.get(id);
      if (gg && gg.out === id && uses.get(id) === 1 && !escaping.has(id) && sameShape(gg.outShape, shape) && (bufs[id] as Buf).kind === 'value') {
        g = gg;
        chainIn = id;
        break;
      }
    }
    if (g) {
      let other: Group | null = null;
      let otherIn: number | null = null;
      for (const id of s.ins) {
        const gg = groupOf.get(id);
        if (id !== chainIn && gg && gg !== g && gg.out === id && uses.get(id) === 1 && !escaping.has(id) && sameShape(gg.outShape, shape) && (bufs[id] as Buf).kind === 'value') {
          other = gg;
          otherIn = id;
        }
      }
      const out0 = g.out;
      if (join(g, s, chainIn, other, otherIn)) {
        groupOf.delete(out0);
        if (otherIn !== null) groupOf.delete(otherIn);
        groupOf.set(g.out, g);
        continue;
      }
      if (other && join(g, s, chainIn)) {
        groupOf.delete(out0);
        groupOf.set(g.out, g);
        continue;
      }
      groupOf.delete(out0);
    }
    const size = shape.reduce((a, d) => a * d, 1);
    const inner = shape.length > 0 ? (shape[shape.length - 1] as number) : 1;
    const ng: Group = { steps: [], outShape: shape, inner, outer: inner > 0 ? size / inner : 0, inputs: [], modes: [], slots: [], code: [], out: -1 };
    if (size > 0 && join(ng, s, null)) groupOf.set(ng.out, ng);
  }

  const out: Step[] = [];
  let fused = 0;
  for (const s of steps) {
    const g = memberOf.get(s);
    if (!g || g.steps.length < 2) {
      out.push(s);
      continue;
    }
    if (s !== g.steps[g.steps.length - 1]) continue; // emitted with the chain's last link
    const n = g.inputs.length;
    const code = g.code.map((c): FusedInstr => {
      const r = (x: number): number => (x >= 1000 ? n + (x - 1000) : x);
      return c[0] === 'u' ? ['u', c[1], r(c[2])] : ['b', c[1], r(c[2]), r(c[3])];
    });
    // without row operands the output is one flat run (whole SIMD blocks, not one ragged block per row)
    const flat = !g.modes.includes(2);
    const program: FusedProgram = { modes: g.modes, code, outer: flat ? 1 : g.outer, inner: flat ? g.outer * g.inner : g.inner };
    const slots = g.slots.map((sl): Slot => ({ data: null, shape: sl.shape, dtype: sl.dtype, size: sl.size }));
    out.push({ method: 'fusedElementwise', args: [program, slots], slots, ins: [...g.inputs], outs: [g.out], tuple: false });
    fused += g.steps.length;
  }
  return { steps: out, fused };
}
