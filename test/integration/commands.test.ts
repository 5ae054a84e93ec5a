import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { check } from '../../harness/checker/index.js';
import type { ClassVerdict } from '../../harness/checker/verdict.js';
import { type History, opsOf } from '../../harness/history/ops.js';
import { freePort } from '../../harness/network/free-port.js';
import { planScenario } from '../../harness/scenario/plan.js';
import { openRack } from '../../harness/scenario/rack.js';
import { runScenario } from '../../harness/scenario/runner.js';
import type { RackSpec, ScenarioSpec } from '../../harness/spec/types.js';
import { boards, scenario } from '../unit/config-helpers.js';

// The WiFi is down from 2.5 s to 22.5 s. A resilient board pings every second with a 4 s
// keepalive, so the broker lets it go about 6 s into the outage: commands at 4 s and 6 s go to
// a connection the broker still thinks alive, later ones find the board away.
const DURING = [4, 6, 10, 12, 14, 16, 18, 20];

const WIFI_OUTAGE = `name: commands-during-wifi-outage
duration: 30s
drain: 5s
traffic:
  - { class: command, direction: down, at: [1s, ${DURING.map((t) => `${t}s`).join(', ')}, 26s], qos: 1 }
faults:
  - { at: 2.5s, wifi-outage: { for: 20s } }
policies:
  command: { must-deliver: true, exactly-once: true }
`;

// The same outage, and the broker restarts clean in the middle of it: what it had queued for
// the away board (10 s, 12 s), what was sent while it was stopped (15 s) and what was sent
// after it came back but before the board did (18 s) are all the broker's loss.
const RESTART_CLEAN = `name: commands-lost-at-broker
duration: 30s
drain: 5s
traffic:
  - { class: command, direction: down, at: [1s, 10s, 12s, 15s, 18s, 26s], qos: 1 }
faults:
  - { at: 2.5s, wifi-outage: { for: 20s } }
  - { at: 13.5s, broker-outage: { for: 3s, mode: restart-clean } }
policies:
  command: must-deliver
`;

interface Run {
  histories: History[];
  sc: ScenarioSpec;
  dir: string;
}

/** Runs one scenario on its own rack (its own toxiproxy-server and broker on free ports). */
async function runOn(boardsYml: string, scenarioYml: string): Promise<Run> {
  const rack: RackSpec = {
    ...boards(boardsYml).value!,
    broker: { listen: { host: '127.0.0.1', port: 0 } },
    toxiproxy: { url: `http://127.0.0.1:${await freePort()}`, manage: true },
  };
  const parsed = scenario(scenarioYml);
  expect(parsed.diagnostics).to.deep.equal([]);
  const sc = parsed.value!;
  const dir = await mkdtemp(join(tmpdir(), 'hil-commands-'));
  const services = await openRack(rack);
  try {
    const run = await runScenario({ plan: planScenario(rack, sc), services, dir, runId: 'test', epoch: 7 });
    expect(run.errors).to.deep.equal([]);
    return { histories: run.histories, sc, dir };
  } finally {
    await services.close();
  }
}

const history = (run: Run, board: string) => run.histories.find((h) => h.board === board)!;
const commandVerdict = (run: Run, board: string): ClassVerdict =>
  check(history(run, board), run.sc).classes.find((c) => c.class === 'command')!;
const idAt = (board: string, i: number) => `${board}-command-${i}`;
function expectLine(v: ClassVerdict, re: RegExp): void {
  expect(
    v.reasons.some((r) => re.test(r)),
    `no reason matches ${re}:\n${v.reasons.join('\n')}`,
  ).to.equal(true);
}

/** Copies received per command id. */
function received(h: History): Map<string, number> {
  const copies = new Map<string, number>();
  for (const d of opsOf(h, 'delivered')) {
    if (d.direction === 'down') copies.set(d.id, (copies.get(d.id) ?? 0) + 1);
  }
  return copies;
}

