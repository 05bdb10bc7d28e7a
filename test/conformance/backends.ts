/**
 * The backends the conformance suite runs on: every registered backend plus those that start
 * asynchronously (`webgpu`), or the comma-separated list in NABLA_BACKENDS. Each conformance
 * test file wraps its tests in `forEachBackend`.
 *
 * `webgpu` runs where an adapter exists (in Node through the `webgpu` package; see
 * test/webgpu/setup.ts for the driver). Without one its suites are skipped with the reason —
 * except under CI (`process.env.CI`), where a missing adapter fails the run.
 */
import { describe, beforeAll, it } from 'vitest';
import * as nb from '../../src/index.js';
import { webgpuStatus } from '../webgpu/setup.js';

export function conformanceBackends(): string[] {
  const env = process.env.NABLA_BACKENDS;
  return env ? env.split(',').map((s) => s.trim()).filter(Boolean) : [...nb.backendNames(), ...nb.asyncBackendNames().filter((n) => !nb.backendNames().includes(n))];
}

/** Whether `name` starts asynchronously and has not started yet. */
function needsStart(name: string): boolean {
  return nb.asyncBackendNames().includes(name);
}

/** Starts the asynchronous backends this run needs (once per test file); null when `name` is available. */
const starts = new Map<string, Promise<string | null>>();
function start(name: string): Promise<string | null> {
  let p = starts.get(name);
  if (!p) {
    p = name === 'webgpu' ? webgpuStatus() : nb.setBackendAsync(name, { fallback: false }).then(() => null, (e: Error) => e.message);
    starts.set(name, p);
  }
  return p;
}

const unavailable = new Map<string, string | null>();
for (const name of conformanceBackends()) if (needsStart(name)) unavailable.set(name, await start(name));

/** Runs `body` once per backend, with that backend selected. */
export function forEachBackend(title: string, body: (backend: string) => void): void {
  for (const name of conformanceBackends()) {
    const why = unavailable.get(name) ?? null;
    if (why !== null) {
      if (process.env.CI) {
        describe(`${title} [${name}]`, () => {
          it('has a WebGPU adapter (required under CI)', () => {
            throw new Error(`the '${name}' backend is unavailable under CI: ${why}`);
          });
        });
      } else {
        describe.skip(`${title} [${name}] (skipped: ${why})`, () => body(name));
      }
      continue;
    }
    describe(`${title} [${name}]`, () => {
      beforeAll(async () => {
        await nb.setBackendAsync(name, { fallback: false });
      });
      body(name);
    });
  }
}

/**
 * `forEachBackend` over the backends that read values synchronously (`cpu`, `wasm`): for suites
 * whose code reads results with `dataSync` (the graph engine's replay today). The asynchronous
 * backends (`webgpu`) are named in the skipped title.
 */
export function forEachSyncBackend(title: string, body: (backend: string) => void): void {
  for (const name of conformanceBackends()) {
    if (nb.asyncBackendNames().includes(name)) {
      describe.skip(`${title} [${name}] (skipped: reads synchronously)`, () => body(name));
      continue;
    }
    describe(`${title} [${name}]`, () => {
      beforeAll(() => nb.setBackend(name));
      body(name);
    });
  }
}
