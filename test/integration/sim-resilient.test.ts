import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'chai';
import { Cleanup, emit, freshBrokerEachTest, is, startBoard, type TestBroker } from './sim-support.js';

describe('sim model resilient (mqtt_as-style reference firmware)', function () {
  this.timeout(40_000);
  const cleanup = new Cleanup();
  let broker: TestBroker;
  freshBrokerEachTest(cleanup, (b) => {
    broker = b;
  });

  it('delivers every message and command exactly once after a 10 s outage (default options)', async () => {
    const b = await startBoard(cleanup, broker, 'sim-res', 'resilient');
    emit(b, 'alarm', 'a-0');
    await b.line.waitFor(is('published', { id: 'a-0' }), 5000, 'a-0 acknowledged');

    const from = b.line.mark();
    b.line.send({ op: 'wifi', up: false });
    await b.line.waitFor(is('mqtt', { state: 'disconnected' }), 5000, 'resilient notices', from);
    // The outage: one alarm a second for 10 s, and a command sent to the board meanwhile.
    const ids: string[] = [];
    for (let i = 1; i <= 10; i++) {
      ids.push(`a-${i}`);
      emit(b, 'alarm', `a-${i}`);
      if (i === 5) await broker.command('hil/sim-res/cmd/command', { id: 'c-1', seq: 1, epoch: 7 }, 1);
      await sleep(1000);
    }
    // Each alarm was noticed at once: the app is never blocked.
    for (const id of ids) expect(b.line.has(is('emitted', { id }), from), id).to.equal(true);
    // No broker attempt while the interface is down (the battery's friend).
    expect(b.line.has(is('mqtt', { state: 'connecting' }), from)).to.equal(false);

    b.line.send({ op: 'wifi', up: true });
    for (const id of ids) await b.line.waitFor(is('published', { id }), 10_000, `${id} acknowledged`, from);
    await b.line.waitFor(is('received', { id: 'c-1' }), 5000, 'c-1 received', from);
    for (const id of ['a-0', ...ids]) expect(broker.copies(id), id).to.have.length(1);
    expect(b.line.events.filter((h) => is('received', { id: 'c-1' })(h.ev))).to.have.length(1);
    const order = broker.seen.filter((s) => s.id?.startsWith('a-')).map((s) => s.id);
    expect(order).to.deep.equal(['a-0', ...ids]);
  });

  it('drops a queued message once its class deadline has passed, keeps the others', async () => {
    const b = await startBoard(cleanup, broker, 'sim-res-dl', 'resilient', { 'reconnect-delay': '200ms' });
    let from = b.line.mark();
    b.line.send({
      op: 'config',
      broker: `127.0.0.1:${broker.port}`,
      topic: 'hil/sim-res-dl',
      client_id: 'sim-res-dl',
      deadlines: { button: 500 },
    });
    await b.line.waitFor(is('mqtt', { state: 'connected' }), 5000, 'connected with deadlines', from);
    from = b.line.mark();
    b.line.send({ op: 'wifi', up: false });
    await b.line.waitFor(is('mqtt', { state: 'disconnected' }), 5000, 'resilient notices', from);
    emit(b, 'button', 'b-1');
    emit(b, 'alarm', 'a-1');
    const dropped = await b.line.waitFor(is('dropped', { id: 'b-1' }), 5000, 'b-1 dropped', from);
    expect((dropped.ev as { why: string }).why).to.match(/deadline/);
    b.line.send({ op: 'wifi', up: true });
    await b.line.waitFor(is('published', { id: 'a-1' }), 5000, 'a-1 acknowledged', from);
    expect(broker.copies('b-1')).to.have.length(0);
    expect(broker.copies('a-1')).to.have.length(1);
  });

  it('gets the commands queued for its session while away, right behind the CONNACK', async () => {
    const b = await startBoard(cleanup, broker, 'sim-res-queued', 'resilient', { keepalive: '1s' });
    const from = b.line.mark();
    const dropped = new Promise<void>((resolve) =>
      broker.aedes.on('clientDisconnect', (c) => c.id === 'sim-res-queued' && resolve()),
    );
    b.line.send({ op: 'wifi', up: false });
    // The broker drops the silent connection by its keepalive; the commands wait in the session.
    await dropped;
    for (let seq = 1; seq <= 3; seq++)
      await broker.command('hil/sim-res-queued/cmd/command', { id: `q-${seq}`, seq, epoch: 1 }, 1);
    b.line.send({ op: 'wifi', up: true });
    for (let seq = 1; seq <= 3; seq++)
      await b.line.waitFor(is('received', { id: `q-${seq}` }), 5000, `q-${seq} received`, from);
  });

  it('ignores a command delivered twice (dedup by id)', async () => {
    const b = await startBoard(cleanup, broker, 'sim-res-dup', 'resilient');
    const from = b.line.mark();
    await broker.command('hil/sim-res-dup/cmd/command', { id: 'c-9', seq: 9, epoch: 1 }, 1);
    await broker.command('hil/sim-res-dup/cmd/command', { id: 'c-9', seq: 9, epoch: 1 }, 1);
    await broker.command('hil/sim-res-dup/cmd/command', { id: 'c-10', seq: 10, epoch: 1 }, 1);
    await b.line.waitFor(is('received', { id: 'c-10' }), 5000, 'c-10 received', from);
    expect(b.line.events.filter((h) => is('received', { id: 'c-9' })(h.ev))).to.have.length(1);
  });
});
