import { defineConfig, type Plugin } from 'vite';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));

/**
 * The wasm kernels inlined by the build (dist/backends/wasm/embedded.js; src/ holds an empty
 * stub), so that the playground runs on the wasm backend like an installed package does. Before
 * the first build there are none and the playground runs on cpu.
 */
const embedded = here('../dist/backends/wasm/embedded.js');

/** Resolves the wasm backend's `./embedded.js` stub to the built one (in the page and in the worker). */
function embeddedWasm(): Plugin {
  return {
    name: 'nabla-embedded-wasm',
    enforce: 'pre',
    resolveId(source, importer) {
      if (source === './embedded.js' && importer !== undefined && /[\\/]src[\\/]backends[\\/]wasm[\\/]/.test(importer) && existsSync(embedded)) return embedded;
      return null;
    },
  };
}

/**
 * Cross-origin isolation: browsers offer SharedArrayBuffer (the wasm backend's threads) only to
 * pages served with these headers; `nabla playground` sends them too.
 */
const ISOLATION = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

/** The playground imports nabla like a user would; here `nabla` is the library's own source. */
export default defineConfig({
  root: here('.'),
  base: './',
  resolve: {
    alias: [
      { find: /^nabla$/, replacement: here('../src/index.ts') },
      { find: /^nabla\/backends\/wasm$/, replacement: here('../src/backends/wasm/index.ts') },
    ],
  },
  plugins: [embeddedWasm()],
  build: { outDir: here('dist'), emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 1024 },
  // The training worker is an ES module (it imports nabla).
  worker: { format: 'es', plugins: () => [embeddedWasm()] },
  server: { port: 5173, headers: ISOLATION },
  preview: { headers: ISOLATION },
});
