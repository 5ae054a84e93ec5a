import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import type { MqttClient } from 'mqtt';
import { boardTopics, ExternalObserver } from '../../harness/broker/external.js';
import { openBroker } from '../../harness/broker/open.js';
import { isDelivery, type PublishRecord } from '../../harness/broker/records.js';
import { freePort } from '../../harness/network/free-port.js';
import { HilError } from '../../harness/spec/errors.js';
import { board, endAll, eventOf, Recorder } from './toxiproxy-helpers.js';

const MOSQUITTO = '/usr/sbin/mosquitto';

/** Debian's mosquitto on a free loopback port, anonymous, no persistence; resolves once it runs. */
async function startMosquitto(dir: string): Promise<{ child: ChildProcess; port: number }> {
  let last = '';
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const conf = join(dir, 'mosquitto.conf');
    await writeFile(
      conf,
      [`listener ${port} 127.0.0.1`, 'allow_anonymous true', 'persistence false', 'log_dest stderr', ''].join(
        '\n',
      ),
    );
    const child = spawn(MOSQUITTO, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
    const outcome = await new Promise<string>((resolve) => {
      let text = '';
      child.stderr?.setEncoding('utf8');
      child.stderr?.on('data', (chunk: string) => {
        text += chunk;
        if (/mosquitto version \S+ running/.test(text)) resolve('running');
      });
      child.once('exit', (code) => resolve(`exited ${code}: ${text.trim()}`));
    });
    if (outcome === 'running') return { child, port };
    last = outcome;
  }
  throw new Error(`mosquitto did not start: ${last}`);
}

describe('external broker mode against mosquitto', function () {
  this.timeout(20_000);
  let dir: string;
  let mosquitto: ChildProcess | undefined;
  let url: string;
  let observer: ExternalObserver;
  let rec: Recorder;
  const clients: MqttClient[] = [];
  const observers: ExternalObserver[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hil-mosquitto-'));
    const started = await startMosquitto(dir);
    mosquitto = started.child;
    url = `mqtt://127.0.0.1:${started.port}`;
    observer = await ExternalObserver.connect({ url, topics: boardTopics(['ext-1', 'ext-2']) });
    observers.push(observer);
    rec = new Recorder(observer);
  });

  after(async () => {
    rec?.stop();
    await endAll(clients);
    await Promise.all(observers.map((o) => o.close()));
    if (mosquitto && mosquitto.exitCode === null) {
      const gone = eventOf(mosquitto, 'exit');
      mosquitto.kill('SIGTERM');
      await gone;
    }
    await rm(dir, { recursive: true, force: true });
  });

  it('records what boards publish on their topics, saying it cannot know the client', async () => {
    expect(observer.kind).to.equal('external');
    expect(observer.upstream).to.equal(url.replace('mqtt://', ''));
    const ext1 = await board(url, { clientId: 'ext-1' });
    clients.push(ext1);
    await ext1.publishAsync('elsewhere/x', '{"id":"not-ours"}', { qos: 1 });
    await ext1.publishAsync('hil/ext-1/button', '{"id":"ext-1-button-1"}', { qos: 1 });
    const got = await rec.next<PublishRecord>(
      (r) => isDelivery(r) && r.id === 'ext-1-button-1',
      'the button',
    );
    expect(got).to.include({
      origin: 'client',
      via: 'subscription',
      topic: 'hil/ext-1/button',
      qos: 1,
      retain: false,
    });
    expect(got.clientId).to.equal(undefined);
    // mosquitto forwards to one subscriber in order: had it matched, not-ours would be here by now.
    expect(rec.records.some((r) => r.kind === 'publish' && r.id === 'not-ours')).to.equal(false);
  });

  it('keeps retained re-sends and its own commands apart from deliveries', async () => {
    const ext2 = await board(url, { clientId: 'ext-2' });
    clients.push(ext2);
    await ext2.publishAsync('hil/ext-2/state', '{"id":"ext-2-state-1"}', { qos: 1, retain: true });
    const live = await rec.next<PublishRecord>(
      (r) => r.kind === 'publish' && r.id === 'ext-2-state-1',
      'live copy',
    );
    expect(live.origin).to.equal('client');

    // A second observer subscribing later gets the stored copy: a re-send, not a delivery.
    const late = await ExternalObserver.connect({ url, topics: boardTopics(['ext-2']) });
    observers.push(late);
    const lateRec = new Recorder(late);
    const resent = await lateRec.next<PublishRecord>(
      (r) => r.kind === 'publish' && r.id === 'ext-2-state-1',
      'resend',
    );
    expect(resent).to.include({ origin: 'retained', retain: true });
    expect(isDelivery(resent)).to.equal(false);
    lateRec.stop();

    await ext2.subscribeAsync('hil/ext-2/cmd/#', { qos: 1 });
    const command = eventOf<[string, Buffer]>(ext2, 'message');
    const route = await observer.sendCommand(
      'ext-2',
      'hil/ext-2/cmd/command',
      '{"id":"ext-2-command-1","seq":1}',
      1,
    );
    // Another broker's sessions are not ours to see: where it went is unknown.
    expect(route).to.include({ to: 'unknown', held: false });
    const [topic] = await command;
    expect(topic).to.equal('hil/ext-2/cmd/command');
    const own = await rec.next<PublishRecord>(
      (r) => r.kind === 'publish' && r.id === 'ext-2-command-1',
      'own',
    );
    expect(own.origin).to.equal('observer');
  });

  it('cannot stop an external broker or see its sessions, and says so', async () => {
    expect(await observer.subscriptionState()).to.equal('unknown');
    const err = await observer.outage().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(HilError);
    expect((err as HilError).message).to.include('mode: refuse');
  });

  it('openBroker picks the external observer when broker.url is set', async () => {
    const opened = await openBroker({ listen: { host: '127.0.0.1', port: 0 }, url }, { boardIds: ['ext-1'] });
    try {
      expect(opened.kind).to.equal('external');
      expect(opened.running).to.equal(true);
    } finally {
      await opened.close();
    }
  });

  it('a broker that does not answer fails with HIL_E_BROKER', async () => {
    const port = await freePort();
    const err = await ExternalObserver.connect({
      url: `mqtt://127.0.0.1:${port}`,
      topics: ['hil/#'],
      timeoutMs: 1000,
    }).then(
      (o) => o.close(),
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(HilError);
    expect((err as HilError).code).to.equal('HIL_E_BROKER');
  });
});
