/**
 * A denoising autoencoder 784–256–64–256–784 on MNIST: fed corrupted images — masking noise (half
 * the pixels zeroed) and Gaussian noise (σ = 0.5, clipped to [0, 1]) on alternate steps — and
 * trained to give back the clean ones. Reports, for each noise, the MSE of the noisy input and of
 * the output to the clean test image; runs/denoising-ae/reconstructions.png shows rows of noisy
 * input, output and clean image.
 *
 * Run:  npx tsx examples/denoising-autoencoder.ts                  (10 epochs, all 60 000 images)
 *       NABLA_SHORT=1 npx tsx examples/denoising-autoencoder.ts    (1 000 images, 3 epochs: a smoke test)
 * Same run from the command line: nabla train denoising-ae --out runs/denoising-ae
 */
import { isShort, mainAutoencoderExample } from './shared/autoencoder-example.js';

await mainAutoencoderExample('denoising-ae', (r) => {
  const g = r.denoising!.gaussian;
  // after a full run the output is closer to the clean image than the noisy input was
  return isShort || g.output < g.input ? null : `Gaussian-noise output MSE ${g.output} is not below the input's ${g.input}`;
});
