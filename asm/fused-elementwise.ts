// A chain of float32 elementwise ops evaluated in one pass (nb.jit's elementwise fusion): a tiny
// register program interpreted per block of BLOCK elements, each instruction one SIMD loop over
// the block (the op is chosen once per instruction and block, outside the loop), so intermediates
// stay in a few KiB of cache instead of whole tensors in memory. Inputs are read in place and the
// last instruction writes the output in place whenever the block is a whole number of vectors;
// only ragged tail blocks go through the register scratch.
// Each instruction rounds to float32 exactly as the separate unary/binary kernel does (same SIMD
// operations), so a fused chain gives the unfused results bit for bit.
//
// prog (i32 words): nIn × [ptr, mode] (mode 0 = full [outer, inner], 1 = scalar, 2 = row: index
// i of the inner axis), then nInstr × [kind (0 unary, 1 binary), op code, a, b] where registers
// 0..nIn-1 are the inputs and nIn + j instruction j's result; the last result is written to out.
// regs: (nIn + nInstr) × BLOCK floats of scratch, then (nIn + nInstr) i32 register pointers.

const BLOCK: i32 = 256;
// op codes: those of the unary/binary kernels (asm/elementwise.ts)
const U_NEG = 0, U_SQRT = 3, U_ABS = 5, U_SQUARE = 7, U_RECIP = 8, U_RELU = 11, U_STEP = 13;
const B_ADD = 0, B_SUB = 1, B_MUL = 2, B_DIV = 3, B_MAX = 5, B_MIN = 6, B_RELUGRAD = 17;

function unLoop(op: i32, pa: usize, pd: usize, vlen: i32): void {
  const end = pd + (<usize>vlen << 2);
  const zero = f32x4.splat(0);
  if (op == U_NEG) { for (; pd < end; pd += 16, pa += 16) v128.store(pd, f32x4.neg(v128.load(pa))); return; }
  if (op == U_ABS) { for (; pd < end; pd += 16, pa += 16) v128.store(pd, f32x4.abs(v128.load(pa))); return; }
  if (op == U_SQUARE) { for (; pd < end; pd += 16, pa += 16) { const x = v128.load(pa); v128.store(pd, f32x4.mul(x, x)); } return; }
  if (op == U_SQRT) { for (; pd < end; pd += 16, pa += 16) v128.store(pd, f32x4.sqrt(v128.load(pa))); return; }
  if (op == U_RECIP) { const one = f32x4.splat(1); for (; pd < end; pd += 16, pa += 16) v128.store(pd, f32x4.div(one, v128.load(pa))); return; }
  if (op == U_RELU) { for (; pd < end; pd += 16, pa += 16) v128.store(pd, f32x4.max(v128.load(pa), zero)); return; }
  // U_STEP: 1 where x > 0, NaN stays NaN, else 0
  const one = f32x4.splat(1);
  for (; pd < end; pd += 16, pa += 16) {
    const x = v128.load(pa);
    v128.store(pd, v128.bitselect(x, v128.bitselect(one, zero, f32x4.gt(x, zero)), f32x4.ne(x, x)));
  }
}

function binLoop(op: i32, pa: usize, pb: usize, pd: usize, vlen: i32): void {
  const end = pd + (<usize>vlen << 2);
  if (op == B_ADD) { for (; pd < end; pd += 16, pa += 16, pb += 16) v128.store(pd, f32x4.add(v128.load(pa), v128.load(pb))); return; }
  if (op == B_SUB) { for (; pd < end; pd += 16, pa += 16, pb += 16) v128.store(pd, f32x4.sub(v128.load(pa), v128.load(pb))); return; }
  if (op == B_MUL) { for (; pd < end; pd += 16, pa += 16, pb += 16) v128.store(pd, f32x4.mul(v128.load(pa), v128.load(pb))); return; }
  if (op == B_DIV) { for (; pd < end; pd += 16, pa += 16, pb += 16) v128.store(pd, f32x4.div(v128.load(pa), v128.load(pb))); return; }
  if (op == B_MAX) { for (; pd < end; pd += 16, pa += 16, pb += 16) v128.store(pd, f32x4.max(v128.load(pa), v128.load(pb))); return; }
  if (op == B_MIN) { for (; pd < end; pd += 16, pa += 16, pb += 16) v128.store(pd, f32x4.min(v128.load(pa), v128.load(pb))); return; }
  // B_RELUGRAD
  const zero = f32x4.splat(0);
  for (; pd < end; pd += 16, pa += 16, pb += 16) v128.store(pd, v128.and(v128.load(pa), f32x4.gt(v128.load(pb), zero)));
}

export function fusedElementwise(prog: usize, nIn: i32, nInstr: i32, regs: usize, out: usize, outer: i32, inner: i32): void {
  const code = prog + (<usize>(2 * nIn) << 2);
  const blockBytes = <usize>BLOCK << 2;
  const nRegs = nIn + nInstr;
  const ptrs = regs + <usize>nRegs * blockBytes; // the current block's address of each register
  for (let r = 0; r < nRegs; r++) store<i32>(ptrs + (<usize>r << 2), <i32>(regs + <usize>r * blockBytes));
  // scalars fill their register once
  for (let k = 0; k < nIn; k++) {
    if (load<i32>(prog + (<usize>(2 * k + 1) << 2)) != 1) continue;
    const v = f32x4.splat(load<f32>(<usize>load<i32>(prog + (<usize>(2 * k) << 2))));
    const dst = regs + <usize>k * blockBytes;
    for (let j = 0; j < BLOCK; j += 4) v128.store(dst + (<usize>j << 2), v);
  }
  const last = ptrs + (<usize>(nRegs - 1) << 2);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i += BLOCK) {
      const len = min(BLOCK, inner - i);
      const whole = (len & 3) == 0; // no lanes past the block: read inputs and write the output in place
      const vlen = (len + 3) & ~3; // whole vectors (the tail lanes are scratch, never stored)
      for (let k = 0; k < nIn; k++) {
        const mode = load<i32>(prog + (<usize>(2 * k + 1) << 2));
        if (mode == 1) continue;
        const src = <usize>load<i32>(prog + (<usize>(2 * k) << 2)) + (<usize>((mode == 0 ? o * inner : 0) + i) << 2);
        const reg = regs + <usize>k * blockBytes;
        if (whole) store<i32>(ptrs + (<usize>k << 2), <i32>src);
        else {
          memory.copy(reg, src, <usize>len << 2);
          store<i32>(ptrs + (<usize>k << 2), <i32>reg);
        }
      }
      const dst = out + (<usize>(o * inner + i) << 2);
      store<i32>(last, <i32>(whole ? dst : regs + <usize>(nRegs - 1) * blockBytes));
      for (let j = 0; j < nInstr; j++) {
        const w = code + (<usize>(4 * j) << 2);
        const pa = <usize>load<i32>(ptrs + (<usize>load<i32>(w, 8) << 2));
        const pd = <usize>load<i32>(ptrs + (<usize>(nIn + j) << 2));
        if (load<i32>(w) == 0) unLoop(load<i32>(w, 4), pa, pd, vlen);
        else binLoop(load<i32>(w, 4), pa, <usize>load<i32>(ptrs + (<usize>load<i32>(w, 12) << 2)), pd, vlen);
      }
      if (!whole) memory.copy(dst, regs + <usize>(nRegs - 1) * blockBytes, <usize>len << 2);
    }
  }
}
