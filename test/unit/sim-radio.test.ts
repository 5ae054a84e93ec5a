import { once } from 'node:events';
import net from 'node:net';
import { expect } from 'chai';
import { type Link, OSError, Radio } from '../../harness/sim/radio.js';

/** A loopback server that records what each accepted socket sees. */
async function server() {
  const accepted: Array<{ socket: net.Socket; data: string; ended: boolean; closed: boolean }> = [];
  const srv = net.createServer((socket) => {
    const rec = { socket, data: '', ended: false, closed: false };
    accepted.push(rec);
    socket.on('data', (d) => {
      rec.data += d.toString();
    });
    socket.on('end', () => {
      rec.ended = true;
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      rec.closed = true;
    });
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as net.AddressInfo).port;
  const close = () =>
    new Promise<void>((resolve) => {
      for (const a of accepted) a.socket.destroy();
      srv.close(() => resolve());
    });
  return { accepted, port, close };
}

const connected = async (link: Link) => {
  if (!link.tcpConnected) await once(link, 'connect');
};

/** Polls `check` until true (for state that has no event of its own). */
async function eventually(check: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('sim radio', () => {
  let srv: Awaited<ReturnType<typeof server>>;
  let radio: Radio;
  beforeEach(async () => {
    srv = await server();
    radio = new Radio();
  });
  afterEach(async () => {
    radio.setUp(true);
    await srv.close();
  });

  it('carries bytes both ways while up', async () => {
    const link = radio.connect('127.0.0.1', srv.port);
    await connected(link);
    await eventually(() => srv.accepted.length === 1);
    const got = once(srv.accepted[0]?.socket as net.Socket, 'data');
    link.write('ping');
    await got;
    expect(srv.accepted[0]?.data).to.equal('ping');
    srv.accepted[0]?.socket.write('pong');
    const [chunk] = (await once(link, 'data')) as [Buffer];
    expect(chunk.toString()).to.equal('pong');
    link.destroy();
  });

  it('radio loss leaves the stream silent: writes fail with EHOSTUNREACH, nothing arrives, no FIN or RST', async () => {
    const link = radio.connect('127.0.0.1', srv.port);
    await connected(link);
    await eventually(() => srv.accepted.length === 1);
    let got = '';
    link.on('data', (d: Buffer) => {
      got += d.toString();
    });
    radio.setUp(false);
    expect(link.lost).to.equal(true);
    expect(link.destroyed, 'the library still holds its socket').to.equal(false);
    srv.accepted[0]?.socket.write('lost on the way');
    const errored = once(link, 'error');
    link.write('late');
    const [err] = (await errored) as [OSError];
    expect(err).to.be.instanceOf(OSError);
    expect(err.errno).to.equal(113);
    await new Promise<void>((r) => setTimeout(r, 300));
    const server = srv.accepted[0];
    expect(got, 'bytes crossed a downed radio').to.equal('');
    expect(server?.ended, 'broker saw FIN').to.equal(false);
    expect(server?.closed, 'broker socket closed').to.equal(false);
    expect(server?.data).to.equal('');
    expect(radio.orphans).to.equal(1);
  });

  it('fails a lost connection with ECONNABORTED when the radio is back, still without a word to the broker', async () => {
    const link = radio.connect('127.0.0.1', srv.port);
    await connected(link);
    await eventually(() => srv.accepted.length === 1);
    radio.setUp(false);
    const errored = once(link, 'error');
    radio.setUp(true);
    const [err] = (await errored) as [OSError];
    expect(err.errno).to.equal(103);
    await new Promise<void>((r) => setTimeout(r, 300));
    const server = srv.accepted[0];
    expect(server?.ended, 'broker saw FIN').to.equal(false);
    expect(server?.closed, 'broker socket closed').to.equal(false);
    expect(server?.data).to.equal('');
  });

  it('tells its watchers when the interface goes down and comes back', () => {
    const seen: boolean[] = [];
    const stop = radio.watch((up) => seen.push(up));
    radio.setUp(false);
    radio.setUp(false);
    radio.setUp(true);
    stop();
    radio.setUp(false);
    expect(seen).to.deep.equal([false, true]);
  });

  it('fails connect at once while down, without touching the network', async () => {
    radio.setUp(false);
    const link = radio.connect('127.0.0.1', srv.port);
    const [err] = (await once(link, 'error')) as [OSError];
    expect(err.code).to.equal('EHOSTUNREACH');
    expect(link.tcpConnected).to.equal(false);
    expect(srv.accepted).to.have.length(0);
  });

  it('lets an orphan go once the broker drops it after the radio is back', async () => {
    const link = radio.connect('127.0.0.1', srv.port);
    await connected(link);
    link.on('error', () => {});
    await eventually(() => srv.accepted.length === 1);
    radio.setUp(false);
    radio.setUp(true);
    const server = srv.accepted[0];
    server?.socket.end();
    await eventually(() => radio.orphans === 0);
    expect(server?.data).to.equal('');
  });

  it('closes normally (FIN) when the library closes its socket itself', async () => {
    const link = radio.connect('127.0.0.1', srv.port);
    await connected(link);
    await eventually(() => srv.accepted.length === 1);
    const server = srv.accepted[0];
    const fin = server?.ended ? Promise.resolve() : once(server?.socket as net.Socket, 'end');
    link.end();
    await fin;
    expect(server?.ended).to.equal(true);
  });
});
