/** The cpu backend's 2-D max and average pooling and their gradients. */
import type { KTensor, Pool2dParams } from '../interface.js';
import { sizeOf } from '../../tensor/shape.js';
import { arr, type Alloc, type Arr } from './device.js';

/** Visits each output cell with the in-bounds input offsets of its window. */
function visitWindows(p: Pool2dParams, visit: (outIdx: number, inBase: number, cells: number[], windowSize: number) => void): void {
  const [N, C, H, W] = p.inShape;
  const [, , OH, OW] = p.outShape;
  const cells: number[] = [];
  for (let nc = 0; nc < N * C; nc++)
    for (let oh = 0; oh < OH; oh++)
      for (let ow = 0; ow < OW; ow++) {
        cells.length = 0;
        const h0 = oh * p.strides[0] - p.pads[0];
        const w0 = ow * p.strides[1] - p.pads[2];
        let windowSize = 0;
        for (let kh = 0; kh < p.kernel[0]; kh++) {
          const ih = h0 + kh;
          for (let kw = 0; kw < p.kernel[1]; kw++) {
            const iw = w0 + kw;
            // cells inside the padded extent count towards an average that includes padding
            if (ih < H + p.pads[1] && iw < W + p.pads[3]) windowSize++;
            if (ih >= 0 && ih < H && iw >= 0 && iw < W) cells.push(ih * W + iw);
          }
        }
        visit((nc * OH + oh) * OW + ow, nc * H * W, cells, windowSize);
      }
}

export function maxPool2d(out: Alloc, x: KTensor, p: Pool2dParams): Arr {
  const a = arr(x);
  const o = out(x.dtype, sizeOf(p.outShape));
  visitWindows(p, (oi, base, cells) => {
    let m = -Infinity;
    for (const c of cells) {
      const v = a[base + c] as number;
      if (v > m || v !== v) m = v;
      if (m !== m) break;
    }
    o[oi] = m;
  });
  return o;
}

export function maxPool2dBackward(out: Alloc, dy: KTensor, x: KTensor, p: Pool2dParams): Arr {
  const a = arr(x);
  const d = arr(dy);
  const o = out(x.dtype, x.size);
  visitWindows(p, (oi, base, cells) => {
    let m = -Infinity;
    let arg = -1;
    for (const c of cells) {
      const v = a[base + c] as number;
      if (v > m || arg < 0) {
        m = v;
        arg = c;
      }
    }
    if (arg >= 0) o[base + arg] = (o[base + arg] as number) + (d[oi] as number);
  });
  return o;
}

export function avgPool2d(out: Alloc, x: KTensor, p: Pool2dParams): Arr {
  const a = arr(x);
  const o = out(x.dtype, sizeOf(p.outShape));
  visitWindows(p, (oi, base, cells, windowSize) => {
    let s = 0;
    for (const c of cells) s += a[base + c] as number;
    const n = p.countIncludePad ? windowSize : cells.length;
    o[oi] = n > 0 ? s / n : 0;
  });
  return o;
}

export function avgPool2dBackward(out: Alloc, dy: KTensor, p: Pool2dParams): Arr {
  const d = arr(dy);
  const o = out(dy.dtype, sizeOf(p.inShape));
  visitWindows(p, (oi, base, cells, windowSize) => {
    const n = p.countIncludePad ? windowSize : cells.length;
    if (n === 0) return;
    const g = (d[oi] as number) / n;
    for (const c of cells) o[base + c] = (o[base + c] as number) + g;
  });
  return o;
}
