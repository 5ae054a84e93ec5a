import { readFile, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import AllureMochaReporter from 'allure-mocha';
import { expect } from 'chai';
import Mocha from 'mocha';
import { check } from '../checker/index.js';
import type { ScenarioPlan } from '../scenario/plan.js';
import type { RackServices } from '../scenario/rack.js';
import { runScenario, type ScenarioProgress } from '../scenario/runner.js';
import { describeForAllure, verdictTable } from './allure-meta.js';
import type { BoardResult } from './run-result.js';
import { timelineSvg } from './timeline-svg.js';

export interface MochaRunOptions {
  /** Shown as the top of the Allure tree (the rack file's name). */
  rackName: string;
  plans: ScenarioPlan[];
  services: RackServices;
  runDir: string;
  runId: string;
  epoch: number;
  resultsDir: string;
  signal: AbortSignal;
  bail?: boolean;
  /** A failing board's scenario is run again on that board alone, up to this many times. */
  retries?: number;
  /** Per-test timeout (the assertions); each scenario's own run gets its length plus setup. */
  timeoutMs?: number;
  onProgress?: (p: ScenarioProgress) => void;
  onResult(result: BoardResult): void;
  log?: (line: string) => void;
}

const SETUP_MARGIN_MS = 120_000;

/**
 * `hil run` on mocha: one describe per scenario whose `before` runs it on all its boards at
 * once, one `it` per board asserting that board's verdict (the message is the checker's
 * explanation). allure-mocha reports; the tests only present verdicts that already exist.
 */
export async function runWithMocha(o: MochaRunOptions): Promise<{ failures: number }> {
  const mocha = new Mocha({ bail: o.bail === true, timeout: o.timeoutMs ?? 60_000 });
  mocha.reporter(AllureMochaReporter as unknown as typeof Mocha.reporters.Base, { resultsDir: o.resultsDir });
  for (const plan of o.plans) addScenario(mocha.suite, plan, o);
  return new Promise((resolve) => {
    mocha.run((failures) => resolve({ failures }));
  });
}

function addScenario(parent: Mocha.Suite, plan: ScenarioPlan, o: MochaRunOptions): void {
  const suite = Mocha.Suite.create(parent, plan.scenario.name);
  suite.timeout(plan.end + SETUP_MARGIN_MS);
  suite.file = plan.scenario.file;
  const results = new Map<string, BoardResult>();
  const dir = join(o.runDir, plan.scenario.name);

  const run = async (p: ScenarioPlan, attempt: number) => {
    const where = attempt === 0 ? dir : join(dir, `retry-${attempt}`);
    const outcome = await runScenario({
      plan: p,
      services: o.services,
      dir: where,
      runId: o.runId,
      epoch: o.epoch,
      signal: o.signal,
      ...(o.onProgress && { onProgress: o.onProgress }),
      ...(o.log && { log: o.log }),
    });
    for (const history of outcome.histories) {
      const spec = p.boards.find((b) => b.board.id === history.board)!.board;
      const verdict = check(history, p.scenario);
      const boardDir = join(where, history.board);
      await writeFile(join(boardDir, 'timeline.svg'), timelineSvg(history, verdict, p.scenario));
      const rel = (f: string) => relative(o.runDir, join(boardDir, f));
      const result: BoardResult = {
        scenario: p.scenario,
        board: {
          id: spec.id,
          firmware: spec.firmware,
          ...(spec.virtual && { model: spec.virtual.model }),
          tags: spec.tags,
          status: spec.status,
        },
        history,
        verdict,
        files: {
          history: rel('history.json'),
          serialLog: rel('serial.log'),
          brokerLog: rel('broker.log'),
          timeline: rel('timeline.svg'),
        },
      };
      results.set(history.board, result);
      o.onResult(result);
    }
  };

  suite.beforeAll(`run ${plan.scenario.name} on ${plan.boards.length} board(s)`, async function () {
    if (o.signal.aborted) this.skip();
    await run(plan, 0);
  });

  for (const { board } of plan.boards) {
    const test = new Mocha.Test(board.id, async function (this: Mocha.Context) {
      const attempt = (this.test as unknown as { currentRetry(): number } | undefined)?.currentRetry() ?? 0;
      if (attempt > 0) {
        this.timeout(plan.end + SETUP_MARGIN_MS);
        await run(
          {
            ...plan,
            boards: plan.boards.filter((b) => b.board.id === board.id),
            stimuli: plan.stimuli.filter((s) => s.board === board.id),
            faults: plan.faults.map((f) => ({ ...f, boards: f.boards.filter((b) => b === board.id) })),
          },
          attempt,
        );
      }
      const result = results.get(board.id);
      if (!result) throw new Error(`${plan.scenario.name} did not run on ${board.id}`);
      const table = verdictTable(result.verdict);
      await describeForAllure(o.rackName, result, {
        timelineSvg: await readFile(join(o.runDir, result.files.timeline), 'utf8'),
        serialLog: await readFile(join(o.runDir, result.files.serialLog), 'utf8').catch(() => ''),
        brokerLog: await readFile(join(o.runDir, result.files.brokerLog), 'utf8').catch(() => ''),
        verdictTable: table,
        historyJson: await readFile(join(o.runDir, result.files.history), 'utf8').catch(() =>
          JSON.stringify(result.history),
        ),
      });
      const explanation = explain(result);
      // A quarantined board runs and is reported, but never fails the night.
      if (board.status === 'quarantined' && result.verdict.verdict !== 'pass') this.skip();
      if (result.verdict.verdict === 'error') throw new Error(`could not be judged: ${explanation}`);
      expect(result.verdict.verdict, explanation).to.equal('pass');
    });
    test.retries(o.retries ?? 0);
    // allure-mocha reads every test's file (its path in the report); a scenario's file is it.
    test.file = plan.scenario.file;
    suite.addTest(test);
  }
}

/** The failing lines of a verdict, one per message or check, as the assertion message. */
export function explain(result: BoardResult): string {
  const v = result.verdict;
  const lines = [
    ...v.reasons,
    ...v.classes
      .filter((c) => c.verdict !== 'pass')
      .flatMap((c) => (c.reasons.length ? c.reasons : [`${c.class}: ${c.verdict}`])),
    ...v.checks
      .filter((c) => c.verdict !== 'pass')
      .flatMap((c) => (c.reasons.length ? c.reasons : [`${c.check}: ${c.verdict}`])),
  ];
  return `${result.scenario.name} on ${result.board.id}: ${lines.join('; ') || v.verdict}`;
}
