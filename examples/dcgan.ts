/**
 * DCGAN on MNIST with `trainGan` of nabla/models: G z(100) → linear 128·7·7 → batch norm → ReLU →
 * [128, 7, 7] → conv2dTranspose(128→64, k4, s2, p1) → batch norm → ReLU → conv2dTranspose(64→1)
 * → tanh; D conv(1→64, k4, s2, p1) → leaky ReLU → conv(64→128) → batch norm → leaky ReLU →
 * linear → 1. Writes runs/dcgan/: samples after every epoch (and within a single epoch),
 * losses.svg, d-outputs.svg, model.nabla (the generator), discriminator.nabla.
 *
 * Run:  npx tsx examples/dcgan.ts                  (1 epoch of all 60 000 images)
 *       NABLA_SHORT=1 npx tsx examples/dcgan.ts    (256 images, 1 epoch: a smoke test)
 * The same from the command line: nabla train dcgan --out runs/dcgan
 * Measure it: nabla eval-gan runs/dcgan/model.nabla --classifier runs/lenet5/model.nabla
 */
import { trainGan } from 'nabla/models';

const short = process.env.NABLA_SHORT === '1';
const r = await trainGan('dcgan', { ...(short ? { limit: 256, batchSize: 32 } : {}), out: 'runs/dcgan', verbose: short ? 0 : 1 });
const e = r.history.at(-1)!;
console.log(`dcgan: ${r.epochs} epoch(s) of ${r.trainSamples} images in ${r.seconds.toFixed(1)} s: D loss ${e.d.toFixed(3)}, G loss ${e.g.toFixed(3)}, D(x) ${e.dx.toFixed(3)}, D(G(z)) ${e.dgz.toFixed(3)}`);
console.log(`  wrote ${r.files.filter((f) => !f.includes('samples-step')).join(', ')}`);
if (![e.d, e.g].every(Number.isFinite)) {
  console.log('FAILED: a loss is not finite');
  process.exit(1);
}
