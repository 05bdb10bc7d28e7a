/**
 * The optional `fusedElementwise` kernel (used by nb.jit's elementwise fusion): a chain of float32
 * unary/binary ops evaluated in one pass over the output, intermediates never stored. Each step
 * rounds to float32 like the separate kernel it replaces, so results are those of the chain run
 * op by op. Backends without it (webgpu) run the chain unfused.
 */
import type { BinaryOp, KTensor, UnaryOp } from './interface.js';

/** The ops a fused program may hold (those whose fused and separate results agree bit for bit). */
export const FUSABLE_UNARY: readonly UnaryOp[] = ['neg', 'sqrt', 'abs', 'square', 'reciprocal', 'relu', 'step'];
export const FUSABLE_BINARY: readonly BinaryOp[] = ['add', 'sub', 'mul', 'div', 'maximum', 'minimum', 'reluGrad'];

/** One instruction: a unary op of register a, or a binary op of registers a and b. */
export type FusedInstr = readonly ['u', UnaryOp, number] | readonly ['b', BinaryOp, number, number];

/**
 * A program over an output viewed as [outer, inner]. Registers 0..n-1 are the inputs, read per
 * `modes[k]`: 0 = full (same shape as the output), 1 = scalar (one element), 2 = row (the inner
 * axis only, broadcast over outer); register n + j is instruction j's result, and the last one is
 * the output.
 */
export interface FusedProgram {
  readonly modes: readonly (0 | 1 | 2)[];
  readonly code: readonly FusedInstr[];
  readonly outer: number;
  readonly inner: number;
}

export interface FusedElementwiseKernel {
  /** Evaluates `p` on float32 inputs; returns the float32 output handle ([outer·inner] elements). */
  fusedElementwise(p: FusedProgram, inputs: readonly KTensor[]): unknown;
}

/** The reference evaluation (plain loops, float32 rounding after every op) into `out`. */
export function evalFused(p: FusedProgram, ins: readonly ArrayLike<number>[], out: Float32Array, unary: (op: UnaryOp) => (x: number) => number, binary: (op: BinaryOp) => (a: number, b: number) => number): void {
  const n = ins.length;
  const fns = p.code.map((c) => (c[0] === 'u' ? unary(c[1]) : binary(c[1])));
  const regs = new Float64Array(n + p.code.length);
  const r = Math.fround;
  for (let o = 0; o < p.outer; o++) {
    for (let i = 0; i < p.inner; i++) {
      for (let k = 0; k < n; k++) {
        const m = p.modes[k];
        regs[k] = (ins[k] as ArrayLike<number>)[m === 0 ? o * p.inner + i : m === 1 ? 0 : i] as number;
      }
      for (let j = 0; j < p.code.length; j++) {
        const c = p.code[j] as FusedInstr;
        regs[n + j] = c[0] === 'u' ? r((fns[j] as (x: number) => number)(regs[c[2]] as number)) : r((fns[j] as (a: number, b: number) => number)(regs[c[2]] as number, regs[c[3]] as number));
      }
      out[o * p.inner + i] = regs[n + p.code.length - 1] as number;
    }
  }
}
