/**
 * A minifying bundler renames classes (`class Linear` becomes `class a`). Layer names in
 * summaries, errors and saved files come from the registered layer types, not from class names,
 * so they survive it. Simulated here by renaming the classes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';

nb.setBackend('cpu');

const classes = [nb.nn.Linear, nb.nn.Conv2d, nb.nn.Conv2dTranspose, nb.nn.Sequential, nb.nn.Residual, nb.nn.Flatten, nb.nn.Reshape,
  nb.nn.Dropout, nb.nn.Maxout, nb.nn.PReLU, nb.nn.PartialConv2d, nb.nn.Subsampling, nb.nn.RandomAffine, nb.nn.Perceptron, nb.nn.Pool2d, nb.nn.Activation];
const names = new Map<object, string>();

beforeAll(() => {
  classes.forEach((c, i) => {
    names.set(c, c.name);
    Object.defineProperty(c, 'name', { value: `m${i}`, configurable: true });
  });
});
afterAll(() => {
  for (const [c, n] of names) Object.defineProperty(c, 'name', { value: n, configurable: true });
});

describe('layer names under minification', () => {
  it('every registered layer type names its instances by the registered type', () => {
    expect(nb.nn.Linear.name).toBe('m0'); // the renaming took effect
    const model = nb.nn.sequential(
      nb.nn.conv2d(1, 2, 3), nb.nn.relu(), nb.nn.maxPool2d(2), nb.nn.flatten(), nb.nn.dropout(0.1),
      nb.nn.linear(8, 4), nb.nn.prelu(), nb.nn.residual(nb.nn.linear(4, 4)), nb.nn.reshape([2, 2]),
    );
    const text = model.summary([1, 6, 6]);
    for (const t of ['Sequential', 'Conv2d', 'ReLU', 'MaxPool2d', 'Flatten', 'Dropout', 'Linear', 'PReLU', 'Reshape']) expect(text).toContain(t);
    expect(nb.nn.residual(nb.nn.linear(4, 4)).typeName).toBe('Residual');
    expect(nb.nn.randomShift(1).typeName).toBe('RandomAffine');
    expect(nb.nn.subsampling(2).typeName).toBe('Subsampling');
    expect(nb.nn.conv2dTranspose(1, 1, 2).typeName).toBe('Conv2dTranspose');
    expect(text).not.toMatch(/\bm\d+\b/);
    expect(model.config().type).toBe('Sequential');
  });

  it('a model saved from a minified bundle loads (config types are the registered names)', async () => {
    nb.seed(1);
    const model = nb.nn.sequential(nb.nn.linear(3, 4), nb.nn.tanh(), nb.nn.perceptron(4, 2));
    const bytes = await nb.io.encodeModel(model);
    const { model: back } = await nb.io.decodeModel(bytes);
    const x = nb.randn([2, 3]);
    expect(back.call(x).arraySync()).toEqual(model.call(x).arraySync());
    expect(JSON.stringify(model.config())).not.toMatch(/"type":"m\d+"/);
  });

  it("a user's own subclass is named by its class", () => {
    class MyLinear extends nb.nn.Linear {}
    expect(new MyLinear(2, 2).typeName).toBe('MyLinear');
  });
});
