// Builds the playground (playground/dist) with Vite, unless playground/dist/index.html is newer
// than everything it is built from: playground/ (but its dist/ and e2e/), the library's src/ and
// the inlined wasm kernels (dist/backends/wasm/embedded.js, which the playground bundles).
// `node scripts/build-playground.mjs --force` rebuilds regardless.
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { forced, isStale, newestInput } from './stale.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const output = join(root, 'playground', 'dist', 'index.html');
const inputs = newestInput(
  [join(root, 'playground'), join(root, 'src'), join(root, 'dist', 'backends', 'wasm', 'embedded.js'), fileURLToPath(import.meta.url), join(root, 'scripts', 'stale.mjs')],
  ['dist', 'e2e', 'node_modules'],
);
if (!forced && !isStale(output, inputs)) {
  console.log('build-playground: playground/dist is up to date');
} else {
  const { build } = await import('vite'); // loaded only when building
  await build({ configFile: join(root, 'playground', 'vite.config.ts'), logLevel: 'warn' });
  console.log('build-playground: playground/dist');
}
