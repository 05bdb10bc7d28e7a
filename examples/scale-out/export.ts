/**
 * The nabla side of the scale-out recipe (docs/scale-out.md): train an MLP on MNIST for a moment,
 * then hand it to PyTorch — model.py + weights.safetensors in the given folder.
 *
 *     npx tsx examples/scale-out/export.ts out/torch
 *     NABLA_SHORT=1 npx tsx examples/scale-out/export.ts out/torch   (1 000 images: a smoke test)
 */
import * as nb from 'nabla';

const out = process.argv[2] ?? 'out/torch';
const short = process.env.NABLA_SHORT === '1';
const { train, test } = await nb.data.mnist({ flatten: true, limit: short ? 1000 : 10_000, testLimit: short ? 500 : 10_000 });
nb.seed(0);
const model = nb.nn.sequential(nb.nn.linear(784, 128), nb.nn.relu(), nb.nn.dropout(0.1), nb.nn.linear(128, 10));
await nb.train.fit(model, train, { epochs: 1, batchSize: 64, verbose: 0 });
console.log(`nabla: test accuracy ${(await nb.train.evaluate(model, test)).accuracy!.toFixed(4)} after 1 epoch`);
const files = await nb.io.exportPytorch(model, out);
console.log(`wrote ${files.source} and ${files.weights}`);
