/** The cpu backend's 2-D convolution and its gradients: direct loops over NCHW / OIHW (any groups). */
import type { Conv2dParams, KTensor } from '../interface.js';
import { arr, type Alloc, type Arr } from './device.js';

export function conv2d(out: Alloc, x: KTensor, w: KTensor, p: Conv2dParams): Arr {
  const [N, C, H, W] = p.inShape;
  const [O, Cg, KH, KW] = p.filterShape;
  const [, , OH, OW] = p.outShape;
  const G = p.groups;
  const Og = O / G;
  const xa = arr(x);
  const wa = arr(w);
  const o = out(x.dtype, N * O * OH * OW);
  for (let n = 0; n < N; n++)
    for (let oc = 0; oc < O; oc++) {
      const g = Math.floor(oc / Og);
      for (let oh = 0; oh < OH; oh++)
        for (let ow = 0; ow < OW; ow++) {
          let acc = 0;
          for (let c = 0; c < Cg; c++) {
            const ic = g * Cg + c;
            for (let kh = 0; kh < KH; kh++) {
              const ih = oh * p.strides[0] - p.pads[0] + kh * p.dilations[0];
              if (ih < 0 || ih >= H) continue;
              for (let kw = 0; kw < KW; kw++) {
                const iw = ow * p.strides[1] - p.pads[2] + kw * p.dilations[1];
                if (iw < 0 || iw >= W) continue;
                acc += (xa[((n * C + ic) * H + ih) * W + iw] as number) * (wa[((oc * Cg + c) * KH + kh) * KW + kw] as number);
              }
            }
          }
          o[((n * O + oc) * OH + oh) * OW + ow] = acc;
        }
    }
  return o;
}

export function conv2dBackpropInput(out: Alloc, dy: KTensor, w: KTensor, p: Conv2dParams): Arr {
  const [N, C, H, W] = p.inShape;
  const [O, Cg, KH, KW] = p.filterShape;
  const [, , OH, OW] = p.outShape;
  const Og = O / p.groups;
  const da = arr(dy);
  const wa = arr(w);
  const o = out(dy.dtype, N * C * H * W);
  for (let n = 0; n < N; n++)
    for (let oc = 0; oc < O; oc++) {
      const g = Math.floor(oc / Og);
      for (let oh = 0; oh < OH; oh++)
        for (let ow = 0; ow < OW; ow++) {
          const d = da[((n * O + oc) * OH + oh) * OW + ow] as number;
          for (let c = 0; c < Cg; c++) {
            const ic = g * Cg + c;
            for (let kh = 0; kh < KH; kh++) {
              const ih = oh * p.strides[0] - p.pads[0] + kh * p.dilations[0];
              if (ih < 0 || ih >= H) continue;
              for (let kw = 0; kw < KW; kw++) {
                const iw = ow * p.strides[1] - p.pads[2] + kw * p.dilations[1];
                if (iw < 0 || iw >= W) continue;
                const i = ((n * C + ic) * H + ih) * W + iw;
                o[i] = (o[i] as number) + d * (wa[((oc * Cg + c) * KH + kh) * KW + kw] as number);
              }
            }
          }
        }
    }
  return o;
}

export function conv2dBackpropFilter(out: Alloc, x: KTensor, dy: KTensor, p: Conv2dParams): Arr {
  const [N, C, H, W] = p.inShape;
  const [O, Cg, KH, KW] = p.filterShape;
  const [, , OH, OW] = p.outShape;
  const Og = O / p.groups;
  const xa = arr(x);
  const da = arr(dy);
  const o = out(x.dtype, O * Cg * KH * KW);
  for (let n = 0; n < N; n++)
    for (let oc = 0; oc < O; oc++) {
      const g = Math.floor(oc / Og);
      for (let oh = 0; oh < OH; oh++)
        for (let ow = 0; ow < OW; ow++) {
          const d = da[((n * O + oc) * OH + oh) * OW + ow] as number;
          for (let c = 0; c < Cg; c++) {
            const ic = g * Cg + c;
            for (let kh = 0; kh < KH; kh++) {
              const ih = oh * p.strides[0] - p.pads[0] + kh * p.dilations[0];
              if (ih < 0 || ih >= H) continue;
              for (let kw = 0; kw < KW; kw++) {
                const iw = ow * p.strides[1] - p.pads[2] + kw * p.dilations[1];
                if (iw < 0 || iw >= W) continue;
                const i = ((oc * Cg + c) * KH + kh) * KW + kw;
                o[i] = (o[i] as number) + d * (xa[((n * C + ic) * H + ih) * W + iw] as number);
              }
            }
          }
        }
    }
  return o;
}
