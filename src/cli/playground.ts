/**
 * Serves the built playground (playground/dist, made by `npm run build:playground`) over HTTP
 * with node:http: `nabla playground` calls this and prints the URL.
 */
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface PlaygroundServerOptions {
  /** Port to listen on (default 8080; 0 picks a free one). */
  port?: number;
  /** Interface to bind (default 127.0.0.1). */
  host?: string;
  /** The folder with the built page (default: playground/dist of this package). */
  root?: string;
  /** Also open the page in the default browser (best effort; default false). */
  open?: boolean;
}

export interface PlaygroundServer {
  url: string;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.wasm': 'application/wasm',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * Headers sent with every response.
 * - nosniff: browsers use the Content-Type given, never a guessed one.
 * - The content security policy fits the built page: its script and style sheet come from this
 *   server; the page sets inline style attributes (legend swatches, tooltip and layout positions),
 *   so styles allow 'unsafe-inline' (scripts never do); the favicon is a data: image; WebAssembly
 *   compilation ('wasm-unsafe-eval') is allowed for nabla's wasm backend, JavaScript eval is not;
 *   workers come from this server (the training worker) or from blob: URLs (the wasm backend's
 *   thread pool starts its Web Workers from a script it carries).
 *   Nothing may be framed, embedded as an object or posted to another site.
 * - COOP same-origin and COEP require-corp make the page cross-origin isolated, which browsers
 *   require before they offer SharedArrayBuffer (threads for the wasm backend).
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'X-Content-Type-Options': 'nosniff',
  'Content-Security-Policy': [
    "default-src 'self'",
    "script-src 'self' 'wasm-unsafe-eval'",
    "worker-src 'self' blob:",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; '),
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Referrer-Policy': 'no-referrer',
});

/**
 * The Host header values the server answers: the loopback names and the exact host it was bound
 * to, each with its port (and without it when the port is 80, where browsers leave it out). Any
 * other name — such as an attacker's domain re-pointed at 127.0.0.1 (DNS rebinding) — is refused.
 */
export function allowedHosts(boundHost: string, port: number): Set<string> {
  const bound = boundHost.includes(':') && !boundHost.startsWith('[') ? `[${boundHost}]` : boundHost;
  const names = ['localhost', '127.0.0.1', '[::1]', bound.toLowerCase()];
  const out = new Set<string>();
  for (const n of names) {
    out.add(`${n}:${port}`);
    if (port === 80) out.add(n);
  }
  return out;
}

/** The default location of the built page: <package>/playground/dist (from src/cli or dist/cli alike). */
export function defaultPlaygroundRoot(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'playground', 'dist');
}

/** Starts a static file server for the built playground and resolves once it listens. */
export async function servePlayground(opts: PlaygroundServerOptions = {}): Promise<PlaygroundServer> {
  const root = path.resolve(opts.root ?? defaultPlaygroundRoot());
  if (!existsSync(path.join(root, 'index.html'))) {
    throw new Error(`nabla playground: no built page at ${root}; build it first with 'npm run build:playground'`);
  }
  const host = opts.host ?? '127.0.0.1';
  const port = opts.port ?? 8080;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`nabla playground: port must be an integer in [0, 65535], got ${port}`);

  let hosts = new Set<string>();
  const server: Server = createServer((req, res) => {
    void (async () => {
      for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
      const hostHeader = req.headers.host;
      if (hostHeader === undefined || !hosts.has(hostHeader.toLowerCase())) {
        res.writeHead(421, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end(`misdirected request: Host ${JSON.stringify(hostHeader ?? null)} is not this server; open ${[...hosts][0] ?? 'it'} instead\n`);
        return;
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { Allow: 'GET, HEAD' }).end();
        return;
      }
      let rel: string;
      try {
        rel = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
      } catch {
        res.writeHead(400).end('bad request');
        return;
      }
      if (rel.endsWith('/')) rel += 'index.html';
      const file = path.resolve(root, `.${rel}`);
      // Never serve anything outside the page's folder.
      if (file !== root && !file.startsWith(root + path.sep)) {
        res.writeHead(403).end('forbidden');
        return;
      }
      try {
        const st = await stat(file);
        if (!st.isFile()) throw new Error('not a file');
        const body = await readFile(file);
        res.writeHead(200, {
          'Content-Type': TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
          'Content-Length': body.length,
          'Cache-Control': 'no-cache',
        });
        res.end(req.method === 'HEAD' ? undefined : body);
      } catch {
        res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end(`not found: ${rel}`);
      }
    })();
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address();
  const actualPort = typeof addr === 'object' && addr ? addr.port : port;
  hosts = allowedHosts(host, actualPort);
  const shownHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  const url = `http://${shownHost}:${actualPort}/`;
  if (opts.open) openBrowser(url);
  return {
    url,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections?.();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

/** Opens `url` in the default browser if the platform has a way to; failures are ignored (the URL is printed anyway). */
function openBrowser(url: string): void {
  const [cmd, args] =
    process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '""', url]] : ['xdg-open', [url]];
  try {
    const child = spawn(cmd, args, { detached: true, stdio: 'ignore' });
    child.on('error', () => {});
    child.unref();
  } catch {
    // No browser launcher: the caller prints the URL.
  }
}
