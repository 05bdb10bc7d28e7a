/**
 * The kernel modules' bytes, carried inside the package's JavaScript. In src/ this is empty
 * (nothing built is committed; run from the sources, the loader reads dist/wasm/ from disk). The
 * build (scripts/embed-wasm.mjs, run by `npm run build:wasm` and `npm run build:ts`) replaces
 * dist/backends/wasm/embedded.js with the modules as base64 strings, so the published package
 * loads its kernels with no file beside it: in any bundler and from a CDN, with no configuration.
 */
export interface EmbeddedModules {
  /** nabla-simd.wasm, base64. */
  simd: string;
  /** nabla-relaxed.wasm, base64. */
  relaxed?: string;
  /**
   * nabla-simd-st.wasm, base64; or, when it is the SIMD module with one byte changed (its memory
   * import not shared), that byte's offset and value.
   */
  singleThreaded?: string | { patch: number; byte: number };
}

export const EMBEDDED: EmbeddedModules | null = null;
