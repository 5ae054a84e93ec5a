import { openBoard } from '../../harness/transports/open.js';
import { agentConformance } from './agent-conformance.js';
import { mpyBoard, needLibraries } from './micropython-support.js';
import { TestBroker } from './sim-support.js';

/** Real MicroPython (the WebAssembly port) with the agent and the umqtt.simple app passes the suite. */
describe('micropython board (WebAssembly port): agent conformance', () => {
  let broker: TestBroker;
  before(async function () {
    needLibraries(this, 'simple');
    broker = await TestBroker.start();
  });
  after(async () => {
    await broker?.close();
  });

  agentConformance(
    async () => ({
      board: await openBoard(mpyBoard('mpy-conf', 'simple')),
      broker: `127.0.0.1:${broker.port}`,
    }),
    { reset: true, interruptTraceback: true },
  );
});
