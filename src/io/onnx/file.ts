/**
 * ONNX files on disk (Node only): `exportOnnxFile` writes atomically, `importOnnxFile` reads a
 * model and the external data files its initializers name (relative to the model's folder).
 */
import type { AnyModule } from '../../nn/module.js';
import { nodeBuiltin } from '../node.js';
import { writeFileAtomic } from '../file.js';
import { describe, fail } from '../../validate.js';
import { exportOnnx, type ExportOnnxOptions } from './export.js';
import { importParsed, type OnnxModel } from './import.js';
import { decodeOnnx, elemBytes, fromRaw, OnnxFormatError, type OnnxData, type OnnxTensor } from './proto.js';

function checkPath(op: string, v: unknown): string {
  if (typeof v !== 'string' || v.length === 0) fail(op, 'path', 'a non-empty string', v);
  if (v.includes('\0')) throw new Error(`${op}: path must not contain NUL characters, got ${describe(v)}`);
  return v;
}

/** Exports `model` to ONNX (as exportOnnx) and writes it to `path` atomically. */
export async function exportOnnxFile(model: AnyModule, path: string, options: ExportOnnxOptions = {}): Promise<void> {
  const op = 'exportOnnxFile';
  checkPath(op, path);
  let bytes: Uint8Array;
  try {
    bytes = exportOnnx(model, options);
  } catch (e) {
    if (e instanceof Error && e.message.startsWith('exportOnnx:')) throw new Error(`${op}:${e.message.slice('exportOnnx:'.length)}`, { cause: e });
    throw e;
  }
  await writeFileAtomic(path, bytes);
}

/**
 * Reads an ONNX model from `path`, with the external data files its initializers name (each
 * must lie in the model's folder or below it; its size is checked before it is read).
 */
export async function importOnnxFile(path: string): Promise<OnnxModel> {
  const op = 'importOnnxFile';
  checkPath(op, path);
  const fs = nodeBuiltin('node:fs/promises', `nb.io.${op}`);
  const p = nodeBuiltin('node:path', `nb.io.${op}`);
  let bytes: Uint8Array;
  try {
    bytes = await fs.readFile(path);
  } catch (e) {
    throw new Error(`${op}: cannot read ${path}: ${e instanceof Error ? e.message : describe(e)}`, { cause: e });
  }
  const proto = decodeOnnx(bytes, op, path);
  const dir = p.dirname(p.resolve(path));
  // Read every external file first (the loader given to the module is synchronous).
  const files = new Map<string, Uint8Array>();
  const bad = (m: string): never => {
    throw new OnnxFormatError(op, path, m);
  };
  for (const t of proto.graph.initializers) {
    if (!t.external) continue;
    const loc = t.external.location;
    const full = p.resolve(dir, loc);
    if (p.isAbsolute(loc) || (full !== dir && !full.startsWith(dir + p.sep))) bad(`initializer '${t.name}' names external data outside the model's folder ('${loc}')`);
    if (files.has(full)) continue;
    let size: number;
    try {
      size = (await fs.stat(full)).size;
    } catch (e) {
      return bad(`initializer '${t.name}': cannot read its external data '${loc}': ${e instanceof Error ? e.message : describe(e)}`);
    }
    const n = t.dims.reduce((a, b) => a * b, 1) * elemBytes(t.dataType);
    const end = t.external.offset + (t.external.length >= 0 ? t.external.length : n);
    if (end > size) bad(`initializer '${t.name}' needs bytes ${t.external.offset}..${end} of '${loc}', which has ${size}`);
    files.set(full, await fs.readFile(full));
  }
  const loader = (t: OnnxTensor): OnnxData => {
    const ext = t.external!;
    const buf = files.get(p.resolve(dir, ext.location))!;
    const n = t.dims.reduce((a, b) => a * b, 1);
    const len = n * elemBytes(t.dataType);
    if (ext.offset + len > buf.length) bad(`initializer '${t.name}' runs past the end of '${ext.location}'`);
    return fromRaw(buf.subarray(ext.offset, ext.offset + len), t.dataType, n, bad, t.name);
  };
  return importParsed(proto, path, loader);
}
