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
    await b.line.waitFor(is('net', { state: 'down' }), 5000, 'net down', from);
    // A lost socket says nothing until written to: b-0's write raises and robust reconnects in it.
    emit(b, 'button', 'b-0');
    await b.line.waitFor(is('mqtt', { state: 'disconnected' }), 5000, 'robust notices', from);
    emit(b, 'button', 'b-1');
    // The reconnect loop goes on (an attempt every 300 ms; its delay polls the agent, so the
    // `wifi up` below gets through) and the app does not take b-1.
    const afterEmit = b.line.mark();
    await b.line.waitFor(is('mqtt', { state: 'connecting' }), 5000, 'an attempt after the emit', afterEmit);
    await b.line.waitFor(is('mqtt', { state: 'connecting' }), 5000, 'another attempt', b.line.mark());
    expect(b.line.has(is('emitted', { id: 'b-1' })), 'noticed while blocked').to.equal(false);

    const upAt = b.line.send({ op: 'wifi', up: true });
    const connected = await b.line.waitFor(is('mqtt', { state: 'connected' }), 5000, 'reconnected', from);
    // b-0, whose write failed, is sent again after the reconnect.
    await b.line.waitFor(is('published', { id: 'b-0' }), 5000, 'b-0 republished', from);
    const noticed = await b.line.waitFor(is('emitted', { id: 'b-1' }), 5000, 'b-1 noticed', from);
    await b.line.waitFor(is('published', { id: 'b-1' }), 5000, 'b-1 published', from);
    await broker.waitFor(() => broker.copies('b-1')[0], 5000, 'b-1 delivered');
    expect(noticed.t).to.be.greaterThan(upAt);
    expect(b.line.events.indexOf(noticed)).to.be.greaterThan(b.line.events.indexOf(connected));
    // The reconnect resumed the old session: connect(clean_session=False).
    const reconnects = broker.conns.filter((c) => c.clientId === 'sim-robust');
    expect(reconnects.length).to.be.greaterThan(1);
  });

  it('at QoS 1, a close before the PUBACK: reconnects inside its wait and waits for that PUBACK forever', async () => {
    // The broker drops the connection on the first copy of r-1, before its PUBACK. The real
    // umqtt.robust (test/integration/micropython-robust.test.ts) reconnects in its own wait_msg,
    // inside simple's PUBACK loop, and never sends r-1 again: the app is blocked for good.
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
    await b.line.waitFor(is('mqtt', { state: 'disconnected' }), 5000, 'the close noticed', from);
    await b.line.waitFor(is('mqtt', { state: 'connected' }), 5000, 'reconnected in place', from);
    emit(b, 'button', 'r-2');
    await new Promise((r) => setTimeout(r, 2000));
    expect(broker.copies('r-1'), 'r-1 sent once, never again').to.have.length(1);
    expect(b.line.has(is('published', { id: 'r-1' }), from), 'r-1 reported published').to.equal(false);
    expect(b.line.has(is('emitted', { id: 'r-2' }), from), 'r-2 noticed by the blocked app').to.equal(false);
    expect(broker.copies('r-2')).to.have.length(0);
    // Its agent is in the same loop (hil_core.py's poll()): the blocked board answers no hello.
    const asked = b.line.mark();
    b.line.send({ op: 'hello', run: 'test' });
    await new Promise((r) => setTimeout(r, 1500));
    expect(b.line.has(is('hello'), asked), 'hello answered by a blocked app').to.equal(false);
  });

  it('version 1.0: a close met in check_msg reconnects, then blocks on the new socket until a packet comes', async () => {
    // PyPI's robust 1.0 has no check_msg: simple's sets non-blocking on the socket the reconnect
    // replaces, and robust's wait_msg then reads the new, blocking one. The broker closes the
    // connection on k-1 (QoS 0: already reported published); the app notices it in check_msg.
    let killed = false;
    broker.hold = (_client, packet) => {
      if (killed || !packet.payload.toString().includes('"k-1"')) return 'pass';
      killed = true;
      return 'kill';
    };
    const b = await startBoard(cleanup, broker, 'sim-robust-10', 'robust', {
      version: '1.0',
      'reconnect-delay': '200ms',
      resubscribe: true,
    });
    const from = b.line.mark();
    emit(b, 'telemetry', 'k-1');
    await b.line.waitFor(is('mqtt', { state: 'disconnected' }), 5000, 'the close noticed', from);
    await b.line.waitFor(is('mqtt', { state: 'connected' }), 5000, 'reconnected in check_msg', from);
    const blocked = b.line.mark();
    emit(b, 'button', 'k-2');
    b.line.send({ op: 'hello', run: 'test' });
    await new Promise((r) => setTimeout(r, 1500));
    expect(b.line.has(is('emitted', { id: 'k-2' }), blocked), 'k-2 noticed by the blocked app').to.equal(
      false,
    );
    expect(b.line.has(is('hello'), blocked), 'hello answered by a blocked app').to.equal(false);
    // A packet on the new socket (a command: it subscribed again) ends the read: the app goes on.
    await broker.command('hil/sim-robust-10/cmd/command', { id: 'c-1', seq: 1, epoch: 1 }, 1);
    const got = await b.line.waitFor(is('received', { id: 'c-1' }), 5000, 'c-1 received', blocked);
    const hello = await b.line.waitFor(is('hello'), 5000, 'hello answered after', blocked);
    await b.line.waitFor(is('published', { id: 'k-2' }), 5000, 'k-2 published after', blocked);
    expect(b.line.events.indexOf(hello)).to.be.greaterThan(b.line.events.indexOf(got));
  });

  it('version 1.0.3 (the default): its own check_msg reconnects and returns', async () => {
    let killed = false;
    broker.hold = (_client, packet) => {
      if (killed || !packet.payload.toString().includes('"k-1"')) return 'pass';
      killed = true;
      return 'kill';
    };
    const b = await startBoard(cleanup, broker, 'sim-robust-103', 'robust', { 'reconnect-delay': '200ms' });
    const from = b.line.mark();
    emit(b, 'telemetry', 'k-1');
    await b.line.waitFor(is('mqtt', { state: 'disconnected' }), 5000, 'the close noticed', from);
    await b.line.waitFor(is('mqtt', { state: 'connected' }), 5000, 'reconnected in check_msg', from);
    const after = b.line.mark();
    emit(b, 'button', 'k-2');
    b.line.send({ op: 'hello', run: 'test' });
    await b.line.waitFor(is('hello'), 2000, 'hello answered', after);
    await b.line.waitFor(is('published', { id: 'k-2' }), 2000, 'k-2 published', after);
  });
});
