/**
 * AC-GAN on MNIST with `trainGan` of nabla/models: the DCGAN with a class c given to the
 * generator (an embedding concatenated to z) and a 10-class head on the discriminator. D's loss
 * has four terms — real/fake on real and on generated images, the class of real and of generated
 * images, the last weighted by fakeClassWeight (default 0: D's class head learns from real digits
 * only; 1 as the lectures write it) — G's two: fool D, and make C(G(z, c)) = c. Then draws a grid
 * of sevens.
 *
 * Run:  npx tsx examples/acgan.ts                  (1 epoch of all 60 000 images)
 *       NABLA_SHORT=1 npx tsx examples/acgan.ts    (256 images, 1 epoch: a smoke test)
 * The same from the command line: nabla train acgan --out runs/acgan, then
 *   nabla sample runs/acgan/model.nabla --digit 7 --out sevens.png
 *   nabla eval-gan runs/acgan/model.nabla --classifier runs/lenet5/model.nabla
 */
import { writeFileSync } from 'node:fs';
import * as nb from 'nabla';
import { trainGan, loadGenerator, generate } from 'nabla/models';

const short = process.env.NABLA_SHORT === '1';
const r = await trainGan('acgan', { ...(short ? { limit: 256, batchSize: 32 } : {}), out: 'runs/acgan', verbose: short ? 0 : 1 });
const e = r.history.at(-1)!;
console.log(`acgan: ${r.epochs} epoch(s) of ${r.trainSamples} images in ${r.seconds.toFixed(1)} s: D loss ${e.d.toFixed(3)}, G loss ${e.g.toFixed(3)}, D's class accuracy on real images ${(100 * e.realClassAccuracy!).toFixed(1)}%`);

// 16 sevens from the saved generator
const { generator } = await loadGenerator('runs/acgan/model.nabla', 'acgan example');
const sevens = generate(generator, nb.randn([16, 100]), nb.full([16], 7, { dtype: 'int32' }));
writeFileSync('runs/acgan/sevens.png', nb.viz.imageGrid(sevens, { nrow: 8, range: [-1, 1] }));
console.log('  wrote runs/acgan/sevens.png');
nb.dispose(sevens);
generator.dispose();
if (![e.d, e.g].every(Number.isFinite)) {
  console.log('FAILED: a loss is not finite');
  process.exit(1);
}
