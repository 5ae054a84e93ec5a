import { expect } from 'chai';
import { Cleanup, emit, is, startBoard, TestBroker } from './sim-support.js';

describe('sim model robust2 (umqtt.robust2 2.2.0)', function () {
  this.timeout(20_000);
  const cleanup = new Cleanup();
  afterEach(() => cleanup.run());

  it('queues publishes that fail on a lost socket, evicts the oldest of 5 when a 6th fails', async () => {
    const broker = await TestBroker.start();
    cleanup.add(() => broker.close());
    const b = await startBoard(cleanup, broker, 'sim-robust2', 'robust2', {
      'reconnect-delay': '200ms',
      'socket-timeout': '200ms',
    });
    const from = b.line.mark();
    b.line.send({ op: 'wifi', up: false });
    await b.line.waitFor(is('net', { state: 'down' }), 5000, 'net down', from);

    const ids = ['q-1', 'q-2', 'q-3', 'q-4', 'q-5', 'q-6'];
    for (const id of ids) emit(b, 'button', id);
    // The library returns for each, queued: a write on the lost socket gives up after
    // socket-timeout (simple2 waits for it to be writable), then robust2 queues the message.
    for (const id of ids) await b.line.waitFor(is('published', { id }), 5000, `${id} returned`, from);
    await b.line.waitFor(is('mqtt', { state: 'disconnected' }), 5000, 'robust2 notices', from);
    expect(b.line.has(is('mqtt', { state: 'connected' }), from)).to.equal(false);

    b.line.send({ op: 'wifi', up: true });
    await b.line.waitFor(is('mqtt', { state: 'connected' }), 5000, 'reconnected', from);
    await broker.waitFor(() => broker.copies('q-6')[0], 5000, 'q-6 delivered');
    // send_queue sends in queue order in one pass: q-1 would have come before q-6.
    const order = broker.seen.filter((s) => s.id?.startsWith('q-')).map((s) => s.id);
    expect(order).to.deep.equal(['q-2', 'q-3', 'q-4', 'q-5', 'q-6']);
  });

  it("reads no op while blocked in simple2's write waits: a `wifi up` sent meanwhile is done after them", async () => {
    const broker = await TestBroker.start();
    cleanup.add(() => broker.close());
    const b = await startBoard(cleanup, broker, 'sim-robust2-held', 'robust2', {
      'reconnect-delay': '200ms',
      'socket-timeout': '1s',
    });
    const from = b.line.mark();
    b.line.send({ op: 'wifi', up: false });
    await b.line.waitFor(is('net', { state: 'down' }), 5000, 'net down', from);
    // t-1's write waits 1 s for the lost socket to be writable; then the loop's reconnect starts
    // with simple2's disconnect(), whose DISCONNECT waits 1 s more: the app polls its agent only after.
    emit(b, 'telemetry', 't-1');
    await b.line.waitFor(is('emitted', { id: 't-1' }), 5000, 't-1 noticed', from);
    const asked = b.line.mark();
    const upAt = b.line.send({ op: 'wifi', up: true });
    b.line.send({ op: 'hello', run: 'test' });
    const up = await b.line.waitFor(is('net', { state: 'up' }), 5000, 'net up', asked);
    const hello = await b.line.waitFor(is('hello'), 5000, 'hello answered', asked);
    expect(up.t - upAt, 'wifi up done before the write waits ended').to.be.at.least(1800);
    expect(hello.t - upAt, 'hello answered before the write waits ended').to.be.at.least(1800);
    await b.line.waitFor(is('mqtt', { state: 'connected' }), 5000, 'reconnected', from);
    await broker.waitFor(() => broker.copies('t-1')[0], 5000, 't-1 delivered from the queue');
  });
});
