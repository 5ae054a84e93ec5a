import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Reporter } from './reporter.js';
import type { BoardResult, RunResult } from './run-result.js';
import { summaryJson } from './summary-json.js';

/**
 * `<runDir>/summary.json`, written again after every result (a crash later loses nothing
 * already judged) and once more at the end with the run's lateness.
 */
export function summaryReporter(): Reporter {
  let run: RunResult = { started: '', finished: '', runDir: '', results: [] };
  const results = new Map<string, BoardResult>();
  const write = (r: RunResult) =>
    writeFile(join(r.runDir, 'summary.json'), `${JSON.stringify(summaryJson(r), null, 2)}\n`);
  return {
    onRunStart(info) {
      run = { ...run, started: info.started, runDir: info.runDir };
    },
    async onResult(result) {
      // A retry replaces the board's earlier attempt.
      results.set(`${result.scenario.name}\0${result.board.id}`, result);
      await write({ ...run, finished: new Date().toISOString(), results: [...results.values()] });
    },
    async onRunEnd(final, end) {
      await write(final);
      end.outputs.summary = join(final.runDir, 'summary.json');
    },
  };
}
