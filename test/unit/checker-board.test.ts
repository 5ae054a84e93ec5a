import { expect } from 'chai';
import { check } from '../../harness/checker/check.js';
import { worst } from '../../harness/checker/verdict.js';
import type { PolicySpec } from '../../harness/spec/policy.js';
import { drop, history, mustDeliver, retryWithin, scenario } from './checker-history-builder.js';

describe('checker board verdict', () => {
  it('composes the worst: fail > error > pass', () => {
    expect(worst()).to.equal('pass');
    expect(worst('pass', 'error')).to.equal('error');
    expect(worst('error', 'fail', 'pass')).to.equal('fail');
    expect(worst('fail', 'error')).to.equal('fail');
  });

  it('judges the DESIGN.md example: umqtt.robust delivers button presses late', () => {
    const h = history('sim-robust')
      .fault(8, 28)
      .mqtt(9, 'disconnected')
      .msg('button', 'sim-robust-button-1', 10.02, { noticed: 27, at: [27.4] })
      .msg('button', 'sim-robust-button-2', 25, { noticed: 28.5, at: [41] })
      .msg('button', 'sim-robust-button-3', 40, { at: [40.05] })
      .mqtt(27.3, 'connected');
    const v = check(
      h.build(),
      scenario(
        { button: retryWithin(15_000) },
        { checks: [{ check: 'no-reboot' }, { check: 'reconnects-within', within: 10_000 }] },
      ),
    );
    expect(v.verdict).to.equal('fail');
    expect(v.classes.map(({ findings: _f, messages: _m, ...rest }) => rest)).to.deep.equal([
      {
        class: 'button',
        policy: 'retry-within',
        label: 'retry-within 15s',
        deadline: 15_000,
        direction: 'up',
        verdict: 'fail',
        emitted: 3,
        delivered: 3,
        lost: 0,
        blocked: 0,
        late: 2,
        duplicates: 0,
        latency: { min: 50, median: 16_000, p95: 17_380, max: 17_380 },
        reasons: [
          'button sim-robust-button-1 emitted 10.02s, noticed 27.00s, delivered 27.40s: 17.38s > 15s (stale)',
          'button sim-robust-button-2 emitted 25.00s, noticed 28.50s, delivered 41.00s: 16.00s > 15s (stale)',
        ],
      },
    ]);
    expect(v.classes[0]?.findings.map((f) => [f.kind, 'message' in f ? f.message.id : ''])).to.deep.equal([
      ['misdelivered', 'sim-robust-button-1'],
      ['misdelivered', 'sim-robust-button-2'],
    ]);
    expect(v.classes[0]?.messages.map((m) => [m.id, m.outcome, m.deadline, m.blamed])).to.deep.equal([
      ['sim-robust-button-1', 'late', 25_020, true],
      ['sim-robust-button-2', 'late', 40_000, true],
      ['sim-robust-button-3', 'ok', 55_000, false],
    ]);
    expect(v.checks.map((c) => [c.check, c.verdict])).to.deep.equal([
      ['no-reboot', 'pass'],
      ['reconnects-within', 'pass'],
      ['no-hang', 'pass'],
    ]);
    expect(v.reasons).to.deep.equal([]);
  });

  it('an empty history is error, every class and check too', () => {
    const v = check(
      history().build(),
      scenario({ button: retryWithin(15_000) }, { checks: [{ check: 'no-traceback' }] }),
    );
    expect(v.verdict).to.equal('error');
    expect(v.reasons).to.deep.equal(['empty history: nothing was recorded for b1']);
    expect(v.classes.map((c) => [c.class, c.verdict])).to.deep.equal([['button', 'error']]);
    expect(v.checks.map((c) => [c.check, c.verdict])).to.deep.equal([
      ['no-traceback', 'error'],
      ['no-hang', 'error'],
    ]);
  });

  it('a history holding only another board’s ops is empty for this board', () => {
    const h = history().other('b2', (o) => o.msg('button', 'x-1', 10, { at: [10.1] }));
    expect(check(h.build(), scenario({ button: drop() })).verdict).to.equal('error');
  });

  it('a board that never got ready is error, with the reason', () => {
    const h = history().mqtt(-1, 'connecting');
    const v = check(h.build({ notReady: 'no agent hello within 10s' }), scenario({ button: drop() }));
    expect(v.verdict).to.equal('error');
    expect(v.reasons).to.deep.equal(['board b1 never got ready: no agent hello within 10s']);
  });

  it('a board that went around its proxy is error on every part, never pass', () => {
    const h = history().mqtt(-1, 'connected');
    const v = check(
      h.build({
        notReady: 'board b1 connects to the broker directly',
        offProxy: { proxy: '127.0.0.1:21001', from: '127.0.0.1:40112' },
      }),
      scenario({ button: drop() }, { checks: [{ check: 'reconnects-within', within: 10_000 }] }),
    );
    expect(v.verdict).to.equal('error');
    expect(v.findings.map((f) => f.kind)).to.deep.equal(['off-proxy']);
    expect(v.reasons[0]).to.match(
      /^board b1 connects to the broker directly, not through its proxy at 127\.0\.0\.1:21001/,
    );
    for (const part of [...v.classes, ...v.checks]) expect(part.verdict).to.equal('error');
  });

  it('a class with a policy but no emits is error, never pass', () => {
    const h = history().msg('button', 'b-1', 10, { at: [10.1] });
    const v = check(h.build(), scenario({ button: drop(), alarm: mustDeliver() }));
    expect(v.classes.map((c) => [c.class, c.verdict])).to.deep.equal([
      ['button', 'pass'],
      ['alarm', 'error'],
    ]);
    expect(v.classes[1]?.reasons).to.deep.equal(['no alarm message was emitted: nothing to judge']);
    expect(v.verdict).to.equal('error');
  });

  it('a failing class outranks an error one', () => {
    const h = history().msg('button', 'b-1', 10, { noticed: null });
    expect(check(h.build(), scenario({ button: drop(), alarm: mustDeliver() })).verdict).to.equal('fail');
  });

  it('traffic of a class without a policy is error; an unknown id in it fails', () => {
    const h = history()
      .msg('button', 'b-1', 10, { at: [10.1] })
      .msg('extra', 'e-1', 10, { at: [10.1] });
    const v = check(h.build(), scenario({ button: drop() }));
    expect(v.classes[1]).to.include({ class: 'extra', policy: 'none', verdict: 'error', emitted: 1 });
    h.delivered(11, 'ghost-1', { cls: 'ghost' });
    const w = check(h.build(), scenario({ button: drop() }));
    expect(w.classes[2]).to.include({ class: 'ghost', policy: 'none', verdict: 'fail', emitted: 0 });
    expect(w.verdict).to.equal('fail');
  });

  it('a scenario with no policies and no checks has nothing to judge', () => {
    const v = check(history().serial(1, 'hi').build(), scenario({}));
    expect(v.verdict).to.equal('error');
    expect(v.reasons).to.deep.equal(['nothing to judge: the scenario has no policies and no checks']);
  });

  it('a fault the runner could not perform makes the board error, with its reason', () => {
    const h = history()
      .msg('button', 'b-1', 10, { at: [10.1] })
      .error(8, 'wifi-outage: board has no agent wifi control');
    const v = check(h.build(), scenario({ button: drop() }));
    expect(v.verdict).to.equal('error');
    expect(v.reasons).to.deep.equal([
      'the runner could not go on at 8.00s: wifi-outage: board has no agent wifi control',
    ]);
  });

  it('a reboot the board never comes back from fails; one with no boot at all is error', () => {
    const back = history()
      .msg('button', 'b-1', 10, { at: [10.1] })
      .reboot(30, null);
    const v = check(back.build(), scenario({ button: drop() }));
    expect(v.verdict).to.equal('fail');
    expect(v.reasons).to.deep.equal([
      'restarted after the reboot at 30.00s but never reconnected to the broker',
    ]);
    const dead = history()
      .msg('button', 'b-1', 10, { at: [10.1] })
      .push({ t: 30_000, kind: 'fault', board: 'b1', fault: 'reboot', phase: 'start', down: false });
    expect(check(dead.build(), scenario({ button: drop() })).verdict).to.equal('error');
  });

  it('a fault without an end is error: the link would excuse everything after it', () => {
    const h = history()
      .msg('button', 'b-1', 10, { at: [10.1] })
      .fault(20, undefined);
    const v = check(h.build(), scenario({ button: drop() }));
    expect(v.verdict).to.equal('error');
    expect(v.reasons[0]).to.match(/wifi-outage started at 20.00s and never ended/);
  });

  it('a policy checker that throws makes its class error, never pass', () => {
    const h = history().msg('button', 'b-1', 10, { at: [10.1] });
    const bogus = { policy: 'eventually' } as unknown as PolicySpec;
    const v = check(h.build(), scenario({ button: bogus }));
    expect(v.classes[0]?.verdict).to.equal('error');
    expect(v.classes[0]?.reasons[0]).to.match(/checker failed/);
  });

  it('an agent error is shown but does not decide', () => {
    const h = history()
      .msg('button', 'b-1', 10, { at: [10.1] })
      .push({ t: 12_000, kind: 'agent-error', board: 'b1', msg: 'unknown class' });
    const v = check(h.build(), scenario({ button: drop() }));
    expect(v.verdict).to.equal('pass');
    expect(v.reasons).to.deep.equal(['agent error at 12.00s: unknown class']);
  });

  it('reads ops in time order, whatever order they were appended in', () => {
    const h = history();
    h.delivered(27.4, 'b-1', { cls: 'button' });
    h.msg('button', 'b-1', 10, {});
    const v = check(h.build(), scenario({ button: retryWithin(15_000) }));
    expect(v.classes[0]).to.include({ verdict: 'fail', late: 1, delivered: 1 });
  });
});
