import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { check } from '../../harness/checker/index.js';
import { opsOf } from '../../harness/history/ops.js';
import { freePort } from '../../harness/network/free-port.js';
import { planScenario } from '../../harness/scenario/plan.js';
import { openRack } from '../../harness/scenario/rack.js';
import { runScenario } from '../../harness/scenario/runner.js';
import type { RackSpec } from '../../harness/spec/types.js';
import { boards, scenario } from '../unit/config-helpers.js';

describe('a fault counts when its effect is seen (virtual rack, real Toxiproxy and aedes)', function () {
  this.timeout(90_000);

  it('reset_peer on an idle connection (sim-robust, no keepalive) never fires: error, not pass', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hil-confirm-'));
    const rack: RackSpec = {
      ...boards(`boards:
  - { id: sim-robust, virtual: { model: robust }, tags: [virtual] }
`).value!,
      broker: { listen: { host: '127.0.0.1', port: 0 } },
      toxiproxy: { url: `http://127.0.0.1:${await freePort()}`, manage: true },
    };
    const sc = scenario(`name: idle-reset
duration: 12s
drain: 1s
traffic:
  - { class: button, at: [1s] }
faults:
  - { at: 2s, reset: {} }
policies:
  button: { retry-within: 5s }
checks: [reconnects-within: 10s]
`).value!;
    const services = await openRack(rack);
    try {
      const run = await runScenario({ plan: planScenario(rack, sc), services, dir, runId: 't', epoch: 1 });
      const h = run.histories[0]!;
      expect(opsOf(h, 'confirm').map((c) => [c.fault, c.confirmed, c.seen])).to.deep.equal([
        ['reset', false, 'not seen to fire within 10000 ms (no bytes through the proxy?)'],
      ]);
      const v = check(h, sc);
      expect(v.verdict).to.equal('error');
      expect(v.reasons.join('\n')).to.match(/^reset at 2\.\d\ds was not seen to act \(not seen to fire/);
      expect(v.checks.find((c) => c.check === 'reconnects-within')?.verdict).to.equal('error');
    } finally {
      await services.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
