import { type AddressInfo, connect, createServer, type Server } from 'node:net';
import { expect } from 'chai';
import { startToxiproxyServer, type ToxiproxyService } from '../../harness/network/toxiproxy-server.js';

/** What a client of the proxy sees: the events of one connection, until it closes or 3 s pass. */
function watch(port: number): Promise<string[]> {
  return new Promise((resolve) => {
    const seen: string[] = [];
    const s = connect({ host: '127.0.0.1', port });
    // The start of an MQTT CONNECT, as a board writes it right after connecting.
    s.on('connect', () => {
      seen.push('connect');
      s.write(Buffer.from('101000044d5154540402003c', 'hex'));
    });
    s.on('end', () => seen.push('FIN'));
    s.on('error', (e: NodeJS.ErrnoException) => seen.push(e.code ?? 'error'));
    s.on('close', () => resolve(seen));
    setTimeout(() => s.destroy(), 3000);
  });
}

/**
 * Which close the rack produces on a broker-refuse (docs/micropython-boards.md): the board's
 * live connection gets a FIN, and every reconnect is refused at the SYN (ECONNREFUSED), so
 * umqtt.robust's connect fails before reading any CONNACK and its IndexError loop cannot appear.
 */
describe('broker-refuse on the rack: FIN for the live connection, ECONNREFUSED for reconnects', function () {
  this.timeout(30_000);
  let toxiproxy: ToxiproxyService;
  let upstream: Server;

  before(async () => {
    toxiproxy = await startToxiproxyServer();
    upstream = createServer((s) => {
      s.on('data', () => {});
      s.on('error', () => {});
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  });
  after(async () => {
    await toxiproxy?.stop();
    upstream?.close();
  });

  it('closes the established connection with a FIN and refuses new ones', async () => {
    const proxy = await toxiproxy.client.ensureProxy({
      name: 'refuse-close',
      listen: { host: '127.0.0.1', port: 0 },
      upstream: `127.0.0.1:${(upstream.address() as AddressInfo).port}`,
    });
    const live = watch(proxy.listen.port);
    await new Promise((r) => setTimeout(r, 300)); // the CONNECT is read and relayed: nothing unread
    await proxy.setEnabled(false);
    expect(await live, 'the live connection').to.deep.equal(['connect', 'FIN']);
    expect(await watch(proxy.listen.port), 'a reconnect').to.deep.equal(['ECONNREFUSED']);
  });
});
