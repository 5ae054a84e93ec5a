import { duplexPair } from 'node:stream';
import { expect } from 'chai';
import { type IClientOptions, MqttClient } from 'mqtt';
import { EmbeddedBroker } from '../../harness/broker/embedded.js';
import { AedesObserver } from '../../harness/broker/observer.js';
import {
  type BrokerRecord,
  type ConnectRecord,
  type DisconnectRecord,
  formatRecord,
  isDelivery,
  type PublishRecord,
  payloadId,
  topicMatches,
} from '../../harness/broker/records.js';
import { board, endAll, eventOf, Recorder, until } from './toxiproxy-helpers.js';

const isPublish = (r: BrokerRecord): r is PublishRecord => r.kind === 'publish';

describe('broker observer fed an in-memory stream pair (aedes)', function () {
  this.timeout(15_000);
  let observer: AedesObserver;
  const records: BrokerRecord[] = [];
  const clients: MqttClient[] = [];

  /** Two in-memory ends that close together, as a socket's do. */
  function socketPair() {
    const [clientSide, brokerSide] = duplexPair();
    clientSide.once('close', () => brokerSide.destroy());
    brokerSide.once('close', () => clientSide.destroy());
    return [clientSide, brokerSide] as const;
  }

  /** An mqtt.js client on one end of a duplex pair, the observer on the other: no sockets. */
  async function pairClient(options: IClientOptions): Promise<MqttClient> {
    const [clientSide, brokerSide] = socketPair();
    observer.handle(brokerSide);
    const client = new MqttClient(() => clientSide, { reconnectPeriod: 0, keepalive: 0, ...options });
    client.on('error', () => {});
    clients.push(client);
    await eventOf(client, 'connect');
    return client;
  }

  async function next(match: (r: BrokerRecord) => boolean, what: string, ms = 2000): Promise<BrokerRecord> {
    const found = await until(() => records.find(match), what, ms);
    return found;
  }

  beforeEach(async () => {
    records.length = 0;
    observer = await AedesObserver.create({ onRecord: (r) => records.push(r) });
  });

  afterEach(async () => {
    await endAll(clients.splice(0));
    await observer.close();
  });

  it('records a client PUBLISH with time, client id, topic, QoS, flags and payload id', async () => {
    const before = performance.now();
    const client = await pairClient({ clientId: 'board-1', clean: true });
    const connect = (await next((r) => r.kind === 'connect', 'connect')) as ConnectRecord;
    expect(connect).to.include({ clientId: 'board-1', clean: true });

    await client.publishAsync('hil/board-1/button', JSON.stringify({ id: 'board-1-button-1', n: 1 }), {
      qos: 1,
    });
    await client.publishAsync('hil/board-1/alarm', '{"id":"board-1-alarm-1"}', { qos: 1, dup: true });
    await client.publishAsync('hil/board-1/raw', 'not json', { qos: 0 });
    // PUBACK goes out before aedes routes the message: wait for the third record.
    await until(() => (records.filter(isDelivery).length === 3 ? true : undefined), 'three deliveries');
    // Time order: a QoS 1 message is routed (and recorded) after its PUBACK, so records may come a little out of order.
    const deliveries = records.filter(isDelivery).sort((a, b) => a.t - b.t);
    expect(deliveries.map((d) => [d.topic, d.qos, d.dup, d.retain, d.id, d.clientId, d.via])).to.deep.equal([
      ['hil/board-1/button', 1, false, false, 'board-1-button-1', 'board-1', 'broker'],
      ['hil/board-1/alarm', 1, true, false, 'board-1-alarm-1', 'board-1', 'broker'],
      ['hil/board-1/raw', 0, false, false, undefined, 'board-1', 'broker'],
    ]);
    expect(deliveries[0]?.t).to.be.within(before, performance.now());
    expect(deliveries[2]?.payload).to.equal('not json');
    expect(formatRecord(deliveries[0] as PublishRecord, before)).to.match(
      /^\d+\.\d{3}s publish client board-1 hil\/board-1\/button \[qos1\] id=board-1-button-1 /,
    );
  });

  it('keeps $SYS, wills and retained re-sends apart from deliveries', async () => {
    await pairClient({ clientId: 'sys-watch' });
    const sys = await next((r) => isPublish(r) && r.topic.startsWith('$SYS/'), '$SYS');
    expect(sys).to.include({ origin: 'sys' });
    expect(isDelivery(sys)).to.equal(false);

    // A retained message counts once, when its publisher sends it ...
    const publisher = await pairClient({ clientId: 'retainer' });
    await publisher.publishAsync('hil/r/state', '{"id":"r-1"}', { qos: 1, retain: true });
    await next((r) => isDelivery(r) && r.id === 'r-1', 'the retained publish');
    const late = await pairClient({ clientId: 'late-subscriber' });
    const got = eventOf<[string, Buffer, { retain: boolean }]>(late, 'message');
    await late.subscribeAsync('hil/r/#', { qos: 1 });
    const [, payload, packet] = await got;
    // ... not when the broker re-sends it to a new subscriber.
    expect(payload.toString()).to.equal('{"id":"r-1"}');
    expect(packet.retain).to.equal(true);
    const copies = records.filter((r) => isDelivery(r) && r.id === 'r-1');
    expect(copies).to.have.length(1);
    expect(copies[0]).to.include({ retain: true, clientId: 'retainer' });

    // A will is the broker speaking for a client that vanished.
    const [clientSide, brokerSide] = socketPair();
    observer.handle(brokerSide);
    const doomed = new MqttClient(() => clientSide, {
      clientId: 'doomed',
      reconnectPeriod: 0,
      will: { topic: 'hil/doomed/status', payload: Buffer.from('{"id":"w-1"}'), qos: 1, retain: false },
    });
    doomed.on('error', () => {});
    await eventOf(doomed, 'connect');
    clientSide.destroy();
    const will = await next((r) => isPublish(r) && r.id === 'w-1', 'the will');
    expect(will).to.include({ origin: 'will', topic: 'hil/doomed/status' });
    expect(isDelivery(will)).to.equal(false);
    const gone = (await next(
      (r) => r.kind === 'disconnect' && r.clientId === 'doomed',
      'disconnect',
    )) as DisconnectRecord;
    expect(gone.clientId).to.equal('doomed');
    doomed.end(true);
  });

  it('publishes down commands, recorded as its own, and knows who has a session for them', async () => {
    const online = await pairClient({ clientId: 'cmd-online', clean: true });
    await online.subscribeAsync('hil/cmd-online/cmd/#', { qos: 1 });
    const persistent = await pairClient({ clientId: 'cmd-away', clean: false });
    await persistent.subscribeAsync('hil/cmd-away/cmd/#', { qos: 1 });
    await persistent.endAsync();
    await next((r) => r.kind === 'disconnect' && r.clientId === 'cmd-away', 'cmd-away gone');

    const got = eventOf<[string, Buffer]>(online, 'message');
    await observer.publish('hil/cmd-online/cmd/command', '{"id":"c-1","seq":1}', 1);
    const [topic, payload] = await got;
    expect(topic).to.equal('hil/cmd-online/cmd/command');
    expect(JSON.parse(payload.toString())).to.deep.equal({ id: 'c-1', seq: 1 });
    const own = records.find((r) => isPublish(r) && r.id === 'c-1');
    expect(own).to.include({ origin: 'observer', qos: 1 });
    expect(isDelivery(own as BrokerRecord)).to.equal(false);

    expect(await observer.subscriptionState('cmd-online', 'hil/cmd-online/cmd/command')).to.equal('online');
    expect(await observer.subscriptionState('cmd-away', 'hil/cmd-away/cmd/command')).to.equal('offline');
    expect(await observer.subscriptionState('cmd-online', 'hil/other/cmd/command')).to.equal('none');
    expect(await observer.subscriptionState('nobody', 'hil/cmd-away/cmd/command')).to.equal('none');
  });

  it('says why the broker dropped a client when it knows (keepalive timeout)', async () => {
    const [clientSide, brokerSide] = socketPair();
    observer.handle(brokerSide);
    const client = new MqttClient(() => clientSide, { clientId: 'mute', reconnectPeriod: 0, keepalive: 1 });
    client.on('error', () => {});
    clients.push(client);
    await eventOf(client, 'connect');
    // A frozen board: it stops pinging and nothing it writes arrives; the broker gives up after 1.5 keepalives.
    client.keepaliveManager.destroy();
    clientSide.cork();
    const gone = (await next(
      (r) => r.kind === 'disconnect' && r.clientId === 'mute',
      'mute dropped',
      5000,
    )) as DisconnectRecord;
    expect(gone.reason).to.equal('keepalive timeout');
  });
});