describe('commands to boards during outages (real aedes, toxiproxy-server, virtual boards on PTYs)', function () {
  this.timeout(120_000);
  let outage: Run;
  let restart: Run;

  before(async () => {
    // Two racks side by side: a restart-clean is rack-wide and must not touch the other run.
    [outage, restart] = await Promise.all([
      runOn(
        `boards:
  - { id: sim-keeps, virtual: { model: resilient } }
  - { id: sim-clean, virtual: { model: resilient, clean-session: true } }
`,
        WIFI_OUTAGE,
      ),
      runOn(
        `boards:
  - { id: sim-keeps, virtual: { model: resilient } }
`,
        RESTART_CLEAN,
      ),
    ]);
  });

  after(async () => {
    for (const run of [outage, restart]) if (run) await rm(run.dir, { recursive: true, force: true });
  });

  it('a persistent-session board receives every command sent during a 20 s outage, once', () => {
    const h = history(outage, 'sim-keeps');
    const copies = received(h);
    // seq 1 before the outage, 2-9 during it, 10 after.
    for (let i = 1; i <= 10; i++) expect(copies.get(idAt('sim-keeps', i)), `seq ${i}`).to.equal(1);
    const got = opsOf(h, 'delivered').filter((d) => d.direction === 'down');
    expect(got.map((d) => d.seq)).to.have.members([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    // The ones sent while it was away arrive after the WiFi is back.
    const healed = opsOf(h, 'fault').find((f) => f.fault === 'wifi-outage' && f.phase === 'end')!.t;
    for (const d of got.filter((x) => x.seq !== undefined && x.seq >= 2 && x.seq <= 9)) {
      expect(d.t, `seq ${d.seq}`).to.be.greaterThan(healed);
    }
    const v = commandVerdict(outage, 'sim-keeps');
    expect(v).to.include({ verdict: 'pass', emitted: 10, delivered: 10, duplicates: 0 });
  });

  it('a clean-session board receives none of them, and the verdict says its clean session lost them', () => {
    const h = history(outage, 'sim-clean');
    const copies = received(h);
    expect(copies.get(idAt('sim-clean', 1))).to.equal(1);
    for (let i = 2; i <= 9; i++) expect(copies.has(idAt('sim-clean', i)), `seq ${i}`).to.equal(false);
    // Resilient resubscribes after every connect: it gets the command sent once it is back.
    expect(copies.get(idAt('sim-clean', 10))).to.equal(1);

    const v = commandVerdict(outage, 'sim-clean');
    expect(v).to.include({ verdict: 'fail', emitted: 10, delivered: 2, lost: 8 });
    // Once the broker has let the board go, it keeps nothing for a clean session.
    const routed = new Map(opsOf(h, 'routed').map((r) => [r.id, r]));
    const away = DURING.map((_, i) => idAt('sim-clean', i + 2)).filter((id) => routed.get(id)?.to === 'none');
    expect(away.length, 'commands routed after the broker let the board go').to.be.at.least(5);
    for (const id of away) {
      expect(routed.get(id)).to.include({ why: 'clean-session' });
      expect(v.reasons.find((r) => r.includes(`${id} `))).to.include(
        'the board was away and its session is clean, so nothing is kept for it',
      );
    }
    expect(v.reasons.join('\n')).to.not.include('lost at broker');
    expectLine(
      v,
      /^command seq 2-9 missing \(sent 4\.0\ds-20\.0\ds, during wifi-outage\);.* clean session: nothing kept/,
    );
  });

  it('a restart-clean loses the commands the broker held, and blames the broker', async () => {
    const h = history(restart, 'sim-keeps');
    const copies = received(h);
    expect(copies.get(idAt('sim-keeps', 1))).to.equal(1);
    expect(copies.get(idAt('sim-keeps', 6))).to.equal(1);
    for (let i = 2; i <= 5; i++) expect(copies.has(idAt('sim-keeps', i)), `seq ${i}`).to.equal(false);

    // What each loss rests on: queued then wiped, held through the stop, sent to a wiped session.
    const forgot = new Map(opsOf(h, 'broker-forgot').map((f) => [f.id, f.why]));
    expect(forgot.get(idAt('sim-keeps', 2))).to.equal(
      'queued in its session when the broker restarted clean',
    );
    expect(forgot.get(idAt('sim-keeps', 3))).to.equal(
      'queued in its session when the broker restarted clean',
    );
    const routed = new Map(opsOf(h, 'routed').map((r) => [r.id, r]));
    expect(routed.get(idAt('sim-keeps', 2))).to.include({ to: 'offline' });
    expect(routed.get(idAt('sim-keeps', 4))).to.include({ to: 'none', why: 'session-lost', held: true });
    expect(routed.get(idAt('sim-keeps', 5))).to.include({ to: 'none', why: 'session-lost' });
    expect(routed.get(idAt('sim-keeps', 5))).to.not.have.property('held');

    const v = commandVerdict(restart, 'sim-keeps');
    expect(v).to.include({ verdict: 'fail', emitted: 6, delivered: 2, lost: 4 });
    for (let i = 2; i <= 5; i++) {
      const line = v.reasons.find((r) => r.includes(`${idAt('sim-keeps', i)} `));
      expect(line, `seq ${i}`).to.include('never received: lost at broker (');
    }
    expect(v.reasons.find((r) => r.includes(idAt('sim-keeps', 4)))).to.include(
      '(the broker was down: published at 16.5',
    );
    expectLine(
      v,
      /^command seq 2-5 missing \(sent 10\.0\ds-18\.0\ds, during wifi-outage, broker-outage\); lost at broker$/,
    );
    const log = await readFile(join(restart.dir, 'sim-keeps', 'broker.log'), 'utf8');
    expect(log).to.match(/forgot hil-sim-keeps: sim-keeps-command-2, sim-keeps-command-3 \(queued/);
  });
});
