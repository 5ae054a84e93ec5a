import { connect } from 'node:net';
import { expect } from 'chai';
import mqtt, { type IConnackPacket, type MqttClient } from 'mqtt';
import { EmbeddedBroker } from '../../harness/broker/embedded.js';
import type { BrokerStateRecord, DisconnectRecord } from '../../harness/broker/records.js';
import { HilError } from '../../harness/errors.js';
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
    expect(await broker.hasSubscription('keeper', TOPIC)).to.equal(false);

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
