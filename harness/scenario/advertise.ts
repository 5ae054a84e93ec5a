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
