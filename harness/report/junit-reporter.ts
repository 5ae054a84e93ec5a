import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { junitXml } from './junit-xml.js';
import type { Reporter } from './reporter.js';
import type { BoardResult, RunResult } from './run-result.js';

/** `<out>/junit.xml`, written again after every result and once more at the end. */
export function junitReporter(): Reporter {
  let run: RunResult = { started: '', finished: '', runDir: '', results: [] };
  let path = '';
  const results = new Map<string, BoardResult>();
  return {
    onRunStart(info) {
      run = { ...run, started: info.started, runDir: info.runDir };
      path = join(info.out, 'junit.xml');
    },
    async onResult(result) {
      // A retry replaces the board's earlier attempt.
      results.set(`${result.scenario.name}\0${result.board.id}`, result);
      await writeFile(
        path,
        junitXml({ ...run, finished: new Date().toISOString(), results: [...results.values()] }),
      );
    },
    async onRunEnd(final, end) {
      await writeFile(path, junitXml(final));
      end.outputs.junit = path;
    },
  };
}
