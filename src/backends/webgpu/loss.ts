/**
 * Loss kernels: softmax cross-entropy forward (per row: max, log-sum-exp and the loss; one thread
 * per row, or for the reduced loss one workgroup striding over the rows and adding their losses)
 * and backward (one thread per element). See src/backends/interface.ts for the formulas.
 */
import type { KTensor } from '../interface.js';
import { Gpu, Params, WG, wgslType, type Buf } from './device.js';

const buf = (t: KTensor): Buf => t.data as Buf;

function checkF32(op: string, z: KTensor): void {
  if (wgslType(z.dtype) !== 'f32') throw new Error(`webgpu backend: ${op} takes float32 logits, got ${z.dtype}`);
}

/** exp(d) for d = z − (max or lse) ≤ 0: 0 where it would underflow (also for −∞), NaN for NaN. */
const EXPZ = /* wgsl */ `
fn expz(d: f32) -> f32 {
  if (d < -88.0) { return 0.0; }
  return exp(d);
}`;

export function softmaxCrossEntropy(gpu: Gpu, z: KTensor, t: KTensor, reduce: boolean, scale: number): [Buf, Buf] {
  checkF32('softmaxCrossEntropy', z);
  const [N, C] = [z.shape[0]!, z.shape[1]!];
  const labels = t.shape.length === 1;
  const loss = gpu.alloc(reduce ? 1 : N);
  const lse = gpu.alloc(N);
  if (!reduce && N === 0) return [loss, lse];
  const target = labels
    ? `let y = T[i];
  if (y < 0 || u32(y) >= C) { return nanf(); }
  return ls - (Z[b + u32(y)] - m);`
    : `var l = 0.0;
  for (var j = 0u; j < C; j++) {
    let tj = T[b + j];
    if (tj != 0.0) { l -= tj * ((Z[b + j] - m) - ls); }
  }
  return l;`;
  const main = reduce
    ? `var<workgroup> S: array<f32, ${WG}>;
@compute @workgroup_size(${WG}) fn main(@builtin(local_invocation_id) lid: vec3<u32>) {
  var acc = 0.0;
  for (var i = lid.x; i < P[0]; i += ${WG}u) { acc += rowLoss(i); }
  S[lid.x] = acc;
  workgroupBarrier();
  for (var w = ${WG / 2}u; w > 0u; w = w / 2u) {
    if (lid.x < w) { S[lid.x] = S[lid.x] + S[lid.x + w]; }
    workgroupBarrier();
  }
  if (lid.x == 0u) { L[0] = S[0] * pf(2u); }
}`
    : `@compute @workgroup_size(${WG}) fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gidx(gid, nwg);
  if (i >= P[0]) { return; }
  L[i] = rowLoss(i);
}`;
  const code = (): string => `${EXPZ}
@group(0) @binding(1) var<storage, read> Z: array<f32>;
@group(0) @binding(2) var<storage, read> T: array<${labels ? 'i32' : 'f32'}>;
@group(0) @binding(3) var<storage, read_write> L: array<f32>;
@group(0) @binding(4) var<storage, read_write> LSE: array<f32>;
fn rowLoss(i: u32) -> f32 {
  let C = P[1];
  let b = i * C;
  var m = -inff();
  for (var j = 0u; j < C; j++) {
    let v = Z[b + j];
    if (!isnan_(m) && (isnan_(v) || v > m)) { m = v; }
  }
  var s = 0.0;
  for (var j = 0u; j < C; j++) { s += expz(Z[b + j] - m); }
  if (isnan_(m)) { s = nanf(); }
  let ls = log(s);
  LSE[i] = m + ls;
  ${target}
}
${main}`;
  gpu.run(`softmaxCrossEntropy:${labels ? 'labels' : 'rows'}:${reduce ? 'sum' : 'rows'}`, code, [buf(z), buf(t), loss, lse],
    new Params().u32(N, C).f32(scale), reduce ? [1, 1] : Gpu.grid(N));
  return [loss, lse];
}

export function softmaxCrossEntropyBackward(gpu: Gpu, dy: KTensor, z: KTensor, t: KTensor, lse: KTensor, reduce: boolean, scale: number): Buf {
  checkF32('softmaxCrossEntropyBackward', z);
  const [N, C] = [z.shape[0]!, z.shape[1]!];
  const labels = t.shape.length === 1;
  const n = N * C;
  const dz = gpu.alloc(n);
  if (n === 0) return dz;
  const code = (): string => `${EXPZ}
@group(0) @binding(1) var<storage, read> DY: array<f32>;
@group(0) @binding(2) var<storage, read> Z: array<f32>;
@group(0) @binding(3) var<storage, read> T: array<${labels ? 'i32' : 'f32'}>;
@group(0) @binding(4) var<storage, read> LSE: array<f32>;
@group(0) @binding(5) var<storage, read_write> DZ: array<f32>;
@compute @workgroup_size(${WG}) fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gidx(gid, nwg);
  if (i >= P[0]) { return; }
  let C = P[1];
  let r = i / C;
  ${reduce ? 'let g = DY[0] * pf(2u);' : 'let g = DY[r];'}
  let p = expz(Z[i] - LSE[r]);
  ${labels ? 'let tv = select(0.0, 1.0, T[r] == i32(i % C));' : 'let tv = T[i];'}
  DZ[i] = (p - tv) * g;
}`;
  gpu.run(`softmaxCrossEntropyBackward:${labels ? 'labels' : 'rows'}:${reduce ? 'sum' : 'rows'}`, code, [buf(dy), buf(z), buf(t), buf(lse), dz],
    new Params().u32(n, C).f32(scale), Gpu.grid(n));
  return dz;
}
