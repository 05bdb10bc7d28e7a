import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));

/** The playground imports nabla like a user would; here `nabla` is the library's own source. */
export default defineConfig({
  root: here('.'),
  base: './',
  resolve: { alias: { nabla: here('../src/index.ts') } },
  build: { outDir: here('dist'), emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 1024 },
  server: { port: 5173 },
});
