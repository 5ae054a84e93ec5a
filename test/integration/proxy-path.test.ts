import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import type { EmbeddedBroker } from '../../harness/broker/embedded.js';
import { check } from '../../harness/checker/index.js';
import { opsOf } from '../../harness/history/ops.js';
import { freePort } from '../../harness/network/free-port.js';
import { planScenario } from '../../harness/scenario/plan.js';
import { openRack, type RackServices } from '../../harness/scenario/rack.js';
import { runScenario } from '../../harness/scenario/runner.js';
import type { RackSpec } from '../../harness/spec/types.js';
import { type FakeBoard, startFakeBoard } from '../fixtures/board/fake-board.js';
import { testBoard } from '../fixtures/board/test-board.js';
import { scenario } from '../unit/config-helpers.js';

const SCENARIO = scenario(`name: through-proxy
duration: 3s
drain: 1s
traffic:
  - { class: button, at: [1s] }
faults:
  - { at: 1s, wifi-outage: { for: 1s } }
policies:
  button: drop
checks: [reconnects-within: 10s]
`).value!;

/**
 * A board must come through its proxy, and a board that dies mid-run is not a pass on what was
 * sent (fake agents on PTYs with a real mqtt.js client, real Toxiproxy and aedes, loopback only).
 */
describe('fake-agent boards on the real rack (Toxiproxy, aedes): through their proxy, and dying mid-run', function () {
  this.timeout(60_000);
  let services: RackServices;
  let rack: RackSpec;
  let dir: string;
  const fakes: FakeBoard[] = [];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hil-proxy-path-'));
  });
  afterEach(async () => {
    for (const f of fakes.splice(0)) await f.stop();
    await services?.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function rackWith(mqtt: (broker: string) => string): Promise<RackSpec> {
    rack = {
      file: 'test',
      broker: { listen: { host: '127.0.0.1', port: 0 } },
      toxiproxy: { url: `http://127.0.0.1:${await freePort()}`, manage: true },
      boards: [],
    };
    services = await openRack(rack);
    const fake = await startFakeBoard({
      board: 'fake-1',
      mqtt: mqtt(`127.0.0.1:${(services.broker as EmbeddedBroker).address.port}`),
    });
    fakes.push(fake);
    rack.boards = [testBoard('fake-1', { kind: 'serial-path', path: fake.path })];
    return rack;
  }

  /** Runs `sc` (default the through-proxy scenario) on the rack `rackWith` made. */
  function runOnRack(sc = SCENARIO, opts: Partial<Parameters<typeof runScenario>[0]> = {}) {
    return runScenario({ plan: planScenario(rack, sc), services, dir, runId: 't', epoch: 1, ...opts });
  }

  it('a board that ignores the config address and connects straight to the broker is error, before any fault', async () => {
    await rackWith((broker) => broker);
    const run = await runOnRack();
    const h = run.histories[0]!;
    expect(h.offProxy?.proxy).to.match(/^127\.0\.0\.1:\d+$/);
    expect(h.offProxy?.from).to.match(/^127\.0\.0\.1:\d+$/);
    // No fault was made on it.
    expect(opsOf(h, 'fault')).to.deep.equal([]);
    const v = check(h, SCENARIO);
    expect(v.verdict).to.equal('error');
    expect(v.reasons).to.have.length(1);
    expect(v.reasons[0]).to.match(
      /^board fake-1 connects to the broker directly, not through its proxy at 127\.0\.0\.1:\d+ \(the broker saw it come from 127\.0\.0\.1:\d+\)/,
    );
    for (const part of [...v.classes, ...v.checks]) expect(part.verdict).to.equal('error');
    // broker.log says where the connect came from.
    const log = await readFile(join(dir, 'fake-1', 'broker.log'), 'utf8');
    expect(log).to.match(/^setup connect hil-fake-1 clean=true from 127\.0\.0\.1:\d+$/m);
  });

  it('a board that never connects: bring-up says what the agent said meanwhile, not "no mqtt event"', async () => {
    // Nothing listens on port 9 of loopback: the fake's mqtt.js retries every 500 ms.
    await rackWith(() => '127.0.0.1:9');
    const run = await runOnRack(SCENARIO, { readyTimeoutMs: 3000 });
    // Its agent answered, so the health check reset it through the agent once, and checked again.
    expect(run.histories[0]?.notReady).to.match(
      /^not healthy after 1 reset \(agent\): fake-1: no mqtt connected within 3000 ms of its config \(to 127\.0\.0\.1:\d+\); seen: [3-9] × connecting, last at [23]\.\d s$/,
    );
  });

  it('a board that dies mid-run: the stimuli not sent make its class error, not a pass on the sent ones', async () => {
    await rackWith(() => 'config');
    const sc = scenario(`name: dies
duration: 4s
drain: 1s
traffic:
  - { class: button, every: 500ms }
policies:
  button: drop
`).value!;
    // The board's process and its PTY go away about 1.5 s after t = 0.
    const run = await runOnRack(sc, {
      onProgress: (p) => {
        if (p.phase === 'timeline' && p.elapsedMs >= 1500) void fakes[0]?.stop();
      },
      progressEveryMs: 250,
    });
    const h = run.histories[0]!;
    const unsent = opsOf(h, 'emit').filter((e) => e.unsent !== undefined);
    expect(unsent.length).to.be.greaterThan(2);
    const c = check(h, sc).classes[0]!;
    expect(c.verdict).to.equal('error');
    expect(c.reasons.join('\n')).to.match(
      /^\d+ of 7 button messages never sent from \d+\.\d\ds \(.*\): judged on the \d+ sent only$/m,
    );
  });

  it('the same board taking the config address comes through its proxy and is judged', async () => {
    await rackWith(() => 'config');
    const run = await runOnRack();
    const h = run.histories[0]!;
    expect(h.offProxy).to.equal(undefined);
    expect(h.notReady).to.equal(undefined);
    expect(opsOf(h, 'fault').map((f) => [f.fault, f.phase])).to.deep.equal([
      ['wifi-outage', 'start'],
      ['wifi-outage', 'end'],
    ]);
  });
});
