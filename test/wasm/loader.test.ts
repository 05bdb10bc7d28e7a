/**
 * How the wasm backend finds its kernel modules: inlined in the built package
 * (dist/backends/wasm/embedded.js, scripts/embed-wasm.mjs), or fetched from a URL by
 * `fetchWasmModules` (the explicit route of docs/wasm.md, "In bundlers and from a CDN").
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createWasmBackend, fetchWasmModules } from '../../src/backends/wasm/index.js';
import { EMBEDDED, type EmbeddedModules } from '../../src/backends/wasm/embedded.js';
import * as nb from '../../src/index.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const wasmDir = `${root}dist/wasm/`;
const file = (f: string): Buffer => readFileSync(wasmDir + f);

describe('modules inlined in the build', () => {
  it('src/ carries none (nothing built is committed): run from the sources, dist/wasm/ is read', () => {
    expect(EMBEDDED).toBeNull();
  });

  it('dist/backends/wasm/embedded.js holds exactly the bytes of dist/wasm/ (the single-threaded module as a one-byte patch)', async () => {
    const path = `${root}dist/backends/wasm/embedded.js`;
    expect(existsSync(path), 'run npm run build').toBe(true);
    const { EMBEDDED: built } = (await import(/* @vite-ignore */ path)) as { EMBEDDED: EmbeddedModules };
    expect(Buffer.from(built.simd, 'base64').equals(file('nabla-simd.wasm'))).toBe(true);
    expect(Buffer.from(built.relaxed!, 'base64').equals(file('nabla-relaxed.wasm'))).toBe(true);
    const st = built.singleThreaded!;
    expect(typeof st).toBe('object');
    if (typeof st === 'object') {
      const patched = Buffer.from(built.simd, 'base64');
      patched[st.patch] = st.byte;
      expect(patched.equals(file('nabla-simd-st.wasm'))).toBe(true);
    }
  });
});

describe('fetchWasmModules', () => {
  let server: Server;
  let base = '';
  beforeAll(async () => {
    server = createServer((req, res) => {
      const f = `${wasmDir}${(req.url ?? '').replace(/^\/wasm\//, '')}`;
      if (!req.url?.startsWith('/wasm/') || !existsSync(f)) res.writeHead(404).end();
      else res.writeHead(200, { 'content-type': 'application/wasm' }).end(readFileSync(f));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => server.close());

  it('fetches the three modules from a folder URL; a backend made from them computes', async () => {
    const wasm = await fetchWasmModules(`${base}/wasm`);
    expect(Buffer.from(wasm.simd as Uint8Array).equals(file('nabla-simd.wasm'))).toBe(true);
    expect(Buffer.from(wasm.relaxed as Uint8Array).equals(file('nabla-relaxed.wasm'))).toBe(true);
    expect(Buffer.from(wasm.singleThreaded as Uint8Array).equals(file('nabla-simd-st.wasm'))).toBe(true);
    const be = createWasmBackend({ name: 'wasm-fetched', wasm, threads: 1 });
    nb.registerBackend('wasm-fetched', () => be);
    try {
      expect(nb.tensor([1, 2, 3], { backend: 'wasm-fetched' }).sum().item()).toBe(6);
      const st = createWasmBackend({ name: 'wasm-fetched-st', wasm, unshared: true });
      expect(st.shared).toBe(false);
      st.dispose();
    } finally {
      be.dispose();
    }
  });

  it('reads a file: URL from disk in Node (as docs/wasm.md shows)', async () => {
    const wasm = await fetchWasmModules(new URL('../../dist/wasm/', import.meta.url));
    expect(Buffer.from(wasm.simd as Uint8Array).equals(file('nabla-simd.wasm'))).toBe(true);
    await expect(fetchWasmModules(new URL('../../nowhere/', import.meta.url))).rejects.toThrow(/^fetchWasmModules: cannot read file:.*nowhere\/nabla-simd\.wasm/);
  });

  it('names the URL that failed, and refuses what is not a URL', async () => {
    await expect(fetchWasmModules(`${base}/nowhere/`)).rejects.toThrow(`fetchWasmModules: ${base}/nowhere/nabla-simd.wasm answered 404`);
    await expect(fetchWasmModules('relative/folder')).rejects.toThrow("fetchWasmModules: base must be a URL of a folder, got 'relative/folder'");
    await expect(fetchWasmModules(42 as unknown as string)).rejects.toThrow('fetchWasmModules: base must be a URL or a string, got number');
  });
});

describe('relaxed SIMD', () => {
  it('is on by default in Node without flags (Node 20 included: nabla turns the V8 flag on itself), and off on request', async () => {
    const { spawnSync } = await import('node:child_process');
    const code = `const m = await import(${JSON.stringify(`${root}dist/backends/wasm/index.js`)});
      const on = m.createWasmBackend({ name: 'a' }); await on.ready();
      const off = m.createWasmBackend({ name: 'b', relaxedSimd: false }); await off.ready();
      console.log(JSON.stringify([on.relaxedSimd, off.relaxedSimd, process.execArgv]));
      on.dispose(); off.dispose();`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
    expect(r.stderr).toBe('');
    const [on, off, execArgv] = JSON.parse(r.stdout.trim()) as [boolean, boolean, string[]];
    expect([on, off]).toEqual([true, false]);
    expect(execArgv.filter((a) => a.startsWith('--'))).toEqual(['--input-type=module']);
  });
});
