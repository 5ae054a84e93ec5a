import { connect } from 'node:net';
import { expect } from 'chai';
import mqtt, { type IConnackPacket, type MqttClient } from 'mqtt';
import { EmbeddedBroker } from '../../harness/broker/embedded.js';
import type { BrokerStateRecord, DisconnectRecord, ForgotRecord } from '../../harness/broker/records.js';
import { HilError } from '../../harness/spec/errors.js';
import { board, endAll, eventOf, Recorder } from './toxiproxy-helpers.js';

const TOPIC = 'hil/keeper/cmd/command';

function connectError(port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(undefined);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code));
  });
}

/** Reconnects the persistent client, collecting messages from the very first packet after CONNACK. */
async function reconnect(
  url: string,
  clients: MqttClient[],
): Promise<{ connack: IConnackPacket; ids: string[]; client: MqttClient }> {
  const ids: string[] = [];
  const client = mqtt.connect(url, { clientId: 'keeper', clean: false, reconnectPeriod: 0, keepalive: 60 });
  clients.push(client);
  client.on('error', () => {});
  client.on('message', (_topic, payload) => ids.push(JSON.parse(payload.toString()).id));
  const [connack] = await eventOf<[IConnackPacket]>(client, 'connect');
  return { connack, ids, client };
}

describe('embedded broker outages: stop keeps sessions, restart-clean loses them', function () {
  this.timeout(20_000);
  let broker: EmbeddedBroker;
  let rec: Recorder;
  let url: string;
  const clients: MqttClient[] = [];

  beforeEach(async () => {
    broker = await EmbeddedBroker.start();
    rec = new Recorder(broker);
    url = `mqtt://${broker.upstream}`;
    // A board with a persistent session subscribes to its commands, then goes away.
    const keeper = await board(url, { clientId: 'keeper', clean: false });
    await keeper.subscribeAsync('hil/keeper/cmd/#', { qos: 1 });
    await keeper.endAsync();
    await rec.next((r) => r.kind === 'disconnect' && r.clientId === 'keeper', 'keeper gone');
    // A QoS 1 command for it while it is away: queued in its session.
    await broker.publish(TOPIC, '{"id":"k-1"}', 1);
    expect(await broker.subscriptionState('keeper', TOPIC)).to.equal('offline');
  });

  afterEach(async () => {
    rec.stop();
    await endAll(clients.splice(0));
    await broker.close();
  });

  it('stop: connections closed and refused, publish fails; after the restart the queued message is delivered', async () => {
    const bystander = await board(url, { clientId: 'bystander' });
    clients.push(bystander);
    const port = broker.address.port;
    const closed = eventOf(bystander, 'close');

    const release = await broker.outage('stop');
    expect(broker.running).to.equal(false);
    await closed;
    const dropped = await rec.next<DisconnectRecord>(
      (r) => r.kind === 'disconnect' && r.clientId === 'bystander',
      'bystander dropped',
    );
    expect(dropped.reason).to.equal('broker stopped');
    expect(await connectError(port)).to.equal('ECONNREFUSED');
    const err = await broker.publish(TOPIC, '{"id":"k-lost"}', 1).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(HilError);
    expect((err as HilError).code).to.equal('HIL_E_BROKER');
    expect(await broker.subscriptionState('keeper', TOPIC)).to.equal('offline');

    await release();
    expect(broker.running).to.equal(true);
    expect(broker.address.port).to.equal(port);
    const states = rec.records.filter((r): r is BrokerStateRecord => r.kind === 'broker').map((r) => r.state);
    expect(states).to.deep.equal(['down', 'up']);

    const { connack, ids, client } = await reconnect(url, clients);
    expect(connack.sessionPresent).to.equal(true);
    if (!ids.includes('k-1')) await eventOf(client, 'message');
    expect(ids).to.deep.equal(['k-1']);
  });

  it('restart-clean: the session and its queued message are gone after the restart', async () => {
    // Two holders: the broker stays down until both let go, and clean wins.
    const releaseStop = await broker.outage('stop');
    const releaseClean = await broker.outage('restart-clean');
    await releaseStop();
    expect(broker.running).to.equal(false);
    await releaseClean();
    expect(broker.running).to.equal(true);
    const up = await rec.next<BrokerStateRecord>((r) => r.kind === 'broker' && r.state === 'up', 'broker up');
    expect(up.detail).to.include('sessions and queued messages lost');
    expect(await broker.subscriptionState('keeper', TOPIC)).to.equal('none');

    const { connack, ids, client } = await reconnect(url, clients);
    expect(connack.sessionPresent).to.equal(false);
    // Subscribe again and send a marker: the broker delivers in order, so k-1 would come first if it were kept.
    await client.subscribeAsync('hil/keeper/cmd/#', { qos: 1 });
    const marker = eventOf(client, 'message');
    await broker.publish(TOPIC, '{"id":"k-2"}', 1);
    await marker;
    expect(ids).to.deep.equal(['k-2']);
  });
});

