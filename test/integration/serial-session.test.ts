import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import type { Observation } from '../../harness/board/observation.js';
import { openConsoleLink } from '../../harness/board/open-board.js';
import { encodeOp } from '../../harness/board/protocol.js';
import { BoardSession, type BoardSessionOptions } from '../../harness/board/session.js';
import type { HilError } from '../../harness/spec/errors.js';
import { openBoard } from '../../harness/transports/open.js';
import {
  type FakeBoard,
  type NativeUsbBoard,
  startFakeBoard,
  startNativeUsbBoard,
} from '../fixtures/board/fake-board.js';
import { agentConformance, onSerialPath, testBoard } from './agent-conformance.js';

describe('serial: agent conformance, fake agent over a real PTY', function () {
  this.timeout(60_000);
  agentConformance(
    async () => {
      const fake = await startFakeBoard();
      return { board: await onSerialPath(fake.path, { stop: () => fake.stop() }) };
    },
    { interruptTraceback: true, bootTimeout: 10_000 },
  );
});

// A real board joins the same suite: HIL_PORT=/dev/ttyACM0 [HIL_BAUD=115200] [HIL_BROKER=host:port].
const realPort = process.env.HIL_PORT;
if (realPort) {
  describe(`serial: agent conformance, real board at ${realPort}`, function () {
    this.timeout(120_000);
    agentConformance(
      async () => ({
        board: await onSerialPath(realPort, { baud: Number(process.env.HIL_BAUD ?? 115200) }),
        ...(process.env.HIL_BROKER && { broker: process.env.HIL_BROKER }),
      }),
      { interruptTraceback: false, publishes: process.env.HIL_BROKER !== undefined, bootTimeout: 30_000 },
    );
  });
}

describe('serial: board session over a real PTY (fake agent)', function () {
  this.timeout(60_000);
  let board: FakeBoard | undefined;
  let session: BoardSession | undefined;
  let seen: Observation[] = [];

  async function start(opts: BoardSessionOptions = {}, awayMs?: number) {
    board = await startFakeBoard({ board: 'fake-07', fw: 'fake-fw' });
    const link = await openConsoleLink(
      await openBoard(testBoard('fake-07', { kind: 'serial-path', path: board.path })),
      { board: 'fake-07', ...(awayMs !== undefined && { awayMs }) },
    );
    session = new BoardSession(link, { idleProbe: 0, ...opts });
    seen = [];
    session.on('observation', (o) => seen.push(o));
    return session;
  }

  /** Sends one of the fake agent's `x-` ops. */
  const x = (s: BoardSession, op: string, extra: Record<string, unknown> = {}) =>
    s.link.write(encodeOp({ op, ...extra } as never));

  const next = <K extends Observation['kind']>(s: BoardSession, kind: K, ms = 10_000) =>
    s.waitFor((o) => (o.kind === kind ? (o as Extract<Observation, { kind: K }>) : undefined), ms, kind);

  afterEach(async () => {
    await session?.close().catch(() => {});
    await board?.stop();
    session = undefined;
    board = undefined;
  });

  it('handshakes: the answer names the board and firmware the agent was started with', async () => {
    const s = await start();
    const { event } = await s.hello();
    expect(event).to.include({ agent: '1', board: 'fake-07', fw: 'fake-fw' });
  });

  it('sees a traceback the app prints, with its error line', async () => {
    const s = await start();
    await s.hello();
    const tb = next(s, 'traceback');
    await x(s, 'x-traceback');
    expect((await tb).error).to.equal('OSError: [Errno 113] EHOSTUNREACH');
  });

  it('sees a MicroPython banner as a boot', async () => {
    const s = await start();
    await s.hello();
    const boot = next(s, 'boot');
    await x(s, 'x-banner');
    const o = await boot;
    expect(o.reason).to.equal('banner');
    expect(o.line).to.match(/^MicroPython v1\.24\.0/);
  });

  it('survives binary noise, an over-long line and bad protocol lines, and counts them', async () => {
    const s = await start();
    await s.hello();
    const last = s.waitFor(
      (o) => (o.kind === 'malformed' && o.line.includes('[1,2,3]') ? o : undefined),
      10_000,
      'the last bad line',
    );
    await x(s, 'x-garbage');
    await last;
    await s.hello();
    expect(s.link.counters.malformed).to.equal(3);
    expect(s.link.counters.overlong).to.equal(1);
    expect(s.link.counters.binary).to.equal(1);
  });

  it('marks a board that goes silent hung, once, and fails what waits on it', async () => {
    const s = await start({ idleProbe: 100, hungAfter: 400 });
    await s.hello();
    const hung = next(s, 'hung');
    const emitted = s.waitForEvent('emitted', undefined, 30_000).then(
      () => undefined,
      (e: unknown) => e,
    );
    await x(s, 'x-silent');
    const o = await hung;
    expect(o.silentMs).to.be.at.least(500);
    const err = await emitted;
    expect((err as HilError).code).to.equal('HIL_E_TIMEOUT');
    expect((err as HilError).message).to.match(/fake-07: hung/);
    // Still silent after several more probe periods: still marked once.
    await new Promise((r) => setTimeout(r, 1000));
    expect(seen.filter((h) => h.kind === 'hung')).to.have.length(1);
  });

  it('does not call a board hung that answers late', async () => {
    const s = await start({ idleProbe: 100, hungAfter: 3000, helloRetry: 100 });
    await s.hello();
    await x(s, 'x-silent', { ms: 600 });
    const { t } = await s.hello(10_000);
    expect(t).to.be.a('number');
    expect(seen.filter((h) => h.kind === 'hung')).to.have.length(0);
  });

  it('reports a vanished port (the cable pulled) as away, then gone when not back in time', async () => {
    const s = await start({}, 300);
    await s.hello();
    const away = new Promise<HilError>((r) => s.on('away', r));
    const gone = new Promise<HilError>((r) => s.on('gone', r));
    const waiting = s.waitForEvent('published', undefined, 30_000).then(
      () => undefined,
      (e: unknown) => e,
    );
    await board?.pair.close();
    const awayErr = await away;
    expect(awayErr.code).to.equal('HIL_E_SERIAL');
    expect(awayErr.message).to.match(
      /^fake-07: serial port \S+ went away: .*; waiting up to 300 ms for it to come back$/,
    );
    const err = await gone;
    expect(err.code).to.equal('HIL_E_SERIAL_GONE');
    expect(err.message).to.contain(`fake-07: serial port went away (`);
    expect(err.message).to.contain(`did not come back within 300 ms at ${board?.path}`);
    const waitErr = await waiting;
    expect((waitErr as HilError).code).to.equal('HIL_E_SERIAL_GONE');
    let sendErr: unknown;
    await s.emit('button', 'after-gone').catch((e) => (sendErr = e));
    expect((sendErr as HilError).code).to.equal('HIL_E_SERIAL_GONE');
    expect(seen.filter((o) => o.kind === 'gone')).to.have.length(1);
    expect(seen.filter((o) => o.kind === 'away')).to.have.length(1);
  });

  it('names the board and the fix when the port does not exist', async () => {
    let err: unknown;
    const ghost = await openBoard(
      testBoard('ghost-01', { kind: 'serial-path', path: '/dev/hil-no-such-port' }),
    );
    await ghost.open().catch((e) => (err = e));
    expect((err as HilError).code).to.equal('HIL_E_SERIAL');
    expect((err as HilError).message).to.match(
      /board ghost-01: cannot open serial port \/dev\/hil-no-such-port/,
    );
    expect((err as HilError).message).to.match(/plugged in/);
  });
});

