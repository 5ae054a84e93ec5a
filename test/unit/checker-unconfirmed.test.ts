import { expect } from 'chai';
import { check } from '../../harness/checker/check.js';
import { drop, history, retryWithin, scenario } from './checker-history-builder.js';

const REFUSED =
  'the agent answered the wifi op with error: cannot do @hil {"op":"wifi","up":false}: ValueError(\'unknown op\')';

describe('checker: a fault not seen to act is never a pass', () => {
  it('wifi: agent answered with error: error, with the agent’s answer as the reason', () => {
    // Today's lie: every loss in the "outage" excused, the run passes.
    const h = history()
      .fault(10, 20)
      .confirm(10.01, 'wifi-outage', false, REFUSED)
      .msg('telemetry', 't-1', 5, { at: [5.05] })
      .msg('telemetry', 't-2', 12, { noticed: 12 })
      .msg('telemetry', 't-3', 40, { at: [40.05] })
      .mqtt(1, 'connected');
    const v = check(
      h.build(),
      scenario({ telemetry: drop() }, { checks: [{ check: 'reconnects-within', within: 10_000 }] }),
    );
    expect(v.verdict).to.equal('error');
    expect(v.reasons).to.deep.equal([
      `wifi-outage at 10.00s was not seen to act (${REFUSED}): the test was not carried out`,
    ]);
    expect(v.classes[0]?.verdict).to.equal('error');
    expect(v.classes[0]?.reasons.at(-1)).to.contain('wifi-outage at 10.00s was not seen to act');
    const rw = v.checks.find((c) => c.check === 'reconnects-within');
    expect(rw?.verdict).to.equal('error');
    expect(v.checks.find((c) => c.check === 'no-hang')?.verdict).to.equal('pass');
  });

  it('a confirmed fault changes nothing', () => {
    const h = history()
      .fault(10, 20)
      .confirm(10.01, 'wifi-outage', true, 'the agent reported net down 4 ms after the wifi op')
      .msg('telemetry', 't-1', 5, { at: [5.05] })
      .msg('telemetry', 't-2', 12, { noticed: 12 });
    const v = check(h.build(), scenario({ telemetry: drop() }));
    expect(v.verdict).to.equal('pass');
    expect(v.findings).to.deep.equal([]);
  });

  it('reset_peer that never fired: the board is not a plain pass; a class with nothing in its span stays judged', () => {
    const h = history()
      .fault(30, 40, 'reset', false)
      .confirm(40, 'reset', false, 'not seen to fire within 10000 ms (no bytes through the proxy?)')
      .msg('button', 'b-1', 5, { at: [5.05] })
      .msg('alarm', 'a-1', 35, { at: [35.05] });
    const v = check(h.build(), scenario({ button: retryWithin(5000), alarm: retryWithin(5000) }));
    expect(v.verdict).to.equal('error');
    expect(v.findings.map((f) => f.kind)).to.deep.equal(['fault-unconfirmed']);
    expect(v.classes.find((c) => c.class === 'button')?.verdict).to.equal('pass');
    expect(v.classes.find((c) => c.class === 'alarm')?.verdict).to.equal('error');
  });

  it('a real failure stays a failure', () => {
    const h = history()
      .fault(10, 20)
      .confirm(10.01, 'wifi-outage', false, REFUSED)
      .msg('button', 'b-1', 50, { noticed: 50, accepted: 50.01 });
    expect(check(h.build(), scenario({ button: retryWithin(5000) })).verdict).to.equal('fail');
  });
});
