import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { request } from 'node:http';
import { servePlayground, type PlaygroundServer } from '../../src/cli/playground.js';

/** GET `pathname` from the server at `url` with the given Host header (fetch would set its own). */
function getWithHost(url: string, host: string | null, pathname = '/'): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {};
    if (host !== null) headers.Host = host;
    const req = request({ host: u.hostname, port: u.port, path: pathname, headers, setHost: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('servePlayground', () => {
  let dir: string;
  let server: PlaygroundServer;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'nabla-pg-'));
    const root = path.join(dir, 'dist');
    mkdirSync(path.join(root, 'assets'), { recursive: true });
    writeFileSync(path.join(root, 'index.html'), '<!doctype html><title>nabla playground</title>');
    writeFileSync(path.join(root, 'assets', 'app.js'), 'console.log(1)');
    writeFileSync(path.join(dir, 'secret.txt'), 'outside');
    server = await servePlayground({ port: 0, root });
  });

  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves index.html at / with its content type', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const r = await fetch(server.url);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await r.text()).toContain('nabla playground');
  });

  it('serves assets with JavaScript content type and 404s unknown files', async () => {
    const js = await fetch(new URL('assets/app.js', server.url));
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect((await fetch(new URL('nope.js', server.url))).status).toBe(404);
  });

  it('never serves files outside the page folder', async () => {
    const r = await fetch(`${server.url}..%2Fsecret.txt`);
    expect([403, 404]).toContain(r.status);
    expect(await r.text()).not.toContain('outside');
  });

  it('sends nosniff, a content security policy and cross-origin isolation headers with every response', async () => {
    for (const [p, status] of [['', 200], ['assets/app.js', 200], ['nope.js', 404]] as const) {
      const r = await fetch(new URL(p, server.url));
      expect(r.status).toBe(status);
      expect(r.headers.get('x-content-type-options')).toBe('nosniff');
      expect(r.headers.get('cross-origin-opener-policy')).toBe('same-origin');
      expect(r.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
      const csp = r.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("object-src 'none'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toMatch(/script-src[^;]*'unsafe-(inline|eval)'/);
      // the training worker comes from the server, the wasm thread pool's workers from blob: URLs
      expect(csp).toContain("worker-src 'self' blob:");
    }
  });

  it('answers only requests addressed to it by a loopback name or the bound host (DNS rebinding)', async () => {
    const port = new URL(server.url).port;
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, `LocalHost:${port}`]) {
      const r = await getWithHost(server.url, host);
      expect(r.status, host).toBe(200);
      expect(r.body).toContain('nabla playground');
    }
    for (const host of [`evil.example:${port}`, `localhost.evil.example:${port}`, `localhost:${Number(port) + 1}`, 'localhost', `127.0.0.1:${port}@evil.example`, '']) {
      const r = await getWithHost(server.url, host);
      expect([421, 403], host).toContain(r.status);
      expect(r.body).not.toContain('nabla playground');
      expect(r.body).toContain('Host');
    }
    const none = await getWithHost(server.url, null);
    expect([421, 403, 400]).toContain(none.status);
    expect(none.body).not.toContain('nabla playground');
    const asset = await getWithHost(server.url, `attacker.example:${port}`, '/assets/app.js');
    expect(asset.status).toBe(421);
    expect(asset.body).not.toContain('console.log');
  });

  it.skipIf(process.platform !== 'linux')('also accepts the exact host it was bound to', async () => {
    const other = await servePlayground({ port: 0, host: '127.0.0.2', root: path.join(dir, 'dist') });
    try {
      const port = new URL(other.url).port;
      expect((await getWithHost(other.url, `127.0.0.2:${port}`)).status).toBe(200);
      expect((await getWithHost(other.url, `localhost:${port}`)).status).toBe(200);
      expect((await getWithHost(other.url, `127.0.0.3:${port}`)).status).toBe(421);
    } finally {
      await other.close();
    }
  });

  it('explains how to build the page when it is missing', async () => {
    await expect(servePlayground({ port: 0, root: path.join(dir, 'missing') })).rejects.toThrow(/npm run build:playground/);
  });
});
