import { createServer } from 'node:net';

/**
 * A TCP port the OS says is free on `host` right now. Another process may take it before
 * the caller listens: callers that cannot listen on port 0 themselves retry on failure.
 */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * A TCP port below the ephemeral range (boards.yml refuses 32768 and up: the OS hands those to
 * outgoing connections) that is free on `host` right now, for a rack file's `listen` and broker
 * ports. Bounded: after 50 taken ports, an error. `host` 0.0.0.0 checks every interface.
 */
export async function freeLowPort(host = '127.0.0.1'): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error('no free port found between 20000 and 32000');
}
