import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import mqtt from 'mqtt';
import { EmbeddedBroker } from '../../harness/broker/embedded.js';
import { type BrokerRecord, formatRecord, type RefusedRecord } from '../../harness/broker/records.js';
import { check } from '../../harness/checker/index.js';
import { freePort } from '../../harness/network/free-port.js';
import { planScenario } from '../../harness/scenario/plan.js';
import { openRack, type RackServices } from '../../harness/scenario/rack.js';
import { runScenario, type ScenarioRun } from '../../harness/scenario/runner.js';
import type { MqttLogin, RackSpec, ScenarioSpec } from '../../harness/spec/types.js';
import { boards, scenario } from '../unit/config-helpers.js';
import { mpyBoard, needLibraries } from './micropython-support.js';
import { board, endAll } from './toxiproxy-helpers.js';

/** The CONNACK return code an mqtt.js client is refused with (it connects: undefined). */
async function refusedWith(url: string, opts: mqtt.IClientOptions): Promise<number | undefined> {
  const client = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 5000, ...opts });
  try {
    return await new Promise<number | undefined>((resolve, reject) => {
      client.once('connect', () => resolve(undefined));
      client.once('error', (err: Error & { code?: unknown }) =>
        typeof err.code === 'number' ? resolve(err.code) : reject(err),
      );
    });
  } finally {
    await client.endAsync(true).catch(() => {});
  }
}

describe('per-board MQTT logins on the embedded broker (aedes authenticate)', function () {
  this.timeout(20_000);
  const records: BrokerRecord[] = [];
  let broker: EmbeddedBroker;
  let url: string;

  before(async () => {
    broker = await EmbeddedBroker.start({
      logins: new Map<string, MqttLogin>([['hil-a', { username: 'a-user', password: 'a-pass' }]]),
    });
    broker.onRecord((r) => records.push(r));
    url = `mqtt://${broker.upstream}`;
  });
  after(() => broker?.close());

  it("lets a board's client in with its login, and hil's own with the run's login", async () => {
    expect(broker.hilLogin?.password).to.have.length.greaterThan(20);
    const clients = [
      await board(url, { clientId: 'hil-a', username: 'a-user', password: 'a-pass' }),
      await board(url, { clientId: 'hil-observer-1', ...broker.hilLogin }),
    ];
    expect(broker.connectedClientIds().sort()).to.deep.equal(['hil-a', 'hil-observer-1']);
    await endAll(clients);
  });

  it('refuses everything else, and records why (never the password)', async () => {
    records.length = 0;
    expect(await refusedWith(url, { clientId: 'hil-a', username: 'a-user', password: 'nope' })).to.equal(4);
    expect(await refusedWith(url, { clientId: 'hil-a' })).to.equal(4);
    expect(await refusedWith(url, { clientId: 'hil-a', username: 'b-user', password: 'a-pass' })).to.equal(4);
    // A board's client may not use hil's login; a stranger gets nothing, with or without one.
    expect(await refusedWith(url, { clientId: 'hil-a', ...broker.hilLogin })).to.equal(4);
    expect(await refusedWith(url, { clientId: 'stranger' })).to.equal(5);
    expect(await refusedWith(url, { clientId: 'stranger', username: 'a-user', password: 'a-pass' })).to.equal(
      5,
    );
    const refused = records.filter((r): r is RefusedRecord => r.kind === 'refused');
    const lines = refused.map((r) => formatRecord(r, r.t).replace(/from 127\.0\.0\.1:\d+/, 'from HOST'));
    expect(lines).to.deep.equal([
      '0.000s refused hil-a from HOST: CONNACK 4, bad username or password: wrong password for username "a-user"',
      '0.000s refused hil-a from HOST: CONNACK 4, bad username or password: no username given (boards.yml gives "a-user")',
      '0.000s refused hil-a from HOST: CONNACK 4, bad username or password: username "b-user" is not this board\'s ("a-user" in boards.yml)',
      `0.000s refused hil-a from HOST: CONNACK 4, bad username or password: username "${broker.hilLogin?.username}" is not this board's ("a-user" in boards.yml)`,
      '0.000s refused stranger from HOST: CONNACK 5, not authorized: client id "stranger" is none of the rack\'s boards, and not hil\'s own client',
      '0.000s refused stranger from HOST: CONNACK 5, not authorized: client id "stranger" is none of the rack\'s boards, and not hil\'s own client',
    ]);
    expect(JSON.stringify(records)).not.to.include('a-pass');
    expect(records.filter((r) => r.kind === 'connect')).to.deep.equal([]);
  });

  it('without logins anyone on loopback connects, as before', async () => {
    const open = await EmbeddedBroker.start();
    try {
      expect(open.hilLogin).to.equal(undefined);
      await endAll([await board(`mqtt://${open.upstream}`, { clientId: 'anyone' })]);
    } finally {
      await open.close();
    }
  });
});

