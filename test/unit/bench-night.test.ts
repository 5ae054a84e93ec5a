import { expect } from 'chai';
import { type Cell, compareNights, whyNot } from '../../bench/night-compare.js';
import type { BoardVerdict } from '../../harness/checker/verdict.js';

const cells = (rows: Array<[string, string, string]>): Cell[] =>
  rows.map(([scenario, board, verdict]) => ({ scenario, board, verdict }));

describe('bench night: comparing a clean and a disturbed night', () => {
  const clean = cells([
    ['s1', 'a', 'pass'],
    ['s1', 'b', 'fail'],
    ['s2', 'a', 'pass'],
    ['s2', 'b', 'fail'],
    ['s3', 'a', 'pass'],
    ['s3', 'b', 'pass'],
  ]);

  it('identical: standard boards the same outside the killed scenario, every board error in it', () => {
    const disturbed = cells([
      ['s1', 'a', 'pass'],
      ['s1', 'b', 'fail'],
      ['s1', 'hang', 'fail'],
      ['s2', 'a', 'error'],
      ['s2', 'b', 'error'],
      ['s2', 'hang', 'error'],
      ['s3', 'a', 'pass'],
      ['s3', 'b', 'pass'],
      ['s3', 'hang', 'error'],
    ]);
    const c = compareNights(clean, disturbed, { standard: ['a', 'b'], exempt: 's2' });
    expect(c.identical).to.equal(true);
    expect(c.differ).to.deep.equal([]);
    expect(c.rows.map((r) => [r.scenario, r.board, r.clean, r.disturbed, r.compared])).to.deep.equal([
      ['s1', 'a', 'pass', 'pass', true],
      ['s1', 'b', 'fail', 'fail', true],
      ['s1', 'hang', '—', 'fail', false],
      ['s2', 'a', 'pass', 'error', false],
      ['s2', 'b', 'fail', 'error', false],
      ['s2', 'hang', '—', 'error', false],
      ['s3', 'a', 'pass', 'pass', true],
      ['s3', 'b', 'pass', 'pass', true],
      ['s3', 'hang', '—', 'error', false],
    ]);
  });

  it('a standard board that changed, or is missing, is a difference; an extra board never is', () => {
    const disturbed = cells([
      ['s1', 'a', 'pass'],
      ['s1', 'b', 'pass'],
      ['s1', 'hang', 'pass'],
      ['s2', 'b', 'fail'],
      ['s3', 'a', 'pass'],
      ['s3', 'b', 'pass'],
    ]);
    const c = compareNights(clean, disturbed, { standard: ['a', 'b'] });
    expect(c.identical).to.equal(false);
    expect(c.differ.map((r) => [r.scenario, r.board, r.clean, r.disturbed])).to.deep.equal([
      ['s1', 'b', 'fail', 'pass'],
      ['s2', 'a', 'pass', '—'],
    ]);
  });

  it('the killed scenario is not compared; its boards that are not error are listed', () => {
    const disturbed = cells([
      ['s1', 'a', 'pass'],
      ['s1', 'b', 'fail'],
      ['s1', 'hang', 'pass'],
    ]);
    const c = compareNights(clean.slice(0, 2), disturbed, { standard: ['a', 'b'], exempt: 's1' });
    expect(c.identical).to.equal(true);
    expect(c.differ).to.deep.equal([]);
    expect(c.exemptNotError.map((r) => r.board)).to.deep.equal(['a', 'b', 'hang']);
  });

  it('whyNot: board reasons, then each class and check that did not pass, cut to length', () => {
    const v = {
      verdict: 'fail',
      reasons: ['the runner could not go on at 10.00s: gone'],
      classes: [
        { class: 'telemetry', verdict: 'pass', reasons: [] },
        { class: 'alarm', verdict: 'fail', reasons: ['alarm-2 lost', 'more'] },
      ],
      checks: [
        { check: 'no-reboot', verdict: 'pass', reasons: [] },
        { check: 'no-hang', verdict: 'error', reasons: [] },
      ],
      findings: [],
    } as unknown as BoardVerdict;
    expect(whyNot(v)).to.equal(
      'the runner could not go on at 10.00s: gone | alarm fail: alarm-2 lost | no-hang error: ',
    );
    expect(whyNot(v, 20)).to.equal('the runner could no…');
  });
});
