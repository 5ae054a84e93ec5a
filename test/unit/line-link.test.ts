import { expect } from 'chai';
import { LineLink, type StampedLine } from '../../harness/board/line-link.js';
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