describe('embedded broker: where a command goes, and who lost it', function () {
  this.timeout(20_000);
  let broker: EmbeddedBroker;
  let rec: Recorder;
  let url: string;
  const clients: MqttClient[] = [];
  const cmd = (board: string, id: string) =>
    [`hil-${board}`, `hil/${board}/cmd/command`, JSON.stringify({ id }), 1] as const;

  /** A board's client that subscribes to its commands at `qos`, then leaves (or stays with `stay`). */
  async function boardClient(name: string, clean: boolean, qos: 0 | 1, stay = false): Promise<MqttClient> {
    const c = await board(url, { clientId: `hil-${name}`, clean });
    await c.subscribeAsync(`hil/${name}/cmd/#`, { qos });
    if (stay) {
      clients.push(c);
      return c;
    }
    await c.endAsync();
    await rec.next((r) => r.kind === 'disconnect' && r.clientId === `hil-${name}`, `${name} gone`);
    return c;
  }

  beforeEach(async () => {
    broker = await EmbeddedBroker.start();
    rec = new Recorder(broker);
    url = `mqtt://${broker.upstream}`;
  });

  afterEach(async () => {
    rec.stop();
    await endAll(clients.splice(0));
    await broker.close();
  });

  it('says where each command went and, when nowhere, why', async () => {
    await boardClient('online', true, 1, true);
    await boardClient('kept', false, 1);
    await boardClient('clean', true, 1);
    await boardClient('qos0', false, 0);
    const bare = await board(url, { clientId: 'hil-bare', clean: false });
    clients.push(bare);

    const routes = {
      online: await broker.sendCommand(...cmd('online', 'c-1')),
      kept: await broker.sendCommand(...cmd('kept', 'c-2')),
      clean: await broker.sendCommand(...cmd('clean', 'c-3')),
      qos0: await broker.sendCommand(...cmd('qos0', 'c-4')),
      bare: await broker.sendCommand(...cmd('bare', 'c-5')),
      nobody: await broker.sendCommand(...cmd('nobody', 'c-6')),
    };
    const brief = Object.fromEntries(
      Object.entries(routes).map(([k, r]) => [
        k,
        `${r.to}${r.why ? ` ${r.why}` : ''}${r.held ? ' held' : ''}`,
      ]),
    );
    expect(brief).to.deep.equal({
      online: 'online',
      kept: 'offline',
      clean: 'none clean-session',
      qos0: 'none qos0-offline',
      bare: 'none not-subscribed',
      nobody: 'none never-connected',
    });
  });

  it('stop: a command sent while stopped is held, published before anyone can reconnect, and queued', async () => {
    await boardClient('kept', false, 1);
    const release = await broker.outage('stop');
    let settled = false;
    const route = broker.sendCommand(...cmd('kept', 'k-held')).finally(() => {
      settled = true;
    });
    // Still held: the broker is down. (An event to await would be the release itself.)
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).to.equal(false);
    await release();
    expect(await route).to.include({ to: 'offline', held: true });

    const got: string[] = [];
    const client = mqtt.connect(url, { clientId: 'hil-kept', clean: false, reconnectPeriod: 0 });
    clients.push(client);
    client.on('message', (_t, payload) => got.push(JSON.parse(payload.toString()).id));
    await eventOf(client, 'connect');
    if (got.length === 0) await eventOf(client, 'message');
    expect(got).to.deep.equal(['k-held']);
  });

  it('restart-clean: queued commands are recorded as forgotten, and later ones blame the lost session', async () => {
    await boardClient('kept', false, 1);
    await boardClient('clean', true, 1);
    expect(await broker.sendCommand(...cmd('kept', 'k-1'))).to.include({ to: 'offline' });
    expect(await broker.sendCommand(...cmd('kept', 'k-2'))).to.include({ to: 'offline' });

    const release = await broker.outage('restart-clean');
    const held = broker.sendCommand(...cmd('kept', 'k-3'));
    const heldClean = broker.sendCommand(...cmd('clean', 'c-1'));
    await release();
    const forgot = rec.records.filter((r): r is ForgotRecord => r.kind === 'forgot');
    expect(forgot.map((f) => [f.clientId, f.ids])).to.deep.equal([['hil-kept', ['k-1', 'k-2']]]);
    expect(forgot[0]?.detail).to.equal('queued in its session when the broker restarted clean');
    expect(await held).to.include({ to: 'none', why: 'session-lost', held: true });
    // A clean session would have kept nothing anyway: that is the board's doing.
    expect(await heldClean).to.include({ to: 'none', why: 'clean-session', held: true });
    expect(await broker.sendCommand(...cmd('kept', 'k-4'))).to.include({ to: 'none', why: 'session-lost' });

    // Once the board is back and subscribed again, commands reach it; the lost session is history.
    await boardClient('kept', false, 1, true);
    expect(await broker.sendCommand(...cmd('kept', 'k-5'))).to.include({ to: 'online', held: false });
  });

  it('a command held while stopped is refused with a clear error if the broker closes instead', async () => {
    await broker.outage('stop');
    const held = broker.sendCommand(...cmd('kept', 'k-1')).then(
      () => undefined,
      (e: unknown) => e,
    );
    await broker.close();
    const err = await held;
    expect(err).to.be.instanceOf(HilError);
    expect((err as HilError).message).to.include('the broker closed while stopped');
  });
});
