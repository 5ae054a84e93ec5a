import { expect } from 'chai';
import { LineLink } from '../../harness/board/line-link.js';
import type { Observation } from '../../harness/board/observation.js';
import { encodeEvent } from '../../harness/board/protocol.js';
import { toOps } from '../../harness/board/record.js';
import { BoardSession, type BoardSessionOptions } from '../../harness/board/session.js';
import type { Op } from '../../harness/history/ops.js';
import { HilError } from '../../harness/spec/errors.js';
import { ManualClock, MemoryLine } from '../fixtures/board/memory-stream.js';

const drain = () => new Promise((r) => setImmediate(r));
const hello = (boot: number | string) =>
  encodeEvent({ ev: 'hello', agent: '1', board: 'b1', fw: 'fw', boot, t: 5 });

describe('board session', () => {
  let sessions: BoardSession[] = [];

  function setup(opts: BoardSessionOptions = {}) {
    const stream = new MemoryLine();
    const clock = new ManualClock();
    const link = new LineLink(stream, { board: 'b1', now: clock.now });
    const session = new BoardSession(link, { idleProbe: 0, ...opts });
    sessions.push(session);
    const seen: Observation[] = [];
    session.on('observation', (o) => seen.push(o));
    const feed = async (s: string) => {
      stream.feed(s);
      await drain();
    };
    const kinds = () => seen.filter((o) => o.kind !== 'console' && o.kind !== 'event').map((o) => o.kind);
    return { stream, clock, link, session, seen, feed, kinds };
  }

  afterEach(async () => {
    await Promise.all(sessions.map((s) => s.close()));
    sessions = [];
  });

  describe('hello', () => {
    it('sends hello with the run id and resolves with the answer', async () => {
      const { stream, session, feed } = setup({ run: 'r-42' });
      const answer = session.hello(1000);
      await drain();
      expect(stream.ops()[0]).to.deep.equal({ op: 'hello', run: 'r-42' });
      await feed(hello(7));
      const { event, t } = await answer;
      expect(event.boot).to.equal(7);
      expect(t).to.equal(1000);
      expect(session.bootId).to.equal(7);
    });

    it('resends hello while the board stays quiet, and times out with a clear error', async () => {
      const { stream, session } = setup({ helloRetry: 10 });
      let err: unknown;
      await session.hello(80).catch((e) => (err = e));
      expect((err as HilError).code).to.equal('HIL_E_TIMEOUT');
      expect((err as HilError).message).to.equal('b1: no answer to hello within 80 ms');
      expect(stream.ops().length).to.be.at.least(2);
    });
  });

  describe('reboot detection', () => {
    it('a board in a reset loop before its agent says hello: the boots are seen and hello fails naming the loop', async () => {
      const { clock, session, feed, kinds } = setup({ helloRetry: 10 });
      const answer = session.hello(1000).then(
        () => undefined,
        (e: unknown) => e,
      );
      for (let i = 0; i < 3; i++) {
        await feed(
          'ets Jun  8 2016 00:22:57\r\n\r\nrst:0x10 (RTCWDT_RTC_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\r\n',
        );
        await feed("Guru Meditation Error: Core  1 panic'ed (LoadProhibited)\r\n");
        clock.advance(300);
      }
      const err = (await answer) as HilError;
      expect(kinds()).to.deep.equal(['boot', 'boot', 'boot']);
      expect(err.code).to.equal('HIL_E_TIMEOUT');
      expect(err.message).to.equal(
        'b1: no answer to hello within 1000 ms: it rebooted 3 times meanwhile, a reset loop before its agent said hello (last: "rst:0x10 (RTCWDT_RTC_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)")',
      );
    });

    it('takes the first hello as the boot and an answer with the same id as no reboot', async () => {
      const { feed, kinds } = setup();
      await feed(hello(1) + hello(1) + hello('1'));
      expect(kinds()).to.deep.equal([]);
    });

    it('reports a hello with a new boot id as a reboot', async () => {
      const { feed, seen } = setup();
      await feed(hello(1) + hello(2));
      const boots = seen.filter((o) => o.kind === 'boot');
      expect(boots).to.deep.equal([{ kind: 'boot', t: 1000, reason: 'hello', boot: 2 }]);
    });

    it('reports ESP ROM lines, then counts the banner and hello of the same boot once', async () => {
      const { feed, seen } = setup();
      await feed(hello(1));
      await feed(
        'ets Jun  8 2016 00:22:57\r\n\r\nrst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\r\n',
      );
      await feed('MicroPython v1.24.0 on 2024-10-25; ESP32 module with ESP32\r\n');
      await feed(hello(2));
      const boots = seen.filter((o) => o.kind === 'boot');
      expect(boots.map((b) => b.kind === 'boot' && b.reason)).to.deep.equal(['rom']);
    });

    it('reports a MicroPython banner and a soft reboot', async () => {
      const { feed, seen } = setup();
      await feed(hello(1));
      await feed('MicroPython v1.22.2 on 2024-02-22; Raspberry Pi Pico W with RP2040\r\n');
      await feed(hello(1)); // the agent came back on the same boot: one boot, seen by its banner
      await feed('MPY: soft reboot\r\n');
      await feed(hello(3));
      const boots = seen.filter((o) => o.kind === 'boot').map((b) => (b.kind === 'boot' ? b.reason : ''));
      expect(boots).to.deep.equal(['banner', 'banner']);
    });

    it('counts a ROM reset after a banner as a second boot', async () => {
      const { feed, seen } = setup();
      await feed('MicroPython v1.24.0 on 2024-10-25; generic\r\nrst:0x3 (SW_RESET),boot:0x13\r\n');
      expect(seen.filter((o) => o.kind === 'boot')).to.have.length(2);
    });

    it('does not take prose that mentions MicroPython for a banner', async () => {
      const { feed, kinds } = setup();
      await feed('running on MicroPython v1.24\r\nfirst: rst:0x1 is not at line start\r\n');
      expect(kinds()).to.deep.equal([]);
    });
  });

  describe('tracebacks', () => {
    it('collects a traceback up to its error line', async () => {
      const { feed, seen } = setup();
      await feed(
        'Traceback (most recent call last):\r\n  File "main.py", line 10, in <module>\r\n' +
          '  File "umqtt/robust.py", line 30, in reconnect\r\nIndexError: list index out of range\r\nnext\r\n',
      );
      const tbs = seen.filter((o) => o.kind === 'traceback');
      expect(tbs).to.have.length(1);
      const tb = tbs[0] as Extract<Observation, { kind: 'traceback' }>;
      expect(tb.error).to.equal('IndexError: list index out of range');
      expect(tb.lines).to.have.length(4);
      // Its lines stay in the serial log too.
      expect(seen.filter((o) => o.kind === 'console')).to.have.length(5);
    });

    it('keeps protocol lines that interleave with a traceback as events', async () => {
      const { feed, seen } = setup();
      await feed('Traceback (most recent call last):\r\n');
      await feed(encodeEvent({ ev: 'mqtt', state: 'disconnected' }));
      await feed('  File "main.py", line 3\r\nOSError: -1\r\n');
      expect(seen.filter((o) => o.kind === 'event')).to.have.length(1);
      const tb = seen.find((o) => o.kind === 'traceback');
      expect(tb?.kind === 'traceback' && tb.error).to.equal('OSError: -1');
    });

    it('closes an unfinished traceback when the session closes', async () => {
      const { feed, session, seen } = setup();
      await feed('Traceback (most recent call last):\r\n  File "main.py", line 3\r\n');
      await session.close();
      expect(seen.filter((o) => o.kind === 'traceback')).to.have.length(1);
    });
  });

  describe('watchdog', () => {
    it('probes a silent line with hello, and marks it hung once when nothing answers', async () => {
      const { stream, clock, session, seen } = setup({ idleProbe: 1000, hungAfter: 5000 });
      const hung: number[] = [];
      session.on('hung', (o) => hung.push(o.silentMs));
      const waiting = session.waitForEvent('emitted', undefined, 60_000).then(
        () => undefined,
        (e: unknown) => e,
      );
      clock.advance(999);
      session.tick();
      expect(stream.ops()).to.have.length(0);
      clock.advance(1);
      session.tick();
      await drain();
      expect(stream.ops()).to.deep.equal([{ op: 'hello', run: 'hil' }]);
      clock.advance(4999);
      session.tick();
      expect(hung).to.deep.equal([]);
      clock.advance(1);
      session.tick();
      clock.advance(10_000);
      session.tick();
      expect(hung).to.deep.equal([6000]);
      expect(seen.filter((o) => o.kind === 'hung')).to.have.length(1);
      expect(session.hung).to.equal(true);
      const err = await waiting;
      expect((err as HilError).code).to.equal('HIL_E_TIMEOUT');
      expect((err as HilError).message).to.match(/hung/);
    });

    it('takes any line after the probe as life, however late', async () => {
      const { clock, session, feed } = setup({ idleProbe: 1000, hungAfter: 5000 });
      const hung: number[] = [];
      session.on('hung', (o) => hung.push(o.silentMs));
      clock.advance(1000);
      session.tick();
      clock.advance(4000);
      await feed('connecting...\r\n');
      session.tick();
      clock.advance(4000);
      session.tick();
      expect(hung).to.deep.equal([]);
      expect(session.hung).to.equal(false);
    });

    it('does not take ROM chatter or a boot banner as the board answering: a reset loop is hung, with its boots', async () => {
      const { clock, session, feed } = setup({ idleProbe: 1000, hungAfter: 5000 });
      const hung: Array<{ silentMs: number; boots?: number }> = [];
      session.on('hung', (o) => hung.push({ silentMs: o.silentMs, boots: o.boots }));
      await feed(hello(1));
      const waiting = session.waitForEvent('emitted', undefined, 60_000).then(
        () => undefined,
        (e: unknown) => e,
      );
      // From 1 s on: a crash, then ROM, loader chatter and banner every 2 s, never a hello.
      for (let i = 0; i < 4; i++) {
        clock.advance(1000);
        session.tick();
        await feed('rst:0xc (SW_CPU_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\r\nload:0x3fff0030,len:4\r\n');
        await feed('MicroPython v1.24.1 on 2024-11-29; ESP32 module with ESP32\r\n');
        clock.advance(1000);
        session.tick();
      }
      expect(hung).to.deep.equal([{ silentMs: 6000, boots: 3 }]);
      expect(((await waiting) as HilError).message).to.equal(
        'b1: hung in a reset loop: 3 boots in 6000 ms and no answer to hello (last: "MicroPython v1.24.1 on 2024-11-29; ESP32 module with ESP32")',
      );
    });

    it("after a boot, only the agent's word is an answer; then any line is again", async () => {
      const { clock, session, feed } = setup({ idleProbe: 1000, hungAfter: 5000 });
      const hung: Array<{ silentMs: number; boots?: number }> = [];
      session.on('hung', (o) => hung.push({ silentMs: o.silentMs, boots: o.boots }));
      for (let i = 0; i < 4; i++) {
        clock.advance(1000);
        session.tick();
        await feed('MPY: soft reboot\r\n');
        await feed(hello(i + 1));
        await feed('app: connecting\r\n');
        clock.advance(1000);
        session.tick();
      }
      expect(hung).to.deep.equal([]);
      // One boot, then the app prints but the agent never speaks: hung after a reboot, boots 1.
      await feed('MPY: soft reboot\r\napp: main.py started\r\n');
      for (let i = 0; i < 7; i++) {
        clock.advance(1000);
        session.tick();
      }
      expect(hung).to.deep.equal([{ silentMs: 6000, boots: 1 }]);
    });

    it('marks a second silence hung again after the board came back', async () => {
      const { clock, session, feed } = setup({ idleProbe: 100, hungAfter: 100 });
      let hung = 0;
      session.on('hung', () => hung++);
      for (let round = 0; round < 2; round++) {
        clock.advance(100);
        session.tick();
        clock.advance(100);
        session.tick();
        await feed('back\r\n');
        session.tick();
      }
      expect(hung).to.equal(2);
    });
  });

  describe('commands', () => {
    it('writes config, emit, wifi and reset as protocol ops; emit resolves with the write time', async () => {
      const { stream, clock, session } = setup();
      clock.advance(5);
      await session.config({ broker: '127.0.0.1:21001', topic: 'hil/b1', client_id: 'c1', qos: 1 });
      const t = await session.emit('button', 'b1-button-1');
      await session.wifi(false);
      await session.reset();
      expect(t).to.equal(1005);
      expect(stream.ops()).to.deep.equal([
        { broker: '127.0.0.1:21001', topic: 'hil/b1', client_id: 'c1', qos: 1, op: 'config' },
        { op: 'emit', cls: 'button', id: 'b1-button-1' },
        { op: 'wifi', up: false },
        { op: 'reset' },
      ]);
    });

    it('fails pending waits with serial-gone when the line goes away', async () => {
      const { stream, session, seen } = setup();
      const waiting = session.waitForEvent('published', (e) => e.id === 'x', 60_000);
      stream.push(null);
      stream.resume();
      let err: unknown;
      await waiting.catch((e) => (err = e));
      expect((err as HilError).code).to.equal('HIL_E_SERIAL_GONE');
      expect(seen.at(-1)?.kind).to.equal('gone');
      let sendErr: unknown;
      await session.emit('button', 'late').catch((e) => (sendErr = e));
      expect((sendErr as HilError).code).to.equal('HIL_E_SERIAL_GONE');
    });
  });

  describe('a port that goes away and comes back', () => {
    function setupAway() {
      const clock = new ManualClock();
      const first = new MemoryLine();
      const streams = [first];
      let present = true;
      const link = new LineLink(first, {
        board: 'b1',
        now: clock.now,
        reopenEveryMs: 1,
        reopen: {
          open: async () => {
            if (!present) throw new Error('ENOENT');
            const next = new MemoryLine();
            streams.push(next);
            return { stream: next, close: async () => void next.destroy() };
          },
          at: () => '/dev/ttyACM0',
          what: () => 'at /dev/ttyACM0',
        },
      });
      // A watchdog far shorter than the time away.
      const session = new BoardSession(link, { idleProbe: 100, hungAfter: 300, helloRetry: 60_000 });
      sessions.push(session);
      const seen: Observation[] = [];
      session.on('observation', (o) => seen.push(o));
      const kinds = () => seen.filter((o) => o.kind !== 'console' && o.kind !== 'event').map((o) => o.kind);
      const plug = (on: boolean) => {
        present = on;
        if (!on) streams.at(-1)?.destroy();
      };
      return { clock, streams, session, seen, kinds, plug };
    }

    it('records away and back, keeps waits, rests the watchdog, and says hello again: a new boot id is a boot', async () => {
      const { clock, streams, session, seen, kinds, plug } = setupAway();
      const first = session.hello(1000);
      await drain();
      streams[0]!.feed(hello(1));
      await first;
      const boot = session.waitFor((o) => (o.kind === 'boot' ? o : undefined), 60_000, 'boot');
      const away = new Promise<HilError>((r) => session.on('away', r));
      plug(false);
      expect((await away).code).to.equal('HIL_E_SERIAL');
      clock.advance(10_000);
      session.tick();
      session.tick();
      expect(session.hung).to.equal(false);
      expect(kinds()).to.deep.equal(['away']);
      const back = new Promise((r) => session.on('back', r));
      clock.advance(500);
      plug(true);
      await back;
      await drain();
      expect(seen.find((o) => o.kind === 'back')).to.deep.equal({
        kind: 'back',
        t: 11_500,
        awayMs: 10_500,
        at: '/dev/ttyACM0',
      });
      const now = streams.at(-1)!;
      expect(now.ops()).to.deep.equal([{ op: 'hello', run: 'hil' }]);
      now.feed(hello(2));
      await drain();
      // Booted at some time since the port went away (t 1000), seen at 11 500.
      expect(await boot).to.deep.include({ t: 11_500, boot: 2, unseenMs: 10_500 });
      expect(kinds()).to.deep.equal(['away', 'back', 'boot']);
      // The silence while away was the port's: no probe is due yet.
      session.tick();
      expect(now.ops()).to.have.length(1);
    });

    it('an op sent while away goes out once the port is back, timed then', async () => {
      const { clock, streams, session, plug } = setupAway();
      const away = new Promise((r) => session.on('away', r));
      plug(false);
      await away;
      const sent = session.emit('button', 'b-1');
      clock.advance(700);
      plug(true);
      expect(await sent).to.equal(1700);
      expect(streams.at(-1)!.ops()).to.deep.include({ op: 'emit', cls: 'button', id: 'b-1' });
    });
  });
});

