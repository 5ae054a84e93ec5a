import { expect } from 'chai';
import { serialConsole } from '../../harness/board/open-board.js';
import { startVirtualBoard, type VirtualBoardHandle } from '../../harness/sim/launcher.js';
import type { ModelName } from '../../harness/sim/model-options.js';
import { BoardLine, Cleanup, emit, is, type TestBoard, TestBroker } from './sim-support.js';

interface Hosted extends TestBoard {
  vb: VirtualBoardHandle;
  logs: string[];
}

/** Polls `check` every 20 ms until it holds; fails after `ms`. */
async function poll(check: () => boolean, ms: number, what: string): Promise<void> {
  for (const end = performance.now() + ms; !check(); await new Promise((r) => setTimeout(r, 20)))
    if (performance.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
}

/** Reads whether `pid` is still a process. */
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('sim launcher: several boards in one board host process', function () {
  this.timeout(60_000);
  const cleanup = new Cleanup();
  let broker: TestBroker;
  beforeEach(async () => {
    broker = await TestBroker.start();
    cleanup.add(() => broker.close());
  });
  afterEach(() => cleanup.run());

  async function start(id: string, model: ModelName, perProcess: number): Promise<Hosted> {
    const logs: string[] = [];
    const vb = await startVirtualBoard(
      { id, firmware: `virtual-${model}`, baud: 115200 },
      { model, options: {} },
      { broker: { host: '127.0.0.1', port: broker.port }, log: (l) => logs.push(l), perProcess },
    );
    cleanup.add(() => vb.stop());
    const handle = serialConsole(vb.path, { board: id, stop: () => vb.stop(), restart: () => vb.restart() });
    const line = await BoardLine.open(handle);
    cleanup.add(() => line.close());
    return { vb, logs, handle, line, id };
  }

  /** The board answers a hello as itself, is connected, and its emit reaches the broker. */
  async function works(b: Hosted, id: string, connectedFrom?: number): Promise<void> {
    const at = b.line.mark();
    b.line.send({ op: 'hello', run: 'test' });
    const hello = await b.line.waitFor(is('hello'), 10_000, `${b.id} hello`, at);
    expect(hello.ev).to.include({ board: b.id });
    // Its first connect may predate the open of its line: the broker knows.
    if (connectedFrom !== undefined)
      await b.line.waitFor(is('mqtt', { state: 'connected' }), 10_000, `${b.id} connected`, connectedFrom);
    await broker.waitFor(
      () => (broker.conns.some((c) => c.clientId === b.id && !c.closed) ? true : undefined),
      10_000,
      `${b.id} at the broker`,
    );
    emit(b, 'telemetry', id);
    await b.line.waitFor(is('published', { id }), 10_000, `${b.id} published ${id}`);
    await broker.waitFor(
      () => (broker.copies(id).length > 0 ? true : undefined),
      5000,
      `${id} at the broker`,
    );
    expect(broker.copies(id).map((s) => s.clientId)).to.deep.equal([b.id]);
  }

  it('share a process, each speaks the protocol on its own line, and a restart of one leaves the others be', async () => {
    const boards = await Promise.all([
      start('r-one', 'robust', 3),
      start('s-two', 'simple', 3),
      start('r-three', 'robust', 3),
    ]);
    const [one, two, three] = boards as [Hosted, Hosted, Hosted];
    expect(new Set(boards.map((b) => b.vb.pid)).size).to.equal(1);
    for (const b of boards) await works(b, `${b.id}-1`);
    // A fourth does not fit in a host of 3.
    const four = await start('s-four', 'simple', 3);
    expect(four.vb.pid).to.not.equal(one.vb.pid);
    await works(four, 's-four-1');

    const boot = (b: Hosted) =>
      (b.line.events.findLast((h) => h.ev.ev === 'hello')?.ev as { boot: number } | undefined)?.boot;
    const boots = boards.map(boot);
    const marks = boards.map((b) => b.line.mark());
    const conns = (id: string) => broker.conns.filter((c) => c.clientId === id && !c.closed).length;
    await two.vb.restart();
    expect(two.vb.pid).to.equal(one.vb.pid);
    two.line.send({ op: 'hello', run: 'test' });
    await two.line.waitFor((ev) => ev.ev === 'hello' && ev.boot !== boots[1], 10_000, 'a new boot', marks[1]);
    await works(two, 's-two-2', marks[1]);

    // The others heard nothing of it: no new boot, no lost connection, the same broker session.
    for (const b of [one, three]) {
      const from = marks[boards.indexOf(b)] as number;
      expect(b.line.has(is('mqtt', { state: 'disconnected' }), from)).to.equal(false);
      expect(b.line.has((ev) => ev.ev === 'hello' && ev.boot !== boots[boards.indexOf(b)], from)).to.equal(
        false,
      );
      expect(conns(b.id)).to.equal(1);
      await works(b, `${b.id}-2`);
    }
    expect(boot(one)).to.equal(boots[0]);
  });

  it('a host that dies takes its boards down, naming them, and their stops still end', async () => {
    const a = await start('r-a', 'robust', 2);
    const b = await start('r-b', 'robust', 2);
    expect(a.vb.pid).to.equal(b.vb.pid);
    const pid = a.vb.pid;
    process.kill(pid, 'SIGKILL');
    const said = (h: Hosted) => h.logs.find((l) => l.includes(`board host process ${pid}`));
    await poll(() => said(a) !== undefined && said(b) !== undefined, 5000, 'both boards told');
    for (const h of [a, b]) expect(said(h)).to.match(/exited \(SIGKILL\): its boards are down: r-a, r-b$/);
    const t0 = performance.now();
    await Promise.all([a.vb.stop(), b.vb.stop()]);
    expect(performance.now() - t0).to.be.below(1000);
    expect(alive(pid)).to.equal(false);
  });

  it('restarts a board whose host died in a new host', async () => {
    const a = await start('r-c', 'robust', 2);
    const old = a.vb.pid;
    process.kill(old, 'SIGKILL');
    await poll(() => a.logs.some((l) => l.includes('its boards are down')), 5000, 'told');
    const from = a.line.mark();
    await a.vb.restart();
    expect(a.vb.pid).to.not.equal(old);
    await works(a, 'r-c-2', from);
  });

  it('stop() ends the host with its last board', async () => {
    const a = await start('r-d', 'robust', 2);
    const b = await start('r-e', 'robust', 2);
    const pid = a.vb.pid;
    await a.vb.stop();
    expect(alive(pid)).to.equal(true);
    await works(b, 'r-e-1');
    await b.vb.stop();
    expect(alive(pid)).to.equal(false);
  });
});
