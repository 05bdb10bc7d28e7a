/**
 * Runs every example in examples/ in its short mode (NABLA_SHORT=1), as CI does: an example that
 * throws or exits non-zero fails the suite.
 */
import { describe, it, expect } from 'vitest';
import { readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const examples = readdirSync(path.join(root, 'examples')).filter((f) => f.endsWith('.ts')).sort();
const tsx = path.join(root, 'node_modules', '.bin', 'tsx');

describe('examples (short mode)', () => {
  it('has examples', () => {
    expect(examples.length).toBeGreaterThan(0);
  });
  for (const file of examples) {
    it(file, () => {
      const r = spawnSync(tsx, [path.join('examples', file)], {
        cwd: root,
        env: { ...process.env, NABLA_SHORT: '1', FORCE_COLOR: '0' },
        encoding: 'utf8',
        timeout: 300_000,
      });
      if (r.status !== 0) throw new Error(`${file} exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
    });
  }
});