describe('recording observations as history ops', () => {
  const rec = (o: Observation) => toOps(o, 'b1', 1000);
  const ev = (event: Extract<Observation, { kind: 'event' }>['event']): Observation => ({
    kind: 'event',
    t: 1500,
    event,
  });

  it('maps agent events to noticed, accepted, dropped, delivered (down), mqtt, net and agent-error', () => {
    const table: [Observation, Op[]][] = [
      [
        ev({ ev: 'emitted', id: 'i1', cls: 'button', t: 3 }),
        [{ t: 500, kind: 'noticed', board: 'b1', cls: 'button', id: 'i1' }],
      ],
      [ev({ ev: 'published', id: 'i1' }), [{ t: 500, kind: 'accepted', board: 'b1', id: 'i1' }]],
      [
        ev({ ev: 'dropped', id: 'i1', why: 'deadline' }),
        [{ t: 500, kind: 'dropped', board: 'b1', id: 'i1', why: 'deadline' }],
      ],
      [
        ev({ ev: 'received', id: 'c1', cls: 'command', seq: 4, t: 9, epoch: 2 }),
        [
          {
            t: 500,
            kind: 'delivered',
            board: 'b1',
            cls: 'command',
            id: 'c1',
            direction: 'down',
            seq: 4,
            epoch: 2,
          },
        ],
      ],
      [
        ev({ ev: 'received', id: 'c2', cls: 'command', seq: 5, t: 9 }),
        [{ t: 500, kind: 'delivered', board: 'b1', cls: 'command', id: 'c2', direction: 'down', seq: 5 }],
      ],
      [ev({ ev: 'mqtt', state: 'connected' }), [{ t: 500, kind: 'mqtt', board: 'b1', state: 'connected' }]],
      [ev({ ev: 'net', state: 'down' }), [{ t: 500, kind: 'net', board: 'b1', state: 'down' }]],
      [ev({ ev: 'error', msg: 'no wifi' }), [{ t: 500, kind: 'agent-error', board: 'b1', msg: 'no wifi' }]],
      [ev({ ev: 'hello', agent: '1', board: 'b1', fw: 'f', boot: 1, t: 0 }), []],
    ];
    for (const [o, ops] of table) expect(rec(o)).to.deep.equal(ops);
  });

  it('maps console, malformed, boot, traceback, hung, away, back and gone', () => {
    const gone = new HilError('HIL_E_SERIAL_GONE', 'b1: serial line gone');
    const away = new HilError('HIL_E_SERIAL', 'b1: serial port /dev/ttyACM0 went away: hung up; waiting');
    const table: [Observation, Op[]][] = [
      [{ kind: 'console', t: 900, line: 'hi' }, [{ t: -100, kind: 'serial', board: 'b1', line: 'hi' }]],
      [
        { kind: 'malformed', t: 1000, line: '@hil {', why: 'invalid JSON' },
        [{ t: 0, kind: 'serial', board: 'b1', line: '@hil {' }],
      ],
      [
        { kind: 'boot', t: 2000, reason: 'rom', line: 'rst:0x1' },
        [{ t: 1000, kind: 'boot', board: 'b1', reason: 'rom', line: 'rst:0x1' }],
      ],
      [
        { kind: 'boot', t: 2000, reason: 'hello', boot: 9 },
        [{ t: 1000, kind: 'boot', board: 'b1', reason: 'hello', boot: 9 }],
      ],
      [
        { kind: 'boot', t: 2000, reason: 'hello', boot: 9, unseenMs: 1500 },
        [{ t: 1000, kind: 'boot', board: 'b1', reason: 'hello', boot: 9, unseenMs: 1500 }],
      ],
      [
        {
          kind: 'traceback',
          t: 2000,
          lines: ['Traceback (most recent call last):', 'OSError: 5'],
          error: 'OSError: 5',
        },
        [{ t: 1000, kind: 'traceback', board: 'b1', line: 'OSError: 5' }],
      ],
      [
        {
          kind: 'traceback',
          t: 2000,
          lines: ['Traceback (most recent call last):', '  File "main.py", line 3'],
          error: '',
          cut: 'abort() was called at PC 0x400d2f0b on core 1',
        },
        [
          {
            t: 1000,
            kind: 'traceback',
            board: 'b1',
            line: '  File "main.py", line 3',
            cut: 'abort() was called at PC 0x400d2f0b on core 1',
          },
        ],
      ],
      [
        { kind: 'hung', t: 2000, silentMs: 35_000 },
        [{ t: 1000, kind: 'hung', board: 'b1', silentMs: 35_000 }],
      ],
      [
        { kind: 'away', t: 2000, error: away },
        [{ t: 1000, kind: 'port-away', board: 'b1', msg: away.message }],
      ],
      [
        { kind: 'back', t: 3000, awayMs: 1000, at: '/dev/ttyACM1' },
        [{ t: 2000, kind: 'port-back', board: 'b1', awayMs: 1000, at: '/dev/ttyACM1' }],
      ],
      [
        { kind: 'gone', t: 2000, error: gone },
        [{ t: 1000, kind: 'error', board: 'b1', msg: gone.message, gone: true }],
      ],
    ];
    for (const [o, ops] of table) expect(rec(o)).to.deep.equal(ops);
  });
});
