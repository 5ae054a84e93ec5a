import { expect } from 'chai';
import { LineLink, type LinkPort, type PortBack, type StampedLine } from '../../harness/board/line-link.js';
import { HilError } from '../../harness/spec/errors.js';
import { ManualClock, MemoryLine } from '../fixtures/board/memory-stream.js';

function setup(opts: { maxLine?: number; writeTimeout?: number } = {}) {
  const stream = new MemoryLine();
  const clock = new ManualClock();
  const logged: string[] = [];
  const link = new LineLink(stream, { board: 'b1', now: clock.now, log: (m) => logged.push(m), ...opts });
  const lines: StampedLine[] = [];
  link.on('line', (l) => lines.push(l));
  return { stream, clock, link, lines, logged };
}

/** Lets the stream deliver what was fed. */
const drain = () => new Promise((r) => setImmediate(r));

describe('line link', () => {
  it('stamps each line with the clock at the arrival of its last byte', async () => {
    const { stream, clock, lines } = setup();
    stream.feed('@hil {"ev":"publi');
    await drain();
    clock.advance(7);
    stream.feed('shed","id":"x"}\nboot\n');
    await drain();
    expect(lines.map((l) => [l.t, l.decoded.type])).to.deep.equal([
      [1007, 'event'],
      [1007, 'console'],
    ]);
  });

  it('counts console, events, malformed, over-long and binary lines, and logs the bad ones', async () => {
    const { stream, link, logged } = setup({ maxLine: 64 });
    stream.feed('hello\n@hil {"ev":"net","state":"up"}\n@hil {oops\n@hil {"ev":"x"}\n');
    stream.feed(Buffer.from([0x00, 0xff, 0x0a]));
    stream.feed(`@hil {"ev":"error","msg":"${'y'.repeat(100)}"}\n`);
    await drain();
    expect(link.counters).to.include({
      lines: 6,
      events: 1,
      console: 2,
      malformed: 3,
      overlong: 1,
      binary: 1,
    });
    expect(logged.filter((m) => /malformed/.test(m))).to.have.length(3);
  });

  it('reports a cut protocol line as too long, not as invalid JSON', async () => {
    const { stream, lines } = setup({ maxLine: 32 });
    stream.feed(`@hil {"ev":"error","msg":"${'z'.repeat(64)}"}\n`);
    await drain();
    const d = lines[0]?.decoded;
    expect(d?.type).to.equal('malformed');
    expect(d?.type === 'malformed' && d.why).to.match(/longer than/);
  });

  it('keeps reading when a listener throws', async () => {
    const { stream, link, lines } = setup();
    link.on('line', () => {
      throw new Error('listener bug');
    });
    stream.feed('a\nb\n');
    await drain();
    expect(lines.map((l) => l.text)).to.deep.equal(['a', 'b']);
  });

  it('reports the end of the stream as gone, with the serial-gone code', async () => {
    const { stream, link } = setup();
    const gone = new Promise<HilError>((r) => link.once('gone', r));
    stream.feed('partial');
    stream.push(null);
    stream.resume();
    const err = await gone;
    expect(err).to.be.instanceOf(HilError);
    expect(err.code).to.equal('HIL_E_SERIAL_GONE');
    expect(err.message).to.contain('b1');
    expect(link.counters.lines).to.equal(1); // the partial line was kept
    let rejected: unknown;
    await link.write('x').catch((e) => (rejected = e));
    expect((rejected as HilError).code).to.equal('HIL_E_SERIAL_GONE');
  });

  it('does not call its own close a loss', async () => {
    const { link } = setup();
    let gone = false;
    link.on('gone', () => (gone = true));
    await link.close();
    await drain();
    expect(gone).to.equal(false);
  });

  it('rejects a write the port never takes with a timeout error', async () => {
    const { stream, link } = setup({ writeTimeout: 30 });
    stream.stall = true;
    let err: unknown;
    await link.write('@hil {"op":"reset"}\n').catch((e) => (err = e));
    expect((err as HilError).code).to.equal('HIL_E_TIMEOUT');
    expect((err as HilError).message).to.contain('b1');
  });
});

