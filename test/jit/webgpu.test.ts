/**
 * nb.jit on `webgpu`: a compiled MLP training step (forward, loss, backward, Adam) gives the
 * losses and parameters eager webgpu code gives, within float32 tolerance. webgpu reads values
 * only asynchronously, so the losses are read after each call. Skipped without a WebGPU adapter
 * (a failure under CI); in Node the adapter comes from lavapipe (see test/webgpu/setup.ts).
 */
import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { webgpuStatus } from '../webgpu/setup.js';
import { trainer } from './trainer.js';

const why = await webgpuStatus();

function setup() {
  nb.seed(5);
  const nn = nb.nn;
  const model = nn.sequential(nn.linear(20, 32), nn.relu(), nn.linear(32, 16), nn.relu(), nn.linear(16, 4));
  return trainer(model, 20, nb.optim.adam(1e-2));
}

describe.skipIf(why !== null && !process.env.CI)(`nb.jit on webgpu${why ? ` (skipped: ${why})` : ''}`, () => {
  it('a compiled MLP + Adam step matches eager webgpu within float32 tolerance', async () => {
    if (why !== null) throw new Error(`no WebGPU adapter under CI: ${why}`);
    const previous = nb.getBackend().name;
    await nb.setBackendAsync('webgpu', { fallback: false });
    try {
      nb.seed(8);
      const data: [nb.Tensor, nb.Tensor][] = [];
      for (let i = 0; i < 4; i++) data.push([nb.keep(nb.randn([16, 20])), nb.keep(nb.oneHot(nb.randint(0, 4, [16]), 4))]);
      const e = setup();
      const j = setup();
      const step = nb.jit(j.step);
      const losses: [number, number][] = [];
      for (let i = 0; i < 12; i++) {
        const [x, y] = data[i % 4] as [nb.Tensor, nb.Tensor];
        const le = nb.tidy(() => nb.keep(e.step(x, y)));
        const lj = nb.tidy(() => nb.keep(step(x, y)));
        losses.push([(await le.data())[0] as number, (await lj.data())[0] as number]);
        le.dispose();
        lj.dispose();
      }
      for (const [le, lj] of losses) expect(Math.abs(lj - le)).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(le)));
      expect(losses[11]![0]).toBeLessThan(losses[0]![0]);
      const s = step.stats();
      expect(s).toHaveLength(1);
      expect(s[0]!.kernels).toBeGreaterThan(10);
      expect(s[0]!.memoryPlan).toBe('none'); // the memory plan is wasm's; webgpu keeps its buffer pool
      for (let i = 0; i < e.params.length; i++) {
        const a = await (e.params[i] as nb.Tensor).data();
        const b = await (j.params[i] as nb.Tensor).data();
        for (let k = 0; k < a.length; k++) expect(Math.abs((b[k] as number) - (a[k] as number))).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(a[k] as number)));
      }
      step.clear();
      e.model.dispose();
      j.model.dispose();
      for (const [x, y] of data) { x.dispose(); y.dispose(); }
    } finally {
      nb.setBackend(previous);
    }
  });
});
