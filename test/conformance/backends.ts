/**
 * The backends the conformance suite runs on: every registered backend, or the comma-separated
 * list in NABLA_BACKENDS. Each conformance test file wraps its tests in `forEachBackend`.
 */
import { describe, beforeAll } from 'vitest';
import * as nb from '../../src/index.js';

export function conformanceBackends(): string[] {
  const env = process.env.NABLA_BACKENDS;
  return env ? env.split(',').map((s) => s.trim()).filter(Boolean) : nb.backendNames();
}

/** Runs `body` once per backend, with that backend selected. */
export function forEachBackend(title: string, body: (backend: string) => void): void {
  for (const name of conformanceBackends()) {
    describe(`${title} [${name}]`, () => {
      beforeAll(() => nb.setBackend(name));
      body(name);
    });
  }
}
