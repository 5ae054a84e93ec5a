import { PassThrough } from 'node:stream';
import { expect } from 'chai';
import { LineLink } from '../../harness/board/line-link.js';

/** A writable end that records what reached it through the stream (the thread-pool path). */
function streamOf(): { stream: PassThrough; queued: string[]; hold(): () => void } {
  const stream = new PassThrough();
  const queued: string[] = [];
  let held: Array<() => void> | undefined;
  stream._write = (chunk: Buffer, _enc, cb) => {
    queued.push(chunk.toString('latin1'));
    if (held) held.push(() => cb());
    else cb();
  };
  return {
    stream,
    queued,
    // Holds the stream's writes until the returned function is called (a write in flight).
    hold: () => {
      held = [];
      return () => {
        const h = held ?? [];
        held = undefined;
        for (const f of h) f();
      };
    },
  };
}

describe('line link: a line op goes straight to the port when it can', () => {
  it('writes it now when the port takes it whole, without the stream', async () => {
    const { stream, queued } = streamOf();
    const now: string[] = [];
    const link = new LineLink(stream, {
      writeNow: (b) => {
        now.push(b.toString());
        return b.length;
      },
    });
    await link.write('@hil {"op":"emit"}\n');
    expect(now).to.deep.equal(['@hil {"op":"emit"}\n']);
    expect(queued).to.deep.equal([]);
    expect(link.counters.writes).to.equal(1);
  });

  it('resolves with the time just before the write began, not when a queued rest was taken', async () => {
    const { stream, hold } = streamOf();
    let clock = 100;
    const link = new LineLink(stream, { writeNow: () => 3, now: () => clock });
    const release = hold();
    const written = link.write('abcdef\n');
    clock = 250;
    release();
    expect(await written).to.equal(100);
  });

  it('queues what the port did not take (partial, or would block), in order', async () => {
    const { stream, queued } = streamOf();
    let take = 4;
    const link = new LineLink(stream, { writeNow: () => take });
    await link.write('abcdefgh\n');
    expect(queued).to.deep.equal(['efgh\n']);
    take = 0;
    await link.write('xyz\n');
    expect(queued).to.deep.equal(['efgh\n', 'xyz\n']);
  });

  it('never overtakes a write still queued: then it queues behind it', async () => {
    const { stream, queued, hold } = streamOf();
    const now: string[] = [];
    let take = 0;
    const link = new LineLink(stream, {
      writeNow: (b) => {
        if (!take) return 0;
        now.push(b.toString());
        return b.length;
      },
    });
    const release = hold();
    const first = link.write('first\n');
    await new Promise((r) => setImmediate(r));
    take = 1;
    const second = link.write('second\n');
    release();
    await Promise.all([first, second]);
    expect(now, 'not written around the queued one').to.deep.equal([]);
    expect(queued).to.deep.equal(['first\n', 'second\n']);
  });

  it('fails with the error of a port that refuses the write', async () => {
    const { stream } = streamOf();
    const link = new LineLink(stream, {
      board: 'b1',
      writeNow: () => {
        throw Object.assign(new Error('EIO: i/o error, write'), { code: 'EIO' });
      },
    });
    const err = await link.write('x\n').then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.message).to.equal('b1: write failed: EIO: i/o error, write');
  });
});
