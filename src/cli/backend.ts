/**
 * The CLI's backend choice: `--backend NAME` (any registered backend, `webgpu` included), else
 * the default, which `NABLA_BACKEND` may name. A backend that starts asynchronously (`webgpu`) is
 * started here; without a WebGPU adapter nabla warns with the reason and uses the default backend.
 */
import * as nb from '../index.js';

/** Every backend name `--backend` accepts: the registered ones and those that start asynchronously. */
export function knownBackends(): string[] {
  const sync = nb.backendNames();
  return [...sync, ...nb.asyncBackendNames().filter((n) => !sync.includes(n))];
}

/** Selects `name` (or the default when undefined) and resolves to the backend in use. */
export async function selectBackend(name: string | undefined): Promise<string> {
  if (!name) return nb.ready();
  if (!knownBackends().includes(name)) throw new Error(`unknown backend '${name}'; available: ${knownBackends().join(', ')}`);
  return nb.setBackendAsync(name);
}
