import { networkInterfaces } from 'node:os';
import { connectionHolders, type Holder, type ProcRoot, portHolders } from '../network/holder.js';
import type { HostPort } from '../spec/types.js';

/**
 * How a board's MQTT connection reached the broker: through its Toxiproxy proxy, straight
 * (`from`: where it came from), or not known (`why`), when /proc cannot tell.
 */
export type ProxyPath =
  | { via: 'proxy' }
  | { via: 'direct'; from: HostPort }
  | { via: 'unknown'; why: string };

export interface ProxyPathInput {
  /** The client's address as the broker saw it (the connect record's `from`). */
  from: HostPort | undefined;
  /** The port the board's proxy listens on. */
  proxyPort: number;
  /** The port the broker listens on (the proxy's upstream). */
  brokerPort: number;
}

/**
 * Whether the connection came through the proxy. Toxiproxy makes each upstream connection
 * itself, so the connection's own end (the broker's `from`) must be a socket held by the process
 * that listens on the proxy's port, i.e. toxiproxy-server; a connection held by any other
 * process, or from another host while toxiproxy-server runs on this one, went around it.
 * Linux /proc only: where the proxy's listener is not seen (another host, a container, other
 * /proc), or the connection is gone before it is looked up, the answer is `unknown`.
 */
export async function proxyPath(input: ProxyPathInput, opts: ProcRoot = {}): Promise<ProxyPath> {
  const { from, proxyPort, brokerPort } = input;
  if (!from) return { via: 'unknown', why: 'the broker did not see where the client came from' };
  const proxies = (await portHolders(proxyPort, opts)).filter(isToxiproxy);
  if (proxies.length === 0) {
    return { via: 'unknown', why: `no toxiproxy-server seen listening on port ${proxyPort}` };
  }
  // Only whether toxiproxy-server holds it matters: its fds are the only ones read.
  const pids = new Set(proxies.map((p) => p.pid));
  const holders = await connectionHolders(from.port, brokerPort, { ...opts, among: [...pids] });
  if (holders === undefined) {
    // Not in this host's tables: a client on another host, or a local one that is gone by now.
    return isLocalAddress(from.host)
      ? { via: 'unknown', why: 'the connection was gone before it was looked up' }
      : { via: 'direct', from };
  }
  return holders.some((h) => pids.has(h.pid)) ? { via: 'proxy' } : { via: 'direct', from };
}

/** toxiproxy-server, as its command line names it (not a container's port forwarder). */
function isToxiproxy(h: Holder): boolean {
  return /toxiproxy/i.test(h.command);
}

function isLocalAddress(host: string): boolean {
  const bare = host.replace(/^::ffff:/i, '');
  if (bare === '::1' || /^127\./.test(bare)) return true;
  return Object.values(networkInterfaces()).some((addrs) =>
    addrs?.some((a) => a.address.replace(/^::ffff:/i, '') === bare),
  );
}
