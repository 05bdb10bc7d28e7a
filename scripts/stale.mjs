// Staleness checks for the build scripts: an output is fresh when it exists and is newer than
// every input file (folders are walked). A fresh clone's sources carry the checkout's time, so
// the outputs `npm ci` builds are newer than them, and a later `npm start` rebuilds nothing.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** The newest modification time (ms) of the files under `paths`, skipping folders named in `skip`. */
export function newestInput(paths, skip = []) {
  let newest = 0;
  const visit = (p) => {
    let st;
    try {
      st = statSync(p);
    } catch {
      return; // an optional input that is not there
    }
    if (st.isDirectory()) {
      for (const name of readdirSync(p)) if (!skip.includes(name)) visit(join(p, name));
    } else {
      newest = Math.max(newest, st.mtimeMs);
    }
  };
  for (const p of paths) visit(p);
  return newest;
}

/** Whether `output` is missing or older than `inputsNewest` (see newestInput). */
export function isStale(output, inputsNewest) {
  try {
    return statSync(output).mtimeMs < inputsNewest;
  } catch {
    return true;
  }
}

/** `--force` on the command line (or NABLA_FORCE_BUILD=1) rebuilds whatever the staleness says. */
export const forced = process.argv.includes('--force') || process.env.NABLA_FORCE_BUILD === '1';
