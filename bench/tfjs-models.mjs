// The benchmark models in TensorFlow.js (NHWC; see MODEL_TITLES in common.mjs), shared by
// bench/tfjs-train.mjs and bench/scaling-tfjs.mjs.
import { CHAR_SEQ, CHAR_VOCAB, GAN_Z } from './common.mjs';

/** Builds model `name` (M1–M6) with its optimizer; `width`: M2's first hidden width (the second is half). */
export function build(tf, name, backend, { width = 256 } = {}) {
  const L = tf.layers;
  switch (name) {
    case 'M1':
      return { model: tf.sequential({ layers: [L.dense({ units: 10, inputShape: [784] })] }), opt: tf.train.sgd(0.1), image: false };
    case 'M2':
      return {
        model: tf.sequential({ layers: [L.dense({ units: width, inputShape: [784], activation: 'relu' }), L.dense({ units: width / 2, activation: 'relu' }), L.dense({ units: 10 })] }),
        opt: tf.train.adam(1e-3),
        image: false,
      };
    case 'M4':
      return {
        // TF.js wasm has no gradient kernel for an embedding (UnsortedSegmentSum): the same model with
        // the embedding as a bias-free dense layer on one-hot characters (equal maths, 16 MFLOP more)
        model: tf.sequential({
          layers: [
            backend === 'wasm' ? L.dense({ units: 64, useBias: false, inputShape: [CHAR_SEQ, CHAR_VOCAB] }) : L.embedding({ inputDim: CHAR_VOCAB, outputDim: 64, inputLength: CHAR_SEQ }),
            L.lstm({ units: 256, returnSequences: true }), L.dense({ units: CHAR_VOCAB }),
          ],
        }),
        opt: tf.train.adam(1e-3),
        image: false,
      };
    case 'M5':
      return {
        model: tf.sequential({ layers: [L.lstm({ units: 128, inputShape: [28, 28] }), L.dense({ units: 10 })] }),
        opt: tf.train.adam(1e-3),
        image: false,
      };
    case 'M6': {
      // the DCGAN of common.mjs in NHWC: 'same' padding with kernel 4, stride 2 gives PyTorch's
      // padding 1 output sizes (7 → 14 → 28, 28 → 14 → 7)
      const G = tf.sequential({
        layers: [
          L.dense({ units: 128 * 7 * 7, inputShape: [GAN_Z] }), L.batchNormalization(), L.reLU(), L.reshape({ targetShape: [7, 7, 128] }),
          L.conv2dTranspose({ filters: 64, kernelSize: 4, strides: 2, padding: 'same' }), L.batchNormalization(), L.reLU(),
          L.conv2dTranspose({ filters: 1, kernelSize: 4, strides: 2, padding: 'same', activation: 'tanh' }),
        ],
      });
      const D = tf.sequential({
        layers: [
          L.conv2d({ inputShape: [28, 28, 1], filters: 64, kernelSize: 4, strides: 2, padding: 'same' }), L.leakyReLU({ alpha: 0.2 }),
          L.conv2d({ filters: 128, kernelSize: 4, strides: 2, padding: 'same' }), L.batchNormalization(), L.leakyReLU({ alpha: 0.2 }),
          L.flatten(), L.dense({ units: 1 }),
        ],
      });
      return { model: { G, D, dispose: () => { G.dispose(); D.dispose(); } }, optG: tf.train.adam(2e-4, 0.5), optD: tf.train.adam(2e-4, 0.5), gan: true };
    }
    default:
      return {
        model: tf.sequential({
          layers: [
            L.conv2d({ inputShape: [28, 28, 1], filters: 6, kernelSize: 5, padding: 'same', activation: 'relu' }),
            L.maxPooling2d({ poolSize: 2 }),
            L.conv2d({ filters: 16, kernelSize: 5, activation: 'relu' }),
            L.maxPooling2d({ poolSize: 2 }),
            L.flatten(),
            L.dense({ units: 120, activation: 'relu' }),
            L.dense({ units: 84, activation: 'relu' }),
            L.dense({ units: 10 }),
          ],
        }),
        opt: tf.train.adam(1e-3),
        image: true,
      };
  }
}
