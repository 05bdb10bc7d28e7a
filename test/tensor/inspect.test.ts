import { afterEach, describe, expect, it, vi } from 'vitest';
import { inspect } from 'node:util';
import * as nb from '../../src/index.js';

nb.setBackend('cpu');

afterEach(() => {
  vi.restoreAllMocks();
  nb.setBackend('cpu');
});

describe('console.log(tensor) and tensor.print()', () => {
  it('util.inspect shows the values as toString() does, not backend internals', () => {
    const t = nb.tensor([[1, 2], [3, 4]]);
    expect(inspect(t)).toBe('tensor([[1., 2.],\n        [3., 4.]])');
    expect(inspect(t)).toBe(t.toString());
    expect(inspect(nb.tensor([1, 20], { dtype: 'int32' }))).toBe('tensor([ 1, 20], dtype=int32)');
    // nested in other values, too
    expect(inspect({ w: nb.scalar(2) })).toBe('{ w: tensor(2.) }');
    const d = nb.zeros([2]);
    d.dispose();
    expect(inspect(d)).toBe('tensor(<disposed> [2])');
  });

  it('print() writes toString() to console.log and returns the tensor', () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    const t = nb.tensor([0.5, -1.25]);
    expect(t.print()).toBe(t);
    expect(log).toHaveBeenCalledWith('tensor([  0.5, -1.25])');
  });

  it('on a backend that reads only asynchronously, shows shape, dtype and backend without values', () => {
    nb.registerBackend('cpu-async-inspect', () => {
      const be = nb.getBackend();
      const proto = Object.getPrototypeOf(be) as nb.Backend;
      return Object.assign(Object.create(proto) as nb.Backend, be, { name: 'cpu-async-inspect', downloadSync: undefined });
    });
    nb.setBackend('cpu-async-inspect');
    const t = nb.ones([2, 3]);
    expect(inspect(t)).toBe('tensor(shape=[2,3], dtype=float32, backend=cpu-async-inspect)');
    t.dispose();
  });
});

describe('console.log(module) and module.print()', () => {
  it('shows the layers, their parameter shapes and counts, not internals', () => {
    nb.seed(0);
    const model = nb.nn.sequential(nb.nn.linear(4, 3), nb.nn.relu(), nb.nn.sequential(nb.nn.linear(3, 2, { bias: false })));
    const text = inspect(model);
    expect(text).toBe([
      'Sequential (21 parameters)',
      '  0: Linear (15 parameters: weight [4,3], bias [3])',
      '  1: ReLU',
      '  2: Sequential (6 parameters)',
      '    0: Linear (6 parameters: weight [3,2])',
    ].join('\n'));
    expect(text).not.toMatch(/Map|storage|backend/);
    expect(String(model)).toBe(text);
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    expect(model.print()).toBe(model);
    expect(log).toHaveBeenCalledWith(text);
    model.dispose();
  });
});
