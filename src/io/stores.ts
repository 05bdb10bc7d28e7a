/**
 * Where a model can be saved and loaded besides a file path, chosen by the URL's scheme as TF.js
 * users expect:
 *
 * - `indexeddb://<name>`: the browser's IndexedDB (database `nabla-models`, store `models`, one
 *   record per name); a save is one transaction, so it is atomic;
 * - `downloads://<name>`: save only; the browser downloads `<name>.nabla`;
 * - `http://…`, `https://…`: load only, with `fetch` (browsers and Node);
 * - a `Blob` or `File` (a file input's `files[0]`): load only.
 *
 * Every load checks the 32-byte prefix before reading the rest, and a stream is never read past
 * the length the prefix declares, so a foreign or hostile source is refused without allocating in
 * proportion to what it claims.
 */
import { checkPrefix, ModelFileError, PREFIX_BYTES } from './format.js';
import { fail } from '../validate.js';

const SCHEME = /^(indexeddb|downloads|https?):\/\//i;

/** The scheme of a model URL (lower case), or null for a file path. */
export function schemeOf(path: string): 'indexeddb' | 'downloads' | 'http' | 'https' | null {
  const m = SCHEME.exec(path);
  return m ? (m[1]!.toLowerCase() as 'indexeddb' | 'downloads' | 'http' | 'https') : null;
}

/** The name after `indexeddb://` or `downloads://`: non-empty. */
function nameOf(op: string, url: string): string {
  const name = url.replace(SCHEME, '');
  if (name === '') fail(op, 'path', `a name after the scheme (e.g. '${url}my-model')`, url);
  return name;
}

const DB = 'nabla-models';
const STORE = 'models';

/** A stored model: its bytes and when it was saved. */
interface ModelRecord {
  bytes: Uint8Array;
  savedAt: string;
}

function indexedDb(op: string): IDBFactory {
  const idb = (globalThis as { indexedDB?: IDBFactory }).indexedDB;
  if (!idb) throw new Error(`${op}: indexeddb:// needs a browser with IndexedDB (this environment has none); in Node, save to a file path`);
  return idb;
}

function request<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error ?? new Error('IndexedDB request failed'));
  });
}

async function openDb(op: string): Promise<IDBDatabase> {
  const r = indexedDb(op).open(DB, 1);
  r.onupgradeneeded = () => {
    if (!r.result.objectStoreNames.contains(STORE)) r.result.createObjectStore(STORE);
  };
  return request(r);
}

