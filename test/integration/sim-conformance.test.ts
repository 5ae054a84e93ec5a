import { MODEL_NAMES } from '../../harness/sim/model-options.js';
import { openBoard } from '../../harness/transports/open.js';
import { agentConformance } from './agent-conformance.js';
import { boardSpec, TestBroker } from './sim-support.js';

/** Every model's virtual board passes the suite a real board passes. */
describe('sim board: agent conformance', () => {
  let broker: TestBroker;
  before(async () => {
    broker = await TestBroker.start();
  });
  after(async () => {
    await broker?.close();
  });

  for (const model of MODEL_NAMES) {
    describe(model, () => {
      agentConformance(async () => {
        const board = await openBoard(boardSpec(`sim-conf-${model}`, model), {
          broker: { host: '127.0.0.1', port: broker.port },
        });
        return { board, broker: `127.0.0.1:${broker.port}` };
      });
    });
  }
});
