import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { freePort } from '../../harness/network/free-port.js';
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
    const run = await runScenario({
      plan: planScenario(rack, sc),
      services,
      dir,
      runId: 'test',
      epoch: 1,
      startConcurrency: 2,
    });
    expect(run.histories.map((h) => [h.board, h.notReady])).to.deep.equal(
      Array.from({ length: 12 }, (_, i) => [`b${i}`, undefined]),
    );
    for (const h of run.histories)
      expect(
        h.ops.some((op) => op.kind === 'mqtt' && op.state === 'connected'),
        h.board,
      ).to.equal(true);
  });
});
