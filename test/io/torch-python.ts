/**
 * The Python with PyTorch the hand-off tests run, when there is one: $NABLA_PYTHON, an active
 * venv's python, or python3 — the first that imports the given modules. null otherwise (the
 * tests then skip, saying so).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

export function findTorchPython(modules = 'torch'): string | null {
  const venv = process.env.VIRTUAL_ENV ? join(process.env.VIRTUAL_ENV, 'bin', 'python') : null;
  for (const py of [process.env.NABLA_PYTHON, venv, 'python3'].filter((p): p is string => !!p)) {
    if (spawnSync(py, ['-c', `import ${modules}`], { encoding: 'utf8' }).status === 0) return py;
  }
  return null;
}
