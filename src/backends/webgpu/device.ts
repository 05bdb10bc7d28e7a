/// <reference types="@webgpu/types" />
/**
 * The WebGPU device layer: adapter and device (requested once), a size-bucketed buffer pool,
 * a pipeline cache keyed by kernel variant, a cache of small parameter buffers (shapes repeat
 * every training step, so a step's parameter buffers are written once), and command batching:
 * dispatches are recorded into one compute pass of one command encoder and submitted together
 * when a value is read back, or every `FLUSH_EVERY` dispatches.
 *
 * Storage: float32 as f32, int32 and bool as i32 (4 bytes per element; bool is 0 or 1).
 */
import type { DType, TypedArray } from '../../tensor/dtype.js';

/** A pending buffer is recycled only after the commands that use it were submitted. */
const FLUSH_EVERY = 512;
/** Threads per workgroup of the one-thread-per-element kernels. */
export const WG = 256;
const MAX_GROUPS = 65535;
const PARAM_CACHE_LIMIT = 4096;

/** WGSL storage type of a dtype. */
export function wgslType(dtype: DType): 'f32' | 'i32' {
  if (dtype === 'float64') throw float64Error();
  return dtype === 'float32' ? 'f32' : 'i32';
}

export function float64Error(): Error {
  return new Error("webgpu backend: float64 is not supported (use float32, or setBackend('cpu') for float64)");
}

/**
 * WGSL helpers every kernel module starts with: the parameter buffer P (u32 words; floats are
 * bit-cast) and run-time NaN/∞ (constant NaN or ∞ is a shader-creation error in WGSL).
 */
export const PRELUDE = /* wgsl */ `
@group(0) @binding(0) var<storage, read> P: array<u32>;
fn pf(i: u32) -> f32 { return bitcast<f32>(P[i]); }
fn pi(i: u32) -> i32 { return bitcast<i32>(P[i]); }
fn nanf() -> f32 { return bitcast<f32>(0x7fc00000u | (arrayLength(&P) & 0u)); }
fn inff() -> f32 { return bitcast<f32>(0x7f800000u | (arrayLength(&P) & 0u)); }
// NaN by its bits: drivers may fold x != x to false
fn isnan_(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }
fn gidx(gid: vec3<u32>, nwg: vec3<u32>) -> u32 { return gid.y * nwg.x * ${WG}u + gid.x; }
`;

/** Builds a parameter block: u32 words, with int and float values bit-cast. */
export class Params {
  readonly words: number[] = [];
  private readonly f = new Float32Array(1);
  private readonly u = new Uint32Array(this.f.buffer);
  u32(...v: number[]): this {
    for (const x of v) this.words.push(x >>> 0);
    return this;
  }
  i32(...v: number[]): this {
    for (const x of v) this.words.push(x | 0);
    return this;
  }
  f32(...v: number[]): this {
    for (const x of v) {
      this.f[0] = x;
      this.words.push(this.u[0] as number);
    }
    return this;
  }
  /** A value in a dtype's storage bits. */
  value(x: number, dtype: DType): this {
    if (dtype === 'float32') return this.f32(x);
    if (dtype === 'bool') return this.u32(x ? 1 : 0);
    return this.i32(Math.trunc(x));
  }
}

export interface GpuModule {
  create(options: string[]): GPU;
  globals: object;
}

let gpuPromise: Promise<Gpu> | null = null;

/**
 * The one device of this process, requested on first use. In browsers it comes from
 * `navigator.gpu`; in Node from the optional peer dependency `webgpu` (Dawn), loaded by a dynamic
 * import only now. Rejects with a readable reason when there is no adapter.
 */
export function requestGpu(): Promise<Gpu> {
  gpuPromise ??= openGpu();
  return gpuPromise;
}

async function openGpu(): Promise<Gpu> {
  let gpu: GPU | undefined = (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
  const proc = (globalThis as { process?: { versions?: { node?: string }; env?: Record<string, string | undefined> } }).process;
  if (!gpu && proc?.versions?.node) {
    const env = proc.env ?? {};
    // Tests and the GPU script run on Mesa's CPU Vulkan driver (lavapipe) when no other is named.
    let mod: GpuModule;
    try {
      const spec = 'webgpu';
      mod = (await import(/* @vite-ignore */ /* webpackIgnore: true */ spec)) as GpuModule;
    } catch (e) {
      throw new Error(`webgpu: the optional package 'webgpu' (Dawn for Node) is not installed (npm install webgpu): ${(e as Error).message}`);
    }
    Object.assign(globalThis, mod.globals);
    const flags = env.NABLA_WEBGPU_FLAGS ? env.NABLA_WEBGPU_FLAGS.split(',') : [];
    gpu = mod.create(flags);
  }
  if (!gpu) throw new Error('webgpu: no WebGPU here (navigator.gpu is missing)');
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) throw new Error('webgpu: no WebGPU adapter found (no GPU driver, or WebGPU is disabled)');
  const lim = adapter.limits;
  const device = await adapter.requestDevice({
    requiredLimits: {
      maxStorageBufferBindingSize: lim.maxStorageBufferBindingSize,
      maxBufferSize: lim.maxBufferSize,
      maxStorageBuffersPerShaderStage: Math.min(lim.maxStorageBuffersPerShaderStage, 10),
    },
  });
  const info = (adapter as { info?: GPUAdapterInfo }).info;
  return new Gpu(gpu, device, info ? `${info.vendor} ${info.architecture} ${info.device} ${info.description}`.replace(/\s+/g, ' ').trim() : 'unknown adapter');
}

