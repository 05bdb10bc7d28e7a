/**
 * One case per run-time check of the data functions: batching, IDX/MNIST, toy sets. Strings,
 * nulls, out-of-range numbers and misspelt options throw a plain Error naming the function and
 * the argument (takeRows(x, 'abc') used to return three copies of row 0).
 */
import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { expectPlainError, pinBackend, type ErrorCase } from '../nn/helpers.js';

pinBackend('cpu');

const u = <T>(v: unknown): T => v as T;
const x3 = (): nb.Tensor => nb.zeros([3, 2]);
const idx = (): nb.data.IdxArray => nb.data.parseIdx(nb.data.encodeIdx('uint8', [2, 2, 2], [0, 1, 2, 3, 4, 5, 6, 7]));
const labels = (): nb.data.IdxArray => nb.data.parseIdx(nb.data.encodeIdx('uint8', [2], [1, 2]));
const files = { images: 'i', labels: 'l' };
const toy = (): nb.data.ClassificationData => nb.data.circle({ n: 10 });

const CASES: ErrorCase[] = [
  // batching
  ['numBatches n', () => nb.data.numBatches(u(null), 2), 'numBatches: n must be an integer ≥ 0'],
  ['numBatches batchSize', () => nb.data.numBatches(4, u('2')), 'numBatches: batchSize must be a positive integer, got string "2"'],
  ['numBatches dropLast', () => nb.data.numBatches(4, 2, u(1)), 'numBatches: dropLast must be true or false, got 1'],
  ['batchIndices n string', () => nb.data.batchIndices(u('4'), { batchSize: 2 }), 'batchIndices: n must be an integer ≥ 0 and ≤ 2147483647, got string "4"'],
  ['batchIndices n huge', () => nb.data.batchIndices(1e10, { batchSize: 2 }), 'batchIndices: n must be an integer ≥ 0 and ≤ 2147483647, got 10000000000'],
  ['batchIndices options null', () => nb.data.batchIndices(4, u(null)), 'batchIndices: options must be an object, got null'],
  ['batchIndices options missing', () => nb.data.batchIndices(4, u(undefined)), 'batchIndices: batchSize must be a positive integer, got undefined'],
  ['batchIndices batchSize 0', () => nb.data.batchIndices(4, { batchSize: 0 }), 'batchIndices: batchSize must be a positive integer, got 0'],
  ['batchIndices batchSize NaN', () => nb.data.batchIndices(4, { batchSize: NaN }), 'batchIndices: batchSize must be a positive integer, got NaN'],
  ['batchIndices shuffle', () => nb.data.batchIndices(4, u({ batchSize: 2, shuffle: 'yes' })), 'batchIndices: shuffle must be true or false, got string "yes"'],
  ['batchIndices seed', () => nb.data.batchIndices(4, u({ batchSize: 2, shuffle: true, seed: '1' })), 'batchIndices: seed must be a finite number, got string "1"'],
  ['batchIndices random', () => nb.data.batchIndices(4, u({ batchSize: 2, shuffle: true, random: {} })), 'batchIndices: random must be a Random (new nb.Random(seed)), got an object'],
  ['batchIndices dropLast', () => nb.data.batchIndices(4, u({ batchSize: 2, dropLast: null })), 'batchIndices: dropLast must be true or false, got null'],
  ['batchIndices misspelt', () => nb.data.batchIndices(4, u({ batch_size: 2 })), "batchIndices: unknown option 'batch_size' in options; known options: batchSize, shuffle, seed, random, dropLast"],
  ['numSamples null', () => nb.data.numSamples(u(null)), 'numSamples: t must be a Tensor, got null'],
  ['numSamples scalar', () => nb.data.numSamples(nb.scalar(1)), 'numSamples: t needs a sample axis (the first), got a scalar'],
  ['takeRows t', () => nb.data.takeRows(u([1, 2]), new Int32Array([0])), 'takeRows: t must be a Tensor, got an array'],
  ['takeRows disposed', () => { const x = x3(); x.dispose(); return nb.data.takeRows(x, [0]); }, 'takeRows: t (tensor [3,2]) was disposed'],
  ['takeRows scalar', () => nb.data.takeRows(nb.scalar(1), new Int32Array([0])), 'takeRows: t needs a sample axis (the first), got a scalar'],
  ['takeRows indices string', () => nb.data.takeRows(x3(), u('abc')), 'takeRows: indices must be an Int32Array or an array of integers, got string "abc"'],
  ['takeRows indices null', () => nb.data.takeRows(x3(), u(null)), 'takeRows: indices must be an Int32Array or an array of integers, got null'],
  ['takeRows indices Float32Array', () => nb.data.takeRows(x3(), u(new Float32Array([0.5]))), 'takeRows: indices must be an Int32Array or an array of integers, got a Float32Array'],
  ['takeRows index out of range', () => nb.data.takeRows(x3(), new Int32Array([0, 5])), 'takeRows: indices[1] must be an integer ≥ 0 and ≤ 2, got 5'],
  ['takeRows index fraction', () => nb.data.takeRows(x3(), [0, 1.5]), 'takeRows: indices[1] must be an integer ≥ 0 and ≤ 2, got 1.5'],
  ['batches data null', () => nb.data.batches(u(null), { batchSize: 2 }), 'batches: data must be an object with tensors x and y, got null'],
  ['batches data.x', () => nb.data.batches(u({ x: [1, 2], y: x3() }), { batchSize: 2 }), 'batches: data.x must be a Tensor, got an array'],
  ['batches data.y', () => nb.data.batches(u({ x: x3() }), { batchSize: 2 }), 'batches: data.y must be a Tensor, got undefined'],
  ['batches sizes differ', () => nb.data.batches({ x: x3(), y: nb.zeros([4]) }, { batchSize: 2 }), 'batches: x has 3 samples but y has 4'],
  ['batches options', () => nb.data.batches({ x: x3(), y: x3() }, u({ batchSize: '2' })), 'batches: batchSize must be a positive integer, got string "2"'],
  ['batches misspelt', () => nb.data.batches({ x: x3(), y: x3() }, u({ batchSize: 2, shufle: true })), "batches: unknown option 'shufle'"],
  // IDX and MNIST tensors
  ['parseIdx bytes null', () => nb.data.parseIdx(u(null)), 'parseIdx: bytes must be a Uint8Array, got null'],
  ['parseIdx bytes string', () => nb.data.parseIdx(u('abc')), 'parseIdx: bytes must be a Uint8Array, got string "abc"'],
  ['parseIdx name', () => nb.data.parseIdx(new Uint8Array(8), u(3)), 'parseIdx: name must be a string, got 3'],
  ['encodeIdx type', () => nb.data.encodeIdx(u('uint16'), [1], [1]), "encodeIdx: type must be one of 'uint8', 'int8', 'int16', 'int32', 'float32', 'float64', got string \"uint16\""],
  ['encodeIdx dims', () => nb.data.encodeIdx('uint8', u(3), [1]), 'encodeIdx: dims must be an array, got 3'],
  ['encodeIdx dims entry', () => nb.data.encodeIdx('uint8', [0], []), 'encodeIdx: dims[0] must be an integer ≥ 1, got 0'],
  ['encodeIdx values', () => nb.data.encodeIdx('uint8', [1], u(null)), 'encodeIdx: values must be an array or a typed array of numbers, got null'],
  ['encodeIdx value entry', () => nb.data.encodeIdx('uint8', [2], u([1, 'a'])), 'encodeIdx: values[1] must be a finite number, got string "a"'],
  ['mnistTensors images', () => nb.data.mnistTensors(u(null), labels(), files), 'mnistTensors: images must be a parsed IDX array ({ type, dims, data }), got null'],
  ['mnistTensors labels', () => nb.data.mnistTensors(idx(), u({}), files), 'mnistTensors: labels must be a parsed IDX array ({ type, dims, data }), got an object'],
  ['mnistTensors files', () => nb.data.mnistTensors(idx(), labels(), u(null)), 'mnistTensors: files must be an object, got null'],
  ['mnistTensors files.images', () => nb.data.mnistTensors(idx(), labels(), u({ images: 1, labels: 'l' })), 'mnistTensors: files.images must be a string, got 1'],
  ['mnistTensors limit', () => nb.data.mnistTensors(idx(), labels(), files, u({ limit: '1' })), 'mnistTensors: limit must be a positive integer, got string "1"'],
  ['mnistTensors flatten', () => nb.data.mnistTensors(idx(), labels(), files, u({ flatten: 1 })), 'mnistTensors: flatten must be true or false, got 1'],
  ['mnistTensors misspelt', () => nb.data.mnistTensors(idx(), labels(), files, u({ limits: 1 })), "mnistTensors: unknown option 'limits' in options; known options: limit, flatten"],
  // toy sets
  ['circle options null', () => nb.data.circle(u(null)), 'nb.data.circle: options must be an object, got null'],
  ['circle n string', () => nb.data.circle(u({ n: '10' })), 'nb.data.circle: n must be an integer ≥ 1 and ≤ 10000000, got string "10"'],
  ['circle n huge', () => nb.data.circle({ n: 1e10 }), 'nb.data.circle: n must be an integer ≥ 1 and ≤ 10000000, got 10000000000'],
  ['circle n null', () => nb.data.circle(u({ n: null })), 'nb.data.circle: n must be an integer ≥ 1 and ≤ 10000000, got null'],
  ['xor noise', () => nb.data.xor({ noise: 2 }), 'nb.data.xor: noise must be a finite number ≥ 0 and ≤ 1, got 2'],
  ['xor noise null', () => nb.data.xor(u({ noise: null })), 'nb.data.xor: noise must be a finite number ≥ 0 and ≤ 1, got null'],
  ['plane seed', () => nb.data.plane(u({ seed: 'a' })), 'nb.data.plane: seed must be a finite number, got string "a"'],
  ['gaussianMix misspelt', () => nb.data.gaussianMix(u({ size: 3 })), "nb.data.gaussianMix: unknown option 'size' in options; known options: n, noise, seed"],
  ['circle classes', () => nb.data.circle(u({ classes: 3 })), "nb.data.circle: unknown option 'classes'"],
  ['gaussian classes 1', () => nb.data.gaussian({ classes: 1 }), 'nb.data.gaussian: classes must be an integer ≥ 2 and ≤ 400, got 1'],
  ['gaussian classes huge', () => nb.data.gaussian({ classes: 1e10 }), 'nb.data.gaussian: classes must be an integer ≥ 2 and ≤ 400, got 10000000000'],
  ['spiral arms', () => nb.data.spiral(u({ arms: '3' })), 'nb.data.spiral: arms must be an integer ≥ 2 and ≤ 400, got string "3"'],
  ['spiral misspelt', () => nb.data.spiral(u({ classes: 3 })), "nb.data.spiral: unknown option 'classes' in options; known options: n, noise, seed, arms"],
  ['toyTensors null', () => nb.data.toyTensors(u(null)), 'nb.data.toyTensors: data must be a toy data set (from circle, xor, gaussian, spiral, plane or gaussianMix), got null'],
  ['toyTensors incomplete', () => nb.data.toyTensors(u({ task: 'classification', n: 2, points: new Float32Array(4) })), 'nb.data.toyTensors: data must be a toy data set'],
  ['splitToy data', () => nb.data.splitToy(u<nb.data.ToyData>('circle')), 'nb.data.splitToy: data must be a toy data set'],
  ['splitToy ratio', () => nb.data.splitToy(toy(), u(null)), 'nb.data.splitToy: ratio must be a finite number > 0 and < 1, got null'],
  ['splitToy ratio 1', () => nb.data.splitToy(toy(), 1), 'nb.data.splitToy: ratio must be a finite number > 0 and < 1, got 1'],
  ['splitToy seed', () => nb.data.splitToy(toy(), 0.5, u('1')), 'nb.data.splitToy: seed must be a finite number, got string "1"'],
];

