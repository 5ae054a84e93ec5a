import { expect } from 'chai';
import { startToxiproxyServer, type ToxiproxyService } from '../../harness/network/toxiproxy-server.js';
import { openBoard } from '../../harness/transports/open.js';
import { mpyBoard, needLibraries } from './micropython-support.js';
import { BoardLine, Cleanup, emit, is, TestBroker } from './sim-support.js';

const BLACKHOLE = ['upstream', 'downstream'] as const;
const OUTAGE_MS = 20_000;

/**
 * The real umqtt.robust (PyPI 1.0, on umqtt.simple 1.3.4) in real MicroPython, through a
 * 20 s silent link (`wifi: proxy`: a Toxiproxy blackhole) while a QoS 1 publish waits for its
 * PUBACK. What the library does, recorded: at the heal the socket closes; robust's own
 * wait_msg reconnects in place and then waits for a PUBACK of a message it never sends
 * again, so the board stays silent on serial (no answer to hello) for the rest of the run.
 */
describe('micropython board: real umqtt.robust through a 20 s silent link', function () {
  this.timeout(OUTAGE_MS + 60_000);
  const cleanup = new Cleanup();
  let toxiproxy: ToxiproxyService;
  let broker: TestBroker;

  before(async function () {
    needLibraries(this, 'robust');
    toxiproxy = await startToxiproxyServer();
    broker = await TestBroker.start();
  });
  after(async () => {
    await cleanup.run();
    await broker?.close();
    await toxiproxy?.stop();
  });

  it('reconnects inside its PUBACK wait at the heal, then waits forever: silent on serial', async () => {
    const id = 'mpy-robust-silent';
    const proxy = await toxiproxy.client.ensureProxy({
      name: id,
      listen: { host: '127.0.0.1', port: 0 },
      upstream: `127.0.0.1:${broker.port}`,
    });
    cleanup.add(() => toxiproxy.client.removeProxy(id));
    const board = await openBoard(mpyBoard(id, 'robust', { kind: 'proxy' }));
    cleanup.add(() => board.stop());
    const line = await BoardLine.open(board);
    cleanup.add(() => line.close());
    line.send({ op: 'hello', run: 'test' });
    await line.waitFor(is('hello'), 10_000, 'hello');
    line.send({ op: 'config', broker: `127.0.0.1:${proxy.listen.port}`, topic: `hil/${id}`, client_id: id });
    await line.waitFor(is('mqtt', { state: 'connected' }), 10_000, 'connected');
    const tb = { line, id, handle: board };
    emit(tb, 'button', 'r-1');
    await line.waitFor(is('published', { id: 'r-1' }), 5000, 'r-1 acknowledged');

    for (const stream of BLACKHOLE)
      await proxy.addToxic({ name: `bh-${stream}`, type: 'timeout', stream, attributes: { timeout: 0 } });
    const from = line.mark();
    emit(tb, 'button', 'r-2'); // QoS 1: written into the hole, its PUBACK never comes
    await line.waitFor(is('emitted', { id: 'r-2' }), 5000, 'r-2 taken');
    await new Promise((r) => setTimeout(r, OUTAGE_MS));
    expect(line.has(is('published', { id: 'r-2' }), from), 'published during the outage').to.equal(false);
    for (const stream of BLACKHOLE) await proxy.removeToxic(`bh-${stream}`);

    // The heal closes the socket: robust reconnects from inside publish's wait_msg ...
    await line.waitFor(is('mqtt', { state: 'connected' }), 10_000, 'reconnected after the heal', from);
    await broker.waitFor(
      () => (broker.conns.filter((c) => c.clientId === id).length >= 2 ? true : undefined),
      5000,
      'a second connection at the broker',
    );
    // ... and waits for a PUBACK of r-2, which it never sends again: the board is silent.
    const after = line.mark();
    line.send({ op: 'hello', run: 'test' });
    emit(tb, 'button', 'r-3');
    await new Promise((r) => setTimeout(r, 8000));
    expect(line.events.slice(after), 'anything from the board after the heal').to.deep.equal([]);
    expect(broker.copies('r-2'), 'r-2 at the broker').to.have.length(0);
    expect(broker.copies('r-3'), 'r-3 at the broker').to.have.length(0);
  });
});