interface Pipe {
  pipeline: GPUComputePipeline;
  layout: GPUBindGroupLayout;
}

/** A storage buffer binding: a handle (GPUBuffer) used as input or output. */
export type Buf = GPUBuffer;

export class Gpu {
  readonly queue: GPUQueue;
  private readonly pool = new Map<number, GPUBuffer[]>();
  private pendingFree: GPUBuffer[] = [];
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private dispatches = 0;
  private readonly pipes = new Map<string, Pipe>();
  private paramCache = new Map<string, GPUBuffer>();
  private readonly stagingPool = new Map<number, GPUBuffer[]>();
  private readonly maxBinding: number;
  /** Live handles and their bytes (for `memory()`); pooled buffers are not counted. */
  liveBuffers = 0;
  liveBytes = 0;
  pooledBytes = 0;
  lastError: string | null = null;

  /** `gpu` is held for the device's lifetime: Dawn for Node tears its instance down when the GPU object is collected. */
  constructor(readonly instance: GPU, readonly device: GPUDevice, readonly adapterName: string) {
    this.queue = device.queue;
    this.maxBinding = device.limits.maxStorageBufferBindingSize;
    device.onuncapturederror = (ev: GPUUncapturedErrorEvent): void => {
      const msg = ev.error.message;
      if (this.lastError !== msg) console.error(`nabla webgpu: ${msg}`);
      this.lastError = msg;
    };
  }

  /** Bytes of a buffer holding `n` elements (4 bytes each), rounded up to its pool bucket. */
  static bucket(bytes: number): number {
    const b = Math.max(16, bytes);
    if (b <= 64 << 20) return 2 ** Math.ceil(Math.log2(b));
    const step = 16 << 20;
    return Math.ceil(b / step) * step;
  }

