import { expect } from 'chai';
import { openBoard } from '../../harness/transports/open.js';
import { BoardLine, boardSpec, Cleanup, is, TestBroker } from './sim-support.js';

/**
 * A virtual board hil runs (`waitForConfig`) connects only once its config has come, as the
 * project's apps do: never under its built-in identity, whose kept session (robust2, resilient
 * keep theirs) would outlive the board's process and hand the next scenario's board the
 * commands queued for it meanwhile (the night bench saw them as unknown ids).
 */
describe('virtual boards of a run connect only after their config', function () {
  this.timeout(30_000);
  const cleanup = new Cleanup();
  afterEach(() => cleanup.run());

  for (const model of ['robust2', 'resilient'] as const) {
    it(`${model}: no connect before config, then one as the config's client`, async () => {
      const broker = await TestBroker.start();
      cleanup.add(() => broker.close());
      const id = `sim-wait-${model}`;
      const handle = await openBoard(boardSpec(id, model), {
        broker: { host: '127.0.0.1', port: broker.port },
        waitForConfig: true,
      });
      cleanup.add(() => handle.stop());
      const line = await BoardLine.open(handle);
      cleanup.add(() => line.close());
      line.send({ op: 'hello', run: 'test' });
      // The app reads serial between its tasks: without the option its boot connect comes first.
      await line.waitFor(is('hello'), 10_000, 'hello');
      expect(broker.conns.map((c) => c.clientId)).to.deep.equal([]);
      const from = line.mark();
      line.send({
        op: 'config',
        broker: `127.0.0.1:${broker.port}`,
        topic: `hil/${id}`,
        client_id: `hil-${id}`,
      });
      await line.waitFor(is('mqtt', { state: 'connected' }), 10_000, 'connected', from);
      expect(broker.conns.map((c) => c.clientId)).to.deep.equal([`hil-${id}`]);
    });
  }
});
