import { expect } from 'chai';
import { Cleanup, emit, freshBrokerEachTest, is, startBoard, type TestBroker } from './sim-support.js';

describe('sim model robust (umqtt.robust)', function () {
  this.timeout(20_000);
  const cleanup = new Cleanup();
  let broker: TestBroker;
  freshBrokerEachTest(cleanup, (b) => {
    broker = b;
  });

  it('blocks the app while it reconnects: a stimulus during the outage is noticed after it', async () => {
    const b = await startBoard(cleanup, broker, 'sim-robust', 'robust', { 'reconnect-delay': '300ms' });
    const from = b.line.mark();
    b.line.send({ op: 'wifi', up: false });
    await b.line.waitFor(is('mqtt', { state: 'disconnected' }), 5000, 'robust notices', from);
    emit(b, 'button', 'b-1');
    // The reconnect loop goes on (an attempt every 300 ms) and the app does not take b-1.
    const afterEmit = b.line.mark();
    await b.line.waitFor(is('mqtt', { state: 'connecting' }), 5000, 'an attempt after the emit', afterEmit);
    await b.line.waitFor(is('mqtt', { state: 'connecting' }), 5000, 'another attempt', b.line.mark());
    expect(b.line.has(is('emitted', { id: 'b-1' })), 'noticed while blocked').to.equal(false);

    const upAt = b.line.send({ op: 'wifi', up: true });
    const connected = await b.line.waitFor(is('mqtt', { state: 'connected' }), 5000, 'reconnected', from);
    const noticed = await b.line.waitFor(is('emitted', { id: 'b-1' }), 5000, 'b-1 noticed', from);
    await b.line.waitFor(is('published', { id: 'b-1' }), 5000, 'b-1 published', from);
    await broker.waitFor(() => broker.copies('b-1')[0], 5000, 'b-1 delivered');
    expect(noticed.t).to.be.greaterThan(upAt);
    expect(b.line.events.indexOf(noticed)).to.be.greaterThan(b.line.events.indexOf(connected));
    // The reconnect resumed the old session: connect(clean_session=False).
    const reconnects = broker.conns.filter((c) => c.clientId === 'sim-robust');
    expect(reconnects.length).to.be.greaterThan(1);
  });

  it('republishes the failed message with a new packet id after reconnecting', async () => {
    // The broker drops the connection on the first copy of r-1, before its PUBACK.
    let held = false;
    broker.hold = (_client, packet) => {
      if (held || !packet.payload.toString().includes('"r-1"')) return 'pass';
      held = true;
      return 'kill';
    };
    const b = await startBoard(cleanup, broker, 'sim-robust-q1', 'robust', {
      qos: 1,
      'reconnect-delay': '200ms',
    });
    const from = b.line.mark();
    emit(b, 'alarm', 'r-1');
    await b.line.waitFor(is('published', { id: 'r-1' }), 10_000, 'r-1 published', from);
    const copies = broker.copies('r-1');
    expect(copies).to.have.length(2);
    expect(copies[0]?.messageId).to.not.equal(copies[1]?.messageId);
    const disconnected = b.line.events.findIndex(
      (h, i) => i >= from && is('mqtt', { state: 'disconnected' })(h.ev),
    );
    const reconnected = b.line.events.findIndex(
      (h, i) => i > disconnected && is('mqtt', { state: 'connected' })(h.ev),
    );
    const published = b.line.events.findIndex((h) => is('published', { id: 'r-1' })(h.ev));
    expect(disconnected).to.be.greaterThan(-1);
    expect(reconnected).to.be.greaterThan(disconnected);
    expect(published).to.be.greaterThan(reconnected);
    expect(b.line.events.filter((h) => is('published', { id: 'r-1' })(h.ev))).to.have.length(1);
  });
});
