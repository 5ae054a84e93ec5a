import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { check } from '../../harness/checker/index.js';
import type { History } from '../../harness/history/ops.js';
import { opsOf } from '../../harness/history/ops.js';
import { freePort } from '../../harness/network/free-port.js';
import { planScenario } from '../../harness/scenario/plan.js';
import { openRack, type RackServices } from '../../harness/scenario/rack.js';
import { runScenario } from '../../harness/scenario/runner.js';
import type { RackSpec, ScenarioSpec } from '../../harness/spec/types.js';
import { boards, scenario } from '../unit/config-helpers.js';

const SCENARIO = `name: runner-two-boards
duration: 14s
drain: 6s
traffic:
  - { class: telemetry, every: 2s }
  - { class: button, at: [2500ms, 7s] }
  - { class: command, direction: down, at: [3s, 11s] }
faults:
  - { at: 4s, wifi-outage: { for: 4s } }
  - { at: 10s, latency: { for: 2s, ms: 100 } }
policies:
  telemetry: drop
  button: { retry-within: 15s }
  command: must-deliver
checks: [no-reboot, no-traceback]
`;

async function testRack(): Promise<RackSpec> {
  const rack = boards(`boards:
  - { id: sim-robust, virtual: { model: robust }, tags: [virtual] }
  - { id: sim-resilient, virtual: { model: resilient }, tags: [virtual] }
`).value!;
  // A managed toxiproxy-server of this test's own on a free port; the broker on a free port too.
  return {
    ...rack,
    broker: { listen: { host: '127.0.0.1', port: 0 } },
    toxiproxy: { url: `http://127.0.0.1:${await freePort()}`, manage: true },
  };
}

describe('scenario runner on the virtual rack (real PTYs, toxiproxy-server, aedes)', function () {
  this.timeout(120_000);
  let dir: string;
  let services: RackServices;
  let rack: RackSpec;
  let sc: ScenarioSpec;
  let histories: History[];
  let lateness: Awaited<ReturnType<typeof runScenario>>['lateness'];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hil-runner-'));
    rack = await testRack();
    sc = scenario(SCENARIO).value!;
    services = await openRack(rack);
    const run = await runScenario({ plan: planScenario(rack, sc), services, dir, runId: 'test', epoch: 1 });
    expect(run.errors).to.deep.equal([]);
    histories = run.histories;
    lateness = run.lateness;
  });

  after(async () => {
    await services?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('gets every board ready and writes its files', async () => {
    expect(histories.map((h) => [h.board, h.notReady])).to.deep.equal([
      ['sim-robust', undefined],
      ['sim-resilient', undefined],
    ]);
    for (const h of histories) {
      for (const f of ['history.json', 'history.jsonl', 'serial.log', 'broker.log'])
        expect((await stat(join(dir, h.board, f))).size, f).to.be.greaterThan(0);
      const saved = JSON.parse(await readFile(join(dir, h.board, 'history.json'), 'utf8')) as History;
      expect(saved.ops.length).to.equal(h.ops.length);
    }
  });

  it('emits every stimulus once, at its time, with the run-unique id', () => {
    for (const h of histories) {
      const emits = opsOf(h, 'emit');
      expect(emits.filter((e) => e.direction === 'up').map((e) => e.id)).to.have.members([
        ...[1, 2, 3, 4, 5, 6].map((i) => `${h.board}-telemetry-${i}`),
        `${h.board}-button-1`,
        `${h.board}-button-2`,
      ]);
      for (const e of emits) expect(e.t).to.be.at.least(0);
    }
  });

  it('records deliveries that match what the boards accepted', () => {
    for (const h of histories) {
      const delivered = new Set(
        opsOf(h, 'delivered')
          .filter((d) => d.direction === 'up')
          .map((d) => d.id),
      );
      const accepted = new Set(opsOf(h, 'accepted').map((a) => a.id));
      const emitted = new Set(opsOf(h, 'emit').map((e) => e.id));
      for (const id of delivered) expect(emitted.has(id), `${id} delivered, never emitted`).to.equal(true);
      // Up to the library's own losses, everything accepted reached the broker.
      if (h.board === 'sim-resilient')
        expect([...accepted].filter((id) => !delivered.has(id))).to.deep.equal([]);
      expect(delivered.size).to.be.greaterThan(4);
    }
  });

  it('records each fault with its real start and end, and how late it was', () => {
    for (const h of histories) {
      const faults = opsOf(h, 'fault').map((f) => `${f.fault} ${f.phase} ${f.down}`);
      expect(faults).to.deep.equal([
        'wifi-outage start true',
        'wifi-outage end true',
        'latency start false',
        'latency end false',
      ]);
      const [start, end] = opsOf(h, 'fault');
      expect(start!.t).to.be.within(4000, 4500);
      expect(end!.t - start!.t).to.be.within(3900, 4600);
      expect(start).to.have.property('lateMs').that.is.a('number');
    }
    expect(lateness.faults.count).to.equal(4);
    // Each fault was seen to act: the agent's net down, the latency toxics listed.
    for (const h of histories)
      expect(opsOf(h, 'confirm').map((c) => `${c.fault} ${c.confirmed}`)).to.deep.equal([
        'wifi-outage true',
        'latency true',
      ]);
    expect(lateness.stimuli.count).to.be.greaterThan(10);
  });

  it('sees the WiFi outage on the board side (net down, then up) and the broker-side reconnect', () => {
    for (const h of histories) {
      const net = opsOf(h, 'net').map((n) => n.state);
      expect(net).to.include.members(['down', 'up']);
      expect(opsOf(h, 'client').filter((c) => c.event === 'connect').length).to.be.at.least(2);
    }
  });

  it('delivers down commands through the broker to the agent', () => {
    const resilient = histories.find((h) => h.board === 'sim-resilient')!;
    const got = opsOf(resilient, 'delivered')
      .filter((d) => d.direction === 'down')
      .map((d) => d.id);
    expect(got).to.include.members(['sim-resilient-command-1', 'sim-resilient-command-2']);
  });

  it('gives the checker histories it can judge: resilient passes', () => {
    const resilient = histories.find((h) => h.board === 'sim-resilient')!;
    const verdict = check(resilient, sc);
    expect(verdict.verdict, JSON.stringify(verdict, null, 1)).to.equal('pass');
  });

  it('leaves no toxic behind and closes every proxy connection at the end', async () => {
    for (const h of histories) {
      const proxy = await services.toxiproxy.client.ensureProxy({
        name: h.board,
        listen: { host: '127.0.0.1', port: 0 },
        upstream: services.broker.upstream,
      });
      expect(await proxy.toxicNames()).to.deep.equal([]);
    }
  });
});

