import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { check } from '../../harness/checker/index.js';
import { opsOf } from '../../harness/history/ops.js';
import { freePort } from '../../harness/network/free-port.js';
import { consoleTable } from '../../harness/report/console-table.js';
import { summaryJson } from '../../harness/report/summary-json.js';
import { exitCode } from '../../harness/run/exit-code.js';
import { planScenario } from '../../harness/scenario/plan.js';
import { openRack } from '../../harness/scenario/rack.js';
import { runScenario, type ScenarioRun } from '../../harness/scenario/runner.js';
import { EXIT } from '../../harness/spec/errors.js';
import type { RackSpec } from '../../harness/spec/types.js';
import {
  type FakeBoard,
  type NativeUsbBoard,
  startFakeBoard,
  startNativeUsbBoard,
} from '../fixtures/board/fake-board.js';
import { testBoard } from '../fixtures/board/test-board.js';
import { scenario } from '../unit/config-helpers.js';
import { resultOf, runOf } from '../unit/report-fixtures.js';

/**
 * Issue 14's inputs where the board's own answer decides the verdict, end to end: `hil run` as a
 * function (runSuite) on fake agents on PTYs with real mqtt.js clients, real Toxiproxy and aedes,
 * loopback only. One scenario, three boards:
 *   no-wlan     its app never took hil_net.wlan(agent): answers `wifi` with error
 *   no-reset    no machine.reset on its port: answers `reset` with error
 *   native-usb  its USB serial device goes away at the reset and comes back at the same path
 * The first two are `error` (the test was not carried out), never pass and never fail; the
 * native-USB board passes, as hil waits for its port, reopens it and sees the new boot. A port
 * that never comes back is `error` for that board alone.
 */