/** Runs `fn` in one transaction on the model store and waits for the transaction to commit. */
async function inStore<T>(op: string, mode: IDBTransactionMode, fn: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const db = await openDb(op);
  try {
    const tx = db.transaction(STORE, mode);
    const result = request(fn(tx.objectStore(STORE)));
    await new Promise<void>((resolve, reject) => {
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'));
      tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
    });
    return await result;
  } catch (e) {
    throw new Error(`${op}: IndexedDB: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  } finally {
    db.close();
  }
}

/** Writes `bytes` to an `indexeddb://` or `downloads://` URL. */
export async function writeUrl(op: string, url: string, bytes: Uint8Array): Promise<void> {
  const scheme = schemeOf(url);
  if (scheme === 'indexeddb') {
    const name = nameOf(op, url);
    const record: ModelRecord = { bytes: bytes.slice(), savedAt: new Date().toISOString() };
    await inStore(op, 'readwrite', (s) => s.put(record, name));
    return;
  }
  if (scheme === 'downloads') {
    const name = nameOf(op, url);
    const doc = (globalThis as { document?: Document }).document;
    if (!doc || typeof URL.createObjectURL !== 'function') throw new Error(`${op}: downloads:// needs a browser page (this environment has no document); in Node, save to a file path`);
    const blob = new Blob([bytes.slice().buffer as ArrayBuffer], { type: 'application/octet-stream' });
    const href = URL.createObjectURL(blob);
    const a = doc.createElement('a');
    a.href = href;
    a.download = /\.[a-z0-9]+$/i.test(name) ? name : `${name}.nabla`;
    a.style.display = 'none';
    doc.body.appendChild(a);
    a.click();
    a.remove();
    // the download has started from the object URL; keep it alive a moment for slow browsers
    setTimeout(() => URL.revokeObjectURL(href), 10_000);
    return;
  }
  throw new Error(`${op}: cannot save to ${url}: ${scheme}:// is for loading; save to indexeddb://<name> or downloads://<name> (browsers) or a file path (Node), or send the bytes of nb.io.encodeModel yourself`);
}

/** The bytes of a model at an `indexeddb://` or `http(s)://` URL. */
export async function readUrl(op: string, url: string): Promise<Uint8Array> {
  const scheme = schemeOf(url);
  if (scheme === 'indexeddb') {
    const name = nameOf(op, url);
    const rec = (await inStore(op, 'readonly', (s) => s.get(name))) as ModelRecord | undefined;
    if (!rec) {
      const names = (await inStore(op, 'readonly', (s) => s.getAllKeys())).map(String);
      throw new Error(`${op}: no model '${name}' in IndexedDB (stored: ${names.length ? names.join(', ') : 'none'})`);
    }
    const bytes = rec.bytes instanceof Uint8Array ? rec.bytes : new Uint8Array(rec.bytes as ArrayBuffer);
    checkPrefix(bytes.subarray(0, PREFIX_BYTES), bytes.length, url, op);
    return bytes;
  }
  if (scheme === 'http' || scheme === 'https') return fetchBytes(op, url);
  throw new Error(`${op}: cannot load from ${url}: downloads:// is for saving; load from indexeddb://<name>, an http(s):// URL, a File/Blob (a file input) or a file path (Node)`);
}

/** Fetches a model, reading no more than its prefix declares. */
async function fetchBytes(op: string, url: string): Promise<Uint8Array> {
  let res: Response;
  try {
    res = await fetch(url);
  } catch (e) {
    throw new Error(`${op}: cannot fetch ${url}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  if (!res.ok) throw new Error(`${op}: cannot fetch ${url}: HTTP ${res.status} ${res.statusText}`.trimEnd());
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (!res.body) return checked(op, url, new Uint8Array(await res.arrayBuffer()));
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let got = 0;
  let expected = Infinity;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      got += value.length;
      if (expected === Infinity && got >= PREFIX_BYTES) {
        const prefix = concat(chunks, got).subarray(0, PREFIX_BYTES);
        // the Content-Length when the server sends one, else the lengths the prefix declares
        const { headerLength, payloadLength } = checkPrefix(prefix, Number.isFinite(declared) ? declared : declaredLength(prefix), url, op);
        expected = PREFIX_BYTES + headerLength + payloadLength;
      }
      if (got > expected) throw new ModelFileError(url, `damaged: more bytes than the ${expected} the model declares`, op);
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return checked(op, url, concat(chunks, got));
}

/** The whole length a model file's prefix declares (prefix, header and payload). */
function declaredLength(prefix: Uint8Array): number {
  const dv = new DataView(prefix.buffer, prefix.byteOffset, PREFIX_BYTES);
  return PREFIX_BYTES + dv.getUint32(12, true) + Number(dv.getBigUint64(16, true));
}

/** The chunks as one array of `n` bytes (the one chunk itself when there is one). */
export function concat(chunks: readonly Uint8Array[], n = chunks.reduce((a, c) => a + c.length, 0)): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(n);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.length;
  }
  return out;
}

function checked(op: string, file: string, bytes: Uint8Array): Uint8Array {
  checkPrefix(bytes.subarray(0, PREFIX_BYTES), bytes.length, file, op);
  return bytes;
}

/** The bytes of a model in a Blob or File: the prefix first, then the rest. */
export async function readBlob(op: string, blob: Blob): Promise<Uint8Array> {
  const file = (blob as { name?: unknown }).name;
  const name = typeof file === 'string' && file !== '' ? file : 'blob';
  const prefix = new Uint8Array(await blob.slice(0, PREFIX_BYTES).arrayBuffer());
  checkPrefix(prefix, blob.size, name, op);
  return new Uint8Array(await blob.arrayBuffer());
}

/** A model stored in IndexedDB, as `listModels` reports it. */
export interface StoredModel {
  url: string;
  bytes: number;
  savedAt: string;
}

/** The models saved to `indexeddb://` in this browser (origin). */
export async function listModels(): Promise<StoredModel[]> {
  const op = 'listModels';
  const keys = (await inStore(op, 'readonly', (s) => s.getAllKeys())).map(String);
  const out: StoredModel[] = [];
  for (const k of keys) {
    const rec = (await inStore(op, 'readonly', (s) => s.get(k))) as ModelRecord;
    out.push({ url: `indexeddb://${k}`, bytes: rec.bytes.byteLength, savedAt: rec.savedAt });
  }
  return out;
}

/** Deletes a model saved to `indexeddb://<name>`; returns whether it existed. */
export async function removeModel(url: string): Promise<boolean> {
  const op = 'removeModel';
  if (typeof url !== 'string' || schemeOf(url) !== 'indexeddb') fail(op, 'url', "an 'indexeddb://<name>' URL", url);
  const name = nameOf(op, url);
  const had = (await inStore(op, 'readonly', (s) => s.count(name))) > 0;
  await inStore(op, 'readwrite', (s) => s.delete(name));
  return had;
}
