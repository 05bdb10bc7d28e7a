/** Every op, by family. Each family file holds its ops' forward (kernel call) and gradient rule side by side. */
export * from './elementwise.js';
export * from './reduce.js';
export * from './matmul.js';
export * from './shape.js';
export * from './indexing.js';
export * from './activations.js';
// The geometry helpers (pair, resolvePadding, conv2dParams) stay internal: ops and layers import them from './conv.js'.
export { conv2d, conv2dTranspose, type Conv2dOptions, type Conv2dTransposeOptions, type Pair, type Padding } from './conv.js';
export * from './pool.js';
export * from './fused.js';
export * from './scan.js';
export * from './sort.js';
export * from './linalg.js';
