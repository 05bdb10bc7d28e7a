/** The shared argument validators: one message shape, no coercion. */
import { describe as suite, expect, it } from 'vitest';
import * as v from '../src/validate.js';
import * as nb from '../src/index.js';

suite('validate', () => {
  it('describes values safely and briefly', () => {
    expect(v.describe(null)).toBe('null');
    expect(v.describe(undefined)).toBe('undefined');
    expect(v.describe(NaN)).toBe('NaN');
    expect(v.describe('1')).toBe('string "1"');
    expect(v.describe('x'.repeat(100))).toMatch(/^string "x{40}…"$/);
    expect(v.describe([1, 'a', null])).toBe('an array [1,"a",null] of length 3');
    expect(v.describe(new Float32Array(3))).toBe('a Float32Array of length 3');
    expect(v.describe(nb.zeros([2, 3], { backend: 'cpu' }))).toBe('a Tensor [2,3] float32');
    expect(v.describe({})).toBe('an object');
    expect(v.describe(new Map())).toBe('a Map');
    expect(v.describe(() => 1)).toBe('a function');
  });

  it('checks numbers without coercion', () => {
    expect(v.checkNumber('f', 'x', 2.5)).toBe(2.5);
    expect(() => v.checkNumber('f', 'x', '1')).toThrow('f: x must be a finite number, got string "1"');
    expect(() => v.checkNumber('f', 'x', NaN)).toThrow('f: x must be a finite number, got NaN');
    expect(() => v.checkNumber('f', 'x', Infinity)).toThrow('f: x must be a finite number, got Infinity');
    expect(v.checkNumber('f', 'x', -Infinity, { infinite: true })).toBe(-Infinity);
    expect(() => v.checkNumber('f', 'eps', -1, { above: 0 })).toThrow('f: eps must be a finite number > 0, got -1');
    expect(() => v.checkNumber('f', 'p', 1, { min: 0, below: 1 })).toThrow('f: p must be a finite number ≥ 0 and < 1, got 1');
    expect(v.optNumber('f', 'x', undefined, 3)).toBe(3);
    expect(() => v.optNumber('f', 'x', null, 3)).toThrow('f: x must be a finite number, got null');
  });

  it('checks integers, booleans, strings, choices and dtypes', () => {
    expect(v.checkInt('f', 'n', 3, { min: 0 })).toBe(3);
    expect(() => v.checkInt('f', 'n', 1.5)).toThrow('f: n must be an integer, got 1.5');
    expect(() => v.checkInt('f', 'n', 1e300)).toThrow('f: n must be an integer, got 1e+300');
    expect(() => v.checkInt('f', 'n', -1, { min: 0 })).toThrow('f: n must be an integer ≥ 0, got -1');
    expect(v.optInt('f', 'n', undefined, 7)).toBe(7);
    expect(() => v.checkBoolean('f', 'b', 1)).toThrow('f: b must be true or false, got 1');
    expect(v.optBoolean('f', 'b', undefined, true)).toBe(true);
    expect(() => v.checkString('f', 's', 3)).toThrow('f: s must be a string, got 3');
    expect(v.checkOneOf('f', 'mode', 'a', ['a', 'b'])).toBe('a');
    expect(() => v.checkOneOf('f', 'mode', 'c', ['a', 'b'])).toThrow("f: mode must be one of 'a', 'b', got string \"c\"");
    expect(() => v.checkDType('zeros', 'dtype', 'bogus')).toThrow("zeros: dtype must be one of 'float32', 'float64', 'int32', 'bool', got string \"bogus\"");
    expect(v.optDType('f', 'dtype', undefined)).toBeUndefined();
    expect(() => v.checkFunction('f', 'fn', 3)).toThrow('f: fn must be a function, got 3');
  });

  it('checks option objects and arrays', () => {
    expect(v.checkOptions('f', undefined)).toEqual({});
    const o = { a: 1 };
    expect(v.checkOptions('f', o, ['a'])).toBe(o);
    expect(() => v.checkOptions('f', null as unknown as object)).toThrow('f: options must be an object, got null');
    expect(() => v.checkOptions('f', [1] as unknown as object)).toThrow('f: options must be an object, got an array [1] of length 1');
    expect(() => v.checkOptions('f', { lr: 1, mommentum: 2 }, ['lr', 'momentum'])).toThrow("f: unknown option 'mommentum' in options; known options: lr, momentum");
    expect(v.checkArrayOf('f', 'xs', [1, 2], (n, x) => v.checkInt('f', n, x))).toEqual([1, 2]);
    expect(() => v.checkArrayOf('f', 'xs', [1, 'a'], (n, x) => v.checkInt('f', n, x))).toThrow('f: xs[1] must be an integer, got string "a"');
    expect(() => v.checkArray('f', 'xs', 'abc')).toThrow('f: xs must be an array, got string "abc"');
  });
});