describe('truth inputs end to end (fake agents on PTYs, real Toxiproxy and aedes)', function () {
  this.timeout(90_000);
  let dir: string;
  const fakes: Array<FakeBoard | NativeUsbBoard> = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hil-truth-'));
  });
  after(async () => {
    for (const f of fakes.splice(0)) await f.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('a refused wifi op and a refused reset are error, with why; a port back after the reset passes', async () => {
    const noWlan = await startFakeBoard({ board: 'no-wlan', mqtt: 'config', refuse: ['wifi'] });
    fakes.push(noWlan);
    const noReset = await startFakeBoard({ board: 'no-reset', mqtt: 'config', refuse: ['reset'] });
    fakes.push(noReset);
    const usb = await startNativeUsbBoard({ board: 'native-usb', mqtt: 'config', dir, goneMs: 1500 });
    fakes.push(usb);
    // runScenario, not runSuite: the preflight would (rightly) find socat holding each PTY.
    const rack: RackSpec = {
      file: 'test',
      broker: { listen: { host: '127.0.0.1', port: 0 } },
      toxiproxy: { url: `http://127.0.0.1:${await freePort()}`, manage: true },
      boards: [
        testBoard('no-wlan', { kind: 'serial-path', path: noWlan.path }),
        testBoard('no-reset', { kind: 'serial-path', path: noReset.path }),
        testBoard('native-usb', { kind: 'serial-path', path: usb.path }),
      ],
    };
    const sc = scenario(`name: truth
duration: 6s
drain: 1s
traffic:
  - { class: telemetry, every: 1s }
faults:
  - { at: 1s, boards: { ids: [no-wlan] }, wifi-outage: { for: 3s } }
  - { at: 1s, boards: { ids: [no-reset, native-usb] }, reboot: {} }
policies:
  telemetry: drop
checks: [reconnects-within: 5s]
`).value!;
    const services = await openRack(rack);
    let ran: ScenarioRun;
    try {
      ran = await runScenario({ plan: planScenario(rack, sc), services, dir, runId: 't', epoch: 1 });
    } finally {
      await services.close();
    }
    const results = new Map(ran.histories.map((h) => [h.board, resultOf(h, check(h, sc), sc)]));
    const run = runOf([...results.values()]);
    const ctx = `\n${consoleTable(run, { color: false })}`;
    if (process.env.HIL_DEBUG) process.stderr.write(ctx);
    const summary = summaryJson(run);
    expect(summary.verdict, ctx).to.equal('error');
    expect(
      summary.results.map((r) => [r.board, r.verdict, r.failed]),
      ctx,
    ).to.deep.equal([
      ['no-wlan', 'error', 'rack'],
      ['no-reset', 'error', 'rack'],
      ['native-usb', 'pass', undefined],
    ]);
    expect(exitCode(run)).to.equal(EXIT.rackFailed);
    expect(consoleTable(run, { color: false })).to.include('Who failed: rack (error, not carried out) 2');

    // (a) wifi: agent, the agent answered the wifi op with error: not an outage, and its answer is the reason.
    const a = results.get('no-wlan')!;
    expect(a.history.notReady, ctx).to.equal(undefined);
    const refusedWifi =
      'the agent answered the wifi op with error: cannot do {"op":"wifi","up":false}: ValueError(\'unknown op\')';
    expect(opsOf(a.history, 'confirm').map((c) => [c.fault, c.confirmed, c.seen])).to.deep.equal([
      ['wifi-outage', false, refusedWifi],
    ]);
    const esc = (t: string) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    expect(a.verdict.reasons[0]).to.match(
      new RegExp(
        `^wifi-outage at 1\\.\\d\\ds was not seen to act \\(${esc(refusedWifi)}\\): the test was not carried out$`,
      ),
    );
    // What rests on the outage is error; no-hang does not, and passes.
    expect(a.verdict.classes.map((x) => x.verdict)).to.deep.equal(['error']);
    expect(a.verdict.checks.find((x) => x.check === 'reconnects-within')?.verdict).to.equal('error');

    // (c) reboot, the agent answered reset with error: not recorded as done; error naming the fault and what was not seen.
    const c = results.get('no-reset')!;
    expect(c.history.notReady, ctx).to.equal(undefined);
    const refusedReset = `the agent answered the reset op with error: cannot do {"op":"reset"}: ImportError("no module named 'machine'")`;
    expect(opsOf(c.history, 'confirm').map((x) => [x.fault, x.confirmed, x.seen])).to.deep.equal([
      ['reboot', false, refusedReset],
    ]);
    expect(opsOf(c.history, 'boot')).to.have.length(0);
    expect(c.verdict.reasons.join('\n')).to.match(
      /^reboot at 1\.\d\ds was not seen to act \(the agent answered the reset op with error: /m,
    );
    expect(c.verdict.checks.find((x) => x.check === 'reconnects-within')?.verdict).to.equal('error');

    // (3) the native-USB board: its port went away at the reset and came back at the same path
    // 1.5 s later; hil waited, reopened it, and its hello found the new boot: judged as any reboot.
    await usb.back;
    const u = results.get('native-usb')!;
    expect(u.history.notReady, ctx).to.equal(undefined);
    expect(opsOf(u.history, 'error'), 'no runner error').to.deep.equal([]);
    const away = opsOf(u.history, 'port-away');
    const back = opsOf(u.history, 'port-back');
    expect(away, 'away once').to.have.length(1);
    expect(back, 'back once').to.have.length(1);
    expect(away[0]!.msg).to.match(
      /native-usb: serial port .*ttyACM-native-usb went away: .*waiting up to 10 s/,
    );
    expect(back[0]!.at).to.equal(usb.path);
    expect(back[0]!.awayMs).to.be.at.least(1400);
    expect(back[0]!.t).to.be.closeTo(away[0]!.t + back[0]!.awayMs, 50);
    const reboot = opsOf(u.history, 'fault').find((f) => f.fault === 'reboot')!;
    expect(away[0]!.t).to.be.greaterThan(reboot.t);
    // The new boot is seen once the port is back (the hello it then sends), and confirms the reboot.
    const boots = opsOf(u.history, 'boot');
    expect(boots.map((b) => b.reason)).to.deep.equal(['hello']);
    expect(boots[0]!.t).to.be.at.least(back[0]!.t);
    expect(boots[0]!.t - boots[0]!.unseenMs!).to.be.closeTo(away[0]!.t, 1);
    const confirms = opsOf(u.history, 'confirm');
    expect(confirms.map((c) => [c.fault, c.confirmed])).to.deep.equal([['reboot', true]]);
    expect(confirms[0]!.seen).to.match(
      /^the board booted again \d+ ms after the reset \(hello; its serial port was away for \d+ ms\)$/,
    );
    expect(u.verdict.verdict, ctx).to.equal('pass');
    expect(u.verdict.checks.find((x) => x.check === 'reconnects-within')?.verdict).to.equal('pass');
    expect(u.verdict.classes.map((x) => x.verdict)).to.deep.equal(['pass']);
  });

  it('a port that never comes back is error for that board alone, naming its path and the bound', async () => {
    const steady = await startFakeBoard({ board: 'steady', mqtt: 'config' });
    fakes.push(steady);
    const gone = await startNativeUsbBoard({ board: 'unplugged', mqtt: 'config', dir, goneMs: Infinity });
    fakes.push(gone);
    const rack: RackSpec = {
      file: 'test',
      broker: { listen: { host: '127.0.0.1', port: 0 } },
      toxiproxy: { url: `http://127.0.0.1:${await freePort()}`, manage: true },
      boards: [
        testBoard('steady', { kind: 'serial-path', path: steady.path }),
        testBoard('unplugged', { kind: 'serial-path', path: gone.path }),
      ],
    };
    // Long enough for the 10 s bound to pass inside the run.
    const sc = scenario(`name: unplug
duration: 11s
drain: 1s
traffic:
  - { class: telemetry, at: [1s, 2s, 3s] }
faults:
  - { at: 500ms, boards: { ids: [unplugged] }, reboot: {} }
policies:
  telemetry: drop
`).value!;
    const services = await openRack(rack);
    let ran: ScenarioRun;
    try {
      ran = await runScenario({ plan: planScenario(rack, sc), services, dir, runId: 't2', epoch: 2 });
    } finally {
      await services.close();
    }
    const results = new Map(ran.histories.map((h) => [h.board, resultOf(h, check(h, sc), sc)]));
    const run = runOf([...results.values()]);
    const ctx = `\n${consoleTable(run, { color: false })}`;
    if (process.env.HIL_DEBUG) process.stderr.write(ctx);
    expect(
      summaryJson(run).results.map((r) => [r.board, r.verdict, r.failed]),
      ctx,
    ).to.deep.equal([
      ['steady', 'pass', undefined],
      ['unplugged', 'error', 'rack'],
    ]);
    expect(exitCode(run)).to.equal(EXIT.rackFailed);

    const u = results.get('unplugged')!;
    const away = opsOf(u.history, 'port-away');
    expect(away, 'away once').to.have.length(1);
    expect(opsOf(u.history, 'port-back')).to.deep.equal([]);
    const lost = opsOf(u.history, 'error').filter((e) => e.gone);
    expect(lost, 'gone once').to.have.length(1);
    expect(lost[0]!.msg).to.equal(
      `unplugged: serial port went away (${away[0]!.msg.replace(/^.*went away: (.*); waiting.*$/, '$1')}) and did not come back within 10 s at ${gone.path} (USB cable unplugged or board lost power? plug it back and rerun)`,
    );
    expect(lost[0]!.t - away[0]!.t).to.be.within(10_000, 11_000);
    // The reboot's boot could not be seen: not confirmed, saying why; judged error, never fail.
    expect(opsOf(u.history, 'confirm').map((c) => [c.fault, c.confirmed, c.seen])).to.deep.equal([
      ['reboot', false, `no new boot seen: the serial line went away: ${lost[0]!.msg}`],
    ]);
    const said = u.verdict.reasons.join('\n');
    expect(said).to.include(`did not come back within 10 s at ${gone.path}`);
    // Stimuli that waited for the port and never got it are unsent, with why.
    expect(opsOf(u.history, 'emit').map((e) => e.unsent)).to.deep.equal([
      lost[0]!.msg,
      lost[0]!.msg,
      lost[0]!.msg,
    ]);
  });
});
