/**
 * The wasm `fusedElementwise` kernel (asm/fused-elementwise.ts): writes the program into the
 * backend's parameter block and runs it over the output with a few KiB of register scratch.
 */
import type { BinaryOp, KTensor, UnaryOp } from '../interface.js';
import type { DType } from '../../tensor/dtype.js';
import type { FusedProgram } from '../fused-elementwise.js';

// the op codes of asm/kernels.ts (the wasm backend's UNARY_OPS / BINARY_OPS order)
const UNARY: Partial<Record<UnaryOp, number>> = { neg: 0, sqrt: 3, abs: 5, square: 7, reciprocal: 8, relu: 11, step: 13 };
const BINARY: Partial<Record<BinaryOp, number>> = { add: 0, sub: 1, mul: 2, div: 3, maximum: 5, minimum: 6, reluGrad: 17 };
const BLOCK = 256;

/** What the kernel needs of the backend (its private members, seen from this file). */
export interface WasmFusedHost {
  readonly k: unknown;
  readonly params: number;
  readonly i32: Int32Array;
  alloc(dtype: DType, n: number): number;
  scratch(bytes: number): number;
  release(p: number, bytes: number): void;
}

export function fusedElementwiseWasm(h: WasmFusedHost, p: FusedProgram, ins: readonly KTensor[]): unknown {
  const n = ins.length;
  const m = p.code.length;
  if ((2 * n + 4 * m) * 4 > 4096) throw new Error(`fusedElementwise: a program of ${m} instructions on ${n} inputs is too long`);
  const out = h.alloc('float32', p.outer * p.inner);
  const regsBytes = (n + m) * BLOCK * 4;
  const regs = h.scratch(regsBytes);
  try {
    const w = h.i32; // read after the allocations (a memory growth renews the views)
    const base = h.params >> 2;
    ins.forEach((t, k) => {
      w[base + 2 * k] = t.data as number;
      w[base + 2 * k + 1] = p.modes[k] as number;
    });
    p.code.forEach((c, j) => {
      const q = base + 2 * n + 4 * j;
      const code = c[0] === 'u' ? UNARY[c[1]] : BINARY[c[1]];
      if (code === undefined) throw new Error(`fusedElementwise: '${c[1]}' cannot be fused`);
      w[q] = c[0] === 'u' ? 0 : 1;
      w[q + 1] = code;
      w[q + 2] = c[2];
      w[q + 3] = c[0] === 'b' ? c[3] : 0;
    });
    (h.k as { fusedElementwise: (...a: number[]) => void }).fusedElementwise(h.params, n, m, regs, out, p.outer, p.inner);
  } finally {
    h.release(regs, regsBytes);
  }
  return out;
}
