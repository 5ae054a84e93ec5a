import { join } from 'node:path';
import * as allure from 'allure-js-commons';
import AllureMochaReporter from 'allure-mocha';
import { expect } from 'chai';
import Mocha from 'mocha';
import { describeForAllure, verdictTable } from './allure-meta.js';
import { REPORT_PATHS } from './html-report.js';
import type { PlannedScenario, Reporter, RunInfo } from './reporter.js';
import type { BoardResult } from './run-result.js';
import { timelineSvg } from './timeline-svg.js';

/** A result a mocha test waits for; `undefined` when that attempt never ran (bail, Ctrl-C, a crash). */
type Wait = (scenario: string, board: string, attempt: number) => Promise<BoardResult | undefined>;

/**
 * Allure results through allure-mocha, as a presentation of verdicts that already exist: at
 * the run's start a mocha suite is built (one describe per scenario whose `before` waits for
 * its boards' results, one `it` per board asserting its verdict, `retries(N)` so each retry's
 * result is one more attempt) and started; `onResult` hands each test its result; a scenario
 * that never ran is skipped; `onRunEnd` waits for mocha (and so for every result file).
 */
export function allureReporter(): Reporter {
  const waiting = new Map<string, { promise: Promise<BoardResult | undefined>; resolve: Resolve }>();
  let ended = false;
  const slot = (scenario: string, board: string, attempt: number) => {
    const key = `${scenario}\0${board}\0${attempt}`;
    let s = waiting.get(key);
    if (!s) {
      let resolve!: Resolve;
      const promise = new Promise<BoardResult | undefined>((r) => {
        resolve = r;
      });
      s = { promise, resolve };
      waiting.set(key, s);
      if (ended) resolve(undefined);
    }
    return s;
  };
  let finished: Promise<void> = Promise.resolve();
  let out = '';

  return {
    onRunStart(info) {
      out = info.out;
      // No mocha timeout while a test waits for the run; see `addScenario` for the assertions' own.
      const mocha = new Mocha({ timeout: 0 });
      mocha.reporter(AllureMochaReporter as unknown as typeof Mocha.reporters.Base, {
        resultsDir: join(info.out, REPORT_PATHS.results),
      });
      const wait: Wait = (s, b, a) => slot(s, b, a).promise;
      for (const planned of info.scenarios) addScenario(mocha.suite, planned, info, wait);
      finished = new Promise((resolve) => {
        mocha.run(() => resolve());
      });
    },
    onResult(result) {
      slot(result.scenario.name, result.board.id, result.attempt).resolve(result);
    },
    async onRunEnd(_run, end) {
      ended = true;
      for (const s of waiting.values()) s.resolve(undefined);
      await finished;
      end.outputs.html ??= `run \`hil report --out ${out}\``;
    },
  };
}

type Resolve = (r: BoardResult | undefined) => void;

function addScenario(parent: Mocha.Suite, planned: PlannedScenario, info: RunInfo, wait: Wait): void {
  const { scenario, boards } = planned;
  const suite = Mocha.Suite.create(parent, scenario.name);
  suite.file = scenario.file;

  suite.beforeAll(`run ${scenario.name} on ${boards.length} board(s)`, async () => {
    await Promise.all(boards.map((b) => wait(scenario.name, b.id, 0)));
  });

  for (const board of boards) {
    const test = new Mocha.Test(board.id, async function (this: Mocha.Context) {
      const began = Date.now();
      const attempt = (this.test as unknown as { currentRetry(): number } | undefined)?.currentRetry() ?? 0;
      const result = await wait(scenario.name, board.id, attempt);
      if (!result) {
        // Never ran (bail, Ctrl-C): skipped, in its place in the rack → scenario → board tree.
        await allure.parentSuite(info.rackName);
        await allure.suite(scenario.name);
        await allure.subSuite(board.id);
        this.skip();
      }
      // From here the result exists: presenting it gets --timeout (mocha counts from the test's start).
      this.timeout(Date.now() - began + info.timeoutMs);
      await describeForAllure(info.rackName, result, {
        timelineSvg: timelineSvg(result.history, result.verdict, result.scenario),
        serialLog: result.logs.serial,
        brokerLog: result.logs.broker,
        verdictTable: verdictTable(result.verdict),
        historyJson: `${JSON.stringify(result.history, null, 1)}\n`,
      });
      const explanation = explain(result);
      // A quarantined board runs and is reported, but never fails the night.
      if (board.status === 'quarantined' && result.verdict.verdict !== 'pass') this.skip();
      if (result.verdict.verdict === 'error') throw new Error(`could not be judged: ${explanation}`);
      expect(result.verdict.verdict, explanation).to.equal('pass');
    });
    test.retries(info.retries);
    // allure-mocha reads every test's file (its path in the report); a scenario's file is it.
    test.file = scenario.file;
    suite.addTest(test);
  }
}

/** The failing lines of a verdict, one per message or check, as the assertion message. */
export function explain(result: BoardResult): string {
  const v = result.verdict;
  const parts = [
    ...v.classes
      .filter((c) => c.verdict !== 'pass')
      .flatMap((c) => (c.reasons.length ? c.reasons : [`${c.class}: ${c.verdict}`])),
    ...v.checks
      .filter((c) => c.verdict !== 'pass')
      .flatMap((c) => (c.reasons.length ? c.reasons : [`${c.check}: ${c.verdict}`])),
  ];
  // What failed first: the board's own lines (notes such as a reset) lead only when it is why.
  const lines = v.verdict === 'fail' ? [...parts, ...v.reasons] : [...v.reasons, ...parts];
  return `${result.scenario.name} on ${result.board.id}: ${lines.join('; ') || v.verdict}`;
}
