/**
 * nabla (∇): tensors with reverse-mode autodiff, interchangeable backends, neural networks.
 *
 * Images are NCHW ([batch, channels, height, width]) everywhere; convolution filters are OIHW.
 */
import { asyncBackendNames, backendNames, findBackend, registerAsyncBackend, registerBackend, setAsyncDefault } from './engine.js';
import { fail } from './validate.js';
import { createCpuBackend } from './backends/cpu/index.js';
import { createWasmBackend, wasmAvailable } from './backends/wasm/index.js';
import { createWebGpuBackend } from './backends/webgpu/index.js';
export { WasmOutOfMemoryError } from './backends/wasm/index.js';

// 'cpu' is the reference backend; 'wasm' runs SIMD kernels on all cores and is the default
// wherever it is available (it stores no float64: code that creates float64 tensors pins 'cpu').
// The environment variable NABLA_BACKEND (Node) picks the default explicitly; a backend that
// starts asynchronously (webgpu) is started by `await nb.ready()`.
const WASM_IS_DEFAULT = true;
const envBackend = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.NABLA_BACKEND;
const ASYNC_BACKENDS = ['webgpu'];
const envSync = envBackend && !ASYNC_BACKENDS.includes(envBackend) ? envBackend : undefined;
registerBackend('cpu', createCpuBackend, { isDefault: true });
registerBackend('wasm', () => {
  try {
    return createWasmBackend();
  } catch (e) {
    console.warn(`nabla: the wasm backend is unavailable (${(e as Error).message}); using cpu`);
    return findBackend('cpu');
  }
}, { isDefault: envSync ? envSync === 'wasm' : WASM_IS_DEFAULT && wasmAvailable() });
// 'webgpu' starts asynchronously (await nb.setBackendAsync('webgpu')); in Node the optional
// 'webgpu' package loads only then. Its code is imported statically: a dynamic import of a module
// of nabla's own would split every user's bundle into chunks (Rollup's single-file output refuses).
registerAsyncBackend('webgpu', () => createWebGpuBackend());
// A misspelt name (NABLA_BACKEND=WASM) must not silently run on the default backend.
if (envBackend && asyncBackendNames().includes(envBackend)) setAsyncDefault(envBackend);
else if (envBackend && !backendNames().includes(envBackend)) {
  const names = [...backendNames(), ...asyncBackendNames().filter((n) => !backendNames().includes(n))];
  fail('nabla', 'the environment variable NABLA_BACKEND', `a backend name (${names.map((n) => `'${n}'`).join(' or ')}) or unset`, envBackend);
}

export { Tensor } from './tensor/tensor.js';
export type { NestedArray, TensorLike } from './tensor/tensor.js';
export type { DType, TypedArray } from './tensor/dtype.js';
export type { Shape } from './tensor/shape.js';
export * from './tensor/creation.js';
export { seed, Random } from './tensor/random.js';
export * from './ops/index.js';
export {
  tidy, keep, dispose, memory, noGrad, withGrad, isGradEnabled, setBackend, setBackendAsync, getBackend, registerBackend, registerAsyncBackend,
  backendNames, asyncBackendNames, listOps, ready,
} from './engine.js';
export type { MemoryInfo, OpDef } from './engine.js';
export { grad, valueAndGrad } from './autograd/functional.js';
export type { Grads } from './autograd/functional.js';
export type { Backend, KTensor } from './backends/interface.js';
import * as testing from './testing.js';
export { testing };

// The layers above tensors. Each is built only from the public tensor API.
export * as nn from './nn/index.js';
export * as optim from './optim/index.js';
export * as train from './train/index.js';
export * as data from './data/index.js';
export * as io from './io/index.js';
export * as viz from './viz/index.js';
export * as debug from './debug.js';
export { explain } from './nn/explain.js';
export type { Explanation, ExplainOptions, LayerExplanation } from './nn/explain.js';
export * as graph from './graph/index.js';
export { jit } from './jit/jit.js';
export type { Jitted, JitOptions, JitStats } from './jit/jit.js';