describe('scenario runner on abort (Ctrl-C)', function () {
  this.timeout(60_000);

  it('heals the faults and writes what was recorded so far', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hil-abort-'));
    const rack = await testRack();
    const services = await openRack(rack);
    try {
      const sc = scenario(`name: abort
duration: 60s
traffic: [{ class: telemetry, every: 1s }]
faults: [{ at: 2s, latency: { for: 50s, ms: 10 } }]
policies: { telemetry: drop }
`).value!;
      const ac = new AbortController();
      const run = runScenario({
        plan: planScenario(rack, sc, { boardIds: ['sim-resilient'] }),
        services,
        dir,
        runId: 'abort',
        epoch: 1,
        signal: ac.signal,
        progressEveryMs: 200,
        // Abort once the fault is in place, as Ctrl-C would.
        onProgress: (p) => {
          if (p.boards[0]?.faults.includes('latency')) ac.abort();
        },
      });
      const result = await run;
      expect(result.aborted).to.equal(true);
      const h = result.histories[0]!;
      expect(opsOf(h, 'fault').map((f) => f.phase)).to.deep.equal(['start', 'end']);
      expect(opsOf(h, 'emit').length).to.be.within(1, 10);
      const saved = JSON.parse(await readFile(join(dir, 'sim-resilient', 'history.json'), 'utf8')) as History;
      expect(saved.ops.length).to.equal(h.ops.length);
      const proxy = await services.toxiproxy.client.ensureProxy({
        name: 'sim-resilient',
        listen: { host: '127.0.0.1', port: 0 },
        upstream: services.broker.upstream,
      });
      expect(await proxy.toxicNames()).to.deep.equal([]);
    } finally {
      await services.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
