import { expect } from 'chai';
import { check } from '../../harness/checker/check.js';
import { isUnjudged } from '../../harness/checker/findings.js';
import { history, mustDeliver, scenario } from './checker-history-builder.js';

/** A run stopped mid-scenario (Ctrl-C, SIGTERM): not carried out, never a failure of the firmware. */
describe('checker: an interrupted scenario', () => {
  // Stopped at 8 s: the outage never healed and the alarm was still on its way.
  const h = history('b1').mqtt(0, 'connected').fault(5, undefined).msg('alarm', 'a-1', 6);
  const sc = scenario({ alarm: mustDeliver() });

  it('is error with when it was stopped, whatever the ops would have said', () => {
    expect(check(h.build(), sc).verdict, 'judged, it fails').to.equal('fail');
    const v = check(h.build({ interrupted: { at: 8000 } }), sc);
    expect(v.verdict).to.equal('error');
    expect(v.reasons).to.deep.equal([
      "the run was stopped at 8.00s, before the scenario's end: not carried out, nothing judged",
    ]);
    expect(v.classes.map((c) => c.verdict)).to.deep.equal(['error']);
  });

  it('every class and check stays error with the finding as data; the reports say it once per board', () => {
    const withCheck = scenario({ alarm: mustDeliver() }, { checks: [{ check: 'no-traceback' }] });
    const v = check(h.build({ interrupted: { at: 8000 } }), withCheck);
    const why = { kind: 'interrupted', level: 'error', board: 'b1', at: 8000 };
    expect(v.findings).to.deep.equal([why]);
    expect(v.classes.map((c) => [c.verdict, c.findings])).to.deep.equal([['error', [why]]]);
    expect(v.checks.map((c) => [c.check, c.verdict, c.findings])).to.deep.equal([
      ['no-traceback', 'error', [why]],
      ['no-hang', 'error', [why]],
    ]);
    expect(isUnjudged(v.findings[0]!), 'the reports show an unjudged board once').to.equal(true);
  });

  it('says so when the stop came before t = 0', () => {
    expect(check(h.build({ interrupted: {} }), sc).reasons).to.deep.equal([
      'the run was stopped before the scenario began: not carried out, nothing judged',
    ]);
  });
});