describe('data argument checks: one case per check', () => {
  it.each(CASES)('%s', (_name, fn, expected) => expectPlainError(fn, expected));

  it('mnist checks its options before reading anything', async () => {
    await expect(nb.data.mnist(u(null))).rejects.toThrow('nb.data.mnist: options must be an object, got null');
    await expect(nb.data.mnist(u({ limit: '10' }))).rejects.toThrow('nb.data.mnist: limit must be a positive integer, got string "10"');
    await expect(nb.data.mnist(u({ testLimit: 0 }))).rejects.toThrow('nb.data.mnist: testLimit must be a positive integer, got 0');
    await expect(nb.data.mnist(u({ flatten: 'yes' }))).rejects.toThrow('nb.data.mnist: flatten must be true or false, got string "yes"');
    await expect(nb.data.mnist(u({ dir: 3 }))).rejects.toThrow('nb.data.mnist: dir must be a string, got 3');
    await expect(nb.data.mnist(u({ limt: 10 }))).rejects.toThrow("nb.data.mnist: unknown option 'limt' in options; known options: limit, testLimit, flatten, dir");
  });

  it('takeRows accepts a plain array of integers as well as an Int32Array', () => {
    const x = nb.tensor([[1], [2], [3]]);
    expect(Array.from(nb.data.takeRows(x, [2, 0]).dataSync())).toEqual([3, 1]);
    expect(Array.from(nb.data.takeRows(x, new Int32Array([1, 2])).dataSync())).toEqual([2, 3]);
  });
});
