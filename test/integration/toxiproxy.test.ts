import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { expect } from 'chai';
import { freePort } from '../../harness/network/free-port.js';
import { ToxiproxyClient } from '../../harness/network/toxiproxy.js';
import {
  openToxiproxy,
  startToxiproxyServer,
  type ToxiproxyService,
} from '../../harness/network/toxiproxy-server.js';
import { connectError, eventOf, rejection } from './toxiproxy-helpers.js';

/** Sends `text` through host:port and resolves with what comes back (the upstream echoes). */
async function echoThrough(port: number, text: string): Promise<string> {
  const socket = connect({ host: '127.0.0.1', port });
  socket.setEncoding('utf8');
  await eventOf(socket, 'connect');
  socket.write(text);
  const [data] = await eventOf<[string]>(socket, 'data');
  socket.destroy();
  return data;
}

describe('Toxiproxy wrapper and managed server (real toxiproxy-server)', function () {
  this.timeout(30_000);
  let service: ToxiproxyService;
  let echo: Server;
  let echoPort: number;
  const sockets = new Set<Socket>();
  const log: string[] = [];

  before(async () => {
    service = await startToxiproxyServer({ log: (line) => log.push(line) });
    echo = createServer((s) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.pipe(s);
    });
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', () => r()));
    echoPort = (echo.address() as { port: number }).port;
  });

  after(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((r) => echo?.close(r));
    await service?.stop();
  });

  afterEach(async () => {
    await service.client.reset();
  });

  it('starts its own server on a free loopback port and sends its log to the callback', async () => {
    expect(service.managed).to.equal(true);
    expect(service.url).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await service.client.version()).to.be.a('string');
    expect(log.some((l) => l.includes('Starting Toxiproxy'))).to.equal(true);
    // The probe proxy used to recognise our server is gone.
    expect((await service.client.proxyNames()).filter((n) => n.startsWith('hil-probe-'))).to.deep.equal([]);
  });

  it('creates a proxy on port 0, reads back the real port, and keeps it when asked again', async () => {
    const proxy = await service.client.ensureProxy({
      name: 'board-a',
      listen: { host: '127.0.0.1', port: 0 },
      upstream: `127.0.0.1:${echoPort}`,
    });
    expect(proxy.listen.host).to.equal('127.0.0.1');
    expect(proxy.listen.port).to.be.greaterThan(0);
    expect(await echoThrough(proxy.listen.port, 'hello')).to.equal('hello');
    const again = await service.client.ensureProxy({
      name: 'board-a',
      listen: { host: '127.0.0.1', port: 0 },
      upstream: `127.0.0.1:${echoPort}`,
    });
    expect(again.listen.port).to.equal(proxy.listen.port);
  });

  it('moves an existing proxy to a new upstream and re-enables a disabled one', async () => {
    const first = await service.client.ensureProxy({
      name: 'board-b',
      listen: { host: '127.0.0.1', port: 0 },
      upstream: '127.0.0.1:9',
    });
    await first.setEnabled(false);
    const moved = await service.client.ensureProxy({
      name: 'board-b',
      listen: { host: '127.0.0.1', port: 0 },
      upstream: `127.0.0.1:${echoPort}`,
    });
    expect(moved.upstream).to.equal(`127.0.0.1:${echoPort}`);
    expect(moved.listen.port).to.equal(first.listen.port);
    expect(await moved.isEnabled()).to.equal(true);
    expect(await echoThrough(moved.listen.port, 'moved')).to.equal('moved');
  });

  it('adds and removes toxics by name; removing a missing one says so', async () => {
    const proxy = await service.client.ensureProxy({
      name: 'board-c',
      listen: { host: '127.0.0.1', port: 0 },
      upstream: `127.0.0.1:${echoPort}`,
    });
    await proxy.addToxic({
      name: 'slow',
      type: 'latency',
      stream: 'downstream',
      attributes: { latency: 10, jitter: 0 },
    });
    await proxy.addToxic({ name: 'rst', type: 'reset_peer', stream: 'upstream', attributes: { timeout: 0 } });
    expect((await proxy.toxicNames()).sort()).to.deep.equal(['rst', 'slow']);
    expect(await proxy.removeToxic('slow')).to.equal(true);
    expect(await proxy.removeToxic('slow')).to.equal(false);
    expect(await proxy.toxicNames()).to.deep.equal(['rst']);
    const err = await rejection(
      proxy.addToxic({ name: 'rst', type: 'reset_peer', stream: 'upstream', attributes: { timeout: 0 } }),
    );
    expect(err.code).to.equal('HIL_E_PROXY');
    expect(err.message).to.include('add toxic rst');
  });

  it('disabling refuses connections on the same port; enabling and /reset bring it back', async () => {
    const proxy = await service.client.ensureProxy({
      name: 'board-d',
      listen: { host: '127.0.0.1', port: 0 },
      upstream: `127.0.0.1:${echoPort}`,
    });
    await proxy.setEnabled(false);
    expect(await proxy.isEnabled()).to.equal(false);
    expect(await connectError(proxy.listen.port)).to.equal('ECONNREFUSED');
    await proxy.setEnabled(true);
    expect(await echoThrough(proxy.listen.port, 'back')).to.equal('back');

    await proxy.setEnabled(false);
    await proxy.addToxic({ name: 'cut', type: 'timeout', stream: 'upstream', attributes: { timeout: 0 } });
    await service.client.reset();
    expect(await proxy.isEnabled()).to.equal(true);
    expect(await proxy.toxicNames()).to.deep.equal([]);
    expect(await echoThrough(proxy.listen.port, 'reset')).to.equal('reset');
  });

  it('openToxiproxy uses a server that answers, without managing it; stop only resets it', async () => {
    const found = await openToxiproxy({ url: service.url, manage: true });
    expect(found.managed).to.equal(false);
    expect(found.url).to.equal(service.url);
    const proxy = await found.client.ensureProxy({
      name: 'board-e',
      listen: { host: '127.0.0.1', port: 0 },
      upstream: `127.0.0.1:${echoPort}`,
    });
    await proxy.addToxic({ name: 'left', type: 'timeout', stream: 'upstream', attributes: { timeout: 0 } });
    await found.stop();
    expect(await service.client.version()).to.be.a('string');
    expect(await proxy.toxicNames()).to.deep.equal([]);
  });
});

