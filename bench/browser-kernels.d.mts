// Types of bench/browser-kernels.mjs.
export function kernelChecks(nb: typeof import('../src/index.js')): Record<string, { hash: string; sum: number }>;
