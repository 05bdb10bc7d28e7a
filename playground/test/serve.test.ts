import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { servePlayground, type PlaygroundServer } from '../../src/cli/playground.js';

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

  it('explains how to build the page when it is missing', async () => {
    await expect(servePlayground({ port: 0, root: path.join(dir, 'missing') })).rejects.toThrow(/npm run build:playground/);
  });
});
