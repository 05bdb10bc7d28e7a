/** Every op, by family. Each family file holds its ops' forward (kernel call) and gradient rule side by side. */
export * from './elementwise.js';
export * from './reduce.js';
export * from './matmul.js';
export * from './shape.js';
export * from './indexing.js';
export * from './activations.js';
export * from './conv.js';
export * from './pool.js';
export * from './fused.js';
