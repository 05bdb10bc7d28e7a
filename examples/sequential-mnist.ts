/**
 * Many-to-one on pixels: sequential MNIST. Each image is read row by row — 28 steps of 28 pixels,
 * [batch, 28, 28] — by an LSTM with 128 units; its last state goes through a linear layer to the
 * 10 classes. Adam 1e-3, batches of 64, gradients as `fit` computes them. Target: ≥ 98% test
 * accuracy in the full run.
 *
 * Run:  npx tsx examples/sequential-mnist.ts                 (10 epochs on all 60 000 images)
 *       NABLA_SHORT=1 npx tsx examples/sequential-mnist.ts   (500 images, 1 epoch: a smoke test)
 * Same model from the command line: nabla train seq-mnist
 * Exits non-zero when the full run misses the target.
 */
import * as nb from 'nabla';
import { seqMnistLstm } from 'nabla/models';

const short = process.env.NABLA_SHORT === '1';
const epochs = short ? 1 : Number(process.env.NABLA_EPOCHS ?? 10);
const { train, test } = await nb.data.text.sequentialMnist(short ? { limit: 500, testLimit: 200 } : {});
nb.seed(0);
const model = seqMnistLstm();
console.log(`sequential MNIST: ${train.x.shape[0]} training and ${test.x.shape[0]} test images as 28 steps × 28 pixels · backend ${nb.getBackend().name} · ${model.numParameters().toLocaleString('en-US')} parameters · ${epochs} epochs`);
console.log(model.summary([28, 28]));
const history = await nb.train.fit(model, train, {
  epochs, batchSize: 64, optimizer: nb.optim.adam(1e-3), validation: test, seed: 0, verbose: 1,
});
const { accuracy, loss } = await nb.train.evaluate(model, test);
console.log(`test accuracy ${(100 * accuracy!).toFixed(2)}% · test loss ${loss.toFixed(4)} · ${epochs} epoch${epochs > 1 ? 's' : ''} in ${history.seconds.toFixed(1)} s`);
const target = short ? 0.15 : 0.98; // short: above chance (10%)
model.dispose();
nb.dispose([train, test]);
if (!(accuracy! >= target)) {
  console.error(`below the target of ${(100 * target).toFixed(0)}%`);
  process.exit(1);
}
