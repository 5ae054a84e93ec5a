import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { freeLowPort, freePort } from '../../harness/network/free-port.js';
import { planScenario } from '../../harness/scenario/plan.js';
import { openRack, type RackServices } from '../../harness/scenario/rack.js';
import { runScenario } from '../../harness/scenario/runner.js';
import type { RackSpec } from '../../harness/spec/types.js';
import { boards, scenario } from '../unit/config-helpers.js';

const MODELS = ['simple', 'robust', 'robust2', 'resilient'];

describe('bring-up: 12 virtual boards, two at a time', function () {
  this.timeout(120_000);
  let dir: string;
  let services: RackServices | undefined;

  after(async () => {
    await services?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('gets every board ready and connected', async () => {
    dir = await mkdtemp(join(tmpdir(), 'hil-bring-up-'));
    const list = Array.from(
      { length: 12 },
      (_, i) => `  - { id: b${i}, virtual: { model: ${MODELS[i % 4]} } }`,
    );
    const rack: RackSpec = {
      ...boards(`boards:\n${list.join('\n')}\n`).value!,
      broker: { listen: { host: '127.0.0.1', port: 0 } },
      toxiproxy: { url: `http://127.0.0.1:${await freePort()}`, manage: true },
    };
    const sc = scenario(`name: bring-up
duration: 2s
drain: 1s
traffic:
  - { class: telemetry, every: 1s }
policies:
  telemetry: drop
`).value!;
    services = await openRack(rack);
    const seen: Array<[string, number]> = [];
    const run = await runScenario({
      plan: planScenario(rack, sc),
      services,
      dir,
      runId: 'test',
      epoch: 1,
      startConcurrency: 2,
      progressEveryMs: 100,
      onProgress: (p) => seen.push([p.phase, p.elapsedMs]),
    });
    // The phase follows the clock: the drain is from the 2 s end of the timeline on, not from its last event (1 s).
    expect(seen.filter(([p, ms]) => p === 'timeline' && ms >= 2000)).to.deep.equal([]);
    expect(seen.filter(([p, ms]) => p === 'drain' && ms < 2000)).to.deep.equal([]);
    expect(seen.some(([p]) => p === 'drain')).to.equal(true);
    expect(run.histories.map((h) => [h.board, h.notReady])).to.deep.equal(
      Array.from({ length: 12 }, (_, i) => [`b${i}`, undefined]),
    );
    for (const h of run.histories)
      expect(
        h.ops.some((op) => op.kind === 'mqtt' && op.state === 'connected'),
        h.board,
      ).to.equal(true);
  });

  it('does not wait out the timeline and drain when no board came up', async function () {
    // A 90 s plan: the test's own timeout fails it long before, should the run wait.
    this.timeout(30_000);
    const gone = await mkdtemp(join(tmpdir(), 'hil-no-board-'));
    const listen = `127.0.0.1:${await freeLowPort()}`;
    const rack: RackSpec = {
      ...boards(`boards:\n  - { id: gone-01, serial: /dev/hil-no-such-port, listen: "${listen}" }\n`).value!,
      broker: { listen: { host: '127.0.0.1', port: 0 } },
      toxiproxy: { url: `http://127.0.0.1:${await freePort()}`, manage: true },
    };
    const sc = scenario(`name: nobody
duration: 60s
drain: 30s
traffic:
  - { class: telemetry, every: 1s }
policies:
  telemetry: drop
faults:
  - { at: 10s, wifi-outage: { for: 5s } }
`).value!;
    const own = await openRack(rack);
    const phases = new Set<string>();
    try {
      const run = await runScenario({
        plan: planScenario(rack, sc),
        services: own,
        dir: gone,
        runId: 'test',
        epoch: 1,
        onProgress: (p) => phases.add(p.phase),
      });
      expect(run.histories.map((h) => h.board)).to.deep.equal(['gone-01']);
      expect(run.histories[0]?.notReady).to.match(/cannot open serial port \/dev\/hil-no-such-port/);
      expect([...phases]).to.not.include('drain');
    } finally {
      await own.close();
      await rm(gone, { recursive: true, force: true });
    }
  });
});
