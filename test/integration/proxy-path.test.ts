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
 * A board must come through its proxy (fake agents on PTYs with a real mqtt.js client, real
 * Toxiproxy and aedes, loopback only).
 */
describe('a board must come through its proxy (fake agent, real Toxiproxy and aedes)', function () {
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

  it('a board that ignores the config address and connects straight to the broker is error, before any fault', async () => {
    await rackWith((broker) => broker);
    const run = await runScenario({
      plan: planScenario(rack, SCENARIO),
      services,
      dir,
      runId: 't',
      epoch: 1,
    });
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

  it('the same board taking the config address comes through its proxy and is judged', async () => {
    await rackWith(() => 'config');
    const run = await runScenario({
      plan: planScenario(rack, SCENARIO),
      services,
      dir,
      runId: 't',
      epoch: 1,
    });
    const h = run.histories[0]!;
    expect(h.offProxy).to.equal(undefined);
    expect(h.notReady).to.equal(undefined);
    expect(opsOf(h, 'fault').map((f) => [f.fault, f.phase])).to.deep.equal([
      ['wifi-outage', 'start'],
      ['wifi-outage', 'end'],
    ]);
  });
});
