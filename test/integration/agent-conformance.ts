/**
 * The agent conformance suite: what every board behind a serial line must do, whatever it is
 * (the fake agent, a virtual board, QEMU, a real board via HIL_PORT). Call it inside a
 * `describe`; it makes a fresh board for every test and always stops it.
 */
import { expect } from 'chai';
import type { Observation } from '../../harness/board/observation.js';
import { openConsoleLink } from '../../harness/board/open-board.js';
import { toOps } from '../../harness/board/record.js';
import { BoardSession } from '../../harness/board/session.js';
import type { BoardConsole } from '../../harness/board/transport.js';
import { openBoard } from '../../harness/transports/open.js';
import { testBoard } from '../fixtures/board/test-board.js';

export { testBoard };

export interface BoardUnderTest {
  /** The board as the opener (`transports/open.ts`) gave it; its `stop()` ends the board. */
  board: BoardConsole;
  /** host:port to send in `config` (default 127.0.0.1:1883). */
  broker?: string;
}

/** A board on a serial path, opened through the opener; `stop` also ends what sits behind it (a fake agent). */
export async function onSerialPath(
  path: string,
  opts: { baud?: number; stop?: () => Promise<void> } = {},
): Promise<BoardConsole> {
  const board = await openBoard(testBoard('conformance', { kind: 'serial-path', path }, opts.baud));
  return {
    ...board,
    stop: async () => {
      await board.stop();
      await opts.stop?.();
    },
  };
}

export interface AgentCapabilities {
  /** The agent restarts on `reset` and says hello again with a new boot id (default true). */
  reset?: boolean;
  /** Ctrl-C on the console interrupts the app with a KeyboardInterrupt traceback, as MicroPython does (default false). */
  interruptTraceback?: boolean;
  /** `emit` is followed by `published` (default true; false for a board with no broker to reach). */
  publishes?: boolean;
  /** How long a board may take to answer hello after start or reset (default 15 s). */
  bootTimeout?: number;
  /** How long an answer to one command may take (default 10 s). */
  eventTimeout?: number;
}

export function agentConformance(
  makeBoard: () => Promise<BoardUnderTest>,
  caps: AgentCapabilities = {},
): void {
  const bootTimeout = caps.bootTimeout ?? 15_000;
  const eventTimeout = caps.eventTimeout ?? 10_000;
  let board: BoardUnderTest | undefined;
  let session: BoardSession | undefined;
  let seen: Observation[] = [];

  async function start(): Promise<BoardSession> {
    board = await makeBoard();
    const link = await openConsoleLink(board.board, { board: 'conformance' });
    session = new BoardSession(link, { run: 'conformance', helloTimeout: bootTimeout, idleProbe: 0 });
    session.on('observation', (o) => seen.push(o));
    return session;
  }

  beforeEach(() => {
    seen = [];
  });

  afterEach(async () => {
    await session?.close().catch(() => {});
    await board?.board.stop();
    session = undefined;
    board = undefined;
  });

  it('answers hello with agent version, board, firmware and boot id', async function () {
    this.timeout(bootTimeout + 20_000);
    const s = await start();
    const { event, t } = await s.hello();
    expect(event.agent).to.equal('1');
    expect(event.board).to.be.a('string');
    expect(event.fw).to.be.a('string');
    expect(['string', 'number']).to.include(typeof event.boot);
    expect(event.t).to.be.a('number');
    expect(t).to.be.a('number');
    expect(s.bootId).to.equal(event.boot);
  });

  it('answers a second hello with the same boot id, which is no reboot', async function () {
    this.timeout(bootTimeout + 20_000);
    const s = await start();
    const first = await s.hello();
    // Opening a port may itself reset a real board: count only what follows the first answer.
    const from = seen.length;
    const second = await s.hello(eventTimeout);
    expect(second.event.boot).to.equal(first.event.boot);
    expect(seen.slice(from).filter((o) => o.kind === 'boot')).to.have.length(0);
  });

  it('takes config, then reports emitted and published for each emit, matched by id', async function () {
    this.timeout(bootTimeout + 3 * eventTimeout + 20_000);
    const s = await start();
    const { event: hello } = await s.hello();
    await s.config({
      broker: board?.broker ?? '127.0.0.1:1883',
      topic: `hil/${hello.board || 'conformance'}`,
      client_id: `hil-conformance-${hello.boot}`,
    });
    const ids = ['conf-button-1', 'conf-button-2', 'conf-button-3'];
    for (const id of ids) {
      const noticed = s.waitForEvent('emitted', (e) => e.id === id, eventTimeout, `emitted ${id}`);
      const accepted =
        caps.publishes === false
          ? undefined
          : s.waitForEvent('published', (e) => e.id === id, eventTimeout, `published ${id}`);
      const written = await s.emit('button', id);
      const n = await noticed;
      expect(n.event.cls).to.equal('button');
      expect(n.t).to.be.at.least(written);
      if (accepted) expect((await accepted).t).to.be.at.least(n.t);
    }
    const ops = seen.flatMap((o) => toOps(o, 'b', 0));
    const noticedIds = ops.filter((o) => o.kind === 'noticed').map((o) => (o as { id: string }).id);
    expect(noticedIds).to.deep.equal(ids);
    if (caps.publishes !== false)
      expect(ops.filter((o) => o.kind === 'accepted').map((o) => (o as { id: string }).id)).to.deep.equal(
        ids,
      );
    expect(seen.filter((o) => o.kind === 'event' && o.event.ev === 'error')).to.have.length(0);
  });

  if (caps.reset !== false) {
    it('restarts on reset: a boot is seen and hello names a new boot id', async function () {
      this.timeout(2 * bootTimeout + 20_000);
      const s = await start();
      const before = await s.hello();
      const from = seen.length;
      const booted = s.waitFor((o) => (o.kind === 'boot' ? o : undefined), bootTimeout, 'boot after reset');
      await s.reset();
      const boot = await booted;
      expect(['hello', 'banner', 'rom']).to.include(boot.reason);
      const after = await s.hello();
      expect(String(after.event.boot)).to.not.equal(String(before.event.boot));
      expect(toOps(boot, 'b', 0)[0]?.kind).to.equal('boot');
      // One reset is one boot, however many signs of it the console shows.
      expect(seen.slice(from).filter((o) => o.kind === 'boot')).to.have.length(1);
    });
  }

  if (caps.interruptTraceback) {
    it('shows a traceback when the app is interrupted (Ctrl-C)', async function () {
      this.timeout(bootTimeout + eventTimeout + 20_000);
      const s = await start();
      await s.hello();
      const tb = s.waitFor((o) => (o.kind === 'traceback' ? o : undefined), eventTimeout, 'traceback');
      await s.link.write('\r\x03');
      const o = await tb;
      expect(o.lines[0]).to.contain('Traceback (most recent call last):');
      expect(o.error).to.match(/^KeyboardInterrupt/);
      expect(toOps(o, 'b', 0)).to.deep.equal([{ t: o.t, kind: 'traceback', board: 'b', line: o.error }]);
    });
  }
}
