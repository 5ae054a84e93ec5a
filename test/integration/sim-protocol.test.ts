import { expect } from 'chai';
import { BANNER } from '../../harness/sim/agent.js';
import { Cleanup, emit, freshBrokerEachTest, is, startBoard, type TestBroker } from './sim-support.js';

describe('sim board: agent protocol on a real PTY, MQTT to a real aedes', function () {
  this.timeout(20_000);
  const cleanup = new Cleanup();
  let broker: TestBroker;
  freshBrokerEachTest(cleanup, (b) => {
    broker = b;
  });

  it('answers hello, publishes an emit with its id, reports a command', async () => {
    const b = await startBoard(cleanup, broker, 'sim-proto', 'robust');
    const hello = b.line.events.find((h) => h.ev.ev === 'hello')?.ev;
    expect(hello).to.include({ agent: '1', board: 'sim-proto', fw: 'virtual-robust' });

    const from = b.line.mark();
    emit(b, 'button', 'sim-proto-button-1');
    const emitted = await b.line.waitFor(is('emitted', { id: 'sim-proto-button-1' }), 5000, 'emitted', from);
    expect(emitted.ev).to.include({ cls: 'button' });
    await b.line.waitFor(is('published', { id: 'sim-proto-button-1' }), 5000, 'published', from);
    const copy = await broker.waitFor(() => broker.copies('sim-proto-button-1')[0], 5000, 'delivery');
    expect(copy).to.include({ topic: 'hil/sim-proto/button', clientId: 'sim-proto', qos: 0 });

    await broker.command('hil/sim-proto/cmd/command', { id: 'cmd-1', seq: 1, epoch: 42 }, 1);
    const got = await b.line.waitFor(is('received', { id: 'cmd-1' }), 5000, 'received');
    expect(got.ev).to.include({ cls: 'command', seq: 1, epoch: 42 });
  });

  it('reboots on reset: banner, new boot id, hello, and connects again by itself', async () => {
    const b = await startBoard(cleanup, broker, 'sim-reboot', 'simple');
    const first = b.line.events.find((h) => h.ev.ev === 'hello')?.ev as { boot: number };
    const from = b.line.mark();
    const consoleFrom = b.line.console.length;
    b.line.send({ op: 'reset' });
    // The answer to startBoard's own hello may still arrive after `from`: wait for the new boot's.
    const hello = await b.line.waitFor(
      (ev) => ev.ev === 'hello' && ev.boot !== first.boot,
      5000,
      'hello with a new boot id after reset',
      from,
    );
    expect(hello.ev).to.include({ ev: 'hello', board: 'sim-reboot' });
    expect(b.line.console.slice(consoleFrom).map((c) => c.line)).to.include(BANNER);
    expect(BANNER).to.match(/^MicroPython v1\.2\d/);
    await b.line.waitFor(is('mqtt', { state: 'connected' }), 5000, 'reconnected after reset', from);
    // The rebooted board starts a new connection; the old one was cut without FIN.
    const mine = broker.conns.filter((c) => c.clientId === 'sim-reboot');
    expect(mine).to.have.length(2);
    expect(mine[0]?.ended, 'old connection got a FIN').to.equal(false);
  });

  it('takes a new config: topic prefix and client id, and per-class deadlines', async () => {
    const b = await startBoard(cleanup, broker, 'sim-config', 'robust');
    const from = b.line.mark();
    b.line.send({
      op: 'config',
      broker: `127.0.0.1:${broker.port}`,
      topic: 'lab/r1',
      client_id: 'r1',
      deadlines: { button: 15000 },
    });
    await b.line.waitFor(is('mqtt', { state: 'connected' }), 5000, 'connected with new config', from);
    emit(b, 'alarm', 'a-1');
    const copy = await broker.waitFor(() => broker.copies('a-1')[0], 5000, 'delivery');
    expect(copy).to.include({ topic: 'lab/r1/alarm', clientId: 'r1' });
  });

  it('says what is wrong with an op it cannot do', async () => {
    const b = await startBoard(cleanup, broker, 'sim-bad', 'simple');
    const from = b.line.mark();
    b.line.port.write('@hil {"op":"fly"}\n');
    const err = await b.line.waitFor(is('error'), 5000, 'error', from);
    expect((err.ev as { msg: string }).msg).to.match(/unknown op "fly"/);
    b.line.send({ op: 'config', broker: 'nowhere', topic: 't', client_id: 'c' });
    const bad = await b.line.waitFor(
      (e) => e.ev === 'error' && /host:port/.test(e.msg),
      5000,
      'config error',
      from,
    );
    expect(bad).to.not.equal(undefined);
  });
});
