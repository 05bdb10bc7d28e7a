// Compiles src/ into dist/ (tsc -p tsconfig.build.json, incremental), unless dist/.tsbuildinfo is
// newer than src/, the tsconfig files and the installed TypeScript: then nothing changed since the
// last build and even tsc's own up-to-date check (seconds) is skipped. `--force` compiles anyway.
import { spawnSync } from 'node:child_process';
import { utimesSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { forced, isStale, newestInput } from './stale.mjs';
import { embedWasm } from './embed-wasm.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const record = join(root, 'dist', '.tsbuildinfo');
const inputs = newestInput([
  join(root, 'src'),
  join(root, 'tsconfig.json'),
  join(root, 'tsconfig.build.json'),
  fileURLToPath(import.meta.url),
  join(root, 'scripts', 'stale.mjs'),
  require.resolve('typescript/package.json'),
]);
if (!forced && !isStale(record, inputs)) {
  console.log('build-ts: dist/ is up to date');
} else {
  const r = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
  // tsc leaves its record untouched when no output changed: mark this check as done now.
  const now = new Date();
  utimesSync(record, now, now);
  console.log('build-ts: dist/');
}
// tsc emits an empty stub for src/backends/wasm/embedded.ts: put the kernel modules in it
if (embedWasm(root)) console.log('build-ts: dist/backends/wasm/embedded.js (wasm modules inlined)');
else console.log('build-ts: dist/wasm/ not built: dist/backends/wasm/embedded.js carries no modules (npm run build:wasm)');
