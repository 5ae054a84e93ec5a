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
 * Each is `error` (the test was not carried out, or hil's own trouble), never pass and never fail.
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

  it('a refused wifi op, a refused reset and a port gone at the reset are each error, with why', async () => {
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
      ['native-usb', 'error', 'rack'],
    ]);
    expect(exitCode(run)).to.equal(EXIT.rackFailed);
    expect(consoleTable(run, { color: false })).to.include('Who failed: rack (error, not carried out) 3');

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

    // (3) the native-USB board: its port went away at the reset and came back at the same path;
    // the broker saw it reconnect, hil (which does not reopen it yet) never saw it again: error, not fail.
    await usb.back;
    const u = results.get('native-usb')!;
    expect(u.history.notReady, ctx).to.equal(undefined);
    const gone = opsOf(u.history, 'error').filter((e) => e.gone);
    expect(gone, 'the serial line gone').to.have.length(1);
    const clientConnects = opsOf(u.history, 'client').filter(
      (x) => x.event === 'connect' && x.clientId === 'hil-native-usb' && x.t > gone[0]!.t,
    );
    expect(clientConnects.length, 'the broker saw the board back').to.be.greaterThan(0);
    expect(u.verdict.verdict).to.equal('error');
    for (const part of [...u.verdict.classes, ...u.verdict.checks]) expect(part.verdict).to.not.equal('fail');
    const said = [...u.verdict.reasons, ...u.verdict.checks.flatMap((x) => x.reasons)].join('\n');
    expect(said).to.not.match(/never reconnected|no outage in this scenario|reset method may not work/);
    expect(said).to.match(/serial line gone/);
    expect(said).to.match(/the serial line went away at [0-9.]+s \(.*\), after the reboot at [0-9.]+s/);
  });
});
