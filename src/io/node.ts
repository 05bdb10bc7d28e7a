/**
 * Lazy access to Node's built-in modules. nabla's browser-facing modules import this file without
 * touching Node at load time: the built-in is looked up only when a Node-only function (reading
 * MNIST, saving a model) actually runs, so bundling nabla for the browser keeps working.
 */
import type * as FsPromises from 'node:fs/promises';
import type * as Path from 'node:path';
import type * as Module from 'node:module';
import type * as Crypto from 'node:crypto';

interface Builtins {
  'node:fs/promises': typeof FsPromises;
  'node:path': typeof Path;
  'node:module': typeof Module;
  'node:crypto': typeof Crypto;
}

/** Returns a Node built-in module, or throws a clear error naming `feature` outside Node (≥ 20.16). */
export function nodeBuiltin<K extends keyof Builtins>(id: K, feature: string): Builtins[K] {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const mod = proc?.getBuiltinModule?.(id);
  if (!mod) throw new Error(`${feature} needs Node.js ≥ 20.16 (the built-in '${id}' is not available here)`);
  return mod as Builtins[K];
}
