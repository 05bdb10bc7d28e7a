import * as nb from '../../src/index.js';

/**
 * A model, its optimizer and the training step eager code writes (forward, softmax
 * cross-entropy, backward, update; returns the loss), for the tests that compile that step. The
 * model's weights are drawn at once (from the caller's seed), by a call on a zero row of `inputs`.
 */
export function trainer<O extends nb.optim.Optimizer>(model: ReturnType<typeof nb.nn.sequential>, inputs: number, opt: O) {
  nb.tidy(() => model.call(nb.zeros([1, inputs])));
  const params = model.parameters();
  const step = (x: nb.Tensor, y: nb.Tensor): nb.Tensor => {
    const l = nb.nn.softmaxCrossEntropy(model.call(x), y);
    opt.zeroGrad(params);
    l.backward();
    opt.step(params);
    return l;
  };
  return { model, params, opt, step };
}
