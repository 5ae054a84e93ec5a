import { mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { formatDiagnostic } from '../config/diagnostics.js';
import { didYouMean } from '../config/schema-check.js';
import { loadSuite } from '../config/suite.js';
import { consoleTable } from '../report/console-table.js';
import { buildHtmlReport } from '../report/html-report.js';
import { junitXml } from '../report/junit-xml.js';
import { runWithMocha } from '../report/mocha-run.js';
import { progressPrinter } from '../report/progress.js';
import type { BoardResult, RunResult } from '../report/run-result.js';
import { summaryJson } from '../report/summary-json.js';
import { planRun } from '../scenario/plan.js';
import { openRack, type RackServices } from '../scenario/rack.js';
import { EXIT } from '../spec/errors.js';

export interface RunOptions {
  /** Rack file (default boards.yml). */
  boards: string;
  /** Scenario files or folders (default scenarios/). */
  scenarios: string[];
  /** Only these boards. */
  board: string[];
  /** Only boards with one of these tags. */
  tag: string[];
  /** Only tests whose "<scenario> <board>" matches. */
  grep?: string;
  /** Output folder (default reports/). */
  out: string;
  bail?: boolean;
  retries?: number;
  timeoutMs?: number;
  /** Build the HTML report at the end (default true). */
  report?: boolean;
  out$?: NodeJS.WriteStream;
  err$?: NodeJS.WriteStream;
}

/** UTC timestamp usable as a folder name: 2026-11-22T01-00-00Z. */
export function runStamp(d: Date): string {
  return d
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replace(/:/g, '-');
}

/**
 * `hil run`: exit 0 every check passed, 1 a check failed, 2 bad input, 3 the rack failed
 * (or a board could not be judged), 130 interrupted.
 */
export async function runCommand(o: RunOptions): Promise<number> {
  const out = o.out$ ?? process.stdout;
  const err = o.err$ ?? process.stderr;
  const suite = await loadSuite(o.boards, o.scenarios);
  for (const d of suite.diagnostics) err.write(`${formatDiagnostic(d)}\n`);
  if (suite.diagnostics.length || !suite.rack) return EXIT.badInput;
  const rack = suite.rack;

  const ids = rack.boards.map((b) => b.id);
  for (const id of o.board) {
    if (!ids.includes(id)) {
      err.write(`hil run: no board "${id}" in ${o.boards}${hintOf(didYouMean(id, ids))}\n`);
      return EXIT.badInput;
    }
  }
  let grep: RegExp | undefined;
  try {
    grep = o.grep ? new RegExp(o.grep) : undefined;
  } catch (e) {
    err.write(`hil run: --grep: ${(e as Error).message}\n`);
    return EXIT.badInput;
  }
  const plans = planRun(rack, suite.scenarios, { boardIds: o.board, tags: o.tag, ...(grep && { grep }) });
  if (plans.length === 0) {
    err.write('hil run: nothing to run: no scenario selects an enabled board with these filters\n');
    return EXIT.badInput;
  }

  const started = new Date();
  const runDir = join(o.out, 'runs', runStamp(started));
  await mkdir(runDir, { recursive: true });
  await rm(join(o.out, 'runs', 'latest'), { force: true });
  await symlink(basename(runDir), join(o.out, 'runs', 'latest')).catch(() => {});
  // Old results would read as retries of this run's tests; allure-history.jsonl carries the past.
  const resultsDir = join(o.out, 'allure-results');
  await rm(resultsDir, { recursive: true, force: true });
  await mkdir(resultsDir, { recursive: true });

  const total = plans.reduce((n, p) => n + p.end, 0);
  err.write(
    `hil run: ${plans.length} scenario(s) on ${new Set(plans.flatMap((p) => p.boards.map((b) => b.board.id))).size} board(s), about ${Math.ceil(total / 60_000)} min of timeline; results in ${runDir}\n`,
  );

  let services: RackServices;
  try {
    services = await openRack(rack, { toxiproxyLog: join(runDir, 'toxiproxy.log') });
  } catch (e) {
    err.write(`hil run: the rack failed: ${(e as Error).message}\n`);
    return EXIT.rackFailed;
  }

  // Ctrl-C: stop the timeline, heal every fault, write what was recorded, report it.
  const abort = new AbortController();
  const onSignal = () => {
    if (abort.signal.aborted) return;
    err.write(
      '\nhil run: interrupted: healing faults and writing what was recorded (Ctrl-C again to force)\n',
    );
    abort.abort();
    process.once('SIGINT', () => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const results = new Map<string, BoardResult>();
  const run: RunResult = { started: started.toISOString(), finished: '', runDir, results: [] };
  // Writes are chained: results arrive while an earlier write may still be going.
  let writing = Promise.resolve();
  const writeNow = async () => {
    run.results = [...results.values()];
    run.finished = new Date().toISOString();
    await writeFile(join(runDir, 'summary.json'), `${JSON.stringify(summaryJson(run), null, 2)}\n`);
    await writeFile(join(o.out, 'junit.xml'), junitXml(run));
  };
  const writeResults = () => {
    writing = writing.catch(() => {}).then(writeNow);
    return writing;
  };
  try {
    await runWithMocha({
      rackName: basename(o.boards, '.yml'),
      plans,
      services,
      runDir,
      runId: runStamp(started),
      epoch: Math.floor(started.getTime() / 1000),
      resultsDir,
      signal: abort.signal,
      ...(o.bail !== undefined && { bail: o.bail }),
      ...(o.retries !== undefined && { retries: o.retries }),
      ...(o.timeoutMs !== undefined && { timeoutMs: o.timeoutMs }),
      onProgress: progressPrinter(err),
      onResult: (r) => {
        results.set(`${r.scenario.name}/${r.board.id}`, r);
        // Written after every scenario: a crash later loses nothing already judged.
        writeResults().catch((e: Error) => err.write(`hil run: cannot write results: ${e.message}\n`));
      },
      log: (line) => {
        if (process.env.HIL_DEBUG) err.write(`${line}\n`);
      },
    });
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    await services.close();
    await writeResults();
  }

  let reportLine = `HTML report: run \`hil report --out ${o.out}\``;
  if (o.report !== false && !abort.signal.aborted) {
    try {
      const built = await buildHtmlReport(o.out);
      reportLine = `HTML report: ${built.index}`;
    } catch (e) {
      err.write(`hil run: the HTML report could not be built: ${(e as Error).message}\n`);
    }
  }
  out.write(
    consoleTable(run, {
      color: out.isTTY === true && !process.env.NO_COLOR,
      summaryPath: join(runDir, 'summary.json'),
      reportPath: reportLine,
    }),
  );
  if (abort.signal.aborted) return 130;
  return exitCode(run);
}

export function exitCode(run: Pick<RunResult, 'results'>): number {
  const counted = run.results.filter((r) => r.board.status !== 'quarantined');
  if (counted.some((r) => r.verdict.verdict === 'fail')) return EXIT.checkFailed;
  if (counted.some((r) => r.verdict.verdict === 'error')) return EXIT.rackFailed;
  return EXIT.ok;
}

function hintOf(hint: string | undefined): string {
  return hint ? ` (${hint})` : '';
}
