import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { run as graph } from '../../examples/computational-graph.js';
import { EXPECTED_NETWORK, network, neuron } from '../../examples/sigmoid-neuron.js';

for (const backend of nb.backendNames()) {
  describe(`the lectures' worked examples [${backend}]`, () => {
    // Digits of agreement: double precision where the backend stores float64, else float32.
    const digits = (d64: number, d32: number): number => (nb.getBackend().supportsFloat64 ? d64 : d32);
    beforeAll(() => nb.setBackend(backend));

    it('f = (x + y)·z at (−2, 5, −4): f = −12, gradients −4, −4, 3', () => {
      const r = graph();
      expect(r.f).toBe(-12);
      expect([r.dx, r.dy, r.dz]).toEqual([-4, -4, 3]);
      expect(r.functional).toEqual([-4, -4, 3]);
    });

    it('sigmoid neuron gradients match the closed form σ′(s)·[x₀, x₁, 1] and σ′(s)·[w₀, w₁]', () => {
      const r = neuron();
      expect(r.f).toBeCloseTo(0.7310585786, digits(10, 6));
      r.dw.forEach((v, i) => expect(v).toBeCloseTo(r.closedForm.dw[i]!, digits(12, 6)));
      r.dx.forEach((v, i) => expect(v).toBeCloseTo(r.closedForm.dx[i]!, digits(12, 6)));
      // The slide's rounded values.
      expect(r.dw.map((v) => +v.toFixed(2))).toEqual([-0.2, -0.39, 0.2]);
      expect(r.dx.map((v) => +v.toFixed(2))).toEqual([0.39, -0.59]);
      const other = neuron([0.5, -1, 0.25], [3, 1]);
      other.dw.forEach((v, i) => expect(v).toBeCloseTo(other.closedForm.dw[i]!, digits(12, 6)));
    });

    it('2-2-2 sigmoid network: one step matches the published worked example', () => {
      const r = network();
      expect(r.lossBefore).toBeCloseTo(EXPECTED_NETWORK.lossBefore, digits(8, 6));
      expect(r.lossAfter).toBeLessThan(r.lossBefore);
      r.W1.flat().forEach((v, i) => expect(v).toBeCloseTo(EXPECTED_NETWORK.W1.flat()[i]!, digits(8, 6)));
      r.W2.flat().forEach((v, i) => expect(v).toBeCloseTo(EXPECTED_NETWORK.W2.flat()[i]!, digits(8, 6)));
    });
  });
}

describe('example scripts', () => {
  it('both example scripts run, print their results and exit 0', async () => {
    const tsx = fileURLToPath(new URL('../../node_modules/tsx/dist/loader.mjs', import.meta.url));
    const exec = promisify(execFile);
    const runScript = (name: string): Promise<{ stdout: string }> =>
      exec(process.execPath, ['--import', tsx, fileURLToPath(new URL(`../../examples/${name}`, import.meta.url))], { timeout: 60_000 });
    const [a, b] = await Promise.all([runScript('computational-graph.ts'), runScript('sigmoid-neuron.ts')]);
    expect(a.stdout).toContain('OK: gradients are -4, -4, 3');
    expect(b.stdout).toContain('OK: autodiff matches the closed form');
    expect(b.stdout).toContain('OK: matches the worked example');
  });
});