describe('embedded broker on a TCP port', function () {
  this.timeout(15_000);
  let broker: EmbeddedBroker;
  let rec: Recorder;
  const clients: MqttClient[] = [];

  before(async () => {
    broker = await EmbeddedBroker.start();
    rec = new Recorder(broker);
  });

  after(async () => {
    rec?.stop();
    await endAll(clients);
    await broker?.close();
  });

  it('listens on the port the OS chose and records connects with their clean flag', async () => {
    expect(broker.address.port).to.be.greaterThan(0);
    expect(broker.upstream).to.equal(`127.0.0.1:${broker.address.port}`);
    const url = `mqtt://${broker.upstream}`;
    clients.push(await board(url, { clientId: 'tcp-clean', clean: true }));
    clients.push(await board(url, { clientId: 'tcp-kept', clean: false }));
    const clean = await rec.next<ConnectRecord>(
      (r) => r.kind === 'connect' && r.clientId === 'tcp-clean',
      'tcp-clean',
    );
    const kept = await rec.next<ConnectRecord>(
      (r) => r.kind === 'connect' && r.clientId === 'tcp-kept',
      'tcp-kept',
    );
    expect(clean.clean).to.equal(true);
    expect(kept.clean).to.equal(false);
    expect(broker.connectedClientIds().sort()).to.deep.equal(['tcp-clean', 'tcp-kept']);
  });
});

describe('broker record helpers', () => {
  it('matches MQTT topic filters, keeping $ topics out of wildcards', () => {
    expect(topicMatches('hil/+/cmd/#', 'hil/b1/cmd/command')).to.equal(true);
    expect(topicMatches('hil/+/cmd/#', 'hil/b1/cmd')).to.equal(true);
    expect(topicMatches('hil/+/cmd', 'hil/b1/cmd/x')).to.equal(false);
    expect(topicMatches('hil/b1/button', 'hil/b1/alarm')).to.equal(false);
    expect(topicMatches('#', '$SYS/x/heartbeat')).to.equal(false);
    expect(topicMatches('$SYS/#', '$SYS/x/heartbeat')).to.equal(true);
  });

  it('reads the string id of a JSON object payload, nothing else', () => {
    expect(payloadId(Buffer.from('{"id":"b-1","n":2}'))).to.equal('b-1');
    expect(payloadId('{"id":7}')).to.equal(undefined);
    expect(payloadId('{"id":')).to.equal(undefined);
    expect(payloadId('["id"]')).to.equal(undefined);
  });
});
