/**
 * Saving and loading models on disk (Node only; the file system is reached lazily, so importing
 * nabla in a browser is unaffected). Writes are atomic: a temporary file in the same folder is
 * written, flushed to disk (fsync) and renamed over the target, so a crash never leaves a
 * half-written model behind.
 */
import type { AnyModule, JsonValue, Module } from '../nn/module.js';
import { nodeBuiltin } from './node.js';
import { checkPrefix, checkMetadata, checkModule, decodeWeightsWith, decodeWith, encodeWeightsWith, encodeWith, PREFIX_BYTES, readModelBytesWith, type LoadWeightsResult, type ModelHeader } from './format.js';
import { checkOptions, describe, fail, optBoolean } from '../validate.js';
import { readBlob, readUrl, schemeOf, writeUrl } from './stores.js';

/**
 * Where a model goes or comes from: a file path (Node) or a URL (`indexeddb://name`,
 * `downloads://name`, `http(s)://…`; see stores.ts) — a non-empty string without NUL characters
 * (which no file system accepts).
 */
function checkPath(op: string, v: unknown, what = 'a non-empty string (a file path, or an indexeddb://, downloads:// or http(s):// URL)'): string {
  if (typeof v !== 'string' || v.length === 0) fail(op, 'path', what, v);
  if (v.includes('\0')) throw new Error(`${op}: path must not contain NUL characters, got ${describe(v)}`);
  return v;
}

/** A source to load from: a path or URL as checkPath, or a Blob/File (a browser's file input). */
function checkSource(op: string, v: unknown): string | Blob {
  if (typeof Blob !== 'undefined' && v instanceof Blob) return v;
  if (typeof v !== 'string' || v.length === 0) fail(op, 'path', 'a non-empty string (a file path, or an indexeddb:// or http(s):// URL) or a File/Blob', v);
  return checkPath(op, v);
}

/** The name a source goes by in errors. */
function sourceName(src: string | Blob): string {
  if (typeof src === 'string') return src;
  const n = (src as { name?: unknown }).name;
  return typeof n === 'string' && n !== '' ? n : 'blob';
}

/**
 * The bytes of a `.nabla` container (a model, weights or a training checkpoint) from a path, a URL
 * or a Blob; the prefix is checked before the rest is read. `op` names the caller in errors.
 */
export async function sourceBytes(op: string, src: string | Blob): Promise<Uint8Array> {
  if (typeof src !== 'string') return readBlob(op, src);
  if (schemeOf(src)) return readUrl(op, src);
  return readBytes(op, src);
}

/** Writes `bytes` to a file path (atomically) or a URL (indexeddb://, downloads://). */
async function writeTo(op: string, path: string, bytes: Uint8Array): Promise<void> {
  if (schemeOf(path)) return writeUrl(op, path, bytes);
  return writeAtomic(op, path, bytes);
}

/**
 * `<op>: cannot <verb> <path>: <the system's message>`, keeping the system error's `code`
 * (ENOENT, EACCES, …) and the error itself as `cause`.
 */
function cannot(op: string, verb: string, path: string, e: unknown): Error {
  const err = new Error(`${op}: cannot ${verb} ${path}: ${e instanceof Error ? e.message : describe(e)}`, { cause: e });
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? Object.assign(err, { code }) : err;
}

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
  const op = 'writeFileAtomic';
  checkPath(op, path, 'a non-empty string');
  if (typeof data !== 'string' && !(data instanceof Uint8Array)) fail(op, 'data', 'a string or a Uint8Array', data);
  await writeAtomic(op, path, data);
}

