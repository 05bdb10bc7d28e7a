/** Empty dimensions pass through every op family, forward and backward, with the right shapes. */
import { expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { forEachBackend } from './backends.js';
import { read } from './helpers.js';

forEachBackend('empty dimensions', () => {
  // [name, input shape, op, expected output shape]
const cases: [string, number[], (t: nb.Tensor) => nb.Tensor, number[]][] = [
  ['matmul', [0, 3], (t) => nb.matmul(t, nb.ones([3, 2])), [0, 2]],
  ['matmul K=0', [2, 0], (t) => nb.matmul(t, nb.ones([0, 2])), [2, 2]],
  ['concat', [0, 3], (t) => nb.concat([t, nb.ones([2, 3])]), [2, 3]],
  ['slice', [2, 3], (t) => nb.slice(t, [1, 0], [0, 3]), [0, 3]],
  ['softmax', [0, 3], (t) => nb.softmax(t), [0, 3]],
  ['logSoftmax', [0, 3], (t) => nb.logSoftmax(t, -1), [0, 3]],
  ['conv2d', [0, 1, 3, 3], (t) => nb.conv2d(t, nb.ones([2, 1, 2, 2])), [0, 2, 2, 2]],
  ['maxPool', [0, 1, 2, 2], (t) => nb.maxPool2d(t, 2), [0, 1, 1, 1]],
  ['avgPool', [0, 1, 2, 2], (t) => nb.avgPool2d(t, 2), [0, 1, 1, 1]],
  ['transpose', [0, 3], (t) => nb.transpose(t), [3, 0]],
  ['gather', [3, 2], (t) => nb.gather(t, nb.tensor([], { dtype: 'int32' })), [0, 2]],
  ['gather from empty', [0, 2], (t) => nb.gather(t, nb.tensor([0], { dtype: 'int32' }), 1), [0, 1]],
  ['tile', [0, 2], (t) => nb.tile(t, [2, 2]), [0, 4]],
  ['pad', [0, 2], (t) => nb.pad(t, [[1, 1], [0, 0]]), [2, 2]],
  ['broadcastTo', [1, 0], (t) => nb.broadcastTo(t, [3, 0]), [3, 0]],
  ['max axis', [0, 3], (t) => nb.max(t, 1), [0]],
  ['prod', [0, 3], (t) => nb.prod(t, 0), [3]],
  ['variance', [0, 3], (t) => nb.variance(t, 1), [0]],
  ['logsumexp', [2, 0], (t) => nb.logsumexp(t, 0), [0]],
  ['split', [0, 4], (t) => nb.split(t, 2, 1)[1]!, [0, 2]],
  ['stack', [0, 2], (t) => nb.stack([t, t], 1), [0, 2, 2]],
  ['where', [0, 2], (t) => nb.where(nb.gt(t, 0), t, 0), [0, 2]],
  ['relu', [2, 0], (t) => nb.relu(t), [2, 0]],
  ['softmax over an empty axis', [2, 0], (t) => nb.softmax(t, 1), [2, 0]],
  ['logSoftmax over an empty axis', [2, 0], (t) => nb.logSoftmax(t), [2, 0]],
  ['logsumexp over an empty axis (−∞)', [2, 0], (t) => nb.logsumexp(t, 1).exp(), [2]],
  ['conv2dT', [0, 2, 2, 2], (t) => nb.conv2dTranspose(t, nb.ones([2, 1, 2, 2])), [0, 1, 3, 3]],
];

  for (const [name, shape, f, outShape] of cases) {
    it(`${name}: ${JSON.stringify(shape)} → ${JSON.stringify(outShape)}, gradient of the input's shape`, async () => {
      const x = nb.zeros(shape, { requiresGrad: true });
      const y = f(x);
      expect(y.shape).toEqual(outShape);
      nb.sum(y).backward();
      expect(x.grad!.shape).toEqual(shape);
      expect(Array.from((await read(x.grad!))).every((v) => v === 0)).toBe(true);
    });
  }
});
