import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Reporter } from './reporter.js';
import { timelineSvg } from './timeline-svg.js';

/** One timeline.svg per scenario, board and attempt, beside the board's history.json. */
export function timelineReporter(): Reporter {
  let runDir = '';
  return {
    onRunStart(info) {
      runDir = info.runDir;
    },
    async onResult(r) {
      const path = join(runDir, r.files.timeline);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, timelineSvg(r.history, r.verdict, r.scenario));
    },
  };
}