describe('line link: a port that goes away and comes back', () => {
  /** A port that can vanish: `open` fails until `plugIn`, then gives a fresh in-memory line. */
  function setup(opts: { awayMs?: number } = {}) {
    const clock = new ManualClock();
    const first = new MemoryLine();
    const streams = [first];
    let present = true;
    let tries = 0;
    const onTry: Array<() => void> = [];
    let path = '/dev/ttyACM0';
    let closes = 0;
    const port = (stream: MemoryLine): LinkPort => ({
      stream,
      close: async () => {
        closes++;
        stream.destroy();
      },
    });
    const link = new LineLink(first, {
      board: 'b1',
      now: clock.now,
      close: () => port(first).close(),
      awayMs: opts.awayMs ?? 5000,
      reopenEveryMs: 1,
      reopen: {
        open: async () => {
          tries++;
          for (const f of onTry.splice(0)) f();
          if (!present) throw new Error('ENOENT');
          const next = new MemoryLine();
          streams.push(next);
          return port(next);
        },
        at: () => path,
        what: () => `at ${path}`,
      },
    });
    const lines: string[] = [];
    link.on('line', (l) => lines.push(l.text));
    const once = <K extends 'away' | 'back' | 'gone'>(ev: K) =>
      new Promise<K extends 'back' ? PortBack : HilError>((r) => link.once(ev, r as never));
    /** The device goes away: its stream closes, and reopening fails until `plugIn`. */
    const unplug = () => {
      present = false;
      streams.at(-1)?.destroy();
    };
    const plugIn = (at = path) => {
      path = at;
      present = true;
    };
    return {
      clock,
      link,
      lines,
      streams,
      once,
      unplug,
      plugIn,
      tries: () => tries,
      /** Resolves at the next try to reopen. */
      nextTry: () => new Promise<void>((r) => onTry.push(r)),
      closes: () => closes,
    };
  }

  it('is away (not gone) when its port vanishes, and back on the new stream once it reopens', async () => {
    const { clock, link, lines, streams, once, unplug, plugIn, nextTry } = setup();
    streams[0]!.feed('before\n');
    await drain();
    const away = once('away');
    unplug();
    const err = await away;
    expect(err.code).to.equal('HIL_E_SERIAL');
    expect(err.message).to.match(
      /^b1: serial port \/dev\/ttyACM0 went away: .*; waiting up to 5 s for it to come back$/,
    );
    expect(link.away).to.equal(err);
    expect(link.gone).to.equal(undefined);
    // Tried, and tried again, while it is not there.
    await nextTry();
    await nextTry();
    clock.advance(1500);
    const back = once('back');
    plugIn('/dev/ttyACM1');
    expect(await back).to.deep.equal({ awayMs: 1500, at: '/dev/ttyACM1' });
    expect(link.away).to.equal(undefined);
    streams.at(-1)!.feed('after\n');
    await drain();
    expect(lines).to.deep.equal(['before', 'after']);
    await link.write('x\n');
    expect(streams.at(-1)!.written).to.deep.equal(['x\n']);
  });

  it('holds a write while away and makes it on the new stream', async () => {
    const { link, streams, once, unplug, plugIn } = setup();
    const away = once('away');
    unplug();
    await away;
    let done = false;
    const write = link.write('@hil {"op":"hello"}\n').then(() => (done = true));
    const ready = link.ready();
    await drain();
    expect(done).to.equal(false);
    plugIn();
    await write;
    await ready;
    expect(streams.at(-1)!.written).to.deep.equal(['@hil {"op":"hello"}\n']);
    expect(streams[0]!.written).to.deep.equal([]);
  });

  it('ignores the dead stream once it has moved on', async () => {
    const { link, streams, once, unplug, plugIn } = setup();
    const away = once('away');
    unplug();
    await away;
    const back = once('back');
    plugIn();
    await back;
    let again = false;
    link.on('away', () => (again = true));
    streams[0]!.emit('close');
    streams[0]!.emit('error', new Error('late'));
    await drain();
    expect(again).to.equal(false);
    expect(link.away).to.equal(undefined);
  });

  it('is gone when the port is not back in time, naming where and how long; held writes fail with it', async () => {
    const { link, once, unplug } = setup({ awayMs: 30 });
    const away = once('away');
    unplug();
    await away;
    const write = link.write('x\n').then(
      () => undefined,
      (e: unknown) => e,
    );
    const err = await once('gone');
    expect(err.code).to.equal('HIL_E_SERIAL_GONE');
    expect(err.message).to.match(
      /^b1: serial port went away \(.*\) and did not come back within 30 ms at \/dev\/ttyACM0 \(USB cable unplugged/,
    );
    expect(link.gone).to.equal(err);
    expect(link.away).to.equal(undefined);
    expect(await write).to.equal(err);
    let readyErr: unknown;
    await link.ready().catch((e) => (readyErr = e));
    expect(readyErr).to.equal(err);
  });

  it('stops waiting when closed: no gone, no more tries, held writes fail as closed', async () => {
    const { link, once, unplug, tries } = setup();
    const away = once('away');
    unplug();
    await away;
    let gone = false;
    link.on('gone', () => (gone = true));
    const write = link.write('x\n').then(
      () => undefined,
      (e: unknown) => e,
    );
    await link.close();
    const n = tries();
    await new Promise((r) => setTimeout(r, 10));
    expect(tries()).to.equal(n);
    expect(gone).to.equal(false);
    expect(((await write) as HilError).message).to.equal('b1: link is closed');
  });

  it('closes the port it came back on', async () => {
    const { link, once, unplug, plugIn, closes } = setup();
    const away = once('away');
    unplug();
    await away;
    const back = once('back');
    plugIn();
    await back;
    const before = closes();
    await link.close();
    expect(closes()).to.equal(before + 1);
  });
});