/** writeFileAtomic for checked arguments; `op` (the public function called) names it in errors. */
async function writeAtomic(op: string, path: string, data: Uint8Array | string): Promise<void> {
  const fs = nodeBuiltin('node:fs/promises', `nb.io.${op}`);
  const p = nodeBuiltin('node:path', `nb.io.${op}`);
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
    throw cannot(op, 'write', path, e);
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
 * versioned, CRC-32 checked, written atomically. `path` is a file path (Node), or in a browser
 * `indexeddb://<name>` (kept in IndexedDB) or `downloads://<name>` (downloads `<name>.nabla`).
 */
export async function save(model: AnyModule, path: string, opts: SaveOptions = {}): Promise<void> {
  const op = 'save';
  checkModule(op, model);
  checkPath(op, path);
  opts = checkOptions(op, opts, ['metadata']);
  const metadata = checkMetadata(op, 'options.metadata', opts.metadata);
  const bytes = await encodeWith(op, model, metadata);
  await writeTo(op, path, bytes);
}

/**
 * Reads a model file: its 32-byte prefix first, checked against the file's size (checkPrefix),
 * and the rest only if that passes, so a foreign, truncated or oversized file is refused without
 * reading (or allocating) more than its first bytes.
 */
async function readBytes(op: string, path: string): Promise<Uint8Array> {
  const fs = nodeBuiltin('node:fs/promises', `nb.io.${op}`);
  const cannotRead = (e: unknown): Error => cannot(op, 'read', path, e);
  let handle: Awaited<ReturnType<typeof fs.open>>;
  try {
    handle = await fs.open(path, 'r');
  } catch (e) {
    throw cannotRead(e);
  }
  try {
    let size: number;
    const prefix = new Uint8Array(PREFIX_BYTES);
    let got: number;
    try {
      size = (await handle.stat()).size;
      got = (await handle.read(prefix, 0, PREFIX_BYTES, 0)).bytesRead;
    } catch (e) {
      throw cannotRead(e);
    }
    checkPrefix(prefix.subarray(0, got), size, path, op);
    const bytes = new Uint8Array(size);
    let off = 0;
    try {
      while (off < size) {
        const { bytesRead } = await handle.read(bytes, off, size - off, off);
        if (bytesRead === 0) break;
        off += bytesRead;
      }
    } catch (e) {
      throw cannotRead(e);
    }
    return off === size ? bytes : bytes.subarray(0, off);
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/** Loads a model saved by `save`, in eval mode. A damaged, truncated or foreign file is rejected with a ModelFileError. */
export async function load(path: string | Blob): Promise<Module> {
  const op = 'load';
  const src = checkSource(op, path);
  return decodeWith(op, await sourceBytes(op, src), sourceName(src)).model;
}

/** Like `load`, also returning the stored metadata and header. */
export async function loadFile(path: string | Blob): Promise<{ model: Module; metadata: { [key: string]: JsonValue }; header: ModelHeader }> {
  const op = 'loadFile';
  const src = checkSource(op, path);
  return decodeWith(op, await sourceBytes(op, src), sourceName(src));
}

/** Reads and checks a model file's header without building the model. */
export async function inspect(path: string | Blob): Promise<ModelHeader> {
  const op = 'inspect';
  const src = checkSource(op, path);
  return readModelBytesWith(op, await sourceBytes(op, src), sourceName(src)).header;
}

/**
 * Saves `model.stateDict()` — the weights alone, by name, without the architecture — to `path`:
 * the `.nabla` container (CRC-32 checked, written atomically) with a 'nabla-weights' header.
 * Works for any Module, including custom subclasses without `config()`; build the model in code
 * and `loadWeights(model, path)` to restore it (PyTorch's `torch.save(model.state_dict())`).
 */
export async function saveWeights(model: AnyModule, path: string): Promise<void> {
  const op = 'saveWeights';
  checkModule(op, model);
  checkPath(op, path);
  const bytes = await encodeWeightsWith(op, model);
  await writeTo(op, path, bytes);
}

export interface LoadWeightsOptions {
  /**
   * true (default): the file's names must be exactly the model's parameters, or nothing is loaded
   * and the error names the missing and unexpected ones. false: load the names both have and
   * report the others. A shape mismatch is an error either way.
   */
  strict?: boolean;
}

/**
 * Loads weights saved by `saveWeights` (or the weights of a whole `.nabla` model file) into
 * `model`'s parameters by name. Every name and shape is checked against the model before any
 * parameter changes, so a failed load leaves the model as it was; values are converted to each
 * parameter's dtype and moved to its backend as `loadStateDict` does. Returns the names only one
 * side has (`{ missing: [], unexpected: [] }` after a strict load). A damaged, truncated or foreign
 * file, or weights that do not fit, are rejected with a ModelFileError.
 */
export async function loadWeights(model: AnyModule, path: string | Blob, options: LoadWeightsOptions = {}): Promise<LoadWeightsResult> {
  const op = 'loadWeights';
  checkModule(op, model);
  const src = checkSource(op, path);
  const o = checkOptions(op, options, ['strict']);
  const strict = optBoolean(op, 'options.strict', o.strict, true);
  return decodeWeightsWith(op, model, await sourceBytes(op, src), sourceName(src), strict);
}
