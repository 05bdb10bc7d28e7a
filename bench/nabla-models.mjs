// The benchmark models in nabla (see MODEL_TITLES in common.mjs), shared by bench/nabla-train.mjs
// and bench/scaling-nabla.mjs.
import { CHAR_VOCAB, GAN_Z } from './common.mjs';

/**
 * Builds model `name` (M1–M6) with its optimizer.
 * `width`: M2's first hidden width (the second is half of it; default 256, M2 as benchmarked).
 * `fused: false`: the recurrent layers run the composite formula (the A/B of the fused kernels).
 */
export function buildModel(nb, name, { width = 256, fused = true } = {}) {
  const nn = nb.nn;
  const lstm = (...args) => {
    const l = nn.lstm(...args);
    l.fused = fused;
    return l;
  };
  switch (name) {
    case 'M1':
      return { model: nn.sequential(nn.linear(784, 10)), opt: nb.optim.sgd(0.1), image: false };
    case 'M2':
      return { model: nn.sequential(nn.linear(784, width), nn.relu(), nn.linear(width, width / 2), nn.relu(), nn.linear(width / 2, 10)), opt: nb.optim.adam(1e-3), image: false };
    case 'M4':
      return { model: nn.sequential(nn.embedding(CHAR_VOCAB, 64), nn.pick(lstm(64, 256)), nn.linear(256, CHAR_VOCAB)), opt: nb.optim.adam(1e-3), image: false };
    case 'M5':
      return { model: nn.sequential(nn.pick(lstm(28, 128, { returnSequences: false })), nn.linear(128, 10)), opt: nb.optim.adam(1e-3), image: false };
    case 'M6':
      return buildGan(nb);
    default:
      return {
        model: nn.sequential(
          nn.conv2d(1, 6, 5, { padding: 'same' }), nn.relu(), nn.maxPool2d(2),
          nn.conv2d(6, 16, 5), nn.relu(), nn.maxPool2d(2),
          nn.flatten(), nn.linear(400, 120), nn.relu(), nn.linear(120, 84), nn.relu(), nn.linear(84, 10)),
        opt: nb.optim.adam(1e-3),
        image: true,
      };
  }
}

/** M6: the DCGAN of common.mjs (generator G, discriminator D), each with its own Adam(2e-4, β1 0.5). */
function buildGan(nb) {
  const nn = nb.nn;
  const G = nn.sequential(
    nn.linear(GAN_Z, 128 * 7 * 7), nn.batchNorm1d(128 * 7 * 7), nn.relu(), nn.reshape([128, 7, 7]),
    nn.conv2dTranspose(128, 64, 4, { stride: 2, padding: 1 }), nn.batchNorm2d(64), nn.relu(),
    nn.conv2dTranspose(64, 1, 4, { stride: 2, padding: 1 }), nn.tanh());
  const D = nn.sequential(
    nn.conv2d(1, 64, 4, { stride: 2, padding: 1 }), nn.leakyRelu(0.2),
    nn.conv2d(64, 128, 4, { stride: 2, padding: 1 }), nn.batchNorm2d(128), nn.leakyRelu(0.2),
    nn.flatten(), nn.linear(128 * 7 * 7, 1));
  const model = nn.sequential(G, D);
  return { model, G, D, optG: nb.optim.adam(2e-4, { beta1: 0.5 }), optD: nb.optim.adam(2e-4, { beta1: 0.5 }), image: true, gan: true };
}
