/** Every op, by family. Each family file holds its ops' forward (kernel call) and gradient rule side by side. */
export * from './elementwise.js';
export * from './reduce.js';
export * from './matmul.js';
export * from './shape.js';
export * from './indexing.js';
export * from './activations.js';
// The geometry helpers (pair, resolvePadding, conv2dParams) stay internal: ops and layers import them from './conv.js'.
export {
  conv2d, conv2dTranspose, conv1d, conv3d, type Conv2dOptions, type Conv2dTransposeOptions, type Conv1dOptions, type Conv3dOptions, type Pair, type Padding,
  type Triple, type Padding1d, type Padding3d,
} from './conv.js';
export * from './pool.js';
export * from './fused.js';
export { padMode, type PadMode, type PadOptions } from './padding.js';
export * from './scan.js';
export * from './sort.js';
export * from './linalg.js';
