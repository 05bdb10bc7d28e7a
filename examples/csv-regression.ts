/**
 * Regression from CSV files with nb.data.csv. The data is SYNTHETIC, generated here from a
 * formula (no real data set ships with nabla's dependencies): house prices in k€ from the
 * floor area, the number of rooms and the year of construction,
 *
 *     price = 1.2·area + 15·rooms + 0.8·(year − 1950) + 0.004·(area − 100)² + noise (σ = 5)
 *
 * written as two CSV files (train and test) with a header, CRLF line ends and a quoted free-text
 * column holding commas and line breaks, which the example leaves out. The features come in on
 * very different scales (area ~100, year ~2000), so the training set is standardized and the test
 * set reuses the training statistics (`normalize: train.stats`). Target: R² ≥ 0.97 on the test
 * set (≥ 0.8 in the short mode).
 *
 * Run:  npx tsx examples/csv-regression.ts
 *       NABLA_SHORT=1 npx tsx examples/csv-regression.ts   (fewer epochs: a smoke test)
 * Exits non-zero when a check fails. Needs csv-parse (npm install csv-parse).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as nb from 'nabla';

const short = process.env.NABLA_SHORT === '1';
const NOTES = ['renovated', 'south-facing, balcony', 'needs work', 'quiet street,\r\nnear a park', 'top floor, "loft"'];

/** A synthetic CSV table of n houses (the formula above), as text. */
function housesCsv(n: number, seed: number): string {
  const rng = new nb.Random(seed);
  const lines = ['area_m2,rooms,year_built,note,price_k'];
  for (let i = 0; i < n; i++) {
    const area = 30 + 170 * rng.uniform();
    const rooms = rng.int(1, 7);
    const year = rng.int(1950, 2021);
    const price = 1.2 * area + 15 * rooms + 0.8 * (year - 1950) + 0.004 * (area - 100) ** 2 + 5 * rng.normal();
    const note = `"${NOTES[rng.int(0, NOTES.length)]!.replaceAll('"', '""')}"`;
    lines.push(`${area.toFixed(1)},${rooms},${year},${note},${price.toFixed(2)}`);
  }
  return `${lines.join('\r\n')}\r\n`;
}

export async function run(): Promise<{ r2: number; mae: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'nabla-csv-'));
  writeFileSync(join(dir, 'train.csv'), housesCsv(800, 1));
  writeFileSync(join(dir, 'test.csv'), housesCsv(200, 2));

  const features = ['area_m2', 'rooms', 'year_built'];
  const train = await nb.data.csv(join(dir, 'train.csv'), { columns: features, label: 'price_k', normalize: 'standard' });
  const test = await nb.data.csv(join(dir, 'test.csv'), { columns: features, label: 'price_k', normalize: train.stats });
  console.log(`train: x [${train.x.shape.join(', ')}] (${train.columns.join(', ')}), standardized with`, train.stats);

  // The targets are standardized too (with the training mean and std), as [N, 1] like the model's output.
  const yMean = nb.mean(train.y!).item();
  const yStd = nb.std(train.y!).item();
  const scaled = (y: nb.Tensor): nb.Tensor => y.sub(yMean).div(yStd).reshape([-1, 1]);
  const tr = { x: train.x, y: scaled(train.y!) };
  const te = { x: test.x, y: scaled(test.y!) };

  nb.seed(0);
  const model = nb.nn.sequential(nb.nn.linear(3, 32), nb.nn.relu(), nb.nn.linear(32, 32), nb.nn.relu(), nb.nn.linear(32, 1));
  await nb.train.fit(model, tr, {
    epochs: short ? 15 : 60, batchSize: 32, seed: 0, verbose: 0,
    optimizer: nb.optim.adam(model.parameters(), { lr: 3e-3 }), loss: nb.nn.mse, metrics: ['r2'],
  });
  const ev = await nb.train.evaluate(model, te, { loss: nb.nn.mse, metrics: ['mae', 'r2'] });
  const r2 = ev.r2!;
  const mae = ev.mae! * yStd;
  console.log(`test set: R² ${r2.toFixed(4)}, mean absolute error ${mae.toFixed(2)} k€ (the noise alone gives ~4 k€)`);
  return { r2, mae };
}

async function main(): Promise<void> {
  const { r2 } = await run();
  const target = short ? 0.8 : 0.97;
  if (!(r2 >= target)) {
    console.error(`test R² ${r2.toFixed(4)} < ${target}`);
    process.exit(1);
  }
  console.log('OK');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