describe('Toxiproxy failures say what failed and what to do', function () {
  this.timeout(30_000);
  let silent: HttpServer | undefined;

  afterEach(async () => {
    silent?.closeAllConnections();
    await new Promise((r) => (silent ? silent.close(r) : r(undefined)));
    silent = undefined;
  });

  it('a call that hangs fails with HIL_E_PROXY after the timeout', async () => {
    // Accepts requests and never answers, like an API stuck under load.
    silent = createHttpServer(() => {});
    await new Promise<void>((r) => silent?.listen(0, '127.0.0.1', () => r()));
    const port = (silent.address() as { port: number }).port;
    const client = new ToxiproxyClient({ url: `http://127.0.0.1:${port}`, timeoutMs: 300 });
    const err = await rejection(client.reset());
    expect(err.code).to.equal('HIL_E_PROXY');
    expect(err.message).to.include('POST /reset got no answer within 300 ms');
  });

  it('nothing listening, manage: false → HIL_E_PROXY pointing at toxiproxy.manage', async () => {
    const port = await freePort();
    const err = await rejection(openToxiproxy({ url: `http://127.0.0.1:${port}`, manage: false }));
    expect(err.code).to.equal('HIL_E_PROXY');
    expect(err.message).to.include('toxiproxy.manage: true');
  });

  it('nothing listening, manage: true → starts one elsewhere and stop() ends it', async () => {
    const port = await freePort();
    const service = await openToxiproxy({ url: `http://127.0.0.1:${port}`, manage: true });
    try {
      expect(service.managed).to.equal(true);
      expect(service.url).to.not.equal(`http://127.0.0.1:${port}`);
      expect(await service.client.version()).to.be.a('string');
    } finally {
      await service.stop();
    }
    expect(service.pid).to.be.a('number');
    expect(() => process.kill(service.pid as number, 0)).to.throw();
    const err = await rejection(service.client.version());
    expect(err.code).to.equal('HIL_E_PROXY');
  });

  it('a missing binary → HIL_E_PROXY pointing at scripts/setup.sh', async () => {
    const err = await rejection(startToxiproxyServer({ binary: '/nonexistent/toxiproxy-server' }));
    expect(err.code).to.equal('HIL_E_PROXY');
    expect(err.message).to.include('scripts/setup.sh');
  });
});
