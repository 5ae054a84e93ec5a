import { expect } from 'chai';
import { check } from '../../harness/checker/check.js';
import { summaryJson } from '../../harness/report/summary-json.js';
import { history, retryWithin, scenario } from './checker-history-builder.js';
import { boardResult, runOf, scenarioSpec } from './report-fixtures.js';

const GONE = 'picow-01: serial line gone (/dev/ttyACM0 went away)';
const checks = [{ check: 'reconnects-within', within: 10_000 }, { check: 'no-reboot' }];

describe("checker: hil's own failures are error, never fail", () => {
  it('a native-USB board whose port goes away at the reset: error, not "never reconnected" FAIL', () => {
    // broker.log shows the board back 1.8 s after; the agent's side was never seen again.
    const h = history('picow-01')
      .mqtt(0.1, 'connected')
      .push({ t: 10_000, kind: 'fault', board: 'picow-01', fault: 'reboot', phase: 'start', down: false })
      .push({ t: 10_050, kind: 'error', board: 'picow-01', msg: GONE, gone: true })
      .clientDisconnect(10.1)
      .push({ t: 11_800, kind: 'client', board: 'picow-01', event: 'connect', clientId: 'hil-picow-01' });
    const v = check(h.build(), scenario({}, { checks }));
    expect(v.verdict).to.equal('error');
    const rw = v.checks.find((c) => c.check === 'reconnects-within');
    expect(rw?.verdict).to.equal('error');
    expect(rw?.reasons).to.not.include('no outage in this scenario');
    expect([...v.reasons, ...v.checks.flatMap((c) => c.reasons)].join('\n')).to.not.match(
      /never reconnected/,
    );
  });

  it('a class whose messages were never sent because the board died mid-run is error, not pass on 4 of 14', () => {
    const h = history('picow-01').mqtt(0.1, 'connected');
    for (let i = 1; i <= 4; i++) h.msg('button', `b-${i}`, i * 5, { at: [i * 5 + 0.2] });
    h.push({ t: 21_000, kind: 'error', board: 'picow-01', msg: GONE, gone: true });
    for (let i = 5; i <= 14; i++)
      h.push({
        t: i * 5000,
        kind: 'emit',
        board: 'picow-01',
        cls: 'button',
        id: `b-${i}`,
        direction: 'up',
        unsent: GONE,
      });
    const v = check(h.build(), scenario({ button: retryWithin(15_000) }));
    const c = v.classes[0];
    expect(c?.verdict).to.equal('error');
    expect([c?.emitted, c?.delivered]).to.deep.equal([4, 4]);
    expect(c?.reasons).to.deep.equal([
      `10 of 14 button messages never sent from 25.00s (${GONE}): judged on the 4 sent only`,
    ]);
    expect(v.verdict).to.equal('error');
  });

  it('a reboot the rack never carried out says one thing: no boot seen, error, and no "no outage"', () => {
    const h = history()
      .mqtt(0.1, 'connected')
      .push({ t: 10_000, kind: 'fault', board: 'b1', fault: 'reboot', phase: 'start', down: false });
    const v = check(h.build(), scenario({}, { checks }));
    expect(v.verdict).to.equal('error');
    const rw = v.checks.find((c) => c.check === 'reconnects-within');
    expect(rw?.verdict).to.equal('error');
    expect(rw?.reasons).to.deep.equal([
      "no boot seen after the reboot at 10.00s: the board's reset method may not work",
    ]);
    expect(v.reasons).to.deep.equal([
      "no boot seen after the reboot at 10.00s: the board's reset method may not work",
    ]);
  });

  it('a board that booted but never reconnected still fails', () => {
    const h = history().mqtt(0.1, 'connected').reboot(10, null);
    const v = check(h.build(), scenario({}, { checks: [checks[0]!] }));
    expect(v.verdict).to.equal('fail');
  });

  it('an outage judged on a history cut short by a dead port is error; the failure it would be is kept as data', () => {
    const h = history()
      .mqtt(0.1, 'connected')
      .fault(10, 20)
      .mqtt(10.5, 'disconnected')
      .push({ t: 15_000, kind: 'error', board: 'b1', msg: GONE, gone: true });
    const v = check(h.build(), scenario({}, { checks: [checks[0]!] }));
    const rw = v.checks[0];
    expect(rw?.verdict).to.equal('error');
    expect(rw?.findings[0]).to.deep.include({ kind: 'cut-short', level: 'error', t: 15_000 });
    expect(rw?.reasons[0]).to.equal(
      `never reconnected after the wifi-outage ended at 20.00s; but the serial line went away at 15.00s (${GONE}): not judged`,
    );
  });

  describe('a serial port that went away', () => {
    const AWAY =
      'picow-01: serial port /dev/ttyACM0 went away: the serial device hung up; waiting up to 10 s for it to come back';
    /** A native-USB reboot: the port goes at the reset; the broker sees the board back before hil does. */
    const nativeReboot = () =>
      history('picow-01')
        .mqtt(0.1, 'connected')
        .push({ t: 10_000, kind: 'fault', board: 'picow-01', fault: 'reboot', phase: 'start', down: false })
        .push({ t: 10_050, kind: 'port-away', board: 'picow-01', msg: AWAY })
        .clientDisconnect(10.1);

    it('and came back at a reset: judged as any reboot, reconnected when the broker saw it while hil could not', () => {
      const h = nativeReboot()
        .push({ t: 11_800, kind: 'client', board: 'picow-01', event: 'connect', clientId: 'hil-picow-01' })
        .push({ t: 12_000, kind: 'port-back', board: 'picow-01', awayMs: 1950, at: '/dev/ttyACM0' })
        .push({ t: 12_050, kind: 'boot', board: 'picow-01', reason: 'hello', boot: 2, unseenMs: 2000 })
        .confirm(12.05, 'reboot', true, 'the board booted again');
      const v = check(h.build(), scenario({}, { checks }));
      expect(v.verdict, [...v.reasons, ...v.checks.flatMap((c) => c.reasons)].join('\n')).to.equal('pass');
      expect(v.checks.map((c) => [c.check, c.verdict])).to.deep.equal([
        ['reconnects-within', 'pass'],
        ['no-reboot', 'pass'],
        ['no-hang', 'pass'],
      ]);
    });

    it("a broker connect while the port was up is not the agent's word", () => {
      const h = nativeReboot()
        .push({ t: 12_000, kind: 'port-back', board: 'picow-01', awayMs: 1950, at: '/dev/ttyACM0' })
        .push({ t: 12_050, kind: 'boot', board: 'picow-01', reason: 'hello', boot: 2, unseenMs: 2000 })
        .push({ t: 12_500, kind: 'client', board: 'picow-01', event: 'connect', clientId: 'hil-picow-01' });
      const v = check(h.build(), scenario({}, { checks: [checks[0]!] }));
      expect(v.verdict).to.equal('fail');
      expect(v.checks[0]?.reasons).to.deep.include('never reconnected after the reboot at 10.00s');
    });

    it('and was not back when the history ended: error from the moment it went, naming it', () => {
      const v = check(nativeReboot().build(), scenario({}, { checks }));
      expect(v.verdict).to.equal('error');
      expect(v.reasons).to.include(
        `the runner could not go on at 10.05s: ${AWAY}; it was not back when the history ended`,
      );
      const rw = v.checks.find((c) => c.check === 'reconnects-within');
      expect(rw?.verdict).to.equal('error');
      expect(rw?.findings[0]).to.deep.include({ kind: 'cut-short', t: 10_050 });
    });

    it('and did not come back in time: lost from the moment it went', () => {
      const gone =
        'picow-01: serial port went away (hung up) and did not come back within 10 s at /dev/ttyACM0';
      const h = nativeReboot().push({ t: 20_100, kind: 'error', board: 'picow-01', msg: gone, gone: true });
      const v = check(h.build(), scenario({}, { checks }));
      expect(v.verdict).to.equal('error');
      const rw = v.checks.find((c) => c.check === 'reconnects-within');
      expect(rw?.findings[0]).to.deep.include({ kind: 'cut-short', t: 10_050, msg: gone });
      expect(v.reasons).to.include(
        `the serial line went away at 10.05s (${gone}), after the reboot at 10.00s: its boot and what followed were not seen, not judged`,
      );
    });
  });

  it('summary.json says whether the firmware or the rack failed', () => {
    const spec = scenarioSpec({ button: retryWithin(5000) });
    const failing = boardResult(
      history('a').msg('button', 'b-1', 10, { noticed: 10, accepted: 10.01 }),
      spec,
      { board: 'a' },
    );
    const rack = boardResult(
      history('b').push({ t: 1000, kind: 'fault', board: 'b', fault: 'reboot', phase: 'start', down: false }),
      spec,
      { board: 'b' },
    );
    const passing = boardResult(history('c').msg('button', 'b-1', 10, { at: [10.05] }), spec, { board: 'c' });
    const s = summaryJson(runOf([failing, rack, passing]));
    expect(s.results.map((r) => [r.board, r.verdict, r.failed])).to.deep.equal([
      ['a', 'fail', 'firmware'],
      ['b', 'error', 'rack'],
      ['c', 'pass', undefined],
    ]);
  });
});
