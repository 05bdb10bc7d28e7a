import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));

/**
 * The wasm kernels inlined by the build (dist/backends/wasm/embedded.js; src/ holds an empty
 * stub), so that the playground runs on the wasm backend like an installed package does. Before
 * the first build there are none and the playground runs on cpu.
 */
const embedded = here('../dist/backends/wasm/embedded.js');

/** The playground imports nabla like a user would; here `nabla` is the library's own source. */
export default defineConfig({
  root: here('.'),
  base: './',
  resolve: { alias: { nabla: here('../src/index.ts') } },
  plugins: [{
    name: 'nabla-embedded-wasm',
    enforce: 'pre',
    resolveId(source, importer) {
      if (source === './embedded.js' && importer !== undefined && /[\\/]src[\\/]backends[\\/]wasm[\\/]/.test(importer) && existsSync(embedded)) return embedded;
      return null;
    },
  }],
  build: { outDir: here('dist'), emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 1024 },
  server: { port: 5173 },
});
