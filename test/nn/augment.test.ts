import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { expectClose, f64, pinBackend, randn64, values } from './helpers.js';

const img = (rows: number[][]): nb.Tensor => f64([[rows]]);

describe('affineTransform', () => {
  pinBackend('cpu'); // float64 values to 1e-12 and a float64 gradcheck
  const x = img([[1, 2, 3], [4, 5, 6], [7, 8, 9]]);
  it('a one-pixel shift right/down moves the image with zeros coming in', () => {
    expectClose(nb.nn.affineTransform(x, [{ dx: 1, dy: 0, angle: 0 }]), [0, 1, 2, 0, 4, 5, 0, 7, 8], 1e-12);
    expectClose(nb.nn.affineTransform(x, [{ dx: 0, dy: -1, angle: 0 }]), [4, 5, 6, 7, 8, 9, 0, 0, 0], 1e-12);
    expectClose(nb.nn.affineTransform(x, [{ dx: 0.5, dy: 0, angle: 0 }]), [0.5, 1.5, 2.5, 2, 4.5, 5.5, 3.5, 7.5, 8.5], 1e-12);
  });
  it('rotates counter-clockwise about the centre (90°: top-right goes to top-left)', () => {
    expectClose(nb.nn.affineTransform(x, [{ dx: 0, dy: 0, angle: 90 }]), [3, 6, 9, 2, 5, 8, 1, 4, 7], 1e-9);
    expectClose(nb.nn.affineTransform(x, [{ dx: 0, dy: 0, angle: 0 }]), values(x), 1e-12);
  });
  it('one transform per sample, shared by its channels; differentiable in the input', () => {
    const two = f64([[[[1, 2], [3, 4]], [[5, 6], [7, 8]]], [[[1, 0], [0, 0]], [[0, 0], [0, 1]]]]);
    const y = nb.nn.affineTransform(two, [{ dx: 1, dy: 0, angle: 0 }, { dx: 0, dy: 0, angle: 180 }]);
    expectClose(y, [0, 1, 0, 3, 0, 5, 0, 7, 0, 0, 0, 1, 1, 0, 0, 0], 1e-9);
    nb.testing.gradcheck((a) => nb.nn.affineTransform(a, [{ dx: 0.3, dy: -0.6, angle: 17 }]), [randn64([1, 2, 4, 4])]);
    expect(() => nb.nn.affineTransform(two, [{ dx: 0, dy: 0, angle: 0 }])).toThrow('affineTransform: 1 transforms for a batch of 2');
  });
});

describe('randomAffine layer', () => {
  it('is the identity in eval mode and repeatable under nb.seed in training', () => {
    const layer = nb.nn.randomAffine({ maxShift: 2, maxRotation: 15 });
    const x = nb.rand([3, 1, 8, 8]);
    nb.seed(4);
    const a = values(layer.call(x));
    nb.seed(4);
    expect(values(layer.call(x))).toEqual(a);
    expect(a).not.toEqual(values(x));
    layer.eval();
    expect(layer.call(x)).toBe(x);
  });
  it('keeps a centred blob mostly in place for small transforms; config round-trips', () => {
    const rows = Array.from({ length: 9 }, (_, i) => Array.from({ length: 9 }, (_, j) => (Math.abs(i - 4) <= 1 && Math.abs(j - 4) <= 1 ? 1 : 0)));
    nb.seed(1);
    const y = nb.nn.randomShift(1).call(nb.tensor([[rows]]));
    const mass = values(y).reduce((s, v) => s + v, 0);
    expect(mass).toBeCloseTo(9, 5);
    expect(nb.nn.fromConfig(nb.nn.randomRotation(10).config()).config()).toEqual({ type: 'RandomAffine', maxShift: 0, maxRotation: 10 });
    expect(() => nb.nn.randomShift(-1)).toThrow('randomShift: maxShift must be a finite number ≥ 0, got -1');
  });
});
