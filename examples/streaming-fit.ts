/**
 * fit over a stream of batches — data that does not have to fit in memory, as with TF.js's
 * fitDataset or PyTorch's DataLoader. The batches come from an async generator that makes each
 * one when asked (standing in for reading and decoding a file chunk by chunk), go through a
 * seeded shuffle buffer and a prefetch (the next batch is produced while the current step runs),
 * and fit disposes each one after its step. Then the same network is trained by hand, PyTorch
 * style, with one nb.tidy per step. Target: ≥ 90% test accuracy on a 3-arm spiral both ways
 * (≥ 50% in the short mode).
 *
 * Run:  npx tsx examples/streaming-fit.ts
 *       NABLA_SHORT=1 npx tsx examples/streaming-fit.ts   (fewer epochs: a smoke test)
 * Exits non-zero when a check fails.
 */
import { pathToFileURL } from 'node:url';
import * as nb from 'nabla';

const short = process.env.NABLA_SHORT === '1';

/** 2-D points of a 3-arm spiral, made chunk by chunk (a file read in pieces would look the same). */
function spiralStream(points: Float32Array, labels: Int32Array, batchSize: number): AsyncIterable<{ x: nb.Tensor; y: nb.Tensor }> {
  return {
    // a new generator for every epoch
    async *[Symbol.asyncIterator]() {
      const n = labels.length;
      for (let i = 0; i < n; i += batchSize) {
        await new Promise((r) => setTimeout(r, 0)); // I/O would happen here
        const m = Math.min(batchSize, n - i);
        yield { x: nb.tensor(points.slice(2 * i, 2 * (i + m)), { shape: [m, 2] }), y: nb.tensor(labels.slice(i, i + m), { dtype: 'int32' }) };
      }
    },
  };
}

function network(): nb.nn.Module {
  nb.seed(0);
  return nb.nn.sequential(nb.nn.linear(2, 32), nb.nn.relu(), nb.nn.linear(32, 32), nb.nn.relu(), nb.nn.linear(32, 3));
}

export async function run(): Promise<{ streamed: number; byHand: number; leaked: number }> {
  const { train, test } = nb.data.splitToy(nb.data.spiral({ n: 600, arms: 3, noise: 0.1, seed: 1 }), 0.7, 2);
  const te = nb.data.toyTensors(test);
  const epochs = short ? 40 : 120;

  // 1. fit over the stream: batches of 32 points, shuffled through a buffer of 8 batches, 2 fetched ahead
  const model = network();
  const stream = nb.data.prefetch(nb.data.shuffleBuffer(spiralStream(train.points, train.labels, 32), 8, { seed: 0 }), 2);
  const before = nb.memory().numTensors;
  await nb.train.fit(model, stream, { epochs, optimizer: nb.optim.adam(model.parameters(), { lr: 0.01 }), verbose: 0 });
  const leaked = nb.memory().numTensors - before - 2 * model.parameters().length; // Adam keeps 2 state tensors per parameter
  const streamed = (await nb.train.evaluate(model, te)).accuracy!;
  console.log(`fit over a stream: test accuracy ${(streamed * 100).toFixed(1)}%`);

  // 2. the same by hand (PyTorch style): one nb.tidy per step, numbers out
  const m2 = network();
  const tr = nb.data.toyTensors(train);
  const opt = nb.optim.adam(m2.parameters(), { lr: 0.01 });
  for (let epoch = 0; epoch < epochs; epoch++) {
    let sum = 0;
    for (const batch of nb.data.batches(tr, { batchSize: 32, shuffle: true, seed: epoch })) {
      sum += nb.tidy(() => {
        const loss = nb.nn.softmaxCrossEntropy(m2.call(batch.x), batch.y);
        loss.backward();
        opt.step();
        opt.zeroGrad();
        return loss.item() * batch.indices.length;
      });
      nb.dispose(batch);
    }
    if (epoch % 40 === 39) console.log(`by hand, epoch ${epoch + 1}: loss ${(sum / tr.y.shape[0]!).toFixed(4)}`);
  }
  const byHand = (await nb.train.evaluate(m2, te)).accuracy!;
  console.log(`by hand: test accuracy ${(byHand * 100).toFixed(1)}%`);
  return { streamed, byHand, leaked };
}

async function main(): Promise<void> {
  const r = await run();
  const target = short ? 0.5 : 0.9;
  const failures: string[] = [];
  if (r.streamed < target) failures.push(`fit over a stream reached ${(r.streamed * 100).toFixed(1)}% (< ${target * 100}%)`);
  if (r.byHand < target) failures.push(`the hand-written loop reached ${(r.byHand * 100).toFixed(1)}% (< ${target * 100}%)`);
  if (r.leaked !== 0) failures.push(`fit over a stream left ${r.leaked} tensors behind`);
  if (failures.length) {
    console.error(failures.join('\n'));
    process.exit(1);
  }
  console.log('OK');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
