import { networkInterfaces } from 'node:os';

/**
 * The address real boards use to reach this host's proxies over WiFi: HIL_ADVERTISE_HOST,
 * else the first non-internal IPv4 address, else loopback.
 */
export function advertisedHost(env: NodeJS.ProcessEnv = process.env): string {
  if (env.HIL_ADVERTISE_HOST) return env.HIL_ADVERTISE_HOST;
  for (const addrs of Object.values(networkInterfaces())) {
    const v4 = addrs?.find((a) => a.family === 'IPv4' && !a.internal);
    if (v4) return v4.address;
  }
  return '127.0.0.1';
}

const WILDCARDS = new Set(['', '0.0.0.0', '::', '[::]']);

/**
 * The host a board is told to connect to (the `config` op's broker): loopback for boards on
 * this host; the proxy's own listen address when that is a specific one (a board told another
 * address would find nothing listening there); only a wildcard listen advertises an interface
 * address (or HIL_ADVERTISE_HOST).
 */
export function brokerHostFor(
  listenHost: string,
  reach: 'loopback' | 'lan',
  env: NodeJS.ProcessEnv = process.env,
): string {
  if (reach === 'loopback') return '127.0.0.1';
  return WILDCARDS.has(listenHost) ? advertisedHost(env) : listenHost;
}
