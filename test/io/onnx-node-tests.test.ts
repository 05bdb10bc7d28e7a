/**
 * nb.io.importOnnx against the ONNX project's own node test cases (Debian's libonnx-testdata:
 * `apt-get install libonnx-testdata`; skipped when it is absent). Every case whose ops nabla
 * reads runs, and must either match the expected outputs or refuse with a clear "not supported"
 * error (a feature of the op nabla does not read): never a wrong number or a crash.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import * as nb from '../../src/index.js';
import { decodeOnnx, DT, readTensor } from '../../src/io/onnx/proto.js';

const ROOT = '/usr/share/libonnx-testdata/data/node';
const have = existsSync(ROOT);

/** A test tensor, or null for a data type nabla does not read (the case is skipped). */
function load(file: string): { dims: number[]; dataType: number; data: ArrayLike<number> } | null {
  try {
    return readTensor(readFileSync(file), (m) => {
      throw new Error(`${file}: ${m}`);
    });
  } catch {
    return null;
  }
}

const TYPES = new Set<number>([DT.FLOAT, DT.INT32, DT.INT64, DT.BOOL]);

describe.skipIf(!have)('importOnnx: the ONNX node test cases', () => {
  it('runs every case of the ops nabla reads: matches, or refuses clearly', () => {
    const supported = new Set(nb.io.ONNX_IMPORT_OPS);
    const passed: string[] = [];
    const refused: string[] = [];
    const failed: string[] = [];
    for (const name of readdirSync(ROOT).sort()) {
      const dir = path.join(ROOT, name);
      const modelFile = path.join(dir, 'model.onnx');
      const data = path.join(dir, 'test_data_set_0');
      if (!existsSync(modelFile) || !existsSync(data)) continue;
      const proto = decodeOnnx(readFileSync(modelFile), 'test', name);
      if (!proto.graph.nodes.every((n) => supported.has(n.opType) && (n.domain === '' || n.domain === 'ai.onnx'))) continue;
      const files = readdirSync(data);
      const inputs = files.filter((f) => f.startsWith('input_')).sort((a, b) => parseInt(a.slice(6)) - parseInt(b.slice(6))).map((f) => load(path.join(data, f)));
      const outputs = files.filter((f) => f.startsWith('output_')).sort((a, b) => parseInt(a.slice(7)) - parseInt(b.slice(7))).map((f) => load(path.join(data, f)));
      if (![...inputs, ...outputs].every((t) => t !== null && TYPES.has(t.dataType))) continue;
      if (inputs.length !== proto.graph.inputs.filter((v) => !proto.graph.initializers.some((t) => t.name === v.name)).length) continue;
      let got: nb.Tensor[];
      try {
        got = nb.tidy(() => {
          const m = nb.io.importOnnx(readFileSync(modelFile), { file: name });
          const xs = inputs.map((t0) => {
            const t = t0!;
            return t.dataType === DT.FLOAT ? nb.tensor(Array.from(t.data), { shape: t.dims, dtype: 'float32' }) : t.dataType === DT.BOOL ? nb.tensor(Array.from(t.data, (v) => v !== 0), { shape: t.dims, dtype: 'bool' }) : nb.tensor(Array.from(t.data), { shape: t.dims, dtype: 'int32' });
          });
          return m.run(...xs);
        });
      } catch (e) {
        const msg = e instanceof Error ? e.message : String(e);
        if (/not supported|nabla reads|is not read/.test(msg)) refused.push(`${name}: ${msg}`);
        else failed.push(`${name}: threw ${msg}`);
        continue;
      }
      let ok = true;
      outputs.forEach((want0, k) => {
        const want = want0!;
        const g = got[k]!;
        if (g.shape.join() !== want.dims.join()) {
          ok = false;
          failed.push(`${name}: output ${k} has shape [${g.shape.join(',')}], expected [${want.dims.join(',')}]`);
          return;
        }
        const gv = g.dataSync() as ArrayLike<number>;
        for (let j = 0; j < want.data.length; j++) {
          const e = Number(want.data[j]);
          const v = Number(gv[j]);
          if (!(Math.abs(e - v) <= 1e-4 * Math.max(1, Math.abs(e))) && !(Number.isNaN(e) && Number.isNaN(v))) {
            ok = false;
            failed.push(`${name}: output ${k}[${j}] is ${v}, expected ${e}`);
            return;
          }
        }
      });
      nb.dispose(got);
      if (ok) passed.push(name);
    }
    console.log(`ONNX node tests: ${passed.length} passed, ${refused.length} refused clearly, ${failed.length} failed`);
    if (refused.length) console.log(`refused:\n  ${refused.join('\n  ')}`);
    expect(failed).toEqual([]);
    expect(passed.length).toBeGreaterThan(400);
  });
});
