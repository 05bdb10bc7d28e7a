/** The terminal progress bar of `fit` (verbose 1 on a TTY) shows every metric, not only accuracy. */
import { afterEach, describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';

const stderr = process.stderr as unknown as { isTTY?: boolean; write: (s: string) => boolean };
const saved = { isTTY: stderr.isTTY, write: stderr.write };
afterEach(() => {
  stderr.isTTY = saved.isTTY;
  stderr.write = saved.write;
});

describe('progress bar', () => {
  it('shows the running value of every metric during the epoch', async () => {
    const out: string[] = [];
    stderr.isTTY = true;
    stderr.write = (s: string) => (out.push(String(s)), true);
    const p = await nb.train.createProgress(1);
    p.epochBegin(0, 2, 4);
    p.batchEnd({ batch: 0, batches: 4, loss: 0.5, accuracy: 0.75, metrics: () => ({ accuracy: 0.75, precision: 0.5, val_ignored: 1 }) });
    p.batchEnd({ batch: 3, batches: 4, loss: 0.25, accuracy: 0.8, metrics: () => ({ accuracy: 0.8, precision: 0.625, top5Accuracy: 1 }) });
    p.epochEnd('epoch 1/2 · done');
    p.close();
    const text = out.join('');
    expect(text).toContain('| loss 0.2500 · accuracy 0.8000 · precision 0.6250 · top5Accuracy 1.0000');
    expect(text).toContain('epoch 1/2 · done');
  });

  it('fit passes its metrics to the bar', async () => {
    const out: string[] = [];
    stderr.isTTY = true;
    stderr.write = (s: string) => (out.push(String(s)), true);
    nb.seed(0);
    const x = nb.randn([32, 3], { backend: 'cpu' });
    const y = nb.tensor(Array.from({ length: 32 }, (_, i) => i % 3), { dtype: 'int32', backend: 'cpu' });
    const model = nb.nn.sequential(nb.nn.linear(3, 3));
    await nb.train.fit(model, { x, y }, { epochs: 1, batchSize: 8, verbose: 1, metrics: ['accuracy', 'f1'] });
    expect(out.join('')).toMatch(/\| loss \d\.\d{4} · accuracy \d\.\d{4} · f1 \d\.\d{4}/);
  });
});