  /** A buffer for `n` 4-byte elements, from the pool when one is free. */
  alloc(n: number): GPUBuffer {
    const size = Gpu.bucket(n * 4);
    const list = this.pool.get(size);
    let b = list?.pop();
    if (b) this.pooledBytes -= size;
    else {
      b = this.device.createBuffer({ size, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
    }
    this.liveBuffers++;
    this.liveBytes += size;
    return b;
  }

  /** Returns a handle; it goes back to the pool once the commands recorded so far are submitted. */
  release(b: GPUBuffer): void {
    this.liveBuffers--;
    this.liveBytes -= b.size;
    if (this.encoder) this.pendingFree.push(b);
    else this.recycle(b);
  }

  private recycle(b: GPUBuffer): void {
    let list = this.pool.get(b.size);
    if (!list) this.pool.set(b.size, (list = []));
    list.push(b);
    this.pooledBytes += b.size;
  }

  /** Uploads 4-byte elements. */
  upload(values: Float32Array | Int32Array | Uint32Array): GPUBuffer {
    const b = this.alloc(values.length);
    if (values.length) this.queue.writeBuffer(b, 0, values.buffer, values.byteOffset, values.length * 4);
    return b;
  }

  private params(p: Params): GPUBuffer {
    const key = p.words.join(',');
    let b = this.paramCache.get(key);
    if (b) return b;
    if (this.paramCache.size >= PARAM_CACHE_LIMIT) this.paramCache = new Map(); // buffers in flight stay alive until collected
    const words = p.words.length ? p.words : [0];
    b = this.device.createBuffer({ size: Math.max(16, words.length * 4), usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
    this.queue.writeBuffer(b, 0, new Uint32Array(words));
    this.paramCache.set(key, b);
    return b;
  }

  /** The pipeline of kernel variant `key`, compiled from `code()` on first use. */
  pipeline(key: string, code: () => string): Pipe {
    let p = this.pipes.get(key);
    if (p) return p;
    const module = this.device.createShaderModule({ code: PRELUDE + code(), label: key });
    const pipeline = this.device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' }, label: key });
    p = { pipeline, layout: pipeline.getBindGroupLayout(0) };
    this.pipes.set(key, p);
    return p;
  }

  private computePass(): GPUComputePassEncoder {
    if (!this.pass) {
      this.encoder ??= this.device.createCommandEncoder();
      this.pass = this.encoder.beginComputePass();
    }
    return this.pass;
  }

  /**
   * Records one dispatch of kernel `key`: binding 0 is the parameter block, bindings 1… are
   * `bufs` in order (the kernel declares which are read and which written).
   */
  run(key: string, code: () => string, bufs: readonly GPUBuffer[], params: Params, groups: readonly [number, number?, number?]): void {
    const { pipeline, layout } = this.pipeline(key, code);
    const entries: GPUBindGroupEntry[] = [{ binding: 0, resource: { buffer: this.params(params) } }];
    bufs.forEach((buffer, i) => entries.push({ binding: i + 1, resource: { buffer, size: Math.min(buffer.size, this.maxBinding) } }));
    const bind = this.device.createBindGroup({ layout, entries });
    const pass = this.computePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bind);
    pass.dispatchWorkgroups(groups[0], groups[1] ?? 1, groups[2] ?? 1);
    if (++this.dispatches >= FLUSH_EVERY) this.flush();
  }

  /** Workgroup counts for `n` threads of the one-thread-per-element kernels (see `gidx`). */
  static grid(n: number, wg = WG): [number, number] {
    const g = Math.ceil(n / wg);
    if (g <= MAX_GROUPS) return [Math.max(1, g), 1];
    return [MAX_GROUPS, Math.ceil(g / MAX_GROUPS)];
  }

  /** Workgroup counts for one workgroup per item. */
  static groupsFor(n: number): [number, number] {
    if (n <= MAX_GROUPS) return [Math.max(1, n), 1];
    return [MAX_GROUPS, Math.ceil(n / MAX_GROUPS)];
  }

  copy(src: GPUBuffer, dst: GPUBuffer, bytes: number, srcOffset = 0, dstOffset = 0): void {
    if (bytes <= 0) return;
    if (this.pass) {
      this.pass.end();
      this.pass = null;
    }
    this.encoder ??= this.device.createCommandEncoder();
    this.encoder.copyBufferToBuffer(src, srcOffset, dst, dstOffset, bytes);
  }

  /** Submits everything recorded so far. */
  flush(): void {
    if (this.pass) {
      this.pass.end();
      this.pass = null;
    }
    if (this.encoder) {
      this.queue.submit([this.encoder.finish()]);
      this.encoder = null;
    }
    this.dispatches = 0;
    const freed = this.pendingFree;
    this.pendingFree = [];
    for (const b of freed) this.recycle(b);
  }

  /** Reads `n` 4-byte elements back. */
  async read(src: GPUBuffer, n: number): Promise<ArrayBuffer> {
    const bytes = n * 4;
    if (bytes === 0) return new ArrayBuffer(0);
    const size = Gpu.bucket(bytes);
    const staging = this.stagingPool.get(size)?.pop() ?? this.device.createBuffer({ size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    this.copy(src, staging, bytes);
    this.flush();
    // Dawn for Node does not keep the event loop alive while a map is pending: a timer does
    const keepAlive = setInterval(() => {}, 1000);
    try {
      await staging.mapAsync(GPUMapMode.READ, 0, bytes);
    } finally {
      clearInterval(keepAlive);
    }
    const out = staging.getMappedRange(0, bytes).slice(0);
    staging.unmap();
    let list = this.stagingPool.get(size);
    if (!list) this.stagingPool.set(size, (list = []));
    if (list.length < 4) list.push(staging);
    else staging.destroy();
    return out;
  }

  /** Frees the pooled buffers (kept while the device lives otherwise). */
  trim(): void {
    for (const list of this.pool.values()) for (const b of list) b.destroy();
    this.pool.clear();
    this.pooledBytes = 0;
  }
}

/** A typed array of 4-byte elements for upload (bool as 0/1 int32). */
export function toWords(values: TypedArray, dtype: DType): Float32Array | Int32Array {
  if (dtype === 'float64') throw float64Error();
  if (dtype === 'float32') return values instanceof Float32Array ? values : Float32Array.from(values as ArrayLike<number>);
  if (values instanceof Int32Array) return values;
  const o = new Int32Array(values.length);
  if (dtype === 'bool') for (let i = 0; i < values.length; i++) o[i] = values[i] ? 1 : 0;
  else for (let i = 0; i < values.length; i++) o[i] = values[i] as number;
  return o;
}

/** The typed array of a dtype from read-back words. */
export function fromWords(buf: ArrayBuffer, dtype: DType, n: number): TypedArray {
  if (dtype === 'float32') return new Float32Array(buf, 0, n);
  const ints = new Int32Array(buf, 0, n);
  if (dtype === 'int32') return ints;
  const o = new Uint8Array(n);
  for (let i = 0; i < n; i++) o[i] = ints[i] ? 1 : 0;
  return o;
}
