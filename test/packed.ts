/**
 * The package as a user gets it: `npm pack` of this checkout's build, installed into a fresh
 * project in a temporary folder. Shared by test/package-install.test.ts and test/bundlers/.
 */
import { expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('..', import.meta.url));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

export interface Installed {
  /** The temporary folder (remove it when done); holds the tarball and `app`. */
  dir: string;
  /** The project folder: package.json and node_modules/nabla. */
  app: string;
}

/** Packs the built checkout and installs the tarball into `<tmp>/<prefix>…/app`. */
export function packAndInstall(prefix: string): Installed {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  // --ignore-scripts: pack what `npm ci` / `npm run build` built, without building again
  const tgz = execFileSync(npm, ['pack', '--ignore-scripts', '--pack-destination', dir], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim().split('\n').pop()!;
  const app = path.join(dir, 'app');
  mkdirSync(app);
  writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', type: 'module', private: true }));
  execFileSync(npm, ['install', path.join(dir, tgz), '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts'], { cwd: app, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return { dir, app };
}

/**
 * An ES module (source text) whose `run(nb)` trains a tiny classifier for a few epochs on nabla
 * as given, with no configuration, and reports a TrainingResult. The Node project and every
 * bundled page run this same code.
 */
export const TRAINING_MODULE = `
export async function run(nb) {
  const { name: backend, shared, relaxedSimd } = nb.getBackend();
  nb.seed(0);
  let s = 12345;
  const rand = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
  const xs = [];
  const ys = [];
  for (let i = 0; i < 256; i++) {
    const a = rand(), b = rand();
    xs.push([a, b]);
    ys.push(a + 0.5 * b > 0 ? 1 : 0);
  }
  const x = nb.tensor(xs);
  const y = nb.tensor(ys, { dtype: 'int32' });
  const model = nb.nn.sequential(nb.nn.linear(2, 16), nb.nn.relu(), nb.nn.linear(16, 2));
  const h = await nb.train.fit(model, { x, y }, { epochs: 4, batchSize: 32, verbose: 0 });
  return {
    backend,
    shared,
    relaxedSimd,
    losses: h.epochs.map((e) => e.loss),
    summary: model.summary([2]),
    linearClassName: nb.nn.linear(1, 1).constructor.name,
  };
}
`;

export interface TrainingResult {
  backend: string;
  /** The wasm backend's memory is shared (the threaded build) / it runs the relaxed-SIMD build. */
  shared: boolean;
  relaxedSimd: boolean;
  losses: number[];
  summary: string;
  /** The Linear layer's class name as the bundle left it (a minifier renames it). */
  linearClassName: string;
}

/** What every TrainingResult must show: the wasm backend, a falling loss, real layer names. */
export function expectTrainedOnWasm(r: TrainingResult, where: string): void {
  expect(r.backend, `${where}: default backend`).toBe('wasm');
  expect(r.losses.length, where).toBe(4);
  expect(r.losses.every(Number.isFinite), `${where}: losses ${r.losses.join(', ')}`).toBe(true);
  expect(r.losses[3]!, `${where}: losses ${r.losses.join(', ')}`).toBeLessThan(r.losses[0]!);
  for (const name of ['Sequential', 'Linear', 'ReLU']) expect(r.summary, `${where}: summary()`).toContain(name);
}
