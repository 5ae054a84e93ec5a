import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'chai';
import { Cleanup, emit, is, startBoard, TestBroker } from './sim-support.js';

describe('sim radio loss: the broker is not told', function () {
  this.timeout(20_000);
  const cleanup = new Cleanup();
  afterEach(() => cleanup.run());

  it('keeps the broker-side socket open through the outage (no FIN, no RST) until takeover', async () => {
    const broker = await TestBroker.start();
    cleanup.add(() => broker.close());
    let disconnects = 0;
    broker.aedes.on('clientDisconnect', () => {
      disconnects += 1;
    });
    const b = await startBoard(cleanup, broker, 'sim-radio', 'robust2', {
      'reconnect-delay': '200ms',
      'socket-timeout': '300ms',
    });
    const before = broker.conns.find((c) => c.clientId === 'sim-radio' && !c.closed);
    expect(before).to.not.equal(undefined);

    const from = b.line.mark();
    b.line.send({ op: 'wifi', up: false });
    // A lost socket says nothing until written to: robust2 notices when its write times out.
    emit(b, 'telemetry', 't-1');
    await b.line.waitFor(is('mqtt', { state: 'disconnected' }), 5000, 'the board sees its link die', from);
    // The outage: the board retries meanwhile, and none of it reaches the broker.
    await sleep(3000);
    expect(before?.ended, 'FIN reached the broker').to.equal(false);
    expect(before?.errored, 'RST reached the broker').to.equal(false);
    expect(before?.closed, 'broker socket closed').to.equal(false);
    expect(disconnects).to.equal(0);
    expect(broker.conns.filter((c) => c.clientId === 'sim-radio')).to.have.length(1);

    b.line.send({ op: 'wifi', up: true });
    await b.line.waitFor(is('mqtt', { state: 'connected' }), 5000, 'reconnected', from);
    // The new connection with the same client id takes over: the broker drops the old one.
    await broker.waitFor(() => (before?.closed ? true : undefined), 5000, 'old connection taken over');
    expect(before?.ended, 'the board sent FIN on the old connection').to.equal(false);
  });
});
