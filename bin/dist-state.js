// Whether dist/ (`npm run build`) may run instead of the TypeScript sources. Plain JavaScript:
// bin/hil.js asks before anything is compiled; sim/launcher.ts asks when it runs from sources.
import { readdirSync, statSync } from 'node:fs';

/** mtime (ms) of the newest file under `dir` (a URL ending in /); 0 when it has none or is absent. */
function newest(dir) {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  let max = 0;
  for (const e of entries) {
    const url = new URL(e.isDirectory() ? `${e.name}/` : e.name, dir);
    max = Math.max(max, e.isDirectory() ? newest(url) : statSync(url).mtimeMs);
  }
  return max;
}

/**
 * Why dist/ must not run, or undefined when it is current: `npm run build` wrote dist/.built after
 * the last change under harness/ (an installed package has no harness/, so its dist/ is current).
 * `root`: the project's folder as a file: URL ending in /. HIL_SOURCE=1 always says no.
 */
export function distStale(root) {
  if (process.env.HIL_SOURCE === '1') return 'HIL_SOURCE=1';
  let built;
  try {
    built = statSync(new URL('dist/.built', root)).mtimeMs;
  } catch {
    return 'no build (npm run build)';
  }
  return newest(new URL('harness/', root)) > built
    ? 'sources changed since the build (npm run build)'
    : undefined;
}
