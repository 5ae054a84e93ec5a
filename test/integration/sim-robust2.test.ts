import { expect } from 'chai';
import { Cleanup, emit, is, startBoard, TestBroker } from './sim-support.js';

describe('sim model robust2 (umqtt.robust2 2.2.0)', function () {
  this.timeout(20_000);
  const cleanup = new Cleanup();
  afterEach(() => cleanup.run());

  it('queues failed publishes without blocking, evicts the oldest of 5 when a 6th fails', async () => {
    const broker = await TestBroker.start();
    cleanup.add(() => broker.close());
    const b = await startBoard(cleanup, broker, 'sim-robust2', 'robust2', { 'reconnect-delay': '200ms' });
    const from = b.line.mark();
    b.line.send({ op: 'wifi', up: false });
    await b.line.waitFor(is('mqtt', { state: 'disconnected' }), 5000, 'robust2 notices', from);

    const ids = ['q-1', 'q-2', 'q-3', 'q-4', 'q-5', 'q-6'];
    for (const id of ids) emit(b, 'button', id);
    // The library returns at once for each, queued or not: the app is never blocked.
    for (const id of ids) await b.line.waitFor(is('published', { id }), 5000, `${id} returned`, from);
    expect(b.line.has(is('mqtt', { state: 'connected' }), from)).to.equal(false);

    b.line.send({ op: 'wifi', up: true });
    await b.line.waitFor(is('mqtt', { state: 'connected' }), 5000, 'reconnected', from);
    await broker.waitFor(() => broker.copies('q-6')[0], 5000, 'q-6 delivered');
    // send_queue sends in queue order in one pass: q-1 would have come before q-6.
    const order = broker.seen.filter((s) => s.id?.startsWith('q-')).map((s) => s.id);
    expect(order).to.deep.equal(['q-2', 'q-3', 'q-4', 'q-5', 'q-6']);
  });
});
