import { expect } from 'chai';
import type { ClassVerdict } from '../../harness/checker/verdict.js';
import { junitXml } from '../../harness/report/junit-xml.js';
import { xmlAttr, xmlText } from '../../harness/report/xml.js';
import { history, retryWithin } from './checker-history-builder.js';
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
import { assertWellFormed, parseXml } from './report-xml-check.js';

type Node = Record<string, unknown>;
const ARRAYS = ['testsuite', 'testcase', 'failure', 'error', 'property'];

function suitesOf(xml: string): Node[] {
  const doc = parseXml(xml, ARRAYS);
  return ((doc.testsuites as Node).testsuite as Node[]) ?? [];
}

const cls = (over: Partial<ClassVerdict>): ClassVerdict => classVerdictOf(over);

describe('report: junit.xml', () => {
  const wifi = wifiDropScenario();
  const other = scenarioSpec({ button: retryWithin(15_000) }, { name: 'broker-restart' });
  const ok = (board: string) =>
    boardResult(history(board).msg('button', `${board}-1`, 10, { at: [10.05] }), other);
  const errored = resultOf(
    history('picow-01').build({ board: 'picow-01', scenario: 'broker-restart' }),
    verdictOf({
      verdict: 'error',
      ...notReady('picow-01', 'no hello within 10s'),
      classes: [cls({ verdict: 'error', ...notReady('picow-01', 'no hello within 10s') })],
    }),
    other,
  );
  const run = runOf([
    boardResult(robustHistory('sim-robust'), wifi),
    boardResult(robustHistory('sim-q'), wifi, { status: 'quarantined' }),
    ok('sim-resilient'),
    errored,
  ]);

  it('is well-formed, one testsuite per scenario, one testcase per board', () => {
    const xml = junitXml(run);
    assertWellFormed(xml);
    const suites = suitesOf(xml);
    expect(suites.map((s) => s['@_name'])).to.deep.equal(['wifi-drop-20s', 'broker-restart']);
    const cases = suites.map((s) => (s.testcase as Node[]).map((c) => [c['@_classname'], c['@_name']]));
    expect(cases).to.deep.equal([
      [
        ['wifi-drop-20s', 'sim-robust'],
        ['wifi-drop-20s', 'sim-q'],
      ],
      [
        ['broker-restart', 'sim-resilient'],
        ['broker-restart', 'picow-01'],
      ],
    ]);
  });

  it('counts failures and errors per suite and in total; a quarantined failure is not counted', () => {
    const xml = junitXml(run);
    const root = parseXml(xml, ARRAYS).testsuites as Node;
    expect(root).to.include({ '@_tests': '4', '@_failures': '1', '@_errors': '1', '@_skipped': '0' });
    expect(root['@_time']).to.equal('150.000');
    const [wifiSuite, otherSuite] = suitesOf(xml);
    expect(wifiSuite).to.include({ '@_tests': '2', '@_failures': '1', '@_errors': '0' });
    expect(otherSuite).to.include({ '@_tests': '2', '@_failures': '0', '@_errors': '1' });
    expect(xml).not.to.include('<skipped');
  });

  it('a failure carries what failed as its message and every reason in its body', () => {
    const robust = (suitesOf(junitXml(run))[0]!.testcase as Node[])[0]!;
    const failure = (robust.failure as Node[])[0]!;
    expect(failure['@_type']).to.equal('fail');
    expect(failure['@_message']).to.equal('button: 1 late; no-traceback: fail');
    const body = String(failure['#text']);
    expect(body).to.include(
      'button sim-robust-button-1 emitted 10.00s, noticed 28.50s, delivered 28.60s: 18.60s > 15s (stale)',
    );
    expect(body).to.include('no-traceback: Traceback at 50.15s: OSError: [Errno 104] ECONNRESET');
  });

  it('an error is an <error> with its reason; a pass has neither', () => {
    const [ok1, err] = suitesOf(junitXml(run))[1]!.testcase as Node[];
    expect(ok1).not.to.have.property('failure');
    expect(ok1).not.to.have.property('error');
    const e = (err!.error as Node[])[0]!;
    expect(e['@_message']).to.equal('board picow-01 never got ready: no hello within 10s');
    expect(String(e['#text'])).to.equal('board picow-01 never got ready: no hello within 10s');
  });

  it('a quarantined failure is shown in system-out, not as a failure', () => {
    const q = (suitesOf(junitXml(run))[0]!.testcase as Node[])[1]!;
    expect(q).not.to.have.property('failure');
    expect(String(q['system-out'])).to.include('quarantined: verdict fail, which does not fail the run');
    expect(String(q['system-out'])).to.include('button sim-q-button-1 emitted 10.00s');
  });

  it('names the board files under the run folder', () => {
    const q = (suitesOf(junitXml(run))[1]!.testcase as Node[])[0]!;
    expect(String(q['system-out'])).to.include(
      'timeline: reports/runs/2026-11-22T01-00-00Z/broker-restart/sim-resilient/timeline.svg',
    );
  });

  it('escapes ids and reasons holding markup, quotes, control characters and lone surrogates', () => {
    const nasty = 'a<b>&"c\' \x1b[31mred\x00 \ud800 end';
    const spec = scenarioSpec({}, { name: `scen<&>"'` });
    const r = resultOf(
      history('x').build({ board: 'x' }),
      verdictOf({
        verdict: 'fail',
        classes: [cls({ class: `cls&<"`, verdict: 'fail', lost: 1, reasons: [nasty, 'line\nbreak'] })],
      }),
      spec,
    );
    r.board.id = `board"<'&>`;
    const xml = junitXml(runOf([r]));
    assertWellFormed(xml);
    const suite = suitesOf(xml)[0]!;
    expect(suite['@_name']).to.equal(`scen<&>"'`);
    const tc = (suite.testcase as Node[])[0]!;
    const failure = (tc.failure as Node[])[0]!;
    // No finding names a message (a verdict made by hand): the class says its verdict, escaped.
    expect(failure['@_message']).to.equal('cls&<": fail');
    expect(tc['@_name']).to.equal(`board"<'&>`);
    expect(String(failure['#text'])).to.include('\\x1b[31mred\\x00 \\ud800 end');
  });

  it('the well-formedness check itself rejects what XML 1.0 forbids', () => {
    expect(() => assertWellFormed('<a b="x&y"/>')).to.throw(/bad reference/);
    expect(() => assertWellFormed('<a b="<"/>')).to.throw();
    expect(() => assertWellFormed('<a>\u0001</a>')).to.throw(/forbids/);
    expect(() => assertWellFormed('<a/><b/>')).to.throw(/one root/);
    expect(() => assertWellFormed('<a><b></a>')).to.throw();
    expect(() => assertWellFormed('<?xml version="1.0"?>\n<a b="&amp;&#10;">x</a>')).not.to.throw();
  });

  it('xmlText and xmlAttr escape exactly what XML needs', () => {
    expect(xmlText(`<a & b>"'`)).to.equal(`&lt;a &amp; b&gt;"'`);
    expect(xmlAttr(`<a & b>"'\t\n\r`)).to.equal('&lt;a &amp; b&gt;&quot;&apos;&#9;&#10;&#13;');
    expect(xmlText('\u0007bell \uffff')).to.equal('\\x07bell \\uffff');
    expect(xmlText('emoji 😀 stays')).to.equal('emoji 😀 stays');
  });
});
