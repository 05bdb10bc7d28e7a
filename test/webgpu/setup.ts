/**
 * WebGPU in the tests: Node gets WebGPU from the `webgpu` package (Dawn), which needs a Vulkan
 * driver. Without a GPU the tests use Mesa's CPU driver, lavapipe (`mesa-vulkan-drivers`), named
 * here through VK_ICD_FILENAMES when the variable is unset and the driver is installed.
 */
import { existsSync } from 'node:fs';
import * as nb from '../../src/index.js';

export const LAVAPIPE_ICD = '/usr/share/vulkan/icd.d/lvp_icd.json';

export function useLavapipeIfUnset(): void {
  if (!process.env.VK_ICD_FILENAMES && existsSync(LAVAPIPE_ICD)) process.env.VK_ICD_FILENAMES = LAVAPIPE_ICD;
}

let status: Promise<string | null> | null = null;

/**
 * Starts the `webgpu` backend once per test file: resolves to null when it runs, else to the
 * reason it cannot (no `webgpu` package, no adapter). The selected backend is left as it was.
 */
export function webgpuStatus(): Promise<string | null> {
  status ??= (async () => {
    useLavapipeIfUnset();
    const previous = nb.getBackend().name;
    try {
      await nb.setBackendAsync('webgpu', { fallback: false });
      return null;
    } catch (e) {
      return (e as Error).message;
    } finally {
      nb.setBackend(previous);
    }
  })();
  return status;
}
