/**
 * A fully connected GAN on MNIST, written out: a generator G (z 100 → 256 → 512 → 784, tanh) and
 * a discriminator D (784 → 512 → 256 → 1 logit), two Adam optimizers (lr 2e-4, β1 0.5), and the
 * lectures' losses in their stable forms from D's logit l (D = σ(l)):
 *   D:  −E[log D(x)] − E[log(1 − D(G(z)))] = mean softplus(−l(x)) + mean softplus(l(G(z)))
 *   G:  −E[log D(G(z))]                    = mean softplus(−l(G(z)))     (non-saturating)
 * Writes runs/gan-example/samples-epoch-N.png (the same 64 latent vectors every epoch).
 *
 * Run:  npx tsx examples/gan.ts                  (8 epochs, all 60 000 images)
 *       NABLA_SHORT=1 npx tsx examples/gan.ts    (512 images, 1 epoch: a smoke test)
 * The same from the command line: nabla train gan --out runs/gan
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import * as nb from 'nabla';
import { ganDiscriminator, ganGenerator } from 'nabla/models';

const short = process.env.NABLA_SHORT === '1';
const epochs = short ? 1 : 8;
const { train } = await nb.data.mnist({ limit: short ? 512 : undefined, testLimit: 1 });
nb.seed(0);
const G = ganGenerator();
const D = ganDiscriminator();
const optG = nb.optim.adam(G.parameters(), { lr: 2e-4, beta1: 0.5 });
const optD = nb.optim.adam(D.parameters(), { lr: 2e-4, beta1: 0.5 });
const fixedZ = nb.randn([64, 100], { random: new nb.Random(1) });
mkdirSync('runs/gan-example', { recursive: true });

const history = await nb.train.loop(train.x, ({ x }) => {
  const real = nb.sub(nb.mul(x, 2), 1); // images in [−1, 1], as tanh gives
  const fake = G.call(nb.randn([x.shape[0]!, 100]));
  // discriminator step; G(z) detached: this step changes D only
  const lReal = D.call(real);
  const lFake = D.call(fake.detach());
  const dLoss = nb.add(nb.softplus(nb.neg(lReal)).mean(), nb.softplus(lFake).mean());
  dLoss.backward();
  optD.step();
  optD.zeroGrad();
  // generator step through the updated D
  const gLoss = nb.softplus(nb.neg(D.call(fake))).mean();
  gLoss.backward();
  optG.step();
  optG.zeroGrad();
  optD.zeroGrad(); // D's gradients from the G step are not used
  return { d: dLoss, g: gLoss, 'D(x)': nb.sigmoid(lReal).mean(), 'D(G(z))': nb.sigmoid(lFake).mean() };
}, {
  epochs, batchSize: 64, verbose: short ? 0 : 1,
  callbacks: [{
    onEpochEnd: (logs) => {
      G.eval(); // sample in eval mode
      const imgs = nb.noGrad(() => G.call(fixedZ));
      writeFileSync(`runs/gan-example/samples-epoch-${logs.epoch + 1}.png`, nb.viz.imageGrid(imgs, { nrow: 8, range: [-1, 1] }));
      imgs.dispose();
      G.train();
    },
  }],
});
const last = history.epochs.at(-1)!;
console.log(`gan: after ${history.epochs.length} epoch(s): D loss ${last.loss.toFixed(3)}, G loss ${last.g!.toFixed(3)}, D(x) ${last['D(x)']!.toFixed(3)}, D(G(z)) ${last['D(G(z))']!.toFixed(3)}; wrote runs/gan-example/samples-epoch-*.png`);
if (![last.loss, last.g!].every(Number.isFinite)) {
  console.log('FAILED: a loss is not finite');
  process.exit(1);
}
