/**
 * Saving and loading models on disk (Node only; the file system is reached lazily, so importing
 * nabla in a browser is unaffected). Writes are atomic: a temporary file in the same folder is
 * written, flushed to disk (fsync) and renamed over the target, so a crash never leaves a
 * half-written model behind.
 */
import type { JsonValue, Module } from '../nn/module.js';
import { nodeBuiltin } from './node.js';
import { decodeModel, encodeModel, readModelBytes, type ModelHeader } from './format.js';

/**
 * Writes `data` to `path` atomically: temp file in the same folder → write → fsync → rename →
 * fsync of the folder (where the platform allows). On failure the temp file is removed.
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const fs = nodeBuiltin('node:fs/promises', 'nb.io.writeFileAtomic');
  const p = nodeBuiltin('node:path', 'nb.io.writeFileAtomic');
  const dir = p.dirname(p.resolve(path));
  const tmp = p.join(dir, `.${p.basename(path)}.${process.pid}.${Math.random().toString(36).slice(2, 10)}.tmp`);
  let handle: Awaited<ReturnType<typeof fs.open>> | null = null;
  try {
    handle = await fs.open(tmp, 'wx', 0o644);
    await handle.writeFile(data);
    await handle.sync();
    await handle.close();
    handle = null;
    await fs.rename(tmp, path);
  } catch (e) {
    await handle?.close().catch(() => undefined);
    await fs.rm(tmp, { force: true }).catch(() => undefined);
    throw e;
  }
  // Make the rename itself durable. Opening a folder fails on some platforms (Windows): best effort.
  try {
    const d = await fs.open(dir, 'r');
    try {
      await d.sync();
    } finally {
      await d.close();
    }
  } catch {
    /* not supported here */
  }
}

export interface SaveOptions {
  /** JSON stored beside the weights (training metrics, data set name, …); `loadFile` returns it. */
  metadata?: { [key: string]: JsonValue };
}

/**
 * Saves `model` (its `config()` architecture and its weights) to `path` in the `.nabla` format:
 * versioned, CRC-32 checked, written atomically.
 */
export async function save(model: Module, path: string, opts: SaveOptions = {}): Promise<void> {
  const bytes = await encodeModel(model, opts.metadata);
  await writeFileAtomic(path, bytes);
}

async function readBytes(path: string): Promise<Uint8Array> {
  const fs = nodeBuiltin('node:fs/promises', 'nb.io.load');
  try {
    return await fs.readFile(path);
  } catch (e) {
    throw new Error(`nb.io.load: cannot read ${path}: ${(e as Error).message}`);
  }
}

/** Loads a model saved by `save`, in eval mode. A damaged, truncated or foreign file is rejected with a ModelFileError. */
export async function load(path: string): Promise<Module> {
  return decodeModel(await readBytes(path), path).model;
}

/** Like `load`, also returning the stored metadata and header. */
export async function loadFile(path: string): Promise<{ model: Module; metadata: { [key: string]: JsonValue }; header: ModelHeader }> {
  return decodeModel(await readBytes(path), path);
}

/** Reads and checks a model file's header without building the model. */
export async function inspect(path: string): Promise<ModelHeader> {
  return readModelBytes(await readBytes(path), path).header;
}
