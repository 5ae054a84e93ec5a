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