describe('serial: a native-USB port that goes away at a reset and comes back (fake agent)', function () {
  this.timeout(60_000);
  let dir: string;
  let usb: NativeUsbBoard | undefined;
  let session: BoardSession | undefined;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hil-usb-session-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));
  afterEach(async () => {
    await session?.close().catch(() => {});
    await usb?.stop();
    session = undefined;
    usb = undefined;
  });

  it('waits for the port, reopens it and sees the new boot; waits and writes carry over', async () => {
    usb = await startNativeUsbBoard({ board: 'usb-07', dir, goneMs: 500 });
    const link = await openConsoleLink(
      await openBoard(testBoard('usb-07', { kind: 'serial-path', path: usb.path })),
      { board: 'usb-07' },
    );
    // A watchdog far shorter than the time away: an away board is not a hung one.
    const s = new BoardSession(link, { idleProbe: 100, hungAfter: 1000 });
    session = s;
    const seen: Observation[] = [];
    s.on('observation', (o) => seen.push(o));
    const first = await s.hello();
    const boot = s.waitFor((o) => (o.kind === 'boot' ? o : undefined), 20_000, 'boot');
    const away = new Promise<HilError>((r) => s.on('away', r));
    const back = new Promise<{ awayMs: number; at: string }>((r) => s.on('back', r));
    await s.reset();
    expect((await away).message).to.match(/^usb-07: serial port .* went away: .*waiting up to 10 s/);
    // Written while away: it waits for the port and reaches the new agent.
    const emitted = s.waitForEvent('emitted', (e) => e.id === 'while-away', 20_000);
    const sent = s.emit('button', 'while-away');
    const b = await back;
    expect(b.at).to.equal(usb.path);
    expect(b.awayMs).to.be.at.least(400);
    const o = await boot;
    expect(o.reason).to.equal('hello');
    expect(String(o.boot)).to.not.equal(String(first.event.boot));
    const sentAt = await sent;
    const backAt = seen.find((x) => x.kind === 'back')!.t;
    expect(sentAt).to.be.at.least(backAt);
    await emitted;
    expect(seen.map((x) => x.kind).filter((k) => k !== 'event' && k !== 'console')).to.deep.equal([
      'away',
      'back',
      'boot',
    ]);
  });
});
