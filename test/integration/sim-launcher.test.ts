import { expect } from 'chai';
import { startVirtualBoard } from '../../harness/sim/launcher.js';
import type { HilError } from '../../harness/spec/errors.js';
import { Cleanup, is, startBoard, TestBroker } from './sim-support.js';

describe('sim launcher: a real board process', function () {
  this.timeout(30_000);
  const cleanup = new Cleanup();
  afterEach(() => cleanup.run());

  it('gives up on a board that says ready too late, and its stop still ends', async () => {
    const board = { id: 'sim-late', firmware: 'virtual-robust', baud: 115200 };
    const t0 = performance.now();
    // No real board is ready within 1 ms: its ready message comes while it is being stopped.
    const err = await startVirtualBoard(
      board,
      { model: 'robust', options: {} },
      { broker: { host: '127.0.0.1', port: 1 }, readyTimeoutMs: 1 },
    ).catch((e: unknown) => e);
    expect((err as HilError).code).to.equal('HIL_E_BOARD');
    expect((err as Error).message).to.match(/sim-late" did not start: no ready signal within 1 ms/);
    expect(performance.now() - t0).to.be.below(10_000);
  });

  it('restarts the board process on its PTY: the open console hears a new boot', async () => {
    const broker = await TestBroker.start();
    cleanup.add(() => broker.close());
    const b = await startBoard(cleanup, broker, 'sim-restart', 'robust');
    const first = await b.line.waitFor(is('hello'), 5000, 'hello');
    const from = b.line.mark();
    await b.handle.restart?.();
    b.line.send({ op: 'hello', run: 'test' });
    // Answers to hellos sent before the restart may still arrive: wait for the new boot's.
    const boot = (first.ev as { boot: unknown }).boot;
    const again = await b.line.waitFor(
      (ev) => ev.ev === 'hello' && ev.boot !== boot,
      10_000,
      'hello with a new boot id after the restart',
      from,
    );
    expect(again.ev).to.include({ ev: 'hello', board: 'sim-restart' });
    await b.line.waitFor(is('mqtt', { state: 'connected' }), 10_000, 'connected again', from);
  });
});
