import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { run as graph } from '../../examples/computational-graph.js';
import { EXPECTED_NETWORK, network, neuron } from '../../examples/sigmoid-neuron.js';

describe("the lectures' worked examples", () => {
  it('f = (x + y)·z at (−2, 5, −4): f = −12, gradients −4, −4, 3', () => {
    const r = graph();
    expect(r.f).toBe(-12);
    expect([r.dx, r.dy, r.dz]).toEqual([-4, -4, 3]);
    expect(r.functional).toEqual([-4, -4, 3]);
  });

  it('sigmoid neuron gradients match the closed form σ′(s)·[x₀, x₁, 1] and σ′(s)·[w₀, w₁]', () => {
    const r = neuron();
    expect(r.f).toBeCloseTo(0.7310585786, 10);
    r.dw.forEach((v, i) => expect(v).toBeCloseTo(r.closedForm.dw[i]!, 12));
    r.dx.forEach((v, i) => expect(v).toBeCloseTo(r.closedForm.dx[i]!, 12));
    // The slide's rounded values.
    expect(r.dw.map((v) => +v.toFixed(2))).toEqual([-0.2, -0.39, 0.2]);
    expect(r.dx.map((v) => +v.toFixed(2))).toEqual([0.39, -0.59]);
    const other = neuron([0.5, -1, 0.25], [3, 1]);
    other.dw.forEach((v, i) => expect(v).toBeCloseTo(other.closedForm.dw[i]!, 12));
  });

  it('2-2-2 sigmoid network: one step matches the published worked example', () => {
    const r = network();
    expect(r.lossBefore).toBeCloseTo(EXPECTED_NETWORK.lossBefore, 8);
    expect(r.lossAfter).toBeLessThan(r.lossBefore);
    r.W1.flat().forEach((v, i) => expect(v).toBeCloseTo(EXPECTED_NETWORK.W1.flat()[i]!, 8));
    r.W2.flat().forEach((v, i) => expect(v).toBeCloseTo(EXPECTED_NETWORK.W2.flat()[i]!, 8));
  });

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
