import { expect } from 'chai';
import { check } from '../../harness/checker/check.js';
import { consoleTable } from '../../harness/report/console-table.js';
import { junitXml } from '../../harness/report/junit-xml.js';
import { reasonLines } from '../../harness/report/parts.js';
import type { RunResult } from '../../harness/report/run-result.js';
import { summaryJson } from '../../harness/report/summary-json.js';
import { history, retryWithin } from './checker-history-builder.js';
import {
  boardResult,
  notReady,
  resultOf,
  robustHistory,
  runOf,
  scenarioSpec,
  verdictOf,
  wifiDropScenario,
} from './report-fixtures.js';

/** A run stopped by Ctrl-C or SIGTERM: no one's failure, and said once per board. */
describe('report: an interrupted run', () => {
  // Four classes and a watchdog: five parts that each carry the interrupted finding.
  const spec = { ...wifiDropScenario(), checks: [{ check: 'no-traceback' }] };
  const cut = (board: string) => {
    const h = history(board)
      .mqtt(0, 'connected')
      .build({ scenario: spec.name, board, firmware: 'fw', interrupted: { at: 6920 } });
    return resultOf(h, check(h, spec), spec);
  };
  const WHY = "the run was stopped at 6.92s, before the scenario's end: not carried out, nothing judged";
  const at = '2026-11-22T01:00:08.000Z';
  const run: RunResult = {
    ...runOf([cut('b1'), cut('b2')]),
    interrupted: { at, signal: 'SIGINT' },
  };

  it('summary.json marks the run interrupted, and each cut result as interrupted, not the rack', () => {
    const s = summaryJson(run);
    expect(s.interrupted).to.deep.equal({ at, signal: 'SIGINT' });
    expect(s.verdict).to.equal('error');
    expect(s.results.map((r) => [r.verdict, r.failed])).to.deep.equal([
      ['error', 'interrupted'],
      ['error', 'interrupted'],
    ]);
    // The board's reason once; its classes and checks keep their own error verdicts as data.
    const r = s.results[0]!;
    expect(r.reasons).to.deep.equal([WHY]);
    expect(r.classes.map((c) => c.verdict)).to.deep.equal(['error', 'error', 'error', 'error']);
    expect(r.checks.map((c) => [c.check, c.verdict])).to.deep.equal([
      ['no-traceback', 'error'],
      ['no-hang', 'error'],
    ]);
  });

  it('summary.json has no `interrupted` for a run that ran to its end; a board never ready is the rack', () => {
    const dead = resultOf(
      history('picow-01').build({ board: 'picow-01' }),
      verdictOf({ verdict: 'error', ...notReady('picow-01', 'no hello within 10s') }),
      spec,
    );
    const s = summaryJson(runOf([dead]));
    expect(s).not.to.have.property('interrupted');
    expect(s.results[0]!.failed).to.equal('rack');
  });

  it('the console says the reason once per board and ends saying the run was interrupted', () => {
    const text = consoleTable(run, { color: false });
    expect(text.split('\n').filter((l) => l.includes('the run was stopped at'))).to.deep.equal([
      `    board: ${WHY}`,
      `    board: ${WHY}`,
    ]);
    expect(text).to.match(/^wifi-drop-20s\s+b1\s+ERROR\s+not judged \(see below\)$/m);
    expect(text).to.include(
      'Who failed: nobody: the run was interrupted by SIGINT (Ctrl-C), 2 not carried out',
    );
    expect(text).not.to.include('rack');
  });

  it('beside a firmware failure, the console counts the cut boards apart from it', () => {
    const failed = boardResult(robustHistory('sim-robust'), wifiDropScenario());
    const text = consoleTable(
      { ...runOf([failed, cut('b1')]), interrupted: { at, signal: 'SIGTERM' } },
      { color: false },
    );
    expect(text).to.include(
      'Who failed: firmware failed 1; the run was interrupted by SIGTERM, 1 not carried out',
    );
    expect(summaryJson({ ...runOf([failed, cut('b1')]) }).results.map((r) => r.failed)).to.deep.equal([
      'firmware',
      'interrupted',
    ]);
  });

  it('stopped between scenarios (no result cut), the console still says the run was interrupted', () => {
    const other = scenarioSpec({ button: retryWithin(15_000) }, { name: 'first' });
    const passing = boardResult(history('ok').msg('button', 'b-1', 10, { at: [10.05] }), other);
    expect(passing.verdict.verdict).to.equal('pass');
    const text = consoleTable(
      { ...runOf([passing]), interrupted: { at, signal: 'SIGINT' } },
      { color: false },
    );
    expect(text).not.to.include('Failures');
    expect(text).to.include('The run was interrupted by SIGINT (Ctrl-C): the scenarios left did not run');
    expect(consoleTable({ ...runOf([]), interrupted: { at } }, { color: false })).to.include(
      'The run was interrupted by its caller: the scenarios left did not run',
    );
    expect(consoleTable(runOf([passing]), { color: false })).not.to.include('interrupted');
  });

  it('junit.xml and the reason lines say it once per board', () => {
    expect(reasonLines(run.results[0]!.verdict)).to.deep.equal([`board: ${WHY}`]);
    const xml = junitXml(run);
    expect(xml.split('the run was stopped at').length - 1, 'message and body, per board').to.equal(4);
  });
});
