/**
 * The shared driver of the autoencoder examples: trains one of them on real MNIST (1,000 images
 * for one epoch with NABLA_SHORT=1), writes model.nabla, the pictures and metrics.json into
 * runs/<name>/, prints the figures, and exits non-zero when a sanity bound is missed.
 * NABLA_BACKEND picks the backend, NABLA_EPOCHS the epochs.
 */
import * as nb from 'nabla';
import { trainAutoencoder, type AutoencoderKind, type AutoencoderResult } from 'nabla/models';

export const isShort = process.env.NABLA_SHORT === '1';

export async function mainAutoencoderExample(kind: AutoencoderKind, check: (r: AutoencoderResult) => string | null): Promise<AutoencoderResult> {
  if (process.env.NABLA_BACKEND) nb.setBackend(process.env.NABLA_BACKEND);
  const epochs = process.env.NABLA_EPOCHS ? Number(process.env.NABLA_EPOCHS) : undefined;
  const r = await trainAutoencoder(kind, {
    ...(isShort ? { limit: 1000, testLimit: 500, epochs: 3, batchSize: 32, labelled: 500, fineTuneEpochs: 10 } : {}),
    ...(epochs ? { epochs } : {}),
    out: `runs/${kind}`,
    verbose: isShort ? 0 : 1,
  });
  if (r.stacked) {
    const s = r.stacked;
    console.log(`${kind}: test accuracy after fine-tuning on ${s.labelled} labelled images — pre-trained ${(100 * s.pretrainedAccuracy).toFixed(2)}%, random initialisation ${(100 * s.randomAccuracy).toFixed(2)}%`);
  } else {
    console.log(`${kind}: test reconstruction MSE ${r.testMse.toFixed(5)} per pixel (${r.testSamples} test images)`);
  }
  if (r.denoising) {
    const d = r.denoising;
    console.log(`  MSE to the clean image — masking noise: input ${d.masking.input.toFixed(4)}, output ${d.masking.output.toFixed(4)}; Gaussian noise: input ${d.gaussian.input.toFixed(4)}, output ${d.gaussian.output.toFixed(4)}`);
  }
  console.log(`  ${r.epochs} epochs of ${r.trainSamples} images in ${r.seconds.toFixed(1)} s on ${r.backend}; wrote ${r.files.join(', ')}`);
  const failure = check(r);
  if (failure) {
    console.log(`FAILED: ${failure}`);
    process.exit(1);
  }
  return r;
}
