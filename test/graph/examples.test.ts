/**
 * Runs the lectures' TensorFlow 1 programs (examples/tf1/) in their short mode (NABLA_SHORT=1),
 * as CI does: a program that throws or exits non-zero fails the suite.
 */
import { describe, it, expect } from 'vitest';
import { readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const dir = path.join(root, 'examples', 'tf1');
const programs = readdirSync(dir).filter((f) => f.endsWith('.ts')).sort();
const tsx = path.join(root, 'node_modules', '.bin', 'tsx');

describe('examples/tf1 (short mode)', () => {
  it('has the six programs', () => {
    expect(programs.length).toBe(6);
  });
  for (const file of programs) {
    it(file, () => {
      const r = spawnSync(tsx, [path.join('examples', 'tf1', file)], {
        cwd: root,
        env: { ...process.env, NABLA_SHORT: '1', FORCE_COLOR: '0' },
        encoding: 'utf8',
        timeout: 300_000,
      });
      if (r.status !== 0) throw new Error(`${file} exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
      expect(r.stdout).toMatch(/OK: at least/);
    }, 320_000);
  }
});
