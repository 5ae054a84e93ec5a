import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'chai';
import { Cleanup, emit, is, startBoard, TestBroker } from './sim-support.js';

describe('sim model simple (umqtt.simple)', function () {
  this.timeout(20_000);
  const cleanup = new Cleanup();
  afterEach(() => cleanup.run());

  it('loses the message in hand and everything after a WiFi drop: it never reconnects', async () => {
    const broker = await TestBroker.start();
    cleanup.add(() => broker.close());
    const b = await startBoard(cleanup, broker, 'sim-simple', 'simple');
    emit(b, 'telemetry', 't-1');
    await broker.waitFor(() => broker.copies('t-1')[0], 5000, 't-1 delivered');

    const from = b.line.mark();
    b.line.send({ op: 'wifi', up: false });
    await b.line.waitFor(is('net', { state: 'down' }), 5000, 'net down', from);
    // A lost socket says nothing until written to: the publish of t-2 raises EHOSTUNREACH.
    emit(b, 'telemetry', 't-2');
    const lost = await b.line.waitFor(is('dropped', { id: 't-2' }), 5000, 't-2 dropped', from);
    expect((lost.ev as { why: string }).why).to.match(/EHOSTUNREACH/);
    await b.line.waitFor(is('mqtt', { state: 'disconnected' }), 5000, 'simple notices the dead socket', from);
    b.line.send({ op: 'wifi', up: true });
    await b.line.waitFor(is('net', { state: 'up' }), 5000, 'net up', from);
    emit(b, 'telemetry', 't-3');
    const dropped = await b.line.waitFor(is('dropped', { id: 't-3' }), 5000, 't-3 dropped', from);
    expect((dropped.ev as { why: string }).why).to.match(/OSError/);
    // A reconnecting library would try at once; simple makes no attempt at all.
    await sleep(2000);
    expect(b.line.has(is('mqtt', { state: 'connecting' }), from), 'a reconnect attempt').to.equal(false);
    expect(b.line.has(is('published', { id: 't-2' })) || b.line.has(is('published', { id: 't-3' }))).to.equal(
      false,
    );
    expect(broker.copies('t-2')).to.have.length(0);
    expect(broker.copies('t-3')).to.have.length(0);
    expect(broker.conns.filter((c) => c.clientId === 'sim-simple')).to.have.length(1);
  });
});
