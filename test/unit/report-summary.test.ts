import { expect } from 'chai';
import { runVerdict, summaryJson } from '../../harness/report/summary-json.js';
import { history, retryWithin } from './checker-history-builder.js';
import {
  boardResult,
  resultOf,
  robustHistory,
  runOf,
  scenarioSpec,
  verdictOf,
  wifiDropScenario,
} from './report-fixtures.js';

const passing = (board: string) => {
  const h = history(board).msg('button', `${board}-b-1`, 10, { at: [10.05] });
  return boardResult(h, scenarioSpec({ button: retryWithin(15_000) }));
};

describe('report: summary.json', () => {
  it('has the shape DESIGN.md fixes, with the checker counts per class', () => {
    const spec = wifiDropScenario();
    const s = summaryJson(runOf([boardResult(robustHistory(), spec, { model: 'robust' })]));
    expect(s).to.include({
      started: '2026-11-22T01:00:00Z',
      finished: '2026-11-22T01:02:30Z',
      verdict: 'fail',
    });
    const r = s.results[0]!;
    expect(r).to.include({
      scenario: 'wifi-drop-20s',
      board: 'sim-robust',
      verdict: 'fail',
      status: 'enabled',
    });
    expect(r).to.include({ firmware: 'app-umqtt-robust', model: 'robust', seed: 7, counts: true });
    const button = r.classes.find((c) => c.class === 'button')!;
    expect(button).to.include({
      policy: 'retry-within',
      verdict: 'fail',
      emitted: 3,
      delivered: 3,
      lost: 0,
      blocked: 0,
      late: 1,
      duplicates: 0,
    });
    expect(button.reasons[0]).to.match(/^button sim-robust-button-1 emitted 10\.00s, .* > 15s \(stale\)$/);
    for (const c of r.classes) {
      expect(c).to.have.all.keys(
        'class',
        'policy',
        'direction',
        'verdict',
        'emitted',
        'delivered',
        'lost',
        'blocked',
        'late',
        'duplicates',
        'latency',
        'findings',
        'reasons',
      );
    }
    expect(r.checks.map((c) => [c.check, c.verdict])).to.deep.equal([
      ['no-reboot', 'pass'],
      ['no-traceback', 'fail'],
      ['no-hang', 'pass'],
    ]);
    expect(r.files).to.deep.equal({
      history: 'wifi-drop-20s/sim-robust/history.json',
      serialLog: 'wifi-drop-20s/sim-robust/serial.log',
      brokerLog: 'wifi-drop-20s/sim-robust/broker.log',
      timeline: 'wifi-drop-20s/sim-robust/timeline.svg',
    });
  });

  it('survives a JSON round trip unchanged (no undefined, no functions)', () => {
    const s = summaryJson(runOf([passing('b1'), boardResult(robustHistory(), wifiDropScenario())]));
    expect(JSON.parse(JSON.stringify(s))).to.deep.equal(s);
    expect(s.results[0]).not.to.have.property('model');
  });

  it('takes the worst verdict: fail > error > pass', () => {
    const spec = scenarioSpec({});
    const v = (verdict: 'pass' | 'fail' | 'error', board: string) =>
      resultOf(history(board).build({ board }), verdictOf({ verdict }), spec);
    expect(summaryJson(runOf([v('pass', 'a'), v('pass', 'b')])).verdict).to.equal('pass');
    expect(summaryJson(runOf([v('pass', 'a'), v('error', 'b')])).verdict).to.equal('error');
    expect(summaryJson(runOf([v('error', 'a'), v('fail', 'b'), v('pass', 'c')])).verdict).to.equal('fail');
    expect(summaryJson(runOf([v('error', 'a'), v('fail', 'b')])).totals).to.deep.equal({
      pass: 0,
      fail: 1,
      error: 1,
    });
  });

  it('shows a quarantined board failing, but it does not fail the run', () => {
    const q = boardResult(robustHistory('sim-q'), wifiDropScenario(), { status: 'quarantined' });
    const s = summaryJson(runOf([passing('b1'), q]));
    expect(s.verdict).to.equal('pass');
    expect(s.results[1]).to.include({
      board: 'sim-q',
      verdict: 'fail',
      status: 'quarantined',
      counts: false,
    });
    expect(s.totals.fail).to.equal(1);
  });

  it('a run with no result is an error, never a pass', () => {
    expect(runVerdict({ results: [] })).to.equal('error');
    expect(summaryJson(runOf([])).verdict).to.equal('error');
  });

  it('carries board-level reasons and the run lateness when given', () => {
    const spec = scenarioSpec({ button: retryWithin(15_000) });
    const h = history('dead');
    const built = h.build({ board: 'dead', notReady: 'no hello within 10s' });
    const r = resultOf(built, verdictOf({ verdict: 'error', reasons: ['board dead never got ready'] }), spec);
    const lateness = {
      faults: { count: 2, medianMs: 1, p99Ms: 3, maxMs: 3 },
      stimuli: { count: 9, medianMs: 0.5, p99Ms: 2, maxMs: 2 },
    };
    const s = summaryJson({ ...runOf([r]), lateness });
    expect(s.results[0]!.reasons).to.deep.equal(['board dead never got ready']);
    expect(s.lateness).to.deep.equal(lateness);
  });
});