const SCENARIO = `name: logins
duration: 3s
drain: 1s
traffic:
  - { class: telemetry, every: 1s }
policies:
  telemetry: drop
`;

describe('per-board logins on the virtual rack: a board with the wrong password is error, the others pass', function () {
  this.timeout(120_000);
  const ENV = 'HIL_TEST_MQTT_PASSWORD';
  let dir: string;
  let services: RackServices;
  let run: ScenarioRun;
  let sc: ScenarioSpec;
  let startedMs: number;

  before(async function () {
    needLibraries(this, 'simple');
    process.env[ENV] = 'from-the-environment';
    dir = await mkdtemp(join(tmpdir(), 'hil-logins-'));
    const parsed = boards(`defaults:
  mqtt: { username: rack, password-env: ${ENV} }
boards:
  - { id: v-ok, virtual: { model: robust } }
  - id: v-bad
    virtual: { model: simple }
    mqtt: { username: v-bad, password: right-password }
`).value!;
    const mpy = { ...mpyBoard('mpy-ok', 'simple'), mqtt: parsed.boards[0]!.mqtt! };
    const rack: RackSpec = {
      ...parsed,
      boards: [...parsed.boards, mpy],
      broker: { listen: { host: '127.0.0.1', port: 0 } },
      toxiproxy: { url: `http://127.0.0.1:${await freePort()}`, manage: true },
    };
    services = await openRack(rack);
    // The broker holds boards.yml's logins; v-bad's firmware is told (and presents) another password.
    const told: RackSpec = {
      ...rack,
      boards: rack.boards.map((b) =>
        b.id === 'v-bad' ? { ...b, mqtt: { ...b.mqtt!, password: 'wrong-password' } } : b,
      ),
    };
    sc = scenario(SCENARIO).value!;
    startedMs = performance.now();
    run = await runScenario({
      plan: planScenario(told, sc),
      services,
      dir,
      runId: 't',
      epoch: 1,
      readyTimeoutMs: 30_000,
    });
  });

  after(async () => {
    delete process.env[ENV];
    await services?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('the board with the wrong password is not ready, at once, and says so; its broker.log shows the refusal', async () => {
    const h = run.histories.find((x) => x.board === 'v-bad')!;
    expect(h.notReady).to.match(
      /^board v-bad: the broker refused its MQTT login \(CONNACK 4, bad username or password: wrong password for username "v-bad"\); check mqtt at boards\.yml:7 and that its firmware uses the username and password of its config$/,
    );
    expect(check(h, sc).verdict).to.equal('error');
    // Told by the refusal, not by the 30 s ready timeout.
    expect(performance.now() - startedMs).to.be.below(30_000);
    const log = await readFile(join(dir, 'v-bad', 'broker.log'), 'utf8');
    expect(log).to.match(
      /^setup refused hil-v-bad from 127\.0\.0\.1:\d+: CONNACK 4, bad username or password: wrong password for username "v-bad"$/m,
    );
  });

  it('the boards with their login (virtual and real MicroPython umqtt.simple) connect and pass', () => {
    for (const id of ['v-ok', 'mpy-ok']) {
      const h = run.histories.find((x) => x.board === id)!;
      expect(h.notReady, id).to.equal(undefined);
      const v = check(h, sc);
      expect(v.verdict, `${id}: ${v.reasons.join('; ')}`).to.equal('pass');
    }
    expect(run.errors).to.deep.equal([]);
  });

  it('no file of the run holds a password', async () => {
    for (const id of ['v-ok', 'v-bad', 'mpy-ok'])
      for (const f of ['serial.log', 'broker.log', 'history.jsonl', 'history.json']) {
        const text = await readFile(join(dir, id, f), 'utf8');
        for (const secret of ['from-the-environment', 'right-password', 'wrong-password'])
          expect(text, `${id}/${f}`).not.to.include(secret);
      }
  });
});
