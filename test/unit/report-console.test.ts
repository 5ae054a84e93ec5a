import { expect } from 'chai';
import { consoleTable } from '../../harness/report/console-table.js';
import { junitXml } from '../../harness/report/junit-xml.js';
import { drop, history, retryWithin } from './checker-history-builder.js';
import {
  boardResult,
  classVerdictOf,
  notReady,
  resultOf,
  robustHistory,
  runOf,
  scenarioSpec,
  verdictOf,
  wifiDropScenario,
} from './report-fixtures.js';

const ESC = '\x1b';

describe('report: console table', () => {
  const wifi = wifiDropScenario();
  const other = scenarioSpec({ button: retryWithin(15_000) }, { name: 'broker-restart' });
  const resilient = boardResult(history('sim-resilient').msg('button', 'r-1', 10, { at: [10.05] }), other);
  const dead = resultOf(
    history('picow-01').build({ board: 'picow-01' }),
    verdictOf({
      verdict: 'error',
      ...notReady('picow-01', 'no hello within 10s'),
      classes: [],
      checks: [{ check: 'no-hang', verdict: 'error', ...notReady('picow-01', 'no hello within 10s') }],
    }),
    other,
  );
  const run = runOf([
    boardResult(robustHistory('sim-robust'), wifi),
    boardResult(robustHistory('sim-q'), wifi, { status: 'quarantined' }),
    resilient,
    dead,
  ]);
  const paths = {
    summaryPath: 'reports/runs/x/summary.json',
    reportPath: 'reports/allure-report/index.html',
  };

  it('shows one row per scenario × board with its verdict and class marks', () => {
    const text = consoleTable(run, { color: false, ...paths });
    const lines = text.split('\n');
    const row = (board: string) => lines.find((l) => l.includes(` ${board} `)) ?? '';
    expect(lines[0]).to.equal(
      'hil run 2026-11-22T01:00:00Z: FAIL (1 passed, 2 failed, 1 error, 1 quarantined)',
    );
    expect(row('sim-robust')).to.match(/^wifi-drop-20s\s+sim-robust\s+FAIL\s+/);
    expect(row('sim-robust')).to.include(
      'telemetry ok | button FAIL (1 late) | alarm ok | command ok | no-traceback FAIL',
    );
    // The scenario is named once per group of rows.
    expect(row('sim-q')).to.match(/^\s+sim-q\s+FAIL \(quarantined\)\s+telemetry ok/);
    expect(row('sim-resilient')).to.match(/^broker-restart\s+sim-resilient\s+PASS\s+button ok \| checks ok$/);
    expect(row('picow-01')).to.match(/ERROR\s+not judged \(see below\)$/);
  });

  it('explains every failure, one line per reason, under scenario / board', () => {
    const text = consoleTable(run, { color: false, ...paths });
    const failures = text.slice(text.indexOf('\nFailures\n'));
    expect(failures).to.include(
      [
        '  wifi-drop-20s / sim-robust  FAIL',
        '    button sim-robust-button-1 emitted 10.00s, noticed 28.50s, delivered 28.60s: 18.60s > 15s (stale)',
        '    no-traceback: Traceback at 50.15s: OSError: [Errno 104] ECONNRESET',
      ].join('\n'),
    );
    expect(failures).to.include('  wifi-drop-20s / sim-q  FAIL (quarantined: does not fail the run)');
    // An unjudged board says why once, not once per class and check.
    expect(failures).to.include(
      '  broker-restart / picow-01  ERROR\n    board picow-01 never got ready: no hello within 10s\n\n',
    );
    expect(failures).not.to.include('sim-resilient');
  });

  it('ends with where the HTML report and summary.json are', () => {
    const lines = consoleTable(run, { color: false, ...paths })
      .trimEnd()
      .split('\n');
    expect(lines.at(-1)).to.equal(
      'HTML report: reports/allure-report/index.html | summary: reports/runs/x/summary.json',
    );
  });

  it('holds no escape codes without colour, even from serial noise in a reason', () => {
    const noisy = resultOf(
      history('b').build({ board: 'b' }),
      verdictOf({
        verdict: 'fail',
        checks: [
          {
            check: 'no-traceback',
            verdict: 'fail',
            findings: [],
            reasons: [`Traceback: ${ESC}[2J wiped\r\nline`],
          },
        ],
      }),
      other,
    );
    const text = consoleTable(runOf([noisy]), { color: false });
    expect(text).not.to.include(ESC);
    expect(text).not.to.include('\r');
    expect(text).to.include('no-traceback: Traceback: \\x1b[2J wiped\\x0d\\x0aline');
  });

  it('colours verdicts for a terminal', () => {
    const text = consoleTable(run, { color: true });
    expect(text).to.include(`${ESC}[31;1mFAIL${ESC}[0m`);
    expect(text).to.include(`${ESC}[32mPASS${ESC}[0m`);
    expect(text).to.include(`${ESC}[33;1mERROR${ESC}[0m`);
    expect(text).not.to.include(`${ESC}[2m${ESC}[0m`);
  });

  it('wraps marks and reasons to a width', () => {
    const text = consoleTable(run, { color: false, width: 80, summaryPath: 'reports/runs/x/summary.json' });
    for (const line of text.split('\n')) expect(line.length, line).to.be.at.most(80);
    expect(text).to.match(/sim-robust +FAIL +telemetry ok\n +button FAIL \(1 late\)\n/);
    expect(text).to.include('delivered 28.60s:\n      18.60s > 15s (stale)');
  });

  it('cuts a long list of reasons and says how many more are in summary.json', () => {
    const many = Array.from({ length: 14 }, (_, i) => `alarm a-${i} lost`);
    const r = resultOf(
      history('b').build({ board: 'b' }),
      verdictOf({
        verdict: 'fail',
        classes: [
          classVerdictOf({
            class: 'alarm',
            policy: 'must-deliver',
            label: 'must-deliver',
            verdict: 'fail',
            emitted: 14,
            delivered: 0,
            lost: 14,
            reasons: many,
          }),
        ],
      }),
      other,
    );
    const text = consoleTable(runOf([r]), { color: false, maxReasons: 5 });
    expect(text).to.include('    alarm a-4 lost\n    alarm: ... 9 more in summary.json');
    expect(text).not.to.include('a-5 lost');
  });

  describe('allowed losses are no failure', () => {
    // umqtt.simple-like under drop: what it loses in the outage (8-28 s, settle 5 s) is allowed;
    // what it loses on the settled link after it is not.
    const spec = scenarioSpec({ telemetry: drop() }, { name: 'simple-drop' });
    const simple = history('sim-simple')
      .msg('telemetry', 't-1', 2, { at: [2.03] })
      .msg('telemetry', 't-2', 10, { noticed: null })
      .msg('telemetry', 't-3', 12, { noticed: null })
      .msg('telemetry', 't-4', 20, { accepted: 20.01 })
      .msg('telemetry', 't-5', 40, { noticed: null })
      .msg('telemetry', 't-6', 42, { noticed: null })
      .msg('telemetry', 't-7', 44, { accepted: 44.01 })
      .fault(8, 28, 'wifi-outage');
    const result = boardResult(simple, spec, { board: 'sim-simple' });
    const text = consoleTable(runOf([result]), { color: false });

    it('counts only what its failing findings name; the allowed losses apart, as such', () => {
      const cls = result.verdict.classes[0]!;
      // The verdict's own fate counts take in the allowed losses too: 2 lost, 4 blocked.
      expect([cls.verdict, cls.lost, cls.blocked]).to.deep.equal(['fail', 2, 4]);
      expect(text).to.match(
        /^simple-drop {2}sim-simple {2}FAIL {5}telemetry FAIL \(1 lost, 2 blocked, 3 allowed losses\) \| checks ok$/m,
      );
    });

    it('lists under Failures only the failing lines, never an allowed one', () => {
      const failures = text.slice(text.indexOf('\nFailures\n'), text.indexOf('\nWho failed'));
      expect(failures.trim().split('\n')).to.deep.equal([
        'Failures',
        '  simple-drop / sim-simple  FAIL',
        '    telemetry t-5 emitted 40.00s on a settled link (up since 28.00s), never noticed by the app (blocked)',
        '    telemetry t-6 emitted 42.00s on a settled link (up since 28.00s), never noticed by the app (blocked)',
        '    telemetry t-7 emitted 44.00s on a settled link (up since 28.00s), accepted 44.01s, never delivered (lost after the library accepted it)',
      ]);
      // The allowed line is still in the verdict (summary.json), as information.
      expect(result.verdict.classes[0]!.reasons.some((r) => r.includes('(allowed)'))).to.equal(true);
      expect(text).not.to.include('(allowed)');
    });

    it('junit.xml says the same: the message counts what failed, the body lists only failures', () => {
      const xml = junitXml(runOf([result]));
      expect(xml).to.include('message="telemetry: 1 lost, 2 blocked"');
      expect(xml).not.to.include('(allowed)');
    });

    it('a duplicate the policy allows is not counted against a class that fails for being late', () => {
      const late = boardResult(
        history('sim-robust')
          .msg('button', 'b-1', 10, { noticed: 28.5, at: [28.6, 28.7] })
          .fault(8, 28, 'wifi-outage'),
        scenarioSpec({ button: retryWithin(15_000) }, { name: 'late' }),
      );
      expect(late.verdict.classes[0]!.duplicates).to.equal(1);
      expect(consoleTable(runOf([late]), { color: false })).to.include('button FAIL (1 late) | checks ok');
    });
  });

  it('says so when nothing ran', () => {
    const text = consoleTable(runOf([]), { color: false });
    expect(text).to.include('ERROR');
    expect(text).to.include('no results: nothing ran');
  });
});
