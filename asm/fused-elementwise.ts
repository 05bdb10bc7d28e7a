// A chain of float32 elementwise ops evaluated in one pass (nb.jit's elementwise fusion): a tiny
// register program interpreted per block of BLOCK elements, each instruction one SIMD loop over
// the block, so intermediates stay in a few KiB of cache instead of whole tensors in memory.
// Each instruction rounds to float32 exactly as the separate unary/binary kernel does (same SIMD
// operations), so a fused chain gives the unfused results bit for bit.
//
// prog (i32 words): nIn × [ptr, mode] (mode 0 = full [outer, inner], 1 = scalar, 2 = row: index
// i of the inner axis), then nInstr × [kind (0 unary, 1 binary), op code, a, b] where registers
// 0..nIn-1 are the inputs and nIn + j instruction j's result; the last result is written to out.
// regs: (nIn + nInstr) × BLOCK floats of scratch.

const BLOCK: i32 = 256;
// op codes: those of the unary/binary kernels (asm/kernels.ts)
const U_NEG = 0, U_SQRT = 3, U_ABS = 5, U_SQUARE = 7, U_RECIP = 8, U_RELU = 11, U_STEP = 13;
const B_ADD = 0, B_SUB = 1, B_MUL = 2, B_DIV = 3, B_MAX = 5, B_MIN = 6, B_RELUGRAD = 17;

@inline function un(op: i32, x: v128): v128 {
  const zero = f32x4.splat(0);
  if (op == U_NEG) return f32x4.neg(x);
  if (op == U_ABS) return f32x4.abs(x);
  if (op == U_SQUARE) return f32x4.mul(x, x);
  if (op == U_SQRT) return f32x4.sqrt(x);
  if (op == U_RECIP) return f32x4.div(f32x4.splat(1), x);
  if (op == U_RELU) return f32x4.max(x, zero);
  // U_STEP: 1 where x > 0, NaN stays NaN, else 0
  const s = v128.bitselect(f32x4.splat(1), zero, f32x4.gt(x, zero));
  return v128.bitselect(x, s, f32x4.ne(x, x));
}

@inline function bin(op: i32, a: v128, b: v128): v128 {
  if (op == B_ADD) return f32x4.add(a, b);
  if (op == B_SUB) return f32x4.sub(a, b);
  if (op == B_MUL) return f32x4.mul(a, b);
  if (op == B_DIV) return f32x4.div(a, b);
  if (op == B_MAX) return f32x4.max(a, b);
  if (op == B_MIN) return f32x4.min(a, b);
  return v128.and(a, f32x4.gt(b, f32x4.splat(0))); // B_RELUGRAD
}

/** Fills register r with the block [i, i + len) of row o of input k. */
@inline function loadInput(prog: usize, k: i32, dst: usize, o: i32, i: i32, len: i32, inner: i32): void {
  const ptr = <usize>load<i32>(prog + (<usize>(2 * k) << 2));
  const mode = load<i32>(prog + (<usize>(2 * k + 1) << 2));
  if (mode == 1) {
    const v = f32x4.splat(load<f32>(ptr));
    for (let j = 0; j < len; j += 4) v128.store(dst + (<usize>j << 2), v);
  } else {
    const src = ptr + (<usize>((mode == 0 ? o * inner : 0) + i) << 2);
    memory.copy(dst, src, <usize>len << 2);
  }
}

export function fusedElementwise(prog: usize, nIn: i32, nInstr: i32, regs: usize, out: usize, outer: i32, inner: i32): void {
  const code = prog + (<usize>(2 * nIn) << 2);
  const blockBytes = <usize>BLOCK << 2;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i += BLOCK) {
      const len = min(BLOCK, inner - i);
      const vlen = (len + 3) & ~3; // whole vectors (the tail lanes are scratch, never stored)
      for (let k = 0; k < nIn; k++) loadInput(prog, k, regs + <usize>k * blockBytes, o, i, len, inner);
      for (let j = 0; j < nInstr; j++) {
        const w = code + (<usize>(4 * j) << 2);
        const kind = load<i32>(w);
        const op = load<i32>(w, 4);
        const pa = regs + <usize>load<i32>(w, 8) * blockBytes;
        const pd = regs + <usize>(nIn + j) * blockBytes;
        if (kind == 0) {
          for (let e = 0; e < vlen; e += 4) {
            const off = <usize>e << 2;
            v128.store(pd + off, un(op, v128.load(pa + off)));
          }
        } else {
          const pb = regs + <usize>load<i32>(w, 12) * blockBytes;
          for (let e = 0; e < vlen; e += 4) {
            const off = <usize>e << 2;
            v128.store(pd + off, bin(op, v128.load(pa + off), v128.load(pb + off)));
          }
        }
      }
      memory.copy(out + (<usize>(o * inner + i) << 2), regs + <usize>(nIn + nInstr - 1) * blockBytes, <usize>len << 2);
    }
  }
}
