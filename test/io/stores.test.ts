/**
 * Models from URLs and Blobs, in Node: `http(s)://` loads through fetch, reading no more than the
 * file's prefix declares; a Blob (what a browser's file input gives) loads with its prefix checked
 * first; the browser-only schemes say so outside a browser. The browser side (IndexedDB,
 * downloads, a file input) is tested in Chromium by browser-storage.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as nb from '../../src/index.js';

let server: Server;
let origin = '';
let good: Uint8Array;
const model = (): nb.nn.Module => {
  nb.seed(3);
  return nb.nn.sequential(nb.nn.linear(3, 4), nb.nn.tanh(), nb.nn.linear(4, 2));
};

beforeAll(async () => {
  nb.setBackend('cpu');
  good = await nb.io.encodeModel(model());
  const huge = good.slice(0, 32);
  new DataView(huge.buffer).setBigUint64(16, 1n << 40n, true); // declares a 1 TB payload
  server = createServer((req, res) => {
    const send = (status: number, body: Uint8Array, length = true): void => {
      res.writeHead(status, length ? { 'content-length': body.length } : {});
      res.end(body);
    };
    switch (req.url) {
      case '/model.nabla': return send(200, good);
      case '/chunked.nabla': return send(200, good, false);
      case '/huge.nabla': return send(200, huge, false);
      case '/extra.nabla': return send(200, new Uint8Array([...good, 1, 2, 3]), false);
      case '/text.html': return send(200, new TextEncoder().encode('<!doctype html><p>not a model, just a page long enough</p>'));
      default: return send(404, new Uint8Array());
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => server?.close());

const x = (): nb.Tensor => nb.tensor([[0.1, -0.2, 0.3]]);
const same = async (m: nb.nn.Module): Promise<void> => expect(await m.call(x()).data()).toEqual(await model().eval().call(x()).data());

describe('nb.io from http(s) and Blobs', () => {
  it('loads over http, with and without a Content-Length', async () => {
    await same(await nb.io.load(`${origin}/model.nabla`));
    await same(await nb.io.load(`${origin}/chunked.nabla`));
    expect((await nb.io.inspect(`${origin}/model.nabla`)).architecture.type).toBe('Sequential');
  });

  it('refuses what is not a whole model, reading no more than declared', async () => {
    await expect(nb.io.load(`${origin}/missing.nabla`)).rejects.toThrow(/load: cannot fetch http:\/\/127\.0\.0\.1:\d+\/missing\.nabla: HTTP 404/);
    await expect(nb.io.load(`${origin}/text.html`)).rejects.toThrow(/not a nabla model file \(bad magic bytes\)/);
    await expect(nb.io.load(`${origin}/huge.nabla`)).rejects.toThrow(/truncated: expected \d+ bytes, the file has 32/);
    await expect(nb.io.load(`${origin}/extra.nabla`)).rejects.toThrow(/damaged: more bytes than the \d+ the model declares/);
    await expect(nb.io.load('http://127.0.0.1:1/none.nabla')).rejects.toThrow(/load: cannot fetch http:\/\/127\.0\.0\.1:1\/none\.nabla/);
  });

  it('loads a Blob (a file input\'s File) and refuses a damaged one by its name', async () => {
    await same(await nb.io.load(new Blob([good.slice().buffer as ArrayBuffer])));
    const w = model();
    expect(await nb.io.loadWeights(w, new File([good.slice().buffer as ArrayBuffer], 'm.nabla'))).toEqual({ missing: [], unexpected: [] });
    const cut = new File([good.slice(0, good.length - 5).buffer as ArrayBuffer], 'cut.nabla');
    await expect(nb.io.load(cut)).rejects.toThrow(/load: cut\.nabla: truncated/);
  });

  it('says where the browser-only schemes work', async () => {
    await expect(nb.io.save(model(), 'indexeddb://m')).rejects.toThrow('save: indexeddb:// needs a browser with IndexedDB (this environment has none); in Node, save to a file path');
    await expect(nb.io.save(model(), 'downloads://m')).rejects.toThrow('save: downloads:// needs a browser page (this environment has no document); in Node, save to a file path');
    await expect(nb.io.save(model(), `${origin}/up.nabla`)).rejects.toThrow(/save: cannot save to http:\/\/.*: http:\/\/ is for loading/);
    await expect(nb.io.load('downloads://m')).rejects.toThrow(/load: cannot load from downloads:\/\/m: downloads:\/\/ is for saving/);
    await expect(nb.io.save(model(), 'indexeddb://')).rejects.toThrow("save: path must be a name after the scheme (e.g. 'indexeddb://my-model')");
    await expect(nb.io.removeModel('m' as string)).rejects.toThrow("removeModel: url must be an 'indexeddb://<name>' URL, got string \"m\"");
  });
});
