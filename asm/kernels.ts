// nabla wasm kernels (AssemblyScript). Compiled by scripts/build-wasm.mjs into dist/wasm/*.wasm;
// this file is the module's entry: it names every export, and the kernels live in one file per
// family, with the same names as the other backends' (src/backends/{cpu,wasm,webgpu}/<family>.ts).
//
// Conventions: every pointer is a byte address in the one (shared) linear memory that the
// TypeScript side manages (src/backends/wasm/); kernels never allocate. Element codes:
// 0 = float32, 1 = int32, 2 = bool (u8). Kernels that can run on several threads take
// (tid, part, parts) last: they compute part `part` of `parts` equal parts of the work, using the
// scratch of thread `tid`. Parts are handed out dynamically (src/backends/wasm/threads.ts) and
// every output element is computed the same way whatever the split, so results are identical
// for every thread count.

export { heapBase } from './device';
export { fill32, fill8, cast, unary, binary, where } from './elementwise';
export { reduce, argReduce, cumulative, argsort } from './reduce';
export { copyStrided, transpose2d, gather, scatterAdd, oneHot } from './indexing';
export { GEMM_SCRATCH, packPanels, gemm } from './matmul';
export { conv2d, conv2dBackpropInput, FILTER_CHUNK, conv2dBackpropFilter, sumParts, conv2dDirect, conv2dBackpropFilterDirect } from './conv';
export { maxPool2d, maxPool2dBackward, avgPool2d, avgPool2dBackward } from './pool';
export { adamStep, lstmCell, lstmCellBackward, lstmCellBackwardSeq, gruCell, gruCellBackward } from './fused';
export { fusedElementwise } from './fused-elementwise';
export { softmaxCrossEntropy, softmaxCrossEntropyBackward } from './loss';
