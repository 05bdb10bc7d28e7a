/**
 * Saving and loading models on disk (Node only; the file system is reached lazily, so importing
 * nabla in a browser is unaffected). Writes are atomic: a temporary file in the same folder is
 * written, flushed to disk (fsync) and renamed over the target, so a crash never leaves a
 * half-written model behind.
 */
import type { JsonValue, Module } from '../nn/module.js';
import { nodeBuiltin } from './node.js';
import { checkPrefix, decodeModel, encodeModel, PREFIX_BYTES, readModelBytes, type ModelHeader } from './format.js';

/**
 * The name of writeFileAtomic's temporary files: `.<target name>.<pid>.<random>.tmp`, the random
 * part being up to 8 lower-case base-36 digits. Nothing else in a folder is ever removed as stale.
 */
const TEMP_NAME = /^\..+\.([0-9]+)\.[0-9a-z]{1,8}\.tmp$/;

/** Whether process `pid` exists (on this machine): only ESRCH from a signal-0 probe says it does not. */
function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code !== 'ESRCH';
  }
}

/**
 * Removes from `dir` the temporary files of writeFileAtomic calls whose process no longer exists
 * (a save killed mid-way): regular files named by TEMP_NAME whose pid is not this process and
 * does not answer a signal-0 probe. Best effort: errors are ignored. Returns the removed names.
 */
export async function removeStaleTemps(dir: string): Promise<string[]> {
  const fs = nodeBuiltin('node:fs/promises', 'nb.io.writeFileAtomic');
  const p = nodeBuiltin('node:path', 'nb.io.writeFileAtomic');
  const removed: string[] = [];
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch {
    return removed;
  }
  for (const name of names) {
    const m = TEMP_NAME.exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    // pid 0 and 1 are never a killed save's (0 would probe the process group).
    if (!Number.isSafeInteger(pid) || pid <= 1 || pid === process.pid || processExists(pid)) continue;
    const file = p.join(dir, name);
    try {
      if (!(await fs.lstat(file)).isFile()) continue;
      await fs.unlink(file);
      removed.push(name);
    } catch {
      /* gone already, or not ours to remove */
    }
  }
  return removed;
}

/**
 * Writes `data` to `path` atomically: temp file in the same folder → write → fsync → rename →
 * fsync of the folder (where the platform allows). On failure the temp file is removed. Temp
 * files that earlier, killed processes left in the folder are removed first (removeStaleTemps).
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const fs = nodeBuiltin('node:fs/promises', 'nb.io.writeFileAtomic');
  const p = nodeBuiltin('node:path', 'nb.io.writeFileAtomic');
  const dir = p.dirname(p.resolve(path));
  await removeStaleTemps(dir);
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

/**
 * Reads a model file: its 32-byte prefix first, checked against the file's size (checkPrefix),
 * and the rest only if that passes, so a foreign, truncated or oversized file is refused without
 * reading (or allocating) more than its first bytes.
 */
async function readBytes(path: string): Promise<Uint8Array> {
  const fs = nodeBuiltin('node:fs/promises', 'nb.io.load');
  const cannot = (e: unknown): Error => new Error(`nb.io.load: cannot read ${path}: ${(e as Error).message}`);
  let handle: Awaited<ReturnType<typeof fs.open>>;
  try {
    handle = await fs.open(path, 'r');
  } catch (e) {
    throw cannot(e);
  }
  try {
    let size: number;
    const prefix = new Uint8Array(PREFIX_BYTES);
    let got: number;
    try {
      size = (await handle.stat()).size;
      got = (await handle.read(prefix, 0, PREFIX_BYTES, 0)).bytesRead;
    } catch (e) {
      throw cannot(e);
    }
    checkPrefix(prefix.subarray(0, got), size, path);
    const bytes = new Uint8Array(size);
    let off = 0;
    try {
      while (off < size) {
        const { bytesRead } = await handle.read(bytes, off, size - off, off);
        if (bytesRead === 0) break;
        off += bytesRead;
      }
    } catch (e) {
      throw cannot(e);
    }
    return off === size ? bytes : bytes.subarray(0, off);
  } finally {
    await handle.close().catch(() => undefined);
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
