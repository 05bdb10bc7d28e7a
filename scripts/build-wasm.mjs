// Builds the wasm backend's kernels from asm/kernels.ts (AssemblyScript) into dist/wasm/:
//   nabla-simd.wasm     128-bit SIMD + threads (shared memory): runs on Node 20 and current browsers
//   nabla-relaxed.wasm  the same with relaxed SIMD (fused multiply-add), used where the engine validates it
//   nabla-simd-st.wasm  128-bit SIMD on unshared memory, single-threaded (no SharedArrayBuffer needed)
// Nothing prebuilt is committed; `npm run build` (and so `npm ci`, via prepare) runs this.
// A module newer than asm/, this script and the installed AssemblyScript is kept (compiling the
// three takes about a minute); `node scripts/build-wasm.mjs --force` rebuilds them all.
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { forced, isStale, newestInput } from './stale.mjs';
import { embedWasm } from './embed-wasm.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, 'dist', 'wasm');
mkdirSync(outDir, { recursive: true });

const common = [
  join(root, 'asm', 'kernels.ts'),
  '--optimizeLevel', '3', '--shrinkLevel', '0', '--converge', '--noAssert',
  '--runtime', 'stub', '--use', 'abort=', '--debug',
  '--importMemory', '--initialMemory', '1', '--maximumMemory', '65536', '--enable', 'simd',
];
const shared = ['--sharedMemory', '--enable', 'threads'];

const variants = [
  { file: 'nabla-simd.wasm', flags: shared },
  { file: 'nabla-relaxed.wasm', flags: [...shared, '--enable', 'relaxed-simd'] },
  // single-threaded, unshared memory: where SharedArrayBuffer is unavailable (browsers without cross-origin isolation)
  { file: 'nabla-simd-st.wasm', flags: [] },
];

const inputs = newestInput([
  join(root, 'asm'),
  fileURLToPath(import.meta.url),
  join(root, 'scripts', 'stale.mjs'),
  createRequire(import.meta.url).resolve('assemblyscript/package.json'),
]);

let asc = null; // loaded only when a module is compiled (loading it takes seconds)
for (const v of variants) {
  if (!forced && !isStale(join(outDir, v.file), inputs)) {
    console.log(`build-wasm: dist/wasm/${v.file} is up to date`);
    continue;
  }
  asc ??= (await import('assemblyscript/asc')).default;
  const { error, stderr } = await asc.main([...common, ...v.flags, '--outFile', join(outDir, v.file)]);
  if (error) {
    console.error(stderr.toString());
    console.error(`build-wasm: ${v.file} failed: ${error.message}`);
    process.exit(1);
  }
  console.log(`build-wasm: dist/wasm/${v.file}`);
}
// the modules inlined into dist/ for bundlers and browsers (tsc may not run after this script)
if (embedWasm(root)) console.log('build-wasm: dist/backends/wasm/embedded.js');
