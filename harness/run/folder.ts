import { mkdir, rm, symlink } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { REPORT_PATHS } from '../report/html-report.js';

/** UTC timestamp usable as a folder name: 2026-11-22T01-00-00Z. */
export function runStamp(d: Date): string {
  return d
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replace(/:/g, '-');
}

/**
 * Lays out the out folder for a run started at `started`: `<out>/runs/<stamp>/` made,
 * `<out>/runs/latest` pointing at it, `<out>/allure-results` emptied. Returns the run folder.
 */
export async function prepareRunFolder(out: string, started: Date): Promise<string> {
  const runDir = join(out, 'runs', runStamp(started));
  await mkdir(runDir, { recursive: true });
  await rm(join(out, 'runs', 'latest'), { force: true });
  await symlink(basename(runDir), join(out, 'runs', 'latest')).catch(() => {});
  // Old results would read as retries of this run's tests; allure-history.jsonl carries the past.
  const resultsDir = join(out, REPORT_PATHS.results);
  await rm(resultsDir, { recursive: true, force: true });
  await mkdir(resultsDir, { recursive: true });
  return runDir;
}
