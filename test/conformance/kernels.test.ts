/** A missing kernel is a test failure, never a user's run-time surprise. */
import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { forEachBackend } from './backends.js';
import { read, arr } from './helpers.js';

forEachBackend('kernel coverage', () => {
  it('implements every kernel that some op calls', async () => {
    const be = nb.getBackend() as unknown as Record<string, unknown>;
    const missing = new Set<string>();
    for (const op of nb.listOps()) for (const k of op.kernels) if (typeof be[k] !== 'function') missing.add(`${k} (for ${op.name})`);
    expect([...missing]).toEqual([]);
  });
  it('reads back asynchronously, and memory accounting balances', async () => {
    const before = nb.getBackend().memory();
    const t = nb.tensor([1, 2, 3]);
    expect(Array.from(await t.data())).toEqual([1, 2, 3]);
    expect(nb.getBackend().memory().numBuffers).toBe(before.numBuffers + 1);
    t.dispose();
    expect(nb.getBackend().memory()).toEqual(before);
  });
  describe('dtypes', () => {
    it('stores float32, int32 and bool (and float64 when it says so)', async () => {
      expect(nb.tensor([1.5]).dtype).toBe('float32');
      expect((await arr(nb.tensor([1], { dtype: 'int32' })))).toEqual([1]);
      expect((await arr(nb.tensor([true])))).toEqual([true]);
      if (nb.getBackend().supportsFloat64) expect((await read(nb.tensor([1e-300], { dtype: 'float64' })))[0]).toBe(1e-300);
      else expect(() => nb.tensor([1], { dtype: 'float64' })).toThrow(/has no float64/);
    });
  });
});
